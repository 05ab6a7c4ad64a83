"""
The installed C{twistd ark} killed with SIGKILL, as the kernel's OOM
killer or a power cut would stop it: no shutdown, no goodbye.  Everything
the server acknowledged (chat messages) and what it promises to keep
(where each player stands) is there when it starts again on the same data.
"""

import os
import signal
import sqlite3

from twisted.internet import defer, reactor, task
from twisted.trial.unittest import TestCase

from ark.store import SQLITE_FILE
from ark.world.movement import DOWN, LEFT, RIGHT, UP

from tests.backends import PostgreSQLBackend
from tests.installed import connectPlayer, startInstalledServer
from tests.support import requestJSON

# Each player walks its own way, so that each holds a place of its own.
HEADINGS = {"Ann": UP, "Bob": LEFT, "Cat": RIGHT | DOWN}
STEPS = 12


class KilledServerTests(PostgreSQLBackend, TestCase):
    """
    Acknowledged chat and held places survive a SIGKILL.
    """

    timeout = 120

    @defer.inlineCallbacks
    def connect(self, port):
        player = yield connectPlayer(port)
        self.addCleanup(self.dropConnection, player)
        return player

    def dropConnection(self, player):
        if not player.closed.called:
            player.transport.abortConnection()
            return player.closed

    @defer.inlineCallbacks
    def play(self, port, name):
        """
        Sign in as a guest, join, walk C{STEPS} steps and wait until the
        server has consumed them all; fires with the access token, the
        user id and the place the player holds.
        """
        status, signIn = yield requestJSON("POST", "http://127.0.0.1:%d/api/auth/guest" % (port,),
                                           {"name": name, "avatar": "owl"})
        self.assertEqual(status, 200, signIn)
        player = yield self.connect(port)
        player.send({"t": "join", "access": signIn["accessToken"]})
        welcome = yield player.waitFor(lambda m: m["t"] == "welcome")
        player.send({"t": "in", "seq": 0, "steps": [HEADINGS[name]] * STEPS})
        walked = yield player.waitFor(
            lambda m: m["t"] == "p" and m.get("ack") == STEPS - 1 and m.get("q") == 0)
        place = (welcome["map"], walked["me"][0], walked["me"][1])
        self.assertNotEqual(place[1:], (welcome["me"]["x"], welcome["me"]["y"]),
                            "%s did not move from where it spawned" % (name,))
        return player, signIn["accessToken"], welcome["user"], place

    @defer.inlineCallbacks
    def say(self, player, ref, text, **extra):
        message = {"t": "say", "ref": ref, "kind": "nearby", "text": text}
        message.update(extra)
        player.send(message)
        said = yield player.waitFor(lambda m: m["t"] == "said" and m["ref"] == ref)
        self.assertNotIn("error", said)
        return said

    @defer.inlineCallbacks
    def waitUntilStored(self, readPlace, places, seconds=30):
        """
        Wait until the database holds C{places} (C{{userId: place}}), or
        C{seconds} have gone by; what happens after the kill tells.
        """
        deadline = reactor.seconds() + seconds
        while reactor.seconds() < deadline:
            stored = {userId: readPlace(userId) for userId in places}
            if stored == places:
                return
            yield task.deferLater(reactor, 0.1, lambda: None)

    def test_sqlite(self):
        """
        With the default SQLite store in the data directory.
        """
        workdir = os.path.abspath(self.mktemp())
        os.makedirs(workdir)
        path = os.path.join(workdir, SQLITE_FILE)

        def readPlace(userId):
            connection = sqlite3.connect(path, timeout=5)
            try:
                row = connection.execute(
                    "SELECT last_map, last_x, last_y FROM users WHERE id = ?", (userId,)
                ).fetchone()
            finally:
                connection.close()
            return tuple(row) if row else None

        return self.survivesKill(workdir, [], readPlace)

    def test_postgresql(self):
        """
        With a PostgreSQL store.
        """
        self.setUpDatabase()
        workdir = os.path.abspath(self.mktemp())
        os.makedirs(workdir)
        import psycopg2

        connection = psycopg2.connect(self.url(), connect_timeout=5)
        connection.autocommit = True
        self.addCleanup(connection.close)

        def readPlace(userId):
            with connection.cursor() as cursor:
                cursor.execute("SELECT last_map, last_x, last_y FROM users WHERE id = %s",
                               (userId,))
                row = cursor.fetchone()
            return tuple(row) if row else None

        return self.survivesKill(workdir, ["--db", self.url()], readPlace)

    @defer.inlineCallbacks
    def survivesKill(self, workdir, arguments, readPlace):
        server = startInstalledServer(self, workdir, arguments)
        port = yield server.listening
        players = {}
        for name in HEADINGS:
            players[name] = yield self.play(port, name)

        acknowledged = []
        ref = 0
        for name, (player, _, _, _) in players.items():
            for text in ("hello from %s" % (name,), "%s is still here" % (name,)):
                ref += 1
                said = yield self.say(player, ref, text)
                acknowledged.append((name, said))
        ann, bob = players["Ann"], players["Bob"]
        ref += 1
        said = yield self.say(ann[0], ref, "a word for Bob only", kind="direct", to=bob[2])
        acknowledged.append(("Ann", said))

        held = {userId: place for _, _, userId, place in players.values()}
        yield self.waitUntilStored(readPlace, held)

        os.kill(server.transport.pid, signal.SIGKILL)
        ended = yield server.ended
        self.assertEqual(ended.signal, signal.SIGKILL)
        self.assertNotIn(b"Server Shut Down.", server.output)
        for player, _, _, _ in players.values():
            yield player.closed

        server = startInstalledServer(self, workdir, arguments)
        port = yield server.listening
        base = "http://127.0.0.1:%d" % (port,)
        for name, said in acknowledged:
            status, history = yield requestJSON(
                "GET", base + "/api/chat/sessions/%d/messages" % (said["session"],),
                token=players[name][1])
            self.assertEqual(status, 200, history)
            self.assertIn((said["id"], said["text"], said["at"]),
                          [(m["id"], m["text"], m["at"]) for m in history["messages"]])

        for name, (_, access, userId, place) in players.items():
            player = yield self.connect(port)
            player.send({"t": "join", "access": access})
            welcome = yield player.waitFor(lambda m: m["t"] in ("welcome", "error"))
            self.assertEqual(welcome["t"], "welcome", welcome)
            self.assertEqual(welcome["user"], userId)
            self.assertEqual((welcome["map"], welcome["me"]["x"], welcome["me"]["y"]), place,
                             "%s did not come back where it stood" % (name,))
