"""
Reading a map's layers: tile layers with their tiles, object layers with
their objects, read out of the nesting of group layers.

A layer inside groups is named by its group path, C{"building/floor"}, as
Phaser (and so WorkAdventure) names it; zones and entries use that name.
What only matters for drawing (image layers, opacity, offsets, parallax,
group properties) is not kept, though image layers' images are checked to
exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Callable, Dict, Iterator, List, Mapping, Optional, Sequence, Tuple, Union

from ark.maps.fields import (
    BOOLEAN,
    INTEGER,
    LIST,
    NUMBER,
    STRING,
    Invalid,
    at,
    collidesProblem,
    field,
    jsonObject,
    positiveInteger,
    readProperties,
)
from ark.maps.tiledata import MAX_GID, checkGids, decodeData
from ark.world.worldmap import Point

__all__ = ["Block", "TileLayer", "MapObject", "ObjectLayer", "readLayers"]

LAYER_TYPES = frozenset({"tilelayer", "objectgroup", "imagelayer", "group"})


@dataclass(frozen=True)
class Block:
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
class TileLayer:
    """
    A tile layer, read and checked.

    @ivar name: the layer's name, after its groups' (C{"group/layer"}).
    @ivar label: names the layer in error messages.
    @ivar properties: its custom properties.
    @ivar blocks: its tiles.
    """

    name: str
    label: str
    properties: Mapping[str, object]
    blocks: Tuple[Block, ...]

    @cached_property
    def painted(self) -> frozenset:
        """
        The distinct non-empty GIDs on this layer, flip flags included.
        """
        return frozenset().union(*(block.distinct for block in self.blocks)) - {0}


@dataclass(frozen=True)
class MapObject:
    """
    An object of an object layer, read and checked, in Tiled's pixels.

    @ivar label: names the object in error messages.
    @ivar name: the object's name.
    @ivar kind: C{"point"}, C{"rectangle"}, C{"ellipse"}, C{"polygon"},
        C{"polyline"} or C{"tile"} (a tile object, whose C{y} is its bottom).
    @ivar className: its class (C{type} before Tiled 1.9 and since 1.10).
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
class ObjectLayer:
    """
    An object layer, read and checked.

    @ivar name: the layer's name, after its groups'.
    @ivar objects: its objects, in order.
    """

    name: str
    objects: Tuple[MapObject, ...]


Layer = Union[TileLayer, ObjectLayer]


def label(kind: str, item: Mapping[str, object], name: Optional[str] = None) -> str:
    """
    Name a layer or object for error messages, before checking it.

    @param kind: C{"layer"} or C{"object"}.
    @param item: its JSON object.
    @param name: the name to show, if not the one in C{item}: a layer's
        group path.
    @return: e.g. C{"layer 'walls' (id 3)"}.
    """
    text = kind
    if name is None and type(item.get("name")) is str:
        name = item["name"]
    if name is not None:
        text += f" {name!r}"
    if type(item.get("id")) is int:
        text += f" (id {item['id']})"
    return text


def readLayers(
    document: Mapping[str, object],
    infinite: bool,
    width: int,
    height: int,
    checkImage: Callable[[str, Optional[str]], Optional[str]],
    problems: List[str],
) -> List[Layer]:
    """
    Read the tile and object layers of a map, in drawing order.

    @param document: the parsed map file.
    @param infinite: whether the map is infinite.
    @param width: the map's width in tiles.
    @param height: the map's height in tiles.
    @param checkImage: checks that an image layer's image exists.
    @param problems: where to add what is wrong but does not stop the map
        from loading.
    @return: the layers; image layers and layers of unknown types are left
        out.
    @raise Invalid: if a layer is malformed.
    """
    layers: List[Layer] = []
    for layer, name, where in _flattenLayers(field(document, "layers", LIST, ""), "", "", problems):
        kind = layer["type"]
        if kind == "tilelayer":
            tileLayer = _readTileLayer(layer, name, where, infinite, width, height)
            problem = collidesProblem(tileLayer.properties, where)
            if problem:
                problems.append(problem)
            layers.append(tileLayer)
        elif kind == "objectgroup":
            layers.append(_readObjectLayer(layer, name, where, problems))
        else:
            image = field(layer, "image", STRING, where, "")
            if image:
                problem = checkImage(image, None)
                if problem:
                    problems.append(f"{where}: {problem}")
    return layers


def _flattenLayers(
    layers: Sequence[object], context: str, prefix: str, problems: List[str]
) -> Iterator[Tuple[Dict[str, object], str, str]]:
    """
    List the layers inside group layers in place of their groups.  Group
    properties and offsets are ignored.

    @param layers: a C{layers} list.
    @param context: where the list is, for error messages.
    @param prefix: the group path of the list, e.g. C{"building/"}.
    @param problems: where to report layers of unknown types.
    @return: each non-group layer of a known type, its name with its group
        path, and its label, in drawing order.
    @raise Invalid: if a layer is not an object, or has no type.
    """
    for index, layer in enumerate(layers):
        layer = jsonObject(layer, context, f"layers[{index}]")
        ownName = field(layer, "name", STRING, label("layer", layer), "")
        name = prefix + ownName
        where = label("layer", layer, name)
        kind = field(layer, "type", STRING, where)
        if kind not in LAYER_TYPES:
            # A newer Tiled may add kinds of layers; the rest of the map is
            # still good.
            problems.append(f"{where}: unknown layer type {kind!r}; the layer is ignored")
        elif kind == "group":
            yield from _flattenLayers(field(layer, "layers", LIST, where, []), where,
                                      name + "/", problems)
        else:
            yield layer, name, where


def _readTileLayer(
    layer: Mapping[str, object], name: str, where: str, infinite: bool, width: int, height: int
) -> TileLayer:
    """
    Read a tile layer's properties and tiles.

    @param layer: its JSON object.
    @param name: its name with its group path.
    @param where: names it in error messages.
    @param infinite: whether the map is infinite, so the tiles are chunks.
    @param width: the map's width in tiles.
    @param height: the map's height in tiles.
    @return: the layer.
    @raise Invalid: if it is malformed.
    """
    encoding = field(layer, "encoding", STRING, where, "csv")
    compression = field(layer, "compression", STRING, where, "")
    if infinite:
        blocks = [
            _readChunk(chunk, index, where, encoding, compression)
            for index, chunk in enumerate(field(layer, "chunks", LIST, where))
        ]
    else:
        gids = decodeData(layer, encoding, compression, width * height, "data", where)
        blocks = [Block(0, 0, width, height, gids, checkGids(gids, where))]
    return TileLayer(
        name=name,
        label=where,
        properties=readProperties(layer, where),
        blocks=tuple(blocks),
    )


def _readChunk(chunk: object, index: int, where: str, encoding: str, compression: str) -> Block:
    """
    Read one chunk of an infinite map's tile layer.

    @param chunk: the chunk's JSON object.
    @param index: its place in the layer's C{chunks}.
    @param where: names the layer in error messages.
    @param encoding: the layer's data encoding.
    @param compression: the layer's data compression.
    @return: the chunk's tiles.
    @raise Invalid: if it is malformed.
    """
    chunk = jsonObject(chunk, where, f"chunks[{index}]")
    context = at(where, f"chunks[{index}]")
    column = field(chunk, "x", INTEGER, context)
    row = field(chunk, "y", INTEGER, context)
    width = positiveInteger(chunk, "width", context)
    height = positiveInteger(chunk, "height", context)
    what = f"chunk at ({column}, {row})"
    gids = decodeData(chunk, encoding, compression, width * height, what, where)
    return Block(column, row, width, height, gids, checkGids(gids, at(where, what)))


def _readObjectLayer(
    layer: Mapping[str, object], name: str, where: str, problems: List[str]
) -> ObjectLayer:
    """
    Read an object layer's objects.  A layer named C{floorLayer} only tells
    WorkAdventure where to draw avatars; its objects are read like any
    other.

    @param layer: its JSON object.
    @param name: its name with its group path.
    @param where: names it in error messages.
    @param problems: where to report objects that are left out.
    @return: the layer.
    @raise Invalid: if it is malformed.
    """
    objects = []
    for index, item in enumerate(field(layer, "objects", LIST, where, [])):
        item = jsonObject(item, where, f"objects[{index}]")
        objectLabel = f"{where}: {label('object', item)}"
        if "template" in item:
            # The template file holds the rest of the object; Tiled can
            # detach the object from it.
            problems.append(f"{objectLabel}: object templates are not supported; "
                            "detach it from its template (the object is ignored)")
            continue
        objects.append(_readObject(item, objectLabel))
    return ObjectLayer(name, tuple(objects))


def _readObject(item: Mapping[str, object], where: str) -> MapObject:
    """
    Read and check one object.

    @param item: its JSON object.
    @param where: names it in error messages.
    @return: the object.
    @raise Invalid: if it is malformed.
    """
    width = field(item, "width", NUMBER, where, 0)
    height = field(item, "height", NUMBER, where, 0)
    if width < 0 or height < 0:
        raise Invalid(f"{where}: negative size {width}x{height}")
    # Tiled 1.9 wrote the class as "class", other versions as "type".
    className = field(item, "class", STRING, where, "") or field(item, "type", STRING, where, "")
    kind, points = _objectShape(item, where)
    return MapObject(
        label=where,
        name=field(item, "name", STRING, where, ""),
        kind=kind,
        className=className,
        x=field(item, "x", NUMBER, where),
        y=field(item, "y", NUMBER, where),
        width=width,
        height=height,
        rotation=field(item, "rotation", NUMBER, where, 0),
        points=points,
        properties=readProperties(item, where),
    )


def _objectShape(item: Mapping[str, object], where: str) -> Tuple[str, Tuple[Point, ...]]:
    """
    Tell what kind of shape an object is.  Tiled marks each kind with its
    own member.

    @param item: the object's JSON object.
    @param where: names it in error messages.
    @return: the kind (see L{MapObject.kind}) and, for polygons and
        polylines, the corners.
    @raise Invalid: if the shape is malformed.
    """
    if field(item, "point", BOOLEAN, where, False):
        return "point", ()
    for kind in ("polygon", "polyline"):
        if kind in item:
            return kind, _readPoints(field(item, kind, LIST, where), kind, where)
    if "gid" in item:
        gid = field(item, "gid", INTEGER, where)
        if not 0 <= gid <= MAX_GID:
            raise Invalid(f"{where}: 'gid' {gid} is not a tile number")
        return "tile", ()
    if field(item, "ellipse", BOOLEAN, where, False):
        return "ellipse", ()
    return "rectangle", ()


def _readPoints(points: Sequence[object], kind: str, where: str) -> Tuple[Point, ...]:
    """
    Read a polygon's or polyline's corners.

    @param points: the C{polygon} or C{polyline} list.
    @param kind: which of the two it is.
    @param where: names the object in error messages.
    @return: the corners, relative to the object's position.
    @raise Invalid: if there are none or one is malformed.
    """
    if not points:
        raise Invalid(f"{where}: {kind} has no points")
    corners = []
    for index, point in enumerate(points):
        point = jsonObject(point, where, f"{kind}[{index}]")
        context = at(where, f"{kind}[{index}]")
        corners.append((field(point, "x", NUMBER, context), field(point, "y", NUMBER, context)))
    return tuple(corners)
