"""
Addresses that zone properties name: pages, sounds and tabs, relative to
the map like its tilesets, or on the web.

Maps live under C{/maps/} on ark's own origin, beside the web client and
its API, so an address a map gives must never leave that directory: a
relative path is resolved against the map's own address and refused when
it climbs out, and only C{http:} and C{https:} are taken from elsewhere
(never C{javascript:}, C{data:} or C{file:}).  No plugin lives here.
"""

from __future__ import annotations

import posixpath
import re
from typing import Optional
from urllib.parse import quote, urlsplit

MAPS_PREFIX = "/maps/"

# Longer than any address a map maker means; long enough for signed links.
MAX_LENGTH = 2048

_SCHEME = re.compile(r"[a-z][a-z0-9+.-]*:", re.I)
_WEB = re.compile(r"https?://", re.I)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# A browser decodes these before resolving dot segments, and treats a
# backslash as a slash: "%2e%2e/" climbs like "../".
_SNEAKY = re.compile(r"%2e|%2f|%5c|\\", re.I)
# What quote() may leave alone in a path: its separators, the characters
# RFC 3986 allows unescaped, and escapes already made.
_PATH_SAFE = "/%:@!$&'()*+,;=-._~"


def webAddress(value) -> Optional[str]:
    """
    C{value} if it is an absolute C{http:} or C{https:} address with a
    host (a scheme-relative C{//host/...} is taken as C{https:}), else
    C{None}.
    """
    if not isinstance(value, str):
        return None
    text = value.strip()
    if text.startswith("//"):
        text = "https:" + text
    if not _WEB.match(text) or len(text) > MAX_LENGTH or _CONTROL.search(text):
        return None
    try:
        parts = urlsplit(text)
    except ValueError:
        return None
    if not parts.hostname or "\\" in parts.netloc:
        return None
    return text


def mapAddress(mapName: str, value) -> Optional[str]:
    """
    Where a file named by a property of map C{mapName} is: an http(s)
    address as it is, or a path relative to the map (or absolute under
    C{/maps/}) as its address on this server, e.g. C{"sounds/a.wav"} of
    C{"town/plaza.tmj"} is C{"/maps/town/sounds/a.wav"}.  A query and a
    fragment are kept.

    @return: the address, or C{None} for anything else: other schemes,
        paths out of the maps directory, encoded dots or slashes.
    """
    web = webAddress(value)
    if web is not None:
        return web
    if not isinstance(value, str):
        return None
    text = value.strip()
    if (not text or len(text) > MAX_LENGTH or _SCHEME.match(text) or text.startswith("//")
            or _CONTROL.search(text)):
        return None
    path, rest = re.match(r"([^?#]*)(.*)", text, re.S).groups()
    if not path or _SNEAKY.search(path):
        return None
    if path.startswith("/"):
        if not path.startswith(MAPS_PREFIX):
            return None
        inside = posixpath.normpath(path[len(MAPS_PREFIX):])
    else:
        inside = posixpath.normpath(posixpath.join(posixpath.dirname(mapName), path))
    if inside == ".." or inside.startswith("../") or inside.startswith("/"):
        return None
    if inside == ".":
        inside = ""
    if path.endswith("/") and inside:
        inside += "/"
    return MAPS_PREFIX + quote(inside, safe=_PATH_SAFE) + rest


def describe(address: str) -> str:
    """
    A short form of an address for people: the host and path of a web
    address, or the path of one on this server.
    """
    parts = urlsplit(address)
    shown = (parts.netloc + parts.path) if parts.netloc else parts.path
    return shown.rstrip("/") or address
