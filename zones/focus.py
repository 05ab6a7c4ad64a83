"""
The camera's focus, with WorkAdventure's property names: inside a zone
with C{focusable} true, the player's view frames the zone (zoomed so that
it and a margin fill the screen, centred on it) instead of following
their avatar.
"""

from __future__ import annotations

from typing import Optional, Tuple

from twisted.plugin import IPlugin
from zope.interface import implementer

from ark.interfaces import IZoneBehaviour

# WorkAdventure's name, and the one its code also reads.
MARGIN_PROPERTIES = ("zoomMargin", "zoom_margin")

# A margin beyond this many times the zone's size frames mostly margin.
MAX_MARGIN = 4.0


def bounds(shape) -> Optional[Tuple[float, float, float, float]]:
    """
    The pixel box C{(x, y, width, height)} that holds a zone's shape, or
    C{None} for a shape with no area (or one that cannot say its box).
    """
    box = shape.box() if hasattr(shape, "box") else None
    if box is None:
        return None
    left, top, right, bottom = box
    if right <= left or bottom <= top:
        return None
    return left, top, right - left, bottom - top


def _marginProperty(zone):
    for name in MARGIN_PROPERTIES:
        if name in zone.properties:
            return name, zone.properties[name]
    return None, None


def margin(zone) -> float:
    """
    How much room to leave around the zone, as a share of its size on
    each axis (C{zoomMargin} 0.5: a 300 x 200 px zone frames 450 x 300 px),
    0 when not given or not a number.
    """
    _, value = _marginProperty(zone)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value:
        return 0.0
    return float(min(MAX_MARGIN, max(0.0, value)))


@implementer(IPlugin, IZoneBehaviour)
class Focus:
    """
    C{focusable} (true): while the player is inside, their camera frames
    the zone, with C{zoomMargin} around it; leaving gives the camera back
    to following the avatar.
    """

    name = "focus"
    properties = ("focusable",) + MARGIN_PROPERTIES

    def check(self, mapName, zone, maps):
        problems = []
        name, value = _marginProperty(zone)
        if zone.properties.get("focusable") is not True:
            if "focusable" in zone.properties:
                problems.append("focusable must be the boolean true to frame the zone")
            else:
                problems.append("%s does nothing without focusable" % (name,))
            return problems
        if bounds(zone.shape) is None:
            problems.append("focusable needs a zone with an area (a rectangle, a polygon or "
                            "painted tiles)")
        if name is not None and (isinstance(value, bool) or not isinstance(value, (int, float))
                                 or not 0 <= value <= MAX_MARGIN):
            problems.append("%s must be a number from 0 to %g, not %r"
                            % (name, MAX_MARGIN, value))
        return problems

    def offer(self, zone):
        return None

    def _box(self, zone):
        if zone.properties.get("focusable") is not True:
            return None
        return bounds(zone.shape)

    def entered(self, player, zone):
        box = self._box(zone)
        if box is None:
            return []
        x, y, width, height = box
        return [{"effect": "camera.focus", "x": x, "y": y, "width": width, "height": height,
                 "margin": margin(zone)}]

    def left(self, player, zone):
        return [{"effect": "camera.unfocus"}] if self._box(zone) is not None else []

    def acted(self, player, zone):
        return []


focus = Focus()
