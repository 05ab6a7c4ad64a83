"""
Tests for chat (L{ark.chat.service}, L{ark.chat.filter} and the C{say} message):
who hears what, that nothing is acknowledged before it is stored, the
limits, and the history API's access rules, against SQLite and PostgreSQL.
"""

from __future__ import annotations

import os

from twisted.internet import defer, endpoints, reactor
from twisted.trial import unittest

from ark.chat.filter import MAX_LENGTH, ChatFilter, Refused, readWordList
from ark.http.api import SignInLimit
from ark.http.site import makeSite
from ark.world import movement
from ark.world.movement import Body
from ark.world.worldmap import Rectangle, Zone

from tests.backends import PostgreSQLBackend, SQLiteBackend
from tests.support import Harness, mapFromRows, requestJSON

UNITS = movement.UNITS_PER_PIXEL


class FilterTests(unittest.SynchronousTestCase):
    """
    What may be said, and what the filter makes of it.
    """

    def setUp(self):
        self.filter = ChatFilter(["darn", "heck"])

    def assertRefused(self, text, code):
        error = self.assertRaises(Refused, self.filter.clean, text)
        self.assertEqual(error.code, code)

    def test_plainTextPasses(self):
        self.assertEqual(self.filter.clean("  Hello, world!  "), "Hello, world!")
        self.assertEqual(self.filter.clean("<img src=x onerror=alert(1)>"),
                         "<img src=x onerror=alert(1)>")

    def test_limits(self):
        longest = "abcd" * (MAX_LENGTH // 4)
        self.assertEqual(self.filter.clean(longest), longest)
        self.assertRefused(longest + "e", "too_long")
        self.assertRefused("   ", "empty")
        self.assertRefused("\u200b\u202e", "empty")

    def test_repeatedCharacters(self):
        self.assertEqual(self.filter.clean("Aaaaaaaah"), "Aaaaaaaah")
        self.assertRefused("no" + "o" * 20, "repeated_characters")
        self.assertRefused("!" * 13, "repeated_characters")

    def test_shouting(self):
        self.assertEqual(self.filter.clean("I love NASA and the BBC"), "I love NASA and the BBC")
        self.assertEqual(self.filter.clean("OK"), "OK")
        self.assertRefused("WHY IS NOBODY LISTENING TO ME", "shouting")

    def test_bannedWordsAreMaskedAsWholeWords(self):
        self.assertEqual(self.filter.clean("Darn it, what the HECK"), "**** it, what the ****")
        self.assertEqual(self.filter.clean("darning socks"), "darning socks")

    def test_wordListFile(self):
        self.assertEqual(readWordList(["# words\n", "darn\n", "\n", "  heck  \n"]),
                         ["darn", "heck"])


# A 40 x 20 tile open map with a library zone in its top left corner and a
# private booth in its top right one.
LIBRARY = Zone("library", Rectangle(0, 0, 320, 320), {"silent": True})
BOOTH = Zone("booth", Rectangle(960, 0, 320, 320), {"private": True})


def chatMap():
    rows = ["." * 40 for _ in range(20)]
    rows[15] = "." * 20 + "S" + "." * 19
    return mapFromRows(rows, name="chat.tmj", zones=[LIBRARY, BOOTH])


class WorldWithStoreMixin:
    """
    The rooms of L{chatMap} on a test clock, with a real store.
    """

    @defer.inlineCallbacks
    def setUp(self):
        self.setUpDatabase()
        self.store = yield self.startStore()
        worldMap = chatMap()
        self.harness = Harness(maps={worldMap.name: worldMap}, store=self.store)


class ChatTestsMixin(WorldWithStoreMixin):
    """
    Players chatting through the server's sessions.
    """

    @defer.inlineCallbacks
    def player(self, name, at=None):
        """
        A signed-up player who has joined, standing at C{at} (pixels).
        """
        user = yield self.store.createUser(name, "fox", 1000)
        self.harness._users[name] = user["id"]
        client = self.harness.connect()
        # With a store, joining first asks it where the player last was.
        welcomed = client.next("welcome")
        client.join(name)
        yield welcomed
        if at is not None:
            seat = client.session.seat
            seat.room.teleport(seat.avatar, Body(at[0] * UNITS, at[1] * UNITS))
        client.userId = user["id"]
        return client

    @defer.inlineCallbacks
    def say(self, client, kind, text, ref=1, **extra):
        """
        Say something and wait for the answer.
        """
        message = {"t": "say", "ref": ref, "kind": kind, "text": text}
        message.update(extra)
        said = client.next("said")
        client.sendMessage(message)
        return (yield said)

    @defer.inlineCallbacks
    def test_nearbyReachesOnlyThoseNear(self):
        """
        A nearby message reaches the players within the radius, not those
        further away, and they become the session's participants.
        """
        ada = yield self.player("ada", (600, 400))
        bob = yield self.player("bob", (660, 400))
        far = yield self.player("far", (1000, 400))
        said = yield self.say(ada, "nearby", "hello there")
        self.assertNotIn("error", said)
        self.assertEqual(said["text"], "hello there")
        [chat] = bob.messages("chat")
        self.assertEqual((chat["session"], chat["id"], chat["text"], chat["kind"]),
                         (said["session"], said["id"], "hello there", "nearby"))
        self.assertEqual(chat["from"], {"id": ada.userId, "name": "ada", "avatar": "fox"})
        self.assertEqual(far.messages("chat"), [])
        self.assertEqual(ada.messages("chat"), [])
        members = yield self.store.participantIds(said["session"])
        self.assertEqual(sorted(members), sorted([ada.userId, bob.userId]))

    @defer.inlineCallbacks
    def test_privateBoothIsHeardOnlyInside(self):
        """
        Nearby chat does not cross a private zone's edge, either way.
        """
        ada = yield self.player("ada", (900, 100))
        bob = yield self.player("bob", (980, 100))
        cat = yield self.player("cat", (1040, 100))
        fromOutside = yield self.say(ada, "nearby", "anyone there?", ref=1)
        fromInside = yield self.say(bob, "nearby", "just us", ref=2)
        self.assertEqual([c["text"] for c in bob.messages("chat")], [])
        self.assertEqual([c["text"] for c in cat.messages("chat")], ["just us"])
        self.assertEqual([c["text"] for c in ada.messages("chat")], [])
        outsiders = yield self.store.participantIds(fromOutside["session"])
        insiders = yield self.store.participantIds(fromInside["session"])
        self.assertEqual(sorted(outsiders), [ada.userId])
        self.assertEqual(sorted(insiders), sorted([bob.userId, cat.userId]))

    @defer.inlineCallbacks
    def test_acknowledgedOnlyOnceStored(self):
        """
        The sender hears nothing until the message is stored; when it
        does, the history has it.
        """
        ada = yield self.player("ada", (600, 400))
        answered = ada.next("said")
        ada.sendMessage({"t": "say", "ref": 7, "kind": "nearby", "text": "first"})
        self.assertEqual(ada.messages("said"), [])
        yield answered
        [said] = ada.messages("said")
        self.assertEqual(said["ref"], 7)
        messages, more = yield self.store.messages(said["session"], None, 10)
        self.assertEqual([(m["id"], m["text"]) for m in messages], [(said["id"], "first")])

    @defer.inlineCallbacks
    def test_sameGroupSameSession(self):
        ada = yield self.player("ada", (600, 400))
        yield self.player("bob", (660, 400))
        first = yield self.say(ada, "nearby", "one", ref=1)
        second = yield self.say(ada, "nearby", "two", ref=2)
        self.assertEqual(first["session"], second["session"])
        self.assertGreater(second["id"], first["id"])

    @defer.inlineCallbacks
    def test_zoneChat(self):
        """
        Zone chat reaches everyone in the sender's zone, wherever in it;
        outside every zone it is refused.
        """
        ada = yield self.player("ada", (40, 40))
        bob = yield self.player("bob", (280, 280))
        out = yield self.player("out", (400, 40))
        said = yield self.say(ada, "zone", "shh")
        self.assertNotIn("error", said)
        self.assertEqual([m["text"] for m in bob.messages("chat")], ["shh"])
        self.assertEqual(out.messages("chat"), [])
        refused = yield self.say(out, "zone", "anyone?")
        self.assertEqual(refused["error"], "not_in_zone")
        [session] = yield self.store.sessionsOf(bob.userId)
        self.assertEqual((session["kind"], session["title"]), ("zone", "library"))

    @defer.inlineCallbacks
    def test_directToAnOfflineUser(self):
        """
        A direct message to someone who is not online is kept for them.
        """
        ada = yield self.player("ada", (600, 400))
        away = yield self.store.createUser("away", "owl", 1000)
        said = yield self.say(ada, "direct", "call me", to=away["id"])
        self.assertNotIn("error", said)
        [session] = yield self.store.sessionsOf(away["id"])
        self.assertEqual((session["id"], session["kind"], session["unread"]),
                         (said["session"], "direct", 1))
        unknown = yield self.say(ada, "direct", "hello?", ref=2, to=999999)
        self.assertEqual(unknown["error"], "unknown_user")

    @defer.inlineCallbacks
    def test_rateLimit(self):
        """
        Five messages in ten seconds; the sixth is refused until the
        window has moved on.
        """
        ada = yield self.player("ada", (600, 400))
        for ref in range(5):
            said = yield self.say(ada, "nearby", "message %d" % (ref,), ref=ref)
            self.assertNotIn("error", said)
        said = yield self.say(ada, "nearby", "one too many", ref=5)
        self.assertEqual(said["error"], "chat_rate_limited")
        self.harness.clock.advance(10)
        said = yield self.say(ada, "nearby", "later", ref=6)
        self.assertNotIn("error", said)

    @defer.inlineCallbacks
    def test_filteredText(self):
        ada = yield self.player("ada", (600, 400))
        said = yield self.say(ada, "nearby", "STOP SHOUTING AT EVERYONE")
        self.assertEqual(said["error"], "shouting")
        self.assertIn("shout", said["message"])

    def test_sayingBeforeJoining(self):
        client = self.harness.connect()
        client.sendMessage({"t": "say", "ref": 1, "kind": "nearby", "text": "hi"})
        self.assertEqual(client.errors(), ["not_joined"])


class HistoryAPITestsMixin(WorldWithStoreMixin):
    """
    The history endpoints over a real socket: only participants read a
    session, and pages cover it exactly once.
    """

    @defer.inlineCallbacks
    def setUp(self):
        yield WorldWithStoreMixin.setUp(self)
        webDirectory = self.mktemp()
        os.makedirs(webDirectory)
        site = makeSite(webDirectory, self.mktemp(), None, self.harness.rooms,
                        self.harness.authority, SignInLimit(reactor, 1000))
        port = yield endpoints.TCP4ServerEndpoint(reactor, 0, interface="127.0.0.1").listen(site)
        self.addCleanup(port.stopListening)
        self.base = "http://127.0.0.1:%d" % (port.getHost().port,)

    @defer.inlineCallbacks
    def signIn(self, name):
        status, answer = yield requestJSON("POST", self.base + "/api/auth/guest",
                                           {"name": name, "avatar": "fox"})
        self.assertEqual(status, 200, answer)
        return answer

    @defer.inlineCallbacks
    def test_strangersCannotRead(self):
        """
        Someone who is not a participant gets the same 404 as for a session
        that does not exist, and never the messages.
        """
        ada = yield self.signIn("ada")
        bob = yield self.signIn("bob")
        eve = yield self.signIn("eve")
        sessionId, _ = yield self.store.addMessage(
            "direct:x", "direct", "", [ada["user"]["id"], bob["user"]["id"]],
            ada["user"]["id"], "player", "secret plans", 1000)
        url = self.base + "/api/chat/sessions/%d/messages" % (sessionId,)
        status, answer = yield requestJSON("GET", url, token=bob["accessToken"])
        self.assertEqual((status, [m["text"] for m in answer["messages"]]),
                         (200, ["secret plans"]))
        status, answer = yield requestJSON("GET", url, token=eve["accessToken"])
        self.assertEqual((status, answer["error"]), (404, "not_found"))
        status, answer = yield requestJSON(
            "GET", self.base + "/api/chat/sessions/%d/messages" % (sessionId + 1000,),
            token=eve["accessToken"])
        self.assertEqual((status, answer["error"]), (404, "not_found"))
        status, answer = yield requestJSON(
            "POST", self.base + "/api/chat/sessions/%d/read" % (sessionId,), {"upTo": 1},
            token=eve["accessToken"])
        self.assertEqual(status, 404)
        status, answer = yield requestJSON("GET", self.base + "/api/chat/sessions",
                                           token=eve["accessToken"])
        self.assertEqual(answer, {"sessions": []})
        status, answer = yield requestJSON("GET", url)
        self.assertEqual((status, answer["error"]), (401, "token_missing"))

    @defer.inlineCallbacks
    def test_pagesCoverEverythingOnce(self):
        """
        Paging back with C{before} returns every message exactly once, in
        order; reading marks them read.
        """
        ada = yield self.signIn("ada")
        bob = yield self.signIn("bob")
        members = [ada["user"]["id"], bob["user"]["id"]]
        sent = []
        for number in range(57):
            sessionId, messageId = yield self.store.addMessage(
                "nearby:test", "nearby", "", members, ada["user"]["id"], "player",
                "message %d" % (number,), 1000 + number)
            sent.append(messageId)
        url = self.base + "/api/chat/sessions/%d/messages?limit=20" % (sessionId,)
        seen = []
        before = ""
        while True:
            status, page = yield requestJSON("GET", url + before, token=bob["accessToken"])
            self.assertEqual(status, 200, page)
            seen = [m["id"] for m in page["messages"]] + seen
            if not page["more"]:
                break
            before = "&before=%d" % (page["messages"][0]["id"],)
        self.assertEqual(seen, sent)
        status, listing = yield requestJSON("GET", self.base + "/api/chat/sessions",
                                            token=bob["accessToken"])
        self.assertEqual(listing["sessions"][0]["unread"], 57)
        status, answer = yield requestJSON(
            "POST", self.base + "/api/chat/sessions/%d/read" % (sessionId,),
            {"upTo": sent[49]}, token=bob["accessToken"])
        self.assertEqual((status, answer), (200, {"unread": 7}))

    @defer.inlineCallbacks
    def test_badQueries(self):
        ada = yield self.signIn("ada")
        sessionId, _ = yield self.store.addMessage(
            "nearby:q", "nearby", "", [ada["user"]["id"]], ada["user"]["id"], "player", "x", 1)
        for query in ("?limit=0", "?limit=101", "?before=abc", "?limit=1.5"):
            status, answer = yield requestJSON(
                "GET", self.base + "/api/chat/sessions/%d/messages%s" % (sessionId, query),
                token=ada["accessToken"])
            self.assertEqual((status, answer["error"]), (400, "bad_field"), query)


class SQLiteChatTests(ChatTestsMixin, SQLiteBackend, unittest.TestCase):
    pass


class PostgreSQLChatTests(ChatTestsMixin, PostgreSQLBackend, unittest.TestCase):
    pass


class SQLiteHistoryAPITests(HistoryAPITestsMixin, SQLiteBackend, unittest.TestCase):
    pass


class PostgreSQLHistoryAPITests(HistoryAPITestsMixin, PostgreSQLBackend, unittest.TestCase):
    pass
