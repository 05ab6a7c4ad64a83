"""
Decoding and validating what clients send.

Each message type has a parser that takes the decoded CBOR map and returns
a small typed object, or raises L{ProtocolError} naming the field and the
rule it broke.  Nothing a client sends reaches the rest of the server
without passing through here.  The rules are documented in
C{docs/protocol.md}; keep the two in step.
"""

from __future__ import annotations

import re
import unicodedata
from typing import NamedTuple, Optional, Tuple

import cbor2

from ark.world.movement import INPUT_MASK
from ark.world.room import MAX_SEQ

SOFT_FRAME_LIMIT = 1024
HARD_FRAME_LIMIT = 64 * 1024
MAX_STEPS_PER_MESSAGE = 30
MAX_NAME_LENGTH = 32
MAX_AVATAR_LENGTH = 32
MAX_MAP_LENGTH = 128
MAX_TOKEN_LENGTH = 128

_AVATAR = re.compile(r"[a-z0-9_-]+\Z")
_MAP = re.compile(r"[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*\Z")


class ProtocolError(Exception):
    """
    A client message broke the protocol.

    @ivar code: the error code sent to the client (see the protocol doc).
    @ivar message: what exactly was wrong, for a human.
    @ivar ref: the type of the offending message, when known.
    """

    def __init__(self, code: str, message: str, ref: Optional[str] = None):
        Exception.__init__(self, code, message, ref)
        self.code = code
        self.message = message
        self.ref = ref


class Join(NamedTuple):
    name: Optional[str]
    avatar: Optional[str]
    map: Optional[str]
    token: Optional[str]


class Input(NamedTuple):
    seq: int
    steps: Tuple[int, ...]


class Leave(NamedTuple):
    pass


class Act(NamedTuple):
    pass


def decode(payload: bytes):
    """
    Decode one frame into a message object.

    @raise ProtocolError: for anything that is not a valid message.
    """
    if len(payload) > SOFT_FRAME_LIMIT:
        raise ProtocolError(
            "too_large",
            "message of %d bytes exceeds the limit of %d" % (len(payload), SOFT_FRAME_LIMIT),
        )
    try:
        item = cbor2.loads(payload)
    except Exception:
        # cbor2 raises a variety of errors (CBORDecodeError, ValueError,
        # RecursionError, ...) for malformed input; all mean the same here.
        raise ProtocolError("bad_cbor", "the frame is not one well-formed CBOR item")
    if not isinstance(item, dict) or not isinstance(item.get("t"), str):
        raise ProtocolError("bad_message", 'a message must be a map with a text "t"')
    kind = item["t"]
    parser = _PARSERS.get(kind)
    if parser is None:
        raise ProtocolError("unknown_type", "unknown message type %r" % (kind[:32],))
    return parser(item)


def _field(item, name, kind, required=True):
    value = item.get(name)
    if value is None:
        if required:
            raise ProtocolError("bad_field", "%r is required" % (name,), item["t"])
        return None
    if kind is int:
        valid = isinstance(value, int) and not isinstance(value, bool)
    else:
        valid = isinstance(value, kind)
    if not valid:
        raise ProtocolError(
            "bad_field", "%r must be %s" % (name, _KIND_NAMES[kind]), item["t"]
        )
    return value


_KIND_NAMES = {str: "text", int: "an integer", list: "an array", bool: "a boolean"}


def cleanName(name: str) -> str:
    """
    Normalise a display name: NFC, trimmed, with no control or format
    characters (which could hide or reorder text in other players' views).
    """
    name = unicodedata.normalize("NFC", name).strip()
    for character in name:
        if unicodedata.category(character)[0] == "C":
            raise ProtocolError(
                "bad_field", "'name' must not contain control characters", "join"
            )
    return name


def parseJoin(item) -> Join:
    token = _field(item, "token", str, required=False)
    if token is not None:
        if not 0 < len(token) <= MAX_TOKEN_LENGTH:
            raise ProtocolError("bad_field", "'token' has the wrong length", "join")
        return Join(None, None, None, token)
    name = cleanName(_field(item, "name", str))
    if not 0 < len(name) <= MAX_NAME_LENGTH:
        raise ProtocolError(
            "bad_field", "'name' must be 1 to %d characters" % (MAX_NAME_LENGTH,), "join"
        )
    avatar = _field(item, "avatar", str)
    if len(avatar) > MAX_AVATAR_LENGTH or not _AVATAR.match(avatar):
        raise ProtocolError(
            "bad_field",
            "'avatar' must be 1 to %d of a-z 0-9 _ -" % (MAX_AVATAR_LENGTH,),
            "join",
        )
    mapName = _field(item, "map", str, required=False)
    if mapName is not None and (
        len(mapName) > MAX_MAP_LENGTH or not _MAP.match(mapName) or ".." in mapName
    ):
        raise ProtocolError("bad_field", "'map' is not a map file name", "join")
    return Join(name, avatar, mapName, None)


def parseInput(item) -> Input:
    seq = _field(item, "seq", int)
    if not 0 <= seq <= MAX_SEQ:
        raise ProtocolError("bad_field", "'seq' must be between 0 and 2**53 - 1", "in")
    steps = _field(item, "steps", list)
    if not 0 < len(steps) <= MAX_STEPS_PER_MESSAGE:
        raise ProtocolError(
            "bad_field",
            "'steps' must hold 1 to %d steps" % (MAX_STEPS_PER_MESSAGE,),
            "in",
        )
    for bits in steps:
        if type(bits) is not int or bits & ~INPUT_MASK or bits < 0:
            raise ProtocolError(
                "bad_field", "each step must be an integer from 0 to 31", "in"
            )
    if seq + len(steps) - 1 > MAX_SEQ:
        raise ProtocolError("bad_field", "step numbers must stay below 2**53", "in")
    return Input(seq, tuple(steps))


def parseLeave(item) -> Leave:
    return Leave()


def parseAct(item) -> Act:
    return Act()


_PARSERS = {"join": parseJoin, "in": parseInput, "leave": parseLeave, "act": parseAct}
