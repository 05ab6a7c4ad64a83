"""
Tests for L{ark.net.frames}: WebSocket frames at the byte level, as the
server's fast path and the load-test bots read and write them.
"""

from __future__ import annotations

import os
import random

from twisted.trial.unittest import SynchronousTestCase

from ark.net.frames import (
    OP_BINARY,
    OP_PING,
    OP_TEXT,
    applyMask,
    binaryFrameHeader,
    decodeFrame,
    encodeFrame,
)


class FrameTests(SynchronousTestCase):
    """
    Tests for L{encodeFrame}, L{decodeFrame}, L{binaryFrameHeader} and L{applyMask}.
    """

    def test_lengthsRoundTrip(self):
        """
        Payloads of 0, 125, 126, 65535 and 65536 bytes decode back as they
        were encoded, with the 7-, 16- or 64-bit length the RFC asks for.
        """
        for length, headerSize in [(0, 2), (125, 2), (126, 4), (65535, 4), (65536, 10)]:
            payload = bytes(random.Random(length).getrandbits(8) for _ in range(length))
            frame = encodeFrame(OP_BINARY, payload)
            self.assertEqual(len(frame), headerSize + length, length)
            self.assertEqual(
                decodeFrame(frame), (True, 0, OP_BINARY, False, payload, len(frame))
            )

    def test_maskedLengthsRoundTrip(self):
        """
        Masked frames carry the mask bit and key, differ from the payload on
        the wire, and decode back to the payload.
        """
        key = b"\x01\x02\x03\x04"
        for length, headerSize in [(0, 2), (125, 2), (126, 4), (65535, 4), (65536, 10)]:
            payload = b"a" * length
            frame = encodeFrame(OP_BINARY, payload, key)
            self.assertEqual(len(frame), headerSize + 4 + length)
            self.assertTrue(frame[1] & 0x80)
            self.assertEqual(frame[headerSize : headerSize + 4], key)
            if length:
                self.assertNotIn(payload, frame)
            self.assertEqual(
                decodeFrame(frame), (True, 0, OP_BINARY, True, payload, len(frame))
            )

    def test_rfcMaskedExample(self):
        """
        The masked "Hello" of RFC 6455 section 5.7 encodes byte for byte.
        """
        frame = encodeFrame(OP_TEXT, b"Hello", b"\x37\xfa\x21\x3d")
        self.assertEqual(
            frame, bytes.fromhex("818537fa213d7f9f4d5158")
        )

    def test_maskTwiceIsIdentity(self):
        """
        Masking is its own inverse, for lengths that are and are not
        multiples of four.
        """
        for length in range(0, 9):
            payload = bytes(range(length))
            masked = applyMask(payload, b"\xde\xad\xbe\xef")
            self.assertEqual(len(masked), length)
            self.assertEqual(applyMask(masked, b"\xde\xad\xbe\xef"), payload)

    def test_incompleteFrame(self):
        """
        Every proper prefix of a frame decodes to C{None}: more bytes are
        needed.
        """
        for length in (5, 200, 70000):
            frame = encodeFrame(OP_BINARY, b"x" * length, b"abcd")
            for cut in {0, 1, 2, 3, 5, 9, 11, len(frame) - 1} - {len(frame)}:
                self.assertIsNone(decodeFrame(frame[:cut]), (length, cut))

    def test_framesBackToBack(self):
        """
        Frames that follow each other decode one after the other from the
        offset the previous one ended at.
        """
        data = encodeFrame(OP_BINARY, b"one") + encodeFrame(OP_PING, b"two")
        first = decodeFrame(data)
        second = decodeFrame(data, first[-1])
        self.assertEqual(first[4], b"one")
        self.assertEqual((second[2], second[4], second[5]), (OP_PING, b"two", len(data)))

    def test_finAndReservedBits(self):
        """
        The decoder reports a cleared FIN bit and set reserved bits.
        """
        frame = bytes((0x40 | OP_TEXT, 1)) + b"x"
        self.assertEqual(decodeFrame(frame)[:3], (False, 4, OP_TEXT))

    def test_serverFramesOfEverySize(self):
        """
        Server frames use the 7-bit, 16-bit and 64-bit length forms at the
        sizes RFC 6455 prescribes.
        """
        for length, header in [
            (0, b"\x82\x00"),
            (125, b"\x82\x7d"),
            (126, b"\x82\x7e\x00\x7e"),
            (65535, b"\x82\x7e\xff\xff"),
            (65536, b"\x82\x7f\x00\x00\x00\x00\x00\x01\x00\x00"),
        ]:
            self.assertEqual(binaryFrameHeader(length), header)

    def test_unmaskUndoesMasking(self):
        """
        L{applyMask} inverts RFC 6455 masking for every length up to a few
        words.
        """
        mask = b"\x01\x80\xfe\x37"
        for length in range(0, 20):
            payload = os.urandom(length)
            masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
            self.assertEqual(applyMask(masked, mask), payload)
