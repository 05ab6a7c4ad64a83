"""
Tests for L{ark.identity.presence}: revocations last as long as asked, in process
and in a real Redis (C{ARK_TEST_REDIS}, default redis://127.0.0.1:6379/15;
skipped without one, except under CI).
"""

from __future__ import annotations

import os
import uuid

from twisted.internet import defer
from twisted.internet.task import Clock
from twisted.trial import unittest
from zope.interface.verify import verifyObject

from ark.interfaces import IPresence
from ark.identity.presence import InProcessPresence, RedisPresence, openPresence

REDIS = os.environ.get("ARK_TEST_REDIS", "redis://127.0.0.1:6379/15")


class InProcessPresenceTests(unittest.TestCase):
    def setUp(self):
        self.clock = Clock()
        self.presence = InProcessPresence(self.clock)

    def test_providesIPresence(self):
        self.assertTrue(verifyObject(IPresence, self.presence))
        self.assertIsInstance(openPresence(None, self.clock), InProcessPresence)

    @defer.inlineCallbacks
    def test_revocationLastsItsTime(self):
        yield self.presence.revoke("jti:a", 60)
        self.assertTrue((yield self.presence.isRevoked(["jti:b", "jti:a"])))
        self.assertFalse((yield self.presence.isRevoked(["jti:b"])))
        self.clock.advance(60)
        self.assertFalse((yield self.presence.isRevoked(["jti:a"])))


class RedisPresenceTests(unittest.TestCase):
    @defer.inlineCallbacks
    def setUp(self):
        self.presence = RedisPresence(REDIS)
        self.addCleanup(self.presence.stop)
        self.prefix = uuid.uuid4().hex + ":"
        try:
            yield self.presence.isRevoked([self.prefix + "probe"])
        except Exception as error:
            if os.environ.get("CI"):
                raise
            raise unittest.SkipTest("no Redis at %s (%s)" % (REDIS, error))

    def test_providesIPresence(self):
        self.assertTrue(verifyObject(IPresence, self.presence))

    @defer.inlineCallbacks
    def test_revocationIsSeenByEveryNode(self):
        """
        What one node revokes, another node (another connection) refuses,
        and Redis forgets it when it expires.
        """
        other = RedisPresence(REDIS)
        self.addCleanup(other.stop)
        key = self.prefix + "jti"
        yield self.presence.revoke(key, 30)
        self.assertTrue((yield other.isRevoked(["nothing", key])))
        self.assertFalse((yield other.isRevoked([self.prefix + "other"])))
        ttl = yield other._redis.ttl("ark:revoked:" + key)
        self.assertTrue(0 < ttl <= 30, ttl)
