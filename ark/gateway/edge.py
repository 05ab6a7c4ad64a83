"""
The gateway process's side: players' WebSockets, each a
L{ForwardedConnection} whose frames are decoded and validated here and
passed to the room process over the L{RoomLink}, which sends each client
what the room process has for it.
"""

from __future__ import annotations

import itertools

import cbor2
from twisted.internet import defer
from twisted.internet.protocol import Factory
from twisted.logger import Logger
from twisted.protocols.basic import Int32StringReceiver

from ark.gateway.wire import CLOSED, MAX_FRAME, OPENED, fromClient
from ark.net.protocol import ClientSocketFactory
from ark.net.session import decodeFrame

log = Logger()

# How long a stopping gateway waits for its clients to answer the close:
# Autobahn's close handshake timeout, and a little more.
DRAIN_SECONDS = 3.0


class ForwardedConnection:
    """
    A client's WebSocket whose session is in the room process: it stands
    where a L{ark.net.session.Session} stands for a
    L{ark.net.protocol.WorldProtocol}.

    @ivar number: the connection's number on its link.
    @ivar send: sends one binary message to the client.
    @ivar closeWith: closes the WebSocket with a code and a reason.
    """

    __slots__ = ("link", "number", "send", "closeWith")

    def __init__(self, link: "RoomLink", number: int, send, closeWith):
        self.link = link
        self.number = number
        self.send = send
        self.closeWith = closeWith

    def received(self, payload: bytes, isBinary: bool) -> None:
        self.link.forward(fromClient(self.number, decodeFrame(payload, isBinary)))

    def close(self, code: int, reason: str) -> None:
        self.closeWith(code, reason)

    def connectionLost(self) -> None:
        self.link.closed(self)


class RoomLink(Int32StringReceiver):
    """
    The gateway's link to the room process.  What the clients send goes
    in one frame a turn of the reactor; a lost link ends the gateway (see
    L{ark.gateway.process}), for the room process is gone or stopping.

    @param clock: the reactor, or a test clock.
    @param lost: called when the link is lost.
    """

    MAX_LENGTH = MAX_FRAME

    def __init__(self, clock, lost=lambda: None):
        self.clock = clock
        self.lost = lost
        self.connections = {}
        self._numbers = itertools.count(1)
        self._items = []
        self._flushing = None

    def opened(self, send, closeWith) -> ForwardedConnection:
        """
        A client connected: its L{ForwardedConnection}, which sends with
        C{send} and closes with C{closeWith}.
        """
        connection = ForwardedConnection(self, next(self._numbers), send, closeWith)
        self.connections[connection.number] = connection
        self.forward([connection.number, OPENED])
        return connection

    def closed(self, connection: ForwardedConnection) -> None:
        if self.connections.pop(connection.number, None) is not None:
            self.forward([connection.number, CLOSED])

    def forward(self, item: list) -> None:
        self._items.append(item)
        if self._flushing is None:
            self._flushing = self.clock.callLater(0, self._flush)

    def _flush(self) -> None:
        self._flushing = None
        items, self._items = self._items, []
        if self.transport is not None and self.connected:
            self.sendString(cbor2.dumps(items))

    def stringReceived(self, frame: bytes) -> None:
        chunks, spans, items = cbor2.loads(frame)
        # Each span's motions, joined once for all the clients who watch it.
        motions = [b"".join([span[0], *[chunks[index] for index in span[1:]]])
                   for span in spans]
        connections = self.connections
        for item in items:
            connection = connections.get(item[0])
            if connection is None:
                # Closed meanwhile; the room process hears of it.
                continue
            if len(item) == 2:
                connection.send(item[1])
            elif item[1].__class__ is bytes:
                connection.send(item[1] + motions[item[2]])
            else:
                connection.closeWith(item[1], item[2])

    def connectionLost(self, reason):
        if self._flushing is not None and self._flushing.active():
            self._flushing.cancel()
        self._flushing = None
        self.lost()


class RoomLinkFactory(Factory):
    """
    Makes the one L{RoomLink} of a gateway.
    """

    noisy = False

    def __init__(self, link: RoomLink):
        self.link = link

    def buildProtocol(self, addr):
        return self.link


class GatewayFactory(ClientSocketFactory):
    """
    Makes the WebSockets of a gateway's clients, each forwarded over
    C{link}.
    """

    def __init__(self, clock, link: RoomLink, url=None, allowedOrigins=("*",)):
        ClientSocketFactory.__init__(self, clock, url, allowedOrigins)
        self.link = link
        self._drained = None

    def openSession(self, send, close) -> ForwardedConnection:
        connection = self.link.opened(send, close)
        self.sessions.add(connection)
        return connection

    def sessionClosed(self, session) -> None:
        ClientSocketFactory.sessionClosed(self, session)
        if not self.sessions and self._drained is not None:
            drained, self._drained = self._drained, None
            drained.callback(None)

    def drain(self, seconds: float = DRAIN_SECONDS) -> defer.Deferred:
        """
        Tell every client the server is going away; fires once all their
        WebSockets are closed, or after C{seconds} (clients that do not
        answer the close), so that the gateway ends with its clients
        told, not cut off.
        """
        self.closeAll()
        if not self.sessions:
            return defer.succeed(None)
        self._drained = defer.Deferred()
        self._drained.addTimeout(seconds, self.clock)
        self._drained.addErrback(lambda failure: failure.trap(defer.TimeoutError))
        return self._drained
