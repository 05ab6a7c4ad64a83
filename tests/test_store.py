"""
Tests for L{ark.store}: the same tests against SQLite and PostgreSQL (see
L{tests.backends}).
"""

from __future__ import annotations

import os
import re

from twisted.internet import defer
from twisted.trial import unittest
from zope.interface.verify import verifyObject

from ark.interfaces import IStore, UsernameTaken
from ark.store import openStore
from ark.store.dialects import PostgreSQLDialect
from ark.store.migrations import MIGRATIONS, migrate

from tests.backends import PostgreSQLBackend, SQLiteBackend

TABLES = ("users", "refresh_tokens", "chat_sessions", "chat_participants", "chat_messages",
          "schema_migrations")

HOUR = 3600 * 1000


class StoreTestsMixin:
    """
    What a store must do, whatever its database (a L{tests.backends.Backend}
    mixed in with it).
    """

    @defer.inlineCallbacks
    def setUp(self):
        self.store = yield self.startStore()

    def query(self, sql, parameters=()):
        """
        Rows of a query written with C{?} placeholders, outside the store's
        methods.
        """
        return self.store.pool.runQuery(self.store.dialect.sql(sql), tuple(parameters))

    @defer.inlineCallbacks
    def createUsers(self, *names):
        """
        Guests named C{names}, one after another so that their ids follow
        the order of the names.

        @return: a L{Deferred} firing with their ids.
        """
        ids = []
        for name in names:
            user = yield self.store.createUser(name, "fox", 1000)
            ids.append(user["id"])
        return ids

    # -- migrations ------------------------------------------------------

    def test_providesIStore(self):
        """
        L{SQLStore} provides L{IStore}.
        """
        self.assertTrue(verifyObject(IStore, self.store))

    def test_migrationNumbersIncrease(self):
        """
        Migrations are numbered from 1 in strictly increasing order.
        """
        numbers = [migration.number for migration in MIGRATIONS]
        self.assertEqual(numbers[0], 1)
        self.assertEqual(numbers, sorted(set(numbers)))

    @defer.inlineCallbacks
    def test_migrationsCreateEveryTable(self):
        """
        Started on an empty database, the store creates every table and
        records every migration.
        """
        created = {name for migration in MIGRATIONS for statement in migration.statements
                   for name in re.findall(r"CREATE TABLE (?:IF NOT EXISTS )?(\w+)", statement)}
        self.assertEqual(created | {"schema_migrations"}, set(TABLES))
        for table in TABLES:
            rows = yield self.query("SELECT COUNT(*) FROM " + table)
            self.assertEqual(len(rows), 1, table)
        applied = yield self.query(
            "SELECT version, description FROM schema_migrations ORDER BY version"
        )
        self.assertEqual(
            [tuple(row) for row in applied],
            [(migration.number, migration.description) for migration in MIGRATIONS],
        )

    @defer.inlineCallbacks
    def test_secondStartAppliesNothingAndKeepsData(self):
        """
        Reopening a migrated database applies no migration again and finds
        everything stored before.
        """
        user = yield self.store.createUser("Ann", "fox", 1000, "ann", "hash")
        sessionId, messageId = yield self.store.addMessage(
            "direct:1", "direct", "", [user["id"]], user["id"], "player", "hello", 2000
        )
        yield self.store.addRefreshToken("token", user["id"], "family", 2000, 2000 + HOUR)
        journal = yield self.query("SELECT * FROM schema_migrations ORDER BY version")
        yield self.store.stop()

        self.store = yield self.startStore()
        self.assertEqual((yield self.query("SELECT * FROM schema_migrations ORDER BY version")),
                         journal)
        self.assertEqual((yield self.store.credentials("ann")), (user, "hash"))
        self.assertEqual((yield self.store.familyOf("token")), (user["id"], "family"))
        messages, more = yield self.store.messages(sessionId, None, 10)
        self.assertEqual(([message["id"] for message in messages], more), ([messageId], False))
        self.assertEqual((yield migrate(self.store.pool, self.store.dialect)), [])

    @defer.inlineCallbacks
    def test_nodesStartingTogetherMigrateOnce(self):
        """
        Two stores starting at once over one new database apply each
        migration once between them.
        """
        yield self.store.stop()
        self.dropAll()
        stores = [self.makeStore(), self.makeStore()]
        for store in stores:
            self.addCleanup(store.stop)
        applied = yield defer.gatherResults(
            [migrate(store.pool, store.dialect) for store in stores]
        )
        self.assertEqual(sorted(applied[0] + applied[1]),
                         [migration.number for migration in MIGRATIONS])
        self.store = stores[0]
        rows = yield self.query("SELECT COUNT(*) FROM schema_migrations")
        self.assertEqual(rows[0][0], len(MIGRATIONS))

    # -- users -----------------------------------------------------------

    @defer.inlineCallbacks
    def test_createGuest(self):
        """
        A user without a username is a guest, found again by id.
        """
        user = yield self.store.createUser("Guest 7", "cat", 1000)
        self.assertEqual(
            user,
            {"id": user["id"], "name": "Guest 7", "avatar": "cat", "username": None,
             "guest": True},
        )
        self.assertIsInstance(user["id"], int)
        self.assertEqual((yield self.store.userById(user["id"])), user)

    @defer.inlineCallbacks
    def test_guestsMayShareNames(self):
        """
        Guests have no username, so any number of them may exist, even with
        the same display name.
        """
        first = yield self.store.createUser("Guest", "cat", 1000)
        second = yield self.store.createUser("Guest", "cat", 1000)
        self.assertNotEqual(first["id"], second["id"])

    @defer.inlineCallbacks
    def test_createAccountAndCredentials(self):
        """
        An account is found by its username with its password hash.
        """
        user = yield self.store.createUser("Ann", "fox", 1000, "ann", "scrypt$hash")
        self.assertEqual(user["username"], "ann")
        self.assertFalse(user["guest"])
        self.assertEqual((yield self.store.credentials("ann")), (user, "scrypt$hash"))
        self.assertEqual((yield self.store.userById(user["id"])), user)

    @defer.inlineCallbacks
    def test_credentialsOfUnknown(self):
        """
        There are no credentials for a username nobody has.
        """
        yield self.store.createUser("Guest", "cat", 1000)
        self.assertIsNone((yield self.store.credentials("nobody")))

    @defer.inlineCallbacks
    def test_usernameTaken(self):
        """
        A second account with a username already taken fails with
        L{UsernameTaken}, and does not disturb the first.
        """
        first = yield self.store.createUser("Ann", "fox", 1000, "ann", "one")
        yield self.assertFailure(
            self.store.createUser("Ann Again", "cat", 2000, "ann", "two"), UsernameTaken
        )
        self.assertEqual((yield self.store.credentials("ann")), (first, "one"))
        other = yield self.store.createUser("Bob", "cat", 2000, "bob", "three")
        self.assertEqual(other["username"], "bob")

    @defer.inlineCallbacks
    def test_userByIdUnknown(self):
        """
        There is no user with an id never given.
        """
        self.assertIsNone((yield self.store.userById(424242)))

    @defer.inlineCallbacks
    def test_savePlace(self):
        """
        The place saved last is the one found, and saving it marks when the
        user was last seen.
        """
        (userId,) = yield self.createUsers("Ann")
        self.assertIsNone((yield self.store.lastPlace(userId)))
        yield self.store.savePlace(userId, "town.tmj", 6000, 7200, 5000)
        yield self.store.savePlace(userId, "forest.tmj", 60, -120, 9000)
        self.assertEqual((yield self.store.lastPlace(userId)), ("forest.tmj", 60, -120))
        rows = yield self.query("SELECT last_seen FROM users WHERE id = ?", (userId,))
        self.assertEqual(rows[0][0], 9000)

    @defer.inlineCallbacks
    def test_lastPlaceOfUnknown(self):
        """
        An unknown user has no last place.
        """
        self.assertIsNone((yield self.store.lastPlace(424242)))

    # -- refresh tokens --------------------------------------------------

    @defer.inlineCallbacks
    def test_useRefreshTokenOnce(self):
        """
        A valid refresh token is spent once, telling whose it was.
        """
        (userId,) = yield self.createUsers("Ann")
        yield self.store.addRefreshToken("h1", userId, "f1", 1000, 1000 + HOUR)
        self.assertEqual((yield self.store.useRefreshToken("h1", 2000)), ("ok", userId, "f1"))

    @defer.inlineCallbacks
    def test_reuseRevokesFamily(self):
        """
        Using a spent token again answers C{"reused"} and revokes its whole
        family: the family's newer token is refused as C{"revoked"}, while
        other families keep working.
        """
        (userId,) = yield self.createUsers("Ann")
        yield self.store.addRefreshToken("h1", userId, "f1", 1000, 1000 + HOUR)
        yield self.store.addRefreshToken("other", userId, "f2", 1000, 1000 + HOUR)
        self.assertEqual((yield self.store.useRefreshToken("h1", 2000)), ("ok", userId, "f1"))
        yield self.store.addRefreshToken("h2", userId, "f1", 2000, 2000 + HOUR)
        self.assertEqual((yield self.store.useRefreshToken("h1", 3000)),
                         ("reused", userId, "f1"))
        self.assertEqual((yield self.store.useRefreshToken("h2", 4000)),
                         ("revoked", userId, "f1"))
        self.assertEqual((yield self.store.useRefreshToken("h1", 5000)),
                         ("revoked", userId, "f1"))
        self.assertEqual((yield self.store.useRefreshToken("other", 5000)),
                         ("ok", userId, "f2"))

    @defer.inlineCallbacks
    def test_expiredRefreshToken(self):
        """
        A token is refused as C{"expired"} from its expiry time on, and
        stays unspent.
        """
        (userId,) = yield self.createUsers("Ann")
        yield self.store.addRefreshToken("h1", userId, "f1", 1000, 5000)
        self.assertEqual((yield self.store.useRefreshToken("h1", 5000)),
                         ("expired", userId, "f1"))
        self.assertEqual((yield self.store.useRefreshToken("h1", 6000)),
                         ("expired", userId, "f1"))

    @defer.inlineCallbacks
    def test_unknownRefreshToken(self):
        """
        A token never stored is C{"unknown"}, without user or family.
        """
        self.assertEqual((yield self.store.useRefreshToken("nope", 1000)),
                         ("unknown", None, None))
        self.assertIsNone((yield self.store.familyOf("nope")))

    @defer.inlineCallbacks
    def test_revokeFamily(self):
        """
        Revoking a family refuses each of its tokens, and no other.
        """
        (userId,) = yield self.createUsers("Ann")
        yield self.store.addRefreshToken("h1", userId, "f1", 1000, 1000 + HOUR)
        yield self.store.addRefreshToken("h2", userId, "f1", 1000, 1000 + HOUR)
        yield self.store.addRefreshToken("h3", userId, "f2", 1000, 1000 + HOUR)
        self.assertEqual((yield self.store.familyOf("h2")), (userId, "f1"))
        yield self.store.revokeFamily("f1", 2000)
        self.assertEqual((yield self.store.useRefreshToken("h1", 3000)),
                         ("revoked", userId, "f1"))
        self.assertEqual((yield self.store.useRefreshToken("h2", 3000)),
                         ("revoked", userId, "f1"))
        self.assertEqual((yield self.store.useRefreshToken("h3", 3000)),
                         ("ok", userId, "f2"))

    @defer.inlineCallbacks
    def test_concurrentUsesSpendOnce(self):
        """
        Of two uses of one token made at the same time, exactly one
        succeeds: the other is a reuse.
        """
        (userId,) = yield self.createUsers("Ann")
        tokens = ["h%d" % index for index in range(10)]
        for index, token in enumerate(tokens):
            yield self.store.addRefreshToken(token, userId, "f%d" % index, 1000, 1000 + HOUR)
        results = yield defer.gatherResults(
            [self.store.useRefreshToken(token, 2000) for token in tokens for _ in range(2)]
        )
        for index in range(len(tokens)):
            statuses = sorted(status for status, _, _ in results[2 * index:2 * index + 2])
            self.assertEqual(statuses, ["ok", "reused"], tokens[index])

    # -- chat ------------------------------------------------------------

    @defer.inlineCallbacks
    def test_addMessageCreatesSessionOnce(self):
        """
        Messages with one session key go to one session; another key makes
        another session.  Message ids increase.
        """
        ann, bob = yield self.createUsers("Ann", "Bob")
        first = yield self.store.addMessage("direct:1:2", "direct", "", [ann, bob], ann,
                                            "player", "hi", 1000)
        second = yield self.store.addMessage("direct:1:2", "direct", "", [ann, bob], bob,
                                             "player", "hello", 2000)
        third = yield self.store.addMessage("zone:town:hall", "zone", "Hall", [ann], ann,
                                            "player", "anyone?", 3000)
        self.assertEqual(first[0], second[0])
        self.assertNotEqual(first[0], third[0])
        self.assertLess(first[1], second[1])
        self.assertLess(second[1], third[1])
        rows = yield self.query("SELECT COUNT(*) FROM chat_sessions")
        self.assertEqual(rows[0][0], 2)

    @defer.inlineCallbacks
    def test_concurrentFirstMessages(self):
        """
        Messages sent at the same time to a session that does not exist yet
        create it once, and are all stored in it with all their senders.
        """
        users = yield self.createUsers(*["User %d" % index for index in range(12)])
        stored = yield defer.gatherResults([
            self.store.addMessage("zone:hall", "zone", "Hall", [users[0]], sender, "player",
                                  "hi", 1000)
            for sender in users
        ])
        (sessionId,) = {sessionId for sessionId, _ in stored}
        self.assertEqual(len({messageId for _, messageId in stored}), len(users))
        self.assertEqual((yield self.store.participantIds(sessionId)), users)
        messages, more = yield self.store.messages(sessionId, None, 50)
        self.assertEqual(sorted(message["id"] for message in messages),
                         sorted(messageId for _, messageId in stored))

    @defer.inlineCallbacks
    def test_participantsAccumulate(self):
        """
        Each message adds its participants and its sender to the session,
        keeping those already in it.
        """
        ann, bob, cat, dan = yield self.createUsers("Ann", "Bob", "Cat", "Dan")
        sessionId, _ = yield self.store.addMessage("nearby:1", "nearby", "", [ann, bob], ann,
                                                   "player", "hi", 1000)
        self.assertEqual((yield self.store.participantIds(sessionId)), sorted([ann, bob]))
        yield self.store.addMessage("nearby:1", "nearby", "", [cat], dan, "player", "yo", 2000)
        self.assertEqual((yield self.store.participantIds(sessionId)),
                         sorted([ann, bob, cat, dan]))
        yield self.store.addMessage("nearby:1", "nearby", "", [], None, "system", "bye", 3000)
        self.assertEqual((yield self.store.participantIds(sessionId)),
                         sorted([ann, bob, cat, dan]))

    @defer.inlineCallbacks
    def test_participantIdsOfUnknownSession(self):
        """
        A session that does not exist has no participants.
        """
        self.assertEqual((yield self.store.participantIds(424242)), [])

    @defer.inlineCallbacks
    def test_sessionsOf(self):
        """
        A user's sessions come latest activity first, with their
        participants, their last message, and how many messages from
        others the user has not read.
        """
        ann, bob, cat = yield self.createUsers("Ann", "Bob", "Cat")
        withBob, _ = yield self.store.addMessage("direct:ab", "direct", "", [ann, bob], bob,
                                                 "player", "one", 1000)
        yield self.store.addMessage("direct:ab", "direct", "", [ann, bob], bob,
                                    "player", "two", 2000)
        withCat, _ = yield self.store.addMessage("direct:ac", "direct", "", [ann, cat], cat,
                                                 "player", "meow", 3000)
        _, lastId = yield self.store.addMessage("direct:ab", "direct", "", [ann, bob], ann,
                                                "player", "three", 4000)

        sessions = yield self.store.sessionsOf(ann)
        self.assertEqual([session["id"] for session in sessions], [withBob, withCat])
        first, second = sessions
        self.assertEqual(first["kind"], "direct")
        self.assertEqual(first["title"], "")
        self.assertEqual(
            sorted(first["participants"], key=lambda person: person["id"]),
            [{"id": ann, "name": "Ann", "avatar": "fox"},
             {"id": bob, "name": "Bob", "avatar": "fox"}],
        )
        # Ann's own message counts as read by her, and with it what came
        # before it.
        self.assertEqual(first["unread"], 0)
        self.assertEqual(
            first["lastMessage"],
            {"id": lastId, "session": withBob, "from": {"id": ann, "name": "Ann", "avatar": "fox"},
             "text": "three", "at": 4000},
        )
        self.assertEqual(second["unread"], 1)
        self.assertEqual(second["lastMessage"]["text"], "meow")

        bobSessions = yield self.store.sessionsOf(bob)
        self.assertEqual([session["id"] for session in bobSessions], [withBob])
        self.assertEqual(bobSessions[0]["unread"], 1)

    @defer.inlineCallbacks
    def test_sessionsOfSameTimeNewestFirst(self):
        """
        Sessions last active at the same time come newest first.
        """
        (ann,) = yield self.createUsers("Ann")
        older, _ = yield self.store.addMessage("a", "zone", "A", [ann], None, "system", "x", 1000)
        newer, _ = yield self.store.addMessage("b", "zone", "B", [ann], None, "system", "y", 1000)
        sessions = yield self.store.sessionsOf(ann)
        self.assertEqual([session["id"] for session in sessions], [newer, older])
        self.assertEqual([session["title"] for session in sessions], ["B", "A"])

    @defer.inlineCallbacks
    def test_sessionsOfOutsider(self):
        """
        A user sees none of the sessions they take no part in.
        """
        ann, bob, eve = yield self.createUsers("Ann", "Bob", "Eve")
        yield self.store.addMessage("direct:ab", "direct", "", [ann, bob], ann, "player", "psst",
                                    1000)
        self.assertEqual((yield self.store.sessionsOf(eve)), [])

    @defer.inlineCallbacks
    def test_systemMessages(self):
        """
        A system message has no sender and is unread by everyone.
        """
        ann, bob = yield self.createUsers("Ann", "Bob")
        sessionId, messageId = yield self.store.addMessage(
            "system:1", "system", "", [ann, bob], None, "system", "Welcome", 1000
        )
        messages, more = yield self.store.messages(sessionId, None, 10)
        self.assertEqual(messages, [{"id": messageId, "session": sessionId, "from": None,
                                     "text": "Welcome", "at": 1000}])
        for user in (ann, bob):
            (session,) = yield self.store.sessionsOf(user)
            self.assertEqual(session["unread"], 1)
            self.assertIsNone(session["lastMessage"]["from"])

    @defer.inlineCallbacks
    def test_markRead(self):
        """
        Marking read answers how many messages remain unread, and never
        moves back.
        """
        ann, bob = yield self.createUsers("Ann", "Bob")
        ids = []
        for index in range(5):
            sessionId, messageId = yield self.store.addMessage(
                "direct:ab", "direct", "", [ann, bob], bob, "player", str(index), 1000 + index
            )
            ids.append(messageId)
        self.assertEqual((yield self.store.markRead(sessionId, ann, ids[2])), 2)
        self.assertEqual((yield self.store.markRead(sessionId, ann, ids[0])), 2)
        (session,) = yield self.store.sessionsOf(ann)
        self.assertEqual(session["unread"], 2)
        self.assertEqual((yield self.store.markRead(sessionId, ann, ids[4])), 0)
        # Bob wrote them all: nothing is unread for him either way.
        self.assertEqual((yield self.store.markRead(sessionId, bob, ids[0])), 0)

    @defer.inlineCallbacks
    def test_markReadBeyondNewest(self):
        """
        Marking read beyond the newest message does not mark messages
        written afterwards.
        """
        ann, bob = yield self.createUsers("Ann", "Bob")
        sessionId, messageId = yield self.store.addMessage(
            "direct:ab", "direct", "", [ann, bob], bob, "player", "one", 1000
        )
        self.assertEqual((yield self.store.markRead(sessionId, ann, messageId + 1000)), 0)
        yield self.store.addMessage("direct:ab", "direct", "", [ann, bob], bob, "player", "two",
                                    2000)
        (session,) = yield self.store.sessionsOf(ann)
        self.assertEqual(session["unread"], 1)

    @defer.inlineCallbacks
    def test_markReadByOutsider(self):
        """
        Someone who is not a participant, or a session that does not
        exist, answers C{None}.
        """
        ann, bob, eve = yield self.createUsers("Ann", "Bob", "Eve")
        sessionId, messageId = yield self.store.addMessage(
            "direct:ab", "direct", "", [ann, bob], ann, "player", "psst", 1000
        )
        self.assertIsNone((yield self.store.markRead(sessionId, eve, messageId)))
        self.assertIsNone((yield self.store.markRead(424242, ann, messageId)))
        self.assertEqual((yield self.store.participantIds(sessionId)), sorted([ann, bob]))

    @defer.inlineCallbacks
    def test_pagination(self):
        """
        Paging back from the newest message, passing the first id received
        as the next C{before}, gives full pages and then the rest, each
        oldest first, every message of the session exactly once; C{more}
        is false on the oldest page only.
        """
        ann, bob = yield self.createUsers("Ann", "Bob")
        written = []
        for index in range(123):
            sessionId, messageId = yield self.store.addMessage(
                "zone:hall", "zone", "Hall", [ann, bob], (ann, bob)[index % 2], "player",
                "message %d" % index, 1000 + index,
            )
            written.append(messageId)
            if index == 60:
                # Another session's message takes an id in between.
                yield self.store.addMessage("zone:yard", "zone", "Yard", [ann], ann, "player",
                                            "elsewhere", 1000 + index)
        pages = []
        page, more = yield self.store.messages(sessionId, None, 50)
        pages.insert(0, ([message["id"] for message in page], more))
        while more:
            page, more = yield self.store.messages(sessionId, page[0]["id"], 50)
            pages.insert(0, ([message["id"] for message in page], more))
        self.assertEqual([(len(ids), more) for ids, more in pages],
                         [(23, False), (50, True), (50, True)])
        self.assertEqual([messageId for ids, _ in pages for messageId in ids], written)

    @defer.inlineCallbacks
    def test_paginationReturnsEveryMessageOnce(self):
        """
        The pages, put together, are the session's messages in order, with
        their senders and times.
        """
        ann, bob = yield self.createUsers("Ann", "Bob")
        written = []
        for index in range(123):
            sender = (ann, bob)[index % 2]
            sessionId, messageId = yield self.store.addMessage(
                "zone:hall", "zone", "Hall", [ann, bob], sender, "player",
                "message %d" % index, 1000 + index,
            )
            written.append((messageId, sender, "message %d" % index, 1000 + index))
        received = []
        page, more = yield self.store.messages(sessionId, None, 50)
        received[:0] = page
        while more:
            page, more = yield self.store.messages(sessionId, page[0]["id"], 50)
            received[:0] = page
        self.assertEqual(
            [(message["id"], message["from"]["id"], message["text"], message["at"])
             for message in received],
            written,
        )
        self.assertEqual({message["session"] for message in received}, {sessionId})

    @defer.inlineCallbacks
    def test_addMessageOnceStoresAClientIdOnce(self):
        """
        A player's message sent again with its client id is stored once:
        the second time, the first is given back as it was stored, and
        another player's message with the same client id is their own.
        """
        ann = (yield self.store.createUser("Ann", "fox", 1000))["id"]
        bob = (yield self.store.createUser("Bob", "fox", 1000))["id"]
        first = yield self.store.addMessageOnce("c-0000001", "direct:ab", "direct", "",
                                                [ann, bob], ann, "hello", 2000)
        again = yield self.store.addMessageOnce("c-0000001", "direct:ab", "direct", "",
                                                [ann, bob], ann, "hello", 9000)
        self.assertFalse(first["again"])
        self.assertEqual(again, dict(first, again=True))
        self.assertEqual(first["at"], 2000)
        other = yield self.store.addMessageOnce("c-0000001", "direct:ab", "direct", "",
                                                [ann, bob], bob, "hi", 3000)
        self.assertNotEqual(other["id"], first["id"])
        messages, _ = yield self.store.messages(first["session"], None, 10)
        self.assertEqual([m["text"] for m in messages], ["hello", "hi"])
        # Read for its sender, as addMessage's.
        [session] = yield self.store.sessionsOf(ann)
        self.assertEqual(session["unread"], 1)

    @defer.inlineCallbacks
    def test_messagesOfEmptySession(self):
        """
        A session without messages (or no session) has no page and no more.
        """
        self.assertEqual((yield self.store.messages(424242, None, 50)), ([], False))


class SQLiteStoreTests(StoreTestsMixin, SQLiteBackend, unittest.TestCase):
    """
    The store in a SQLite file.
    """

    def setUp(self):
        self.setUpDatabase()
        return StoreTestsMixin.setUp(self)

    def test_openStore(self):
        """
        C{openStore("sqlite", directory)} keeps the store in C{ark.sqlite3}
        in that directory.
        """
        store = openStore("sqlite", os.path.dirname(self.path))
        self.addCleanup(store.stop)
        self.assertEqual(store.dialect.path, self.path)

    @defer.inlineCallbacks
    def test_pragmas(self):
        """
        The file is in WAL mode, commits are synchronous (FULL) and foreign
        keys are enforced.
        """
        self.assertEqual((yield self.query("PRAGMA journal_mode")), [("wal",)])
        self.assertEqual((yield self.query("PRAGMA synchronous")), [(2,)])
        self.assertEqual((yield self.query("PRAGMA foreign_keys")), [(1,)])
        self.assertEqual((yield self.query("PRAGMA busy_timeout")), [(5000,)])


class PostgreSQLStoreTests(StoreTestsMixin, PostgreSQLBackend, unittest.TestCase):
    """
    The store in a PostgreSQL database of its own.
    """

    def setUp(self):
        self.setUpDatabase()
        return StoreTestsMixin.setUp(self)

    def test_openStore(self):
        """
        C{openStore} with a URL opens that PostgreSQL database.
        """
        store = openStore(self.url(), "/nonexistent")
        self.addCleanup(store.stop)
        self.assertEqual(store.dialect.url, self.url())

    def test_nameHidesPassword(self):
        """
        The name of the store, for the log, leaves out the password.
        """
        dialect = PostgreSQLDialect("postgresql://ark:secret@db.example:5432/ark")
        self.assertEqual(dialect.name, "postgresql://ark@db.example:5432/ark")
