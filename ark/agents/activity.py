"""
What happened in the world lately, for the agents who tell of it: who
came, which meetings were held, and how many were here at the busiest
moments of the day.

It lives in memory (a node's own view of its rooms) and forgets what is
older than a day, or beyond L{MAX_EVENTS}: the agents speak of the recent
past, the store keeps the chat.
"""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass
from typing import Deque, Dict, List, Optional, Tuple

MAX_EVENTS = 500
DAY_MS = 24 * 3600 * 1000
HOUR_MS = 3600 * 1000


@dataclass(frozen=True)
class Arrival:
    """
    A player came into the world (not back from a dropped connection).
    """

    name: str
    mapName: str
    at: int


@dataclass(frozen=True)
class Meeting:
    """
    A meeting began: a second player walked into a meeting zone.

    @ivar names: who was in it then.
    """

    zone: str
    mapName: str
    names: Tuple[str, ...]
    at: int


class ActivityLog:
    """
    The recent arrivals and meetings, and the day's peaks.

    @param clock: an L{IReactorTime}: times are its seconds, in ms.
    """

    def __init__(self, clock, maxEvents: int = MAX_EVENTS):
        self.clock = clock
        self.arrivals: Deque[Arrival] = deque(maxlen=maxEvents)
        self.meetings: Deque[Meeting] = deque(maxlen=maxEvents)
        # The most players at once in each hour: {hour start (ms): (players, at)}.
        self.hourPeaks: Dict[int, Tuple[int, int]] = {}
        # Meeting zones with two or more players now: (map, zone number).
        self._meetingsNow: Dict[Tuple[str, int], int] = {}

    def now(self) -> int:
        return int(self.clock.seconds() * 1000)

    def arrived(self, name: str, mapName: str) -> None:
        self.arrivals.append(Arrival(name, mapName, self.now()))

    def observe(self, rooms) -> None:
        """
        Look at every room as it is now: count the players for the day's
        peaks, and note the meetings that began since the last look.

        @param rooms: the L{ark.rooms.RoomManager}.
        """
        at = self.now()
        players = 0
        inMeeting: Dict[Tuple[str, int], List[str]] = {}
        zoneNames: Dict[Tuple[str, int], str] = {}
        for view in rooms.views():
            room = view.room
            worldMap = room.worldMap
            players += room.playerCount
            meetingZones = [number for number, zone in enumerate(worldMap.zones)
                            if zone.isMeeting]
            if not meetingZones:
                continue
            for avatar in room.avatars.values():
                if avatar.agent is not None or not avatar.connected:
                    continue
                for number in meetingZones:
                    if number in avatar.zones:
                        key = (worldMap.name, number)
                        inMeeting.setdefault(key, []).append(avatar.name)
                        zoneNames[key] = worldMap.zones[number].name or "a meeting room"
        meetingsNow: Dict[Tuple[str, int], int] = {}
        for key, names in inMeeting.items():
            if len(names) < 2:
                continue
            meetingsNow[key] = len(names)
            if key not in self._meetingsNow:
                self.meetings.append(Meeting(zoneNames[key], key[0], tuple(sorted(names)), at))
        self._meetingsNow = meetingsNow
        hour = at - at % HOUR_MS
        if players > self.hourPeaks.get(hour, (-1, 0))[0]:
            self.hourPeaks[hour] = (players, at)
        for old in [start for start in self.hourPeaks if start <= at - DAY_MS]:
            del self.hourPeaks[old]

    def since(self, at: int) -> Tuple[List[Arrival], List[Meeting]]:
        """
        The arrivals and meetings from C{at} (ms) on, newest first.
        """
        return ([a for a in reversed(self.arrivals) if a.at >= at],
                [m for m in reversed(self.meetings) if m.at >= at])

    def peak(self) -> Optional[Tuple[int, int]]:
        """
        The most players at once in the last day, and when, or C{None}
        before the first look.
        """
        if not self.hourPeaks:
            return None
        return max(self.hourPeaks.values())


def clockTime(at: int) -> str:
    """
    A time of day in UTC, as agents say it: C{"14:05 UTC"}.
    """
    return time.strftime("%H:%M UTC", time.gmtime(at / 1000))
