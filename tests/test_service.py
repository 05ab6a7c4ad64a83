"""
Tests for what C{twistd ark} builds: options, environment variables, map
loading at startup, the plugin, and the installed command itself.
"""

import os
import re
import shutil
import subprocess
import sys

from twisted.application.service import IService, IServiceMaker
from twisted.internet.task import Clock
from twisted.plugin import getPlugins
from twisted.python import usage
from twisted.trial.unittest import SynchronousTestCase
from zope.interface.verify import verifyObject

from ark.app.options import Options, defaultGateways
from ark.app.service import SimulationService, makeService
from ark.maps.repository import findMaps
from ark.world.movement import RIGHT
from ark.world.proximity import TalkRules
from ark.world.worldmap import Rectangle, Zone
from ark.behaviours.director import Player

from tests.support import Harness

HERE = os.path.dirname(os.path.abspath(__file__))
TEST_MAPS = os.path.join(HERE, "maps")
REPOSITORY = os.path.join(TEST_MAPS, "repo")


def parse(arguments, environ=None):
    options = Options(environ=environ or {})
    options.parseOptions(arguments)
    return options


class OptionsTests(SynchronousTestCase):
    """
    Every option has a sane default, an environment variable, and a clear
    error for a bad value.
    """

    def test_defaultsRunTheBundledWorld(self):
        """
        With no options the server listens on 127.0.0.1:8080 with the
        bundled maps, SQLite and in-process presence.
        """
        options = parse([])
        self.assertEqual((options["port"], options["interface"]), (8080, "127.0.0.1"))
        self.assertEqual(options["map"], "town.tmj")
        self.assertTrue(os.path.isfile(os.path.join(options["maps-dir"], "town.tmj")))
        self.assertEqual((options["db"], options["redis"]), ("sqlite", None))
        self.assertEqual(options["reconnect-hold"], 30.0)

    def test_environmentSetsOptions(self):
        """
        C{ARK_*} variables set options; the command line wins over them.
        """
        environ = {
            "ARK_PORT": "9000",
            "ARK_ROOM_CAPACITY": "12",
            "ARK_VIEW_RADIUS": "300",
            "ARK_MAPS_DIR": TEST_MAPS,
            "ARK_MAP": "finite.tmj",
            "ARK_REDIS": "redis://127.0.0.1:6379/0",
            "ARK_DB": "postgresql://postgres@127.0.0.1:5432/ark",
            "ARK_RECONNECT_HOLD": "5",
        }
        options = parse(["--port", "9100"], environ)
        self.assertEqual(options["port"], 9100)
        self.assertEqual(options["room-capacity"], 12)
        self.assertEqual(options["view-radius"], 300)
        self.assertEqual(options["map"], "finite.tmj")
        self.assertEqual(options["redis"], "redis://127.0.0.1:6379/0")
        self.assertEqual(options["reconnect-hold"], 5.0)

    def test_gatewaysByCores(self):
        """
        By default a machine of four cores or more runs a gateway for each
        core beyond the first, a smaller one none; C{--gateways} (or
        C{ARK_GATEWAYS}) says otherwise, 0 for one process.
        """
        self.assertEqual([defaultGateways(cores) for cores in (1, 2, 3, 4, 8)], [0, 0, 0, 3, 7])
        self.assertEqual(parse(["--gateways", "2"])["gateways"], 2)
        self.assertEqual(parse([], {"ARK_GATEWAYS": "0"})["gateways"], 0)
        self.assertEqual(parse([])["gateways"], defaultGateways(len(os.sched_getaffinity(0))))

    def test_defaultMapMayBeInASubfolder(self):
        """
        C{--map} takes a path inside the map repository, as maps name each
        other: the lobby in C{floor1/} of the test repository.
        """
        options = parse(["--maps-dir", REPOSITORY, "--map", "floor1/lobby.tmj"])
        self.assertEqual(options["map"], "floor1/lobby.tmj")

    def test_badValuesNameTheOption(self):
        """
        A bad value stops parsing with a message naming the option.
        """
        cases = [
            (["--port", "http"], "--port"),
            (["--port", "70000"], "--port"),
            (["--room-capacity", "0"], "--room-capacity"),
            (["--view-radius", "ten"], "--view-radius"),
            (["--reconnect-hold", "-1"], "--reconnect-hold"),
            (["--db", "mysql://x"], "--db"),
            (["--redis", "localhost:6379"], "--redis"),
            (["--map", "../secret.tmj"], "--map"),
            (["--map", "nowhere.tmj"], "--map"),
            (["--map", "floor1/../../secret.tmj"], "--map"),
            (["--map", "/etc/secret.tmj"], "--map"),
            (["--map", ".hidden/x.tmj"], "--map"),
            (["--map", "floor1//x.tmj"], "--map"),
            (["--workadventure-url", "javascript:alert(1)"], "--workadventure-url"),
            (["--workadventure-url", "play.example.org"], "--workadventure-url"),
            (["--maps-dir", "/no/such/dir"], "--maps-dir"),
            (["--jitsi-app-id", "ark"], "--jitsi-secret"),
            (["--turn-url", "turn:turn.example.org:3478"], "--turn-secret"),
            (["--turn-secret", "shared"], "--turn-url"),
            (["--turn-url", "https://turn.example.org"], "--turn-url"),
            (["--turn-url", "stun:turn.example.org"], "--turn-url"),
            (["--stun-url", "stun:turn.example.org?transport=udp"], "--stun-url"),
            (["--turn-ttl", "5"], "--turn-ttl"),
            (["--talk-radius", "300"], "connect radius"),
            (["--talk-full-volume-radius", "300"], "full-volume radius"),
            (["--talk-peers", "0"], "--talk-peers"),
        ]
        for arguments, name in cases:
            error = self.assertRaises(usage.UsageError, parse, arguments)
            self.assertIn(name, str(error), arguments)

    def test_trustedProxies(self):
        """
        C{--trusted-proxy} takes addresses and networks, IPv4 and IPv6,
        repeated or separated by commas; C{ARK_TRUSTED_PROXY} sets them
        unless the command line gives its own; none by default.
        """
        def proxies(arguments, environ=None):
            return [str(network) for network in parse(arguments, environ)["trusted-proxy"]]

        self.assertEqual(proxies([]), [])
        self.assertEqual(proxies(["--trusted-proxy", "10.0.0.0/8,::1",
                                  "--trusted-proxy=192.168.1.2"]),
                         ["10.0.0.0/8", "::1/128", "192.168.1.2/32"])
        environ = {"ARK_TRUSTED_PROXY": "127.0.0.1, fd00::/8"}
        self.assertEqual(proxies([], environ), ["127.0.0.1/32", "fd00::/8"])
        self.assertEqual(proxies(["--trusted-proxy", "10.1.1.1"], environ), ["10.1.1.1/32"])

    def test_badTrustedProxyNamesTheOption(self):
        for arguments, environ in [(["--trusted-proxy", "proxy.example.org"], {}),
                                   (["--trusted-proxy", "10.0.0.1,10.0.0.300"], {}),
                                   (["--trusted-proxy", "10.0.0.7/8"], {}),
                                   ([], {"ARK_TRUSTED_PROXY": "localhost"})]:
            error = self.assertRaises(usage.UsageError, parse, arguments, environ)
            self.assertIn("--trusted-proxy", str(error), (arguments, environ))

    def test_talkAndIceServers(self):
        """
        The talk radii make the rules rooms use; STUN and TURN URLs are
        lists, the TURN secret may come from the environment.
        """
        options = parse(["--talk-radius", "128", "--talk-peers", "6",
                         "--stun-url", "stun:a.example.org:3478, stun:[::1]",
                         "--turn-url", "turn:a.example.org:3478?transport=udp,"
                         "turns:a.example.org:5349?transport=tcp"],
                        {"ARK_TURN_SECRET": "coturn-secret"})
        self.assertEqual(options.talkRules(), TalkRules(connect=128, peers=6))
        self.assertEqual(options["stun-url"], ["stun:a.example.org:3478", "stun:[::1]"])
        self.assertEqual(len(options["turn-url"]), 2)
        self.assertEqual(options["turn-secret"], "coturn-secret")

    def test_jitsiSecretFromTheEnvironment(self):
        options = parse(["--jitsi-app-id", "ark"], {"ARK_JITSI_SECRET": "shared"})
        self.assertEqual((options["jitsi-app-id"], options["jitsi-secret"]), ("ark", "shared"))

    def test_badEnvironmentValueNamesTheOption(self):
        """
        A bad C{ARK_*} value is reported like a bad option.
        """
        error = self.assertRaises(usage.UsageError, parse, [], {"ARK_PORT": "eighty"})
        self.assertIn("--port", str(error))


class MakeServiceTests(SynchronousTestCase):
    """
    The service loads every map at startup and refuses broken ones.
    """

    def test_brokenMapStopsStartupWithOneLine(self):
        """
        A broken default map ends startup with exit status 1 and one line
        naming the file and the fault (other broken maps are only logged:
        see L{tests.test_repository}).
        """
        mapsDir = self.mktemp()
        os.makedirs(mapsDir)
        shutil.copy(os.path.join(TEST_MAPS, "finite.tmj"), mapsDir)
        with open(os.path.join(mapsDir, "broken.tmj"), "w") as f:
            f.write('{"type": "map", "orientation": "isometric"}')
        options = parse(["--maps-dir", mapsDir, "--map", "broken.tmj",
                         "--data-dir", self.mktemp()])
        errors = []
        self.patch(sys, "stderr", type("Err", (), {"write": errors.append})())
        exit = self.assertRaises(SystemExit, makeService, options, Clock())
        self.assertEqual(exit.code, 1)
        self.assertEqual(len(errors), 1)
        self.assertIn("broken.tmj", errors[0])
        self.assertEqual(errors[0].count("\n"), 1)

    def test_serviceServesEveryMapOfTheDirectory(self):
        """
        Maps are every C{.tmj}, plus C{.json} files that are maps (not
        tilesets).
        """
        mapsDir = self.mktemp()
        os.makedirs(mapsDir)
        shutil.copy(os.path.join(TEST_MAPS, "finite.tmj"), mapsDir)
        shutil.copy(os.path.join(TEST_MAPS, "finite.tmj"), os.path.join(mapsDir, "second.json"))
        shutil.copy(os.path.join(TEST_MAPS, "props.json"), mapsDir)
        with open(os.path.join(mapsDir, "notes.json"), "w") as f:
            f.write("not json at all")
        self.assertEqual(findMaps(mapsDir), ["finite.tmj", "second.json"])

    def test_secretIsGeneratedOncePrivately(self):
        """
        Without C{--secret}, a secret is generated into the data directory,
        readable by its owner only, and kept across restarts.
        """
        from ark.app.secret import loadOrCreateSecret

        dataDir = self.mktemp()
        os.makedirs(dataDir)
        first = loadOrCreateSecret(dataDir)
        self.assertEqual(os.stat(os.path.join(dataDir, "secret")).st_mode & 0o777, 0o600)
        self.assertEqual(loadOrCreateSecret(dataDir), first)
        self.assertGreaterEqual(len(first), 48)
        self.assertEqual(loadOrCreateSecret(dataDir, "given by the operator, 32 bytes+"),
                         b"given by the operator, 32 bytes+")

    def test_serviceIsAService(self):
        """
        The built service provides IService.  (That it starts and stops
        cleanly is C{tests/test_lifecycle.py}'s, on the real reactor.)
        """
        options = parse(["--maps-dir", TEST_MAPS, "--map", "finite.tmj",
                         "--data-dir", self.mktemp(), "--port", "0"])
        top = makeService(options, Clock())
        self.assertTrue(verifyObject(IService, top))


    def test_jitsiOptionsSignMeetingTokens(self):
        """
        With a Jitsi app id and secret, meeting rooms of the built world
        hand their players tokens signed with that secret; without, none.
        """
        import jwt

        def jitsiTokens(arguments, environ):
            options = parse(["--maps-dir", TEST_MAPS, "--map", "finite.tmj",
                             "--data-dir", self.mktemp(), "--port", "0"] + arguments, environ)
            top = makeService(options, Clock())
            [simulation] = [child for storage in top for child in storage
                            if isinstance(child, SimulationService)]
            return simulation.rooms.director.services.jitsiTokens

        self.assertIsNone(jitsiTokens([], {}))
        tokens = jitsiTokens(["--jitsi-app-id", "ark"], {"ARK_JITSI_SECRET": "shared"})
        zone = Zone("room", Rectangle(0, 0, 32, 32))
        player = Player(7, "ada", "fox", "finite.tmj", (zone,))
        claims = jwt.decode(tokens.issue(player, zone, "meet.example.org", "room"), "shared",
                            algorithms=["HS256"], audience="jitsi", options={"verify_exp": False})
        self.assertEqual((claims["iss"], claims["sub"], claims["room"]),
                         ("ark", "meet.example.org", "room"))

class SimulationServiceTests(SynchronousTestCase):
    """
    The loops step rooms at 60 Hz and send patches at 20 Hz on the
    injected clock.
    """

    def test_loopsDriveTheRoomsOnTheClock(self):
        """
        One second of clock time is sixty ticks; a long stall catches up at
        most half a second.
        """
        harness = Harness()
        client = harness.connect()
        welcome = client.join()
        simulation = SimulationService(harness.rooms, harness.clock)
        simulation.startService()
        self.addCleanup(simulation.stopService)
        client.walk(0, [RIGHT] * 10)
        harness.clock.pump([1.0 / 60] * 60)
        room = next(harness.rooms.views()).room
        self.assertEqual(room.tick, 60)
        self.assertEqual(client.last("p")["ack"], 9)
        self.assertEqual(client.last("p")["me"][0], welcome["me"]["x"] + 10 * 160)
        harness.clock.advance(10)
        self.assertEqual(room.tick, 90)

    def test_patchFollowsTheTickThatCompletesItsPeriod(self):
        """
        Every third tick is followed at once by a patch that includes the
        step that tick consumed.
        """
        harness = Harness()
        client = harness.connect()
        client.join()
        simulation = SimulationService(harness.rooms, harness.clock)
        simulation.startService()
        self.addCleanup(simulation.stopService)
        client.walk(0, [RIGHT] * 3)
        harness.clock.pump([1.0 / 60] * 2)
        self.assertEqual(client.messages("p"), [])
        harness.clock.advance(1.0 / 60)
        self.assertEqual([p["ack"] for p in client.messages("p")], [2])


class PluginTests(SynchronousTestCase):
    """
    twistd finds the C{ark} plugin, from the installed package too.
    """

    def test_pluginIsDiscovered(self):
        """
        The C{ark} service maker is among twistd's plugins.
        """
        from twisted import plugins

        makers = {maker.tapname: maker for maker in getPlugins(IServiceMaker, plugins)}
        self.assertIn("ark", makers)
        self.assertTrue(verifyObject(IServiceMaker, makers["ark"]))

    def test_installedTwistdListsEveryOption(self):
        """
        The C{twistd} of this environment, run from an unrelated directory
        (so the checkout is not on the path), knows C{ark} and lists every
        option.
        """
        twistd = os.path.join(os.path.dirname(sys.executable), "twistd")
        elsewhere = self.mktemp()
        os.makedirs(elsewhere)
        result = subprocess.run(
            [twistd, "-n", "ark", "--help"], cwd=elsewhere, capture_output=True,
            text=True, timeout=60, env=dict(os.environ, PYTHONPATH=""),
        )
        self.assertEqual(result.returncode, 0, result.stderr)
        # Every option Options takes (parameters, flags and opt_ methods),
        # long and short, and nothing else.
        options = Options(environ={})
        listed = set(re.findall(r"^\s+(?:-(\w), )?--([a-z-]+)", result.stdout, re.M))
        self.assertEqual({name for _, name in listed},
                         {name.rstrip("=") for name in options.longOpt})
        self.assertEqual({short for short, _ in listed if short},
                         set(options.shortOpt.replace(":", "")))
        self.assertGreaterEqual(len(options.longOpt), 20)
