"""
CBOR on the wire.

Whole messages are encoded with cbor2.  Patches are assembled instead from
pieces encoded once per patch and shared by every client that sees them:
a CBOR array is a length header followed by its items' encodings, so a
client's array of motions is the header for the total count joined with the
byte strings of the cells it watches, and a map is a header for its number
of pairs followed by keys and values.
"""

from __future__ import annotations

import struct

import cbor2

dumps = cbor2.dumps


def _header(majorType: int, length: int) -> bytes:
    # RFC 8949 section 3: the argument of a data item's initial byte.
    major = majorType << 5
    if length < 24:
        return bytes((major | length,))
    if length < 0x100:
        return bytes((major | 24, length))
    if length < 0x10000:
        return struct.pack(">BH", major | 25, length)
    if length < 0x100000000:
        return struct.pack(">BI", major | 26, length)
    return struct.pack(">BQ", major | 27, length)


def arrayHeader(length: int) -> bytes:
    return _header(4, length)


def mapHeader(length: int) -> bytes:
    return _header(5, length)


def encodeKey(key: str) -> bytes:
    return dumps(key)
