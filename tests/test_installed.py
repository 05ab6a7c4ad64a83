"""
The installed C{twistd ark}, run as operators run it: a real process,
started from an unrelated directory, serving the bundled world.
"""

import json
import os
import signal
import subprocess
from io import BytesIO

from twisted.internet import defer, reactor
from twisted.trial.unittest import TestCase
from twisted.web.client import Agent, FileBodyProducer, readBody
from twisted.web.http_headers import Headers

from tests.backends import PostgreSQLBackend
from tests.installed import TWISTD, connectPlayer, startInstalledServer
from tests.support import requestJSON


class InstalledServerTests(PostgreSQLBackend, TestCase):
    """
    The installed package serves the web client, the maps and the world.
    """

    timeout = 60

    def startServer(self, *arguments, workdir=None):
        if workdir is None:
            workdir = self.mktemp()
            os.makedirs(workdir)
        return startInstalledServer(self, os.path.abspath(workdir), list(arguments))

    @defer.inlineCallbacks
    def test_bundledWorldIsServed(self):
        """
        From a directory that is not the checkout, the default options
        serve the web client, the default map and the WebSocket, and the
        process stops cleanly on SIGTERM.
        """
        server = self.startServer()
        port = yield server.listening
        agent = Agent(reactor)
        base = "http://127.0.0.1:%d" % (port,)

        response = yield agent.request(b"GET", (base + "/").encode())
        self.assertEqual(response.code, 200)
        self.assertIn(b"<html", (yield readBody(response)))

        response = yield agent.request(b"GET", (base + "/maps/town.tmj").encode())
        self.assertEqual(response.code, 200)
        townMap = json.loads((yield readBody(response)))
        self.assertEqual(townMap["type"], "map")
        tileset = townMap["tilesets"][0]["source"]
        response = yield agent.request(b"GET", (base + "/maps/" + tileset).encode())
        self.assertEqual(response.code, 200)
        yield readBody(response)

        for module in ("/vendor/phaser/phaser.esm.js", "/vendor/cbor-x/index.js",
                       "/src/movement.js", "/api/maps/town.tmj"):
            response = yield agent.request(b"GET", (base + module).encode())
            self.assertEqual(response.code, 200, module)
            yield readBody(response)

        for icon in ("/favicon.svg", "/favicon.ico"):
            response = yield agent.request(b"GET", (base + icon).encode())
            self.assertEqual(response.code, 200, icon)
            self.assertEqual(response.headers.getRawHeaders(b"content-type"),
                             [b"image/svg+xml"], icon)
            self.assertIn(b"<svg", (yield readBody(response)))

        signIn, player, welcome = yield self.joinAsGuest(port, "operator")
        self.assertEqual(welcome["map"], "town.tmj")
        yield player.leave()
        # Someone still playing when the server stops.
        signIn, stayer, welcome = yield self.joinAsGuest(port, "stayer")

        os.kill(server.transport.pid, signal.SIGTERM)
        # They are told the server is going away, not just cut off.
        self.assertEqual((yield stayer.closed), 1001)
        ended = yield server.ended
        # twistd shuts down in order, then ends by the signal it received,
        # as a well-behaved Unix program does, with nothing gone wrong.
        self.assertIn(b"Server Shut Down.", server.output)
        self.assertNotIn(b"Traceback", server.output)
        self.assertNotIn(b"Unhandled", server.output)
        self.assertEqual((ended.exitCode, ended.signal), (None, signal.SIGTERM))

    @defer.inlineCallbacks
    def test_playersBehindATrustedProxyHaveTheirOwnSignInBudget(self):
        """
        With C{--trusted-proxy}, each client a proxy names in
        C{X-Forwarded-For} has its own sign-ins, and cannot borrow another's
        by prepending addresses.
        """
        server = self.startServer("--sign-in-limit", "1", "--trusted-proxy", "127.0.0.1,::1")
        port = yield server.listening
        url = ("http://127.0.0.1:%d/api/auth/guest" % (port,)).encode("ascii")

        @defer.inlineCallbacks
        def guest(forwardedFor):
            headers = Headers({b"content-type": [b"application/json"],
                               b"x-forwarded-for": [forwardedFor]})
            body = FileBodyProducer(BytesIO(b'{"name": "Proxied", "avatar": "owl"}'))
            response = yield Agent(reactor).request(b"POST", url, headers, body)
            yield readBody(response)
            return response.code

        self.assertEqual((yield guest(b"203.0.113.1")), 200)
        self.assertEqual((yield guest(b"203.0.113.2")), 200)
        self.assertEqual((yield guest(b"203.0.113.1")), 429)
        self.assertEqual((yield guest(b"198.51.100.9, 203.0.113.2")), 429)
        yield self.stop(server)

    @defer.inlineCallbacks
    def joinAsGuest(self, port, name):
        """
        Sign in as a guest and join: fires with the sign-in, the player's
        connection and its welcome.
        """
        status, signIn = yield requestJSON("POST", "http://127.0.0.1:%d/api/auth/guest" % (port,),
                                           {"name": name, "avatar": "owl"})
        self.assertEqual(status, 200, signIn)
        player = yield connectPlayer(port)
        player.send({"t": "join", "access": signIn["accessToken"]})
        welcome = yield player.waitFor(lambda m: m["t"] == "welcome")
        return signIn, player, welcome

    @defer.inlineCallbacks
    def stop(self, server):
        os.kill(server.transport.pid, signal.SIGTERM)
        yield server.ended

    def test_nothingAcknowledgedIsLostInARestartOnSQLite(self):
        """
        A chat message acknowledged before the server stops is in the
        history after it starts again, and the player comes back where
        they stood, with the same sign-in: with the default SQLite store.
        """
        return self.restartKeepsEverything()

    def test_nothingAcknowledgedIsLostInARestartOnPostgreSQL(self):
        """
        The same with a PostgreSQL store.
        """
        self.setUpDatabase()
        return self.restartKeepsEverything("--db", self.url())

    @defer.inlineCallbacks
    def restartKeepsEverything(self, *arguments):
        workdir = os.path.abspath(self.mktemp())
        os.makedirs(workdir)
        server = self.startServer(*arguments, workdir=workdir)
        port = yield server.listening
        base = "http://127.0.0.1:%d" % (port,)
        signIn, player, welcome = yield self.joinAsGuest(port, "Keeper")
        player.send({"t": "in", "seq": 0, "steps": [4] * 10})
        moved = yield player.waitFor(lambda m: m["t"] == "p" and m.get("ack") == 9)
        player.send({"t": "say", "ref": 1, "kind": "nearby", "text": "remember me"})
        said = yield player.waitFor(lambda m: m["t"] == "said")
        self.assertNotIn("error", said)
        # Stopped at once: no leave, no goodbye.
        yield self.stop(server)

        server = self.startServer(*arguments, workdir=workdir)
        port = yield server.listening
        base = "http://127.0.0.1:%d" % (port,)
        status, history = yield requestJSON(
            "GET", base + "/api/chat/sessions/%d/messages" % (said["session"],),
            token=signIn["accessToken"])
        self.assertEqual(status, 200, history)
        self.assertEqual([(m["id"], m["text"]) for m in history["messages"]],
                         [(said["id"], "remember me")])
        player = yield connectPlayer(port)
        player.send({"t": "join", "access": signIn["accessToken"]})
        again = yield player.waitFor(lambda m: m["t"] == "welcome")
        self.assertEqual(again["user"], welcome["user"])
        self.assertEqual((again["me"]["x"], again["me"]["y"]), tuple(moved["me"][:2]))
        self.assertNotEqual(moved["me"][:2], [welcome["me"]["x"], welcome["me"]["y"]])
        yield player.leave()
        yield self.stop(server)

    def test_brokenMapStopsStartupWithOneLine(self):
        """
        A broken map makes C{twistd ark} exit with status 1 and one line
        naming the file and the fault, not a traceback.
        """
        mapsDir = os.path.abspath(self.mktemp())
        os.makedirs(mapsDir)
        with open(os.path.join(mapsDir, "world.tmj"), "w") as f:
            json.dump({"type": "map", "orientation": "hexagonal", "width": 2, "height": 2,
                       "tilewidth": 32, "tileheight": 32, "layers": [], "tilesets": []}, f)
        workdir = self.mktemp()
        os.makedirs(workdir)
        result = subprocess.run(
            [TWISTD, "-n", "--pidfile=", "ark", "--maps-dir", mapsDir, "--map", "world.tmj",
             "--data-dir", os.path.abspath(workdir)],
            cwd=workdir, capture_output=True, text=True, timeout=60,
            env=dict(os.environ, PYTHONPATH=""),
        )
        self.assertEqual(result.returncode, 1)
        lines = (result.stdout + result.stderr).strip().splitlines()
        self.assertEqual(len(lines), 1, lines)
        self.assertIn("world.tmj", lines[0])
        self.assertIn("hexagonal", lines[0])
        self.assertNotIn("Traceback", result.stderr)
