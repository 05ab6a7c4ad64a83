"""
The movement rule: how one fixed 60 Hz step of input moves a body.

The browser runs a JavaScript port of this rule to predict its own avatar,
and both must agree bit for bit, so the rule is written in integers only:
positions are in I{units} of 1/60 pixel, which makes the per-step distance
in units equal to the speed in pixels per second (160 px/s walks 160 units a
step).  Diagonal steps use the rounded C{speed / sqrt(2)}, so no square
root is ever computed at run time.  C{tests/vectors/movement.json} (made by
C{tools/make_movement_vectors.py}) pins the rule down for both ports.

A body is a box at the avatar's feet, centred on its position; it may not
overlap a blocked tile.  Each step moves along x, then along y, stopping
each axis at the first blocked tile edge, so a diagonal push into a wall
slides along it.
"""

from __future__ import annotations

from typing import NamedTuple

TICK_RATE = 60
UNITS_PER_PIXEL = 60

WALK_SPEED = 160
RUN_SPEED = 240
# round(speed / sqrt(2)): same speed on diagonals, without floats.
WALK_DIAGONAL = 113
RUN_DIAGONAL = 170

# Half the body box, in units: 16 x 8 pixels at the feet.
BODY_HALF_WIDTH = 8 * UNITS_PER_PIXEL
BODY_HALF_HEIGHT = 4 * UNITS_PER_PIXEL

# Input bits of one step.
LEFT = 1
RIGHT = 2
UP = 4
DOWN = 8
RUN = 16
INPUT_MASK = LEFT | RIGHT | UP | DOWN | RUN

# Facing directions.
FACING_DOWN = 0
FACING_LEFT = 1
FACING_RIGHT = 2
FACING_UP = 3

# Animation states.
IDLE = 0
WALK = 1
RUN_STATE = 2


class Body(NamedTuple):
    """
    The moving state of an avatar after a step.

    @ivar x: horizontal position of the feet, in units.
    @ivar y: vertical position of the feet, in units.
    @ivar facing: one of the C{FACING_*} constants.
    @ivar state: C{IDLE}, C{WALK} or C{RUN_STATE}: what the last step did.
    """

    x: int
    y: int
    facing: int = FACING_DOWN
    state: int = IDLE


class Obstacles:
    """
    The blocked tiles of a map, in the units the rule works in.

    @param isBlocked: C{(column, row) -> bool}; must answer C{True} outside
        the map so its edge is a wall.
    """

    def __init__(self, isBlocked, tileWidth: int, tileHeight: int):
        self.isBlocked = isBlocked
        self.tileWidth = tileWidth * UNITS_PER_PIXEL
        self.tileHeight = tileHeight * UNITS_PER_PIXEL

    @classmethod
    def forMap(cls, worldMap) -> "Obstacles":
        return cls(worldMap.isBlocked, worldMap.tileWidth, worldMap.tileHeight)

    def _rowSpan(self, y: int):
        # Rows overlapped by a box whose vertical extent is [top, bottom).
        top = (y - BODY_HALF_HEIGHT) // self.tileHeight
        bottom = (y + BODY_HALF_HEIGHT - 1) // self.tileHeight
        return range(top, bottom + 1)

    def _columnSpan(self, x: int):
        left = (x - BODY_HALF_WIDTH) // self.tileWidth
        right = (x + BODY_HALF_WIDTH - 1) // self.tileWidth
        return range(left, right + 1)

    def _columnBlocked(self, column: int, y: int) -> bool:
        return any(self.isBlocked(column, row) for row in self._rowSpan(y))

    def _rowBlocked(self, row: int, x: int) -> bool:
        return any(self.isBlocked(column, row) for column in self._columnSpan(x))

    def moveX(self, x: int, y: int, dx: int) -> int:
        """
        Move a body at C{(x, y)} by C{dx} along x, stopping at the first
        blocked column; return the new x.
        """
        return _sweep(x, dx, BODY_HALF_WIDTH, self.tileWidth, self._columnBlocked, y)

    def moveY(self, x: int, y: int, dy: int) -> int:
        """
        Move a body at C{(x, y)} by C{dy} along y, stopping at the first
        blocked row; return the new y.
        """
        return _sweep(y, dy, BODY_HALF_HEIGHT, self.tileHeight, self._rowBlocked, x)

    def fits(self, x: int, y: int) -> bool:
        """
        Whether a body at C{(x, y)} overlaps no blocked tile.
        """
        return not any(
            self.isBlocked(column, row)
            for column in self._columnSpan(x)
            for row in self._rowSpan(y)
        )


def _sweep(position: int, delta: int, half: int, size: int, lineBlocked, across: int) -> int:
    """
    Move a body along one axis: from C{position} by C{delta}, its extent
    on that axis being C{position} plus or minus C{half}, through lines
    (columns or rows) C{size} units apart; C{lineBlocked(line, across)}
    says whether the body, at C{across} on the other axis, may not enter
    a line.

    @return: the new position: C{position + delta}, or flush against the
        first blocked line on the way.
    """
    if delta > 0:
        edge = position + half - 1
        first = edge // size + 1
        last = (edge + delta) // size
        if first > last:
            # Most steps stay inside the lines the body already touches.
            return position + delta
        for line in range(first, last + 1):
            if lineBlocked(line, across):
                return line * size - half
    elif delta < 0:
        edge = position - half
        first = edge // size - 1
        last = (edge + delta) // size
        if first < last:
            return position + delta
        for line in range(first, last - 1, -1):
            if lineBlocked(line, across):
                return (line + 1) * size + half
    return position + delta


def velocity(bits: int):
    """
    The displacement, in units, that one step of input C{bits} asks for.

    @return: C{(dx, dy)}; opposite keys cancel each other.
    """
    horizontal = ((bits & RIGHT) != 0) - ((bits & LEFT) != 0)
    vertical = ((bits & DOWN) != 0) - ((bits & UP) != 0)
    running = bits & RUN
    if horizontal and vertical:
        speed = RUN_DIAGONAL if running else WALK_DIAGONAL
    else:
        speed = RUN_SPEED if running else WALK_SPEED
    return horizontal * speed, vertical * speed


def facingFor(dx: int, dy: int, previous: int) -> int:
    """
    The direction an avatar faces when asked to move by C{(dx, dy)}:
    horizontal wins on diagonals; no movement keeps the previous facing.
    """
    if dx > 0:
        return FACING_RIGHT
    if dx < 0:
        return FACING_LEFT
    if dy > 0:
        return FACING_DOWN
    if dy < 0:
        return FACING_UP
    return previous


# Body(...) without the keyword handling of a named tuple's constructor.
_newBody = tuple.__new__

# velocity() and facingFor() for every input, worked out once: step() runs
# for every moving avatar sixty times a second.
_MOVES = [velocity(bits) + (facingFor(*velocity(bits), previous=None),) for bits in range(32)]


def step(body: Body, bits: int, obstacles: Obstacles) -> Body:
    """
    Apply one fixed step of input C{bits} to C{body}.

    @return: the new L{Body}; its C{state} is C{IDLE} when the body did not
        move (no keys, or pushing straight into a wall).
    """
    dx, dy, facing = _MOVES[bits]
    oldX, oldY, oldFacing, _ = body
    if facing is None:
        facing = oldFacing
    # Obstacles.moveX and moveY, called directly: this runs for every
    # moving avatar sixty times a second.
    x = _sweep(oldX, dx, BODY_HALF_WIDTH, obstacles.tileWidth, obstacles._columnBlocked, oldY)
    y = _sweep(oldY, dy, BODY_HALF_HEIGHT, obstacles.tileHeight, obstacles._rowBlocked, x)
    if x == oldX and y == oldY:
        state = IDLE
    else:
        state = RUN_STATE if bits & RUN else WALK
    return _newBody(Body, (x, y, facing, state))


def toUnits(pixels: float) -> int:
    """
    Convert a position in pixels (from a map) to units.
    """
    return int(round(pixels * UNITS_PER_PIXEL))
