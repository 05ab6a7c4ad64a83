"""
Which parts of a map are zones, the areas zone behaviours act on, as
WorkAdventure decides it:

  - an object of class C{area} (or C{zone}, ark's older name), in any
    object layer, in groups or not, that has custom properties: its shape
    is the zone (an ellipse counts as its bounding box);
  - a tile layer with custom properties besides those saying it collides
    or is a start layer: its painted tiles are the zone, named after the
    layer's group path.

Objects of another class (or none) do nothing in WorkAdventure, even with
properties; such an object is reported, for its author surely meant
something by them.  Objects of class C{agent} are ark's own: agents'
homes (L{ark.maps.agents}), whose properties are theirs.
"""

from __future__ import annotations

from typing import Dict, List, Mapping, Optional, Union

from ark.maps.grid import Grid, tilesWith
from ark.maps.layers import MapObject, TileLayer
from ark.world.worldmap import Polygon, Rectangle, TileArea, Zone

__all__ = ["isArea", "isAgent", "objectZones", "tileLayerZones", "areaShape", "isSpawnMarker"]

AREA_CLASSES = frozenset({"area", "zone"})
AGENT_CLASS = "agent"

# Properties that make a layer or object a way into the map (or a wall)
# rather than a zone; zone behaviours never see them.
LAYER_ROLE_PROPERTIES = frozenset({"collides", "startLayer", "start"})
AREA_ROLE_PROPERTIES = frozenset({"start", "startLayer"})

Shape = Union[Rectangle, Polygon]


def isArea(mapObject: MapObject) -> bool:
    """
    @param mapObject: an object.
    @return: whether it is an area: its class is C{area}, or C{zone}.
    """
    return mapObject.className in AREA_CLASSES


def isAgent(mapObject: MapObject) -> bool:
    """
    @param mapObject: an object.
    @return: whether it defines an agent: its class is C{agent}.
    """
    return mapObject.className == AGENT_CLASS


def isSpawnMarker(mapObject: MapObject) -> bool:
    """
    Tell an object that marks where players appear the way ark maps did
    before areas: of class C{spawn}, or named C{start}, or with the
    property C{startLayer} (or C{start}) set to true.

    @param mapObject: an object that is not an area.
    @return: whether it marks a spawn point.
    """
    return (
        mapObject.className == "spawn"
        or mapObject.name == "start"
        or mapObject.properties.get("startLayer") is True
        or mapObject.properties.get("start") is True
    )


def _zoneProperties(properties: Mapping[str, object], roles: frozenset) -> Dict[str, object]:
    """
    @param properties: a layer's or object's custom properties.
    @param roles: the properties that are no zone's business.
    @return: the others.
    """
    return {name: value for name, value in properties.items() if name not in roles}


def objectZones(mapObject: MapObject, grid: Grid, problems: List[str]) -> List[Zone]:
    """
    Make a zone of an area with properties.

    @param mapObject: an object.
    @param grid: the map's grid.
    @param problems: where to report objects whose properties do nothing.
    @return: the zone, or nothing.
    """
    properties = _zoneProperties(mapObject.properties, AREA_ROLE_PROPERTIES)
    if not properties or isAgent(mapObject):
        return []
    if not isArea(mapObject):
        problem = f"{mapObject.label}: has properties but its class is not 'area'"
        if mapObject.className:
            problem += f" (it is {mapObject.className!r})"
        problems.append(problem + ", so it does nothing")
        return []
    shape = areaShape(mapObject, grid, problems)
    if shape is None:
        return []
    return [Zone(mapObject.name, shape, properties)]


def areaShape(
    mapObject: MapObject, grid: Grid, problems: Optional[List[str]] = None
) -> Optional[Shape]:
    """
    Turn an object's shape into a zone shape in the loaded map's pixels.
    An ellipse becomes its bounding rectangle.

    @param mapObject: an area.
    @param grid: the map's grid.
    @param problems: where to report an area that covers nothing or cannot
        be used, or L{None} not to.
    @return: the shape, or L{None} if the object covers nothing, is
        rotated, or is a polygon with too few points.
    """
    def unusable(why: str) -> None:
        if problems is not None:
            problems.append(f"{mapObject.label}: {why}; the area is ignored")

    if mapObject.kind in ("point", "polyline"):
        return unusable(f"a {mapObject.kind} covers nothing")
    if mapObject.kind != "polygon" and (mapObject.width == 0 or mapObject.height == 0):
        return unusable(f"its size is {mapObject.width}x{mapObject.height}, so it covers nothing")
    if mapObject.rotation:
        return unusable("rotated areas are not supported")
    if mapObject.kind == "polygon":
        if len(mapObject.points) < 3:
            return unusable("a polygon area needs at least 3 points")
        return Polygon(
            tuple(grid.pixel(mapObject.x + x, mapObject.y + y) for x, y in mapObject.points)
        )
    # A tile object's position is its bottom-left corner.
    top = mapObject.y - mapObject.height if mapObject.kind == "tile" else mapObject.y
    x, y = grid.pixel(mapObject.x, top)
    return Rectangle(x, y, mapObject.width, mapObject.height)


def tileLayerZones(layer: TileLayer, grid: Grid, problems: List[str]) -> List[Zone]:
    """
    Make a zone of a tile layer that has properties besides the ones saying
    it collides or is a start layer; the zone is its painted tiles.

    @param layer: a tile layer.
    @param grid: the map's grid.
    @param problems: where to report a zone layer with no tile painted.
    @return: the zone, or nothing.
    """
    properties = _zoneProperties(layer.properties, LAYER_ROLE_PROPERTIES)
    if not properties:
        return []
    tiles = frozenset(tilesWith(layer, grid, layer.painted))
    if not tiles:
        problems.append(f"{layer.label}: has properties but no tile painted, "
                        "so it is no zone")
        return []
    shape = TileArea(tiles, grid.tileWidth, grid.tileHeight)
    return [Zone(layer.name, shape, properties)]
