"""
How fast the store takes chat messages: stores N messages through
L{SQLStore.addMessage} with up to C concurrently in flight, in a throwaway
SQLite file or PostgreSQL database, and prints one JSON line with the
committed messages per second and the latency percentiles of addMessage.

    python benchmarks/chat_store.py --db sqlite --messages 2000 --concurrency 16
    python benchmarks/chat_store.py --db postgresql://postgres@127.0.0.1:5432/postgres
    python benchmarks/chat_store.py --client-ids    # as the web client's say: addMessageOnce

With a PostgreSQL URL, the database it names is only used to create (and
afterwards drop) a database of the benchmark's own on that server.
"""

import argparse
import json
import os
import random
import shutil
import tempfile
import sys
import time
import uuid

# Measure this checkout's ark, not the copy installed in the virtualenv
# (which is only as new as the last `make setup`).
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from twisted.internet import defer, task

from ark.store.dialects import PostgreSQLDialect, SQLiteDialect
from ark.store.sqlstore import SQLStore

USERS = 200
# Messages go to direct conversations between pairs of users, and to zone
# sessions with a crowd each, as in a busy world.
DIRECT_SESSIONS = 100
ZONE_SESSIONS = 10
ZONE_CROWD = 20


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--db", default="sqlite",
                        help="'sqlite', or a postgresql:// URL of a server to create a database on")
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--client-ids", action="store_true",
                        help="store as the web client's say does: once per client id "
                             "(addMessageOnce)")
    arguments = parser.parse_args()
    task.react(_run, (arguments,))


@defer.inlineCallbacks
def _run(reactor, arguments):
    backend = _ThrowawayDatabase(arguments.db)
    store = SQLStore(backend.dialect)
    try:
        yield store.start()
        sessions = yield _populate(store, random.Random(arguments.seed))
        result = yield _storeMessages(store, sessions, arguments, random.Random(arguments.seed))
    finally:
        yield store.stop()
        backend.remove()
    result.update(backend=backend.kind)
    print(json.dumps(result))


@defer.inlineCallbacks
def _populate(store, generator):
    """
    Create the users, and the sessions messages will go to.

    @return: a L{Deferred} firing with C{(key, kind, title, participants)}
        of each session.
    """
    users = []
    for index in range(USERS):
        user = yield store.createUser("user %d" % index, "fox", 0)
        users.append(user["id"])
    sessions = []
    for index in range(DIRECT_SESSIONS):
        pair = sorted(generator.sample(users, 2))
        sessions.append(("direct:%d:%d:%d" % (index, pair[0], pair[1]), "direct", "", pair))
    for index in range(ZONE_SESSIONS):
        crowd = sorted(generator.sample(users, ZONE_CROWD))
        sessions.append(("zone:bench:%d" % index, "zone", "Zone %d" % index, crowd))
    return sessions


@defer.inlineCallbacks
def _storeMessages(store, sessions, arguments, generator):
    """
    Store the messages with C{arguments.concurrency} writers, each sending
    its next message as soon as the last is committed.
    """
    plan = []
    for index in range(arguments.messages):
        key, kind, title, participants = generator.choice(sessions)
        plan.append((key, kind, title, participants, generator.choice(participants),
                     "message %d" % index))
    remaining = iter(plan)
    latencies = []

    @defer.inlineCallbacks
    def writer():
        for key, kind, title, participants, sender, text in remaining:
            began = time.perf_counter()
            if arguments.client_ids:
                yield store.addMessageOnce(uuid.uuid4().hex, key, kind, title, participants,
                                           sender, text, int(time.time() * 1000))
            else:
                yield store.addMessage(key, kind, title, participants, sender, "player", text,
                                       int(time.time() * 1000))
            latencies.append(time.perf_counter() - began)

    began = time.perf_counter()
    yield defer.gatherResults([writer() for _ in range(arguments.concurrency)],
                              consumeErrors=True)
    elapsed = time.perf_counter() - began
    latencies.sort()
    return {
        "messages": len(latencies),
        "concurrency": arguments.concurrency,
        "seconds": round(elapsed, 3),
        "messagesPerSecond": round(len(latencies) / elapsed, 1),
        "p50Ms": _percentile(latencies, 50),
        "p95Ms": _percentile(latencies, 95),
        "p99Ms": _percentile(latencies, 99),
    }


def _percentile(ordered, percent):
    """
    The C{percent}th percentile of sorted seconds, in milliseconds (nearest
    rank).
    """
    rank = max(1, -(-len(ordered) * percent // 100))
    return round(ordered[rank - 1] * 1000, 2)


class _ThrowawayDatabase:
    """
    A database made for one run and removed after it.

    @ivar kind: C{"sqlite"} or C{"postgresql"}.
    @ivar dialect: the L{Dialect} to reach it.
    """

    def __init__(self, db):
        if db == "sqlite":
            self.kind = "sqlite"
            self._directory = tempfile.mkdtemp(prefix="ark-bench-")
            self.dialect = SQLiteDialect(os.path.join(self._directory, "ark.sqlite3"))
            return
        import psycopg2

        self.kind = "postgresql"
        self._server = psycopg2.connect(db)
        self._server.autocommit = True
        self._name = "ark_bench_" + uuid.uuid4().hex
        with self._server.cursor() as cursor:
            cursor.execute("CREATE DATABASE " + self._name)
        self.dialect = PostgreSQLDialect(db.rsplit("/", 1)[0] + "/" + self._name)

    def remove(self):
        if self.kind == "sqlite":
            shutil.rmtree(self._directory)
            return
        with self._server.cursor() as cursor:
            cursor.execute("DROP DATABASE %s WITH (FORCE)" % self._name)
        self._server.close()


if __name__ == "__main__":
    main()
