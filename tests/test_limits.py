"""
The limits remember only what they must: the sign-in limit
(L{ark.http.api.SignInLimit}) forgets addresses whose minute has passed
and keeps count of a bounded number of them, and the chat limit
(L{ark.chat.service.ChatService}) forgets players whose window has passed.
Both still refuse what they should.
"""

from __future__ import annotations

from twisted.internet import defer
from twisted.internet.address import IPv4Address
from twisted.internet.task import Clock
from twisted.python.failure import Failure
from twisted.trial.unittest import SynchronousTestCase
from twisted.web.test.requesthelper import DummyRequest

from ark.chat.filter import ChatFilter, Refused
from ark.chat.service import ChatService, Speaker
from ark.http.api import MAX_TRACKED_ADDRESSES, APIError, SignInLimit


def fromAddress(host):
    request = DummyRequest([b""])
    request.client = IPv4Address("TCP", host, 50000)
    return request


def address(number):
    return "10.%d.%d.%d" % (number >> 16 & 255, number >> 8 & 255, number & 255)


class SignInLimitTests(SynchronousTestCase):
    def setUp(self):
        self.clock = Clock()

    def signIn(self, limit, host):
        """
        Whether a sign-in from C{host} is let through.
        """
        try:
            limit.check(fromAddress(host))
        except APIError as error:
            self.assertEqual((error.status, error.code), (429, "rate_limited"))
            return False
        return True

    def test_addressesAreForgottenAfterTheirMinute(self):
        """
        A thousand addresses that signed in once are all forgotten a
        minute later, at the next sign-in from anywhere.
        """
        limit = SignInLimit(self.clock, 10)
        for number in range(1000):
            self.assertTrue(self.signIn(limit, address(number)))
        self.assertEqual(limit.tracked, 1000)
        self.clock.advance(59)
        self.assertTrue(self.signIn(limit, "192.0.2.1"))
        self.assertEqual(limit.tracked, 1001)
        self.clock.advance(1)
        self.assertTrue(self.signIn(limit, "192.0.2.2"))
        self.assertEqual(limit.tracked, 2)

    def test_limitHoldsWhileOthersAreForgotten(self):
        """
        An address that used its sign-ins stays refused for the rest of
        its minute however many others come and go, and is let in again
        when the minute has passed.
        """
        limit = SignInLimit(self.clock, 3)
        for _ in range(3):
            self.assertTrue(self.signIn(limit, "198.51.100.1"))
        self.assertFalse(self.signIn(limit, "198.51.100.1"))
        for second in range(59):
            self.clock.advance(1)
            for number in range(20):
                self.signIn(limit, address(second * 20 + number))
            self.assertFalse(self.signIn(limit, "198.51.100.1"), second)
        self.clock.advance(1)
        self.assertTrue(self.signIn(limit, "198.51.100.1"))

    def test_aFloodOfAddressesIsBounded(self):
        """
        Twice as many distinct addresses as it keeps count of, all within
        a minute, leave it keeping count of no more than its maximum.
        """
        limit = SignInLimit(self.clock, 10)
        for number in range(2 * MAX_TRACKED_ADDRESSES):
            self.assertTrue(self.signIn(limit, address(number)))
        self.assertEqual(limit.tracked, MAX_TRACKED_ADDRESSES)

    def test_atTheMaximumTheOldestIsForgotten(self):
        """
        When it is full, a new address is let in and the address whose
        last sign-in is the oldest is forgotten; the others still have
        only what is left of their budget.
        """
        limit = SignInLimit(self.clock, 2, maxAddresses=3)
        for host in ["192.0.2.1", "192.0.2.2", "192.0.2.3"]:
            self.assertTrue(self.signIn(limit, host))
            self.assertTrue(self.signIn(limit, host))
            self.clock.advance(1)
        self.assertTrue(self.signIn(limit, "192.0.2.4"))
        self.assertEqual(limit.tracked, 3)
        self.assertFalse(self.signIn(limit, "192.0.2.2"))
        self.assertFalse(self.signIn(limit, "192.0.2.3"))
        # Forgotten: a fresh budget.
        self.assertTrue(self.signIn(limit, "192.0.2.1"))


class StubStore:
    """
    Stores chat messages instantly; every user exists.
    """

    def __init__(self):
        self.stored = []

    def addMessage(self, key, kind, title, recipients, senderId, role, text, at):
        self.stored.append((senderId, text))
        return defer.succeed((1, len(self.stored)))

    def userById(self, userId):
        return defer.succeed({"id": userId})


class ChatLimitTests(SynchronousTestCase):
    """
    Five messages in ten seconds per player, remembered only as long as
    that matters.
    """

    def setUp(self):
        self.clock = Clock()
        self.store = StubStore()
        self.chat = ChatService(self.store, None, ChatFilter(), self.clock)

    def say(self, userId, text="hello"):
        """
        Send a direct message as user C{userId}: C{True} if it was stored,
        C{False} if the chat limit refused it.
        """
        said = self.chat.say(Speaker(userId, "u%d" % (userId,), "fox", None), "direct", text,
                             to=999999)
        results = []
        said.addBoth(results.append)
        [result] = results
        if isinstance(result, Failure):
            result.trap(Refused)
            self.assertEqual(result.value.code, "chat_rate_limited")
            return False
        return True

    def test_quietPlayersAreForgotten(self):
        """
        Of a thousand players who each said something, none is remembered
        once their window has passed and someone speaks.
        """
        for userId in range(1, 1001):
            self.assertTrue(self.say(userId))
        self.assertEqual(self.chat.talkers, 1000)
        self.clock.advance(9.5)
        self.assertTrue(self.say(5000))
        self.assertEqual(self.chat.talkers, 1001)
        self.clock.advance(0.5)
        self.assertTrue(self.say(5001))
        self.assertEqual(self.chat.talkers, 2)

    def test_leavingForgetsThoseWhoseWindowPassed(self):
        """
        When a player stops listening (disconnects), players whose window
        has passed are forgotten even if nobody says anything more; one
        whose window has not, stays counted.
        """
        deliver = []
        self.chat.listen(1, deliver.append)
        self.assertTrue(self.say(1))
        self.assertTrue(self.say(2))
        self.clock.advance(5)
        self.assertTrue(self.say(3))
        self.clock.advance(5)
        self.chat.stopListening(1, deliver.append)
        self.assertEqual(self.chat.talkers, 1)

    def test_limitHoldsWhileOthersAreForgotten(self):
        """
        A player who said five things is refused for the rest of the
        window, whoever else talks meanwhile, even after reconnecting; then
        may talk again.
        """
        for _ in range(5):
            self.assertTrue(self.say(7))
        # Eighths of a second add up to ten exactly.
        for eighth in range(79):
            self.clock.advance(0.125)
            self.assertTrue(self.say(100 + eighth))
            self.assertFalse(self.say(7), eighth)
        self.chat.listen(7, lambda message: None)
        self.chat.stopListening(7, lambda message: None)
        self.assertFalse(self.say(7))
        self.clock.advance(0.125)
        self.assertTrue(self.say(7))
        self.assertEqual([text for sender, text in self.store.stored if sender == 7],
                         ["hello"] * 6)
