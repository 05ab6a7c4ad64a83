"""
Tokens for Jitsi meetings: with an app id and secret shared with a Jitsi
deployment (its C{token} authentication, prosody's C{app_id} and
C{app_secret}), the server lets into a meeting room only the players who
stand in it.

A token names one room and one user; Jitsi checks it when the user joins
the call, so its two hours need only cover getting in.
"""

from __future__ import annotations

import jwt

TOKEN_SECONDS = 2 * 60 * 60


class NotInZone(Exception):
    """
    A Jitsi token was asked for a player who is not in the zone of that
    meeting room.
    """


class JitsiTokens:
    """
    Signs Jitsi JWTs (HS256).

    @param appId: the Jitsi deployment's app id: the token's issuer.
    @param secret: the secret it shares with this server.
    @param clock: an L{IReactorTime}, for the time of issue.
    """

    def __init__(self, appId: str, secret: str, clock):
        self.appId = appId
        self._secret = secret
        self.clock = clock

    def issue(self, player, zone, domain: str, room: str) -> str:
        """
        A token for C{player} to join C{room} on C{domain}, the meeting of
        C{zone}.

        @param player: an L{ark.behaviours.director.Player}.
        @raise NotInZone: when the player is not in C{zone} now.
        """
        if not player.isIn(zone):
            raise NotInZone("%s is not in %r" % (player.name, zone.name))
        now = int(self.clock.seconds())
        claims = {
            "aud": "jitsi",
            "iss": self.appId,
            "sub": domain,
            "room": room,
            "iat": now,
            "nbf": now,
            "exp": now + TOKEN_SECONDS,
            "context": {
                "user": {
                    "id": str(player.userId),
                    "name": player.name,
                    "avatar": player.avatar,
                },
            },
        }
        return jwt.encode(claims, self._secret, algorithm="HS256")
