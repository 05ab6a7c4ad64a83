"""
A spatial hash: the map cut into square cells, each knowing who stands in
it, so that "who is near here" costs a few cell lookups instead of a scan
of the whole room.
"""

from __future__ import annotations

from typing import Dict, Hashable, Iterable, Set, Tuple

Cell = Tuple[int, int]


class Grid:
    """
    Members grouped by the cell they stand in.

    @param cellSize: the side of a cell, in the same units as the
        positions given to L{cellAt}.
    """

    def __init__(self, cellSize: int):
        self.cellSize = cellSize
        self._members: Dict[Cell, Set[Hashable]] = {}

    def cellAt(self, x: int, y: int) -> Cell:
        return (x // self.cellSize, y // self.cellSize)

    def add(self, member: Hashable, cell: Cell) -> None:
        self._members.setdefault(cell, set()).add(member)

    def remove(self, member: Hashable, cell: Cell) -> None:
        members = self._members.get(cell)
        if members is not None:
            members.discard(member)
            if not members:
                del self._members[cell]

    def move(self, member: Hashable, old: Cell, new: Cell) -> None:
        self.remove(member, old)
        self.add(member, new)

    def members(self, cell: Cell) -> Set[Hashable]:
        """
        The members in C{cell}; do not mutate the result.
        """
        return self._members.get(cell, _EMPTY)

    def spanAround(self, x: int, y: int, radius: int) -> Tuple[int, int, int, int]:
        """
        The cells that overlap the square of half-side C{radius} centred on
        C{(x, y)}, as C{(left, top, right, bottom)} columns and rows, all
        included.
        """
        size = self.cellSize
        return ((x - radius) // size, (y - radius) // size,
                (x + radius) // size, (y + radius) // size)

    @staticmethod
    def cellsIn(span: Tuple[int, int, int, int]) -> Iterable[Cell]:
        """
        Every cell of C{span} (see L{spanAround}).
        """
        left, top, right, bottom = span
        return [
            (column, row)
            for row in range(top, bottom + 1)
            for column in range(left, right + 1)
        ]


_EMPTY: Set[Hashable] = frozenset()
