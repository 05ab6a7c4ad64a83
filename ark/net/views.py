"""
What each client sees of a room, and the patches that keep it up to date.

A client watches the grid cells its view square overlaps.  It knows an
avatar exactly when that avatar stands in a watched cell; when either moves
across a cell edge the client is told to add or delete it.  Everything else
a client learns is motions (see L{ark.world.room}).

Every client gets a patch every third tick (20 Hz), but not all on the same
tick: clients are spread over three phases, so each tick patches a third of
them and the work, the bytes and the clients' answers come in an even
stream instead of a burst that would hold up the next ticks.  Each tick,
the motions of the last three ticks are encoded once per cell; a client's
patch joins the pieces of the cells it watches, so its cost grows with its
neighbours, not with the room.
"""

from __future__ import annotations

from collections import deque
from typing import Callable, Dict, List, Set

from ark.net import codec
from ark.net.codec import dumps
from ark.world import movement
from ark.world.room import Avatar, Room

PATCH_RATE = 20
TICKS_PER_PATCH = movement.TICK_RATE // PATCH_RATE

_T = codec.encodeKey("t")
_PATCH_TYPE = codec.encodeKey("p")
_TICK = codec.encodeKey("tick")
_ACK = codec.encodeKey("ack")
_ME = codec.encodeKey("me")
_QUEUED = codec.encodeKey("q")
_DEL = codec.encodeKey("del")
_ADD = codec.encodeKey("add")
_MV = codec.encodeKey("mv")
_CHG = codec.encodeKey("chg")


def describe(avatar: Avatar) -> list:
    """
    The full description of an avatar that a client needs to show it:
    C{[id, name, avatar, x, y, facing, bits, connected]}.  An array, not a
    map, because entering entities are a third of what clients receive.
    """
    body = avatar.body
    return [
        avatar.entityId,
        avatar.name,
        avatar.avatar,
        body.x,
        body.y,
        body.facing,
        avatar.bits,
        avatar.connected,
    ]


class Viewer:
    """
    One client's view of a room, and what it has yet to be told.

    @ivar avatar: the client's own avatar.
    @ivar send: called with each encoded patch.
    @ivar phase: the tick, modulo L{TICKS_PER_PATCH}, of its patches.
    @ivar watched: the cells the client watches.
    @ivar adds: avatars to describe in full in the next patch.
    @ivar dels: ids of avatars to delete in the next patch.
    @ivar changed: avatars whose connection flag changed since the last
        patch.
    """

    __slots__ = (
        "avatar",
        "send",
        "phase",
        "watched",
        "centre",
        "sentAck",
        "sentBody",
        "adds",
        "dels",
        "changed",
    )

    def __init__(self, avatar: Avatar, send: Callable[[bytes], None], phase: int):
        self.avatar = avatar
        self.send = send
        self.phase = phase
        self.watched: Set = set()
        self.centre = None
        self.sentAck = avatar.ackSeq
        self.sentBody = avatar.body
        self.adds: Dict[Avatar, None] = {}
        self.dels: Dict[int, None] = {}
        self.changed: Set[Avatar] = set()

    def learn(self, avatar: Avatar) -> None:
        """
        The client is to be told about C{avatar} in full.
        """
        self.adds[avatar] = None

    def forget(self, avatar: Avatar) -> None:
        """
        The client is to forget C{avatar}.  If it was only going to be
        told about it, it never hears of it.
        """
        if avatar in self.adds:
            del self.adds[avatar]
            # Deleted, added again and deleted again before one patch: the
            # client still knows it from before, so the delete stands.
            if avatar.entityId not in self.dels:
                return
        self.dels[avatar.entityId] = None


class RoomView:
    """
    The clients watching one L{Room} and the patches sent to them.

    @param room: the simulation.
    @param viewRadius: half the side of a client's view square, in pixels.
    """

    def __init__(self, room: Room, viewRadius: int):
        self.room = room
        self.viewRadius = viewRadius * movement.UNITS_PER_PIXEL
        self.viewers: Dict[Avatar, Viewer] = {}
        self._watchers: Dict[tuple, Set[Viewer]] = {}
        self._knownBy: Dict[Avatar, Set[Viewer]] = {}
        # The motions of the last ticks, by tick: {cell: [motion, ...]}.
        self._recent: deque = deque(maxlen=TICKS_PER_PATCH)
        self._phases = 0

    # -- who watches what --------------------------------------------------

    def attach(self, avatar: Avatar, send: Callable[[bytes], None]) -> dict:
        """
        Start sending patches about the room to a client whose avatar is
        C{avatar}.

        @return: the snapshot the client starts from: C{me}, C{ack} and the
            C{entities} it can see, as in the protocol's welcome.
        """
        self.detach(avatar)
        viewer = Viewer(avatar, send, self._phases % TICKS_PER_PATCH)
        self._phases += 1
        self.viewers[avatar] = viewer
        self._knownBy.setdefault(avatar, set()).add(viewer)
        self._watch(viewer)
        # The snapshot describes everything it watches now, so nothing
        # queued by the watch needs telling again.
        viewer.adds.clear()
        viewer.dels.clear()
        grid = self.room.grid
        entities = [
            describe(other)
            for cell in viewer.watched
            for other in grid.members(cell)
            if other is not avatar
        ]
        return {"me": describe(avatar), "ack": avatar.ackSeq, "entities": entities}

    def detach(self, avatar: Avatar) -> None:
        """
        Stop sending to the client of C{avatar} (its avatar may stay).
        """
        viewer = self.viewers.pop(avatar, None)
        if viewer is None:
            return
        for cell in viewer.watched:
            watchers = self._watchers.get(cell)
            if watchers is not None:
                watchers.discard(viewer)
                if not watchers:
                    del self._watchers[cell]
        for knowers in self._knownBy.values():
            knowers.discard(viewer)

    def _watch(self, viewer: Viewer) -> None:
        """
        Bring C{viewer}'s watched cells in line with its avatar's position,
        queueing adds and deletes for what comes into and leaves its view.
        """
        avatar = viewer.avatar
        viewer.centre = avatar.cell
        body = avatar.body
        grid = self.room.grid
        previous = viewer.watched
        watched = set(grid.cellsAround(body.x, body.y, self.viewRadius))
        knownBy = self._knownBy
        for cell in watched - previous:
            self._watchers.setdefault(cell, set()).add(viewer)
            for other in grid.members(cell):
                knowers = knownBy.setdefault(other, set())
                if viewer not in knowers:
                    knowers.add(viewer)
                    viewer.learn(other)
        for cell in previous - watched:
            watchers = self._watchers[cell]
            watchers.discard(viewer)
            if not watchers:
                del self._watchers[cell]
            for other in grid.members(cell):
                knowers = knownBy.get(other)
                if knowers is not None and viewer in knowers:
                    knowers.discard(viewer)
                    viewer.forget(other)
        viewer.watched = watched

    # -- each tick ---------------------------------------------------------

    def advance(self):
        """
        Take in what the room's last step changed, and send their patches
        to the clients whose turn it is.  Call after every L{Room.step}.

        @return: C{(patches, totalBytes)} sent.
        """
        room = self.room
        changes = room.drainChanges()
        knownBy = self._knownBy
        watchers = self._watchers

        motions: Dict[tuple, list] = {}
        for avatar in changes.moved:
            entityId = avatar.entityId
            cellMotions = motions.get(avatar.cell)
            if cellMotions is None:
                cellMotions = motions[avatar.cell] = []
            for tick, x, y, bits, facing in avatar.motions:
                cellMotions.append((entityId, tick, x, y, bits, facing))
        room.clearMotions(changes)
        self._recent.append(motions)

        for avatar in changes.removed:
            for viewer in knownBy.pop(avatar, ()):
                viewer.forget(avatar)
        for avatar in changes.crossed:
            viewer = self.viewers.get(avatar)
            if viewer is not None and avatar.cell != viewer.centre:
                self._watch(viewer)

        # Avatars that arrived or crossed a cell edge.
        arrivals = set(changes.added)
        arrivals.update(changes.crossed)
        for avatar in arrivals:
            if avatar.entityId not in room.avatars:
                continue
            knowers = knownBy.setdefault(avatar, set())
            cell = avatar.cell
            for viewer in [v for v in knowers if cell not in v.watched]:
                knowers.discard(viewer)
                viewer.forget(avatar)
            for viewer in watchers.get(cell, ()):
                if viewer not in knowers:
                    knowers.add(viewer)
                    viewer.learn(avatar)

        for avatar in changes.connection:
            for viewer in knownBy.get(avatar, ()):
                if viewer.avatar is not avatar:
                    viewer.changed.add(avatar)

        return self._sendPatches(room.tick % TICKS_PER_PATCH)

    def _windowMotions(self, tick: int) -> Dict[tuple, tuple]:
        """
        The motions of the last L{TICKS_PER_PATCH} ticks, encoded once per
        cell for every patch sent at C{tick}: C{{cell: (count, bytes)}}.
        """
        byCell: Dict[tuple, List[bytes]] = {}
        for motions in self._recent:
            for cell, cellMotions in motions.items():
                items = byCell.get(cell)
                if items is None:
                    items = byCell[cell] = []
                for entityId, motionTick, x, y, bits, facing in cellMotions:
                    items.append(dumps([entityId, tick - motionTick, x, y, bits, facing]))
        return {cell: (len(items), b"".join(items)) for cell, items in byCell.items()}

    def _sendPatches(self, phase: int):
        tick = self.room.tick
        cellMotions = None
        encodedTick = dumps(tick)
        described: Dict[Avatar, bytes] = {}
        sent = size = 0
        for viewer in self.viewers.values():
            if viewer.phase != phase:
                continue
            if cellMotions is None:
                cellMotions = self._windowMotions(tick)
            patch = self._assemble(viewer, cellMotions, encodedTick, described)
            if patch is not None:
                viewer.send(patch)
                sent += 1
                size += len(patch)
        return sent, size

    def _assemble(self, viewer: Viewer, cellMotions, encodedTick: bytes, described):
        """
        The patch for C{viewer}, or C{None} when it has nothing to learn.
        Runs for every client twenty times a second: it joins byte strings
        encoded once per tick and encodes only what is the client's own.
        """
        parts = []
        fields = 0
        avatar = viewer.avatar
        body = avatar.body
        if avatar.ackSeq != viewer.sentAck or body != viewer.sentBody:
            viewer.sentAck = avatar.ackSeq
            viewer.sentBody = body
            parts += (_ACK, dumps(avatar.ackSeq),
                      _ME, dumps([body.x, body.y, body.facing, body.state]),
                      _QUEUED, dumps(len(avatar.queue)))
            fields += 3
        if viewer.dels:
            parts += (_DEL, dumps(list(viewer.dels)))
            viewer.dels = {}
            fields += 1
        adds = viewer.adds
        if adds:
            parts += (_ADD, codec.arrayHeader(len(adds)))
            for other in adds:
                encoded = described.get(other)
                if encoded is None:
                    encoded = described[other] = dumps(describe(other))
                parts.append(encoded)
            fields += 1
        if cellMotions:
            count = 0
            chunks = []
            for cell in viewer.watched:
                motions = cellMotions.get(cell)
                if motions is not None:
                    count += motions[0]
                    chunks.append(motions[1])
            if count:
                parts += (_MV, codec.arrayHeader(count), *chunks)
                fields += 1
        if viewer.changed:
            changed = [[other.entityId, {"c": other.connected}]
                       for other in viewer.changed if other not in adds]
            if changed:
                parts += (_CHG, dumps(changed))
                fields += 1
            viewer.changed = set()
        if adds:
            viewer.adds = {}
        if not fields:
            return None
        return b"".join((codec.mapHeader(fields + 2), _TICK, encodedTick, _T, _PATCH_TYPE, *parts))
