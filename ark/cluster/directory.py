"""
The room directory: which node holds each map's room, so that every
player of a map meets on one node.

A single node (no C{--redis}) holds every map: L{LocalDirectory}.  Nodes
sharing a Redis keep the directory there (L{RedisDirectory}): each node
writes its record (its WebSocket URL, how many players it has, and its
rooms with their players and capacity) every L{HEARTBEAT_SECONDS} with a
time to live of L{TTL_SECONDS}, and refreshes the claims on the maps it
holds at the same beat; a node that stops beating (killed, cut off)
disappears from the directory by itself, and its maps are claimed again
by whoever needs them next.

When every room of a map on the node that holds it is full, the next
players of that map are placed on the least loaded node whose rooms of
that map are not: an overflow shard there, opened by the join.
"""

from __future__ import annotations

import json
from typing import Dict, List, NamedTuple, Optional, Set

from twisted.application import service
from twisted.internet import defer, task
from twisted.logger import Logger

log = Logger()

HEARTBEAT_SECONDS = 3.0
TTL_SECONDS = 10
# How long one use of the directory may wait for Redis: a player asking
# where to join hears "try again" rather than waiting for a Redis that is
# down (the connection pool queues commands until it reconnects).
OPERATION_SECONDS = 2.0

# Refresh a claim only while it is still this node's (one round trip, and
# never extending a claim another node took over after ours expired).
_REFRESH = """
if redis.call('get', KEYS[1]) == ARGV[1] then
    return redis.call('expire', KEYS[1], ARGV[2])
end
return 0
"""


class Place(NamedTuple):
    """
    Where a map's room is held: the node's id, and its WebSocket URL
    (C{None}: the node that answers, at the page's own C{/ws}); or, with
    C{overflow}, where an overflow shard of it is to be.
    """

    nodeId: str
    url: Optional[str]
    overflow: bool = False


class DirectoryUnavailable(Exception):
    """
    The directory cannot be reached now (Redis is down): try again shortly.
    """


class LocalDirectory(service.Service):
    """
    One node alone: it holds every map.
    """

    def __init__(self, nodeId: str = "local", url: Optional[str] = None):
        self.nodeId = nodeId
        self.url = url

    def place(self, mapName: str):
        return defer.succeed(Place(self.nodeId, self.url))

    def holds(self, mapName: str):
        return defer.succeed(True)

    def holdsNow(self, mapName: str) -> bool:
        return True

    def elsewhere(self):
        return defer.succeed([])


class RedisDirectory(service.Service):
    """
    The directory in Redis, shared by every node of the world.

    @param redis: a txredisapi connection (pool).
    @param nodeId: this node's id, unique in the world.
    @param url: this node's WebSocket URL as clients reach it.
    @param load: called at each beat for how many players this node has.
    @param clock: an L{IReactorTime} for the beats.
    @param prefix: the keys' prefix (tests give each their own).
    @param online: called at each beat for the players connected to this
        node, C{[{"id", "name", "map"}]}, which the other nodes' agents
        may list (L{elsewhere}).
    @param rooms: called at each beat for this node's rooms:
        C{{name: [map, players, capacity]}}.
    """

    def __init__(self, redis, nodeId: str, url: Optional[str], load, clock,
                 prefix: str = "ark:", ttl: int = TTL_SECONDS,
                 heartbeat: float = HEARTBEAT_SECONDS, online=lambda: [], rooms=lambda: {}):
        self.redis = redis
        self.nodeId = nodeId
        self.url = url
        self.load = load
        self.online = online
        self.rooms = rooms
        self.prefix = prefix
        self.ttl = ttl
        self.held: Set[str] = set()
        self.clock = clock
        self._beats = task.LoopingCall(self.beat)
        self._beats.clock = clock
        self._heartbeat = heartbeat
        self._failing = False

    def _nodeKey(self, nodeId: str) -> str:
        return "%snode:%s" % (self.prefix, nodeId)

    def _onlineKey(self, nodeId: str) -> str:
        return "%sonline:%s" % (self.prefix, nodeId)

    def _mapKey(self, mapName: str) -> str:
        return "%smap:%s" % (self.prefix, mapName)

    @property
    def _nodesKey(self) -> str:
        return self.prefix + "nodes"

    # -- the beat ------------------------------------------------------------

    def startService(self):
        service.Service.startService(self)
        self._beats.start(self._heartbeat, now=True).addErrback(
            lambda failure: log.failure("the room directory's heartbeat", failure))

    @defer.inlineCallbacks
    def stopService(self):
        service.Service.stopService(self)
        if self._beats.running:
            self._beats.stop()
        # Leaving on purpose: the maps are free at once, not in TTL seconds.
        try:
            yield self.redis.delete([self._nodeKey(self.nodeId), self._onlineKey(self.nodeId)])
            for mapName in list(self.held):
                yield self.redis.eval(
                    "if redis.call('get', KEYS[1]) == ARGV[1] then "
                    "return redis.call('del', KEYS[1]) end return 0",
                    [self._mapKey(mapName)], [self.nodeId])
            yield self.redis.srem(self._nodesKey, self.nodeId)
        except Exception as error:
            log.warn("leaving the room directory: {error}", error=error)

    def beat(self):
        """
        Say this node is alive and how loaded, and keep its maps' claims.
        """
        return self._beat().addTimeout(OPERATION_SECONDS, self.clock).addErrback(self._beatFailed)

    def _beatFailed(self, failure) -> None:
        # Said once per outage; the beat goes on, and the claims come back
        # as soon as Redis does (or are taken by others meanwhile).
        if not self._failing:
            self._failing = True
            log.warn("the room directory in Redis cannot be reached: {error}",
                     error=failure.getErrorMessage() or failure.type.__name__)

    @defer.inlineCallbacks
    def _beat(self):
        record = json.dumps(self._record())
        yield self.redis.set(self._nodeKey(self.nodeId), record, expire=self.ttl)
        yield self.redis.set(self._onlineKey(self.nodeId), json.dumps(self.online()),
                             expire=self.ttl)
        yield self.redis.sadd(self._nodesKey, self.nodeId)
        for mapName in list(self.held):
            kept = yield self.redis.eval(_REFRESH, [self._mapKey(mapName)],
                                         [self.nodeId, str(self.ttl)])
            if not kept:
                self.held.discard(mapName)
        if self._failing:
            self._failing = False
            log.info("the room directory in Redis is back")

    def _record(self) -> dict:
        return {"url": self.url, "players": self.load(), "rooms": self.rooms()}

    # -- where maps are --------------------------------------------------------

    @defer.inlineCallbacks
    def nodes(self) -> Dict[str, dict]:
        """
        The live nodes: their records by id.
        """
        ids = sorted((yield self.redis.smembers(self._nodesKey)) or ())
        if not ids:
            return {}
        records = yield self.redis.mget([self._nodeKey(nodeId) for nodeId in ids])
        alive = {}
        gone: List[str] = []
        for nodeId, record in zip(ids, records):
            if record is None:
                gone.append(nodeId)
            else:
                alive[nodeId] = json.loads(record)
        if gone:
            yield self.redis.srem(self._nodesKey, gone)
        return alive

    def elsewhere(self):
        """
        Fires with the players connected to the other live nodes, as each
        said at its last beat: C{[{"id", "name", "map"}]}.

        @raise DirectoryUnavailable: when Redis cannot be reached.
        """
        return self._unavailableOnError(self._elsewhere())

    @defer.inlineCallbacks
    def _elsewhere(self):
        others = [nodeId for nodeId in (yield self.nodes()) if nodeId != self.nodeId]
        if not others:
            return []
        lists = yield self.redis.mget([self._onlineKey(nodeId) for nodeId in others])
        return [player for found in lists if found for player in json.loads(found)]

    def place(self, mapName: str):
        """
        Fires with the L{Place} of the node that holds C{mapName}'s room,
        claiming the map for the least loaded live node when none does; or,
        when that node's rooms of the map are all full, the place of an
        overflow shard (see the module's docstring).

        @raise DirectoryUnavailable: when Redis cannot be reached.
        """
        return self._unavailableOnError(self._place(mapName))

    @defer.inlineCallbacks
    def _place(self, mapName: str):
        key = self._mapKey(mapName)
        for _ in range(3):
            owner = yield self.redis.get(key)
            alive = yield self.nodes()
            # This node as it is now, not as at its last beat.
            alive[self.nodeId] = self._record()
            if owner is not None and owner in alive:
                return _overflowing(alive, owner, mapName)
            if owner is not None:
                # Its node is gone though the claim lingers: free it.
                yield self.redis.eval(
                    "if redis.call('get', KEYS[1]) == ARGV[1] then "
                    "return redis.call('del', KEYS[1]) end return 0", [key], [owner])
            chosen = min(alive, key=lambda nodeId: (alive[nodeId].get("players", 0), nodeId))
            claimed = yield self.redis.set(key, chosen, expire=self.ttl, only_if_not_exists=True)
            if claimed:
                if chosen == self.nodeId:
                    self.held.add(mapName)
                return Place(chosen, alive[chosen].get("url"))
        raise DirectoryUnavailable("the room directory keeps changing; try again")

    def holdsNow(self, mapName: str) -> bool:
        """
        Whether this node held C{mapName}'s room at its last word with
        Redis (no round trip).
        """
        return mapName in self.held

    def holds(self, mapName: str):
        """
        Fires with whether this node holds C{mapName}'s room, claiming it
        when nobody does.

        @raise DirectoryUnavailable: when Redis cannot be reached.
        """
        return self._unavailableOnError(self._holds(mapName))

    @defer.inlineCallbacks
    def _holds(self, mapName: str):
        key = self._mapKey(mapName)
        owner = yield self.redis.get(key)
        if owner is None:
            claimed = yield self.redis.set(key, self.nodeId, expire=self.ttl,
                                           only_if_not_exists=True)
            owner = self.nodeId if claimed else (yield self.redis.get(key))
        if owner == self.nodeId:
            self.held.add(mapName)
            return True
        return False

    def _unavailableOnError(self, deferred):
        def unavailable(failure):
            if failure.check(DirectoryUnavailable):
                return failure
            log.warn("the room directory: {error}", error=failure.getErrorMessage())
            raise DirectoryUnavailable("the room directory cannot be reached; try again")

        return deferred.addTimeout(OPERATION_SECONDS, self.clock).addErrback(unavailable)


def _overflowing(alive: Dict[str, dict], owner: str, mapName: str) -> Place:
    """
    Where the next player of C{mapName}, whose room C{owner} holds, goes:
    to C{owner}, unless its rooms of the map are all full and another live
    node's are not; then to the least loaded of those.
    """
    if not _full(alive[owner], mapName):
        return Place(owner, alive[owner].get("url"))
    roomy = [nodeId for nodeId, record in alive.items() if not _full(record, mapName)]
    if not roomy:
        # Full everywhere: the owner opens another shard of its own.
        return Place(owner, alive[owner].get("url"))
    chosen = min(roomy, key=lambda nodeId: (alive[nodeId].get("players", 0), nodeId))
    return Place(chosen, alive[chosen].get("url"), chosen != owner)


def _full(record: dict, mapName: str) -> bool:
    """
    Whether the node of C{record} has rooms of C{mapName}, all full.
    """
    rooms = [room for room in record.get("rooms", {}).values() if room[0] == mapName]
    return bool(rooms) and all(players >= capacity for _, players, capacity in rooms)


def openDirectory(redisUrl: Optional[str], world: str, nodeId: str, url: Optional[str], rooms,
                  clock):
    """
    The room directory the options ask for: in Redis with C{--redis}
    (its keys under the world's name), else this node alone.

    @param rooms: the node's L{ark.rooms.RoomManager}: its load and who is
        online on it.
    """
    if not redisUrl:
        return LocalDirectory(nodeId, url)
    from ark.identity.presence import redisPool

    return RedisDirectory(redisPool(redisUrl, "room directory"), nodeId, url,
                          lambda: sum(view.room.playerCount for view in rooms.views()), clock,
                          prefix=world + ":", online=rooms.onlinePlayers,
                          rooms=rooms.roomLoads)

