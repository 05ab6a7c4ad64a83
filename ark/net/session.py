"""
One client connection, whatever carries it: validates what the client
sends, joins it to a room, feeds its input to the simulation and answers
every mistake with a specific error.

The session talks to its connection only through the C{send} and C{close}
callables it is given, so tests drive it with lists and a L{Clock}.
"""

from __future__ import annotations

from typing import Callable, Optional
from urllib.parse import quote

from twisted.internet import defer
from twisted.logger import Logger

from ark import metrics
from ark.identity.authority import AuthError
from ark.media.ice import NO_ICE_SERVERS, IceServers
from ark.chat.service import Speaker
from ark.chat.filter import Refused
from ark.cluster.seats import SeatRefused
from ark.net.codec import dumps
from ark.net.messages import (
    Accept, Act, Ask, Input, Join, Leave, ProtocolError, Say, Signal, Status, Talk, Untalk,
    decode)
from ark.net.views import PATCH_RATE, sendTo
from ark.rooms import JoinRefused
from ark.world import movement
from ark.world.room import MAX_QUEUED_STEPS

log = Logger()

JOIN_TIMEOUT = 10.0

# Messages per second a client may send, with a burst of as many.
MESSAGE_RATE = 40.0

# Input steps per second a client may send (the tick rate), with a burst
# of as many.
INPUT_RATE = 60.0

# Strikes (protocol errors) that close a connection; one is forgiven a second.
MAX_STRIKES = 10

CLOSE_NORMAL = 1000
CLOSE_GOING_AWAY = 1001
CLOSE_PROTOCOL_ERRORS = 4001
CLOSE_JOIN_TIMEOUT = 4002
CLOSE_REPLACED = 4003


def decodeFrame(payload: bytes, isBinary: bool):
    """
    The message object one WebSocket frame from a client carries, or the
    L{ProtocolError} it earns.
    """
    if not isBinary:
        return ProtocolError("text_frame", "only binary frames are accepted")
    try:
        return decode(payload)
    except ProtocolError as error:
        return error


class Session:
    """
    The server side of one client.

    @param rooms: the L{ark.rooms.RoomManager}.
    @param send: sends one binary message to the client.
    @param close: closes the connection with a code and a reason.
    @param clock: an L{IReactorTime}.
    @param authority: the L{ark.identity.authority.Authority} that checks access tokens.
    @param chat: the L{ark.chat.service.ChatService}.
    @param inputRate: input steps a second the client may send.
    @param ice: the L{ark.media.ice.IceServers} handed to the player (by
        default none: players on one machine or LAN connect directly).
    @param agents: the L{ark.agents.conversations.AgentService}, or
        C{None} when the world has no conversations with agents.
    @param seats: the L{ark.cluster.seats.Seats} that joins redeem, or
        C{None} for a node that takes every join (tests of one node).
    @param sendPatch: sends what the room's view has for the client: a
        message, and the motions a patch ends with (see
        L{ark.net.views.Viewer.send}); by default the two are joined and
        C{send}.
    @param flow: what C{sendPatch} goes through, when its C{behind} may
        hold the client's patches back (see L{ark.net.views.Viewer.flow}).
    """

    def __init__(self, rooms, send: Callable[[bytes], None],
                 close: Callable[[int, str], None], clock, authority, chat,
                 inputRate: float = INPUT_RATE, ice: IceServers = NO_ICE_SERVERS,
                 agents=None, seats=None, sendPatch=None, flow=None):
        self.rooms = rooms
        self.agents = agents
        self.seats = seats
        self.send = send
        self.sendPatch = sendPatch if sendPatch is not None else self._sendJoined
        self.flow = flow
        self._close = close
        self.clock = clock
        self.authority = authority
        self.chat = chat
        self.ice = ice
        self._iceRenewal = None
        self.seat = None
        self.identity = None
        self.closed = False
        self._joining = False
        self.inputRate = inputRate
        self._steps = inputRate
        self._stepsAt = clock.seconds()
        self._stepNoticeAt = None
        self._joinTimer = None
        self._allowance = MESSAGE_RATE
        self._allowanceAt = clock.seconds()
        self._strikes = 0.0
        self._strikesAt = self._allowanceAt
        self._noticedAt = {}

    # -- connection events -------------------------------------------------

    def _sendJoined(self, message: bytes, motions) -> None:
        self.send(message if motions is None else b"".join((message, *motions)))

    def opened(self) -> None:
        self._joinTimer = self.clock.callLater(JOIN_TIMEOUT, self._joinTimedOut)

    def received(self, payload: bytes, isBinary: bool) -> None:
        """
        Handle one message from the client.
        """
        self.receivedDecoded(decodeFrame(payload, isBinary))

    def receivedDecoded(self, message) -> None:
        """
        Handle one message from the client that L{decodeFrame} (here, or in
        a gateway process) made into a message object or a
        L{ProtocolError}.
        """
        if self.closed:
            return
        try:
            if not self._withinRate():
                raise ProtocolError(
                    "rate_limited",
                    "more than %d messages a second; message dropped" % (MESSAGE_RATE,),
                )
            if isinstance(message, ProtocolError):
                raise message
            handler, kind = self._handlers[type(message)]
            metrics.traffic.messagesIn[kind] += 1
            handler(self, message)
        except ProtocolError as error:
            self._refuse(error)
        except Exception:
            # A bug of ours, not the client's fault: log it for us, tell the
            # client something went wrong (never what), and carry on.
            log.failure("handling a client message")
            self._sendError("internal_error", "the server failed to handle this message", None)

    def connectionLost(self) -> None:
        """
        The connection is gone.  Unless the player left on purpose, the
        avatar is held for reconnection.
        """
        if self._joinTimer is not None and self._joinTimer.active():
            self._joinTimer.cancel()
        self.closed = True
        self._stopListening()
        self._stopRenewingIce()
        if self.seat is not None:
            seat, self.seat = self.seat, None
            self.rooms.disconnected(seat)
            metrics.connectedPlayers.dec()

    def replaced(self) -> None:
        """
        Another connection resumed this session's avatar.
        """
        self._stopListening()
        self._stopRenewingIce()
        if self.seat is not None:
            self.seat = None
            metrics.connectedPlayers.dec()
        self.close(CLOSE_REPLACED, "resumed by another connection")

    def close(self, code: int, reason: str) -> None:
        if not self.closed:
            self.closed = True
            self._close(code, reason)

    # -- messages ----------------------------------------------------------

    def _onJoin(self, join: Join) -> None:
        if self.seat is not None or self._joining:
            raise ProtocolError("already_joined", "this connection has joined already", "join")
        self._joining = True
        joined = self._identify(join)
        joined.addCallback(self._seat, join)
        joined.addErrback(self._joinRefused)

    @defer.inlineCallbacks
    def _identify(self, join: Join):
        """
        Fires with the player's L{ark.identity.authority.Identity}, the
        map they join (C{None}: where they last stood, else the default),
        and where they last stood, if that is where they will appear.

        A seat names the map; without one, the map must be this node's
        (L{ark.cluster.seats.Seats.admits}).
        """
        identity = yield self.authority.verifyAccess(join.access)
        mapName, place, entry = join.map, None, None
        if join.token is not None:
            return identity, mapName, place, entry
        if join.seat is not None and self.seats is not None:
            mapName, entry = yield self.seats.redeem(join.seat, identity.userId)
        if self.rooms.store is not None and entry is None and (
                join.map is None or join.seat is not None):
            place = yield self.rooms.store.lastPlace(identity.userId)
        if join.seat is None and self.seats is not None:
            wanted = mapName
            if wanted is None:
                wanted = place[0] if place and place[0] in self.rooms.maps else self.rooms.defaultMap
            if wanted in self.rooms.maps and not (yield self.seats.admits(wanted)):
                raise JoinRefused("other_node", "another node holds %s: join with a seat from "
                                                "POST /api/join" % (wanted,))
        return identity, mapName, place, entry

    def _seat(self, found, join: Join) -> None:
        identity, mapName, place, entry = found
        self._joining = False
        if self.closed:
            return
        if join.token is not None:
            seat = self.rooms.resume(self, join.token, identity.userId)
        else:
            seat = self.rooms.join(self, identity.name, identity.avatar, mapName,
                                   identity.userId, place, entry)
        self.seat = seat
        self.identity = identity
        self.chat.listen(identity.userId, self._deliverChat)
        if self.agents is not None and join.token is None:
            self.agents.arrived(identity.name, seat.room.worldMap.name)
        metrics.connectedPlayers.inc()
        if self._joinTimer is not None and self._joinTimer.active():
            self._joinTimer.cancel()
        # Through a door of another node: a move, as the client knows one.
        self._welcome(seat, resumed=join.token is not None, moved=entry is not None)

    def handOff(self, seat, target) -> None:
        """
        The player went through a door to a map this node may not hold:
        ask the directory where it is; here after all, they move as
        through any door, else they are handed a seat on its node (C{go})
        and their avatar here is released.
        """
        if self.seats is None or self.seat is not seat or self.closed:
            return
        reserved = self.seats.reserve(self.identity.userId, target.mapName, target.entry)
        reserved.addCallbacks(self._handedOff, self._notHandedOff, callbackArgs=(seat, target))

    def _handedOff(self, reservation, seat, target) -> None:
        if self.seat is not seat or self.closed:
            return
        if reservation.nodeId == self.seats.nodeId:
            self.rooms.move(seat, target, here=True)
            return
        self._sendMessage({"t": "go", "map": reservation.mapName, "node": reservation.nodeId,
                           "url": reservation.url, "seat": reservation.seat})
        self._leave(seat, "gone to another node")

    def _notHandedOff(self, failure, seat, target) -> None:
        if not failure.check(SeatRefused):
            log.failure("handing a player to another node", failure)
        if self.seat is seat and not self.closed:
            self._notice("try_again", "the door to %s cannot be opened now; try again"
                         % (target.mapName,), "in")

    def moved(self, seat) -> None:
        """
        The player went through a door: they start again from a welcome to
        the room they are in now.
        """
        if self.seat is seat and not self.closed:
            self._welcome(seat, moved=True)

    def _welcome(self, seat, resumed: bool = False, moved: bool = False) -> None:
        snapshot = seat.view.attach(seat.avatar, self.sendPatch, self.flow)
        worldMap = seat.room.worldMap
        welcome = {
            "t": "welcome",
            "id": seat.avatar.entityId,
            "user": self.identity.userId,
            "token": seat.token,
            "resumed": resumed,
            "moved": moved,
            "map": worldMap.name,
            "mapUrl": "/maps/" + quote(worldMap.name),
            "room": self.rooms.roomName(seat.view),
            "tick": seat.room.tick,
            "tickRate": movement.TICK_RATE,
            "patchRate": PATCH_RATE,
            "unitsPerPixel": movement.UNITS_PER_PIXEL,
            "viewRadius": self.rooms.viewRadius,
        }
        welcome["talk"] = seat.room.talk.rules.describe()
        if not moved:
            welcome["ice"] = self._iceServers()
        welcome.update(snapshot)
        self._sendMessage(welcome)
        if resumed:
            seat.view.retell(seat.avatar)

    def _iceServers(self) -> dict:
        """
        The ICE servers for the player, with TURN credentials of their own,
        and a renewal of them (an C{ice} message) before they run out.
        """
        self._stopRenewingIce()
        servers = self.ice.forUser(self.identity.userId)
        if self.ice.turnUrls:
            self._iceRenewal = self.clock.callLater(self.ice.renewAfter, self._renewIce)
        return servers

    def _renewIce(self) -> None:
        self._iceRenewal = None
        if not self.closed:
            message = {"t": "ice"}
            message.update(self._iceServers())
            self._sendMessage(message)

    def _stopRenewingIce(self) -> None:
        if self._iceRenewal is not None and self._iceRenewal.active():
            self._iceRenewal.cancel()
        self._iceRenewal = None

    def _joinRefused(self, failure) -> None:
        self._joining = False
        if self.closed:
            return
        error = failure.value
        if isinstance(error, (AuthError, JoinRefused, SeatRefused)):
            # Not a strike: the client may refresh its token, or join
            # afresh, and try again.
            self._sendError(error.code, error.message, "join")
        else:
            log.failure("joining", failure)
            self._sendError("internal_error", "the server failed to handle this message", "join")

    def _onInput(self, message: Input) -> None:
        seat = self._joined("in")
        avatar = seat.avatar
        if message.seq <= avatar.lastSeq:
            raise ProtocolError(
                "stale_seq",
                "step %d is not above the last step received (%d)"
                % (message.seq, avatar.lastSeq),
                "in",
            )
        steps = message.steps
        allowed = self._takeSteps(len(steps))
        if allowed < len(steps):
            metrics.traffic.stepsRateLimited += len(steps) - allowed
            self._notice("input_rate_limited", "more than %d input steps a second; %d dropped"
                         % (self.inputRate, len(steps) - allowed))
        dropped = seat.room.queueSteps(avatar, message.seq, steps[:allowed], len(steps))
        if dropped:
            metrics.traffic.stepsDropped += dropped
            self._notice("steps_dropped",
                         "%d steps dropped: at most %d may wait" % (dropped, MAX_QUEUED_STEPS))

    def _takeSteps(self, count: int) -> int:
        """
        How many of C{count} steps the input rate lets through now.
        """
        now = self.clock.seconds()
        self._steps = min(self.inputRate, self._steps + (now - self._stepsAt) * self.inputRate)
        self._stepsAt = now
        allowed = min(count, int(self._steps))
        self._steps -= allowed
        return allowed

    def _notice(self, code: str, message: str, ref: str = "in") -> None:
        # Told at most once a second, never a strike: the client cannot
        # help a burst it has sent already, nor a signal crossing the end
        # of its pair.
        now = self.clock.seconds()
        if now - self._noticedAt.get(code, now - 1.0) >= 1.0:
            self._noticedAt[code] = now
            self._sendError(code, message, ref)

    def _onLeave(self, message: Leave) -> None:
        self._leave(self._joined("leave"), "left")

    def _leave(self, seat, reason: str) -> None:
        """
        The player leaves the world here on purpose: their avatar goes at
        once, and the connection closes normally, saying C{reason}.
        """
        self._stopListening()
        self._stopRenewingIce()
        self.seat = None
        metrics.connectedPlayers.dec()
        self.rooms.leave(seat)
        self.close(CLOSE_NORMAL, reason)

    def _onAct(self, message: Act) -> None:
        seat = self._joined("act")
        seat.room.act(seat.avatar)

    def _onStatus(self, message: Status) -> None:
        seat = self._joined("status")
        seat.room.setStatus(seat.avatar, message.status)

    def _onAccept(self, message: Accept) -> None:
        seat = self._joined("accept")
        if not seat.room.talk.answer(seat.avatar, message.pair, message.yes):
            self._notice("not_paired", "you were not asked to talk in pair %d" % (message.pair,),
                         "accept")

    def _onSignal(self, message: Signal) -> None:
        """
        Pass WebRTC signalling to the other player of a pair, only while
        the server has the two paired, and with the sender as the server
        knows it.
        """
        seat = self._joined("signal")
        avatar = seat.avatar
        pair = seat.room.talk.pairs.get(message.pair)
        viewer = None
        if pair is not None and avatar in pair and pair.talking:
            viewer = seat.view.viewers.get(pair.other(avatar))
        if viewer is None:
            self._notice("not_paired", "pair %d is not one of yours, or has ended"
                         % (message.pair,), "signal")
            return
        relayed = {"t": "signal", "pair": pair.number, "from": avatar.entityId}
        if message.sdp is not None:
            relayed["sdp"] = message.sdp
        else:
            relayed["ice"] = message.ice
        sendTo(viewer, relayed)

    def _onSay(self, message: Say) -> None:
        seat = self._joined("say")
        identity = self.identity
        speaker = Speaker(identity.userId, identity.name, identity.avatar, seat)
        said = defer.maybeDeferred(self.chat.say, speaker, message.kind, message.text, message.to,
                                   message.cid)
        said.addCallbacks(self._said, self._notSaid, callbackArgs=(message.ref,),
                          errbackArgs=(message.ref,))

    def _said(self, stored: dict, ref: int) -> None:
        if not self.closed:
            answer = {"t": "said", "ref": ref}
            answer.update(stored)
            self._sendMessage(answer)

    def _notSaid(self, failure, ref: int) -> None:
        if failure.check(Refused):
            code, text = failure.value.code, failure.value.message
        else:
            log.failure("saying something", failure)
            code, text = "internal_error", "the server failed to handle this message"
        if not self.closed:
            self._sendMessage({"t": "said", "ref": ref, "error": code, "message": text})

    def _deliverChat(self, message: dict) -> None:
        if not self.closed:
            self._sendMessage(message)

    def _stopListening(self) -> None:
        if self.identity is not None:
            self.chat.stopListening(self.identity.userId, self._deliverChat)
            if self.agents is not None:
                self.agents.gone(self.identity.userId, self)

    # -- agents --------------------------------------------------------------

    def _agentService(self):
        if self.agents is None:
            raise Refused("no_agents", "this world has no agents")
        return self.agents

    def _onTalk(self, message: Talk) -> None:
        seat = self._joined("talk")
        identity = self.identity
        opened = defer.maybeDeferred(lambda: self._agentService().talk(
            seat, identity.userId, identity.name, message.agent, self))
        opened.addCallbacks(self._talking, self._answerRefused,
                            errbackArgs=("talking", {"agent": message.agent}))

    def _talking(self, fields: dict) -> None:
        if not self.closed:
            answer = {"t": "talking"}
            answer.update(fields)
            self._sendMessage(answer)

    def _onUntalk(self, message: Untalk) -> None:
        self._joined("untalk")
        if self.agents is not None:
            self.agents.close(self.identity.userId, message.agent)
        self._talking({"agent": message.agent, "open": False})

    def _onAsk(self, message: Ask) -> None:
        seat = self._joined("ask")
        identity = self.identity
        asked = defer.maybeDeferred(lambda: self._agentService().ask(
            identity.userId, identity.name, seat.room.worldMap.name, message.agent,
            message.text, self, seat))
        asked.addCallbacks(self._asked, self._answerRefused, callbackArgs=(message.ref,),
                           errbackArgs=("asked", {"ref": message.ref}))

    def _asked(self, fields: dict, ref: int) -> None:
        if not self.closed:
            answer = {"t": "asked", "ref": ref}
            answer.update(fields)
            self._sendMessage(answer)

    def _answerRefused(self, failure, kind: str, fields: dict) -> None:
        if failure.check(Refused):
            code, text = failure.value.code, failure.value.message
        else:
            log.failure("answering {kind}", failure, kind=kind)
            code, text = "internal_error", "the server failed to handle this message"
        if not self.closed:
            answer = {"t": kind}
            answer.update(fields)
            answer.update({"error": code, "message": text})
            self._sendMessage(answer)

    def piece(self, sessionId: int, agentId: str, text: str) -> None:
        """
        The next piece of an agent's reply to this player.
        """
        if not self.closed:
            self._sendMessage({"t": "reply", "session": sessionId, "agent": agentId,
                               "piece": text})

    def conversationClosed(self, agentId: str) -> None:
        """
        The player's conversation with C{agentId} was closed by the server.
        """
        self._talking({"agent": agentId, "open": False})

    _handlers = {
        Join: (_onJoin, "join"),
        Input: (_onInput, "in"),
        Leave: (_onLeave, "leave"),
        Act: (_onAct, "act"),
        Say: (_onSay, "say"),
        Status: (_onStatus, "status"),
        Signal: (_onSignal, "signal"),
        Accept: (_onAccept, "accept"),
        Talk: (_onTalk, "talk"),
        Untalk: (_onUntalk, "untalk"),
        Ask: (_onAsk, "ask"),
    }

    def _joined(self, kind: str):
        if self.seat is None:
            raise ProtocolError("not_joined", "send 'join' first", kind)
        return self.seat

    # -- errors and limits -------------------------------------------------

    def _withinRate(self) -> bool:
        now = self.clock.seconds()
        self._allowance = min(
            MESSAGE_RATE, self._allowance + (now - self._allowanceAt) * MESSAGE_RATE
        )
        self._allowanceAt = now
        if self._allowance < 1.0:
            return False
        self._allowance -= 1.0
        return True

    def _refuse(self, error: ProtocolError) -> None:
        metrics.protocolErrors.labels(error.code).inc()
        self._sendError(error.code, error.message, error.ref)
        now = self.clock.seconds()
        self._strikes = max(0.0, self._strikes - (now - self._strikesAt)) + 1.0
        self._strikesAt = now
        if self._strikes >= MAX_STRIKES:
            self.close(CLOSE_PROTOCOL_ERRORS, "too many protocol errors")

    def _sendError(self, code: str, message: str, ref: Optional[str]) -> None:
        error = {"t": "error", "code": code, "message": message}
        if ref is not None:
            error["ref"] = ref
        self._sendMessage(error)

    def _sendMessage(self, message: dict) -> None:
        encoded = dumps(message)
        metrics.traffic.messagesOut[message["t"]] += 1
        metrics.traffic.bytesOut += len(encoded)
        self.send(encoded)

    def _joinTimedOut(self) -> None:
        self._joinTimer = None
        if self.seat is None:
            self.close(CLOSE_JOIN_TIMEOUT, "no join within %d seconds" % (JOIN_TIMEOUT,))
