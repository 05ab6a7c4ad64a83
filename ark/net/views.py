"""
What each client sees of a room, and the patches that keep it up to date.

A client watches the grid cells its view square overlaps.  It knows an
avatar exactly when that avatar stands in a watched cell; when either moves
across a cell edge the client is told to add or delete it.  Everything else
a client learns is motions (see L{ark.world.room}), and those are encoded
once per patch per cell: a client's patch joins the pieces of the cells it
watches, so its cost grows with its neighbours, not with the room.
"""

from __future__ import annotations

from typing import Callable, Dict, List, Set

from ark.net import codec
from ark.net.codec import dumps
from ark.world import movement
from ark.world.room import Avatar, Room

PATCH_RATE = 20

_T = codec.encodeKey("t")
_PATCH_TYPE = codec.encodeKey("p")
_TICK = codec.encodeKey("tick")
_ACK = codec.encodeKey("ack")
_ME = codec.encodeKey("me")
_DEL = codec.encodeKey("del")
_ADD = codec.encodeKey("add")
_MV = codec.encodeKey("mv")
_CHG = codec.encodeKey("chg")
_QUEUED = codec.encodeKey("q")


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
    One client's view of a room.

    @ivar avatar: the client's own avatar.
    @ivar send: called with each encoded patch.
    @ivar watched: the cells the client watches.
    @ivar patchesSent: how many patches went out, for tests and metrics.
    """

    __slots__ = (
        "avatar",
        "send",
        "watched",
        "centre",
        "fresh",
        "sentAck",
        "sentBody",
        "adds",
        "dels",
        "changes",
    )

    def __init__(self, avatar: Avatar, send: Callable[[bytes], None]):
        self.avatar = avatar
        self.send = send
        self.watched: Set = set()
        self.centre = None
        self.fresh: Set = set()
        self.sentAck = avatar.ackSeq
        self.sentBody = avatar.body
        self.adds: List[bytes] = []
        self.dels: List[int] = []
        self.changes: List[bytes] = []


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
        self._fullCache: Dict[Avatar, bytes] = {}

    # -- who watches what --------------------------------------------------

    def attach(self, avatar: Avatar, send: Callable[[bytes], None]) -> dict:
        """
        Start sending patches about the room to a client whose avatar is
        C{avatar}.

        @return: the snapshot the client starts from: C{me} and the
            C{entities} it can see, as in the protocol's welcome.
        """
        self.detach(avatar)
        viewer = Viewer(avatar, send)
        self.viewers[avatar] = viewer
        self._knownBy.setdefault(avatar, set()).add(viewer)
        self._watch(viewer, fillFresh=False)
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

    def _watch(self, viewer: Viewer, fillFresh: bool) -> None:
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
                    if fillFresh:
                        viewer.adds.append(self._full(other))
        for cell in previous - watched:
            watchers = self._watchers[cell]
            watchers.discard(viewer)
            if not watchers:
                del self._watchers[cell]
            for other in grid.members(cell):
                knowers = knownBy.get(other)
                if knowers is not None and viewer in knowers:
                    knowers.discard(viewer)
                    viewer.dels.append(other.entityId)
        viewer.fresh = watched - previous if fillFresh else set()
        viewer.watched = watched

    # -- patches -----------------------------------------------------------

    def _full(self, avatar: Avatar) -> bytes:
        encoded = self._fullCache.get(avatar)
        if encoded is None:
            encoded = self._fullCache[avatar] = dumps(describe(avatar))
        return encoded

    def sendPatches(self):
        """
        Send every client the patch of what changed in its view since the
        last call.  Clients for whom nothing changed are sent nothing.

        @return: C{(patches, totalBytes)} sent.
        """
        room = self.room
        changes = room.drainChanges()
        tick = room.tick
        self._fullCache = {}
        knownBy = self._knownBy
        watchers = self._watchers

        # Motions, encoded once per cell: (count, the items' bytes joined).
        byCell: Dict[tuple, list] = {}
        for avatar in changes.moved:
            items = byCell.get(avatar.cell)
            if items is None:
                items = byCell[avatar.cell] = []
            entityId = avatar.entityId
            for motionTick, x, y, bits, facing in avatar.motions:
                items.append(dumps([entityId, tick - motionTick, x, y, bits, facing]))
        room.clearMotions(changes)
        cellMotions = {cell: (len(items), b"".join(items)) for cell, items in byCell.items()}

        for avatar in changes.removed:
            for viewer in knownBy.pop(avatar, ()):
                viewer.dels.append(avatar.entityId)

        # Clients whose own view moved to other cells.
        for viewer in self.viewers.values():
            if viewer.avatar.cell != viewer.centre:
                self._watch(viewer, fillFresh=True)

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
                viewer.dels.append(avatar.entityId)
            for viewer in watchers.get(cell, ()):
                if viewer not in knowers:
                    knowers.add(viewer)
                    viewer.adds.append(self._full(avatar))

        for avatar in changes.connection:
            item = dumps([avatar.entityId, {"c": avatar.connected}])
            for viewer in knownBy.get(avatar, ()):
                if viewer.avatar is not avatar:
                    viewer.changes.append(item)

        encodedTick = dumps(tick)
        sent = size = 0
        for viewer in self.viewers.values():
            patch = self._assemble(viewer, cellMotions, encodedTick)
            if patch is not None:
                viewer.send(patch)
                sent += 1
                size += len(patch)
        return sent, size

    def _assemble(self, viewer: Viewer, cellMotions, encodedTick: bytes):
        """
        The patch for C{viewer}, or C{None} when it has nothing to learn.
        Runs for every client twenty times a second: it joins byte strings
        encoded once per patch and encodes only what is the client's own.
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
            parts += (_DEL, dumps(viewer.dels))
            viewer.dels = []
            fields += 1
        if viewer.adds:
            parts += (_ADD, codec.arrayHeader(len(viewer.adds)), *viewer.adds)
            viewer.adds = []
            fields += 1
        if cellMotions:
            count = 0
            chunks = []
            fresh = viewer.fresh
            for cell in viewer.watched:
                motions = cellMotions.get(cell)
                if motions is not None and cell not in fresh:
                    count += motions[0]
                    chunks.append(motions[1])
            if count:
                parts += (_MV, codec.arrayHeader(count), *chunks)
                fields += 1
            viewer.fresh = _NOTHING
        if viewer.changes:
            parts += (_CHG, codec.arrayHeader(len(viewer.changes)), *viewer.changes)
            viewer.changes = []
            fields += 1
        if not fields:
            return None
        return b"".join((codec.mapHeader(fields + 2), _TICK, encodedTick, _T, _PATCH_TYPE, *parts))


_NOTHING: Set = frozenset()
