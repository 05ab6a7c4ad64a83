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
from typing import NamedTuple, Optional, Tuple

import cbor2

from ark.world.movement import INPUT_MASK
from ark.world.proximity import STATUSES
from ark.world.room import MAX_SEQ

# Room for a chat message of 500 characters of any script.
SOFT_FRAME_LIMIT = 4096
HARD_FRAME_LIMIT = 64 * 1024
# Offers and answers describe every codec of audio and video: a few KiB.
SIGNAL_FRAME_LIMIT = 16 * 1024
MAX_SDP_LENGTH = SIGNAL_FRAME_LIMIT - 256
MAX_CANDIDATES = 20
MAX_CANDIDATE_LENGTH = 1024
MAX_ICE_NAME_LENGTH = 256
MAX_STEPS_PER_MESSAGE = 30
MAX_MAP_LENGTH = 256
MAX_TOKEN_LENGTH = 128
MAX_ACCESS_LENGTH = 2048
MAX_CHAT_TEXT = 2000
CHAT_KINDS = ("nearby", "zone", "direct")

# A map's path in the repository, as map makers name their files (spaces
# and accents included): slash-separated, never climbing out, no control
# characters or backslashes.
_MAP_UNSAFE = re.compile(r"[\x00-\x1f\x7f\\]")
_AGENT_ID = re.compile(r"[a-z0-9_-]{1,32}\Z")
_CLIENT_ID = re.compile(r"[A-Za-z0-9_-]{8,64}\Z")


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
    access: str
    map: Optional[str]
    token: Optional[str]
    seat: Optional[str] = None


class Say(NamedTuple):
    ref: int
    kind: str
    text: str
    to: Optional[int]
    cid: Optional[str] = None


class Input(NamedTuple):
    seq: int
    steps: Tuple[int, ...]


class Leave(NamedTuple):
    pass


class Status(NamedTuple):
    status: str


class Signal(NamedTuple):
    pair: int
    sdp: Optional[dict]
    ice: Optional[list]


class Accept(NamedTuple):
    pair: int
    yes: bool


class Act(NamedTuple):
    pass


class Talk(NamedTuple):
    agent: str


class Untalk(NamedTuple):
    agent: str


class Ask(NamedTuple):
    ref: int
    text: str
    agent: Optional[str]


def decode(payload: bytes):
    """
    Decode one frame into a message object.

    @raise ProtocolError: for anything that is not a valid message.
    """
    size = len(payload)
    if size > SIGNAL_FRAME_LIMIT:
        raise ProtocolError(
            "too_large", "message of %d bytes exceeds the limit of %d" % (size, SIGNAL_FRAME_LIMIT))
    try:
        item = cbor2.loads(payload)
    except Exception:
        # cbor2 raises a variety of errors (CBORDecodeError, ValueError,
        # RecursionError, ...) for malformed input; all mean the same here.
        raise ProtocolError("bad_cbor", "the frame is not one well-formed CBOR item")
    if not isinstance(item, dict) or not isinstance(item.get("t"), str):
        raise ProtocolError("bad_message", 'a message must be a map with a text "t"')
    kind = item["t"]
    if size > SOFT_FRAME_LIMIT and kind != "signal":
        raise ProtocolError(
            "too_large", "message of %d bytes exceeds the limit of %d" % (size, SOFT_FRAME_LIMIT))
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


_KIND_NAMES = {str: "text", int: "an integer", list: "an array", bool: "a boolean",
               dict: "a map"}


def _isMapPath(name: str) -> bool:
    return (0 < len(name) <= MAX_MAP_LENGTH and not _MAP_UNSAFE.search(name)
            and all(part not in ("", ".", "..") for part in name.split("/")))


def parseJoin(item) -> Join:
    access = item.get("access")
    if access is None:
        raise ProtocolError("auth_required", "'access' must hold an access token; sign in first",
                            "join")
    access = _field(item, "access", str)
    if not 0 < len(access) <= MAX_ACCESS_LENGTH:
        raise ProtocolError("bad_field", "'access' has the wrong length", "join")
    token = _field(item, "token", str, required=False)
    if token is not None and not 0 < len(token) <= MAX_TOKEN_LENGTH:
        raise ProtocolError("bad_field", "'token' has the wrong length", "join")
    mapName = _field(item, "map", str, required=False)
    if mapName is not None and not _isMapPath(mapName):
        raise ProtocolError("bad_field", "'map' is not a map's path, such as floor1/lobby.tmj",
                            "join")
    seat = _field(item, "seat", str, required=False)
    if seat is not None and not 0 < len(seat) <= MAX_ACCESS_LENGTH:
        raise ProtocolError("bad_field", "'seat' has the wrong length", "join")
    return Join(access, mapName, token, seat)


def parseSay(item) -> Say:
    ref = _field(item, "ref", int)
    if not 0 <= ref <= MAX_SEQ:
        raise ProtocolError("bad_field", "'ref' must be between 0 and 2**53 - 1", "say")
    kind = _field(item, "kind", str)
    if kind not in CHAT_KINDS:
        raise ProtocolError("bad_field", "'kind' must be one of %s" % (", ".join(CHAT_KINDS),),
                            "say")
    text = _field(item, "text", str)
    if len(text) > MAX_CHAT_TEXT:
        raise ProtocolError("bad_field", "'text' is far too long", "say")
    to = _field(item, "to", int, required=kind == "direct")
    if to is not None and not 0 < to < 2**63:
        raise ProtocolError("bad_field", "'to' must be a user id", "say")
    cid = _field(item, "cid", str, required=False)
    if cid is not None and not _CLIENT_ID.match(cid):
        raise ProtocolError("bad_field", "'cid' must be 8 to 64 of A-Z a-z 0-9 _ -", "say")
    return Say(ref, kind, text, to, cid)


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


def parseStatus(item) -> Status:
    status = _field(item, "status", str)
    if status not in STATUSES:
        raise ProtocolError("bad_field", "'status' must be one of %s" % (", ".join(STATUSES),),
                            "status")
    return Status(status)


def _pairNumber(item) -> int:
    pair = _field(item, "pair", int)
    if not 0 < pair <= MAX_SEQ:
        raise ProtocolError("bad_field", "'pair' must be a pair number from a 'peer' message",
                            item["t"])
    return pair


def parseAccept(item) -> Accept:
    return Accept(_pairNumber(item), _field(item, "yes", bool))


def parseSignal(item) -> Signal:
    pair = _pairNumber(item)
    sdp = _field(item, "sdp", dict, required=False)
    ice = _field(item, "ice", list, required=False)
    if (sdp is None) == (ice is None):
        raise ProtocolError("bad_field", "a signal holds exactly one of 'sdp' and 'ice'", "signal")
    if sdp is not None:
        return Signal(pair, _sessionDescription(sdp), None)
    if not 0 < len(ice) <= MAX_CANDIDATES:
        raise ProtocolError("bad_field", "'ice' must hold 1 to %d candidates" % (MAX_CANDIDATES,),
                            "signal")
    return Signal(pair, None, [_candidate(candidate) for candidate in ice])


def _sessionDescription(sdp: dict) -> dict:
    kind = sdp.get("type")
    text = sdp.get("sdp")
    if kind not in ("offer", "answer"):
        raise ProtocolError("bad_field", "'sdp' must have 'type' \"offer\" or \"answer\"",
                            "signal")
    if not isinstance(text, str) or len(text) > MAX_SDP_LENGTH:
        raise ProtocolError("bad_field", "'sdp' must have an 'sdp' text of at most %d characters"
                            % (MAX_SDP_LENGTH,), "signal")
    # Only what WebRTC reads goes on: nothing else a client put in rides along.
    return {"type": kind, "sdp": text}


def _candidate(candidate) -> dict:
    if not isinstance(candidate, dict):
        raise ProtocolError("bad_field", "each ICE candidate must be a map", "signal")
    text = candidate.get("candidate")
    if not isinstance(text, str) or len(text) > MAX_CANDIDATE_LENGTH:
        raise ProtocolError("bad_field", "each ICE candidate needs a 'candidate' text of at most "
                            "%d characters" % (MAX_CANDIDATE_LENGTH,), "signal")
    index = candidate.get("sdpMLineIndex")
    if index is not None and (type(index) is not int or not 0 <= index < 1024):
        raise ProtocolError("bad_field", "'sdpMLineIndex' must be a small integer or null",
                            "signal")
    clean = {"candidate": text, "sdpMLineIndex": index}
    for name in ("sdpMid", "usernameFragment"):
        value = candidate.get(name)
        if value is not None and (not isinstance(value, str) or len(value) > MAX_ICE_NAME_LENGTH):
            raise ProtocolError("bad_field", "%r must be a short text or null" % (name,), "signal")
        clean[name] = value
    return clean


def _agentId(item, required: bool = True) -> Optional[str]:
    agent = _field(item, "agent", str, required)
    if agent is not None and not _AGENT_ID.match(agent):
        raise ProtocolError("bad_field", "'agent' must be an agent's id (1 to 32 of a-z 0-9 _ -)",
                            item["t"])
    return agent


def parseTalk(item) -> Talk:
    return Talk(_agentId(item))


def parseUntalk(item) -> Untalk:
    return Untalk(_agentId(item))


def parseAsk(item) -> Ask:
    ref = _field(item, "ref", int)
    if not 0 <= ref <= MAX_SEQ:
        raise ProtocolError("bad_field", "'ref' must be between 0 and 2**53 - 1", "ask")
    text = _field(item, "text", str)
    if len(text) > MAX_CHAT_TEXT:
        raise ProtocolError("bad_field", "'text' is far too long", "ask")
    return Ask(ref, text, _agentId(item, required=False))


def parseLeave(item) -> Leave:
    return Leave()


def parseAct(item) -> Act:
    return Act()


_PARSERS = {
    "join": parseJoin,
    "in": parseInput,
    "leave": parseLeave,
    "act": parseAct,
    "say": parseSay,
    "status": parseStatus,
    "signal": parseSignal,
    "accept": parseAccept,
    "talk": parseTalk,
    "untalk": parseUntalk,
    "ask": parseAsk,
}
