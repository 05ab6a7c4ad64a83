"""
The room process's end of its gateways' links.  Each client of a gateway
has its L{ark.net.session.Session} here, as if it were connected to this
process; what the sessions send goes back to the gateway in one frame a
turn of the reactor, with the motions that several clients' patches share
carried once.
"""

from __future__ import annotations

from functools import partial

import cbor2
from twisted.internet.interfaces import IPushProducer
from twisted.internet.protocol import Factory
from twisted.logger import Logger
from twisted.protocols.basic import Int32StringReceiver
from zope.interface import implementer

from ark.gateway.wire import CLOSED, MAX_FRAME, OPENED, toMessage

log = Logger()


# Bytes waiting for a gateway beyond which its clients' patches are held
# back (they miss them, and are told everything afresh when it catches
# up) instead of piling up: about a tenth of a second of a thousand
# players' patches, so a gateway short of CPU sheds work rather than
# falling seconds behind.
HIGH_WATER = 256 * 1024


@implementer(IPushProducer)
class LinkFlow:
    """
    The flow (L{ark.net.views.Viewer.flow}) of a gateway's clients'
    patches: C{behind} while the gateway is, which its link's transport
    says by pausing it as a producer.
    """

    behind = False

    def pauseProducing(self):
        self.behind = True

    def resumeProducing(self):
        self.behind = False

    def stopProducing(self):
        self.behind = True


class GatewayLink(Int32StringReceiver):
    """
    One gateway's link.

    @param world: the L{ark.net.protocol.WorldFactory} whose sessions the
        gateway's clients get.
    @param clock: the reactor, or a test clock.
    @ivar flow: the L{LinkFlow} of its clients' patches.
    """

    MAX_LENGTH = MAX_FRAME

    def __init__(self, world, clock):
        self.world = world
        self.clock = clock
        self.flow = LinkFlow()
        self.sessions = {}
        self._startFrame()
        self._flushing = None
        self._lost = False

    def connectionMade(self):
        # Twisted pauses a streaming producer whose consumer has more than
        # its bufferSize waiting, and resumes it once all is written.
        self.transport.bufferSize = HIGH_WATER
        self.transport.registerProducer(self.flow, True)

    # -- from the gateway ------------------------------------------------

    def stringReceived(self, frame: bytes) -> None:
        try:
            items = cbor2.loads(frame)
        except Exception:
            log.error("a gateway sent a frame that is not CBOR: dropping its link")
            self.transport.loseConnection()
            return
        for item in items:
            try:
                self._received(item)
            except Exception:
                log.failure("handling {item!r} from a gateway", item=item)

    def _received(self, item: list) -> None:
        connection, kind = item[0], item[1]
        if kind == OPENED:
            self.sessions[connection] = self.world.openSession(
                partial(self._send, connection), partial(self._close, connection),
                partial(self._sendPatch, connection), self.flow)
        elif kind == CLOSED:
            session = self.sessions.pop(connection, None)
            if session is not None:
                self.world.sessionClosed(session)
        else:
            session = self.sessions.get(connection)
            if session is not None:
                session.receivedDecoded(toMessage(item))

    def connectionLost(self, reason):
        # The gateway is gone, and its clients' connections with it: their
        # avatars are held for them to come back, as for any lost client.
        self._lost = True
        if self._flushing is not None and self._flushing.active():
            self._flushing.cancel()
        self._flushing = None
        sessions, self.sessions = self.sessions, {}
        for session in sessions.values():
            self.world.sessionClosed(session)

    # -- to the gateway --------------------------------------------------

    def _send(self, connection: int, payload: bytes) -> None:
        self._queue([connection, payload])

    def _sendPatch(self, connection: int, message: bytes, motions) -> None:
        if motions is None:
            self._queue([connection, message])
            return
        # Clients watching the same cells are given the same list of the
        # same pieces, made once a tick: each goes into the frame once.
        # (Kept referenced until the frame goes, so that no id is another
        # object's meanwhile.)
        span = self._spanAt.get(id(motions))
        if span is None:
            span = self._spanAt[id(motions)] = len(self._spans)
            self._kept.append(motions)
            chunkAt = self._chunkAt
            chunks = self._chunks
            references = [motions[0]]
            for chunk in motions[1:]:
                index = chunkAt.get(id(chunk))
                if index is None:
                    index = chunkAt[id(chunk)] = len(chunks)
                    chunks.append(chunk)
                references.append(index)
            self._spans.append(references)
        self._queue([connection, message, span])

    def _close(self, connection: int, code: int, reason: str) -> None:
        self._queue([connection, code, reason])

    def _queue(self, item: list) -> None:
        if self._lost:
            return
        self._items.append(item)
        if self._flushing is None:
            self._flushing = self.clock.callLater(0, self._flush)

    def _flush(self) -> None:
        self._flushing = None
        frame = cbor2.dumps([self._chunks, self._spans, self._items])
        self._startFrame()
        self.sendString(frame)

    def _startFrame(self) -> None:
        self._chunks = []
        self._chunkAt = {}
        self._spans = []
        self._spanAt = {}
        self._kept = []
        self._items = []


class GatewayLinks(Factory):
    """
    Makes a L{GatewayLink} for each gateway that connects.
    """

    noisy = False

    def __init__(self, world, clock):
        self.world = world
        self.clock = clock

    def buildProtocol(self, addr):
        link = GatewayLink(self.world, self.clock)
        link.factory = self
        return link
