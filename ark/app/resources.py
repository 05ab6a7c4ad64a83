"""
Where ark finds the files it ships (maps, the web client) and where it
keeps its own data.

In a source checkout they sit beside the C{ark} package; after
C{pip install .} they are installed under C{<prefix>/share/ark}.
"""

from __future__ import annotations

import os
import site
import sys

# ark/app/resources.py -> the directory holding the ark package.
_CHECKOUT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def bundled(name: str) -> str:
    """
    The directory of the bundled C{name} (C{"maps"} or C{"web"}).
    """
    if os.path.isfile(os.path.join(_CHECKOUT, "setup.cfg")):
        return os.path.join(_CHECKOUT, name)
    for prefix in (sys.prefix, site.USER_BASE or ""):
        candidate = os.path.join(prefix, "share", "ark", name)
        if os.path.isdir(candidate):
            return candidate
    return os.path.join(sys.prefix, "share", "ark", name)


def defaultDataDirectory() -> str:
    base = os.environ.get("XDG_DATA_HOME") or os.path.join(
        os.path.expanduser("~"), ".local", "share"
    )
    return os.path.join(base, "ark")
