"""
A map's tilesets, embedded in the map or in external C{.tsj}/C{.json}
files: which tiles exist, and their custom properties (C{collides}), found
from a GID.  Tileset images are only checked to exist, for the players'
browsers will need them.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from typing import Callable, Dict, Iterable, List, Mapping, Optional

from ark.maps.fields import (
    INTEGER,
    LIST,
    STRING,
    Invalid,
    at,
    collidesProblem,
    describe,
    field,
    jsonObject,
    positiveInteger,
    readProperties,
    reason,
)
from ark.maps.paths import OutsideRoot

__all__ = ["Tileset", "TileCatalog", "readTilesets"]

# Given an image's path as written and the external tileset naming it (or
# None for the map), says what is wrong with it, or None.
ImageCheck = Callable[[str, Optional[str]], Optional[str]]


@dataclass(frozen=True)
class Tileset:
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


class TileCatalog:
    """
    All the tilesets of a map, to find the tile a GID stands for.
    """

    def __init__(self, tilesets: Iterable[Tileset]) -> None:
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


def readTilesets(
    document: Mapping[str, object],
    loadTileset: Callable[[str], object],
    checkImage: ImageCheck,
    problems: List[str],
) -> List[Tileset]:
    """
    Read the map's tilesets, embedded or external.

    @param document: the parsed map file.
    @param loadTileset: reads an external tileset; see
        L{ark.maps.tiled.parseMap}.
    @param checkImage: checks that an image exists.
    @param problems: where to add what is wrong but does not stop the map
        from loading.
    @return: the tilesets.
    @raise Invalid: if one is missing or malformed.
    """
    tilesets = []
    seen: Dict[int, str] = {}
    for index, reference in enumerate(field(document, "tilesets", LIST, "", [])):
        reference = jsonObject(reference, "", f"tilesets[{index}]")
        where = f"tilesets[{index}]"
        firstGid = positiveInteger(reference, "firstgid", where)
        source = field(reference, "source", STRING, where, None)
        if source is None:
            body = reference
            label = f"tileset {field(reference, 'name', STRING, where, '')!r}"
        else:
            body = _externalTileset(source, loadTileset)
            label = f"tileset {source}"
        if firstGid in seen:
            raise Invalid(f"{label} and {seen[firstGid]} both have firstgid {firstGid}")
        seen[firstGid] = label
        tileset = _readTileset(body, firstGid, label, problems)
        _checkImages(body, label, source, checkImage, problems)
        tilesets.append(tileset)
    return tilesets


def _externalTileset(source: str, loadTileset: Callable[[str], object]) -> Dict[str, object]:
    """
    Load an external tileset.

    @param source: the tileset's path as written in the map.
    @param loadTileset: reads it; see L{ark.maps.tiled.parseMap}.
    @return: the tileset's JSON object.
    @raise Invalid: if it is XML, outside the repository, unreadable, or
        not a JSON object.
    """
    if source.lower().endswith(".tsx"):
        raise Invalid(f"external tileset {source} is XML; save it as JSON (.tsj)")
    try:
        body = loadTileset(source)
    except OutsideRoot:
        raise Invalid(f"external tileset {source} is outside the map repository; "
                      "copy it into the repository") from None
    except OSError as e:
        raise Invalid(f"cannot read external tileset {source}: {reason(e)}") from None
    except (ValueError, RecursionError) as e:
        raise Invalid(f"external tileset {source} is not valid JSON: {reason(e)}") from None
    if type(body) is not dict:
        raise Invalid(f"external tileset {source} holds {describe(body)}, not an object")
    return body


def _readTileset(
    body: Mapping[str, object], firstGid: int, label: str, problems: List[str]
) -> Tileset:
    """
    Read the parts of a tileset that matter: which tiles it has, and their
    properties.

    @param body: the tileset's JSON object.
    @param firstGid: the GID of its tile 0 in the map.
    @param label: names the tileset in error messages.
    @param problems: where to add what is wrong but harmless.
    @return: the tileset.
    @raise Invalid: if it is malformed.
    """
    tileCount = field(body, "tilecount", INTEGER, label, None)
    if tileCount is not None and tileCount < 0:
        raise Invalid(at(label, f"'tilecount' must not be negative, not {tileCount}"))
    tileIds = set()
    tileProperties = {}
    for index, tile in enumerate(field(body, "tiles", LIST, label, [])):
        tile = jsonObject(tile, label, f"tiles[{index}]")
        localId = field(tile, "id", INTEGER, at(label, f"tiles[{index}]"))
        if localId < 0:
            raise Invalid(at(label, f"tiles[{index}] has a negative id, {localId}"))
        tileIds.add(localId)
        where = at(label, f"tile {localId}")
        properties = readProperties(tile, where)
        problem = collidesProblem(properties, where)
        if problem:
            problems.append(problem)
        if properties:
            tileProperties[localId] = properties
    return Tileset(label, firstGid, tileCount, frozenset(tileIds), tileProperties)


def _checkImages(
    body: Mapping[str, object],
    label: str,
    source: Optional[str],
    checkImage: ImageCheck,
    problems: List[str],
) -> None:
    """
    Check the images of a tileset: the one an image tileset cuts into
    tiles, or each tile's own in an image collection.

    @param body: the tileset's JSON object, already read once, so known to
        be well formed where L{_readTileset} looks.
    @param label: names the tileset.
    @param source: the external tileset's C{source}, or L{None} if it is
        embedded in the map: images are relative to the file naming them.
    @param checkImage: checks that an image exists.
    @param problems: where to add the missing ones.
    """
    images = [("", field(body, "image", STRING, label, None))]
    for tile in body.get("tiles", []):
        where = at(label, f"tile {tile['id']}")
        images.append((f"tile {tile['id']}: ", field(tile, "image", STRING, where, None)))
    for prefix, image in images:
        if image:
            problem = checkImage(image, source)
            if problem:
                problems.append(f"{label}: {prefix}{problem}")
