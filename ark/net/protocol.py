"""
The Autobahn WebSocket edge: adapts one WebSocket connection to a
L{Session}.  Nothing here decides anything.
"""

from __future__ import annotations

from autobahn.twisted.websocket import WebSocketServerFactory, WebSocketServerProtocol
from twisted.logger import Logger

from ark.net.frames import applyMask, binaryFrameHeader
from ark.media.ice import NO_ICE_SERVERS
from ark.net.messages import HARD_FRAME_LIMIT
from ark.net.session import CLOSE_GOING_AWAY, INPUT_RATE, Session

log = Logger()


class WorldProtocol(WebSocketServerProtocol):
    """
    One client's WebSocket.
    """

    session = None

    def onOpen(self):
        self.session = self.factory.openSession(self._send, self._closeWith)

    def _send(self, payload: bytes) -> None:
        """
        Send C{payload} as one binary frame.

        Every player receives up to twenty frames a second, so this is the
        server's busiest path.  Autobahn's sendMessage costs about 3 us a
        frame in bookkeeping we do not use, and Twisted's buffered write
        registers and unregisters the socket with epoll for every frame (two
        system calls); a frame written at once when nothing is buffered
        skips both.  Whatever does not go out at once, and every frame while
        anything is buffered, takes Twisted's normal path, so order holds.
        """
        if self.state != WebSocketServerProtocol.STATE_OPEN:
            return
        frame = binaryFrameHeader(len(payload)) + payload
        transport = self.transport
        if (
            getattr(transport, "_tempDataLen", None) == 0
            and not transport.dataBuffer
            and transport.connected
            and not transport.disconnecting
        ):
            written = transport.writeSomeData(frame)
            if not isinstance(written, int):
                # The connection is lost; Twisted's own path reports it.
                written = 0
            if written == len(frame):
                return
            frame = frame[written:]
        transport.write(frame)

    def _closeWith(self, code: int, reason: str) -> None:
        # Autobahn's sendClose takes only the codes an application may pick
        # (1000, 3000-4999) and raises for 1001, which a server going away
        # must send (RFC 6455 7.4.1); send the frame as Autobahn sends its
        # own.  Reasons are short ASCII texts of ours.
        self.sendCloseFrame(code=code, reasonUtf8=reason.encode("utf-8")[:123], isReply=False)

    def dataReceived(self, data):
        """
        Hand small complete binary frames straight to the session; leave
        everything else (handshake, control frames, fragments, large or
        partial frames) to Autobahn.

        Input batches are tiny frames arriving twenty times a second from
        every player, and Autobahn's general frame machinery costs about
        12 us for each (measured on the reference machine), the biggest
        single cost of a thousand players; this path costs about 2 us.
        It takes only frames Autobahn would accept unchanged: final,
        binary, masked, no extension bits, payload under 126 bytes.
        """
        if (
            self.state != WebSocketServerProtocol.STATE_OPEN
            or self.data
            or self.current_frame is not None
            or self.inside_message
        ):
            WebSocketServerProtocol._dataReceived(self, data)
            return
        position = 0
        size = len(data)
        while size - position >= 6 and self.session is not None:
            length = data[position + 1] ^ 0x80
            if data[position] != 0x82 or length > 125:
                break
            end = position + 6 + length
            if end > size:
                break
            payload = applyMask(data[position + 6:end], data[position + 2:position + 6])
            position = end
            self.session.received(payload, True)
        if position < size:
            WebSocketServerProtocol._dataReceived(self, data[position:])

    def onMessageEnd(self):
        # Messages that do not take the path in dataReceived end here.
        # Autobahn's default also fires a "message" event through its
        # observer machinery, a Deferred per message that nothing here
        # listens to; hand the payload straight over instead.
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
            self.factory.sessionClosed(session)


class _ClockTimers:
    """
    The timer interface Autobahn expects of its factory's C{_batched_timer},
    on an injected clock.
    """

    def __init__(self, clock):
        self.clock = clock

    def call_later(self, delay, function, *args, **kwargs):
        return _Timeout(self.clock.callLater(delay, function, *args, **kwargs))


class _Timeout:
    """
    A delayed call that, like txaio's, may be cancelled after it ran.
    """

    __slots__ = ("call",)

    def __init__(self, call):
        self.call = call

    def cancel(self):
        if self.call.active():
            self.call.cancel()


class ClientSocketFactory(WebSocketServerFactory):
    """
    Makes L{WorldProtocol}s, with the WebSocket rules every client
    connection of ark follows, for the connections' sessions that
    L{openSession} makes.

    @param clock: the reactor, or a test clock.
    """

    protocol = WorldProtocol

    def __init__(self, clock, url=None, allowedOrigins=("*",)):
        WebSocketServerFactory.__init__(self, url, reactor=clock)
        # Autobahn schedules its handshake, ping and close timeouts through
        # txaio's global reactor whatever reactor the factory is given; put
        # them on our clock too, so time is injected everywhere.
        self._batched_timer = _ClockTimers(clock)
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
            # Tell a client that broke the framing rules why (1002, 1009)
            # with a close frame instead of just dropping the TCP connection.
            failByDrop=False,
        )

    def openSession(self, send, close):
        """
        The session of a client connection that just opened, which sends
        with C{send} and closes with C{close}: an object with C{received},
        C{close} and C{connectionLost}, like L{Session}.
        """
        raise NotImplementedError()

    def sessionClosed(self, session) -> None:
        """
        The connection of C{session} is gone.
        """
        self.sessions.discard(session)
        session.connectionLost()

    def closeAll(self) -> None:
        """
        Tell every client the server is going away.
        """
        for session in list(self.sessions):
            try:
                session.close(CLOSE_GOING_AWAY, "server shutting down")
            except Exception:
                # One connection that cannot be closed politely must not
                # keep the others from hearing it; the port closes anyway.
                log.failure("telling a client the server is going away")


class WorldFactory(ClientSocketFactory):
    """
    Makes L{WorldProtocol}s for clients of C{rooms}, each with its
    L{Session} in this process.

    @param rooms: the L{ark.rooms.RoomManager}.
    @param clock: the reactor, or a test clock.
    @param authority: the L{ark.identity.authority.Authority} that checks access tokens.
    @param chat: the L{ark.chat.service.ChatService}.
    @param inputRate: input steps a second each client may send.
    @param ice: the L{ark.media.ice.IceServers} for players' voice and
        video.
    @param agents: the L{ark.agents.conversations.AgentService}, if any.
    @param seats: the L{ark.cluster.seats.Seats} joins redeem, if any.
    """

    def __init__(self, rooms, clock, authority, chat, inputRate=INPUT_RATE, url=None,
                 allowedOrigins=("*",), ice=NO_ICE_SERVERS, agents=None, seats=None):
        ClientSocketFactory.__init__(self, clock, url, allowedOrigins)
        self.rooms = rooms
        self.authority = authority
        self.chat = chat
        self.inputRate = inputRate
        self.ice = ice
        self.agents = agents
        self.seats = seats

    def openSession(self, send, close, sendPatch=None, flow=None) -> Session:
        """
        The L{Session} of a client connection that just opened, which sends
        with C{send} (or C{sendPatch}, through C{flow}) and closes with
        C{close}.
        """
        session = Session(self.rooms, send, close, self.clock, self.authority, self.chat,
                          self.inputRate, self.ice, self.agents, self.seats, sendPatch, flow)
        self.sessions.add(session)
        session.opened()
        return session
