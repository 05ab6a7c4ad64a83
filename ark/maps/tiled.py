"""
Load maps saved by the U{Tiled<https://www.mapeditor.org/>} map editor.

Tiled's JSON format (maps C{.tmj} or C{.json}, tilesets C{.tsj} or
C{.json}, as written by Tiled 1.8 to 1.11) becomes a L{WorldMap}: the map's
size, which tiles block movement, where players appear, and the zones map
makers drew.  The conventions are WorkAdventure's, so that its maps load
unchanged; each has its module:

  - L{ark.maps.tiledata}: tile data as JSON lists or base64, compressed
    with zlib, gzip or zstd;
  - L{ark.maps.tilesets}: embedded and external tilesets, and their tiles'
    properties;
  - L{ark.maps.layers}: layers, read out of groups and named by their group
    path (C{"group/layer"});
  - L{ark.maps.grid}: which tiles block (C{collides} on a tile or a layer,
    hidden layers included);
  - L{ark.maps.areas}: which objects and layers are zones;
  - L{ark.maps.entries}: where players arriving by C{#entry} appear;
  - L{ark.maps.agents}: the agents who live on the map.

What only matters for drawing (images, opacity, layer offsets, the
C{floorLayer} marker layer) is ignored, except that missing images are
reported.  A map that cannot be used raises L{MapError} and nothing else;
what is wrong with a usable map (an object whose properties do nothing, a
missing image, a script ark will not run) is added to a list of problems,
one line each, naming the layer, object or tileset.
"""

from __future__ import annotations

import dataclasses
import json
import os
from typing import Callable, List, Mapping, Optional, Union

from ark.maps.agents import NoFiles, readAgents
from ark.maps.areas import objectZones, tileLayerZones
from ark.maps.entries import readEntries
from ark.maps.fields import (
    BOOLEAN,
    STRING,
    Invalid,
    MapError,
    field,
    positiveInteger,
    readProperties,
    reason,
    describe,
)
from ark.maps.grid import blockingGids, checkTilesExist, mapGrid, markBlocked
from ark.maps.layers import TileLayer, readLayers
from ark.maps.paths import MapFiles
from ark.maps.tilesets import TileCatalog, readTilesets
from ark.world.worldmap import WorldMap, Zone

__all__ = ["MapError", "loadMap", "parseMap"]

SCRIPT_IGNORED = "the map property 'script' is ignored: ark runs no map scripts"


def loadMap(
    path: Union[str, os.PathLike],
    name: Optional[str] = None,
    *,
    root: Optional[str] = None,
    problems: Optional[List[str]] = None,
) -> WorldMap:
    """
    Read a Tiled JSON map file, and the external tilesets it uses.

    @param path: the map file.
    @param name: the map's name; by default its path from C{root}, or
        without a root the file's base name.
    @param root: the map repository the map is in: its tilesets and images
        must be inside it too.  Without one, they may be anywhere.
    @param problems: where to add what is wrong with the map but does not
        stop it from loading, one line each.
    @return: the map.
    @raise MapError: if the file cannot be read or is not a usable map.
    """
    path = os.fspath(path)
    if name is None:
        if root is None:
            name = os.path.basename(path)
        else:
            name = "/".join(os.path.relpath(path, root).split(os.sep))
    try:
        with open(path, "rb") as f:
            document = json.loads(f.read())
    except OSError as e:
        raise MapError(path, f"cannot read the map: {reason(e)}") from None
    except (ValueError, RecursionError) as e:
        raise MapError(path, f"not valid JSON: {reason(e)}") from None

    files = MapFiles(path, root, name)
    try:
        return _buildMap(document, name, files.loadTileset, files.imageProblem,
                         [] if problems is None else problems, files)
    except Invalid as e:
        raise MapError(path, str(e)) from None


def parseMap(
    document: object,
    name: str,
    loadTileset: Callable[[str], object],
    *,
    checkImage: Optional[Callable[[str, Optional[str]], Optional[str]]] = None,
    problems: Optional[List[str]] = None,
    files=None,
) -> WorldMap:
    """
    Turn a parsed Tiled JSON map into a L{WorldMap}, without touching files.

    @param document: the map file's JSON, parsed.
    @param name: the map's name; also names the map in error messages.
    @param loadTileset: called with an external tileset's C{source} as
        written in the map; returns that tileset's JSON, parsed.  It may
        raise L{OSError}, L{ValueError} or L{ark.maps.paths.OutsideRoot},
        which become a L{MapError}.
    @param checkImage: called with an image's path as written and the
        C{source} of the external tileset it is written in (L{None} for the
        map); returns what is wrong with it, or L{None}.  By default images
        are not checked.
    @param problems: where to add what is wrong with the map but does not
        stop it from loading, one line each.
    @param files: reads the agents file and finds the knowledge files the
        map names, as L{ark.maps.paths.MapFiles} does; by default there
        are none, and naming any is a problem.
    @return: the map.
    @raise MapError: if the document is not a usable map.
    """
    if checkImage is None:
        checkImage = lambda image, tileset: None  # noqa: E731
    try:
        return _buildMap(document, name, loadTileset, checkImage,
                         [] if problems is None else problems,
                         NoFiles() if files is None else files)
    except Invalid as e:
        raise MapError(name, str(e)) from None


def _buildMap(
    document: object,
    name: str,
    loadTileset: Callable[[str], object],
    checkImage: Callable[[str, Optional[str]], Optional[str]],
    problems: List[str],
    files,
) -> WorldMap:
    """
    Do the work of L{parseMap}.

    Everything in the file is read and checked before anything is
    computed, so the error reported is the first problem in file order.

    @param document: the parsed map file.
    @param name: the map's name.
    @param loadTileset: reads an external tileset; see L{parseMap}.
    @param checkImage: checks an image; see L{parseMap}.
    @param problems: where to add what is wrong but harmless.
    @param files: reads the files the map's agents name (see L{parseMap}).
    @return: the map.
    @raise Invalid: if the document is not a usable map.
    """
    if type(document) is not dict:
        raise Invalid(f"not a Tiled map: the file holds {describe(document)}, not an object")
    _checkIsOrthogonalMap(document)
    tileWidth = positiveInteger(document, "tilewidth", "")
    tileHeight = positiveInteger(document, "tileheight", "")
    width = positiveInteger(document, "width", "")
    height = positiveInteger(document, "height", "")
    infinite = field(document, "infinite", BOOLEAN, "", False)
    properties = readProperties(document, "")
    _checkMapProperties(properties, problems)
    catalog = TileCatalog(readTilesets(document, loadTileset, checkImage, problems))
    layers = readLayers(document, infinite, width, height, checkImage, problems)

    grid = mapGrid(layers, width, height, tileWidth, tileHeight, infinite)
    blocked = bytearray(grid.columns * grid.rows)
    zones: List[Zone] = []
    for layer in layers:
        if isinstance(layer, TileLayer):
            checkTilesExist(layer, catalog)
            markBlocked(blocked, grid, layer, blockingGids(layer, catalog))
            zones.extend(tileLayerZones(layer, grid, problems))
        else:
            for mapObject in layer.objects:
                zones.extend(objectZones(mapObject, grid, problems))
    blocked = bytes(blocked)

    worldMap = WorldMap(
        name=name,
        width=grid.columns,
        height=grid.rows,
        tileWidth=tileWidth,
        tileHeight=tileHeight,
        blocked=blocked,
        entries=readEntries(layers, grid, blocked, problems),
        zones=tuple(zones),
        properties=properties,
    )
    # Agents' homes are checked against the map's collisions, so they are
    # read once the rest of the map is.
    agents = readAgents(worldMap, layers, grid, files, problems)
    return dataclasses.replace(worldMap, agents=agents) if agents else worldMap


def _checkIsOrthogonalMap(document: Mapping[str, object]) -> None:
    """
    Refuse files that are not maps, and maps that are not orthogonal: the
    simulation only knows square grids.

    @param document: the parsed map file.
    @raise Invalid: if it is not an orthogonal map.
    """
    kind = field(document, "type", STRING, "", "map")
    if kind == "tileset":
        raise Invalid("this is a tileset, not a map")
    if kind != "map":
        raise Invalid(f"not a Tiled map: its type is {kind!r}")
    orientation = field(document, "orientation", STRING, "", "orthogonal")
    if orientation != "orthogonal":
        raise Invalid(f"{orientation} maps are not supported, only orthogonal ones")


def _checkMapProperties(properties: Mapping[str, object], problems: List[str]) -> None:
    """
    Report map properties that promise what ark does not do.

    @param properties: the map's own custom properties.
    @param problems: where to report them.
    """
    if "script" in properties:
        problems.append(SCRIPT_IGNORED)
