"""
How long the offline C{knowledge} brain takes to answer, as a player
waits for it: from the question (stored first, like any chat) to the
reply stored and delivered, on the bundled town with its six agents and
their knowledge files, a SQLite store with some chat history, and a crowd
of players standing around (whom Scout's and Trends' tools look through).

Prints JSON: the latency percentiles over every question, and per agent.

    .venv/bin/python benchmarks/agent_answers.py --players 1000 --questions 300
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from twisted.internet import defer, task  # noqa: E402

from ark.agents.brains import discover  # noqa: E402
from ark.agents.conversations import AgentService  # noqa: E402
from ark.agents.question import BrainSettings  # noqa: E402
from ark.app import resources  # noqa: E402
from ark.chat.filter import ChatFilter  # noqa: E402
from ark.chat.service import ChatService  # noqa: E402
from ark.maps.repository import loadRepository  # noqa: E402
from ark.rooms import RoomManager  # noqa: E402
from ark.store.dialects import SQLiteDialect  # noqa: E402
from ark.store.sqlstore import SQLStore  # noqa: E402
from ark.world.agents import Walkable  # noqa: E402
from ark.world.movement import Body  # noqa: E402

QUESTIONS = [
    ("scout", "Where is the library?"),
    ("scout", "Who is online?"),
    ("scout", "Where is player 17?"),
    ("chronicle", "What was said lately?"),
    ("trends", "Where is it busy right now?"),
    ("maven", "How do I turn on my microphone?"),
    ("sage", "How do I give feedback?"),
    ("gandalfius", "How should I price a website project?"),
    (None, "How much deposit should I ask for?"),
]


class Owner:
    """
    A seat's owner that listens to nothing.
    """

    def moved(self, seat):
        pass

    def replaced(self):
        pass


class Sink:
    def __init__(self):
        self.finished = defer.Deferred()

    def piece(self, session, agent, text):
        pass

    def done(self, message):
        self.finished.callback(message)

    def conversationClosed(self, agent):
        pass


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


@defer.inlineCallbacks
def run(reactor, arguments):
    maps, problems = loadRepository(resources.bundled("maps"), "town.tmj")
    directory = tempfile.mkdtemp()
    store = SQLStore(SQLiteDialect(os.path.join(directory, "ark.sqlite3")))
    yield store.start()
    rooms = RoomManager(maps, "town.tmj", capacity=arguments.players + 10, viewRadius=480,
                        holdSeconds=30, clock=reactor, store=None, seed=1)
    chat = ChatService(store, rooms, ChatFilter(), reactor, perWindow=10 ** 9)
    agents = AgentService(rooms, store, chat, reactor, discover(),
                          BrainSettings(reactor=reactor), maxWaiting=10 ** 6)
    generator = random.Random(7)
    room = rooms.shardsOf("town.tmj")[0].room
    walkable = Walkable(room.obstacles)
    worldMap = room.worldMap
    free = [(c, r) for c in range(worldMap.width) for r in range(worldMap.height)
            if walkable((c, r))]
    users = []
    for number in range(arguments.players):
        user = yield store.createUser("player %d" % (number,), "fox", 1000)
        seat = rooms.join(Owner(), user["name"], "fox", "town.tmj", user["id"])
        x, y = walkable.centre(generator.choice(free))
        room.teleport(seat.avatar, Body(x, y))
        users.append((user, seat))
    # Some history for Chronicle and Trends: zone-less nearby talk.
    for number in range(200):
        user, seat = generator.choice(users)
        yield store.addMessage("nearby:%d" % (number % 20,), "nearby", "",
                               [user["id"], users[(number * 7) % len(users)][0]["id"]],
                               user["id"], "player", "lunch and the release at noon %d" % number,
                               int(reactor.seconds() * 1000))
    agents.activity.observe(rooms)
    timings = {}
    for number in range(arguments.questions):
        agentId, text = QUESTIONS[number % len(QUESTIONS)]
        user, seat = users[number % len(users)]
        sink = Sink()
        started = time.perf_counter()
        yield agents.ask(user["id"], user["name"], "town.tmj", agentId, text, sink, seat)
        yield sink.finished
        timings.setdefault(agentId or "anyone", []).append(
            (time.perf_counter() - started) * 1000)
    every = [t for values in timings.values() for t in values]
    print(json.dumps({
        "players": arguments.players,
        "questions": len(every),
        "p50_ms": round(percentile(every, 0.5), 2),
        "p95_ms": round(percentile(every, 0.95), 2),
        "max_ms": round(max(every), 2),
        "by_agent_p50_ms": {agent: round(percentile(values, 0.5), 2)
                            for agent, values in sorted(timings.items())},
    }, indent=2))
    yield store.stop()


def main():
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    parser.add_argument("--players", type=int, default=1000)
    parser.add_argument("--questions", type=int, default=270)
    arguments = parser.parse_args()
    if not 1 <= arguments.players <= 5000 or not 1 <= arguments.questions <= 10000:
        parser.error("--players 1-5000, --questions 1-10000")
    task.react(run, [arguments])


if __name__ == "__main__":
    main()
