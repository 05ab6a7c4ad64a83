"""
Tests for L{ark.http.clientaddress}: who a request comes from, behind the
reverse proxies the operator trusts and nowhere else, and the sign-in
limit that counts by it.
"""

from __future__ import annotations

from twisted.internet.address import IPv4Address, IPv6Address, UNIXAddress
from twisted.internet.task import Clock
from twisted.trial.unittest import SynchronousTestCase
from twisted.web.test.requesthelper import DummyRequest

from ark.http.api import APIError, SignInLimit
from ark.http.clientaddress import ClientAddress, parseProxies


def request(peer, forwardedFor=None):
    """
    A request from C{peer} (an address as text), with C{X-Forwarded-For}
    lines C{forwardedFor} (a list, one item a line) if given.
    """
    if peer.startswith("/"):
        client = UNIXAddress(peer)
    else:
        client = (IPv6Address if ":" in peer else IPv4Address)("TCP", peer, 40000)
    made = DummyRequest([b""])
    made.client = client
    for line in forwardedFor or ():
        made.requestHeaders.addRawHeader(b"x-forwarded-for", line.encode("latin-1"))
    return made


PROXIES = parseProxies(["10.0.0.0/8", "::1", "fd00::/8"])


class ClientAddressTests(SynchronousTestCase):
    """
    The client is the peer, unless the peer is a trusted proxy: then the
    right-most address of X-Forwarded-For that is not a trusted proxy.
    """

    def setUp(self):
        self.behindProxies = ClientAddress(PROXIES)

    def test_withoutTrustedProxiesThePeerIsTheClient(self):
        """
        With no trusted proxy, the header is never read.
        """
        self.assertEqual(ClientAddress().of(request("10.0.0.1", ["203.0.113.9"])), "10.0.0.1")

    def test_untrustedPeerCannotNameAClient(self):
        """
        A peer that is not a trusted proxy is the client, whatever it says.
        """
        self.assertEqual(self.behindProxies.of(request("198.51.100.7", ["203.0.113.9"])),
                         "198.51.100.7")

    def test_trustedProxyNamesTheClient(self):
        self.assertEqual(self.behindProxies.of(request("10.1.2.3", ["203.0.113.9"])),
                         "203.0.113.9")
        self.assertEqual(self.behindProxies.of(request("::1", ["2001:db8::5"])), "2001:db8::5")

    def test_prependedAddressesAreIgnored(self):
        """
        A client that sends its own X-Forwarded-For only adds to the left
        of what the proxy appends: the address the proxy saw wins.
        """
        spoofed = request("10.1.2.3", ["192.0.2.1, 192.0.2.2, 203.0.113.9"])
        self.assertEqual(self.behindProxies.of(spoofed), "203.0.113.9")

    def test_chainOfTrustedProxies(self):
        """
        Through several trusted proxies, each appending, the client is the
        first address from the right that is not one of them; header lines
        are read as one list, in order.
        """
        chained = request("10.0.0.2", ["198.51.100.1, 203.0.113.9", "fd00::7 , 10.0.0.1"])
        self.assertEqual(self.behindProxies.of(chained), "203.0.113.9")

    def test_everyAddressTrusted(self):
        """
        When the whole chain is trusted proxies, the client is the one
        furthest from ark: it came from inside.
        """
        self.assertEqual(self.behindProxies.of(request("10.0.0.2", ["10.9.9.9, 10.0.0.1"])),
                         "10.9.9.9")

    def test_malformedHeaderMeansThePeer(self):
        """
        A header missing, or with anything but an address where ark has to
        read it, counts as the proxy's own address.
        """
        for lines in [None, [""], ["unknown"], ["203.0.113.9:443"], ["203.0.113.9, junk"],
                      ["[2001:db8::5]"], ["203.0.113.9,"]]:
            self.assertEqual(self.behindProxies.of(request("10.1.2.3", lines)), "10.1.2.3",
                             lines)

    def test_junkLeftOfTheClientIsNotRead(self):
        """
        What the client wrote before the address the proxy appended may be
        anything; it is never looked at.
        """
        self.assertEqual(self.behindProxies.of(request("10.1.2.3", ["<script>, 203.0.113.9"])),
                         "203.0.113.9")

    def test_addressesAreCanonical(self):
        """
        One address written two ways is one client, and an IPv4 address
        mapped into IPv6 (a dual-stack listener) is the IPv4 address.
        """
        self.assertEqual(self.behindProxies.of(request("::1", ["2001:DB8:0::5"])),
                         "2001:db8::5")
        self.assertEqual(self.behindProxies.of(request("::ffff:10.0.0.1", ["203.0.113.9"])),
                         "203.0.113.9")
        self.assertEqual(ClientAddress().of(request("::ffff:198.51.100.7")), "198.51.100.7")

    def test_peerWithoutAnAddress(self):
        """
        A peer with no IP address (a UNIX socket) is named as it is.
        """
        self.assertIn("/run/ark.sock", ClientAddress(PROXIES).of(request("/run/ark.sock")))


class ParseProxiesTests(SynchronousTestCase):
    def test_addressesAndNetworks(self):
        self.assertEqual([str(network) for network in parseProxies(
            ["127.0.0.1", " 10.0.0.0/8 ,fd00::/8", "", "::1"])],
            ["127.0.0.1/32", "10.0.0.0/8", "fd00::/8", "::1/128"])

    def test_badValuesAreRefused(self):
        for value, says in [("proxy.example.org", "'proxy.example.org' is not"),
                            ("10.0.0.300", "'10.0.0.300' is not"),
                            ("10.0.0.7/8", "write 10.0.0.0/8"),
                            ("10.0.0.0/33", "'10.0.0.0/33' is not")]:
            error = self.assertRaises(ValueError, parseProxies, [value])
            self.assertIn(says, str(error))


class SignInLimitBehindProxyTests(SynchronousTestCase):
    """
    Behind a trusted proxy each player has a sign-in budget of their own.
    """

    def test_playersBehindAProxyAreCountedApart(self):
        limit = SignInLimit(Clock(), 2, ClientAddress(parseProxies(["10.0.0.1"])))
        for _ in range(2):
            limit.check(request("10.0.0.1", ["203.0.113.1"]))
            limit.check(request("10.0.0.1", ["203.0.113.2"]))
        error = self.assertRaises(APIError, limit.check, request("10.0.0.1", ["203.0.113.1"]))
        self.assertEqual(error.status, 429)
        # Pretending to be someone else by prepending does not help.
        self.assertRaises(APIError, limit.check,
                          request("10.0.0.1", ["198.51.100.50, 203.0.113.1"]))
        limit.check(request("10.0.0.1", ["203.0.113.3"]))

    def test_withoutTrustEveryoneBehindAProxyShares(self):
        """
        Without C{--trusted-proxy}, the proxy is one client.
        """
        limit = SignInLimit(Clock(), 2)
        limit.check(request("10.0.0.1", ["203.0.113.1"]))
        limit.check(request("10.0.0.1", ["203.0.113.2"]))
        self.assertRaises(APIError, limit.check, request("10.0.0.1", ["203.0.113.3"]))
