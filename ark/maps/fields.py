"""
Reading values out of the JSON that Tiled writes, checking each one's
type on the way, so that a malformed file gives a message naming the
member at fault instead of a C{KeyError} or C{TypeError} somewhere later.

L{MapError} is what the outside world sees; L{Invalid} is raised inside
L{ark.maps} before the problem is attributed to a file.
"""

from __future__ import annotations

import json
import math
from typing import Callable, Dict, Mapping, Tuple

__all__ = ["MapError", "Invalid"]


class MapError(Exception):
    """
    A map file cannot be used.  C{str()} of it is one line naming the file
    and what is wrong with it, fit to show to the map's author.

    @ivar path: the map file (or map name) at fault.
    @ivar problem: what is wrong, without the file name.
    """

    def __init__(self, path: str, problem: str) -> None:
        self.path = str(path)
        self.problem = oneLine(problem)
        super().__init__(oneLine(f"{self.path}: {problem}"))


class Invalid(Exception):
    """
    A problem found in a map document, before it is attributed to a file;
    L{ark.maps.tiled} turns it into a L{MapError}.
    """


def oneLine(text: str) -> str:
    """
    @param text: a message that may quote names from a file.
    @return: the message with line breaks turned into spaces: names in the
        file may hold line breaks, log lines must not.
    """
    return " ".join(text.splitlines())


def reason(error: BaseException) -> str:
    """
    @param error: an exception raised reading a file.
    @return: what went wrong, without repeating the file name.
    """
    if isinstance(error, OSError) and error.strerror:
        return error.strerror
    if isinstance(error, RecursionError):
        return "nested too deeply"
    return str(error)


REQUIRED = object()

Kind = Tuple[str, Callable[[object], bool]]

# bool is a subclass of int in Python, but true is not a number in JSON.
INTEGER: Kind = ("an integer", lambda v: type(v) is int)
NUMBER: Kind = (
    "a number",
    # json.loads accepts NaN and Infinity, which make no sense as positions.
    lambda v: type(v) in (int, float) and math.isfinite(v),
)
STRING: Kind = ("a string", lambda v: type(v) is str)
BOOLEAN: Kind = ("a boolean", lambda v: type(v) is bool)
LIST: Kind = ("a list", lambda v: type(v) is list)
OBJECT: Kind = ("an object", lambda v: type(v) is dict)


def describe(value: object) -> str:
    """
    @param value: a parsed JSON value.
    @return: its JSON type for error messages, e.g. C{"a string"}, or for
        a number the number itself, which says more.
    """
    if value is None:
        return "null"
    for description, test in (BOOLEAN, STRING, LIST, OBJECT):
        if test(value):
            return description
    # NaN and infinities in JSON's spelling, which is what the file holds.
    return json.dumps(value)


def at(context: str, message: str) -> str:
    """
    @param context: where in the document, e.g. C{"layer 'walls' (id 3)"},
        or C{""} for the map itself.
    @param message: what is wrong there.
    @return: the message prefixed with its context.
    """
    return f"{context}: {message}" if context else message


def field(
    container: Mapping[str, object],
    key: str,
    kind: Kind,
    context: str,
    default: object = REQUIRED,
) -> object:
    """
    Get a member of a JSON object, checking its type.

    @param container: the JSON object.
    @param key: the member's name.
    @param kind: the type it must have, e.g. L{INTEGER}.
    @param context: where C{container} is, for error messages.
    @param default: the value when the member is missing; if not given, the
        member is required.
    @return: the member's value.
    @raise Invalid: if the member is missing and required, or ill-typed.
    """
    if key not in container:
        if default is REQUIRED:
            raise Invalid(at(context, f"missing {key!r}"))
        return default
    value = container[key]
    description, test = kind
    if not test(value):
        raise Invalid(at(context, f"{key!r} must be {description}, not {describe(value)}"))
    return value


def positiveInteger(container: Mapping[str, object], key: str, context: str) -> int:
    """
    Get a required member that must be an integer above zero.

    @param container: the JSON object.
    @param key: the member's name.
    @param context: where C{container} is, for error messages.
    @return: the member's value.
    @raise Invalid: if it is missing, not an integer, or not positive.
    """
    value = field(container, key, INTEGER, context)
    if value <= 0:
        raise Invalid(at(context, f"{key!r} must be positive, not {value}"))
    return value


def jsonObject(value: object, context: str, what: str) -> Dict[str, object]:
    """
    Check that a list item is a JSON object.

    @param value: the item.
    @param context: where the list is, for error messages.
    @param what: the item's place, e.g. C{"layers[2]"}.
    @return: C{value}.
    @raise Invalid: if it is not an object.
    """
    if type(value) is not dict:
        raise Invalid(at(context, f"{what} must be an object, not {describe(value)}"))
    return value


def readProperties(container: Mapping[str, object], context: str) -> Dict[str, object]:
    """
    Read the custom properties of a map, layer, tile or object.

    Tiled writes them as C{[{"name": ..., "type": ..., "value": ...}]};
    Tiled before 1.2 wrote C{{name: value}}, which is accepted too.

    @param container: the JSON object that may have C{properties}.
    @param context: where C{container} is, for error messages.
    @return: property values by name.
    @raise Invalid: if the properties are malformed.
    """
    raw = container.get("properties", [])
    if type(raw) is dict:
        return dict(raw)
    if type(raw) is not list:
        raise Invalid(
            at(context, f"'properties' must be a list or an object, not {describe(raw)}")
        )
    properties = {}
    for index, item in enumerate(raw):
        item = jsonObject(item, context, f"properties[{index}]")
        where = at(context, f"properties[{index}]")
        name = field(item, "name", STRING, where)
        if "value" not in item:
            raise Invalid(at(context, f"property {name!r} has no 'value'"))
        properties[name] = item["value"]
    return properties


def collidesProblem(properties: Mapping[str, object], context: str) -> str:
    """
    Catch a C{collides} property that looks meant to block but does not:
    only the boolean true blocks, and a map maker who typed the string
    C{"true"} would otherwise wonder why players walk through walls.

    @param properties: a layer's or tile's properties.
    @param context: names the layer or tile.
    @return: the problem, or C{""} if there is none.
    """
    value = properties.get("collides", False)
    if type(value) is bool:
        return ""
    shown = json.dumps(value) if type(value) in (str, int, float) or value is None else describe(value)
    return at(context, f"'collides' is {shown}, not the boolean true, so it blocks nothing")
