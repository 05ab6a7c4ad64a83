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
from ark.world.worldmap import WorldMap

NOWHERE: Tuple[int, ...] = ()


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
            box = zone.shape.box()
            if box is None:
                continue
            left, top, right, bottom = box
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
