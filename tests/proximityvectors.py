"""
The gain vectors (C{tests/vectors/proximity.json}): distances and the gain
the rule of C{docs/protocol.md} ("Talking") gives them, for a few sets of
radii.  trial checks that the server's rule still writes exactly this file
(C{tests/test_vectors.py}); the web client's C{node --test} checks that
C{web/src/gain.js} computes the same gains.  After changing the rule on
purpose, write it again:

    .venv/bin/python -m tests.proximityvectors
"""

from __future__ import annotations

import json
import os

from ark.world.proximity import TalkRules, gain

PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "vectors", "proximity.json")

RULES = (
    TalkRules(),
    TalkRules(connect=96, leave=128, full=0, silence=128, peers=2),
    TalkRules(full=100, silence=300),
)
DISTANCES = (0, 10.5, 63.9, 64, 64.1, 80, 100, 128, 144, 160, 192.25, 200, 223.9, 224,
             250, 299.5, 300, 1000)


def generate() -> str:
    cases = [
        {"full": rules.full, "silence": rules.silence, "distance": distance,
         "gain": gain(distance, rules)}
        for rules in RULES
        for distance in DISTANCES
    ]
    return json.dumps({"cases": cases}, indent=1) + "\n"


if __name__ == "__main__":
    with open(PATH, "w") as output:
        output.write(generate())
