"""
The two databases the store runs on, for tests that must pass on both: a
test class mixes in L{SQLiteBackend} or L{PostgreSQLBackend} and calls
L{Backend.startStore}.

The PostgreSQL tests create a database of their own on the server named by
C{ARK_TEST_POSTGRESQL} (default C{postgresql://postgres@127.0.0.1:5432/postgres}),
and drop it afterwards.  Without a server they are skipped, except under
CI (C{CI} set), where a missing server is an error.
"""

from __future__ import annotations

import os
import uuid

from twisted.internet import defer
from twisted.trial import unittest

from ark.store import SQLITE_FILE
from ark.store.dialects import PostgreSQLDialect, SQLiteDialect
from ark.store.sqlstore import SQLStore

POSTGRESQL = os.environ.get(
    "ARK_TEST_POSTGRESQL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
REDIS = os.environ.get("ARK_TEST_REDIS", "redis://127.0.0.1:6379/15")


@defer.inlineCallbacks
def requireRedis(redis):
    """
    Make sure the test's Redis answers on C{redis} (a txredisapi
    connection to L{REDIS}).

    @raise unittest.SkipTest: when it does not and C{CI} is not set.
    """
    try:
        yield redis.ping()
    except Exception as error:
        if os.environ.get("CI"):
            raise
        raise unittest.SkipTest("no Redis at %s (%s)" % (REDIS, error))


class Backend:
    """
    A database of the test's own.  Subclasses provide L{setUpDatabase},
    L{makeStore} and L{dropAll}.
    """

    def setUpDatabase(self) -> None:
        raise NotImplementedError()

    def makeStore(self) -> SQLStore:
        """
        A new store, not started, over the test's database.
        """
        raise NotImplementedError()

    def dropAll(self) -> None:
        """
        Replace the test's database, once no store has it open, by an
        empty one.
        """
        raise NotImplementedError()

    @defer.inlineCallbacks
    def startStore(self):
        """
        A new store over the test's database, started, stopped at cleanup.
        """
        store = self.makeStore()
        self.addCleanup(store.stop)
        yield store.start()
        return store


class SQLiteBackend(Backend):
    """
    A SQLite file in the test's temporary directory.
    """

    def setUpDatabase(self):
        directory = self.mktemp()
        os.makedirs(directory)
        self.path = os.path.join(directory, SQLITE_FILE)

    def makeStore(self):
        return SQLStore(SQLiteDialect(self.path))

    def dropAll(self):
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(self.path + suffix):
                os.remove(self.path + suffix)


class PostgreSQLBackend(Backend):
    """
    A PostgreSQL database created for the test and dropped after it.
    """

    def setUpDatabase(self):
        self.server = connectToServer()
        self.database = "ark_test_" + uuid.uuid4().hex
        # Cleanups run last added first: stores stop, then the database
        # goes, then the connection that dropped it.
        self.addCleanup(self.server.close)
        self.execute("CREATE DATABASE " + self.database)
        self.addCleanup(self.execute, "DROP DATABASE IF EXISTS %s WITH (FORCE)" % self.database)

    def execute(self, statement):
        with self.server.cursor() as cursor:
            cursor.execute(statement)

    def url(self):
        return POSTGRESQL.rsplit("/", 1)[0] + "/" + self.database

    def makeStore(self):
        return SQLStore(PostgreSQLDialect(self.url()))

    def dropAll(self):
        self.execute("DROP DATABASE %s WITH (FORCE)" % self.database)
        self.execute("CREATE DATABASE " + self.database)


def connectToServer():
    """
    An autocommitting connection to the PostgreSQL test server.

    @raise unittest.SkipTest: when there is none and C{CI} is not set.
    """
    try:
        import psycopg2

        connection = psycopg2.connect(POSTGRESQL, connect_timeout=5)
    except Exception as error:
        if os.environ.get("CI"):
            raise
        raise unittest.SkipTest(
            "no PostgreSQL server at %s (%s); set ARK_TEST_POSTGRESQL to test against one"
            % (POSTGRESQL, error)
        )
    connection.autocommit = True
    return connection
