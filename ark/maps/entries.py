"""
Where players appear on a map: its entries, found the way WorkAdventure
finds them, so that a door's C{exitUrl} of C{other.tmj#name} leads where
it leads in WorkAdventure.

The default entry (a player who names none, or one the map does not
have) is, in this order:

  1. an area named C{start};
  2. the first tile layer named C{start}, or whose group path ends with
     C{/start};
  3. the first tile layer with the property C{startLayer} (or C{start});
  4. failing those, the first named entry object (below), reported.

A named entry C{#x} is, in this order:

  1. an area named C{x} with the property C{start} set to true;
  2. the first tile layer named C{x}, or whose group path ends with C{/x}.

A player arriving by a tile layer appears at the centre of one of its
painted tiles; by an area, at the centre of one of the walkable tiles in
it.  The spawn objects of earlier ark maps still work, ranking with areas:
an object of class C{spawn} is an entry named after it (C{start} if it has
no name), and so is an object named C{start} or with C{startLayer}; it
places players at its centre.
"""

from __future__ import annotations

import math
from array import array
from functools import partial
from typing import Callable, Dict, Iterator, List, Mapping, Optional, Sequence, Tuple, Union

from ark.maps.areas import areaShape, isArea, isSpawnMarker
from ark.maps.fields import Invalid
from ark.maps.grid import Grid, paintedCells
from ark.maps.layers import Layer, MapObject, TileLayer
from ark.world.worldmap import Point, Polygon, Rectangle, WorldMap

__all__ = ["EntryTable", "readEntries", "objectCentre", "tilesIn"]

DEFAULT = WorldMap.DEFAULT_ENTRY

NO_SPAWN_POINT = (
    "no spawn point: add a tile layer named 'start' and paint the tiles "
    "where players appear, or an area named 'start'"
)

Points = Tuple[Point, ...]


class EntryTable(Mapping[str, Points]):
    """
    Spawn points by entry name: every name a C{#name} can lead to, and
    C{start}, the default.

    Any tile layer is an entry, under its group path and under each of
    the path's endings; the points of such entries are only worked out
    when first asked for, since a map has many layers and players arrive
    by few.
    """

    def __init__(self, sources: Mapping[str, Union[Points, Callable[[], Points]]]) -> None:
        """
        @param sources: each entry's points, or a function working them out.
        """
        self._sources = dict(sources)

    def __getitem__(self, name: str) -> Points:
        value = self._sources[name]
        if callable(value):
            value = self._sources[name] = value()
        return value

    def __contains__(self, name: object) -> bool:
        return name in self._sources

    def __iter__(self) -> Iterator[str]:
        return iter(self._sources)

    def __len__(self) -> int:
        return len(self._sources)

    def __repr__(self) -> str:
        return f"<EntryTable {list(self._sources)!r}>"


def readEntries(
    layers: Sequence[Layer], grid: Grid, blocked: bytes, problems: List[str]
) -> EntryTable:
    """
    Find a map's entries.

    @param layers: the map's layers, in map order.
    @param grid: the map's grid.
    @param blocked: its collision grid, one byte per tile.
    @param problems: where to report start layers with no tile and entry
        areas with no walkable tile.
    @return: the entries.
    @raise Invalid: if the map has no default entry.
    """
    objectEntries: Dict[str, List[Point]] = {}
    layerCells: List[Tuple[str, array, bool]] = []
    for layer in layers:
        if isinstance(layer, TileLayer):
            isStart = _isStartLayer(layer)
            cells = paintedCells(layer, grid)
            if cells:
                layerCells.append((layer.name, cells, isStart))
            elif isStart or _matches(layer.name, DEFAULT):
                problems.append(f"{layer.label}: is a start layer but has no tile painted, "
                                "so it is no entry")
        else:
            for mapObject in layer.objects:
                name = _objectEntryName(mapObject)
                if name is not None:
                    points = _objectSpawnPoints(mapObject, grid, blocked, problems)
                    objectEntries.setdefault(name, []).extend(points)

    sources: Dict[str, Union[Points, Callable[[], Points]]] = {
        name: tuple(points) for name, points in objectEntries.items()
    }
    for path, cells, _ in layerCells:
        for name in _endings(path):
            # The first layer in map order wins, as in WorkAdventure.
            sources.setdefault(name, partial(_tileCentres, cells, grid))
    if DEFAULT not in sources:
        startLayer = next((cells for _, cells, isStart in layerCells if isStart), None)
        if startLayer is not None:
            sources[DEFAULT] = partial(_tileCentres, startLayer, grid)
        elif objectEntries:
            # Maps made for earlier ark may have only named spawn objects;
            # the first stands in for the default.
            first = next(iter(objectEntries))
            problems.append(f"no default entry: players who name no entry appear at "
                            f"entry {first!r}; name an area 'start' to choose where")
            sources[DEFAULT] = sources[first]
        else:
            raise Invalid(NO_SPAWN_POINT)
    return EntryTable(sources)


def _isStartLayer(layer: TileLayer) -> bool:
    """
    @param layer: a tile layer.
    @return: whether its properties make it a start layer.
    """
    return layer.properties.get("startLayer") is True or layer.properties.get("start") is True


def _matches(path: str, name: str) -> bool:
    """
    @param path: a layer's name with its group path.
    @param name: an entry name.
    @return: whether the layer answers to that name.
    """
    return path == name or path.endswith("/" + name)


def _endings(path: str) -> Iterator[str]:
    """
    @param path: a layer's name with its group path, e.g. C{"a/b/c"}.
    @return: each name it answers to: C{"a/b/c"}, C{"b/c"}, C{"c"}.
    """
    parts = path.split("/")
    for index in range(len(parts)):
        name = "/".join(parts[index:])
        if name:
            yield name


def _tileCentres(cells: array, grid: Grid) -> Points:
    """
    @param cells: tile indexes, C{row * columns + column}.
    @param grid: the map's grid.
    @return: the centres of those tiles.
    """
    columns = grid.columns
    return tuple(grid.tileCentre(cell % columns, cell // columns) for cell in cells)


def _objectEntryName(mapObject: MapObject) -> Optional[str]:
    """
    @param mapObject: an object.
    @return: the entry it is part of, or L{None} if it is not a way in.
    """
    if isArea(mapObject):
        properties = mapObject.properties
        if properties.get("start") is True or properties.get("startLayer") is True:
            return mapObject.name or DEFAULT
        return DEFAULT if mapObject.name == DEFAULT else None
    if isSpawnMarker(mapObject):
        return mapObject.name or DEFAULT
    return None


def _objectSpawnPoints(
    mapObject: MapObject, grid: Grid, blocked: bytes, problems: List[str]
) -> List[Point]:
    """
    Read where an entry object places players: an area, at the centres of
    the walkable tiles inside it; another object, at its centre.

    @param mapObject: an entry object.
    @param grid: the map's grid.
    @param blocked: the collision grid.
    @param problems: where to report an area with no walkable tile.
    @return: the points.
    """
    shape = areaShape(mapObject, grid) if isArea(mapObject) else None
    if shape is not None:
        inside = list(tilesIn(shape, grid))
        walkable = [grid.tileCentre(column, row) for column, row in inside
                    if not blocked[row * grid.columns + column]]
        if walkable:
            return walkable
        if inside:
            problems.append(f"{mapObject.label}: every tile of this entry area is blocked")
            return [grid.tileCentre(column, row) for column, row in inside]
    return [grid.pixel(*objectCentre(mapObject))]


def tilesIn(shape: Union[Rectangle, Polygon], grid: Grid) -> Iterator[Tuple[int, int]]:
    """
    @param shape: an area's shape in the loaded map's pixels.
    @param grid: the map's grid.
    @return: the (column, row) of each tile of the map whose centre is
        inside the shape, row by row.
    """
    if isinstance(shape, Rectangle):
        left, top = shape.x, shape.y
        right, bottom = shape.x + shape.width, shape.y + shape.height
    else:
        xs = [x for x, _ in shape.points]
        ys = [y for _, y in shape.points]
        left, top, right, bottom = min(xs), min(ys), max(xs), max(ys)
    firstColumn = max(0, math.floor(left / grid.tileWidth))
    lastColumn = min(grid.columns - 1, math.floor(right / grid.tileWidth))
    firstRow = max(0, math.floor(top / grid.tileHeight))
    lastRow = min(grid.rows - 1, math.floor(bottom / grid.tileHeight))
    for row in range(firstRow, lastRow + 1):
        for column in range(firstColumn, lastColumn + 1):
            if shape.contains(*grid.tileCentre(column, row)):
                yield column, row


def objectCentre(mapObject: MapObject) -> Point:
    """
    @param mapObject: an object.
    @return: the centre of its bounding box, in Tiled's pixels, taking its
        rotation into account.
    """
    if mapObject.kind == "point":
        dx, dy = 0.0, 0.0
    elif mapObject.points:
        xs = [x for x, y in mapObject.points]
        ys = [y for x, y in mapObject.points]
        dx, dy = (min(xs) + max(xs)) / 2, (min(ys) + max(ys)) / 2
    elif mapObject.kind == "tile":
        # A tile object's position is its bottom-left corner.
        dx, dy = mapObject.width / 2, -mapObject.height / 2
    else:
        dx, dy = mapObject.width / 2, mapObject.height / 2
    if mapObject.rotation:
        # Tiled turns objects clockwise (with y down) around their position.
        angle = math.radians(mapObject.rotation)
        cos, sin = math.cos(angle), math.sin(angle)
        dx, dy = dx * cos - dy * sin, dx * sin + dy * cos
    return mapObject.x + dx, mapObject.y + dy
