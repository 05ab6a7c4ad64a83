"""
The simulation and patch path without sockets: N avatars walking like the
load bots on a map, stepped at 60 Hz with patches at 20 Hz, as fast as the
CPU allows.  Prints the cost per tick and per patch round, and the bytes
each client would receive, so changes to the hot path can be compared
before and after without the noise of the network.

    python benchmarks/simulate.py --map ../shared/bench/open-3200.tmj --clients 1000 --seconds 20

With C{--agents N}, N agents live on the map too, at random walkable homes,
wandering as agents do; their share of the tick is printed apart (the
steering of their pilots), and a run without them gives the whole
difference.

With C{--gateways N}, the clients are spread over N gateways' links as
the room process of C{twistd ark --gateways N} sends to them: each tick's
patches become one CBOR frame per gateway, with the pieces clients share
carried once; the tick's cost then includes making those frames, and
the bytes counted are those written to the links, per client.
"""

import argparse
import dataclasses
import functools
import json
import os
import random
import statistics
import sys
import time

# Measure this checkout's ark, not the copy installed in the virtualenv
# (which is only as new as the last `make setup`).
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from twisted.internet.task import Clock

from ark.gateway.roomside import GatewayLink
from ark.net.views import RoomView
from ark.maps.tiled import loadMap
from ark.world.agents import AgentSpec, Walkable
from ark.world.movement import DOWN, LEFT, RIGHT, RUN, UP, Obstacles, toUnits
from ark.world.room import Room

HEADINGS = [LEFT, RIGHT, UP, DOWN, LEFT | UP, LEFT | DOWN, RIGHT | UP, RIGHT | DOWN]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--map", required=True)
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=20, help="simulated seconds")
    parser.add_argument("--view-radius", type=int, default=480)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--agents", type=int, default=0,
                        help="agents at random walkable homes")
    parser.add_argument("--gateways", type=int, default=0,
                        help="send the patches over this many gateways' links")
    arguments = parser.parse_args()

    generator = random.Random(arguments.seed)
    worldMap = loadMap(arguments.map)
    if arguments.agents:
        worldMap = dataclasses.replace(
            worldMap, agents=randomAgents(worldMap, arguments.agents, generator))
    room = Room(worldMap, capacity=arguments.clients, seed=arguments.seed)
    view = RoomView(room, arguments.view_radius)
    received = [0] * arguments.clients
    links = [GatewayLink(None, Clock()) for _ in range(arguments.gateways)]
    linkBytes = [0]
    for link in links:
        link.sendString = lambda frame: linkBytes.__setitem__(0, linkBytes[0] + len(frame))
    walkers = []
    for index in range(arguments.clients):
        avatar = room.addAvatar("bot-%d" % index, "fox", room.spawnBody())
        bits = generator.choice(HEADINGS)

        def send(patch, motions, index=index):
            # Joined, as a session on this process does before writing.
            received[index] += len(patch if motions is None else b"".join((patch, *motions)))

        if links:
            link = links[index % len(links)]
            view.attach(avatar, functools.partial(link._sendPatch, index), link.flow)
        else:
            view.attach(avatar, send)
        walkers.append([avatar, 0, bits])

    tickTimes = []
    talkTime = [0.0]
    if hasattr(room, "talk"):
        # Time the pairing of players to talk on its own, inside the step.
        update = room.talk.update

        def timedUpdate(tick):
            started = time.perf_counter()
            update(tick)
            talkTime[0] += time.perf_counter() - started

        room.talk.update = timedUpdate
    agentTime = [0.0]
    if hasattr(room, "_steerAgents"):
        # Time the agents' pilots on their own, inside the step; their
        # avatars' moves cost what players' do.
        steer = room._steerAgents

        def timedSteer():
            started = time.perf_counter()
            steer()
            agentTime[0] += time.perf_counter() - started

        room._steerAgents = timedSteer
    rounds = int(arguments.seconds * 20)
    for _ in range(rounds):
        for walker in walkers:
            avatar, seq, bits = walker
            if generator.random() < 0.05:
                if generator.random() < 0.1:
                    bits = 0
                else:
                    bits = generator.choice(HEADINGS) | (RUN if generator.random() < 0.3 else 0)
            if bits:
                room.queueSteps(avatar, seq, (bits, bits, bits))
                seq += 3
            walker[1:] = [seq, bits]
        for _ in range(3):
            started = time.perf_counter()
            room.step()
            view.advance()
            for link in links:
                link.clock.advance(0)
            tickTimes.append(time.perf_counter() - started)

    def quantiles(values):
        values = sorted(values)
        return {
            "p50": round(values[len(values) // 2] * 1000, 3),
            "p99": round(values[int(len(values) * 0.99)] * 1000, 3),
        }

    print(json.dumps({
        "clients": arguments.clients,
        "tick_ms": quantiles(tickTimes),
        "cpu_share_of_one_core": round(sum(tickTimes) / arguments.seconds, 3),
        "talk_share_of_one_core": round(talkTime[0] / arguments.seconds, 3),
        "agents": len(getattr(room, "agents", ())),
        "agents_steer_share_of_one_core": round(agentTime[0] / arguments.seconds, 4),
        "bytes_per_client_per_s": round(
            statistics.mean(received) / arguments.seconds, 1),
        # What the room process writes to its gateways, per client.
        "link_bytes_per_client_per_s": round(
            linkBytes[0] / arguments.clients / arguments.seconds, 1) if links else None,
        # Conversations by proximity at the end (absent before they existed).
        "pairs_at_end": len(room.talk.pairs) if hasattr(room, "talk") else None,
    }))


def randomAgents(worldMap, count, generator):
    """
    C{count} agents at homes picked at random among the map's walkable
    tiles.
    """
    walkable = Walkable(Obstacles.forMap(worldMap))
    specs = []
    while len(specs) < count:
        column = generator.randrange(worldMap.width)
        row = generator.randrange(worldMap.height)
        x, y = (column + 0.5) * worldMap.tileWidth, (row + 0.5) * worldMap.tileHeight
        if walkable.canLiveAt(toUnits(x), toUnits(y)):
            index = len(specs)
            specs.append(AgentSpec("bench-%d" % (index,), "Agent %d" % (index,), home=(x, y)))
    return tuple(specs)


if __name__ == "__main__":
    main()
