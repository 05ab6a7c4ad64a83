"""
Tests for L{ark.loadtest}: the parts that need no server.
"""

from __future__ import annotations

import io
import itertools
import json
import random
import struct

import cbor2
from twisted.internet.error import ConnectionDone, ConnectionRefusedError
from twisted.internet.task import Clock
from twisted.internet.testing import StringTransport
from twisted.python.failure import Failure
from twisted.python.usage import UsageError
from twisted.trial.unittest import SynchronousTestCase

from ark import loadtest
from ark.loadtest import (
    HEADINGS,
    OP_BINARY,
    OP_CLOSE,
    OP_CONTINUATION,
    OP_PING,
    OP_PONG,
    RUN,
    Bot,
    BotProtocol,
    Histogram,
    Options,
    Swarm,
    Walker,
    WebSocketClientProtocol,
    acceptKey,
    humanSummary,
    isPatch,
    patchProgress,
    writeSamples,
)
from ark.net.frames import decodeFrame, encodeFrame

REPORT_KEYS = {
    "clients",
    "joined",
    "join_failures",
    "join_failure_reasons",
    "disconnects",
    "close_codes",
    "errors",
    "bad_messages",
    "ramp_s",
    "duration_s",
    "measured_clients",
    "bytes_per_client_per_s",
    "msgs_per_client_per_s",
    "sent_bytes_per_client_per_s",
    "sent_msgs_per_client_per_s",
    "steps_sent",
    "echo_ms",
    "patch_gap_ms",
    "cpu_percent",
    "url",
}


def handshakeResponse(key: bytes, accept: bytes = None, status: str = "101") -> bytes:
    """
    A server's answer to a client's handshake with C{key}.
    """
    if accept is None:
        accept = acceptKey(key)
    return (
        b"HTTP/1.1 " + status.encode() + b" Switching Protocols\r\n"
        b"Upgrade: websocket\r\n"
        b"Connection: Upgrade\r\n"
        b"Sec-WebSocket-Accept: " + accept + b"\r\n\r\n"
    )


def serverMessage(message: dict) -> bytes:
    """
    One unmasked binary frame holding C{message} as CBOR.
    """
    return encodeFrame(OP_BINARY, cbor2.dumps(message))


def sentFrames(transport: StringTransport) -> list:
    """
    Decode every frame a client wrote after its handshake request.
    """
    data = transport.value()
    offset = data.index(b"\r\n\r\n") + 4
    frames = []
    while offset < len(data):
        frame = decodeFrame(data, offset)
        frames.append(frame)
        offset = frame[-1]
    return frames


def sentMessages(transport: StringTransport) -> list:
    """
    The CBOR messages a client sent in binary frames.
    """
    return [cbor2.loads(f[4]) for f in sentFrames(transport) if f[2] == OP_BINARY]


class FakeTransport(StringTransport):
    """
    A L{StringTransport} that, like a real one, tells its protocol the
    connection is lost on the next turn of the clock, and that, like a
    server, answers a close frame with its own and hangs up.

    @ivar answerClose: C{False} to play a hung server.
    """

    answerClose = True

    def __init__(self, protocol, clock: Clock):
        super().__init__()
        self.protocol = protocol
        self.clock = clock
        self.lost = False

    def write(self, data):
        super().write(data)
        if self.answerClose and data[:1] == bytes((0x80 | OP_CLOSE,)):
            self.clock.callLater(0, self._serverClose)

    def _serverClose(self):
        self.protocol.dataReceived(encodeFrame(OP_CLOSE, struct.pack("!H", 1000)))
        self._lose()

    def loseConnection(self):
        self._lose()

    def abortConnection(self):
        self._lose()

    def _lose(self):
        self.disconnecting = True
        if not self.lost:
            self.lost = True
            self.clock.callLater(
                0, self.protocol.connectionLost, Failure(ConnectionDone())
            )


class RecordingClient(WebSocketClientProtocol):
    """
    A client that records what its hooks were told.
    """

    def __init__(self):
        super().__init__("example.com:8080", "/ws")
        self.events = []

    def connectionOpened(self):
        self.events.append(("opened",))

    def messageReceived(self, opcode, payload):
        self.events.append(("message", opcode, payload))

    def closeReceived(self, code, reason):
        self.events.append(("close", code, reason))

    def handshakeFailed(self, reason):
        self.events.append(("failed", reason))


def openClient():
    """
    A L{RecordingClient} past its handshake, on a L{StringTransport}.
    """
    client = RecordingClient()
    transport = StringTransport()
    client.makeConnection(transport)
    client.dataReceived(handshakeResponse(client.key))
    return client, transport


class HandshakeTests(SynchronousTestCase):
    """
    Tests for the opening handshake of L{WebSocketClientProtocol}.
    """

    def test_rfcAcceptKey(self):
        """
        L{acceptKey} computes the accept value of RFC 6455's example.
        """
        self.assertEqual(
            acceptKey(b"dGhlIHNhbXBsZSBub25jZQ=="), b"s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
        )

    def test_request(self):
        """
        On connecting, the client sends a GET upgrade request for its path
        with its host, a fresh 16-byte key and version 13.
        """
        client = RecordingClient()
        transport = StringTransport()
        client.makeConnection(transport)
        request = transport.value().decode("ascii")
        self.assertTrue(request.startswith("GET /ws HTTP/1.1\r\n"))
        self.assertTrue(request.endswith("\r\n\r\n"))
        self.assertIn("\r\nHost: example.com:8080\r\n", request)
        self.assertIn("\r\nUpgrade: websocket\r\n", request)
        self.assertIn("\r\nConnection: Upgrade\r\n", request)
        self.assertIn("\r\nSec-WebSocket-Version: 13\r\n", request)
        self.assertIn("\r\nSec-WebSocket-Key: %s\r\n" % client.key.decode(), request)
        self.assertEqual(len(loadtest.base64.b64decode(client.key)), 16)
        self.assertNotEqual(client.key, RecordingClient().key)

    def test_goodResponseOpens(self):
        """
        A 101 response with the right accept value opens the connection.
        """
        client, transport = openClient()
        self.assertTrue(client.open)
        self.assertEqual(client.events, [("opened",)])
        self.assertFalse(transport.disconnecting)

    def test_wrongAcceptRefused(self):
        """
        A response whose C{Sec-WebSocket-Accept} does not match the key
        fails the handshake and hangs up.
        """
        client = RecordingClient()
        transport = StringTransport()
        client.makeConnection(transport)
        client.dataReceived(handshakeResponse(client.key, accept=acceptKey(b"other")))
        self.assertFalse(client.open)
        self.assertEqual(client.events, [("failed", "wrong Sec-WebSocket-Accept")])
        self.assertTrue(transport.disconnecting)

    def test_otherStatusRefused(self):
        """
        A response other than 101 fails the handshake, naming the status.
        """
        client = RecordingClient()
        transport = StringTransport()
        client.makeConnection(transport)
        client.dataReceived(b"HTTP/1.1 503 Service Unavailable\r\n\r\n")
        self.assertEqual(client.events, [("failed", "status 503")])
        self.assertTrue(transport.disconnecting)

    def test_responseInPiecesWithFrameAfter(self):
        """
        The response may arrive a byte at a time, and a frame sent right
        after it in the same segment is delivered.
        """
        client = RecordingClient()
        client.makeConnection(StringTransport())
        data = handshakeResponse(client.key) + encodeFrame(OP_BINARY, b"hi")
        for i in range(len(data)):
            client.dataReceived(data[i : i + 1])
        self.assertEqual(client.events, [("opened",), ("message", OP_BINARY, b"hi")])


class WebSocketClientProtocolTests(SynchronousTestCase):
    """
    Tests for the framing side of L{WebSocketClientProtocol}.
    """

    def test_sentFramesAreMasked(self):
        """
        Every frame the client sends is a masked binary frame.
        """
        client, transport = openClient()
        client.sendMessage(b"payload")
        client.sendMessage(b"payload")
        frames = sentFrames(transport)
        self.assertEqual(
            [(f[0], f[2], f[3], f[4]) for f in frames],
            [(True, OP_BINARY, True, b"payload")] * 2,
        )

    def test_pingAnsweredWithPong(self):
        """
        A ping is answered with a pong carrying the same payload.
        """
        client, transport = openClient()
        client.dataReceived(encodeFrame(OP_PING, b"are you there"))
        frames = sentFrames(transport)
        self.assertEqual([(f[2], f[4]) for f in frames], [(OP_PONG, b"are you there")])

    def test_serverCloseEchoed(self):
        """
        A close frame from the server is answered with the same code, the
        connection is dropped, and the hook is told the code.
        """
        client, transport = openClient()
        client.dataReceived(encodeFrame(OP_CLOSE, struct.pack("!H", 4001) + b"strikes"))
        frames = sentFrames(transport)
        self.assertEqual([(f[2], f[4]) for f in frames], [(OP_CLOSE, b"\x0f\xa1")])
        self.assertTrue(transport.disconnecting)
        self.assertEqual(client.events[-1], ("close", 4001, b"strikes"))
        self.assertFalse(client.open)

    def test_closeHandshakeWeStarted(self):
        """
        After our own close, the server's answering close frame ends the
        connection without another close from us or the hook being told.
        """
        client, transport = openClient()
        client.sendClose(1000)
        client.dataReceived(encodeFrame(OP_CLOSE, struct.pack("!H", 1000)))
        self.assertEqual([f[2] for f in sentFrames(transport)], [OP_CLOSE])
        self.assertTrue(transport.disconnecting)
        self.assertEqual(client.events, [("opened",)])

    def test_maskedServerFrameFails(self):
        """
        A masked frame from the server is a protocol error: the client
        closes with 1002.
        """
        client, transport = openClient()
        client.dataReceived(encodeFrame(OP_BINARY, b"x", b"abcd"))
        frames = sentFrames(transport)
        self.assertEqual([(f[2], f[4]) for f in frames], [(OP_CLOSE, b"\x03\xea")])
        self.assertTrue(transport.disconnecting)
        self.assertNotIn(("message", OP_BINARY, b"x"), client.events)

    def test_fragmentedMessage(self):
        """
        A message sent in fragments is delivered once, whole, with a
        control frame allowed in between.
        """
        client, transport = openClient()
        client.dataReceived(
            bytes((OP_BINARY, 3))
            + b"abc"
            + encodeFrame(OP_PING, b"")
            + bytes((OP_CONTINUATION, 2))
            + b"de"
            + bytes((0x80 | OP_CONTINUATION, 1))
            + b"f"
        )
        self.assertEqual(client.events[1:], [("message", OP_BINARY, b"abcdef")])

    def test_splitFrames(self):
        """
        Frames split across and packed into segments are all delivered, in
        order.
        """
        client, transport = openClient()
        data = b"".join(encodeFrame(OP_BINARY, b"m%d" % i * 50) for i in range(5))
        for start in range(0, len(data), 7):
            client.dataReceived(data[start : start + 7])
        self.assertEqual(
            [e[2] for e in client.events[1:]], [b"m%d" % i * 50 for i in range(5)]
        )

    def test_counts(self):
        """
        Frame bytes, headers included, and frames are counted both ways;
        the handshake is not.
        """
        client, transport = openClient()
        incoming = encodeFrame(OP_BINARY, b"x" * 200) + encodeFrame(OP_BINARY, b"y")
        client.dataReceived(incoming)
        client.sendMessage(b"z" * 10)
        self.assertEqual(
            (client.bytesReceived, client.framesReceived), (len(incoming), 2)
        )
        self.assertEqual((client.bytesSent, client.framesSent), (2 + 4 + 10, 1))


class WalkerTests(SynchronousTestCase):
    """
    Tests for L{Walker}, the bots' walk policy.
    """

    def test_headingsChangeAtTheRightRate(self):
        """
        A new heading is picked at about 5 % of the 50 ms intervals; of
        the picks about 10 % stand still, and about 30 % of the others run.
        """
        walker = Walker(random.Random(1))
        intervals = 40000
        picks = stands = runs = 0
        for _ in range(intervals):
            before = walker.picks
            walker.advance()
            if walker.picks != before:
                picks += 1
                if walker.heading == 0:
                    stands += 1
                elif walker.heading & RUN:
                    runs += 1
        # Binomial standard deviations: about 44 picks, 19 stands, 29 runs.
        self.assertTrue(1800 < picks < 2200, picks)
        self.assertTrue(120 < stands < 280, stands)
        self.assertTrue(0.24 < runs / (picks - stands) < 0.36, (runs, picks, stands))

    def test_headingsAreTheEightOrStill(self):
        """
        A heading is one of the eight directions, maybe running, or 0.
        """
        walker = Walker(random.Random(2))
        seen = set()
        for _ in range(5000):
            walker.pick()
            seen.add(walker.heading)
        allowed = {0} | set(HEADINGS) | {h | RUN for h in HEADINGS}
        self.assertEqual(seen, allowed)

    def test_keepsHeadingBetweenPicks(self):
        """
        Between picks the heading stays as it is.
        """
        walker = Walker(random.Random(3))
        for _ in range(1000):
            before = (walker.picks, walker.heading)
            walker.advance()
            if walker.picks == before[0]:
                self.assertEqual(walker.heading, before[1])

    def test_seeded(self):
        """
        The same seed gives the same walk.
        """
        walks = []
        for _ in range(2):
            walker = Walker(random.Random(4))
            walk = []
            for _ in range(500):
                walker.advance()
                walk.append(walker.heading)
            walks.append(walk)
        self.assertEqual(walks[0], walks[1])


def movingBot(heading: int = loadtest.RIGHT, now: float = 0.0, ack: int = -1) -> Bot:
    """
    A started L{Bot} that holds C{heading} and never re-picks.
    """
    bot = Bot(1, random.Random(5))
    bot.start(now, ack)
    bot.walker.heading = heading
    bot.walker.advance = lambda: None
    return bot


class BotTests(SynchronousTestCase):
    """
    Tests for L{Bot}'s step clock.
    """

    def test_batchesFollowTheStepClock(self):
        """
        Called every 50 ms, a bot sends the three steps of the 60 Hz ticks
        elapsed; called later it sends more, called early fewer or none.
        """
        clock = Clock()
        bot = movingBot(now=clock.seconds())
        sizes = []
        for interval in [0.05, 0.05, 0.05, 0.1, 0.01, 0.04, 0.05]:
            clock.advance(interval)
            batch = bot.takeSteps(clock.seconds())
            sizes.append(len(batch[1]) if batch else 0)
        self.assertEqual(sizes, [3, 3, 3, 6, 0, 3, 3])

    def test_seqIncreasesByOnePerStep(self):
        """
        Steps are numbered one apart, each batch starting after the last
        one's final step, from 0 on a fresh welcome.
        """
        clock = Clock()
        bot = movingBot(now=clock.seconds())
        expected = 0
        for _ in range(50):
            clock.advance(0.05)
            seq, steps = bot.takeSteps(clock.seconds())
            self.assertEqual(seq, expected)
            expected = seq + len(steps)
        self.assertEqual(expected, 150)
        self.assertEqual(bot.stepsSent, 150)

    def test_stepsCarryTheHeading(self):
        """
        Every step of a batch holds the bot's heading.
        """
        bot = movingBot(heading=loadtest.UP | loadtest.LEFT | RUN)
        seq, steps = bot.takeSteps(0.05)
        self.assertEqual(steps, [21, 21, 21])

    def test_idleBotSendsNothing(self):
        """
        A bot standing still sends no steps, but its step clock runs on,
        so its next steps are numbered after the gap.
        """
        bot = movingBot(heading=0)
        self.assertIsNone(bot.takeSteps(0.05))
        self.assertIsNone(bot.takeSteps(0.10))
        self.assertEqual(list(bot.pending), [])
        bot.walker.heading = loadtest.DOWN
        self.assertEqual(bot.takeSteps(0.15), (6, [8, 8, 8]))

    def test_numberingAfterWelcomeAck(self):
        """
        Steps are numbered after the C{ack} of the welcome, so a resumed
        avatar's steps stay above those it sent before.
        """
        bot = movingBot(ack=99)
        self.assertEqual(bot.takeSteps(0.05)[0], 100)

    def test_stallCapsBatch(self):
        """
        After a stall, a batch holds only the latest 30 steps, the most an
        C{in} message may carry.
        """
        bot = movingBot()
        seq, steps = bot.takeSteps(1.0)
        self.assertEqual((seq, len(steps)), (30, 30))
        self.assertEqual(bot.takeSteps(1.05), (60, [2, 2, 2]))

    def test_steadyBacklogShortensTheNextBatch(self):
        """
        When every report of half a second shows two or more steps waiting,
        the next batches are short by all but one of the lowest backlog and
        the numbering goes on without a gap; a backlog that comes and goes
        changes nothing.
        """
        bot = movingBot()
        self.assertEqual(bot.takeSteps(0.05), (0, [2, 2, 2]))
        for queued in [2, 3, 1, 2, 2, 4, 2, 2, 3, 2]:
            bot.queueReported(queued)
        self.assertEqual(bot.takeSteps(0.10), (3, [2, 2, 2]))
        for queued in [2, 3, 2, 2, 2, 4, 2, 2, 3, 2]:
            bot.queueReported(queued)
        self.assertEqual(bot.takeSteps(0.15), (6, [2, 2]))
        self.assertEqual(bot.takeSteps(0.20), (8, [2, 2, 2]))
        for queued in [6, 5, 7, 5, 6, 5, 8, 6, 5, 5]:
            bot.queueReported(queued)
        # A backlog of five gives up four ticks at once.
        self.assertIsNone(bot.takeSteps(0.25))
        self.assertEqual(bot.takeSteps(0.30), (11, [2, 2]))

    def test_lastStepInHandIsGivenUpWhenInputKeepsOnTime(self):
        """
        A backlog of one step is kept through three windows, and given up
        after the fourth.
        """
        bot = movingBot()
        self.assertEqual(bot.takeSteps(0.05), (0, [2, 2, 2]))
        for _ in range(3 * loadtest.QUEUE_WINDOW):
            bot.queueReported(1)
        self.assertEqual(bot.takeSteps(0.10), (3, [2, 2, 2]))
        for _ in range(loadtest.QUEUE_WINDOW):
            bot.queueReported(1)
        self.assertEqual(bot.takeSteps(0.15), (6, [2, 2]))


class EchoTests(SynchronousTestCase):
    """
    Tests for the echo time computed by L{Bot.acknowledge}.
    """

    def test_scriptedSendsAndAcks(self):
        """
        Each acknowledged step records the time since its batch was sent;
        an C{ack} settles every pending step numbered up to it, including
        part of a batch.
        """
        bot = movingBot()
        records = []
        record = lambda ms, count: records.append((round(ms, 3), count))
        self.assertEqual(bot.takeSteps(0.05)[0], 0)  # steps 0-2 at 50 ms
        self.assertEqual(bot.takeSteps(0.10)[0], 3)  # steps 3-5 at 100 ms
        bot.acknowledge(1, 0.08, record)
        self.assertEqual(records, [(30.0, 2)])
        bot.acknowledge(1, 0.09, record)  # an old ack settles nothing
        self.assertEqual(records, [(30.0, 2)])
        bot.acknowledge(5, 0.13, record)
        self.assertEqual(records, [(30.0, 2), (80.0, 1), (30.0, 3)])
        self.assertEqual(list(bot.pending), [])

    def test_ackBeyondSentSettlesAll(self):
        """
        An C{ack} above every step sent, as after a gap of idle steps,
        settles them all.
        """
        bot = movingBot()
        bot.takeSteps(0.05)
        records = []
        bot.acknowledge(40, 0.06, lambda ms, count: records.append(count))
        self.assertEqual(records, [3])

    def test_settleWithoutRecording(self):
        """
        Outside the measuring window, steps are settled but not recorded.
        """
        bot = movingBot()
        bot.takeSteps(0.05)
        bot.acknowledge(2, 0.06, None)
        self.assertEqual(list(bot.pending), [])

    def test_pendingBounded(self):
        """
        A server that never acknowledges does not make the pending steps
        grow without bound.
        """
        bot = movingBot()
        for i in range(1, 1000):
            bot.takeSteps(i * 0.05)
        self.assertEqual(len(bot.pending), loadtest.MAX_PENDING_BATCHES)


class PatchAckTests(SynchronousTestCase):
    """
    Tests for L{isPatch} and L{patchProgress}.
    """

    def test_patchLayouts(self):
        """
        A patch is recognised whether C{"t"} or C{"tick"}, with a value of
        any integer size, comes first.
        """
        for tick in (0, 23, 24, 255, 256, 65536, 2**32):
            self.assertTrue(isPatch(cbor2.dumps({"tick": tick, "t": "p", "ack": 1})), tick)
            self.assertTrue(isPatch(cbor2.dumps({"t": "p", "tick": tick})), tick)

    def test_notPatches(self):
        """
        Other messages are not taken for patches, even with C{"t": "p"}'s
        bytes inside them.
        """
        for message in (
            {"t": "welcome", "token": "atap", "ack": -1},
            {"token": "\x61t\x61p", "t": "welcome"},
            {"tick": 5, "t": "error", "code": "bad_field"},
            {"tick": "x", "t": "p"},
            ["t", "p"],
        ):
            self.assertFalse(isPatch(cbor2.dumps(message)), message)
        self.assertFalse(isPatch(b""))
        self.assertFalse(isPatch(b"\xa2\x64tick"))

    def test_smallPatch(self):
        """
        The C{ack} of a small patch is read.
        """
        self.assertEqual(
            patchProgress(cbor2.dumps({"t": "p", "tick": 9, "me": [41, 1, 0, 0, 0, 1]})), (41, 1))

    def test_noAck(self):
        """
        A patch without C{me} has no C{ack}, even where a name is "me".
        """
        entity = [3, "me", "bob", True, 5, 0, 0, 0, 0]
        for adds in (1, 40):
            payload = cbor2.dumps({"t": "p", "tick": 9, "add": [entity] * adds})
            self.assertEqual(patchProgress(payload), (None, None))

    def test_serverLayout(self):
        """
        The C{ack} of a patch laid out as the server writes it, C{tick}
        first and motions after, is read.
        """
        motions = [[i, 1, 1000, 2000, 2, 1] for i in range(60)]
        payload = cbor2.dumps({"tick": 70000, "t": "p", "me": [12, 0, 1, 2, 0, 1],
                               "mv": motions})
        self.assertTrue(isPatch(payload))
        self.assertEqual(patchProgress(payload), (12, 0))

    def test_bigPatch(self):
        """
        The C{ack} of a big patch is read wherever it stands.
        """
        motions = [[i, 1, 1000, 2000, 2, 1] for i in range(60)]
        early = cbor2.dumps({"t": "p", "tick": 9, "me": [7, 3, 0, 0, 0, 1], "mv": motions})
        late = cbor2.dumps({"t": "p", "tick": 9, "mv": motions, "me": [8, 0, 0, 0, 0, 1]})
        self.assertGreater(len(early), loadtest._SMALL_PATCH)
        self.assertEqual((patchProgress(early), patchProgress(late)), ((7, 3), (8, 0)))


class HistogramTests(SynchronousTestCase):
    """
    Tests for L{Histogram}.
    """

    def test_percentiles(self):
        """
        Percentiles are nearest-rank, to 0.1 ms.
        """
        histogram = Histogram()
        for ms in range(100, 0, -1):
            histogram.record(ms + 0.04)
        self.assertEqual(
            (histogram.percentile(50), histogram.percentile(95), histogram.percentile(99)),
            (50.0, 95.0, 99.0),
        )
        self.assertEqual(histogram.percentile(100), 100.0)

    def test_counts(self):
        """
        A sample recorded with a count weighs that many samples.
        """
        histogram = Histogram()
        histogram.record(10.0, 99)
        histogram.record(500.0)
        self.assertEqual((histogram.percentile(99), histogram.percentile(100)), (10.0, 500.0))
        self.assertEqual(histogram.count, 100)

    def test_overLimit(self):
        """
        Samples above the binned range still count, exactly to 0.1 ms.
        """
        histogram = Histogram(limit=100.0)
        histogram.record(50.0)
        histogram.record(250.0, 2)
        histogram.record(1234.5)
        self.assertEqual(histogram.percentile(50), 250.0)
        self.assertEqual(histogram.percentile(100), 1234.5)
        self.assertEqual(histogram.summary()["max"], 1234.5)

    def test_emptySummary(self):
        """
        Without samples, the summary has its keys with C{None} values.
        """
        self.assertEqual(
            Histogram().summary(),
            {"p50": None, "p95": None, "p99": None, "mean": None, "max": None, "samples": 0},
        )

    def test_mergedAsOne(self):
        """
        Histograms of parts of the samples, passed through JSON and added
        together, give the summary of one histogram of all the samples,
        samples above the binned range included.
        """
        rng = random.Random(3)
        samples = [rng.expovariate(1 / 40.0) for _ in range(1000)] + [150.0, 12345.6]
        whole = Histogram(limit=100.0)
        parts = [Histogram(limit=100.0) for _ in range(3)]
        for index, ms in enumerate(samples):
            whole.record(ms, index % 2 + 1)
            parts[index % 3].record(ms, index % 2 + 1)
        merged = Histogram()
        for part in parts:
            merged.add(Histogram.fromDict(json.loads(json.dumps(part.asDict()))))
        self.assertEqual(merged.summary(), whole.summary())
        self.assertEqual(merged.percentile(99.9), whole.percentile(99.9))
        self.assertEqual(merged.summary()["max"], 12345.6)

    def test_emptyRoundTrip(self):
        """
        An empty histogram survives L{Histogram.asDict} and
        L{Histogram.fromDict}, and adds nothing.
        """
        empty = Histogram.fromDict(json.loads(json.dumps(Histogram().asDict())))
        self.assertEqual(empty.summary(), Histogram().summary())
        histogram = Histogram()
        histogram.record(5.0)
        histogram.add(empty)
        self.assertEqual((histogram.count, histogram.maximum), (1, 5.0))

    def test_otherResolutionRefused(self):
        """
        Bins of another width cannot be read as ours.
        """
        data = Histogram().asDict()
        data["resolution"] = 100
        self.assertRaises(ValueError, Histogram.fromDict, data)


class FakeServer:
    """
    Plays the server's side of bot connections made by a L{Swarm}.
    """

    def __init__(self, clock: Clock, refuse: bool = False):
        self.clock = clock
        self.refuse = refuse
        self.protocols = []

    def connect(self, protocol: BotProtocol):
        self.protocols.append(protocol)
        if self.refuse:
            protocol.connectFailed(Failure(ConnectionRefusedError()))
            return
        protocol.makeConnection(FakeTransport(protocol, self.clock))

    def accept(self, protocol: BotProtocol):
        protocol.dataReceived(handshakeResponse(protocol.key))

    def welcome(self, protocol: BotProtocol, ack: int = -1):
        self.accept(protocol)
        protocol.dataReceived(
            serverMessage({"t": "welcome", "id": 1, "token": "t", "ack": ack,
                           "me": {}, "entities": []})
        )

    def acknowledgeAll(self):
        """
        Send each bot a patch acknowledging every step it sent.
        """
        for protocol in self.protocols:
            if protocol.open and not protocol.transport.lost:
                steps = [m for m in sentMessages(protocol.transport) if m["t"] == "in"]
                patch = {"t": "p", "tick": 1}
                if steps:
                    acked = steps[-1]["seq"] + len(steps[-1]["steps"]) - 1
                    patch["me"] = [acked, 0, 0, 0, 0, 1]
                protocol.dataReceived(serverMessage(patch))


class SwarmTests(SynchronousTestCase):
    """
    Tests for L{Swarm}, with a fake clock and fake connections.
    """

    def makeSwarm(self, clients=3, duration=2.0, ramp=0.5, refuse=False, **kw):
        clock = Clock()
        server = FakeServer(clock, refuse)
        swarm = Swarm(clock, server.connect, clients=clients, duration=duration,
                      ramp=ramp, seed=7, url="ws://test/ws", **kw)
        for bot in swarm.bots:
            bot.access = "access-token-of-%s" % (bot.name,)
        reports = []
        swarm.start().addCallback(reports.append)
        return clock, server, swarm, reports

    def advance(self, clock, seconds, step=0.005, each=None):
        for _ in range(round(seconds / step)):
            clock.advance(step)
            if each is not None:
                each()

    def test_joinsSpreadOverRamp(self):
        """
        Bots connect one after another over the ramp, and join with their
        access token and the map asked for.
        """
        clock, server, swarm, reports = self.makeSwarm(clients=4, ramp=1.0, mapName="town.tmj")
        self.assertEqual(len(server.protocols), 1)
        self.advance(clock, 0.5)
        self.assertEqual(len(server.protocols), 3)
        self.advance(clock, 0.5)
        self.assertEqual(len(server.protocols), 4)
        server.accept(server.protocols[1])
        [join] = sentMessages(server.protocols[1].transport)
        self.assertEqual(join["t"], "join")
        self.assertEqual(join["access"], "access-token-of-bot-2")
        self.assertEqual(join["map"], "town.tmj")

    def test_oneTimerForAllBots(self):
        """
        However many bots, the swarm keeps the same few timers: its loop
        and its deadline, none per bot.
        """
        counts = []
        for clients in (2, 50):
            clock, server, swarm, reports = self.makeSwarm(clients=clients, ramp=0.1)
            self.advance(clock, 0.2)
            for protocol in server.protocols:
                server.welcome(protocol)
            self.advance(clock, 0.2)
            counts.append(len(clock.getDelayedCalls()))
        self.assertEqual(counts, [2, 2])

    def test_standAfterStopsWalkingNotReading(self):
        """
        With C{standAfter}, bots walk at first, then send no more steps for
        the rest of the window, yet stay connected and keep reading patches.
        """
        clock, server, swarm, reports = self.makeSwarm(clients=2, duration=3.0, ramp=0.1,
                                                       standAfter=1.0)
        self.advance(clock, 0.2)
        for protocol in server.protocols:
            server.welcome(protocol)
            protocol.bot.walker.heading = loadtest.RIGHT
            protocol.bot.walker.advance = lambda: None
        steps = itertools.count()

        def patch():
            if next(steps) % 10 == 9:
                server.acknowledgeAll()

        def sent():
            return [len([m for m in sentMessages(p.transport) if m["t"] == "in"])
                    for p in server.protocols]

        self.advance(clock, 1.2, each=patch)
        walked = sent()
        self.assertTrue(all(count > 10 for count in walked), walked)
        received = [p.framesReceived for p in server.protocols]
        self.advance(clock, 1.5, each=patch)
        self.assertEqual(sent(), walked)
        self.assertEqual([p.open for p in server.protocols], [True, True])
        self.assertTrue(all(now > then for now, then in
                            zip([p.framesReceived for p in server.protocols], received)))

    def test_fullRun(self):
        """
        Bots that join send about three steps per C{in} at 20 Hz each,
        numbered one apart; the run measures after the ramp, then every bot
        sends C{leave} and closes, and the report has every key.
        """
        clock, server, swarm, reports = self.makeSwarm(clients=3, duration=2.0, ramp=0.5)
        self.advance(clock, 0.5)
        for protocol in server.protocols:
            server.welcome(protocol)
            # Walking on without a stop makes the counts exact.
            protocol.bot.walker.heading = loadtest.RIGHT
            protocol.bot.walker.advance = lambda: None
        # The server patches at 20 Hz, a patch every tenth 5 ms step.
        steps = itertools.count()
        self.advance(clock, 2.5, step=0.005,
                     each=lambda: next(steps) % 10 == 9 and server.acknowledgeAll())
        # Two bots will have left; let the connections close.
        self.advance(clock, 1.0)
        self.assertEqual(len(reports), 1)
        report = reports[0]
        self.assertEqual(set(report), REPORT_KEYS)
        self.assertEqual((report["clients"], report["joined"], report["join_failures"]), (3, 3, 0))
        self.assertEqual(report["disconnects"], 0)
        self.assertTrue(abs(report["duration_s"] - 2.0) <= 0.02, report["duration_s"])
        self.assertEqual(set(report["echo_ms"]) >= {"p50", "p95", "p99"}, True)
        self.assertEqual(set(report["patch_gap_ms"]) >= {"p50", "p99"}, True)
        self.assertGreater(report["echo_ms"]["samples"], 0)
        self.assertTrue(19.4 <= report["sent_msgs_per_client_per_s"] <= 20.6, report)
        # Every step is acknowledged but each bot's last batch, sent in
        # answer to the window's last patch.
        unacknowledged = report["steps_sent"] - report["echo_ms"]["samples"]
        self.assertTrue(0 <= unacknowledged <= 3 * 3, unacknowledged)
        for protocol in server.protocols:
            messages = sentMessages(protocol.transport)
            steps = [m for m in messages if m["t"] == "in"]
            # From the welcome at 0.5 s to the end of the window at 2.5 s:
            # about 40 sends, on the bot's beat until the first patch and in
            # answer to patches after, of the 120 ticks' steps numbered one
            # apart from 0, three a batch but where the rhythm changes.
            self.assertIn(len(steps), range(38, 43))
            sizes = [len(m["steps"]) for m in steps]
            self.assertTrue(all(1 <= size <= 4 for size in sizes), sizes)
            self.assertGreaterEqual(sizes.count(3), len(sizes) - 3)
            self.assertIn(sum(sizes), range(117, 124))
            self.assertEqual(steps[0]["seq"], 0)
            for previous, following in zip(steps, steps[1:]):
                self.assertEqual(following["seq"], previous["seq"] + len(previous["steps"]))
            self.assertEqual(messages[-1], {"t": "leave"})
            self.assertEqual(sentFrames(protocol.transport)[-1][2], OP_CLOSE)
            self.assertTrue(protocol.transport.lost)
        json.dumps(report)
        self.assertIn("3/3 bots joined", humanSummary(report))

    def test_patchesSetTheRhythm(self):
        """
        A bot answers a patch acknowledging its steps with the steps taken
        since, at once.
        """
        clock, server, swarm, reports = self.makeSwarm(clients=1, duration=2.0, ramp=0.0)
        self.advance(clock, 0.01)
        [protocol] = server.protocols
        server.welcome(protocol)
        protocol.bot.walker.heading = loadtest.RIGHT
        protocol.bot.walker.advance = lambda: None
        self.advance(clock, 0.2)

        def batches():
            return [m for m in sentMessages(protocol.transport) if m["t"] == "in"]

        sent = len(batches())
        last = batches()[-1]
        acked = last["seq"] + len(last["steps"]) - 1
        self.advance(clock, 0.02)
        protocol.dataReceived(serverMessage({"t": "p", "tick": 3, "me": [acked, 0, 0, 0, 0, 1]}))
        self.assertEqual(len(batches()), sent + 1)
        self.assertEqual(batches()[-1]["seq"], acked + 1)

    def test_refusedCountsAsJoinFailure(self):
        """
        A connection refused counts as a join failure, and with every bot
        failed the run ends at once.
        """
        clock, server, swarm, reports = self.makeSwarm(clients=3, ramp=0.1, refuse=True)
        self.advance(clock, 0.2)
        self.assertEqual(len(reports), 1)
        self.assertEqual(reports[0]["join_failures"], 3)
        self.assertEqual(reports[0]["join_failure_reasons"], {"refused": 3})

    def test_joinErrorCountsAsJoinFailure(self):
        """
        An C{error} answering the join counts as a join failure and as an
        error, and drops the bot; the others run on.
        """
        clock, server, swarm, reports = self.makeSwarm(clients=2, duration=1.0, ramp=0.1)
        self.advance(clock, 0.1)
        first, second = server.protocols
        server.accept(first)
        first.dataReceived(serverMessage({"t": "error", "code": "unknown_map", "message": "no"}))
        server.welcome(second)
        self.advance(clock, 3.0)
        report = reports[0]
        self.assertEqual((report["joined"], report["join_failures"]), (1, 1))
        self.assertEqual(report["join_failure_reasons"], {"error:unknown_map": 1})
        self.assertEqual(report["errors"], {"unknown_map": 1})
        self.assertEqual(report["measured_clients"], 1)
        self.assertTrue(first.transport.lost)

    def test_joinTimeout(self):
        """
        A bot with no welcome within the join timeout is a join failure.
        """
        clock, server, swarm, reports = self.makeSwarm(clients=1, ramp=0.0, joinTimeout=2.0)
        server.accept(server.protocols[0])
        self.advance(clock, 1.9)
        self.assertEqual(swarm.joinFailuresTotal, 0)
        self.advance(clock, 0.2)
        self.assertEqual(reports[0]["join_failure_reasons"], {"timeout": 1})

    def test_serverErrorsSurvived(self):
        """
        Errors after joining are counted and the bot carries on sending.
        """
        clock, server, swarm, reports = self.makeSwarm(clients=1, duration=1.0, ramp=0.0)
        [protocol] = server.protocols
        server.welcome(protocol)
        protocol.dataReceived(serverMessage({"t": "error", "code": "rate_limited"}))
        protocol.dataReceived(encodeFrame(OP_BINARY, b"\xff\xff not cbor"))
        before = protocol.framesSent
        self.advance(clock, 0.5)
        self.assertGreater(protocol.framesSent, before)
        self.advance(clock, 1.0)
        report = reports[0]
        self.assertEqual(report["errors"], {"rate_limited": 1})
        self.assertEqual(report["bad_messages"], 1)
        self.assertEqual(report["disconnects"], 0)

    def test_disconnectCounted(self):
        """
        A server closing a joined bot's connection counts as a disconnect
        with its close code.
        """
        clock, server, swarm, reports = self.makeSwarm(clients=2, duration=2.0, ramp=0.0)
        for protocol in server.protocols:
            server.welcome(protocol)
        self.advance(clock, 0.5)
        server.protocols[0].dataReceived(encodeFrame(OP_CLOSE, struct.pack("!H", 4001)))
        self.advance(clock, 3.0)
        report = reports[0]
        self.assertEqual(report["disconnects"], 1)
        self.assertEqual(report["close_codes"], {"4001": 1})

    def test_endsWhenServerHangs(self):
        """
        When the server answers neither C{leave} nor close, the bots are
        dropped after the grace period and the run ends.
        """
        clock, server, swarm, reports = self.makeSwarm(clients=1, duration=1.0, ramp=0.0,
                                                       grace=2.0)
        [protocol] = server.protocols
        server.welcome(protocol)
        protocol.transport.answerClose = False
        self.advance(clock, 1.0)
        self.assertEqual(reports, [])
        self.advance(clock, 2.1)
        self.assertEqual(len(reports), 1)

    def test_patchGapsMeasured(self):
        """
        The time between a bot's consecutive patches is measured in the
        window.
        """
        clock, server, swarm, reports = self.makeSwarm(clients=1, duration=1.0, ramp=0.0)
        [protocol] = server.protocols
        server.welcome(protocol)
        self.advance(clock, 0.05, step=0.05)
        for _ in range(10):
            protocol.dataReceived(serverMessage({"t": "p", "tick": 1}))
            clock.advance(0.05)
        self.advance(clock, 1.0)
        gaps = reports[0]["patch_gap_ms"]
        self.assertEqual((gaps["samples"], gaps["p50"], gaps["p99"]), (9, 50.0, 50.0))


    def test_samplesOfTheWindow(self):
        """
        L{writeSamples} writes the window's start and end by the swarm's
        clock and its echo times, from which the report's echo summary
        comes out again.
        """
        clock, server, swarm, reports = self.makeSwarm(clients=2, duration=1.0, ramp=0.0)
        for protocol in server.protocols:
            server.welcome(protocol)
            protocol.bot.walker.heading = loadtest.RIGHT
            protocol.bot.walker.advance = lambda: None
        steps = itertools.count()
        self.advance(clock, 1.5, each=lambda: next(steps) % 10 == 9 and server.acknowledgeAll())
        [report] = reports
        path = self.mktemp()
        writeSamples(swarm, path)
        with open(path) as f:
            samples = json.load(f)
        self.assertEqual(set(samples), {"window_start", "window_end", "measured_clients",
                                        "echo_ms"})
        # The window begins on the swarm's first beat after the joins.
        self.assertTrue(0.0 <= samples["window_start"] <= 0.01, samples["window_start"])
        self.assertEqual(round(samples["window_end"] - samples["window_start"], 3),
                         report["duration_s"])
        self.assertEqual(samples["measured_clients"], 2)
        self.assertGreater(report["echo_ms"]["samples"], 0)
        self.assertEqual(Histogram.fromDict(samples["echo_ms"]).summary(), report["echo_ms"])

    def test_samplesWithoutWindow(self):
        """
        A run ended before its window began, as L{loadtest.main} ends one
        whose reactor was stopped from outside, has no window and no echo
        times.
        """
        clock, server, swarm, reports = self.makeSwarm(clients=2, ramp=1.0)
        self.advance(clock, 0.5)
        swarm._finish()
        self.assertEqual(len(reports), 1)
        samples = swarm.samples()
        self.assertEqual((samples["window_start"], samples["echo_ms"]["count"]), (None, 0))


class OptionsTests(SynchronousTestCase):
    """
    Tests for the command line.
    """

    def test_defaults(self):
        """
        Without arguments, 100 bots run for 30 s against the local server
        with the default ramp.
        """
        options = Options()
        options.parseOptions([])
        self.assertEqual((options["clients"], options["duration"], options["ramp"]), (100, 30.0, None))
        self.assertEqual((options["host"], options["port"], options["path"]), ("127.0.0.1", 8080, "/ws"))

    def test_all(self):
        """
        Every option is read.
        """
        arguments = ["--url", "ws://localhost:9000/ws", "--clients", "1000",
                     "--duration", "20", "--json", "--ramp", "3",
                     "--map", "town.tmj", "--seed", "42", "--stand-after", "5",
                     "--samples", "echo.json"]
        options = Options()
        self.assertEqual({a[2:] for a in arguments if a.startswith("--")},
                         {name.rstrip("=") for name in options.longOpt} - {"help", "version"})
        options.parseOptions(arguments)
        self.assertEqual(
            (options["host"], options["port"], options["hostHeader"], options["clients"],
             options["duration"], options["json"], options["ramp"], options["map"],
             options["seed"], options["stand-after"], options["samples"]),
            ("localhost", 9000, "localhost:9000", 1000, 20.0, True, 3.0, "town.tmj", 42, 5.0,
             "echo.json"),
        )

    def test_badClients(self):
        """
        A --clients that is not a positive integer is a usage error.
        """
        for value in ("0", "-5", "many", "1.5"):
            self.assertRaises(UsageError, Options().parseOptions, ["--clients", value])

    def test_badDurationRampUrl(self):
        """
        A duration that is not positive, a negative ramp or time to stand,
        and a URL that is not ws:// are usage errors.
        """
        for argv in (["--duration", "0"], ["--ramp", "-1"], ["--stand-after", "-1"],
                     ["--stand-after", "soon"], ["--url", "http://x/ws"],
                     ["--url", "wss://x/ws"], ["--url", "ws:///ws"]):
            self.assertRaises(UsageError, Options().parseOptions, argv)

    def test_mainExitsTwoOnBadArguments(self):
        """
        L{loadtest.main} exits with status 2 and the usage on standard error
        for bad arguments.
        """
        stdout, stderr = io.StringIO(), io.StringIO()
        self.assertEqual(loadtest.main(["--clients", "0"], stdout, stderr), 2)
        self.assertIn("--clients must be from 1", stderr.getvalue())
        self.assertIn("Usage:", stderr.getvalue())
        self.assertEqual(stdout.getvalue(), "")
