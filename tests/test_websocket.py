"""
The world over a real socket: Autobahn clients connect to the real site on
a loopback port and play.
"""

import os

import cbor2

from autobahn.twisted.websocket import WebSocketClientFactory, WebSocketClientProtocol
from twisted.internet import defer, endpoints, reactor
from twisted.trial.unittest import TestCase

from ark.identity.authority import Authority
from ark.chat.service import ChatService
from ark.chat.filter import ChatFilter
from ark.http.api import SignInLimit
from ark.net.protocol import WorldFactory
from ark.identity.presence import InProcessPresence
from ark.rooms import RoomManager
from ark.app.service import SimulationService
from ark.store import openStore
from ark.http.site import makeSite
from ark.world.movement import DOWN, RIGHT

from tests.support import openMap, readable, requestJSON


class PlayerProtocol(WebSocketClientProtocol):
    """
    A test player: records every message and fires Deferreds when a
    message satisfying a condition arrives.
    """

    def onOpen(self):
        self.received = []
        self.waiting = []
        self.closed = defer.Deferred()
        self.factory.connected.callback(self)

    def onClose(self, wasClean, code, reason):
        if hasattr(self, "closed"):
            self.closed.callback(code)

    def leave(self):
        """
        Leave on purpose, so the server releases the avatar at once.
        """
        self.send({"t": "leave"})
        return self.closed

    def onMessage(self, payload, isBinary):
        message = readable(cbor2.loads(payload))
        self.received.append(message)
        for entry in list(self.waiting):
            condition, deferred = entry
            if condition(message):
                self.waiting.remove(entry)
                deferred.callback(message)

    def waitFor(self, condition):
        for message in self.received:
            if condition(message):
                return defer.succeed(message)
        deferred = defer.Deferred()
        self.waiting.append((condition, deferred))
        return deferred

    def send(self, message):
        self.sendMessage(cbor2.dumps(message), isBinary=True)


@defer.inlineCallbacks
def startWorld(testCase, signInsPerMinute=10):
    """
    A world on an open map, stepped by the reactor, with its store in
    C{testCase}'s directory, stopped when C{testCase} ends.

    @return: a Deferred firing with its L{RoomManager}, the
        L{WorldFactory} its clients' sessions come from, and its site.
    """
    worldMap = openMap(60, 60, name="open.tmj")
    dataDirectory = testCase.mktemp()
    os.makedirs(dataDirectory)
    store = openStore("sqlite", dataDirectory)
    yield store.start()
    testCase.addCleanup(store.stop)
    rooms = RoomManager({worldMap.name: worldMap}, "open.tmj", capacity=10,
                        viewRadius=480, holdSeconds=30, clock=reactor, store=store)
    simulation = SimulationService(rooms, reactor)
    simulation.startService()
    testCase.addCleanup(simulation.stopService)
    authority = Authority(store, InProcessPresence(reactor),
                          b"a test secret long enough for HMAC-SHA256", reactor)
    chat = ChatService(store, rooms, ChatFilter(), reactor)
    factory = WorldFactory(rooms, reactor, authority, chat)
    site = makeSite(testCase.mktemp(), testCase.mktemp(), factory, rooms, authority,
                    SignInLimit(reactor, signInsPerMinute))
    return rooms, factory, site


class TwoPlayersTests(TestCase):
    """
    Two players on one map see each other move.
    """

    timeout = 30

    @defer.inlineCallbacks
    def setUp(self):
        _, _, site = yield startWorld(self)
        endpoint = endpoints.TCP4ServerEndpoint(reactor, 0, interface="127.0.0.1")
        self.port = yield endpoint.listen(site)
        self.addCleanup(self.port.stopListening)
        self.base = "http://127.0.0.1:%d" % (self.port.getHost().port,)
        self.url = "ws://127.0.0.1:%d/ws" % (self.port.getHost().port,)

    @defer.inlineCallbacks
    def signIn(self, name, avatar):
        status, answer = yield requestJSON("POST", self.base + "/api/auth/guest",
                                           {"name": name, "avatar": avatar})
        self.assertEqual(status, 200, answer)
        return answer["accessToken"]

    @defer.inlineCallbacks
    def connect(self):
        factory = WebSocketClientFactory(self.url, reactor=reactor)
        factory.protocol = PlayerProtocol
        factory.connected = defer.Deferred()
        endpoint = endpoints.TCP4ClientEndpoint(reactor, "127.0.0.1", self.port.getHost().port)
        yield endpoint.connect(factory)
        player = yield factory.connected
        self.addCleanup(player.leave)
        return player

    @defer.inlineCallbacks
    def test_eachSeesTheOtherMove(self):
        """
        Alice and Bob join; each walks; each receives the other's motion
        and its own acknowledgement with the authoritative position.
        """
        alice = yield self.connect()
        bob = yield self.connect()
        alice.send({"t": "join", "access": (yield self.signIn("alice", "fox"))})
        aliceWelcome = yield alice.waitFor(lambda m: m["t"] == "welcome")
        bob.send({"t": "join", "access": (yield self.signIn("bob", "owl"))})
        bobWelcome = yield bob.waitFor(lambda m: m["t"] == "welcome")
        self.assertEqual([e["name"] for e in bobWelcome["entities"]], ["alice"])
        yield alice.waitFor(
            lambda m: m["t"] == "p" and any(e["name"] == "bob" for e in m.get("add", []))
        )

        alice.send({"t": "in", "seq": 0, "steps": [RIGHT] * 3})
        bob.send({"t": "in", "seq": 0, "steps": [DOWN] * 3})

        yield bob.waitFor(
            lambda m: m["t"] == "p"
            and any(mv[0] == aliceWelcome["id"] and mv[2] == RIGHT for mv in m.get("mv", []))
        )
        yield alice.waitFor(
            lambda m: m["t"] == "p"
            and any(mv[0] == bobWelcome["id"] and mv[2] == DOWN for mv in m.get("mv", []))
        )
        # The two waits above are the check that each saw the other's
        # motion: they fire on nothing else.  Now each one's own walk.
        start = aliceWelcome["me"]
        ownAck = yield alice.waitFor(lambda m: m["t"] == "p" and m.get("ack") == 2)
        self.assertEqual(ownAck["me"][:2], [start["x"] + 3 * 160, start["y"]])
        start = bobWelcome["me"]
        ownAck = yield bob.waitFor(lambda m: m["t"] == "p" and m.get("ack") == 2)
        self.assertEqual(ownAck["me"][:2], [start["x"], start["y"] + 3 * 160])
