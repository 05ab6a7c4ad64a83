"""
Chat: who a message goes to, storing it before anyone hears of it, and
delivering it to the participants who are online.

Kinds (see the protocol doc): I{nearby} goes to the players within the
proximity radius when it is said, I{zone} to everyone in the sender's
zone, I{direct} to one user, online or not, and I{system} from the server.
"""

from __future__ import annotations

from typing import Dict, List, Optional, Set

from twisted.internet import defer
from twisted.logger import Logger

from ark.chat.filter import Refused
from ark.ratelimit import WindowLimit
from ark.world import movement

log = Logger()

NEARBY_RADIUS = 100
MESSAGES_PER_WINDOW = 5
WINDOW_SECONDS = 10.0
# A crowd around the sender: the nearest this many hear a nearby message.
MAX_NEARBY = 50

GREETING = ("Welcome to ark, %s! Walk with WASD or the arrow keys (Shift runs), "
            "press E or Space where there is something to do, and chat with the "
            "people near you here.")


class Speaker:
    """
    Who is saying something: a player in the world, and their seat.
    """

    __slots__ = ("userId", "name", "avatar", "seat")

    def __init__(self, userId: int, name: str, avatar: str, seat):
        self.userId = userId
        self.name = name
        self.avatar = avatar
        self.seat = seat


class ChatService:
    """
    @param store: an L{ark.interfaces.IStore}.
    @param rooms: the L{ark.rooms.RoomManager}, for who is near and who is
        in which zone.
    @param chatFilter: an L{ark.chat.filter.ChatFilter}.
    @param clock: an L{IReactorTime}.
    """

    def __init__(self, store, rooms, chatFilter, clock, radius: int = NEARBY_RADIUS,
                 perWindow: int = MESSAGES_PER_WINDOW, window: float = WINDOW_SECONDS):
        self.store = store
        self.rooms = rooms
        self.filter = chatFilter
        self.clock = clock
        self.radius = radius * movement.UNITS_PER_PIXEL
        self.perWindow = perWindow
        self.window = window
        self._listeners: Dict[int, Set] = {}
        # The chat relay between nodes (ark.cluster.relay), or None alone.
        self.relay = None
        self._rate = WindowLimit(perWindow, window)

    # -- who is online -------------------------------------------------------

    def listen(self, userId: int, deliver) -> None:
        """
        Deliver the user's messages to C{deliver} (a callable taking the
        message dict) while it listens.
        """
        self._listeners.setdefault(userId, set()).add(deliver)

    def stopListening(self, userId: int, deliver) -> None:
        listeners = self._listeners.get(userId)
        if listeners is not None:
            listeners.discard(deliver)
            if not listeners:
                del self._listeners[userId]
        # Tidy the chat limit now too, in case nobody says anything for a
        # while: what has to be remembered of this user goes with the window.
        self._rate.forget(self.clock.seconds())

    # -- saying --------------------------------------------------------------

    @property
    def talkers(self) -> int:
        """
        How many users the chat limit keeps count of now: those who said
        something within the last window.
        """
        return len(self._rate)

    @defer.inlineCallbacks
    def say(self, speaker: Speaker, kind: str, text: str, to: Optional[int] = None,
            clientId: Optional[str] = None):
        """
        Store what C{speaker} said and deliver it (see L{_say}).  A message
        sent again that would now be refused (past the chat limit, out of
        its zone) but was stored before is answered as stored: its client
        only asks whether it arrived.
        """
        try:
            said = yield self._say(speaker, kind, text, to, clientId)
        except Refused as refused:
            if clientId is None or refused.code == "store_failed":
                raise
            try:
                stored = yield self.store.messageByClientId(speaker.userId, clientId)
            except Exception:
                log.failure("looking a chat message up by its client id")
                stored = None
            if stored is None:
                raise
            said = yield self._again(speaker, kind, stored)
        return said

    @defer.inlineCallbacks
    def _again(self, speaker: Speaker, kind: str, stored: dict):
        """
        Deliver a message stored before again, to those it was said to
        then (not those around now).
        """
        recipients = yield self.store.participantIds(stored["session"])
        self.deliver(recipients, speaker.userId, {
            "t": "chat", "session": stored["session"], "kind": kind, "id": stored["id"],
            "at": stored["at"], "text": stored["text"],
            "from": {"id": speaker.userId, "name": speaker.name, "avatar": speaker.avatar},
        })
        return {key: stored[key] for key in ("session", "id", "at", "text")}

    @defer.inlineCallbacks
    def _say(self, speaker: Speaker, kind: str, text: str, to: Optional[int] = None,
             clientId: Optional[str] = None):
        """
        Store what C{speaker} said and deliver it.

        @param clientId: the client's id for the message: said again with
            the same id (its client could not know it was stored), it is
            stored once, and answered and delivered as it was stored.
        @return: a Deferred firing with C{{"session", "id", "at", "text"}}
            once the message is stored.
        @raise Refused: with the code the sender is told.
        """
        # Counted before finding the recipients, so a flood of messages to
        # unknown users costs no more queries than the limit allows.
        text = self.admit(speaker.userId, text)
        if kind == "direct":
            recipients = yield self._directTo(speaker, to)
            low, high = sorted((speaker.userId, to))
            key, title = "direct:%d:%d" % (low, high), ""
        elif kind == "nearby":
            recipients = self._nearby(speaker)
            key = "nearby:" + ",".join(str(u) for u in sorted(set(recipients) | {speaker.userId}))
            title = ""
        else:
            # "zone": the protocol lets no other kind through.
            mapName, zoneName, recipients = self._zone(speaker)
            key, title = "zone:%s:%s" % (mapName, zoneName), zoneName
        at = int(self.clock.seconds() * 1000)
        try:
            if clientId is None:
                sessionId, messageId = yield self.store.addMessage(
                    key, kind, title, recipients, speaker.userId, "player", text, at)
            else:
                stored = yield self.store.addMessageOnce(
                    clientId, key, kind, title, recipients, speaker.userId, text, at)
                if stored["again"]:
                    said = yield self._again(speaker, kind, stored)
                    return said
                sessionId, messageId = stored["session"], stored["id"]
        except Exception:
            log.failure("storing a chat message")
            # Not said: it counts when it is sent again.
            self._rate.takeBack(speaker.userId)
            raise Refused("store_failed", "the message could not be stored; try again")
        self.deliver(recipients, speaker.userId, {
            "t": "chat", "session": sessionId, "kind": kind, "id": messageId, "at": at,
            "text": text, "from": {"id": speaker.userId, "name": speaker.name,
                                   "avatar": speaker.avatar},
        })
        return {"session": sessionId, "id": messageId, "at": at, "text": text}

    def admit(self, userId: int, text: str) -> str:
        """
        What C{userId} may say of C{text} now (banned words masked),
        counted against their chat limit: every message a player writes,
        to players or to agents, passes here.

        @raise Refused: with the code the sender is told.
        """
        text = self.filter.clean(text)
        if not self._rate.allow(userId, self.clock.seconds()):
            raise Refused("chat_rate_limited", "at most %d messages in %d seconds"
                          % (self.perWindow, self.window))
        return text

    @defer.inlineCallbacks
    def system(self, userId: int, text: str):
        """
        Tell one user something, in their session with the server.
        """
        at = int(self.clock.seconds() * 1000)
        sessionId, messageId = yield self.store.addMessage(
            "system:%d" % (userId,), "system", "", [userId], None, "system", text, at)
        self.deliver([userId], None, {"t": "chat", "session": sessionId, "kind": "system",
                                       "id": messageId, "at": at, "text": text, "from": None})
        return sessionId, messageId

    def greet(self, user: dict):
        """
        Welcome a new player in their session with the server.
        """
        return self.system(user["id"], GREETING % (user["name"],))

    def deliver(self, recipients, senderId, message: dict) -> None:
        """
        Send C{message} to every connection of each of C{recipients} but
        the sender's, on this node and, through the relay, on the others.
        """
        self.deliverHere(recipients, senderId, message)
        if self.relay is not None and any(
                userId != senderId and userId not in self._listeners for userId in recipients):
            self.relay.publish(recipients, senderId, message)

    def deliverHere(self, recipients, senderId, message: dict) -> None:
        """
        Send C{message} to the connections of C{recipients} on this node.
        """
        for userId in recipients:
            if userId == senderId:
                continue
            for deliver in list(self._listeners.get(userId, ())):
                deliver(message)

    # -- who hears it --------------------------------------------------------

    @defer.inlineCallbacks
    def _directTo(self, speaker: Speaker, to: Optional[int]):
        if to is None or to == speaker.userId:
            raise Refused("unknown_user", "'to' must be another player's user id")
        try:
            user = yield self.store.userById(to)
        except Exception:
            log.failure("finding the recipient of a direct message")
            self._rate.takeBack(speaker.userId)
            raise Refused("store_failed", "the message could not be stored; try again")
        if user is None:
            raise Refused("unknown_user", "there is no user %d" % (to,))
        return [speaker.userId, to]

    def _nearby(self, speaker: Speaker) -> List[int]:
        """
        The users whose avatars stand within the radius of the speaker's,
        nearest first, the speaker included.
        """
        seat = speaker.seat
        room = seat.room
        me = seat.avatar.body
        radius = self.radius
        span = room.grid.spanAround(me.x, me.y, radius)
        found = []
        # In a private zone, only those in it hear; outside, nobody in one.
        privacy = seat.avatar.privacy
        for cell in room.grid.cellsIn(span):
            for other in room.grid.members(cell):
                # Agents stand among the players but have no user to
                # deliver to: they are never recipients, nor do they take
                # a place among the nearest who hear.
                if other is seat.avatar or other.userId is None or other.privacy != privacy:
                    continue
                dx = other.body.x - me.x
                dy = other.body.y - me.y
                distance = dx * dx + dy * dy
                if distance <= radius * radius:
                    found.append((distance, other.userId))
        found.sort()
        return [speaker.userId] + [userId for _, userId in found[:MAX_NEARBY]]

    def _zone(self, speaker: Speaker):
        """
        The sender's innermost named zone, and everyone in it on any shard
        of the map.
        """
        seat = speaker.seat
        worldMap = seat.room.worldMap
        named = [n for n in seat.avatar.zones if worldMap.zones[n].name]
        if not named:
            raise Refused("not_in_zone", "you are not in a zone")
        number = named[-1]
        recipients = [speaker.userId]
        for view in self.rooms.shardsOf(worldMap.name):
            for avatar in view.room.avatars.values():
                if number in avatar.zones and avatar.userId is not None \
                        and avatar.userId != speaker.userId:
                    recipients.append(avatar.userId)
        return worldMap.name, worldMap.zones[number].name, recipients
