"""
Where what must outlive the process is kept: an L{ark.interfaces.IStore}
in SQLite (a file in the data directory, the default) or in PostgreSQL
(shared by several nodes).
"""

from __future__ import annotations

import os

from ark.store.dialects import PostgreSQLDialect, SQLiteDialect
from ark.store.sqlstore import SQLStore

__all__ = ["openStore", "SQLStore"]

SQLITE_FILE = "ark.sqlite3"


def openStore(database: str, dataDirectory: str) -> SQLStore:
    """
    The store C{--db} names, not yet started (see L{SQLStore.start}).

    @param database: C{"sqlite"}, or a C{postgresql://} (or C{postgres://})
        URL, as the option parser validated it.
    @param dataDirectory: where the SQLite file lives.
    """
    if database == "sqlite":
        return SQLStore(SQLiteDialect(os.path.join(dataDirectory, SQLITE_FILE)))
    return SQLStore(PostgreSQLDialect(database))
