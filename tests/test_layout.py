"""
The layout the README and the architecture guide describe is the tree as it
is: a newcomer who reads either finds every part of C{ark/} and nothing
that is gone.
"""

from __future__ import annotations

import os
import re

from twisted.trial.unittest import SynchronousTestCase

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def parts():
    """
    What C{ls ark/} shows: its subpackages (as C{name/}) and modules.
    """
    found = set()
    directory = os.path.join(ROOT, "ark")
    for name in os.listdir(directory):
        path = os.path.join(directory, name)
        if os.path.isfile(os.path.join(path, "__init__.py")):
            found.add(name + "/")
        elif name.endswith(".py") and name != "__init__.py":
            found.add(name)
    return found


def read(*path):
    with open(os.path.join(ROOT, *path), encoding="utf-8") as f:
        return f.read()


class LayoutTests(SynchronousTestCase):

    def test_readmeTableIsTheTree(self):
        """
        The README's layout table names each part of C{ark/} and no other.
        """
        table = read("README.md").split("## Layout", 1)[1].split("\n## ", 1)[0]
        named = set(re.findall(r"`ark/([a-z_]+/|[a-z_]+\.py)`", table))
        self.assertEqual(named, parts())

    def test_architectureTreeIsTheTree(self):
        """
        The tree drawn in C{docs/architecture.md} shows each part of
        C{ark/} and no other.
        """
        drawing = read("docs", "architecture.md").split("## The tree", 1)[1]
        drawing = drawing.split("```", 2)[1]
        named = set(re.findall(r"^  ([a-z_]+/|[a-z_]+\.py)", drawing, re.M))
        self.assertEqual(named, parts())
