"""
The presence layer: revocations every node must see at once.  In-process
by default; in Redis with C{--redis}, so a token revoked on one node is
refused by all.
"""

from __future__ import annotations

from typing import Dict, Iterable
from urllib.parse import urlsplit

from twisted.internet import defer
from twisted.logger import Logger
from zope.interface import implementer

from ark.interfaces import IPresence

_PREFIX = "ark:revoked:"

log = Logger()


@implementer(IPresence)
class InProcessPresence:
    """
    Revocations in a dictionary, forgotten when they expire.

    @param clock: an L{IReactorTime}.
    """

    name = "in-process"

    def __init__(self, clock):
        self.clock = clock
        self._until: Dict[str, float] = {}

    def revoke(self, key: str, seconds: float):
        now = self.clock.seconds()
        self._until[key] = now + seconds
        # Expired entries are swept on writes, so the table stays as small
        # as the number of tokens revoked in the last access lifetime.
        for old in [k for k, until in self._until.items() if until <= now]:
            del self._until[old]
        return defer.succeed(None)

    def isRevoked(self, keys: Iterable[str]):
        now = self.clock.seconds()
        return defer.succeed(any(self._until.get(key, 0) > now for key in keys))

    def stop(self):
        return defer.succeed(None)


@implementer(IPresence)
class RedisPresence:
    """
    Revocations as Redis keys that expire by themselves.

    @param url: C{redis://host:port/db}.
    """

    def __init__(self, url: str):
        self.name = url
        self._redis = redisPool(url, "presence")

    def revoke(self, key: str, seconds: float):
        return self._redis.set(_PREFIX + key, "1", expire=max(1, int(seconds + 0.999)))

    @defer.inlineCallbacks
    def isRevoked(self, keys: Iterable[str]):
        values = yield self._redis.mget([_PREFIX + key for key in keys])
        return any(value is not None for value in values)

    def stop(self):
        return self._redis.disconnect()


def redisPool(url: str, use: str):
    """
    A lazy txredisapi connection pool to the Redis at C{url}
    (C{redis://[:password@]host:port/db}), whose failure to connect is
    logged for C{use} (what it is for), without the URL's password.
    """
    import txredisapi

    return _lazy(txredisapi.lazyConnectionPool, url, use, poolsize=2)


def redisConnection(url: str, use: str):
    """
    One lazy connection of its own to the Redis at C{url}, for commands
    that block it (a stream read), logged like L{redisPool}'s.
    """
    import txredisapi

    return _lazy(txredisapi.lazyConnection, url, use)


def _lazy(connect, url: str, use: str, **options):
    parts = urlsplit(url)
    database = int(parts.path.strip("/") or 0)
    where = "%s:%d/%d" % (parts.hostname, parts.port or 6379, database)
    connection = connect(host=parts.hostname, port=parts.port or 6379, dbid=database,
                         password=parts.password, reconnect=True, **options)

    # A lazy connection reports a failure to connect (Redis down, a
    # database it cannot select, a stop while connecting) on this Deferred
    # and leaves it to us: say it, rather than leave an unhandled error.
    def failed(failure) -> None:
        log.warn("{use}: Redis at {where}: {why}", use=use, where=where,
                 why=failure.getErrorMessage())

    connection._connected.addErrback(failed)
    return connection


def openPresence(redisUrl, clock):
    """
    The presence layer the options ask for.
    """
    if redisUrl:
        return RedisPresence(redisUrl)
    return InProcessPresence(clock)
