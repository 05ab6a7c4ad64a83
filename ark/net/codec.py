"""
CBOR on the wire.

Whole messages are encoded with cbor2.  Patches are assembled instead from
pieces encoded once per patch and shared by every client that sees them:
a CBOR array is a length header followed by its items' encodings, so a
client's array of motions is the header for the total count joined with the
byte strings of the cells it watches.
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


class Pieces:
    """
    Items of a CBOR array, already encoded, with their count.
    """

    __slots__ = ("count", "chunks")

    def __init__(self):
        self.count = 0
        self.chunks = []

    def append(self, encodedItem: bytes) -> None:
        self.count += 1
        self.chunks.append(encodedItem)

    def extend(self, other: "Pieces") -> None:
        self.count += other.count
        self.chunks.extend(other.chunks)

    def __bool__(self) -> bool:
        return self.count != 0

    def encode(self) -> bytes:
        return arrayHeader(self.count) + b"".join(self.chunks)


def assembleMap(fields) -> bytes:
    """
    Encode a CBOR map from C{(encodedKey, encodedValue)} pairs.
    """
    return mapHeader(len(fields)) + b"".join(k + v for k, v in fields)
