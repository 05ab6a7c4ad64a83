"""
Tests for L{ark.identity.authority}: sign-in, access and refresh tokens, rotation, reuse
detection and logout, against SQLite and PostgreSQL.
"""

from __future__ import annotations

from twisted.internet import defer
from twisted.internet.task import Clock
from twisted.trial import unittest

from ark.identity.authority import (
    ACCESS_SECONDS,
    REFRESH_SECONDS,
    AuthError,
    Authority,
    checkPassword,
    hashPassword,
)
from ark.identity.presence import InProcessPresence

from tests.backends import PostgreSQLBackend, SQLiteBackend

SECRET = b"a test secret long enough for HMAC-SHA256"


class PasswordTests(unittest.SynchronousTestCase):
    def test_hashChecksOnlyItsPassword(self):
        stored = hashPassword("correct horse")
        self.assertTrue(checkPassword("correct horse", stored))
        self.assertFalse(checkPassword("correct horsf", stored))
        self.assertFalse(checkPassword("correct horse", "md5$whatever"))
        self.assertFalse(checkPassword("correct horse", "scrypt$1$2"))

    def test_saltedHashesDiffer(self):
        self.assertNotEqual(hashPassword("same"), hashPassword("same"))


class AuthorityTestsMixin:
    @defer.inlineCallbacks
    def setUp(self):
        self.setUpDatabase()
        self.store = yield self.startStore()
        self.clock = Clock()
        self.clock.advance(1_800_000_000)
        self.presence = InProcessPresence(self.clock)
        self.authority = Authority(self.store, self.presence, SECRET, self.clock)

    @defer.inlineCallbacks
    def assertRefused(self, deferred, code):
        try:
            yield deferred
        except AuthError as error:
            self.assertEqual(error.code, code)
            return error
        self.fail("not refused; expected %s" % (code,))

    @defer.inlineCallbacks
    def test_guestSignIn(self):
        """
        A guest gets a user, and an access token naming it that opens the
        world.
        """
        signIn = yield self.authority.guest("Ada", "fox")
        self.assertEqual(signIn["user"]["name"], "Ada")
        self.assertTrue(signIn["user"]["guest"])
        identity = yield self.authority.verifyAccess(signIn["accessToken"])
        self.assertEqual((identity.userId, identity.name, identity.avatar),
                         (signIn["user"]["id"], "Ada", "fox"))

    @defer.inlineCallbacks
    def test_accessTokenExpires(self):
        signIn = yield self.authority.guest("Ada", "fox")
        self.clock.advance(ACCESS_SECONDS - 1)
        yield self.authority.verifyAccess(signIn["accessToken"])
        self.clock.advance(1)
        yield self.assertRefused(self.authority.verifyAccess(signIn["accessToken"]),
                                 "token_expired")

    @defer.inlineCallbacks
    def test_forgedTokens(self):
        """
        A token signed with another secret, or tampered with, is invalid.
        """
        signIn = yield self.authority.guest("Ada", "fox")
        other = Authority(self.store, self.presence, b"x" * 40, self.clock)
        forged = other.issueAccess(signIn["user"], "family")
        yield self.assertRefused(self.authority.verifyAccess(forged), "token_invalid")
        head, body, signature = signIn["accessToken"].split(".")
        yield self.assertRefused(
            self.authority.verifyAccess(head + "." + body + "x." + signature), "token_invalid")
        yield self.assertRefused(self.authority.verifyAccess("not a token"), "token_invalid")

    @defer.inlineCallbacks
    def test_refreshRotates(self):
        """
        A refresh token buys a new pair for the same user, once.
        """
        first = yield self.authority.guest("Ada", "fox")
        self.clock.advance(ACCESS_SECONDS + 60)
        second = yield self.authority.refresh(first["refreshToken"])
        self.assertEqual(second["user"]["id"], first["user"]["id"])
        self.assertNotEqual(second["refreshToken"], first["refreshToken"])
        identity = yield self.authority.verifyAccess(second["accessToken"])
        self.assertEqual(identity.userId, first["user"]["id"])
        third = yield self.authority.refresh(second["refreshToken"])
        yield self.authority.verifyAccess(third["accessToken"])

    @defer.inlineCallbacks
    def test_reuseRevokesTheWholeFamily(self):
        """
        When a refresh token is used twice, someone holds a copy: the whole
        family goes, refresh and access tokens alike, and the player must
        sign in again.
        """
        first = yield self.authority.guest("Ada", "fox")
        second = yield self.authority.refresh(first["refreshToken"])
        yield self.assertRefused(self.authority.refresh(first["refreshToken"]),
                                 "refresh_reused")
        yield self.assertRefused(self.authority.refresh(second["refreshToken"]),
                                 "refresh_invalid")
        yield self.assertRefused(self.authority.verifyAccess(second["accessToken"]),
                                 "token_revoked")

    @defer.inlineCallbacks
    def test_otherSignInsSurviveReuse(self):
        """
        Revoking one family leaves the user's other sign-ins alone.
        """
        stolen = yield self.authority.guest("Ada", "fox")
        yield self.authority.refresh(stolen["refreshToken"])
        other = yield self.authority.guest("Bob", "owl")
        yield self.assertRefused(self.authority.refresh(stolen["refreshToken"]),
                                 "refresh_reused")
        yield self.authority.verifyAccess(other["accessToken"])
        yield self.authority.refresh(other["refreshToken"])

    @defer.inlineCallbacks
    def test_refreshTokenExpires(self):
        signIn = yield self.authority.guest("Ada", "fox")
        self.clock.advance(REFRESH_SECONDS + 1)
        yield self.assertRefused(self.authority.refresh(signIn["refreshToken"]),
                                 "refresh_invalid")

    @defer.inlineCallbacks
    def test_unknownRefreshToken(self):
        yield self.assertRefused(self.authority.refresh("made-up"), "refresh_invalid")

    @defer.inlineCallbacks
    def test_logoutRevokesAccessAndRefresh(self):
        signIn = yield self.authority.guest("Ada", "fox")
        identity = yield self.authority.verifyAccess(signIn["accessToken"])
        yield self.authority.logout(identity, signIn["refreshToken"])
        yield self.assertRefused(self.authority.verifyAccess(signIn["accessToken"]),
                                 "token_revoked")
        yield self.assertRefused(self.authority.refresh(signIn["refreshToken"]),
                                 "refresh_invalid")

    @defer.inlineCallbacks
    def test_registerAndLogIn(self):
        """
        An account logs in with its password, as the same user, from any
        number of places; a wrong password or unknown name is refused alike.
        """
        registered = yield self.authority.register("grace", "hopper-1906", "Grace", "owl")
        self.assertEqual(registered["user"]["username"], "grace")
        self.assertFalse(registered["user"]["guest"])
        again = yield self.authority.login("grace", "hopper-1906")
        self.assertEqual(again["user"]["id"], registered["user"]["id"])
        yield self.assertRefused(self.authority.login("grace", "hopper-1907"),
                                 "bad_credentials")
        yield self.assertRefused(self.authority.login("nobody", "hopper-1906"),
                                 "bad_credentials")

    @defer.inlineCallbacks
    def test_usernameTaken(self):
        yield self.authority.register("grace", "hopper-1906", "Grace", "owl")
        error = yield self.assertRefused(
            self.authority.register("grace", "another-password", "G", "fox"), "username_taken")
        self.assertEqual(error.status, 409)


class SQLiteAuthorityTests(AuthorityTestsMixin, SQLiteBackend, unittest.TestCase):
    pass


class PostgreSQLAuthorityTests(AuthorityTestsMixin, PostgreSQLBackend, unittest.TestCase):
    pass
