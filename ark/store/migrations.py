"""
The store's schema, as numbered migrations, and how a database is brought
up to date with them.

A migration, once released, never changes: a change to the schema is a
new migration at the end of L{MIGRATIONS}.  The table C{schema_migrations}
records which have been applied.  Statements name C{{serial}} where they
need an integer primary key the database assigns.
"""

from __future__ import annotations

import time
from typing import List, NamedTuple, Tuple

from twisted.enterprise import adbapi
from twisted.internet import defer

from ark.store.dialects import MIGRATE, Dialect, Statements, transact


class Migration(NamedTuple):
    """
    One step of the schema.

    @ivar number: its place in the order; applied in increasing order.
    @ivar description: what it does, as recorded in C{schema_migrations}.
    @ivar statements: its SQL, C{{serial}} standing for the dialect's
        L{Dialect.serialPrimaryKey}.
    """

    number: int
    description: str
    statements: Tuple[str, ...]


MIGRATIONS: Tuple[Migration, ...] = (
    Migration(1, "users, refresh tokens and chat", (
        # Integer ids everywhere: they grow with time, which chat paging
        # and unread counting rely on.  Times are milliseconds since the
        # epoch.  username is NULL for guests (NULLs never collide).
        """
        CREATE TABLE users (
            id {serial},
            username TEXT UNIQUE,
            display_name TEXT NOT NULL,
            avatar_id TEXT NOT NULL,
            password_hash TEXT,
            created_at BIGINT NOT NULL,
            last_seen BIGINT NOT NULL,
            last_map TEXT,
            last_x BIGINT,
            last_y BIGINT
        )
        """,
        """
        CREATE TABLE refresh_tokens (
            token_hash TEXT PRIMARY KEY,
            user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
            family TEXT NOT NULL,
            created_at BIGINT NOT NULL,
            expires_at BIGINT NOT NULL,
            used_at BIGINT,
            revoked_at BIGINT
        )
        """,
        "CREATE INDEX refresh_tokens_family ON refresh_tokens (family)",
        """
        CREATE TABLE chat_sessions (
            id {serial},
            type TEXT NOT NULL
                CHECK (type IN ('nearby', 'zone', 'direct', 'system', 'agent')),
            session_key TEXT NOT NULL UNIQUE,
            title TEXT NOT NULL DEFAULT '',
            created_at BIGINT NOT NULL,
            updated_at BIGINT NOT NULL
        )
        """,
        """
        CREATE TABLE chat_participants (
            session_id BIGINT NOT NULL
                REFERENCES chat_sessions (id) ON DELETE CASCADE,
            user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
            agent_id TEXT,
            joined_at BIGINT NOT NULL,
            last_read_id BIGINT NOT NULL DEFAULT 0,
            PRIMARY KEY (session_id, user_id)
        )
        """,
        "CREATE INDEX chat_participants_user ON chat_participants (user_id)",
        """
        CREATE TABLE chat_messages (
            id {serial},
            session_id BIGINT NOT NULL
                REFERENCES chat_sessions (id) ON DELETE CASCADE,
            sender_id BIGINT REFERENCES users (id),
            sender_type TEXT NOT NULL
                CHECK (sender_type IN ('player', 'agent', 'system')),
            content TEXT NOT NULL,
            created_at BIGINT NOT NULL
        )
        """,
        "CREATE INDEX chat_messages_session ON chat_messages (session_id, id)",
    )),
    Migration(2, "conversations with agents", (
        # An agent session names its agent; an agent's message names who
        # said it, as it was called then (agents live in map files, not in
        # the users table).
        "ALTER TABLE chat_sessions ADD COLUMN agent_id TEXT",
        "ALTER TABLE chat_messages ADD COLUMN agent_id TEXT",
        "ALTER TABLE chat_messages ADD COLUMN agent_name TEXT",
        "ALTER TABLE chat_messages ADD COLUMN agent_avatar TEXT",
        # What a player could read lately, newest first (Chronicle, Trends).
        "CREATE INDEX chat_messages_created ON chat_messages (created_at)",
    )),
    Migration(3, "a player's message stored once per client id", (
        # A client sends a message again, with the same id, when it cannot
        # know whether the store took it.  NULLs never collide: messages
        # without a client id are not concerned.
        "ALTER TABLE chat_messages ADD COLUMN client_id TEXT",
        "CREATE UNIQUE INDEX chat_messages_client ON chat_messages (sender_id, client_id)",
    )),
)

_CREATE_JOURNAL = """
    CREATE TABLE IF NOT EXISTS schema_migrations (
        version INTEGER PRIMARY KEY,
        description TEXT NOT NULL,
        applied_at BIGINT NOT NULL
    )
"""


@defer.inlineCallbacks
def migrate(pool: adbapi.ConnectionPool, dialect: Dialect,
            migrations: Tuple[Migration, ...] = MIGRATIONS):
    """
    Apply, in order, each of C{migrations} the database lacks, each in its
    own transaction, holding the dialect's migration lock so that nodes
    starting together apply each exactly once.

    @return: a L{Deferred} firing with the numbers of the migrations this
        call applied (empty when the schema was up to date).
    """
    applied = yield transact(pool, dialect, MIGRATE, _appliedVersions)
    done: List[int] = []
    for migration in migrations:
        if migration.number in applied:
            continue
        if (yield transact(pool, dialect, MIGRATE, _applyIfMissing, dialect, migration)):
            done.append(migration.number)
    return done


def _appliedVersions(cursor: Statements) -> set:
    cursor.execute(_CREATE_JOURNAL)
    return {version for (version,) in cursor.rows("SELECT version FROM schema_migrations")}


def _applyIfMissing(cursor: Statements, dialect: Dialect, migration: Migration) -> bool:
    # Asked again under the lock: another node may have applied it since.
    if cursor.row("SELECT 1 FROM schema_migrations WHERE version = ?", (migration.number,)):
        return False
    for statement in migration.statements:
        cursor.execute(statement.format(serial=dialect.serialPrimaryKey))
    cursor.execute(
        "INSERT INTO schema_migrations (version, description, applied_at) VALUES (?, ?, ?)",
        (migration.number, migration.description, int(time.time() * 1000)),
    )
    return True
