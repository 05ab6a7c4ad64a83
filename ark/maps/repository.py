"""
A map repository: a directory of Tiled maps as WorkAdventure map makers
publish them on GitHub, maps in folders, tilesets and images beside them
or elsewhere in the tree.

L{loadRepository} finds every map in it and loads each, collecting what
is wrong with all of them, so that an operator hears of every problem at
startup rather than of the first broken map.  A map that cannot be used is
left out; what is wrong with a usable map is only reported.
"""

from __future__ import annotations

import json
import os
from typing import Dict, List, NamedTuple, Optional, Tuple

from ark.maps.fields import MapError, oneLine
from ark.maps.paths import resolveReference
from ark.maps.tiled import loadMap
from ark.world.worldmap import WorldMap

__all__ = ["MapProblem", "findMaps", "loadRepository", "resolveReference"]

# Folders no map lives in: tools' and version control's (dot-folders), and
# the JavaScript packages of a map's build (node_modules), which hold JSON
# by the thousand.
SKIPPED_FOLDERS = frozenset({"node_modules"})

# How many other maps a repeated problem names before counting the rest.
NAMED_REPEATS = 5


class MapProblem(NamedTuple):
    """
    Something wrong with a map of the repository, for the operator.

    @ivar mapName: the map's name in the repository.
    @ivar problem: what is wrong, one line, naming the layer, object or
        tileset at fault.
    @ivar fatal: whether the map cannot be used, so it was left out.
    """

    mapName: str
    problem: str
    fatal: bool = False

    def __str__(self) -> str:
        if self.fatal:
            return f"{self.mapName}: {self.problem} (the map is left out)"
        return f"{self.mapName}: {self.problem}"


def findMaps(root: str, problems: Optional[List[MapProblem]] = None) -> List[str]:
    """
    Find the maps of a repository: every C{.tmj} file, and every C{.json}
    file that is a map (its C{type} is C{"map"}) rather than a tileset or
    something else, in any folder but hidden ones and C{node_modules}.

    @param root: the repository's root directory.
    @param problems: where to report map files that are symbolic links
        leading out of the repository (they are left out).
    @return: the maps' names (POSIX paths from C{root}), sorted.
    """
    names = []
    for directory, folders, files in os.walk(root):
        folders[:] = sorted(
            folder for folder in folders
            if not folder.startswith(".") and folder not in SKIPPED_FOLDERS
        )
        relative = os.path.relpath(directory, root)
        for fileName in files:
            path = os.path.join(directory, fileName)
            if not _isMapFile(path):
                continue
            name = fileName if relative == os.curdir else "/".join(
                relative.split(os.sep) + [fileName])
            if resolveReference(root, "", name) is None:
                if problems is not None:
                    problems.append(MapProblem(
                        name, "is a link to a file outside the map repository", True))
                continue
            names.append(name)
    return sorted(names)


def _isMapFile(path: str) -> bool:
    """
    @param path: a file.
    @return: whether it is named like a map and, for C{.json}, says it is
        one.
    """
    lower = path.lower()
    if lower.endswith(".tmj"):
        return True
    if not lower.endswith(".json"):
        return False
    try:
        with open(path, "rb") as f:
            document = json.loads(f.read())
    except (OSError, ValueError, RecursionError):
        # Not a map, as far as anyone can tell.
        return False
    return type(document) is dict and document.get("type") == "map"


def loadRepository(
    root: str, defaultMap: str
) -> Tuple[Dict[str, WorldMap], List[MapProblem]]:
    """
    Load every map of a repository.

    @param root: the repository's root directory.
    @param defaultMap: the name of the map players join by default; it is
        loaded even if it is not found as a map (to say why it cannot be).
    @return: the maps that can be used, by name, and every problem found
        in all of them.  A harmless problem found in several maps the same
        (every WorkAdventure map names a script) is reported once, naming
        the others.  The default map can be used if and only if it is among
        the maps.
    """
    problems: List[MapProblem] = []
    names = findMaps(root, problems)
    refused = {problem.mapName for problem in problems}
    if defaultMap not in names and defaultMap not in refused:
        names.append(defaultMap)
    maps = {}
    for name in names:
        if resolveReference(root, "", name) is None:
            problems.append(MapProblem(name, "is outside the map repository", True))
            continue
        found: List[str] = []
        try:
            maps[name] = loadMap(os.path.join(root, *name.split("/")), name,
                                 root=root, problems=found)
        except MapError as error:
            problems.extend(MapProblem(name, oneLine(problem)) for problem in found)
            problems.append(MapProblem(name, error.problem, True))
        else:
            problems.extend(MapProblem(name, oneLine(problem)) for problem in found)
    return maps, _once(problems)


def _once(problems: List[MapProblem]) -> List[MapProblem]:
    """
    Report a harmless problem that several maps have the same once, at the
    first map that has it.

    @param problems: the problems, in the order found.
    @return: the problems, each repeated harmless one replaced by its
        first, which names the other maps.
    """
    others: Dict[str, List[str]] = {}
    for problem in problems:
        if not problem.fatal:
            others.setdefault(problem.problem, []).append(problem.mapName)
    result = []
    seen = set()
    for problem in problems:
        if problem.fatal:
            # Each map left out is named on its own line.
            result.append(problem)
            continue
        key = problem.problem
        if key in seen:
            continue
        seen.add(key)
        repeats = sorted(set(others[key]) - {problem.mapName})
        if repeats:
            named = ", ".join(repeats[:NAMED_REPEATS])
            if len(repeats) > NAMED_REPEATS:
                named += f" and {len(repeats) - NAMED_REPEATS} more"
            problem = problem._replace(problem=f"{problem.problem} (also in {named})")
        result.append(problem)
    return result
