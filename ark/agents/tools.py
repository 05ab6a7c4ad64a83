"""
What an agent may look up in the world for the player who asks it: where
places are, who is online and where they stand, what was said and
happened lately, and how busy the rooms are.

Every tool answers from the asker's side of the world: nothing it returns
is something the asker could not read or see themselves.  Recent chat
comes only from sessions the asker takes part in (never anyone else's
direct or private talk), and a player in a private zone the asker is not
in is said to be online, never where.  Results are plain data (JSON-able
dicts) for a brain to answer from; their texts are what players wrote,
never instructions.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from typing import Dict, List, Optional, Sequence, Tuple

from twisted.internet import defer

from ark.agents.activity import clockTime
from ark.world import movement
from ark.world.agents import corners, routeTo

FIND_PLACE = "find_place"
LOCATE_PLAYER = "locate_player"
WHO_IS_ONLINE = "who_is_online"
RECENT_CHAT = "recent_chat"
HEADCOUNTS = "headcounts"
SEARCH_KNOWLEDGE = "search_knowledge"

# The tools an agent's definition may give it; every agent may search its
# own knowledge file.
TOOL_NAMES = (FIND_PLACE, LOCATE_PLAYER, WHO_IS_ONLINE, RECENT_CHAT, HEADCOUNTS)

# How far back recent chat and events reach, and how much of them a tool
# returns at most.
RECENT_MS = 24 * 3600 * 1000
TOPICS_MS = 3600 * 1000
MAX_MESSAGES = 20
MAX_PLAYERS = 50
MAX_PLACES = 5
MAX_ARGUMENT = 100

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
# Words too common to be a topic of talk.
_COMMON = frozenset("""
a about after again all also am an and any are as at be because been but by can could
did do does doing for from get got had has have he her here hers him his how i if in
into is it its just know like me more my no not now of ok okay on one or our out over
really so some than that the their them then there these they this those to too up us
very was we were what when where which who why will with would yes you your yours
hello hi hey thanks thank please just going still yeah sure right well good
""".split())

_COMPASS = ("east", "south-east", "south", "south-west", "west", "north-west", "north",
            "north-east")


class ToolError(Exception):
    """
    A tool was asked for wrongly (an unknown tool, a bad argument); the
    message says how, for the brain to read.
    """


def words(text: str) -> List[str]:
    """
    The words of C{text} in lower case, a plural's C{s} taken off.
    """
    found = []
    for word in _WORD.findall(text.lower()):
        if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
            word = word[:-1]
        found.append(word)
    return found


def placeName(name: str) -> str:
    """
    How a zone's name is said: C{"meeting-room-1"} is C{"meeting room 1"}.
    """
    return " ".join(re.split(r"[-_\s]+", name.strip()))


def _pixels(units: int) -> int:
    return round(units / movement.UNITS_PER_PIXEL)


def compass(dx: float, dy: float) -> str:
    """
    The direction of C{(dx, dy)} (y down, as on the map), in eight points.
    """
    angle = math.degrees(math.atan2(dy, dx)) % 360
    return _COMPASS[int((angle + 22.5) // 45) % 8]


class World:
    """
    What the tools look at, shared by all agents: the rooms, the chat
    store and the activity log.

    @param rooms: the L{ark.rooms.RoomManager}.
    @param store: an L{ark.interfaces.IStore}.
    @param activity: the L{ark.agents.activity.ActivityLog}.
    @param directory: the room directory (L{ark.cluster.directory}), for
        the players on the other nodes of the world; C{None} alone.
    """

    def __init__(self, rooms, store, activity, directory=None):
        self.rooms = rooms
        self.store = store
        self.activity = activity
        self.directory = directory


class WorldTools:
    """
    The tools of one agent, bound to the player who asks it.

    @param world: the L{World}.
    @param userId: the asker's user id.
    @param seat: the asker's L{ark.rooms.Seat} when they are in the
        world, else C{None} (asking over HTTP): places are then described
        without a way there.
    @param mapName: the map the agent lives on.
    @param allowed: the L{TOOL_NAMES} the agent's definition gives it.
    @param knowledge: the agent's L{ark.agents.knowledge.Knowledge}.

    @ivar guidance: after L{findPlace} found a place on the asker's map and
        a way there, C{{"place", "map", "path"}} (pixels), else C{None}.
    """

    def __init__(self, world: World, userId: int, seat, mapName: str,
                 allowed: Sequence[str], knowledge):
        self.world = world
        self.userId = userId
        self.seat = seat
        self.mapName = mapName
        self.allowed = tuple(allowed)
        self.knowledge = knowledge
        self.guidance: Optional[dict] = None

    # -- for brains that call tools by name ----------------------------------

    def names(self) -> Tuple[str, ...]:
        return self.allowed + (SEARCH_KNOWLEDGE,)

    def schemas(self) -> List[dict]:
        """
        The agent's tools as an OpenAI-compatible API describes them.
        """
        return [{"type": "function", "function": _SCHEMAS[name]} for name in self.names()]

    def call(self, name: str, arguments: object):
        """
        Run the tool C{name} with C{arguments} (a dict, as a model gave it).

        @return: a Deferred firing with the tool's result, or failing with
            L{ToolError}.
        """
        try:
            if name not in self.names():
                raise ToolError("there is no tool %r; the tools are %s"
                                % (str(name)[:40], ", ".join(self.names())))
            if not isinstance(arguments, dict):
                raise ToolError("the arguments must be a JSON object")
            if name == FIND_PLACE:
                return defer.succeed(self.findPlace(_argument(arguments, "name")))
            if name == LOCATE_PLAYER:
                return self.locatePlayer(_argument(arguments, "name"))
            if name == WHO_IS_ONLINE:
                return self.whoIsOnline()
            if name == RECENT_CHAT:
                return self.recentChat()
            if name == HEADCOUNTS:
                return self.headcounts()
            return defer.succeed(self.searchKnowledge(_argument(arguments, "query")))
        except ToolError:
            return defer.fail()

    # -- what the asker can see --------------------------------------------------

    def _asker(self):
        """
        The asker's avatar and room, when they are in the world.
        """
        seat = self.seat
        if seat is None or seat.avatar.userId != self.userId:
            return None, None
        return seat.avatar, seat.room

    def _visible(self, avatar, room) -> bool:
        """
        Whether the asker may know where C{avatar} (in C{room}) stands: not
        in a private zone, or in the very one the asker is in.
        """
        if not avatar.privacy:
            return True
        mine, myRoom = self._asker()
        return mine is not None and myRoom is room and mine.privacy == avatar.privacy

    def _players(self):
        for view in self.world.rooms.views():
            room = view.room
            for avatar in room.avatars.values():
                if avatar.userId is not None and avatar.connected and avatar.agent is None:
                    yield avatar, room

    def _zoneOf(self, avatar, room) -> Optional[str]:
        named = [room.worldMap.zones[n].name for n in avatar.zones if room.worldMap.zones[n].name]
        return placeName(named[-1]) if named else None

    def _where(self, x: float, y: float, mapName: str) -> dict:
        """
        Where a point (pixels) is for the asker: the direction and
        distance in tiles from them, when they are on that map.
        """
        mine, room = self._asker()
        if mine is None or room.worldMap.name != mapName:
            return {}
        dx = x - _pixels(mine.body.x)
        dy = y - _pixels(mine.body.y)
        tile = max(room.worldMap.tileWidth, 1)
        return {"direction": compass(dx, dy), "distance_tiles": round(math.hypot(dx, dy) / tile)}

    # -- the tools ---------------------------------------------------------------

    def findPlace(self, name: str) -> dict:
        """
        The named zones whose names match C{name}, the asker's map first,
        each with where it is and how many players are in it; and, for the
        first on the asker's map, a way there (L{guidance}).
        """
        wanted = set(words(name))
        found = []
        if not wanted:
            return {"query": name, "places": []}
        for mapName in sorted(self.world.rooms.maps, key=lambda n: (n != self.mapName, n)):
            worldMap = self.world.rooms.maps[mapName]
            for number, zone in enumerate(worldMap.zones):
                box = zone.shape.box()
                if not zone.name or box is None:
                    continue
                said = placeName(zone.name)
                own = set(words(said))
                if not (own <= wanted or wanted <= own
                        or (own - _NUMBERS) and (own - _NUMBERS) <= wanted):
                    continue
                left, top, right, bottom = box
                place = {"place": said, "map": mapName, "x": round((left + right) / 2),
                         "y": round((top + bottom) / 2),
                         "people": self._peopleIn(mapName, number)}
                place.update(self._where(place["x"], place["y"], mapName))
                found.append((number, place))
        if found:
            number, first = found[0]
            if first["map"] == self.mapName:
                self._guide(first, number)
        return {"query": name, "places": [place for _, place in found[:MAX_PLACES]]}

    def _peopleIn(self, mapName: str, number: int) -> int:
        return sum(1 for view in self.world.rooms.shardsOf(mapName)
                   for avatar in view.room.avatars.values()
                   if avatar.agent is None and avatar.connected and number in avatar.zones)

    def _guide(self, place: dict, number: int) -> None:
        mine, room = self._asker()
        if mine is None or room.worldMap.name != place["map"]:
            return
        walkable = room.walkable
        zone = room.worldMap.zones[number]
        left, top, right, bottom = zone.shape.box()
        tileWidth, tileHeight = room.worldMap.tileWidth, room.worldMap.tileHeight
        goals = set()
        for column in range(int(left // tileWidth), int(math.ceil(right / tileWidth))):
            for row in range(int(top // tileHeight), int(math.ceil(bottom / tileHeight))):
                if zone.contains((column + 0.5) * tileWidth, (row + 0.5) * tileHeight) \
                        and walkable((column, row)):
                    goals.add((column, row))
        start = walkable.tileAt(mine.body.x, mine.body.y)
        path = routeTo(start, goals, walkable)
        if not path:
            return
        points = [[_pixels(mine.body.x), _pixels(mine.body.y)]]
        for tile in corners(path)[1:]:
            x, y = walkable.centre(tile)
            points.append([_pixels(x), _pixels(y)])
        self.guidance = {"place": place["place"], "map": place["map"], "path": points}

    @defer.inlineCallbacks
    def locatePlayer(self, name: str):
        """
        Fires with the online players whose names match C{name}: where they
        stand (map, zone, direction from the asker), or only that they are
        online when they are in a private zone the asker is not in.  Those
        on other nodes are placed by map and zone, as their node said at
        its last beat (C{elsewhere}); C{partial} when those cannot be
        asked.
        """
        wanted = " ".join(words(name))
        found = []
        seen = set()
        for avatar, room in self._players():
            called = " ".join(words(avatar.name))
            if not wanted or wanted not in called:
                continue
            seen.add(avatar.userId)
            entry = {"name": avatar.name, "map": room.worldMap.name,
                     "you": avatar.userId == self.userId}
            if self._visible(avatar, room):
                x, y = _pixels(avatar.body.x), _pixels(avatar.body.y)
                entry.update({"zone": self._zoneOf(avatar, room), "x": x, "y": y})
                entry.update(self._where(x, y, room.worldMap.name))
            else:
                entry["private"] = True
            found.append(entry)
        elsewhere, complete = yield self._elsewhere()
        for player in elsewhere:
            called = " ".join(words(str(player.get("name") or "")))
            if not wanted or wanted not in called or player.get("id") in seen:
                continue
            seen.add(player.get("id"))
            entry = {"name": player.get("name"), "map": player.get("map"),
                     "you": player.get("id") == self.userId, "elsewhere": True}
            if player.get("private"):
                entry["private"] = True
            elif player.get("zone"):
                entry["zone"] = placeName(player["zone"])
            found.append(entry)
        result = {"query": name, "players": found[:MAX_PLACES]}
        if not complete:
            result["partial"] = True
        return result

    @defer.inlineCallbacks
    def _elsewhere(self):
        """
        Fires with the players of the other nodes, as they said at their
        last beat, and whether that is known (Redis may be away).
        """
        if self.world.directory is None:
            return [], True
        try:
            elsewhere = yield self.world.directory.elsewhere()
        except Exception:
            # Redis away: this node's players are all that is known.
            return [], False
        return elsewhere, True

    @defer.inlineCallbacks
    def whoIsOnline(self):
        """
        How many players are online, on every node of the world, and (at
        most L{MAX_PLAYERS}) who and on which map; in which zone for those
        not in a private one.
        """
        players = []
        seen = set()
        for avatar, room in self._players():
            seen.add(avatar.userId)
            if len(players) < MAX_PLAYERS:
                entry = {"name": avatar.name, "map": room.worldMap.name,
                         "you": avatar.userId == self.userId}
                if self._visible(avatar, room):
                    entry["zone"] = self._zoneOf(avatar, room)
                else:
                    entry["private"] = True
                players.append(entry)
        elsewhere, complete = yield self._elsewhere()
        for player in elsewhere:
            if player.get("id") in seen:
                continue
            seen.add(player.get("id"))
            if len(players) < MAX_PLAYERS:
                entry = {"name": player.get("name"), "map": player.get("map"),
                         "you": player.get("id") == self.userId}
                if player.get("private"):
                    entry["private"] = True
                elif player.get("zone"):
                    entry["zone"] = placeName(player["zone"])
                players.append(entry)
        found = {"count": len(seen), "players": players}
        if not complete:
            found["partial"] = True
        return found

    @defer.inlineCallbacks
    def recentChat(self):
        """
        What was said lately that the asker could read, who came, and which
        meetings were held, newest first.
        """
        now = self.world.activity.now()
        messages = yield self.world.store.readableMessages(self.userId, now - RECENT_MS,
                                                           MAX_MESSAGES)
        arrivals, meetings = self.world.activity.since(now - RECENT_MS)
        return {
            "messages": [_said(message, self.userId) for message in messages],
            "arrivals": [{"name": a.name, "map": a.mapName, "at": clockTime(a.at)}
                         for a in arrivals[:MAX_MESSAGES]],
            "meetings": [{"place": placeName(m.zone), "map": m.mapName, "who": list(m.names),
                          "at": clockTime(m.at)} for m in meetings[:MAX_MESSAGES]],
        }

    @defer.inlineCallbacks
    def headcounts(self):
        """
        How busy the world is: players per room and per named zone (the
        busiest first), the most at once in the last day, and the topics
        of the last hour's nearby and zone talk the asker could read.
        """
        rooms = []
        zones: Counter = Counter()
        for view in self.world.rooms.views():
            room = view.room
            rooms.append({"room": self.world.rooms.roomName(view), "map": room.worldMap.name,
                          "players": room.playerCount})
            for avatar in room.avatars.values():
                if avatar.agent is None and avatar.connected:
                    for number in avatar.zones:
                        name = room.worldMap.zones[number].name
                        if name:
                            zones[room.worldMap.name, placeName(name)] += 1
        rooms.sort(key=lambda r: (-r["players"], r["room"]))
        now = self.world.activity.now()
        messages = yield self.world.store.readableMessages(self.userId, now - TOPICS_MS,
                                                           MAX_MESSAGES * 10)
        said: Counter = Counter()
        for message in messages:
            if message["kind"] in ("nearby", "zone"):
                said.update({word for word in words(message["text"])
                             if len(word) > 2 and word not in _COMMON and not word.isdigit()})
        peak = self.world.activity.peak()
        return {
            "rooms": rooms,
            "zones": [{"zone": zone, "map": mapName, "players": count}
                      for (mapName, zone), count in sorted(zones.items(),
                                                           key=lambda i: (-i[1], i[0]))],
            "peak_today": None if peak is None else {"players": peak[0],
                                                     "at": clockTime(peak[1])},
            "topics": [word for word, count in said.most_common(5) if count > 1],
        }

    def searchKnowledge(self, query: str) -> dict:
        """
        The passages of the agent's knowledge file that best answer C{query}.
        """
        return {"query": query, "passages": [
            {"heading": p.heading, "text": p.text} for p in self.knowledge.search(query, 3)]}

    # -- for brains that read the question themselves ------------------------

    def placesNamedIn(self, text: str) -> List[str]:
        """
        The names (as said) of the named zones that C{text} mentions, on any
        map, the asker's map first; a place named twice (on two maps)
        once.
        """
        said = set(words(text))
        found: List[str] = []
        for mapName in sorted(self.world.rooms.maps, key=lambda n: (n != self.mapName, n)):
            for zone in self.world.rooms.maps[mapName].zones:
                if not zone.name:
                    continue
                name = placeName(zone.name)
                own = set(words(name)) - _NUMBERS
                if own and own <= said and name not in found:
                    found.append(name)
        return found

    @defer.inlineCallbacks
    def playersNamedIn(self, text: str):
        """
        Fires with the names of the online players, on this node or
        another, that C{text} mentions (whole words).
        """
        said = " %s " % " ".join(words(text))
        elsewhere, _ = yield self._elsewhere()
        names = [avatar.name for avatar, _ in self._players()]
        names += [str(player.get("name") or "") for player in elsewhere]
        found: List[str] = []
        for called in names:
            name = " ".join(words(called))
            if name and " %s " % (name,) in said and called not in found:
                found.append(called)
        return found


_NUMBERS = frozenset(str(n) for n in range(100))


def _argument(arguments: Dict, name: str) -> str:
    value = arguments.get(name)
    if not isinstance(value, str) or not value.strip():
        raise ToolError("%r must be a non-empty text" % (name,))
    return value.strip()[:MAX_ARGUMENT]


def _said(message: dict, userId: int) -> dict:
    sender = message["from"] or {}
    if message["kind"] == "zone":
        where = "in %s" % (placeName(message["title"]) or "a zone",)
    elif message["kind"] == "direct":
        where = "to you" if sender.get("id") != userId else "your direct message"
    else:
        where = "nearby"
    return {"from": "you" if sender.get("id") == userId else sender.get("name"),
            "where": where, "text": message["text"], "at": clockTime(message["at"])}


def _schema(name: str, description: str, parameter: Optional[Tuple[str, str]] = None) -> dict:
    properties = {}
    required = []
    if parameter is not None:
        properties[parameter[0]] = {"type": "string", "description": parameter[1]}
        required.append(parameter[0])
    return {"name": name, "description": description,
            "parameters": {"type": "object", "properties": properties, "required": required}}


_SCHEMAS = {
    FIND_PLACE: _schema(FIND_PLACE, "Find a place (a named area of the map) by name: where it "
                        "is, how many people are in it, and the way there from the asker.",
                        ("name", "the place's name, e.g. library")),
    LOCATE_PLAYER: _schema(LOCATE_PLAYER, "Find an online player by name: the map and area "
                           "they are in, and which way from the asker.",
                           ("name", "the player's name or part of it")),
    WHO_IS_ONLINE: _schema(WHO_IS_ONLINE, "List the players online now and where they are."),
    RECENT_CHAT: _schema(RECENT_CHAT, "What was said lately in the conversations the asker "
                         "could read, who came into the world, and which meetings were held."),
    HEADCOUNTS: _schema(HEADCOUNTS, "How busy the world is: players per room and per area, "
                        "the peak of the day, and the topics of recent public talk."),
    SEARCH_KNOWLEDGE: _schema(SEARCH_KNOWLEDGE, "Search your own knowledge notes.",
                              ("query", "what to look up")),
}
