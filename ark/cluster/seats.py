"""
Seats: a node tells a player where to join (the node that holds the
map's room, or one with an overflow shard of it, L{ark.cluster.directory})
and hands them a seat token for it; the join on that node redeems the
token, once, within L{SEAT_SECONDS}.

A seat token is signed with the world's secret (every node of a world has
the same one), and names its player, map and node, so it is good only
there, only for them; each node remembers the seats redeemed on it until
they would have expired anyway.
"""

from __future__ import annotations

import uuid
from typing import Dict, NamedTuple, Optional

import jwt
from twisted.internet import defer

from ark.cluster.directory import DirectoryUnavailable

SEAT_SECONDS = 15
ALGORITHM = "HS256"
# Seat tokens are for joining, never for anything an access token does:
# an audience of their own (access tokens have none, and are refused by
# a check that asks for one, and the other way round).
AUDIENCE = "ark-seat"


class SeatRefused(Exception):
    """
    No seat: the code and message the player is told.
    """

    def __init__(self, code: str, message: str):
        Exception.__init__(self, code, message)
        self.code = code
        self.message = message


class Reservation(NamedTuple):
    mapName: str
    nodeId: str
    url: object
    seat: str


class Redeemed(NamedTuple):
    """
    A seat taken: the map, and the entry to stand at (a door's), or
    C{None} for the usual place (where the player last stood, else the
    map's start).
    """

    mapName: str
    entry: Optional[str] = None


class Seats:
    """
    @param directory: the room directory (L{ark.cluster.directory}).
    @param secret: the world's signing secret (bytes).
    @param clock: an L{IReactorTime}.
    """

    def __init__(self, directory, secret: bytes, clock):
        self.directory = directory
        self.secret = secret
        self.clock = clock
        self._redeemed: Dict[str, float] = {}

    @property
    def nodeId(self) -> str:
        return self.directory.nodeId

    @defer.inlineCallbacks
    def reserve(self, userId: int, mapName: str, entry: Optional[str] = None):
        """
        Fires with a L{Reservation} on the node that holds C{mapName}'s room,
        at C{entry} when a door leads there.

        @raise SeatRefused: C{try_again} when the directory cannot be reached.
        """
        try:
            place = yield self.directory.place(mapName)
        except DirectoryUnavailable as error:
            raise SeatRefused("try_again", str(error))
        now = int(self.clock.seconds())
        claims = {"aud": AUDIENCE, "sub": str(userId), "map": mapName, "node": place.nodeId,
                  "jti": uuid.uuid4().hex, "iat": now, "exp": now + SEAT_SECONDS}
        if entry is not None:
            claims["entry"] = entry
        if place.overflow:
            claims["overflow"] = True
        seat = jwt.encode(claims, self.secret, algorithm=ALGORITHM)
        return Reservation(mapName, place.nodeId, place.url, seat)

    @defer.inlineCallbacks
    def redeem(self, seat: str, userId: int):
        """
        Take the seat C{seat} for C{userId} on this node.

        @return: a Deferred firing with what was L{Redeemed}.
        @raise SeatRefused: C{seat_invalid} for a seat that is not this
            player's on this node now, C{try_again} when the directory
            cannot say whether this node still holds the map.
        """
        try:
            claims = jwt.decode(seat, self.secret, algorithms=[ALGORITHM], audience=AUDIENCE,
                                options={"verify_exp": False, "verify_iat": False,
                                         "require": ["sub", "map", "node", "jti", "exp"]})
        except jwt.InvalidTokenError:
            raise SeatRefused("seat_invalid", "the seat token is not valid here")
        now = self.clock.seconds()
        if claims["exp"] <= now:
            raise SeatRefused("seat_invalid", "the seat token has expired; ask for a new seat")
        if claims["sub"] != str(userId):
            raise SeatRefused("seat_invalid", "the seat is another player's")
        if claims["node"] != self.nodeId:
            raise SeatRefused("seat_invalid", "the seat is on another node")
        for jti in [j for j, until in self._redeemed.items() if until <= now]:
            del self._redeemed[jti]
        if claims["jti"] in self._redeemed:
            raise SeatRefused("seat_invalid", "the seat was taken already")
        self._redeemed[claims["jti"]] = claims["exp"]
        if claims.get("overflow") is True:
            # A seat in an overflow shard here: the map is held elsewhere.
            holds = True
        else:
            try:
                holds = yield self.directory.holds(claims["map"])
            except DirectoryUnavailable as error:
                raise SeatRefused("try_again", str(error))
        if not holds:
            raise SeatRefused("seat_invalid", "another node holds that map now; "
                                              "ask for a new seat")
        entry = claims.get("entry")
        return Redeemed(claims["map"], entry if isinstance(entry, str) else None)

    def holdsNow(self, mapName: str) -> bool:
        """
        Whether this node is known to hold C{mapName}'s room now, without
        asking the directory (a door's way, within a tick).
        """
        return self.directory.holdsNow(mapName)

    def admits(self, mapName: str):
        """
        Fires with whether a join without a seat may enter C{mapName}'s
        room here: this node holds it (claiming it when nobody does).
        """
        return self.directory.holds(mapName)
