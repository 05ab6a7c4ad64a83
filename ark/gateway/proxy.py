"""
A gateway's HTTP: everything but the WebSocket is the room process's,
forwarded to its site on a Unix socket.
"""

from __future__ import annotations

from twisted.web.proxy import ProxyClient, ProxyClientFactory
from twisted.web.resource import Resource
from twisted.web.server import NOT_DONE_YET

from ark.http.clientaddress import FORWARDED_FOR


# Headers about one connection, not the request (RFC 9110, 7.6.1).
_HOP_BY_HOP = frozenset([b"connection", b"keep-alive", b"proxy-connection", b"te", b"trailer",
                         b"transfer-encoding", b"upgrade", b"content-length"])


class _RoomProcessClient(ProxyClient):
    def connectionMade(self):
        ProxyClient.connectionMade(self)
        # A client that goes away (a closed event stream, say) ends the
        # request upstream too, instead of leaving it to run its course.
        self.father.notifyFinish().addErrback(self._clientGone)

    def _clientGone(self, reason):
        self._finished = True
        self.transport.loseConnection()


class _RoomProcessClientFactory(ProxyClientFactory):
    protocol = _RoomProcessClient
    noisy = False


class ToRoomProcess(Resource):
    """
    Forwards every request to the room process's site at C{socketPath},
    naming the client in C{X-Forwarded-For} as a reverse proxy does (the
    room process believes it of its gateways, see
    L{ark.http.clientaddress}).
    """

    isLeaf = True

    def __init__(self, socketPath: str, reactor):
        Resource.__init__(self)
        self.socketPath = socketPath
        self.reactor = reactor

    def render(self, request):
        headers = {}
        for name, values in request.requestHeaders.getAllRawHeaders():
            name = name.lower()
            if name not in _HOP_BY_HOP:
                headers[name] = (b"; " if name == b"cookie" else b", ").join(values)
        peer = getattr(request.getClientAddress(), "host", None)
        if isinstance(peer, str):
            chain = headers.get(FORWARDED_FOR)
            headers[FORWARDED_FOR] = (chain + b", " if chain else b"") + peer.encode("ascii")
        request.content.seek(0, 0)
        body = request.content.read()
        # The body as this side received it, whole (a chunked one decoded).
        headers[b"content-length"] = b"%d" % (len(body),)
        # HTTP/1.0 upstream: responses of unknown length (an event stream)
        # come unchunked, and this side chunks them for its client.
        factory = _RoomProcessClientFactory(request.method, request.uri, b"HTTP/1.0", headers,
                                            body, request)
        self.reactor.connectUNIX(self.socketPath, factory)
        return NOT_DONE_YET


class GatewayRoot(Resource):
    """
    A gateway's site: C{/ws} here, the rest in the room process.
    """

    def __init__(self, webSocket: Resource, roomProcess: ToRoomProcess):
        Resource.__init__(self)
        self.webSocket = webSocket
        self.roomProcess = roomProcess

    def getChild(self, name, request):
        if name == b"ws":
            return self.webSocket
        # The room process is given the request's whole URI.
        return self.roomProcess
