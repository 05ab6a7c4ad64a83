"""
Which zones a point is in, answered fast enough to ask for every avatar
that moves, every tick.

Zones may overlap and may be rectangles, polygons or painted tiles.  The
index files each zone under the map tiles its bounding box touches, so a
question costs one dictionary lookup plus the exact test of the few zones
near the point; most of a map has no zone at all.
"""

from __future__ import annotations

import math
from typing import Dict, List, Tuple

from ark.world.movement import UNITS_PER_PIXEL
from ark.world.worldmap import Polygon, Rectangle, TileArea, WorldMap, Zone

NOWHERE: Tuple[int, ...] = ()


def _bounds(zone: Zone) -> Tuple[float, float, float, float]:
    """
    The pixel box C{(left, top, right, bottom)} that holds C{zone}.
    """
    shape = zone.shape
    if isinstance(shape, Rectangle):
        return shape.x, shape.y, shape.x + shape.width, shape.y + shape.height
    if isinstance(shape, Polygon):
        xs = [x for x, _ in shape.points]
        ys = [y for _, y in shape.points]
        return min(xs), min(ys), max(xs), max(ys)
    if isinstance(shape, TileArea):
        columns = [column for column, _ in shape.tiles]
        rows = [row for _, row in shape.tiles]
        return (min(columns) * shape.tileWidth, min(rows) * shape.tileHeight,
                (max(columns) + 1) * shape.tileWidth, (max(rows) + 1) * shape.tileHeight)
    raise TypeError("unknown zone shape %r" % (shape,))


class ZoneIndex:
    """
    The zones of one map, by the tiles they may cover.

    Zones are named by their position in C{worldMap.zones}; answers list
    them in that (map) order.
    """

    def __init__(self, worldMap: WorldMap):
        self.zones = worldMap.zones
        self._tileWidth = worldMap.tileWidth * UNITS_PER_PIXEL
        self._tileHeight = worldMap.tileHeight * UNITS_PER_PIXEL
        near: Dict[Tuple[int, int], List[int]] = {}
        for number, zone in enumerate(self.zones):
            if isinstance(zone.shape, TileArea) and not zone.shape.tiles:
                continue
            left, top, right, bottom = _bounds(zone)
            for row in range(int(top // worldMap.tileHeight),
                             int(math.ceil(bottom / worldMap.tileHeight))):
                for column in range(int(left // worldMap.tileWidth),
                                    int(math.ceil(right / worldMap.tileWidth))):
                    near.setdefault((column, row), []).append(number)
        self._near = {tile: tuple(numbers) for tile, numbers in near.items()}

    def at(self, x: int, y: int) -> Tuple[int, ...]:
        """
        The zones containing the point C{x}, C{y} (in movement units): for
        an avatar, the point at its feet.
        """
        candidates = self._near.get((x // self._tileWidth, y // self._tileHeight))
        if candidates is None:
            return NOWHERE
        px = x / UNITS_PER_PIXEL
        py = y / UNITS_PER_PIXEL
        zones = self.zones
        return tuple(number for number in candidates if zones[number].contains(px, py))
