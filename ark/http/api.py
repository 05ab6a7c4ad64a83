"""
The JSON endpoints that act for a player: sign-in under C{/api/auth/} and
chat history under C{/api/chat/} (see C{docs/api.md}).

Each endpoint validates its input, answers C{{"error", "message"}} with a
specific status for every refusal, and never shows a traceback: a fault of
ours is logged and answered with a plain 500.
"""

from __future__ import annotations

import json
from typing import Callable, Dict, Optional

from twisted.internet import defer
from twisted.logger import Logger
from twisted.web import resource, server

from ark.http.clientaddress import ClientAddress
from ark.identity import names
from ark.identity.authority import AuthError
from ark.ratelimit import WindowLimit

log = Logger()

MAX_BODY = 16 * 1024
SIGN_INS_PER_MINUTE = 10
# Client addresses SignInLimit keeps count of at most: with the default
# limit, about a kilobyte each.
MAX_TRACKED_ADDRESSES = 10000
MAX_PAGE = 100
DEFAULT_PAGE = 50


class APIError(Exception):
    def __init__(self, status: int, code: str, message: str):
        Exception.__init__(self, status, code, message)
        self.status = status
        self.code = code
        self.message = message


def _answer(request, status: int, value) -> None:
    if request.finished or request._disconnected:
        return
    request.setResponseCode(status)
    request.setHeader(b"content-type", b"application/json")
    request.setHeader(b"cache-control", b"no-store")
    request.write(json.dumps(value).encode("utf-8"))
    request.finish()


def _refuse(request, failure) -> None:
    error = failure.value
    if isinstance(error, (APIError, AuthError)):
        _answer(request, error.status, {"error": error.code, "message": error.message})
    else:
        log.failure("answering {path}", failure, path=request.path)
        _answer(request, 500, {"error": "internal_error",
                               "message": "the server failed to answer; try again"})


class Endpoint(resource.Resource):
    """
    One JSON endpoint: C{handlers} maps a method (C{b"GET"}, C{b"POST"}) to
    a function of the request (and, for C{POST}, its parsed body) that
    returns C{(status, value)} or a Deferred of it.
    """

    isLeaf = True

    def __init__(self, handlers: Dict[bytes, Callable]):
        resource.Resource.__init__(self)
        self.handlers = handlers

    def render(self, request):
        handler = self.handlers.get(request.method)
        if handler is None:
            allowed = b", ".join(sorted(self.handlers))
            request.setHeader(b"allow", allowed)
            _answer(request, 405, {"error": "method_not_allowed",
                                   "message": "use %s here" % (allowed.decode("ascii"),)})
            return server.NOT_DONE_YET
        if request.method == b"POST":
            result = defer.maybeDeferred(lambda: handler(request, _body(request)))
        else:
            result = defer.maybeDeferred(handler, request)
        result.addCallbacks(lambda answer: _answer(request, *answer),
                            lambda failure: _refuse(request, failure))
        return server.NOT_DONE_YET


def _body(request) -> dict:
    content = request.content.read(MAX_BODY + 1)
    if len(content) > MAX_BODY:
        raise APIError(413, "too_large", "the body exceeds %d bytes" % (MAX_BODY,))
    try:
        body = json.loads(content.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise APIError(400, "bad_json", "the body must be a JSON object")
    if not isinstance(body, dict):
        raise APIError(400, "bad_json", "the body must be a JSON object")
    return body


def _text(body: dict, name: str) -> str:
    value = body.get(name)
    if not isinstance(value, str):
        raise APIError(400, "bad_field", "%r is required and must be text" % (name,))
    return value


def _checked(body: dict, field: str, rule) -> str:
    try:
        return rule(_text(body, field))
    except names.BadName as error:
        raise APIError(400, "bad_field", str(error))


def _bearer(authority, request):
    """
    Fires with the L{ark.identity.authority.Identity} of the request's bearer token.
    """
    header = (request.getHeader(b"authorization") or b"").decode("latin-1")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthError("token_missing", "send the access token as 'Authorization: Bearer …'")
    return authority.verifyAccess(token.strip())


class SignInLimit:
    """
    At most L{SIGN_INS_PER_MINUTE} sign-ins a minute from one client
    address, so nobody guesses passwords or fills the user table at speed.

    @param clientAddress: a L{ClientAddress}, which knows whether to
        believe a reverse proxy about who the client is; by default the
        peer of the connection is the client.
    @param maxAddresses: how many addresses it keeps count of at most.
    """

    def __init__(self, clock, perMinute: int = SIGN_INS_PER_MINUTE,
                 clientAddress: Optional[ClientAddress] = None,
                 maxAddresses: int = MAX_TRACKED_ADDRESSES):
        self.clock = clock
        self.perMinute = perMinute
        self.clientAddress = clientAddress if clientAddress is not None else ClientAddress()
        # When full of addresses that all signed in within the minute, it
        # forgets the one that did so longest ago.  The limit is per
        # address, so whoever controls this many addresses already has as
        # many sign-ins as they like; forgetting gives them nothing they
        # lacked, while refusing new addresses would let a flood lock every
        # newcomer out.
        self._rate = WindowLimit(perMinute, 60.0, maxAddresses)

    @property
    def tracked(self) -> int:
        """
        How many addresses it keeps count of now.
        """
        return len(self._rate)

    def check(self, request) -> None:
        """
        Count a sign-in from C{request}'s client.

        @raise APIError: 429 when that client has had its sign-ins for
            this minute.
        """
        if not self._rate.allow(self.clientAddress.of(request), self.clock.seconds()):
            raise APIError(429, "rate_limited",
                           "at most %d sign-ins a minute; wait a little" % (self.perMinute,))


def authAPI(authority, limit: SignInLimit, greet=None) -> resource.Resource:
    """
    C{/api/auth/}: guest, register, login, refresh and logout, with at most
    so many sign-ins a minute from one address.

    @param greet: called with each new user (a guest or a new account),
        returning a Deferred: how ark says hello.
    """

    def greeted(result):
        if greet is not None:
            # A greeting that fails must not fail the sign-in.
            greet(result["user"]).addErrback(
                lambda failure: log.failure("greeting a new player", failure))
        return result

    def guest(request, body):
        limit.check(request)
        name = _checked(body, "name", names.displayName)
        avatar = _checked(body, "avatar", names.avatarName)
        signedIn = authority.guest(name, avatar).addCallback(greeted)
        return signedIn.addCallback(lambda r: (200, r))

    def register(request, body):
        limit.check(request)
        username = _checked(body, "username", names.username)
        password = _text(body, "password")
        if not 8 <= len(password) <= 256 or password.lower() == username:
            raise APIError(400, "weak_password",
                           "the password must be 8 to 256 characters and not the username")
        name = _checked(body, "name", names.displayName)
        avatar = _checked(body, "avatar", names.avatarName)
        registered = authority.register(username, password, name, avatar)
        return registered.addCallback(greeted).addCallback(lambda r: (201, r))

    def login(request, body):
        limit.check(request)
        username = _text(body, "username").strip().lower()
        password = _text(body, "password")
        if len(password) > 256 or len(username) > 32:
            raise AuthError("bad_credentials", "wrong username or password")
        return authority.login(username, password).addCallback(lambda r: (200, r))

    def refresh(request, body):
        token = _text(body, "refreshToken")
        if len(token) > 256:
            raise AuthError("refresh_invalid", "the refresh token is unknown")
        return authority.refresh(token).addCallback(lambda r: (200, r))

    @defer.inlineCallbacks
    def logout(request, body):
        identity = yield _bearer(authority, request)
        token = body.get("refreshToken")
        yield authority.logout(identity, token if isinstance(token, str) else None)
        return 200, {}

    auth = _Directory()
    for name, handler in [("guest", guest), ("register", register), ("login", login),
                          ("refresh", refresh), ("logout", logout)]:
        auth.putChild(name.encode("ascii"), Endpoint({b"POST": handler}))
    return auth


def chatAPI(authority, store) -> resource.Resource:
    """
    C{/api/chat/}: the player's sessions, their messages page by page, and
    marking them read.  Only participants see a session.
    """

    @defer.inlineCallbacks
    def sessions(request):
        identity = yield _bearer(authority, request)
        found = yield store.sessionsOf(identity.userId)
        return 200, {"sessions": found}

    @defer.inlineCallbacks
    def participantOnly(request, sessionId):
        identity = yield _bearer(authority, request)
        members = yield store.participantIds(sessionId)
        if identity.userId not in members:
            # The same answer as for no such session: whether one exists
            # is none of a stranger's business.
            raise APIError(404, "not_found", "no such chat session")
        return identity

    @defer.inlineCallbacks
    def messages(request, sessionId):
        before = _queryInteger(request, b"before", 1, 2**63 - 1, None)
        limit = _queryInteger(request, b"limit", 1, MAX_PAGE, DEFAULT_PAGE)
        yield participantOnly(request, sessionId)
        found, more = yield store.messages(sessionId, before, limit)
        return 200, {"messages": found, "more": more}

    @defer.inlineCallbacks
    def read(request, body, sessionId):
        upTo = body.get("upTo")
        if type(upTo) is not int or not 0 <= upTo < 2**63:
            raise APIError(400, "bad_field", "'upTo' must be a message id")
        identity = yield participantOnly(request, sessionId)
        unread = yield store.markRead(sessionId, identity.userId, upTo)
        return 200, {"unread": unread}

    chat = _Directory()
    chat.putChild(b"sessions", _Sessions(Endpoint({b"GET": sessions}), messages, read))
    return chat


def _queryInteger(request, name: bytes, low: int, high: int, default):
    values = request.args.get(name)
    if not values:
        return default
    try:
        value = int(values[0])
    except ValueError:
        value = None
    if value is None or not low <= value <= high:
        raise APIError(400, "bad_field", "%r must be an integer from %d to %d"
                       % (name.decode("ascii"), low, high))
    return value


class _Directory(resource.Resource):
    """
    A path level whose unknown children answer a JSON 404.
    """

    def getChild(self, path, request):
        return _NotFound()

    def render(self, request):
        return _NotFound().render(request)


class _NotFound(resource.Resource):
    isLeaf = True

    def render(self, request):
        _answer(request, 404, {"error": "not_found", "message": "no such API endpoint"})
        return server.NOT_DONE_YET


class _Sessions(resource.Resource):
    """
    C{/api/chat/sessions}, C{…/<id>/messages} and C{…/<id>/read}.
    """

    def __init__(self, listing, messages, read):
        resource.Resource.__init__(self)
        self.listing = listing
        self.messages = messages
        self.read = read

    def render(self, request):
        return self.listing.render(request)

    def getChild(self, path, request):
        if path == b"":
            return self.listing
        if not path.isdigit() or len(path) > 18 or len(request.postpath) != 1:
            return _NotFound()
        sessionId = int(path)
        action = request.postpath[0]
        if action == b"messages":
            return Endpoint({b"GET": lambda r: self.messages(r, sessionId)})
        if action == b"read":
            return Endpoint({b"POST": lambda r, body: self.read(r, body, sessionId)})
        return _NotFound()
