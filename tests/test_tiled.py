"""
Tests for L{ark.maps.tiled}, the Tiled JSON map loader.

The fixture maps in C{tests/maps} are shaped like what Tiled 1.8-1.11
saves; broken maps are mostly made by changing a copy of a good one.
"""

from __future__ import annotations

import base64
import copy
import json
import math
import os
import random
import struct
import zlib
from typing import Callable, Iterator, List, Tuple

import zstandard

from twisted.trial.unittest import SynchronousTestCase

from ark.maps.tiled import MapError, loadMap, parseMap
from ark.world.worldmap import Polygon, Rectangle, TileArea, WorldMap

MAPS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "maps")

# Tiled's flip flags: horizontal, vertical, anti-diagonal, hexagonal 120.
FLIP_H = 0x80000000
FLIP_V = 0x40000000
FLIP_D = 0x20000000
ROTATE_HEX = 0x10000000


def fixturePath(name: str) -> str:
    """
    @param name: a fixture's path under C{tests/maps}.
    @return: its full path.
    """
    return os.path.join(MAPS, name)


def readFixture(name: str) -> dict:
    """
    @param name: a fixture's path under C{tests/maps}.
    @return: its parsed JSON, a fresh copy each time.
    """
    with open(fixturePath(name)) as f:
        return json.load(f)


def fixtureTileset(source: str) -> dict:
    """
    Load an external tileset relative to C{tests/maps}, for L{parseMap}.

    @param source: the tileset's path as written in the map.
    @return: its parsed JSON.
    """
    return readFixture(source)


def noTilesets(source: str) -> dict:
    """
    A tileset loader for maps that must not have external tilesets.
    """
    raise AssertionError(f"unexpected external tileset {source}")


def layerNamed(document: dict, name: str) -> dict:
    """
    @param document: a parsed map.
    @param name: a top-level layer's name.
    @return: that layer.
    """
    [layer] = [layer for layer in document["layers"] if layer["name"] == name]
    return layer


def blockedTiles(worldMap: WorldMap) -> List[Tuple[int, int]]:
    """
    @param worldMap: a map.
    @return: the (column, row) of every blocked tile, row by row.
    """
    return [
        (column, row)
        for row in range(worldMap.height)
        for column in range(worldMap.width)
        if worldMap.isBlocked(column, row)
    ]


def zonesByName(worldMap: WorldMap) -> dict:
    """
    @param worldMap: a map.
    @return: its zones by name.
    """
    return {zone.name: zone for zone in worldMap.zones}


def encodeTiles(gids: List[int], compression: str = "") -> str:
    """
    Encode tile data as Tiled does with base64 encoding.

    @param gids: the GIDs.
    @param compression: C{""} or C{"zlib"}.
    @return: the C{data} string.
    """
    raw = struct.pack(f"<{len(gids)}I", *gids)
    if compression == "zlib":
        raw = zlib.compress(raw)
    return base64.b64encode(raw).decode("ascii")


def objectLayer(objects: List[dict], name: str = "objects", layerId: int = 50) -> dict:
    """
    @param objects: Tiled objects.
    @param name: the layer's name.
    @param layerId: the layer's id.
    @return: a Tiled object layer holding them.
    """
    return {
        "draworder": "topdown", "id": layerId, "name": name, "objects": objects,
        "opacity": 1, "type": "objectgroup", "visible": True, "x": 0, "y": 0,
    }


def tiledObject(objectId: int, name: str, x: float, y: float, **extra: object) -> dict:
    """
    @return: a Tiled object with the given fields and Tiled's defaults.
    """
    item = {
        "height": 0, "id": objectId, "name": name, "rotation": 0, "type": "",
        "visible": True, "width": 0, "x": x, "y": y,
    }
    item.update(extra)
    return item


def prop(name: str, value: object, kind: str = "string") -> dict:
    """
    @return: a custom property in Tiled's list form.
    """
    return {"name": name, "type": kind, "value": value}


class LoadMapTests(SynchronousTestCase):
    """
    Tests for L{loadMap} on good finite maps.
    """

    def test_finiteMapSize(self) -> None:
        """
        A finite map's size is its C{width} and C{height} in tiles of
        C{tilewidth} by C{tileheight} pixels.
        """
        worldMap = loadMap(fixturePath("finite.tmj"))
        self.assertEqual(
            (worldMap.width, worldMap.height, worldMap.tileWidth, worldMap.tileHeight),
            (6, 5, 32, 32),
        )

    def test_nameDefaultsToFileBaseName(self) -> None:
        """
        The map is named after its file, without the directory.
        """
        self.assertEqual(loadMap(fixturePath("finite.tmj")).name, "finite.tmj")

    def test_nameCanBeGiven(self) -> None:
        """
        The caller may name the map, e.g. after its path in the maps
        directory.
        """
        worldMap = loadMap(fixturePath("finite.tmj"), name="town/finite.tmj")
        self.assertEqual(worldMap.name, "town/finite.tmj")

    def test_collidingTilesOfEmbeddedTilesetBlock(self) -> None:
        """
        Tiles whose tile in an embedded tileset has C{collides} block; the
        others (here gid 1 and 4, and empty cells) do not.
        """
        worldMap = loadMap(fixturePath("finite.tmj"))
        expected = (
            [(column, 0) for column in range(6)]
            + [(0, 1), (5, 1)]
            + [(5, 2)]
            + [(0, 3), (5, 3)]
            + [(column, 4) for column in range(6)]
        )
        self.assertEqual(blockedTiles(worldMap), expected)

    def test_blockedIsOneBytePerTile(self) -> None:
        """
        C{blocked} holds one byte per tile, row by row, 1 for blocked.
        """
        worldMap = loadMap(fixturePath("finite.tmj"))
        self.assertEqual(len(worldMap.blocked), 6 * 5)
        self.assertEqual(worldMap.blocked[6:12], b"\x01\x00\x00\x00\x00\x01")

    def test_flipFlagsAreIgnored(self) -> None:
        """
        A flipped tile is the same tile: flipped colliding tiles block and
        flipped plain tiles do not.
        """
        worldMap = loadMap(fixturePath("finite.tmj"))
        # Colliding tile 2, flipped every way.
        self.assertTrue(worldMap.isBlocked(5, 2))
        self.assertTrue(worldMap.isBlocked(5, 3))
        self.assertTrue(worldMap.isBlocked(4, 4))
        self.assertTrue(worldMap.isBlocked(5, 4))
        # Plain tile 1, flipped horizontally.
        self.assertFalse(worldMap.isBlocked(1, 1))

    def test_startLayerTilesAreSpawnPoints(self) -> None:
        """
        Each tile painted on the layer named C{start} is a spawn point of
        the default entry, at the tile's centre.
        """
        worldMap = loadMap(fixturePath("finite.tmj"))
        self.assertEqual(worldMap.entries["start"], ((80.0, 80.0), (112.0, 80.0)))
        self.assertEqual(worldMap.spawnPoints(), ((80.0, 80.0), (112.0, 80.0)))

    def test_mapProperties(self) -> None:
        """
        The map's custom properties become a dict of values by name.
        """
        worldMap = loadMap(fixturePath("finite.tmj"))
        self.assertEqual(worldMap.properties, {"mapName": "Finite test map", "maxPlayers": 8})

    def test_mapWithoutZones(self) -> None:
        """
        A map with no properties on layers or objects has no zones.
        """
        self.assertEqual(loadMap(fixturePath("finite.tmj")).zones, ())

    def test_externalTilesetsRelativeToMap(self) -> None:
        """
        External tilesets, C{.tsj} or C{.json}, are read relative to the map
        file (here one is in a subdirectory); their tiles' C{collides} is
        honoured, each tileset's GIDs starting at its C{firstgid}.
        """
        worldMap = loadMap(fixturePath("external.tmj"))
        # GID 2 is walls.tsj tile 1, GID 5 is props.json tile 2; both collide.
        # GID 6 (props.json tile 3) and the plant (GID 3) do not.
        self.assertEqual(blockedTiles(worldMap), [(0, 0), (3, 3)])
        self.assertEqual(worldMap.spawnPoints(), ((24.0, 24.0),))

    def test_base64DataPlainZlibAndGzip(self) -> None:
        """
        Tile data encoded as base64, uncompressed or compressed with zlib or
        gzip, is decoded, flip flags included.
        """
        worldMap = loadMap(fixturePath("base64.tmj"))
        self.assertEqual(
            blockedTiles(worldMap),
            [(0, 0), (1, 0), (2, 0), (3, 0), (0, 1), (0, 2), (3, 2),
             (0, 3), (1, 3), (2, 3), (3, 3)],
        )
        self.assertEqual(worldMap.spawnPoints(), ((80.0, 48.0),))

    def test_groupLayersAreRecursed(self) -> None:
        """
        Layers inside (nested) group layers count like top-level ones: the
        C{fence} layer with C{collides} blocks and the C{areas} object layer
        makes a zone.
        """
        worldMap = loadMap(fixturePath("groups.tmj"))
        self.assertEqual(blockedTiles(worldMap), [(4, row) for row in range(5)])
        self.assertEqual(
            [(zone.name, zone.shape) for zone in worldMap.zones],
            [("lobby", Rectangle(0, 0, 64, 64))],
        )

    def test_groupPropertiesDoNotPropagate(self) -> None:
        """
        A group's own properties (here C{collides} and C{silent}) apply to
        none of its layers, and the group is no zone.
        """
        worldMap = loadMap(fixturePath("groups.tmj"))
        self.assertFalse(worldMap.isBlocked(0, 0))
        self.assertEqual([zone.name for zone in worldMap.zones], ["lobby"])

    def test_pathLikeAccepted(self) -> None:
        """
        The path may be any path-like object.
        """
        from pathlib import Path

        self.assertEqual(loadMap(Path(fixturePath("finite.tmj"))).name, "finite.tmj")


class InfiniteMapTests(SynchronousTestCase):
    """
    Tests for infinite (chunked) maps.
    """

    def setUp(self) -> None:
        self.worldMap = loadMap(fixturePath("infinite.tmj"))

    def test_infiniteMapChunksShiftOrigin(self) -> None:
        """
        An infinite map spans the union of all chunks of all layers, from
        (-4, -4) to (8, 4) here, whatever its nominal C{width} and
        C{height}.
        """
        self.assertEqual((self.worldMap.width, self.worldMap.height), (12, 8))

    def test_chunkTilesAreShifted(self) -> None:
        """
        Tiles of chunks land at their Tiled position minus the origin:
        Tiled's (0, 0) and (3, 3) are the loaded map's (4, 4) and (7, 7).
        """
        self.assertEqual(blockedTiles(self.worldMap), [(4, 4), (7, 7)])

    def test_startLayerInNegativeChunk(self) -> None:
        """
        A start tile at Tiled's (-3, -3) is the loaded map's (1, 1), whose
        centre is at (24, 24) with 16-pixel tiles.
        """
        self.assertEqual(self.worldMap.entries["start"], ((24.0, 24.0),))

    def test_objectsShiftedLikeTiles(self) -> None:
        """
        Object positions are shifted by the same number of pixels as tiles:
        (64, 64) here.
        """
        self.assertEqual(self.worldMap.entries["from-north"], ((24.0, 8.0),))
        zones = zonesByName(self.worldMap)
        self.assertEqual(zones["plaza"].shape, Rectangle(48, 48, 32, 32))
        self.assertEqual(zones["triangle"].shape, Polygon(((32, 80), (64, 80), (32, 112))))

    def test_infiniteMapWithoutChunksUsesNominalSize(self) -> None:
        """
        An infinite map with no chunks at all takes its size from C{width}
        and C{height}, unshifted.
        """
        document = readFixture("infinite.tmj")
        for layer in document["layers"]:
            if layer["type"] == "tilelayer":
                layer["chunks"] = []
        worldMap = parseMap(document, "infinite.tmj", noTilesets)
        self.assertEqual((worldMap.width, worldMap.height), (30, 20))
        self.assertEqual(worldMap.entries["from-north"], ((-40, -56),))

    def test_base64ZlibChunks(self) -> None:
        """
        Chunks may hold base64 data, compressed as the layer says.
        """
        document = readFixture("infinite.tmj")
        walls = layerNamed(document, "walls")
        walls["encoding"] = "base64"
        walls["compression"] = "zlib"
        for chunk in walls["chunks"]:
            chunk["data"] = encodeTiles(chunk["data"], "zlib")
        worldMap = parseMap(document, "infinite.tmj", noTilesets)
        self.assertEqual(blockedTiles(worldMap), [(4, 4), (7, 7)])


class SpawnPointTests(SynchronousTestCase):
    """
    Tests for entries: where players appear.
    """

    def test_spawnObjects(self) -> None:
        """
        Objects of class C{spawn}, named C{start}, or with C{startLayer}
        are spawn points at their centre, in the entry named after them
        (C{start} if unnamed); a tile object's position is its bottom-left
        corner.  (Every tile layer is an entry too: here C{ground}.)
        """
        worldMap = loadMap(fixturePath("spawns.tmj"))
        entries = dict(worldMap.entries)
        turned = entries.pop("turned")
        self.assertEqual(len(entries.pop("ground")), 64)
        self.assertEqual(
            entries,
            {
                "from-cave": ((40, 40),),
                "start": ((80, 16), (200, 100)),
                "statue": ((16, 48),),
                "from-roof": ((144, 144),),
            },
        )
        # 32x16 at (100, 100), turned 90 degrees clockwise: the centre is
        # left of and below the position.
        [(x, y)] = turned
        self.assertAlmostEqual(x, 92)
        self.assertAlmostEqual(y, 116)

    def test_spawnObjectsAreNotZones(self) -> None:
        """
        Spawn objects, even with properties, are not zones; nor is an
        object with properties whose class is not C{area}, which is
        reported instead.
        """
        problems: List[str] = []
        worldMap = loadMap(fixturePath("spawns.tmj"), problems=problems)
        self.assertEqual(worldMap.zones, ())
        self.assertIn(
            "layer 'spawns' (id 2): object 'signpost' (id 7): has properties but its class "
            "is not 'area', so it does nothing",
            problems)

    def test_startLayerPropertyNamesEntryAfterLayer(self) -> None:
        """
        A tile layer with C{startLayer} is an entry named after the layer;
        with no entry named C{start}, the default is the first start layer
        in layer order.
        """
        worldMap = loadMap(fixturePath("workadventure.tmj"))
        self.assertEqual(
            list(worldMap.entries),
            ["floor", "walls", "from-town", "from-beach", "meeting", "library", "exit",
             "above", "start"],
        )
        self.assertEqual(worldMap.entries["from-town"], ((48.0, 144.0),))
        self.assertEqual(worldMap.entries["from-beach"], ((272.0, 112.0), (272.0, 144.0)))
        self.assertEqual(worldMap.entries["start"], worldMap.entries["from-town"])
        self.assertEqual(worldMap.spawnPoints("from-beach"), ((272.0, 112.0), (272.0, 144.0)))
        self.assertEqual(worldMap.spawnPoints("nowhere"), ((48.0, 144.0),))

    def test_startObjectBeatsStartLayer(self) -> None:
        """
        An object named C{start} comes before the layer named C{start}, as
        an area named C{start} does in WorkAdventure, even after it in layer
        order.
        """
        document = readFixture("finite.tmj")
        document["layers"].append(
            objectLayer([tiledObject(1, "start", 16, 16, point=True)])
        )
        worldMap = parseMap(document, "finite.tmj", noTilesets)
        self.assertEqual(worldMap.spawnPoints(), ((16, 16),))

    def test_classSpawnInTiled19Spelling(self) -> None:
        """
        Tiled 1.9 wrote an object's class as C{class} instead of C{type}.
        """
        document = readFixture("finite.tmj")
        document["layers"] = [layerNamed(document, "ground")]
        item = tiledObject(1, "gate", 40, 8, point=True)
        del item["type"]
        item["class"] = "spawn"
        document["layers"].append(objectLayer([item]))
        problems: List[str] = []
        worldMap = parseMap(document, "finite.tmj", noTilesets, problems=problems)
        self.assertEqual(worldMap.entries["gate"], ((40, 8),))
        # With no other way in, the first named entry is the default.
        self.assertEqual(worldMap.spawnPoints(), ((40, 8),))
        self.assertEqual(problems, [
            "no default entry: players who name no entry appear at entry 'gate'; "
            "name an area 'start' to choose where"])

    def test_emptyStartLayerIsNoEntry(self) -> None:
        """
        A start layer with no tile painted gives no entry, and is reported;
        the next start layer is the default.
        """
        document = readFixture("workadventure.tmj")
        layerNamed(document, "from-town")["data"] = [0] * 80
        problems: List[str] = []
        worldMap = parseMap(document, "workadventure.tmj", noTilesets, problems=problems)
        self.assertFalse(worldMap.hasEntry("from-town"))
        self.assertEqual(worldMap.spawnPoints(), worldMap.entries["from-beach"])
        self.assertIn("layer 'from-town' (id 3): is a start layer but has no tile painted, "
                      "so it is no entry", problems)


class ZoneTests(SynchronousTestCase):
    """
    Tests for zones, on a WorkAdventure-style map.
    """

    def setUp(self) -> None:
        self.worldMap = loadMap(fixturePath("workadventure.tmj"))
        self.zones = zonesByName(self.worldMap)

    def test_zonesInMapOrder(self) -> None:
        """
        Tile layers with zone properties and objects with properties are
        zones, in layer order; empty tile layers, start layers, property-less
        objects and point objects are not.
        """
        self.assertEqual(
            [zone.name for zone in self.worldMap.zones],
            ["meeting", "library", "exit", "website", "fountain", "pond"],
        )

    def test_tileLayerZone(self) -> None:
        """
        A tile layer with properties is a zone covering its painted tiles,
        with the layer's properties.
        """
        meeting = self.zones["meeting"]
        self.assertEqual(
            meeting.shape,
            TileArea(frozenset((c, r) for c in (5, 6, 7) for r in (1, 2)), 32, 32),
        )
        self.assertEqual(meeting.properties, {"jitsiRoom": "standup", "jitsiTrigger": "onaction"})
        self.assertTrue(meeting.contains(5 * 32 + 1, 32))
        self.assertFalse(meeting.contains(4 * 32 + 31, 32))

    def test_exitAndSilentZones(self) -> None:
        """
        C{exitUrl} and C{silent} layers are zones like any other.
        """
        self.assertEqual(self.zones["exit"].properties, {"exitUrl": "beach.tmj#from-town"})
        self.assertEqual(self.zones["exit"].shape.tiles, frozenset({(9, 3), (9, 4)}))
        self.assertEqual(self.zones["library"].properties, {"silent": True})

    def test_areaObjectInFloorLayer(self) -> None:
        """
        An C{area} object with properties, even in the C{floorLayer} marker
        layer, is a rectangle zone.
        """
        website = self.zones["website"]
        self.assertEqual(website.shape, Rectangle(96, 160, 64, 32))
        self.assertEqual(website.properties["openWebsite"], "https://example.org/")

    def test_ellipseIsItsBoundingRectangle(self) -> None:
        """
        An ellipse zone is treated as its bounding rectangle.
        """
        self.assertEqual(self.zones["pond"].shape, Rectangle(32, 192, 64, 32))

    def test_polygonZoneContainment(self) -> None:
        """
        A polygon zone's points are made absolute; the zone contains the
        points inside its (concave) outline only.
        """
        fountain = self.zones["fountain"]
        self.assertIsInstance(fountain.shape, Polygon)
        self.assertEqual(fountain.shape.points[0], (192, 128))
        self.assertTrue(fountain.contains(200, 140))
        self.assertTrue(fountain.contains(240, 180))
        self.assertFalse(fountain.contains(200, 180))
        self.assertFalse(fountain.contains(260, 140))

    def test_startLayerIsNoZone(self) -> None:
        """
        A layer whose only property is C{startLayer} is not a zone, and
        neither is one with only C{collides}.
        """
        self.assertNotIn("from-town", self.zones)
        self.assertNotIn("fence", zonesByName(loadMap(fixturePath("groups.tmj"))))

    def test_wallsOfWorkAdventureMap(self) -> None:
        """
        The border walls block, except the exit gap.
        """
        self.assertTrue(self.worldMap.isBlocked(0, 0))
        self.assertTrue(self.worldMap.isBlocked(9, 2))
        self.assertFalse(self.worldMap.isBlocked(9, 3))
        self.assertEqual(self.worldMap.properties, {"script": "script.js"})

    def test_tileObjectZone(self) -> None:
        """
        A tile object with properties is a zone covering its box, which
        lies above its position.
        """
        document = readFixture("finite.tmj")
        document["layers"].append(objectLayer([
            tiledObject(1, "chest", 32, 96, width=32, height=32, gid=1, type="area",
                        properties=[prop("focusable", True, "bool")]),
        ]))
        worldMap = parseMap(document, "finite.tmj", noTilesets)
        self.assertEqual(worldMap.zones[0].shape, Rectangle(32, 64, 32, 32))

    def test_shapelessObjectsAreNoZones(self) -> None:
        """
        Points, zero-size rectangles and polylines of class C{area} with
        properties are not zones, and are reported.
        """
        document = readFixture("finite.tmj")
        properties = [prop("silent", True, "bool")]
        document["layers"].append(objectLayer([
            tiledObject(1, "dot", 32, 32, point=True, properties=properties, type="area"),
            tiledObject(2, "flat", 32, 32, width=32, properties=properties, type="area"),
            tiledObject(3, "line", 32, 32, properties=properties, type="area",
                        polyline=[{"x": 0, "y": 0}, {"x": 32, "y": 32}]),
        ]))
        problems: List[str] = []
        self.assertEqual(parseMap(document, "finite.tmj", noTilesets, problems=problems).zones, ())
        self.assertEqual(problems, [
            "layer 'objects' (id 50): object 'dot' (id 1): a point covers nothing; "
            "the area is ignored",
            "layer 'objects' (id 50): object 'flat' (id 2): its size is 32x0, so it covers "
            "nothing; the area is ignored",
            "layer 'objects' (id 50): object 'line' (id 3): a polyline covers nothing; "
            "the area is ignored",
        ])


class ParseMapTests(SynchronousTestCase):
    """
    Tests for L{parseMap}, which reads no files itself.
    """

    def test_loadTilesetCalledWithSource(self) -> None:
        """
        External tilesets are asked of C{loadTileset} by their C{source} as
        written in the map.
        """
        asked = []

        def loadTileset(source: str) -> dict:
            asked.append(source)
            return fixtureTileset(source)

        parseMap(readFixture("external.tmj"), "external.tmj", loadTileset)
        self.assertEqual(asked, ["tilesets/walls.tsj", "props.json"])

    def test_layerCollides(self) -> None:
        """
        Every non-empty tile of a tile layer with C{collides} blocks, whatever
        its tile.
        """
        document = readFixture("finite.tmj")
        layerNamed(document, "start")["properties"] = [prop("collides", True, "bool")]
        worldMap = parseMap(document, "finite.tmj", noTilesets)
        self.assertTrue(worldMap.isBlocked(2, 2))
        self.assertTrue(worldMap.isBlocked(3, 2))
        self.assertFalse(worldMap.isBlocked(1, 2))

    def test_collidesFalseDoesNotBlock(self) -> None:
        """
        C{collides} set to false blocks nothing.
        """
        document = readFixture("finite.tmj")
        document["tilesets"][0]["tiles"][0]["properties"][0]["value"] = False
        worldMap = parseMap(document, "finite.tmj", noTilesets)
        self.assertEqual(blockedTiles(worldMap), [])

    def test_oldDictProperties(self) -> None:
        """
        The C{{name: value}} properties of Tiled before 1.2 are accepted.
        """
        document = readFixture("finite.tmj")
        layerNamed(document, "start")["properties"] = {"collides": True}
        document["properties"] = {"mapName": "old"}
        worldMap = parseMap(document, "finite.tmj", noTilesets)
        self.assertTrue(worldMap.isBlocked(2, 2))
        self.assertEqual(worldMap.properties, {"mapName": "old"})

    def test_hexagonalRotationFlagIgnored(self) -> None:
        """
        The fourth flag bit, hexagonal rotation, is masked off too.
        """
        document = readFixture("finite.tmj")
        layerNamed(document, "start")["data"][0] = ROTATE_HEX | FLIP_H | 2
        worldMap = parseMap(document, "finite.tmj", noTilesets)
        self.assertTrue(worldMap.isBlocked(0, 0))

    def test_uncompressedBase64(self) -> None:
        """
        A finite layer's base64 data without compression is decoded.
        """
        document = readFixture("finite.tmj")
        walls = layerNamed(document, "walls")
        walls["data"] = encodeTiles(walls["data"])
        walls["encoding"] = "base64"
        worldMap = parseMap(document, "finite.tmj", noTilesets)
        self.assertEqual(worldMap.blocked, loadMap(fixturePath("finite.tmj")).blocked)

    def test_imageCollectionTileset(self) -> None:
        """
        In an image collection tileset, tile ids may go past C{tilecount}
        (after tiles were removed); those listed in C{tiles} exist.
        """
        document = readFixture("finite.tmj")
        document["tilesets"] = [{
            "columns": 0, "firstgid": 1, "grid": {"height": 1, "orientation": "orthogonal", "width": 1},
            "margin": 0, "name": "things", "spacing": 0, "tilecount": 2, "tileheight": 32,
            "tilewidth": 32, "tiles": [
                {"id": 0, "image": "a.png", "imageheight": 32, "imagewidth": 32},
                {"id": 5, "image": "b.png", "imageheight": 32, "imagewidth": 32,
                 "properties": [prop("collides", True, "bool")]},
            ],
        }]
        document["layers"] = [layerNamed(document, "start")]
        document["layers"][0]["data"][0] = 6
        worldMap = parseMap(document, "finite.tmj", noTilesets)
        self.assertEqual(blockedTiles(worldMap), [(0, 0)])

    def test_mapErrorNamesGivenName(self) -> None:
        """
        L{parseMap}'s errors name the map by the name given.
        """
        document = readFixture("finite.tmj")
        del document["width"]
        error = self.assertRaises(MapError, parseMap, document, "town.tmj", noTilesets)
        self.assertEqual(str(error), "town.tmj: missing 'width'")
        self.assertEqual((error.path, error.problem), ("town.tmj", "missing 'width'"))

    def test_loadTilesetErrorsBecomeMapErrors(self) -> None:
        """
        L{OSError} and L{ValueError} from C{loadTileset} become
        L{MapError}s naming the tileset.
        """
        def failing(source: str) -> dict:
            raise ValueError("Expecting value: line 1 column 1 (char 0)")

        error = self.assertRaises(
            MapError, parseMap, readFixture("external.tmj"), "external.tmj", failing
        )
        self.assertEqual(
            str(error),
            "external.tmj: external tileset tilesets/walls.tsj is not valid JSON: "
            "Expecting value: line 1 column 1 (char 0)",
        )


class BrokenMapTests(SynchronousTestCase):
    """
    Each kind of broken map gives a one-line L{MapError} naming the file and
    the problem.
    """

    def assertBroken(self, document: object, *fragments: str, tilesets: dict = {}) -> str:
        """
        Save a document as a map file and check that loading it fails.

        @param document: the map's JSON.
        @param fragments: what the message must contain.
        @param tilesets: external tileset files to write next to the map, by
            name; their contents are JSON values or, if strings, the text.
        @return: the message, without the file name.
        """
        directory = self.mktemp()
        os.makedirs(directory)
        for name, content in tilesets.items():
            with open(os.path.join(directory, name), "w") as f:
                f.write(content if isinstance(content, str) else json.dumps(content))
        path = os.path.join(directory, "broken.tmj")
        with open(path, "w") as f:
            f.write(json.dumps(document))
        return self.assertBrokenFile(path, *fragments)

    def assertBrokenFile(self, path: str, *fragments: str) -> str:
        """
        Check that loading a map file fails with a good message.

        @param path: the map file.
        @param fragments: what the message must contain.
        @return: the message, without the file name.
        """
        error = self.assertRaises(MapError, loadMap, path)
        message = str(error)
        self.assertTrue(message.startswith(path + ": "), message)
        self.assertNotIn("\n", message)
        for fragment in fragments:
            self.assertIn(fragment, message)
        return message[len(path) + 2:]

    def finite(self, change: Callable[[dict], object]) -> dict:
        """
        @param change: changes a map document in place.
        @return: C{finite.tmj}, changed.
        """
        document = readFixture("finite.tmj")
        change(document)
        return document

    def test_notJSON(self) -> None:
        """
        A file that is not JSON is reported with the parser's complaint.
        """
        self.assertBrokenFile(fixturePath("broken/not-json.tmj"), "not valid JSON", "line 2")

    def test_notUTF8(self) -> None:
        """
        A file that is not text is reported as not JSON.
        """
        path = self.mktemp()
        with open(path, "wb") as f:
            f.write(b"\xff\xfe\x00garbage\x9c")
        self.assertBrokenFile(path, "not valid JSON")

    def test_missingFile(self) -> None:
        """
        A missing map file is reported as unreadable.
        """
        self.assertBrokenFile(os.path.join(self.mktemp(), "nowhere.tmj"),
                              "cannot read the map", "No such file")

    def test_notAnObject(self) -> None:
        """
        JSON that is not an object is not a map.
        """
        self.assertBroken([1, 2], "not a Tiled map", "a list")

    def test_tilesetIsNotAMap(self) -> None:
        """
        A tileset file opened as a map says so.
        """
        self.assertBroken(readFixture("tilesets/walls.tsj"), "this is a tileset, not a map")

    def test_missingRequiredFields(self) -> None:
        """
        A map without C{width}, C{height}, C{tilewidth} or C{tileheight} is
        refused, naming the field.
        """
        for key in ("width", "height", "tilewidth", "tileheight", "layers"):
            problem = self.assertBroken(self.finite(lambda d: d.pop(key)), f"missing {key!r}")
            self.assertEqual(problem, f"missing {key!r}")

    def test_illTypedSize(self) -> None:
        """
        Sizes must be integers.
        """
        self.assertBroken(self.finite(lambda d: d.update(width="6")),
                          "'width' must be an integer, not a string")
        self.assertBroken(self.finite(lambda d: d.update(tilewidth=True)),
                          "'tilewidth' must be an integer, not a boolean")

    def test_nonPositiveSize(self) -> None:
        """
        Sizes must be above zero.
        """
        self.assertBroken(self.finite(lambda d: d.update(height=0)), "'height' must be positive, not 0")
        self.assertBroken(self.finite(lambda d: d.update(tileheight=-32)), "'tileheight' must be positive")

    def test_hugeMap(self) -> None:
        """
        A map too big to hold in memory is refused rather than attempted.
        """
        def enlarge(document: dict) -> None:
            document.update(width=100000, height=100000, layers=[])

        self.assertBroken(self.finite(enlarge), "the map is 100000x100000 tiles", "at most")

    def test_notOrthogonal(self) -> None:
        """
        Isometric, staggered and hexagonal maps are refused, naming the
        orientation.
        """
        for orientation in ("isometric", "staggered", "hexagonal"):
            self.assertBroken(self.finite(lambda d: d.update(orientation=orientation)),
                              f"{orientation} maps are not supported")

    def test_dataLength(self) -> None:
        """
        A finite layer's data must have one GID per tile of the map.
        """
        problem = self.assertBroken(
            self.finite(lambda d: layerNamed(d, "walls")["data"].pop()))
        self.assertEqual(problem, "layer 'walls' (id 2): data has 29 tiles, expected 30")

    def test_dataNotNumbers(self) -> None:
        """
        Tile data must hold only tile numbers.
        """
        self.assertBroken(self.finite(lambda d: layerNamed(d, "walls")["data"].__setitem__(3, "2")),
                          "layer 'walls' (id 2): data holds '2', not a tile number")
        self.assertBroken(self.finite(lambda d: layerNamed(d, "walls")["data"].__setitem__(3, -1)),
                          "data holds -1, not a tile number")
        self.assertBroken(self.finite(lambda d: layerNamed(d, "walls")["data"].__setitem__(3, [])),
                          "data must hold only tile numbers")

    def test_finiteLayerWithoutData(self) -> None:
        """
        A finite map's tile layer must have C{data}.
        """
        self.assertBroken(self.finite(lambda d: layerNamed(d, "walls").pop("data")),
                          "layer 'walls' (id 2): missing 'data'")

    def test_gidInNoTileset(self) -> None:
        """
        A GID past every tileset's tiles, or before the first tileset's,
        is reported with the layer and the tile's position.
        """
        problem = self.assertBroken(
            self.finite(lambda d: layerNamed(d, "walls")["data"].__setitem__(7, FLIP_H | 9)))
        self.assertEqual(problem, "layer 'walls' (id 2): tile GID 9 at (1, 1) belongs to no tileset")

        def shiftTileset(document: dict) -> None:
            document["tilesets"][0]["firstgid"] = 3

        self.assertBroken(self.finite(shiftTileset),
                          "layer 'ground' (id 1): tile GID 1 at (0, 0) belongs to no tileset")

    def test_duplicateFirstGid(self) -> None:
        """
        Two tilesets cannot start at the same GID.
        """
        self.assertBroken(
            self.finite(lambda d: d["tilesets"].append(dict(d["tilesets"][0], name="again"))),
            "tileset 'again' and tileset 'terrain' both have firstgid 1",
        )

    def test_xmlTileset(self) -> None:
        """
        External C{.tsx} tilesets are refused with a hint.
        """
        problem = self.assertBrokenFile(fixturePath("broken/tsx-tileset.tmj"))
        self.assertEqual(problem, "external tileset terrain.tsx is XML; save it as JSON (.tsj)")

    def test_missingExternalTileset(self) -> None:
        """
        An external tileset that cannot be read is named.
        """
        self.assertBrokenFile(fixturePath("broken/missing-tileset.tmj"),
                              "cannot read external tileset nowhere.tsj", "No such file")

    def test_externalTilesetNotJSON(self) -> None:
        """
        An external tileset that is not JSON, or not an object, is named.
        """
        document = readFixture("external.tmj")
        document["tilesets"] = [{"firstgid": 1, "source": "bad.tsj"}]
        self.assertBroken(document, "external tileset bad.tsj is not valid JSON",
                          tilesets={"bad.tsj": "<tileset/>"})
        self.assertBroken(document, "external tileset bad.tsj holds a list, not an object",
                          tilesets={"bad.tsj": []})

    def test_malformedExternalTileset(self) -> None:
        """
        Errors inside an external tileset name it.
        """
        document = readFixture("external.tmj")
        document["tilesets"] = [{"firstgid": 1, "source": "bad.tsj"}]
        tileset = readFixture("tilesets/walls.tsj")
        tileset["tiles"][0]["properties"] = "collides"
        self.assertBroken(document, "tileset bad.tsj: tile 1: 'properties' must be a list or an object",
                          tilesets={"bad.tsj": tileset})

    def test_layerWithoutType(self) -> None:
        """
        A layer must say its type.
        """
        self.assertBroken(self.finite(lambda d: layerNamed(d, "walls").pop("type")),
                          "layer 'walls' (id 2): missing 'type'")

    def test_badLayerInGroup(self) -> None:
        """
        A malformed layer inside a group is reported with the group's name.
        """
        document = readFixture("groups.tmj")
        document["layers"][0]["layers"][1]["layers"].append(7)
        self.assertBroken(document,
                          "layer 'building/inner' (id 3): layers[2] must be an object, not 7")

    def test_chunkLength(self) -> None:
        """
        A chunk must hold C{width} times C{height} GIDs.
        """
        document = readFixture("infinite.tmj")
        layerNamed(document, "walls")["chunks"][0]["data"].pop()
        problem = self.assertBroken(document)
        self.assertEqual(problem, "layer 'walls' (id 2): chunk at (0, 0) has 15 tiles, expected 16")

    def test_chunkWithoutPosition(self) -> None:
        """
        A chunk must have integer coordinates.
        """
        document = readFixture("infinite.tmj")
        layerNamed(document, "walls")["chunks"][0]["x"] = 1.5
        self.assertBroken(document, "layer 'walls' (id 2): chunks[0]: 'x' must be an integer, not 1.5")

    def test_propertiesNotListOrDict(self) -> None:
        """
        Properties must be a list (or the old dict form).
        """
        self.assertBroken(self.finite(lambda d: layerNamed(d, "walls").update(properties="collides")),
                          "layer 'walls' (id 2): 'properties' must be a list or an object, not a string")

    def test_propertyWithoutValue(self) -> None:
        """
        A property must have a name and a value.
        """
        self.assertBroken(self.finite(lambda d: d.update(properties=[{"name": "x", "type": "int"}])),
                          "property 'x' has no 'value'")
        self.assertBroken(self.finite(lambda d: d.update(properties=[{"value": 1}])),
                          "properties[0]: missing 'name'")

    def test_corruptZstd(self) -> None:
        """
        zstd data that is not zstd, or cut short, is refused.
        """
        def withData(data: str) -> dict:
            return self.finite(lambda d: layerNamed(d, "walls").update(
                encoding="base64", compression="zstd", data=data))

        self.assertBroken(withData(base64.b64encode(b"nonsense").decode()),
                          "layer 'walls' (id 2): data is not valid zstd data")
        whole = zstandard.ZstdCompressor().compress(struct.pack("<30I", *([1] * 30)))
        self.assertBroken(withData(base64.b64encode(whole[:-4]).decode()),
                          "layer 'walls' (id 2): data is truncated zstd data")
        tooMany = zstandard.ZstdCompressor().compress(struct.pack("<31I", *([1] * 31)))
        self.assertBroken(withData(base64.b64encode(tooMany).decode()),
                          "data has more than 30 tiles")

    def test_unknownEncodingOrCompression(self) -> None:
        """
        Unknown encodings and compressions are refused, as is compression
        without base64.
        """
        self.assertBroken(self.finite(lambda d: layerNamed(d, "walls").update(encoding="xml")),
                          "unknown encoding 'xml'")
        self.assertBroken(
            self.finite(lambda d: layerNamed(d, "walls").update(
                encoding="base64", compression="lzma", data="AAAA")),
            "unknown compression 'lzma'")
        self.assertBroken(self.finite(lambda d: layerNamed(d, "walls").update(compression="zlib")),
                          "compression 'zlib' needs base64 encoding")

    def test_corruptBase64(self) -> None:
        """
        Data that is not base64, not zlib, truncated, of the wrong size, or
        of a partial tile is refused.
        """
        def withData(data: str, compression: str = "") -> dict:
            return self.finite(lambda d: layerNamed(d, "walls").update(
                encoding="base64", compression=compression, data=data))

        self.assertBroken(withData("not base64!"), "data is not valid base64")
        self.assertBroken(withData(base64.b64encode(b"nonsense").decode(), "zlib"),
                          "data is not valid zlib data")
        whole = zlib.compress(struct.pack("<30I", *([1] * 30)))
        self.assertBroken(withData(base64.b64encode(whole[:-6]).decode(), "zlib"),
                          "data is truncated zlib data")
        self.assertBroken(withData(encodeTiles([1] * 31, "zlib"), "zlib"), "data has more than 30 tiles")
        self.assertBroken(withData(encodeTiles([1] * 29)), "data has 29 tiles, expected 30")
        self.assertBroken(withData(base64.b64encode(b"\x01\x00\x00").decode()),
                          "data is 3 bytes long, not whole tiles")

    def test_emptyPolygon(self) -> None:
        """
        A polygon needs corners.
        """
        document = readFixture("workadventure.tmj")
        layerNamed(document, "floorLayer")["objects"][1]["polygon"] = []
        self.assertBroken(document, "object 'fountain' (id 2): polygon has no points")

    def test_objectWithoutPosition(self) -> None:
        """
        An object must have a position.
        """
        document = readFixture("workadventure.tmj")
        del layerNamed(document, "floorLayer")["objects"][0]["y"]
        self.assertBroken(document, "layer 'floorLayer' (id 9): object 'website' (id 1): missing 'y'")

    def test_negativeObjectSize(self) -> None:
        """
        An object's size must not be negative.
        """
        document = readFixture("workadventure.tmj")
        layerNamed(document, "floorLayer")["objects"][0]["width"] = -64
        self.assertBroken(document, "object 'website' (id 1): negative size -64x32")

    def test_noSpawnPoint(self) -> None:
        """
        A map where players cannot appear is refused with a hint.
        """
        problem = self.assertBroken(self.finite(lambda d: d["layers"].pop()))
        self.assertEqual(problem, "no spawn point: add a tile layer named 'start' and paint the "
                                  "tiles where players appear, or an area named 'start'")

    def test_nonFiniteNumbers(self) -> None:
        """
        NaN and Infinity, which Python's JSON parser accepts, are not
        positions.
        """
        directory = self.mktemp()
        os.makedirs(directory)
        path = os.path.join(directory, "nan.tmj")
        with open(fixturePath("spawns.tmj")) as source, open(path, "w") as f:
            f.write(source.read().replace('"x":40', '"x":NaN', 1))
        self.assertBrokenFile(path, "object 'from-cave' (id 1): 'x' must be a number, not NaN")

    def test_messagesAreOneLine(self) -> None:
        """
        Line breaks in names from the file do not break the message.
        """
        def rename(document: dict) -> None:
            walls = layerNamed(document, "walls")
            walls["name"] = "two\nlines"
            walls["encoding"] = "strange\r\nkind"

        self.assertBroken(self.finite(rename), "layer 'two\\nlines' (id 2)")


def paths(value: object, prefix: Tuple = ()) -> Iterator[Tuple]:
    """
    List the places in a JSON value, skipping most of long lists of plain
    values (tile data) where one place is much like another.

    @param value: the JSON value.
    @param prefix: the path to C{value}.
    @return: the path (keys and indexes) of each member and item.
    """
    if isinstance(value, dict):
        items = list(value.items())
    elif isinstance(value, list):
        items = list(enumerate(value))
        if len(items) > 6 and not any(isinstance(v, (dict, list)) for v in value):
            items = items[:2] + items[-2:]
    else:
        return
    for key, item in items:
        yield prefix + (key,)
        yield from paths(item, prefix + (key,))


def replaced(document: object, path: Tuple, value: object) -> object:
    """
    @return: a copy of C{document} with the value at C{path} replaced by
        C{value}, or deleted if C{value} is L{DELETE}.
    """
    document = copy.deepcopy(document)
    container = document
    for key in path[:-1]:
        container = container[key]
    if value is DELETE:
        del container[path[-1]]
    else:
        container[path[-1]] = value
    return document


DELETE = object()

# Values of every JSON type, and numbers that are out of range.
WRONG_VALUES = [DELETE, None, True, False, 0, -1, 1.5, 2 ** 40, math.nan, "", "x", [], [1], {}, {"x": 1}]

FUZZED_MAPS = [
    "finite.tmj", "external.tmj", "infinite.tmj", "base64.tmj",
    "groups.tmj", "workadventure.tmj", "spawns.tmj",
]


class FuzzTests(SynchronousTestCase):
    """
    Malformed input gives a L{MapError} or a map, never another exception.
    """

    def assertOnlyMapErrors(self, document: object, loadTileset: Callable[[str], object],
                            where: str) -> None:
        """
        Check that parsing a document gives a map or a one-line L{MapError}.

        @param document: the possibly broken map.
        @param loadTileset: its tileset loader.
        @param where: describes the breakage for failure messages.
        """
        try:
            worldMap = parseMap(document, "fuzz.tmj", loadTileset)
        except MapError as e:
            self.assertTrue(str(e).startswith("fuzz.tmj: "), str(e))
            self.assertNotIn("\n", str(e))
        except Exception as e:
            self.fail(f"{where}: {type(e).__name__}: {e}")
        else:
            self.assertIsInstance(worldMap, WorldMap)
            self.assertIn("start", worldMap.entries)
            self.assertEqual(len(worldMap.blocked), worldMap.width * worldMap.height)

    def test_everyPlaceOfGoodMapsWithWrongValues(self) -> None:
        """
        Replacing any one value of the fixture maps (or deleting it) with a
        value of another type gives a map or a L{MapError}.
        """
        for name in FUZZED_MAPS:
            document = readFixture(name)
            for path in paths(document):
                for value in WRONG_VALUES:
                    if value is DELETE and isinstance(path[-1], int):
                        continue
                    self.assertOnlyMapErrors(replaced(document, path, value), fixtureTileset,
                                             f"{name} {path} = {value!r}")

    def test_everyPlaceOfExternalTilesetsWithWrongValues(self) -> None:
        """
        The same holds for values in external tilesets.
        """
        document = readFixture("external.tmj")
        for source in ("tilesets/walls.tsj", "props.json"):
            tileset = readFixture(source)
            for path in paths(tileset):
                for value in WRONG_VALUES:
                    if value is DELETE and isinstance(path[-1], int):
                        continue
                    broken = replaced(tileset, path, value)

                    def loadTileset(wanted: str, source: str = source, broken: object = broken) -> object:
                        return broken if wanted == source else fixtureTileset(wanted)

                    self.assertOnlyMapErrors(document, loadTileset, f"{source} {path} = {value!r}")

    def test_randomMultipleBreakages(self) -> None:
        """
        Several random values replaced at once give a map or a
        L{MapError}.
        """
        generator = random.Random(20240517)
        documents = {name: readFixture(name) for name in FUZZED_MAPS}
        places = {name: list(paths(document)) for name, document in documents.items()}
        for attempt in range(1500):
            name = generator.choice(FUZZED_MAPS)
            document = documents[name]
            changes = []
            for _ in range(generator.randint(2, 4)):
                path = generator.choice(places[name])
                value = generator.choice(WRONG_VALUES[1:])
                try:
                    document = replaced(document, path, value)
                except (KeyError, IndexError, TypeError):
                    continue  # An earlier change removed this place.
                changes.append((path, value))
            self.assertOnlyMapErrors(document, fixtureTileset, f"{name} {changes!r}")
