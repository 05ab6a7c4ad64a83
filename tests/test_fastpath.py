"""
The WebSocket fast path of L{ark.net.protocol} over real loopback TCP, with
the installed Autobahn and Twisted: small input frames go straight to the
session and everything else through Autobahn, in the order sent, however
TCP cuts the bytes; patches larger than the socket's buffers arrive whole
and in order.  The fast path leans on private attributes of both
libraries, so what it assumes of them is checked here too: an upgrade that
changes them fails these tests, not the server.
"""

import random
import socket
import struct

import cbor2

from autobahn.twisted.resource import WebSocketResource
from autobahn.twisted.websocket import WebSocketServerProtocol
from twisted.internet import defer, endpoints, protocol, reactor, task, tcp
from twisted.trial.unittest import TestCase
from twisted.web.resource import Resource
from twisted.web.server import Site

from ark.chat.filter import ChatFilter
from ark.chat.service import ChatService
from ark.identity.authority import Authority
from ark.identity.presence import InProcessPresence
from ark.net.protocol import WorldFactory, WorldProtocol
from ark.net.session import Session
from ark.rooms import RoomManager

from tests.support import clientFrame, openMap

SECRET = b"a test secret long enough for HMAC-SHA256"

HANDSHAKE = (
    b"GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
    b"Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
    b"Sec-WebSocket-Version: 13\r\n\r\n"
)

OP_CONTINUATION, OP_BINARY, OP_TEXT, OP_CLOSE, OP_PING, OP_PONG = 0, 2, 1, 8, 9, 10

def act(number, pad=0):
    """
    An C{act} message numbered C{number}: outside zones it does nothing
    and is answered by nothing, so the session's record alone shows it
    arrived.  C{pad} bytes of padding make it a large frame.
    """
    message = {"t": "act", "n": number}
    if pad:
        message["pad"] = "x" * pad
    return cbor2.dumps(message)


class RawClient(protocol.Protocol):
    """
    A WebSocket client at the byte level: it writes exactly the bytes a
    test gives it and splits what the server sends into frames.
    """

    def __init__(self):
        self.buffer = b""
        self.upgraded = defer.Deferred()
        self.frames = []
        self.lost = defer.Deferred()
        self._waiting = []

    def connectionMade(self):
        self.transport.setTcpNoDelay(True)
        self.transport.write(HANDSHAKE)

    def dataReceived(self, data):
        self.buffer += data
        if not self.upgraded.called:
            head, found, rest = self.buffer.partition(b"\r\n\r\n")
            if not found:
                return
            self.buffer = rest
            self.upgraded.callback(head)
        position = 0
        while True:
            parsed = self._frameAt(position)
            if parsed is None:
                break
            position, frame = parsed
            self.frames.append(frame)
        self.buffer = self.buffer[position:]
        for entry in list(self._waiting):
            if len(self.frames) >= entry[0]:
                self._waiting.remove(entry)
                entry[1].callback(self.frames[:entry[0]])

    def _frameAt(self, position):
        data = self.buffer
        if len(data) - position < 2:
            return None
        first, second = data[position], data[position + 1]
        assert not second & 0x80, "a server frame is masked"
        length = second & 0x7F
        start = position + 2
        if length == 126:
            if len(data) < start + 2:
                return None
            (length,) = struct.unpack("!H", data[start:start + 2])
            start += 2
        elif length == 127:
            if len(data) < start + 8:
                return None
            (length,) = struct.unpack("!Q", data[start:start + 8])
            start += 8
        if len(data) < start + length:
            return None
        return start + length, (bool(first & 0x80), first & 0x0F, data[start:start + length])

    def framesReceived(self, count):
        """
        Fires with the first C{count} frames once they have arrived.
        """
        if len(self.frames) >= count:
            return defer.succeed(self.frames[:count])
        waiting = (count, defer.Deferred())
        self._waiting.append(waiting)
        return waiting[1]

    def connectionLost(self, reason):
        self.lost.callback(None)


class LoopbackWorld:
    """
    A L{WorldFactory} behind a twisted.web site on a loopback port, as the
    real site mounts it, recording what reaches each session and by
    which path.

    @ivar received: C{(payload, path)} for every message handed to a
        session, C{path} being C{"fast"} or C{"autobahn"}.
    @ivar reads: the size of every read the server's protocol was given.
    """

    def __init__(self, testCase):
        self.testCase = testCase
        worldMap = openMap(40, 40, name="open.tmj")
        self.rooms = RoomManager({worldMap.name: worldMap}, worldMap.name, capacity=10,
                                 viewRadius=480, holdSeconds=30, clock=reactor)
        # Last of the cleanups: once every connection is gone, release the
        # avatars their drops left held.
        testCase.addCleanup(self.rooms.stop)
        self.authority = Authority(None, InProcessPresence(reactor), SECRET, reactor)
        chat = ChatService(None, self.rooms, ChatFilter(), reactor)
        self.factory = WorldFactory(self.rooms, reactor, self.authority, chat)
        root = Resource()
        root.putChild(b"ws", WebSocketResource(self.factory))
        self.site = Site(root)
        self.received = []
        self.reads = []
        self.protocols = []
        self._readWaiters = []
        self._opened = []
        self._closed = {}
        self._record(testCase)

    def _record(self, testCase):
        world = self
        viaAutobahn = [False]
        received = Session.received

        def recordingReceived(session, payload, isBinary):
            world.received.append((payload, "autobahn" if viaAutobahn[0] else "fast"))
            return received(session, payload, isBinary)

        onMessageEnd = WorldProtocol.onMessageEnd

        def recordingOnMessageEnd(protocol):
            viaAutobahn[0] = True
            try:
                return onMessageEnd(protocol)
            finally:
                viaAutobahn[0] = False

        onOpen = WorldProtocol.onOpen

        def recordingOnOpen(protocol):
            onOpen(protocol)
            world.protocols.append(protocol)
            world._closed[protocol] = defer.Deferred()
            dataReceived = protocol.dataReceived

            def countingDataReceived(data):
                world.reads.append(len(data))
                dataReceived(data)
                for entry in list(world._readWaiters):
                    if sum(world.reads) >= entry[0]:
                        world._readWaiters.remove(entry)
                        entry[1].callback(None)

            protocol.dataReceived = countingDataReceived
            for waiting in world._opened:
                waiting.callback(protocol)
            del world._opened[:]

        connectionLost = WorldProtocol.connectionLost

        def recordingConnectionLost(protocol, reason):
            connectionLost(protocol, reason)
            closed = world._closed.get(protocol)
            if closed is not None and not closed.called:
                closed.callback(None)

        testCase.patch(Session, "received", recordingReceived)
        testCase.patch(WorldProtocol, "onMessageEnd", recordingOnMessageEnd)
        testCase.patch(WorldProtocol, "onOpen", recordingOnOpen)
        testCase.patch(WorldProtocol, "connectionLost", recordingConnectionLost)

    @defer.inlineCallbacks
    def listen(self):
        endpoint = endpoints.TCP4ServerEndpoint(reactor, 0, interface="127.0.0.1")
        self.port = yield endpoint.listen(self.site)
        self.testCase.addCleanup(self.port.stopListening)

    @defer.inlineCallbacks
    def connect(self):
        """
        A L{RawClient} whose WebSocket is open, with the server's
        L{WorldProtocol} for it.
        """
        opened = defer.Deferred()
        self._opened.append(opened)
        client = RawClient()
        endpoint = endpoints.TCP4ClientEndpoint(reactor, "127.0.0.1", self.port.getHost().port)
        yield endpoints.connectProtocol(endpoint, client)
        head = yield client.upgraded
        assert head.startswith(b"HTTP/1.1 101"), head
        server = yield opened
        self.testCase.addCleanup(self.disconnect, client, server)
        return client, server

    def disconnect(self, client, server):
        client.transport.loseConnection()
        return defer.gatherResults([client.lost, self._closed[server]])

    def readUpTo(self, total):
        """
        Fires once the server's protocol has been given C{total} bytes in
        all since the WebSocket opened.
        """
        if sum(self.reads) >= total:
            return defer.succeed(None)
        waiting = (total, defer.Deferred())
        self._readWaiters.append(waiting)
        return waiting[1]

    def join(self, client, name="ada"):
        access = self.authority.issueAccess({"id": 1, "name": name, "avatar": "fox"}, "family")
        client.transport.write(clientFrame(cbor2.dumps({"t": "join", "access": access})))
        return client.framesReceived(1)

    def messages(self, path=None):
        """
        The payloads sessions were handed after the join, with their paths.
        """
        return [(cbor2.loads(payload).get("n"), way) for payload, way in self.received[1:]
                if path is None or way == path]


def waitingBytes(transport):
    """
    How many bytes wait, unread, in the kernel for C{transport}'s socket.
    """
    try:
        return len(transport.getHandle().recv(1 << 20, socket.MSG_PEEK | socket.MSG_DONTWAIT))
    except BlockingIOError:
        return 0


@defer.inlineCallbacks
def until(condition):
    """
    Fires once C{condition()} is true, looking again at every turn of the
    reactor (the test's timeout bounds the wait).
    """
    while not condition():
        yield task.deferLater(reactor, 0.001, lambda: None)


class IncomingTests(TestCase):
    """
    What clients send reaches the session in order, by the right path.
    """

    timeout = 20

    @defer.inlineCallbacks
    def setUp(self):
        self.world = LoopbackWorld(self)
        yield self.world.listen()
        self.client, self.server = yield self.world.connect()
        welcome = yield self.world.join(self.client)
        self.assertEqual(cbor2.loads(welcome[0][2])["t"], "welcome")
        self.sent = sum(self.world.reads)

    @defer.inlineCallbacks
    def send(self, data):
        """
        Write C{data} in one go and wait until the server has read it all.
        """
        self.client.transport.write(data)
        self.sent += len(data)
        yield self.world.readUpTo(self.sent)

    @defer.inlineCallbacks
    def test_mixedWithFramesForAutobahn(self):
        """
        Small frames, each read on its own, take the fast path between a
        ping, a fragmented message with a ping inside it, a large frame and
        a frame split across two reads, which all go through Autobahn; the
        session gets every message once, in the order sent, and both pings
        are answered.
        """
        yield self.send(clientFrame(act(0)))
        yield self.send(clientFrame(b"first", opcode=OP_PING))
        yield self.send(clientFrame(act(1)))
        fragmented = act(2, pad=20)
        yield self.send(clientFrame(fragmented[:9], fin=False))
        yield self.send(clientFrame(b"second", opcode=OP_PING))
        yield self.send(clientFrame(fragmented[9:], opcode=OP_CONTINUATION))
        yield self.send(clientFrame(act(3)))
        yield self.send(clientFrame(act(4, pad=300)))
        yield self.send(clientFrame(act(5)))
        split = clientFrame(act(6))
        yield self.send(split[:5])
        yield self.send(split[5:])
        yield self.send(clientFrame(act(7)))

        self.assertEqual(self.world.messages(), [
            (0, "fast"), (1, "fast"), (2, "autobahn"), (3, "fast"), (4, "autobahn"),
            (5, "fast"), (6, "autobahn"), (7, "fast"),
        ])
        # The pongs, and nothing else: no message was refused.
        frames = yield self.client.framesReceived(3)
        self.assertEqual(frames[1:], [(True, OP_PONG, b"first"), (True, OP_PONG, b"second")])
        self.assertFalse(self.server.session.closed)

    @defer.inlineCallbacks
    def test_manyFramesInOneRead(self):
        """
        Thirty small frames coalesced into one read all take the fast path,
        in order; a frame cut off at the end of that read is finished by
        Autobahn with the next read, and the fast path takes over again.
        """
        self.server.transport.pauseProducing()
        frames = b"".join(clientFrame(act(n)) for n in range(30))
        tail = clientFrame(act(30))
        self.client.transport.write(frames + tail[:4])
        expected = len(frames) + 4
        yield until(lambda: waitingBytes(self.server.transport) >= expected)
        reads = len(self.world.reads)
        self.server.transport.resumeProducing()
        self.sent += expected
        yield self.world.readUpTo(self.sent)
        self.assertEqual(self.world.reads[reads:], [expected])

        yield self.send(tail[4:] + clientFrame(act(31)))
        yield self.send(clientFrame(act(32)))
        self.assertEqual(self.world.messages(),
                         [(n, "fast") for n in range(30)]
                         + [(30, "autobahn"), (31, "autobahn"), (32, "fast")])

    @defer.inlineCallbacks
    def test_frameSplitByteByByte(self):
        """
        A small frame arriving one byte per read is put together by
        Autobahn and handed over once, whole.
        """
        frame = clientFrame(act(0))
        for index in range(len(frame)):
            yield self.send(frame[index:index + 1])
        yield self.send(clientFrame(act(1)))
        self.assertEqual(self.world.messages(), [(0, "autobahn"), (1, "fast")])

    @defer.inlineCallbacks
    def test_restOfAFrameThatLooksLikeAFrame(self):
        """
        Bytes that continue a frame Autobahn has begun are never read as a
        frame of their own, even when they look like one: not after a cut
        in the header (here the next read starts C{0x82 0x80}, an empty
        binary frame's header), nor inside a payload.
        """
        payload = act(0)
        key = bytes((payload[0] ^ 0x80, 1, 2, 0x82))
        frame = clientFrame(payload, key=key)
        self.assertEqual(frame[5:7], b"\x82\x80")
        yield self.send(frame[:5])
        yield self.send(frame[5:])

        payload = act(1, pad=200)
        cut = payload.index(b"x" * 8)
        cut += -cut % 4
        key = bytes((ord("x") ^ 0x82, ord("x") ^ 0x80, 3, 4))
        frame = clientFrame(payload, key=key)
        start = len(frame) - len(payload) + cut
        self.assertEqual(frame[start:start + 2], b"\x82\x80")
        yield self.send(frame[:start])
        yield self.send(frame[start:])
        yield self.send(clientFrame(act(2)))
        self.assertEqual(self.world.messages(), [(0, "autobahn"), (1, "autobahn"), (2, "fast")])
        self.assertEqual(len(self.client.frames), 1)

    @defer.inlineCallbacks
    def test_restOfAPingThatLooksLikeAFrame(self):
        """
        The same inside a control frame, which Autobahn reads outside any
        message: the rest of a ping is the ping's, and its pong carries it
        whole.
        """
        key = b"\x11\x22\x33\x44"
        wire = b"\x01\x02\x82\x80\x00\x00\x00\x00zz"
        payload = bytes(b ^ key[i % 4] for i, b in enumerate(wire))
        frame = clientFrame(payload, opcode=OP_PING, key=key)
        yield self.send(frame[:8])
        yield self.send(frame[8:])
        yield self.send(clientFrame(act(0)))
        frames = yield self.client.framesReceived(2)
        self.assertEqual(frames[1], (True, OP_PONG, payload))
        self.assertEqual(self.world.messages(), [(0, "fast")])
        self.assertEqual(len(self.client.frames), 2)

    @defer.inlineCallbacks
    def test_messageInsideAFragmentedMessageIsAProtocolError(self):
        """
        A whole binary frame between the fragments of a message breaks RFC
        6455 (section 5.4): the connection is failed with 1002, small as
        the frame is, and the session is not handed it.
        """
        yield self.send(clientFrame(act(0, pad=20)[:6], fin=False))
        self.client.transport.write(clientFrame(act(1)))
        frames = yield self.client.framesReceived(2)
        self.assertEqual(frames[1][1], OP_CLOSE)
        self.assertEqual(struct.unpack("!H", frames[1][2][:2]), (1002,))
        self.assertEqual(self.world.messages(), [])
        # Answer the close, as a client does, and the server hangs up.
        self.client.transport.write(clientFrame(frames[1][2][:2], opcode=OP_CLOSE))
        yield self.client.lost

    @defer.inlineCallbacks
    def test_closeFrameEndsTheConnection(self):
        """
        A close frame read with small frames before it goes to Autobahn,
        which answers it; the frames before it were handed over.
        """
        yield self.send(clientFrame(act(0)) + clientFrame(act(1))
                        + clientFrame(struct.pack("!H", 1000), opcode=OP_CLOSE))
        frames = yield self.client.framesReceived(2)
        self.assertEqual(frames[1][1], OP_CLOSE)
        self.assertEqual(struct.unpack("!H", frames[1][2][:2]), (1000,))
        self.assertEqual(self.world.messages(), [(0, "fast"), (1, "fast")])


class OutgoingTests(TestCase):
    """
    What the server sends, written straight to the socket when nothing is
    buffered and through Twisted's buffer when something is.
    """

    timeout = 30

    @defer.inlineCallbacks
    def test_framesLargerThanTheSocketBuffers(self):
        """
        While the client reads nothing, the server sends small and large
        frames until the socket's buffer is full and writes go out in
        part; more go out while Twisted is still writing out what it
        buffered; every frame arrives whole and in order, and with the
        buffer drained a frame goes straight out again.
        """
        world = LoopbackWorld(self)
        yield world.listen()
        client, server = yield world.connect()
        yield world.join(client)
        transport = server.transport
        # A small send buffer fills sooner (the client's receive buffer is
        # filled first, whatever its size).
        transport.getHandle().setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
        writes = []
        writeSomeData = transport.writeSomeData

        def recordingWriteSomeData(data):
            written = writeSomeData(data)
            writes.append((len(data), written))
            return written

        transport.writeSomeData = recordingWriteSomeData
        generator = random.Random(3)
        payloads = []

        def sendSome(count):
            for _ in range(count):
                size = generator.choice([0, 10, 100, 126, 70000, 300000])
                payload = cbor2.dumps({"t": "p", "n": len(payloads),
                                       "blob": generator.randbytes(size)})
                payloads.append(payload)
                server._send(payload)

        client.transport.pauseProducing()
        sendSome(30)
        self.assertTrue(transport._tempDataLen or transport.dataBuffer,
                        "the socket's buffer never filled")
        self.assertTrue(any(0 < written < size for size, written in writes),
                        "no write went out in part: %r" % (writes,))

        # A little room lets Twisted take its buffered frames in hand
        # (nothing waits in _tempDataLen, its dataBuffer holds them) and
        # fill the socket again.  Then the socket has room, but Twisted's
        # frames must still go first: more frames are sent, and must wait
        # behind them.
        transport.getHandle().setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 65536)
        yield until(lambda: not transport._tempDataLen
                    and len(transport.dataBuffer) > transport.offset)
        transport.getHandle().setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 1 << 20)
        sendSome(30)
        self.assertTrue(transport._tempDataLen)

        client.transport.resumeProducing()
        frames = yield client.framesReceived(1 + len(payloads))
        self.assertEqual([(fin, opcode) for fin, opcode, _ in frames[1:]],
                         [(True, OP_BINARY)] * len(payloads))
        self.assertEqual([cbor2.loads(payload)["n"] for _, _, payload in frames[1:]],
                         list(range(len(payloads))))
        self.assertEqual([payload for _, _, payload in frames[1:]], payloads)

        yield until(lambda: not transport._tempDataLen and not transport.dataBuffer)
        del writes[:]
        last = cbor2.dumps({"t": "p", "n": "last"})
        server._send(last)
        self.assertEqual(writes, [(len(last) + 2, len(last) + 2)])
        self.assertEqual((transport._tempDataLen, transport.dataBuffer), (0, b""))
        frames = yield client.framesReceived(2 + len(payloads))
        self.assertEqual(frames[-1], (True, OP_BINARY, last))


class AssumptionTests(TestCase):
    """
    The private state of Autobahn and Twisted the fast path reads exists
    and means what it assumes, on the installed versions.
    """

    timeout = 20

    @defer.inlineCallbacks
    def test_autobahnStateAtAndBetweenFrameBoundaries(self):
        """
        C{data}, C{current_frame} and C{inside_message} say "nothing
        pending" exactly at a frame boundary outside a fragmented message;
        C{_dataReceived} takes bytes; C{message_data}, C{message_is_binary}
        and C{failedByMe} are what L{WorldProtocol.onMessageEnd} reads.
        """
        world = LoopbackWorld(self)
        yield world.listen()
        client, server = yield world.connect()
        yield world.join(client)
        total = sum(world.reads)

        def idle():
            return (not server.data and server.current_frame is None
                    and not server.inside_message)

        self.assertEqual(server.state, WebSocketServerProtocol.STATE_OPEN)
        self.assertTrue(idle())
        self.assertTrue(callable(server._dataReceived))
        self.assertIs(server.failedByMe, False)

        large = clientFrame(act(0, pad=200))
        for piece in (large[:3], large[3:10]):
            client.transport.write(piece)
            total += len(piece)
            yield world.readUpTo(total)
            self.assertFalse(idle())
        client.transport.write(large[10:])
        total += len(large) - 10
        yield world.readUpTo(total)
        self.assertTrue(idle())

        seen = {}
        onMessageEnd = WorldProtocol.onMessageEnd

        def inspectingOnMessageEnd(protocol):
            seen["data"] = list(protocol.message_data)
            seen["binary"] = protocol.message_is_binary
            seen["failedByMe"] = protocol.failedByMe
            onMessageEnd(protocol)

        self.patch(WorldProtocol, "onMessageEnd", inspectingOnMessageEnd)
        payload = act(1, pad=20)
        first = clientFrame(payload[:5], fin=False)
        client.transport.write(first)
        total += len(first)
        yield world.readUpTo(total)
        self.assertTrue(server.inside_message)
        self.assertFalse(idle())
        rest = clientFrame(payload[5:], opcode=OP_CONTINUATION)
        client.transport.write(rest)
        total += len(rest)
        yield world.readUpTo(total)
        self.assertTrue(idle())
        self.assertEqual((b"".join(seen["data"]), seen["binary"], seen["failedByMe"]),
                         (payload, True, False))
        self.assertIsNone(server.message_data)

    @defer.inlineCallbacks
    def test_twistedTransportWriteBuffers(self):
        """
        The server's transport is a Twisted TCP connection whose
        C{writeSomeData} writes at once and answers how much went out,
        and whose C{_tempDataLen} and C{dataBuffer} show what
        C{write} left buffered until it is flushed.
        """
        world = LoopbackWorld(self)
        yield world.listen()
        client, server = yield world.connect()
        yield world.join(client)
        transport = server.transport
        self.assertIsInstance(transport, tcp.Server)
        self.assertEqual((transport._tempDataLen, transport.dataBuffer), (0, b""))
        self.assertTrue(transport.connected)
        self.assertFalse(transport.disconnecting)

        frame = struct.pack("!BB", 0x82, 3) + b"abc"
        self.assertEqual(transport.writeSomeData(frame), len(frame))
        transport.write(frame)
        self.assertEqual(transport._tempDataLen, len(frame))
        frames = yield client.framesReceived(3)
        self.assertEqual(frames[1:], [(True, OP_BINARY, b"abc")] * 2)
        self.assertEqual((transport._tempDataLen, transport.dataBuffer), (0, b""))
