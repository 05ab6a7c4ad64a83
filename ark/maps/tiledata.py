"""
Decoding the tiles of a tile layer (or of one chunk of an infinite map's
layer): a JSON list of GIDs, or base64 of little-endian 32-bit GIDs,
uncompressed or compressed with zlib, gzip or zstd, the choices Tiled
offers in a map's properties.

Compressed data is never decompressed past the size the layer says it
has, so a small hostile file cannot take all memory.
"""

from __future__ import annotations

import base64
import struct
import zlib
from typing import Mapping, Sequence

import zstandard

from ark.maps.fields import LIST, STRING, Invalid, at, field

__all__ = ["GID_MASK", "MAX_GID", "decodeData", "checkGids"]

# Tiled keeps a tile's flips (horizontal, vertical, anti-diagonal) and the
# hexagonal 120-degree rotation in the top four bits of its GID.  They say
# how to draw the tile, not which tile it is.
GID_MASK = 0x0FFFFFFF
MAX_GID = 0xFFFFFFFF

COMPRESSIONS = ("zlib", "gzip", "zstd")


def decodeData(
    container: Mapping[str, object],
    encoding: str,
    compression: str,
    expected: int,
    what: str,
    context: str,
) -> Sequence[int]:
    """
    Decode the C{data} of a finite tile layer or of a chunk.

    @param container: the layer's or chunk's JSON object.
    @param encoding: C{"csv"} (a JSON list of GIDs) or C{"base64"}.
    @param compression: for base64, C{""} or one of L{COMPRESSIONS}.
    @param expected: how many tiles the data must hold.
    @param what: names the data in error messages, e.g. C{"data"}.
    @param context: names the layer in error messages.
    @return: the GIDs, row by row; if from a list, not yet checked to be
        GIDs (see L{checkGids}).
    @raise Invalid: if the data cannot be decoded or has the wrong length.
    """
    if encoding == "csv":
        if compression:
            raise Invalid(at(context, f"compression {compression!r} needs base64 encoding"))
        gids = field(container, "data", LIST, context)
    elif encoding == "base64":
        raw = _unbase64(field(container, "data", STRING, context), context)
        raw = _decompress(raw, compression, expected * 4, what, context)
        if len(raw) % 4:
            raise Invalid(at(context, f"{what} is {len(raw)} bytes long, not whole tiles"))
        # Tiled writes each GID as an unsigned 32-bit little-endian integer.
        gids = struct.unpack(f"<{len(raw) // 4}I", raw)
    else:
        raise Invalid(at(context, f"unknown encoding {encoding!r}"))
    if len(gids) != expected:
        raise Invalid(at(context, f"{what} has {len(gids)} tiles, expected {expected}"))
    return gids


def _unbase64(text: str, context: str) -> bytes:
    """
    @param text: base64 tile data.
    @param context: names the layer in error messages.
    @return: the bytes it encodes.
    @raise Invalid: if it is not base64.
    """
    try:
        return base64.b64decode("".join(text.split()), validate=True)
    except ValueError as e:
        raise Invalid(at(context, f"data is not valid base64: {e}")) from None


def _decompress(raw: bytes, compression: str, limit: int, what: str, context: str) -> bytes:
    """
    Undo the compression of base64 tile data.

    @param raw: the decoded base64.
    @param compression: C{""} or one of L{COMPRESSIONS}.
    @param limit: how many bytes the data should decompress to; decompressing
        stops soon after, so a small file cannot take all memory.
    @param what: names the data in error messages.
    @param context: names the layer in error messages.
    @return: the uncompressed bytes.
    @raise Invalid: if the compression is unknown or the data is corrupt.
    """
    if compression == "":
        return raw
    if compression == "zstd":
        data, complete = _unzstd(raw, limit, what, context)
    elif compression in ("zlib", "gzip"):
        data, complete = _unzlib(raw, compression, limit, what, context)
    else:
        raise Invalid(at(context, f"unknown compression {compression!r}"))
    if len(data) > limit:
        raise Invalid(at(context, f"{what} has more than {limit // 4} tiles"))
    if not complete:
        raise Invalid(at(context, f"{what} is truncated {compression} data"))
    return data


def _unzlib(raw: bytes, compression: str, limit: int, what: str, context: str):
    """
    Decompress zlib or gzip data, up to one byte past C{limit}.

    @return: the bytes, and whether the compressed stream was complete.
    @raise Invalid: if the data is corrupt.
    """
    windowBits = zlib.MAX_WBITS if compression == "zlib" else 16 + zlib.MAX_WBITS
    decompressor = zlib.decompressobj(windowBits)
    try:
        data = decompressor.decompress(raw, limit + 1)
    except zlib.error as e:
        raise Invalid(at(context, f"{what} is not valid {compression} data: {e}")) from None
    return data, decompressor.eof


def _unzstd(raw: bytes, limit: int, what: str, context: str):
    """
    Decompress zstd data, up to one byte past C{limit}.

    @return: the bytes, and whether the zstd frame was complete.
    @raise Invalid: if the data is corrupt.
    """
    decompressor = zstandard.ZstdDecompressor()
    try:
        # A frame's header may claim any size, so the output is read through
        # a bounded stream rather than allocated from the header's word.
        data = decompressor.stream_reader(raw).read(limit + 1)
        if len(data) > limit:
            return data, True
        # The stream reader says nothing of a frame cut short; with the whole
        # output known to be small, a second pass can tell.
        whole = decompressor.decompressobj()
        whole.decompress(raw)
    except zstandard.ZstdError as e:
        raise Invalid(at(context, f"{what} is not valid zstd data: {e}")) from None
    return data, whole.eof


def checkGids(gids: Sequence[object], context: str) -> frozenset:
    """
    Check that tile data holds only GIDs (unsigned 32-bit integers).

    @param gids: the data.
    @param context: names the layer or chunk in error messages.
    @return: the distinct GIDs.
    @raise Invalid: if a value is not a GID.
    """
    try:
        distinct = frozenset(gids)
    except TypeError:
        raise Invalid(at(context, "data must hold only tile numbers")) from None
    for gid in distinct:
        if type(gid) is not int or not 0 <= gid <= MAX_GID:
            raise Invalid(at(context, f"data holds {gid!r}, not a tile number"))
    return distinct
