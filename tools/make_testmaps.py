"""
Build tests/maps/repo/: a small map repository laid out the way
WorkAdventure map makers publish theirs, for the tests that load, serve,
draw and walk it.

    python tools/make_testmaps.py

Every pixel and every map is made here; running the script twice writes
identical files.  The repository holds:

  - C{tilesets/pattern.png} and C{pattern.tsj}: 32 px tiles cut with a
    margin and spacing, each a flat colour so that a screenshot tells
    them apart, one with marks that every flip and turn moves elsewhere,
    one animated, two that collide;
  - C{tilesets/tall.png}: a 32x64 tile (drawn taller than the grid,
    anchored bottom-left), embedded in the lobby;
  - C{tilesets/signs.svg} and C{signs.tsj}: a tileset whose image is SVG;
  - C{floor1/lobby.tmj}: the map in a subfolder, its tilesets one folder
    up, with group layers, a hidden colliding layer, flipped and rotated
    tiles, an animated tile, a zlib-compressed layer, areas of class
    C{area}, of type C{area} and of the legacy class C{zone}, a start
    area, named entries, a C{floorLayer} with a roof above it, a text
    object, C{openWebsite} and C{focusable} areas, a door to a map one
    folder up and a door to another server;
  - C{hall.tmj}: the map one folder up, its floor gzip-compressed, with
    the entry the lobby's door leads to and a door back;
  - C{pages/info.html}: the page the lobby's website area opens;
  - C{broken/missing-image.tmj}: a map whose tileset image is missing.

What is where (in tiles) is in C{LOBBY}, which the tests import.
"""

import base64
import gzip
import json
import os
import sys
import zlib

from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
REPOSITORY = os.path.join(HERE, os.pardir, "tests", "maps", "repo")

TILE = 32
MARGIN = 2
SPACING = 3
COLUMNS = 4

# Tiled keeps flips in a GID's top bits.
FLIP_H = 0x80000000
FLIP_V = 0x40000000
FLIP_D = 0x20000000

# The pattern tileset: local id -> (name, colour).  The colours are far
# apart so that a pixel read from a screenshot names its tile.
PATTERN = [
    ("floor", (96, 128, 96)),
    ("wall", (112, 72, 56)),
    ("arrow", (236, 236, 236)),
    ("hidden", (255, 0, 255)),
    ("roof", (40, 64, 208)),
    ("glow-a", (244, 216, 32)),
    ("glow-b", (32, 216, 244)),
    ("group", (244, 140, 24)),
]
PATTERN_ID = {name: index for index, (name, _) in enumerate(PATTERN)}
COLOUR = dict(PATTERN)
# The arrow tile's marks: a red square in its top-left corner and a dark
# bar along the right half of its top edge, so that each of the eight
# ways Tiled can flip and turn a tile puts them in different places.
MARKER = (216, 24, 24)
MARKER_BOX = (2, 2, 16, 16)
BAR = (24, 40, 24)
BAR_BOX = (18, 2, 30, 8)

TALL_TOP = (24, 200, 88)
TALL_BOTTOM = (16, 72, 40)
SIGN_COLOURS = [(200, 24, 160), (120, 40, 200)]

# GIDs in the lobby.
PATTERN_FIRST = 1
TALL_FIRST = PATTERN_FIRST + len(PATTERN)
SIGNS_FIRST = TALL_FIRST + 1


def gid(name, flags=0):
    return (PATTERN_FIRST + PATTERN_ID[name]) | flags


# Where things are in the lobby, in tiles (column, row).
LOBBY = {
    "size": (24, 16),
    # The arrow, then flipped horizontally, vertically, turned 90 degrees
    # clockwise (Tiled's "rotate right": anti-diagonal + horizontal) and
    # turned 180 degrees.
    "arrows": {
        "plain": (4, 3),
        "flipped-h": (6, 3),
        "flipped-v": (8, 3),
        "rotated-90": (10, 3),
        "rotated-180": (12, 3),
    },
    "hidden": [(column, 8) for column in range(9, 13)],
    "glow": (14, 3),
    "group": (2, 10),
    "tall": (16, 4),
    "sign": (18, 3),
    "roof": [(column, row) for column in range(4, 8) for row in range(10, 13)],
    "start": (2, 6, 2, 2),
    "from-hall": (20, 7, 2, 2),
    "side": (20, 12),
    "door": (22, 2, 1, 2),
    "website": (9, 12, 3, 2),
    "stage": (13, 9, 5, 4),
    "quiet": (2, 2, 2, 2),
    "elsewhere": (1, 14, 1, 1),
    "text": (4, 1),
}

HALL = {
    "size": (16, 12),
    "from-lobby": (3, 5, 2, 2),
    "start": (8, 8),
    "door": (1, 5, 1, 2),
}


# --- Art ------------------------------------------------------------------


def patternImage():
    """
    The pattern tileset's image: COLUMNS tiles a row, MARGIN pixels around
    them all and SPACING between them, filled with a colour no tile uses so
    that a renderer reading the wrong place shows it.
    """
    rows = (len(PATTERN) + COLUMNS - 1) // COLUMNS
    width = 2 * MARGIN + COLUMNS * TILE + (COLUMNS - 1) * SPACING
    height = 2 * MARGIN + rows * TILE + (rows - 1) * SPACING
    image = Image.new("RGBA", (width, height), (0, 0, 0, 255))
    for index, (name, colour) in enumerate(PATTERN):
        row, column = divmod(index, COLUMNS)
        left = MARGIN + column * (TILE + SPACING)
        top = MARGIN + row * (TILE + SPACING)
        image.paste(colour + (255,), (left, top, left + TILE, top + TILE))
        if name == "arrow":
            for colour, (x0, y0, x1, y1) in ((MARKER, MARKER_BOX), (BAR, BAR_BOX)):
                image.paste(colour + (255,), (left + x0, top + y0, left + x1, top + y1))
    return image, width, height


def tallImage():
    image = Image.new("RGBA", (TILE, 2 * TILE), TALL_BOTTOM + (255,))
    image.paste(TALL_TOP + (255,), (0, 0, TILE, TILE))
    return image


def signsSVG():
    rects = "".join(
        '<rect x="%d" y="0" width="%d" height="%d" fill="#%02x%02x%02x"/>' % ((index * TILE, TILE, TILE) + colour)
        for index, colour in enumerate(SIGN_COLOURS)
    )
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" '
        'shape-rendering="crispEdges">%s</svg>\n' % (2 * TILE, TILE, 2 * TILE, TILE, rects)
    )


INFO_PAGE = """<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Information board</title></head>
<body style="font-family: sans-serif; background: #f4efe4">
<h1>Information board</h1>
<p>This page is part of the test map repository; the lobby's website area opens it.</p>
</body>
</html>
"""


# --- Maps -----------------------------------------------------------------


def grid(size, fill=0):
    columns, rows = size
    return [fill] * (columns * rows)


def paint(data, size, tiles, value):
    columns = size[0]
    for column, row in tiles:
        data[row * columns + column] = value


def border(size):
    columns, rows = size
    return [(c, r) for r in range(rows) for c in range(columns)
            if c in (0, columns - 1) or r in (0, rows - 1)]


def encoded(data, compression):
    raw = b"".join(value.to_bytes(4, "little") for value in data)
    if compression == "zlib":
        raw = zlib.compress(raw, 9)
    elif compression == "gzip":
        raw = gzip.compress(raw, 9, mtime=0)
    return {"encoding": "base64", "compression": compression,
            "data": base64.b64encode(raw).decode("ascii")}


class Layers:
    """
    Hands out layer and object ids in map order, as Tiled does.
    """

    def __init__(self):
        self.nextLayer = 1
        self.nextObject = 1

    def tiles(self, name, size, data, **extra):
        layer = {"id": self._layerId(), "name": name, "type": "tilelayer", "x": 0, "y": 0,
                 "width": size[0], "height": size[1], "opacity": 1, "visible": True}
        if isinstance(data, dict):
            layer.update(data)
        else:
            layer["data"] = data
        layer.update(extra)
        return layer

    def group(self, name, layers, **extra):
        group = {"id": self._layerId(), "name": name, "type": "group", "layers": layers,
                 "opacity": 1, "visible": True, "x": 0, "y": 0}
        group.update(extra)
        return group

    def objects(self, name, objects):
        return {"id": self._layerId(), "name": name, "type": "objectgroup", "draworder": "topdown",
                "objects": objects, "opacity": 1, "visible": True, "x": 0, "y": 0}

    def area(self, name, rectangle, properties=(), kind=("class", "area")):
        column, row, width, height = rectangle
        area = {"id": self._objectId(), "name": name, "x": column * TILE, "y": row * TILE,
                "width": width * TILE, "height": height * TILE, "rotation": 0, "visible": True,
                kind[0]: kind[1]}
        if properties:
            area["properties"] = [property(*p) for p in properties]
        return area

    def text(self, name, at, text):
        column, row = at
        return {"id": self._objectId(), "name": name, "x": column * TILE, "y": row * TILE,
                "width": 8 * TILE, "height": TILE, "rotation": 0, "visible": True,
                "text": {"text": text, "pixelsize": 20, "color": "#ffffff", "bold": True,
                         "wrap": True}}

    def _layerId(self):
        self.nextLayer += 1
        return self.nextLayer - 1

    def _objectId(self):
        self.nextObject += 1
        return self.nextObject - 1


def property(name, value):
    kind = {bool: "bool", int: "int", float: "float", str: "string"}[type(value)]
    return {"name": name, "type": kind, "value": value}


def patternTileset():
    image, width, height = patternImage()
    return image, {
        "type": "tileset", "version": "1.10", "tiledversion": "1.10.2", "name": "pattern",
        "image": "pattern.png", "imagewidth": width, "imageheight": height,
        "tilewidth": TILE, "tileheight": TILE, "margin": MARGIN, "spacing": SPACING,
        "columns": COLUMNS, "tilecount": len(PATTERN),
        "properties": [property("tilesetCopyright", "Pattern tiles: drawn by tools/make_testmaps.py, CC0")],
        "tiles": [
            {"id": PATTERN_ID["wall"], "properties": [property("collides", True)]},
            {"id": PATTERN_ID["hidden"], "properties": [property("collides", True)]},
            {"id": PATTERN_ID["glow-a"], "animation": [
                {"tileid": PATTERN_ID["glow-a"], "duration": 500},
                {"tileid": PATTERN_ID["glow-b"], "duration": 500},
            ]},
        ],
    }


def signsTileset():
    return {
        "type": "tileset", "version": "1.10", "tiledversion": "1.10.2", "name": "signs",
        "image": "signs.svg", "imagewidth": 2 * TILE, "imageheight": TILE,
        "tilewidth": TILE, "tileheight": TILE, "margin": 0, "spacing": 0,
        "columns": 2, "tilecount": 2,
    }


def mapDocument(size, layers, tilesets, properties, nextLayer, nextObject):
    return {
        "type": "map", "version": "1.10", "tiledversion": "1.10.2", "orientation": "orthogonal",
        "renderorder": "right-down", "infinite": False, "compressionlevel": -1,
        "width": size[0], "height": size[1], "tilewidth": TILE, "tileheight": TILE,
        "nextlayerid": nextLayer, "nextobjectid": nextObject,
        "properties": [property(*p) for p in properties],
        "tilesets": tilesets, "layers": layers,
    }


def walledFloor(size):
    """
    A room's two bottom layers: floor everywhere, and walls around it.
    """
    walls = grid(size)
    paint(walls, size, border(size), gid("wall"))
    return grid(size, gid("floor")), walls


def lobby():
    size = LOBBY["size"]
    ids = Layers()

    floor, walls = walledFloor(size)
    marks = grid(size)
    arrows = LOBBY["arrows"]
    for name, flags in (("plain", 0), ("flipped-h", FLIP_H), ("flipped-v", FLIP_V),
                        ("rotated-90", FLIP_D | FLIP_H), ("rotated-180", FLIP_H | FLIP_V)):
        paint(marks, size, [arrows[name]], gid("arrow", flags))
    paint(marks, size, [LOBBY["glow"]], gid("glow-a"))
    paint(marks, size, [LOBBY["tall"]], TALL_FIRST)
    paint(marks, size, [LOBBY["sign"]], SIGNS_FIRST)
    hidden = grid(size)
    paint(hidden, size, LOBBY["hidden"], gid("hidden"))
    grouped = grid(size)
    paint(grouped, size, [LOBBY["group"]], gid("group"))
    side = grid(size)
    paint(side, size, [LOBBY["side"]], gid("floor"))
    roof = grid(size)
    paint(roof, size, LOBBY["roof"], gid("roof"))

    layers = [
        ids.group("ground", [
            ids.tiles("floor", size, encoded(floor, "zlib")),
            ids.tiles("walls", size, walls),
            ids.group("decor", [ids.tiles("marks", size, marks)]),
        ]),
        ids.tiles("hidden-walls", size, hidden, visible=False),
        ids.group("furniture", [ids.tiles("rug", size, grouped)], opacity=1),
        ids.group("entries", [
            ids.tiles("side", size, side, properties=[property("startLayer", True)], visible=False),
        ]),
        ids.objects("floorLayer", [ids.text("welcome", LOBBY["text"], "Lobby")]),
        ids.tiles("roof", size, roof),
        ids.objects("areas", [
            ids.area("start", LOBBY["start"]),
            ids.area("from-hall", LOBBY["from-hall"], [("start", True)]),
            ids.area("door-to-hall", LOBBY["door"], [("exitUrl", "../hall.tmj#from-lobby")],
                     kind=("type", "area")),
            ids.area("info-board", LOBBY["website"], [
                ("openWebsite", "../pages/info.html"), ("openWebsiteWidth", 40),
                ("openWebsitePolicy", "fullscreen"),
            ]),
            ids.area("stage", LOBBY["stage"], [("focusable", True), ("zoom_margin", 0.25)]),
            ids.area("quiet-corner", LOBBY["quiet"], [("silent", True)], kind=("class", "zone")),
            ids.area("elsewhere", LOBBY["elsewhere"], [("exitUrl", "/@/example/world/plaza")]),
        ]),
    ]
    tilesets = [
        {"firstgid": PATTERN_FIRST, "source": "../tilesets/pattern.tsj"},
        {"firstgid": TALL_FIRST, "name": "tall", "image": "../tilesets/tall.png",
         "imagewidth": TILE, "imageheight": 2 * TILE, "tilewidth": TILE, "tileheight": 2 * TILE,
         "margin": 0, "spacing": 0, "columns": 1, "tilecount": 1},
        {"firstgid": SIGNS_FIRST, "source": "../tilesets/signs.tsj"},
    ]
    properties = [
        ("mapName", "The lobby"),
        ("mapDescription", "A test map in a subfolder, drawn from tilesets one folder up."),
        ("mapCopyright", "Generated by tools/make_testmaps.py, CC0"),
        ("script", "../scripts/lobby.js"),
    ]
    return mapDocument(size, layers, tilesets, properties, ids.nextLayer, ids.nextObject)


def hall():
    size = HALL["size"]
    ids = Layers()
    floor, walls = walledFloor(size)
    start = grid(size)
    paint(start, size, [HALL["start"]], gid("floor"))
    layers = [
        ids.tiles("floor", size, encoded(floor, "gzip")),
        ids.tiles("walls", size, walls),
        ids.tiles("start", size, start, visible=False),
        ids.objects("floorLayer", []),
        ids.objects("areas", [
            ids.area("from-lobby", HALL["from-lobby"], [("start", True)]),
            ids.area("door-to-lobby", HALL["door"], [("exitUrl", "floor1/lobby.tmj#from-hall")]),
        ]),
    ]
    tilesets = [{"firstgid": PATTERN_FIRST, "source": "tilesets/pattern.tsj"}]
    return mapDocument(size, layers, tilesets, [("mapName", "The hall")], ids.nextLayer, ids.nextObject)


def missingImage():
    size = (8, 6)
    ids = Layers()
    start = grid(size)
    paint(start, size, [(3, 3)], 1)
    layers = [
        ids.tiles("floor", size, grid(size, 1)),
        ids.tiles("start", size, start, visible=False),
    ]
    tilesets = [{"firstgid": 1, "name": "lost", "image": "../tilesets/lost.png",
                 "imagewidth": TILE, "imageheight": TILE, "tilewidth": TILE, "tileheight": TILE,
                 "margin": 0, "spacing": 0, "columns": 1, "tilecount": 1}]
    return mapDocument(size, layers, tilesets, [], ids.nextLayer, ids.nextObject)


# --- Writing --------------------------------------------------------------


def writeJSON(path, document):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(document, f, indent=1)
        f.write("\n")


def main(root=REPOSITORY):
    for folder in ("tilesets", "floor1", "pages", "broken"):
        os.makedirs(os.path.join(root, folder), exist_ok=True)
    image, tileset = patternTileset()
    image.save(os.path.join(root, "tilesets", "pattern.png"), optimize=True)
    writeJSON(os.path.join(root, "tilesets", "pattern.tsj"), tileset)
    tallImage().save(os.path.join(root, "tilesets", "tall.png"), optimize=True)
    with open(os.path.join(root, "tilesets", "signs.svg"), "w", encoding="utf-8") as f:
        f.write(signsSVG())
    writeJSON(os.path.join(root, "tilesets", "signs.tsj"), signsTileset())
    with open(os.path.join(root, "pages", "info.html"), "w", encoding="utf-8") as f:
        f.write(INFO_PAGE)
    writeJSON(os.path.join(root, "floor1", "lobby.tmj"), lobby())
    writeJSON(os.path.join(root, "hall.tmj"), hall())
    writeJSON(os.path.join(root, "broken", "missing-image.tmj"), missingImage())


if __name__ == "__main__":
    main(*sys.argv[1:])
