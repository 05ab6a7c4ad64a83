"""
The Autobahn WebSocket edge: adapts one WebSocket connection to a
L{Session}.  Nothing here decides anything.
"""

from __future__ import annotations

from autobahn.twisted.websocket import WebSocketServerFactory, WebSocketServerProtocol

from ark.net.messages import HARD_FRAME_LIMIT
from ark.net.session import CLOSE_GOING_AWAY, Session


class WorldProtocol(WebSocketServerProtocol):
    """
    One client's WebSocket.
    """

    session = None

    def onOpen(self):
        self.session = Session(
            self.factory.rooms, self._send, self._closeWith, self.factory.clock
        )
        self.factory.sessions.add(self.session)
        self.session.opened()

    def _send(self, payload: bytes) -> None:
        self.sendMessage(payload, isBinary=True)

    def _closeWith(self, code: int, reason: str) -> None:
        self.sendClose(code, reason)

    def dataReceived(self, data):
        # Autobahn's own dataReceived formats a debug line's arguments for
        # every read even when debug logging is off; skip straight to its
        # frame processing.
        self._dataReceived(data)

    def onMessageEnd(self):
        # Autobahn's default also fires a "message" event through its
        # observer machinery, a Deferred per message that we never listen
        # to; at 20 inputs a second per player that is most of the cost of
        # receiving, so hand the payload straight over instead.
        if not self.failedByMe:
            payload = b"".join(self.message_data)
            self.message_data = None
            if self.session is not None:
                self.session.received(payload, self.message_is_binary)
        else:
            self.message_data = None

    def onClose(self, wasClean, code, reason):
        session = self.session
        if session is not None:
            self.session = None
            self.factory.sessions.discard(session)
            session.connectionLost()


class WorldFactory(WebSocketServerFactory):
    """
    Makes L{WorldProtocol}s for clients of C{rooms}.

    @param rooms: the L{ark.rooms.RoomManager}.
    @param clock: the reactor, or a test clock.
    """

    protocol = WorldProtocol

    def __init__(self, rooms, clock, url=None, allowedOrigins=("*",)):
        WebSocketServerFactory.__init__(self, url, reactor=clock)
        self.rooms = rooms
        self.clock = clock
        self.sessions = set()
        self.setProtocolOptions(
            maxMessagePayloadSize=HARD_FRAME_LIMIT,
            maxFramePayloadSize=HARD_FRAME_LIMIT,
            # Binary-only traffic: text frames are refused anyway, so skip
            # validating them as UTF-8 byte by byte.
            utf8validateIncoming=False,
            autoPingInterval=20,
            autoPingTimeout=20,
            openHandshakeTimeout=10,
            closeHandshakeTimeout=2,
            allowedOrigins=list(allowedOrigins),
            perMessageCompressionAccept=lambda offers: None,
        )

    def closeAll(self) -> None:
        """
        Tell every client the server is going away.
        """
        for session in list(self.sessions):
            session.close(CLOSE_GOING_AWAY, "server shutting down")
