"""
Tests for L{ark.net.views}: each client sees what is near it, learns only
what changed, and can replay every avatar's path exactly.
"""

import random

import cbor2

from twisted.trial.unittest import SynchronousTestCase

from ark.world import movement
from ark.net.views import STILL_FLAG
from ark.world.movement import DOWN, LEFT, RIGHT, RUN, UP, Body, Obstacles

from tests.support import Harness, Wanderer, openMap, wallsMap


HEADINGS = [LEFT, RIGHT, UP, DOWN, LEFT | UP, RIGHT | DOWN, LEFT | DOWN, RIGHT | UP]


class ReplayingClient:
    """
    What a client does with patches: keeps each known entity's last
    motion, and replays the movement rule from it to place the entity at
    any later tick.
    """

    def __init__(self, client, worldMap):
        self.client = client
        self.obstacles = Obstacles.forMap(worldMap)
        self.entities = {}
        self.read = 0

    def _track(self, description):
        self.entities[description["id"]] = (
            description["tick"], description["x"], description["y"],
            description["k"], description["f"])

    def start(self, welcome):
        for entity in welcome["entities"]:
            self._track(entity)
        self.read = len(self.client.frames)

    def update(self):
        for patch in self.client.messages()[self.read:]:
            if patch["t"] != "p":
                continue
            for entityId in patch.get("del", []):
                del self.entities[entityId]
            for entity in patch.get("add", []):
                self._track(entity)
            for motion in patch.get("mv", []):
                self._apply(patch["tick"], motion)
        self.read = len(self.client.frames)

    def _apply(self, patchTick, motion):
        entityId, age = motion[0], motion[1]
        tick = patchTick - age
        known = self.entities.get(entityId)
        if known is None or tick <= known[0]:
            return
        if len(motion) == 6:
            bits, facing, x, y = motion[2:]
            self.entities[entityId] = (tick, x, y, bits, facing)
            return
        before = self.bodyAt(entityId, tick - 1)
        bits = motion[2]
        if bits & STILL_FLAG:
            bits &= ~STILL_FLAG
            self.entities[entityId] = (tick, before.x, before.y, bits, before.facing)
        else:
            after = movement.step(before, bits, self.obstacles)
            self.entities[entityId] = (tick, after.x, after.y, bits, after.facing)

    def bodyAt(self, entityId, tick):
        since, x, y, bits, facing = self.entities[entityId]
        body = Body(x, y, facing)
        for _ in range(tick - since):
            body = movement.step(body, bits, self.obstacles)
        return body

    def positionAt(self, entityId, tick):
        body = self.bodyAt(entityId, tick)
        return (body.x, body.y)


class InterestTests(SynchronousTestCase):
    """
    A client sees avatars in the cells around it, and is told when they
    come and go.
    """

    def setUp(self):
        # 100 x 100 tiles of 32 px; spawns at the centre, a far entry in a
        # corner well outside a 480 px view.
        worldMap = openMap(100, 100, name="open.tmj")
        worldMap.entries["far"] = [(200.0, 200.0)]
        self.worldMap = worldMap
        self.harness = Harness({worldMap.name: worldMap}, viewRadius=480)

    def joinFar(self, name):
        client = self.harness.connect()
        welcome = client.join(name)
        room = next(self.harness.rooms.views()).room
        avatar = room.avatars[welcome["id"]]
        room.teleport(avatar, room.spawnBody("far"))
        return client, welcome

    def test_farAvatarsAreNotSent(self):
        """
        A player beyond the view square is neither in the snapshot nor in
        any patch, even while it walks.
        """
        far, farWelcome = self.joinFar("far")
        near = self.harness.connect()
        welcome = near.join("near")
        self.assertEqual(welcome["entities"], [])
        far.walk(0, [RIGHT] * 10)
        self.harness.run(30)
        for patch in near.messages("p"):
            self.assertNotIn(farWelcome["id"], [e["id"] for e in patch.get("add", [])])
            self.assertEqual(patch.get("mv", []), [])

    def test_walkingIntoViewAddsAndWalkingAwayDeletes(self):
        """
        An avatar that walks into a client's view is added with its full
        description; when it walks out again it is deleted.
        """
        watcher = self.harness.connect()
        watcher.join("watcher")
        walker, welcome = self.joinFar("walker")
        self.harness.run(3)
        watcher.clear()
        seq = 0
        added = None
        for _ in range(200):
            walker.walk(seq, [RIGHT | DOWN | RUN] * 3)
            seq += 3
            self.harness.run(3)
            adds = [e for p in watcher.messages("p") for e in p.get("add", [])]
            if adds:
                added = adds[0]
                break
        self.assertIsNotNone(added, "the walker never came into view")
        self.assertEqual((added["id"], added["name"], added["k"]),
                         (welcome["id"], "walker", RIGHT | DOWN | RUN))
        watcher.clear()
        for _ in range(200):
            walker.walk(seq, [RIGHT | DOWN | RUN] * 3)
            seq += 3
            self.harness.run(3)
            if any(welcome["id"] in p.get("del", []) for p in watcher.messages("p")):
                break
        else:
            self.fail("the walker never left the view")

    def test_movingClientSeesWhatComesIntoItsView(self):
        """
        A client walking towards a standing avatar gets it added once the
        avatar's cell comes into view.
        """
        stander, standerWelcome = self.joinFar("stander")
        mover = self.harness.connect()
        mover.join("mover")
        self.harness.run(3)
        seq = 0
        for _ in range(300):
            mover.walk(seq, [LEFT | UP | RUN] * 3)
            seq += 3
            self.harness.run(3)
            adds = [e["id"] for p in mover.messages("p") for e in p.get("add", [])]
            if standerWelcome["id"] in adds:
                break
        else:
            self.fail("the stander never came into view")


class ViewSquareTests(SynchronousTestCase):
    """
    A client always knows every avatar inside its view square.
    """

    def test_everyoneInsideTheSquareIsKnown(self):
        """
        As a client and others wander, after each of its patches it knows
        every avatar whose position is within the view radius on both axes
        (and, at cell granularity, perhaps a few more).
        """
        worldMap = openMap(100, 100, name="open.tmj")
        harness = Harness({worldMap.name: worldMap}, viewRadius=300)
        generator = random.Random(5)
        clients = [[client, 0, generator.choice(HEADINGS) | RUN] for client in harness.joined(30)]
        watcher = clients[0][0]
        replay = ReplayingClient(watcher, worldMap)
        room = next(harness.rooms.views()).room
        me = next(a for a in room.avatars.values() if a.name == "w0")
        radius = 300 * movement.UNITS_PER_PIXEL
        checked = 0
        for _ in range(300):
            for entry in clients:
                client, seq, bits = entry
                if generator.random() < 0.05:
                    bits = generator.choice(HEADINGS) | RUN
                client.walk(seq, [bits] * 3)
                entry[1:] = [seq + 3, bits]
            harness.run(3)
            replay.update()
            near = {
                avatar.entityId for avatar in room.avatars.values()
                if avatar is not me
                and abs(avatar.body.x - me.body.x) <= radius
                and abs(avatar.body.y - me.body.y) <= radius
            }
            self.assertEqual(near - set(replay.entities), set())
            checked += len(near)
        self.assertGreater(checked, 300)


class PatchTests(SynchronousTestCase):
    """
    Patches carry exactly what changed.
    """

    def setUp(self):
        self.harness = Harness()

    def test_loneIdleClientReceivesNothingAfterItsWelcome(self):
        """
        Nothing is sent to a client while nothing it can see changes.
        """
        client = self.harness.connect()
        client.join()
        self.harness.run(600)
        self.assertEqual([m["t"] for m in client.messages()], ["welcome"])

    def test_idleNeighboursCostNothing(self):
        """
        Two idle players in view of each other receive nothing after the
        patch that introduced them.
        """
        first = self.harness.connect()
        first.join("a")
        second = self.harness.connect()
        second.join("b")
        self.harness.run(3)
        first.clear()
        second.clear()
        self.harness.run(600)
        self.assertEqual((first.frames, second.frames), ([], []))

    def test_ownPatchAcknowledgesStepsWithThePosition(self):
        """
        A moving client is told the last step consumed and where that left
        it; a steady walk sends a neighbour one motion, not a stream.
        """
        mover = self.harness.connect()
        welcome = mover.join("mover")
        watcher = self.harness.connect()
        watcher.join("watcher")
        self.harness.run(3)
        watcher.clear()
        mover.walk(0, [RIGHT] * 3)
        self.harness.run(3)
        patch = mover.last("p")
        self.assertEqual((patch["ack"], patch["q"]), (2, 0))
        # On the wire, all of it is one array: [ack, q, x, y, f, s].
        self.assertEqual(cbor2.loads(mover.frames[-1])["me"][:3],
                         [2, 0, welcome["me"]["x"] + 3 * 160])
        self.assertEqual(patch["me"], [welcome["me"]["x"] + 3 * 160, welcome["me"]["y"],
                                       movement.FACING_RIGHT, movement.WALK])
        for seq in range(3, 30, 3):
            mover.walk(seq, [RIGHT] * 3)
            self.harness.run(3)
        motions = [m for p in watcher.messages("p") for m in p.get("mv", [])]
        self.assertEqual(len(motions), 1)
        self.assertEqual(motions[0][0], welcome["id"])
        self.assertEqual(motions[0][2], RIGHT)

    def test_queuedStepsAreReported(self):
        """
        The own patch tells how many sent steps still wait, so the client
        can tell when its input runs ahead of the server.
        """
        mover = self.harness.connect()
        mover.join("mover")
        mover.walk(0, [RIGHT] * 8)
        self.harness.run(3)
        self.assertEqual((mover.last("p")["ack"], mover.last("p")["q"]), (2, 5))

    def test_observersReplayPathsExactly(self):
        """
        From the snapshot, adds and motions alone, a client reconstructs
        every other avatar's position at each of its patch ticks exactly as
        the server had it: walls, stalls, dropped steps and all, whichever
        of the three patch phases it is in, and while it walks in and out
        of view of them.
        """
        worldMap = wallsMap()
        harness = Harness({worldMap.name: worldMap}, viewRadius=400)
        generator = random.Random(11)
        walkers = [Wanderer(client, generator) for client in harness.joined(12)]
        observers = []
        for index in range(3):
            observer = harness.connect()
            replay = ReplayingClient(observer, worldMap)
            replay.start(observer.join("observer%d" % index))
            observers.append(replay)
            walkers.append(Wanderer(observer, generator))
        room = next(harness.rooms.views()).room
        history = {room.tick: {
            entityId: (avatar.body.x, avatar.body.y)
            for entityId, avatar in room.avatars.items()
        }}
        checked = 0
        for _ in range(400):
            for walker in walkers:
                walker.walk()
            for _ in range(3):
                harness.run(1)
                history[room.tick] = {
                    entityId: (avatar.body.x, avatar.body.y)
                    for entityId, avatar in room.avatars.items()
                }
            for replay in observers:
                replay.update()
                patches = replay.client.messages("p")
                if not patches:
                    continue
                for entityId, known in replay.entities.items():
                    # An entity added in a patch may be described as of a
                    # tick after the patch's.
                    tick = max(patches[-1]["tick"], known[0])
                    self.assertEqual(
                        replay.positionAt(entityId, tick), history[tick][entityId],
                        "entity %d seen by %s at tick %d" % (entityId, replay, tick),
                    )
                    checked += 1
        self.assertGreater(checked, 5000)
        phases = {replay.client.messages("p")[-1]["tick"] % 3 for replay in observers}
        # Stalls and restated positions were both exercised.
        motions = [m for replay in observers for p in replay.client.messages("p")
                   for m in p.get("mv", [])]
        self.assertTrue(any(len(m) == 3 and m[2] & STILL_FLAG for m in motions))
        self.assertTrue(any(len(m) == 6 for m in motions))
        self.assertEqual(phases, {0, 1, 2})
