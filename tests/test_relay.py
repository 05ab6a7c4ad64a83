"""
Tests for chat between nodes (L{ark.cluster.relay}) through a real Redis
(C{ARK_TEST_REDIS}; skipped without one, except under CI): a message
reaches its recipient on another node once; a node that was down gets
what was sent meanwhile; and while Redis cannot be reached (a proxy in
front of it is stopped), messages wait and go out in order when it is
back.
"""

from __future__ import annotations

import uuid
from urllib.parse import urlsplit

from twisted.internet import defer, endpoints, reactor
from twisted.internet.task import Clock
from twisted.protocols import portforward
from twisted.trial import unittest

from ark.chat.filter import ChatFilter
from ark.chat.service import ChatService
from ark.cluster.relay import RedisRelay
from ark.identity.presence import redisConnection, redisPool

from tests.backends import REDIS, requireRedis


class Listener:
    """
    A player's connection: what reached it.
    """

    def __init__(self, chat, userId):
        self.received = []
        self.waiting = []
        chat.listen(userId, self)

    def __call__(self, message):
        self.received.append(message)
        waiting, self.waiting = self.waiting, []
        for deferred in waiting:
            deferred.callback(message)

    def next(self):
        deferred = defer.Deferred()
        self.waiting.append(deferred)
        return deferred


class RelayTests(unittest.TestCase):

    timeout = 30

    @defer.inlineCallbacks
    def setUp(self):
        self.world = "test-" + uuid.uuid4().hex[:12]
        self.clock = Clock()
        probe = redisPool(REDIS, "test")
        self.addCleanup(probe.disconnect)
        yield requireRedis(probe)
        self.addCleanup(probe.delete, self.world + ":chat")

    def node(self, nodeId, url=REDIS):
        """
        A node's chat, relayed through the Redis at C{url}, started.
        """
        chat = ChatService(None, None, ChatFilter(), self.clock)
        writer, reader = redisPool(url, "test"), redisConnection(url, "test")
        relay = RedisRelay(writer, reader, self.world, nodeId, chat.deliverHere, self.clock)
        chat.relay = relay
        relay.startService()

        @defer.inlineCallbacks
        def stop():
            relay.stopService()
            yield writer.disconnect()
            yield reader.disconnect()

        self.addCleanup(stop)
        chat.stop = stop
        return chat

    @defer.inlineCallbacks
    def test_aDirectMessageReachesItsRecipientOnAnotherNodeOnce(self):
        a, b = self.node("node-a"), self.node("node-b")
        ada, bob = Listener(a, 1), Listener(b, 2)
        yield self.readerReady(b)
        arrived = bob.next()
        a.deliver([1, 2], 1, {"t": "chat", "session": 9, "kind": "direct", "id": 41,
                              "text": "hello from node A"})
        message = yield arrived
        self.assertEqual(message["text"], "hello from node A")
        # A second copy (the same store id) is not delivered again, and the
        # sender's own node never hands it to them.
        yield self.roundTrip(a, b, bob)
        self.assertEqual([m["id"] for m in bob.received], [41, 42], bob.received)
        self.assertEqual(ada.received, [])

    @defer.inlineCallbacks
    def test_aNodeThatWasDownGetsWhatWasSentMeanwhile(self):
        a, b = self.node("node-a"), self.node("node-b")
        yield self.readerReady(b)
        yield b.stop()
        a.deliver([1, 2], 1, {"t": "chat", "session": 9, "kind": "direct", "id": 50,
                              "text": "while you were away"})
        yield self.sent(a)
        again = self.node("node-b")
        bob = Listener(again, 2)
        message = yield bob.next()
        self.assertEqual(message["text"], "while you were away")

    @defer.inlineCallbacks
    def test_whileRedisCannotBeReachedMessagesWaitInOrder(self):
        """
        Node A reaches Redis through a proxy; with the proxy stopped, what
        A sends waits; started again, it all goes out, in order, once.
        """
        target = urlsplit(REDIS)
        proxy = portforward.ProxyFactory(target.hostname, target.port or 6379)
        # The proxy's connections from A, to cut them.
        self.proxied = []
        proxy.protocol = type("Recorded", (portforward.ProxyServer,), {
            "connectionMade": lambda server: (self.proxied.append(server),
                                              portforward.ProxyServer.connectionMade(server))})
        port = yield endpoints.TCP4ServerEndpoint(reactor, 0, interface="127.0.0.1").listen(proxy)
        number = port.getHost().port
        url = "redis://127.0.0.1:%d%s" % (number, target.path)
        a, b = self.node("node-a", url), self.node("node-b")
        bob = Listener(b, 2)
        yield self.readerReady(b)
        yield self.sent(a)
        # Redis goes away for A: the proxy stops and drops its connections.
        yield port.stopListening()
        for server in list(self.proxied):
            server.transport.loseConnection()
        for number_ in (60, 61, 62):
            a.deliver([2], 1, {"t": "chat", "session": 9, "kind": "system", "id": number_,
                               "text": "message %d" % (number_,)})
        # The first send fails (and is retried later); all three wait.
        while not a.relay._failing:
            yield self.pause()
        self.assertEqual(len(a.relay.outbox), 3)
        self.assertEqual(bob.received, [])
        port = yield endpoints.TCP4ServerEndpoint(reactor, number, interface="127.0.0.1").listen(
            proxy)
        self.addCleanup(port.stopListening)
        while a.relay.outbox:
            self.clock.advance(1)
            yield self.pause()
        while len(bob.received) < 3:
            yield bob.next()
        self.assertEqual([m["id"] for m in bob.received], [60, 61, 62])

    # -- helpers ---------------------------------------------------------------

    def pause(self):
        """
        Let the reactor run once (network replies), without a timer.
        """
        deferred = defer.Deferred()
        reactor.callLater(0, deferred.callback, None)
        return deferred

    @defer.inlineCallbacks
    def readerReady(self, chat):
        # The group exists once the reader's first read is under way.
        while not chat.relay._grouped:
            yield self.pause()

    @defer.inlineCallbacks
    def sent(self, chat):
        while chat.relay._sending is not None:
            yield self.pause()

    @defer.inlineCallbacks
    def roundTrip(self, a, b, bob):
        message = {"t": "chat", "session": 9, "kind": "direct", "id": 41, "text": "again"}
        a.relay.publish([1, 2], 1, message)
        arrived = bob.next()
        a.deliver([1, 2], 1, dict(message, id=42, text="and another"))
        yield arrived
