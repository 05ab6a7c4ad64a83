"""
How the files of a map repository name each other, and keeping those
names inside the repository.

A map repository is a directory as WorkAdventure map makers publish it:
maps in folders, tilesets and images wherever the author put them, each
file naming others by a path relative to itself (C{../tilesets/x.tsj}).
Inside ark a file is named by its POSIX path from the repository's root
(C{floor1/lobby.tmj}), the name under which the web site serves it too.

Nothing outside the root is ever read or pointed to: not with C{..}, not
with an absolute path or a URL, and not through a symbolic link that leads
out (links are followed with C{realpath} before the check).
"""

from __future__ import annotations

import json
import os
import posixpath
import re
from typing import Optional, Tuple

__all__ = ["OutsideRoot", "resolveReference", "MapFiles"]

# "https:", "data:", "C:" (a Windows drive): none names a file of the
# repository.
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")


class OutsideRoot(Exception):
    """
    A reference leads out of the map repository, so it is not followed.
    """


def resolveReference(root: str, fromName: str, reference: str) -> Optional[str]:
    """
    Resolve a path written in one file of a map repository.

    @param root: the repository's root directory.
    @param fromName: the name (POSIX path from C{root}) of the file the
        reference is written in, e.g. C{"floor1/lobby.tmj"}; C{""} for
        a path relative to the root itself.
    @param reference: the path as written, relative to that file's folder,
        e.g. C{"../tilesets/x.tsj"}.
    @return: the name of the file it refers to, e.g. C{"tilesets/x.tsj"},
        or L{None} if it leads out of the root: up past it, as an absolute
        path or a URL, or through a symbolic link to elsewhere.  Whether the
        file exists is not checked.
    """
    if not reference or reference.startswith("/") or _SCHEME.match(reference):
        return None
    name = posixpath.normpath(posixpath.join(posixpath.dirname(fromName), reference))
    if name in (".", "..") or name.startswith("../") or name.startswith("/"):
        return None
    home = os.path.realpath(root)
    # The name is resolved as a browser resolves a URL, by its text; the
    # file system then decides where it really is.
    real = os.path.realpath(os.path.join(home, *name.split("/")))
    if os.path.commonpath([home, real]) != home:
        return None
    return name


class MapFiles:
    """
    The files a map file refers to: its external tilesets and the images
    of its tilesets and image layers.  Each reference is relative to the
    file it is written in: a tileset relative to the map, an image in an
    external tileset relative to that tileset.

    Given a repository root, references are confined to it; without one
    (a lone map file) they are only resolved.
    """

    def __init__(self, path: str, root: Optional[str] = None, name: Optional[str] = None):
        """
        @param path: the map file.
        @param root: the root of the repository the map is in, if any.
        @param name: the map's name inside C{root}; needed with C{root}.
        """
        self.path = path
        self.root = root
        self.name = name

    def locate(self, reference: str, tileset: Optional[str] = None) -> Tuple[str, str]:
        """
        Find the file a reference names.

        @param reference: a path as written in the map, or in the external
            tileset C{tileset}.
        @param tileset: the C{source} of the external tileset (or other
            file, such as an agents file) the reference is written in, as
            the map writes it; L{None} for the map itself.
        @return: the file's path, and how to name it to the map's author:
            its name inside the repository, or without one its path from
            the map's folder.
        @raise OutsideRoot: if it leads out of the repository.
        """
        if self.root is None:
            directory = os.path.dirname(self.path)
            if tileset is not None:
                directory = os.path.dirname(os.path.join(directory, tileset))
            path = os.path.normpath(os.path.join(directory, reference))
            shown = os.path.relpath(path, os.path.dirname(self.path) or os.curdir)
            return path, "/".join(shown.split(os.sep))
        fromName = self.name
        if tileset is not None:
            fromName = resolveReference(self.root, self.name, tileset)
            if fromName is None:
                raise OutsideRoot(f"tileset {tileset} is outside the map repository")
        name = resolveReference(self.root, fromName, reference)
        if name is None:
            raise OutsideRoot(f"{reference} is outside the map repository")
        return os.path.join(self.root, *name.split("/")), name

    def loadTileset(self, source: str) -> object:
        """
        Read an external tileset file.

        @param source: its path as the map writes it.
        @return: its parsed JSON.
        @raise OutsideRoot: if it lies outside the repository.
        @raise OSError: if it cannot be read.
        @raise ValueError: if it is not JSON.
        """
        return self.loadJson(source)

    def loadJson(self, reference: str) -> object:
        """
        Read a JSON file the map names (an external tileset, an agents
        file).

        @param reference: its path as the map writes it.
        @return: its parsed JSON.
        @raise OutsideRoot: if it lies outside the repository.
        @raise OSError: if it cannot be read.
        @raise ValueError: if it is not JSON.
        """
        path, _ = self.locate(reference)
        with open(path, "rb") as f:
            return json.loads(f.read())

    def imageProblem(self, image: str, tileset: Optional[str] = None) -> Optional[str]:
        """
        Check that an image a player's browser will fetch is there to fetch.

        @param image: the image's path as written.
        @param tileset: the C{source} of the external tileset that names it,
            or L{None} if the map itself does.
        @return: what is wrong, e.g. C{"image 'a.png' is missing"}, or
            L{None} if nothing is.
        """
        try:
            path, name = self.locate(image, tileset)
        except OutsideRoot:
            return f"image {image!r} is outside the map repository, so players cannot load it"
        if not os.path.isfile(path):
            # Where it was looked for says more when the path has "..".
            where = f" (no file {name})" if name != image else ""
            return f"image {image!r} is missing{where}"
        return None
