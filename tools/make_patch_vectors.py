"""
Write tests/vectors/patches.json: what one client of a busy room received
(its welcome and every patch, decoded from CBOR into JSON) and, for each
patch, where the server had every avatar the client knew: C{{id: [tick, x,
y]}}, at the patch's tick (or, for an avatar just added, at the later tick
its description is of).

The web client's `node --test` replays the patches with its own motion
model and checks it lands every avatar on those positions exactly.  Run it
again only when the protocol or the rule changes on purpose:

    python tools/make_patch_vectors.py
"""

import json
import os
import random
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), os.pardir))

import cbor2  # noqa: E402

from ark.world.movement import LEFT  # noqa: E402
from tests.support import Harness, Wanderer, wallsMap  # noqa: E402

OUTPUT = os.path.join(
    os.path.dirname(__file__), os.pardir, "tests", "vectors", "patches.json"
)

def main():
    worldMap = wallsMap()
    harness = Harness({worldMap.name: worldMap}, viewRadius=400)
    generator = random.Random(2026)
    walkers = [Wanderer(client, generator) for client in harness.joined(10)]
    observer = harness.connect()
    observer.join("observer", "owl")
    walkers.append(Wanderer(observer, generator, bits=LEFT))
    room = next(harness.rooms.views()).room

    def positions():
        return {
            entityId: [avatar.body.x, avatar.body.y]
            for entityId, avatar in room.avatars.items()
        }

    history = {room.tick: positions()}
    for _ in range(300):
        for walker in walkers:
            walker.walk()
        for _ in range(3):
            harness.run(1)
            history[room.tick] = positions()
    messages = [cbor2.loads(frame) for frame in observer.frames]
    welcome = messages[0]
    patches = [m for m in messages[1:] if m["t"] == "p"]
    # Each known entity, and the tick from which the client knows it: an
    # entity added in a patch may be described as of a tick after the
    # patch's, the tick of its last motion.
    known = {entity[0]: entity[4] for entity in welcome["entities"]}
    expected = []
    for patch in patches:
        for entityId in patch.get("del", []):
            known.pop(entityId, None)
        for entity in patch.get("add", []):
            known[entity[0]] = entity[4]
        expected.append({
            str(entityId): [tick, *history[tick][entityId]]
            for entityId, since in known.items()
            for tick in [max(patch["tick"], since)]
        })
    document = {
        "description": (
            "One client's welcome and patches in a busy room, and where the "
            "server had each avatar it knew at each patch's tick. Generated "
            "by tools/make_patch_vectors.py."
        ),
        "tileSize": worldMap.tileWidth,
        "rows": [
            "".join("#" if worldMap.isBlocked(column, row) else "." for column in range(worldMap.width))
            for row in range(worldMap.height)
        ],
        "welcome": welcome,
        "patches": patches,
        "expected": expected,
    }
    with open(OUTPUT, "w") as f:
        json.dump(document, f, separators=(",", ":"))
        f.write("\n")


if __name__ == "__main__":
    main()
