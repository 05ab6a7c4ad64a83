"""
The service C{twistd ark} runs, started and stopped in this process on the
real reactor, with real clients on a loopback port: what an operator sees
when the server stops.
"""

import gc
import os

from autobahn.twisted.websocket import WebSocketClientFactory
from twisted.application.internet import StreamServerEndpointService
from twisted.internet import defer, endpoints, error, reactor, task
from twisted.trial.unittest import TestCase

from ark.app.options import Options
from ark.app.service import SimulationService, StoreService, makeService
from ark.store import openStore
from ark.world.movement import LEFT, RIGHT, WALK_SPEED

from tests.support import requestJSON
from tests.test_websocket import PlayerProtocol

TEST_MAPS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "maps")


class RunningService:
    """
    A service built by L{makeService} from C{arguments}, started on the
    reactor.

    @ivar top: the service.
    @ivar storage: its L{StoreService}.
    @ivar port: the port it listens on, once L{start} has fired.
    """

    def __init__(self, testCase, *arguments):
        self.dataDir = os.path.abspath(testCase.mktemp())
        options = Options(environ={})
        # One process: its port is the one it listens on itself (gateways
        # are tested with the installed server, tests/test_gateways.py).
        options.parseOptions(["--maps-dir", TEST_MAPS, "--map", "finite.tmj",
                              "--data-dir", self.dataDir, "--port", "0",
                              "--interface", "127.0.0.1", "--gateways", "0"]
                             + list(arguments))
        self.top = makeService(options, reactor)
        [self.storage] = [child for child in self.top if isinstance(child, StoreService)]
        [simulation] = [child for child in self.storage if isinstance(child, SimulationService)]
        self.rooms = simulation.rooms
        [self.listener] = [child for child in self.storage
                           if isinstance(child, StreamServerEndpointService)]
        self.port = None
        # The simulation raises the collector's thresholds and freezes what
        # was loaded at startup, for the life of a server process; give
        # the test process its own settings back.
        thresholds = gc.get_threshold()
        testCase.addCleanup(gc.set_threshold, *thresholds)
        testCase.addCleanup(gc.unfreeze)
        testCase.addCleanup(self.stopIfRunning)

    @defer.inlineCallbacks
    def start(self):
        self.top.startService()
        yield self.storage.ready
        # Yielding the service's own Deferred would take its result, the
        # port it stops listening on when it stops.
        found = defer.Deferred()

        def keep(port):
            found.callback(port)
            return port

        self.listener._waitingForPort.addCallback(keep)
        listening = yield found
        self.port = listening.getHost().port
        return self.port

    def stopIfRunning(self):
        if self.top.running:
            return self.top.stopService()

    @property
    def base(self):
        return "http://127.0.0.1:%d" % (self.port,)

    @defer.inlineCallbacks
    def connect(self):
        factory = WebSocketClientFactory("ws://127.0.0.1:%d/ws" % (self.port,), reactor=reactor)
        factory.protocol = PlayerProtocol
        factory.connected = defer.Deferred()
        yield endpoints.TCP4ClientEndpoint(reactor, "127.0.0.1", self.port).connect(factory)
        player = yield factory.connected
        return player

    @defer.inlineCallbacks
    def join(self, name):
        """
        Sign in as a guest and join: fires with the player's connection and
        its welcome.
        """
        status, signIn = yield requestJSON("POST", self.base + "/api/auth/guest",
                                           {"name": name, "avatar": "fox"})
        assert status == 200, signIn
        player = yield self.connect()
        player.send({"t": "join", "access": signIn["accessToken"]})
        welcome = yield player.waitFor(lambda m: m["t"] == "welcome")
        return player, welcome


class StopTests(TestCase):
    """
    Stopping the service tells every client, saves what must be kept and
    leaves nothing running.
    """

    timeout = 30

    @defer.inlineCallbacks
    def test_shutdownClosesEveryWebSocketWith1001(self):
        """
        Every open WebSocket, joined or not yet, is closed with 1001 (going
        away) when the service stops.
        """
        server = RunningService(self)
        yield server.start()
        players = []
        for name in ("ann", "bob", "cat"):
            player, _ = yield server.join(name)
            players.append(player)
        # Connected, but not joined yet.
        players.append((yield server.connect()))

        yield server.top.stopService()
        codes = yield defer.gatherResults([player.closed for player in players])
        self.assertEqual(codes, [1001] * len(players))

    @defer.inlineCallbacks
    def test_stopsCleanly(self):
        """
        Once stopped, the port refuses connections, the store is closed
        with every player's place in it, and nothing the service scheduled
        is left pending on the reactor.
        """
        before = set(reactor.getDelayedCalls())
        server = RunningService(self)
        port = yield server.start()
        player, welcome = yield server.join("ann")
        player.send({"t": "in", "seq": 0, "steps": [RIGHT] * 4})
        yield player.waitFor(lambda m: m["t"] == "p" and m.get("ack") == 3)
        # Bob walks, then his connection drops: his avatar is held.
        dropped, held = yield server.join("bob")
        dropped.send({"t": "in", "seq": 0, "steps": [LEFT] * 2})
        yield dropped.waitFor(lambda m: m["t"] == "p" and m.get("ack") == 1)
        dropped.transport.abortConnection()
        yield dropped.closed
        while server.rooms.heldCount() != 1:
            yield task.deferLater(reactor, 0.001, lambda: None)

        yield server.top.stopService()
        self.assertEqual((yield player.closed), 1001)
        self.assertFalse(server.storage.store.pool.running)

        refused = endpoints.TCP4ClientEndpoint(reactor, "127.0.0.1", port).connect(
            WebSocketClientFactory("ws://127.0.0.1:%d/ws" % (port,), reactor=reactor))
        yield self.assertFailure(refused, error.ConnectionRefusedError)

        left = [call for call in reactor.getDelayedCalls()
                if call not in before and call.active()
                and not getattr(call.func, "__module__", "").startswith("twisted.trial")]
        self.assertEqual(left, [])

        store = openStore("sqlite", server.dataDir)
        yield store.start()
        self.addCleanup(store.stop)
        self.assertEqual((yield store.lastPlace(welcome["user"])),
                         ("finite.tmj", welcome["me"]["x"] + 4 * WALK_SPEED, welcome["me"]["y"]))
        self.assertEqual((yield store.lastPlace(held["user"])),
                         ("finite.tmj", held["me"]["x"] - 2 * WALK_SPEED, held["me"]["y"]))
