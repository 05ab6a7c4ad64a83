"""
The patch vectors (C{tests/vectors/patches.json}): what one client of a busy
room received (its welcome and every patch, decoded from CBOR into JSON)
and, for each patch, where the server had every avatar the client knew:
C{{id: [tick, x, y]}}, at the patch's tick (or, for an avatar just added,
at the later tick its description is of).

An agent lives in the room too: it strolls, and for a while listens and
talks to the observer, stopping and turning to face it, so the vectors
hold an agent's description, its state changes (C{chg}'s C{a}) and the
motions of its stops and turns.

Both suites check the file: trial regenerates it from the server as it is
now and compares (C{tests/test_vectors.py}), and the web client's
C{node --test} replays the patches with its own motion model and checks
that it lands every avatar on those positions exactly.  After changing the
protocol or the movement rule on purpose, write it again:

    .venv/bin/python -m tests.patchvectors
"""

from __future__ import annotations

import dataclasses
import json
import os
import random

import cbor2

from ark.world.agents import IDLE, LISTENING, TALKING, THINKING, AgentSpec
from ark.world.movement import LEFT
from tests.support import Harness, Wanderer, wallsMap

PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "vectors", "patches.json")

# The reconnection token is random by design; the vectors hold this instead.
TOKEN = "reconnection-token"

# The agent, near the observer's spawn tile (15, 15).
AGENT = AgentSpec("scout", "Scout", role="the guide", sprite="explorer", home=(656, 496))

# What the agent is doing from which round of the run (a round: three
# ticks), with the observer or nobody.
CONVERSATION = {120: LISTENING, 150: THINKING, 170: TALKING, 220: IDLE}


def generate() -> dict:
    """
    Run the room and record what its observer received, in a canonical
    order (entities by id; one entity's motions keep their order), so the
    same server always yields the same document.
    """
    worldMap = dataclasses.replace(wallsMap(), agents=(AGENT,))
    harness = Harness({worldMap.name: worldMap}, viewRadius=400, seed=2026)
    generator = random.Random(2026)
    walkers = [Wanderer(client, generator) for client in harness.joined(10)]
    observer = harness.connect()
    observer.join("observer", "owl")
    walkers.append(Wanderer(observer, generator, bits=LEFT))
    room = next(harness.rooms.views()).room
    agent = room.agentById(AGENT.agentId)
    observerAvatar = room.avatars[observer.last("welcome")["id"]]

    def positions():
        return {
            entityId: [avatar.body.x, avatar.body.y]
            for entityId, avatar in room.avatars.items()
        }

    history = {room.tick: positions()}
    for round in range(300):
        if round in CONVERSATION:
            room.setAgentState(agent, CONVERSATION[round], observerAvatar)
        for walker in walkers:
            walker.walk()
        for _ in range(3):
            harness.run(1)
            history[room.tick] = positions()
    messages = [_canonical(cbor2.loads(frame)) for frame in observer.frames]
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
            for entityId, since in sorted(known.items())
            for tick in [max(patch["tick"], since)]
        })
    return {
        "description": (
            "One client's welcome and patches in a busy room, and where the "
            "server had each avatar it knew at each patch's tick. Generated "
            "by tests/patchvectors.py."
        ),
        "tileSize": worldMap.tileWidth,
        "rows": [
            "".join("#" if worldMap.isBlocked(column, row) else "."
                    for column in range(worldMap.width))
            for row in range(worldMap.height)
        ],
        "welcome": welcome,
        "patches": patches,
        "expected": expected,
    }


def _canonical(message: dict) -> dict:
    # Avatars in a cell are a set on the server: the order they are told in
    # means nothing, so it is fixed here.
    if message["t"] == "welcome":
        message["token"] = TOKEN
        message["entities"].sort(key=lambda entity: entity[0])
    elif message["t"] == "p":
        for key in ("add", "mv", "chg"):
            if key in message:
                message[key].sort(key=lambda item: item[0])
        if "del" in message:
            message["del"].sort()
    return message


def encode(document: dict) -> str:
    return json.dumps(document, separators=(",", ":")) + "\n"


def main() -> None:
    with open(PATH, "w") as f:
        f.write(encode(generate()))


if __name__ == "__main__":
    main()
