"""
Chat messages stored and acknowledged per second, end to end.

    python benchmarks/chat_load.py [--db sqlite|postgresql://…] [--players 20]
                                   [--in-flight 4] [--seconds 10]

Starts C{twistd ark} on a fresh data directory (and, for PostgreSQL, a
fresh database, dropped afterwards), signs C{--players} guests in, joins
them all at one spot and has each keep C{--in-flight} nearby messages
waiting for their C{said}; prints one JSON line: acknowledged messages per
second and the time from C{say} to C{said} (p50/p95/p99, ms).  The server's
chat limit is lifted for the run; everything else is as operators run it.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from urllib.request import Request, urlopen

import cbor2
from autobahn.twisted.websocket import WebSocketClientFactory, WebSocketClientProtocol
from twisted.internet import defer, endpoints, reactor

BIN = os.path.dirname(sys.executable)


class Talker(WebSocketClientProtocol):
    """
    One player: joins, then keeps its messages in flight until told to stop.
    """

    def onOpen(self):
        self.factory.opened.callback(self)

    def start(self, access, run):
        self.run = run
        self.ref = 0
        self.sentAt = {}
        self.welcomed = defer.Deferred()
        self.sendMessage(cbor2.dumps({"t": "join", "access": access}), isBinary=True)
        return self.welcomed

    def talk(self):
        for _ in range(self.run.inFlight):
            self.say()

    def say(self):
        if not self.run.running:
            return
        self.ref += 1
        self.sentAt[self.ref] = time.perf_counter()
        self.sendMessage(cbor2.dumps({"t": "say", "ref": self.ref, "kind": "nearby",
                                      "text": "message %d from %s" % (self.ref, id(self))}),
                         isBinary=True)

    def onMessage(self, payload, isBinary):
        message = cbor2.loads(payload)
        if message.get("t") == "welcome":
            self.welcomed.callback(None)
        elif message.get("t") == "said":
            started = self.sentAt.pop(message["ref"])
            if "error" in message:
                self.run.errors[message["error"]] = self.run.errors.get(message["error"], 0) + 1
            elif self.run.running:
                self.run.latencies.append(time.perf_counter() - started)
            self.say()


class Run:
    def __init__(self, inFlight):
        self.inFlight = inFlight
        self.running = False
        self.latencies = []
        self.errors = {}


def percentile(values, share):
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(share * len(ordered)))] * 1000, 2)


def post(url, body):
    request = Request(url, json.dumps(body).encode(), {"content-type": "application/json"})
    with urlopen(request) as response:
        return json.loads(response.read())


@defer.inlineCallbacks
def measure(port, players, inFlight, seconds):
    run = Run(inFlight)
    talkers = []
    for number in range(players):
        signIn = post("http://127.0.0.1:%d/api/auth/guest" % (port,),
                      {"name": "talker %d" % (number,), "avatar": "fox"})
        factory = WebSocketClientFactory("ws://127.0.0.1:%d/ws" % (port,), reactor=reactor)
        factory.protocol = Talker
        factory.opened = defer.Deferred()
        yield endpoints.TCP4ClientEndpoint(reactor, "127.0.0.1", port).connect(factory)
        talker = yield factory.opened
        yield talker.start(signIn["accessToken"], run)
        talkers.append(talker)
    run.running = True
    started = time.perf_counter()
    for talker in talkers:
        talker.talk()
    yield deferLater(seconds)
    run.running = False
    elapsed = time.perf_counter() - started
    return {
        "players": players,
        "in_flight_each": inFlight,
        "seconds": round(elapsed, 2),
        "acknowledged_per_s": round(len(run.latencies) / elapsed, 1),
        "say_to_said_ms": {"p50": percentile(run.latencies, 0.5),
                           "p95": percentile(run.latencies, 0.95),
                           "p99": percentile(run.latencies, 0.99)},
        "errors": run.errors,
    }


def deferLater(seconds):
    from twisted.internet.task import deferLater as later

    return later(reactor, seconds, lambda: None)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--db", default="sqlite")
    parser.add_argument("--players", type=int, default=20)
    parser.add_argument("--in-flight", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=10)
    arguments = parser.parse_args()

    data = tempfile.mkdtemp(prefix="ark-chat-bench-")
    database = arguments.db
    cleanups = []
    if database.startswith("postgres"):
        import psycopg2

        admin = psycopg2.connect(database, connect_timeout=5)
        admin.autocommit = True
        name = "ark_bench_" + uuid.uuid4().hex[:12]
        admin.cursor().execute("CREATE DATABASE " + name)
        database = database.rsplit("/", 1)[0] + "/" + name

        def dropDatabase():
            admin.cursor().execute("DROP DATABASE IF EXISTS %s WITH (FORCE)" % (name,))
            admin.close()

        cleanups.append(dropDatabase)

    server = subprocess.Popen(
        [os.path.join(BIN, "twistd"), "-n", "--pidfile=", "ark", "--port", "0",
         "--data-dir", data, "--db", database, "--chat-limit", "1000/1",
         "--sign-in-limit", "100000", "--room-capacity", str(arguments.players + 10)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd=data, text=True)
    try:
        for line in server.stdout:
            if "Site starting on " in line or "Gateways starting on " in line:
                port = int(line.rsplit(" ", 1)[1])
                break
        else:
            raise SystemExit("the server did not start")
        results = []

        def begin():
            measure(port, arguments.players, arguments.in_flight, arguments.seconds).addBoth(
                lambda result: (results.append(result), reactor.stop()))

        reactor.callWhenRunning(begin)
        reactor.run()
        result = results[0]
        if not isinstance(result, dict):
            result.raiseException()
        result["db"] = "sqlite" if arguments.db == "sqlite" else "postgresql"
        print(json.dumps(result))
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
        for cleanup in cleanups:
            cleanup()
        shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    main()
