"""
Tests for several nodes as one world (L{ark.cluster}): seat tokens, the
room directory in a real Redis (C{ARK_TEST_REDIS}, default
redis://127.0.0.1:6379/15; skipped without one, except under CI), and two
or three installed C{twistd ark} nodes in separate processes sharing Redis
and PostgreSQL: a seat reserved on one node for a map the other holds, a
full room overflowing onto another node, direct messages between nodes,
and a killed node's maps taken over once its heartbeat expires.
"""

from __future__ import annotations

import json
import os
import signal
import time
import uuid

from twisted.internet import defer, reactor, task
from twisted.internet.task import Clock
from twisted.trial import unittest

from ark.cluster.directory import (
    HEARTBEAT_SECONDS, OPERATION_SECONDS, TTL_SECONDS, DirectoryUnavailable, LocalDirectory, Place,
    RedisDirectory)
from ark.cluster.seats import SEAT_SECONDS, SeatRefused, Seats
from ark.identity.authority import AuthError, Authority
from ark.identity.presence import InProcessPresence, redisPool

from ark.app import resources
from ark.behaviours.director import ZoneDirector, discover
from ark.maps.repository import loadRepository
from ark.world.movement import Body

from tests.backends import REDIS, PostgreSQLBackend, requireRedis
from tests.installed import connectPlayer, startInstalledServer
from tests.support import Harness, requestJSON

SECRET = b"a cluster test secret, long enough for HMAC-SHA256"


class SeatTests(unittest.TestCase):
    """
    Seat tokens on one node: good once, for their player, on their node,
    for 15 seconds.
    """

    def setUp(self):
        self.clock = Clock()
        self.clock.advance(1000)
        self.seats = Seats(LocalDirectory("node-a", None), SECRET, self.clock)

    @defer.inlineCallbacks
    def test_aSeatIsRedeemedOnceByItsPlayer(self):
        reservation = yield self.seats.reserve(7, "cafe.tmj")
        self.assertEqual(reservation[:3], ("cafe.tmj", "node-a", None))
        refused = yield self.assertFailure(self.seats.redeem(reservation.seat, 8), SeatRefused)
        self.assertEqual((refused.code, refused.message),
                         ("seat_invalid", "the seat is another player's"))
        self.assertEqual((yield self.seats.redeem(reservation.seat, 7)), ("cafe.tmj", None))
        refused = yield self.assertFailure(self.seats.redeem(reservation.seat, 7), SeatRefused)
        self.assertEqual(refused.message, "the seat was taken already")

    @defer.inlineCallbacks
    def test_aSeatExpiresAndHoldsOnlyOnItsNode(self):
        reservation = yield self.seats.reserve(7, "cafe.tmj")
        elsewhere = Seats(LocalDirectory("node-b", None), SECRET, self.clock)
        refused = yield self.assertFailure(elsewhere.redeem(reservation.seat, 7), SeatRefused)
        self.assertEqual(refused.message, "the seat is on another node")
        self.clock.advance(SEAT_SECONDS)
        refused = yield self.assertFailure(self.seats.redeem(reservation.seat, 7), SeatRefused)
        self.assertIn("expired", refused.message)
        forged = Seats(LocalDirectory("node-a", None), b"x" * 40, self.clock)
        reservation = yield forged.reserve(7, "cafe.tmj")
        refused = yield self.assertFailure(self.seats.redeem(reservation.seat, 7), SeatRefused)
        self.assertEqual(refused.code, "seat_invalid")

    @defer.inlineCallbacks
    def test_seatsAndAccessTokensAreNotInterchangeable(self):
        authority = Authority(None, InProcessPresence(self.clock), SECRET, self.clock)
        access = authority.issueAccess({"id": 7, "name": "Ada", "avatar": "fox"}, "family")
        refused = yield self.assertFailure(self.seats.redeem(access, 7), SeatRefused)
        self.assertEqual(refused.code, "seat_invalid")
        reservation = yield self.seats.reserve(7, "cafe.tmj")
        with self.assertRaises(AuthError):
            authority.readAccess(reservation.seat)


class NamedNode(LocalDirectory):
    """
    One node of a world whose directory (tested on its own, below) says
    which maps it holds: the rest are held by C{other}.
    """

    def __init__(self, nodeId, held, other):
        LocalDirectory.__init__(self, nodeId, "ws://%s/ws" % (nodeId,))
        self.held = held
        self.other = other

    def holdsNow(self, mapName):
        return mapName in self.held

    def holds(self, mapName):
        return defer.succeed(mapName in self.held)

    def place(self, mapName):
        if mapName in self.held:
            return defer.succeed(Place(self.nodeId, self.url))
        return defer.succeed(Place(self.other, "ws://%s/ws" % (self.other,)))


class DoorsBetweenNodesTests(unittest.TestCase):
    """
    A door to a map another node holds hands the player over: a seat
    there at the door's entry (C{go}), and their avatar here released.
    """

    def nodeOf(self, nodeId, held, other):
        maps, _ = loadRepository(resources.bundled("maps"), "town.tmj")
        harness = Harness(maps, defaultMap="town.tmj", seed=5, director=ZoneDirector(discover()))
        harness.seats = Seats(NamedNode(nodeId, held, other), SECRET, harness.clock)
        harness.rooms.heldHere = harness.seats.holdsNow
        return harness

    def throughTheCafeDoor(self, harness):
        """
        Ada joins the town of C{harness}'s node and steps into the cafe's
        door; returns her client and the seat she had.
        """
        ada = harness.connect()
        ada.join("Ada", map="town.tmj")
        seat = ada.session.seat
        # Into the cafe's door (1664-1696 x 224-256 px: exitUrl cafe.tmj#from-town).
        seat.room.teleport(seat.avatar, Body(1680 * 60, 240 * 60))
        harness.run(2)
        return ada, seat

    def test_aDoorToAMapOfAnotherNode(self):
        a = self.nodeOf("node-a", {"town.tmj"}, "node-b")
        ada, seat = self.throughTheCafeDoor(a)
        go = ada.last("go")
        self.assertEqual((go["map"], go["node"], go["url"]), ("cafe.tmj", "node-b", "ws://node-b/ws"))
        self.assertEqual(ada.closedWith, (1000, "gone to another node"))
        self.assertEqual(seat.room.playerCount, 0, "the avatar here is released")

        b = self.nodeOf("node-b", {"cafe.tmj"}, "node-a")
        b.clock.advance(a.clock.seconds())
        b._users = a._users
        again = b.connect()
        welcome = again.join("Ada", seat=go["seat"])
        self.assertEqual((welcome["map"], welcome["moved"]), ("cafe.tmj", True))
        [entry] = [e for e in b.rooms.maps["cafe.tmj"].spawnPoints("from-town")][:1]
        me = again.session.seat.avatar.body
        self.assertLess(abs(me.x / 60 - entry[0]) + abs(me.y / 60 - entry[1]), 64)

    def test_agentsLiveOnlyWhereTheirMapIsHeld(self):
        """
        A node of several opens a map's room (and its agents) when its
        first player comes, not at start: the other nodes hold no copy.
        """
        from ark.rooms import RoomManager

        maps, _ = loadRepository(resources.bundled("maps"), "town.tmj")
        rooms = RoomManager(maps, "town.tmj", 10, 480, 30, Clock(), agentsAtStart=False)
        self.assertEqual(list(rooms.views()), [])
        self.assertEqual(rooms.onlinePlayers(), [])
        alone = RoomManager(maps, "town.tmj", 10, 480, 30, Clock())
        self.assertEqual([len(view.room.agents) for view in alone.views()], [6])

    def test_aDoorToAMapTheDirectoryGivesThisNode(self):
        a = self.nodeOf("node-a", {"town.tmj"}, "node-a")
        ada, _ = self.throughTheCafeDoor(a)
        self.assertIsNone(ada.last("go"))
        self.assertEqual(ada.last("welcome")["map"], "cafe.tmj")
        self.assertIsNone(ada.closedWith)


class RedisDirectoryTests(unittest.TestCase):
    """
    The room directory in a real Redis, two nodes' views of it in one
    process (each its own connection).
    """

    @defer.inlineCallbacks
    def setUp(self):
        self.prefix = "arktest:%s:" % (uuid.uuid4().hex,)
        self.clock = Clock()
        self.loads = {"node-a": 5, "node-b": 0}
        self.nodes = {}
        for nodeId in ("node-a", "node-b"):
            pool = redisPool(REDIS, "test")
            self.addCleanup(pool.disconnect)
            self.nodes[nodeId] = RedisDirectory(
                pool, nodeId, "ws://%s/ws" % (nodeId,), lambda nodeId=nodeId: self.loads[nodeId],
                self.clock, prefix=self.prefix)
        self.redis = self.nodes["node-a"].redis
        yield requireRedis(self.redis)
        for node in self.nodes.values():
            yield node.beat()

    @defer.inlineCallbacks
    def test_aMapGoesToTheLeastLoadedNodeAndStaysThere(self):
        a, b = self.nodes["node-a"], self.nodes["node-b"]
        self.assertEqual((yield a.place("cafe.tmj")), Place("node-b", "ws://node-b/ws"))
        self.loads["node-b"] = 50
        yield b.beat()
        self.assertEqual((yield a.place("cafe.tmj")).nodeId, "node-b", "a map stays put")
        self.assertTrue((yield b.holds("cafe.tmj")))
        self.assertFalse((yield a.holds("cafe.tmj")))
        # The next map goes to the node that is least loaded now.
        self.assertEqual((yield b.place("town.tmj")).nodeId, "node-a")
        ttl = yield self.redis.ttl(self.prefix + "map:cafe.tmj")
        self.assertTrue(0 < ttl <= TTL_SECONDS, ttl)
        self.assertEqual(json.loads((yield self.redis.get(self.prefix + "node:node-b"))),
                         {"url": "ws://node-b/ws", "players": 50, "rooms": {}})

    @defer.inlineCallbacks
    def test_aFullMapOverflowsOntoTheLeastLoadedNode(self):
        """
        Node A holds the town.  While its town room is full, the next
        players are placed on node B (an overflow shard there); while both
        are full, A opens another shard of its own; once A has a seat
        free, it takes the next player again.
        """
        a, b = self.nodes["node-a"], self.nodes["node-b"]
        self.loads.update({"node-a": 0, "node-b": 3})
        yield a.beat()
        yield b.beat()
        self.assertEqual((yield b.place("town.tmj")).nodeId, "node-a")
        a.rooms = lambda: {"town.tmj": ["town.tmj", 2, 2]}
        self.loads["node-a"] = 2
        yield a.beat()
        self.assertEqual((yield a.place("town.tmj")), Place("node-b", "ws://node-b/ws", True))
        self.assertEqual((yield b.place("town.tmj")).nodeId, "node-b")
        b.rooms = lambda: {"town.tmj": ["town.tmj", 2, 2], "cafe.tmj": ["cafe.tmj", 1, 2]}
        yield b.beat()
        self.assertEqual((yield b.place("town.tmj")).nodeId, "node-a")
        a.rooms = lambda: {"town.tmj": ["town.tmj", 2, 2], "town.tmj#2": ["town.tmj", 1, 2]}
        yield a.beat()
        self.assertEqual((yield b.place("town.tmj")).nodeId, "node-a")
        self.assertEqual(json.loads((yield self.redis.get(self.prefix + "node:node-a")))["rooms"],
                         {"town.tmj": ["town.tmj", 2, 2], "town.tmj#2": ["town.tmj", 1, 2]})

    @defer.inlineCallbacks
    def test_eachNodeListsThePlayersOfTheOthers(self):
        a, b = self.nodes["node-a"], self.nodes["node-b"]
        b.online = lambda: [{"id": 9, "name": "Zed", "map": "cafe.tmj"}]
        yield b.beat()
        self.assertEqual((yield a.elsewhere()), [{"id": 9, "name": "Zed", "map": "cafe.tmj"}])
        self.assertEqual((yield b.elsewhere()), [])
        yield self.redis.delete(self.prefix + "node:node-b")
        self.assertEqual((yield a.elsewhere()), [], "a node gone lists nobody")

    @defer.inlineCallbacks
    def test_aNodeWhoseHeartbeatExpiredLosesItsMaps(self):
        """
        Once a node's record has expired (it stopped beating), its maps are
        opened on a live node at the next request.
        """
        a = self.nodes["node-a"]
        self.assertEqual((yield a.place("cafe.tmj")).nodeId, "node-b")
        self.assertTrue(0 < (yield self.redis.ttl(self.prefix + "node:node-b")) <= TTL_SECONDS)
        # What Redis does when the TTL runs out, without waiting for it.
        yield self.redis.delete(self.prefix + "node:node-b")
        self.assertEqual((yield a.place("cafe.tmj")), Place("node-a", "ws://node-a/ws"))
        self.assertTrue((yield a.holds("cafe.tmj")))
        self.assertEqual(sorted((yield a.nodes())), ["node-a"])

    @defer.inlineCallbacks
    def test_claimsAreKeptByTheBeatAndFreedOnLeaving(self):
        a, b = self.nodes["node-a"], self.nodes["node-b"]
        self.assertTrue((yield b.holds("cafe.tmj")))
        yield self.redis.expire(self.prefix + "map:cafe.tmj", 2)
        yield b.beat()
        self.assertGreater((yield self.redis.ttl(self.prefix + "map:cafe.tmj")), 2)
        b.startService()
        yield b.stopService()
        self.assertIsNone((yield self.redis.get(self.prefix + "map:cafe.tmj")))
        self.assertEqual((yield a.place("cafe.tmj")).nodeId, "node-a")

    def test_redisDownIsTryAgain(self):
        """
        With Redis unreachable, the directory answers "try again" within
        its deadline rather than keeping a player waiting, and the beat
        goes on.
        """
        pool = redisPool("redis://127.0.0.1:1/0", "test")
        self.addCleanup(pool.disconnect)
        down = RedisDirectory(pool, "node-c", None, lambda: 0, self.clock, prefix=self.prefix)
        placing = down.place("cafe.tmj")
        reserving = Seats(down, SECRET, self.clock).reserve(1, "cafe.tmj")
        beating = down.beat()
        self.clock.advance(OPERATION_SECONDS)
        self.failureResultOf(placing, DirectoryUnavailable)
        self.assertEqual(self.failureResultOf(reserving, SeatRefused).value.code, "try_again")
        self.successResultOf(beating)


class InstalledNodes(PostgreSQLBackend):
    """
    Installed nodes, in separate processes, one world: a test case's
    C{nodes} are started in C{setUp}, into C{servers} (id: the process
    and its port).  Rooms hold two players.
    """

    timeout = 90
    nodes = {"node-a": (), "node-b": ()}

    @defer.inlineCallbacks
    def startNode(self, nodeId, arguments=()):
        workdir = os.path.abspath(self.mktemp())
        os.makedirs(workdir)
        server = startInstalledServer(self, workdir, [
            "--node-id", nodeId, "--redis", self.redisUrl, "--world", self.world,
            "--db", self.url(),
            "--secret", SECRET.decode("ascii"), "--sign-in-limit", "100",
            "--room-capacity", "2"] + list(arguments))
        if "--gateways" in arguments:
            def stop():
                # Stopped, not killed, so that it removes its gateways'
                # sockets.
                if not server.ended.called:
                    server.transport.signalProcess("TERM")
                    return server.ended

            self.addCleanup(stop)
        port = yield server.listening
        return server, port

    @defer.inlineCallbacks
    def setUp(self):
        self.setUpDatabase()
        self.redisUrl = REDIS
        pool = redisPool(REDIS, "test")
        self.addCleanup(pool.disconnect)
        self.redis = pool
        yield requireRedis(pool)
        # A world of this test's own in the shared Redis.  Among equally
        # loaded nodes the first by id is chosen.
        self.world = "test-" + uuid.uuid4().hex[:16]
        started = yield defer.gatherResults(
            [self.startNode(nodeId, arguments) for nodeId, arguments in self.nodes.items()])
        self.servers = dict(zip(self.nodes, started))

    def api(self, port, path, body, token=None):
        return requestJSON("POST", "http://127.0.0.1:%d/api/%s" % (port, path), body, token)


class TwoNodesTests(InstalledNodes, unittest.TestCase):
    """
    Two installed nodes, separate processes, one world.
    """

    @defer.inlineCallbacks
    def setUp(self):
        yield InstalledNodes.setUp(self)
        self.nodeA, self.nodeB = "node-a", "node-b"
        (self.a, self.portA), (self.b, self.portB) = self.servers["node-a"], self.servers["node-b"]

    @defer.inlineCallbacks
    def test_aSeatOnOneNodeForAMapTheOtherHolds(self):
        """
        Ada signs in on node B and asks to join the cafe, which node A
        holds (Bob is there): B answers with A's address and a seat, and A
        seats her in the cafe with Bob. Without the seat, B refuses a join
        for the cafe; the seat is good once.
        """
        status, bob = yield self.api(self.portA, "auth/guest", {"name": "Bob", "avatar": "owl"})
        status, place = yield self.api(self.portA, "join", {"map": "cafe.tmj"},
                                       bob["accessToken"])
        self.assertEqual((status, place["node"], place["map"]), (200, self.nodeA, "cafe.tmj"))
        bobs = yield connectPlayer(self.portA)
        bobs.send({"t": "join", "access": bob["accessToken"], "seat": place["seat"]})
        yield bobs.waitFor(lambda m: m["t"] == "welcome")

        status, ada = yield self.api(self.portB, "auth/guest", {"name": "Ada", "avatar": "fox"})
        status, place = yield self.api(self.portB, "join", {"map": "cafe.tmj"},
                                       ada["accessToken"])
        self.assertEqual((status, place["node"], place["expiresIn"]), (200, self.nodeA, 15))
        wrong = yield connectPlayer(self.portB)
        wrong.send({"t": "join", "access": ada["accessToken"], "map": "cafe.tmj"})
        refused = yield wrong.waitFor(lambda m: m["t"] == "error")
        self.assertEqual(refused["code"], "other_node")
        wrong.send({"t": "join", "access": ada["accessToken"], "seat": place["seat"]})
        refused = yield wrong.waitFor(lambda m: m["t"] == "error" and m is not refused)
        self.assertEqual((refused["code"], refused["message"]),
                         ("seat_invalid", "the seat is on another node"))

        adas = yield connectPlayer(self.portA)
        adas.send({"t": "join", "access": ada["accessToken"], "seat": place["seat"]})
        welcome = yield adas.waitFor(lambda m: m["t"] == "welcome")
        self.assertEqual(welcome["map"], "cafe.tmj")
        self.assertIn("Bob", [entity["name"] for entity in welcome["entities"]])
        again = yield connectPlayer(self.portA)
        again.send({"t": "join", "access": ada["accessToken"], "seat": place["seat"]})
        refused = yield again.waitFor(lambda m: m["t"] == "error")
        self.assertEqual((refused["code"], refused["message"]),
                         ("seat_invalid", "the seat was taken already"))
        for player in (bobs, adas, wrong, again):
            player.transport.loseConnection()

    @defer.inlineCallbacks
    def test_aDirectMessageAcrossNodes(self):
        """
        Bob plays in the cafe on node A, Ada in the town on node B: her
        direct message reaches him live, through Redis, once.
        """
        players = {}
        for name, port, mapName in (("Bob", self.portA, "cafe.tmj"),
                                    ("Ada", self.portB, "town.tmj")):
            status, signIn = yield self.api(port, "auth/guest", {"name": name, "avatar": "owl"})
            player = yield connectPlayer(port)
            player.send({"t": "join", "access": signIn["accessToken"], "map": mapName})
            welcome = yield player.waitFor(lambda m: m["t"] == "welcome")
            self.assertEqual(welcome["map"], mapName)
            players[name] = (player, welcome["user"])
        (bob, bobId), (ada, _) = players["Bob"], players["Ada"]
        ada.send({"t": "say", "ref": 1, "kind": "direct", "to": bobId, "text": "hi Bob, from B"})
        said = yield ada.waitFor(lambda m: m["t"] == "said")
        self.assertNotIn("error", said)
        heard = yield bob.waitFor(lambda m: m["t"] == "chat" and m["kind"] == "direct")
        self.assertEqual((heard["id"], heard["text"], heard["from"]["name"]),
                         (said["id"], "hi Bob, from B", "Ada"))
        ada.send({"t": "say", "ref": 2, "kind": "direct", "to": bobId, "text": "and again"})
        yield bob.waitFor(lambda m: m["t"] == "chat" and m["text"] == "and again")
        self.assertEqual([m["text"] for m in bob.received if m["t"] == "chat"
                          and m["kind"] == "direct"], ["hi Bob, from B", "and again"])
        for player in (bob, ada):
            player.transport.loseConnection()

    @defer.inlineCallbacks
    def test_aFullRoomOverflowsOntoTheOtherNode(self):
        """
        Rooms hold two players here.  Bob and Cy fill node A's town; once
        A has said so at its heartbeat, Ada, asking node A where to join,
        is seated in a town room on node B, an overflow shard.
        """
        for name in ("Bob", "Cy"):
            status, signIn = yield self.api(self.portA, "auth/guest",
                                            {"name": name, "avatar": "owl"})
            status, place = yield self.api(self.portA, "join", {"map": "town.tmj"},
                                           signIn["accessToken"])
            self.assertEqual(place["node"], self.nodeA)
            player = yield connectPlayer(self.portA)
            self.addCleanup(player.transport.loseConnection)
            player.send({"t": "join", "access": signIn["accessToken"], "seat": place["seat"]})
            yield player.waitFor(lambda m: m["t"] == "welcome")
        status, ada = yield self.api(self.portA, "auth/guest", {"name": "Ada", "avatar": "fox"})
        startedAt = time.monotonic()
        while True:
            status, place = yield self.api(self.portA, "join", {"map": "town.tmj"},
                                           ada["accessToken"])
            if place["node"] == self.nodeB:
                break
            self.assertLess(time.monotonic() - startedAt, 2 * HEARTBEAT_SECONDS + 5,
                            "node A's full town was not overflowed")
            yield task.deferLater(reactor, 0.5, lambda: None)
        adas = yield connectPlayer(self.portB)
        self.addCleanup(adas.transport.loseConnection)
        adas.send({"t": "join", "access": ada["accessToken"], "seat": place["seat"]})
        welcome = yield adas.waitFor(lambda m: m["t"] in ("welcome", "error"))
        self.assertEqual((welcome["t"], welcome.get("map")), ("welcome", "town.tmj"), welcome)
        self.assertNotIn("Bob", [entity["name"] for entity in welcome["entities"]])

    @defer.inlineCallbacks
    def test_aKilledNodesMapsAreOpenedElsewhere(self):
        """
        Node A holds the town and is killed: until its heartbeat expires
        (at most 10 s) joins still name it; then node B opens the town.
        """
        status, ada = yield self.api(self.portB, "auth/guest", {"name": "Ada", "avatar": "fox"})
        status, place = yield self.api(self.portB, "join", {"map": "town.tmj"},
                                       ada["accessToken"])
        self.assertEqual(place["node"], self.nodeA)
        os.kill(self.a.transport.pid, signal.SIGKILL)
        yield self.a.ended
        killedAt = time.monotonic()
        while True:
            status, place = yield self.api(self.portB, "join", {"map": "town.tmj"},
                                           ada["accessToken"])
            if place["node"] == self.nodeB:
                break
            self.assertLess(time.monotonic() - killedAt, TTL_SECONDS + 5,
                            "node A's maps were not freed")
            yield task.deferLater(reactor, 0.5, lambda: None)
        self.assertGreater(time.monotonic() - killedAt, 1, "freed by expiry, not at once")
        adas = yield connectPlayer(self.portB)
        adas.send({"t": "join", "access": ada["accessToken"], "seat": place["seat"]})
        welcome = yield adas.waitFor(lambda m: m["t"] == "welcome")
        self.assertEqual(welcome["map"], "town.tmj")
        adas.transport.loseConnection()


class ThreeNodesTests(InstalledNodes, unittest.TestCase):
    """
    Three installed nodes, the third running a gateway.
    """

    nodes = {"node-a": (), "node-b": (), "node-c": ("--gateways", "1")}

    @defer.inlineCallbacks
    def beatenWith(self, nodeId, players):
        """
        Wait until C{nodeId}'s record in Redis counts C{players}: its next
        heartbeat, within L{HEARTBEAT_SECONDS}.
        """
        startedAt = time.monotonic()
        while True:
            record = yield self.redis.get("%s:node:%s" % (self.world, nodeId))
            if record is not None and json.loads(record)["players"] == players:
                return
            self.assertLess(time.monotonic() - startedAt, 2 * HEARTBEAT_SECONDS + 5,
                            "%s never said it has %d players" % (nodeId, players))
            yield task.deferLater(reactor, 0.2, lambda: None)

    @defer.inlineCallbacks
    def join(self, askPort, name, mapName):
        """
        C{name} signs in on the node at C{askPort}, asks it where to join
        C{mapName}, and joins there; fires with the player, the welcome
        and the node's id.
        """
        status, signIn = yield self.api(askPort, "auth/guest", {"name": name, "avatar": "owl"})
        status, place = yield self.api(askPort, "join", {"map": mapName},
                                       signIn["accessToken"])
        self.assertEqual(status, 200, place)
        player = yield connectPlayer(self.servers[place["node"]][1])
        self.addCleanup(player.transport.loseConnection)
        player.send({"t": "join", "access": signIn["accessToken"], "seat": place["seat"]})
        welcome = yield player.waitFor(lambda m: m["t"] in ("welcome", "error"))
        self.assertEqual((welcome["t"], welcome.get("map")), ("welcome", mapName), welcome)
        return player, welcome, place["node"]

    @defer.inlineCallbacks
    def test_mapsSpreadOverflowAndADirectMessageCrossesOnce(self):
        """
        Asked through node C: the town goes to the first of three idle
        nodes (A); once A says it has a player, the cafe goes to B.  When
        A's town room is full (Ada, Dan), Cy is sent to C, the least
        loaded node, in a town room of its own.  Ada writes to Cy: from A
        to C through Redis, delivered once, and Bob on B hears nothing.
        """
        portC = self.servers["node-c"][1]
        ada, _, node = yield self.join(portC, "Ada", "town.tmj")
        self.assertEqual(node, "node-a")
        yield self.beatenWith("node-a", 1)
        bob, _, node = yield self.join(portC, "Bob", "cafe.tmj")
        self.assertEqual(node, "node-b")
        dan, _, node = yield self.join(portC, "Dan", "town.tmj")
        self.assertEqual(node, "node-a")
        yield self.beatenWith("node-a", 2)
        yield self.beatenWith("node-b", 1)
        cy, cyWelcome, node = yield self.join(portC, "Cy", "town.tmj")
        self.assertEqual(node, "node-c")
        self.assertEqual([entity["name"] for entity in cyWelcome["entities"]
                          if entity["agent"] is None], [])

        ada.send({"t": "say", "ref": 1, "kind": "direct", "to": cyWelcome["user"],
                  "text": "hello from the town"})
        said = yield ada.waitFor(lambda m: m["t"] == "said")
        self.assertNotIn("error", said)
        heard = yield cy.waitFor(lambda m: m["t"] == "chat" and m["kind"] == "direct")
        self.assertEqual((heard["id"], heard["from"]["name"]), (said["id"], "Ada"))
        # Another message after it, so the first had every chance to be
        # delivered twice before this one arrives.
        ada.send({"t": "say", "ref": 2, "kind": "direct", "to": cyWelcome["user"],
                  "text": "and once more"})
        yield cy.waitFor(lambda m: m["t"] == "chat" and m["text"] == "and once more")
        self.assertEqual([m["text"] for m in cy.received if m["t"] == "chat"
                          and m["kind"] == "direct"], ["hello from the town", "and once more"])
        self.assertEqual([m for m in bob.received + dan.received if m["t"] == "chat"
                          and m["kind"] == "direct"], [])
