"""
What the simulation needs to know about a map: its size, which tiles block
movement, where players may appear, and the zones map makers drew.

This is the parsed, validated form of a Tiled map (see L{ark.maps.tiled}, which
builds it from files).  Everything here is in pixels except tile coordinates,
which are named as such.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping, Optional, Sequence, Tuple

from ark.world.agents import AgentSpec

Point = Tuple[float, float]

# A shape's bounding box in pixels: (left, top, right, bottom).
Box = Tuple[float, float, float, float]


@dataclass(frozen=True)
class Rectangle:
    """
    An axis-aligned zone shape, in pixels; the right and bottom edges are
    outside it.
    """

    x: float
    y: float
    width: float
    height: float

    def contains(self, px: float, py: float) -> bool:
        return self.x <= px < self.x + self.width and self.y <= py < self.y + self.height

    def box(self) -> Optional[Box]:
        return self.x, self.y, self.x + self.width, self.y + self.height


@dataclass(frozen=True)
class Polygon:
    """
    A zone shape given by its corners, in pixels, in drawing order.
    """

    points: Tuple[Point, ...]

    def contains(self, px: float, py: float) -> bool:
        # Even-odd ray casting: count edges crossed by a ray going right.
        inside = False
        points = self.points
        j = len(points) - 1
        for i in range(len(points)):
            xi, yi = points[i]
            xj, yj = points[j]
            if (yi > py) != (yj > py):
                crossingX = xi + (py - yi) * (xj - xi) / (yj - yi)
                if px < crossingX:
                    inside = not inside
            j = i
        return inside

    def box(self) -> Optional[Box]:
        if not self.points:
            return None
        xs = [x for x, _ in self.points]
        ys = [y for _, y in self.points]
        return min(xs), min(ys), max(xs), max(ys)


@dataclass(frozen=True)
class TileArea:
    """
    A zone painted as tiles: the set of (column, row) tiles it covers.
    """

    tiles: frozenset
    tileWidth: int
    tileHeight: int

    def contains(self, px: float, py: float) -> bool:
        return (int(px // self.tileWidth), int(py // self.tileHeight)) in self.tiles

    def box(self) -> Optional[Box]:
        if not self.tiles:
            return None
        columns = [column for column, _ in self.tiles]
        rows = [row for _, row in self.tiles]
        return (min(columns) * self.tileWidth, min(rows) * self.tileHeight,
                (max(columns) + 1) * self.tileWidth, (max(rows) + 1) * self.tileHeight)


@dataclass(frozen=True)
class Zone:
    """
    An area of the map with properties that zone behaviours act on.

    @ivar name: the object's or layer's name in Tiled (may be empty).
    @ivar shape: a L{Rectangle}, L{Polygon} or L{TileArea}.
    @ivar properties: the Tiled custom properties, by name.
    """

    name: str
    shape: object
    properties: Mapping[str, object] = field(default_factory=dict)

    def contains(self, px: float, py: float) -> bool:
        return self.shape.contains(px, py)

    @property
    def isPrivate(self) -> bool:
        """
        Whether those inside see and hear only each other (the property
        C{private} set to the boolean true).
        """
        return self.properties.get("private") is True

    @property
    def isSilent(self) -> bool:
        """
        Whether nobody inside is heard, nor hears anyone (C{silent}).
        """
        return bool(self.properties.get("silent"))

    @property
    def isMeeting(self) -> bool:
        """
        Whether this is a meeting room (C{jitsiRoom}): its call takes over
        from conversations by proximity.
        """
        return bool(self.properties.get("jitsiRoom"))


@dataclass(frozen=True)
class WorldMap:
    """
    A loaded map.

    @ivar name: the map file's path inside the map repository, with
        forward slashes, e.g. C{"floor1/lobby.tmj"}; clients fetch it from
        C{/maps/<name>}.
    @ivar width: width in tiles.
    @ivar height: height in tiles.
    @ivar tileWidth: tile width in pixels.
    @ivar tileHeight: tile height in pixels.
    @ivar blocked: one byte per tile, row by row; non-zero means a body may
        not overlap that tile.
    @ivar entries: spawn points by entry name, in pixels: every name an
        C{exitUrl}'s C{#entry} can lead to on this map, already resolved the
        way WorkAdventure resolves it (see L{ark.maps.entries}), and
        C{"start"}, the default entry, which is always there.
    @ivar zones: every zone, in map order.
    @ivar properties: the map's own custom properties.
    @ivar agents: the agents who live on the map, each with a walkable
        home (see L{ark.maps.agents}).
    """

    name: str
    width: int
    height: int
    tileWidth: int
    tileHeight: int
    blocked: bytes
    entries: Mapping[str, Sequence[Point]]
    zones: Tuple[Zone, ...] = ()
    properties: Mapping[str, object] = field(default_factory=dict)
    agents: Tuple[AgentSpec, ...] = ()

    DEFAULT_ENTRY = "start"

    def isBlocked(self, column: int, row: int) -> bool:
        """
        Whether the tile at C{column}, C{row} blocks bodies.  Everything
        outside the map blocks, so the map's edge is a wall.
        """
        if column < 0 or row < 0 or column >= self.width or row >= self.height:
            return True
        return self.blocked[row * self.width + column] != 0

    def hasEntry(self, entry: str) -> bool:
        """
        Whether C{#entry} leads somewhere on this map, rather than to the
        default entry for want of one by that name.
        """
        return entry in self.entries

    def spawnPoints(self, entry: str = DEFAULT_ENTRY) -> Sequence[Point]:
        """
        The spawn points of C{entry}, falling back to the default entry
        when the map has no such entry, as WorkAdventure does.
        """
        points = self.entries.get(entry)
        if not points:
            points = self.entries[self.DEFAULT_ENTRY]
        return points
