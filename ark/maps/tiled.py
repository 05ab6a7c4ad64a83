"""
Load maps saved by the U{Tiled<https://www.mapeditor.org/>} map editor.

Tiled's JSON format (maps C{.tmj}, tilesets C{.tsj} or C{.json}, as written
by Tiled 1.8 to 1.11) becomes a L{WorldMap}: the map's size, which tiles
block movement, where players appear, and the zones map makers drew.  The
conventions are WorkAdventure's, so that its maps load unchanged:

  - a tile blocks when its tile has the custom property C{collides}, or when
    it is painted on a tile layer that has C{collides};
  - a tile layer named C{start}, or with the property C{startLayer}, is an
    entry named after the layer: each tile painted on it is a spawn point;
  - objects of class C{spawn}, named C{start}, or with C{startLayer} are
    spawn points of the entry named after the object;
  - other objects with custom properties, and tile layers with custom
    properties besides C{collides} and C{startLayer}, are zones.

What only matters for drawing (images, opacity, layer offsets, the
C{floorLayer} marker layer) is ignored.  Malformed input raises L{MapError}
and nothing else.

Infinite maps are stored as chunks around tile (0, 0), possibly at negative
coordinates.  The loaded map starts at the top-left of all chunks instead, so
every pixel position read from the file (spawn points, zone shapes) is
shifted by the same amount.
"""

from __future__ import annotations

import base64
import bisect
import json
import math
import os
import struct
import zlib
from dataclasses import dataclass
from functools import cached_property
from typing import (
    Callable,
    Dict,
    Iterable,
    Iterator,
    List,
    Mapping,
    Optional,
    Sequence,
    Tuple,
    Union,
)

from ark.world.worldmap import Point, Polygon, Rectangle, TileArea, WorldMap, Zone

__all__ = ["MapError", "loadMap", "parseMap"]


# Tiled keeps a tile's flips (horizontal, vertical, anti-diagonal) and the
# hexagonal 120-degree rotation in the top four bits of its GID.  They say
# how to draw the tile, not which tile it is.
GID_MASK = 0x0FFFFFFF
MAX_GID = 0xFFFFFFFF

# A map bigger than this is a mistake (or a hostile file), and its collision
# grid alone would take hundreds of megabytes.
MAX_TILES = 1 << 26

# Tile layer properties that say what the layer is for, rather than making
# it a zone.
LAYER_ROLE_PROPERTIES = frozenset({"collides", "startLayer"})

LAYER_TYPES = frozenset({"tilelayer", "objectgroup", "imagelayer", "group"})

NO_SPAWN_POINT = (
    "no spawn point: add a tile layer named 'start' and paint the tiles "
    "where players appear, or an object of class 'spawn'"
)


class MapError(Exception):
    """
    A map file cannot be used.  C{str()} of it is one line naming the file
    and what is wrong with it, fit to show to the map's author.

    @ivar path: the map file (or map name) at fault.
    @ivar problem: what is wrong, without the file name.
    """

    def __init__(self, path: str, problem: str) -> None:
        self.path = str(path)
        self.problem = problem
        # Names in the file may hold line breaks; log lines must not.
        super().__init__(" ".join(f"{self.path}: {problem}".splitlines()))


class _Invalid(Exception):
    """
    A problem found in a map document, before it is attributed to a file;
    L{parseMap} and L{loadMap} turn it into a L{MapError}.
    """


def loadMap(path: Union[str, os.PathLike], name: Optional[str] = None) -> WorldMap:
    """
    Read a Tiled JSON map file, and the external tilesets it uses.

    @param path: the map file.
    @param name: the map's name; by default the file's base name.
    @return: the map.
    @raise MapError: if the file cannot be read or is not a usable map.
    """
    path = os.fspath(path)
    if name is None:
        name = os.path.basename(path)
    try:
        document = _readJSON(path)
    except OSError as e:
        raise MapError(path, f"cannot read the map: {_reason(e)}") from None
    except (ValueError, RecursionError) as e:
        raise MapError(path, f"not valid JSON: {_reason(e)}") from None

    directory = os.path.dirname(path)

    def loadTileset(source: str) -> object:
        # Tiled writes tileset paths relative to the map file.
        return _readJSON(os.path.join(directory, source))

    try:
        return _buildMap(document, name, loadTileset)
    except _Invalid as e:
        raise MapError(path, str(e)) from None


def parseMap(
    document: object, name: str, loadTileset: Callable[[str], object]
) -> WorldMap:
    """
    Turn a parsed Tiled JSON map into a L{WorldMap}, without touching files.

    @param document: the map file's JSON, parsed.
    @param name: the map's name; also names the map in error messages.
    @param loadTileset: called with an external tileset's C{source} as
        written in the map; returns that tileset's JSON, parsed.  It may
        raise L{OSError} or L{ValueError}, which become a L{MapError}.
    @return: the map.
    @raise MapError: if the document is not a usable map.
    """
    try:
        return _buildMap(document, name, loadTileset)
    except _Invalid as e:
        raise MapError(name, str(e)) from None


def _readJSON(path: str) -> object:
    """
    Read and parse a JSON file.

    @param path: the file.
    @return: the parsed JSON.
    @raise OSError: if the file cannot be read.
    @raise ValueError: if it is not JSON (including undecodable text).
    """
    with open(path, "rb") as f:
        return json.loads(f.read())


def _reason(error: BaseException) -> str:
    """
    @param error: an exception raised reading a file.
    @return: what went wrong, without repeating the file name.
    """
    if isinstance(error, OSError) and error.strerror:
        return error.strerror
    if isinstance(error, RecursionError):
        return "nested too deeply"
    return str(error)


# --- Checking JSON values -------------------------------------------------

_REQUIRED = object()

_Kind = Tuple[str, Callable[[object], bool]]

# bool is a subclass of int in Python, but true is not a number in JSON.
INTEGER: _Kind = ("an integer", lambda v: type(v) is int)
NUMBER: _Kind = (
    "a number",
    # json.loads accepts NaN and Infinity, which make no sense as positions.
    lambda v: type(v) in (int, float) and math.isfinite(v),
)
STRING: _Kind = ("a string", lambda v: type(v) is str)
BOOLEAN: _Kind = ("a boolean", lambda v: type(v) is bool)
LIST: _Kind = ("a list", lambda v: type(v) is list)
OBJECT: _Kind = ("an object", lambda v: type(v) is dict)


def _describe(value: object) -> str:
    """
    @param value: a parsed JSON value.
    @return: its JSON type for error messages, e.g. C{"a string"}, or for
        a number the number itself, which says more.
    """
    if value is None:
        return "null"
    for description, test in (BOOLEAN, STRING, LIST, OBJECT):
        if test(value):
            return description
    # NaN and infinities in JSON's spelling, which is what the file holds.
    return json.dumps(value)


def _at(context: str, message: str) -> str:
    """
    @param context: where in the document, e.g. C{"layer 'walls' (id 3)"},
        or C{""} for the map itself.
    @param message: what is wrong there.
    @return: the message prefixed with its context.
    """
    return f"{context}: {message}" if context else message


def _field(
    container: Mapping[str, object],
    key: str,
    kind: _Kind,
    context: str,
    default: object = _REQUIRED,
) -> object:
    """
    Get a member of a JSON object, checking its type.

    @param container: the JSON object.
    @param key: the member's name.
    @param kind: the type it must have, e.g. L{INTEGER}.
    @param context: where C{container} is, for error messages.
    @param default: the value when the member is missing; if not given, the
        member is required.
    @return: the member's value.
    @raise _Invalid: if the member is missing and required, or ill-typed.
    """
    if key not in container:
        if default is _REQUIRED:
            raise _Invalid(_at(context, f"missing {key!r}"))
        return default
    value = container[key]
    description, test = kind
    if not test(value):
        raise _Invalid(
            _at(context, f"{key!r} must be {description}, not {_describe(value)}")
        )
    return value


def _positiveInteger(container: Mapping[str, object], key: str, context: str) -> int:
    """
    Get a required member that must be an integer above zero.

    @param container: the JSON object.
    @param key: the member's name.
    @param context: where C{container} is, for error messages.
    @return: the member's value.
    @raise _Invalid: if it is missing, not an integer, or not positive.
    """
    value = _field(container, key, INTEGER, context)
    if value <= 0:
        raise _Invalid(_at(context, f"{key!r} must be positive, not {value}"))
    return value


def _object(value: object, context: str, what: str) -> Dict[str, object]:
    """
    Check that a list item is a JSON object.

    @param value: the item.
    @param context: where the list is, for error messages.
    @param what: the item's place, e.g. C{"layers[2]"}.
    @return: C{value}.
    @raise _Invalid: if it is not an object.
    """
    if type(value) is not dict:
        raise _Invalid(_at(context, f"{what} must be an object, not {_describe(value)}"))
    return value


def _properties(container: Mapping[str, object], context: str) -> Dict[str, object]:
    """
    Read the custom properties of a map, layer, tile or object.

    Tiled writes them as C{[{"name": ..., "type": ..., "value": ...}]};
    Tiled before 1.2 wrote C{{name: value}}, which is accepted too.

    @param container: the JSON object that may have C{properties}.
    @param context: where C{container} is, for error messages.
    @return: property values by name.
    @raise _Invalid: if the properties are malformed.
    """
    raw = container.get("properties", [])
    if type(raw) is dict:
        return dict(raw)
    if type(raw) is not list:
        raise _Invalid(
            _at(context, f"'properties' must be a list or an object, not {_describe(raw)}")
        )
    properties = {}
    for index, item in enumerate(raw):
        item = _object(item, context, f"properties[{index}]")
        where = _at(context, f"properties[{index}]")
        name = _field(item, "name", STRING, where)
        if "value" not in item:
            raise _Invalid(_at(context, f"property {name!r} has no 'value'"))
        properties[name] = item["value"]
    return properties


# --- The map as a whole ---------------------------------------------------


@dataclass(frozen=True)
class _Grid:
    """
    Where the loaded map lies in Tiled's coordinates.

    @ivar columns: width in tiles.
    @ivar rows: height in tiles.
    @ivar tileWidth: in pixels.
    @ivar tileHeight: in pixels.
    @ivar originColumn: the Tiled column of the map's left edge; negative
        when an infinite map has chunks left of Tiled's origin.
    @ivar originRow: likewise, the Tiled row of the map's top edge.
    """

    columns: int
    rows: int
    tileWidth: int
    tileHeight: int
    originColumn: int = 0
    originRow: int = 0

    def pixel(self, x: float, y: float) -> Point:
        """
        @param x: a Tiled pixel x coordinate.
        @param y: a Tiled pixel y coordinate.
        @return: the same point in the loaded map's pixels.
        """
        return (x - self.originColumn * self.tileWidth, y - self.originRow * self.tileHeight)

    def tileCentre(self, column: int, row: int) -> Point:
        """
        @param column: a column of the loaded map.
        @param row: a row of the loaded map.
        @return: the centre of that tile in pixels.
        """
        return ((column + 0.5) * self.tileWidth, (row + 0.5) * self.tileHeight)


def _buildMap(
    document: object, name: str, loadTileset: Callable[[str], object]
) -> WorldMap:
    """
    Do the work of L{parseMap}.

    Everything in the file is read and checked before anything is
    computed, so the error reported is the first problem in file order.

    @param document: the parsed map file.
    @param name: the map's name.
    @param loadTileset: reads an external tileset; see L{parseMap}.
    @return: the map.
    @raise _Invalid: if the document is not a usable map.
    """
    if type(document) is not dict:
        raise _Invalid(f"not a Tiled map: the file holds {_describe(document)}, not an object")
    _checkIsOrthogonalMap(document)
    tileWidth = _positiveInteger(document, "tilewidth", "")
    tileHeight = _positiveInteger(document, "tileheight", "")
    width = _positiveInteger(document, "width", "")
    height = _positiveInteger(document, "height", "")
    infinite = _field(document, "infinite", BOOLEAN, "", False)
    properties = _properties(document, "")
    catalog = _TileCatalog(_readTilesets(document, loadTileset))
    layers = _readLayers(document, infinite, width, height)

    grid = _mapGrid(layers, width, height, tileWidth, tileHeight, infinite)
    blocked = bytearray(grid.columns * grid.rows)
    entries: Dict[str, List[Point]] = {}
    zones: List[Zone] = []
    for layer in layers:
        if isinstance(layer, _TileLayer):
            _checkTilesExist(layer, catalog)
            _markBlocked(blocked, grid, layer, _blockingGids(layer, catalog))
            _addEntry(entries, _tileLayerEntry(layer, grid))
            zones.extend(_tileLayerZones(layer, grid))
        else:
            for mapObject in layer.objects:
                _addEntry(entries, _objectEntry(mapObject, grid))
                zones.extend(_objectZones(mapObject, grid))

    return WorldMap(
        name=name,
        width=grid.columns,
        height=grid.rows,
        tileWidth=tileWidth,
        tileHeight=tileHeight,
        blocked=bytes(blocked),
        entries=_withDefaultEntry(entries),
        zones=tuple(zones),
        properties=properties,
    )


def _checkIsOrthogonalMap(document: Mapping[str, object]) -> None:
    """
    Refuse files that are not maps, and maps that are not orthogonal: the
    simulation only knows square grids.

    @param document: the parsed map file.
    @raise _Invalid: if it is not an orthogonal map.
    """
    kind = _field(document, "type", STRING, "", "map")
    if kind == "tileset":
        raise _Invalid("this is a tileset, not a map")
    if kind != "map":
        raise _Invalid(f"not a Tiled map: its type is {kind!r}")
    orientation = _field(document, "orientation", STRING, "", "orthogonal")
    if orientation != "orthogonal":
        raise _Invalid(f"{orientation} maps are not supported, only orthogonal ones")


def _mapGrid(
    layers: Sequence[Union[_TileLayer, _ObjectLayer]],
    width: int,
    height: int,
    tileWidth: int,
    tileHeight: int,
    infinite: bool,
) -> _Grid:
    """
    Decide the loaded map's extent: the file's size for a finite map, the
    union of all chunks for an infinite one.

    @param layers: the map's layers.
    @param width: the map's C{width}, in tiles.
    @param height: the map's C{height}, in tiles.
    @param tileWidth: in pixels.
    @param tileHeight: in pixels.
    @param infinite: whether the map is infinite.
    @return: the grid.
    @raise _Invalid: if the map is too big.
    """
    blocks = [block for layer in layers if isinstance(layer, _TileLayer) for block in layer.blocks]
    if infinite and blocks:
        left = min(block.column for block in blocks)
        top = min(block.row for block in blocks)
        right = max(block.column + block.width for block in blocks)
        bottom = max(block.row + block.height for block in blocks)
        grid = _Grid(right - left, bottom - top, tileWidth, tileHeight, left, top)
    else:
        # An infinite map with no tiles at all has nothing to take the
        # extent from but its nominal size.
        grid = _Grid(width, height, tileWidth, tileHeight)
    if grid.columns * grid.rows > MAX_TILES:
        raise _Invalid(
            f"the map is {grid.columns}x{grid.rows} tiles; "
            f"at most {MAX_TILES} tiles are supported"
        )
    return grid


def _addEntry(entries: Dict[str, List[Point]], entry: Optional[Tuple[str, List[Point]]]) -> None:
    """
    Add spawn points to an entry, creating it if needed.

    @param entries: the entries found so far, in map order.
    @param entry: an entry name and its new points, or L{None}.
    """
    if entry is not None and entry[1]:
        entries.setdefault(entry[0], []).extend(entry[1])


def _withDefaultEntry(entries: Dict[str, List[Point]]) -> Dict[str, Tuple[Point, ...]]:
    """
    Make sure there is a default entry: players who ask for no entry (or an
    unknown one) need somewhere to appear.

    @param entries: the map's entries, in map order.
    @return: the entries, with C{"start"} aliasing the first one if the map
        has none by that name.
    @raise _Invalid: if the map has no spawn point at all.
    """
    if not entries:
        raise _Invalid(NO_SPAWN_POINT)
    result = {name: tuple(points) for name, points in entries.items()}
    if WorldMap.DEFAULT_ENTRY not in result:
        result[WorldMap.DEFAULT_ENTRY] = next(iter(result.values()))
    return result


# --- Tilesets -------------------------------------------------------------


@dataclass(frozen=True)
class _Tileset:
    """
    What the loader needs from a tileset.

    @ivar label: names the tileset in error messages.
    @ivar firstGid: the GID of its tile 0 in this map.
    @ivar tileCount: how many tiles an image tileset cuts its image into,
        or L{None} if the file does not say.
    @ivar tileIds: the local ids of tiles the tileset describes; image
        collection tilesets may have ids past C{tileCount}.
    @ivar tileProperties: custom properties by local tile id.
    """

    label: str
    firstGid: int
    tileCount: Optional[int]
    tileIds: frozenset
    tileProperties: Mapping[int, Mapping[str, object]]

    def hasTile(self, localId: int) -> bool:
        """
        @param localId: a tile id within this tileset.
        @return: whether the tileset has that tile.
        """
        return self.tileCount is None or localId < self.tileCount or localId in self.tileIds


class _TileCatalog:
    """
    All the tilesets of a map, to find the tile a GID stands for.
    """

    def __init__(self, tilesets: Iterable[_Tileset]) -> None:
        """
        @param tilesets: the map's tilesets, with distinct first GIDs.
        """
        self._tilesets = sorted(tilesets, key=lambda tileset: tileset.firstGid)
        self._firstGids = [tileset.firstGid for tileset in self._tilesets]

    def propertiesOf(self, gid: int) -> Optional[Mapping[str, object]]:
        """
        @param gid: a tile GID without flip flags.
        @return: the tile's custom properties, or L{None} if no tileset has
            that tile.
        """
        # A GID belongs to the tileset with the greatest firstgid not above it.
        index = bisect.bisect_right(self._firstGids, gid) - 1
        if index < 0:
            return None
        tileset = self._tilesets[index]
        localId = gid - tileset.firstGid
        if not tileset.hasTile(localId):
            return None
        return tileset.tileProperties.get(localId, {})


def _readTilesets(
    document: Mapping[str, object], loadTileset: Callable[[str], object]
) -> List[_Tileset]:
    """
    Read the map's tilesets, embedded or external.

    @param document: the parsed map file.
    @param loadTileset: reads an external tileset; see L{parseMap}.
    @return: the tilesets.
    @raise _Invalid: if one is missing or malformed.
    """
    tilesets = []
    seen: Dict[int, str] = {}
    for index, reference in enumerate(_field(document, "tilesets", LIST, "", [])):
        reference = _object(reference, "", f"tilesets[{index}]")
        where = f"tilesets[{index}]"
        firstGid = _positiveInteger(reference, "firstgid", where)
        source = _field(reference, "source", STRING, where, None)
        if source is None:
            body = reference
            label = f"tileset {_field(reference, 'name', STRING, where, '')!r}"
        else:
            body = _externalTileset(source, loadTileset)
            label = f"tileset {source}"
        if firstGid in seen:
            raise _Invalid(f"{label} and {seen[firstGid]} both have firstgid {firstGid}")
        seen[firstGid] = label
        tilesets.append(_readTileset(body, firstGid, label))
    return tilesets


def _externalTileset(source: str, loadTileset: Callable[[str], object]) -> Dict[str, object]:
    """
    Load an external tileset.

    @param source: the tileset's path as written in the map.
    @param loadTileset: reads it; see L{parseMap}.
    @return: the tileset's JSON object.
    @raise _Invalid: if it is XML, unreadable, or not a JSON object.
    """
    if source.lower().endswith(".tsx"):
        raise _Invalid(f"external tileset {source} is XML; save it as JSON (.tsj)")
    try:
        body = loadTileset(source)
    except OSError as e:
        raise _Invalid(f"cannot read external tileset {source}: {_reason(e)}") from None
    except (ValueError, RecursionError) as e:
        raise _Invalid(f"external tileset {source} is not valid JSON: {_reason(e)}") from None
    if type(body) is not dict:
        raise _Invalid(f"external tileset {source} holds {_describe(body)}, not an object")
    return body


def _readTileset(body: Mapping[str, object], firstGid: int, label: str) -> _Tileset:
    """
    Read the parts of a tileset that matter: which tiles it has, and their
    properties.

    @param body: the tileset's JSON object.
    @param firstGid: the GID of its tile 0 in the map.
    @param label: names the tileset in error messages.
    @return: the tileset.
    @raise _Invalid: if it is malformed.
    """
    tileCount = _field(body, "tilecount", INTEGER, label, None)
    if tileCount is not None and tileCount < 0:
        raise _Invalid(_at(label, f"'tilecount' must not be negative, not {tileCount}"))
    tileIds = set()
    tileProperties = {}
    for index, tile in enumerate(_field(body, "tiles", LIST, label, [])):
        tile = _object(tile, label, f"tiles[{index}]")
        localId = _field(tile, "id", INTEGER, _at(label, f"tiles[{index}]"))
        if localId < 0:
            raise _Invalid(_at(label, f"tiles[{index}] has a negative id, {localId}"))
        tileIds.add(localId)
        properties = _properties(tile, _at(label, f"tile {localId}"))
        if properties:
            tileProperties[localId] = properties
    return _Tileset(label, firstGid, tileCount, frozenset(tileIds), tileProperties)


# --- Layers ---------------------------------------------------------------


@dataclass(frozen=True)
class _Block:
    """
    A rectangle of tiles of a tile layer: a finite map's whole layer, or
    one chunk of an infinite map's layer.

    @ivar column: the Tiled column of its left edge.
    @ivar row: the Tiled row of its top edge.
    @ivar width: in tiles.
    @ivar height: in tiles.
    @ivar gids: the tiles' GIDs, flip flags included, row by row.
    @ivar distinct: the set of C{gids}, to look each GID up only once.
    """

    column: int
    row: int
    width: int
    height: int
    gids: Sequence[int]
    distinct: frozenset


@dataclass(frozen=True)
class _TileLayer:
    """
    A tile layer, read and checked.

    @ivar name: the layer's name.
    @ivar label: names the layer in error messages.
    @ivar properties: its custom properties.
    @ivar blocks: its tiles.
    """

    name: str
    label: str
    properties: Mapping[str, object]
    blocks: Tuple[_Block, ...]

    @cached_property
    def painted(self) -> frozenset:
        """
        The distinct non-empty GIDs on this layer, flip flags included.
        """
        return frozenset().union(*(block.distinct for block in self.blocks)) - {0}


@dataclass(frozen=True)
class _MapObject:
    """
    An object of an object layer, read and checked, in Tiled's pixels.

    @ivar label: names the object in error messages.
    @ivar name: the object's name.
    @ivar kind: C{"point"}, C{"rectangle"}, C{"ellipse"}, C{"polygon"},
        C{"polyline"} or C{"tile"} (a tile object, whose C{y} is its bottom).
    @ivar className: its class (C{type} before Tiled 1.9).
    @ivar x: where Tiled places it.
    @ivar y: where Tiled places it.
    @ivar width: its box's width (0 for points and polygons).
    @ivar height: its box's height.
    @ivar rotation: clockwise, in degrees, around C{(x, y)}.
    @ivar points: a polygon's or polyline's corners, relative to C{(x, y)}.
    @ivar properties: its custom properties.
    """

    label: str
    name: str
    kind: str
    className: str
    x: float
    y: float
    width: float
    height: float
    rotation: float
    points: Tuple[Point, ...]
    properties: Mapping[str, object]


@dataclass(frozen=True)
class _ObjectLayer:
    """
    An object layer, read and checked.

    @ivar objects: its objects, in order.
    """

    objects: Tuple[_MapObject, ...]


def _label(kind: str, item: Mapping[str, object]) -> str:
    """
    Name a layer or object for error messages, before checking it.

    @param kind: C{"layer"} or C{"object"}.
    @param item: its JSON object.
    @return: e.g. C{"layer 'walls' (id 3)"}.
    """
    label = kind
    if type(item.get("name")) is str:
        label += f" {item['name']!r}"
    if type(item.get("id")) is int:
        label += f" (id {item['id']})"
    return label


def _readLayers(
    document: Mapping[str, object], infinite: bool, width: int, height: int
) -> List[Union[_TileLayer, _ObjectLayer]]:
    """
    Read the tile and object layers of a map, in drawing order.

    @param document: the parsed map file.
    @param infinite: whether the map is infinite.
    @param width: the map's width in tiles.
    @param height: the map's height in tiles.
    @return: the layers; image layers are left out.
    @raise _Invalid: if a layer is malformed.
    """
    layers = []
    for layer, label in _flattenLayers(_field(document, "layers", LIST, ""), ""):
        if layer["type"] == "tilelayer":
            layers.append(_readTileLayer(layer, label, infinite, width, height))
        elif layer["type"] == "objectgroup":
            layers.append(_readObjectLayer(layer, label))
    return layers


def _flattenLayers(
    layers: Sequence[object], context: str
) -> Iterator[Tuple[Dict[str, object], str]]:
    """
    List the layers inside group layers in place of their groups.  Group
    properties and offsets are ignored.

    @param layers: a C{layers} list.
    @param context: where the list is, for error messages.
    @return: each non-group layer and its label, in drawing order.
    @raise _Invalid: if a layer is not an object or has an unknown type.
    """
    for index, layer in enumerate(layers):
        layer = _object(layer, context, f"layers[{index}]")
        label = _label("layer", layer)
        _field(layer, "name", STRING, label, "")
        kind = _field(layer, "type", STRING, label)
        if kind not in LAYER_TYPES:
            raise _Invalid(f"{label}: unknown layer type {kind!r}")
        if kind == "group":
            yield from _flattenLayers(_field(layer, "layers", LIST, label, []), label)
        else:
            yield layer, label


def _readTileLayer(
    layer: Mapping[str, object], label: str, infinite: bool, width: int, height: int
) -> _TileLayer:
    """
    Read a tile layer's properties and tiles.

    @param layer: its JSON object.
    @param label: names it in error messages.
    @param infinite: whether the map is infinite, so the tiles are chunks.
    @param width: the map's width in tiles.
    @param height: the map's height in tiles.
    @return: the layer.
    @raise _Invalid: if it is malformed.
    """
    encoding = _field(layer, "encoding", STRING, label, "csv")
    compression = _field(layer, "compression", STRING, label, "")
    if infinite:
        blocks = [
            _readChunk(chunk, index, label, encoding, compression)
            for index, chunk in enumerate(_field(layer, "chunks", LIST, label))
        ]
    else:
        gids = _decodeData(layer, encoding, compression, width * height, "data", label)
        blocks = [_Block(0, 0, width, height, gids, _checkGids(gids, label))]
    return _TileLayer(
        name=_field(layer, "name", STRING, label, ""),
        label=label,
        properties=_properties(layer, label),
        blocks=tuple(blocks),
    )


def _readChunk(
    chunk: object, index: int, label: str, encoding: str, compression: str
) -> _Block:
    """
    Read one chunk of an infinite map's tile layer.

    @param chunk: the chunk's JSON object.
    @param index: its place in the layer's C{chunks}.
    @param label: names the layer in error messages.
    @param encoding: the layer's data encoding.
    @param compression: the layer's data compression.
    @return: the chunk's tiles.
    @raise _Invalid: if it is malformed.
    """
    chunk = _object(chunk, label, f"chunks[{index}]")
    where = _at(label, f"chunks[{index}]")
    column = _field(chunk, "x", INTEGER, where)
    row = _field(chunk, "y", INTEGER, where)
    width = _positiveInteger(chunk, "width", where)
    height = _positiveInteger(chunk, "height", where)
    what = f"chunk at ({column}, {row})"
    gids = _decodeData(chunk, encoding, compression, width * height, what, label)
    return _Block(column, row, width, height, gids, _checkGids(gids, _at(label, what)))


def _readObjectLayer(layer: Mapping[str, object], label: str) -> _ObjectLayer:
    """
    Read an object layer's objects.  A layer named C{floorLayer} only tells
    WorkAdventure where to draw avatars; its objects are read like any
    other.

    @param layer: its JSON object.
    @param label: names it in error messages.
    @return: the layer.
    @raise _Invalid: if it is malformed.
    """
    objects = []
    for index, item in enumerate(_field(layer, "objects", LIST, label, [])):
        item = _object(item, label, f"objects[{index}]")
        objects.append(_readObject(item, f"{label}: {_label('object', item)}"))
    return _ObjectLayer(tuple(objects))


def _readObject(item: Mapping[str, object], label: str) -> _MapObject:
    """
    Read and check one object.

    @param item: its JSON object.
    @param label: names it in error messages.
    @return: the object.
    @raise _Invalid: if it is malformed, or made from a template.
    """
    if "template" in item:
        # The template file holds the rest of the object; reading it is not
        # worth the trouble when Tiled can detach the object from it.
        raise _Invalid(f"{label}: object templates are not supported; detach it from its template")
    width = _field(item, "width", NUMBER, label, 0)
    height = _field(item, "height", NUMBER, label, 0)
    if width < 0 or height < 0:
        raise _Invalid(f"{label}: negative size {width}x{height}")
    # Tiled 1.9 wrote the class as "class", other versions as "type".
    className = _field(item, "class", STRING, label, "") or _field(item, "type", STRING, label, "")
    kind, points = _objectShape(item, label)
    return _MapObject(
        label=label,
        name=_field(item, "name", STRING, label, ""),
        kind=kind,
        className=className,
        x=_field(item, "x", NUMBER, label),
        y=_field(item, "y", NUMBER, label),
        width=width,
        height=height,
        rotation=_field(item, "rotation", NUMBER, label, 0),
        points=points,
        properties=_properties(item, label),
    )


def _objectShape(item: Mapping[str, object], label: str) -> Tuple[str, Tuple[Point, ...]]:
    """
    Tell what kind of shape an object is.  Tiled marks each kind with its
    own member.

    @param item: the object's JSON object.
    @param label: names it in error messages.
    @return: the kind (see L{_MapObject.kind}) and, for polygons and
        polylines, the corners.
    @raise _Invalid: if the shape is malformed.
    """
    if _field(item, "point", BOOLEAN, label, False):
        return "point", ()
    for kind in ("polygon", "polyline"):
        if kind in item:
            return kind, _readPoints(_field(item, kind, LIST, label), kind, label)
    if "gid" in item:
        gid = _field(item, "gid", INTEGER, label)
        if not 0 <= gid <= MAX_GID:
            raise _Invalid(f"{label}: 'gid' {gid} is not a tile number")
        return "tile", ()
    if _field(item, "ellipse", BOOLEAN, label, False):
        return "ellipse", ()
    return "rectangle", ()


def _readPoints(points: Sequence[object], kind: str, label: str) -> Tuple[Point, ...]:
    """
    Read a polygon's or polyline's corners.

    @param points: the C{polygon} or C{polyline} list.
    @param kind: which of the two it is.
    @param label: names the object in error messages.
    @return: the corners, relative to the object's position.
    @raise _Invalid: if there are none or one is malformed.
    """
    if not points:
        raise _Invalid(f"{label}: {kind} has no points")
    corners = []
    for index, point in enumerate(points):
        point = _object(point, label, f"{kind}[{index}]")
        where = _at(label, f"{kind}[{index}]")
        corners.append((_field(point, "x", NUMBER, where), _field(point, "y", NUMBER, where)))
    return tuple(corners)


# --- Tile data ------------------------------------------------------------


def _decodeData(
    container: Mapping[str, object],
    encoding: str,
    compression: str,
    expected: int,
    what: str,
    context: str,
) -> Sequence[int]:
    """
    Decode the C{data} of a finite tile layer or of a chunk.

    @param container: the layer's or chunk's JSON object.
    @param encoding: C{"csv"} (a JSON list of GIDs) or C{"base64"}.
    @param compression: for base64, C{""}, C{"zlib"} or C{"gzip"}.
    @param expected: how many tiles the data must hold.
    @param what: names the data in error messages, e.g. C{"data"}.
    @param context: names the layer in error messages.
    @return: the GIDs, row by row; if from a list, not yet checked to be
        GIDs (see L{_checkGids}).
    @raise _Invalid: if the data cannot be decoded or has the wrong length.
    """
    if encoding == "csv":
        if compression:
            raise _Invalid(_at(context, f"compression {compression!r} needs base64 encoding"))
        gids = _field(container, "data", LIST, context)
    elif encoding == "base64":
        raw = _unbase64(_field(container, "data", STRING, context), context)
        raw = _decompress(raw, compression, expected * 4, what, context)
        if len(raw) % 4:
            raise _Invalid(_at(context, f"{what} is {len(raw)} bytes long, not whole tiles"))
        # Tiled writes each GID as an unsigned 32-bit little-endian integer.
        gids = struct.unpack(f"<{len(raw) // 4}I", raw)
    else:
        raise _Invalid(_at(context, f"unknown encoding {encoding!r}"))
    if len(gids) != expected:
        raise _Invalid(_at(context, f"{what} has {len(gids)} tiles, expected {expected}"))
    return gids


def _unbase64(text: str, context: str) -> bytes:
    """
    @param text: base64 tile data.
    @param context: names the layer in error messages.
    @return: the bytes it encodes.
    @raise _Invalid: if it is not base64.
    """
    try:
        return base64.b64decode("".join(text.split()), validate=True)
    except ValueError as e:
        raise _Invalid(_at(context, f"data is not valid base64: {e}")) from None


def _decompress(raw: bytes, compression: str, limit: int, what: str, context: str) -> bytes:
    """
    Undo the compression of base64 tile data.

    @param raw: the decoded base64.
    @param compression: C{""}, C{"zlib"} or C{"gzip"}.
    @param limit: how many bytes the data should decompress to; decompressing
        stops soon after, so a small file cannot take all memory.
    @param what: names the data in error messages.
    @param context: names the layer in error messages.
    @return: the uncompressed bytes.
    @raise _Invalid: if the compression is unknown or the data is corrupt.
    """
    if compression == "":
        return raw
    if compression == "zstd":
        raise _Invalid(
            _at(context, "zstd-compressed tile data is not supported; "
                "save the map with zlib, gzip or no compression")
        )
    windowBits = {"zlib": zlib.MAX_WBITS, "gzip": 16 + zlib.MAX_WBITS}.get(compression)
    if windowBits is None:
        raise _Invalid(_at(context, f"unknown compression {compression!r}"))
    decompressor = zlib.decompressobj(windowBits)
    try:
        data = decompressor.decompress(raw, limit + 1)
    except zlib.error as e:
        raise _Invalid(_at(context, f"{what} is not valid {compression} data: {e}")) from None
    if len(data) > limit:
        raise _Invalid(_at(context, f"{what} has more than {limit // 4} tiles"))
    if not decompressor.eof:
        raise _Invalid(_at(context, f"{what} is truncated {compression} data"))
    return data


def _checkGids(gids: Sequence[object], context: str) -> frozenset:
    """
    Check that tile data holds only GIDs (unsigned 32-bit integers).

    @param gids: the data.
    @param context: names the layer or chunk in error messages.
    @return: the distinct GIDs.
    @raise _Invalid: if a value is not a GID.
    """
    try:
        distinct = frozenset(gids)
    except TypeError:
        raise _Invalid(_at(context, "data must hold only tile numbers")) from None
    for gid in distinct:
        if type(gid) is not int or not 0 <= gid <= MAX_GID:
            raise _Invalid(_at(context, f"data holds {gid!r}, not a tile number"))
    return distinct


# --- What tile layers mean ------------------------------------------------


def _tilesWith(layer: _TileLayer, grid: _Grid, gids: frozenset) -> Iterator[Tuple[int, int]]:
    """
    Find the tiles of a layer that have one of some GIDs.

    @param layer: the layer.
    @param grid: the map's grid.
    @param gids: the GIDs (flip flags included) to look for.
    @return: the (column, row) of each such tile in the loaded map, row by
        row within each chunk.
    """
    for block in layer.blocks:
        if gids.isdisjoint(block.distinct):
            continue
        left = block.column - grid.originColumn
        top = block.row - grid.originRow
        width = block.width
        for index, gid in enumerate(block.gids):
            if gid in gids:
                row, column = divmod(index, width)
                yield left + column, top + row


def _checkTilesExist(layer: _TileLayer, catalog: _TileCatalog) -> None:
    """
    Check that every tile on a layer is in one of the map's tilesets.

    @param layer: the layer.
    @param catalog: the map's tilesets.
    @raise _Invalid: naming the first unknown tile and where it is.
    """
    for gid in sorted(layer.painted):
        if catalog.propertiesOf(gid & GID_MASK) is None:
            column, row = _whereIs(layer, gid)
            raise _Invalid(
                f"{layer.label}: tile GID {gid & GID_MASK} at ({column}, {row}) "
                f"belongs to no tileset"
            )


def _whereIs(layer: _TileLayer, gid: int) -> Tuple[int, int]:
    """
    @param layer: a layer.
    @param gid: a GID on that layer.
    @return: the Tiled (column, row) of its first tile with that GID.
    """
    for block in layer.blocks:
        if gid in block.distinct:
            row, column = divmod(block.gids.index(gid), block.width)
            return block.column + column, block.row + row
    raise ValueError(gid)


def _blockingGids(layer: _TileLayer, catalog: _TileCatalog) -> frozenset:
    """
    Decide which tiles of a layer block: all of them on a layer with
    C{collides}, else those whose tile has C{collides}.

    @param layer: the layer, whose tiles are known to exist.
    @param catalog: the map's tilesets.
    @return: the blocking GIDs, flip flags included.
    """
    if layer.properties.get("collides") is True:
        return layer.painted
    return frozenset(
        gid for gid in layer.painted
        if catalog.propertiesOf(gid & GID_MASK).get("collides") is True
    )


def _markBlocked(blocked: bytearray, grid: _Grid, layer: _TileLayer, gids: frozenset) -> None:
    """
    Mark a layer's blocking tiles in the collision grid.

    @param blocked: one byte per tile of the map, row by row.
    @param grid: the map's grid.
    @param layer: the layer.
    @param gids: its blocking GIDs.
    """
    for column, row in _tilesWith(layer, grid, gids):
        blocked[row * grid.columns + column] = 1


def _tileLayerEntry(layer: _TileLayer, grid: _Grid) -> Optional[Tuple[str, List[Point]]]:
    """
    Read the spawn points of a start layer: one at the centre of each tile
    painted on it.

    @param layer: a tile layer.
    @param grid: the map's grid.
    @return: the entry named after the layer and its points, or L{None} if
        the layer is not a start layer.
    """
    if layer.name != WorldMap.DEFAULT_ENTRY and layer.properties.get("startLayer") is not True:
        return None
    return layer.name, [grid.tileCentre(*tile) for tile in _tilesWith(layer, grid, layer.painted)]


def _tileLayerZones(layer: _TileLayer, grid: _Grid) -> List[Zone]:
    """
    Make a zone of a tile layer that has properties besides the ones saying
    it collides or is a start layer; the zone is its painted tiles.

    @param layer: a tile layer.
    @param grid: the map's grid.
    @return: the zone, or nothing.
    """
    if not set(layer.properties) - LAYER_ROLE_PROPERTIES:
        return []
    tiles = frozenset(_tilesWith(layer, grid, layer.painted))
    if not tiles:
        return []
    shape = TileArea(tiles, grid.tileWidth, grid.tileHeight)
    return [Zone(layer.name, shape, dict(layer.properties))]


# --- What objects mean ----------------------------------------------------


def _isSpawn(mapObject: _MapObject) -> bool:
    """
    @param mapObject: an object.
    @return: whether it marks a spawn point.
    """
    return (
        mapObject.className == "spawn"
        or mapObject.name == WorldMap.DEFAULT_ENTRY
        or mapObject.properties.get("startLayer") is True
    )


def _objectEntry(mapObject: _MapObject, grid: _Grid) -> Optional[Tuple[str, List[Point]]]:
    """
    Read the spawn point an object marks: its centre.

    @param mapObject: an object.
    @param grid: the map's grid.
    @return: the entry named after the object (C{"start"} if it has no
        name) and its point, or L{None} if it is not a spawn object.
    """
    if not _isSpawn(mapObject):
        return None
    name = mapObject.name or WorldMap.DEFAULT_ENTRY
    return name, [grid.pixel(*_objectCentre(mapObject))]


def _objectCentre(mapObject: _MapObject) -> Point:
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


def _objectZones(mapObject: _MapObject, grid: _Grid) -> List[Zone]:
    """
    Make a zone of an object with custom properties, if it covers an area.
    Spawn objects, points and polylines are not zones.

    @param mapObject: an object.
    @param grid: the map's grid.
    @return: the zone, or nothing.
    @raise _Invalid: if the zone is rotated, or a polygon with too few
        points.
    """
    if not mapObject.properties or _isSpawn(mapObject):
        return []
    shape = _zoneShape(mapObject, grid)
    if shape is None:
        return []
    return [Zone(mapObject.name, shape, dict(mapObject.properties))]


def _zoneShape(mapObject: _MapObject, grid: _Grid) -> Union[Rectangle, Polygon, None]:
    """
    Turn an object's shape into a zone shape in the loaded map's pixels.
    An ellipse becomes its bounding rectangle.

    @param mapObject: an object with properties.
    @param grid: the map's grid.
    @return: the shape, or L{None} if the object has no area.
    @raise _Invalid: if the object is rotated, or a polygon with too few
        points.
    """
    if mapObject.kind in ("point", "polyline"):
        return None
    if mapObject.kind != "polygon" and (mapObject.width == 0 or mapObject.height == 0):
        return None
    if mapObject.rotation:
        raise _Invalid(f"{mapObject.label}: rotated zone objects are not supported")
    if mapObject.kind == "polygon":
        if len(mapObject.points) < 3:
            raise _Invalid(f"{mapObject.label}: a polygon zone needs at least 3 points")
        return Polygon(
            tuple(grid.pixel(mapObject.x + x, mapObject.y + y) for x, y in mapObject.points)
        )
    top = mapObject.y - mapObject.height if mapObject.kind == "tile" else mapObject.y
    x, y = grid.pixel(mapObject.x, top)
    return Rectangle(x, y, mapObject.width, mapObject.height)
