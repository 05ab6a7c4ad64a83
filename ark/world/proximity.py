"""
Who talks to whom: players standing close enough are paired for voice and
video, decided here from the positions the room keeps, never by clients.

A pair forms when two eligible players stand within C{connect} of each
other and each is among the other's C{peers} nearest; it lasts until they
are farther apart than C{leave} (the gap between the two radii keeps a
pair walking along the edge from flapping), until one of them stops being
eligible, or until someone at least a tile nearer needs the place.  Nobody
is ever in more than C{peers} pairs.

Candidates are found on a grid of its own, with cells as wide as the leave
radius, so a question costs the few cells around a player, never the whole
room.  Players are looked at in turns, a share of them each tick, so the
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

# Players are looked at every this many ticks (6 ticks: 10 times a second).
TURNS = 6


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
