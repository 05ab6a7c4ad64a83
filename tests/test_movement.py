"""
Tests for L{ark.world.movement}, the step rule shared with the browser.
"""

import json
import os

from twisted.trial.unittest import SynchronousTestCase

from ark.world import movement
from ark.world.movement import DOWN, LEFT, RIGHT, RUN, UP, Body, Obstacles

VECTORS = os.path.join(os.path.dirname(__file__), "vectors", "movement.json")


def obstaclesFromRows(rows, tileWidth, tileHeight):
    def isBlocked(column, row):
        if row < 0 or column < 0 or row >= len(rows) or column >= len(rows[0]):
            return True
        return rows[row][column] == "#"

    return Obstacles(isBlocked, tileWidth, tileHeight)


class VectorTests(SynchronousTestCase):
    """
    The Python rule reproduces every step of the shared vectors, which the
    JavaScript port is checked against too.
    """

    def test_everyVectorStepMatches(self):
        """
        Replaying each case's steps gives exactly the recorded body after
        every step.
        """
        with open(VECTORS) as f:
            document = json.load(f)
        self.assertEqual(document["unitsPerPixel"], movement.UNITS_PER_PIXEL)
        self.assertGreater(len(document["cases"]), 20)
        for case in document["cases"]:
            obstacles = obstaclesFromRows(case["rows"], case["tileWidth"], case["tileHeight"])
            x, y, facing = case["start"]
            body = Body(x, y, facing)
            for index, (bits, expected) in enumerate(zip(case["steps"], case["expected"])):
                body = movement.step(body, bits, obstacles)
                self.assertEqual(
                    list(body), expected, "%s: step %d" % (case["name"], index)
                )


class StepTests(SynchronousTestCase):
    """
    The rule's promises, stated directly.
    """

    open = obstaclesFromRows(["." * 20] * 20, 32, 32)
    start = Body(10 * 32 * 60, 10 * 32 * 60)

    def walk(self, bits, steps, obstacles=None, body=None):
        body = body or self.start
        for _ in range(steps):
            body = movement.step(body, bits, obstacles or self.open)
        return body

    def test_walkingCoversOneHundredSixtyPixelsASecond(self):
        """
        Sixty steps of walking right move exactly 160 pixels.
        """
        body = self.walk(RIGHT, 60)
        self.assertEqual(body.x - self.start.x, 160 * movement.UNITS_PER_PIXEL)
        self.assertEqual((body.facing, body.state), (movement.FACING_RIGHT, movement.WALK))

    def test_runningCoversTwoHundredFortyPixelsASecond(self):
        """
        Sixty steps of running up move exactly 240 pixels.
        """
        body = self.walk(UP | RUN, 60)
        self.assertEqual(self.start.y - body.y, 240 * movement.UNITS_PER_PIXEL)
        self.assertEqual(body.state, movement.RUN_STATE)

    def test_diagonalsAreNotFaster(self):
        """
        A diagonal step covers the same distance as a straight one, within
        the rounding of the integer rule (under 0.2 %).
        """
        for bits, speed in ((RIGHT | DOWN, 160), (LEFT | UP | RUN, 240)):
            dx, dy = movement.velocity(bits)
            distance = (dx * dx + dy * dy) ** 0.5
            self.assertLess(abs(distance / speed - 1.0), 0.002)

    def test_wallStopsTheBodyFlushAgainstIt(self):
        """
        Walking into a wall leaves the body touching it, idle, still facing
        it.
        """
        obstacles = obstaclesFromRows(["....#"], 32, 32)
        start = Body(16 * 60, 16 * 60)
        body = self.walk(RIGHT, 120, obstacles, start)
        self.assertEqual(body.x + movement.BODY_HALF_WIDTH, 4 * 32 * 60)
        self.assertEqual(body.state, movement.IDLE)
        self.assertEqual(body.facing, movement.FACING_RIGHT)

    def test_diagonalIntoAWallSlidesAlongIt(self):
        """
        Pushing down-right against a wall below keeps moving right.
        """
        obstacles = obstaclesFromRows([".........", "#########"], 32, 32)
        start = Body(16 * 60, 16 * 60)
        body = self.walk(RIGHT | DOWN, 60, obstacles, start)
        self.assertEqual(body.y + movement.BODY_HALF_HEIGHT, 32 * 60)
        self.assertEqual(body.x - start.x, 60 * movement.WALK_DIAGONAL)

    def test_mapEdgeIsAWall(self):
        """
        Nobody walks off the map.
        """
        body = self.walk(LEFT | UP | RUN, 600)
        self.assertEqual((body.x, body.y), (movement.BODY_HALF_WIDTH, movement.BODY_HALF_HEIGHT))
