"""
Tests for the rules by which ark reads a WorkAdventure map: which tiles
block, what layers are called, which objects and layers are zones, where
players arriving by C{#entry} appear, how tile data may be stored, and
what is reported about a map that loads but will not do all its author
meant.

Each map is built here, small, in the shape Tiled saves.
"""

from __future__ import annotations

import base64
import gzip
import struct
import zlib
from typing import Dict, List, Optional, Sequence, Tuple

import zstandard
from twisted.trial.unittest import SynchronousTestCase

from ark.maps.tiled import MapError, parseMap
from ark.world.worldmap import Polygon, Rectangle, TileArea, WorldMap

TILE = 32

# GIDs of the embedded tileset of every map built here.
FLOOR, WALL, PLANT = 1, 2, 3

# Tiled's flip flags: horizontal, vertical, anti-diagonal, hexagonal 120.
FLIP_H = 0x80000000
FLIP_V = 0x40000000
FLIP_D = 0x20000000
ROTATE_HEX = 0x10000000

# How rows of text become tiles: "#" a wall, "." floor, "*" a plant, " "
# nothing painted.
GLYPHS = {"#": WALL, ".": FLOOR, "*": PLANT, " ": 0}


def prop(name: str, value: object) -> dict:
    """
    @return: a custom property in Tiled's list form.
    """
    kind = {bool: "bool", int: "int", float: "float"}.get(type(value), "string")
    return {"name": name, "type": kind, "value": value}


def terrain(image: str = "terrain.png") -> dict:
    """
    @param image: the tileset's image, as the map names it.
    @return: the embedded tileset: floor, a colliding wall, a plant.
    """
    return {
        "columns": 3, "firstgid": 1, "image": image, "imageheight": TILE,
        "imagewidth": 3 * TILE, "margin": 0, "name": "terrain", "spacing": 0,
        "tilecount": 3, "tileheight": TILE, "tilewidth": TILE,
        "tiles": [{"id": WALL - 1, "properties": [prop("collides", True)]}],
    }


def gids(rows: Sequence[str]) -> List[int]:
    """
    @param rows: a layer drawn as text, see L{GLYPHS}.
    @return: its GIDs, row by row.
    """
    return [GLYPHS[glyph] for row in rows for glyph in row]


def tileLayer(name: str, rows: Sequence[str], layerId: int, *,
              properties: Sequence[dict] = (), visible: bool = True, **extra: object) -> dict:
    """
    @return: a finite tile layer painted as C{rows} say.
    """
    layer = {
        "data": gids(rows), "height": len(rows), "id": layerId, "name": name,
        "opacity": 1, "type": "tilelayer", "visible": visible, "width": len(rows[0]),
        "x": 0, "y": 0,
    }
    if properties:
        layer["properties"] = list(properties)
    layer.update(extra)
    return layer


def groupLayer(name: str, layers: List[dict], layerId: int) -> dict:
    """
    @return: a group layer holding C{layers}.
    """
    return {"id": layerId, "layers": layers, "name": name, "opacity": 1, "type": "group",
            "visible": True, "x": 0, "y": 0}


def objectLayer(name: str, objects: List[dict], layerId: int) -> dict:
    """
    @return: an object layer holding C{objects}.
    """
    return {"draworder": "topdown", "id": layerId, "name": name, "objects": objects,
            "opacity": 1, "type": "objectgroup", "visible": True, "x": 0, "y": 0}


def mapObject(objectId: int, name: str, x: float, y: float, width: float = 0,
              height: float = 0, *, className: Optional[str] = None,
              classKey: str = "class", properties: Sequence[dict] = (),
              **extra: object) -> dict:
    """
    @param className: the object's class, under C{classKey} (Tiled 1.9
        wrote C{class}, other versions C{type}).
    @return: a Tiled object.
    """
    item = {"height": height, "id": objectId, "name": name, "rotation": 0,
            "visible": True, "width": width, "x": x, "y": y}
    if className is not None:
        item[classKey] = className
    if properties:
        item["properties"] = list(properties)
    item.update(extra)
    return item


def tiledMap(layers: List[dict], *, width: int = 6, height: int = 5,
             tilesets: Optional[List[dict]] = None, properties: Sequence[dict] = ()) -> dict:
    """
    @return: an orthogonal map of C{width} by C{height} tiles.
    """
    document = {
        "compressionlevel": -1, "height": height, "infinite": False, "layers": layers,
        "nextlayerid": 99, "nextobjectid": 99, "orientation": "orthogonal",
        "renderorder": "right-down", "tiledversion": "1.10.2", "tileheight": TILE,
        "tilesets": [terrain()] if tilesets is None else tilesets, "tilewidth": TILE,
        "type": "map", "version": "1.10", "width": width,
    }
    if properties:
        document["properties"] = list(properties)
    return document


# A room with walls around it, and a start tile in the middle.
ROOM = ["######",
        "#....#",
        "#....#",
        "#....#",
        "######"]
START = ["      ",
         "      ",
         "   .  ",
         "      ",
         "      "]
EMPTY = ["      "] * 5


def room(*extraLayers: dict, start: bool = True, **options: object) -> dict:
    """
    @param extraLayers: layers after the floor and walls (and the start
        layer, if C{start}).
    @return: the room map.
    """
    layers = [tileLayer("floor", ["......"] * 5, 1), tileLayer("walls", ROOM, 2)]
    if start:
        layers.append(tileLayer("start", START, 3))
    return tiledMap(layers + list(extraLayers), **options)


def noTilesets(source: str) -> dict:
    """
    A tileset loader for maps that must not have external tilesets.
    """
    raise AssertionError(f"unexpected external tileset {source}")


def read(document: dict, problems: Optional[List[str]] = None) -> WorldMap:
    """
    @return: the map C{document} describes, named C{test.tmj}.
    """
    return parseMap(document, "test.tmj", noTilesets, problems=problems)


def readReporting(document: dict) -> Tuple[WorldMap, List[str]]:
    """
    @return: the map C{document} describes, and the problems reported.
    """
    problems: List[str] = []
    return read(document, problems), problems


def blockedTiles(worldMap: WorldMap) -> List[tuple]:
    """
    @return: the (column, row) of every blocked tile, row by row.
    """
    return [(column, row) for row in range(worldMap.height)
            for column in range(worldMap.width) if worldMap.isBlocked(column, row)]


def centre(column: int, row: int) -> tuple:
    """
    @return: the centre of a tile, in pixels.
    """
    return ((column + 0.5) * TILE, (row + 0.5) * TILE)


def zonesByName(worldMap: WorldMap) -> Dict[str, object]:
    """
    @return: the zones of C{worldMap} by name.
    """
    return {zone.name: zone for zone in worldMap.zones}


class CollisionTests(SynchronousTestCase):
    """
    Which tiles block: tiles with C{collides} on any tile layer, shown or
    hidden, and every tile of a layer with C{collides}.
    """

    def test_collidingTilesBlock(self) -> None:
        """
        The walls of the room block; its floor does not.
        """
        worldMap = read(room())
        self.assertTrue(worldMap.isBlocked(0, 0))
        self.assertFalse(worldMap.isBlocked(1, 1))
        self.assertEqual(len(blockedTiles(worldMap)), 6 + 6 + 3 * 2)

    def test_hiddenLayerCollisions(self) -> None:
        """
        Colliding tiles on a hidden layer block, as WorkAdventure map
        makers hide the layer that only draws where walls are; so do the
        tiles of a hidden layer with C{collides}.
        """
        worldMap = read(room(
            tileLayer("invisible-wall", ["      ", "  #   "] + ["      "] * 3, 10,
                      visible=False),
            tileLayer("fence", ["      ", "      ", "    * "] + ["      "] * 2, 11,
                      visible=False, properties=[prop("collides", True)]),
        ))
        self.assertTrue(worldMap.isBlocked(2, 1))
        self.assertTrue(worldMap.isBlocked(4, 2))
        self.assertFalse(worldMap.isBlocked(3, 1))

    def test_flippedCollidingTilesBlock(self) -> None:
        """
        A colliding tile flipped or rotated any way is still a wall: the
        flip bits of its GID are stripped before its properties are read.
        A flipped plain tile still does not block.
        """
        document = room(start=True)
        walls = document["layers"][1]
        flips = [FLIP_H, FLIP_V, FLIP_D, FLIP_H | FLIP_V | FLIP_D, ROTATE_HEX,
                 FLIP_H | ROTATE_HEX]
        # The inside of the room, row 1: flipped walls; row 2: a flipped plant.
        for column, flip in zip(range(1, 5), flips):
            walls["data"][6 + column] = WALL | flip
        walls["data"][6 * 2 + 1] = PLANT | FLIP_H | FLIP_D
        worldMap = read(document)
        for column in range(1, 5):
            self.assertTrue(worldMap.isBlocked(column, 1), column)
        self.assertFalse(worldMap.isBlocked(1, 2))

    def test_collidesMustBeTrue(self) -> None:
        """
        C{collides} set to the string C{"true"} blocks nothing, and is
        reported on the tile and on the layer that have it.
        """
        document = room(tileLayer("rocks", ["*     "] + ["      "] * 4, 10,
                                  properties=[prop("collides", "true")]))
        document["tilesets"][0]["tiles"][0]["properties"][0]["value"] = "true"
        worldMap, problems = readReporting(document)
        self.assertEqual(blockedTiles(worldMap), [])
        self.assertEqual(problems, [
            "tileset 'terrain': tile 1: 'collides' is \"true\", not the boolean true, "
            "so it blocks nothing",
            "layer 'rocks' (id 10): 'collides' is \"true\", not the boolean true, "
            "so it blocks nothing",
        ])


class GroupPathTests(SynchronousTestCase):
    """
    A layer in groups is named by its group path, as Phaser names it.
    """

    def setUp(self) -> None:
        self.worldMap, self.problems = readReporting(room(
            groupLayer("building", [
                groupLayer("ground floor", [
                    tileLayer("meeting", ["      ", " ..   "] + ["      "] * 3, 12,
                              properties=[prop("jitsiRoom", "standup")]),
                    tileLayer("arrivals", ["      "] * 3 + ["    . "] + ["      "], 13),
                    objectLayer("areas", [
                        mapObject(1, "kitchen", 128, 32, 32, 32, className="area",
                                  properties=[prop("silent", True)]),
                    ], 14),
                    tileLayer("empty-zone", EMPTY, 15, properties=[prop("silent", True)]),
                ], 11),
            ], 10),
        ))

    def test_tileLayerZoneNamedWithGroupPath(self) -> None:
        """
        A tile layer zone two groups deep is named C{building/ground
        floor/meeting}; an area keeps its own name.
        """
        self.assertEqual([zone.name for zone in self.worldMap.zones],
                         ["building/ground floor/meeting", "kitchen"])

    def test_entryByGroupPathOrItsEnd(self) -> None:
        """
        A tile layer in groups is the entry of its whole group path and of
        each ending of it, as WorkAdventure matches a layer whose name ends
        with C{/entry}.
        """
        expected = (centre(4, 3),)
        for name in ("building/ground floor/arrivals", "ground floor/arrivals", "arrivals"):
            self.assertTrue(self.worldMap.hasEntry(name), name)
            self.assertEqual(self.worldMap.spawnPoints(name), expected)
        self.assertFalse(self.worldMap.hasEntry("floor/arrivals"))

    def test_problemsNameTheGroupPath(self) -> None:
        """
        Problems name a nested layer by its group path.
        """
        self.assertEqual(self.problems, [
            "layer 'building/ground floor/empty-zone' (id 15): has properties but no tile "
            "painted, so it is no zone",
        ])


class ZoneTests(SynchronousTestCase):
    """
    Which objects and layers are zones.
    """

    def zoneMap(self, *objects: dict) -> Tuple[WorldMap, List[str]]:
        """
        @return: the room with C{objects} in an object layer, and the
            problems reported reading it.
        """
        return readReporting(room(objectLayer("things", list(objects), 20)))

    def test_areaByClassTypeOrLegacyZone(self) -> None:
        """
        An object is an area when its class is C{area}, written as C{class}
        (Tiled 1.9) or C{type} (other versions), or the older C{zone}; its
        shape is the zone.
        """
        worldMap, problems = self.zoneMap(
            mapObject(1, "by-class", 32, 32, 64, 32, className="area",
                      properties=[prop("silent", True)]),
            mapObject(2, "by-type", 32, 64, 64, 32, className="area", classKey="type",
                      properties=[prop("silent", True)]),
            mapObject(3, "legacy", 96, 96, 32, 32, className="zone", classKey="type",
                      properties=[prop("silent", True)]),
        )
        self.assertEqual(
            [(zone.name, zone.shape) for zone in worldMap.zones],
            [("by-class", Rectangle(32, 32, 64, 32)), ("by-type", Rectangle(32, 64, 64, 32)),
             ("legacy", Rectangle(96, 96, 32, 32))])
        self.assertTrue(worldMap.zones[0].isSilent)
        self.assertEqual(problems, [])

    def test_areasInGroups(self) -> None:
        """
        Areas in an object layer inside groups are zones too.
        """
        worldMap = read(room(groupLayer("outer", [groupLayer("inner", [
            objectLayer("areas", [mapObject(1, "deep", 32, 32, 32, 32, className="area",
                                            properties=[prop("jitsiRoom", "deep")])], 22),
        ], 21)], 20)))
        self.assertEqual([zone.name for zone in worldMap.zones], ["deep"])

    def test_objectWithoutClassIsNoZone(self) -> None:
        """
        An object with properties but no class, or another class, does
        nothing in WorkAdventure: it is no zone, and is reported naming its
        layer and its class.
        """
        worldMap, problems = self.zoneMap(
            mapObject(1, "plain", 32, 32, 32, 32, properties=[prop("silent", True)]),
            mapObject(2, "site", 64, 32, 32, 32, className="website",
                      properties=[prop("url", "https://example.org/")]),
            mapObject(3, "no-properties", 96, 32, 32, 32),
        )
        self.assertEqual(worldMap.zones, ())
        self.assertEqual(problems, [
            "layer 'things' (id 20): object 'plain' (id 1): has properties but its class "
            "is not 'area', so it does nothing",
            "layer 'things' (id 20): object 'site' (id 2): has properties but its class "
            "is not 'area' (it is 'website'), so it does nothing",
        ])

    def test_polygonAndEllipseAreas(self) -> None:
        """
        A polygon area is its outline; an ellipse area is its bounding box.
        """
        worldMap = self.zoneMap(
            mapObject(1, "triangle", 32, 32, className="area",
                      polygon=[{"x": 0, "y": 0}, {"x": 64, "y": 0}, {"x": 0, "y": 64}],
                      properties=[prop("silent", True)]),
            mapObject(2, "pond", 96, 64, 64, 32, className="area", ellipse=True,
                      properties=[prop("silent", True)]),
        )[0]
        zones = zonesByName(worldMap)
        self.assertEqual(zones["triangle"].shape, Polygon(((32, 32), (96, 32), (32, 96))))
        self.assertTrue(zones["triangle"].contains(40, 40))
        self.assertFalse(zones["triangle"].contains(90, 90))
        self.assertEqual(zones["pond"].shape, Rectangle(96, 64, 64, 32))

    def test_unusableAreasAreReported(self) -> None:
        """
        A rotated area, and a polygon area of two corners, are left out
        and reported; the rest of the map loads.
        """
        worldMap, problems = self.zoneMap(
            mapObject(1, "turned", 32, 32, 32, 32, className="area", rotation=45,
                      properties=[prop("silent", True)]),
            mapObject(2, "line", 32, 32, className="area",
                      polygon=[{"x": 0, "y": 0}, {"x": 64, "y": 0}],
                      properties=[prop("silent", True)]),
        )
        self.assertEqual(worldMap.zones, ())
        self.assertEqual(problems, [
            "layer 'things' (id 20): object 'turned' (id 1): rotated areas are not "
            "supported; the area is ignored",
            "layer 'things' (id 20): object 'line' (id 2): a polygon area needs at least "
            "3 points; the area is ignored",
        ])

    def test_tileLayerWithPropertiesIsZone(self) -> None:
        """
        A tile layer with properties besides C{collides} and C{startLayer}
        is a zone of its painted tiles; those two properties are no zone's
        business, and a layer with only them is no zone.
        """
        worldMap = read(room(
            tileLayer("quiet", ["      ", " ..   "] + ["      "] * 3, 10,
                      properties=[prop("silent", True), prop("collides", False)]),
            tileLayer("side", ["      ", "    . "] + ["      "] * 3, 11,
                      properties=[prop("startLayer", True)]),
        ))
        [quiet] = worldMap.zones
        self.assertEqual(quiet.name, "quiet")
        self.assertEqual(quiet.shape, TileArea(frozenset({(1, 1), (2, 1)}), TILE, TILE))
        self.assertEqual(quiet.properties, {"silent": True})

    def test_startPropertyIsNotAZoneProperty(self) -> None:
        """
        An entry area with other properties is a zone too, without the
        C{start} property.
        """
        worldMap = self.zoneMap(
            mapObject(1, "hall", 32, 32, 64, 64, className="area",
                      properties=[prop("start", True), prop("silent", True)]))[0]
        [zone] = worldMap.zones
        self.assertEqual(zone.properties, {"silent": True})
        self.assertTrue(worldMap.hasEntry("hall"))


class EntryTests(SynchronousTestCase):
    """
    Where players appear, in WorkAdventure's order.
    """

    def test_areaStartBeatsStartLayer(self) -> None:
        """
        An area named C{start} is the default entry even with a start layer
        before it; players appear on the walkable tiles inside it.
        """
        worldMap = read(room(objectLayer("areas", [
            mapObject(1, "start", 16, 16, 80, 80, className="area"),
        ], 10)))
        # Tiles (0, 0) to (2, 2) have their centres inside; only those off
        # the walls are walkable.
        self.assertEqual(worldMap.spawnPoints(), (centre(1, 1), centre(2, 1),
                                                  centre(1, 2), centre(2, 2)))

    def test_startLayerBeatsStartLayerProperty(self) -> None:
        """
        A tile layer named C{start} is the default entry even after a layer
        with C{startLayer}.
        """
        document = room(start=False)
        document["layers"].append(tileLayer("side", ["      ", "    . "] + ["      "] * 3, 10,
                                            properties=[prop("startLayer", True)]))
        document["layers"].append(tileLayer("start", START, 11))
        worldMap = read(document)
        self.assertEqual(worldMap.spawnPoints(), (centre(3, 2),))
        self.assertEqual(worldMap.spawnPoints("side"), (centre(4, 1),))

    def test_startLayerInGroupByPathEnding(self) -> None:
        """
        A tile layer whose group path ends with C{/start} is the default
        entry.
        """
        worldMap = read(room(groupLayer("entries", [
            tileLayer("start", ["      ", " .    "] + ["      "] * 3, 11),
        ], 10), start=False))
        self.assertEqual(worldMap.spawnPoints(), (centre(1, 1),))

    def test_firstStartLayerPropertyIsDefault(self) -> None:
        """
        With no area or layer named C{start}, the first layer in map order
        with C{startLayer} is the default.
        """
        worldMap = read(room(
            tileLayer("north", ["      ", "  .   "] + ["      "] * 3, 10,
                      properties=[prop("startLayer", True)]),
            tileLayer("south", ["      "] * 3 + ["  .   ", "      "], 11,
                      properties=[prop("startLayer", True)]),
            start=False))
        self.assertEqual(worldMap.spawnPoints(), (centre(2, 1),))
        self.assertEqual(worldMap.spawnPoints("south"), (centre(2, 3),))

    def test_namedEntryByAreaWithStart(self) -> None:
        """
        C{#x} is an area named C{x} with the property C{start}, before a
        layer named C{x}; an area without C{start} is no entry, so C{#y}
        leads to the default.
        """
        worldMap = read(room(
            tileLayer("x", ["      ", " .    "] + ["      "] * 3, 10),
            objectLayer("areas", [
                mapObject(1, "x", 128, 96, 32, 32, className="area",
                          properties=[prop("start", True)]),
                mapObject(2, "y", 128, 32, 32, 32, className="area"),
            ], 11)))
        self.assertEqual(worldMap.spawnPoints("x"), (centre(4, 3),))
        self.assertFalse(worldMap.hasEntry("y"))
        self.assertEqual(worldMap.spawnPoints("y"), worldMap.spawnPoints())

    def test_namedEntryBySpawnObject(self) -> None:
        """
        An object of class C{spawn} named C{x} is entry C{x}, at its
        centre, as in earlier ark maps.
        """
        worldMap = read(room(objectLayer("spawns", [
            mapObject(1, "gate", 40, 72, point=True, className="spawn", classKey="type"),
        ], 10)))
        self.assertEqual(worldMap.spawnPoints("gate"), ((40, 72),))

    def test_namedEntryByLayer(self) -> None:
        """
        C{#x} is the first tile layer named C{x} or ending with C{/x}, in
        map order, with or without C{startLayer}.
        """
        worldMap = read(room(
            groupLayer("wing", [tileLayer("x", ["      ", " .    "] + ["      "] * 3, 11)], 10),
            tileLayer("x", ["      ", "    . "] + ["      "] * 3, 12),
        ))
        self.assertEqual(worldMap.spawnPoints("x"), (centre(1, 1),))
        self.assertEqual(worldMap.spawnPoints("wing/x"), (centre(1, 1),))

    def test_unknownEntryIsDefault(self) -> None:
        """
        An entry the map does not have leads to the default one, and
        L{WorldMap.hasEntry} says it is not there.
        """
        worldMap = read(room())
        self.assertFalse(worldMap.hasEntry("nowhere"))
        self.assertEqual(worldMap.spawnPoints("nowhere"), (centre(3, 2),))
        self.assertTrue(worldMap.hasEntry("start"))

    def test_emptyLayerIsNoEntry(self) -> None:
        """
        A tile layer with no tile painted is no entry.
        """
        worldMap = read(room(tileLayer("hall", EMPTY, 10)))
        self.assertFalse(worldMap.hasEntry("hall"))

    def test_entryAreaAllBlocked(self) -> None:
        """
        An entry area over walls only is reported; players appear on its
        tiles all the same rather than nowhere.
        """
        worldMap, problems = readReporting(room(objectLayer("areas", [
            mapObject(1, "roof", 0, 0, 64, 32, className="area",
                      properties=[prop("start", True)]),
        ], 10)))
        self.assertEqual(worldMap.spawnPoints("roof"), (centre(0, 0), centre(1, 0)))
        self.assertEqual(problems, ["layer 'areas' (id 10): object 'roof' (id 1): every tile "
                                    "of this entry area is blocked"])

    def test_noWayIn(self) -> None:
        """
        A map with no entry at all cannot be used.
        """
        error = self.assertRaises(MapError, read, room(start=False))
        self.assertIn("no spawn point", str(error))


def encoded(rows: Sequence[str], compression: str) -> str:
    """
    Encode a layer's tiles as Tiled does with base64 encoding.

    @param compression: C{""}, C{"zlib"}, C{"gzip"} or C{"zstd"}.
    """
    values = gids(rows)
    raw = struct.pack(f"<{len(values)}I", *values)
    if compression == "zlib":
        raw = zlib.compress(raw)
    elif compression == "gzip":
        raw = gzip.compress(raw)
    elif compression == "zstd":
        raw = zstandard.ZstdCompressor().compress(raw)
    return base64.b64encode(raw).decode("ascii")


class TileDataTests(SynchronousTestCase):
    """
    Tile data as Tiled may store it.
    """

    def wallsStoredAs(self, compression: str) -> WorldMap:
        """
        @return: the room, its walls stored as base64 with C{compression}.
        """
        document = room()
        document["layers"][1].update(encoding="base64", compression=compression,
                                     data=encoded(ROOM, compression))
        return read(document)

    def test_everyCompression(self) -> None:
        """
        Walls stored as base64, uncompressed or compressed with zlib, gzip
        or zstd, block the same tiles as walls stored as a list.
        """
        expected = blockedTiles(read(room()))
        for compression in ("", "zlib", "gzip", "zstd"):
            self.assertEqual(blockedTiles(self.wallsStoredAs(compression)), expected, compression)

    def test_zstdChunks(self) -> None:
        """
        The chunks of an infinite map may be zstd-compressed.
        """
        document = room()
        document["infinite"] = True
        for layer in document["layers"]:
            rows = [[{0: " ", FLOOR: ".", WALL: "#"}[g] for g in layer["data"][r * 6:r * 6 + 6]]
                    for r in range(5)]
            layer.update(encoding="base64", compression="zstd", chunks=[{
                "data": encoded(["".join(row) for row in rows], "zstd"),
                "height": 5, "width": 6, "x": -6, "y": 0}])
            del layer["data"]
        worldMap = read(document)
        self.assertEqual(blockedTiles(worldMap), blockedTiles(read(room())))

    def test_decompressionBomb(self) -> None:
        """
        zstd data that would decompress to far more than the layer holds
        is refused without decompressing it all.
        """
        document = room()
        bomb = zstandard.ZstdCompressor().compress(bytes(64 * 1024 * 1024))
        document["layers"][1].update(encoding="base64", compression="zstd",
                                     data=base64.b64encode(bomb).decode("ascii"))
        error = self.assertRaises(MapError, read, document)
        self.assertEqual(str(error), "test.tmj: layer 'walls' (id 2): data has more than "
                                     "30 tiles")


class MapPropertyTests(SynchronousTestCase):
    """
    The map's own properties.
    """

    def test_propertiesKept(self) -> None:
        """
        The map's properties are on L{WorldMap.properties}, for whoever
        needs C{mapName} and the like.
        """
        worldMap = read(room(properties=[prop("mapName", "The room"),
                                         prop("mapCopyright", "CC0")]))
        self.assertEqual(worldMap.properties, {"mapName": "The room", "mapCopyright": "CC0"})

    def test_scriptReportedOnce(self) -> None:
        """
        A map's C{script} is reported, once: ark runs no map scripts.
        """
        worldMap, problems = readReporting(room(properties=[prop("script", "main.js")]))
        self.assertEqual(worldMap.properties["script"], "main.js")
        self.assertEqual(problems, ["the map property 'script' is ignored: ark runs no map "
                                    "scripts"])


class ProblemTests(SynchronousTestCase):
    """
    What is wrong with a map that still loads is reported, naming the
    layer, object or tileset at fault.
    """

    def test_unknownLayerType(self) -> None:
        """
        A layer of a type ark does not know is left out and reported.
        """
        worldMap, problems = readReporting(room({
            "id": 10, "name": "hexes", "type": "hexlayer", "visible": True}))
        self.assertEqual(blockedTiles(worldMap), blockedTiles(read(room())))
        self.assertEqual(problems, ["layer 'hexes' (id 10): unknown layer type 'hexlayer'; "
                                    "the layer is ignored"])

    def test_templateObject(self) -> None:
        """
        An object made from a template is left out and reported.
        """
        worldMap, problems = readReporting(room(objectLayer("doors", [
            {"id": 9, "name": "door", "template": "door.tj", "x": 0, "y": 0}], 10)))
        self.assertEqual(worldMap.zones, ())
        self.assertEqual(problems, [
            "layer 'doors' (id 10): object 'door' (id 9): object templates are not "
            "supported; detach it from its template (the object is ignored)"])

    def test_missingImages(self) -> None:
        """
        Images a browser will fail to load are reported with the tileset,
        tile or image layer naming them: an image tileset's image, a tile's
        image in an image collection, an image layer's image.
        """
        collection = {
            "columns": 0, "firstgid": 10, "name": "things", "tilecount": 2,
            "tileheight": TILE, "tilewidth": TILE, "margin": 0, "spacing": 0,
            "tiles": [{"id": 0, "image": "chair.png", "imageheight": 32, "imagewidth": 32},
                      {"id": 1, "image": "lamp.png", "imageheight": 32, "imagewidth": 32}]}
        document = room({"id": 10, "image": "sky.png", "name": "sky", "type": "imagelayer",
                         "opacity": 1, "visible": True, "x": 0, "y": 0},
                        tilesets=[terrain("missing.png"), collection])
        present = {"chair.png"}

        def checkImage(image: str, tileset: Optional[str]) -> Optional[str]:
            self.assertIsNone(tileset)
            return None if image in present else f"image {image!r} is missing"

        problems: List[str] = []
        parseMap(document, "test.tmj", noTilesets, checkImage=checkImage, problems=problems)
        self.assertEqual(problems, [
            "tileset 'terrain': image 'missing.png' is missing",
            "tileset 'things': tile 1: image 'lamp.png' is missing",
            "layer 'sky' (id 10): image 'sky.png' is missing",
        ])
