"""
Build the default world: maps/town.tmj, a Tiled 1.10 JSON map of a small
town (a square with a fountain, paths, a pond, trees, four houses, a café
and an office building with several furnished rooms), and maps/cafe.tmj,
the inside of the café.  Both are drawn with the tiles of
maps/town-tiles.tsj (see tools/make_art.py, which must have been run).

    python tools/make_town.py [--preview PATH]

The maps are the same every time.  Their layers, bottom to top:

  - C{ground}: grass, paths, floors and rugs;
  - C{walls}: walls, doors, water, tree trunks, furniture; what blocks
    movement is what has the tile property C{collides};
  - C{start}: hidden; its painted tiles are where players appear;
  - other hidden start layers (property C{startLayer}), where players
    arrive from the other map: C{from-cafe} in the town, C{from-town} in
    the café;
  - C{zones}: a hidden object layer of rectangles whose custom properties
    (WorkAdventure's names) make zones: the meeting rooms (C{jitsiRoom},
    C{jitsiTrigger}), the library (C{silent}), the lounge and its music
    (C{playAudio}, maps/lounge.wav from tools/make_sound.py), the agents'
    corner (C{agentId}) and the doors between the maps (C{exitUrl});
  - C{floorLayer}: an empty object layer, where the web client draws
    avatars;
  - C{above}: tree tops and roofs, drawn over avatars;
  - C{agents}: a hidden object layer of points of class C{agent}, the
    homes of the town's six agents (docs/map-makers.md).

Before writing, the script checks that the spawn tiles are free, that every
free tile can be walked to from them, that each room's zone covers
exactly that room's floor, and that every agent's home can be walked to.  C{--preview} also composes the visible layers
into PNGs, with the spawn tiles and the zones marked, to look at the maps.
"""

import argparse
import json
import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from make_art import COLLIDES, MAPS, PNG_NAME, TILE, TILECOUNT, TILES, TSJ_NAME  # noqa: E402
from make_art import NE, NW, SE, SW, E, N, S, W, maskName, waterName  # noqa: E402
from make_sound import SOUND_NAME  # noqa: E402

WIDTH, HEIGHT = 60, 40
MAP_NAME = "town.tmj"
CAFE_NAME = "cafe.tmj"
CAFE_WIDTH, CAFE_HEIGHT = 24, 18
# The door of the café in the town, and the doors of the café's map.
CAFE_DOOR = (52, 7)
CAFE_EXIT = ((11, 17), (12, 17))
SOLID = frozenset(TILES[name] for name in COLLIDES)
NEIGHBOURS = ((0, -1, N), (1, 0, E), (0, 1, S), (-1, 0, W))


class Town:
    """
    The map being built: one grid of tile names per tile layer, plus what
    each cell is, to choose the right variant of a tile.
    """

    def __init__(self, width=WIDTH, height=HEIGHT, seed=2024):
        self.width = width
        self.height = height
        self.rng = random.Random(seed)
        self.ground = {}
        self.walls = {}
        self.above = {}
        self.start = []
        self.dirt = set()
        self.stone = set()
        self.water = set()
        self.wet = set()
        self.wallCells = set()
        self.doors = {}
        self.indoors = set()
        self.outsideFace = {}
        self.faceDecor = {}
        self.footprint = set()
        self.reserved = set()
        # Hidden start layers besides C{start}: {name: [cell]}.
        self.entries = {}
        # Zone objects: (name, (x0, y0, x1, y1) in tiles, inclusive,
        # [(property, value)], whether it is a whole room).
        self.zones = []
        # Agents: (name, home tile, [(property, value)]).
        self.agents = []

    def inside(self, x, y):
        return 0 <= x < self.width and 0 <= y < self.height

    # --- ground -----------------------------------------------------------

    def lawn(self):
        for y in range(self.height):
            for x in range(self.width):
                roll = self.rng.random()
                self.ground[x, y] = "grass_0" if roll < 0.55 else "grass_1" if roll < 0.85 else "grass_2"

    def path(self, x0, y0, x1, y1, kind="dirt"):
        cells = self.dirt if kind == "dirt" else self.stone
        for y in range(min(y0, y1), max(y0, y1) + 1):
            for x in range(min(x0, x1), max(x0, x1) + 1):
                cells.add((x, y))

    def flowerbed(self, cx, cy, radius, seed):
        rng = random.Random(seed)
        for y in range(cy - radius, cy + radius + 1):
            for x in range(cx - radius, cx + radius + 1):
                if (x - cx) ** 2 + (y - cy) ** 2 <= radius * radius + 1 and rng.random() < 0.7:
                    if self.ground.get((x, y), "").startswith("grass"):
                        self.ground[x, y] = rng.choice(("flowers_0", "flowers_1", "flowers_2"))

    def paveGround(self):
        paved = self.dirt | self.stone
        # Doors continue the paths that lead to them.
        joins = paved | set(self.doors)
        for x, y in paved:
            mask = 0
            for dx, dy, bit in NEIGHBOURS:
                if (x + dx, y + dy) in joins or not self.inside(x + dx, y + dy):
                    mask |= bit
            kind = "dirt" if (x, y) in self.dirt else "stone"
            name = maskName(kind, mask)
            if mask == 15:
                for corner, (dx, dy) in (("ne", (1, -1)), ("se", (1, 1)), ("sw", (-1, 1)), ("nw", (-1, -1))):
                    if (x + dx, y + dy) not in joins and self.inside(x + dx, y + dy):
                        name = f"{kind}_in_{corner}"
                        break
            self.ground[x, y] = name

    # --- water ------------------------------------------------------------

    def pond(self, blobs, lilies):
        """
        Wet the corners of the map's grid inside any of the ellipses
        C{blobs} (centre x, centre y, radius x, radius y, in tiles), then
        fill every tile with a wet corner with water.

        @param lilies: open water tiles to cover with lily pads.
        """
        for j in range(self.height + 1):
            for i in range(self.width + 1):
                if any(((i - cx) / rx) ** 2 + ((j - cy) / ry) ** 2 <= 1 for cx, cy, rx, ry in blobs):
                    self.wet.add((i, j))
        while True:
            # A tile wet at two opposite corners only would make two ponds
            # touch at a point: wet a third corner.
            saddles = [(x, y) for x, y in self.waterTiles() if self.corners(x, y) in (NW | SE, NE | SW)]
            if not saddles:
                break
            for x, y in saddles:
                self.wet.add((x, y) if self.corners(x, y) == NE | SW else (x + 1, y))
        for x, y in self.waterTiles():
            corners = self.corners(x, y)
            self.walls[x, y] = "water_lily" if (x, y) in lilies and corners == 15 else waterName(corners)
            self.water.add((x, y))

    def corners(self, x, y):
        return (
            (NW if (x, y) in self.wet else 0) | (NE if (x + 1, y) in self.wet else 0)
            | (SE if (x + 1, y + 1) in self.wet else 0) | (SW if (x, y + 1) in self.wet else 0)
        )

    def waterTiles(self):
        return sorted({(i + dx, j + dy) for i, j in self.wet for dx in (-1, 0) for dy in (-1, 0)
                       if self.inside(i + dx, j + dy)})

    # --- buildings --------------------------------------------------------

    def building(self, x0, y0, x1, y1, face, floor):
        """
        Outer walls around the rectangle from (x0, y0) to (x1, y1): the
        top and bottom walls are two tiles deep (a wall top, then its
        face), the sides one.  The bottom face row is y1.
        """
        for x in range(x0, x1 + 1):
            for y in (y0, y0 + 1, y1 - 1, y1):
                self.wallCells.add((x, y))
        for y in range(y0, y1 + 1):
            self.wallCells.add((x0, y))
            self.wallCells.add((x1, y))
        for y in range(y0, y1 + 1):
            for x in range(x0, x1 + 1):
                self.footprint.add((x, y))
                if y0 + 1 < y < y1 - 1 and x0 < x < x1:
                    self.indoors.add((x, y))
                    self.ground[x, y] = floor
        for x in range(x0, x1 + 1):
            self.outsideFace[x, y1] = face

    def hwall(self, x0, x1, y):
        """An inside wall along row y (its top) and y + 1 (its face)."""
        for x in range(x0, x1 + 1):
            self.wallCells |= {(x, y), (x, y + 1)}

    def vwall(self, x, y0, y1):
        for y in range(y0, y1 + 1):
            self.wallCells.add((x, y))

    def floor(self, x0, y0, x1, y1, name):
        for y in range(y0, y1 + 1):
            for x in range(x0, x1 + 1):
                self.ground[x, y] = name

    def door(self, x, y, name="door"):
        """A door in the face row y, through the wall top above it."""
        self.wallCells.discard((x, y))
        self.wallCells.discard((x, y - 1))
        self.doors[x, y] = name
        self.reserved |= {(x, y - 1), (x, y), (x, y + 1)}
        if (x, y + 1) in self.indoors or (x, y - 2) in self.indoors:
            self.ground[x, y - 1] = self.ground.get((x, y - 2), "wood")

    def opening(self, x, y0, y1):
        """A doorway through a side wall."""
        for y in range(y0, y1 + 1):
            self.wallCells.discard((x, y))
            self.reserved |= {(x - 1, y), (x, y), (x + 1, y)}
            self.ground[x, y] = self.ground[x - 1, y]

    def shop(self, x0, y0, x1, door, face="brick", colour="roof"):
        """
        A building seen from outside only, its inside being another map: a
        roof two rows deep over walls, then the front face (row y0 + 2)
        with a door that leads nowhere on this map.
        """
        y1 = y0 + 2
        self.building(x0, y0, x1, y1, face=face, floor="wood")
        self.floor(x0, y0, x1, y1, "wood")
        self.roof(x0, x1, y0 + 1, colour)
        self.door(door, y1, "door_glass")
        # Nothing behind the door: the wall under the roof stays.
        self.wallCells.add((door, y1 - 1))

    def zone(self, name, x0, y0, x1, y1, properties, room=False):
        """
        A zone object over the tiles from (x0, y0) to (x1, y1).

        @param properties: C{[(name, value)]}, in the order to write them.
        @param room: whether the zone is a whole room, which the checks
            then hold to covering exactly the room's floor.
        """
        self.zones.append((name, (x0, y0, x1, y1), properties, room))

    def roof(self, x0, x1, y0, colour="roof"):
        """A roof over the wall top at row y0, and the row above it."""
        for dy, row in ((-1, (0, 1, 2)), (0, (3, 4, 5))):
            for x in range(x0, x1 + 1):
                part = row[0] if x == x0 else row[2] if x == x1 else row[1]
                self.above[x, y0 + dy] = f"{colour}_{part}"
                self.footprint.add((x, y0 + dy))

    def buildWalls(self):
        solid = self.wallCells | set(self.doors)
        for x, y in self.wallCells:
            if (x, y + 1) in solid:
                mask = 0
                for dx, dy, bit in NEIGHBOURS:
                    if (x + dx, y + dy) in solid:
                        mask |= bit
                self.walls[x, y] = maskName("wall", mask)
                continue
            if (x, y + 1) in self.indoors:
                kind = "plaster"
            else:
                kind = self.outsideFace.get((x, y), "brick")
            decor = self.faceDecor.get((x, y))
            if decor:
                self.walls[x, y] = decor
                continue
            ends = ("" if (x - 1, y) in solid else "l") + ("" if (x + 1, y) in solid else "r")
            self.walls[x, y] = f"{kind}_{ends}" if ends else kind
        for (x, y), name in self.doors.items():
            self.walls[x, y] = name
            if (x, y) not in self.ground or self.ground[x, y].startswith("grass"):
                self.ground[x, y] = self.ground.get((x, y - 1), "wood")

    # --- things -----------------------------------------------------------

    def put(self, x, y, name):
        assert (x, y) not in self.walls, f"{name} on {self.walls[x, y]} at {(x, y)}"
        assert (x, y) not in self.wallCells and (x, y) not in self.doors, f"{name} in a wall at {(x, y)}"
        self.walls[x, y] = name

    def row(self, x, y, names):
        for i, name in enumerate(names):
            if name:
                self.put(x + i, y, name)

    def table(self, x, y, length, chairs=True):
        names = ["table"] if length == 1 else ["table_l"] + ["table_m"] * (length - 2) + ["table_r"]
        self.row(x, y, names)
        if chairs:
            self.row(x, y - 1, ["chair_s"] * length)
            self.row(x, y + 1, ["chair_n"] * length)

    def canPlant(self, x, y):
        """Whether a tree's trunk fits at (x, y), its top in the 3x3 above."""
        if not self.inside(x, y) or (x, y) in self.walls or (x, y) in self.reserved:
            return False
        if not self.ground[x, y].startswith(("grass", "flowers")):
            return False
        if (x, y) in self.footprint:
            return False
        for dy in range(-3, 0):
            for dx in range(-1, 2):
                cell = (x + dx, y + dy)
                if cell in self.above or cell in self.footprint:
                    return False
        return True

    def tree(self, x, y, kind=""):
        if not self.canPlant(x, y):
            return False
        self.walls[x, y] = f"trunk{kind}"
        for i in range(9):
            cell = (x - 1 + i % 3, y - 3 + i // 3)
            if self.inside(*cell):
                self.above[cell] = f"canopy{kind}_{i}"
        return True

    def canPut(self, x, y):
        return (
            self.inside(x, y)
            and (x, y) not in self.walls
            and (x, y) not in self.reserved
            and (x, y) not in self.footprint
            and self.ground[x, y].startswith(("grass", "flowers"))
        )


def layout(town):
    t = town
    t.lawn()

    # The office: six rooms, in two rows of three.
    t.building(2, 4, 27, 21, face="stonewall", floor="carpet")
    t.hwall(3, 26, 12)
    t.vwall(10, 6, 11)
    t.vwall(19, 6, 11)
    t.vwall(12, 14, 19)
    t.vwall(20, 14, 19)
    t.floor(3, 6, 9, 11, "wood")  # library
    t.floor(13, 14, 19, 19, "wood")  # lobby
    t.floor(21, 14, 26, 19, "tiles")  # kitchen
    t.door(6, 13)
    t.door(15, 13)
    t.door(23, 13)
    t.opening(12, 16, 17)
    t.opening(20, 16, 17)
    t.door(14, 21, "door_glass")
    t.door(15, 21, "door_glass")
    for x in (4, 8, 11, 18, 21, 25):
        t.faceDecor[x, 21] = "stonewall_window"
    t.faceDecor[5, 5] = "plaster_window"
    t.faceDecor[8, 5] = "plaster_window"
    t.faceDecor[14, 5] = "plaster_board"
    t.faceDecor[15, 5] = "plaster_board"
    t.faceDecor[21, 5] = "plaster_window"
    t.faceDecor[23, 5] = "plaster_board"
    t.faceDecor[25, 5] = "plaster_window"
    t.faceDecor[8, 13] = "plaster_picture"
    t.faceDecor[17, 13] = "plaster_picture"
    t.faceDecor[25, 13] = "plaster_window"

    # Houses: a roof over the back wall, a door in the front.
    houses = [
        (31, 6, "roofb", 35),   # north of the square
        (48, 11, "roof", 52),   # east, on the road
        (45, 27, "roof", 49),   # south-east, on the lane
        (26, 27, "roofb", 30),  # south, on the lane
    ]
    for x0, y0, roof, door in houses:
        x1, y1 = x0 + 8, y0 + 7
        t.building(x0, y0, x1, y1, face="brick", floor="wood")
        t.roof(x0, x1, y0, roof)
        t.door(door, y1)
        for x in (x0 + 2, x1 - 2):
            t.faceDecor[x, y1] = "brick_window"
        t.faceDecor[x0 + 2, y0 + 1] = "plaster_window"
        t.faceDecor[x1 - 2, y0 + 1] = "plaster_picture"

    # The café, whose inside is maps/cafe.tmj: a shop front with a lane
    # down to the road.
    t.shop(48, 5, 56, CAFE_DOOR[0], colour="roofb")
    for x in (49, 50, 54, 55):
        t.faceDecor[x, 7] = "brick_window"

    # The square, and the paths out of it.
    t.path(34, 16, 45, 25, "stone")
    t.path(14, 22, 15, 24)  # from the office door
    t.path(14, 23, 33, 24)  # to the square
    t.path(18, 25, 19, 34)  # down to the lane
    t.path(18, 35, 59, 36)  # the lane
    t.path(46, 20, 59, 21)  # the road east
    t.path(39, 26, 40, 34)  # south from the square
    t.path(35, 14, 35, 15)  # house north
    t.path(52, 19, 52, 19)  # house east
    t.path(46, 8, 52, 9)  # from the café door
    t.path(46, 10, 47, 19)  # down to the road

    t.pond([(9.5, 30.5, 6.6, 4.2), (13.5, 28.5, 3.2, 2.6), (6, 32, 3.5, 2.6)], lilies={(6, 30), (12, 31), (11, 28)})
    return t


def furnish(t):
    # Library: shelves along the back wall, a rug and a sofa.
    t.row(3, 6, ["bookshelf", "bookshelf", None, "plant", None, "bookshelf", "bookshelf"])
    for y in range(8, 11):
        for x in range(4, 9):
            part = ("n" if y == 8 else "s" if y == 10 else "") + ("w" if x == 4 else "e" if x == 8 else "")
            t.ground[x, y] = f"rug_{part}" if part else "rug"
    t.row(5, 9, ["sofa_l", "sofa_r"])
    t.put(7, 9, "table")
    t.put(9, 11, "plant")
    t.put(3, 11, "bookshelf")

    # Meeting room: a long table, a whiteboard.
    t.table(12, 8, 6)
    t.put(11, 6, "plant")
    t.put(18, 6, "plant")
    t.put(11, 11, "plant")
    t.put(18, 11, "cabinet")

    # Small meeting room: a table for ten, under a whiteboard.
    t.table(21, 8, 5)
    t.put(20, 6, "plant")
    t.put(26, 6, "plant")
    t.put(20, 11, "plant")
    t.put(26, 11, "cabinet")

    # Open office: two islands of desks, and the agents' corner, where
    # the guide waits on a sofa by a rug.
    t.row(3, 14, ["plant", None, None, None, "bookshelf", "bookshelf", None, None, "plant"])
    t.row(7, 16, ["desk_pc", "desk_pc", "desk_pc", "desk_pc"])
    t.row(7, 17, ["chair_n", "chair_n", "chair_n", "chair_n"])
    t.row(7, 18, ["desk_pc", "desk_pc", "desk_pc", "desk_pc"])
    t.row(7, 19, ["chair_n", "chair_n", "chair_n", "chair_n"])
    for y in range(17, 20):
        for x in range(3, 6):
            part = ("n" if y == 17 else "s" if y == 19 else "") + ("w" if x == 3 else "e" if x == 5 else "")
            t.ground[x, y] = f"rug_{part}" if part else "rug"
    t.row(3, 16, ["sofa_l", "sofa_r", "plant"])
    t.put(3, 19, "desk_pc")
    t.put(11, 19, "plant")

    # Lobby: a rug, sofas, plants.
    for y in range(16, 19):
        for x in range(14, 19):
            part = ("n" if y == 16 else "s" if y == 18 else "") + ("w" if x == 14 else "e" if x == 18 else "")
            t.ground[x, y] = f"rug_{part}" if part else "rug"
    t.put(13, 14, "plant")
    t.put(19, 14, "plant")
    t.row(17, 14, ["sofa_l", "sofa_r"])
    t.put(16, 17, "table")
    t.put(13, 19, "plant")
    t.put(19, 19, "plant")

    # Kitchen: counters along the wall, a table.
    t.row(21, 14, ["cabinet", "counter", None, "counter", "cabinet", "cabinet"])
    t.table(22, 17, 3)
    t.put(26, 19, "plant")

    # Houses: a sitting room, a study, a kitchen, a library.
    for x0, y0 in ((31, 6), (48, 11), (45, 27), (26, 27)):
        for y in range(y0 + 3, y0 + 6):
            for x in range(x0 + 2, x0 + 7):
                part = ("n" if y == y0 + 3 else "s" if y == y0 + 5 else "") + (
                    "w" if x == x0 + 2 else "e" if x == x0 + 6 else "")
                t.ground[x, y] = f"rug_{part}" if part else "rug"
    x0, y0 = 31, 6
    t.row(x0 + 1, y0 + 2, ["bookshelf", None, "sofa_l", "sofa_r", None, "plant", "bookshelf"])
    t.put(x0 + 3, y0 + 4, "table")
    t.put(x0 + 5, y0 + 4, "table")
    t.put(x0 + 1, y0 + 5, "plant")
    x0, y0 = 48, 11
    t.row(x0 + 1, y0 + 2, ["bookshelf", "bookshelf", None, None, "desk_pc", "desk_pc", "plant"])
    t.row(x0 + 5, y0 + 3, ["chair_n", "chair_n"])
    t.row(x0 + 2, y0 + 4, ["sofa_l", "sofa_r"])
    t.put(x0 + 7, y0 + 5, "plant")
    x0, y0 = 45, 27
    t.row(x0 + 1, y0 + 2, ["cabinet", "counter", "counter", None, None, "plant", "cabinet"])
    t.table(x0 + 3, y0 + 4, 3, chairs=False)
    t.row(x0 + 3, y0 + 3, ["chair_s", "chair_s", "chair_s"])
    t.put(x0 + 1, y0 + 5, "plant")
    x0, y0 = 26, 27
    t.row(x0 + 1, y0 + 2, ["bookshelf", "bookshelf", "bookshelf", None, "bookshelf", "bookshelf", "bookshelf"])
    t.table(x0 + 3, y0 + 4, 3, chairs=False)
    t.row(x0 + 3, y0 + 3, ["chair_s", None, "chair_s"])
    t.put(x0 + 1, y0 + 5, "plant")
    t.put(x0 + 7, y0 + 5, "plant")


def outdoors(t):
    # The square: a fountain, lamps, benches around it.
    for i in range(16):
        t.put(38 + i % 4, 19 + i // 4, f"fountain_{i}")
    for x, y in ((34, 16), (45, 16), (34, 25), (45, 25)):
        t.put(x, y, "lamp")
    for x in (37, 42):
        t.put(x, 17, "bench")
        t.put(x, 24, "bench")
    t.start = [(37, 19), (42, 19), (37, 22), (42, 22), (39, 18), (40, 23), (36, 20), (43, 21)]

    # Lamps along the paths.
    for x, y in ((13, 22), (16, 22), (26, 22), (38, 10), (41, 5), (47, 7), (53, 8), (57, 19),
                 (38, 30), (41, 30), (24, 34), (54, 34), (20, 29)):
        if t.canPut(x, y):
            t.put(x, y, "lamp")

    # Hedges on either side of the house doors.
    for x0, y0, door in ((31, 6, 35), (48, 11, 52), (45, 27, 49), (26, 27, 30)):
        for x in range(x0, x0 + 9):
            if abs(x - door) > 1 and t.canPut(x, y0 + 8) and (x, y0 + 8) not in t.dirt:
                if x in (x0, x0 + 8) or abs(x - door) == 2:
                    t.put(x, y0 + 8, "bush")

    # Flowers.
    for cx, cy, r, seed in ((31, 18, 2, 1), (49, 24, 2, 2), (22, 28, 2, 3), (8, 37, 2, 4),
                            (56, 6, 2, 5), (45, 3, 2, 6), (30, 31, 1, 7), (11, 23, 2, 8),
                            (56, 25, 2, 9), (34, 3, 1, 10), (3, 24, 1, 11)):
        t.flowerbed(cx, cy, r, seed)

    # Trees: a wood around the edges, a few in the meadows.
    planted = [
        (1, 25), (1, 30), (1, 36), (4, 39), (8, 39), (12, 39), (15, 38),
        (21, 32), (22, 39), (25, 39), (29, 39), (33, 39), (37, 39), (43, 39), (47, 39),
        (51, 39), (55, 39), (58, 39), (58, 33), (58, 28), (57, 24),
        (58, 17), (58, 12), (58, 7), (58, 3), (54, 3), (50, 3), (46, 6), (44, 10),
        (29, 3), (25, 3), (21, 3), (17, 3), (13, 3), (9, 3), (5, 3), (1, 3),
        (0, 8), (0, 13), (0, 18), (44, 14), (24, 30), (24, 26), (21, 26),
        (36, 3), (42, 3),
    ]
    for i, (x, y) in enumerate(planted):
        if y == 3 and i % 2:
            y = 2  # a ragged edge to the wood
        if not t.tree(x, y, "2" if i % 7 == 3 else ""):
            print(f"no room for a tree at {(x, y)}", file=sys.stderr)
    # Reeds on the banks of the pond, a few rocks and stumps.
    rng = random.Random(11)
    for x, y in sorted(t.water):
        for dx, dy in ((0, 1), (1, 0), (-1, 0), (0, -1), (1, 1), (-1, 1)):
            cell = (x + dx, y + dy)
            if t.canPut(*cell) and cell not in t.water and rng.random() < 0.2:
                t.ground[cell] = "reeds"
    for x, y, name in ((16, 33, "rock"), (2, 34, "stump"), (23, 20, "rock"), (57, 30, "rock"),
                       (44, 8, "stump"), (28, 13, "rock"), (9, 24, "rock"), (55, 37, "stump")):
        if t.canPut(x, y):
            t.put(x, y, name)
    # Bushes here and there on the grass.
    rng = random.Random(7)
    for _ in range(40):
        x, y = rng.randrange(WIDTH), rng.randrange(HEIGHT)
        if t.canPut(x, y) and (x, y) not in t.above and not any(
            (x + dx, y + dy) in t.dirt | t.stone | t.water for dx in (-1, 0, 1) for dy in (-1, 0, 1)
        ):
            t.put(x, y, "bush")


def townZones(t):
    """
    The town's zones, with WorkAdventure's property names, and the way
    back from the café.
    """
    t.zone("meeting-room-1", 11, 6, 18, 11, [
        ("jitsiRoom", "ark-meeting-1"),
        ("jitsiTrigger", "onenter"),
    ], room=True)
    t.zone("meeting-room-2", 20, 6, 26, 11, [
        ("jitsiRoom", "ark-meeting-2"),
        ("jitsiTrigger", "onaction"),
        ("jitsiTriggerMessage", "Press E to join the meeting"),
    ], room=True)
    t.zone("library", 3, 6, 9, 11, [("silent", True)], room=True)
    t.zone("lounge", 13, 14, 19, 19, [
        ("playAudio", SOUND_NAME),
        ("audioVolume", 0.4),
        ("audioLoop", True),
    ], room=True)
    t.zone("agents-corner", 3, 16, 5, 19, [
        ("agentId", "scout"),
        ("agentTrigger", "onaction"),
        ("triggerMessage", "Press E to talk to Scout, the guide"),
    ])
    x, y = CAFE_DOOR
    t.zone("cafe-door", x, y, x, y, [("exitUrl", f"{CAFE_NAME}#from-town")])
    t.entries["from-cafe"] = [(x, y + 1), (x - 1, y + 1), (x, y + 2), (x - 1, y + 2)]


def townAgents(t):
    """
    The six agents of the original game, each at home where its work is:
    the host by the spawn on the square, the guide in the agents' corner,
    the scribe in the library, the analyst on the path into the square,
    the adviser in the lounge and the wizard by the pond.  Each knows what
    its knowledge file (maps/knowledge/) says, and what its world tools
    can look up; "ask anyone" goes by their topics, and to the host when
    none fits.
    """
    for name, home, role, sprite, topics, tools in (
        ("Maven", (44, 22), "the host", "robot",
         "welcome, help, how to move, walking, running, keys, chat, messages, voice, video, "
         "microphone, camera, meetings, doors, agents, status, getting started",
         ""),
        ("Scout", (4, 18), "the guide", "explorer",
         "where places are, finding people, the way, directions, library, lounge, "
         "meeting rooms, cafe, who is online, where someone is, locate, map",
         "find_place, locate_player, who_is_online"),
        ("Chronicle", (4, 7), "the scribe", "owl",
         "what was said, what happened, recent news, what I missed, who came, arrivals, "
         "meetings held, history, summary",
         "recent_chat"),
        ("Trends", (32, 23), "the analyst", "astronaut",
         "busy, busiest, crowded, quiet, how many people, headcount, popular, peak, "
         "topics, trending, statistics",
         "headcounts"),
        ("Sage", (14, 15), "the adviser", "gardener",
         "advice, focus, productivity, feedback, decisions, better meetings, teamwork, "
         "stress, rest",
         ""),
        ("Gandalfius", (18, 30), "the freelancing wizard", "wizard",
         "freelancing, pricing, rates, price, quotes, proposals, scoping, scope, estimates, "
         "clients, invoices, getting paid, change requests",
         ""),
    ):
        properties = [("agentId", name.lower()), ("role", role), ("sprite", sprite),
                      ("knowledge", "knowledge/%s.md" % (name.lower(),)), ("topics", topics)]
        if tools:
            properties.append(("tools", tools))
        if name == "Maven":
            properties.append(("fallback", True))
        t.agents.append((name, home, properties))


def makeTown():
    town = Town()
    layout(town)
    furnish(town)
    town.paveGround()
    town.floor(37, 18, 42, 23, "slabs")
    town.buildWalls()
    outdoors(town)
    townZones(town)
    townAgents(town)
    return town


# --- The café -------------------------------------------------------------


def makeCafe():
    """
    The inside of the café: a counter with the coffee machines behind it,
    small tables under the windows, a long table, a sofa corner on a rug,
    and a glass door back to the town.
    """
    t = Town(CAFE_WIDTH, CAFE_HEIGHT, seed=7)
    t.floor(0, 0, t.width - 1, t.height - 1, "wood")
    t.building(0, 0, t.width - 1, t.height - 1, face="brick", floor="wood")
    # Behind the counter: tiles.
    t.floor(1, 2, 8, 4, "tiles")
    for x, y in CAFE_EXIT:
        t.door(x, y, "door_glass")
    for x in (3, 4, 5):
        t.faceDecor[x, 1] = "plaster_board"  # the menu
    for x in (11, 15, 19):
        t.faceDecor[x, 1] = "plaster_window"
    t.faceDecor[8, 1] = "plaster_picture"
    t.faceDecor[21, 1] = "plaster_picture"
    for x in (3, 6, 17, 20):
        t.faceDecor[x, t.height - 1] = "brick_window"

    # The counter, with a way round its east end.
    t.row(1, 2, ["cabinet", "counter", "counter", "cabinet", "counter", "cabinet", "bookshelf"])
    t.row(1, 5, ["counter", "table_l", "table_m", "table_m", "table_m", "table_m", "table_r"])
    t.put(8, 2, "plant")

    # Tables for two under the windows.
    for x in (11, 15, 19):
        t.put(x, 4, "table")
        t.put(x, 3, "chair_s")
        t.put(x, 5, "chair_n")
    # A rug in the middle, with a long table on it.
    for y in range(7, 12):
        for x in range(12, 20):
            part = ("n" if y == 7 else "s" if y == 11 else "") + ("w" if x == 12 else "e" if x == 19 else "")
            t.ground[x, y] = f"rug_{part}" if part else "rug"
    t.table(13, 9, 6)
    # The sofa corner.
    for y in range(10, 15):
        for x in range(1, 7):
            part = ("n" if y == 10 else "s" if y == 14 else "") + ("w" if x == 1 else "e" if x == 6 else "")
            t.ground[x, y] = f"rug_{part}" if part else "rug"
    t.row(2, 11, ["sofa_l", "sofa_r", None, "sofa_l", "sofa_r"])
    t.put(2, 13, "table")
    t.put(5, 13, "table")
    t.put(1, 14, "bookshelf")
    t.put(6, 14, "plant")
    # Tables by the east wall, plants by the door and in the corners.
    for y in (8, 12):
        t.put(22, y, "table")
        t.put(22, y - 1, "chair_s")
        t.put(22, y + 1, "chair_n")
    # Tables for two by the door.
    for x in (16, 20):
        t.put(x, 13, "table")
        t.put(x, 12, "chair_s")
        t.put(x, 14, "chair_n")
    for x, y in ((1, 7), (10, 15), (13, 15), (22, 15), (22, 2), (9, 2), (18, 15)):
        t.put(x, y, "plant")
    t.buildWalls()

    t.start = [(4, 7), (5, 7), (6, 7), (4, 6), (5, 6)]
    x0, x1 = CAFE_EXIT[0][0], CAFE_EXIT[-1][0]
    y = CAFE_EXIT[0][1]
    t.zone("door", x0, y, x1, y, [("exitUrl", f"{MAP_NAME}#from-cafe")])
    t.entries["from-town"] = [(x0, y - 2), (x1, y - 2), (x0, y - 3), (x1, y - 3)]
    return t


# --- Checks ---------------------------------------------------------------


def reachable(t):
    """
    @return: C{(free, reached)}: the tiles nothing solid stands on, and
        those of them a player can walk to from the first spawn tile.
    """
    blocked = set()
    for layer in (t.ground, t.walls, t.above):
        blocked |= {cell for cell, name in layer.items() if TILES[name] in SOLID}
    free = {(x, y) for y in range(t.height) for x in range(t.width)} - blocked
    spawns = list(t.start) + [cell for cells in t.entries.values() for cell in cells]
    for cell in spawns:
        assert cell in free, f"spawn tile {cell} is blocked"
    reached = {t.start[0]}
    todo = [t.start[0]]
    while todo:
        x, y = todo.pop()
        for dx, dy, _ in NEIGHBOURS:
            cell = (x + dx, y + dy)
            if cell in free and cell not in reached:
                reached.add(cell)
                todo.append(cell)
    for cell in spawns:
        assert cell in reached, f"spawn tile {cell} cannot be reached"
    return free, reached


def checkZones(t, free, reached):
    """
    Check that every zone lies on the map, that players can walk into it,
    and that a room's zone covers exactly its floor: no wall inside it, and
    walls (or doorways) all round it.
    """
    walls = t.wallCells | set(t.doors)
    for name, (x0, y0, x1, y1), _, room in t.zones:
        cells = {(x, y) for y in range(y0, y1 + 1) for x in range(x0, x1 + 1)}
        assert all(t.inside(*cell) for cell in cells), f"zone {name} is off the map"
        assert cells & reached, f"zone {name} cannot be walked into"
        if not room:
            continue
        assert not cells & walls, f"zone {name} covers walls: {sorted(cells & walls)}"
        ring = {(x, y) for x in range(x0 - 1, x1 + 2) for y in (y0 - 1, y1 + 1)}
        ring |= {(x, y) for y in range(y0, y1 + 1) for x in (x0 - 1, x1 + 1)}
        ring -= {(x0 - 1, y0 - 1), (x1 + 1, y0 - 1), (x0 - 1, y1 + 1), (x1 + 1, y1 + 1)}
        open_ = {cell for cell in ring - walls if cell not in t.reserved}
        assert not open_, f"zone {name} is not the whole room: {sorted(open_)}"


def checkAgents(t, reached):
    """
    Check that every agent's home is a tile players can walk to, so they
    can meet it there.
    """
    for name, home, _ in t.agents:
        assert home in reached, f"agent {name}'s home {home} cannot be walked to"


# --- Output ---------------------------------------------------------------


def gids(t, layer):
    return [TILES[layer[x, y]] + 1 if (x, y) in layer else 0 for y in range(t.height) for x in range(t.width)]


def propertyList(pairs):
    """Tiled's custom properties, typed."""
    types = {bool: "bool", int: "int", float: "float", str: "string"}
    return [{"name": name, "type": types[type(value)], "value": value} for name, value in pairs]


def document(t):
    start = {cell: "stone" for cell in t.start}
    tileLayers = [
        ("ground", t.ground, True, None),
        ("walls", t.walls, True, None),
        ("start", start, False, None),
    ]
    for name, cells in t.entries.items():
        tileLayers.append((name, {cell: "stone" for cell in cells}, False, [("startLayer", True)]))
    layers = []
    for name, cells, visible, properties in tileLayers:
        layer = {
            "data": gids(t, cells),
            "height": t.height,
            "id": len(layers) + 1,
            "name": name,
            "opacity": 1,
        }
        if properties:
            layer["properties"] = propertyList(properties)
        layer.update({
            "type": "tilelayer",
            "visible": visible,
            "width": t.width,
            "x": 0,
            "y": 0,
        })
        layers.append(layer)
    objects = []
    for name, (x0, y0, x1, y1), properties, _ in t.zones:
        objects.append({
            "height": (y1 - y0 + 1) * TILE,
            "id": len(objects) + 1,
            "name": name,
            "properties": propertyList(properties),
            "rotation": 0,
            "type": "area",
            "visible": True,
            "width": (x1 - x0 + 1) * TILE,
            "x": x0 * TILE,
            "y": y0 * TILE,
        })
    layers.append({
        "draworder": "topdown",
        "id": len(layers) + 1,
        "name": "zones",
        "objects": objects,
        "opacity": 1,
        "type": "objectgroup",
        "visible": False,
        "x": 0,
        "y": 0,
    })
    layers.append({
        "draworder": "topdown",
        "id": len(layers) + 1,
        "name": "floorLayer",
        "objects": [],
        "opacity": 1,
        "type": "objectgroup",
        "visible": True,
        "x": 0,
        "y": 0,
    })
    layers.append({
        "data": gids(t, t.above),
        "height": t.height,
        "id": len(layers) + 1,
        "name": "above",
        "opacity": 1,
        "type": "tilelayer",
        "visible": True,
        "width": t.width,
        "x": 0,
        "y": 0,
    })
    if t.agents:
        agents = []
        for name, (x, y), properties in t.agents:
            agents.append({
                "height": 0,
                "id": len(objects) + len(agents) + 1,
                "name": name,
                "point": True,
                "properties": propertyList(properties),
                "rotation": 0,
                "type": "agent",
                "visible": True,
                "width": 0,
                "x": x * TILE + TILE // 2,
                "y": y * TILE + TILE // 2,
            })
        objects = objects + agents
        # Last, so that adding them renumbered none of the other layers.
        layers.append({
            "draworder": "topdown",
            "id": len(layers) + 1,
            "name": "agents",
            "objects": agents,
            "opacity": 1,
            "type": "objectgroup",
            "visible": False,
            "x": 0,
            "y": 0,
        })
    return {
        "compressionlevel": -1,
        "height": t.height,
        "infinite": False,
        "layers": layers,
        "nextlayerid": len(layers) + 1,
        "nextobjectid": len(objects) + 1,
        "orientation": "orthogonal",
        "renderorder": "right-down",
        "tiledversion": "1.11.2",
        "tileheight": TILE,
        "tilesets": [{"firstgid": 1, "source": TSJ_NAME}],
        "tilewidth": TILE,
        "type": "map",
        "version": "1.10",
        "width": t.width,
    }


def serialise(doc):
    """
    JSON with each layer's data written one map row per line, as diffs
    of the map are then readable.
    """
    doc = json.loads(json.dumps(doc))
    width, height = doc["width"], doc["height"]
    rows = {}
    for layer in doc["layers"]:
        if "data" in layer:
            marker = f"@@data{layer['id']}@@"
            data = layer["data"]
            rows[marker] = ",\n".join(
                "    " + ", ".join(str(g) for g in data[r * width:(r + 1) * width]) for r in range(height)
            )
            layer["data"] = marker
    text = json.dumps(doc, indent=1)
    for marker, body in rows.items():
        text = text.replace(f'"{marker}"', "[\n" + body + "\n   ]")
    return text + "\n"


ZONE_COLOURS = {
    "jitsiRoom": (80, 200, 255),
    "silent": (255, 255, 255),
    "playAudio": (255, 120, 220),
    "agentId": (255, 220, 60),
    "exitUrl": (255, 80, 60),
}


AGENT_COLOUR = (190, 110, 255)


def preview(doc, path):
    """
    Draw the visible tile layers into a PNG, then, over them, the tiles of
    the hidden start layers (green), the outlines of the zones and the
    agents' homes (purple).
    """
    from PIL import Image, ImageDraw

    width, height = doc["width"], doc["height"]
    sheet = Image.open(os.path.join(MAPS, PNG_NAME)).convert("RGBA")
    columns = sheet.width // TILE
    tiles = {}
    image = Image.new("RGBA", (width * TILE, height * TILE), (0, 0, 0, 255))
    for layer in doc["layers"]:
        if layer["type"] != "tilelayer" or not layer["visible"]:
            continue
        for i, gid in enumerate(layer["data"]):
            if not gid:
                continue
            if gid not in tiles:
                row, column = divmod(gid - 1, columns)
                tiles[gid] = sheet.crop((column * TILE, row * TILE, (column + 1) * TILE, (row + 1) * TILE))
            y, x = divmod(i, width)
            image.alpha_composite(tiles[gid], (x * TILE, y * TILE))
    marks = Image.new("RGBA", image.size, (0, 0, 0, 0))
    pen = ImageDraw.Draw(marks)
    for layer in doc["layers"]:
        if layer["type"] == "tilelayer" and not layer["visible"]:
            for i, gid in enumerate(layer["data"]):
                if gid:
                    y, x = divmod(i, width)
                    pen.ellipse((x * TILE + 8, y * TILE + 8, x * TILE + 23, y * TILE + 23),
                                fill=(60, 230, 90, 170), outline=(0, 60, 20, 255))
    for layer in doc["layers"]:
        if layer["type"] == "objectgroup" and layer["name"] == "zones":
            for zone in layer["objects"]:
                names = [p["name"] for p in zone["properties"]]
                colour = next((c for key, c in ZONE_COLOURS.items() if key in names), (255, 255, 255))
                x0, y0 = zone["x"], zone["y"]
                x1, y1 = x0 + zone["width"] - 1, y0 + zone["height"] - 1
                pen.rectangle((x0, y0, x1, y1), fill=colour + (40,))
                for inset in range(3):
                    pen.rectangle((x0 + inset, y0 + inset, x1 - inset, y1 - inset), outline=colour + (255,))
                pen.text((x0 + 5, y0 + 4), zone["name"], fill=(0, 0, 0, 255))
                pen.text((x0 + 4, y0 + 3), zone["name"], fill=colour + (255,))
        if layer["type"] == "objectgroup" and layer["name"] == "agents":
            for agent in layer["objects"]:
                x, y = agent["x"], agent["y"]
                pen.rectangle((x - 5, y - 5, x + 5, y + 5), fill=AGENT_COLOUR + (220,),
                              outline=(0, 0, 0, 255))
                pen.text((x + 8, y - 5), agent["name"], fill=(0, 0, 0, 255))
                pen.text((x + 7, y - 6), agent["name"], fill=AGENT_COLOUR + (255,))
    image.alpha_composite(marks)
    image.save(path)


def build(t, name):
    """Check a map, write it into maps/, and return its JSON document."""
    free, reached = reachable(t)
    share = len(reached) / len(free)
    unreached = sorted(free - reached, key=lambda c: (c[1], c[0]))
    assert share == 1, f"only {share:.1%} of the free tiles are reachable: {unreached[:20]}"
    checkZones(t, free, reached)
    checkAgents(t, reached)

    doc = document(t)
    for layer in doc["layers"]:
        if layer["type"] == "tilelayer":
            assert len(layer["data"]) == t.width * t.height
            assert all(0 <= gid <= TILECOUNT for gid in layer["data"])
    text = serialise(doc)
    assert json.loads(text) == doc
    with open(os.path.join(MAPS, name), "w", encoding="utf-8") as f:
        f.write(text)
    agents = f"; {len(t.agents)} agents" if t.agents else ""
    print(f"wrote {name}: {len(free)} free tiles, all reachable; {len(t.zones)} zones{agents}")
    return doc


def main(argv):
    parser = argparse.ArgumentParser(description=f"Build maps/{MAP_NAME} and maps/{CAFE_NAME}.")
    parser.add_argument(
        "--preview", metavar="PATH",
        help="also draw the town into this PNG, and the café into PATH with -cafe before its extension",
    )
    args = parser.parse_args(argv)

    previews = []
    for name, make in ((MAP_NAME, makeTown), (CAFE_NAME, makeCafe)):
        previews.append(build(make(), name))
    if args.preview:
        root, ext = os.path.splitext(args.preview)
        for doc, path in zip(previews, (args.preview, f"{root}-cafe{ext or '.png'}")):
            preview(doc, path)
            print(f"preview in {path}")


if __name__ == "__main__":
    main(sys.argv[1:])
