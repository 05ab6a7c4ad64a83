"""
WebSocket frames (RFC 6455 section 5) at the byte level, for the two places
that handle frames without Autobahn: the server's fast path for small
input frames and patches (L{ark.net.protocol}) and the load-test bots
(L{ark.loadtest}).
"""

from __future__ import annotations

import struct
from typing import Optional

# RFC 6455 opcodes.
OP_CONTINUATION = 0x0
OP_TEXT = 0x1
OP_BINARY = 0x2
OP_CLOSE = 0x8
OP_PING = 0x9
OP_PONG = 0xA


def applyMask(payload: bytes, key: bytes) -> bytes:
    """
    XOR C{payload} with the repeated 4-byte masking C{key}.

    Masking and unmasking are the same operation.  Python's big integers
    do the XOR in C, which beats a byte loop by far even for short frames.

    @param payload: the bytes to mask.
    @param key: 4 bytes.
    @return: the masked bytes, as long as C{payload}.
    """
    n = len(payload)
    if not n:
        return b""
    repeated = (key * (n // 4 + 1))[:n]
    masked = int.from_bytes(payload, "big") ^ int.from_bytes(repeated, "big")
    return masked.to_bytes(n, "big")


def binaryFrameHeader(length: int) -> bytes:
    """
    The header of an unmasked, final, binary frame carrying C{length}
    bytes: what the server puts before each patch.
    """
    if length < 126:
        return bytes((0x82, length))
    if length < 0x10000:
        return struct.pack(">BBH", 0x82, 126, length)
    return struct.pack(">BBQ", 0x82, 127, length)


def encodeFrame(opcode: int, payload: bytes, maskKey: Optional[bytes] = None) -> bytes:
    """
    Encode one final (unfragmented) WebSocket frame.

    @param opcode: one of the C{OP_*} constants.
    @param payload: the application data.
    @param maskKey: 4 bytes to mask the payload with, as every frame a
        client sends must be; C{None} for an unmasked (server) frame.
    @return: the frame's bytes.
    """
    n = len(payload)
    first = 0x80 | opcode
    maskBit = 0x80 if maskKey is not None else 0
    if n < 126:
        header = bytes((first, maskBit | n))
    elif n < 0x10000:
        header = struct.pack("!BBH", first, maskBit | 126, n)
    else:
        header = struct.pack("!BBQ", first, maskBit | 127, n)
    if maskKey is None:
        return header + payload
    return header + maskKey + applyMask(payload, maskKey)


def decodeFrame(data: bytes, offset: int = 0):
    """
    Decode the WebSocket frame that starts at C{offset} in C{data}.

    @param data: received bytes.
    @param offset: where the frame starts.
    @return: C{None} if C{data} does not hold the whole frame yet, else
        C{(fin, rsv, opcode, masked, payload, end)}: C{fin} and C{masked}
        bools, C{rsv} the three reserved bits, C{payload} unmasked, C{end}
        the offset just after the frame.
    """
    size = len(data)
    if size - offset < 2:
        return None
    first = data[offset]
    second = data[offset + 1]
    length = second & 0x7F
    start = offset + 2
    if length == 126:
        if size < start + 2:
            return None
        length = int.from_bytes(data[start : start + 2], "big")
        start += 2
    elif length == 127:
        if size < start + 8:
            return None
        length = int.from_bytes(data[start : start + 8], "big")
        start += 8
    masked = bool(second & 0x80)
    if masked:
        if size < start + 4:
            return None
        key = data[start : start + 4]
        start += 4
    end = start + length
    if end > size:
        return None
    payload = data[start:end]
    if masked:
        payload = applyMask(payload, key)
    return (bool(first & 0x80), (first >> 4) & 7, first & 0x0F, masked, payload, end)
