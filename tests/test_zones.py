"""
Tests for L{ark.world.zones} and zone membership: the server works out
which zones each avatar is in from where it stands, whatever the zones'
shapes, and tells the player when that changes.
"""

from twisted.trial.unittest import SynchronousTestCase

from ark.world import movement
from ark.world.movement import LEFT, RIGHT, Body
from ark.world.room import Room
from ark.world.worldmap import Polygon, Rectangle, TileArea, Zone
from ark.world.zones import ZoneIndex

from tests.support import Harness, mapFromRows

UNITS = movement.UNITS_PER_PIXEL


def units(px, py):
    return movement.toUnits(px), movement.toUnits(py)


# A 20 x 10 tile open map: the spawn tile at column 2, row 5 (feet at 80,
# 176 px), a meeting room from x 160 to 320 px with a booth overlapping its
# right half, a triangular corner and a painted patch.
MEETING = Zone("meeting", Rectangle(160, 128, 160, 96), {"jitsiRoom": "m"})
BOOTH = Zone("booth", Rectangle(240, 128, 64, 96), {"silent": True})
TRIANGLE = Zone("corner", Polygon(((384, 0), (640, 0), (640, 256))), {})
PAINTED = Zone("garden", TileArea(frozenset({(1, 1), (2, 1)}), 32, 32), {})


def zonedMap():
    rows = ["." * 20 for _ in range(10)]
    rows[5] = "..S" + "." * 17
    return mapFromRows(rows, name="zoned.tmj", zones=[MEETING, BOOTH, TRIANGLE, PAINTED])


class ZoneIndexTests(SynchronousTestCase):
    """
    L{ZoneIndex.at} answers like testing every zone's shape, in map order.
    """

    def setUp(self):
        self.worldMap = zonedMap()
        self.index = ZoneIndex(self.worldMap)

    def test_pointsOutsideEveryZone(self):
        self.assertEqual(self.index.at(*units(80, 176)), ())
        self.assertEqual(self.index.at(*units(600, 300)), ())

    def test_overlappingZonesAreAllReported(self):
        self.assertEqual(self.index.at(*units(200, 150)), (0,))
        self.assertEqual(self.index.at(*units(250, 150)), (0, 1))

    def test_rectangleEdges(self):
        """
        A rectangle holds its left and top edges, not its right and bottom.
        """
        self.assertEqual(self.index.at(*units(160, 128)), (0,))
        self.assertEqual(self.index.at(*units(320, 200)), ())
        self.assertEqual(self.index.at(*units(200, 224)), ())

    def test_polygonFollowsItsEdgeNotItsBox(self):
        """
        Inside the triangle's bounding box but below its diagonal is
        outside.
        """
        self.assertEqual(self.index.at(*units(630, 10)), (2,))
        self.assertEqual(self.index.at(*units(400, 200)), ())

    def test_paintedTiles(self):
        self.assertEqual(self.index.at(*units(40, 40)), (3,))
        self.assertEqual(self.index.at(*units(90, 60)), (3,))
        self.assertEqual(self.index.at(*units(100, 40)), ())

    def test_agreesWithTheShapesEverywhere(self):
        """
        On a fine grid over the whole map, the index gives exactly the
        zones whose shapes contain the point.
        """
        zones = self.worldMap.zones
        for py in range(0, 320, 3):
            for px in range(0, 640, 3):
                expected = tuple(n for n, zone in enumerate(zones) if zone.contains(px, py))
                self.assertEqual(self.index.at(px * UNITS, py * UNITS), expected, (px, py))


class MembershipTests(SynchronousTestCase):
    """
    The room keeps each avatar's zones up to date as it moves and reports
    every change once per drain.
    """

    def setUp(self):
        self.room = Room(zonedMap(), capacity=10, seed=1)
        self.avatar = self.room.addAvatar("ada", "fox")
        self.room.drainChanges()

    def walk(self, bits, ticks):
        for seq in range(ticks):
            self.room.queueSteps(self.avatar, self.avatar.lastSeq + 1, [bits])
            self.room.step()

    def test_walkingInAndOut(self):
        """
        Walking right takes the avatar into the meeting room, then into the
        booth as well, then out of both; each change is reported with the
        zones it left.
        """
        self.assertEqual(self.avatar.zones, ())
        # From x 80 px to just past 160 px: 80 px at 160 px/s is 30 ticks.
        self.walk(RIGHT, 31)
        self.assertEqual(self.avatar.zones, (0,))
        self.assertEqual(self.room.drainChanges().rezoned, {self.avatar: ()})
        self.walk(RIGHT, 30)
        self.assertEqual(self.avatar.zones, (0, 1))
        self.assertEqual(self.room.drainChanges().rezoned, {self.avatar: (0,)})
        self.walk(RIGHT, 30)
        self.assertEqual(self.avatar.zones, ())
        self.assertEqual(self.room.drainChanges().rezoned, {self.avatar: (0, 1)})

    def test_noChangeNoReport(self):
        self.walk(LEFT, 5)
        self.assertEqual(self.room.drainChanges().rezoned, {})

    def test_enteringAndLeavingBeforeADrainReportsTheStart(self):
        """
        Zones left again before anyone looked are reported against where
        the avatar was at the last drain, so the net change is visible.
        """
        self.walk(RIGHT, 31)
        self.walk(LEFT, 2)
        self.assertEqual(self.avatar.zones, ())
        self.assertEqual(self.room.drainChanges().rezoned, {self.avatar: ()})

    def test_arrivingInAZone(self):
        inside = self.room.addAvatar("grace", "owl", Body(*units(200, 150)))
        self.assertEqual(inside.zones, (0,))
        self.assertEqual(self.room.drainChanges().rezoned, {inside: ()})

    def test_teleportChangesZones(self):
        self.room.teleport(self.avatar, Body(*units(250, 150)))
        self.assertEqual(self.avatar.zones, (0, 1))

    def test_actingRecordsTheZonesOfThatMoment(self):
        self.room.teleport(self.avatar, Body(*units(250, 150)))
        self.room.act(self.avatar)
        self.room.teleport(self.avatar, Body(*units(80, 176)))
        self.room.act(self.avatar)
        self.assertEqual(self.room.drainChanges().acted,
                         [(self.avatar, (0, 1)), (self.avatar, ())])


class ReportTests(SynchronousTestCase):
    """
    A player is told the zones its avatar is in: in the welcome, then in
    its own patches when they change.
    """

    def setUp(self):
        worldMap = zonedMap()
        self.harness = Harness(maps={worldMap.name: worldMap})

    def test_welcomeAndPatchesCarryZones(self):
        client = self.harness.connect()
        welcome = client.join("ada")
        self.assertEqual(welcome["zones"], [])
        client.walk(0, [RIGHT] * 10)
        self.harness.run(12)
        self.assertNotIn("zones", client.last("p"))
        client.clear()
        client.walk(10, [RIGHT] * 10)
        self.harness.run(12)
        client.walk(20, [RIGHT] * 10)
        self.harness.run(40)
        reports = [p["zones"] for p in client.messages("p") if "zones" in p]
        self.assertEqual(reports, [[[0, "meeting"]]])

    def test_actIsTakenFromAJoinedPlayer(self):
        client = self.harness.connect()
        client.sendMessage({"t": "act"})
        self.assertEqual(client.errors(), ["not_joined"])
        client.join("ada")
        client.sendMessage({"t": "act"})
        self.assertEqual(client.errors(), ["not_joined"])
        (view,) = self.harness.rooms.views()
        acted = view.room.drainChanges().acted
        self.assertEqual([(avatar.name, zones) for avatar, zones in acted], [("ada", ())])
