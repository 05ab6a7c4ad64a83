"""
Tests for agents as world entities (L{ark.world.agents}, their place in
L{ark.world.room} and L{ark.net.views}, and their definitions in maps,
L{ark.maps.agents}): they wander near home by the players' movement rule,
stop and face whoever they talk with, reach every observer's patches, and
take no part in what players do together.
"""

from __future__ import annotations

import dataclasses
import json
import os
import random

from twisted.internet import defer
from twisted.trial.unittest import SynchronousTestCase, TestCase
from zope.interface import implementer

from ark.behaviours.director import ZoneDirector, discover
from ark.interfaces import IZoneBehaviour
from ark.maps.repository import loadRepository
from ark.maps.tiled import parseMap
from ark.world import movement
from ark.world.agents import (
    IDLE,
    LISTENING,
    REST_TICKS,
    TALKING,
    THINKING,
    WANDER_TILES,
    AgentSpec,
    Pilot,
    Walkable,
)
from ark.world.movement import (
    FACING_DOWN,
    FACING_LEFT,
    FACING_RIGHT,
    FACING_UP,
    RUN,
    Body,
    Obstacles,
)
from ark.world.proximity import TalkRules
from ark.world.room import PLACED, Room
from ark.world.worldmap import Rectangle, Zone

from tests.backends import SQLiteBackend
from tests.support import Harness, mapFromRows
from tests.test_mapreading import mapObject, objectLayer, prop, tileLayer, tiledMap
from tests.test_places import RecordingStore
from tests.test_repository import Repository
from tests.test_views import ReplayingClient

UNITS = movement.UNITS_PER_PIXEL
TILE = 32
SECOND = movement.TICK_RATE

# Walls near home and open floor farther away than an agent may go: a
# wanderer that strayed beyond five tiles, or onto a wall, would show.
ROWS = [
    "########################",
    "#......................#",
    "#...####...............#",
    "#...#..........#.......#",
    "#...#....#.....#.......#",
    "#........#.............#",
    "#.S......#....####.....#",
    "#......................#",
    "#####.......#..........#",
    "#......................#",
    "#......................#",
    "########################",
]
HOME_TILE = (11, 5)
HOME = ((HOME_TILE[0] + 0.5) * TILE, (HOME_TILE[1] + 0.5) * TILE)
SCOUT = AgentSpec("scout", "Scout", role="the guide", sprite="explorer", home=HOME)
SAGE = AgentSpec("sage", "Sage", role="the adviser", sprite="gardener", home=(560, 240))


def agentsMap(*agents, zones=(), name="agents.tmj"):
    """
    The map of L{ROWS} with C{agents} (by default Scout) living on it.
    """
    worldMap = mapFromRows(ROWS, name=name, zones=zones)
    return dataclasses.replace(worldMap, agents=agents or (SCOUT,))


def tileOf(avatar):
    return (avatar.body.x // (TILE * UNITS), avatar.body.y // (TILE * UNITS))


def runUntil(room, condition, limit=20 * SECOND):
    """
    Step C{room} until C{condition()} holds.

    @return: how many ticks that took.
    """
    for ticks in range(1, limit + 1):
        room.step()
        room.clearMotions(room.drainChanges())
        if condition():
            return ticks
    raise AssertionError("not within %d ticks" % (limit,))


class WanderingTests(SynchronousTestCase):
    """
    An idle agent rests a few seconds, strolls to a spot near home by the
    movement rule, and rests again.
    """

    def test_onlyWalkableTilesNearHome(self):
        """
        Over minutes of many seeded rooms, an agent stands only on walkable
        tiles within five tiles of home, and yet goes all over that area,
        never through the walls in it.
        """
        worldMap = agentsMap()
        visited = set()
        for seed in range(4):
            room = Room(worldMap, 10, seed=seed)
            [agent] = room.agents
            for _ in range(90 * SECOND):
                room.step()
                room.clearMotions(room.drainChanges())
                column, row = tile = tileOf(agent)
                self.assertFalse(worldMap.isBlocked(column, row), tile)
                self.assertTrue(room.obstacles.fits(agent.body.x, agent.body.y))
                self.assertLessEqual(abs(column - HOME_TILE[0]), WANDER_TILES, tile)
                self.assertLessEqual(abs(row - HOME_TILE[1]), WANDER_TILES, tile)
                visited.add(tile)
        self.assertGreater(len(visited), 40)
        # Both sides of the wall in column 9 are within reach, round it.
        self.assertTrue(any(column < 9 for column, _ in visited))

    def test_strollAtWalkingSpeed(self):
        """
        Agents never run: each tick they move a walking step, straight or
        diagonal, and observers are told of input without the run bit.
        """
        room = Room(agentsMap(), 10, seed=7)
        [agent] = room.agents
        steps = set()
        for _ in range(60 * SECOND):
            before = agent.body
            room.step()
            changes = room.drainChanges()
            for tick, kind, bits, x, y, facing in agent.motions:
                self.assertFalse(bits & RUN)
            room.clearMotions(changes)
            self.assertNotEqual(agent.body.state, movement.RUN_STATE)
            moved = (agent.body.x - before.x, agent.body.y - before.y)
            if moved != (0, 0):
                steps.add(tuple(sorted(map(abs, moved))))
        self.assertEqual(steps - {(0, movement.WALK_SPEED)},
                         {(movement.WALK_DIAGONAL, movement.WALK_DIAGONAL)})

    def test_restsThreeToEightSecondsBetweenStrolls(self):
        """
        Between two strolls an agent stands still for three to eight
        seconds, not always the same time.
        """
        room = Room(agentsMap(), 10, seed=3)
        [agent] = room.agents
        rests = []
        still = 0
        for _ in range(120 * SECOND):
            before = agent.body
            room.step()
            room.clearMotions(room.drainChanges())
            if (agent.body.x, agent.body.y) == (before.x, before.y):
                still += 1
            else:
                if still:
                    rests.append(still)
                still = 0
        low, high = REST_TICKS
        self.assertGreater(len(rests), 10)
        for rest in rests:
            # The tick it arrived counts as still too.
            self.assertTrue(low <= rest <= high + 1, rest)
        self.assertGreater(len(set(rests)), 5)

    def test_blockedStrollIsGivenUp(self):
        """
        An agent whose stroll runs into a wall (here a pilot misled about
        where it may walk) does not walk on the spot: it stops at once,
        rests, and tries another stroll later.
        """
        rows = ["." * 20 for _ in range(10)]
        rows = [row[:8] + "#" + row[9:] for row in rows]
        worldMap = mapFromRows(rows)
        obstacles = Obstacles.forMap(worldMap)

        class Misled(Walkable):
            def __call__(self, tile):
                return 0 <= tile[0] < 20 and 0 <= tile[1] < 10

        pilot = Pilot((6, 5), Misled(obstacles), random.Random(5))
        body = Body(movement.toUnits(6.5 * TILE), movement.toUnits(5.5 * TILE))
        pushing = longest = blocked = strolls = 0
        for _ in range(5 * 60 * SECOND):
            bits = pilot.steer(body)
            if bits is None:
                continue
            after = movement.step(body, bits, obstacles)
            if bits and after == body:
                pushing += 1
                blocked += 1
                longest = max(longest, pushing)
            else:
                pushing = 0
            if bits and after != body:
                strolls += 1
            body = after
        self.assertGreater(blocked, 0, "the wall was never met")
        self.assertEqual(longest, 1)
        self.assertGreater(strolls, 100)


class ConversationTests(SynchronousTestCase):
    """
    An agent in a conversation stands still and faces the player it is
    with; back to idle, it wanders again.
    """

    def setUp(self):
        self.room = Room(agentsMap(), 10, seed=11)
        [self.agent] = self.room.agents
        self.player = self.room.addAvatar(
            "ada", "fox", Body(movement.toUnits(HOME[0] + 96), movement.toUnits(HOME[1])),
            userId=1)

    def walking(self):
        runUntil(self.room, lambda: self.agent.bits != 0)

    def test_stopsAndFacesThePlayer(self):
        """
        Caught mid-stroll, an agent stops where it stands that very tick,
        facing the player; it stays put through listening, thinking and
        talking, turning as the player walks round it; observers are told
        of the stop and turns with positions.
        """
        self.walking()
        self.room.drainChanges()
        self.room.setAgentState(self.agent, LISTENING, self.player)
        stop = self.agent.body
        self.assertEqual(self.agent.bits, 0)
        self.assertEqual(self.agent.motions[-1][:3], (self.room.tick, PLACED, 0))
        expected = FACING_RIGHT if self.player.body.x > stop.x else FACING_LEFT
        if abs(self.player.body.y - stop.y) > abs(self.player.body.x - stop.x):
            expected = FACING_DOWN if self.player.body.y > stop.y else FACING_UP
        self.assertEqual(stop.facing, expected)
        for state in (LISTENING, THINKING, TALKING):
            self.room.setAgentState(self.agent, state, self.player)
            for _ in range(10 * SECOND):
                self.room.step()
                self.room.clearMotions(self.room.drainChanges())
            self.assertEqual((self.agent.body.x, self.agent.body.y), (stop.x, stop.y))
        for x, y, facing in ((-100, 0, FACING_LEFT), (0, -100, FACING_UP),
                             (0, 100, FACING_DOWN), (100, 10, FACING_RIGHT)):
            self.room.teleport(self.player, Body(stop.x + x * UNITS, stop.y + y * UNITS))
            self.room.step()
            self.assertEqual(self.agent.body.facing, facing)
            self.assertEqual([motion[1:] for motion in self.agent.motions],
                             [(PLACED, 0, stop.x, stop.y, facing)])
            self.room.clearMotions(self.room.drainChanges())

    def test_wandersAgainAfterTheConversation(self):
        """
        Back to idle, the agent rests three to eight seconds and strolls
        on.
        """
        self.walking()
        self.room.setAgentState(self.agent, TALKING, self.player)
        for _ in range(30 * SECOND):
            self.room.step()
        self.room.setAgentState(self.agent, IDLE)
        stop = self.agent.body
        ticks = runUntil(self.room, lambda: self.agent.body != stop)
        self.assertTrue(REST_TICKS[0] <= ticks <= REST_TICKS[1] + 1, ticks)

    def test_partnerLeavingEndsIt(self):
        """
        When the player it is with leaves the room, the agent is idle
        again (and observers are told).
        """
        self.room.setAgentState(self.agent, TALKING, self.player)
        self.room.drainChanges()
        self.room.removeAvatar(self.player)
        self.assertEqual((self.agent.agent.state, self.agent.agent.withId), (IDLE, None))
        self.assertEqual(self.room.drainChanges().restated, {self.agent: {"agent"}})

    def test_onlyAgentsAndKnownStates(self):
        """
        A player's avatar has no agent state to set, and states are only
        the four the protocol names.
        """
        self.assertRaises(ValueError, self.room.setAgentState, self.player, LISTENING)
        self.assertRaises(ValueError, self.room.setAgentState, self.agent, "dancing")
        self.assertEqual(self.agent.agent.state, IDLE)


class PatchTests(SynchronousTestCase):
    """
    Observers see agents in the same patches as players, marked as agents,
    with their state.
    """

    def setUp(self):
        worldMap = agentsMap()
        self.worldMap = worldMap
        self.harness = Harness({worldMap.name: worldMap}, seed=1)

    @property
    def room(self):
        # A map's first room opens with its first player.
        return next(self.harness.rooms.views()).room

    @property
    def agent(self):
        [agent] = self.room.agents
        return agent

    def test_describedAsAnAgent(self):
        """
        A player joining sees the agent: its sprite and name, no user, and
        C{[agentId, role, state, with]}; players' descriptions say C{None}.
        """
        ada = self.harness.connect()
        welcome = ada.join("ada")
        [scout] = welcome["entities"]
        self.assertEqual((scout["id"], scout["name"], scout["avatar"], scout["user"],
                          scout["s"], scout["agent"]),
                         (self.agent.entityId, "Scout", "explorer", None, "online",
                          ["scout", "the guide", "idle", None]))
        self.assertIsNone(welcome["me"]["agent"])
        bob = self.harness.connect()
        bob.join("bob")
        self.harness.run(3)
        [added] = ada.last("p")["add"]
        self.assertEqual((added["name"], added["agent"]), ("bob", None))

    def test_stateReachesObservers(self):
        """
        A change of state comes to every player who knows the agent as
        C{chg} C{a}: C{[state, with]}; a player arriving later finds the
        state in the agent's description.
        """
        ada, bob = self.harness.joined(2)
        adaId = ada.last("welcome")["id"]
        self.harness.run(3)
        self.room.setAgentState(self.agent, LISTENING, self.room.avatars[adaId])
        self.harness.run(3)
        for client in (ada, bob):
            self.assertIn([self.agent.entityId, {"a": ["listening", adaId]}],
                          client.last("p")["chg"])
        cy = self.harness.connect()
        [scout] = [e for e in cy.join("cy")["entities"] if e["agent"]]
        self.assertEqual(scout["agent"], ["scout", "the guide", "listening", adaId])
        self.room.setAgentState(self.agent, IDLE)
        self.harness.run(3)
        for client in (ada, bob, cy):
            self.assertIn([self.agent.entityId, {"a": ["idle", None]}],
                          client.last("p")["chg"])

    def test_observersReplayAgentsExactly(self):
        """
        Replaying the motions of its patches, a client has the agent where
        the server has it at every patch, through strolls, a conversation's
        stop and turns, and strolls again.
        """
        watcher = self.harness.connect()
        replay = ReplayingClient(watcher, self.worldMap)
        replay.start(watcher.join("watcher"))
        player = self.room.avatars[watcher.last("welcome")["id"]]
        agentId = self.agent.entityId
        history = {}
        checked = set()
        for second in range(90):
            if second == 20:
                self.room.setAgentState(self.agent, TALKING, player)
            if second in (25, 30):
                side = 1 if second == 25 else -1
                body = self.agent.body
                self.room.teleport(player, Body(body.x + side * 50 * UNITS, body.y))
            if second == 40:
                self.room.setAgentState(self.agent, IDLE)
            for _ in range(SECOND):
                self.harness.run(1)
                body = self.agent.body
                history[self.room.tick] = (body.x, body.y, body.facing)
                patch = watcher.last("p")
                if patch is not None and patch["tick"] not in checked:
                    replay.update()
                    tick = patch["tick"]
                    checked.add(tick)
                    seen = replay.bodyAt(agentId, tick)
                    self.assertEqual((seen.x, seen.y, seen.facing), history[tick], tick)
        motions = [m for p in watcher.messages("p") for m in p.get("mv", []) if m[0] == agentId]
        self.assertGreater(len(motions), 20)
        self.assertGreater(len(checked), 30)


class PrivacyTests(SynchronousTestCase):
    """
    Like a player, an agent in a private zone is seen only by those in it.
    """

    def test_seenOnlyFromTheSamePrivateZone(self):
        """
        With a private zone over part of its wanderings, a player outside
        knows the agent exactly while it is outside too, and one inside
        exactly while it is inside.
        """
        booth = Zone("booth", Rectangle(HOME[0] - 16, 0, 400, 400), {"private": True})
        worldMap = agentsMap(zones=[booth])
        harness = Harness({worldMap.name: worldMap}, seed=2)
        outsider, insider = harness.joined(2)
        room = next(harness.rooms.views()).room
        [agent] = room.agents
        room.teleport(room.avatars[insider.last("welcome")["id"]],
                      Body(movement.toUnits(600), movement.toUnits(200)))
        replays = {}
        for client in (outsider, insider):
            replays[client] = ReplayingClient(client, worldMap)
            replays[client].start(client.last("welcome"))
        changed = 0
        privacy = agent.privacy
        seen = set()
        for _ in range(120 * SECOND):
            harness.run(1)
            if agent.privacy != privacy:
                privacy = agent.privacy
                changed = room.tick
            if room.tick - changed < 4:
                continue
            for client, replay in replays.items():
                replay.update()
                mine = room.avatars[client.last("welcome")["id"]].privacy
                self.assertEqual(agent.entityId in replay.entities, mine == agent.privacy)
            seen.add(agent.privacy)
        self.assertEqual(len(seen), 2, "the agent never crossed the booth's edge")


class NotAPlayerTests(SynchronousTestCase):
    """
    Agents take no part in what players do together.
    """

    def test_noSeatTaken(self):
        """
        Agents do not count toward a room's capacity: two players fill a
        room for two on a map with two agents, and only then does an
        overflow shard open, with agents of its own; it closes when its
        player leaves, agents or not.  C{/api/rooms} counts them apart.
        """
        from ark.http.site import describeRooms

        worldMap = agentsMap(SCOUT, SAGE)
        harness = Harness({worldMap.name: worldMap}, capacity=2, seed=4)
        first, second = harness.joined(2)
        self.assertEqual(len(list(harness.rooms.views())), 1)
        room = next(harness.rooms.views()).room
        self.assertEqual((room.playerCount, len(room.agents), room.isFull), (2, 2, True))
        third = harness.connect()
        third.join("third")
        views = list(harness.rooms.views())
        self.assertEqual(len(views), 2)
        shard = views[1].room
        self.assertEqual([a.agent.agentId for a in shard.agents], ["scout", "sage"])
        self.assertFalse(set(shard.agents) & set(room.agents))
        rooms = describeRooms(harness.rooms)["rooms"]
        self.assertEqual([(r["avatars"], r["agents"]) for r in rooms], [(2, 2), (1, 2)])
        # Each shard's agents live their own lives.
        room.setAgentState(room.agents[0], TALKING)
        self.assertEqual(shard.agents[0].agent.state, IDLE)
        harness.run(20 * SECOND)
        self.assertNotEqual(room.agents[1].body, shard.agents[1].body)
        third.sendMessage({"t": "leave"})
        self.assertEqual(len(list(harness.rooms.views())), 1)

    def test_neverPairedToTalk(self):
        """
        A player beside an agent is never paired with it; an agent nearer
        than another player does not take that player's place among the
        nearest: with one partner allowed, the two players still pair.
        """
        room = Room(agentsMap(), 10, seed=5, talkRules=TalkRules(peers=1))
        [agent] = room.agents
        home = agent.body
        # The agent rests at home for three seconds at least: the two
        # players stand either side of it, Ada right beside it.
        ada = room.addAvatar("ada", "fox", Body(home.x + 20 * UNITS, home.y), userId=1)
        bob = room.addAvatar("bob", "owl", Body(home.x + 120 * UNITS, home.y), userId=2)
        events = []
        for _ in range(SECOND):
            room.step()
            events += room.drainChanges().talk
        self.assertEqual(agent.body, home)
        [pair] = room.talk.pairs.values()
        self.assertEqual({pair.first, pair.second}, {ada, bob})
        room.removeAvatar(bob)
        for _ in range(30 * SECOND):
            room.step()
            events += room.drainChanges().talk
        self.assertEqual(room.talk.pairs, {})
        self.assertFalse([event for event in events if agent in event[1]])

    def test_noZoneBehaviours(self):
        """
        Zones do nothing for agents: an agent living in a meeting room
        whose door leads to another map strolls in and out of it and
        through the door without a behaviour hearing of it, and stays in
        its room; a player walking in is heard of.
        """
        heard = []

        @implementer(IZoneBehaviour)
        class Listener:
            name = "listener"
            properties = ("jitsiRoom", "exitUrl")

            def offer(self, zone):
                return None

            def check(self, mapName, zone, maps):
                return []

            def entered(self, player, zone):
                heard.append((player.name, "entered", zone.name))

            def left(self, player, zone):
                heard.append((player.name, "left", zone.name))

            def acted(self, player, zone):
                heard.append((player.name, "acted", zone.name))

        x, y = HOME
        zones = [
            Zone("meeting", Rectangle(x - 80, y - 80, 160, 160), {"jitsiRoom": "standup"}),
            Zone("door", Rectangle(x - 16, y - 16, 32, 32), {"exitUrl": "other.tmj"}),
        ]
        worldMap = agentsMap(zones=zones)
        other = dataclasses.replace(worldMap, name="other.tmj", agents=())
        director = ZoneDirector(discover() + [Listener()])
        harness = Harness({worldMap.name: worldMap, other.name: other},
                          defaultMap=worldMap.name, director=director, seed=6)
        watcher = harness.connect()
        watcher.join("watcher")
        room = harness.rooms.shardsOf(worldMap.name)[0].room
        [agent] = room.agents
        zonesSeen = set()
        for _ in range(3 * 60 * SECOND):
            harness.run(1)
            zonesSeen.add(agent.zones)
        self.assertEqual(len(zonesSeen), 3, "the agent never walked through all the zones")
        self.assertIn(agent.entityId, room.avatars)
        self.assertEqual(heard, [])
        self.assertEqual(watcher.messages("effect"), [])
        room.teleport(room.avatars[watcher.last("welcome")["id"]],
                      Body(movement.toUnits(x + 50), movement.toUnits(y)))
        harness.run(1)
        self.assertEqual(heard, [("watcher", "entered", "meeting")])

    def test_notSavedAsAPlace(self):
        """
        Only players' places are kept: saving every place, as the server
        does while it runs and when it stops, leaves agents out.
        """
        store = RecordingStore()
        worldMap = agentsMap(SCOUT, SAGE)
        harness = Harness({worldMap.name: worldMap}, store=store, seed=8)
        ada = harness.connect()
        welcome = ada.join("ada")
        harness.run(20 * SECOND)
        self.successResultOf(harness.rooms.stop())
        users = {row[0] for transaction in store.transactions for row in transaction}
        self.assertEqual(users, {welcome["user"]})


class NearbyChatTests(SQLiteBackend, TestCase):
    """
    Agents never hear players' nearby or zone chat.
    """

    @defer.inlineCallbacks
    def test_agentsAreNotRecipients(self):
        """
        Said beside an agent, in a zone it stands in, a message reaches
        the players near and in the zone, and the session's participants
        are those players alone.
        """
        self.setUpDatabase()
        store = yield self.startStore()
        plaza = Zone("plaza", Rectangle(0, 0, 24 * TILE, 12 * TILE), {"silent": False})
        worldMap = agentsMap(SCOUT, dataclasses.replace(SAGE, home=HOME), zones=[plaza])
        harness = Harness({worldMap.name: worldMap}, store=store, seed=9)
        clients = []
        for name, dx in (("ada", 20), ("bob", 60)):
            user = yield store.createUser(name, "fox", 1000)
            harness._users[name] = user["id"]
            client = harness.connect()
            welcomed = client.next("welcome")
            client.join(name)
            yield welcomed
            seat = client.session.seat
            room = seat.room
            room.teleport(seat.avatar, Body(movement.toUnits(HOME[0] + dx),
                                            movement.toUnits(HOME[1])))
            clients.append((client, user["id"]))
        (ada, adaId), (bob, bobId) = clients
        for kind in ("nearby", "zone"):
            said = ada.next("said")
            ada.sendMessage({"t": "say", "ref": 1, "kind": kind, "text": "hello " + kind})
            said = yield said
            self.assertNotIn("error", said)
            members = yield store.participantIds(said["session"])
            self.assertEqual(sorted(members), sorted([adaId, bobId]), kind)
            self.assertEqual([m["text"] for m in bob.messages("chat")][-1], "hello " + kind)


def agentsRoom(*extra, width=12):
    """
    A walled room of C{width} by 8 tiles for map files, and C{extra}
    layers.
    """
    rows = ["#" * width] + ["#" + "." * (width - 2) + "#" for _ in range(6)] + ["#" * width]
    rows[3] = rows[3][:5] + "#" + rows[3][6:]
    start = [" " * width for _ in range(8)]
    start[2] = " " * 2 + "." + " " * (width - 3)
    return [tileLayer("floor", ["." * width] * 8, 1), tileLayer("walls", rows, 2),
            tileLayer("start", start, 3)] + list(extra)


def agentObject(objectId, objectName, x, y, width=0, height=0, **properties):
    """
    An object of class C{agent} called C{objectName}: a point, or with a
    size a rectangle, with C{properties}.
    """
    extra = {"point": True} if not width else {}
    return mapObject(objectId, objectName, x, y, width, height, className="agent",
                     properties=[prop(key, value) for key, value in properties.items()],
                     **extra)


class DefinitionTests(SynchronousTestCase):
    """
    Agents are defined by objects of class C{agent} or by an agents file,
    checked, with every problem reported by map and object.
    """

    def setUp(self):
        self.repository = Repository(self.mktemp())
        self.repository.write("images/terrain.png", b"\x89PNG\r\n\x1a\n")

    def load(self, layers, properties=(), files=()):
        """
        Write C{floor1/hall.tmj} and C{files}, and load the repository.

        @return: the hall's agents, and the problems found.
        """
        document = tiledMap(layers, width=12, height=8, properties=properties)
        document["tilesets"][0]["image"] = "../images/terrain.png"
        self.repository.write("floor1/hall.tmj", document)
        for name, content in files:
            self.repository.write(name, content)
        maps, problems = loadRepository(self.repository.root, "floor1/hall.tmj")
        return maps["floor1/hall.tmj"].agents, problems

    def test_objects(self):
        """
        A point object is a home where it stands, a rectangle at its
        middle; the id defaults to the name in lower case, the sprite to
        a robot, the brain to C{knowledge}; a knowledge file is found
        relative to the map.
        """
        self.repository.write("agents/sage.md", b"# What Sage knows\n")
        agents, problems = self.load(agentsRoom(objectLayer("agents", [
            agentObject(1, "Maven", 80, 48),
            agentObject(2, "Sage", 200, 100, 64, 32, role=" the adviser ", sprite="gardener",
                        brain="sage-brain", knowledge="../agents/sage.md"),
            agentObject(3, "Scout the Guide", 240, 176, agentId="scout", name="Scout"),
        ], 4)))
        self.assertEqual(problems, [])
        self.assertEqual(agents, (
            AgentSpec("maven", "Maven", home=(80, 48)),
            AgentSpec("sage", "Sage", role="the adviser", sprite="gardener", brain="sage-brain",
                      knowledge=self.repository.path("agents/sage.md"), home=(232, 116)),
            AgentSpec("scout", "Scout", home=(240, 176)),
        ))

    def test_agentsFile(self):
        """
        The map property C{agentsFile} names a JSON file relative to the
        map; a home is a point, or the walkable tile nearest the middle of
        an area; a knowledge file is relative to the agents file.
        """
        self.repository.write("floor1/people/notes.md", b"# Notes\n")
        area = mapObject(1, "corner", 96, 64, 96, 64, className="area")
        agents, problems = self.load(
            agentsRoom(objectLayer("areas", [area], 4)),
            properties=[prop("agentsFile", "people/agents.json")],
            files=[("floor1/people/agents.json", {"agents": [
                {"id": "chronicle", "name": "Chronicle", "role": "the scribe", "sprite": "owl",
                 "knowledge": "notes.md", "home": {"x": 300, "y": 200}},
                {"id": "trends", "home": {"area": "corner"}},
            ]})])
        self.assertEqual(problems, [])
        self.assertEqual(agents, (
            AgentSpec("chronicle", "Chronicle", role="the scribe", sprite="owl",
                      knowledge=self.repository.path("floor1/people/notes.md"), home=(300, 200)),
            AgentSpec("trends", "trends", home=(144.0, 80.0)),
        ))

    def test_everyProblemReported(self):
        """
        Each wrong definition is reported with the map and the object's or
        entry's name, and the agent is left out; what does nothing is
        reported and the agent kept; a home where nobody can stand, and a
        second agent of an id, are left out.
        """
        self.repository.write("outside.md", b"")
        self.repository.write("floor1/notes.txt", b"")
        objects = [
            agentObject(1, "", 80, 48),
            agentObject(2, "Big Guide", 80, 48),
            agentObject(3, "Bad", 80, 48, agentId="Bad!"),
            agentObject(4, "Tabby", 80, 48, name="tab\tby"),
            agentObject(5, "Roly", 80, 48, role="x" * 65),
            agentObject(6, "Sprite", 80, 48, sprite="Robot 2"),
            agentObject(7, "Brain", 80, 48, brain="no brain"),
            agentObject(8, "Missing", 80, 48, knowledge="gone.md"),
            agentObject(9, "Plain", 80, 48, knowledge="notes.txt"),
            agentObject(10, "Escape", 80, 48, knowledge="../../outside.md"),
            agentObject(11, "Walled", 176, 112),
            agentObject(12, "Off", 900, 48),
            agentObject(13, "Keep", 80, 48, colour="red"),
            agentObject(14, "keep", 112, 48),
            mapObject(15, "Line", 80, 48, className="agent", polyline=[{"x": 0, "y": 0}]),
        ]
        agents, problems = self.load(
            agentsRoom(objectLayer("agents", objects, 4)),
            properties=[prop("agentsFile", "agents.json")],
            files=[("floor1/agents.json", {"agents": [
                "sage",
                {"name": "Nameless", "home": {"x": 80, "y": 48}},
                {"id": "nohome"},
                {"id": "nowhere", "home": {"area": "nowhere"}},
                {"id": "both", "home": {"x": 80, "y": 48, "area": "corner"}},
                {"id": "nan", "home": {"x": "80", "y": 48}},
                {"id": "extra", "home": {"x": 80, "y": 48}, "mood": "happy"},
            ], "version": 2})])
        self.assertEqual([agent.agentId for agent in agents], ["keep", "extra"])
        at = "layer 'agents' (id 4): object"
        self.assertEqual([str(problem) for problem in problems], [
            "floor1/hall.tmj: " + line for line in [
                f"{at} '' (id 1): an agent needs a name, or an 'agentId' property; "
                "the agent is left out",
                f"{at} 'Big Guide' (id 2): its id would be 'big guide', but an agent's id must "
                "be 1 to 32 of a-z 0-9 _ -: give it an 'agentId' property; the agent is left out",
                f"{at} 'Bad' (id 3): 'agentId' must be 1 to 32 of a-z 0-9 _ -, not 'Bad!'; "
                "the agent is left out",
                f"{at} 'Tabby' (id 4): 'name' must not contain control characters; "
                "the agent is left out",
                f"{at} 'Roly' (id 5): 'role' must be at most 64 printable characters; "
                "the agent is left out",
                f"{at} 'Sprite' (id 6): 'sprite' must be an avatar's name "
                "(1 to 32 of a-z 0-9 _ -), not 'Robot 2'; the agent is left out",
                f"{at} 'Brain' (id 7): 'brain' must be a brain's name "
                "(1 to 32 of a-z 0-9 _ -), not 'no brain'; the agent is left out",
                f"{at} 'Missing' (id 8): knowledge file 'gone.md' is missing "
                "(no file floor1/gone.md); the agent is left out",
                f"{at} 'Plain' (id 9): knowledge file 'notes.txt' must be Markdown (.md); "
                "the agent is left out",
                f"{at} 'Escape' (id 10): knowledge file '../../outside.md' is outside the map "
                "repository; the agent is left out",
                f"{at} 'Keep' (id 13): the property 'colour' does nothing on an agent",
                f"{at} 'Line' (id 15): a polyline cannot be a home: use a point or a "
                "rectangle; the agent is left out",
                "agents file 'agents.json': 'version' does nothing",
                "agents file 'agents.json': agents[0] must be an object, not a string",
                "agents file 'agents.json': agents[1]: it has no 'id'; the agent is left out",
                "agents file 'agents.json': agents[2] ('nohome'): 'home' must be {\"x\", \"y\"} "
                "or {\"area\"}, not null; the agent is left out",
                "agents file 'agents.json': agents[3] ('nowhere'): the map has no area named "
                "'nowhere'; the agent is left out",
                "agents file 'agents.json': agents[4] ('both'): 'home' must be {\"x\", \"y\"} "
                "or {\"area\"}, not keys ['area', 'x', 'y']; the agent is left out",
                "agents file 'agents.json': agents[5] ('nan'): the home's 'x' and 'y' must be "
                "numbers, not a string; the agent is left out",
                "agents file 'agents.json': agents[6] ('extra'): 'mood' does nothing",
                f"{at} 'Walled' (id 11): agent 'walled' lives at (176, 112) px, where nobody "
                "can stand; the agent is left out",
                f"{at} 'Off' (id 12): agent 'off' lives at (900, 48) px, where nobody can "
                "stand; the agent is left out",
                f"{at} 'keep' (id 14): agent 'keep' is defined already, by {at} 'Keep' (id 13); "
                "the agent is left out",
            ]])
        self.assertFalse(any(problem.fatal for problem in problems))

    def test_agentsFileProblems(self):
        """
        An agents file that is not there, not JSON, not the right shape, or
        outside the repository is reported; the map loads without agents.
        """
        self.repository.write("secret.json", {"agents": []})
        cases = [
            (7, [], "the map property 'agentsFile' must be a file's path, not 7"),
            ("none.json", [], "agents file 'none.json' cannot be read: "
                              "No such file or directory"),
            ("bad.json", [("floor1/bad.json", b"{")],
             "agents file 'bad.json' is not valid JSON: "),
            ("list.json", [("floor1/list.json", [])],
             "agents file 'list.json' must hold an object whose 'agents' is a list"),
            ("../../secret.json", [], "agents file '../../secret.json' is outside the map "
                                      "repository, so it is not read"),
        ]
        for reference, files, expected in cases:
            agents, problems = self.load(agentsRoom(),
                                         properties=[prop("agentsFile", reference)], files=files)
            self.assertEqual(agents, ())
            [problem] = problems
            self.assertEqual(problem.mapName, "floor1/hall.tmj")
            self.assertTrue(problem.problem.startswith(expected), problem.problem)
            self.assertFalse(problem.fatal)

    def test_mapWithoutFiles(self):
        """
        A map parsed from memory has no files to read an agents file from:
        that is reported, and its objects' agents are still there.
        """
        problems = []
        worldMap = parseMap(
            tiledMap(agentsRoom(objectLayer("agents", [agentObject(1, "Maven", 80, 48)], 4)),
                     width=12, height=8, properties=[prop("agentsFile", "agents.json")]),
            "hall.tmj", lambda source: None, problems=problems)
        self.assertEqual([agent.agentId for agent in worldMap.agents], ["maven"])
        self.assertEqual(problems, ["agents file 'agents.json' cannot be read: "
                                    "the map's files are not at hand"])


class BundledWorldTests(SynchronousTestCase):
    """
    The bundled town is home to the six agents of the original game.
    """

    def test_sixAgentsAroundTown(self):
        """
        Maven, Scout, Chronicle, Trends, Sage and Gandalfius live in the
        town, each with a role and a sprite of the client's, at homes
        players can walk to, with room to stroll.
        """
        maps, problems = loadRepository(os.path.join(os.path.dirname(__file__), "..", "maps"),
                                        "town.tmj")
        self.assertEqual(problems, [])
        town = maps["town.tmj"]
        with open(os.path.join(os.path.dirname(__file__), "..", "web", "assets", "avatars",
                               "avatars.json")) as f:
            sprites = {avatar["name"] for avatar in json.load(f)["avatars"]}
        self.assertEqual([agent.name for agent in town.agents],
                         ["Maven", "Scout", "Chronicle", "Trends", "Sage", "Gandalfius"])
        room = Room(town, 10, seed=1)
        spawn = room.spawnBody()
        for agent in town.agents:
            self.assertTrue(agent.role)
            self.assertIn(agent.sprite, sprites)
        reached = _reachable(town, (spawn.x // (TILE * UNITS), spawn.y // (TILE * UNITS)))
        for avatar in room.agents:
            self.assertIn(tileOf(avatar), reached, avatar.name)
        tiles = {avatar.name: {tileOf(avatar)} for avatar in room.agents}
        for _ in range(60 * SECOND):
            room.step()
            room.clearMotions(room.drainChanges())
            for avatar in room.agents:
                tiles[avatar.name].add(tileOf(avatar))
        for name, visited in tiles.items():
            self.assertGreater(len(visited), 5, name)


def _reachable(worldMap, start):
    """
    The tiles a player can walk to from C{start}, side by side.
    """
    reached = {start}
    todo = [start]
    while todo:
        column, row = todo.pop()
        for dx, dy in ((1, 0), (-1, 0), (0, 1), (0, -1)):
            tile = (column + dx, row + dy)
            if tile not in reached and not worldMap.isBlocked(*tile):
                reached.add(tile)
                todo.append(tile)
    return reached
