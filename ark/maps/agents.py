"""
Which agents live on a map, as its author defined them, in either of two
ways (or both):

  - an object of class C{agent} on any object layer: its position (a
    point) or its centre (a rectangle, an ellipse...) is the agent's home;
    its custom properties C{agentId} (by default the object's name in
    lower case), C{name} (by default the object's name), C{role},
    C{sprite}, C{brain}, C{knowledge} (a Markdown file, its path
    relative to the map), C{topics} and C{tools} (comma-separated) and
    C{fallback} (a boolean) say who it is;
  - the map property C{agentsFile}, naming a JSON file (relative to the
    map) of the form C{{"agents": [{"id", "name", "role", "sprite",
    "brain", "knowledge", "home", "topics", "tools", "fallback"}, ...]}},
    where C{topics} and C{tools} are lists of text or comma-separated
    text, and C{home} is C{{"x", "y"}}
    in pixels or C{{"area": name}}, the walkable tile nearest the centre
    of the area of that name, and C{knowledge} is relative to the agents
    file.

Everything is checked: what is wrong is reported as the map's problem,
naming the object or the file's entry, and an agent defined wrongly is
left out rather than half made.  So is one whose home is where no body can
stand, and a second agent of the same id.  Files are read only inside the
map repository (L{ark.maps.paths}).
"""

from __future__ import annotations

import math
import os
import re
from typing import Dict, List, Mapping, Optional, Sequence, Tuple

from ark.identity.names import BadName, avatarName, displayName
from ark.maps.areas import areaShape, isAgent, isArea
from ark.maps.entries import objectCentre, tilesIn
from ark.maps.fields import describe, reason
from ark.maps.grid import Grid
from ark.maps.layers import Layer, ObjectLayer
from ark.maps.paths import OutsideRoot
from ark.agents.tools import TOOL_NAMES
from ark.world.agents import DEFAULT_BRAIN, DEFAULT_SPRITE, AgentSpec, Walkable
from ark.world.movement import Obstacles, toUnits
from ark.world.worldmap import WorldMap

__all__ = ["readAgents", "AGENTS_FILE", "NoFiles"]

# The map property naming an agents file.
AGENTS_FILE = "agentsFile"

# Agents' ids and brains' names: what a URL path or a plugin name can hold.
_ID = re.compile(r"[a-z0-9_-]{1,32}\Z")
ID_RULE = "1 to 32 of a-z 0-9 _ -"
MAX_ROLE_LENGTH = 64
KNOWLEDGE_SUFFIXES = (".md", ".markdown")

# What an agent object's properties and an agents file's entries may say.
OBJECT_PROPERTIES = ("agentId", "name", "role", "sprite", "brain", "knowledge", "topics",
                     "tools", "fallback")
FILE_KEYS = ("id", "name", "role", "sprite", "brain", "knowledge", "home", "topics", "tools",
             "fallback")
MAX_TOPICS_LENGTH = 1000

LEFT_OUT = "; the agent is left out"


class NoFiles:
    """
    The files of a map that has none at hand (a map parsed from memory):
    an agents file or a knowledge file cannot be read, and saying so is
    reported like any unreadable file.
    """

    def loadJson(self, reference: str) -> object:
        raise OSError(0, "the map's files are not at hand")

    def locate(self, reference: str, inFile: Optional[str] = None) -> Tuple[str, str]:
        raise OSError(0, "the map's files are not at hand")


class _Rejected(Exception):
    """
    An agent's definition is wrong; the message says how.
    """


def readAgents(worldMap: WorldMap, layers: Sequence[Layer], grid: Grid, files,
               problems: List[str]) -> Tuple[AgentSpec, ...]:
    """
    Find the agents of a map.

    @param worldMap: the map, as loaded so far (its collisions and
        properties).
    @param layers: its layers, in map order.
    @param grid: its grid, to turn Tiled's pixels into the loaded map's.
    @param files: reads the files the map names: C{loadJson(reference)}
        and C{locate(reference, inFile)} as L{ark.maps.paths.MapFiles}
        does, or a L{NoFiles}.
    @param problems: where to report what is wrong.
    @return: the agents, objects first in map order, then the agents
        file's.
    """
    found: List[Tuple[str, AgentSpec]] = []
    for layer in layers:
        if not isinstance(layer, ObjectLayer):
            continue
        for mapObject in layer.objects:
            if not isAgent(mapObject):
                continue
            spec = _fromObject(mapObject, grid, files, problems)
            if spec is not None:
                found.append((mapObject.label, spec))
    if AGENTS_FILE in worldMap.properties:
        found += _fromFile(worldMap.properties[AGENTS_FILE], layers, grid, worldMap, files,
                           problems)

    walkable = Walkable(Obstacles.forMap(worldMap))
    agents = []
    where: Dict[str, str] = {}
    for label, spec in found:
        if spec.agentId in where:
            problems.append(f"{label}: agent {spec.agentId!r} is defined already, by "
                            f"{where[spec.agentId]}{LEFT_OUT}")
            continue
        x, y = spec.home
        if not walkable.canLiveAt(toUnits(x), toUnits(y)):
            problems.append(f"{label}: agent {spec.agentId!r} lives at ({x:g}, {y:g}) px, "
                            f"where nobody can stand{LEFT_OUT}")
            continue
        where[spec.agentId] = label
        agents.append(spec)
    return tuple(agents)


def _fromObject(mapObject, grid: Grid, files, problems: List[str]) -> Optional[AgentSpec]:
    """
    @param mapObject: an object of class C{agent}.
    @return: the agent it defines, or L{None} if it is wrong (reported).
    """
    label = mapObject.label
    properties = mapObject.properties
    for name in sorted(properties):
        if name not in OBJECT_PROPERTIES:
            problems.append(f"{label}: the property {name!r} does nothing on an agent")
    try:
        values = dict(properties)
        if "agentId" not in values:
            if not mapObject.name:
                raise _Rejected("an agent needs a name, or an 'agentId' property")
            values["agentId"] = mapObject.name.lower()
            if not _ID.match(values["agentId"]):
                raise _Rejected(f"its id would be {values['agentId']!r}, but an agent's id must "
                                f"be {ID_RULE}: give it an 'agentId' property")
        if "name" not in values:
            values["name"] = mapObject.name or values["agentId"]
        if mapObject.kind == "polyline":
            raise _Rejected("a polyline cannot be a home: use a point or a rectangle")
        home = grid.pixel(*objectCentre(mapObject))
        return _spec(values, "agentId", home, files, None)
    except _Rejected as rejected:
        problems.append(f"{label}: {rejected}{LEFT_OUT}")
        return None


def _fromFile(reference: object, layers: Sequence[Layer], grid: Grid, worldMap: WorldMap,
              files, problems: List[str]) -> List[Tuple[str, AgentSpec]]:
    """
    Read the agents of the agents file the map property names.

    @param reference: the property's value.
    @return: C{(label, spec)} for each entry that is right.
    """
    if type(reference) is not str or not reference:
        problems.append(f"the map property {AGENTS_FILE!r} must be a file's path, not "
                        f"{describe(reference)}")
        return []
    shown = f"agents file {reference!r}"
    try:
        document = files.loadJson(reference)
    except OutsideRoot:
        problems.append(f"{shown} is outside the map repository, so it is not read")
        return []
    except OSError as error:
        problems.append(f"{shown} cannot be read: {reason(error)}")
        return []
    except (ValueError, RecursionError) as error:
        problems.append(f"{shown} is not valid JSON: {reason(error)}")
        return []
    if type(document) is not dict or type(document.get("agents")) is not list:
        problems.append(f"{shown} must hold an object whose 'agents' is a list")
        return []
    for key in sorted(document):
        if key != "agents":
            problems.append(f"{shown}: {key!r} does nothing")
    areas = _areasByName(layers)
    found = []
    for index, entry in enumerate(document["agents"]):
        label = f"{shown}: agents[{index}]"
        if type(entry) is not dict:
            problems.append(f"{label} must be an object, not {describe(entry)}")
            continue
        if type(entry.get("id")) is str:
            label += f" ({entry['id']!r})"
        for key in sorted(entry):
            if key not in FILE_KEYS:
                problems.append(f"{label}: {key!r} does nothing")
        try:
            if "id" not in entry:
                raise _Rejected("it has no 'id'")
            values = dict(entry)
            if "name" not in values:
                values["name"] = values["id"]
            home = _home(entry.get("home"), areas, grid, worldMap)
            found.append((label, _spec(values, "id", home, files, reference)))
        except _Rejected as rejected:
            problems.append(f"{label}: {rejected}{LEFT_OUT}")
    return found


def _spec(values: Mapping[str, object], idKey: str, home: Tuple[float, float], files,
          inFile: Optional[str]) -> AgentSpec:
    """
    Check an agent's definition and make its spec.

    @param values: its fields, by the names an object's properties use,
        but for its id, under C{idKey}.
    @param home: its home, in the loaded map's pixels.
    @param inFile: the agents file the definition is in, for the paths
        written in it; L{None} for the map itself.
    @raise _Rejected: if anything is wrong.
    """
    agentId = values[idKey]
    if type(agentId) is not str or not _ID.match(agentId):
        raise _Rejected(f"{idKey!r} must be {ID_RULE}, not {_shown(agentId)}")
    name = values["name"]
    if type(name) is not str:
        raise _Rejected(f"'name' must be text, not {describe(name)}")
    try:
        name = displayName(name)
    except BadName as bad:
        raise _Rejected(str(bad)) from None
    role = values.get("role", "")
    if type(role) is not str:
        raise _Rejected(f"'role' must be text, not {describe(role)}")
    role = role.strip()
    if len(role) > MAX_ROLE_LENGTH or any(not character.isprintable() for character in role):
        raise _Rejected(f"'role' must be at most {MAX_ROLE_LENGTH} printable characters")
    sprite = values.get("sprite", DEFAULT_SPRITE)
    if type(sprite) is not str:
        raise _Rejected(f"'sprite' must be an avatar's name, not {describe(sprite)}")
    try:
        avatarName(sprite)
    except BadName:
        raise _Rejected(f"'sprite' must be an avatar's name ({ID_RULE}), not {sprite!r}") from None
    brain = values.get("brain", DEFAULT_BRAIN)
    if type(brain) is not str or not _ID.match(brain):
        raise _Rejected(f"'brain' must be a brain's name ({ID_RULE}), not {_shown(brain)}")
    knowledge = values.get("knowledge")
    if knowledge is not None:
        knowledge = _knowledge(knowledge, files, inFile)
    topics = _words(values.get("topics", ()), "topics")
    tools = _words(values.get("tools", ()), "tools")
    unknown = [tool for tool in tools if tool not in TOOL_NAMES]
    if unknown:
        raise _Rejected(f"'tools' names no tool {unknown[0]!r}: the tools are "
                        f"{', '.join(TOOL_NAMES)}")
    fallback = values.get("fallback", False)
    if type(fallback) is not bool:
        raise _Rejected(f"'fallback' must be true or false, not {describe(fallback)}")
    return AgentSpec(agentId=agentId, name=name, role=role, sprite=sprite, brain=brain,
                     knowledge=knowledge, home=home, topics=topics, tools=tools,
                     fallback=fallback)


def _words(value: object, key: str) -> Tuple[str, ...]:
    """
    Read C{topics} or C{tools}: comma-separated text (a Tiled property) or
    a list of text (an agents file).
    """
    if type(value) is str:
        value = value.split(",")
    if type(value) not in (list, tuple) or any(type(word) is not str for word in value):
        raise _Rejected(f"{key!r} must be comma-separated text or a list of text, "
                        f"not {describe(value)}")
    words = tuple(word.strip() for word in value if word.strip())
    if sum(len(word) for word in words) > MAX_TOPICS_LENGTH or any(
            not word.isprintable() for word in words):
        raise _Rejected(f"{key!r} must be at most {MAX_TOPICS_LENGTH} printable characters")
    return words


def _shown(value: object) -> str:
    return repr(value) if type(value) is str else describe(value)


def _knowledge(reference: object, files, inFile: Optional[str]) -> str:
    """
    Find an agent's knowledge file.

    @return: its path.
    @raise _Rejected: if it is not a Markdown file of the map repository
        that is there.
    """
    if type(reference) is not str or not reference:
        raise _Rejected(f"'knowledge' must be a Markdown file's path, not {_shown(reference)}")
    if not reference.lower().endswith(KNOWLEDGE_SUFFIXES):
        raise _Rejected(f"knowledge file {reference!r} must be Markdown (.md)")
    try:
        path, name = files.locate(reference, inFile)
    except OutsideRoot:
        raise _Rejected(f"knowledge file {reference!r} is outside the map repository") from None
    except OSError as error:
        raise _Rejected(f"knowledge file {reference!r} cannot be read: {reason(error)}") from None
    if not os.path.isfile(path):
        where = f" (no file {name})" if name != reference else ""
        raise _Rejected(f"knowledge file {reference!r} is missing{where}")
    return path


def _areasByName(layers: Sequence[Layer]) -> Dict[str, object]:
    """
    The areas of a map by name, the first of each name in map order.
    """
    areas: Dict[str, object] = {}
    for layer in layers:
        if isinstance(layer, ObjectLayer):
            for mapObject in layer.objects:
                if isArea(mapObject) and mapObject.name:
                    areas.setdefault(mapObject.name, mapObject)
    return areas


def _home(home: object, areas: Mapping[str, object], grid: Grid,
          worldMap: WorldMap) -> Tuple[float, float]:
    """
    Read an agents file's C{home}: a point in Tiled's pixels, or the
    walkable tile nearest the centre of an area.

    @return: the home in the loaded map's pixels.
    @raise _Rejected: if it is wrong, or the area has no walkable tile.
    """
    if type(home) is not dict:
        raise _Rejected(f"'home' must be {{\"x\", \"y\"}} or {{\"area\"}}, not {describe(home)}")
    if set(home) == {"area"}:
        name = home["area"]
        if type(name) is not str:
            raise _Rejected(f"the home's 'area' must be an area's name, not {describe(name)}")
        mapObject = areas.get(name)
        if mapObject is None:
            raise _Rejected(f"the map has no area named {name!r}")
        shape = areaShape(mapObject, grid)
        if shape is None:
            raise _Rejected(f"area {name!r} covers nothing")
        walkable = Walkable(Obstacles.forMap(worldMap))
        left, top, right, bottom = shape.box()
        centreX, centreY = (left + right) / 2, (top + bottom) / 2
        tiles = [tile for tile in tilesIn(shape, grid) if walkable(tile)]
        if not tiles:
            raise _Rejected(f"area {name!r} has no tile where an agent can stand")
        column, row = min(tiles, key=lambda tile: (
            math.hypot(grid.tileCentre(*tile)[0] - centreX, grid.tileCentre(*tile)[1] - centreY),
            tile[1], tile[0]))
        return grid.tileCentre(column, row)
    if set(home) == {"x", "y"}:
        x, y = home["x"], home["y"]
        for value in (x, y):
            if type(value) not in (int, float) or not math.isfinite(value):
                raise _Rejected(f"the home's 'x' and 'y' must be numbers, not {describe(value)}")
        return grid.pixel(x, y)
    raise _Rejected(f"'home' must be {{\"x\", \"y\"}} or {{\"area\"}}, not keys "
                    f"{sorted(home)!r}")
