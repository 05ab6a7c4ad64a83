"""
Who a request comes from: the peer of the connection, or, when that peer
is a reverse proxy the operator trusts (C{--trusted-proxy}), the client the
proxy names in C{X-Forwarded-For}.

Each proxy appends the address it got the request from to the header, so
only the end of the chain was written by proxies we trust; anything
before it may have been sent by the client itself.  The client is
therefore the right-most address that is not a trusted proxy: prepending
made-up addresses changes nothing.
"""

from __future__ import annotations

import ipaddress
from typing import Iterable, Optional, Tuple, Union

Network = Union[ipaddress.IPv4Network, ipaddress.IPv6Network]
Address = Union[ipaddress.IPv4Address, ipaddress.IPv6Address]

FORWARDED_FOR = b"x-forwarded-for"


def parseProxies(values: Iterable[str]) -> Tuple[Network, ...]:
    """
    The networks named by C{values}: each an address (C{10.0.0.7},
    C{::1}) or a network (C{10.0.0.0/8}, C{fd00::/8}), several of them
    separated by commas.

    @raise ValueError: naming the first that is neither.
    """
    networks = []
    for value in values:
        for item in value.split(","):
            item = item.strip()
            if not item:
                continue
            try:
                networks.append(ipaddress.ip_network(item))
                continue
            except ValueError:
                pass
            try:
                # 10.0.0.7/8: a typo for one address, or for 10.0.0.0/8?
                # Trusting more than meant is the worse mistake: ask.
                meant = ipaddress.ip_network(item, strict=False)
            except ValueError:
                raise ValueError("%r is not an IP address or network" % (item,))
            raise ValueError("%r has bits set after its prefix: write %s for the network, "
                             "or the address alone" % (item, meant))
    return tuple(networks)


def _address(text: str) -> Optional[Address]:
    """
    C{text} as an IP address, an IPv4 address mapped into IPv6 as the IPv4
    address it is, or C{None}.
    """
    try:
        address = ipaddress.ip_address(text.strip())
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


class ClientAddress:
    """
    Finds the client address of a request.

    @param trustedProxies: the networks of the reverse proxies whose
        C{X-Forwarded-For} is believed (see L{parseProxies}); none by
        default, when the peer is always the client.
    """

    def __init__(self, trustedProxies: Iterable[Network] = ()):
        self.trustedProxies = tuple(trustedProxies)

    def isTrusted(self, address: Address) -> bool:
        return any(address in network for network in self.trustedProxies)

    def of(self, request) -> str:
        """
        The client address of C{request}, as text: a canonical IP address
        (so that one address written two ways is one client), or whatever
        names a peer that has none.

        A peer on a Unix socket is one of this server's gateways (see
        L{ark.gateway.proxy}; nothing else may open the socket), a proxy
        trusted as the operator's are.
        """
        peer = request.getClientAddress()
        host = getattr(peer, "host", None)
        if not isinstance(host, str):
            forwarded = self._forwardedClient(request)
            return str(forwarded if forwarded is not None else peer)
        address = _address(host)
        if address is None:
            return host
        if not self.trustedProxies or not self.isTrusted(address):
            return str(address)
        forwarded = self._forwardedClient(request)
        return str(forwarded if forwarded is not None else address)

    def _forwardedClient(self, request) -> Optional[Address]:
        """
        The right-most address of C{X-Forwarded-For} that is not a trusted
        proxy (the left-most one if all are), or C{None} when the header
        is missing or what we would have to read of it is not an address.
        """
        headers = request.requestHeaders.getRawHeaders(FORWARDED_FOR)
        if not headers:
            return None
        # Several header lines are one list, in order (RFC 9110, 5.3).
        chain = b",".join(headers).decode("latin-1").split(",")
        found = None
        for item in reversed(chain):
            found = _address(item)
            if found is None:
                return None
            if not self.isTrusted(found):
                return found
        return found
