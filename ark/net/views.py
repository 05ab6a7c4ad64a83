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

In a private zone (see L{ark.world.room.Avatar.privacy}) avatars see only
those in the same private zones, and are seen by nobody else: knowing is
then watching the cell I{and} sharing the privacy, and motions are filed
under the cell and the privacy, so none reach a client that may not see
them.
"""

from __future__ import annotations

from typing import Callable, Dict, List, Optional, Set

from ark import metrics
from ark.net import codec
from ark.net.codec import dumps
from ark.world import movement
from ark.world.proximity import ASKED, JOINED, LEFT
from ark.world.room import MOVED, PLACED, STILL, Avatar, Room
from ark.interfaces import MoveTo

PATCH_RATE = 20
TICKS_PER_PATCH = movement.TICK_RATE // PATCH_RATE

# A motion an observer can work out with the movement rule is sent without
# its position; every so many, one is sent with it anyway, so that a client
# whose replay went wrong is put right within seconds.
RESTATE_EVERY = 8

# On the wire, the input bits of a STILL motion carry this flag.
STILL_FLAG = 32

_T = codec.encodeKey("t")
_PATCH_TYPE = codec.encodeKey("p")
_TICK = codec.encodeKey("tick")
_ME = codec.encodeKey("me")
_DEL = codec.encodeKey("del")
_ADD = codec.encodeKey("add")
_MV = codec.encodeKey("mv")
_CHG = codec.encodeKey("chg")
_ZONES = codec.encodeKey("zones")
# An avatar's attributes that change, by their key in a patch's C{chg}.
_CHANGE_KEYS = {"connected": "c", "status": "s", "agent": "a"}


def describeAgent(avatar: Avatar):
    """
    What an entity's description says of it as an agent: C{None} for a
    player; C{[agentId, role, state, withId]} for an agent.
    """
    agent = avatar.agent
    if agent is None:
        return None
    return [agent.spec.agentId, agent.spec.role, agent.state, agent.withId]


def describe(avatar: Avatar) -> list:
    """
    The full description of an avatar that a client needs to show it,
    with its last motion to replay it from: C{[id, name, avatar,
    connected, tick, x, y, bits, facing, userId, status, agent]} (see
    L{describeAgent}).  An array, not a map, because entering entities
    are a large share of what clients receive.
    """
    tick, kind, bits, x, y, facing = avatar.anchor
    return [avatar.entityId, avatar.name, avatar.avatar, avatar.connected,
            tick, x, y, bits, facing, avatar.userId, avatar.status, describeAgent(avatar)]


def describeNow(avatar: Avatar, tick: int) -> list:
    """
    Like L{describe}, but where the avatar stands at C{tick}, the room's
    latest: what its own player starts from.
    """
    body = avatar.body
    return [avatar.entityId, avatar.name, avatar.avatar, avatar.connected,
            tick, body.x, body.y, avatar.bits, body.facing, avatar.userId, avatar.status,
            describeAgent(avatar)]


def _changed(avatar: Avatar, name: str):
    """
    The value of C{avatar}'s changed attribute C{name} in a patch's
    C{chg}: an agent's is C{[state, withId]}.
    """
    if name == "agent":
        agent = avatar.agent
        return [agent.state, agent.withId]
    return getattr(avatar, name)


class Viewer:
    """
    One client's view of a room, and what it has yet to be told.

    @ivar avatar: the client's own avatar.
    @ivar send: called with each encoded message and, for a patch whose
        last field is C{mv}, its motions: C{send(message, motions)}, the
        message being the C{join} of the two (motions are byte strings,
        shared by the clients watching the same cells); C{motions} is
        C{None} for anything else.
    @ivar phase: the tick, modulo L{TICKS_PER_PATCH}, of its patches.
    @ivar watched: the cells the client watches.
    @ivar span: the same cells as C{(left, top, right, bottom)}.
    @ivar adds: avatars to describe in full in the next patch.
    @ivar dels: ids of avatars to delete in the next patch.
    @ivar restated: avatars whose connection flag or status changed since
        the last patch, with the names of those that did.
    @ivar sentZones: the zones the client was last told its avatar is in.
    @ivar flow: what carries the client's patches when that is not the
        client's own connection (a gateway's link, see
        L{ark.gateway.roomside.LinkFlow}): while it is C{behind}, the
        client misses its patches.
    @ivar missed: whether the client missed a patch, and so needs to be
        told everything it sees afresh.
    """

    __slots__ = (
        "avatar",
        "send",
        "phase",
        "watched",
        "span",
        "sentAck",
        "sentBody",
        "adds",
        "dels",
        "restated",
        "sentZones",
        "flow",
        "missed",
    )

    def __init__(self, avatar: Avatar, send: Callable[[bytes, Optional[list]], None], phase: int,
                 flow=None):
        self.avatar = avatar
        self.send = send
        self.flow = flow
        self.missed = False
        self.phase = phase
        self.watched: Set = set()
        self.span = None
        self.sentAck = avatar.ackSeq
        self.sentBody = avatar.body
        self.adds: Dict[Avatar, None] = {}
        self.dels: Dict[int, None] = {}
        self.restated: Dict[Avatar, Set[str]] = {}
        self.sentZones = avatar.zones

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
    @param director: the L{ark.behaviours.director.ZoneDirector} whose effects
        go to the players, or C{None}.
    """

    def __init__(self, room: Room, viewRadius: int, director=None):
        self.room = room
        self.director = director
        self.viewRadius = viewRadius * movement.UNITS_PER_PIXEL
        self.viewers: Dict[Avatar, Viewer] = {}
        self._watchers: Dict[tuple, Set[Viewer]] = {}
        self._knownBy: Dict[Avatar, Set[Viewer]] = {}
        # Motions of the last ticks by their tick, then by cell, as
        # (entityId, tick, wire kind, bits, x, y, facing).
        self._motions: Dict[int, Dict[tuple, list]] = {}
        # Motions sent without a position since each avatar's last one with.
        self._unstated: Dict[Avatar, int] = {}
        self._phases = 0
        # Players zone behaviours asked to move to other maps, for the
        # room manager: [(avatar, MoveTo), ...].
        self.moves: list = []

    # -- who watches what --------------------------------------------------

    def attach(self, avatar: Avatar, send: Callable[[bytes, Optional[list]], None],
               flow=None) -> dict:
        """
        Start sending patches about the room to a client whose avatar is
        C{avatar}, through C{send} and, if given, a C{flow} (see
        L{Viewer.flow}).

        @return: the snapshot the client starts from: C{me}, C{ack} and the
            C{entities} it can see, as in the protocol's welcome.
        """
        self.detach(avatar)
        viewer = Viewer(avatar, send, self._phases % TICKS_PER_PATCH, flow)
        self._phases += 1
        self.viewers[avatar] = viewer
        self._knownBy.setdefault(avatar, set()).add(viewer)
        self._watch(viewer, self._spanOf(avatar))
        # The snapshot describes everything it watches now, so nothing
        # queued by the watch needs telling again.
        viewer.adds.clear()
        viewer.dels.clear()
        grid = self.room.grid
        privacy = avatar.privacy
        entities = [
            describe(other)
            for cell in viewer.watched
            for other in grid.members(cell)
            if other is not avatar and other.privacy == privacy
        ]
        return {
            "me": describeNow(avatar, self.room.tick),
            "ack": avatar.ackSeq,
            "entities": entities,
            "zones": self._describeZones(avatar.zones),
        }

    def retell(self, avatar: Avatar) -> None:
        """
        Send the client of C{avatar}, resumed where it stood, what the zones
        it stands in do (the call of its meeting room, the sound...), as if
        it had just walked in: the page it had may be gone.
        """
        viewer = self.viewers.get(avatar)
        if self.director is None or viewer is None:
            return
        for effect in self.director.standingIn(self.room.worldMap, avatar):
            sendTo(viewer, effect)

    def _describeZones(self, numbers) -> list:
        """
        Zones as a client learns them: C{[[number, name], ...]}, numbered
        by their order in the map, with a third element, the action
        button's label, where acting does something.
        """
        worldMap = self.room.worldMap
        described = []
        for number in numbers:
            zone = [number, worldMap.zones[number].name]
            offer = self.director.offer(worldMap, number) if self.director else None
            if offer:
                zone.append(offer)
            described.append(zone)
        return described

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

    def _spanOf(self, avatar: Avatar):
        body = avatar.body
        return self.room.grid.spanAround(body.x, body.y, self.viewRadius)

    def _watch(self, viewer: Viewer, span) -> None:
        """
        Make C{viewer} watch the cells of C{span}, queueing adds and
        deletes for what comes into and leaves its view.
        """
        grid = self.room.grid
        previous = viewer.watched
        watched = set(grid.cellsIn(span))
        viewer.span = span
        knownBy = self._knownBy
        privacy = viewer.avatar.privacy
        for cell in watched - previous:
            self._watchers.setdefault(cell, set()).add(viewer)
            for other in grid.members(cell):
                if other.privacy != privacy:
                    continue
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

        self._collectMotions(changes.moved, room.tick)
        room.clearMotions(changes)
        if self.director is not None and (changes.rezoned or changes.acted or changes.removed):
            self._sendEffects(changes)

        for avatar in changes.removed:
            self._unstated.pop(avatar, None)
            for viewer in knownBy.pop(avatar, ()):
                viewer.forget(avatar)

        # Avatars that arrived, crossed a cell edge, or went in or out of a
        # private zone.
        arrivals = set(changes.added)
        arrivals.update(changes.crossed)
        privateZones = room.privateZones
        if privateZones and changes.rezoned:
            for avatar, before in changes.rezoned.items():
                if room.privacyOf(before) != avatar.privacy:
                    arrivals.add(avatar)
                    viewer = self.viewers.get(avatar)
                    if viewer is not None:
                        self._review(viewer)
        for avatar in arrivals:
            if avatar.entityId not in room.avatars:
                continue
            knowers = knownBy.setdefault(avatar, set())
            watching = watchers.get(avatar.cell, _NOBODY)
            if privateZones:
                privacy = avatar.privacy
                watching = {viewer for viewer in watching
                            if viewer.avatar.privacy == privacy}
            for viewer in knowers - watching:
                viewer.forget(avatar)
            for viewer in watching - knowers:
                viewer.learn(avatar)
            knownBy[avatar] = set(watching)

        for avatar, names in changes.restated.items():
            for viewer in knownBy.get(avatar, ()):
                if viewer.avatar is not avatar:
                    viewer.restated.setdefault(avatar, set()).update(names)
        if changes.talk:
            self._sendTalk(changes.talk)

        return self._sendPatches(room.tick % TICKS_PER_PATCH)

    def _review(self, viewer: Viewer) -> None:
        """
        The privacy of C{viewer}'s avatar changed: it learns whom it may
        now see and forgets whom it may not, among those it watches.
        """
        grid = self.room.grid
        knownBy = self._knownBy
        mine = viewer.avatar
        for cell in viewer.watched:
            for other in grid.members(cell):
                if other is mine:
                    continue
                knowers = knownBy.setdefault(other, set())
                if other.privacy == mine.privacy:
                    if viewer not in knowers:
                        knowers.add(viewer)
                        viewer.learn(other)
                elif viewer in knowers:
                    knowers.discard(viewer)
                    viewer.forget(other)

    def _sendEffects(self, changes) -> None:
        # Effects go out at once rather than with the next patch: opening a
        # call should not wait for anything.
        for avatar, effect in self.director.effectsOf(self.room.worldMap, changes):
            if isinstance(effect, MoveTo):
                if avatar.entityId in self.room.avatars:
                    self.moves.append((avatar, effect))
                continue
            viewer = self.viewers.get(avatar)
            if viewer is not None:
                sendTo(viewer, effect)

    def _sendTalk(self, events) -> None:
        """
        Tell the two players of each pair, and only them, what became of
        it (see C{docs/protocol.md}, "Talking"); at once, like effects.
        """
        for event in events:
            kind, pair = event[0], event[1]
            for member in (pair.first, pair.second):
                viewer = self.viewers.get(member)
                if viewer is None:
                    continue
                other = pair.other(member)
                message = {"t": "peer", "pair": pair.number, "id": other.entityId}
                if kind == LEFT:
                    message.update(event="leave", reason=event[2])
                elif kind == ASKED and member not in pair.asking:
                    message.update(event="waiting")
                else:
                    message.update(event="join" if kind == JOINED else "ask",
                                   user=other.userId, name=other.name)
                    if kind == JOINED:
                        message["polite"] = member is pair.second
                sendTo(viewer, message)

    def _collectMotions(self, moved, tick: int) -> None:
        """
        File the motions of C{moved} avatars by tick and cell, deciding
        once for each whether it goes with its position, and forget those
        too old to be sent again.
        """
        buckets = self._motions
        unstated = self._unstated
        for avatar in moved:
            entityId = avatar.entityId
            cell = avatar.cell if not avatar.privacy else (avatar.cell, avatar.privacy)
            for motionTick, kind, bits, x, y, facing in avatar.motions:
                if kind != PLACED:
                    count = unstated.get(avatar, 0) + 1
                    if count >= RESTATE_EVERY:
                        kind = PLACED
                    else:
                        unstated[avatar] = count
                if kind == PLACED:
                    unstated[avatar] = 0
                byCell = buckets.get(motionTick)
                if byCell is None:
                    byCell = buckets[motionTick] = {}
                items = byCell.get(cell)
                if items is None:
                    items = byCell[cell] = []
                items.append((entityId, motionTick, kind, bits, x, y, facing))
        for old in [t for t in buckets if t <= tick - 2 * TICKS_PER_PATCH]:
            del buckets[old]

    def _windowMotions(self, last: int) -> Dict[tuple, tuple]:
        """
        The motions of the L{TICKS_PER_PATCH} ticks up to C{last}, encoded
        once per cell for every patch describing C{last}:
        C{{cell: (count, bytes)}}.
        """
        byCell: Dict[tuple, List[bytes]] = {}
        for motionTick in range(last - TICKS_PER_PATCH + 1, last + 1):
            for cell, motions in self._motions.get(motionTick, {}).items():
                items = byCell.get(cell)
                if items is None:
                    items = byCell[cell] = []
                for entityId, _, kind, bits, x, y, facing in motions:
                    age = last - motionTick
                    if kind == MOVED:
                        item = [entityId, age, bits]
                    elif kind == STILL:
                        item = [entityId, age, bits | STILL_FLAG]
                    else:
                        item = [entityId, age, bits, facing, x, y]
                    items.append(dumps(item))
        return {cell: (len(items), b"".join(items)) for cell, items in byCell.items()}

    def _sendPatches(self, phase: int):
        # Whether a moving avatar stood still at the latest tick is only
        # known a tick later, so patches describe the world up to the tick
        # before; observers draw others a little in the past anyway.
        last = self.room.tick - 1
        window = None
        encodedTick = dumps(last)
        described: Dict[Avatar, bytes] = {}
        # Clients that watch the same cells share their motions' bytes.
        motionsBySpan: Dict[tuple, list] = {}
        motionSizes: Dict[tuple, int] = {}
        sent = size = 0
        for viewer in self.viewers.values():
            if viewer.phase != phase:
                continue
            if viewer.flow is not None:
                if viewer.flow.behind:
                    # What it learns and forgets meanwhile waits in the
                    # viewer; the motions it misses are made good below.
                    viewer.missed = True
                    continue
                if viewer.missed:
                    self._refresh(viewer)
            span = self._spanOf(viewer.avatar)
            if span != viewer.span:
                self._watch(viewer, span)
            privacy = viewer.avatar.privacy
            key = span if not privacy else (span, privacy)
            motions = motionsBySpan.get(key)
            if motions is None:
                if window is None:
                    window = self._windowMotions(last)
                # Motions are filed as _collectMotions keys them.
                keys = (viewer.watched if not privacy
                        else [(cell, privacy) for cell in viewer.watched])
                found = [window[key] for key in keys if key in window]
                motions = motionsBySpan[key] = (
                    [_MV + codec.arrayHeader(sum(count for count, _ in found))]
                    + [chunk for _, chunk in found]
                    if found else _NO_MOTIONS
                )
                motionSizes[key] = sum(map(len, motions))
            patch = self._assemble(viewer, motions, encodedTick, described)
            if patch is not None:
                viewer.send(patch, motions or None)
                sent += 1
                size += len(patch) + motionSizes[key]
        return sent, size

    def _refresh(self, viewer: Viewer) -> None:
        """
        C{viewer}'s client missed patches (see L{Viewer.flow}): tell it
        everything it sees afresh, as a fresh snapshot would, within the
        next patch: each avatar it knows deleted and described again from
        its latest motion, its own avatar and zones restated.
        """
        viewer.missed = False
        mine = viewer.avatar
        grid = self.room.grid
        for cell in viewer.watched:
            for other in grid.members(cell):
                if other is not mine and other.privacy == mine.privacy:
                    viewer.dels[other.entityId] = None
                    viewer.adds[other] = None
        viewer.sentBody = None
        viewer.sentAck = None
        viewer.sentZones = None

    def _assemble(self, viewer: Viewer, motions, encodedTick: bytes, described):
        """
        The patch for C{viewer} but its motions, or C{None} when it has
        nothing to learn.  Runs for every client twenty times a second:
        it joins byte strings encoded once per tick and encodes only what
        is the client's own.  C{motions} (the key and value of C{mv} for
        the cells it watches, as byte strings to join, shared by the
        clients watching the same cells; empty when there are none) are
        counted in the map but not included: they are the patch's last
        field, which L{Viewer.send} is given apart.
        """
        parts = []
        fields = 0
        avatar = viewer.avatar
        body = avatar.body
        if avatar.ackSeq != viewer.sentAck or body != viewer.sentBody:
            viewer.sentAck = avatar.ackSeq
            viewer.sentBody = body
            parts += (_ME, dumps([avatar.ackSeq, len(avatar.queue),
                                  body.x, body.y, body.facing, body.state]))
            fields += 1
        if avatar.zones != viewer.sentZones:
            viewer.sentZones = avatar.zones
            parts += (_ZONES, dumps(self._describeZones(avatar.zones)))
            fields += 1
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
        if motions:
            fields += 1
        if viewer.restated:
            # An avatar described in full in this patch needs no news.
            changed = [[other.entityId, {_CHANGE_KEYS[name]: _changed(other, name)
                                         for name in names}]
                       for other, names in viewer.restated.items() if other not in adds]
            if changed:
                parts += (_CHG, dumps(changed))
                fields += 1
            viewer.restated = {}
        if adds:
            viewer.adds = {}
        if not fields:
            return None
        return b"".join((codec.mapHeader(fields + 2), _TICK, encodedTick, _T, _PATCH_TYPE, *parts))


_NOBODY: Set[Viewer] = frozenset()
_NO_MOTIONS: list = []


def sendTo(viewer: Viewer, message: dict) -> None:
    """
    Send one message (a zone message, news of a conversation) to
    C{viewer}'s client, counted as every message sent is (patches are
    counted by the loop that steps the rooms).
    """
    encoded = dumps(message)
    traffic = metrics.traffic
    traffic.messagesOut[message["t"]] += 1
    traffic.bytesOut += len(encoded)
    viewer.send(encoded, None)
