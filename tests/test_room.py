"""
Tests for L{ark.world.room}: the pure simulation of one room.
"""

from twisted.trial.unittest import SynchronousTestCase

from ark.world import movement
from ark.world.movement import LEFT, RIGHT, RUN, UP
from ark.world.room import MAX_QUEUED_STEPS, MOVED, STILL, Room

from tests.support import mapFromRows, openMap


class StepTests(SynchronousTestCase):
    """
    Each tick consumes at most one queued step per avatar.
    """

    def setUp(self):
        self.room = Room(openMap(40, 40), capacity=10)
        self.avatar = self.room.addAvatar("ada", "fox")
        self.start = self.avatar.body

    def test_oneStepPerTickWhateverIsQueued(self):
        """
        Queueing many steps at once moves the avatar one step per tick, so
        sending more input never moves faster.
        """
        self.room.queueSteps(self.avatar, 0, [RIGHT] * 5)
        self.room.step()
        self.assertEqual(self.avatar.body.x - self.start.x, movement.WALK_SPEED)
        self.assertEqual(self.avatar.ackSeq, 0)
        for _ in range(10):
            self.room.step()
        self.assertEqual(self.avatar.body.x - self.start.x, 5 * movement.WALK_SPEED)
        self.assertEqual(self.avatar.ackSeq, 4)

    def test_stepsBeyondTheQueueAreDropped(self):
        """
        Steps that arrive while the queue is full are dropped and counted;
        once the queue drains, the acknowledgement covers them, so the
        client knows they will never be consumed.
        """
        dropped = self.room.queueSteps(self.avatar, 0, [RIGHT] * (MAX_QUEUED_STEPS + 4))
        self.assertEqual(dropped, 4)
        self.assertEqual(self.avatar.dropped, 4)
        for _ in range(MAX_QUEUED_STEPS - 1):
            self.room.step()
        self.assertEqual(self.avatar.ackSeq, MAX_QUEUED_STEPS - 2)
        for _ in range(30):
            self.room.step()
        self.assertEqual(
            self.avatar.body.x - self.start.x, MAX_QUEUED_STEPS * movement.WALK_SPEED
        )
        self.assertEqual(self.avatar.ackSeq, MAX_QUEUED_STEPS + 3)

    def test_motionsRecordOnlyChangesOfInput(self):
        """
        Observers are told when an avatar's input changes, not while it
        keeps walking the same way; running out of queued steps is a stop,
        told one tick later, once a second empty tick shows it is not
        just late input.
        """
        self.room.queueSteps(self.avatar, 0, [RIGHT, RIGHT, RIGHT, UP | RUN])
        for _ in range(6):
            self.room.step()
        changes = self.room.drainChanges()
        self.assertEqual(changes.moved, {self.avatar})
        self.assertEqual(
            [(tick, kind, bits) for tick, kind, bits, x, y, facing in self.avatar.motions],
            [(1, MOVED, RIGHT), (4, MOVED, UP | RUN), (5, STILL, 0)],
        )
        tick, kind, bits, x, y, facing = self.avatar.motions[1]
        self.assertEqual((x, y), (self.start.x + 3 * 160, self.start.y - 240))
        self.assertEqual(facing, movement.FACING_UP)
        self.assertEqual(self.avatar.anchor, self.avatar.motions[-1])

    def test_lateInputIsOneStillTick(self):
        """
        A step arriving one tick late leaves the avatar standing for that
        tick, told as one motion: stood still, then went on.
        """
        self.room.queueSteps(self.avatar, 0, [RIGHT])
        self.room.step()
        self.room.step()
        self.room.queueSteps(self.avatar, 1, [RIGHT, RIGHT])
        self.room.step()
        self.room.step()
        self.assertEqual(
            [(tick, kind, bits, x) for tick, kind, bits, x, y, facing in self.avatar.motions],
            [(1, MOVED, RIGHT, self.start.x + 160), (2, STILL, RIGHT, self.start.x + 160)],
        )
        self.assertEqual(self.avatar.body.x, self.start.x + 3 * 160)

    def test_stepCountsMovingAvatarsLeftWithoutInput(self):
        """
        A tick where a moving avatar finds no step waiting is reported, so
        operators can see input arriving late; idle avatars are not.
        """
        self.room.queueSteps(self.avatar, 0, [RIGHT])
        self.room.addAvatar("idle", "owl")
        self.assertEqual([self.room.step() for _ in range(3)], [0, 1, 0])

    def test_idleAvatarsProduceNothing(self):
        """
        An avatar with no input produces no changes at all.
        """
        self.room.drainChanges()
        for _ in range(100):
            self.room.step()
        self.assertFalse(self.room.drainChanges().moved)

    def test_crossingACellEdgeIsRecorded(self):
        """
        An avatar walking into the next 320 px cell is listed as crossed
        and is found in the grid under its new cell.
        """
        before = self.avatar.cell
        self.room.drainChanges()
        for index in range(0, 400, 10):
            self.room.queueSteps(self.avatar, index, [RIGHT | RUN] * 10)
            for _ in range(10):
                self.room.step()
        changes = self.room.drainChanges()
        self.assertIn(self.avatar, changes.crossed)
        self.assertNotEqual(self.avatar.cell, before)
        self.assertIn(self.avatar, self.room.grid.members(self.avatar.cell))
        self.assertNotIn(self.avatar, self.room.grid.members(before))

    def test_disconnectedAvatarStopsAndStays(self):
        """
        Marking an avatar disconnected drops its queued steps so it stands
        where it was.
        """
        self.room.queueSteps(self.avatar, 0, [LEFT] * 5)
        self.room.step()
        self.room.setConnected(self.avatar, False)
        position = self.avatar.body
        for _ in range(10):
            self.room.step()
        self.assertEqual((self.avatar.body.x, self.avatar.body.y), (position.x, position.y))
        self.assertEqual(position.x, self.start.x - movement.WALK_SPEED)
        self.assertEqual(self.room.drainChanges().restated, {self.avatar: {"connected"}})


class SpawnTests(SynchronousTestCase):
    """
    New avatars appear on the map's spawn points.
    """

    def test_arrivalsSpreadOverTheSpawnArea(self):
        """
        Arrivals land on the spawn tiles, spread over them rather than
        stacked on one.
        """
        room = Room(mapFromRows(["#####", "#S.S#", "#####"]), capacity=50, seed=3)
        spots = {(a.body.x, a.body.y) for a in (room.addAvatar("a", "fox") for _ in range(20))}
        self.assertEqual(spots, {(48 * 60, 48 * 60), (112 * 60, 48 * 60)})

    def test_spawnTilesInsideWallsAreAvoided(self):
        """
        A spawn point where the body would overlap a wall is not used when
        a free one exists.
        """
        worldMap = mapFromRows(["#####", "#S..#", "#####"])
        worldMap.entries["start"].insert(0, (16.0, 16.0))
        room = Room(worldMap, capacity=50, seed=5)
        for _ in range(20):
            body = room.addAvatar("a", "fox").body
            self.assertEqual((body.x, body.y), (48 * 60, 48 * 60))

    def test_capacityCountsEveryAvatar(self):
        """
        A room is full once it holds C{capacity} avatars.
        """
        room = Room(openMap(10, 10), capacity=2)
        room.addAvatar("a", "fox")
        self.assertFalse(room.isFull)
        room.addAvatar("b", "fox")
        self.assertTrue(room.isFull)
