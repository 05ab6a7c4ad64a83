"""
Tests for L{ark.net.protocol}: the Autobahn edge, fed bytes through a
fake transport.
"""

import struct

import cbor2

from twisted.internet.testing import StringTransport
from twisted.trial.unittest import SynchronousTestCase

from ark.net.protocol import WorldFactory
from ark.world.movement import RIGHT

from tests.support import Harness, clientFrame, readable

HANDSHAKE = (
    b"GET /ws HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\n"
    b"Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
    b"Sec-WebSocket-Version: 13\r\n\r\n"
)


class ClosableTransport(StringTransport):
    """
    A string transport that, like a TCP transport, lets Autobahn
    unregister a producer it never registered when it closes.
    """

    def unregisterProducer(self):
        self.producer = None


def serverFrames(data):
    """
    Split what the server wrote into frames: C{(opcode, payload)}.
    """
    frames = []
    position = 0
    while position < len(data):
        opcode = data[position] & 0x0F
        length = data[position + 1] & 0x7F
        position += 2
        if length == 126:
            (length,) = struct.unpack(">H", data[position:position + 2])
            position += 2
        elif length == 127:
            (length,) = struct.unpack(">Q", data[position:position + 8])
            position += 8
        frames.append((opcode, data[position:position + length]))
        position += length
    return frames


class ConnectionTests(SynchronousTestCase):
    """
    Frames reach the session whichever path they take, and the rules of
    RFC 6455 still hold.
    """

    def setUp(self):
        self.harness = Harness()
        self.factory = WorldFactory(self.harness.rooms, self.harness.clock, self.harness.authority, self.harness.chat)
        self.protocol = self.factory.buildProtocol(None)
        self.transport = ClosableTransport()
        self.protocol.makeConnection(self.transport)
        self.protocol.dataReceived(HANDSHAKE)
        self.assertIn(b"101 Switching Protocols", self.transport.value())
        self.transport.clear()

    def messages(self):
        decoded = [
            readable(cbor2.loads(payload))
            for opcode, payload in serverFrames(self.transport.value())
            if opcode == 0x2
        ]
        self.transport.clear()
        return decoded

    def join(self):
        self.protocol.dataReceived(
            clientFrame(cbor2.dumps({"t": "join", "access": self.harness.accessToken()})))
        return self.messages()[0]

    def test_severalFramesInOneRead(self):
        """
        A read holding a join and two input batches is handled in order.
        """
        data = clientFrame(cbor2.dumps({"t": "join", "access": self.harness.accessToken()}))
        data += clientFrame(cbor2.dumps({"t": "in", "seq": 0, "steps": [RIGHT] * 3}))
        data += clientFrame(cbor2.dumps({"t": "in", "seq": 3, "steps": [RIGHT] * 3}))
        self.protocol.dataReceived(data)
        welcome = self.messages()[0]
        self.assertEqual(welcome["t"], "welcome")
        avatar = next(self.harness.rooms.views()).room.avatars[welcome["id"]]
        self.assertEqual((avatar.lastSeq, len(avatar.queue)), (5, 6))

    def test_frameSplitAcrossReads(self):
        """
        A frame arriving in pieces is put together before it is handled.
        """
        data = clientFrame(cbor2.dumps({"t": "join", "access": self.harness.accessToken()}))
        for index in range(len(data)):
            self.protocol.dataReceived(data[index:index + 1])
        self.assertEqual(self.messages()[0]["t"], "welcome")

    def test_largeFramesTakeAutobahnsPath(self):
        """
        A frame of 126 bytes or more is still delivered to the session
        (here refused as too large, which proves it arrived).
        """
        self.join()
        payload = cbor2.dumps({"t": "in", "seq": 0, "steps": [RIGHT] * 3, "pad": "x" * 5000})
        self.protocol.dataReceived(clientFrame(payload))
        self.assertEqual([m.get("code") for m in self.messages()], ["too_large"])

    def test_unmaskedFrameFailsTheConnection(self):
        """
        RFC 6455 requires client frames to be masked; an unmasked one
        closes the connection with a protocol error (1002).
        """
        self.join()
        self.protocol.dataReceived(
            clientFrame(cbor2.dumps({"t": "in", "seq": 0, "steps": [1]}), masked=False))
        closes = [p for opcode, p in serverFrames(self.transport.value()) if opcode == 0x8]
        self.assertEqual(struct.unpack(">H", closes[0][:2])[0], 1002)

    def test_textFrameIsRefused(self):
        """
        A text frame gets the C{text_frame} error.
        """
        self.protocol.dataReceived(clientFrame(b'{"t":"join"}', opcode=0x1))
        self.assertEqual([m.get("code") for m in self.messages()], ["text_frame"])

    def test_pingIsAnswered(self):
        """
        Control frames still work: a ping is answered with a pong.
        """
        self.join()
        self.protocol.dataReceived(clientFrame(b"hello", opcode=0x9))
        self.assertIn((0xA, b"hello"), serverFrames(self.transport.value()))

    def test_oversizedFrameIsClosedWith1009(self):
        """
        A frame beyond the hard limit closes the connection with 1009.
        """
        self.join()
        self.protocol.dataReceived(clientFrame(b"\x00" * (70 * 1024)))
        closes = [p for opcode, p in serverFrames(self.transport.value()) if opcode == 0x8]
        self.assertEqual(struct.unpack(">H", closes[0][:2])[0], 1009)

class TimeoutTests(SynchronousTestCase):
    """
    Autobahn's own timeouts run on the injected clock.
    """

    def test_connectionThatNeverUpgradesIsDropped(self):
        """
        A TCP connection that never completes the WebSocket handshake is
        dropped after the handshake timeout of the test clock.
        """
        harness = Harness()
        protocol = WorldFactory(harness.rooms, harness.clock, harness.authority, harness.chat).buildProtocol(None)
        transport = ClosableTransport()
        protocol.makeConnection(transport)
        protocol.dataReceived(b"GET /ws HTTP/1.1\r\n")
        harness.clock.advance(9)
        self.assertFalse(transport.disconnecting)
        harness.clock.advance(2)
        self.assertTrue(transport.disconnecting)


class ShutdownTests(SynchronousTestCase):
    """
    L{WorldFactory.closeAll} as the service calls it when stopping.
    """

    def test_oneFailingCloseDoesNotSpareTheOthers(self):
        """
        A connection that fails to close does not keep the others from
        being told the server is going away; the failure is logged.
        """
        closed = []

        class Session:
            def __init__(self, name, fails=False):
                self.name = name
                self.fails = fails

            def close(self, code, reason):
                if self.fails:
                    raise RuntimeError("transport gone")
                closed.append((self.name, code))

        harness = Harness()
        factory = WorldFactory(harness.rooms, harness.clock, harness.authority, harness.chat)
        factory.sessions.update([Session("a"), Session("broken", fails=True), Session("c")])
        factory.closeAll()
        self.assertEqual(sorted(closed), [("a", 1001), ("c", 1001)])
        self.assertEqual(len(self.flushLoggedErrors(RuntimeError)), 1)
