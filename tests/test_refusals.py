"""
Refusals a player meets on a live connection: a join with an access token
that is expired, forged or revoked, and a chat message the store could not
keep.  Each gets its own documented answer, nothing is half done, and the
connection goes on.
"""

import sqlite3

from twisted.internet import defer
from twisted.trial.unittest import SynchronousTestCase

from ark.identity.authority import ACCESS_SECONDS, Authority
from ark.world.movement import RIGHT

from tests.support import Harness


class TokenRefusalTests(SynchronousTestCase):
    """
    A join with an access token the server will not take gets that
    token's error and no seat, and may be tried again on the same
    connection.
    """

    def setUp(self):
        self.harness = Harness()
        # Someone already in the room, to see whether anyone else appears.
        self.watcher = self.harness.connect()
        self.watcher.join("watcher")
        self.harness.run(3)
        self.watcher.clear()

    def assertRefusedWithoutASeat(self, access, code):
        client = self.harness.connect()
        client.sendMessage({"t": "join", "access": access})
        self.assertEqual(client.errors(), [code])
        error = client.last("error")
        self.assertEqual(error["ref"], "join")
        self.assertIsNone(client.last("welcome"))
        self.assertIsNone(client.session.seat)
        room = next(self.harness.rooms.views()).room
        self.assertEqual([a.name for a in room.avatars.values()], ["watcher"])
        self.harness.run(6)
        self.assertEqual([m for m in self.watcher.messages("p") if m.get("add")], [])
        # A refused join is no strike and does not end the connection: the
        # client refreshes its token and joins on the same connection.
        self.assertIsNone(client.closedWith)
        welcome = client.join("ada")
        self.assertEqual(welcome["me"]["name"], "ada")
        self.assertEqual(len(room.avatars), 2)
        return client

    def test_expiredToken(self):
        """
        An access token past its fifteen minutes is C{token_expired}.
        """
        access = self.harness.accessToken("ada")
        self.harness.clock.advance(ACCESS_SECONDS)
        self.assertRefusedWithoutASeat(access, "token_expired")

    def test_forgedToken(self):
        """
        A well-formed token signed with another key is C{token_invalid}.
        """
        forger = Authority(None, self.harness.presence, b"another key, just as long, but not ours",
                           self.harness.clock)
        access = forger.issueAccess({"id": self.harness.userId("ada"), "name": "ada",
                                     "avatar": "fox"}, "family-of-ada")
        self.assertRefusedWithoutASeat(access, "token_invalid")

    def test_revokedToken(self):
        """
        An access token whose sign-in was logged out is C{token_revoked}.
        """
        access = self.harness.accessToken("ada")
        identity = self.harness.authority.readAccess(access)
        self.patch(self.harness.authority, "store", RevocationOnlyStore())
        self.harness.authority.logout(identity, None)
        client = self.harness.connect()
        client.sendMessage({"t": "join", "access": access})
        self.assertEqual(client.errors(), ["token_revoked"])
        self.assertIsNone(client.session.seat)
        room = next(self.harness.rooms.views()).room
        self.assertEqual([a.name for a in room.avatars.values()], ["watcher"])
        self.assertIsNone(client.closedWith)
        # The sign-in's whole family is gone: a new sign-in is needed.
        client.sendMessage({"t": "join", "access": self.harness.authority.issueAccess(
            {"id": self.harness.userId("ada"), "name": "ada", "avatar": "fox"}, "new-family")})
        self.assertEqual(client.last("welcome")["me"]["name"], "ada")


class RevocationOnlyStore:
    """
    What logging out asks of the store.
    """

    def revokeFamily(self, family, at):
        return defer.succeed(None)

    def familyOf(self, tokenHash):
        return defer.succeed(None)


class FailingStore:
    """
    A store whose chat writes fail (a full disk, a lost database) until
    it is told to work again.

    @ivar how: C{"fails"} for a failed Deferred, C{"raises"} for an
        exception at the call, C{None} to store messages.
    """

    def __init__(self):
        self.how = "fails"
        self.messages = []

    def addMessage(self, sessionKey, kind, title, participants, senderId, senderType, text, at):
        if self.how == "raises":
            raise sqlite3.OperationalError("disk I/O error")
        if self.how == "fails":
            return defer.fail(sqlite3.OperationalError("database or disk is full"))
        self.messages.append(text)
        return defer.succeed((1, len(self.messages)))

    def lastPlace(self, userId):
        return defer.succeed(None)

    def savePlaces(self, places, at):
        return defer.succeed(None)


class StoreFailedTests(SynchronousTestCase):
    """
    A chat message the store could not keep is answered with
    C{store_failed}, and reaches nobody.
    """

    def test_storeFailureReachesTheSender(self):
        """
        Whether the store's write fails or raises, the sender's C{said}
        carries C{store_failed} and its C{ref}, with no session, id or
        time; the player next to it hears nothing; the failure is logged;
        and once the store works again the same connection is heard.
        """
        store = FailingStore()
        harness = Harness(store=store)
        sender, listener = harness.joined(2)
        for ref, how in enumerate(["fails", "raises"]):
            store.how = how
            sender.clear()
            sender.sendMessage({"t": "say", "ref": ref, "kind": "nearby", "text": "hello"})
            said = sender.last("said")
            self.assertEqual((said["ref"], said["error"]), (ref, "store_failed"), how)
            self.assertIsInstance(said["message"], str)
            self.assertEqual(set(said) & {"session", "id", "at", "text"}, set())
            self.assertEqual(listener.messages("chat"), [])
            self.assertEqual(len(self.flushLoggedErrors(sqlite3.OperationalError)), 1)
        self.assertEqual(store.messages, [])
        self.assertIsNone(sender.closedWith)

        store.how = None
        sender.sendMessage({"t": "say", "ref": 9, "kind": "nearby", "text": "hello again"})
        said = sender.last("said")
        self.assertNotIn("error", said)
        self.assertEqual(said["ref"], 9)
        self.assertEqual([m["text"] for m in listener.messages("chat")], ["hello again"])
        # Walking still works: nothing of the session was broken.
        sender.walk(0, [RIGHT])
        harness.run(3)
        self.assertEqual(sender.last("p")["ack"], 0)
