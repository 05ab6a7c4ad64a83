"""
The ICE servers handed to players for their voice and video connections:
STUN to learn their public address, TURN to relay when no direct path
exists (symmetric NATs, strict firewalls).

TURN credentials follow coturn's REST scheme (C{use-auth-secret} with
C{static-auth-secret}): the username is C{expiry:userId}, the password
base64(HMAC-SHA1(secret, username)).  coturn recomputes the password from
the shared secret and refuses an expiry in the past, so the server hands
out short-lived credentials without coturn ever calling it, and a player
cannot forge them or stretch their life.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import List, Sequence, Tuple

# How long TURN credentials hold, by default: short, because anyone who
# has them may relay through the server until then.
DEFAULT_TTL = 600

# Credentials are renewed when this share of their life has gone, so a
# connection that restarts ICE near the end still has fresh ones.
RENEW_AT = 0.75


def turnCredentials(secret: bytes, userId: int, expiry: int) -> Tuple[str, str]:
    """
    coturn REST credentials for C{userId}, valid until C{expiry} (Unix
    time): C{(username, password)}.
    """
    username = "%d:%d" % (expiry, userId)
    digest = hmac.new(secret, username.encode("ascii"), hashlib.sha1).digest()
    return username, base64.b64encode(digest).decode("ascii")


class IceServers:
    """
    The ICE servers the operator configured.

    @param stunUrls: C{stun:} URLs.
    @param turnUrls: C{turn:} or C{turns:} URLs.
    @param turnSecret: coturn's C{static-auth-secret}, needed with
        C{turnUrls}.
    @param ttl: seconds TURN credentials hold.
    @param clock: an L{IReactorTime}.
    """

    def __init__(self, stunUrls: Sequence[str] = (), turnUrls: Sequence[str] = (),
                 turnSecret: bytes = b"", ttl: int = DEFAULT_TTL, clock=None):
        if turnUrls and not turnSecret:
            raise ValueError("TURN servers need the shared secret coturn was given")
        self.stunUrls = list(stunUrls)
        self.turnUrls = list(turnUrls)
        self.turnSecret = turnSecret
        self.ttl = ttl
        self.clock = clock

    @property
    def renewAfter(self) -> float:
        """
        Seconds after which a player's credentials are renewed.
        """
        return self.ttl * RENEW_AT

    def forUser(self, userId: int) -> dict:
        """
        The ICE servers for a player let into the world as C{userId}:
        C{{"servers": [...], "ttl": seconds}}, the TTL 0 when there are no
        credentials to run out.
        """
        servers: List[dict] = []
        if self.stunUrls:
            servers.append({"urls": list(self.stunUrls)})
        if not self.turnUrls:
            return {"servers": servers, "ttl": 0}
        expiry = int(self.clock.seconds()) + self.ttl
        username, password = turnCredentials(self.turnSecret, userId, expiry)
        servers.append({"urls": list(self.turnUrls), "username": username,
                        "credential": password})
        return {"servers": servers, "ttl": self.ttl}


# No STUN or TURN: host candidates only.
NO_ICE_SERVERS = IceServers()
