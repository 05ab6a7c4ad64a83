"""
Who talks to whom: players standing close enough are paired for voice and
video, decided here from the positions the room keeps, never by clients.

A pair forms when two eligible players stand within C{connect} of each
other and each is among the other's C{peers} nearest; it lasts until they
are farther apart than C{leave} (the gap between the two radii keeps a
pair walking along the edge from flapping), until one of them stops being
eligible, or until someone at least a tile nearer needs the place.  Nobody
is ever in more than C{peers} pairs.

Candidates are found on the room's grid, within the connect radius (anyone
farther ranks below them anyway), so a question costs the four cells
around a player, never the whole room.  Players are looked at in turns, a share of them each tick, so the
work is spread evenly over the ticks.

Nothing here knows about sockets or WebRTC: the room reports pairings as
events, and the network layer tells the two players and relays their
signalling while the pair lasts.
"""

from __future__ import annotations

from typing import Dict, List, NamedTuple, Optional, Set, Tuple

from ark.world.grid import Grid
from ark.world.movement import UNITS_PER_PIXEL

ONLINE = "online"
AWAY = "away"
BUSY = "busy"
DND = "dnd"
STATUSES = (ONLINE, AWAY, BUSY, DND)

# A newcomer takes the place of someone's farthest partner only when it
# stands at least this much nearer, so two people at about the same
# distance in a crowd do not swap places back and forth.
DISPLACE_MARGIN = 32 * UNITS_PER_PIXEL

# Players are looked at every this many ticks (12 ticks: 5 times a second;
# walking, a player covers 32 px meanwhile).
TURNS = 12


class TalkRules(NamedTuple):
    """
    How far conversations reach, in pixels (see C{docs/protocol.md},
    "Talking").
    """

    connect: int = 160
    leave: int = 224
    full: int = 64
    silence: int = 224
    peers: int = 4

    def problems(self) -> List[str]:
        """
        What is wrong with these rules, for a person; empty when they hold.
        """
        found = []
        if not 0 < self.connect <= self.leave:
            found.append("the connect radius (%d) must be above 0 and at most the leave radius "
                         "(%d)" % (self.connect, self.leave))
        if not 0 <= self.full < self.silence:
            found.append("the full-volume radius (%d) must be below the silence radius (%d)"
                         % (self.full, self.silence))
        if not 1 <= self.peers <= 16:
            found.append("peers (%d) must be from 1 to 16" % (self.peers,))
        if self.leave > 2048:
            found.append("the leave radius (%d) must be at most 2048 px" % (self.leave,))
        return found

    def describe(self) -> dict:
        return {"connect": self.connect, "leave": self.leave, "full": self.full,
                "silence": self.silence, "peers": self.peers}


# Map properties that override the operator's rules, by rule.
MAP_PROPERTIES = {
    "talkConnectRadius": "connect",
    "talkLeaveRadius": "leave",
    "talkFullVolumeRadius": "full",
    "talkSilenceRadius": "silence",
    "talkPeers": "peers",
}


def rulesForMap(defaults: TalkRules, properties) -> Tuple[TalkRules, List[str]]:
    """
    The rules of a map: C{defaults} with the map's own properties applied.

    @return: the rules and the problems found; a map whose properties make
        no sense keeps the defaults, and the problems say why.
    """
    overrides = {}
    problems = []
    for name, field in MAP_PROPERTIES.items():
        if name not in properties:
            continue
        value = properties[name]
        if type(value) is float and value.is_integer():
            value = int(value)
        if type(value) is not int:
            problems.append("%s must be a whole number, not %r" % (name, value))
            continue
        overrides[field] = value
    rules = defaults._replace(**overrides)
    wrong = rules.problems()
    if wrong:
        return defaults, problems + wrong + ["the server's rules apply"]
    return rules, problems


def gain(distance: float, rules: TalkRules) -> float:
    """
    How loud a partner C{distance} pixels away is heard, from 1 (within
    C{full}) down to 0 (at C{silence} or beyond): a smoothstep, so the
    volume never jumps at either edge.  The web client's C{gain.js}
    computes the same; C{tests/vectors/proximity.json} holds both to it.
    """
    span = rules.silence - rules.full
    t = (rules.silence - distance) / span
    if t <= 0.0:
        return 0.0
    if t >= 1.0:
        return 1.0
    return t * t * (3.0 - 2.0 * t)


# What the room reports about conversations (see L{Talk.drainEvents}).
JOINED = "join"  # (JOINED, pair): the pair may talk now
LEFT = "leave"  # (LEFT, pair, reason): the pair ended
ASKED = "ask"  # (ASKED, pair): its busy members were asked, the others wait

# Why a pair ended, as the protocol names it.
FAR = "far"
CROWD = "crowd"
SILENT = "silent"
MEETING = "meeting"
PRIVATE = "private"
DECLINED = "declined"
GONE = "gone"


class Pair:
    """
    Two players paired to talk.

    @ivar number: the pair's number in its room, which the players'
        signalling names.
    @ivar first: the member who makes the first offer (the lower entity id).
    @ivar second: the other member.
    @ivar asking: the busy members whose answer is awaited; the pair talks
        once nobody is left in it.
    """

    __slots__ = ("number", "first", "second", "asking")

    def __init__(self, number: int, first, second, asking):
        self.number = number
        self.first = first
        self.second = second
        self.asking: Set = set(asking)

    @property
    def talking(self) -> bool:
        """
        Whether both members may talk: nobody's answer is awaited.  (An
        ended pair is no longer in L{Talk.pairs}.)
        """
        return not self.asking

    def other(self, avatar):
        return self.second if avatar is self.first else self.first

    def __contains__(self, avatar) -> bool:
        return avatar is self.first or avatar is self.second


class _Talker:
    """
    What the pairing knows of one avatar: its pairs by partner, its nearest
    players at its last turn (with their squared distances then), and
    those who declined to talk with it.
    """

    __slots__ = ("avatar", "pairs", "nearest", "declined")

    def __init__(self, avatar):
        self.avatar = avatar
        self.pairs: Dict[object, Pair] = {}
        self.nearest: Dict[object, int] = {}
        self.declined: Set = set()


class Talk:
    """
    The conversations of one room.

    @param rules: the room's L{TalkRules}.
    @param grid: the room's L{Grid} of avatars, to find who is near.
    @param silentZones: the numbers of the map's silent zones.
    @param meetingZones: the numbers of the map's meeting zones.
    """

    def __init__(self, rules: TalkRules, grid: Grid, silentZones=frozenset(),
                 meetingZones=frozenset()):
        self.rules = rules
        self.grid = grid
        self.silentZones = frozenset(silentZones)
        self.meetingZones = frozenset(meetingZones)
        self.pairs: Dict[int, Pair] = {}
        self._talkers: Dict[object, _Talker] = {}
        # The talkers by their turn, and those found unable to talk at
        # their last turn or never able to (bystanders): others' turns
        # skip them.
        self._turns: List[Dict[object, _Talker]] = [{} for _ in range(TURNS)]
        self._excluded: Set = set()
        self._nextPair = 1
        self._events: List[tuple] = []
        scale = UNITS_PER_PIXEL
        self._connect = rules.connect * scale
        self._connect2 = self._connect ** 2
        self._leave = rules.leave * scale
        self._leave2 = self._leave ** 2

    # -- who is in the room ------------------------------------------------

    def add(self, avatar) -> None:
        talker = self._talkers[avatar] = _Talker(avatar)
        self._turns[avatar.entityId % TURNS][avatar] = talker

    def addBystander(self, avatar) -> None:
        """
        Put in the room an avatar that never talks by proximity (an
        agent): it has no turns, and others' turns pass over it, so it
        never takes a place among anyone's nearest.
        """
        self._excluded.add(avatar)

    def remove(self, avatar) -> None:
        self._excluded.discard(avatar)
        talker = self._talkers.pop(avatar, None)
        if talker is not None:
            del self._turns[avatar.entityId % TURNS][avatar]
            self._endAll(talker, GONE)
            # Others may still name it among their nearest or those who
            # declined until their next turn; without a talker, it never
            # pairs again.

    def reconsider(self, avatar) -> None:
        """
        Something about C{avatar} changed that may end its conversations
        at once (it dropped, or its status changed): end those it may no
        longer have, and start those a busy status held back.
        """
        talker = self._talkers.get(avatar)
        if talker is None or self._shutOut(talker):
            return
        if avatar.status != BUSY:
            for pair in list(talker.pairs.values()):
                if avatar in pair.asking:
                    self.answer(avatar, pair.number, True)

    def _shutOut(self, talker: _Talker) -> bool:
        """
        Whether C{talker} may not talk now; if so, its pairs end with the
        reason, and others' turns skip it until it may again.
        """
        avatar = talker.avatar
        reason = self.exclusion(avatar)
        if reason is None:
            self._excluded.discard(avatar)
            return False
        self._excluded.add(avatar)
        self._endAll(talker, reason)
        talker.nearest = {}
        return True

    def exclusion(self, avatar) -> Optional[str]:
        """
        Why C{avatar} may not talk now, as a reason for ending its pairs,
        or C{None} when it may.
        """
        if not avatar.connected:
            return GONE
        if avatar.status == DND:
            return DND
        zones = avatar.zones
        if zones:
            if not self.silentZones.isdisjoint(zones):
                return SILENT
            if not self.meetingZones.isdisjoint(zones):
                return MEETING
        return None

    def partnersOf(self, avatar) -> List[object]:
        """
        Those C{avatar} talks with or is being paired with.
        """
        talker = self._talkers.get(avatar)
        return list(talker.pairs) if talker is not None else []

    # -- answers from players ----------------------------------------------

    def answer(self, avatar, number: int, yes: bool) -> bool:
        """
        C{avatar}'s answer to being asked to talk in pair C{number}.

        @return: whether C{avatar} had been asked in that pair.
        """
        pair = self.pairs.get(number)
        if pair is None or avatar not in pair.asking:
            return False
        if not yes:
            self._talkers[pair.first].declined.add(pair.second)
            self._talkers[pair.second].declined.add(pair.first)
            self._end(pair, DECLINED)
            return True
        pair.asking.discard(avatar)
        if not pair.asking:
            self._events.append((JOINED, pair))
        return True

    # -- each tick -----------------------------------------------------------

    def update(self, tick: int) -> None:
        """
        Look at the players whose turn it is at C{tick}: end the pairs they
        may no longer keep and form those they may now have.
        """
        talkers = self._talkers
        for talker in list(self._turns[tick % TURNS].values()):
            if talker.avatar in talkers:
                self._look(talker)

    def drainEvents(self) -> List[tuple]:
        events, self._events = self._events, []
        return events

    def _look(self, talker: _Talker) -> None:
        # Runs for every player five times a second: the scan of the cells
        # around is kept to arithmetic on what it touches, and the rules
        # (privacy, exclusions) are applied to the few nearest only.
        if self._shutOut(talker):
            return
        avatar = talker.avatar
        excluded = self._excluded
        body = avatar.body
        x, y = body.x, body.y
        # Only those within the connect radius can be new partners, and
        # anyone farther ranks below them: the nearest are looked for there.
        connect2 = self._connect2
        grid = self.grid
        near = []
        append = near.append
        for cell in grid.cellsIn(grid.spanAround(x, y, self._connect)):
            for other in grid.members(cell):
                otherBody = other.body
                dx = otherBody.x - x
                dy = otherBody.y - y
                distance2 = dx * dx + dy * dy
                if distance2 <= connect2:
                    append((distance2, other.entityId, other))
        near.sort()
        privacy = avatar.privacy
        peers = self.rules.peers
        nearest = []
        for entry in near:
            other = entry[2]
            if (other is avatar or other.privacy != privacy or not other.connected
                    or other in excluded):
                continue
            nearest.append(entry)
            if len(nearest) == peers:
                break
        talker.nearest = {other: distance2 for distance2, _, other in nearest}

        leave2 = self._leave2
        for partner, pair in list(talker.pairs.items()):
            if self._distance2(avatar, partner) > leave2:
                self._end(pair, FAR)
            elif partner.privacy != privacy:
                self._end(pair, PRIVATE)
            else:
                partnerReason = self.exclusion(partner)
                if partnerReason is not None:
                    self._end(pair, partnerReason)
        if talker.declined:
            talker.declined = {other for other in talker.declined
                               if self._distance2(avatar, other) <= leave2}

        talkers = self._talkers
        for distance2, _, other in nearest:
            if other in talker.pairs or other in talker.declined:
                continue
            otherTalker = talkers.get(other)
            if (otherTalker is None or self.exclusion(other) is not None
                    or not self._among(otherTalker, avatar, distance2)):
                continue
            mine = self._placeFor(talker, distance2)
            theirs = self._placeFor(otherTalker, distance2)
            if mine is None or theirs is None:
                continue
            for crowded in (mine, theirs):
                if crowded is not True:
                    self._end(crowded, CROWD)
            self._pair(talker, otherTalker)

    def _among(self, talker: _Talker, avatar, distance2: int) -> bool:
        """
        Whether C{avatar}, C{distance2} away, is among C{talker}'s nearest:
        it was at C{talker}'s last turn, or it has come nearer since than
        the farthest of them (then it takes that one's place), so that a
        pair forms at the turn of whichever of the two comes first.
        """
        nearest = talker.nearest
        if avatar in nearest:
            return True
        if len(nearest) < self.rules.peers:
            nearest[avatar] = distance2
            return True
        farthest = max(nearest, key=lambda other: (nearest[other], other.entityId))
        if distance2 >= nearest[farthest]:
            return False
        del nearest[farthest]
        nearest[avatar] = distance2
        return True

    @staticmethod
    def _distance2(one, two) -> int:
        dx = one.body.x - two.body.x
        dy = one.body.y - two.body.y
        return dx * dx + dy * dy

    def _placeFor(self, talker: _Talker, distance2: int):
        """
        Whether C{talker} can take a partner C{distance2} away (squared
        units): C{True} when it has a free place; the pair to let go when
        its farthest partner stands at least a tile farther and is not
        among its nearest; else C{None}.
        """
        if len(talker.pairs) < self.rules.peers:
            return True
        mine = talker.avatar
        farthest2, _, farthest = max((self._distance2(mine, partner), partner.entityId, partner)
                                     for partner in talker.pairs)
        if farthest in talker.nearest:
            return None
        if farthest2 ** 0.5 - distance2 ** 0.5 < DISPLACE_MARGIN:
            return None
        return talker.pairs[farthest]

    def _pair(self, one: _Talker, two: _Talker) -> None:
        first, second = sorted((one.avatar, two.avatar), key=lambda avatar: avatar.entityId)
        asking = [avatar for avatar in (first, second) if avatar.status == BUSY]
        pair = Pair(self._nextPair, first, second, asking)
        self._nextPair += 1
        self.pairs[pair.number] = pair
        one.pairs[two.avatar] = pair
        two.pairs[one.avatar] = pair
        self._events.append((ASKED if asking else JOINED, pair))

    def _end(self, pair: Pair, reason: str) -> None:
        if self.pairs.pop(pair.number, None) is None:
            # Ended already, e.g. by the other member's exclusion.
            return
        for member in (pair.first, pair.second):
            talker = self._talkers.get(member)
            if talker is not None:
                talker.pairs.pop(pair.other(member), None)
        self._events.append((LEFT, pair, reason))

    def _endAll(self, talker: _Talker, reason: str) -> None:
        for pair in list(talker.pairs.values()):
            self._end(pair, reason)
