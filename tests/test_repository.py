"""
Tests for L{ark.maps.repository} and L{ark.maps.paths}: a map repository
as WorkAdventure map makers publish it, maps in folders and tilesets one
folder up, loaded whole at startup with every problem reported, and
nothing outside it ever read.
"""

from __future__ import annotations

import json
import os
import sys
from typing import List

from twisted.internet.task import Clock
from twisted.logger import globalLogPublisher
from twisted.trial.unittest import SynchronousTestCase

from ark.app.options import Options
from ark.app.service import makeService
from ark.maps.repository import MapProblem, findMaps, loadRepository, resolveReference
from ark.maps.tiled import MapError, loadMap

from tests.test_mapreading import (
    FLOOR,
    ROOM,
    START,
    TILE,
    mapObject,
    objectLayer,
    prop,
    terrain,
    tileLayer,
    tiledMap,
)

# A PNG's signature is enough for a file that only has to exist.
IMAGE = b"\x89PNG\r\n\x1a\n"


def wallsTileset(image: str = "../images/walls.png") -> dict:
    """
    @param image: the tileset's image, relative to the tileset file.
    @return: an external tileset of two tiles, the second colliding.
    """
    return {
        "columns": 2, "image": image, "imageheight": TILE, "imagewidth": 2 * TILE,
        "margin": 0, "name": "walls", "spacing": 0, "tilecount": 2, "tileheight": TILE,
        "tilewidth": TILE, "type": "tileset", "version": "1.10",
        "tiles": [{"id": 1, "properties": [prop("collides", True)]}],
    }


def lobby(tilesetSource: str = "../tilesets/walls.tsj", up: str = "../",
          **options: object) -> dict:
    """
    @param tilesetSource: where the lobby finds its walls tileset.
    @param up: the way from the lobby's folder to the repository's root.
    @return: a map whose walls come from an external tileset (GIDs 1 and
        2, the second colliding) and whose floor from the embedded terrain
        (GIDs 3 on), its image in C{images/}.
    """
    floor = tileLayer("floor", ["......"] * 5, 1)
    floor["data"] = [FLOOR + 2] * 30
    walls = tileLayer("walls", ROOM, 2)
    # The external tileset comes first: its wall is GID 2 here too.
    return tiledMap(
        [floor, walls, tileLayer("start", START, 3)],
        tilesets=[{"firstgid": 1, "source": tilesetSource},
                  dict(terrain(f"{up}images/terrain.png"), firstgid=3)],
        **options)


class Repository:
    """
    A map repository in a temporary directory, written file by file.

    @ivar root: its root directory.
    """

    def __init__(self, root: str) -> None:
        # Symbolic links made in tests must not depend on the directory
        # they are made from.
        self.root = os.path.abspath(root)
        os.makedirs(self.root)

    def path(self, name: str) -> str:
        """
        @param name: a file's name in the repository, e.g. C{"a/b.tmj"}.
        @return: its path.
        """
        return os.path.join(self.root, *name.split("/"))

    def write(self, name: str, content: object) -> str:
        """
        Write a file: JSON, or bytes as they are.

        @return: its path.
        """
        path = self.path(name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(content if isinstance(content, bytes) else json.dumps(content).encode())
        return path

    def standard(self) -> "Repository":
        """
        Lay out the repository most tests use: the lobby in a folder, its
        tilesets and images one folder up, a hall at the top.
        """
        self.write("floor1/lobby.tmj", lobby())
        self.write("tilesets/walls.tsj", wallsTileset())
        self.write("images/walls.png", IMAGE)
        self.write("images/terrain.png", IMAGE)
        self.write("hall.json", lobby("tilesets/walls.tsj", up=""))
        return self


class DiscoveryTests(SynchronousTestCase):
    """
    Which files of a repository are maps.
    """

    def test_mapsInSubfolders(self) -> None:
        """
        Every C{.tmj}, in any folder, is a map; a C{.json} is a map when it
        says so, not when it is a tileset, other JSON, or not JSON at all.
        Names are POSIX paths from the root, sorted.
        """
        repository = Repository(self.mktemp()).standard()
        repository.write("floor2/wing/annex.tmj", lobby("../../tilesets/walls.tsj", up="../../"))
        repository.write("tilesets/props.json", dict(wallsTileset(), type="tileset"))
        repository.write("package.json", {"name": "my-map", "type": "module"})
        repository.write("notes.json", b"not json at all")
        self.assertEqual(findMaps(repository.root),
                         ["floor1/lobby.tmj", "floor2/wing/annex.tmj", "hall.json"])

    def test_hiddenFoldersAndNodeModulesSkipped(self) -> None:
        """
        Maps in dot-folders (C{.git}, C{.github}) and in C{node_modules}
        are not the repository's maps.
        """
        repository = Repository(self.mktemp()).standard()
        repository.write(".git/old.tmj", lobby())
        repository.write("node_modules/starter-kit/map.tmj", lobby())
        repository.write("src/node_modules/x/map.json", dict(lobby(), type="map"))
        self.assertEqual(findMaps(repository.root), ["floor1/lobby.tmj", "hall.json"])


class LoadingTests(SynchronousTestCase):
    """
    Maps of a repository load with their tilesets and images wherever the
    author put them, inside the repository.
    """

    def setUp(self) -> None:
        self.repository = Repository(self.mktemp()).standard()

    def test_tilesetOneFolderUp(self) -> None:
        """
        A map in a folder reads its tileset one folder up (C{../tilesets/});
        the tileset's image is found relative to the tileset file; its
        colliding tile blocks.
        """
        maps, problems = loadRepository(self.repository.root, "floor1/lobby.tmj")
        self.assertEqual(sorted(maps), ["floor1/lobby.tmj", "hall.json"])
        self.assertEqual(problems, [])
        lobbyMap = maps["floor1/lobby.tmj"]
        self.assertEqual(lobbyMap.name, "floor1/lobby.tmj")
        self.assertTrue(lobbyMap.isBlocked(0, 0))
        self.assertFalse(lobbyMap.isBlocked(1, 1))

    def test_imageRelativeToTileset(self) -> None:
        """
        A missing tileset image is reported with the tileset, the image as
        written and where it was looked for: beside the tileset file, not
        the map.
        """
        os.remove(self.repository.path("images/walls.png"))
        maps, problems = loadRepository(self.repository.root, "floor1/lobby.tmj")
        self.assertIn("floor1/lobby.tmj", maps)
        self.assertEqual(problems, [
            MapProblem("floor1/lobby.tmj", "tileset ../tilesets/walls.tsj: image "
                       "'../images/walls.png' is missing (no file images/walls.png)"),
            MapProblem("hall.json", "tileset tilesets/walls.tsj: image "
                       "'../images/walls.png' is missing (no file images/walls.png)"),
        ])

    def test_mapImageRelativeToMap(self) -> None:
        """
        An embedded tileset's image is found relative to the map.
        """
        os.remove(self.repository.path("images/terrain.png"))
        problems = loadRepository(self.repository.root, "floor1/lobby.tmj")[1]
        self.assertEqual(
            [(problem.mapName, problem.problem) for problem in problems],
            [("floor1/lobby.tmj", "tileset 'terrain': image '../images/terrain.png' is "
                                  "missing (no file images/terrain.png)"),
             ("hall.json", "tileset 'terrain': image 'images/terrain.png' is missing")])


class ConfinementTests(SynchronousTestCase):
    """
    Nothing outside the repository is read, however a file names it.
    """

    def setUp(self) -> None:
        self.outside = Repository(self.mktemp())
        self.outsideTileset = self.outside.write("secret.tsj", wallsTileset("x.png"))
        self.repository = Repository(os.path.join(self.outside.root, "repo")).standard()

    def assertRefused(self, source: str) -> None:
        """
        Check that a map naming its tileset C{source} is left out, saying
        the tileset is outside the repository, while the rest loads.
        """
        self.repository.write("floor1/lobby.tmj", lobby(source))
        maps, problems = loadRepository(self.repository.root, "hall.json")
        self.assertEqual(sorted(maps), ["hall.json"])
        self.assertEqual(problems, [MapProblem(
            "floor1/lobby.tmj", f"external tileset {source} is outside the map repository; "
                                "copy it into the repository", True)])

    def test_upAndOut(self) -> None:
        """
        A tileset reached by C{..} past the root is refused.
        """
        self.assertRefused("../../secret.tsj")

    def test_absolutePath(self) -> None:
        """
        A tileset named by an absolute path is refused, even one that
        exists.
        """
        self.assertRefused(self.outsideTileset)

    def test_symbolicLinkLeadingOut(self) -> None:
        """
        A tileset inside the repository that is a symbolic link to a file
        outside is refused.
        """
        os.symlink(self.outsideTileset, self.repository.path("tilesets/link.tsj"))
        self.assertRefused("../tilesets/link.tsj")

    def test_symbolicLinkInside(self) -> None:
        """
        A symbolic link to a file inside the repository is followed.
        """
        os.symlink(self.repository.path("tilesets/walls.tsj"),
                   self.repository.path("tilesets/alias.tsj"))
        self.repository.write("floor1/lobby.tmj", lobby("../tilesets/alias.tsj"))
        maps, problems = loadRepository(self.repository.root, "hall.json")
        self.assertTrue(maps["floor1/lobby.tmj"].isBlocked(0, 0))
        self.assertEqual(problems, [])

    def test_imageOutside(self) -> None:
        """
        An image outside the repository is reported, for players' browsers
        cannot fetch it; the map still loads.
        """
        self.repository.write("tilesets/walls.tsj", wallsTileset("../../x.png"))
        self.outside.write("x.png", IMAGE)
        maps, problems = loadRepository(self.repository.root, "hall.json")
        self.assertEqual(sorted(maps), ["floor1/lobby.tmj", "hall.json"])
        self.assertEqual(problems, [
            MapProblem("floor1/lobby.tmj", "tileset ../tilesets/walls.tsj: image '../../x.png' "
                                           "is outside the map repository, so players cannot "
                                           "load it"),
            MapProblem("hall.json", "tileset tilesets/walls.tsj: image '../../x.png' is "
                                    "outside the map repository, so players cannot load it")])

    def test_mapLinkLeadingOut(self) -> None:
        """
        A map file that is a symbolic link to a map outside is left out and
        reported.
        """
        outsideMap = self.outside.write("elsewhere.tmj", lobby())
        os.symlink(outsideMap, self.repository.path("floor1/linked.tmj"))
        maps, problems = loadRepository(self.repository.root, "hall.json")
        self.assertNotIn("floor1/linked.tmj", maps)
        self.assertEqual(problems, [MapProblem(
            "floor1/linked.tmj", "is a link to a file outside the map repository", True)])

    def test_loadMapWithRoot(self) -> None:
        """
        L{loadMap} given a root confines the map's files to it.
        """
        self.repository.write("floor1/lobby.tmj", lobby("../../secret.tsj"))
        error = self.assertRaises(MapError, loadMap, self.repository.path("floor1/lobby.tmj"),
                                  root=self.repository.root)
        self.assertIn("external tileset ../../secret.tsj is outside the map repository",
                      str(error))


class ResolveReferenceTests(SynchronousTestCase):
    """
    Tests for L{resolveReference}, which other code uses to follow a path
    written in a map.
    """

    def setUp(self) -> None:
        self.outside = os.path.abspath(self.mktemp())
        os.makedirs(self.outside)
        self.root = os.path.join(self.outside, "repo")
        os.makedirs(os.path.join(self.root, "floor1"))

    def test_relativeToTheFile(self) -> None:
        """
        A path is relative to the folder of the file it is written in.
        """
        self.assertEqual(resolveReference(self.root, "floor1/lobby.tmj", "../tilesets/x.tsj"),
                         "tilesets/x.tsj")
        self.assertEqual(resolveReference(self.root, "floor1/lobby.tmj", "./a/../b.png"),
                         "floor1/b.png")
        self.assertEqual(resolveReference(self.root, "", "floor1/lobby.tmj"),
                         "floor1/lobby.tmj")

    def test_escapesAreNone(self) -> None:
        """
        Up past the root, absolute paths, URLs and the root itself lead
        nowhere in the repository.
        """
        for reference in ("../../x.tsj", "/etc/passwd", "https://example.org/x.png",
                          "C:/maps/x.tsj", "..", "", "../floor1/.."):
            self.assertIsNone(resolveReference(self.root, "floor1/lobby.tmj", reference),
                              reference)

    def test_symbolicLinkedFolderLeadingOut(self) -> None:
        """
        A path through a symbolic link to a folder outside the root leads
        out.
        """
        os.symlink(self.outside, os.path.join(self.root, "floor1", "up"))
        self.assertIsNone(resolveReference(self.root, "floor1/lobby.tmj", "up/x.tsj"))


class ProblemReportTests(SynchronousTestCase):
    """
    Every problem of every map is reported at once; only maps that cannot
    be used are left out.
    """

    def test_everyProblemOfEveryMap(self) -> None:
        """
        Two broken maps are both reported and left out; a map with
        harmless problems loads with each of them reported.
        """
        repository = Repository(self.mktemp()).standard()
        repository.write("broken/not-json.tmj", b'{"width": ')
        repository.write("broken/no-tileset.tmj", lobby("../tilesets/nowhere.tsj"))
        odd = lobby(properties=[prop("script", "main.js")])
        odd["layers"].append(objectLayer("notes", [
            mapObject(1, "sign", 32, 32, 32, 32, properties=[prop("openWebsite", "x.html")]),
        ], 9))
        odd["layers"].append({"id": 10, "name": "hexes", "type": "hexlayer"})
        repository.write("floor1/odd.tmj", odd)
        maps, problems = loadRepository(repository.root, "floor1/lobby.tmj")
        self.assertEqual(sorted(maps), ["floor1/lobby.tmj", "floor1/odd.tmj", "hall.json"])
        self.assertEqual([str(problem) for problem in problems], [
            "broken/no-tileset.tmj: cannot read external tileset ../tilesets/nowhere.tsj: "
            "No such file or directory (the map is left out)",
            "broken/not-json.tmj: not valid JSON: Expecting value: line 1 column 11 (char 10) "
            "(the map is left out)",
            "floor1/odd.tmj: the map property 'script' is ignored: ark runs no map scripts",
            "floor1/odd.tmj: layer 'hexes' (id 10): unknown layer type 'hexlayer'; "
            "the layer is ignored",
            "floor1/odd.tmj: layer 'notes' (id 9): object 'sign' (id 1): has properties but "
            "its class is not 'area', so it does nothing",
        ])

    def test_warningsOfABrokenMap(self) -> None:
        """
        What was found wrong with a map before the fault that leaves it out
        is reported too.
        """
        repository = Repository(self.mktemp()).standard()
        broken = lobby("tilesets/walls.tsj", up="", properties=[prop("script", "main.js")])
        broken["orientation"] = "isometric"
        repository.write("iso.tmj", broken)
        problems = loadRepository(repository.root, "hall.json")[1]
        self.assertEqual(problems, [
            MapProblem("iso.tmj", "isometric maps are not supported, only orthogonal ones",
                       True)])
        broken["orientation"] = "orthogonal"
        broken["layers"][1]["data"].pop()
        repository.write("iso.tmj", broken)
        problems = loadRepository(repository.root, "hall.json")[1]
        self.assertEqual(problems, [
            MapProblem("iso.tmj", "the map property 'script' is ignored: ark runs no map "
                                  "scripts"),
            MapProblem("iso.tmj", "layer 'walls' (id 2): data has 29 tiles, expected 30", True),
        ])

    def test_sameProblemInManyMapsOnce(self) -> None:
        """
        A harmless problem several maps share is one line naming them all.
        """
        repository = Repository(self.mktemp())
        for name in ("a.tmj", "b/c.tmj", "d.tmj"):
            directory = "../" * name.count("/")
            repository.write(name, lobby(f"{directory}tilesets/walls.tsj", up=directory,
                                         properties=[prop("script", "main.js")]))
        repository.write("tilesets/walls.tsj", wallsTileset("walls.png"))
        repository.write("tilesets/walls.png", IMAGE)
        repository.write("images/terrain.png", IMAGE)
        problems = loadRepository(repository.root, "a.tmj")[1]
        self.assertIn(MapProblem("a.tmj", "the map property 'script' is ignored: ark runs no "
                                          "map scripts (also in b/c.tmj, d.tmj)"), problems)
        self.assertEqual(sum("script" in problem.problem for problem in problems), 1)

    def test_defaultMapUnusable(self) -> None:
        """
        A broken default map is left out, with its fault reported like any
        other; the caller decides that the server cannot start.
        """
        repository = Repository(self.mktemp()).standard()
        repository.write("hall.json", b"[")
        maps, problems = loadRepository(repository.root, "hall.json")
        self.assertNotIn("hall.json", maps)
        [fault] = [problem for problem in problems if problem.fatal]
        self.assertEqual(fault.mapName, "hall.json")

    def test_defaultMapNotFoundAsMap(self) -> None:
        """
        The default map is loaded even when discovery passed it over (a
        C{.json} map from a Tiled too old to write its C{type}), or
        reported when it does not exist.
        """
        repository = Repository(self.mktemp()).standard()
        old = lobby("tilesets/walls.tsj", up="")
        del old["type"]
        repository.write("old.json", old)
        self.assertNotIn("old.json", findMaps(repository.root))
        self.assertIn("old.json", loadRepository(repository.root, "old.json")[0])
        maps, problems = loadRepository(repository.root, "gone.tmj")
        [fault] = [problem for problem in problems if problem.mapName == "gone.tmj"]
        self.assertTrue(fault.fatal)
        self.assertIn("cannot read the map: No such file or directory", fault.problem)


class StartupTests(SynchronousTestCase):
    """
    What the server does with the problems of its map repository when it
    starts.
    """

    def makeService(self, root: str, defaultMap: str):
        """
        @return: the service C{twistd ark} would run on the repository at
            C{root}.
        """
        options = Options(environ={})
        options.parseOptions(["--maps-dir", root, "--map", defaultMap,
                              "--data-dir", self.mktemp(), "--port", "0"])
        return makeService(options, Clock())

    def test_brokenMapLoggedNotFatal(self) -> None:
        """
        A broken map besides the default one is logged as left out, its
        harmless problems as warnings, and the server starts without it.
        """
        repository = Repository(self.mktemp()).standard()
        repository.write("broken.tmj", b"{")
        events: List[dict] = []
        globalLogPublisher.addObserver(events.append)
        self.addCleanup(globalLogPublisher.removeObserver, events.append)
        top = self.makeService(repository.root, "floor1/lobby.tmj")
        self.assertIsNotNone(top)
        logged = [(event["log_level"].name, event["problem"]) for event in events
                  if "problem" in event]
        self.assertEqual(logged, [
            ("error", "broken.tmj: not valid JSON: Expecting property name enclosed in "
                      "double quotes: line 1 column 2 (char 1) (the map is left out)")])

    def test_brokenDefaultMapStopsWithOneLine(self) -> None:
        """
        A default map that cannot be used stops the server with one line
        naming it and its fault.
        """
        repository = Repository(self.mktemp()).standard()
        repository.write("floor1/lobby.tmj", lobby("../tilesets/nowhere.tsj"))
        errors: List[str] = []
        self.patch(sys, "stderr", type("Err", (), {"write": errors.append})())
        exit = self.assertRaises(SystemExit, self.makeService, repository.root,
                                 "floor1/lobby.tmj")
        self.assertEqual(exit.code, 1)
        self.assertEqual(errors, [
            "ark: cannot start: floor1/lobby.tmj: cannot read external tileset "
            "../tilesets/nowhere.tsj: No such file or directory\n"])
