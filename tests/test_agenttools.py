"""
Tests for the world tools agents answer from (L{ark.agents.tools}),
against a real room and store: places and the way there, players and who
is online (never placing someone in a private zone for an outsider),
recent chat (only what the asker could read), headcounts; and the HTTP
API of the agents (L{ark.http.agentsapi}) over a real socket.
"""

from __future__ import annotations

import dataclasses
import json
import os

from twisted.internet import defer, endpoints, reactor
from twisted.trial.unittest import TestCase
from twisted.web.client import Agent, FileBodyProducer, readBody
from twisted.web.http_headers import Headers

from ark.agents.knowledge import Knowledge
from ark.agents.tools import (
    FIND_PLACE, HEADCOUNTS, LOCATE_PLAYER, RECENT_CHAT, TOOL_NAMES, WHO_IS_ONLINE, ToolError,
    World, WorldTools)
from ark.http.api import SignInLimit
from ark.http.site import makeSite
from ark.world import movement
from ark.world.agents import AgentSpec
from ark.world.movement import Body
from ark.world.worldmap import Rectangle, Zone

from tests.backends import SQLiteBackend
from tests.support import Harness, requestJSON
from tests.test_agents import HOME, agentsMap

TILE = 32
PLAZA = Zone("plaza", Rectangle(0, 0, 12 * TILE, 12 * TILE))
DEN = Zone("den", Rectangle(16 * TILE, 5 * TILE, 7 * TILE, 5 * TILE), {"private": True})
SCOUT = AgentSpec("scout", "Scout", role="the guide", home=HOME,
                  tools=(FIND_PLACE, LOCATE_PLAYER, WHO_IS_ONLINE),
                  topics=("where places are", "who is online"))
CHRONICLE = AgentSpec("chronicle", "Chronicle", role="the scribe", home=(HOME[0] + 64, HOME[1]),
                      tools=(RECENT_CHAT,), topics=("what was said", "who came"))
TRENDS = AgentSpec("trends", "Trends", role="the analyst", home=(HOME[0] - 64, HOME[1]),
                   tools=(HEADCOUNTS,), topics=("busy", "topics"))


class ToolsTestCase(SQLiteBackend, TestCase):

    @defer.inlineCallbacks
    def setUp(self):
        self.setUpDatabase()
        self.store = yield self.startStore()
        worldMap = agentsMap(SCOUT, CHRONICLE, TRENDS, zones=[PLAZA, DEN])
        self.harness = Harness({worldMap.name: worldMap}, store=self.store, seed=4)
        self.agents = self.harness.withAgents()
        self.addCleanup(self.agents.stopService)
        self.world = World(self.harness.rooms, self.store, self.agents.activity)
        self.clients = {}
        for name, (x, y) in [("Ada", (200, 200)), ("Bob", (240, 200)), ("Cy", (120, 120))]:
            user = yield self.store.createUser(name, "fox", 1000)
            self.harness._users[name] = user["id"]
            client = self.harness.connect()
            welcomed = client.next("welcome")
            client.join(name)
            yield welcomed
            client.userId = user["id"]
            self.clients[name] = client
            self.standAt(name, x, y)

    def standAt(self, name, x, y):
        seat = self.clients[name].session.seat
        seat.room.teleport(seat.avatar, Body(movement.toUnits(x), movement.toUnits(y)))

    def toolsOf(self, name, allowed=TOOL_NAMES):
        client = self.clients[name]
        return WorldTools(self.world, client.userId, client.session.seat, "agents.tmj", allowed,
                          Knowledge(None))

    @defer.inlineCallbacks
    def say(self, name, kind, text, to=None):
        client = self.clients[name]
        said = client.next("said")
        message = {"t": "say", "ref": 1, "kind": kind, "text": text}
        if to is not None:
            message["to"] = self.clients[to].userId
        client.sendMessage(message)
        said = yield said
        self.assertNotIn("error", said)


class PlacesAndPeopleTests(ToolsTestCase):

    def test_findPlaceSaysWhereAndShowsTheWay(self):
        """
        A place is found by its name, with where it is from the asker, who
        is in it, and a way there along walkable tiles.
        """
        tools = self.toolsOf("Cy")
        found = tools.findPlace("the DEN")
        [den] = found["places"]
        self.assertEqual((den["place"], den["map"], den["x"], den["y"], den["people"]),
                         ("den", "agents.tmj", 624, 240, 0))
        self.assertEqual(den["direction"], "east")
        path = tools.guidance["path"]
        self.assertEqual(path[0], [120, 120])
        self.assertTrue(DEN.contains(*path[-1]))
        worldMap = self.harness.rooms.maps["agents.tmj"]
        for x, y in path:
            self.assertFalse(worldMap.isBlocked(x // TILE, y // TILE))
        self.assertEqual(tools.findPlace("library")["places"], [])
        self.assertEqual(tools.placesNamedIn("Where is the plaza, and the den?"),
                         ["plaza", "den"])

    def test_aPlayerInAPrivateZoneIsOnlineButNotPlaced(self):
        """
        Bob in the den: whoever is outside learns that he is online, never
        where; Ada, in the den with him, learns where.
        """
        self.standAt("Bob", 640, 240)
        outside = self.successResultOf(self.toolsOf("Cy").locatePlayer("bob"))
        self.assertEqual(outside["players"], [
            {"name": "Bob", "map": "agents.tmj", "you": False, "private": True}])
        online = self.successResultOf(self.toolsOf("Cy").whoIsOnline())
        self.assertEqual(online["count"], 3)
        [bob] = [p for p in online["players"] if p["name"] == "Bob"]
        self.assertNotIn("zone", bob)
        self.standAt("Ada", 600, 240)
        [inside] = self.successResultOf(self.toolsOf("Ada").locatePlayer("Bob"))["players"]
        self.assertEqual((inside["zone"], inside["x"], inside["y"], inside["direction"]),
                         ("den", 640, 240, "east"))
        self.assertEqual(
            self.successResultOf(self.toolsOf("Cy").playersNamedIn("is Bob here? and ada?")),
            ["Ada", "Bob"])

    def test_whoIsOnlineCountsTheOtherNodes(self):
        """
        With several nodes, the players the others said they have at their
        last beat are listed and found by name too (by map and zone, never
        the zone of one in a private area); when the directory cannot be
        asked, this node's players are listed, said to be part.
        """
        class Directory:
            def __init__(self, found):
                self.found = found

            def elsewhere(self):
                if isinstance(self.found, Exception):
                    return defer.fail(self.found)
                return defer.succeed(self.found)

        self.world.directory = Directory([
            {"id": 90, "name": "Zed", "map": "cafe.tmj", "zone": "bar_counter"},
            {"id": 91, "name": "Yves", "map": "agents.tmj", "private": True},
            {"id": self.clients["Bob"].userId, "name": "Bob", "map": "agents.tmj"}])
        cy = self.toolsOf("Cy")
        online = self.successResultOf(cy.whoIsOnline())
        self.assertEqual(online["count"], 5)
        self.assertEqual(online["players"][-2:], [
            {"name": "Zed", "map": "cafe.tmj", "you": False, "zone": "bar counter"},
            {"name": "Yves", "map": "agents.tmj", "you": False, "private": True}])
        self.assertNotIn("partial", online)
        # Found by name on their nodes, placed as far as those said.
        self.assertEqual(self.successResultOf(cy.playersNamedIn("where are Zed and Yves?")),
                         ["Zed", "Yves"])
        self.assertEqual(self.successResultOf(cy.locatePlayer("zed"))["players"], [
            {"name": "Zed", "map": "cafe.tmj", "you": False, "elsewhere": True,
             "zone": "bar counter"}])
        self.assertEqual(self.successResultOf(cy.locatePlayer("yves"))["players"], [
            {"name": "Yves", "map": "agents.tmj", "you": False, "elsewhere": True,
             "private": True}])
        self.world.directory = Directory(RuntimeError("Redis is away"))
        online = self.successResultOf(cy.whoIsOnline())
        self.assertEqual((online["count"], online["partial"]), (3, True))
        located = self.successResultOf(cy.locatePlayer("zed"))
        self.assertEqual((located["players"], located["partial"]), ([], True))

    @defer.inlineCallbacks
    def test_toolsByName(self):
        """
        Brains that call tools by name get the same results, only the
        tools their agent is given, and a clear error for a wrong call.
        """
        tools = self.toolsOf("Cy", (FIND_PLACE,))
        self.assertEqual([s["function"]["name"] for s in tools.schemas()],
                         ["find_place", "search_knowledge"])
        found = yield tools.call("find_place", {"name": "plaza"})
        self.assertEqual(found["places"][0]["place"], "plaza")
        for name, arguments, error in [
            ("who_is_online", {}, "there is no tool 'who_is_online'"),
            ("find_place", {}, "'name' must be a non-empty text"),
            ("find_place", ["plaza"], "the arguments must be a JSON object"),
        ]:
            failure = yield self.assertFailure(tools.call(name, arguments), ToolError)
            self.assertIn(error, str(failure))


class ChronicleTests(ToolsTestCase):
    """
    What was said lately, told only to those who could read it.
    """

    @defer.inlineCallbacks
    def setUp(self):
        yield ToolsTestCase.setUp(self)
        # Cy hears this in the plaza, with Ada.
        yield self.say("Ada", "zone", "lunch at noon, bring lunch")
        yield self.say("Cy", "zone", "lunch sounds good")
        # Only Bob may read these.
        yield self.say("Ada", "direct", "the password is swordfish", to="Bob")
        self.standAt("Ada", 600, 240)
        self.standAt("Bob", 640, 240)
        yield self.say("Ada", "nearby", "our private plan")

    @defer.inlineCallbacks
    def test_recentChatIsWhatTheAskerCouldRead(self):
        cy = yield self.toolsOf("Cy").recentChat()
        self.assertEqual([(m["from"], m["where"], m["text"]) for m in cy["messages"]], [
            ("you", "in plaza", "lunch sounds good"),
            ("Ada", "in plaza", "lunch at noon, bring lunch"),
        ])
        bob = yield self.toolsOf("Bob").recentChat()
        # Bob was in the plaza too.
        self.assertEqual([m["text"] for m in bob["messages"]],
                         ["our private plan", "the password is swordfish", "lunch sounds good",
                          "lunch at noon, bring lunch"])
        self.assertEqual([a["name"] for a in cy["arrivals"]], ["Cy", "Bob", "Ada"])

    @defer.inlineCallbacks
    def test_chronicleNeverQuotesWhatTheAskerCouldNotRead(self):
        """
        Asked what was said, Chronicle quotes the plaza's talk to Cy, and
        neither Ada's direct message to Bob nor what was said in the den.
        """
        cy = self.clients["Cy"]
        self.standAt("Cy", HOME[0] + 64, HOME[1] + 40)
        replied = cy.next("chat")
        cy.sendMessage({"t": "ask", "ref": 2, "agent": "chronicle",
                        "text": "What was said lately?"})
        reply = yield replied
        self.assertIn('Ada said in plaza', reply["text"])
        self.assertIn('"lunch at noon, bring lunch"', reply["text"])
        self.assertIn("Came into the world: Cy at", reply["text"])
        for secret in ("swordfish", "private plan"):
            self.assertNotIn(secret, reply["text"])
        bob = self.clients["Bob"]
        replied = bob.next("chat")
        bob.sendMessage({"t": "ask", "ref": 2, "agent": "chronicle", "text": "What did I miss?"})
        reply = yield replied
        self.assertIn("swordfish", reply["text"])

    @defer.inlineCallbacks
    def test_headcountsAndTopics(self):
        """
        Trends' tool: players per room and area, the peak of the day once
        the world was looked at, and the words the asker's recent public
        talk repeats.
        """
        self.harness.clock.advance(1.0)
        counts = yield self.toolsOf("Cy").headcounts()
        self.assertEqual(counts["rooms"], [{"room": "agents.tmj", "map": "agents.tmj",
                                            "players": 3}])
        self.assertEqual(counts["zones"], [{"zone": "den", "map": "agents.tmj", "players": 2},
                                           {"zone": "plaza", "map": "agents.tmj", "players": 1}])
        self.assertEqual(counts["peak_today"]["players"], 3)
        self.assertEqual(counts["topics"], ["lunch"])


class AgentsHTTPTests(SQLiteBackend, TestCase):
    """
    C{POST /api/agents/route} and C{POST /api/agents/<id>/messages}.
    """

    @defer.inlineCallbacks
    def setUp(self):
        self.setUpDatabase()
        self.store = yield self.startStore()
        worldMap = agentsMap(SCOUT, CHRONICLE, dataclasses.replace(TRENDS, fallback=True),
                             zones=[PLAZA, DEN])
        self.harness = Harness({worldMap.name: worldMap}, store=self.store, seed=4)
        agents = self.harness.withAgents()
        self.addCleanup(agents.stopService)
        web = self.mktemp()
        os.makedirs(web)
        site = makeSite(web, self.mktemp(), None, self.harness.rooms, self.harness.authority,
                        SignInLimit(self.harness.clock), self.harness.chat, agents)
        port = yield endpoints.TCP4ServerEndpoint(reactor, 0, interface="127.0.0.1").listen(site)
        self.addCleanup(port.stopListening)
        self.base = "http://127.0.0.1:%d/api/agents/" % (port.getHost().port,)
        user = yield self.store.createUser("Ada", "fox", 1000)
        self.harness._users["Ada"] = user["id"]
        self.userId = user["id"]
        self.token = self.harness.accessToken("Ada")

    @defer.inlineCallbacks
    def test_route(self):
        status, answer = yield requestJSON("POST", self.base + "route",
                                           {"question": "Who is online?"})
        self.assertEqual((status, answer["agent"], answer["name"]), (200, "scout", "Scout"))
        self.assertIn("knows about who is online", answer["reason"])
        status, answer = yield requestJSON("POST", self.base + "route", {"question": "Zebra?"})
        self.assertEqual(answer["agent"], "trends")
        for body, status, code in [({}, 400, "bad_field"), ({"question": 5}, 400, "bad_field"),
                                   ({"question": "x" * 3000}, 400, "too_long"),
                                   ({"question": "hi", "map": "no.tmj"}, 404, "unknown_map")]:
            got, answer = yield requestJSON("POST", self.base + "route", body)
            self.assertEqual((got, answer["error"]), (status, code), body)

    @defer.inlineCallbacks
    def test_messagesStreamTheReplyAndStoreIt(self):
        """
        The reply comes as server-sent events, the question first, then
        the pieces, then the reply as stored; both are in Ada's session.
        """
        headers = Headers({b"content-type": [b"application/json"],
                           b"authorization": [b"Bearer " + self.token.encode("ascii")]})
        body = FileBodyProducer(_bytes({"text": "Where is the den?"}))
        response = yield Agent(reactor).request(b"POST", (self.base + "scout/messages").encode(),
                                                headers, body)
        self.assertEqual(response.code, 200)
        self.assertEqual(response.headers.getRawHeaders(b"content-type"),
                         [b"text/event-stream; charset=utf-8"])
        events = _events((yield readBody(response)))
        self.assertEqual([name for name, _ in events][0], "asked")
        self.assertEqual([name for name, _ in events][-1], "done")
        self.assertGreater(len([e for e in events if e[0] == "piece"]), 1)
        done = events[-1][1]
        self.assertIn("The den is here on agents.tmj", done["text"])
        self.assertEqual("".join(e[1]["text"] for e in events if e[0] == "piece").strip(),
                         done["text"])
        messages, _ = yield self.store.messages(done["session"], None, 10)
        self.assertEqual([m["text"] for m in messages], ["Where is the den?", done["text"]])

    @defer.inlineCallbacks
    def test_messagesRefusals(self):
        for agent, body, token, status, code in [
            ("scout", {"text": "hi"}, None, 401, "token_missing"),
            ("nobody", {"text": "hi"}, self.token, 404, "unknown_agent"),
            ("scout", {"text": ""}, self.token, 400, "empty"),
            ("scout", {"txt": "hi"}, self.token, 400, "bad_field"),
        ]:
            got, answer = yield requestJSON("POST", self.base + agent + "/messages", body, token)
            self.assertEqual((got, answer["error"]), (status, code), (agent, body))
        got, answer = yield requestJSON("GET", self.base + "scout/messages")
        self.assertEqual(got, 405)
        got, answer = yield requestJSON("GET", self.base + "scout/elsewhere")
        self.assertEqual((got, answer["error"]), (404, "not_found"))


def _bytes(value):
    from io import BytesIO

    return BytesIO(json.dumps(value).encode("utf-8"))


def _events(stream: bytes):
    events = []
    for block in stream.decode("utf-8").split("\n\n"):
        if block.strip():
            lines = dict(line.split(": ", 1) for line in block.split("\n"))
            events.append((lines["event"], json.loads(lines["data"])))
    return events
