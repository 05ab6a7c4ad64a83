"""
What differs between the databases the store runs on, and nothing else:
how to connect, how query parameters are written, how the database numbers
rows, how a transaction begins and how a migration keeps other nodes out.

The store and the migrations write each query once, with C{?} for its
parameters; a L{Dialect} adapts it to its database.
"""

from __future__ import annotations

import sqlite3
from typing import Callable, Dict, Optional, Sequence
from urllib.parse import urlsplit, urlunsplit

from twisted.enterprise import adbapi

# How a transaction will use the database, so that each dialect can begin
# it in the way that suits that use.
READ = "read"  # only reads, and wants them to agree with one another;
WRITE = "write"  # writes;
MIGRATE = "migrate"  # changes the schema: one node at a time.

# The key of the PostgreSQL advisory lock that migrations hold: any fixed
# number no other application on the server uses ("ark" in ASCII).
MIGRATION_LOCK = 0x61726B


class Dialect:
    """
    One database's way of doing what the store needs.

    @ivar name: what the store is, for the log (never with a password).
    @ivar serialPrimaryKey: the column type of an integer primary key that
        the database assigns itself, increasing with every row and never
        reused.
    """

    name: str
    serialPrimaryKey: str

    def connectionPool(self) -> adbapi.ConnectionPool:
        """
        A new pool of connections to the database, set up for the store.
        """
        raise NotImplementedError()

    def sql(self, query: str) -> str:
        """
        C{query}, written with C{?} placeholders, as the database's driver
        expects it.
        """
        return query

    def begin(self, cursor: Statements, use: str) -> None:
        """
        Begin a transaction on a connection that has none.

        @param use: L{READ}, L{WRITE} or L{MIGRATE}.
        """
        raise NotImplementedError()


class SQLiteDialect(Dialect):
    """
    A database in one file, through the standard library's C{sqlite3}.

    @param path: the file, created if missing.
    """

    serialPrimaryKey = "INTEGER PRIMARY KEY AUTOINCREMENT"

    # How many times a connection tries to put a new file in WAL mode while
    # other processes are doing the same (see _useWriteAheadLog).
    WAL_ATTEMPTS = 5

    def __init__(self, path: str):
        self.path = path
        self.name = "sqlite:" + path

    def connectionPool(self) -> adbapi.ConnectionPool:
        # One connection: SQLite lets one writer in at a time anyway, and a
        # second connection would only wait on the file lock.  Transactions
        # are begun explicitly (isolation_level=None) so that writers can
        # take the write lock up front (see begin).
        return adbapi.ConnectionPool(
            "sqlite3",
            self.path,
            check_same_thread=False,
            isolation_level=None,
            cp_min=1,
            cp_max=1,
            cp_openfun=self._prepare,
        )

    def _prepare(self, connection) -> None:
        # busy_timeout first, so that what follows waits for other
        # processes instead of failing.  synchronous=FULL makes each commit
        # durable before it returns: a message is acknowledged only once
        # stored, and in WAL mode NORMAL would lose the last commits on
        # power failure.
        connection.execute("PRAGMA busy_timeout = 5000")
        self._useWriteAheadLog(connection)
        connection.execute("PRAGMA synchronous = FULL")
        connection.execute("PRAGMA foreign_keys = ON")

    def _useWriteAheadLog(self, connection) -> None:
        # Switching a file to WAL takes a lock SQLite does not wait for
        # (busy_timeout does not apply), so when another process switches
        # the same new file at that moment, ours fails: but WAL is then
        # recorded in the file, and a read, which does wait, shows it.
        for _ in range(self.WAL_ATTEMPTS):
            try:
                (mode,) = connection.execute("PRAGMA journal_mode = WAL").fetchone()
            except sqlite3.OperationalError as error:
                if getattr(error, "sqlite_errorname", None) != "SQLITE_BUSY":
                    raise
                connection.execute("SELECT COUNT(*) FROM sqlite_master").fetchall()
                (mode,) = connection.execute("PRAGMA journal_mode").fetchone()
            if mode == "wal":
                return
        raise sqlite3.OperationalError("cannot put %s in WAL mode" % (self.path,))

    def begin(self, cursor: Statements, use: str) -> None:
        # A deferred transaction that reads and then writes fails at once
        # (SQLITE_BUSY, without waiting) if another process wrote in
        # between; taking the write lock first makes it wait its turn.  The
        # same lock keeps a second node from migrating at the same time.
        cursor.execute("BEGIN" if use == READ else "BEGIN IMMEDIATE")


class PostgreSQLDialect(Dialect):
    """
    A PostgreSQL server, through C{psycopg2}, which several nodes may share.

    @param url: C{postgresql://user[:password]@host[:port]/database}.
    """

    serialPrimaryKey = "BIGSERIAL PRIMARY KEY"

    POOL_SIZE = 5

    def __init__(self, url: str):
        self.url = url
        self.name = _withoutPassword(url)
        self._translated: Dict[str, str] = {}

    def connectionPool(self) -> adbapi.ConnectionPool:
        return adbapi.ConnectionPool(
            "psycopg2",
            self.url,
            cp_min=1,
            cp_max=self.POOL_SIZE,
            cp_reconnect=True,
        )

    def sql(self, query: str) -> str:
        translated = self._translated.get(query)
        if translated is None:
            # psycopg2 formats every query with %, so literal percent signs
            # must be doubled before the placeholders become %s.
            translated = query.replace("%", "%%").replace("?", "%s")
            self._translated[query] = translated
        return translated

    def begin(self, cursor: Statements, use: str) -> None:
        # psycopg2 has begun the transaction already (READ COMMITTED).
        if use == READ:
            # The several queries of one read must see the same snapshot.
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        elif use == MIGRATE:
            # Released by the commit or rollback; a second node waits here
            # and then finds the migration applied.
            cursor.execute("SELECT pg_advisory_xact_lock(?)", (MIGRATION_LOCK,))


def _withoutPassword(url: str) -> str:
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.rsplit("@", 1)[1]
    if parts.username:
        netloc = parts.username + "@" + netloc
    return urlunsplit(parts._replace(netloc=netloc))


class Statements:
    """
    A transaction's cursor that takes queries written with C{?}
    placeholders, whatever the database.

    @param cursor: the DB-API cursor (or L{adbapi.Transaction}).
    @param dialect: the L{Dialect} of its database.
    """

    def __init__(self, cursor, dialect: Dialect):
        self._cursor = cursor
        self._dialect = dialect

    def execute(self, query: str, parameters: Sequence = ()) -> int:
        """
        Run a statement.

        @return: how many rows it changed.
        """
        self._cursor.execute(self._dialect.sql(query), tuple(parameters))
        return self._cursor.rowcount

    def rows(self, query: str, parameters: Sequence = ()) -> list:
        """
        Run a query (or a statement with C{RETURNING}) and fetch every row.
        """
        self._cursor.execute(self._dialect.sql(query), tuple(parameters))
        return self._cursor.fetchall()

    def row(self, query: str, parameters: Sequence = ()) -> Optional[tuple]:
        """
        The first row of C{query}, or C{None}.
        """
        # Fetching everything steps SQLite's statement to its end, which a
        # statement with RETURNING needs before its transaction commits.
        found = self.rows(query, parameters)
        return found[0] if found else None


def transact(pool: adbapi.ConnectionPool, dialect: Dialect, use: str,
             work: Callable, *arguments):
    """
    Run C{work(statements, *arguments)} in a thread of C{pool}, in one
    transaction begun for C{use}: committed if it returns, rolled back if
    it raises.

    @return: a L{Deferred} firing with what C{work} returned, once
        committed.
    """

    def interact(cursor):
        statements = Statements(cursor, dialect)
        dialect.begin(statements, use)
        return work(statements, *arguments)

    return pool.runInteraction(interact)
