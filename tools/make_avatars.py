"""
Draw the avatars players choose from: one sprite sheet per character in
web/assets/avatars/<name>.png and the manifest web/assets/avatars/avatars.json
the web client reads to cut and animate them.

Every pixel is drawn here, from code: no image is copied from anywhere, and
nothing is random, so running the script twice writes identical files:

    python tools/make_avatars.py [--preview PATH] [--walk-preview PATH [--walk-avatar NAME]]

--preview writes every sheet stacked, three times larger, on grass;
--walk-preview writes one character's walk and run frames six times larger
(the first character's, or NAME's).

The characters match the town's tileset (tools/make_art.py): the same warm
palette and soft dark outline, lit from the top left.

A frame is FRAME x FRAME (32 x 32) pixels with a transparent background; the
point the character stands on, between its feet, is (ORIGIN_X, ORIGIN_Y) =
(16, 30) in every frame, and a translucent shadow lies under it.  A sheet has
one row per facing, in the order of FACINGS (down, left, right, up: the
server's facing numbers 0 to 3), and one column per frame: ANIMATIONS gives
each animation's first column and frame count (idle 0-1, walk 2-5, run 6-9).

How a character is drawn: each frame is built as a list of I{parts} (legs,
arms, torso, head, hair, ears, tail...), each a set of pixels, a base colour
(optionally painted with other colours on some of its pixels) and a depth.
L{render} stacks them, gives the silhouette a soft dark outline and each
part a darker line where it lies over a part behind it, and shades every
part from its own ramp: a light edge up and left, a shadow edge down and
right.  The left-facing frames are the right-facing parts mirrored before
they are shaded, so both sides are lit from the top left.
"""

import json
import math
import os
import sys
from dataclasses import dataclass, field

from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from make_art import OUTLINE, SHADOW, mix  # noqa: E402

OUT = os.path.join(HERE, os.pardir, "web", "assets", "avatars")
MANIFEST = "avatars.json"

FRAME = 32
ORIGIN_X = 16
ORIGIN_Y = 30
FACINGS = ("down", "left", "right", "up")
# The walk covers 160 px/s and the run 240 px/s (ark/world/movement.py): at
# these rates a step (two frames) is about a tile long in either gait.
ANIMATIONS = {
    "idle": {"start": 0, "frames": 2, "fps": 2},
    "walk": {"start": 2, "frames": 4, "fps": 10},
    "run": {"start": 6, "frames": 4, "fps": 14},
}
COLUMNS = sum(a["frames"] for a in ANIMATIONS.values())


# --- Colour ramps -----------------------------------------------------------

COOL = (52, 38, 84)
DEEP = (36, 28, 56)
WARM = (255, 246, 220)
WHITE = (250, 248, 240)
INK = (38, 32, 48)


class Ramp:
    """
    The shades of one base colour: light (lit edge), base, shadow (shaded
    edge), line (where the part lies over another) and outline (the
    silhouette).  Shadows lean cool and lights warm, like the tileset's.
    """

    _cache = {}

    def __new__(cls, base, dim=0.0):
        key = (tuple(base), dim)
        if key not in cls._cache:
            self = object.__new__(cls)
            if dim:
                base = mix(base, COOL, dim)
            self.base = tuple(base)
            self.light = mix(base, WARM, 0.3)
            self.shadow = tuple(rnd(c * k) for c, k in zip(base, (0.82, 0.74, 0.82)))
            self.line = mix(self.shadow, DEEP, 0.5)
            self.outline = mix(OUTLINE, base, 0.16)
            cls._cache[key] = self
        return cls._cache[key]


# --- Shapes: sets of (x, y) pixels ------------------------------------------


def rnd(v):
    """Round halves up (Python's round() rounds them to even, which jitters)."""
    return math.floor(v + 0.5)


def ellipse(cx, cy, rx, ry, power=2.0):
    """Pixels whose centres lie in the (super)ellipse; continuous coordinates."""
    out = set()
    for y in range(math.floor(cy - ry) - 1, math.ceil(cy + ry) + 1):
        for x in range(math.floor(cx - rx) - 1, math.ceil(cx + rx) + 1):
            dx = abs(x + 0.5 - cx) / rx
            dy = abs(y + 0.5 - cy) / ry
            if dx ** power + dy ** power <= 1.0:
                out.add((x, y))
    return out


def rect(x0, y0, x1, y1):
    """Pixels from (x0, y0) to (x1, y1), both included."""
    return {(x, y) for y in range(y0, y1 + 1) for x in range(x0, x1 + 1)}


def capsule(ax, ay, bx, by, r):
    """Pixels within C{r} of the segment from (ax, ay) to (bx, by)."""
    out = set()
    for y in range(math.floor(min(ay, by) - r) - 1, math.ceil(max(ay, by) + r) + 1):
        for x in range(math.floor(min(ax, bx) - r) - 1, math.ceil(max(ax, bx) + r) + 1):
            px, py = x + 0.5, y + 0.5
            vx, vy = bx - ax, by - ay
            length = vx * vx + vy * vy
            t = 0.0 if length == 0 else max(0.0, min(1.0, ((px - ax) * vx + (py - ay) * vy) / length))
            if (px - ax - t * vx) ** 2 + (py - ay - t * vy) ** 2 <= r * r:
                out.add((x, y))
    return out


def polygon(points):
    """Pixels whose centres lie inside the polygon (even-odd rule)."""
    xs = [p[0] for p in points]
    ys = [p[1] for p in points]
    out = set()
    for y in range(math.floor(min(ys)), math.ceil(max(ys)) + 1):
        for x in range(math.floor(min(xs)), math.ceil(max(xs)) + 1):
            px, py = x + 0.5, y + 0.5
            inside = False
            for i in range(len(points)):
                (x0, y0), (x1, y1) = points[i - 1], points[i]
                if (y0 > py) != (y1 > py):
                    if px < x0 + (py - y0) * (x1 - x0) / (y1 - y0):
                        inside = not inside
            if inside:
                out.add((x, y))
    return out


def shifted(pixels, dx, dy):
    return {(x + dx, y + dy) for x, y in pixels}


def mirrored(pixels):
    return {(FRAME - 1 - x, y) for x, y in pixels}


# --- Parts and rendering ----------------------------------------------------


@dataclass
class Part:
    z: float
    pixels: set
    colour: tuple
    paint: dict = field(default_factory=dict)
    lines: bool = True
    group: str = ""
    depth: int = 1
    dim: float = 0.0
    flat: bool = False

    def ramp(self, pixel):
        return Ramp(self.paint.get(pixel, self.colour), self.dim)


class Figure:
    """
    The parts and decals (single pixels laid on top after shading) of one
    frame.
    """

    def __init__(self):
        self.parts = []
        self.decals = {}

    def add(self, z, pixels, colour, **kw):
        part = Part(z, set(pixels), tuple(colour), **kw)
        self.parts.append(part)
        return part

    def paint(self, part, pixels, colour):
        """Colour some of C{part}'s pixels (those it has) differently."""
        for p in pixels:
            if p in part.pixels:
                part.paint[p] = tuple(colour)

    def dot(self, x, y, colour):
        self.decals[(x, y)] = tuple(colour)

    def dots(self, pixels, colour):
        for x, y in pixels:
            self.dot(x, y, colour)

    def lifted(self, dy):
        for part in self.parts:
            part.pixels = shifted(part.pixels, 0, -dy)
            part.paint = {(x, y - dy): c for (x, y), c in part.paint.items()}
        self.decals = {(x, y - dy): c for (x, y), c in self.decals.items()}

    def mirror(self):
        for part in self.parts:
            part.pixels = mirrored(part.pixels)
            part.paint = {(FRAME - 1 - x, y): c for (x, y), c in part.paint.items()}
        self.decals = {(FRAME - 1 - x, y): c for (x, y), c in self.decals.items()}


def render(figure):
    """
    @return: the frame's RGBA image: the shadow, then the figure, outlined
        and shaded.
    """
    parts = sorted(figure.parts, key=lambda p: p.z)
    owner = {}
    for i, part in enumerate(parts):
        for x, y in part.pixels:
            if 0 <= x < FRAME and 0 <= y < FRAME:
                owner[(x, y)] = i

    def neighbours(x, y):
        return ((x - 1, y), (x + 1, y), (x, y - 1), (x, y + 1))

    colours = {}
    edge = set()
    for (x, y), i in owner.items():
        part = parts[i]
        ramp = part.ramp((x, y))
        if any(n not in owner for n in neighbours(x, y)):
            colours[(x, y)] = ramp.outline
            edge.add((x, y))
        elif part.lines and any(
            owner[n] < i and parts[owner[n]].lines
            and not (part.group and parts[owner[n]].group == part.group)
            for n in neighbours(x, y)
        ):
            colours[(x, y)] = ramp.line
            edge.add((x, y))

    def core(p, i):
        return owner.get(p) == i and p not in edge

    def front(p, i):
        return owner.get(p, -1) > i

    def boundary(p, i):
        return not core(p, i) and not front(p, i)

    for (x, y), i in owner.items():
        if (x, y) in edge:
            continue
        part = parts[i]
        ramp = part.ramp((x, y))
        if part.flat:
            colours[(x, y)] = ramp.base
            continue
        lit = boundary((x - 1, y), i) or boundary((x, y - 1), i)
        dark = front((x, y - 1), i) or any(
            boundary((x + k, y), i) or boundary((x, y + k), i)
            for k in range(1, part.depth + 1)
        )
        if lit and not dark:
            colours[(x, y)] = ramp.light
        elif dark and not lit:
            colours[(x, y)] = ramp.shadow
        else:
            colours[(x, y)] = ramp.base

    for p, colour in figure.decals.items():
        if p in colours:
            colours[p] = colour

    image = Image.new("RGBA", (FRAME, FRAME), (0, 0, 0, 0))
    shadow = Image.new("RGBA", (FRAME, FRAME), (0, 0, 0, 0))
    px = shadow.load()
    for x, y in ellipse(ORIGIN_X, ORIGIN_Y - 0.5, 7.5, 2.4):
        px[x, y] = SHADOW
    out = image.load()
    for (x, y), colour in colours.items():
        out[x, y] = (*colour, 255)
    return Image.alpha_composite(shadow, image)


# --- Poses ------------------------------------------------------------------


@dataclass
class Pose:
    """
    How one frame bends the figure.

    @ivar bob: pixels the upper body (torso, arms, head) sinks.
    @ivar lift: pixels the whole figure rises (off the ground when running).
    @ivar lean: pixels the upper body leans forward (the head one more).
    @ivar feet: C{(dx, lift)} of each foot: far then near from the side,
        screen-left then screen-right from the front and back; dx is
        forward from the side.
    @ivar hands: C{(dx, dy, bent)} of each hand, in the same order: dx is
        forward from the side, towards the body from the front.
    """

    bob: int = 0
    lift: int = 0
    lean: int = 0
    feet: tuple = ((0, 0), (0, 0))
    hands: tuple = ((0, 0, False), (0, 0, False))


IDLE = [Pose(), Pose(bob=1, hands=((0, 1, False), (0, 1, False)))]

SIDE_WALK = [
    Pose(bob=1, feet=((-3, 0), (3, 0)), hands=((2, 0, False), (-2, 0, False))),
    Pose(bob=0, feet=((0, 2), (-1, 0)), hands=((0, 0, False), (0, 0, False))),
    Pose(bob=1, feet=((3, 0), (-3, 0)), hands=((-2, 0, False), (2, 0, False))),
    Pose(bob=0, feet=((-1, 0), (0, 2)), hands=((0, 0, False), (0, 0, False))),
]

SIDE_RUN = [
    Pose(lean=1, feet=((-5, 2), (4, 0)), hands=((4, -3, True), (-3, -1, True))),
    Pose(lean=1, lift=1, feet=((0, 3), (-3, 1)), hands=((1, -2, True), (0, -2, True))),
    Pose(lean=1, feet=((4, 0), (-5, 2)), hands=((-3, -1, True), (4, -3, True))),
    Pose(lean=1, lift=1, feet=((-3, 1), (0, 3)), hands=((0, -2, True), (1, -2, True))),
]

FRONT_WALK = [
    Pose(bob=0, feet=((0, 0), (0, 2)), hands=((1, -1, False), (0, 1, False))),
    Pose(bob=1),
    Pose(bob=0, feet=((0, 2), (0, 0)), hands=((0, 1, False), (1, -1, False))),
    Pose(bob=1),
]

FRONT_RUN = [
    Pose(lean=1, feet=((0, 0), (0, 3)), hands=((1, -3, True), (0, 0, True))),
    Pose(lean=1, lift=1, feet=((0, 1), (0, 1)), hands=((0, -2, True), (0, -2, True))),
    Pose(lean=1, feet=((0, 3), (0, 0)), hands=((0, 0, True), (1, -3, True))),
    Pose(lean=1, lift=1, feet=((0, 1), (0, 1)), hands=((0, -2, True), (0, -2, True))),
]


def framePoses(facing):
    """The ten poses of a sheet row, for C{facing} "down", "side" or "up"."""
    if facing == "side":
        return IDLE + SIDE_WALK + SIDE_RUN
    return IDLE + FRONT_WALK + FRONT_RUN


# --- Geometry shared by every figure -----------------------------------------


class Rig:
    """
    Where the body's joints are in one frame: C{view} is "down", "side"
    (facing right) or "up".
    """

    def __init__(self, view, pose, frame=0):
        self.view = view
        self.frame = frame
        self.pose = pose
        self.side = view == "side"
        b = pose.bob
        self.bob = b
        # The torso's rows, and the head's centre.
        self.top = 16 + b
        self.hip = 24 + b
        self.lean = pose.lean if self.side else 0
        headDrop = pose.lean if not self.side else 0
        self.headX = 16 + (self.lean + 1 if self.lean else 0) if self.side else 16
        self.headY = 10.5 + b + headDrop
        self.shoulderY = 18 + b

    # Legs

    def legs(self, fig, colour, shoes, z=(10, 20), width=1.7, dims=0.25):
        """Two legs and their shoes; C{z} is (far/left, near/right)."""
        out = []
        for i, (dx, lift) in enumerate(self.pose.feet):
            ground = 29 - lift
            if self.side:
                hipX = 15.0 + i * 1.5
                ankleX = hipX + dx
                leg = capsule(hipX, self.hip - 1, ankleX, ground - 1.5, width)
                foot = rect(math.floor(ankleX) - 2, ground - 1, math.floor(ankleX) + 2, ground)
                foot |= rect(math.floor(ankleX) - 1, ground - 2, math.floor(ankleX) + 1, ground - 2)
                pixels = leg | foot
                part = fig.add(z[i], pixels, colour, dim=dims if i == 0 else 0.0)
                fig.paint(part, foot, shoes)
            else:
                cx = 13 if i == 0 else 19
                leg = rect(cx - 2, self.hip - 1, cx + 1, ground)
                foot = rect(cx - 2 - (1 if i == 0 else 0), ground - 2, cx + 1 + (1 if i == 1 else 0), ground)
                part = fig.add(z[0], leg | foot, colour, group="legs" + str(i))
                fig.paint(part, foot, shoes)
            out.append(part)
        return out

    # Torso

    def torsoPixels(self, width=12, bottom=None):
        bottom = self.hip if bottom is None else bottom
        if self.side:
            width = min(width, 10)
        x0 = 16 - width // 2
        x1 = x0 + width - 1
        pixels = rect(x0, self.top, x1, bottom)
        pixels -= {(x0, self.top), (x1, self.top)}
        if self.side and self.lean:
            upper = {p for p in pixels if p[1] < self.top + 4}
            pixels = (pixels - upper) | shifted(upper, self.lean, 0)
        return pixels

    # Arms

    def armPaths(self, spread=0):
        """
        @return: for each arm (far/left then near/right), the list of
            points from the shoulder to the hand.
        """
        paths = []
        for i, (dx, dy, bent) in enumerate(self.pose.hands):
            if self.side:
                sx = 15.0 + i * 1.5 + self.lean
                sy = self.shoulderY
                hx, hy = sx + dx, sy + 5 + dy
                if bent and dx > 1:
                    # Swung forward: the forearm points forward and up.
                    paths.append([(sx, sy), (sx + 1.5, sy + 3.5), (sx + 4.5, sy + 1.5)])
                elif bent and dx < 0:
                    # Swung back: the elbow high behind, the hand by the hip.
                    paths.append([(sx, sy), (sx - 3, sy + 2.5), (sx - 1.5, sy + 5)])
                elif bent:
                    paths.append([(sx, sy), (sx - 0.5, sy + 3.5), (sx + 2, sy + 3)])
                else:
                    paths.append([(sx, sy), (hx, hy)])
            else:
                sign = -1 if i == 0 else 1
                sx = 16 + sign * (7.5 + spread)
                sy = self.shoulderY
                hx = sx - sign * dx
                hy = sy + 5 + dy
                if bent:
                    ex = sx + sign * 0.5
                    paths.append([(sx, sy), (ex, sy + 3), (hx - sign * 1, hy)])
                else:
                    paths.append([(sx, sy), (hx, hy)])
        return paths

    def arms(self, fig, sleeve, hand, z=None, width=1.5, handRows=2, spread=0, dims=0.25,
             sleeveLength=None):
        """
        Two arms, sleeves then hands; with C{sleeveLength}, short sleeves
        and bare arms (the hand's colour) below them.
        """
        out = []
        for i, path in enumerate(self.armPaths(spread)):
            pixels = set()
            for a, b in zip(path, path[1:]):
                pixels |= capsule(a[0], a[1], b[0], b[1], width)
            if z is None:
                zz = (5, 40)[i] if self.side else 40
            else:
                zz = z[i]
            part = fig.add(zz, pixels, sleeve, dim=dims if (self.side and i == 0) else 0.0,
                           group="arm" + str(i))
            hx, hy = path[-1]
            handPixels = {p for p in pixels
                          if math.hypot(p[0] + 0.5 - hx, p[1] + 0.5 - hy) <= width + 0.6}
            if handRows:
                fig.paint(part, handPixels, hand)
            if sleeveLength is not None:
                sx, sy = path[0]
                bare = {p for p in pixels if math.hypot(p[0] + 0.5 - sx, p[1] + 0.5 - sy) > sleeveLength}
                fig.paint(part, bare, hand)
            out.append(part)
        return out

    # Head

    def headPixels(self, rx=8.0, ry=7.0, power=2.4, dx=0.0, dy=0.0):
        if self.side:
            rx -= 0.5
        return ellipse(self.headX + dx, self.headY + dy, rx, ry, power)

    def eyes(self, fig, colour=INK, rows=2, spacing=3.5, y=0, shine=None):
        """Two eyes from the front, one from the side (none from the back)."""
        ey = rnd(self.headY + 0.5 + y)
        if self.view == "down":
            for x in (rnd(16 - spacing) - 1, rnd(15 + spacing)):
                for r in range(rows):
                    fig.dot(x, ey + r, colour)
                if shine:
                    fig.dot(x, ey, shine)
        elif self.side:
            x = rnd(self.headX + 3.5)
            for r in range(rows):
                fig.dot(x, ey + r, colour)
            if shine:
                fig.dot(x, ey, shine)


# --- The characters ----------------------------------------------------------

SKIN = {
    "light": (246, 204, 172),
    "fair": (236, 186, 150),
    "tan": (204, 146, 104),
    "deep": (112, 70, 50),
}


def face(fig, rig, skin, blush=True, mouth=True):
    """Eyes, blush and a small mouth."""
    rig.eyes(fig)
    ey = rnd(rig.headY + 0.5)
    pink = mix(skin, (236, 110, 120), 0.35)
    lip = mix(skin, (120, 50, 60), 0.45)
    if rig.view == "down":
        if blush:
            fig.dot(10, ey + 2, pink)
            fig.dot(21, ey + 2, pink)
        if mouth:
            fig.dot(15, ey + 3, lip)
            fig.dot(16, ey + 3, lip)
    elif rig.side:
        x = rnd(rig.headX + 3.5)
        if blush:
            fig.dot(x - 1, ey + 2, pink)
        if mouth:
            fig.dot(x + 2, ey + 3, lip)


def person(fig, rig, skin, shirt, pants, shoes, sleeve=None, torsoWidth=12, sleeveLength=None,
           shorts=False):
    """The common body: legs, torso, arms, and a head with a face."""
    legs = rig.legs(fig, pants, shoes)
    if shorts:
        for part in legs:
            fig.paint(part, {p for p in part.pixels if p not in part.paint and p[1] >= rig.hip + 2}, skin)
    torso = fig.add(30, rig.torsoPixels(torsoWidth), shirt)
    rig.arms(fig, sleeve or shirt, skin, sleeveLength=sleeveLength)
    head = fig.add(50, rig.headPixels(), skin, depth=2)
    if rig.view != "up":
        face(fig, rig, skin)
    return torso, head


def hairSide(head, rig, front=-1.0, top=-2.5):
    """The hair of a head seen from the side: the crown and the back."""
    hx, hy = rig.headX, rig.headY
    hair = {p for p in head.pixels
            if p[1] + 0.5 < hy + top or p[0] + 0.5 < hx + front - max(0.0, (p[1] + 0.5 - hy)) * 0.25}
    ear = rect(rnd(hx) - 2, rnd(hy), rnd(hx) - 1, rnd(hy) + 1)
    return hair - ear


def braid(fig, z, x0, y0, x1, y1, colour, tie):
    """A braid from (x0, y0) down to (x1, y1), tied near its end."""
    part = fig.add(z, capsule(x0, y0, x1, y1, 1.35), colour, group="braid")
    fig.paint(part, {p for p in part.pixels if abs(p[1] + 0.5 - (max(y0, y1) - 1.5)) < 0.6}, tie)
    return part


def gardener(fig, rig):
    skin = SKIN["light"]
    hair = (200, 98, 48)
    straw = (236, 200, 112)
    band = (200, 72, 82)
    shirt = (250, 232, 180)
    denim = (84, 136, 84)
    torso, head = person(fig, rig, skin, shirt, denim, (122, 82, 58))
    hx, hy = rig.headX, rig.headY
    top = rig.top
    # Dungarees: the bib and straps over the shirt.
    if rig.view == "down":
        bib = {p for p in torso.pixels if (p[1] >= top + 3 and 12 <= p[0] <= 19) or p[1] >= top + 6}
        straps = {p for p in torso.pixels if p[0] in (12, 19) and p[1] < top + 3}
        fig.paint(torso, bib | straps, denim)
        fig.dot(12, top + 3, (240, 206, 100))
        fig.dot(19, top + 3, (240, 206, 100))
        fig.dot(17, top + 4, mix(denim, DEEP, 0.35))
        fig.dot(18, top + 4, mix(denim, DEEP, 0.35))
    elif rig.view == "up":
        straps = {p for p in torso.pixels if p[0] in (12, 19)}
        fig.paint(torso, {p for p in torso.pixels if p[1] >= top + 6} | straps, denim)
    else:
        fig.paint(torso, {p for p in torso.pixels if p[1] >= top + 2}, denim)
    # Hair: a fringe and two braids with red ties.
    if rig.view == "down":
        hairPx = {p for p in head.pixels
                  if p[1] + 0.5 <= hy - 2 or (p[1] + 0.5 <= hy + 2 and (p[0] <= 9 or p[0] >= 22))}
        hairPx -= {(13, rnd(hy - 3)), (18, rnd(hy - 3))}
        fig.add(60, hairPx, hair)
        braid(fig, 45, 8, hy + 2, 7.5, hy + 8, hair, band)
        braid(fig, 45, 24, hy + 2, 24.5, hy + 8, hair, band)
    elif rig.view == "up":
        fig.add(60, head.pixels, hair)
        braid(fig, 62, 11, hy + 3, 10.5, hy + 9, hair, band)
        braid(fig, 62, 21, hy + 3, 21.5, hy + 9, hair, band)
    else:
        fig.add(60, hairSide(head, rig), hair)
        braid(fig, 62, hx - 4.5, hy + 3, hx - 5.5, hy + 9, hair, band)
    # A wide straw hat with a red band and a flower.
    crown = ellipse(hx, hy - 5.5, 5.0, 3.0)
    brim = ellipse(hx, hy - 3.5, 11.0, 2.2) if not rig.side else ellipse(hx, hy - 3.5, 10.0, 1.9)
    hat = fig.add(70, crown, straw)
    fig.paint(hat, {p for p in crown if p[1] == rnd(hy - 4.5)}, band)
    fig.add(69, brim, straw)
    if rig.view == "down":
        fig.dots([(19, rnd(hy - 5)), (20, rnd(hy - 6))], (250, 250, 240))
        fig.dot(20, rnd(hy - 5), (250, 214, 80))
    elif rig.side:
        fig.dots([(rnd(hx) - 3, rnd(hy - 5)), (rnd(hx) - 4, rnd(hy - 6))], (250, 250, 240))
        fig.dot(rnd(hx) - 4, rnd(hy - 5), (250, 214, 80))


def curls(cx, cy, rx, ry, bottom=False):
    """
    A cloud of curly hair: an ellipse with round puffs along its rim.

    @return: C{(pixels, puffs)}, the puffs as C{(x, y, r)}.
    """
    cloud = ellipse(cx, cy, rx - 1, ry - 0.5)
    puffs = []
    stop = 360 if bottom else 181
    for angle in range(0, stop, 45):
        a = math.radians(angle + 180)
        puffs.append((cx + math.cos(a) * (rx - 3), cy + math.sin(a) * (ry - 2.5), 3.2))
    for x, y, r in puffs:
        cloud |= ellipse(x, y, r, r)
    return cloud, puffs


def curlTexture(fig, part, puffs, colour):
    """A glint at the top left of every puff, lit from the top left."""
    light = mix(colour, WARM, 0.22)
    for x, y, r in puffs:
        for dx, dy in ((-1.6, -1.2), (-0.6, -2.0)):
            p = (math.floor(x + dx), math.floor(y + dy))
            if p in part.pixels:
                fig.dot(p[0], p[1], light)


def explorer(fig, rig):
    skin = SKIN["deep"]
    hair = (44, 34, 40)
    khaki = (204, 176, 116)
    scarf = (200, 66, 62)
    leather = (150, 100, 60)
    torso, head = person(fig, rig, skin, khaki, (96, 100, 66), (100, 64, 46), sleeveLength=2.6, shorts=True)
    hx, hy = rig.headX, rig.headY
    top, hip = rig.top, rig.hip
    # Big round curly hair.
    if rig.view == "down":
        cloud, puffs = curls(hx, hy - 2, 9.0, 6.0)
        hairPx = {p for p in cloud if p[1] + 0.5 < hy - 2 or (p[0] <= 8 or p[0] >= 23) and p[1] < hy + 2}
        h = fig.add(60, hairPx, hair)
    elif rig.view == "up":
        cloud, puffs = curls(hx, hy - 1, 9.0, 7.0, bottom=True)
        h = fig.add(60, cloud, hair)
    else:
        cloud, puffs = curls(hx - 1, hy - 2, 8.0, 6.0, bottom=True)
        hairPx = {p for p in cloud
                  if p[1] + 0.5 < hy - 2 or p[0] + 0.5 < hx - 0.5 - max(0, p[1] + 0.5 - hy) * 0.3}
        hairPx -= rect(rnd(hx) - 2, rnd(hy), rnd(hx) - 1, rnd(hy) + 1)
        h = fig.add(60, hairPx, hair)
    curlTexture(fig, h, puffs, hair)
    # A red scarf, a belt, and a backpack with a bedroll.
    fig.paint(torso, {p for p in torso.pixels if p[1] <= top + 1}, scarf)
    fig.paint(torso, {p for p in torso.pixels if p[1] == hip - 1}, (112, 76, 52))
    if rig.view == "down":
        fig.paint(torso, {p for p in torso.pixels if p[0] in (11, 20) and top + 2 <= p[1] < hip - 1}, leather)
        fig.dot(16, hip - 1, (230, 190, 90))
        fig.dots([(16, top + 2), (15, top + 2)], mix(scarf, DEEP, 0.2))
    elif rig.view == "up":
        pack = rect(10, top + 1, 21, hip - 1) - {(10, top + 1), (21, top + 1)}
        p = fig.add(45, pack, leather)
        fig.paint(p, rect(11, top + 5, 20, top + 5), (118, 78, 50))
        fig.dot(15, top + 6, (230, 190, 90))
        fig.add(46, ellipse(16, top, 7.0, 1.8, 3), (92, 124, 146))
    else:
        x0 = 8 + rig.lean
        fig.add(35, rect(x0, top + 1, x0 + 4, hip - 1) - {(x0, top + 1)}, leather)
        fig.add(36, ellipse(x0 + 2.5, top, 3.0, 1.8), (92, 124, 146))


def astronaut(fig, rig):
    suit = (236, 236, 230)
    accent = (234, 124, 62)
    glove = (150, 158, 172)
    visor = (70, 110, 170)
    hx, hy = rig.headX, rig.headY
    top, hip = rig.top, rig.hip
    legs = rig.legs(fig, suit, (120, 126, 142))
    torso = fig.add(30, rig.torsoPixels(12), suit)
    rig.arms(fig, suit, glove, width=1.6)
    for part in legs:
        fig.paint(part, {p for p in part.pixels if p[1] == 26}, accent)
    # The helmet: a round white shell with a dark glass visor; a pack on the back.
    fig.add(50, ellipse(hx, hy, 8.5, 7.8, 2.2), suit, depth=2)
    shine = (150, 196, 236)
    if rig.view == "down":
        window = ellipse(hx, hy + 0.5, 6.5, 4.4, 2.6)
        fig.add(51, window, visor, flat=True)
        ey = rnd(hy + 0.5)
        # Reflections on the glass, top left, and the sky's glow at the bottom.
        fig.dots([(11, ey - 2), (12, ey - 3), (13, ey - 3), (11, ey - 1)], shine)
        fig.dots([(12, ey - 2)], WHITE)
        fig.dots([(18, ey + 2), (19, ey + 2), (20, ey + 1)], mix(visor, shine, 0.5))
        fig.paint(torso, rect(13, top + 3, 18, top + 5), (84, 104, 150))
        fig.dots([(14, top + 4)], (236, 80, 70))
        fig.dots([(16, top + 4)], (250, 210, 80))
        fig.dots([(17, top + 4)], (110, 220, 140))
        fig.paint(torso, {p for p in torso.pixels if p[1] == hip - 1}, accent)
    elif rig.view == "up":
        pack = rect(10, top, 21, hip - 1) - {(10, top), (21, top)}
        p = fig.add(45, pack, (206, 208, 214))
        fig.paint(p, rect(12, top + 3, 19, top + 4), accent)
        fig.dots([(13, top + 6), (15, top + 6), (17, top + 6)], (110, 120, 140))
    else:
        window = {p for p in ellipse(hx + 2.5, hy + 0.5, 6.0, 4.4, 2.6) if p[0] + 0.5 > hx}
        fig.add(51, window, visor, flat=True)
        ey = rnd(hy + 0.5)
        x = rnd(hx + 1)
        fig.dots([(x + 1, ey - 2), (x + 2, ey - 3), (x + 3, ey - 3), (x + 1, ey - 1)], shine)
        fig.dot(x + 2, ey - 2, WHITE)
        fig.dots([(x + 5, ey + 2), (x + 6, ey + 1)], mix(visor, shine, 0.5))
        x0 = 7 + rig.lean
        p = fig.add(35, rect(x0, top, x0 + 4, hip - 1) - {(x0, top)}, (206, 208, 214))
        fig.paint(p, rect(x0, top + 3, x0 + 4, top + 4), accent)
        fig.paint(torso, {p for p in torso.pixels if p[1] == hip - 1}, accent)
    # Antenna on the helmet.
    if rig.view == "down":
        ant = rect(21, rnd(hy - 9), 21, rnd(hy - 6))
        fig.add(49, ant, glove, lines=False)
        fig.dot(21, rnd(hy - 9), (236, 80, 70))
    elif rig.side:
        x = rnd(hx) - 4
        fig.add(49, rect(x, rnd(hy - 9), x, rnd(hy - 6)), glove, lines=False)
        fig.dot(x, rnd(hy - 9), (236, 80, 70))
    else:
        fig.add(49, rect(10, rnd(hy - 9), 10, rnd(hy - 6)), glove, lines=False)
        fig.dot(10, rnd(hy - 9), (236, 80, 70))


def robot(fig, rig):
    steel = (170, 184, 198)
    dark = (96, 106, 128)
    screen = (40, 52, 74)
    glow = (120, 240, 226)
    panel = (236, 150, 60)
    hx, hy = rig.headX, rig.headY
    top = rig.top
    rig.legs(fig, dark, (70, 76, 96), width=1.3)
    torso = fig.add(30, rig.torsoPixels(12), steel)
    rig.arms(fig, dark, steel, width=1.3)
    # A boxy head with a screen face and an antenna.
    if rig.side:
        box = ellipse(hx, hy, 6.5, 6.0, 6)
    else:
        box = ellipse(hx, hy, 8.0, 6.0, 6)
    head = fig.add(50, box, steel, depth=2)
    ey = rnd(hy)
    if rig.view == "down":
        scr = ellipse(hx, hy + 0.5, 5.5, 3.6, 5)
        fig.add(51, scr, screen, flat=True)
        fig.dots(rect(12, ey - 1, 13, ey) | rect(18, ey - 1, 19, ey), glow)
        fig.dots([(14, ey + 2), (15, ey + 3), (16, ey + 3), (17, ey + 2)], glow)
        fig.add(49, rect(6, ey - 1, 8, ey + 1), panel)
        fig.add(49, rect(23, ey - 1, 25, ey + 1), panel)
        chest = rect(12, top + 2, 19, top + 6)
        fig.paint(torso, chest, dark)
        fig.dot(13, top + 4, (236, 80, 70))
        fig.dot(15, top + 4, (250, 210, 80))
        fig.dot(17, top + 4, glow)
        fig.dots([(18, top + 3), (18, top + 5)], (130, 140, 160))
    elif rig.view == "up":
        vents = rect(11, ey - 2, 20, ey - 2) | rect(11, ey, 20, ey) | rect(11, ey + 2, 20, ey + 2)
        fig.paint(head, vents, dark)
        fig.add(49, rect(6, ey - 1, 8, ey + 1), panel)
        fig.add(49, rect(23, ey - 1, 25, ey + 1), panel)
        fig.paint(torso, rect(12, top + 2, 19, top + 6), (146, 158, 176))
        fig.dots([(12, top + 2), (19, top + 2), (12, top + 6), (19, top + 6)], dark)
    else:
        x = rnd(hx)
        scr = ellipse(hx + 3.5, hy + 0.5, 3.0, 3.6, 5)
        fig.add(51, scr, screen, flat=True)
        fig.dots([(x + 4, ey - 1), (x + 5, ey - 1), (x + 4, ey), (x + 5, ey)], glow)
        fig.dots([(x + 5, ey + 2), (x + 6, ey + 2)], glow)
        fig.add(52, rect(x - 3, ey - 1, x - 1, ey + 1), panel)
        fig.paint(torso, rect(15 + rig.lean, top + 2, 18 + rig.lean, top + 5), dark)
        fig.dot(17 + rig.lean, top + 3, glow)
    ax = rnd(hx) if rig.view != "side" else rnd(hx) - 1
    fig.add(49, rect(ax, rnd(hy - 8), ax, rnd(hy - 6)), dark, lines=False)
    fig.add(49.5, rect(ax - 1, rnd(hy - 9), ax + 1, rnd(hy - 8)), (236, 80, 70))


def fox(fig, rig):
    fur = (226, 124, 52)
    cream = (250, 236, 212)
    sock = (78, 56, 60)
    scarf = (64, 150, 158)
    hx, hy = rig.headX, rig.headY + 0.5
    top = rig.top
    sway = (0, 0, 1, 0, -1, 0, 1, 0, -1, 0)[rig.frame]
    legs = rig.legs(fig, fur, sock)
    for part in legs:
        fig.paint(part, {p for p in part.pixels if p[1] >= 26}, sock)
    torso = fig.add(30, rig.torsoPixels(12), fur)
    rig.arms(fig, fur, sock)
    # The bushy tail with a white tip.
    if rig.view == "down":
        tail = capsule(20, 25, 24.5 + sway * 0.5, 18.5, 2.7)
        z = 5
    elif rig.view == "up":
        tail = capsule(16, 24, 18.5 + sway, 17, 3.0)
        z = 90
    else:
        tail = capsule(12, 23.5, 6.5, 18.5 + sway * 0.6, 2.8)
        z = 4
    t = fig.add(z, tail, fur)
    fig.paint(t, {p for p in tail if p[1] <= min(q[1] for q in tail) + 2}, cream)
    # The head: ears, cheek tufts, a white muzzle.
    if rig.view == "side":
        head = fig.add(50, ellipse(hx - 0.5, hy, 6.5, 6.0, 2.2), fur, depth=2, group="fur")
        snout = polygon([(hx + 2, hy - 1), (hx + 9, hy + 1.5), (hx + 9, hy + 3.2), (hx + 2, hy + 5)])
        s = fig.add(51, snout, fur, group="fur")
        fig.paint(s, {p for p in snout if p[1] + 0.5 > hy + 2}, cream)
        fig.paint(head, {p for p in head.pixels if p[1] + 0.5 > hy + 2 and p[0] + 0.5 > hx - 1}, cream)
        fig.dots([(rnd(hx + 8), rnd(hy + 1)), (rnd(hx + 8), rnd(hy + 2))], INK)
        ear = polygon([(hx - 4.5, hy - 3), (hx - 2, hy - 10), (hx + 1.5, hy - 4)])
        e = fig.add(49, ear, fur, group="fur")
        fig.paint(e, {p for p in ear if p[1] + 0.5 < hy - 8}, sock)
        ear2 = polygon([(hx - 1, hy - 4), (hx + 2, hy - 9.5), (hx + 4.5, hy - 3)])
        e2 = fig.add(48, ear2, fur, group="fur", dim=0.25)
        fig.paint(e2, {p for p in ear2 if p[1] + 0.5 < hy - 7.5}, sock)
        x = rnd(hx + 3)
        fig.dots([(x, rnd(hy - 0.5)), (x, rnd(hy + 0.5))], INK)
        fig.paint(torso, {p for p in torso.pixels if p[0] >= 18 + rig.lean and p[1] > top + 1}, cream)
    else:
        head = fig.add(50, ellipse(hx, hy, 8.0, 6.3, 2.2), fur, depth=2, group="fur")
        cheeks = polygon([(7, hy), (5.5, hy + 3.5), (11, hy + 5)])
        cheeks |= polygon([(25, hy), (26.5, hy + 3.5), (21, hy + 5)])
        c = fig.add(49, cheeks, fur, group="fur")
        for side in (-1, 1):
            ear = polygon([(16 + side * 8, hy - 2), (16 + side * 6.5, hy - 10), (16 + side * 2.5, hy - 5)])
            e = fig.add(48, ear, fur, group="fur")
            if rig.view == "down":
                inner = polygon([(16 + side * 6.8, hy - 4), (16 + side * 6.3, hy - 8),
                                 (16 + side * 4, hy - 5)])
                fig.paint(e, inner, (120, 66, 60))
            fig.paint(e, {p for p in ear if p[1] + 0.5 < hy - 8.5}, sock)
        if rig.view == "down":
            muzzle = ellipse(16, hy + 3.5, 5.5, 3.0) | cheeks
            fig.paint(head, muzzle, cream)
            fig.paint(c, cheeks, cream)
            fig.dots([(15, rnd(hy + 1)), (16, rnd(hy + 1))], INK)
            ey = rnd(hy - 1)
            fig.dots([(11, ey), (11, ey + 1), (20, ey), (20, ey + 1)], INK)
            fig.dots([(15, rnd(hy + 3)), (16, rnd(hy + 3))], mix(cream, (150, 80, 80), 0.4))
            fig.paint(torso, {p for p in torso.pixels if 13 <= p[0] <= 18 and p[1] > top + 1}, cream)
    # A teal scarf.
    if rig.view == "down":
        fig.paint(torso, {p for p in torso.pixels if p[1] <= top + 1}, scarf)
        fig.add(31, rect(17, top + 2, 18, top + 4), scarf)
    elif rig.view == "up":
        fig.paint(torso, {p for p in torso.pixels if p[1] <= top + 1}, scarf)
    else:
        fig.paint(torso, {p for p in torso.pixels if p[1] <= top + 1}, scarf)
        fig.add(31, rect(10 + rig.lean, top + 1, 11 + rig.lean, top + 3 + (1 if rig.pose.lean else 0)), scarf)


def owl(fig, rig):
    feather = (146, 100, 70)
    belly = (234, 212, 172)
    disc = (240, 226, 196)
    amber = (250, 190, 60)
    beak = (238, 156, 58)
    talon = (232, 172, 74)
    b = rig.bob
    lean = rig.lean
    bx = 16 + lean if rig.side else 16
    cy = 16.0 + b
    hy = cy - 4.5 + (rig.pose.lean if not rig.side else 0)
    # Short legs with talons.
    for i, (dx, lift) in enumerate(rig.pose.feet):
        ground = 29 - lift
        if rig.side:
            x = 15 + i * 2 + dx
            px = rect(x - 1, 26 + b, x, ground) | rect(x - 1, ground - 1, x + 2, ground)
            fig.add(10 + i * 10, px, talon, dim=0.25 if i == 0 else 0.0)
        else:
            x = 13 if i == 0 else 17
            px = rect(x, 26 + b, x + 1, ground) | rect(x - 1 + (i == 1), ground - 1, x + 1 + (i == 1), ground)
            fig.add(20, px, talon)
    # One round body with ear tufts.
    if rig.side:
        body = ellipse(bx, cy, 7.5, 10.5, 2.1)
        tufts = [polygon([(bx - 5, hy - 4), (bx - 5.5, hy - 9.5), (bx - 1, hy - 5.5)])]
    else:
        body = ellipse(16, cy, 9.0, 10.5, 2.1)
        tufts = [polygon([(16 + s * 8.5, hy - 3), (16 + s * 8, hy - 9), (16 + s * 4, hy - 5.5)])
                 for s in (-1, 1)]
    bod = fig.add(30, body, feather, depth=2, group="owl")
    for tuft in tufts:
        fig.add(29, tuft, feather, group="owl")
    # Wings, instead of arms: they swing when walking and flap when running.
    flap = ("up", "mid", "down", "mid")[rig.frame - 6] if rig.frame >= 6 else None
    sy = rig.shoulderY - 1
    for i, (dx, dy, _) in enumerate(rig.pose.hands):
        if rig.side:
            sx = bx - 0.5
            tip = {"up": (sx - 5, sy - 4), "mid": (sx - 5.5, sy + 2.5), "down": (sx - 2, sy + 6)}.get(
                flap, (sx - 1 + dx, sy + 7))
            if i == 0:
                tip = (tip[0] + 1, tip[1] - 1)
            px = capsule(sx, sy + 1, tip[0], tip[1], 2.0)
            z = (5, 40)[i]
        else:
            sign = -1 if i == 0 else 1
            sx = 16 + sign * 8.0
            tip = {"up": (sx + sign * 4, sy - 3), "mid": (sx + sign * 4.5, sy + 3),
                   "down": (sx + sign * 1, sy + 7)}.get(flap, (sx - sign * dx * 0.5, sy + 7 + dy))
            px = capsule(sx, sy, tip[0], tip[1], 2.2)
            z = 40
        w = fig.add(z, px, mix(feather, DEEP, 0.12), dim=0.25 if rig.side and i == 0 else 0.0)
        far = max(sorted(px), key=lambda p: (p[0] - sx) ** 2 + (p[1] - sy) ** 2)
        fig.paint(w, {p for p in px if (p[0] - far[0]) ** 2 + (p[1] - far[1]) ** 2 <= 6}, (112, 74, 54))
    if rig.view == "down":
        fig.paint(bod, ellipse(16, cy + 4, 6.0, 6.0), belly)
        for x, y in ((13, 0), (16, 0), (19, 0), (14.5, 2.5), (17.5, 2.5), (16, 5)):
            fig.dot(rnd(x), rnd(cy + 2 + y), mix(belly, feather, 0.6))
        # The facial disc and big eyes.
        fig.paint(bod, ellipse(12.5, hy + 0.5, 3.6, 3.4) | ellipse(19.5, hy + 0.5, 3.6, 3.4), disc)
        for ex in (11, 18):
            ey = rnd(hy) - 1
            fig.dots([(ex + dx, ey + dy) for dx in range(3) for dy in range(3)], amber)
            px = 1 if ex == 11 else 0
            fig.dots(rect(ex + px, ey + 1, ex + px + 1, ey + 2), INK)
            fig.dot(ex + px, ey + 1, WHITE)
        fig.dots([(15, rnd(hy) + 2), (16, rnd(hy) + 2), (15, rnd(hy) + 3)], beak)
        fig.dot(16, rnd(hy) + 3, mix(beak, DEEP, 0.3))
    elif rig.view == "up":
        for x, y in ((12, 3), (16, 3), (20, 3), (14, 6), (18, 6), (16, 9)):
            fig.dot(x, rnd(cy + y - 2), mix(feather, WARM, 0.25))
            fig.dot(x + 1, rnd(cy + y - 2), mix(feather, WARM, 0.25))
    else:
        x = rnd(bx)
        fig.paint(bod, {p for p in ellipse(x + 2.5, cy + 4, 5.0, 6.0) if p[0] >= x}, belly)
        fig.paint(bod, ellipse(x + 3.5, hy + 0.5, 3.3, 3.4), disc)
        ex, ey = x + 3, rnd(hy) - 1
        fig.dots([(ex + dx, ey + dy) for dx in range(3) for dy in range(3)], amber)
        fig.dots([(ex + 2, ey + 1), (ex + 2, ey + 2), (ex + 1, ey + 1), (ex + 1, ey + 2)], INK)
        fig.dot(ex + 1, ey + 1, WHITE)
        fig.add(35, rect(x + 7, rnd(hy) + 1, x + 8, rnd(hy) + 2) | {(x + 7, rnd(hy) + 3)}, beak)


def frog(fig, rig):
    skin = (84, 178, 120)
    coat = (246, 200, 64)
    boots = (64, 110, 180)
    hx, hy = rig.headX, rig.headY + 1
    top, hip = rig.top, rig.hip
    legs = rig.legs(fig, skin, boots)
    for part, (_, lift) in zip(legs, rig.pose.feet):
        fig.paint(part, {p for p in part.pixels if p[1] >= 25 - lift}, boots)
    torso = fig.add(30, rig.torsoPixels(13 if not rig.side else 9, hip + 1), coat)
    rig.arms(fig, coat, skin)
    belly = (206, 226, 140)
    if rig.side:
        head = fig.add(50, ellipse(hx + 0.5, hy + 0.5, 7.8, 5.5, 2.3), skin, depth=2)
        fig.paint(head, {p for p in head.pixels if p[1] + 0.5 > hy + 3}, belly)
        eye = fig.add(51, ellipse(hx + 2, hy - 5, 2.8, 2.8), skin)
        fig.add(49, ellipse(hx - 1, hy - 5.3, 2.4, 2.4), skin, dim=0.2)
        x, ey = rnd(hx + 2), rnd(hy - 5)
        fig.paint(eye, rect(x - 1, ey - 1, x + 1, ey + 1), (250, 250, 240))
        fig.dots([(x + 1, ey - 1), (x + 1, ey)], INK)
        mouth = [(x + k, rnd(hy + 2)) for k in range(1, 5)] + [(x + 5, rnd(hy + 1))]
        fig.dots(mouth, mix(skin, DEEP, 0.6))
        fig.dot(x, rnd(hy + 1), mix(skin, (236, 110, 120), 0.45))
        fig.paint(torso, {p for p in torso.pixels if p[0] == 18 + rig.lean}, mix(coat, DEEP, 0.2))
    else:
        head = fig.add(50, ellipse(16, hy + 0.5, 9.5, 5.5, 2.3), skin, depth=2)
        for side in (-1, 1):
            x = 10 if side < 0 else 21
            eye = fig.add(51, ellipse(x + 0.5, hy - 5, 3.0, 3.0), skin)
            if rig.view == "down":
                ey = rnd(hy - 5.5)
                fig.paint(eye, rect(x - 1, ey - 1, x + 1, ey + 1), (250, 250, 240))
                fig.dots([(x, ey), (x, ey + 1)], INK)
        if rig.view == "down":
            fig.paint(head, {p for p in head.pixels if p[1] + 0.5 > hy + 3.5}, belly)
            y = rnd(hy + 1.5)
            fig.dots([(x, y) for x in range(11, 21)], mix(skin, DEEP, 0.6))
            fig.dots([(10, y - 1), (21, y - 1)], mix(skin, DEEP, 0.6))
            fig.dots([(9, y), (22, y)], mix(skin, (236, 110, 120), 0.45))
            fig.paint(torso, {p for p in torso.pixels if p[0] == 16}, mix(coat, DEEP, 0.2))
            fig.dots([(15, top + 3), (15, top + 6)], (120, 90, 40))
        else:
            fig.dots([(12, rnd(hy)), (19, rnd(hy + 1)), (15, rnd(hy - 1))], mix(skin, DEEP, 0.3))
    # The raincoat's hood, down on the back.
    if rig.side:
        fig.add(45, ellipse(11 + rig.lean, top + 1, 3.5, 2.2), mix(coat, DEEP, 0.08))


def wizard(fig, rig):
    skin = SKIN["tan"]
    robe = (104, 76, 168)
    rig.headY += 1  # an old wizard stands a little shorter, to fit his hat
    trim = (242, 196, 80)
    beard = (236, 234, 228)
    hx, hy = rig.headX, rig.headY
    top = rig.top
    # Only the shoes show under the robe.
    for i, (dx, lift) in enumerate(rig.pose.feet):
        ground = 29 - lift
        if rig.side:
            x = math.floor(15 + i * 1.5 + dx * 0.8)
            px = rect(x - 2, ground - 1, x + 2, ground) | rect(x - 1, ground - 2, x + 1, ground - 2)
            fig.add(10 + i * 10, px, (100, 60, 52), dim=0.25 if i == 0 else 0.0)
        else:
            x = 12 if i == 0 else 17
            fig.add(20, rect(x - 1, ground - 2, x + 3, ground), (100, 60, 52), group="shoe" + str(i))
    # A long robe, flaring to the hem, swinging a little as it walks.
    sway = (0, 0, 1, 0, -1, 0, 1, 0, -1, 0)[rig.frame]
    hem = 27
    if rig.side:
        shape = polygon([(12 + rig.lean, top), (20 + rig.lean, top),
                         (22 + sway * 0.5, hem + 1), (9 + sway * 0.5, hem + 1)])
    else:
        shape = polygon([(10, top), (22, top), (24.5, hem + 1), (7.5, hem + 1)])
    shape -= {p for p in shape
              if p[1] == top and (p[0] in (10, 21) or p[0] in (12 + rig.lean, 19 + rig.lean))}
    r = fig.add(30, shape, robe)
    fig.paint(r, {p for p in shape if p[1] == hem}, trim)
    if rig.view == "down":
        fig.paint(r, {p for p in shape if p[0] in (15, 16) and p[1] > top + 3}, trim)
        fig.paint(r, {p for p in shape if p[1] == top + 7}, (84, 58, 44))
    rig.arms(fig, robe, skin, width=1.7)
    head = fig.add(50, rig.headPixels(7.5, 6.8), skin, depth=2)
    ey = rnd(hy + 0.5)
    if rig.view == "down":
        face(fig, rig, skin, mouth=False)
        b = ellipse(16, hy + 5, 5.0, 4.5) - rect(0, 0, 31, ey + 1)
        b |= rect(12, ey + 2, 19, ey + 2)
        fig.add(55, b, beard)
        fig.add(54, rect(9, ey - 1, 9, ey + 2) | rect(22, ey - 1, 22, ey + 2), (220, 220, 222), lines=False)
        fig.dots([(14, ey + 2), (15, ey + 2), (16, ey + 2), (17, ey + 2)], mix(beard, DEEP, 0.15))
    elif rig.side:
        face(fig, rig, skin, mouth=False, blush=True)
        fig.add(54, hairSide(head, rig, front=-1.5), (220, 220, 222))
        b = polygon([(hx - 0.5, hy + 1.5), (hx + 7, hy + 1.5), (hx + 5, hy + 8), (hx + 1.5, hy + 10)])
        fig.add(55, b, beard)
    else:
        fig.add(54, ellipse(16, hy + 1.5, 7.0, 6.0, 2.2) | ellipse(16, hy + 5, 5.0, 4.0), (220, 220, 222))
    # The pointed hat with stars; its tip flops over.
    if rig.side:
        brim = ellipse(hx, hy - 2.5, 9.0, 1.5)
        cone = polygon([(hx - 6.5, hy - 2.5), (hx + 5.5, hy - 2.5), (hx + 2, hy - 7), (hx - 4, hy - 10.4),
                        (hx - 3.5, hy - 7)])
    else:
        brim = ellipse(16, hy - 2.5, 10.0, 1.5)
        cone = polygon([(9, hy - 2.5), (23, hy - 2.5), (19, hy - 7), (20.5, hy - 10.4), (13.5, hy - 7.5)])
    fig.add(70, brim, robe, group="hat")
    c = fig.add(71, cone, robe, group="hat")
    fig.paint(c, {p for p in cone if p[1] == rnd(hy - 4)}, trim)
    if rig.view != "side":
        fig.dots([(13, rnd(hy - 6)), (18, rnd(hy - 7))], trim)
    else:
        fig.dots([(rnd(hx) - 1, rnd(hy - 6))], trim)


CHARACTERS = [
    ("fox", "Fox", fox),
    ("owl", "Owl", owl),
    ("robot", "Robot", robot),
    ("explorer", "Explorer", explorer),
    ("gardener", "Gardener", gardener),
    ("astronaut", "Astronaut", astronaut),
    ("frog", "Frog", frog),
    ("wizard", "Wizard", wizard),
]


# --- Sheets -------------------------------------------------------------------


def drawFrame(draw, facing, pose, frame=0):
    fig = Figure()
    view = "side" if facing in ("left", "right") else facing
    rig = Rig(view, pose, frame)
    draw(fig, rig)
    if pose.lift:
        fig.lifted(pose.lift)
    if facing == "left":
        fig.mirror()
    return render(fig)


def drawSheet(draw):
    sheet = Image.new("RGBA", (COLUMNS * FRAME, len(FACINGS) * FRAME), (0, 0, 0, 0))
    for row, facing in enumerate(FACINGS):
        view = "side" if facing in ("left", "right") else facing
        for column, pose in enumerate(framePoses(view)):
            sheet.paste(drawFrame(draw, facing, pose, column), (column * FRAME, row * FRAME))
    return sheet


def manifest():
    return {
        "frameWidth": FRAME,
        "frameHeight": FRAME,
        "originX": ORIGIN_X,
        "originY": ORIGIN_Y,
        "facings": list(FACINGS),
        "animations": ANIMATIONS,
        "avatars": [{"name": name, "label": label, "file": f"{name}.png"}
                    for name, label, _ in CHARACTERS],
    }


def preview(sheets, path, scale=3):
    gap = 8
    width = COLUMNS * FRAME
    height = sum(s.height + gap for s in sheets)
    image = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    # A checker of the town's grass behind, to judge the outline and shadow.
    px = image.load()
    for y in range(height):
        for x in range(width):
            px[x, y] = (96, 162, 78, 255) if (x // 16 + y // 16) % 2 else (104, 170, 84, 255)
    y = 0
    for sheet in sheets:
        image.alpha_composite(sheet, (0, y))
        y += sheet.height + gap
    image = image.resize((width * scale, height * scale), Image.NEAREST)
    image.save(path)


def walkPreview(sheet, path, scale=6):
    """The walk and run frames of every facing, large, for checking motion."""
    frames = Image.new("RGBA", (8 * FRAME + 8, len(FACINGS) * FRAME), (0, 0, 0, 0))
    for row in range(len(FACINGS)):
        for i, column in enumerate(range(2, 10)):
            frame = sheet.crop((column * FRAME, row * FRAME, (column + 1) * FRAME, (row + 1) * FRAME))
            frames.paste(frame, (i * FRAME + (8 if i >= 4 else 0), row * FRAME))
    bg = Image.new("RGBA", frames.size, (200, 190, 170, 255))
    bg.alpha_composite(frames)
    bg.resize((bg.width * scale, bg.height * scale), Image.NEAREST).save(path)


def main(argv):
    previewPath = walkPath = None
    walkName = CHARACTERS[0][0]
    args = list(argv)
    while args:
        arg = args.pop(0)
        if arg == "--preview":
            previewPath = args.pop(0)
        elif arg == "--walk-preview":
            walkPath = args.pop(0)
        elif arg == "--walk-avatar":
            walkName = args.pop(0)
        else:
            raise SystemExit("usage: make_avatars.py [--preview PATH] [--walk-preview PATH"
                             f" [--walk-avatar NAME]]; not {arg!r}")
    os.makedirs(OUT, exist_ok=True)
    sheets = []
    for name, _, draw in CHARACTERS:
        sheet = drawSheet(draw)
        sheet.save(os.path.join(OUT, f"{name}.png"), optimize=True)
        sheets.append(sheet)
    with open(os.path.join(OUT, MANIFEST), "w", encoding="utf-8") as f:
        json.dump(manifest(), f, indent=1)
        f.write("\n")
    print(f"wrote {len(sheets)} avatars and {MANIFEST} in {os.path.normpath(OUT)}")
    if previewPath:
        preview(sheets, previewPath)
        print(f"wrote {previewPath}")
    if walkPath:
        names = [name for name, _, _ in CHARACTERS]
        walkPreview(sheets[names.index(walkName)], walkPath)
        print(f"wrote {walkPath}")


if __name__ == "__main__":
    main(sys.argv[1:])
