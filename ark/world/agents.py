"""
Agents: the AI characters who live in a room as avatars, moved by the
server with the same movement rule and collisions as players.

An agent's avatar takes input steps like a player's; only where they come
from differs.  A L{Pilot} decides them: an idle agent rests a few seconds,
then strolls (at walking speed, never running) along a path of walkable
tiles to a spot within L{WANDER_TILES} of its home, and rests again.  In a
conversation (any state but L{IDLE}) it stands still and faces the player
it is with; the room (L{ark.world.room.Room.setAgentState}) sees to that.

Nothing here reads files, the clock or the network: an agent's definition
(L{AgentSpec}) comes from the map, time is the ticks its pilot is asked
for, and chance is a C{random.Random} the room seeds.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Callable, Dict, List, Optional, Tuple

from ark.world import movement
from ark.world.movement import DOWN, LEFT, RIGHT, UP, Body, Obstacles

# What an agent is doing, as the protocol names it.
IDLE = "idle"
LISTENING = "listening"
THINKING = "thinking"
TALKING = "talking"
STATES = (IDLE, LISTENING, THINKING, TALKING)

# The brain an agent answers with when its definition names none.
DEFAULT_BRAIN = "knowledge"
# The sprite of an agent whose definition names none.
DEFAULT_SPRITE = "robot"

# How far from home an agent wanders: this many tiles along either axis.
WANDER_TILES = 5

# How long an idle agent rests between strolls, in ticks: 3 to 8 seconds.
REST_TICKS = (3 * movement.TICK_RATE, 8 * movement.TICK_RATE)

# An axis counts as arrived at a waypoint within half a walking step:
# pressing on would only overshoot, and from nearer than this a step
# could never bring it closer.
ARRIVED = movement.WALK_SPEED // 2

# A stroll that takes more than this many times the ticks its path needs
# is given up: something keeps the agent from getting there.
PATIENCE = 2

# Neighbours of a tile in the path search: the four sides first, so that
# among equally short paths the straighter ones are found.
_SIDES = ((1, 0), (-1, 0), (0, 1), (0, -1))
_CORNERS = ((1, 1), (1, -1), (-1, 1), (-1, -1))

Point = Tuple[float, float]
Tile = Tuple[int, int]


@dataclass(frozen=True)
class AgentSpec:
    """
    An agent as a map defines it.

    @ivar agentId: names the agent on its map (a-z, 0-9, C{_} and C{-});
        what zones' C{agentId} and clients name it by.
    @ivar name: the name shown over its head.
    @ivar role: a few words on what it does (C{"the guide"}), or C{""}.
    @ivar sprite: the avatar it is drawn as, one of the client's avatars
        (C{"robot"}, C{"owl"}, C{"wizard"}...).
    @ivar brain: the name of the brain plugin that answers for it.
    @ivar knowledge: the path of the Markdown file its brain may draw on,
        or C{None}.
    @ivar home: where it lives, in pixels; it wanders around there.
    @ivar topics: what it answers about, as words and short phrases:
        "ask anyone" sends it the questions they describe best.
    @ivar tools: the world tools its brain may use (see
        L{ark.agents.tools.TOOL_NAMES}).
    @ivar fallback: whether "ask anyone" sends it the questions no agent
        is known to answer (by default the map's first agent takes them).
    """

    agentId: str
    name: str
    role: str = ""
    sprite: str = DEFAULT_SPRITE
    brain: str = DEFAULT_BRAIN
    knowledge: Optional[str] = None
    home: Point = (0.0, 0.0)
    topics: Tuple[str, ...] = ()
    tools: Tuple[str, ...] = ()
    fallback: bool = False


class Walkable:
    """
    Which tiles of a map an agent may walk through: those where a body
    standing at the tile's centre overlaps nothing blocked.  Answers are
    remembered, since agents ask about the same few tiles around their
    homes again and again.

    @param obstacles: the map's L{Obstacles}.
    """

    def __init__(self, obstacles: Obstacles):
        self.obstacles = obstacles
        self.tileWidth = obstacles.tileWidth
        self.tileHeight = obstacles.tileHeight
        self._known: Dict[Tile, bool] = {}

    def __call__(self, tile: Tile) -> bool:
        walkable = self._known.get(tile)
        if walkable is None:
            x, y = self.centre(tile)
            walkable = self._known[tile] = self.obstacles.fits(x, y)
        return walkable

    def centre(self, tile: Tile) -> Tuple[int, int]:
        """
        The centre of C{tile}, in units.
        """
        column, row = tile
        return (column * self.tileWidth + self.tileWidth // 2,
                row * self.tileHeight + self.tileHeight // 2)

    def tileAt(self, x: int, y: int) -> Tile:
        """
        The tile a point, in units, is in.
        """
        return (x // self.tileWidth, y // self.tileHeight)

    def canLiveAt(self, x: int, y: int) -> bool:
        """
        Whether an agent may have its home at C{(x, y)}, in units: a body
        fits there, and the tile it is in is walkable, so its strolls can
        start from there.
        """
        return self.obstacles.fits(x, y) and self(self.tileAt(x, y))


def facingToward(dx: int, dy: int, previous: int) -> int:
    """
    The way to face something C{(dx, dy)} away: along the longer axis,
    horizontally when they are equal, as the movement rule faces on
    diagonals; C{previous} when it stands right there.
    """
    if dx == 0 and dy == 0:
        return previous
    if abs(dx) >= abs(dy):
        return movement.FACING_RIGHT if dx > 0 else movement.FACING_LEFT
    return movement.FACING_DOWN if dy > 0 else movement.FACING_UP


def findPath(start: Tile, home: Tile, walkable: Callable[[Tile], bool],
             choose: Callable[[List[Tile]], Tile]) -> List[Tile]:
    """
    A path to a walkable tile within L{WANDER_TILES} of C{home}, found by
    a breadth-first search from C{start} that never leaves that square:
    the shortest, moving to any of the eight neighbouring tiles, but only
    diagonally where both tiles beside the corner are walkable too, so a
    stroll never cuts a corner of a wall.

    @param choose: picks the destination among the reachable tiles (in
        the order found, so a seeded choice repeats).
    @return: the tiles from C{start} to the destination, both included;
        empty when no other tile can be reached.
    """
    homeColumn, homeRow = home

    def near(tile: Tile) -> bool:
        return (abs(tile[0] - homeColumn) <= WANDER_TILES
                and abs(tile[1] - homeRow) <= WANDER_TILES)

    cameFrom: Dict[Tile, Optional[Tile]] = {start: None}
    found: List[Tile] = []
    queue = deque([start])
    while queue:
        tile = queue.popleft()
        column, row = tile
        for dx, dy in _SIDES:
            neighbour = (column + dx, row + dy)
            if neighbour not in cameFrom and near(neighbour) and walkable(neighbour):
                cameFrom[neighbour] = tile
                found.append(neighbour)
                queue.append(neighbour)
        for dx, dy in _CORNERS:
            neighbour = (column + dx, row + dy)
            if (neighbour not in cameFrom and near(neighbour) and walkable(neighbour)
                    and walkable((column + dx, row)) and walkable((column, row + dy))):
                cameFrom[neighbour] = tile
                found.append(neighbour)
                queue.append(neighbour)
    if not found:
        return []
    tile: Optional[Tile] = choose(found)
    path = []
    while tile is not None:
        path.append(tile)
        tile = cameFrom[tile]
    path.reverse()
    return path


def routeTo(start: Tile, goals, walkable: Callable[[Tile], bool],
            limit: int = 40000) -> List[Tile]:
    """
    The shortest path of walkable tiles from C{start} to the nearest of
    C{goals}, moving as L{findPath} does (diagonals only where both tiles
    beside the corner are walkable), searching at most C{limit} tiles.

    @param goals: a set of tiles, any of which will do.
    @return: the tiles from C{start} to the goal reached, both included;
        empty when none can be reached (or C{start} is not walkable).
    """
    if start in goals:
        return [start]
    cameFrom: Dict[Tile, Optional[Tile]] = {start: None}
    queue = deque([start])
    while queue and len(cameFrom) <= limit:
        tile = queue.popleft()
        column, row = tile
        for dx, dy in _SIDES + _CORNERS:
            neighbour = (column + dx, row + dy)
            if neighbour in cameFrom or not walkable(neighbour):
                continue
            if dx and dy and not (walkable((column + dx, row)) and walkable((column, row + dy))):
                continue
            cameFrom[neighbour] = tile
            if neighbour in goals:
                path: List[Tile] = []
                step: Optional[Tile] = neighbour
                while step is not None:
                    path.append(step)
                    step = cameFrom[step]
                path.reverse()
                return path
            queue.append(neighbour)
    return []


def corners(path: List[Tile]) -> List[Tile]:
    """
    The tiles of C{path} where it changes direction, and its end: walking
    straight from one to the next follows the path, with one change of
    input at each, which is all observers are told.
    """
    if len(path) < 2:
        return list(path)
    kept = [path[0]]
    for before, tile, after in zip(path, path[1:], path[2:]):
        if (tile[0] - before[0], tile[1] - before[1]) != (after[0] - tile[0], after[1] - tile[1]):
            kept.append(tile)
    kept.append(path[-1])
    return kept


class Pilot:
    """
    What moves an agent while nobody talks with it: rests and strolls
    around home, as a sequence of input steps.

    The room asks it once a tick, with the body after the last step, for
    the step to take (L{steer}); a step goes through the room's queue and
    the movement rule like a player's.

    @param home: the agent's home tile.
    @param walkable: the room's L{Walkable}.
    @param random: the room's agents' C{random.Random}.
    """

    def __init__(self, home: Tile, walkable: Walkable, random):
        self.home = home
        self.walkable = walkable
        self.random = random
        # The tile centres (units) still to walk to, nearest first; empty
        # while resting.
        self.waypoints: List[Tuple[int, int]] = []
        self.resting = self._restTicks()
        # The input it asked for at the last tick, and where the body stood
        # then: a body that did not move on non-zero input is blocked.
        self.bits = 0
        self.lastAt: Optional[Tuple[int, int]] = None
        self.ticksLeft = 0

    def _restTicks(self) -> int:
        return self.random.randint(*REST_TICKS)

    def steer(self, body: Body) -> Optional[int]:
        """
        The input step for this tick.

        @param body: where the agent stands after the last tick.
        @return: the input bits, C{0} to stop at the end of a stroll, or
            C{None} when there is nothing to send (resting: an avatar with
            no step waiting and no input stands still at no cost).
        """
        if not self.waypoints:
            if self.resting > 0:
                self.resting -= 1
                return None
            if not self._plan(body):
                self.resting = self._restTicks()
                return None
        elif self.bits and (body.x, body.y) == self.lastAt:
            # The rule held it back: that way is blocked after all.
            return self._stop()
        self.ticksLeft -= 1
        if self.ticksLeft < 0:
            return self._stop()
        waypoints = self.waypoints
        while waypoints:
            targetX, targetY = waypoints[0]
            dx = targetX - body.x
            dy = targetY - body.y
            bits = (RIGHT if dx > ARRIVED else LEFT if dx < -ARRIVED else 0) | (
                DOWN if dy > ARRIVED else UP if dy < -ARRIVED else 0)
            if bits:
                self.bits = bits
                self.lastAt = (body.x, body.y)
                return bits
            del waypoints[0]
        return self._stop()

    def _plan(self, body: Body) -> bool:
        """
        Choose the next stroll from where C{body} stands.

        @return: whether there is somewhere to go.
        """
        walkable = self.walkable
        start = walkable.tileAt(body.x, body.y)
        path = findPath(start, self.home, walkable, self.random.choice)
        if not path:
            return False
        # Not back to the middle of the tile it stands in first: heading
        # straight for the first corner costs at most a tick's sidestep.
        self.waypoints = [walkable.centre(tile) for tile in corners(path)[1:]]
        # Walking the whole path, diagonals and all, never takes more ticks
        # than walking each of its tiles' widths and heights along one axis.
        tileTicks = (walkable.tileWidth + walkable.tileHeight) // movement.WALK_SPEED + 1
        self.ticksLeft = PATIENCE * tileTicks * len(path)
        return True

    def _stop(self) -> int:
        # The stroll is over, or given up: a step of no input stops the
        # avatar where it stands, and a rest begins.
        self.halt()
        return 0

    def halt(self) -> None:
        """
        Give up the stroll under way, if any: the agent is wanted where it
        stands.  Once L{steer} is asked again it rests before strolling.
        """
        self.waypoints = []
        self.bits = 0
        self.lastAt = None
        self.resting = self._restTicks()


class Agent:
    """
    What makes an avatar an agent: its definition, what it is doing and
    with whom, and the pilot that moves it when idle.

    @ivar spec: its L{AgentSpec}.
    @ivar state: one of L{STATES}.
    @ivar withId: the entity id of the player it is busy with, or C{None}.
    @ivar pilot: its L{Pilot}.
    """

    __slots__ = ("spec", "state", "withId", "pilot")

    def __init__(self, spec: AgentSpec, pilot: Pilot):
        self.spec = spec
        self.state = IDLE
        self.withId: Optional[int] = None
        self.pilot = pilot

    @property
    def agentId(self) -> str:
        return self.spec.agentId

    @property
    def busy(self) -> bool:
        """
        Whether it is in a conversation: it stands still until it is not.
        """
        return self.state != IDLE
