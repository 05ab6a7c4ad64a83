"""
Tests for private zones: the players inside see only each other, and
nobody outside sees them, in welcomes, in patches and in motions.
"""

from __future__ import annotations

from twisted.trial.unittest import SynchronousTestCase

from ark.world import movement
from ark.world.movement import LEFT, RIGHT, Body
from ark.world.worldmap import Rectangle, Zone
from ark.behaviours.director import ZoneDirector, discover

from tests.support import Harness, mapFromRows

UNITS = movement.UNITS_PER_PIXEL

# A booth in the middle of a 30 x 10 tile open map, and everyone within
# sight of each other.
BOOTH = Zone("booth", Rectangle(448, 96, 192, 160), {"private": True})


def boothMap():
    rows = ["." * 30 for _ in range(10)]
    rows[5] = "S" + "." * 29
    return mapFromRows(rows, name="booth.tmj", zones=[BOOTH])


class PrivateZoneTests(SynchronousTestCase):
    def setUp(self):
        worldMap = boothMap()
        self.harness = Harness(maps={worldMap.name: worldMap},
                               director=ZoneDirector(discover()))

    def player(self, name, px, py=176):
        client = self.harness.connect()
        client.join(name)
        seat = client.session.seat
        seat.room.teleport(seat.avatar, Body(px * UNITS, py * UNITS))
        self.harness.run(3)
        client.seq = 0
        return client

    def idOf(self, client):
        return client.session.seat.avatar.entityId

    def known(self, client):
        """
        The entity ids C{client} was told about, from its welcome and
        patches, as its client would keep them.
        """
        known = set()
        for message in client.messages():
            if message["t"] == "welcome":
                known = {e["id"] for e in message["entities"]}
            elif message["t"] == "p":
                known -= set(message.get("del", []))
                known |= {e["id"] for e in message.get("add", [])}
        return known

    def walk(self, client, bits, ticks):
        for _ in range(ticks // 3):
            client.walk(client.seq, [bits] * 3)
            client.seq += 3
            self.harness.run(3)
        self.harness.run(6)

    def test_insideAndOutsideDoNotSeeEachOther(self):
        """
        From the start, each sees only those on its side of the booth's
        walls, both ways.
        """
        outside = self.player("out", 400)
        inside = self.player("in", 500)
        other = self.player("other", 560)
        self.assertEqual(self.known(outside), set())
        self.assertEqual(self.known(inside), {self.idOf(other)})
        self.assertEqual(self.known(other), {self.idOf(inside)})

    def test_welcomeInsideListsOnlyThoseInside(self):
        self.player("out", 400)
        inside = self.player("in", 500)
        late = self.harness.connect()
        late.join("late")
        seat = late.session.seat
        late.clear()
        seat.view.detach(seat.avatar)
        seat.room.teleport(seat.avatar, Body(600 * UNITS, 176 * UNITS))
        self.harness.run(1)
        snapshot = seat.view.attach(seat.avatar, lambda frame, motions: None)
        self.assertEqual([e[0] for e in snapshot["entities"]], [self.idOf(inside)])

    def test_walkingInAndOut(self):
        """
        Walking into the booth, a player vanishes for those outside and
        appears to those inside; walking out, the other way round.  The
        one who walked learns and forgets them likewise.
        """
        walker = self.player("walker", 400)
        watcher = self.player("watcher", 360)
        inside = self.player("in", 560)
        self.assertEqual(self.known(walker), {self.idOf(watcher)})

        self.walk(walker, RIGHT, 24)
        self.assertTrue(walker.session.seat.avatar.privacy)
        self.assertEqual(self.known(walker), {self.idOf(inside)})
        self.assertEqual(self.known(watcher), set())
        self.assertEqual(self.known(inside), {self.idOf(walker)})

        self.walk(walker, LEFT, 30)
        self.assertFalse(walker.session.seat.avatar.privacy)
        self.assertEqual(self.known(walker), {self.idOf(watcher)})
        self.assertEqual(self.known(watcher), {self.idOf(walker)})
        self.assertEqual(self.known(inside), set())

    def test_motionsInsideDoNotReachOutside(self):
        """
        Nobody outside receives a single motion of a player walking about
        inside; those inside do.
        """
        outside = self.player("out", 400)
        inside = self.player("in", 500)
        other = self.player("other", 600)
        outside.clear()
        other.clear()
        self.walk(inside, RIGHT, 30)
        self.walk(inside, LEFT, 30)
        walkerId = self.idOf(inside)

        def motionsOf(client):
            return [m for p in client.messages("p") for m in p.get("mv", []) if m[0] == walkerId]

        self.assertEqual(motionsOf(outside), [])
        # Setting off, turning and stopping.
        self.assertGreaterEqual(len(motionsOf(other)), 3)

    def test_enteringAndLeavingTellsThePlayer(self):
        walker = self.player("walker", 400)
        walker.clear()
        self.walk(walker, RIGHT, 24)
        self.walk(walker, LEFT, 30)
        self.assertEqual([(m["zone"], m["effect"]) for m in walker.messages("effect")],
                         [(0, "private.enter"), (0, "private.leave")])
