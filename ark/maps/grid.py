"""
Where the loaded map lies, where each layer's tiles fall on it, and which
of them block.

Infinite maps are stored as chunks around tile (0, 0), possibly at
negative coordinates.  The loaded map starts at the top-left of all chunks
instead, so every position read from the file is shifted by the same
amount (L{Grid.pixel}).

A tile blocks when its tile has the custom property C{collides}, or when it
is painted on a tile layer that has C{collides}: on every tile layer,
hidden ones too, for WorkAdventure map makers hide the layers that only
hold collisions.  The flip bits of a GID are stripped before its tile's
properties are looked up: a flipped wall is a wall.
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass
from typing import Iterator, Sequence, Tuple

from ark.maps.fields import Invalid
from ark.maps.layers import Layer, TileLayer
from ark.maps.tiledata import GID_MASK
from ark.maps.tilesets import TileCatalog
from ark.world.worldmap import Point

__all__ = ["Grid", "mapGrid", "tilesWith", "checkTilesExist", "blockingGids",
           "markBlocked", "paintedCells"]

# A map bigger than this is a mistake (or a hostile file), and its collision
# grid alone would take hundreds of megabytes.
MAX_TILES = 1 << 26


@dataclass(frozen=True)
class Grid:
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


def mapGrid(
    layers: Sequence[Layer],
    width: int,
    height: int,
    tileWidth: int,
    tileHeight: int,
    infinite: bool,
) -> Grid:
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
    @raise Invalid: if the map is too big.
    """
    blocks = [block for layer in layers if isinstance(layer, TileLayer) for block in layer.blocks]
    if infinite and blocks:
        left = min(block.column for block in blocks)
        top = min(block.row for block in blocks)
        right = max(block.column + block.width for block in blocks)
        bottom = max(block.row + block.height for block in blocks)
        grid = Grid(right - left, bottom - top, tileWidth, tileHeight, left, top)
    else:
        # An infinite map with no tiles at all has nothing to take the
        # extent from but its nominal size.
        grid = Grid(width, height, tileWidth, tileHeight)
    if grid.columns * grid.rows > MAX_TILES:
        raise Invalid(
            f"the map is {grid.columns}x{grid.rows} tiles; "
            f"at most {MAX_TILES} tiles are supported"
        )
    return grid


def tilesWith(layer: TileLayer, grid: Grid, gids: frozenset) -> Iterator[Tuple[int, int]]:
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


def paintedCells(layer: TileLayer, grid: Grid) -> array:
    """
    @param layer: a tile layer.
    @param grid: the map's grid.
    @return: the index (C{row * columns + column}) of each tile painted on
        the layer, compactly: kept for as long as the map, to place players
        arriving by an entry named after the layer.
    """
    return array("I", (row * grid.columns + column
                       for column, row in tilesWith(layer, grid, layer.painted)))


def checkTilesExist(layer: TileLayer, catalog: TileCatalog) -> None:
    """
    Check that every tile on a layer is in one of the map's tilesets.

    @param layer: the layer.
    @param catalog: the map's tilesets.
    @raise Invalid: naming the first unknown tile and where it is.
    """
    for gid in sorted(layer.painted):
        if catalog.propertiesOf(gid & GID_MASK) is None:
            column, row = _whereIs(layer, gid)
            raise Invalid(
                f"{layer.label}: tile GID {gid & GID_MASK} at ({column}, {row}) "
                f"belongs to no tileset"
            )


def _whereIs(layer: TileLayer, gid: int) -> Tuple[int, int]:
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


def blockingGids(layer: TileLayer, catalog: TileCatalog) -> frozenset:
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


def markBlocked(blocked: bytearray, grid: Grid, layer: TileLayer, gids: frozenset) -> None:
    """
    Mark a layer's blocking tiles in the collision grid.

    @param blocked: one byte per tile of the map, row by row.
    @param grid: the map's grid.
    @param layer: the layer.
    @param gids: its blocking GIDs.
    """
    for column, row in tilesWith(layer, grid, gids):
        blocked[row * grid.columns + column] = 1
