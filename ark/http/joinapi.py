"""
C{POST /api/join}: where a player joins (see C{docs/api.md}): the node
that holds the map's room, and a seat token for it.
"""

from __future__ import annotations

from twisted.internet import defer

from ark.cluster.seats import SEAT_SECONDS, SeatRefused
from ark.http.api import APIError, Endpoint, _bearer
from ark.net.messages import _isMapPath


def joinAPI(authority, rooms, seats) -> Endpoint:
    """
    @param authority: checks the access token.
    @param rooms: the L{ark.rooms.RoomManager}: the maps, the default map,
        and the store of where players last stood.
    @param seats: the L{ark.cluster.seats.Seats}.
    """

    @defer.inlineCallbacks
    def join(request, body):
        mapName = body.get("map")
        if mapName is not None and (not isinstance(mapName, str) or not _isMapPath(mapName)):
            raise APIError(400, "bad_field", "'map' must be a map's path, such as "
                                             "floor1/lobby.tmj")
        identity = yield _bearer(authority, request)
        if mapName is None:
            place = None
            if rooms.store is not None:
                place = yield rooms.store.lastPlace(identity.userId)
            mapName = place[0] if place and place[0] in rooms.maps else rooms.defaultMap
        if mapName not in rooms.maps:
            raise APIError(404, "unknown_map", "no map named %r here" % (mapName,))
        try:
            reservation = yield seats.reserve(identity.userId, mapName)
        except SeatRefused as refused:
            raise APIError(503, refused.code, refused.message)
        return 200, {"map": reservation.mapName, "node": reservation.nodeId,
                     "url": reservation.url, "seat": reservation.seat,
                     "expiresIn": SEAT_SECONDS}

    return Endpoint({b"POST": join})
