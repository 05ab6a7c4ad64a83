# -*- test-case-name: tests.test_loadtest -*-
"""
Load test: many bots that speak the ark protocol to one server.

Run C{python -m ark.loadtest --url ws://127.0.0.1:8080/ws --clients 1000
--duration 20 --json}.  Each bot opens its own WebSocket, joins as
C{bot-<n>}, random-walks by sending numbered 60 Hz input steps in batches
as the protocol advises a client to (docs/protocol.md, "Keeping input on
time": at once in answer to each patch that acknowledges its steps, else
every 50 ms, one step short when the server keeps reporting two or more waiting),
and times how long the server takes to acknowledge each step.  Joins are spread over a ramp; the measuring window
of C{--duration} seconds starts once every bot has joined (or failed to),
and then every bot sends C{leave} and closes.  The last line printed is one
JSON object with the figures (see L{Swarm.report}).  With C{--samples PATH}
the window's echo times are written to PATH too, so that the runs of
several processes sharing a load can be merged
(C{benchmarks/side_by_side.py} does).

The bots have to be cheap: a thousand of them share one core, beside a
server using the other, while each receives up to 20 patches a second.  So
they share one reactor and one L{LoopingCall}, have no timer and no
L{Deferred} of their own, and speak WebSocket through the small RFC 6455
client below, which writes each frame straight to the socket, rather than
through autobahn's.  The choice was measured on the project's 2-core AMD EPYC
machine (CPython 3.11), in microseconds per frame: a 36-byte patch frame
received, a 3-step C{in} frame sent.  "Python" feeds a C{StringTransport};
"process" is the CPU time of a process holding 500 connections over
loopback at 10,000 frames a second, reactor and kernel included (median of
three runs)::

                                     Python          process
                                   recv   send     recv   send
    autobahn 26.10, stock           7.7    6.8       24     26
    autobahn, tuned (1)             5.1    6.8       19     26
    WebSocketClientProtocol here    0.7    1.2       11      9  (2)

    (1) onMessageEnd overridden to skip fire() and its Deferred,
        utf8validateIncoming=False.
    (2) 17 us when written through transport.write (see _write).

The bot's own work per frame adds about 4.3 us on a patch (the C{ack},
echo bookkeeping) and 4.5 us on a send (walk, step clock, CBOR).  In all,
1000 bots against a fake server, each receiving 19-20 patches and sending
18 C{in} messages a second, took 54-61 % of one core (63-67 % with frames
written through the transport).
"""

from __future__ import annotations

import base64
import collections
import hashlib
import io
import json
import os
import random
import signal
import socket
import struct
import sys
from typing import Callable, Optional
from urllib.parse import urlsplit

import cbor2
from twisted.internet.defer import Deferred
from twisted.internet.error import (
    ConnectionRefusedError,
    NotConnectingError,
    TimeoutError,
)
from twisted.internet.protocol import ClientFactory, Protocol
from twisted.internet.task import LoopingCall
from twisted.logger import Logger
from twisted.python import usage

from ark.net.frames import (
    OP_BINARY,
    OP_CLOSE,
    OP_CONTINUATION,
    OP_PING,
    OP_PONG,
    OP_TEXT,
    decodeFrame,
    encodeFrame,
)

log = Logger()

TICK_RATE = 60
SEND_INTERVAL = 0.05
MAX_STEPS_PER_MESSAGE = 30
# How many queue reports (half a second of patches) a bot looks at before
# deciding its step clock runs ahead of the server's.
QUEUE_WINDOW = 10
# How many windows a one-step backlog must last before a bot gives it up.
SETTLE_WINDOWS = 4
# How long a bot expecting a patch waits for it before sending on its own.
PATCH_OVERDUE = 1.5 * SEND_INTERVAL

# Walk policy: checked at every send, i.e. every 50 ms.
REPICK_PROBABILITY = 0.05
STAND_PROBABILITY = 0.1
RUN_PROBABILITY = 0.3

LEFT, RIGHT, UP, DOWN, RUN = 1, 2, 4, 8, 16
HEADINGS = (
    LEFT,
    RIGHT,
    UP,
    DOWN,
    UP | LEFT,
    UP | RIGHT,
    DOWN | LEFT,
    DOWN | RIGHT,
)
AVATARS = ("adam", "alex", "amelia", "bob")

# Echo times beyond this many outstanding batches are not worth keeping: a
# server that far behind shows up in the percentiles already.
MAX_PENDING_BATCHES = 200

WEBSOCKET_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

# "t": "p" and "tick" in CBOR, for recognising a patch without decoding it.
_PATCH_TYPE = b"\x61t\x61p"
_TICK_KEY = b"\x64tick"
_ME_KEY = b"\x62me"
# Bytes that follow the initial byte of an unsigned integer, by that byte.
_UINT_SIZES = {0x18: 1, 0x19: 2, 0x1A: 4, 0x1B: 8}
# Below this size cbor2's C decoder reads the whole patch faster than it
# can be walked key by key.
_SMALL_PATCH = 160

# The masking key only has to keep proxies from reading our frames as
# something else (RFC 6455 10.3); it has nothing to do with the seeded walk.
_maskRandom = random.Random(os.urandom(16))


def acceptKey(key: bytes) -> bytes:
    """
    Compute the C{Sec-WebSocket-Accept} a server must answer to C{key}.

    @param key: the client's base64 C{Sec-WebSocket-Key}.
    @return: the base64 accept value.
    """
    return base64.b64encode(hashlib.sha1(key + WEBSOCKET_GUID).digest())


def isPatch(payload: bytes) -> bool:
    """
    Tell a patch by its first pairs, as the server writes them: a map
    whose first key is C{"t"} with value C{"p"}, or whose first key is
    C{"tick"} with an unsigned integer and second is C{"t"}: C{"p"}.  Other
    layouts are not recognised, so they are decoded in full.

    @param payload: a message, CBOR.
    @return: C{True} if it is certainly a patch.
    """
    if len(payload) < 5 or not 0xA1 <= payload[0] <= 0xB7:
        return False
    if payload[1:5] == _PATCH_TYPE:
        return True
    if payload[1:6] != _TICK_KEY or len(payload) < 7:
        return False
    info = payload[6]
    if info < 0x18:
        start = 7
    elif info in _UINT_SIZES:
        start = 7 + _UINT_SIZES[info]
    else:
        return False
    return payload[start : start + 4] == _PATCH_TYPE


def patchProgress(payload: bytes):
    """
    Read the C{ack} and C{q} of a patch (the first two items of C{me}),
    decoding no more of it than needed.

    Most patches either carry no C{me} (a cheap substring test says so) or
    are small, and cbor2 decodes a small map in C faster than anything
    else; a big patch (many motions, entities added) is walked key by key
    with cbor2's decoder and left as soon as C{me} is read.

    @param payload: a patch message, CBOR.
    @return: C{(ack, queued)}: the acknowledged step number and how many
        steps still wait, each C{None} if the patch has none.
    @raise cbor2.CBORDecodeError: for malformed CBOR.
    """
    if _ME_KEY not in payload:
        return None, None
    head = payload[0]
    if len(payload) <= _SMALL_PATCH or not 0xA0 <= head <= 0xB7:
        me = cbor2.loads(payload).get("me")
    else:
        me = None
        decoder = cbor2.CBORDecoder(io.BytesIO(payload))
        decoder.read(1)
        for _ in range(head & 0x1F):
            key = decoder.decode()
            value = decoder.decode()
            if key == "me":
                me = value
                break
    if not isinstance(me, list) or len(me) < 2:
        return None, None
    return me[0], me[1]


class WebSocketClientProtocol(Protocol):
    """
    A minimal RFC 6455 client: opening handshake, masked frames out,
    unmasked frames in (with 16- and 64-bit lengths and fragmentation),
    ping answered with pong, and the closing handshake.  No extensions, no
    subprotocols, no UTF-8 check of text frames: the ark protocol uses
    binary frames only.

    Counts every frame byte in and out (headers included) in
    C{bytesReceived}, C{framesReceived}, C{bytesSent} and C{framesSent}.

    Subclasses override L{connectionOpened}, L{messageReceived},
    L{closeReceived} and L{handshakeFailed}.

    @ivar open: C{True} between a good handshake and the connection's end.
    @ivar closeCode: the code of the close frame the server sent, if any.
    """

    # Larger messages are a broken server; nothing in the protocol comes
    # close (the server refuses frames over 64 KiB itself).
    maxMessageSize = 1 << 20
    maxHandshakeSize = 16384

    def __init__(self, host: str, path: str):
        """
        @param host: the value of the C{Host} header, with the port.
        @param path: the request target, e.g. C{/ws}.
        """
        self.host = host
        self.path = path
        self.key = base64.b64encode(os.urandom(16))
        self.handshakeDone = False
        self.open = False
        self.closeCode = None
        self.closeSent = False
        self.bytesReceived = 0
        self.framesReceived = 0
        self.bytesSent = 0
        self.framesSent = 0
        self._handshake = b""
        self._buffer = b""
        self._fragments = None
        self._fragmentOpcode = 0
        self._fragmentSize = 0
        self._lost = False
        self._socket = None

    def connectionMade(self):
        """
        Send the opening handshake.  Small frames must leave at once, not
        wait for Nagle's algorithm, or the echo times measure the kernel.
        """
        setNoDelay = getattr(self.transport, "setTcpNoDelay", None)
        if setNoDelay is not None:
            setNoDelay(True)
        request = (
            "GET %s HTTP/1.1\r\n"
            "Host: %s\r\n"
            "Upgrade: websocket\r\n"
            "Connection: Upgrade\r\n"
            "Sec-WebSocket-Key: %s\r\n"
            "Sec-WebSocket-Version: 13\r\n"
            "\r\n" % (self.path, self.host, self.key.decode("ascii"))
        )
        self.transport.write(request.encode("ascii"))

    def dataReceived(self, data: bytes):
        """
        Parse the handshake response, then frames.
        """
        if self._lost:
            # We hung up; whatever still arrives is of no interest.
            return
        if not self.handshakeDone:
            data = self._handshakeReceived(data)
            if not data or self._lost:
                return
        self.bytesReceived += len(data)
        if self._buffer:
            data = self._buffer + data
        offset = 0
        while True:
            frame = decodeFrame(data, offset)
            if frame is None:
                break
            fin, rsv, opcode, masked, payload, offset = frame
            self.framesReceived += 1
            if masked or rsv:
                # RFC 6455 5.1: a client must close on a masked frame.
                self.failConnection(1002)
                return
            if opcode == OP_BINARY or opcode == OP_TEXT:
                if self._fragments is not None:
                    self.failConnection(1002)
                    return
                if fin:
                    if self.open:
                        self.messageReceived(opcode, payload)
                else:
                    self._fragments = [payload]
                    self._fragmentSize = len(payload)
                    self._fragmentOpcode = opcode
            elif opcode == OP_CONTINUATION:
                if self._fragments is None:
                    self.failConnection(1002)
                    return
                self._fragments.append(payload)
                self._fragmentSize += len(payload)
                if self._fragmentSize > self.maxMessageSize:
                    self.failConnection(1009)
                    return
                if fin:
                    message = b"".join(self._fragments)
                    self._fragments = None
                    if self.open:
                        self.messageReceived(self._fragmentOpcode, message)
            elif opcode == OP_PING:
                if not self.closeSent:
                    self._sendFrame(OP_PONG, payload)
            elif opcode == OP_PONG:
                pass
            elif opcode == OP_CLOSE:
                self._closeFrameReceived(payload)
                return
            else:
                self.failConnection(1002)
                return
            if self.transport is None or self._lost:
                # The subclass dropped the connection.
                return
        rest = data[offset:]
        if len(rest) > self.maxMessageSize + 14:
            self.failConnection(1009)
            return
        self._buffer = rest

    def _handshakeReceived(self, data: bytes) -> bytes:
        """
        Collect and check the server's handshake response.

        @return: the bytes after the response, or C{b""} while it is
            incomplete or when it was refused.
        """
        self._handshake += data
        end = self._handshake.find(b"\r\n\r\n")
        if end < 0:
            if len(self._handshake) > self.maxHandshakeSize:
                self._refuseHandshake("response too large")
            return b""
        head = self._handshake[:end].decode("latin-1")
        rest = self._handshake[end + 4 :]
        self._handshake = b""
        lines = head.split("\r\n")
        status = lines[0].split(" ", 2)
        if len(status) < 2 or not status[0].startswith("HTTP/1.1"):
            self._refuseHandshake("bad status line %r" % (lines[0],))
            return b""
        if status[1] != "101":
            self._refuseHandshake("status %s" % (status[1],))
            return b""
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            name = name.strip().lower()
            value = value.strip()
            if name in headers:
                headers[name] += ", " + value
            else:
                headers[name] = value
        if headers.get("upgrade", "").lower() != "websocket":
            self._refuseHandshake("no Upgrade: websocket")
            return b""
        tokens = [t.strip().lower() for t in headers.get("connection", "").split(",")]
        if "upgrade" not in tokens:
            self._refuseHandshake("no Connection: Upgrade")
            return b""
        if headers.get("sec-websocket-accept", "").encode("latin-1") != acceptKey(
            self.key
        ):
            self._refuseHandshake("wrong Sec-WebSocket-Accept")
            return b""
        self.handshakeDone = True
        self.open = True
        # The request went out whole (the server answered it), so nothing
        # waits in the transport's buffer and frames may go straight to
        # the socket; see _write.
        getHandle = getattr(self.transport, "getHandle", None)
        if getHandle is not None:
            handle = getHandle()
            if isinstance(handle, socket.socket):
                self._socket = handle
        self.connectionOpened()
        return rest

    def _refuseHandshake(self, reason: str):
        self._handshake = b""
        # No close frame can be sent before the handshake; just hang up.
        self.closeSent = True
        self._lost = True
        self.handshakeFailed(reason)
        self.transport.loseConnection()

    def _closeFrameReceived(self, payload: bytes):
        if len(payload) >= 2:
            code = int.from_bytes(payload[:2], "big")
            reason = payload[2:]
        else:
            code = 1005
            reason = b""
        self.closeCode = code
        wasOpen = self.open
        self.open = False
        if not self.closeSent:
            self.closeSent = True
            self._sendFrame(OP_CLOSE, struct.pack("!H", 1000 if code == 1005 else code))
        # Both close frames are out: the server would hang up now, but a
        # client may too (RFC 6455 7.1.1), which keeps a hung server from
        # holding the bot.
        self._lost = True
        self._socket = None
        self.transport.loseConnection()
        if wasOpen:
            self.closeReceived(code, reason)

    def _sendFrame(self, opcode: int, payload: bytes):
        key = _maskRandom.getrandbits(32).to_bytes(4, "big")
        frame = encodeFrame(opcode, payload, key)
        self.bytesSent += len(frame)
        self.framesSent += 1
        self._write(frame)

    def _write(self, frame: bytes):
        """
        Write a frame: straight to the socket while the kernel takes each
        frame whole, which halves the cost of a send (Twisted's own write
        registers the socket for writing, writes on the next reactor
        iteration and unregisters it: three system calls for one); else,
        from the first short or failed send on, for good through the
        transport, which keeps the bytes in order and reports errors.
        """
        sock = self._socket
        if sock is not None:
            try:
                sent = sock.send(frame)
            except OSError:
                sent = 0
            if sent == len(frame):
                return
            self._socket = None
            frame = frame[sent:]
        self.transport.write(frame)

    def sendMessage(self, payload: bytes):
        """
        Send one binary message, if the connection is open.

        @param payload: the message.
        """
        if self.open and not self.closeSent and not self._lost:
            self._sendFrame(OP_BINARY, payload)

    def sendClose(self, code: int = 1000, reason: bytes = b""):
        """
        Start the closing handshake; the server answers with its own close
        frame and hangs up.

        @param code: the close code.
        @param reason: UTF-8 text, at most 123 bytes.
        """
        if self.handshakeDone and not self.closeSent and not self._lost:
            self.closeSent = True
            self._sendFrame(OP_CLOSE, struct.pack("!H", code) + reason)
        self.open = False

    def failConnection(self, code: int):
        """
        Close at once after a protocol violation by the server.

        @param code: the close code to send (1002 protocol error, 1009
            too big).
        """
        wasOpen = self.open
        self.sendClose(code)
        self._lost = True
        self._socket = None
        self.transport.loseConnection()
        if wasOpen:
            self.closeReceived(None, b"failed with %d" % (code,))

    def connectionLost(self, reason):
        self.open = False
        self._lost = True
        self._socket = None

    def connectionOpened(self):
        """
        Called when the handshake succeeded.
        """

    def messageReceived(self, opcode: int, payload: bytes):
        """
        Called with each complete data message.

        @param opcode: C{OP_BINARY} or C{OP_TEXT}.
        @param payload: the message.
        """

    def closeReceived(self, code: Optional[int], reason: bytes):
        """
        Called once when an open connection starts to close, not on our
        own L{sendClose}.

        @param code: the server's close code, 1005 if it sent none, or
            C{None} when we failed the connection.
        @param reason: the close reason.
        """

    def handshakeFailed(self, reason: str):
        """
        Called when the server refused or botched the opening handshake.

        @param reason: what was wrong.
        """


class Walker:
    """
    The heading a bot holds down: a random walk that keeps its heading,
    and with probability C{REPICK_PROBABILITY} at each 50 ms send picks a
    new one: standing still with C{STAND_PROBABILITY}, else one of the
    eight headings, running with C{RUN_PROBABILITY}.

    @ivar heading: the input bits held now; 0 stands still.
    @ivar picks: how many times a heading was picked.
    """

    def __init__(self, rng: random.Random):
        """
        @param rng: this walker's own random source.
        """
        self.rng = rng
        self.picks = 0
        self.heading = 0
        self.pick()

    def pick(self):
        """
        Pick a new heading.
        """
        rng = self.rng
        self.picks += 1
        if rng.random() < STAND_PROBABILITY:
            self.heading = 0
        else:
            heading = HEADINGS[rng.randrange(len(HEADINGS))]
            if rng.random() < RUN_PROBABILITY:
                heading |= RUN
            self.heading = heading

    def advance(self):
        """
        Let 50 ms pass: maybe pick a new heading.
        """
        if self.rng.random() < REPICK_PROBABILITY:
            self.pick()


class Bot:
    """
    One simulated player, apart from its connection: its walk, its 60 Hz
    step clock, and the steps it sent that wait for an C{ack}.

    Steps are numbered by the bot's step clock from its welcome, so a bot
    standing still leaves a gap in the numbering, which the protocol
    allows; idle steps are not sent.

    @ivar number: the bot's number, from 1.
    @ivar slot: which of the swarm's phase slots it sends in.
    @ivar stepsSent: steps sent so far.
    @ivar pending: deque of C{[firstSeq, lastSeq, sentAt]}, oldest first.
    """

    def __init__(self, number: int, rng: random.Random, slot: int = 0):
        """
        @param number: the bot's number, from 1.
        @param rng: the bot's own random source.
        @param slot: the phase slot it sends in.
        """
        self.number = number
        self.name = "bot-%d" % (number,)
        self.rng = rng
        self.avatar = AVATARS[rng.randrange(len(AVATARS))]
        # The access token it joins with (see signInBots).
        self.access = None
        self.slot = slot
        self.walker = None
        self.origin = None
        self.seqBase = 0
        self.ticksTaken = 0
        self.lastSentAt = None
        self.stepsSent = 0
        self.pending = collections.deque()
        self.protocol = None
        self.state = "new"
        self.joinStartedAt = None

    def start(self, now: float, ack: int = -1):
        """
        Start the step clock and the walk, as on a welcome.

        @param now: the time.
        @param ack: the welcome's C{ack}: steps are numbered after it.
        """
        self.origin = now
        self.seqBase = max(ack + 1, 0)
        self.ticksTaken = 0
        self.lowestQueued = None
        self.queueReports = 0
        self.settledWindows = 0
        # As if a batch had just gone out, so the bot's first beat sends.
        self.lastSentAt = now - SEND_INTERVAL
        self.walker = Walker(self.rng)

    def queueReported(self, queued: int):
        """
        Take in how many of our steps the server reports still waiting.

        Batches hold two to four steps as our clock and the server's drift
        past each other, so one report says little; the lowest of
        L{QUEUE_WINDOW} reports (half a second) is what stays in hand.  Two
        or more: our clock is ahead of the server's, and it gives up all
        but one of those ticks at once (the next batch is that much
        shorter).  One, for L{SETTLE_WINDOWS} windows in a row: input has
        been on time for a while, and the last step is given up too, since
        every step waiting at a patch is acknowledged a patch later.
        """
        if self.lowestQueued is None or queued < self.lowestQueued:
            self.lowestQueued = queued
        self.queueReports += 1
        if self.queueReports < QUEUE_WINDOW:
            return
        lowest = self.lowestQueued
        self.lowestQueued = None
        self.queueReports = 0
        if lowest >= 2:
            self.origin += (lowest - 1) / TICK_RATE
            self.settledWindows = 0
        elif lowest == 1:
            self.settledWindows += 1
            if self.settledWindows >= SETTLE_WINDOWS:
                self.origin += 1.0 / TICK_RATE
                self.settledWindows = 0
        else:
            self.settledWindows = 0

    def takeSteps(self, now: float):
        """
        Take the steps of the 60 Hz ticks elapsed since the last call.

        @param now: the time.
        @return: C{(seq, steps)} to send, or C{None} when there is nothing
            to send (no tick elapsed, or standing still).
        """
        # The epsilon keeps float error from moving a tick across a call
        # made exactly on a tick boundary.
        ticks = int((now - self.origin) * TICK_RATE + 1e-6)
        count = ticks - self.ticksTaken
        heading = self.walker.heading
        if count <= 0:
            return None
        self.lastSentAt = now
        seq = self.seqBase + self.ticksTaken
        self.ticksTaken = ticks
        if not heading:
            return None
        if count > MAX_STEPS_PER_MESSAGE:
            # The reactor stalled; the server would drop most of them anyway.
            seq += count - MAX_STEPS_PER_MESSAGE
            count = MAX_STEPS_PER_MESSAGE
        pending = self.pending
        pending.append([seq, seq + count - 1, now])
        if len(pending) > MAX_PENDING_BATCHES:
            pending.popleft()
        self.stepsSent += count
        return seq, [heading] * count

    def acknowledge(self, ack: int, now: float, record: Optional[Callable]):
        """
        Settle the pending steps numbered up to C{ack}.

        @param ack: the step number the server acknowledged.
        @param now: when the acknowledgement arrived.
        @param record: called with C{(milliseconds, count)} for the steps
            settled, or C{None} to settle without recording.
        """
        pending = self.pending
        while pending:
            batch = pending[0]
            first = batch[0]
            if first > ack:
                return
            last = batch[1]
            if last <= ack:
                pending.popleft()
                count = last - first + 1
            else:
                batch[0] = ack + 1
                count = ack - first + 1
            if record is not None:
                record((now - batch[2]) * 1000.0, count)


class Histogram:
    """
    Samples in milliseconds, counted in bins of 0.1 ms, so memory stays
    bounded however long the run: a list up to C{limit} ms, which is cheap
    to add to, and a dict above it, where samples are rare.
    """

    resolution = 10  # bins per millisecond

    def __init__(self, limit: float = 10000.0):
        """
        @param limit: the largest sample binned, in ms.
        """
        self.bins = [0] * (int(limit * self.resolution) + 1)
        self.over = {}
        self.count = 0
        self.total = 0.0
        self.maximum = None

    def record(self, ms: float, count: int = 1):
        """
        Add C{count} samples of C{ms} milliseconds.
        """
        self.count += count
        self.total += ms * count
        if self.maximum is None or ms > self.maximum:
            self.maximum = ms
        # The epsilon keeps float error (49.99999 for 50) out of the bin below.
        index = int(ms * self.resolution + 1e-6)
        if index < 0:
            index = 0
        # As _addToBin does, inline: this is the bots' hot path.
        if index < len(self.bins):
            self.bins[index] += count
        else:
            self.over[index] = self.over.get(index, 0) + count

    def _addToBin(self, index: int, count: int):
        if index < len(self.bins):
            self.bins[index] += count
        else:
            self.over[index] = self.over.get(index, 0) + count

    def asDict(self) -> dict:
        """
        Everything recorded, for another process to merge: the bins that
        are not empty, and the count, total and maximum.

        @return: a JSON-ready C{{"resolution": bins per ms, "bins": [[index,
            count], ...], "count": n, "total": ms, "max": ms or None}}.
        """
        bins = [[index, n] for index, n in enumerate(self.bins) if n]
        bins.extend([index, self.over[index]] for index in sorted(self.over))
        return {
            "resolution": self.resolution,
            "bins": bins,
            "count": self.count,
            "total": self.total,
            "max": self.maximum,
        }

    @classmethod
    def fromDict(cls, data: dict, limit: float = 10000.0) -> "Histogram":
        """
        The histogram that L{asDict} described.

        @param data: what L{asDict} returned, e.g. read back from JSON.
        @param limit: as for L{__init__}; samples above it still count.
        @raise ValueError: if C{data} was binned at another resolution.
        """
        if data.get("resolution") != cls.resolution:
            raise ValueError("bins of %r per ms, not %d" % (data.get("resolution"),
                                                             cls.resolution))
        histogram = cls(limit)
        for index, n in data["bins"]:
            histogram._addToBin(index, n)
        histogram.count = data["count"]
        histogram.total = data["total"]
        histogram.maximum = data["max"]
        return histogram

    def add(self, other: "Histogram"):
        """
        Add every sample of C{other}, as if it had been recorded here: the
        percentiles of the sum are those of all the samples together, which
        percentiles of the parts cannot give.

        @param other: a L{Histogram} of the same resolution.
        """
        for index, n in enumerate(other.bins):
            if n:
                self._addToBin(index, n)
        for index, n in other.over.items():
            self._addToBin(index, n)
        self.count += other.count
        self.total += other.total
        if other.maximum is not None and (self.maximum is None or other.maximum > self.maximum):
            self.maximum = other.maximum

    def percentile(self, p: float) -> Optional[float]:
        """
        The nearest-rank percentile: the smallest sample that at least
        C{p} % of the samples do not exceed, to the bin's 0.1 ms.

        @param p: from 0 to 100.
        @return: milliseconds, or C{None} without samples.
        """
        if not self.count:
            return None
        rank = max(1, -(-self.count * p // 100))
        seen = 0
        for index, n in enumerate(self.bins):
            seen += n
            if seen >= rank:
                return round(index / self.resolution, 1)
        for index in sorted(self.over):
            seen += self.over[index]
            if seen >= rank:
                break
        return round(index / self.resolution, 1)

    def summary(self, percentiles=(50, 95, 99)) -> dict:
        """
        @return: C{{"p50": ..., "p95": ..., "p99": ..., "mean": ...,
            "max": ..., "samples": n}}, times in ms (C{None} without
            samples).
        """
        result = {"p%g" % (p,): self.percentile(p) for p in percentiles}
        result["mean"] = round(self.total / self.count, 1) if self.count else None
        result["max"] = round(self.maximum, 1) if self.maximum is not None else None
        result["samples"] = self.count
        return result


class BotProtocol(WebSocketClientProtocol):
    """
    The connection of one L{Bot}: joins, reads the welcome, patches and
    errors, and tells its L{Swarm} what happened.
    """

    def __init__(self, swarm: "Swarm", bot: Bot, host: str, path: str):
        super().__init__(host, path)
        self.swarm = swarm
        self.bot = bot
        self.seconds = swarm.clock.seconds
        self.lastPatchAt = None
        self.leaving = False
        self.connector = None

    def connectionOpened(self):
        message = {"t": "join", "access": self.bot.access}
        if self.swarm.mapName:
            message["map"] = self.swarm.mapName
        self.sendMessage(cbor2.dumps(message))

    def messageReceived(self, opcode: int, payload: bytes):
        try:
            if isPatch(payload):
                self.patchReceived(*patchProgress(payload))
                return
            message = cbor2.loads(payload)
            kind = message.get("t")
            if kind == "p":
                self.patchReceived(message.get("ack"), message.get("q"))
            elif kind == "welcome":
                self.welcomeReceived(message)
            elif kind == "error":
                self.errorReceived(message)
        except Exception:
            # A malformed message costs the bot nothing but a count.
            self.swarm.badMessages += 1

    def patchReceived(self, ack: Optional[int], queued: Optional[int] = None):
        """
        Time the patch and the steps it acknowledges, and, as the protocol
        advises, answer an acknowledgement with the steps taken since the
        last send (patches leave right after the server's tick, so the
        batch arrives in time for the next ones), one step short when the
        server reports two or more waiting.
        """
        now = self.seconds()
        swarm = self.swarm
        bot = self.bot
        if swarm.measuring:
            if self.lastPatchAt is not None:
                swarm.patchGaps.record((now - self.lastPatchAt) * 1000.0)
            if ack is not None:
                bot.acknowledge(ack, now, swarm.echoes.record)
        elif ack is not None:
            bot.acknowledge(ack, now, None)
        self.lastPatchAt = now
        if ack is not None and bot.walker is not None and swarm.sending:
            if isinstance(queued, int):
                bot.queueReported(queued)
            swarm.sendSteps(bot, now)

    def welcomeReceived(self, message: dict):
        if self.bot.state != "joining":
            return
        ack = message.get("ack", -1)
        self.bot.start(self.seconds(), ack if isinstance(ack, int) else -1)
        self.swarm.botJoined(self.bot)

    def errorReceived(self, message: dict):
        code = str(message.get("code"))
        self.swarm.errors[code] += 1
        if self.bot.state == "joining":
            # An error before the welcome answers the join.
            self.swarm.joinFailed(self.bot, "error:" + code)

    def leave(self):
        """
        Leave on purpose: send C{leave}, then close.
        """
        self.leaving = True
        if self.open:
            self.sendMessage(cbor2.dumps({"t": "leave"}))
            self.sendClose(1000)
        else:
            _dropConnection(self)

    def closeReceived(self, code, reason):
        if code is not None:
            self.swarm.closeCodes[str(code)] += 1

    def handshakeFailed(self, reason: str):
        self.swarm.joinFailed(self.bot, "handshake: " + reason)

    def connectFailed(self, reason):
        """
        The TCP connection could not be made.

        @param reason: a L{Failure}.
        """
        self.connector = None
        if reason.check(ConnectionRefusedError):
            why = "refused"
        elif reason.check(TimeoutError):
            why = "timeout"
        else:
            why = "connect: " + reason.type.__name__
        self.swarm.joinFailed(self.bot, why)
        self.swarm.botClosed(self.bot, True)

    def connectionLost(self, reason):
        WebSocketClientProtocol.connectionLost(self, reason)
        self.swarm.botClosed(self.bot, self.leaving)


def _dropConnection(protocol: BotProtocol):
    """
    Drop a bot's connection at once, whether it is connected or still
    connecting.
    """
    protocol.leaving = True
    protocol.open = False
    if protocol.transport is not None:
        if not protocol._lost:
            protocol._lost = True
            protocol._socket = None
            protocol.transport.abortConnection()
    elif protocol.connector is not None:
        connector, protocol.connector = protocol.connector, None
        try:
            # Fails the attempt, which calls connectFailed.
            connector.stopConnecting()
        except NotConnectingError:
            pass


class _BotFactory(ClientFactory):
    noisy = False

    def __init__(self, protocol: BotProtocol):
        self.botProtocol = protocol

    def buildProtocol(self, addr):
        return self.botProtocol

    def clientConnectionFailed(self, connector, reason):
        self.botProtocol.connectFailed(reason)


def signInBots(reactor, baseUrl: str, bots, concurrency: int = 16) -> Deferred:
    """
    Sign every bot in as a guest (C{POST /api/auth/guest}) and keep its
    access token for joining, a few at a time.  The server must allow that
    many sign-ins a minute from this address (its C{--sign-in-limit}).

    @return: a L{Deferred} that fires when all are signed in, or fails
        with L{RuntimeError} naming the first refusal.
    """
    import json
    from io import BytesIO

    from twisted.internet.defer import DeferredSemaphore, gatherResults
    from twisted.web.client import Agent, FileBodyProducer, HTTPConnectionPool, readBody
    from twisted.web.http_headers import Headers

    pool = HTTPConnectionPool(reactor)
    pool.maxPersistentPerHost = concurrency
    agent = Agent(reactor, pool=pool)
    url = (baseUrl.rstrip("/") + "/api/auth/guest").encode("ascii")
    headers = Headers({b"content-type": [b"application/json"]})
    semaphore = DeferredSemaphore(concurrency)

    def signIn(bot):
        body = json.dumps({"name": bot.name, "avatar": bot.avatar}).encode("utf-8")
        answered = agent.request(b"POST", url, headers, FileBodyProducer(BytesIO(body)))

        def read(response):
            return readBody(response).addCallback(lambda content: (response.code, content))

        def keep(result):
            code, content = result
            if code != 200:
                raise RuntimeError("signing %s in: HTTP %d %s (a server started with a "
                                   "higher --sign-in-limit takes more bots)"
                                   % (bot.name, code, content[:200].decode("utf-8", "replace")))
            bot.access = json.loads(content)["accessToken"]

        return answered.addCallback(read).addCallback(keep)

    done = gatherResults([semaphore.run(signIn, bot) for bot in bots], consumeErrors=True)
    done.addErrback(lambda failure: failure.value.subFailure)
    return done.addBoth(lambda result: pool.closeCachedConnections().addCallback(
        lambda _: result))


def tcpConnector(reactor, host: str, port: int, timeout: float) -> Callable:
    """
    Make the C{connect} callable of a L{Swarm} that opens real TCP
    connections.

    @return: C{connect(protocol)}.
    """

    def connect(protocol: BotProtocol):
        protocol.connector = reactor.connectTCP(
            host, port, _BotFactory(protocol), timeout=timeout
        )

    return connect


class Swarm:
    """
    All the bots of a run, driven by one L{LoopingCall}.

    The loop ticks C{slots} times per 50 ms; each bot sits in one slot
    (its random phase) and sends its batch when its slot comes round, so
    every bot sends at 20 Hz and the server sees a steady stream instead of
    all the bots at once.  The same loop starts the joins, spread over the
    ramp, expires joins that take too long, and moves the run through its
    phases: ramp, measuring, stopping, done.

    @ivar measuring: C{True} during the measuring window.
    @ivar echoes: L{Histogram} of echo times.
    @ivar patchGaps: L{Histogram} of times between a bot's patches.
    """

    def __init__(
        self,
        clock,
        connect: Callable,
        clients: int,
        duration: float,
        ramp: Optional[float] = None,
        mapName: Optional[str] = None,
        seed: Optional[int] = None,
        host: str = "127.0.0.1:8080",
        path: str = "/ws",
        slots: int = 10,
        joinTimeout: float = 10.0,
        grace: float = 5.0,
        url: Optional[str] = None,
        cpuTimes: Callable = os.times,
        standAfter: Optional[float] = None,
    ):
        """
        @param clock: an L{IReactorTime}.
        @param connect: called with each L{BotProtocol} to connect it; it
            calls the protocol's C{connectFailed} on failure.
        @param clients: how many bots.
        @param duration: the measuring window, in seconds.
        @param ramp: seconds over which joins are spread; default
            C{min(10, clients / 100)}.
        @param mapName: the map bots ask for, or C{None} for the default.
        @param seed: seeds all the randomness of the walk.
        @param host: the C{Host} header.
        @param path: the WebSocket's path.
        @param slots: phase slots per 50 ms.
        @param joinTimeout: seconds a bot may take from connecting to its
            welcome before it counts as a join failure.
        @param grace: seconds the bots get to close after leaving.
        @param url: the server's URL, for the report.
        @param cpuTimes: returns C{os.times()}-like values.
        @param standAfter: seconds into the measuring window after which
            every bot stands still, connected and reading patches, until
            the window ends; C{None} to walk throughout.  Clients measured
            among the bots then see avatars that have been idle for long.
        """
        self.clock = clock
        self.connect = connect
        self.clients = clients
        self.duration = duration
        self.ramp = min(10.0, clients / 100.0) if ramp is None else ramp
        self.mapName = mapName
        self.host = host
        self.path = path
        self.slots = slots
        self.joinTimeout = joinTimeout
        self.grace = grace
        self.url = url
        self.cpuTimes = cpuTimes
        self.standAfter = standAfter
        self.standing = False
        rng = random.Random(seed)
        self.bots = [
            Bot(n, random.Random(rng.getrandbits(64)), rng.randrange(slots))
            for n in range(1, clients + 1)
        ]
        self.slotBots = [[] for _ in range(slots)]
        self.phase = "new"
        self.measuring = False
        self.echoes = Histogram()
        self.patchGaps = Histogram(limit=60000.0)
        self.errors = collections.Counter()
        self.closeCodes = collections.Counter()
        self.joinFailures = collections.Counter()
        self.joined = 0
        self.joinFailuresTotal = 0
        self.disconnects = 0
        self.badMessages = 0
        self.openConnections = 0
        self.measuredClients = 0
        self._nextJoin = 0
        self._joining = collections.deque()
        self._slot = 0
        self._loop = None
        self._deadline = None
        self._done = None
        self._startedAt = None
        self._stopAt = None
        self._windowStart = None
        self._windowEnd = None
        self._startCounters = None
        self._endCounters = None
        self._report = None

    def start(self) -> Deferred:
        """
        Start the run.

        @return: a L{Deferred} that fires with L{report} when the run is over.
        """
        self._done = Deferred()
        self._startedAt = self.clock.seconds()
        self.phase = "ramp"
        self._loop = LoopingCall.withCount(self._tick)
        self._loop.clock = self.clock
        self._loop.start(SEND_INTERVAL / self.slots, now=True).addErrback(
            self._loopFailed
        )
        # Whatever the server does, the run ends.
        self._deadline = self.clock.callLater(
            self.ramp + self.joinTimeout + self.duration + self.grace + 5.0,
            self._finish,
        )
        return self._done

    def _loopFailed(self, failure):
        log.failure("load test loop failed", failure)
        self._finish()

    def _tick(self, count: int):
        now = self.clock.seconds()
        if self.phase == "ramp":
            self._startJoins(now)
        self._expireJoins(now)
        if self.phase in ("ramp", "measuring"):
            for _ in range(min(count, self.slots)):
                self._sendSlot(self._slot, now)
                self._slot = (self._slot + 1) % self.slots
        self._advancePhase(now)

    def _startJoins(self, now: float):
        elapsed = now - self._startedAt
        while self._nextJoin < self.clients and (
            self.ramp <= 0 or elapsed >= self.ramp * self._nextJoin / self.clients
        ):
            bot = self.bots[self._nextJoin]
            self._nextJoin += 1
            bot.state = "joining"
            bot.joinStartedAt = now
            bot.protocol = BotProtocol(self, bot, self.host, self.path)
            self._joining.append(bot)
            self.openConnections += 1
            try:
                self.connect(bot.protocol)
            except Exception:
                log.failure("connecting {name}", name=bot.name)
                self.joinFailed(bot, "connect")

    def _expireJoins(self, now: float):
        joining = self._joining
        while joining:
            bot = joining[0]
            if bot.state != "joining":
                joining.popleft()
            elif now - bot.joinStartedAt >= self.joinTimeout:
                joining.popleft()
                self.joinFailed(bot, "timeout")
            else:
                return

    @property
    def sending(self) -> bool:
        return self.phase in ("ramp", "measuring")

    def _sendSlot(self, slot: int, now: float):
        """
        The 50 ms beat of the bots in C{slot}: each may pick a new heading,
        and sends its steps if it has not lately.  A bot waiting for steps
        it sent to be acknowledged leaves sending to the patch that will
        acknowledge them, unless it is overdue: a beat that happened to come
        just before each patch would otherwise send every batch a little
        too early for the server's next tick, a patch period late.
        """
        standing = self.standing
        for bot in self.slotBots[slot]:
            if bot.walker is None:
                continue
            if standing:
                bot.walker.heading = 0
            else:
                bot.walker.advance()
            wait = PATCH_OVERDUE if bot.pending else SEND_INTERVAL * 0.9
            if now - bot.lastSentAt >= wait:
                self.sendSteps(bot, now)

    def sendSteps(self, bot: Bot, now: float):
        """
        Send C{bot}'s steps taken since its last send, if any.
        """
        try:
            batch = bot.takeSteps(now)
            if batch is not None:
                bot.protocol.sendMessage(
                    cbor2.dumps({"t": "in", "seq": batch[0], "steps": batch[1]})
                )
        except Exception:
            log.failure("sending steps of {name}", name=bot.name)

    def _advancePhase(self, now: float):
        if self.phase == "ramp":
            if (
                self._nextJoin == self.clients
                and not self._joining
                and now - self._startedAt >= self.ramp
            ):
                self._startWindow(now)
        if self.phase == "measuring":
            if self.standAfter is not None and now - self._windowStart >= self.standAfter:
                self.standing = True
            if now - self._windowStart >= self.duration or not self.openConnections:
                self._stop(now)
        if self.phase == "stopping":
            if not self.openConnections or now - self._stopAt >= self.grace:
                self._finish()

    def _counters(self):
        received = receivedFrames = sent = sentFrames = steps = 0
        for bot in self.bots:
            protocol = bot.protocol
            if protocol is not None:
                received += protocol.bytesReceived
                receivedFrames += protocol.framesReceived
                sent += protocol.bytesSent
                sentFrames += protocol.framesSent
            steps += bot.stepsSent
        times = self.cpuTimes()
        return {
            "received": received,
            "receivedFrames": receivedFrames,
            "sent": sent,
            "sentFrames": sentFrames,
            "steps": steps,
            "cpu": times[0] + times[1],
        }

    def _startWindow(self, now: float):
        self.phase = "measuring"
        self.measuring = True
        self._windowStart = now
        self.measuredClients = sum(len(bots) for bots in self.slotBots)
        self._startCounters = self._counters()

    def _endWindow(self, now: float):
        if self.measuring:
            self.measuring = False
            self._windowEnd = now
            self._endCounters = self._counters()

    def _stop(self, now: float):
        self._endWindow(now)
        self.phase = "stopping"
        self._stopAt = now
        for bot in self.bots:
            if bot.protocol is not None and bot.state in ("joining", "joined"):
                bot.state = "leaving"
                bot.protocol.leave()

    def _finish(self):
        if self.phase == "done":
            return
        now = self.clock.seconds()
        self._endWindow(now)
        self.phase = "done"
        if self._loop is not None and self._loop.running:
            self._loop.stop()
        if self._deadline is not None and self._deadline.active():
            self._deadline.cancel()
        for bot in self.bots:
            protocol = bot.protocol
            if protocol is None or bot.state in ("new", "failed", "closed"):
                continue
            bot.state = "leaving"
            _dropConnection(protocol)
        self._report = self.report()
        if self._done is not None:
            self._done.callback(self._report)

    def botJoined(self, bot: Bot):
        """
        A bot got its welcome: it starts sending.
        """
        bot.state = "joined"
        self.joined += 1
        self.slotBots[bot.slot].append(bot)

    def joinFailed(self, bot: Bot, reason: str):
        """
        A bot could not join; it is dropped.

        @param reason: what went wrong, counted in C{join_failure_reasons}.
        """
        if bot.state != "joining":
            return
        bot.state = "failed"
        self.joinFailuresTotal += 1
        self.joinFailures[reason] += 1
        if bot.protocol is not None:
            _dropConnection(bot.protocol)

    def botClosed(self, bot: Bot, leaving: bool):
        """
        A bot's connection is gone.

        @param leaving: C{True} if the bot was leaving on purpose.
        """
        if bot.state == "joining":
            self.joinFailed(bot, "closed")
        elif bot.state == "joined" and not leaving:
            self.disconnects += 1
        if bot.state == "joined":
            self.slotBots[bot.slot].remove(bot)
        if bot.state != "failed":
            bot.state = "closed"
        self.openConnections -= 1

    def report(self) -> dict:
        """
        The figures of the run.

        Rates, C{steps_sent}, C{echo_ms}, C{patch_gap_ms} and
        C{cpu_percent} cover the measuring window (C{duration_s} long,
        shorter if every bot was gone before its end), per bot that was
        joined when it began (C{measured_clients}).  Byte counts are whole
        WebSocket frames, headers included.  Counts of failures, errors
        and closes cover the whole run, ramp included.

        @return: a JSON-ready dict with C{clients}, C{joined},
            C{join_failures}, C{join_failure_reasons}, C{disconnects}
            (joined bots whose connection ended before they left),
            C{close_codes} (server close codes seen), C{errors} (C{error}
            messages by code), C{bad_messages} (undecodable ones),
            C{ramp_s}, C{duration_s}, C{measured_clients},
            C{bytes_per_client_per_s}, C{msgs_per_client_per_s} (frames
            received), C{sent_bytes_per_client_per_s},
            C{sent_msgs_per_client_per_s}, C{steps_sent}, C{echo_ms} and
            C{patch_gap_ms} (each C{p50}, C{p95}, C{p99}, C{mean}, C{max}
            and C{samples}), C{cpu_percent} (this process, of one core)
            and C{url}.
        """
        start, end = self._startCounters, self._endCounters
        if start is None or end is None or self._windowEnd is None:
            window = 0.0
            delta = dict.fromkeys(
                ("received", "receivedFrames", "sent", "sentFrames", "steps", "cpu"), 0
            )
        else:
            window = self._windowEnd - self._windowStart
            delta = {key: end[key] - start[key] for key in start}
        perClientSecond = self.measuredClients * window

        def rate(value):
            return round(value / perClientSecond, 2) if perClientSecond > 0 else 0.0

        return {
            "url": self.url,
            "clients": self.clients,
            "joined": self.joined,
            "join_failures": self.joinFailuresTotal,
            "join_failure_reasons": dict(self.joinFailures),
            "disconnects": self.disconnects,
            "close_codes": dict(self.closeCodes),
            "errors": dict(self.errors),
            "bad_messages": self.badMessages,
            "ramp_s": round(self.ramp, 3),
            "duration_s": round(window, 3),
            "measured_clients": self.measuredClients,
            "bytes_per_client_per_s": rate(delta["received"]),
            "msgs_per_client_per_s": rate(delta["receivedFrames"]),
            "sent_bytes_per_client_per_s": rate(delta["sent"]),
            "sent_msgs_per_client_per_s": rate(delta["sentFrames"]),
            "steps_sent": delta["steps"],
            "echo_ms": self.echoes.summary(),
            "patch_gap_ms": self.patchGaps.summary(),
            "cpu_percent": round(100.0 * delta["cpu"] / window, 1) if window > 0 else 0.0,
        }

    def samples(self) -> dict:
        """
        The echo times of the measuring window, every one, for merging
        with those of other processes: L{report} gives percentiles, which
        cannot be merged.

        @return: a JSON-ready dict: C{window_start} and C{window_end} (by
            the swarm's clock: seconds since the epoch with the reactor's;
            C{None} if the window never began), C{measured_clients}, and
            C{echo_ms}, the L{Histogram.asDict} of the echo times.
        """
        return {
            "window_start": self._windowStart,
            "window_end": self._windowEnd,
            "measured_clients": self.measuredClients,
            "echo_ms": self.echoes.asDict(),
        }


def writeSamples(swarm: Swarm, path: str):
    """
    Write L{Swarm.samples} to C{path} as one JSON object.

    @raise OSError: if the file cannot be written.
    """
    with open(path, "w") as f:
        json.dump(swarm.samples(), f)
        f.write("\n")


def humanSummary(report: dict) -> str:
    """
    A few lines for a person to read.

    @param report: a L{Swarm.report}.
    @return: text, without a final newline.
    """
    echo = report["echo_ms"]
    gap = report["patch_gap_ms"]
    return "\n".join(
        [
            "%d/%d bots joined (%d join failures), %d disconnects, %.1f s measured"
            % (
                report["joined"],
                report["clients"],
                report["join_failures"],
                report["disconnects"],
                report["duration_s"],
            ),
            "received per bot: %.0f B/s in %.1f msgs/s; sent %.0f B/s"
            % (
                report["bytes_per_client_per_s"],
                report["msgs_per_client_per_s"],
                report["sent_bytes_per_client_per_s"],
            ),
            "echo ms p50 %s p95 %s p99 %s; patch gap ms p50 %s p99 %s"
            % (echo["p50"], echo["p95"], echo["p99"], gap["p50"], gap["p99"]),
            "errors %s; bot process CPU %.1f%%"
            % (report["errors"] or "none", report["cpu_percent"]),
        ]
    )


class Options(usage.Options):
    """
    Command line of C{python -m ark.loadtest}.
    """

    synopsis = "Usage: python -m ark.loadtest [options]"
    longdesc = (
        "Runs bots that join the ark server at --url, random-walk for "
        "--duration seconds after a ramp, then leave; prints a JSON report "
        "as the last line."
    )

    optParameters = [
        ["url", None, "ws://127.0.0.1:8080/ws", "The server's WebSocket URL (ws://)."],
        ["clients", "c", 100, "How many bots.", int],
        ["duration", "d", 30.0, "Seconds measured after all bots joined.", float],
        ["ramp", None, None, "Seconds the joins are spread over "
         "(default: min(10, clients / 100)).", float],
        ["map", None, None, "The map the bots join (default: the server's)."],
        ["seed", None, None, "Seed of the bots' random walk.", int],
        ["stand-after", None, None, "Seconds into the measuring window after which every "
         "bot stands still, still connected, until the window ends (default: walk "
         "throughout).", float],
        ["samples", None, None, "A file to write the measuring window's echo times to, "
         "as JSON (a histogram of 0.1 ms bins, with the window's start and end in seconds "
         "since the epoch), so that the runs of several processes can be merged."],
    ]
    optFlags = [["json", None, "Print only the JSON report."]]

    def postOptions(self):
        if not 1 <= self["clients"] <= 100000:
            raise usage.UsageError("--clients must be from 1 to 100000")
        if not 0 < self["duration"] <= 86400:
            raise usage.UsageError("--duration must be above 0 and at most 86400")
        if self["ramp"] is not None and not 0 <= self["ramp"] <= 3600:
            raise usage.UsageError("--ramp must be from 0 to 3600")
        if self["stand-after"] is not None and not 0 <= self["stand-after"] <= 86400:
            raise usage.UsageError("--stand-after must be from 0 to 86400")
        url = urlsplit(self["url"])
        if url.scheme != "ws":
            raise usage.UsageError("--url must be a ws:// URL")
        try:
            port = url.port or 80
        except ValueError:
            raise usage.UsageError("--url has a bad port")
        if not url.hostname:
            raise usage.UsageError("--url has no host")
        self["host"] = url.hostname
        self["port"] = port
        self["hostHeader"] = url.netloc
        self["path"] = (url.path or "/") + ("?" + url.query if url.query else "")


def _raiseFileLimit(wanted: int):
    """
    Each bot holds a socket; the usual soft limit of 1024 files is too low.
    """
    try:
        import resource

        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        if soft != resource.RLIM_INFINITY and soft < wanted:
            target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    except (ImportError, ValueError, OSError):
        pass


def main(argv=None, stdout=None, stderr=None) -> int:
    """
    Run the load test from the command line.

    @param argv: the arguments, without the program name.
    @return: the exit status: 0 when the test ran, whatever it found; 1
        when the bots could not sign in or C{--samples} could not be
        written; 2 for bad arguments.
    """
    stdout = stdout or sys.stdout
    stderr = stderr or sys.stderr
    options = Options()
    try:
        options.parseOptions(sys.argv[1:] if argv is None else argv)
    except usage.UsageError as e:
        stderr.write("%s\n%s: error: %s\n" % (options, "ark.loadtest", e))
        return 2

    from twisted.internet import reactor
    from twisted.logger import (
        FilteringLogObserver,
        LogLevel,
        LogLevelFilterPredicate,
        globalLogBeginner,
        textFileLogObserver,
    )

    globalLogBeginner.beginLoggingTo(
        [
            FilteringLogObserver(
                textFileLogObserver(stderr),
                [LogLevelFilterPredicate(defaultLogLevel=LogLevel.warn)],
            )
        ],
        redirectStandardIO=False,
    )
    _raiseFileLimit(options["clients"] + 256)
    joinTimeout = 10.0
    swarm = Swarm(
        reactor,
        tcpConnector(reactor, options["host"], options["port"], joinTimeout),
        clients=options["clients"],
        duration=options["duration"],
        ramp=options["ramp"],
        mapName=options["map"],
        seed=options["seed"],
        host=options["hostHeader"],
        path=options["path"],
        joinTimeout=joinTimeout,
        url=options["url"],
        standAfter=options["stand-after"],
    )
    # Last resort if the reactor itself wedges: the process still ends.
    # Sign-ins come first: allow them a few milliseconds each.
    limit = swarm.ramp + joinTimeout + swarm.duration + swarm.grace + 30 + swarm.clients / 50
    if hasattr(signal, "SIGALRM"):

        def wedged(signum, frame):
            stderr.write("ark.loadtest: still running after %d s, giving up\n" % limit)
            stderr.flush()
            os._exit(1)

        signal.signal(signal.SIGALRM, wedged)
        signal.alarm(int(limit) + 1)

    reports = []

    def done(report):
        reports.append(report)
        if reactor.running:
            reactor.stop()

    def begin():
        stderr.write("ark.loadtest: signing %d bots in\n" % (swarm.clients,))
        signedIn = signInBots(reactor, "http://%s:%d" % (options["host"], options["port"]),
                              swarm.bots)
        signedIn.addCallbacks(joinAll, failed)

    def joinAll(_):
        stderr.write(
            "ark.loadtest: %d bots joining over %.1f s, then %.1f s measured\n"
            % (swarm.clients, swarm.ramp, swarm.duration)
        )
        swarm.start().addCallback(done)

    refused = []

    def failed(failure):
        refused.append(failure)
        stderr.write("ark.loadtest: %s\n" % (failure.getErrorMessage(),))
        if reactor.running:
            reactor.stop()

    reactor.callWhenRunning(begin)
    reactor.run()
    if hasattr(signal, "SIGALRM"):
        signal.alarm(0)
    if refused:
        return 1
    if not reports:
        # The reactor was stopped from outside, e.g. by a signal.
        swarm._finish()
        reports.append(swarm._report)
    report = reports[0]
    status = 0
    if options["samples"] is not None:
        try:
            writeSamples(swarm, options["samples"])
        except OSError as e:
            stderr.write("ark.loadtest: writing %s: %s\n" % (options["samples"], e))
            status = 1
    if not options["json"]:
        stdout.write(humanSummary(report) + "\n")
    stdout.write(json.dumps(report, sort_keys=True) + "\n")
    stdout.flush()
    return status


if __name__ == "__main__":
    sys.exit(main())
