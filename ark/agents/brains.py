"""
Finding the agent brains: plugins providing L{ark.interfaces.IAgentBrain}
in the C{brains} package and in the packages the operator names.
"""

from __future__ import annotations

import importlib
from typing import Dict, Iterable

from twisted.plugin import getPlugins

from ark.interfaces import IAgentBrain


def discover(extraPackages: Iterable[str] = ()) -> Dict[str, object]:
    """
    Every brain, by name; of two with one name, the first found (the
    bundled ones come first).

    @raise ImportError: when a named package cannot be imported.
    """
    import brains

    packages = [brains] + [importlib.import_module(name) for name in extraPackages]
    found: Dict[str, object] = {}
    for package in packages:
        for brain in getPlugins(IAgentBrain, package):
            found.setdefault(brain.name, brain)
    return found
