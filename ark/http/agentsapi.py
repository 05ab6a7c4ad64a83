"""
C{/api/agents/}: the agents, for bots and integrations (see C{docs/api.md}):
where every agent stands, which agent "ask anyone" would choose for a
question, and asking an agent with the reply streamed back as
C{text/event-stream}, stored in the caller's agent session like a
question asked in the world.
"""

from __future__ import annotations

import json
from typing import List, Optional

from twisted.internet import defer
from twisted.logger import Logger
from twisted.web import resource, server

from ark.chat.filter import Refused
from ark.http.api import APIError, Endpoint, _bearer, _body, _NotFound, _refuse, _text
from ark.net.messages import MAX_CHAT_TEXT

log = Logger()

# What each refusal of a question is, as an HTTP status.
_STATUSES = {
    "unknown_agent": 404,
    "no_agents": 404,
    "chat_rate_limited": 429,
    "agent_busy": 503,
    "already_asking": 409,
    "store_failed": 503,
}


class AgentsAPI(resource.Resource):
    """
    C{GET /api/agents}, C{POST /api/agents/route} and
    C{POST /api/agents/<id>/messages}.

    @param listing: the resource answering C{GET /api/agents}.
    @param rooms: the L{ark.rooms.RoomManager}.
    @param authority: checks the caller's access token.
    @param agents: the L{ark.agents.conversations.AgentService}.
    """

    def __init__(self, listing, rooms, authority, agents):
        resource.Resource.__init__(self)
        self.listing = listing
        self.rooms = rooms
        self.authority = authority
        self.agents = agents
        self.putChild(b"route", Endpoint({b"POST": self._route}))

    def render(self, request):
        return self.listing.render(request)

    def getChild(self, path, request):
        if path == b"":
            return self.listing
        agentId = path.decode("ascii", "replace")
        if request.postpath == [b"messages"]:
            return _Messages(self, agentId)
        return _NotFound()

    def _mapOf(self, body: dict, userId: Optional[int] = None) -> str:
        """
        The map a request means: its C{"map"}, else the caller's (where
        they are, when they are in the world), else the default map.
        """
        mapName = body.get("map")
        if mapName is not None:
            if not isinstance(mapName, str) or mapName not in self.rooms.maps:
                raise APIError(404, "unknown_map", "no map of that name here")
            return mapName
        seat = self.rooms.seatOf(userId) if userId is not None else None
        return seat.room.worldMap.name if seat is not None else self.rooms.defaultMap

    def _route(self, request, body):
        question = _question(body, "question")
        try:
            route = self.agents.route(self._mapOf(body), question)
        except Refused as refused:
            raise APIError(_STATUSES.get(refused.code, 400), refused.code, refused.message)
        spec = route.agent
        return 200, {"agent": spec.agentId, "name": spec.name, "role": spec.role,
                     "reason": route.reason}


def _question(body: dict, field: str) -> str:
    text = _text(body, field)
    if len(text) > MAX_CHAT_TEXT:
        raise APIError(400, "too_long", "%r is far too long" % (field,))
    return text


class _Messages(resource.Resource):
    """
    C{POST /api/agents/<id>/messages} C{{"text", "map"?}}: the reply as
    server-sent events.
    """

    isLeaf = True

    def __init__(self, api: AgentsAPI, agentId: str):
        resource.Resource.__init__(self)
        self.api = api
        self.agentId = agentId

    def render(self, request):
        if request.method != b"POST":
            return Endpoint({b"POST": None}).render(request)
        asked = defer.maybeDeferred(self._ask, request)
        asked.addErrback(lambda failure: _refuse(request, failure))
        return server.NOT_DONE_YET

    @defer.inlineCallbacks
    def _ask(self, request):
        body = _body(request)
        text = _question(body, "text")
        identity = yield _bearer(self.api.authority, request)
        mapName = self.api._mapOf(body, identity.userId)
        stream = EventStream(request)
        seat = self.api.rooms.seatOf(identity.userId)
        if seat is not None and seat.room.worldMap.name != mapName:
            seat = None
        try:
            asked = yield self.api.agents.ask(identity.userId, identity.name, mapName,
                                              self.agentId, text, stream, seat)
        except Refused as refused:
            raise APIError(_STATUSES.get(refused.code, 400), refused.code, refused.message)
        stream.begin(asked)


class EventStream:
    """
    An agent's reply to an HTTP caller, as server-sent events: C{asked}
    (the question as stored), C{piece} after piece, then C{done} (the
    reply as stored).  Pieces that come before the stream begins wait.
    """

    def __init__(self, request):
        self.request = request
        self.gone = False
        self.complete = False
        self._waiting: Optional[List[bytes]] = []
        request.notifyFinish().addErrback(self._lost)

    def _lost(self, failure) -> None:
        # The caller hung up: the answer goes on and is stored all the same.
        self.gone = True

    def begin(self, asked: dict) -> None:
        request = self.request
        request.setResponseCode(200)
        request.setHeader(b"content-type", b"text/event-stream; charset=utf-8")
        request.setHeader(b"cache-control", b"no-store")
        # Proxies that buffer (nginx) pass each event on at once.
        request.setHeader(b"x-accel-buffering", b"no")
        waiting, self._waiting = self._waiting, None
        self._write(_event("asked", asked))
        for event in waiting:
            self._write(event)
        if self.complete:
            self._finish()

    def _send(self, event: bytes) -> None:
        if self._waiting is not None:
            self._waiting.append(event)
        else:
            self._write(event)

    def _write(self, event: bytes) -> None:
        if not self.gone and not self.request.finished:
            self.request.write(event)

    def piece(self, sessionId: int, agentId: str, text: str) -> None:
        self._send(_event("piece", {"text": text}))

    def done(self, message: dict) -> None:
        fields = {key: message[key] for key in ("session", "id", "at", "text", "guide")
                  if key in message}
        self._send(_event("done", fields))
        self.complete = True
        if self._waiting is None:
            self._finish()

    def _finish(self) -> None:
        if not self.gone and not self.request.finished:
            self.request.finish()

    def conversationClosed(self, agentId: str) -> None:
        pass


def _event(name: str, value: dict) -> bytes:
    return ("event: %s\ndata: %s\n\n" % (name, json.dumps(value))).encode("utf-8")

