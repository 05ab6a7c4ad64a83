"""
Conversations between players and agents: opening one by walking up,
asking (an agent, or "ask anyone"), each agent's answers kept within its
concurrency limit, the reply streamed to the asker and shown as a bubble
to the players around, and everything stored as chat sessions of kind
C{agent}, one per player and agent.

The agent's state in the world (listening, thinking, talking, and with
whom) follows its open conversations: L{ark.world.room.Room.setAgentState}
stops it and turns it to face the player.
"""

from __future__ import annotations

import math
from typing import Dict, List, Optional, Tuple

from twisted.application import service
from twisted.internet import defer, task
from twisted.logger import Logger

from ark import metrics
from ark.agents.activity import ActivityLog
from ark.agents.knowledge import Knowledge
from ark.agents.question import AGENT, PLAYER, AgentUnavailable, Asker, BrainSettings, Question, Turn
from ark.agents.router import Router
from ark.agents.tools import World, WorldTools
from ark.chat.filter import Refused
from ark.net.views import sendTo
from ark.world import movement
from ark.world.agents import IDLE, LISTENING, TALKING, THINKING

log = Logger()

# How near a player must stand to open a conversation (centre to centre),
# with an allowance for a client's prediction running a little ahead.
REACH = 64
REACH_ALLOWANCE = 16
# A conversation closes when the player walks further away than this.
LEAVE_DISTANCE = 128
# Who sees an agent's speech bubble: the players this near it.
BUBBLE_RADIUS = 160
BUBBLE_LENGTH = 140
# Bubbles go out at most this often while a reply streams.
BUBBLE_INTERVAL = 0.25
# Answers one agent works on at once (each question waits its turn
# beyond), and how many may wait.
CONCURRENCY = 2
MAX_WAITING = 8
# Turns of the session a brain is given as history.
HISTORY_TURNS = 10
# Beyond the brain's own timeout, the service gives up on an answer.
GRACE_SECONDS = 5.0
# How often open conversations and the world's activity are looked at.
CHECK_SECONDS = 1.0

INTRODUCTION = "Hello %s! I'm %s%s. %s"
ASK_ME = "Ask me about %s."
ASK_ANYTHING = "What can I do for you?"
FAILED = "Sorry, I cannot answer right now: %s"
BROKEN = "Sorry, something went wrong on my side; please ask me again."


def sessionKey(mapName: str, agentId: str, userId: int) -> str:
    return "agent:%s:%s:%d" % (mapName, agentId, userId)


class Conversation:
    """
    A player's open conversation with an agent standing near them.
    """

    __slots__ = ("seat", "agentAvatar", "userId", "sink", "sessionId")

    def __init__(self, seat, agentAvatar, userId: int, sink, sessionId: int):
        self.seat = seat
        self.agentAvatar = agentAvatar
        self.userId = userId
        self.sink = sink
        self.sessionId = sessionId

    @property
    def agentId(self) -> str:
        return self.agentAvatar.agent.agentId


class _Answering:
    """
    One answer under way: for the agent's state and its bubbles.
    """

    __slots__ = ("conversation", "speaking", "text", "bubbleAt")

    def __init__(self, conversation: Optional[Conversation]):
        self.conversation = conversation
        self.speaking = False
        self.text = ""
        self.bubbleAt = None


class AgentService(service.Service):
    """
    @param rooms: the L{ark.rooms.RoomManager}.
    @param store: an L{ark.interfaces.IStore}.
    @param chat: the L{ark.chat.service.ChatService}: the chat limit and
        filter, and delivery to the asker's connections.
    @param clock: an L{IReactorTime}.
    @param brains: the L{ark.interfaces.IAgentBrain}s by name.
    @param settings: the operator's L{BrainSettings}.
    """

    def __init__(self, rooms, store, chat, clock, brains: Dict[str, object],
                 settings: BrainSettings = BrainSettings(), concurrency: int = CONCURRENCY,
                 maxWaiting: int = MAX_WAITING):
        self.rooms = rooms
        self.store = store
        self.chat = chat
        self.clock = clock
        self.brains = brains
        self.settings = settings
        self.concurrency = concurrency
        self.maxWaiting = maxWaiting
        self.activity = ActivityLog(clock)
        self.world = World(rooms, store, self.activity)
        self._knowledge: Dict[Optional[str], Knowledge] = {}
        self._routers: Dict[str, Router] = {}
        self._limits: Dict[Tuple[str, str], defer.DeferredSemaphore] = {}
        # Questions being answered or waiting: who asks which agent, and
        # how many each agent has.
        self._asking: set = set()
        self._pending: Dict[Tuple[str, str], int] = {}
        self._open: Dict[int, Conversation] = {}
        self._answering: Dict[object, List[_Answering]] = {}
        self._checks = task.LoopingCall(self.check)
        self._checks.clock = clock

    def startService(self) -> None:
        service.Service.startService(self)
        self._checks.start(CHECK_SECONDS, now=False)

    def stopService(self):
        service.Service.stopService(self)
        if self._checks.running:
            self._checks.stop()

    # -- what agents know --------------------------------------------------

    def knowledgeOf(self, spec) -> Knowledge:
        known = self._knowledge.get(spec.knowledge)
        if known is None:
            known = self._knowledge[spec.knowledge] = Knowledge(spec.knowledge)
        return known

    def router(self, mapName: str) -> Router:
        router = self._routers.get(mapName)
        if router is None:
            agents = self.rooms.maps[mapName].agents
            router = self._routers[mapName] = Router(
                agents, {spec.agentId: self.knowledgeOf(spec) for spec in agents})
        return router

    def persona(self, spec) -> str:
        known = self.knowledgeOf(spec).persona
        if known:
            return known
        role = " (%s)" % (spec.role,) if spec.role else ""
        return "You are %s%s, who lives in ark, a 2D world where people meet." % (spec.name, role)

    def spec(self, mapName: str, agentId: str):
        worldMap = self.rooms.maps.get(mapName)
        if worldMap is not None:
            for spec in worldMap.agents:
                if spec.agentId == agentId:
                    return spec
        return None

    # -- the world goes on -------------------------------------------------

    def arrived(self, name: str, mapName: str) -> None:
        """
        A player came into the world (for Chronicle).
        """
        self.activity.arrived(name, mapName)

    def check(self) -> None:
        """
        Once a second: note the world's activity, and close the
        conversations whose player walked away, left the room, or left.
        """
        self.activity.observe(self.rooms)
        for conversation in list(self._open.values()):
            if not self._stillNear(conversation):
                self.close(conversation.userId, conversation.agentId, tell=True)

    def _stillNear(self, conversation: Conversation) -> bool:
        seat = conversation.seat
        room = seat.room
        agentAvatar = conversation.agentAvatar
        if room.avatars.get(seat.avatar.entityId) is not seat.avatar \
                or room.avatars.get(agentAvatar.entityId) is not agentAvatar:
            return False
        return (_distance(seat.avatar, agentAvatar) <= LEAVE_DISTANCE
                or self._inZoneOf(seat.avatar, agentAvatar, room))

    # -- opening and closing -----------------------------------------------

    @defer.inlineCallbacks
    def talk(self, seat, userId: int, name: str, agentId: str, sink):
        """
        Open the player's conversation with the agent C{agentId} of their
        room (closing any other they had open).

        @param sink: told of the reply's pieces (C{piece(session, agent,
            text)}) and of the conversation closing
            (C{conversationClosed(agent)}).
        @return: a Deferred firing with the C{talking} message's fields.
        @raise Refused: C{unknown_agent} or C{too_far}.
        """
        room = seat.room
        agentAvatar = room.agentById(agentId)
        if agentAvatar is None:
            raise Refused("unknown_agent", "no agent %r here" % (agentId[:32],))
        if not self._inReach(seat.avatar, agentAvatar, room):
            raise Refused("too_far", "walk up to %s first (within %d px)"
                          % (agentAvatar.name, REACH))
        spec = agentAvatar.agent.spec
        mapName = room.worldMap.name
        at = self._now()
        sessionId, empty = yield self.store.openSession(
            sessionKey(mapName, spec.agentId, userId), "agent", spec.name, [userId], at,
            spec.agentId)
        previous = self._open.get(userId)
        if previous is not None and (previous.agentAvatar is not agentAvatar
                                     or previous.seat is not seat):
            self.close(userId, previous.agentId, tell=previous.sink is not sink)
        conversation = Conversation(seat, agentAvatar, userId, sink, sessionId)
        self._open[userId] = conversation
        self._restate(agentAvatar, room)
        if empty:
            role = ", %s" % (spec.role,) if spec.role else ""
            offer = ASK_ME % (_listed(spec.topics[:4]),) if spec.topics else ASK_ANYTHING
            yield self._storeReply(spec, mapName, userId,
                                   INTRODUCTION % (name, spec.name, role, offer), None)
        return {"agent": spec.agentId, "open": True, "name": spec.name, "role": spec.role,
                "avatar": spec.sprite, "session": sessionId}

    def _inReach(self, avatar, agentAvatar, room) -> bool:
        return (_distance(avatar, agentAvatar) <= REACH + REACH_ALLOWANCE
                or self._inZoneOf(avatar, agentAvatar, room))

    @staticmethod
    def _inZoneOf(avatar, agentAvatar, room) -> bool:
        """
        Whether C{avatar} stands in a zone whose C{agentId} names the agent.
        """
        agentId = agentAvatar.agent.agentId
        return any(room.worldMap.zones[n].properties.get("agentId") == agentId
                   for n in avatar.zones)

    def close(self, userId: int, agentId: str, tell: bool = False) -> bool:
        """
        Close the player's open conversation with C{agentId}, if any.

        @param tell: whether to tell the player's client (it did not ask).
        @return: whether one was open.
        """
        conversation = self._open.get(userId)
        if conversation is None or conversation.agentId != agentId:
            return False
        del self._open[userId]
        for answering in self._answering.get(conversation.agentAvatar, ()):
            if answering.conversation is conversation:
                answering.conversation = None
        self._restate(conversation.agentAvatar, conversation.seat.room)
        if tell:
            conversation.sink.conversationClosed(agentId)
        return True

    def gone(self, userId: int, sink) -> None:
        """
        The player's connection C{sink} is gone: its conversation closes.
        """
        conversation = self._open.get(userId)
        if conversation is not None and conversation.sink is sink:
            self.close(userId, conversation.agentId)

    # -- asking ------------------------------------------------------------

    def route(self, mapName: str, text: str):
        """
        The agent of C{mapName} "ask anyone" sends C{text} to.

        @return: an L{ark.agents.router.Route}.
        @raise Refused: C{no_agents} when the map has none.
        """
        try:
            return self.router(mapName).route(text)
        except LookupError:
            raise Refused("no_agents", "there are no agents on %s" % (mapName,))

    @defer.inlineCallbacks
    def ask(self, userId: int, name: str, mapName: str, agentId: Optional[str], text: str,
            sink, seat=None):
        """
        Store the player's question and start the answer.

        @param agentId: the agent asked, or C{None} to ask anyone.
        @param sink: told of the reply's pieces (C{piece(session, agent,
            text)}); the whole reply goes to every connection of the
            player as a C{chat}, and to C{sink.done(message)} when it has
            that method.
        @param seat: the player's seat, when they are in the world.
        @return: a Deferred firing with the C{asked} message's fields once
            the question is stored.
        @raise Refused: with the code the player is told.
        """
        text = self.chat.admit(userId, text)
        reason = None
        if agentId is None:
            route = self.route(mapName, text)
            spec, reason = route.agent, route.reason
        else:
            spec = self.spec(mapName, agentId)
            if spec is None:
                raise Refused("unknown_agent", "no agent %r on %s" % (agentId[:32], mapName))
        asking = (userId, mapName, spec.agentId)
        if asking in self._asking:
            raise Refused("already_asking", "%s is still answering your last question"
                          % (spec.name,))
        agentKey = (mapName, spec.agentId)
        if self._pending.get(agentKey, 0) >= self.concurrency + self.maxWaiting:
            raise Refused("agent_busy", "%s has too many questions waiting; ask again shortly"
                          % (spec.name,))
        self._asking.add(asking)
        self._pending[agentKey] = self._pending.get(agentKey, 0) + 1
        try:
            at = self._now()
            try:
                sessionId, messageId = yield self.store.addMessage(
                    sessionKey(mapName, spec.agentId, userId), "agent", spec.name, [userId],
                    userId, "player", text, at, (spec.agentId, spec.name, spec.sprite))
            except Exception:
                log.failure("storing a question to an agent")
                raise Refused("store_failed", "the question could not be stored; try again")
        except BaseException:
            self._answered(asking)
            raise
        answered = self._answer(spec, mapName, userId, name, text, sessionId, messageId,
                                reason, sink, seat, asking)
        answered.addErrback(lambda failure: log.failure("answering a question", failure))
        answered.addBoth(lambda _: self._answered(asking))
        asked = {"agent": spec.agentId, "session": sessionId, "id": messageId, "at": at,
                 "text": text}
        if reason is not None:
            asked["reason"] = reason
        return asked

    def _answered(self, asking: Tuple[int, str, str]) -> None:
        """
        The question C{asking} (C{(userId, mapName, agentId)}) is answered,
        or failed: the player may ask that agent again.
        """
        if asking in self._asking:
            self._asking.discard(asking)
            agentKey = asking[1:]
            self._pending[agentKey] -= 1
            if not self._pending[agentKey]:
                del self._pending[agentKey]

    def _limit(self, mapName: str, agentId: str) -> defer.DeferredSemaphore:
        limit = self._limits.get((mapName, agentId))
        if limit is None:
            limit = self._limits[mapName, agentId] = defer.DeferredSemaphore(self.concurrency)
        return limit

    @defer.inlineCallbacks
    def _answer(self, spec, mapName, userId, name, text, sessionId, messageId, reason, sink,
                seat, asking):
        try:
            earlier, _ = yield self.store.messages(sessionId, messageId, HISTORY_TURNS)
        except Exception:
            # The question is stored; the agent answers it without the
            # conversation so far rather than not at all.
            log.failure("reading an agent session's history")
            earlier = []
        limit = self._limit(mapName, spec.agentId)
        yield limit.acquire()
        conversation = self._open.get(userId)
        if conversation is not None and (conversation.agentId != spec.agentId
                                         or conversation.seat.room.worldMap.name != mapName):
            conversation = None
        agentAvatar = conversation.agentAvatar if conversation is not None else None
        answering = _Answering(conversation)
        if agentAvatar is not None:
            self._answering.setdefault(agentAvatar, []).append(answering)
            self._restate(agentAvatar, conversation.seat.room)
        tools = WorldTools(self.world, userId, seat, mapName, spec.tools, self.knowledgeOf(spec))
        pieces: List[str] = []
        over = []

        def say(piece):
            # Nothing a brain says after its answer is over (given up on,
            # or complete) is heard.
            if over or not isinstance(piece, str) or not piece:
                return
            pieces.append(piece)
            sink.piece(sessionId, spec.agentId, piece)
            self._spoke(answering, piece)

        if reason is not None:
            say("%s " % (reason,))
        colleague = self.router(mapName).route(text).agent
        question = Question(
            text=text, agent=spec, persona=self.persona(spec), asker=Asker(userId, name),
            tools=tools, knowledge=self.knowledgeOf(spec), settings=self.settings, say=say,
            history=[_turn(message) for message in earlier],
            colleague=colleague if colleague.agentId != spec.agentId else None)
        outcome = "answered"
        startedAt = self.clock.seconds()
        try:
            brain = self.brains.get(spec.brain)
            if brain is None:
                raise AgentUnavailable("my brain %r is not installed on this server"
                                       % (spec.brain,))
            thinking = defer.maybeDeferred(brain.answer, question)
            timer = self.clock.callLater(self.settings.timeout + GRACE_SECONDS, thinking.cancel)
            try:
                yield thinking
            finally:
                if timer.active():
                    timer.cancel()
            reply = "".join(pieces).strip() or "I have nothing to say to that."
        except AgentUnavailable as unavailable:
            outcome = "unavailable"
            reply = ("".join(pieces) + "\n\n" if pieces else "") + FAILED % (unavailable,)
        except defer.CancelledError:
            outcome = "timeout"
            reply = ("".join(pieces) + "\n\n" if pieces else "") + FAILED % (
                "I took too long to think",)
        except Exception:
            outcome = "failed"
            log.failure("agent {agent} answering", agent=spec.agentId)
            reply = BROKEN
        finally:
            over.append(True)
            limit.release()
        metrics.agentAnswers.labels(spec.brain, outcome).inc()
        metrics.agentAnswerDuration.labels(spec.brain).observe(self.clock.seconds() - startedAt)
        answering.text = reply
        self._spoke(answering, None)
        if agentAvatar is not None:
            self._answering[agentAvatar].remove(answering)
            if not self._answering[agentAvatar]:
                del self._answering[agentAvatar]
            self._restate(agentAvatar, self._roomOf(agentAvatar, mapName))
        # Answered once the player can see the reply: they may ask again.
        self._answered(asking)
        message = yield self._storeReply(spec, mapName, userId, reply, tools.guidance)
        done = getattr(sink, "done", None)
        if done is not None:
            done(message)

    @defer.inlineCallbacks
    def _storeReply(self, spec, mapName: str, userId: int, text: str, guidance):
        at = self._now()
        sessionId, messageId = yield self.store.addMessage(
            sessionKey(mapName, spec.agentId, userId), "agent", spec.name, [userId], None,
            "agent", text, at, (spec.agentId, spec.name, spec.sprite))
        message = {"t": "chat", "session": sessionId, "kind": "agent", "id": messageId,
                   "at": at, "text": text,
                   "from": {"agent": spec.agentId, "name": spec.name, "avatar": spec.sprite}}
        if guidance is not None:
            message["guide"] = guidance
        self.chat.deliver([userId], None, message)
        return message

    # -- the agent in the world ----------------------------------------------

    def _roomOf(self, agentAvatar, mapName: str):
        for view in self.rooms.shardsOf(mapName):
            if view.room.avatars.get(agentAvatar.entityId) is agentAvatar:
                return view.room
        return None

    def _restate(self, agentAvatar, room) -> None:
        """
        Set the agent's state from its open conversations and answers: the
        latest answer under way (talking once it speaks, thinking before),
        else the latest conversation opened (listening), else idle.
        """
        if room is None or room.avatars.get(agentAvatar.entityId) is not agentAvatar:
            return
        state, partner = IDLE, None
        answers = [a for a in self._answering.get(agentAvatar, ()) if a.conversation is not None]
        if answers:
            latest = answers[-1]
            state = TALKING if latest.speaking else THINKING
            partner = latest.conversation.seat.avatar
        else:
            for conversation in self._open.values():
                if conversation.agentAvatar is agentAvatar:
                    state, partner = LISTENING, conversation.seat.avatar
        if partner is not None and room.avatars.get(partner.entityId) is not partner:
            partner = None
        room.setAgentState(agentAvatar, state, partner)

    def _spoke(self, answering: _Answering, piece: Optional[str]) -> None:
        """
        The agent said C{piece} (C{None}: its reply is complete): it is
        talking, and the players around see its bubble.
        """
        conversation = answering.conversation
        if conversation is None:
            return
        agentAvatar = conversation.agentAvatar
        room = conversation.seat.room
        if piece is not None:
            answering.text += piece
            if not answering.speaking:
                answering.speaking = True
                self._restate(agentAvatar, room)
            now = self.clock.seconds()
            if answering.bubbleAt is not None and now - answering.bubbleAt < BUBBLE_INTERVAL:
                return
            answering.bubbleAt = now
        text = answering.text.strip()
        if len(text) > BUBBLE_LENGTH:
            text = "…" + text[-(BUBBLE_LENGTH - 1):]
        bubble = {"t": "bubble", "id": agentAvatar.entityId, "text": text,
                  "done": piece is None}
        view = conversation.seat.view
        radius = BUBBLE_RADIUS * movement.UNITS_PER_PIXEL
        body = agentAvatar.body
        for cell in room.grid.cellsIn(room.grid.spanAround(body.x, body.y, radius)):
            for avatar in room.grid.members(cell):
                viewer = view.viewers.get(avatar)
                if viewer is not None and _distance(avatar, agentAvatar) <= BUBBLE_RADIUS:
                    sendTo(viewer, bubble)

    def _now(self) -> int:
        return int(self.clock.seconds() * 1000)


def _distance(one, other) -> float:
    """
    How far apart two avatars stand, in pixels.
    """
    return math.hypot(one.body.x - other.body.x,
                      one.body.y - other.body.y) / movement.UNITS_PER_PIXEL


def _turn(message: dict) -> Turn:
    sender = message["from"] or {}
    return Turn(AGENT if "agent" in sender else PLAYER, message["text"])


def _listed(items) -> str:
    """
    C{"a, b and c"}.
    """
    items = list(items)
    if len(items) < 2:
        return "".join(items)
    return "%s and %s" % (", ".join(items[:-1]), items[-1])
