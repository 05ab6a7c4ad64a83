"""
Who a player is: guest and account sign-in, access tokens (JWT, 15
minutes) and refresh tokens (7 days, single use, in families so that a
stolen one gives itself away), and revocation on logout.

Refresh tokens are random strings of which the store keeps only a hash;
access tokens are checked with the secret alone, plus the presence
layer's revocations, so joining the world costs no database query.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from typing import NamedTuple, Optional

import jwt
from twisted.internet import defer, threads

from ark.interfaces import UsernameTaken

ACCESS_SECONDS = 15 * 60
REFRESH_SECONDS = 7 * 24 * 3600
ALGORITHM = "HS256"

# scrypt is memory-hard: 16 MiB per hash at these settings, so guessing
# passwords on GPUs costs what it costs on the server.
SCRYPT_N = 2**14
SCRYPT_R = 8
SCRYPT_P = 1
SCRYPT_LENGTH = 32


class AuthError(Exception):
    """
    A sign-in or token was refused.

    @ivar code: the error code clients see (see C{docs/api.md}).
    @ivar status: the HTTP status it answers.
    """

    def __init__(self, code: str, message: str, status: int = 401):
        Exception.__init__(self, code, message)
        self.code = code
        self.message = message
        self.status = status


class Identity(NamedTuple):
    """
    The player an access token speaks for.
    """

    userId: int
    name: str
    avatar: str
    tokenId: str
    family: str
    expires: float


def hashPassword(password: str) -> str:
    """
    An scrypt hash of C{password} with a fresh salt, in a self-describing
    form so the parameters can grow later.  Slow on purpose: call it in
    a thread.
    """
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=SCRYPT_N, r=SCRYPT_R,
                            p=SCRYPT_P, dklen=SCRYPT_LENGTH)
    return "scrypt$%d$%d$%d$%s$%s" % (SCRYPT_N, SCRYPT_R, SCRYPT_P, salt.hex(), digest.hex())


def checkPassword(password: str, stored: str) -> bool:
    """
    Whether C{password} matches a hash made by L{hashPassword}.
    """
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = bytes.fromhex(digest)
        found = hashlib.scrypt(password.encode("utf-8"), salt=bytes.fromhex(salt), n=int(n),
                               r=int(r), p=int(p), dklen=len(expected))
    except ValueError:
        return False
    return hmac.compare_digest(found, expected)


def _tokenHash(token: str) -> str:
    # Refresh tokens are 256 random bits: a fast hash is enough, and lets
    # the store look them up by hash.
    return hashlib.sha256(token.encode("ascii", "replace")).hexdigest()


# Checking a password against no account still costs a hash, so timing
# does not tell which usernames exist.
_DUMMY_HASH = None


class Authority:
    """
    Signs players in and checks their tokens.

    @param store: an L{ark.interfaces.IStore}.
    @param presence: an L{ark.interfaces.IPresence}.
    @param secret: the server secret, bytes.
    @param clock: an L{IReactorTime}.
    @param hashInThread: runs a function in a thread and gives a Deferred
        of its result (L{threads.deferToThread} by default).
    """

    def __init__(self, store, presence, secret: bytes, clock, hashInThread=None):
        self.store = store
        self.presence = presence
        self.secret = secret
        self.clock = clock
        self._inThread = hashInThread or threads.deferToThread

    def _now(self) -> int:
        return int(self.clock.seconds() * 1000)

    # -- access tokens -----------------------------------------------------

    def issueAccess(self, user: dict, family: str) -> str:
        """
        A signed access token for C{user}, part of the sign-in C{family}.
        """
        now = int(self.clock.seconds())
        claims = {
            "sub": str(user["id"]),
            "name": user["name"],
            "avatar": user["avatar"],
            "fam": family,
            "jti": uuid.uuid4().hex,
            "iat": now,
            "exp": now + ACCESS_SECONDS,
        }
        return jwt.encode(claims, self.secret, algorithm=ALGORITHM)

    def readAccess(self, token: str) -> Identity:
        """
        The identity in an access token, checked against the secret and
        the clock but not against revocations.

        @raise AuthError: C{token_invalid} or C{token_expired}.
        """
        try:
            # Expiry is checked against our clock, not the machine's.
            claims = jwt.decode(token, self.secret, algorithms=[ALGORITHM],
                                options={"verify_exp": False, "verify_iat": False,
                                         "require": ["sub", "exp", "jti", "fam"]})
            identity = Identity(int(claims["sub"]), str(claims["name"]), str(claims["avatar"]),
                                str(claims["jti"]), str(claims["fam"]), float(claims["exp"]))
        except (jwt.InvalidTokenError, KeyError, ValueError, TypeError):
            raise AuthError("token_invalid", "the access token is not valid here")
        if identity.expires <= self.clock.seconds():
            raise AuthError("token_expired", "the access token has expired; refresh it")
        return identity

    @defer.inlineCallbacks
    def verifyAccess(self, token: str):
        """
        Fires with the L{Identity} of a valid, unrevoked access token.

        @raise AuthError: C{token_invalid}, C{token_expired} or
            C{token_revoked}.
        """
        identity = self.readAccess(token)
        revoked = yield self.presence.isRevoked(
            ["jti:" + identity.tokenId, "fam:" + identity.family])
        if revoked:
            raise AuthError("token_revoked", "the access token was revoked; sign in again")
        return identity

    # -- sign-in -----------------------------------------------------------

    @defer.inlineCallbacks
    def _signIn(self, user: dict, family: Optional[str] = None):
        family = family or uuid.uuid4().hex
        refresh = secrets.token_urlsafe(32)
        now = self._now()
        yield self.store.addRefreshToken(_tokenHash(refresh), user["id"], family, now,
                                         now + REFRESH_SECONDS * 1000)
        return {"accessToken": self.issueAccess(user, family), "refreshToken": refresh,
                "user": user}

    @defer.inlineCallbacks
    def guest(self, name: str, avatar: str):
        user = yield self.store.createUser(name, avatar, self._now())
        result = yield self._signIn(user)
        return result

    @defer.inlineCallbacks
    def register(self, username: str, password: str, name: str, avatar: str):
        """
        @raise AuthError: C{username_taken} (409).
        """
        passwordHash = yield self._inThread(hashPassword, password)
        try:
            user = yield self.store.createUser(name, avatar, self._now(), username=username,
                                               passwordHash=passwordHash)
        except UsernameTaken:
            raise AuthError("username_taken", "that username is taken", 409)
        result = yield self._signIn(user)
        return result

    @defer.inlineCallbacks
    def login(self, username: str, password: str):
        """
        @raise AuthError: C{bad_credentials}.
        """
        global _DUMMY_HASH
        found = yield self.store.credentials(username)
        if found is None:
            if _DUMMY_HASH is None:
                _DUMMY_HASH = yield self._inThread(hashPassword, secrets.token_hex(8))
            yield self._inThread(checkPassword, password, _DUMMY_HASH)
            raise AuthError("bad_credentials", "wrong username or password")
        user, passwordHash = found
        matches = yield self._inThread(checkPassword, password, passwordHash)
        if not matches:
            raise AuthError("bad_credentials", "wrong username or password")
        result = yield self._signIn(user)
        return result

    @defer.inlineCallbacks
    def refresh(self, refreshToken: str):
        """
        Spend a refresh token for a new pair in the same family.

        @raise AuthError: C{refresh_invalid} or C{refresh_reused}.
        """
        status, userId, family = yield self.store.useRefreshToken(
            _tokenHash(refreshToken), self._now())
        if status == "reused":
            # Someone else has a copy: neither of them may go on.
            yield self.presence.revoke("fam:" + family, ACCESS_SECONDS)
            raise AuthError("refresh_reused",
                            "this refresh token was used already; every session from "
                            "that sign-in is now revoked")
        if status != "ok":
            raise AuthError("refresh_invalid", "the refresh token is %s" % (status,))
        user = yield self.store.userById(userId)
        if user is None:
            raise AuthError("refresh_invalid", "the refresh token's user is gone")
        result = yield self._signIn(user, family)
        return result

    @defer.inlineCallbacks
    def logout(self, identity: Identity, refreshToken: Optional[str]):
        """
        Revoke the access token of C{identity} and its whole sign-in
        family, refresh tokens included.
        """
        yield self.presence.revoke("jti:" + identity.tokenId, ACCESS_SECONDS)
        yield self.presence.revoke("fam:" + identity.family, ACCESS_SECONDS)
        yield self.store.revokeFamily(identity.family, self._now())
        if refreshToken:
            found = yield self.store.familyOf(_tokenHash(refreshToken))
            if found is not None and found[0] == identity.userId and found[1] != identity.family:
                yield self.store.revokeFamily(found[1], self._now())
