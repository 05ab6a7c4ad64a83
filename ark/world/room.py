"""
The simulation of one room: the avatars on one map (or one shard of a
crowded map), stepped at a fixed rate.

Nothing here knows about sockets, encodings or the clock.  Time is the
tick counter; input arrives as numbered steps; what happened comes out as
a L{Changes} journal that the network layer turns into patches.
"""

from __future__ import annotations

import random
from collections import deque
from typing import Dict, FrozenSet, List, Optional, Set, Tuple

from ark.world import movement
from ark.world.agents import IDLE, STATES, Agent, AgentSpec, Pilot, Walkable, facingToward
from ark.world.grid import Grid
from ark.world.movement import Body, Obstacles
from ark.world.proximity import ONLINE, Talk, TalkRules
from ark.world.zones import ZoneIndex

# 320 px cells, as WorkAdventure uses: a client watches the cells its view
# overlaps, and each cell's news is encoded once per patch.
CELL_SIZE = 320 * movement.UNITS_PER_PIXEL

# How many steps may wait for a player: enough to absorb ~150 ms of network
# jitter, small enough that nobody banks movement for later.
MAX_QUEUED_STEPS = 10

MAX_SEQ = 2**53 - 1


# A motion is a change in how an avatar moves, as observers must learn it:
# (tick, kind, bits, x, y, facing).  At the end of that tick the avatar
# stands at (x, y) facing that way, and from the next tick on it applies
# input bits every tick until its next motion; so an observer replays its
# path exactly from motions alone, and nothing needs sending while it keeps
# its heading.  The kind tells how the tick itself went, which lets an
# observer who replays the rule work the position out without being told:
MOVED = 0  # the avatar consumed a step of the new bits at that tick;
STILL = 1  # no input had arrived in time: it stood still at that tick;
PLACED = 2  # it was put at (x, y): it arrived, or was teleported.
Motion = Tuple[int, int, int, int, int, int]

# The privacy of an avatar in no private zone.
_PUBLIC: FrozenSet[int] = frozenset()


class Avatar:
    """
    One player's avatar in a room.

    @ivar entityId: small integer naming the avatar in this room.
    @ivar userId: the player's user id.
    @ivar body: the L{movement.Body} after the last step.
    @ivar bits: the input it applies every tick: the last consumed, or 0
        once it has stopped.
    @ivar stalled: whether no step was waiting at the last tick although
        it was moving; the next tick tells a late step from a stop.
    @ivar lastSeq: the highest step number received.
    @ivar ackSeq: the step number of the last step consumed; once the
        queue is empty, of the last step received, so that steps dropped
        from a full queue are settled too and the client stops waiting
        for them.
    @ivar motions: motions since the last L{Room.drainChanges}.
    @ivar anchor: the last motion: where observers replay it from.
    @ivar cell: the grid cell the avatar stands in.
    @ivar zones: the zones its feet are in, as numbers into the map's
        zones, in map order.
    @ivar privacy: the private zones among C{zones}, as a frozenset:
        avatars see each other only when theirs are equal (empty outside
        every private zone).
    @ivar status: what its player told others about talking:
        C{online}, C{away}, C{busy} or C{dnd} (L{ark.world.proximity}).
    @ivar agent: for an agent's avatar, its L{ark.world.agents.Agent};
        C{None} for a player's.  An agent has no user id, no seat and no
        client: it walks by its pilot's steps, is seen like anyone, and
        takes no part in what players do together (capacity, talking,
        nearby chat, zones' behaviours).
    """

    __slots__ = (
        "entityId",
        "userId",
        "name",
        "avatar",
        "body",
        "bits",
        "stalled",
        "anchor",
        "queue",
        "lastSeq",
        "ackSeq",
        "connected",
        "motions",
        "cell",
        "zones",
        "privacy",
        "dropped",
        "status",
        "agent",
    )

    def __init__(self, entityId: int, name: str, avatar: str, body: Body, cell,
                 userId: Optional[int] = None):
        self.entityId = entityId
        self.userId = userId
        self.name = name
        self.avatar = avatar
        self.body = body
        self.bits = 0
        self.stalled = False
        self.anchor: Motion = (0, PLACED, 0, body.x, body.y, body.facing)
        self.queue: deque = deque()
        self.lastSeq = -1
        self.ackSeq = -1
        self.connected = True
        self.motions: List[Motion] = []
        self.cell = cell
        self.zones: Tuple[int, ...] = ()
        self.privacy: FrozenSet[int] = _PUBLIC
        self.dropped = 0
        self.status = ONLINE
        self.agent: Optional[Agent] = None


class Changes:
    """
    What happened in a room since the last drain.

    @ivar added: avatars that joined.
    @ivar removed: avatars that left, with the cell they were last in.
    @ivar moved: avatars with new motions (read them from C{motions}).
    @ivar crossed: avatars now standing in another grid cell.
    @ivar restated: avatars whose C{connected} flag or C{status} changed,
        or agents whose state did (named C{agent}), with the names of
        those that did.
    @ivar rezoned: avatars now in other zones, with the zones they were in
        at the last drain (or C{()} when they arrived since).
    @ivar acted: avatars whose players pressed the interact key, once each
        with the zones they were in then.
    @ivar talk: what happened to conversations, in order (see
        L{ark.world.proximity.Talk.drainEvents}).
    """

    __slots__ = ("added", "removed", "moved", "crossed", "restated", "rezoned", "acted",
                 "talk")

    def __init__(self):
        self.added: List[Avatar] = []
        self.removed: List[Avatar] = []
        self.moved: Set[Avatar] = set()
        self.crossed: Set[Avatar] = set()
        self.restated: Dict[Avatar, Set[str]] = {}
        self.rezoned: Dict[Avatar, Tuple[int, ...]] = {}
        self.acted: List[Tuple[Avatar, Tuple[int, ...]]] = []
        self.talk: List[tuple] = []


class Room:
    """
    The avatars of one map, moved one tick at a time.

    The map's agents (L{ark.world.worldmap.WorldMap.agents}) are in the
    room from the start, as avatars among the players'.

    @param worldMap: the L{ark.world.worldmap.WorldMap} they walk on.
    @param capacity: how many players' avatars (connected or held for
        reconnection) the room takes; agents do not count.
    @param seed: seeds the choice of spawn points and the agents' rests
        and strolls, for repeatable tests.
    @param talkRules: the L{TalkRules} pairing players to talk.

    @ivar agents: the agents' avatars, in the map's order.
    """

    def __init__(self, worldMap, capacity: int, seed=None, talkRules: TalkRules = TalkRules()):
        self.worldMap = worldMap
        self.capacity = capacity
        self.obstacles = Obstacles.forMap(worldMap)
        self.zoneIndex = ZoneIndex(worldMap)
        self.privateZones = frozenset(
            number for number, zone in enumerate(worldMap.zones) if zone.isPrivate)
        self.grid = Grid(CELL_SIZE)
        self.talk = Talk(
            talkRules, self.grid,
            silentZones=[number for number, zone in enumerate(worldMap.zones) if zone.isSilent],
            meetingZones=[number for number, zone in enumerate(worldMap.zones) if zone.isMeeting])
        self.tick = 0
        self.avatars: Dict[int, Avatar] = {}
        self._nextEntityId = 1
        self._random = random.Random(seed)
        self._changes = Changes()
        self.agents: List[Avatar] = []
        self._agentsById: Dict[str, Avatar] = {}
        # Agents draw from their own generator, so that how players arrive
        # never changes how agents wander, and the other way round.
        self._agentRandom = random.Random(None if seed is None else "agents:%s" % (seed,))
        self.walkable = Walkable(self.obstacles)
        for spec in worldMap.agents:
            self.addAgent(spec)

    @property
    def playerCount(self) -> int:
        """
        How many players' avatars are in the room (held ones too); agents
        are not players.
        """
        return len(self.avatars) - len(self.agents)

    @property
    def isFull(self) -> bool:
        return self.playerCount >= self.capacity

    def spawnBody(self, entry: str = "start") -> Body:
        """
        A body standing on a spawn point of C{entry} picked at random, so
        that arrivals spread over the spawn area instead of stacking up.
        Points where a body would overlap a wall are skipped.
        """
        points = self.worldMap.spawnPoints(entry)
        candidates = self._random.sample(points, min(len(points), 32))
        for px, py in candidates:
            x, y = movement.toUnits(px), movement.toUnits(py)
            if self.obstacles.fits(x, y):
                return Body(x, y)
        px, py = candidates[0]
        return Body(movement.toUnits(px), movement.toUnits(py))

    def addAvatar(self, name: str, avatar: str, body: Optional[Body] = None,
                  userId: Optional[int] = None) -> Avatar:
        """
        Put a new avatar in the room.

        @param body: where it stands; a spawn point when not given.
        @param userId: the player's user id.
        """
        if body is None:
            body = self.spawnBody()
        entityId = self._nextEntityId
        self._nextEntityId += 1
        cell = self.grid.cellAt(body.x, body.y)
        added = Avatar(entityId, name, avatar, body, cell, userId)
        added.anchor = (self.tick, PLACED, 0, body.x, body.y, body.facing)
        self.avatars[entityId] = added
        self.grid.add(added, cell)
        self._changes.added.append(added)
        self._rezone(added)
        self.talk.add(added)
        return added

    def addAgent(self, spec: AgentSpec) -> Avatar:
        """
        Put an agent in the room, standing at its home, idle: an avatar
        without a user, moved by its own L{Pilot}.

        @raise ValueError: when the room has an agent of that id already.
        """
        if spec.agentId in self._agentsById:
            raise ValueError("two agents named %r" % (spec.agentId,))
        x, y = movement.toUnits(spec.home[0]), movement.toUnits(spec.home[1])
        body = Body(x, y)
        entityId = self._nextEntityId
        self._nextEntityId += 1
        cell = self.grid.cellAt(x, y)
        added = Avatar(entityId, spec.name, spec.sprite, body, cell)
        added.anchor = (self.tick, PLACED, 0, x, y, body.facing)
        walkable = self.walkable
        added.agent = Agent(spec, Pilot(walkable.tileAt(x, y), walkable, self._agentRandom))
        self.avatars[entityId] = added
        self.agents.append(added)
        self._agentsById[spec.agentId] = added
        self.grid.add(added, cell)
        self._changes.added.append(added)
        self._rezone(added)
        # Seen by all, paired with nobody: players' searches for someone
        # to talk with pass over it.
        self.talk.addBystander(added)
        return added

    def agentById(self, agentId: str) -> Optional[Avatar]:
        """
        The avatar of the agent called C{agentId} here, or C{None}.
        """
        return self._agentsById.get(agentId)

    def removeAvatar(self, avatar: Avatar) -> None:
        """
        Take C{avatar} out of the room, telling observers.  An agent busy
        with it goes back to idle.
        """
        if self.avatars.pop(avatar.entityId, None) is None:
            return
        if avatar.agent is not None:
            self.agents.remove(avatar)
            del self._agentsById[avatar.agent.agentId]
        else:
            for agentAvatar in self.agents:
                if agentAvatar.agent.withId == avatar.entityId:
                    # Nobody left to listen to: the conversation layer
                    # starts another if it has more to say.
                    self.setAgentState(agentAvatar, IDLE)
        self.grid.remove(avatar, avatar.cell)
        self._changes.moved.discard(avatar)
        self._changes.crossed.discard(avatar)
        self._changes.restated.pop(avatar, None)
        self._changes.rezoned.pop(avatar, None)
        self.talk.remove(avatar)
        avatar.motions.clear()
        self._changes.removed.append(avatar)

    def setConnected(self, avatar: Avatar, connected: bool) -> None:
        if avatar.connected != connected:
            avatar.connected = connected
            self._changes.restated.setdefault(avatar, set()).add("connected")
            self.talk.reconsider(avatar)
        if not connected:
            # A disconnected avatar stands still where it was.
            self.forgetWaitingSteps(avatar)

    def setStatus(self, avatar: Avatar, status: str) -> None:
        """
        Its player says C{status} (one of L{ark.world.proximity.STATUSES}):
        others see it, and conversations follow it.
        """
        if avatar.status != status:
            avatar.status = status
            self._changes.restated.setdefault(avatar, set()).add("status")
            self.talk.reconsider(avatar)

    def forgetWaitingSteps(self, avatar: Avatar) -> None:
        """
        Drop the steps waiting for C{avatar}, as if they had never been
        received, so that a client taking the avatar over numbers its
        steps on from the last consumed one (the welcome's ack).
        """
        avatar.queue.clear()
        avatar.lastSeq = avatar.ackSeq

    def queueSteps(self, avatar: Avatar, firstSeq: int, steps, received=None) -> int:
        """
        Queue numbered input steps for C{avatar}.

        The caller has checked that C{firstSeq} is above C{avatar.lastSeq}
        and every step is a valid bit set.  Steps that do not fit the queue
        are dropped, so a client cannot bank movement by sending more.

        @param received: how many steps the client sent from C{firstSeq}
            on, when the caller dropped some of them already (the rest of
            C{len(steps)}); they count as received all the same.
        @return: how many of C{steps} were dropped.
        """
        queue = avatar.queue
        room = MAX_QUEUED_STEPS - len(queue)
        seq = firstSeq
        for bits in steps[:room]:
            queue.append((seq, bits))
            seq += 1
        dropped = max(0, len(steps) - room)
        avatar.lastSeq = firstSeq + (len(steps) if received is None else received) - 1
        if not queue:
            # Nothing of it will be consumed: settle it now.
            avatar.ackSeq = avatar.lastSeq
        avatar.dropped += dropped
        return dropped

    def step(self) -> int:
        """
        Advance the room by one tick: every avatar consumes at most one
        queued step.

        A moving avatar that finds no step waiting stands still for the
        tick; whether it stopped or its input is late is only known at the
        next tick, so the motion telling observers about that tick is
        recorded then.

        @return: how many moving avatars found no step waiting (their
            player stopped, or its input is arriving late).
        """
        underruns = 0
        self.tick += 1
        tick = self.tick
        if self.agents:
            self._steerAgents()
        obstacles = self.obstacles
        grid = self.grid
        cellSize = grid.cellSize
        crossed = self._changes.crossed
        zoneAt = self.zoneIndex.at
        for avatar in self.avatars.values():
            queue = avatar.queue
            if queue:
                seq, bits = queue.popleft()
                avatar.ackSeq = seq if queue else avatar.lastSeq
                if avatar.stalled:
                    # Late, not stopped: it stood still last tick, and
                    # applies these bits from this one on.
                    avatar.stalled = False
                    still = avatar.body
                    self._record(avatar, (tick - 1, STILL, bits, still.x, still.y, still.facing))
                    avatar.bits = bits
                    changed = False
                else:
                    changed = bits != avatar.bits
            elif avatar.bits == 0:
                continue
            elif avatar.stalled:
                # Two ticks without input: it stopped where it stood.
                avatar.stalled = False
                avatar.bits = 0
                still = avatar.body = avatar.body._replace(state=movement.IDLE)
                self._record(avatar, (tick - 1, STILL, 0, still.x, still.y, still.facing))
                continue
            else:
                avatar.stalled = True
                underruns += 1
                continue
            old = avatar.body
            body = movement.step(old, bits, obstacles)
            avatar.body = body
            if changed:
                avatar.bits = bits
                self._record(avatar, (tick, MOVED, bits, body.x, body.y, body.facing))
            if body.x != old.x or body.y != old.y:
                cell = (body.x // cellSize, body.y // cellSize)
                if cell != avatar.cell:
                    grid.move(avatar, avatar.cell, cell)
                    avatar.cell = cell
                    crossed.add(avatar)
                zones = zoneAt(body.x, body.y)
                if zones != avatar.zones:
                    self._rezone(avatar, zones)
        self.talk.update(tick)
        return underruns

    def _steerAgents(self) -> None:
        """
        Queue each agent's step for this tick, as a client's would be
        queued: an idle agent's pilot decides it; a busy one stands and
        turns to face whoever it is with.
        """
        avatars = self.avatars
        for avatar in self.agents:
            agent = avatar.agent
            if agent.state != IDLE:
                partner = avatars.get(agent.withId) if agent.withId is not None else None
                if partner is not None:
                    body = avatar.body
                    facing = facingToward(partner.body.x - body.x, partner.body.y - body.y,
                                          body.facing)
                    if facing != body.facing:
                        self._standStill(avatar, facing)
                continue
            bits = agent.pilot.steer(avatar.body)
            if bits is not None:
                self.queueSteps(avatar, avatar.lastSeq + 1, (bits,))

    def setAgentState(self, agentAvatar: Avatar, state: str,
                      withAvatar: Optional[Avatar] = None) -> None:
        """
        Say what an agent is doing, and with whom; observers see it in
        their patches.  Out of L{ark.world.agents.IDLE} the agent stops
        where it stands and faces C{withAvatar}, turning to keep facing
        that player as they move; back to idle, it rests a few seconds and
        wanders again.  If that player leaves the room, the agent is idle
        again (see L{removeAvatar}).

        @param agentAvatar: an agent's avatar in this room.
        @param state: one of L{ark.world.agents.STATES}.
        @param withAvatar: the avatar of the player it is busy with, or
            C{None} (an idle agent is with nobody).
        @raise ValueError: for an avatar that is not an agent's, or an
            unknown state.
        """
        agent = agentAvatar.agent
        if agent is None:
            raise ValueError("entity %d is not an agent" % (agentAvatar.entityId,))
        if state not in STATES:
            raise ValueError("no agent state %r" % (state,))
        withId = None
        if state != IDLE and withAvatar is not None:
            withId = withAvatar.entityId
        if state == agent.state and withId == agent.withId:
            return
        wasBusy = agent.state != IDLE
        agent.state = state
        agent.withId = withId
        self._changes.restated.setdefault(agentAvatar, set()).add("agent")
        if state != IDLE and not wasBusy:
            agent.pilot.halt()
            facing = agentAvatar.body.facing
            if withAvatar is not None:
                body = agentAvatar.body
                facing = facingToward(withAvatar.body.x - body.x, withAvatar.body.y - body.y,
                                      facing)
            if agentAvatar.bits or agentAvatar.stalled or facing != agentAvatar.body.facing:
                self._standStill(agentAvatar, facing)
            self.forgetWaitingSteps(agentAvatar)

    def _standStill(self, avatar: Avatar, facing: int) -> None:
        """
        Stop C{avatar} where it stands, facing C{facing}, and tell
        observers: a placement, since turning without moving is no step
        the movement rule knows.
        """
        body = avatar.body._replace(facing=facing, state=movement.IDLE)
        avatar.body = body
        avatar.bits = 0
        avatar.stalled = False
        self._record(avatar, (self.tick, PLACED, 0, body.x, body.y, facing))

    def teleport(self, avatar: Avatar, body: Body) -> None:
        """
        Put C{avatar} at C{body} at once, telling observers.
        """
        avatar.body = body
        avatar.stalled = False
        self._record(avatar, (self.tick, PLACED, avatar.bits, body.x, body.y, body.facing))
        cell = self.grid.cellAt(body.x, body.y)
        if cell != avatar.cell:
            self.grid.move(avatar, avatar.cell, cell)
            avatar.cell = cell
            self._changes.crossed.add(avatar)
        self._rezone(avatar)

    def act(self, avatar: Avatar) -> None:
        """
        The player of C{avatar} pressed the interact key; what it does
        depends on the zones the avatar is in now.
        """
        self._changes.acted.append((avatar, avatar.zones))

    def privacyOf(self, zones) -> FrozenSet[int]:
        """
        The private zones among C{zones}: who shares them sees each other.
        """
        if not self.privateZones:
            return _PUBLIC
        return self.privateZones.intersection(zones)

    def _rezone(self, avatar: Avatar, zones=None) -> None:
        if zones is None:
            zones = self.zoneIndex.at(avatar.body.x, avatar.body.y)
        if zones == avatar.zones:
            return
        if avatar.agent is not None:
            # Zones' behaviours are for players: an agent's zones are kept
            # (who is where) but never journaled, so no behaviour hears of
            # them and no door takes an agent away.  Only who may see it
            # follows them: a change of privacy is news for observers, as
            # crossing into another cell is.
            avatar.zones = zones
            privacy = self.privacyOf(zones)
            if privacy != avatar.privacy:
                avatar.privacy = privacy
                self._changes.crossed.add(avatar)
            return
        self._changes.rezoned.setdefault(avatar, avatar.zones)
        avatar.zones = zones
        avatar.privacy = self.privacyOf(zones)

    def _record(self, avatar: Avatar, motion: Motion) -> None:
        # Observers replay the avatar from its latest motion.
        avatar.motions.append(motion)
        avatar.anchor = motion
        self._changes.moved.add(avatar)

    def drainChanges(self) -> Changes:
        """
        Hand over what happened since the last drain and start afresh.
        The motions listed stay on each avatar until the caller clears
        them with L{clearMotions}.
        """
        changes = self._changes
        changes.talk = self.talk.drainEvents()
        self._changes = Changes()
        return changes

    @staticmethod
    def clearMotions(changes: Changes) -> None:
        for avatar in changes.moved:
            avatar.motions.clear()
