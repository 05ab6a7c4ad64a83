"""
Gateways (C{twistd ark --gateways N}): players' WebSockets end in a
gateway, their sessions live in the room process, and the two talk over a
Unix socket.

The first tests run both ends in this process, on real sockets: a room
process's world and site, and a gateway's WebSocket port and HTTP proxy,
linked as C{twistd ark} links them.  The last start the installed server
with a gateway and kill it.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import tempfile

import cbor2
from autobahn.twisted.resource import WebSocketResource
from twisted.internet import defer, endpoints, reactor
from twisted.internet.task import deferLater
from twisted.trial.unittest import TestCase
from twisted.web.client import Agent, readBody
from twisted.web.http_headers import Headers
from twisted.web.iweb import UNKNOWN_LENGTH, IBodyProducer
from twisted.web.server import Site
from zope.interface import implementer

from ark.gateway.edge import GatewayFactory, RoomLink, RoomLinkFactory
from ark.gateway.proxy import GatewayRoot, ToRoomProcess
from ark.gateway.roomside import GatewayLinks
from ark.gateway.wire import fromClient, toMessage
from ark.net.session import decodeFrame
from ark.world.movement import DOWN, RIGHT

from tests.installed import ServerProcess, connectPlayer, startInstalledServer
from tests.support import requestJSON
from tests.test_websocket import startWorld


def _shortDirectory(testCase) -> str:
    # Unix socket paths must be short: not under trial's temp directory.
    directory = tempfile.mkdtemp(prefix="ark-test-")
    testCase.addCleanup(shutil.rmtree, directory, True)
    return directory


class WireTests(TestCase):
    """
    What a gateway forwards of each client frame, and what the room
    process makes of it.
    """

    def test_everyMessageTypeArrivesAsItWasDecoded(self):
        frames = [
            {"t": "join", "access": "a.b.c", "map": "town.tmj"},
            {"t": "in", "seq": 4, "steps": [RIGHT, DOWN]},
            {"t": "say", "ref": 1, "kind": "direct", "to": 7, "text": "hi", "cid": "abcdefgh"},
            {"t": "signal", "pair": 2, "sdp": {"type": "offer", "sdp": "v=0"}},
            {"t": "ask", "ref": 3, "text": "where?", "agent": "scout"},
            {"t": "leave"},
        ]
        for frame in frames:
            decoded = decodeFrame(cbor2.dumps(frame), True)
            carried = cbor2.loads(cbor2.dumps(fromClient(9, decoded)))
            self.assertEqual(carried[0], 9)
            self.assertEqual(toMessage(carried), decoded)
            self.assertIs(type(toMessage(carried)), type(decoded))

    def test_errorsArriveAsTheyWereFound(self):
        refused = decodeFrame(b"\xff", True)
        carried = toMessage(cbor2.loads(cbor2.dumps(fromClient(9, refused))))
        self.assertEqual((carried.code, carried.message, carried.ref),
                         (refused.code, refused.message, refused.ref))

    def test_anItemOfNoMessageTypeIsRefused(self):
        """
        An item naming no message type (a gateway's bug) is an error in
        the room process, never another type's message.
        """
        for kind in (-5, 99):
            self.assertRaises(ValueError, toMessage, [9, kind])


class GatewayWorldTests(TestCase):
    """
    A world served through a gateway, both ends in this process.
    """

    timeout = 30

    @defer.inlineCallbacks
    def setUp(self):
        _, world, roomSite = yield startWorld(self, signInsPerMinute=4)

        # The room process's end: its sessions for gateways, its site.
        directory = _shortDirectory(self)
        linkPath = os.path.join(directory, "link")
        httpPath = os.path.join(directory, "http")
        self.links = GatewayLinks(world, reactor)
        built = []
        buildLink = self.links.buildProtocol
        self.links.buildProtocol = lambda address: built.append(buildLink(address)) or built[-1]
        for path, factory in ((linkPath, self.links), (httpPath, roomSite)):
            port = reactor.listenUNIX(path, factory, mode=0o600)
            self.addCleanup(port.stopListening)

        # The gateway's end: the link, the WebSocket port, the proxy.
        self.frames = []
        self.gatewayLink = RoomLink(reactor)
        received = self.gatewayLink.stringReceived

        def recording(frame):
            self.frames.append(cbor2.loads(frame))
            received(frame)

        self.gatewayLink.stringReceived = recording
        yield endpoints.UNIXClientEndpoint(reactor, linkPath).connect(
            RoomLinkFactory(self.gatewayLink))
        self.addCleanup(self.gatewayLink.transport.loseConnection)
        while not built:
            yield deferLater(reactor, 0.01, lambda: None)
        self.roomLink = built[0]
        gateway = GatewayFactory(reactor, self.gatewayLink)
        site = Site(GatewayRoot(WebSocketResource(gateway), ToRoomProcess(httpPath, reactor)))
        self.port = yield endpoints.TCP4ServerEndpoint(reactor, 0, interface="127.0.0.1").listen(
            site)
        self.addCleanup(self.port.stopListening)
        self.base = "http://127.0.0.1:%d" % (self.port.getHost().port,)

    @defer.inlineCallbacks
    def join(self, name):
        status, answer = yield requestJSON("POST", self.base + "/api/auth/guest",
                                           {"name": name, "avatar": "fox"})
        self.assertEqual(status, 200, answer)
        player = yield connectPlayer(self.port.getHost().port)
        self.addCleanup(player.leave)
        player.send({"t": "join", "access": answer["accessToken"]})
        player.welcome = yield player.waitFor(lambda m: m["t"] == "welcome")
        return player

    @defer.inlineCallbacks
    def test_playersSeeEachOtherMove(self):
        """
        Through the gateway, Bob sees Alice, who joined first, and sees
        her walk right, with the same figures as without a gateway.
        """
        alice = yield self.join("alice")
        bob = yield self.join("bob")
        self.assertEqual([e["name"] for e in bob.welcome["entities"]], ["alice"])
        alice.send({"t": "in", "seq": 0, "steps": [RIGHT] * 6})
        aliceId = alice.welcome["id"]
        moved = yield bob.waitFor(lambda m: m["t"] == "p" and any(
            motion[0] == aliceId for motion in m.get("mv", [])))
        self.assertTrue(moved["tick"] > bob.welcome["tick"])
        acknowledged = yield alice.waitFor(lambda m: m["t"] == "p" and m.get("ack", -1) >= 0)
        self.assertGreater(acknowledged["me"][0], alice.welcome["me"]["x"])

    @defer.inlineCallbacks
    def test_badFramesAreRefusedWithTheirError(self):
        """
        The gateway decodes and validates each frame; the client hears
        exactly what was wrong, as from a server without gateways, and
        stays connected.
        """
        alice = yield self.join("alice")
        alice.sendMessage(b"\xff\xfe not cbor", isBinary=True)
        error = yield alice.waitFor(lambda m: m["t"] == "error")
        self.assertEqual(error["code"], "bad_cbor")
        alice.send({"t": "fly"})
        error = yield alice.waitFor(lambda m: m["t"] == "error" and m["code"] != "bad_cbor")
        self.assertEqual(error["code"], "unknown_type")
        self.assertFalse(alice.closed.called)

    @defer.inlineCallbacks
    def test_signInsAreCountedPerClient(self):
        """
        The room process sees each client's own address through the
        gateway's proxy (C{X-Forwarded-For}): one client at the sign-in
        limit (4 here) is refused, another is not, and a client cannot
        pass for someone else by sending the header itself.
        """
        guest = {"name": "alice", "avatar": "fox"}
        url = self.base + "/api/auth/guest"
        for _ in range(4):
            status, _ = yield requestJSON("POST", url, guest)
            self.assertEqual(status, 200)
        status, answer = yield requestJSON("POST", url, guest)
        self.assertEqual((status, answer["error"]), (429, "rate_limited"))
        status, answer = yield requestJSON("POST", url, guest, forwardedFor="10.9.9.9")
        self.assertEqual(status, 429, answer)
        status, answer = yield requestJSON("POST", url, guest, source="127.0.0.2")
        self.assertEqual(status, 200, answer)

    @defer.inlineCallbacks
    def test_cellPiecesGoOncePerGateway(self):
        """
        Players who watch the same cells and get their patches on the same
        tick share the encoded motions of those cells: the gateway is sent
        each cell's once, and each patch refers to them.
        """
        players = []
        for name in ("a", "b", "c", "d"):
            players.append((yield self.join(name)))
        # Patches go out on three phases: the first and the fourth player
        # share theirs.
        # Turning at every step, each is news at every tick.
        for seq in range(0, 40, 4):
            for player in players:
                player.send({"t": "in", "seq": seq, "steps": [RIGHT, DOWN] * 2})
            yield deferLater(reactor, 0.06, lambda: None)
        first = players[0]
        walker = players[1]
        walkerId = walker.welcome["id"]
        yield first.waitFor(lambda m: m["t"] == "p" and any(
            motion[0] == walkerId for motion in m.get("mv", [])))
        connections = sorted(self.gatewayLink.connections)
        firstNumber, fourthNumber = connections[0], connections[3]
        shared = []
        for chunks, spans, items in self.frames:
            watched = {}
            for item in items:
                if len(item) == 3 and isinstance(item[1], bytes):
                    watched[item[0]] = set(spans[item[2]][1:])
            common = watched.get(firstNumber, set()) & watched.get(fourthNumber, set())
            shared.extend(chunks[index] for index in common)
        self.assertTrue(shared, "no cell's motions were carried once for both")

    @defer.inlineCallbacks
    def test_behindGatewayGetsAFreshPicture(self):
        """
        While the link to a gateway is behind (its transport pauses the
        link's flow, as it does with more than HIGH_WATER bytes waiting), its players miss their patches rather than
        have them pile up; once it catches up, each is told everything it
        sees afresh: Bob, who walked meanwhile, is described again where
        he now stands.
        """
        alice = yield self.join("alice")
        bob = yield self.join("bob")
        bobId = bob.welcome["id"]
        self.roomLink.flow.pauseProducing()
        before = len(alice.received)
        bob.send({"t": "in", "seq": 0, "steps": [RIGHT] * 10})
        yield deferLater(reactor, 0.8, lambda: None)
        self.assertEqual([m["t"] for m in alice.received[before:] if m["t"] == "p"], [])
        self.roomLink.flow.resumeProducing()
        fresh = yield alice.waitFor(lambda m: m["t"] == "p" and bobId in m.get("del", []))
        [described] = [entity for entity in fresh["add"] if entity["id"] == bobId]
        self.assertGreater(described["x"], bob.welcome["me"]["x"])
        self.assertIsNotNone(fresh.get("me"))


@implementer(IBodyProducer)
class _ChunkedBody:
    """
    A request body of unknown length, which an L{Agent} sends chunked.
    """

    length = UNKNOWN_LENGTH

    def __init__(self, content: bytes):
        self.content = content

    def startProducing(self, consumer):
        consumer.write(self.content)
        return defer.succeed(None)

    def pauseProducing(self):
        pass

    def stopProducing(self):
        pass


class InstalledGatewayTests(TestCase):
    """
    The installed server with one gateway.
    """

    timeout = 60

    @defer.inlineCallbacks
    def test_aPortInUseIsSaidAndTheServerEnds(self):
        """
        With the port taken, the server says so in one line and ends,
        with gateways or without, instead of running on unreachable.
        """
        taken = yield endpoints.TCP4ServerEndpoint(reactor, 0, interface="127.0.0.1").listen(
            Site(GatewayRoot(None, None)))
        self.addCleanup(taken.stopListening)
        port = taken.getHost().port
        for gateways in ("1", "0"):
            workdir = self.mktemp()
            os.makedirs(workdir)
            server = startInstalledServer(self, workdir, ["--gateways", gateways,
                                                          "--port", str(port)])
            # It ends without ever listening, which is what is tested here.
            server.listening.addErrback(lambda failure: failure.trap(AssertionError))
            yield server.ended
            self.assertIn(b"ark: cannot start: port %d on 127.0.0.1: Address already in use"
                          % (port,), server.output, gateways)
            self.assertNotIn(b"Traceback", server.output)

    @defer.inlineCallbacks
    def test_anAgentsEventStreamPassesThrough(self):
        """
        A question to Scout over HTTP, its body sent chunked, reaches the
        room process whole through the gateway, and the answer comes back
        as events as they are written, the last one C{done}.
        """
        workdir = self.mktemp()
        os.makedirs(workdir)
        server = startInstalledServer(self, workdir, ["--gateways", "1"])
        port = yield server.listening
        base = "http://127.0.0.1:%d" % (port,)
        status, answer = yield requestJSON("POST", base + "/api/auth/guest",
                                           {"name": "ada", "avatar": "fox"})
        self.assertEqual(status, 200, answer)
        headers = Headers({b"content-type": [b"application/json"],
                           b"authorization": [b"Bearer " + answer["accessToken"].encode("ascii")]})
        response = yield Agent(reactor).request(
            b"POST", (base + "/api/agents/scout/messages").encode("ascii"), headers,
            _ChunkedBody(json.dumps({"text": "Where is the library?"}).encode("utf-8")))
        self.assertEqual(response.code, 200)
        self.assertEqual(response.headers.getRawHeaders(b"content-type"),
                         [b"text/event-stream; charset=utf-8"])
        body = (yield readBody(response)).decode("utf-8")
        events = [dict(line.split(": ", 1) for line in block.split("\n"))["event"]
                  for block in body.split("\n\n") if block.strip()]
        self.assertEqual((events[0], events[-1]), ("asked", "done"))
        self.assertIn("piece", events)
        self.assertIn("library", body)
        server.transport.signalProcess("TERM")
        yield server.ended

    @defer.inlineCallbacks
    def test_playersResumeAfterTheirGatewayDies(self):
        """
        A gateway killed with SIGKILL drops its players' connections; the
        room process holds their avatars and starts another gateway, and a
        player who reconnects with the welcome's token resumes the same
        avatar.
        """
        workdir = self.mktemp()
        os.makedirs(workdir)
        server = startInstalledServer(self, workdir, ["--gateways", "1"])
        port = yield server.listening
        status, answer = yield requestJSON(
            "POST", "http://127.0.0.1:%d/api/auth/guest" % (port,),
            {"name": "alice", "avatar": "fox"})
        self.assertEqual(status, 200, answer)
        player = yield connectPlayer(port)
        player.send({"t": "join", "access": answer["accessToken"]})
        welcome = yield player.waitFor(lambda m: m["t"] == "welcome")

        [gateway] = _children(server)
        os.kill(gateway, signal.SIGKILL)
        yield player.closed
        for _ in range(200):
            if _children(server) and _children(server) != [gateway]:
                break
            yield deferLater(reactor, 0.05, lambda: None)
        [restarted] = _children(server)
        self.assertNotEqual(restarted, gateway)

        again = yield connectPlayer(port)
        again.send({"t": "join", "access": answer["accessToken"], "token": welcome["token"]})
        resumed = yield again.waitFor(lambda m: m["t"] in ("welcome", "error"))
        self.assertEqual((resumed["t"], resumed.get("resumed"), resumed.get("id")),
                         ("welcome", True, welcome["id"]))
        self.assertIn(b"gateway 1 ended", server.output)
        yield again.leave()
        server.transport.signalProcess("TERM")
        yield server.ended


def _children(server: ServerProcess) -> list:
    """
    The process ids of the gateways of C{server}'s twistd.
    """
    children = []
    for task in os.listdir("/proc/%d/task" % (server.transport.pid,)):
        with open("/proc/%d/task/%s/children" % (server.transport.pid, task)) as listed:
            children.extend(int(pid) for pid in listed.read().split())
    return children
