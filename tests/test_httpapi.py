"""
Tests for L{ark.http.api}'s sign-in endpoints over a real socket: every
field is checked with a specific answer, and the flows work end to end.
"""

from __future__ import annotations

import os

from twisted.internet import defer, endpoints, reactor
from twisted.internet.task import Clock
from twisted.trial import unittest
from twisted.web.client import Agent, readBody

from ark.http.api import SIGN_INS_PER_MINUTE, SignInLimit
from ark.http.site import makeSite

from tests.backends import SQLiteBackend
from tests.support import Harness, requestJSON


class AuthAPITests(SQLiteBackend, unittest.TestCase):
    @defer.inlineCallbacks
    def setUp(self):
        self.setUpDatabase()
        self.store = yield self.startStore()
        self.harness = Harness(store=self.store)
        self.limitClock = Clock()
        webDirectory = self.mktemp()
        os.makedirs(webDirectory)
        site = makeSite(webDirectory, self.mktemp(), None, self.harness.rooms,
                        self.harness.authority, SignInLimit(self.limitClock), self.harness.chat)
        port = yield endpoints.TCP4ServerEndpoint(reactor, 0, interface="127.0.0.1").listen(site)
        self.addCleanup(port.stopListening)
        self.base = "http://127.0.0.1:%d/api/auth/" % (port.getHost().port,)

    def post(self, endpoint, body, token=None):
        return requestJSON("POST", self.base + endpoint, body, token)

    @defer.inlineCallbacks
    def assertAnswer(self, answered, status, code):
        got, answer = yield answered
        self.assertEqual((got, answer.get("error")), (status, code), answer)
        self.assertTrue(answer["message"])
        return answer

    @defer.inlineCallbacks
    def test_guestNameIsCleaned(self):
        """
        Surrounding spaces go and the name is kept in NFC form.
        """
        status, answer = yield self.post("guest", {"name": "  Zoe\u0308  ", "avatar": "fox"})
        self.assertEqual(status, 200)
        self.assertEqual(answer["user"]["name"], "Zo\u00eb")
        self.assertEqual(sorted(answer), ["accessToken", "refreshToken", "user"])

    @defer.inlineCallbacks
    def test_newPlayersAreGreeted(self):
        """
        A new player finds a welcome from ark in a system session, unread.
        """
        status, signIn = yield self.post("guest", {"name": "Newcomer", "avatar": "fox"})
        sessions = []
        while not sessions:
            status, listing = yield requestJSON(
                "GET", self.base.replace("auth/", "chat/sessions"), token=signIn["accessToken"])
            sessions = listing["sessions"]
        [session] = sessions
        self.assertEqual((session["kind"], session["unread"]), ("system", 1))
        self.assertIsNone(session["lastMessage"]["from"])
        self.assertIn("Welcome to ark, Newcomer!", session["lastMessage"]["text"])

    @defer.inlineCallbacks
    def test_badGuestFields(self):
        for body, field in [
            ({"avatar": "fox"}, "name"),
            ({"name": 5, "avatar": "fox"}, "name"),
            ({"name": "", "avatar": "fox"}, "name"),
            ({"name": "x" * 33, "avatar": "fox"}, "name"),
            ({"name": "bad\x07bell", "avatar": "fox"}, "name"),
            ({"name": "rtl\u202eflip", "avatar": "fox"}, "name"),
            ({"name": "ada"}, "avatar"),
            ({"name": "ada", "avatar": "Fox!"}, "avatar"),
        ]:
            self.limitClock.advance(60)
            answer = yield self.assertAnswer(self.post("guest", body), 400, "bad_field")
            self.assertIn(field, answer["message"], body)

    @defer.inlineCallbacks
    def test_notJSON(self):
        yield self.assertAnswer(self.post("guest", ["a", "list"]), 400, "bad_json")
        yield self.assertAnswer(self.post("login", None), 400, "bad_json")

    @defer.inlineCallbacks
    def test_onlyPost(self):
        response = yield Agent(reactor).request(b"GET", (self.base + "guest").encode())
        yield readBody(response)
        self.assertEqual(response.code, 405)
        yield self.assertAnswer(requestJSON("GET", self.base + "nowhere"), 404, "not_found")

    @defer.inlineCallbacks
    def test_signInsAreLimitedPerAddress(self):
        for number in range(SIGN_INS_PER_MINUTE):
            status, _ = yield self.post("guest", {"name": "g%d" % number, "avatar": "fox"})
            self.assertEqual(status, 200)
        yield self.assertAnswer(self.post("guest", {"name": "late", "avatar": "fox"}),
                                429, "rate_limited")
        self.limitClock.advance(60)
        status, _ = yield self.post("guest", {"name": "later", "avatar": "fox"})
        self.assertEqual(status, 200)

    @defer.inlineCallbacks
    def test_accountFlow(self):
        """
        Register, log in, refresh, log out: each answers as documented,
        and after logging out the token opens nothing.
        """
        yield self.assertAnswer(
            self.post("register", {"username": "Grace", "password": "grace", "name": "Grace",
                                   "avatar": "owl"}), 400, "weak_password")
        yield self.assertAnswer(
            self.post("register", {"username": "x", "password": "long enough",
                                   "name": "X", "avatar": "owl"}), 400, "bad_field")
        status, registered = yield self.post(
            "register", {"username": "Grace", "password": "hopper-1906", "name": "Grace",
                         "avatar": "owl"})
        self.assertEqual((status, registered["user"]["username"]), (201, "grace"))
        yield self.assertAnswer(
            self.post("register", {"username": "grace", "password": "another-one",
                                   "name": "G", "avatar": "owl"}), 409, "username_taken")
        yield self.assertAnswer(self.post("login", {"username": "grace", "password": "nope"}),
                                401, "bad_credentials")
        status, loggedIn = yield self.post("login", {"username": "GRACE",
                                                     "password": "hopper-1906"})
        self.assertEqual((status, loggedIn["user"]["id"]), (200, registered["user"]["id"]))
        status, refreshed = yield self.post("refresh", {"refreshToken": loggedIn["refreshToken"]})
        self.assertEqual(status, 200)
        yield self.assertAnswer(self.post("refresh", {"refreshToken": loggedIn["refreshToken"]}),
                                401, "refresh_reused")
        yield self.assertAnswer(self.post("logout", {}), 401, "token_missing")
        status, answer = yield self.post("logout", {"refreshToken": registered["refreshToken"]},
                                         token=registered["accessToken"])
        self.assertEqual((status, answer), (200, {}))
        yield self.assertAnswer(
            requestJSON("GET", self.base.replace("auth/", "chat/sessions"),
                        token=registered["accessToken"]), 401, "token_revoked")
        yield self.assertAnswer(
            self.post("refresh", {"refreshToken": registered["refreshToken"]}),
            401, "refresh_invalid")
