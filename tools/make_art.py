"""
Draw the default world's tileset: maps/town-tiles.png and its Tiled
tileset maps/town-tiles.tsj.

Every pixel is drawn here, from code: no image is copied from anywhere.
The noise comes from generators seeded by each tile's name, so running the
script twice writes identical files:

    python tools/make_art.py

Tiles are 32x32 pixels, lit from the top left: light edges up and left,
dark edges down and right, and a 1 pixel dark outline around things that
stand on the ground.  C{TILES} maps each tile's name to its id in the
tileset (GID - 1 in a map whose tileset has C{firstgid} 1);
tools/make_town.py builds the default map with it.

Naming conventions:

  - ground that blends into grass (C{dirt}, C{stone}) and the tops of walls
    (C{wall}) come in 16 variants named after the sides where the same
    ground continues: C{dirt_nesw} is surrounded by path, C{dirt_ns} is a
    north-south path with grass east and west, C{dirt_o} is alone.  C{dirt}
    and C{stone} alone are aliases of the C{_nesw} variants.  C{_in_ne} and
    so on are the surrounded variants with grass in one corner (where two
    paths meet);
  - C{water} tiles are named after their corners that are under water:
    C{water} is open water, C{water_nw} has water only in its north-west
    corner, C{water_sw-se} has its south half under water (the shore runs
    east-west), and so on; a pond is drawn by choosing which corners of the
    map's grid are wet.  C{water_lily} is open water with lily pads;
  - C{rug} comes as a 3x3 block: C{rug} is its middle, C{rug_n} its north
    edge, C{rug_nw} its north-west corner;
  - C{brick}, C{stonewall} and C{plaster} are the front faces of walls
    (outside, outside, inside); C{_l}, C{_r} and C{_lr} end the wall on the
    left, the right or both;
  - multi-tile things (C{canopy}, C{canopy2}, C{fountain}, C{roof}) are
    numbered row by row from their top left tile.
"""

import json
import math
import os
import random
import sys
import zlib

from PIL import Image

TILE = 32
COLUMNS = 16

HERE = os.path.dirname(os.path.abspath(__file__))
MAPS = os.path.join(HERE, os.pardir, "maps")
PNG_NAME = "town-tiles.png"
TSJ_NAME = "town-tiles.tsj"


# --- Palette --------------------------------------------------------------

OUTLINE = (40, 34, 50)
SHADOW = (20, 24, 40, 70)

GRASS = [(52, 104, 62), (72, 134, 68), (96, 162, 78), (128, 186, 92), (166, 208, 110)]
DIRT = [(132, 96, 66), (164, 124, 84), (192, 152, 104), (214, 180, 130), (230, 204, 156)]
STONE = [(84, 84, 100), (112, 112, 128), (150, 150, 162), (182, 180, 190), (212, 210, 216)]
WOOD = [(92, 58, 40), (128, 84, 54), (164, 114, 70), (196, 146, 94), (222, 178, 122)]
CARPET = [(62, 76, 108), (78, 94, 130), (92, 110, 148), (110, 130, 166)]
TILEFLOOR = [(150, 154, 162), (192, 198, 202), (214, 216, 212), (232, 232, 226)]
FLOOR = [(116, 74, 48), (158, 108, 68), (184, 132, 84), (204, 154, 100), (222, 178, 122)]
SLABS = [(130, 118, 104), (176, 164, 142), (200, 190, 168), (222, 214, 194)]
BRICK = [(112, 48, 44), (150, 66, 54), (178, 86, 64), (204, 114, 84)]
MORTAR = [(150, 132, 118), (196, 180, 156)]
CAP = [(66, 58, 66), (90, 80, 88), (110, 100, 106), (138, 128, 132)]
PLASTER = [(196, 182, 156), (222, 210, 184), (238, 230, 208), (250, 246, 232)]
WATER = [(38, 78, 140), (52, 106, 176), (70, 134, 204), (104, 170, 226), (190, 230, 248)]
LEAVES = [(30, 70, 52), (42, 100, 62), (64, 136, 70), (104, 172, 84), (152, 204, 100)]
BLOSSOM = [(92, 50, 74), (150, 70, 100), (206, 110, 140), (236, 158, 180), (252, 212, 222)]
BARK = [(70, 46, 36), (98, 66, 46), (128, 90, 60), (156, 116, 78)]
ROOF_RED = [(96, 38, 42), (136, 54, 50), (172, 76, 60), (204, 108, 78), (228, 146, 104)]
ROOF_BLUE = [(38, 48, 78), (54, 72, 112), (74, 98, 146), (102, 130, 176), (144, 170, 206)]
RUG = [(96, 30, 44), (140, 44, 54), (172, 62, 64), (226, 182, 96), (44, 52, 96), (236, 220, 178)]
METAL = [(44, 46, 58), (70, 74, 88), (110, 114, 128), (160, 164, 176)]
POT = [(128, 60, 42), (168, 88, 56), (204, 124, 80)]
CUSHION = [(40, 84, 96), (56, 118, 130), (84, 150, 158)]
GLASS = [(70, 110, 150), (120, 170, 206), (176, 214, 236), (230, 244, 250)]
BOOKS = [
    ((160, 52, 56), (196, 82, 76)),
    ((52, 86, 150), (84, 120, 184)),
    ((58, 124, 76), (90, 160, 100)),
    ((210, 160, 60), (236, 196, 100)),
    ((112, 72, 140), (146, 104, 176)),
    ((226, 218, 196), (246, 240, 224)),
]
FLOWERS = {
    "red": ((196, 52, 64), (236, 96, 96)),
    "white": ((204, 204, 212), (250, 250, 246)),
    "blue": ((76, 96, 196), (120, 150, 236)),
    "yellow": ((214, 164, 40), (250, 216, 84)),
    "pink": ((206, 98, 150), (242, 156, 196)),
}

# Edge bits: a side is "connected" when the same ground continues there.
N, E, S, W = 1, 2, 4, 8
SIDES = ((N, "n"), (E, "e"), (S, "s"), (W, "w"))
CORNERS = ("ne", "se", "sw", "nw")


# Corner bits, for water: which corners of a tile are under water.
NW, NE, SE, SW = 1, 2, 4, 8
CORNER_BITS = (("nw", NW), ("ne", NE), ("se", SE), ("sw", SW))


def waterName(corners):
    """
    @return: the name of the water tile whose corners in C{corners} (NW,
        NE, SE, SW bits) are wet.
    """
    if corners == 15:
        return "water"
    return "water_" + "-".join(name for name, bit in CORNER_BITS if corners & bit)


def maskName(prefix, mask):
    """
    @return: the name of the variant of C{prefix} connected on the sides in
        C{mask}, e.g. C{dirt_nw}; C{dirt_o} when connected on no side.
    """
    letters = "".join(letter for bit, letter in SIDES if mask & bit)
    return f"{prefix}_{letters or 'o'}"


# --- The sheet's layout ---------------------------------------------------
#
# Blocks of tile names (rows of names, None for an empty slot) are packed
# first-fit into a sheet COLUMNS wide, so that things larger than a tile
# stay together in the image, as a map maker would stamp them in Tiled.


def _blocks():
    masks = lambda prefix: [[maskName(prefix, m) for m in range(16)]]  # noqa: E731
    inner = lambda prefix: [[f"{prefix}_in_{c}" for c in CORNERS]]  # noqa: E731
    nine = lambda p: [  # noqa: E731
        [f"{p}_nw", f"{p}_n", f"{p}_ne"],
        [f"{p}_w", p, f"{p}_e"],
        [f"{p}_sw", f"{p}_s", f"{p}_se"],
    ]
    faces = []
    for kind in ("brick", "stonewall", "plaster"):
        faces += [kind, f"{kind}_l", f"{kind}_r", f"{kind}_lr"]
    return [
        [["grass_0", "grass_1", "grass_2", "flowers_0", "flowers_1", "flowers_2",
          "wood", "carpet", "tiles", "bush", "plant", "lamp", "bench", "chair_s", "chair_n",
          "bookshelf"]],
        masks("dirt"),
        masks("stone"),
        [[maskName("wall", m) for m in range(r * 4, r * 4 + 4)] for r in range(4)],
        [[waterName(m) if m else "water_lily" for m in range(r * 4, r * 4 + 4)] for r in range(4)],
        [[f"fountain_{i}" for i in range(r * 4, r * 4 + 4)] for r in range(4)],
        [[f"canopy_{i}" for i in range(r * 3, r * 3 + 3)] for r in range(3)] + [[None, "trunk", None]],
        [[f"canopy2_{i}" for i in range(r * 3, r * 3 + 3)] for r in range(3)] + [[None, "trunk2", None]],
        nine("rug"),
        [["slabs", "rock", "reeds", "stump"]],
        [["roof_0", "roof_1", "roof_2"], ["roof_3", "roof_4", "roof_5"]],
        [["roofb_0", "roofb_1", "roofb_2"], ["roofb_3", "roofb_4", "roofb_5"]],
        inner("dirt") + inner("stone"),
        [faces],
        [["brick_window", "stonewall_window", "plaster_window", "plaster_board",
          "plaster_picture", "door", "door_glass", "table_l", "table_m", "table_r", "table",
          "desk_pc", "sofa_l", "sofa_r", "cabinet", "counter"]],
    ]


def _pack(blocks, columns):
    """
    Place blocks first-fit, top to bottom then left to right.

    @return: C{({name: id}, rows)}.
    """
    taken = set()
    ids = {}
    rows = 0
    for block in blocks:
        height, width = len(block), max(len(row) for row in block)
        row = 0
        while True:
            spot = None
            for column in range(columns - width + 1):
                if all((row + r, column + c) not in taken
                       for r in range(height) for c in range(width)):
                    spot = column
                    break
            if spot is not None:
                break
            row += 1
        for r, names in enumerate(block):
            for c, name in enumerate(names):
                taken.add((row + r, spot + c))
                if name is not None:
                    assert name not in ids, name
                    ids[name] = (row + r) * columns + spot + c
        rows = max(rows, row + height)
    return ids, rows


TILES, ROWS = _pack(_blocks(), COLUMNS)
ALIASES = {"dirt": "dirt_nesw", "stone": "stone_nesw"}
TILES.update({alias: TILES[name] for alias, name in ALIASES.items()})
TILECOUNT = ROWS * COLUMNS

# Tiles that block movement: the tileset gives them the property collides.
# Water blocks where at least half of the tile is wet.
COLLIDES = sorted(
    {
        name for name in TILES
        if name.split("_")[0] in (
            "wall", "brick", "stonewall", "plaster", "trunk", "trunk2", "bush", "rock",
            "table", "desk", "bookshelf", "plant", "fountain", "lamp", "bench", "sofa",
            "cabinet", "counter", "stump",
        )
    }
    | {"water_lily"}
    | {waterName(m) for m in range(1, 16) if bin(m).count("1") >= 2}
)


# --- Drawing helpers ------------------------------------------------------


def seeded(name):
    """
    @return: a random generator that depends only on C{name}.
    """
    return random.Random(zlib.crc32(name.encode("utf-8")))


def blank(width=TILE, height=TILE):
    return Image.new("RGBA", (width, height), (0, 0, 0, 0))


def rgba(color):
    return color if len(color) == 4 else (*color, 255)


class Pen:
    """
    Pixel drawing on an RGBA image, clipped to it.
    """

    def __init__(self, image):
        self.image = image
        self.pixels = image.load()
        self.width, self.height = image.size

    def inside(self, x, y):
        return 0 <= x < self.width and 0 <= y < self.height

    def put(self, x, y, color):
        if self.inside(x, y):
            self.pixels[x, y] = rgba(color)

    def get(self, x, y):
        return self.pixels[x, y]

    def opaque(self, x, y):
        return self.inside(x, y) and self.pixels[x, y][3] == 255

    def rect(self, x0, y0, x1, y1, color):
        """Fill the rectangle with corners (x0, y0) and (x1, y1), included."""
        for y in range(y0, y1 + 1):
            for x in range(x0, x1 + 1):
                self.put(x, y, color)

    def box(self, x0, y0, x1, y1, fill, light, dark, outline=OUTLINE):
        """A shaded box: outline, light top-left inner edge, dark bottom-right."""
        self.rect(x0, y0, x1, y1, outline)
        self.rect(x0 + 1, y0 + 1, x1 - 1, y1 - 1, dark)
        self.rect(x0 + 1, y0 + 1, x1 - 2, y1 - 2, light)
        self.rect(x0 + 2, y0 + 2, x1 - 2, y1 - 2, fill)

    def disc(self, cx, cy, r, color):
        for y in range(int(cy - r) - 1, int(cy + r) + 2):
            for x in range(int(cx - r) - 1, int(cx + r) + 2):
                if (x + 0.5 - cx) ** 2 + (y + 0.5 - cy) ** 2 <= r * r:
                    self.put(x, y, color)

    def ellipse(self, cx, cy, rx, ry, color, blend=False):
        for y in range(int(cy - ry) - 1, int(cy + ry) + 2):
            for x in range(int(cx - rx) - 1, int(cx + rx) + 2):
                if ((x + 0.5 - cx) / rx) ** 2 + ((y + 0.5 - cy) / ry) ** 2 <= 1:
                    if blend:
                        self.shade(x, y, color)
                    else:
                        self.put(x, y, color)

    def shade(self, x, y, color):
        """Lay a translucent colour over the pixel (over what is there)."""
        if not self.inside(x, y):
            return
        under = Image.new("RGBA", (1, 1), self.pixels[x, y])
        over = Image.new("RGBA", (1, 1), rgba(color))
        self.pixels[x, y] = Image.alpha_composite(under, over).getpixel((0, 0))

    def outline(self, color=OUTLINE):
        """Darken the opaque pixels that touch a transparent one (or the edge)."""
        edge = []
        for y in range(self.height):
            for x in range(self.width):
                if self.pixels[x, y][3] != 255:
                    continue
                for dx, dy in ((1, 0), (-1, 0), (0, 1), (0, -1)):
                    nx, ny = x + dx, y + dy
                    if self.inside(nx, ny) and self.pixels[nx, ny][3] == 0:
                        edge.append((x, y))
                        break
        for x, y in edge:
            self.put(x, y, color)


def cut(image, columns, rows):
    """Cut a picture into tiles, row by row."""
    return [
        image.crop((c * TILE, r * TILE, (c + 1) * TILE, (r + 1) * TILE))
        for r in range(rows)
        for c in range(columns)
    ]


def mix(a, b, t):
    return tuple(round(a[i] + (b[i] - a[i]) * t) for i in range(3))


def wave(x, y, phase=0.0):
    """Smooth wobble, periodic over a tile so that edges line up."""
    tau = 2 * math.pi / TILE
    return (
        math.sin(tau * 2 * x + 0.7 + phase) * 0.9
        + math.sin(tau * 2 * y + 1.9 + phase) * 0.9
        + math.sin(tau * 3 * (x + y) + phase) * 0.6
    )


def edgeDistance(x, y, mask, inner=(), radius=10):
    """
    How far the centre of pixel (x, y) is inside a ground patch whose tile
    is connected on the sides in C{mask}: the distance to the nearest open
    side, with rounded outer corners, and to the corners in C{inner}.
    """
    cx, cy = x + 0.5, y + 0.5
    far = 99.0
    d = far
    openN, openE, openS, openW = (not mask & N), (not mask & E), (not mask & S), (not mask & W)
    if openN:
        d = min(d, cy)
    if openS:
        d = min(d, TILE - cy)
    if openW:
        d = min(d, cx)
    if openE:
        d = min(d, TILE - cx)
    for vertical, horizontal, left, top in (
        (openN, openW, True, True), (openN, openE, False, True),
        (openS, openW, True, False), (openS, openE, False, False),
    ):
        if vertical and horizontal:
            kx = radius if left else TILE - radius
            ky = radius if top else TILE - radius
            if (cx < kx if left else cx > kx) and (cy < ky if top else cy > ky):
                d = min(d, radius - math.hypot(cx - kx, cy - ky))
    points = {"ne": (TILE, 0), "se": (TILE, TILE), "sw": (0, TILE), "nw": (0, 0)}
    for corner in inner:
        kx, ky = points[corner]
        d = min(d, math.hypot(cx - kx, cy - ky))
    return d


# --- Ground ---------------------------------------------------------------


def drawGrass(name, tufts=3):
    rng = seeded(name)
    image = blank()
    pen = Pen(image)
    pen.rect(0, 0, TILE - 1, TILE - 1, GRASS[2])
    # Soft light and dark blades all over.
    for _ in range(46):
        x, y = rng.randrange(TILE), rng.randrange(TILE - 1)
        if rng.random() < 0.5:
            pen.put(x, y, GRASS[3])
            pen.put(x, y + 1, GRASS[2])
        else:
            pen.put(x, y, GRASS[1])
    for _ in range(tufts):
        tuft(pen, rng.randrange(4, TILE - 4), rng.randrange(4, TILE - 3))
    return image


def tuft(pen, x, y):
    for dx in (-1, 0, 1):
        pen.put(x + dx, y + 1, GRASS[1])
    for dx, height in ((-2, 2), (0, 3), (2, 2)):
        for h in range(height):
            pen.put(x + dx, y - h, GRASS[3] if h < height - 1 else GRASS[4])
        pen.put(x + dx + 1, y, GRASS[1])


def drawFlowers(name, colours):
    rng = seeded(name)
    image = drawGrass(name, tufts=1)
    pen = Pen(image)
    spots = [(6, 6), (19, 5), (27, 14), (11, 16), (22, 22), (5, 26), (14, 27)]
    for i, (x, y) in enumerate(spots):
        x += rng.randrange(-1, 2)
        y += rng.randrange(-1, 2)
        colour = colours[(i + rng.randrange(len(colours))) % len(colours)]
        dark, light = FLOWERS[colour]
        # Leaves, then a round flower lit from the top left, on its shadow.
        pen.put(x - 3, y + 2, GRASS[3])
        pen.put(x - 2, y + 3, GRASS[1])
        pen.put(x + 3, y + 1, GRASS[3])
        for dx in range(-2, 3):
            for dy in range(-2, 3):
                if abs(dx) + abs(dy) <= 3 and (abs(dx), abs(dy)) != (2, 2):
                    pen.put(x + dx + 1, y + dy + 1, GRASS[0])
        for dx in range(-2, 3):
            for dy in range(-2, 3):
                if abs(dx) + abs(dy) <= 3 and (abs(dx), abs(dy)) != (2, 2):
                    lit = dx + dy < 0 or (dx, dy) == (0, 0)
                    pen.put(x + dx, y + dy, light if lit else dark)
        pen.put(x, y, (250, 226, 110) if colour != "yellow" else (255, 250, 226))
        pen.put(x - 1, y - 1, mix(light, (255, 255, 255), 0.5))
    return image


def dirtTexture(name):
    rng = seeded(name)
    image = blank()
    pen = Pen(image)
    pen.rect(0, 0, TILE - 1, TILE - 1, DIRT[2])
    for _ in range(70):
        x, y = rng.randrange(TILE), rng.randrange(TILE)
        pen.put(x, y, DIRT[3] if rng.random() < 0.55 else DIRT[1])
    for _ in range(4):
        x, y = rng.randrange(3, TILE - 4), rng.randrange(3, TILE - 4)
        pen.put(x, y, STONE[3])
        pen.put(x + 1, y, STONE[2])
        pen.put(x, y + 1, STONE[2])
        pen.put(x + 1, y + 1, STONE[1])
        pen.put(x + 2, y + 1, DIRT[1])
    return image


def drawDirt(name, mask, inner=()):
    image = dirtTexture(name)
    grass = drawGrass("dirt-grass", tufts=0)
    pen, grassPen = Pen(image), Pen(grass)
    for y in range(TILE):
        for x in range(TILE):
            d = edgeDistance(x, y, mask, inner, radius=12)
            depth = 4.6 + wave(x, y)
            if d < depth - 1:
                pen.put(x, y, grassPen.get(x, y))
            elif d < depth:
                pen.put(x, y, GRASS[1])
            elif d < depth + 1:
                pen.put(x, y, DIRT[1])
    return image


def cobbles(name):
    rng = seeded(name)
    image = blank()
    pen = Pen(image)
    shades = [STONE[2], (156, 152, 158), (144, 146, 160), (160, 158, 164), (138, 138, 150)]
    for course in range(TILE // 8):
        widths = []
        while sum(widths) < TILE:
            left = TILE - sum(widths)
            w = rng.choice((7, 8, 9, 10, 11))
            if left - w < 7:
                w = left
            widths.append(w)
        start = rng.randrange(TILE)
        for w in widths:
            shade = rng.choice(shades)
            for lx in range(w):
                for ly in range(8):
                    x, y = (start + lx) % TILE, course * 8 + ly
                    corner = (lx in (0, w - 2)) and (ly in (0, 6))
                    if ly == 7 or lx == w - 1 or corner:
                        colour = STONE[1]
                    elif ly == 0 or lx == 0:
                        colour = STONE[3]
                    elif ly == 6 or lx == w - 2:
                        colour = mix(shade, STONE[1], 0.45)
                    else:
                        colour = shade
                    pen.put(x, y, colour)
            start += w
    for _ in range(14):
        x, y = rng.randrange(TILE), rng.randrange(TILE)
        if pen.get(x, y)[:3] not in (STONE[1], STONE[3]):
            pen.put(x, y, mix(pen.get(x, y), STONE[4], 0.35))
    return image


def drawStone(name, mask, inner=()):
    image = cobbles("stone")
    grass = drawGrass("stone-grass", tufts=0)
    pen, grassPen = Pen(image), Pen(grass)
    for y in range(TILE):
        for x in range(TILE):
            d = edgeDistance(x, y, mask, inner, radius=6)
            if d < 0:
                pen.put(x, y, grassPen.get(x, y))
            elif d < 1:
                pen.put(x, y, STONE[0])
            elif d < 3:
                pen.put(x, y, STONE[3] if (x + y) % 7 else STONE[2])
            elif d < 4:
                pen.put(x, y, STONE[1])
    return image


def drawWood(name):
    rng = seeded(name)
    image = blank()
    pen = Pen(image)
    for row in range(TILE // 8):
        joint = (row * 12 + 6) % TILE
        for x in range(TILE):
            left = (x - joint) % TILE < 16
            base = FLOOR[2] if left != (row % 2 == 0) else mix(FLOOR[2], FLOOR[3], 0.35)
            for ly in range(8):
                y = row * 8 + ly
                colour = FLOOR[0] if ly == 7 else mix(base, FLOOR[4], 0.4) if ly == 0 else base
                pen.put(x, y, colour)
        for j in (joint, (joint + 16) % TILE):
            for ly in range(7):
                pen.put(j, row * 8 + ly, FLOOR[1])
        for _ in range(4):
            x, ly = rng.randrange(TILE), rng.randrange(2, 6)
            for dx in range(rng.randrange(3, 7)):
                xx = (x + dx) % TILE
                here = pen.get(xx, row * 8 + ly)[:3]
                if here != FLOOR[1]:
                    pen.put(xx, row * 8 + ly, mix(here, FLOOR[1], 0.5))
    return image


def drawSlabs(name):
    rng = seeded(name)
    image = blank()
    pen = Pen(image)
    for by in (0, 16):
        for bx in (0, 16):
            shade = rng.choice((SLABS[2], mix(SLABS[2], SLABS[3], 0.3), mix(SLABS[2], SLABS[1], 0.2)))
            for y in range(by, by + 16):
                for x in range(bx, bx + 16):
                    lx, ly = x - bx, y - by
                    if lx == 15 or ly == 15:
                        colour = SLABS[0]
                    elif lx == 0 or ly == 0:
                        colour = SLABS[3]
                    elif lx == 14 or ly == 14:
                        colour = SLABS[1]
                    else:
                        colour = shade
                    pen.put(x, y, colour)
    for _ in range(10):
        x, y = rng.randrange(2, 30), rng.randrange(2, 30)
        if x % 16 not in (0, 14, 15) and y % 16 not in (0, 14, 15):
            pen.put(x, y, SLABS[1])
    return image


def drawCarpet(name):
    rng = seeded(name)
    image = blank()
    pen = Pen(image)
    pen.rect(0, 0, TILE - 1, TILE - 1, CARPET[2])
    for y in range(TILE):
        for x in range(TILE):
            if (x + 2 * y) % 8 == 0 and y % 2 == 0:
                pen.put(x, y, CARPET[3])
            elif rng.random() < 0.12:
                pen.put(x, y, CARPET[1])
    return image


def drawTileFloor(name):
    image = blank()
    pen = Pen(image)
    for y in range(TILE):
        for x in range(TILE):
            light = ((x // 16) + (y // 16)) % 2 == 0
            base = TILEFLOOR[2] if light else TILEFLOOR[1]
            lx, ly = x % 16, y % 16
            if lx == 15 or ly == 15:
                colour = TILEFLOOR[0]
            elif lx == 0 or ly == 0:
                colour = TILEFLOOR[3]
            else:
                colour = base
            pen.put(x, y, colour)
    pen.put(4, 3, TILEFLOOR[3])
    pen.put(20, 19, TILEFLOOR[2])
    return image


def rugPixel(x, y, size=96):
    e = min(x, y, size - 1 - x, size - 1 - y)
    if e == 0:
        return RUG[0]
    if e <= 2:
        return RUG[5] if (x + y) % 2 == 0 and e == 1 else RUG[1]
    if e <= 4:
        return RUG[3]
    if e <= 7:
        return RUG[4]
    if e == 8:
        return RUG[3]
    lx, ly = x % 16, y % 16
    d = abs(lx - 8) + abs(ly - 8)
    if d == 7:
        return RUG[3]
    if d <= 2:
        return RUG[4] if d < 2 else RUG[3]
    if lx == 0 and ly == 0:
        return RUG[5]
    return RUG[2] if d > 4 else RUG[1]


def drawRug():
    image = blank(96, 96)
    pen = Pen(image)
    for y in range(96):
        for x in range(96):
            pen.put(x, y, rugPixel(x, y))
    return cut(image, 3, 3)


# --- Water ----------------------------------------------------------------


def wetness(x, y, corners):
    """
    How wet the pixel (x, y) of a water tile is, from its wet corners: the
    shore is where this is 1/2.  Also how far the pixel is from the shore,
    in pixels (negative on land).
    """
    u, v = (x + 0.5) / TILE, (y + 0.5) / TILE
    nw, ne, se, sw = (1.0 if corners & bit else 0.0 for bit in (NW, NE, SE, SW))
    f = nw * (1 - u) * (1 - v) + ne * u * (1 - v) + se * u * v + sw * (1 - u) * v
    du = ((ne - nw) * (1 - v) + (se - sw) * v) / TILE
    dv = ((sw - nw) * (1 - u) + (se - ne) * u) / TILE
    slope = math.hypot(du, dv)
    return f, (f - 0.5) / max(slope, 1 / 64)


def drawWater(name, corners, lilies=False):
    rng = seeded(name)
    image = blank()
    pen = Pen(image)
    for y in range(TILE):
        for x in range(TILE):
            _, d = wetness(x, y, corners)
            if d < -2:
                continue
            if d < 0:
                colour = (20, 40, 30, 60)
            elif d < 1.2:
                colour = OUTLINE
            elif d < 3:
                colour = WATER[4]
            elif d < 5.5:
                colour = WATER[3]
            elif d < 8:
                colour = WATER[2] if (x + y) % 2 else WATER[3]
            else:
                colour = WATER[2]
            pen.put(x, y, colour)
    # Ripples, kept off the tile edges so that tiles join.
    for _ in range(4):
        x, y = rng.randrange(4, TILE - 10), rng.randrange(4, TILE - 4)
        length = rng.randrange(3, 6)
        if all(wetness(x + i, y + j, corners)[1] > 10 for i in range(-1, length + 1) for j in (0, 1)):
            for i in range(length):
                pen.put(x + i, y, WATER[3])
            pen.put(x + 1, y + 1, WATER[1])
            pen.put(x + length - 1, y + 1, WATER[1])
    for _ in range(10):
        x, y = rng.randrange(TILE), rng.randrange(TILE)
        if wetness(x, y, corners)[1] > 9:
            pen.put(x, y, WATER[1])
    if lilies:
        for cx, cy, r in ((10, 11, 5.5), (22, 21, 4.5), (24, 8, 3)):
            pen.disc(cx + 1, cy + 1, r, WATER[1])
            pen.disc(cx, cy, r, LEAVES[1])
            pen.disc(cx - 0.5, cy - 0.5, r - 1, LEAVES[2])
            pen.disc(cx - r * 0.4, cy - r * 0.4, r * 0.35, LEAVES[3])
            # The notch of the pad.
            for t in range(int(r) + 1):
                pen.put(int(cx + t * 0.7), int(cy - t * 0.7), WATER[2])
        pen.put(10, 11, FLOWERS["pink"][1])
        pen.put(11, 11, FLOWERS["pink"][0])
        pen.put(10, 10, (255, 240, 246))
    return image


def drawFountain():
    size = 128
    image = blank(size, size)
    pen = Pen(image)
    cx, cy = 64, 62
    pen.ellipse(cx + 3, cy + 5, 61, 58, SHADOW, blend=True)

    def lit(x, y):
        dx, dy = x + 0.5 - cx, y + 0.5 - cy
        r = math.hypot(dx, dy)
        return r, (-dx - dy) / (r + 0.001)

    for y in range(size):
        for x in range(size):
            r, light = lit(x, y)
            if r > 60:
                continue
            if r > 59:
                colour = OUTLINE
            elif r > 51:
                colour = STONE[3] if light > 0.4 else STONE[1] if light < -0.4 else STONE[2]
                if r > 57.5 or r < 52:
                    colour = STONE[1] if r < 52 else colour
                if int(math.degrees(math.atan2(y - cy, x - cx)) + 360) % 30 == 0:
                    colour = STONE[1]
            elif r > 50:
                colour = OUTLINE
            elif r > 48:
                colour = WATER[4] if light < 0.3 else WATER[3]
            else:
                ring = int(r) % 8
                colour = WATER[3] if ring == 0 and light > -0.3 else WATER[2]
                if ring == 4 and light < -0.5:
                    colour = WATER[1]
            pen.put(x, y, colour)
    # The upper bowl on its pedestal.
    pen.disc(cx + 3, cy + 4, 21, (30, 60, 110))
    for y in range(size):
        for x in range(size):
            r, light = lit(x, y)
            if r > 20:
                continue
            if r > 19:
                colour = OUTLINE
            elif r > 15:
                colour = STONE[3] if light > 0.3 else STONE[1] if light < -0.3 else STONE[2]
            elif r > 14:
                colour = OUTLINE
            else:
                colour = WATER[3] if r > 12 else WATER[2]
            pen.put(x, y, colour)
    pen.disc(cx, cy, 5, OUTLINE)
    pen.disc(cx, cy, 4, STONE[2])
    pen.disc(cx - 1, cy - 1, 2, STONE[4])
    # Spray falling into the basin.
    rng = seeded("fountain-spray")
    for angle in range(0, 360, 15):
        a = math.radians(angle + rng.uniform(-4, 4))
        for k in (8, 11, 24, 28, 33):
            if 14 < k < 22:
                continue
            pen.put(round(cx + math.cos(a) * k), round(cy + math.sin(a) * k), WATER[4])
    return cut(image, 4, 4)


def drawRock(name):
    rng = seeded(name)
    image = blank()
    pen = Pen(image)
    pen.ellipse(17, 25, 12, 4, SHADOW, blend=True)
    clumps(pen, [(16, 18, 9), (10, 21, 6), (22, 21, 6.5)],
           [STONE[0], STONE[1], STONE[2], STONE[3], STONE[4]], OUTLINE)
    for _ in range(8):
        x, y = rng.randrange(8, 24), rng.randrange(12, 25)
        if pen.opaque(x, y):
            pen.put(x, y, STONE[1])
    pen.put(12, 14, GRASS[2])
    pen.put(13, 14, GRASS[3])
    return image


def drawReeds(name):
    rng = seeded(name)
    image = drawGrass(name, tufts=0)
    pen = Pen(image)
    for x in range(4, 29, 4):
        x += rng.randrange(-1, 2)
        height = rng.randrange(12, 20)
        base = 27 + rng.randrange(-2, 3)
        lean = rng.choice((-1, 0, 1))
        for h in range(height):
            xx = x + (lean * h) // 8
            pen.put(xx, base - h, GRASS[3] if h < height - 4 else GRASS[4])
            pen.put(xx + 1, base - h, GRASS[1])
        if rng.random() < 0.6:
            top = base - height
            xx = x + (lean * height) // 8
            pen.rect(xx, top - 1, xx + 1, top + 3, BARK[1])
            pen.put(xx, top - 1, BARK[3])
            pen.put(xx, top - 2, GRASS[3])
        pen.put(x - 1, base + 1, GRASS[0])
        pen.put(x, base + 1, GRASS[0])
    return image


def drawStump(name):
    image = blank()
    pen = Pen(image)
    pen.ellipse(17, 24, 12, 4.5, SHADOW, blend=True)
    pen.rect(8, 14, 23, 24, OUTLINE)
    pen.rect(9, 14, 22, 23, BARK[1])
    pen.rect(9, 14, 10, 23, BARK[3])
    pen.rect(20, 14, 22, 23, BARK[0])
    pen.ellipse(16, 13, 8.5, 5.5, OUTLINE)
    pen.ellipse(16, 13, 7.5, 4.5, WOOD[3])
    pen.ellipse(16, 13, 5, 3, WOOD[4])
    pen.ellipse(16, 13, 2.5, 1.5, WOOD[2])
    pen.put(16, 13, WOOD[1])
    return image


# --- Plants ---------------------------------------------------------------


def clumps(pen, blobs, colours, outline):
    """Leafy clumps, back to front, each lit from the top left."""
    for cx, cy, r in blobs:
        pen.disc(cx, cy, r, colours[0])
    for cx, cy, r in sorted(blobs, key=lambda b: (b[1], b[0])):
        pen.disc(cx, cy, r, colours[1])
        pen.disc(cx - 1, cy - 1, r - 1.5, colours[2])
        pen.disc(cx - r * 0.3, cy - r * 0.35, r * 0.55, colours[3])
        pen.disc(cx - r * 0.45, cy - r * 0.5, max(1.0, r * 0.22), colours[4])
    pen.outline(outline)


def speckle(pen, rng, count, colours):
    for _ in range(count):
        x, y = rng.randrange(pen.width), rng.randrange(pen.height)
        if pen.opaque(x, y) and pen.get(x, y)[:3] in [c for c in colours[1:4]]:
            here = colours.index(pen.get(x, y)[:3])
            pen.put(x, y, colours[here - 1] if rng.random() < 0.6 else colours[min(here + 1, 4)])


def drawCanopy(name, colours):
    rng = seeded(name)
    image = blank(96, 96)
    pen = Pen(image)
    blobs = [
        (48, 48, 30), (26, 52, 19), (70, 52, 19), (48, 24, 20), (30, 32, 16), (66, 32, 16),
        (48, 76, 18), (28, 70, 15), (68, 70, 15), (46, 60, 18),
    ]
    blobs = [(x + rng.uniform(-1.5, 1.5), y + rng.uniform(-1.5, 1.5), r) for x, y, r in blobs]
    clumps(pen, blobs, colours, tuple(c // 2 for c in colours[0]))
    speckle(pen, rng, 400, colours)
    return cut(image, 3, 3)


def drawTrunk(name):
    rng = seeded(name)
    image = blank()
    pen = Pen(image)
    pen.ellipse(16, 27, 13, 4.5, SHADOW, blend=True)
    for y in range(0, 29):
        flare = 0 if y < 22 else (y - 21) // 2 + 1
        x0, x1 = 11 - flare, 20 + flare
        for x in range(x0, x1 + 1):
            if x in (x0, x1) or y == 28:
                colour = OUTLINE
            elif x == x0 + 1:
                colour = BARK[3]
            elif x >= x1 - 2:
                colour = BARK[0] if x == x1 - 1 else BARK[1]
            else:
                colour = BARK[2]
            pen.put(x, y, colour)
    for _ in range(7):
        x, y = rng.randrange(13, 18), rng.randrange(2, 22)
        for dy in range(rng.randrange(2, 5)):
            pen.put(x, y + dy, BARK[1])
    # The canopy's shadow on the top of the trunk.
    for y in range(0, 5):
        for x in range(8, 24):
            if pen.opaque(x, y):
                pen.shade(x, y, (20, 20, 30, 110 - y * 20))
    return image


def drawBush(name):
    rng = seeded(name)
    image = blank()
    pen = Pen(image)
    pen.ellipse(16, 26, 14, 4, SHADOW, blend=True)
    blobs = [(16, 13, 9), (9, 18, 7.5), (23, 18, 7.5), (16, 21, 8), (11, 11, 6), (21, 11, 6)]
    clumps(pen, blobs, LEAVES, OUTLINE)
    speckle(pen, rng, 60, LEAVES)
    for x, y in ((10, 15), (21, 13), (17, 22), (24, 20)):
        pen.put(x, y, FLOWERS["red"][1])
        pen.put(x + 1, y + 1, FLOWERS["red"][0])
    return image


def drawPlant(name):
    rng = seeded(name)
    image = blank()
    pen = Pen(image)
    pen.ellipse(16, 28, 9, 3, SHADOW, blend=True)
    # Leaves: long pointed blades fanning out.
    for angle in range(-80, 81, 20):
        a = math.radians(angle - 90)
        length = 13 - abs(angle) / 20
        for t in range(int(length)):
            x = 16 + math.cos(a) * t
            y = 18 + math.sin(a) * t * 0.95
            w = 1.6 if t < length - 3 else 0.8
            pen.disc(x, y, w + 0.5, LEAVES[0])
    for angle in range(-80, 81, 20):
        a = math.radians(angle - 90)
        length = 13 - abs(angle) / 20
        for t in range(int(length) - 1):
            x = 16 + math.cos(a) * t
            y = 18 + math.sin(a) * t * 0.95
            pen.put(int(x), int(y), LEAVES[3] if angle <= 0 else LEAVES[2])
            if t > 3 and t < length - 3:
                pen.put(int(x) + 1, int(y), LEAVES[2] if angle <= 0 else LEAVES[1])
    speckle(pen, rng, 20, LEAVES)
    # The pot.
    for y in range(19, 30):
        inset = (y - 19) // 4
        x0, x1 = 9 + inset, 22 - inset
        for x in range(x0, x1 + 1):
            if x in (x0, x1) or y == 29:
                colour = OUTLINE
            elif y <= 21:
                colour = POT[2] if y == 20 else POT[1]
            elif x <= x0 + 2:
                colour = POT[2]
            elif x >= x1 - 2:
                colour = POT[0]
            else:
                colour = POT[1]
            pen.put(x, y, colour)
    pen.rect(9, 19, 22, 19, OUTLINE)
    pen.rect(10, 22, 21, 22, POT[0])
    return image


# --- Walls ----------------------------------------------------------------


def drawWallTop(name, mask):
    rng = seeded("wall")
    image = blank()
    pen = Pen(image)
    pen.rect(0, 0, TILE - 1, TILE - 1, CAP[2])
    for _ in range(60):
        x, y = rng.randrange(TILE), rng.randrange(TILE)
        pen.put(x, y, CAP[1] if rng.random() < 0.5 else CAP[3])
    for y in range(TILE):
        for x in range(TILE):
            near = []
            if not mask & N:
                near.append(("n", y))
            if not mask & S:
                near.append(("s", TILE - 1 - y))
            if not mask & W:
                near.append(("w", x))
            if not mask & E:
                near.append(("e", TILE - 1 - x))
            if not near:
                continue
            side, d = min(near, key=lambda item: item[1])
            if d == 0:
                pen.put(x, y, OUTLINE)
            elif d <= 2:
                pen.put(x, y, CAP[3] if side in "nw" else CAP[0] if d == 1 else CAP[1])
    return image


def faceEnds(pen, ends, light, dark):
    if "l" in ends:
        pen.rect(0, 0, 0, TILE - 1, OUTLINE)
        pen.rect(1, 1, 1, TILE - 3, light)
    if "r" in ends:
        pen.rect(TILE - 1, 0, TILE - 1, TILE - 1, OUTLINE)
        pen.rect(TILE - 2, 1, TILE - 2, TILE - 3, dark)


def drawBrick(name, ends=""):
    rng = seeded(name)
    image = blank()
    pen = Pen(image)
    pen.rect(0, 0, TILE - 1, TILE - 1, MORTAR[1])
    course = 6
    for row in range(0, 5):
        y0 = 1 + row * course
        offset = 0 if row % 2 == 0 else 8
        for bx in range(-16, TILE, 16):
            x0 = bx + offset
            shade = rng.choice((BRICK[2], BRICK[2], mix(BRICK[2], BRICK[1], 0.4), mix(BRICK[2], BRICK[3], 0.3)))
            for x in range(x0, x0 + 15):
                for y in range(y0, y0 + course - 1):
                    if y == y0:
                        colour = mix(shade, BRICK[3], 0.5)
                    elif y == y0 + course - 2 or x == x0 + 14:
                        colour = BRICK[1]
                    else:
                        colour = shade
                    pen.put(x % TILE if 0 <= x < TILE else -1, y, colour)
        pen.rect(0, y0 + course - 1, TILE - 1, y0 + course - 1, MORTAR[0])
    pen.rect(0, 0, TILE - 1, 0, OUTLINE)
    pen.rect(0, TILE - 2, TILE - 1, TILE - 2, BRICK[0])
    pen.rect(0, TILE - 1, TILE - 1, TILE - 1, OUTLINE)
    faceEnds(pen, ends, BRICK[3], BRICK[0])
    return image


def drawStoneWall(name, ends=""):
    rng = seeded(name)
    image = blank()
    pen = Pen(image)
    pen.rect(0, 0, TILE - 1, TILE - 1, STONE[1])
    for row, (y0, h) in enumerate(((1, 10), (11, 10), (21, 9))):
        offset = (0, 11, 5)[row]
        for bx in range(-32, TILE, 16):
            x0 = bx + offset
            shade = rng.choice((STONE[2], (158, 156, 166), (142, 142, 154)))
            for x in range(x0, x0 + 15):
                if not 0 <= x < TILE:
                    continue
                for y in range(y0, y0 + h - 1):
                    if y == y0 or x == x0:
                        colour = STONE[3]
                    elif y == y0 + h - 2 or x == x0 + 14:
                        colour = mix(shade, STONE[1], 0.5)
                    else:
                        colour = shade
                    pen.put(x, y, colour)
    pen.rect(0, 0, TILE - 1, 0, OUTLINE)
    pen.rect(0, TILE - 2, TILE - 1, TILE - 2, STONE[0])
    pen.rect(0, TILE - 1, TILE - 1, TILE - 1, OUTLINE)
    faceEnds(pen, ends, STONE[3], STONE[0])
    return image


def drawPlaster(name, ends=""):
    rng = seeded(name)
    image = blank()
    pen = Pen(image)
    pen.rect(0, 0, TILE - 1, TILE - 1, PLASTER[2])
    for _ in range(30):
        x, y = rng.randrange(TILE), rng.randrange(2, 20)
        pen.put(x, y, PLASTER[1] if rng.random() < 0.6 else PLASTER[3])
    pen.rect(0, 1, TILE - 1, 1, PLASTER[3])
    # Wainscot: a wooden panel along the bottom.
    pen.rect(0, 20, TILE - 1, 20, WOOD[0])
    pen.rect(0, 21, TILE - 1, 21, WOOD[3])
    pen.rect(0, 22, TILE - 1, 29, WOOD[2])
    for x in range(3, TILE, 8):
        pen.rect(x, 23, x, 28, WOOD[1])
        pen.rect(x + 1, 23, x + 1, 28, WOOD[3])
    pen.rect(0, 30, TILE - 1, 30, WOOD[0])
    pen.rect(0, 0, TILE - 1, 0, OUTLINE)
    pen.rect(0, TILE - 1, TILE - 1, TILE - 1, OUTLINE)
    faceEnds(pen, ends, PLASTER[3], PLASTER[0])
    return image


def window(pen, x0, y0, x1, y1, frame, sill):
    pen.rect(x0 - 1, y0 - 1, x1 + 1, y1 + 1, OUTLINE)
    pen.rect(x0, y0, x1, y1, frame)
    pen.rect(x0 + 2, y0 + 2, x1 - 2, y1 - 2, GLASS[1])
    pen.rect(x0 + 2, y0 + 2, x1 - 2, y0 + 3, GLASS[0])
    mid = (x0 + x1) // 2
    pen.rect(mid, y0 + 2, mid, y1 - 2, frame)
    pen.rect(x0 + 2, (y0 + y1) // 2, x1 - 2, (y0 + y1) // 2, frame)
    for i in range(4):
        pen.put(x0 + 3 + i, y1 - 3 - i, GLASS[3])
        pen.put(mid + 2 + i, y1 - 3 - i, GLASS[2])
    pen.rect(x0 - 2, y1 + 1, x1 + 2, y1 + 2, sill)
    pen.rect(x0 - 2, y1 + 3, x1 + 2, y1 + 3, OUTLINE)


def drawWindowFace(name, base):
    image = base(name)
    pen = Pen(image)
    window(pen, 8, 5, 23, 21, PLASTER[3], PLASTER[1])
    return image


def drawPlasterWindow(name):
    image = drawPlaster(name)
    pen = Pen(image)
    pen.rect(7, 3, 24, 18, OUTLINE)
    pen.rect(8, 4, 23, 17, WOOD[3])
    pen.rect(10, 6, 21, 15, (150, 200, 236))
    pen.rect(10, 12, 21, 15, LEAVES[3])
    pen.rect(10, 14, 21, 15, LEAVES[2])
    pen.rect(15, 6, 16, 15, WOOD[3])
    pen.put(12, 7, GLASS[3])
    pen.put(13, 8, GLASS[3])
    pen.rect(6, 19, 25, 19, WOOD[1])
    return image


def drawWhiteboard(name):
    image = drawPlaster(name)
    pen = Pen(image)
    pen.rect(2, 3, 29, 18, OUTLINE)
    pen.rect(3, 4, 28, 17, METAL[3])
    pen.rect(4, 5, 27, 16, (246, 248, 250))
    for x in range(6, 16):
        pen.put(x, 8 + (x % 3 == 0), (52, 86, 150))
    for x in range(6, 22):
        pen.put(x, 11 + (x % 4 == 1), (160, 52, 56))
    pen.rect(18, 7, 24, 9, (58, 124, 76))
    pen.rect(19, 8, 23, 8, (246, 248, 250))
    pen.rect(8, 17, 12, 18, METAL[2])
    return image


def drawPicture(name):
    image = drawPlaster(name)
    pen = Pen(image)
    pen.rect(9, 4, 22, 16, OUTLINE)
    pen.rect(10, 5, 21, 15, RUG[3])
    pen.rect(11, 6, 20, 14, (150, 200, 236))
    for x in range(11, 21):
        top = 10 + abs(x - 15) // 2
        pen.rect(x, top, x, 14, LEAVES[2] if x < 15 else LEAVES[1])
    pen.rect(11, 13, 20, 14, LEAVES[3])
    pen.put(18, 7, FLOWERS["yellow"][1])
    return image


def drawDoor(name):
    image = blank()
    pen = Pen(image)
    pen.rect(0, 0, TILE - 1, TILE - 1, OUTLINE)
    pen.rect(1, 1, TILE - 2, TILE - 1, WOOD[0])
    pen.rect(3, 3, TILE - 4, TILE - 1, WOOD[2])
    pen.rect(3, 3, 4, TILE - 1, WOOD[3])
    pen.rect(TILE - 6, 3, TILE - 4, TILE - 1, WOOD[1])
    for y0, y1 in ((6, 15), (19, 28)):
        pen.rect(7, y0, TILE - 9, y1, WOOD[1])
        pen.rect(8, y0 + 1, TILE - 9, y1, WOOD[3])
        pen.rect(8, y0 + 1, TILE - 10, y1 - 1, WOOD[2])
    pen.rect(23, 16, 24, 17, (250, 214, 96))
    pen.put(24, 17, (170, 130, 40))
    return image


def drawGlassDoor(name):
    image = blank()
    pen = Pen(image)
    pen.rect(0, 0, TILE - 1, TILE - 1, OUTLINE)
    pen.rect(1, 1, TILE - 2, TILE - 1, METAL[1])
    pen.rect(3, 3, TILE - 4, TILE - 1, METAL[2])
    pen.rect(5, 5, TILE - 6, TILE - 2, GLASS[1])
    pen.rect(5, 5, TILE - 6, 7, GLASS[0])
    for i in range(8):
        pen.put(8 + i, 22 - i, GLASS[3])
        pen.put(9 + i, 22 - i, GLASS[2])
        pen.put(14 + i, 24 - i, GLASS[2])
    pen.rect(5, 16, TILE - 6, 17, METAL[3])
    pen.rect(5, 18, TILE - 6, 18, METAL[1])
    return image


# --- Roofs ----------------------------------------------------------------


def drawRoof(name, colours):
    """A roof two tiles high and three wide: ridge row, then eave row."""
    image = blank(96, 64)
    pen = Pen(image)
    for y in range(64):
        course, ly = divmod(y - 2, 8)
        for x in range(96):
            lx = (x + (4 if course % 2 else 0)) % 8
            if ly in (6, 7) and lx in (0, 7):
                colour = colours[0]
            elif ly == 7:
                colour = colours[0]
            elif lx == 7:
                colour = colours[1]
            elif ly <= 1:
                colour = colours[1]
            elif ly == 6:
                colour = colours[3]
            else:
                colour = colours[2]
            pen.put(x, y, colour)
    # The ridge.
    pen.rect(0, 0, 95, 0, OUTLINE)
    pen.rect(0, 1, 95, 2, colours[4])
    pen.rect(0, 3, 95, 4, colours[3])
    pen.rect(0, 5, 95, 5, colours[0])
    # The eave: a fascia board under the last course.
    pen.rect(0, 56, 95, 56, colours[0])
    pen.rect(0, 57, 95, 57, WOOD[3])
    pen.rect(0, 58, 95, 61, WOOD[2])
    pen.rect(0, 62, 95, 62, WOOD[0])
    pen.rect(0, 63, 95, 63, OUTLINE)
    # Verges at both ends.
    for x, colour in ((0, OUTLINE), (1, colours[4]), (2, colours[3]),
                      (95, OUTLINE), (94, colours[0]), (93, colours[1])):
        pen.rect(x, 0, x, 63, colour)
    return cut(image, 3, 2)


# --- Furniture and street things ------------------------------------------


def tableTop(pen, x0, x1, left, right):
    """A wooden table top from x0 to x1; left/right say whether it ends there."""
    top, front, bottom = 5, 21, 25
    for x in range(x0, x1 + 1):
        pen.rect(x, top, x, front - 1, WOOD[3])
        pen.rect(x, front, x, bottom, WOOD[1])
        pen.put(x, top, OUTLINE)
        pen.put(x, top + 1, WOOD[4])
        pen.put(x, front, WOOD[2])
        pen.put(x, bottom, OUTLINE)
        if x % 9 == 4:
            pen.rect(x, top + 4, x, front - 3, mix(WOOD[3], WOOD[2], 0.5))
    if left:
        pen.rect(x0, top, x0, bottom, OUTLINE)
        pen.rect(x0 + 1, top + 1, x0 + 1, front - 1, WOOD[4])
        pen.rect(x0 + 1, bottom + 1, x0 + 3, bottom + 4, WOOD[0])
        pen.rect(x0 + 1, bottom + 4, x0 + 3, bottom + 4, OUTLINE)
    if right:
        pen.rect(x1, top, x1, bottom, OUTLINE)
        pen.rect(x1 - 1, top + 1, x1 - 1, front - 1, WOOD[2])
        pen.rect(x1 - 3, bottom + 1, x1 - 1, bottom + 4, WOOD[0])
        pen.rect(x1 - 3, bottom + 4, x1 - 1, bottom + 4, OUTLINE)


def drawTable(name, left, right):
    image = blank()
    pen = Pen(image)
    x0 = 2 if left else 0
    x1 = TILE - 3 if right else TILE - 1
    pen.rect(x0 + 2, 26, x1 - 1 if right else x1, 30, SHADOW)
    tableTop(pen, x0, x1, left, right)
    return image


def drawDesk(name):
    image = drawTable(name, True, True)
    pen = Pen(image)
    pen.rect(8, 1, 23, 12, OUTLINE)
    pen.rect(9, 2, 22, 11, METAL[0])
    pen.rect(10, 3, 21, 10, (70, 150, 196))
    pen.rect(10, 3, 21, 4, (120, 196, 226))
    pen.rect(12, 6, 17, 6, (200, 236, 246))
    pen.rect(12, 8, 15, 8, (200, 236, 246))
    pen.rect(14, 12, 17, 13, METAL[1])
    pen.rect(9, 15, 20, 18, OUTLINE)
    pen.rect(10, 15, 19, 17, METAL[3])
    for x in range(11, 19, 2):
        pen.put(x, 16, METAL[2])
    pen.rect(23, 14, 26, 17, OUTLINE)
    pen.rect(23, 14, 25, 16, (244, 244, 240))
    pen.put(24, 15, (120, 70, 40))
    return image


def drawChair(name, facing):
    image = blank()
    pen = Pen(image)
    pen.ellipse(16, 26, 9, 3, SHADOW, blend=True)
    if facing == "s":
        pen.box(9, 13, 22, 25, CUSHION[1], CUSHION[2], CUSHION[0])
        pen.rect(10, 24, 11, 27, OUTLINE)
        pen.rect(20, 24, 21, 27, OUTLINE)
        pen.box(8, 5, 23, 12, WOOD[2], WOOD[3], WOOD[1])
    else:
        pen.box(9, 8, 22, 20, CUSHION[1], CUSHION[2], CUSHION[0])
        pen.box(8, 19, 23, 26, WOOD[2], WOOD[3], WOOD[1])
        pen.rect(10, 26, 11, 28, OUTLINE)
        pen.rect(20, 26, 21, 28, OUTLINE)
    return image


def drawSofa():
    """A two-seat sofa, two tiles wide, facing south."""
    image = blank(2 * TILE, TILE)
    pen = Pen(image)
    light = (200, 96, 92)
    pen.rect(3, 27, 2 * TILE - 2, 30, SHADOW)
    pen.box(2, 4, 2 * TILE - 3, 14, RUG[2], light, RUG[1])
    for x0, x1 in ((7, 31), (32, 56)):
        pen.box(x0, 12, x1, 27, RUG[2], light, RUG[1])
    pen.box(0, 9, 8, 27, RUG[1], RUG[2], RUG[0])
    pen.box(2 * TILE - 9, 9, 2 * TILE - 1, 27, RUG[1], RUG[2], RUG[0])
    return cut(image, 2, 1)


def drawBookshelf(name):
    rng = seeded(name)
    image = blank()
    pen = Pen(image)
    pen.rect(0, 0, TILE - 1, TILE - 1, OUTLINE)
    pen.rect(1, 1, TILE - 2, TILE - 1, WOOD[1])
    pen.rect(1, 1, TILE - 2, 3, WOOD[3])
    pen.rect(1, 1, 2, TILE - 1, WOOD[2])
    for y0 in (5, 14, 23):
        pen.rect(3, y0, TILE - 4, y0 + 7, WOOD[0])
        x = 4
        while x < TILE - 5:
            w = rng.choice((2, 3, 3, 4))
            if x + w > TILE - 4:
                break
            dark, light = rng.choice(BOOKS)
            h = rng.choice((5, 6, 6, 7))
            top = y0 + 7 - h
            if rng.random() < 0.12:
                x += 1
                continue
            pen.rect(x, top, x + w - 1, y0 + 6, dark)
            pen.rect(x, top, x, y0 + 6, light)
            if h > 5:
                pen.rect(x, top + 2, x + w - 1, top + 2, light)
            x += w
        pen.rect(3, y0 + 7, TILE - 4, y0 + 7, WOOD[3])
    return image


def drawCabinet(name):
    image = blank()
    pen = Pen(image)
    pen.rect(1, 27, 30, 30, SHADOW)
    pen.box(0, 2, TILE - 1, 28, TILEFLOOR[2], TILEFLOOR[3], TILEFLOOR[0])
    pen.rect(1, 3, TILE - 2, 6, (120, 120, 128))
    pen.rect(1, 3, TILE - 2, 3, METAL[3])
    pen.rect(15, 8, 16, 26, TILEFLOOR[0])
    pen.rect(12, 14, 13, 18, METAL[1])
    pen.rect(18, 14, 19, 18, METAL[1])
    return image


def drawCounter(name):
    image = drawCabinet(name)
    pen = Pen(image)
    pen.rect(4, 4, 14, 6, METAL[1])
    pen.rect(5, 5, 13, 5, METAL[3])
    pen.rect(20, 0, 27, 5, OUTLINE)
    pen.rect(21, 1, 26, 4, (220, 80, 70))
    pen.rect(22, 2, 25, 2, (240, 150, 130))
    return image


def drawLamp(name):
    image = blank()
    pen = Pen(image)
    pen.ellipse(17, 28, 7, 2.5, SHADOW, blend=True)
    pen.box(11, 24, 20, 29, METAL[1], METAL[2], METAL[0])
    pen.rect(14, 9, 17, 24, OUTLINE)
    pen.rect(15, 9, 15, 23, METAL[2])
    pen.rect(16, 9, 16, 23, METAL[0])
    pen.rect(10, 0, 21, 10, OUTLINE)
    pen.rect(11, 1, 20, 2, METAL[1])
    pen.rect(11, 3, 20, 8, (250, 214, 110))
    pen.rect(12, 4, 15, 6, (255, 246, 200))
    pen.rect(15, 3, 16, 8, METAL[1])
    pen.rect(11, 9, 20, 9, METAL[0])
    return image


def drawBench(name):
    image = blank()
    pen = Pen(image)
    pen.rect(3, 25, 29, 28, SHADOW)
    pen.box(1, 6, TILE - 2, 12, WOOD[2], WOOD[3], WOOD[1])
    for y0 in (13, 18):
        pen.box(1, y0, TILE - 2, y0 + 5, WOOD[2], WOOD[3], WOOD[1])
    for x in (3, 26):
        pen.rect(x, 24, x + 2, 27, METAL[0])
    return image


# --- The whole sheet ------------------------------------------------------


def drawAll():
    """
    @return: C{{name: image}} for every tile.
    """
    tiles = {}
    for i, tufts in enumerate((1, 3, 5)):
        tiles[f"grass_{i}"] = drawGrass(f"grass_{i}", tufts)
    tiles["flowers_0"] = drawFlowers("flowers_0", ("red", "white"))
    tiles["flowers_1"] = drawFlowers("flowers_1", ("blue", "yellow", "white"))
    tiles["flowers_2"] = drawFlowers("flowers_2", ("pink", "yellow"))
    for mask in range(16):
        tiles[maskName("dirt", mask)] = drawDirt(maskName("dirt", mask), mask)
        tiles[maskName("stone", mask)] = drawStone(maskName("stone", mask), mask)
        tiles[maskName("wall", mask)] = drawWallTop(maskName("wall", mask), mask)
    for corner in CORNERS:
        tiles[f"dirt_in_{corner}"] = drawDirt(f"dirt_in_{corner}", 15, (corner,))
        tiles[f"stone_in_{corner}"] = drawStone(f"stone_in_{corner}", 15, (corner,))
    for corners in range(1, 16):
        tiles[waterName(corners)] = drawWater(waterName(corners), corners)
    tiles["water_lily"] = drawWater("water_lily", 15, lilies=True)
    tiles["slabs"] = drawSlabs("slabs")
    tiles["rock"] = drawRock("rock")
    tiles["reeds"] = drawReeds("reeds")
    tiles["stump"] = drawStump("stump")
    for suffix, image in zip(("nw", "n", "ne", "w", "", "e", "sw", "s", "se"), drawRug()):
        tiles[f"rug_{suffix}" if suffix else "rug"] = image
    tiles["wood"] = drawWood("wood")
    tiles["carpet"] = drawCarpet("carpet")
    tiles["tiles"] = drawTileFloor("tiles")
    for i, image in enumerate(drawCanopy("canopy", LEAVES)):
        tiles[f"canopy_{i}"] = image
    for i, image in enumerate(drawCanopy("canopy2", BLOSSOM)):
        tiles[f"canopy2_{i}"] = image
    tiles["trunk"] = drawTrunk("trunk")
    tiles["trunk2"] = drawTrunk("trunk2")
    tiles["bush"] = drawBush("bush")
    tiles["plant"] = drawPlant("plant")
    for i, image in enumerate(drawFountain()):
        tiles[f"fountain_{i}"] = image
    for i, image in enumerate(drawRoof("roof", ROOF_RED)):
        tiles[f"roof_{i}"] = image
    for i, image in enumerate(drawRoof("roofb", ROOF_BLUE)):
        tiles[f"roofb_{i}"] = image
    for kind, draw in (("brick", drawBrick), ("stonewall", drawStoneWall), ("plaster", drawPlaster)):
        for ends in ("", "l", "r", "lr"):
            name = f"{kind}_{ends}" if ends else kind
            tiles[name] = draw(name, ends)
    tiles["brick_window"] = drawWindowFace("brick_window", drawBrick)
    tiles["stonewall_window"] = drawWindowFace("stonewall_window", drawStoneWall)
    tiles["plaster_window"] = drawPlasterWindow("plaster_window")
    tiles["plaster_board"] = drawWhiteboard("plaster_board")
    tiles["plaster_picture"] = drawPicture("plaster_picture")
    tiles["door"] = drawDoor("door")
    tiles["door_glass"] = drawGlassDoor("door_glass")
    tiles["table_l"] = drawTable("table_l", True, False)
    tiles["table_m"] = drawTable("table_m", False, False)
    tiles["table_r"] = drawTable("table_r", False, True)
    tiles["table"] = drawTable("table", True, True)
    tiles["desk_pc"] = drawDesk("desk_pc")
    tiles["chair_s"] = drawChair("chair_s", "s")
    tiles["chair_n"] = drawChair("chair_n", "n")
    tiles["sofa_l"], tiles["sofa_r"] = drawSofa()
    tiles["bookshelf"] = drawBookshelf("bookshelf")
    tiles["cabinet"] = drawCabinet("cabinet")
    tiles["counter"] = drawCounter("counter")
    tiles["lamp"] = drawLamp("lamp")
    tiles["bench"] = drawBench("bench")
    missing = set(TILES) - set(tiles) - set(ALIASES)
    extra = set(tiles) - set(TILES)
    assert not missing and not extra, (missing, extra)
    return tiles


def sheet(tiles):
    image = blank(COLUMNS * TILE, ROWS * TILE)
    for name, image_ in tiles.items():
        row, column = divmod(TILES[name], COLUMNS)
        image.paste(image_, (column * TILE, row * TILE))
    return image


def tileset():
    """
    @return: the Tiled 1.10 JSON tileset, as a dict.
    """
    collide = sorted({TILES[name] for name in COLLIDES})
    return {
        "columns": COLUMNS,
        "image": PNG_NAME,
        "imageheight": ROWS * TILE,
        "imagewidth": COLUMNS * TILE,
        "margin": 0,
        "name": "town-tiles",
        "spacing": 0,
        "tilecount": TILECOUNT,
        "tiledversion": "1.11.2",
        "tileheight": TILE,
        "tiles": [
            {"id": tileId, "properties": [{"name": "collides", "type": "bool", "value": True}]}
            for tileId in collide
        ],
        "tilewidth": TILE,
        "type": "tileset",
        "version": "1.10",
    }


def main(argv):
    os.makedirs(MAPS, exist_ok=True)
    image = sheet(drawAll())
    image.save(os.path.join(MAPS, PNG_NAME), optimize=True)
    with open(os.path.join(MAPS, TSJ_NAME), "w", encoding="utf-8") as f:
        json.dump(tileset(), f, indent=1)
        f.write("\n")
    print(f"wrote {PNG_NAME} ({COLUMNS}x{ROWS} tiles) and {TSJ_NAME}")


if __name__ == "__main__":
    main(sys.argv[1:])
