"""
Which room a player is in: one room per map, overflow shards when a room is
full, players moved between maps through doors, and avatars held for a
while after their connection drops so that the player can come back to
them with a reconnection token.
"""

from __future__ import annotations

import secrets
from typing import Dict, List, Optional

from twisted.internet import defer
from twisted.logger import Logger

from ark.interfaces import MoveTo
from ark.net.views import RoomView
from ark.world.movement import Body
from ark.world.proximity import TalkRules, rulesForMap
from ark.world.room import Avatar, Room


log = Logger()


class JoinRefused(Exception):
    """
    A player cannot have the seat they asked for.

    @ivar code: why, as the protocol's error code (C{unknown_map},
        C{bad_token}).
    @ivar message: the same for a person.
    """

    def __init__(self, code: str, message: str):
        Exception.__init__(self, code, message)
        self.code = code
        self.message = message


# A player who just came through a door is not sent through another for
# this long, so that two doors whose entries lie in each other cannot bounce
# them back and forth.
MOVE_COOLDOWN = 1.0

# Where players stand is saved this often (as well as when they leave and
# when the server stops), so a server that dies without stopping loses at
# most this many seconds of walking.
PLACE_SAVE_SECONDS = 5.0


class Seat:
    """
    A player's place in a room: the avatar, the room it is in, and the
    token that gets it back.

    @ivar owner: the session using the seat now, or C{None} while the
        avatar is held for reconnection.
    @ivar movedAt: when the player last came through a door, in seconds.
    @ivar savedPlace: C{(mapName, x, y)} as last saved in the store, or
        C{None}.
    """

    __slots__ = ("view", "avatar", "token", "owner", "hold", "movedAt", "savedPlace")

    def __init__(self, view: RoomView, avatar: Avatar):
        self.view = view
        self.avatar = avatar
        self.token: Optional[str] = None
        self.owner = None
        self.hold = None
        self.movedAt = None
        self.savedPlace = None

    @property
    def room(self) -> Room:
        return self.view.room


class RoomManager:
    """
    All rooms of this server and the seats in them.

    @param maps: the loaded maps by file name.
    @param defaultMap: the file name of the map players join by default.
    @param capacity: avatars per room before an overflow shard opens.
    @param viewRadius: half the side of a client's view square, in pixels.
    @param holdSeconds: how long an avatar waits for its player after an
        unexpected disconnect.
    @param clock: an L{IReactorTime} for the holds.
    @param store: an L{ark.interfaces.IStore} remembering where players
        left, or C{None} to forget.
    @param director: the L{ark.behaviours.director.ZoneDirector} of the zones,
        or C{None}.
    @param talkRules: the operator's L{TalkRules}, which maps may override
        with properties of their own.
    @param seed: seeds each room's chances (spawn points, agents' strolls)
        with its name, for repeatable tests; C{None}, as in production,
        for the system's randomness.
    @param agentsAtStart: whether the maps with agents open their first
        room at once (one node alone), or when their first player comes
        (a node of several, which holds only some maps).
    """

    def __init__(self, maps, defaultMap: str, capacity: int, viewRadius: int,
                 holdSeconds: float, clock, store=None, director=None,
                 talkRules: TalkRules = TalkRules(), seed=None, agentsAtStart: bool = True):
        self.maps = maps
        self.defaultMap = defaultMap
        self.capacity = capacity
        self.viewRadius = viewRadius
        self.holdSeconds = holdSeconds
        self.clock = clock
        self.store = store
        self.director = director
        self.seed = seed
        # Whether this node holds a map's room, for doors: by default (one
        # node) every map; a node of several is told by its directory.
        self.heldHere = lambda mapName: True
        self.talkRules = {}
        # What is wrong with the maps' own talk rules: (map, problem).
        self.talkProblems = []
        for mapName in sorted(maps):
            rules, problems = rulesForMap(talkRules, maps[mapName].properties)
            self.talkRules[mapName] = rules
            self.talkProblems += [(mapName, problem) for problem in problems]
        self.shards: Dict[str, List[RoomView]] = {}
        self._seats: Dict[str, Seat] = {}
        self._roomNames: Dict[RoomView, str] = {}
        # Place writes go one after another, so an older place never lands
        # after a newer one of the same player.
        self._placeWrites = defer.DeferredLock()
        self._placesDueAt = clock.seconds() + PLACE_SAVE_SECONDS
        self._stopped = False
        # A map's agents live in its first room whether or not anyone has
        # come yet: they are there (and listed) before the first player.
        # On a node of several, a map's room opens only on the node that
        # holds it, when its first player comes: its agents live there.
        for mapName in sorted(maps) if agentsAtStart else ():
            if maps[mapName].agents:
                self._roomWithSeat(mapName)

    # -- rooms -------------------------------------------------------------

    def views(self):
        for shards in self.shards.values():
            yield from shards

    def shardsOf(self, mapName: str) -> List[RoomView]:
        return self.shards.get(mapName, [])

    def roomName(self, view: RoomView) -> str:
        return self._roomNames[view]

    def _roomWithSeat(self, mapName: str) -> RoomView:
        shards = self.shards.setdefault(mapName, [])
        for view in shards:
            if not view.room.isFull:
                return view
        taken = {self._roomNames[v] for v in shards}
        number = 1
        while self._shardName(mapName, number) in taken:
            number += 1
        name = self._shardName(mapName, number)
        room = Room(self.maps[mapName], self.capacity, talkRules=self.talkRules[mapName],
                    seed=None if self.seed is None else "%s:%s" % (self.seed, name))
        view = RoomView(room, self.viewRadius, self.director)
        shards.append(view)
        self._roomNames[view] = name
        return view

    @staticmethod
    def _shardName(mapName: str, number: int) -> str:
        return mapName if number == 1 else "%s#%d" % (mapName, number)

    def _closeIfUnused(self, view: RoomView) -> None:
        # The first room of a map stays open; overflow shards close once
        # no player is left (their agents go with them).
        shards = self.shards[view.room.worldMap.name]
        if not view.room.playerCount and shards[0] is not view:
            shards.remove(view)
            del self._roomNames[view]

    # -- seats -------------------------------------------------------------

    def join(self, owner, name: str, avatarName: str, mapName: Optional[str],
             userId: Optional[int] = None, place=None, entry: Optional[str] = None) -> Seat:
        """
        Seat a new avatar on C{mapName}: by default where the player last
        stood (C{place}, C{(mapName, x, y)}), else on the default map; at
        C{entry} of the map when a door on another node led here.

        @raise JoinRefused: C{unknown_map} when this server has no such map.
        """
        if mapName is None:
            mapName = place[0] if place and place[0] in self.maps else self.defaultMap
        if mapName not in self.maps:
            raise JoinRefused("unknown_map", "no map named %r here" % (mapName,))
        view = self._roomWithSeat(mapName)
        body = None
        if entry is not None:
            body = view.room.spawnBody(entry)
        elif place and place[0] == mapName and view.room.obstacles.fits(place[1], place[2]):
            body = Body(place[1], place[2])
        seat = Seat(view, view.room.addAvatar(name, avatarName, body, userId))
        self._occupy(seat, owner)
        return seat

    def resume(self, owner, token: str, userId: Optional[int] = None) -> Seat:
        """
        Give the avatar held under C{token} to C{owner}, whose player is
        C{userId}.  A session still using it is told it was replaced.

        @raise JoinRefused: C{bad_token} when no avatar of that player is
            held under it.
        """
        seat = self._seats.get(token)
        if seat is not None and seat.avatar.userId != userId:
            # Someone else's token: as useless as an unknown one.
            seat = None
        else:
            self._seats.pop(token, None)
        if seat is None:
            raise JoinRefused("bad_token", "the reconnection token is unknown or has expired")
        if seat.hold is not None:
            seat.hold.cancel()
            seat.hold = None
        previous = seat.owner
        if previous is not None:
            seat.view.detach(seat.avatar)
            previous.replaced()
        seat.room.forgetWaitingSteps(seat.avatar)
        seat.room.setConnected(seat.avatar, True)
        self._occupy(seat, owner)
        return seat

    def move(self, seat: Seat, target: MoveTo, here: bool = False) -> None:
        """
        Take the player of C{seat} through a door: the avatar leaves its room
        and a new one stands at C{target}'s entry on C{target}'s map, where
        the player's session is told (C{moved}) to start from.  A map this
        node may not hold is the session's to hand off (C{handOff}),
        unless C{here} says the directory gave it to this node.
        """
        now = self.clock.seconds()
        # (A hand-off coming back here went through the door already.)
        if not here and seat.movedAt is not None and now - seat.movedAt < MOVE_COOLDOWN:
            return
        if target.mapName not in self.maps:
            # Reported at startup (ZoneDirector.problems); the door does nothing.
            return
        if not here and not self.heldHere(target.mapName):
            # Another node may hold that map: the player's session asks
            # the directory, and either moves them here after all or hands
            # them over with a seat there.  A held avatar goes nowhere.
            if seat.owner is not None:
                seat.movedAt = now
                seat.owner.handOff(seat, target)
            return
        # An entry the map lacks is reported at startup too, and the player
        # lands on the map's default entry, as in WorkAdventure.
        old = seat.avatar
        oldView = seat.view
        oldView.detach(old)
        oldView.room.removeAvatar(old)
        self._closeIfUnused(oldView)
        view = self._roomWithSeat(target.mapName)
        avatar = view.room.addAvatar(old.name, old.avatar, view.room.spawnBody(target.entry),
                                     old.userId)
        # Steps numbers go on from where they were: those sent before the
        # player heard of the move will walk them from the entry, as their
        # client predicts.
        avatar.lastSeq = avatar.ackSeq = old.lastSeq
        avatar.connected = old.connected
        avatar.status = old.status
        seat.view = view
        seat.avatar = avatar
        seat.movedAt = now
        if seat.owner is not None:
            self._occupy(seat, seat.owner)
            seat.owner.moved(seat)

    def _occupy(self, seat: Seat, owner) -> None:
        # Each welcome carries a fresh token, so one seen on the wire
        # earlier cannot take the avatar over.
        self._seats.pop(seat.token, None)
        seat.token = secrets.token_urlsafe(24)
        self._seats[seat.token] = seat
        seat.owner = owner

    def disconnected(self, seat: Seat) -> None:
        """
        The connection of C{seat} dropped unexpectedly: hold the avatar in
        place, shown as disconnected, until its player comes back or the
        hold runs out.
        """
        seat.view.detach(seat.avatar)
        seat.owner = None
        seat.view.room.setConnected(seat.avatar, False)
        if self._stopped:
            # The server is going away and has saved every place: nobody
            # will come back to this process, and no timer may outlive it.
            return
        seat.hold = self.clock.callLater(self.holdSeconds, self._release, seat)

    def leave(self, seat: Seat) -> None:
        """
        The player left on purpose: remove the avatar now.
        """
        seat.view.detach(seat.avatar)
        seat.owner = None
        self._release(seat)

    def _release(self, seat: Seat) -> None:
        seat.hold = None
        self._seats.pop(seat.token, None)
        seat.view.room.removeAvatar(seat.avatar)
        self._closeIfUnused(seat.view)
        self._savePlaces([seat]).addErrback(
            lambda failure: log.failure("saving where a player left", failure))

    def _savePlaces(self, seats):
        """
        Save where the players of C{seats} stand, in one transaction.

        @return: a Deferred that fires once they are saved.
        """
        places = []
        for seat in seats:
            avatar = seat.avatar
            if avatar.userId is not None:
                places.append((seat, (seat.room.worldMap.name, avatar.body.x, avatar.body.y)))
        if self.store is None or not places:
            return defer.succeed(None)
        rows = sorted((seat.avatar.userId,) + place for seat, place in places)
        saving = self._placeWrites.run(self.store.savePlaces, rows,
                                       int(self.clock.seconds() * 1000))

        def saved(result):
            for seat, place in places:
                seat.savedPlace = place
            return result

        return saving.addCallback(saved)

    def saveMovedPlaces(self):
        """
        Save where every player stands who moved since their place was last
        saved, unless a save is still under way (a slow store gets no
        backlog: the next period catches up).

        @return: a Deferred that fires once they are saved.
        """
        if self._placeWrites.locked:
            return defer.succeed(None)
        return self._savePlaces([
            seat for seat in self._seats.values()
            if seat.savedPlace != (seat.room.worldMap.name, seat.avatar.body.x,
                                   seat.avatar.body.y)])

    def stop(self):
        """
        Stop waiting for disconnected players (nor wait for those whose
        connections drop from now on), and remember where every player
        stands: the server is stopping.

        @return: a Deferred that fires once every place is saved.
        """
        self._stopped = True
        for seat in self._seats.values():
            if seat.hold is not None and seat.hold.active():
                seat.hold.cancel()
            seat.hold = None
        return self._savePlaces(list(self._seats.values()))

    def roomLoads(self) -> Dict[str, list]:
        """
        This node's rooms and how full they are, for the room directory:
        C{{name: [map, players, capacity]}}.
        """
        return {self._roomNames[view]: [view.room.worldMap.name, view.room.playerCount,
                                        view.room.capacity]
                for view in self.views()}

    def onlinePlayers(self) -> List[dict]:
        """
        The players connected to this node: C{[{"id", "name", "map"}]},
        with C{"zone"}, the name of the last named zone they stand in (or
        C{None}), or C{"private": True} in a private zone, where nobody
        outside may place them.
        """
        online = []
        for view in self.views():
            worldMap = view.room.worldMap
            for avatar in view.room.avatars.values():
                if avatar.agent is not None or not avatar.connected or avatar.userId is None:
                    continue
                player = {"id": avatar.userId, "name": avatar.name, "map": worldMap.name}
                if avatar.privacy:
                    player["private"] = True
                else:
                    named = [worldMap.zones[n].name for n in avatar.zones
                             if worldMap.zones[n].name]
                    player["zone"] = named[-1] if named else None
                online.append(player)
        return online

    def seatOf(self, userId: int) -> Optional[Seat]:
        """
        The seat of the user's avatar with a connection, or C{None} when
        they are not in the world.
        """
        for seat in self._seats.values():
            if seat.owner is not None and seat.avatar.userId == userId:
                return seat
        return None

    def heldCount(self) -> int:
        return sum(1 for seat in self._seats.values() if seat.owner is None)

    # -- time --------------------------------------------------------------

    def step(self):
        """
        Advance every room by one tick and send the patches due.

        @return: C{(underruns, patches, totalBytes)}: how many moving
            avatars found no input waiting, and the patches sent.
        """
        underruns = sent = size = 0
        for view in list(self.views()):
            try:
                underruns += view.room.step()
                count, length = view.advance()
            except Exception:
                # A bug must not freeze every room: log it and go on.
                log.failure("stepping room {room}", room=self._roomNames.get(view))
                continue
            sent += count
            size += length
            if view.moves:
                self._takeDoors(view)
        if self.store is not None:
            now = self.clock.seconds()
            if now >= self._placesDueAt:
                self._placesDueAt = now + PLACE_SAVE_SECONDS
                self.saveMovedPlaces().addErrback(
                    lambda failure: log.failure("saving where players stand", failure))
        return underruns, sent, size

    def _takeDoors(self, view: RoomView) -> None:
        moves, view.moves = view.moves, []
        seats = {seat.avatar: seat for seat in self._seats.values() if seat.view is view}
        for avatar, target in moves:
            seat = seats.get(avatar)
            # Two doors at once: the first took the seat to a new avatar.
            if seat is not None and seat.avatar is avatar:
                try:
                    self.move(seat, target)
                except Exception:
                    log.failure("moving a player to {map}", map=target.mapName)
