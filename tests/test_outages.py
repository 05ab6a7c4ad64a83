"""
Tests for chat when the store goes away and comes back: PostgreSQL reached
through a proxy (L{twisted.protocols.portforward}) that the test stops and
starts again, never the machine's own server.  While it is away a message
is not acknowledged (C{store_failed}); sent again with its client id once
it is back, every message is stored exactly once.
"""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

from twisted.internet import defer, endpoints, reactor
from twisted.protocols import portforward
from twisted.trial import unittest

from ark.store.dialects import PostgreSQLDialect
from ark.store.sqlstore import SQLStore

from tests.backends import PostgreSQLBackend
from tests.support import Harness


class CuttableProxy:
    """
    A TCP proxy to C{host}:C{port} on a port of its own, which can be cut
    (stop listening, drop every connection) and restored on the same port.
    """

    def __init__(self, host, port):
        self.factory = portforward.ProxyFactory(host, port)
        self.connections = []
        proxy = self

        class Recorded(portforward.ProxyServer):
            def connectionMade(self):
                proxy.connections.append(self)
                portforward.ProxyServer.connectionMade(self)

        self.factory.protocol = Recorded
        self.port = None
        self.number = 0

    @defer.inlineCallbacks
    def start(self):
        self.port = yield endpoints.TCP4ServerEndpoint(
            reactor, self.number, interface="127.0.0.1").listen(self.factory)
        self.number = self.port.getHost().port

    @defer.inlineCallbacks
    def cut(self):
        yield self.port.stopListening()
        for connection in self.connections:
            connection.transport.abortConnection()
            if connection.peer is not None:
                connection.peer.transport.abortConnection()
        self.connections = []


class PostgreSQLOutageTests(PostgreSQLBackend, unittest.TestCase):

    timeout = 60

    @defer.inlineCallbacks
    def setUp(self):
        self.setUpDatabase()
        target = urlsplit(self.url())
        self.proxy = CuttableProxy(target.hostname, target.port or 5432)
        yield self.proxy.start()
        self.addCleanup(lambda: self.proxy.port.stopListening())
        proxied = urlunsplit(target._replace(
            netloc="%s@127.0.0.1:%d" % (target.username, self.proxy.number)))
        self.store = SQLStore(PostgreSQLDialect(proxied))
        self.addCleanup(self.store.stop)
        yield self.store.start()
        self.harness = Harness(store=self.store)
        self.users = {}
        self.clients = {}
        for name in ("Ada", "Bob"):
            user = yield self.store.createUser(name, "fox", 1000)
            self.harness._users[name] = user["id"]
            self.users[name] = user["id"]
            client = self.harness.connect()
            welcomed = client.next("welcome")
            client.join(name)
            yield welcomed
            self.clients[name] = client

    @defer.inlineCallbacks
    def say(self, text, cid, ref):
        # A client sends again after a second or more.
        self.harness.clock.advance(1)
        ada = self.clients["Ada"]
        said = ada.next("said")
        ada.sendMessage({"t": "say", "ref": ref, "kind": "direct", "to": self.users["Bob"],
                         "text": text, "cid": cid})
        said = yield said
        return said

    @defer.inlineCallbacks
    def test_nothingIsAcknowledgedWhileTheStoreIsAwayAndEverythingIsStoredOnce(self):
        first = yield self.say("before the outage", "cid-before-0001", 1)
        self.assertNotIn("error", first)

        yield self.proxy.cut()
        refused = []
        for number in range(3):
            said = yield self.say("during the outage %d" % (number,), "cid-during-%04d" % number,
                                  10 + number)
            refused.append(said.get("error"))
        self.assertEqual(refused, ["store_failed"] * 3)
        bob = self.clients["Bob"]
        self.assertEqual([m["text"] for m in bob.messages("chat")], ["before the outage"])

        yield self.proxy.start()
        # The client sends again what was not acknowledged, and the first
        # message once more (its `said` might have been lost): stored once.
        again = []
        for number in range(3):
            said = None
            for attempt in range(10):
                said = yield self.say("during the outage %d" % (number,),
                                      "cid-during-%04d" % number, 20 + attempt)
                if "error" not in said:
                    break
            again.append(said)
        repeated = yield self.say("before the outage", "cid-before-0001", 40)
        self.assertEqual((repeated["id"], repeated["at"], repeated["session"]),
                         (first["id"], first["at"], first["session"]))
        # Past the chat limit, a message sent again that was stored is still
        # answered as stored; a new one is refused.
        for number in range(6):
            self.clients["Ada"].sendMessage({"t": "say", "ref": 50 + number, "kind": "direct",
                                             "to": self.users["Bob"], "text": "flood %d" % number})
        limited = yield self.say("flood 9", "cid-flood-00009", 60)
        self.assertEqual(limited["error"], "chat_rate_limited")
        resent = yield self.say("during the outage 2", "cid-during-0002", 61)
        self.assertEqual((resent.get("error"), resent["id"]), (None, again[2]["id"]))

        messages, more = yield self.store.messages(first["session"], None, 50)
        self.assertEqual([m["text"] for m in messages if not m["text"].startswith("flood")],
                         ["before the outage"] + ["during the outage %d" % n for n in range(3)])
        self.assertEqual([m["id"] for m in messages[1:4]], [s["id"] for s in again])
        self.flushLoggedErrors()
