"""
L{IStore} over SQL: users, refresh tokens and chat in SQLite or
PostgreSQL, queried from a pool of threads so that the reactor never
waits on the database.

The queries here are written once for both databases; what differs
between them is in L{ark.store.dialects}.
"""

from __future__ import annotations

from typing import Dict, Iterable, List, Optional, Tuple

from twisted.internet import defer
from zope.interface import implementer

from ark.interfaces import IStore, UsernameTaken
from ark.store import migrations
from ark.store.dialects import READ, WRITE, Dialect, Statements, transact

_USER_COLUMNS = "id, display_name, avatar_id, username"

# A message as the chat shows it: with its sender's current name and
# avatar (NULL for system messages).
_MESSAGE_COLUMNS = """
    m.id, m.session_id, m.sender_id, u.display_name, u.avatar_id,
    m.content, m.created_at, m.agent_id, m.agent_name, m.agent_avatar
"""

# Messages of session ? the user ? has not read: newer than what they read,
# and not their own.  ("IS DISTINCT FROM" is spelled "IS NOT" in older
# SQLite; the user id is never NULL, so this says the same everywhere.)
_UNREAD = """
    SELECT COUNT(*) FROM chat_messages
    WHERE session_id = ? AND id > ? AND (sender_id IS NULL OR sender_id <> ?)
"""


@implementer(IStore)
class SQLStore:
    """
    The store in an SQL database.

    @ivar dialect: the L{Dialect} of the database.
    @ivar pool: the L{adbapi.ConnectionPool} of connections to it.
    @ivar name: what it is, for the log.
    """

    def __init__(self, dialect: Dialect):
        self.dialect = dialect
        self.name = dialect.name
        self.pool = dialect.connectionPool()
        self._closed = False

    def _transaction(self, use: str, work, *arguments):
        return transact(self.pool, self.dialect, use, work, *arguments)

    def start(self):
        return migrations.migrate(self.pool, self.dialect).addCallback(lambda _: None)

    def stop(self):
        # Closing twice would stop the thread pool twice, which raises.
        if self._closed:
            return defer.succeed(None)
        self._closed = True
        return defer.maybeDeferred(self.pool.close)

    # -- users -----------------------------------------------------------

    def createUser(self, name: str, avatar: str, at: int, username: Optional[str] = None,
                   passwordHash: Optional[str] = None):
        return self._transaction(WRITE, _createUser, name, avatar, at, username, passwordHash)

    def userById(self, userId: int):
        return self._transaction(READ, _userById, userId)

    def credentials(self, username: str):
        return self._transaction(READ, _credentials, username)

    def savePlace(self, userId: int, mapName: str, x: int, y: int, at: int):
        return self._transaction(WRITE, _savePlace, userId, mapName, x, y, at)

    def savePlaces(self, places: Iterable[Tuple[int, str, int, int]], at: int):
        # Copied here, on the reactor thread, like addMessage's members.
        return self._transaction(WRITE, _savePlaces, list(places), at)

    def lastPlace(self, userId: int):
        return self._transaction(READ, _lastPlace, userId)

    # -- refresh tokens --------------------------------------------------

    def addRefreshToken(self, tokenHash: str, userId: int, family: str, at: int, expiresAt: int):
        return self._transaction(WRITE, _addRefreshToken, tokenHash, userId, family, at, expiresAt)

    def useRefreshToken(self, tokenHash: str, at: int):
        return self._transaction(WRITE, _useRefreshToken, tokenHash, at)

    def revokeFamily(self, family: str, at: int):
        return self._transaction(WRITE, _revokeFamily, family, at)

    def familyOf(self, tokenHash: str):
        return self._transaction(READ, _familyOf, tokenHash)

    # -- chat ------------------------------------------------------------

    def addMessage(self, sessionKey: str, kind: str, title: Optional[str],
                   participants: Iterable[int], senderId: Optional[int], senderType: str,
                   text: str, at: int, agent: Optional[Tuple[str, str, str]] = None):
        # The ids are copied here, on the reactor thread: the caller may
        # change its collection while the transaction runs.
        members = set(participants)
        if senderId is not None:
            members.add(senderId)
        return self._transaction(
            WRITE, _addMessage, sessionKey, kind, title or "", sorted(members),
            senderId, senderType, text, at, agent,
        )

    def addMessageOnce(self, clientId: str, sessionKey: str, kind: str, title: Optional[str],
                       participants: Iterable[int], senderId: int, text: str, at: int):
        members = set(participants)
        members.add(senderId)
        return self._transaction(WRITE, _addMessageOnce, clientId, sessionKey, kind, title or "",
                                 sorted(members), senderId, text, at)

    def messageByClientId(self, senderId: int, clientId: str):
        return self._transaction(READ, _messageByClientId, senderId, clientId)

    def openSession(self, sessionKey: str, kind: str, title: str, participants: Iterable[int],
                    at: int, agentId: Optional[str] = None):
        return self._transaction(WRITE, _openSession, sessionKey, kind, title,
                                 sorted(set(participants)), at, agentId)

    def readableMessages(self, userId: int, since: int, limit: int):
        return self._transaction(READ, _readableMessages, userId, since, limit)

    def sessionsOf(self, userId: int):
        return self._transaction(READ, _sessionsOf, userId)

    def participantIds(self, sessionId: int):
        return self._transaction(READ, _participantIds, sessionId)

    def messages(self, sessionId: int, before: Optional[int], limit: int):
        return self._transaction(READ, _messages, sessionId, before, limit)

    def markRead(self, sessionId: int, userId: int, upTo: int):
        return self._transaction(WRITE, _markRead, sessionId, userId, upTo)


# The transactions, run in the pool's threads.  Each takes the Statements
# of its transaction first.


def _user(row) -> Dict:
    userId, name, avatar, username = row
    return {"id": userId, "name": name, "avatar": avatar, "username": username,
            "guest": username is None}


def _createUser(cursor: Statements, name, avatar, at, username, passwordHash):
    # ON CONFLICT DO NOTHING turns a taken username into "no row" rather
    # than an error, the same way on both databases, and leaves a
    # PostgreSQL transaction usable.
    row = cursor.row(
        """
        INSERT INTO users (username, display_name, avatar_id, password_hash,
                           created_at, last_seen)
        VALUES (?, ?, ?, ?, ?, ?)
        ON CONFLICT (username) DO NOTHING
        RETURNING id
        """,
        (username, name, avatar, passwordHash, at, at),
    )
    if row is None:
        raise UsernameTaken(username)
    return _user((row[0], name, avatar, username))


def _userById(cursor: Statements, userId):
    row = cursor.row("SELECT " + _USER_COLUMNS + " FROM users WHERE id = ?", (userId,))
    return None if row is None else _user(row)


def _credentials(cursor: Statements, username):
    row = cursor.row(
        "SELECT " + _USER_COLUMNS + ", password_hash FROM users WHERE username = ?",
        (username,),
    )
    return None if row is None else (_user(row[:4]), row[4])


def _savePlace(cursor: Statements, userId, mapName, x, y, at):
    cursor.execute(
        "UPDATE users SET last_map = ?, last_x = ?, last_y = ?, last_seen = ? WHERE id = ?",
        (mapName, x, y, at, userId),
    )


def _savePlaces(cursor: Statements, places, at):
    # One transaction for everyone: one commit (one fsync on SQLite)
    # however many players moved.
    for userId, mapName, x, y in places:
        _savePlace(cursor, userId, mapName, x, y, at)


def _lastPlace(cursor: Statements, userId):
    row = cursor.row("SELECT last_map, last_x, last_y FROM users WHERE id = ?", (userId,))
    if row is None or row[0] is None:
        return None
    return tuple(row)


def _addRefreshToken(cursor: Statements, tokenHash, userId, family, at, expiresAt):
    cursor.execute(
        """
        INSERT INTO refresh_tokens (token_hash, user_id, family, created_at, expires_at)
        VALUES (?, ?, ?, ?, ?)
        """,
        (tokenHash, userId, family, at, expiresAt),
    )


def _useRefreshToken(cursor: Statements, tokenHash, at):
    # Spending is one conditional UPDATE: of two concurrent uses, the
    # second waits for the first's row lock and then no longer matches.
    spent = cursor.row(
        """
        UPDATE refresh_tokens SET used_at = ?
        WHERE token_hash = ? AND used_at IS NULL AND revoked_at IS NULL
              AND expires_at > ?
        RETURNING user_id, family
        """,
        (at, tokenHash, at),
    )
    if spent is not None:
        return ("ok", spent[0], spent[1])
    row = cursor.row(
        "SELECT user_id, family, used_at, revoked_at FROM refresh_tokens WHERE token_hash = ?",
        (tokenHash,),
    )
    if row is None:
        return ("unknown", None, None)
    userId, family, usedAt, revokedAt = row
    if revokedAt is not None:
        return ("revoked", userId, family)
    if usedAt is not None:
        # Someone holds a copy of a spent token: whoever it is, neither
        # they nor the legitimate holder may go on with this family.
        _revokeFamily(cursor, family, at)
        return ("reused", userId, family)
    return ("expired", userId, family)


def _revokeFamily(cursor: Statements, family, at):
    cursor.execute(
        "UPDATE refresh_tokens SET revoked_at = ? WHERE family = ? AND revoked_at IS NULL",
        (at, family),
    )


def _familyOf(cursor: Statements, tokenHash):
    row = cursor.row(
        "SELECT user_id, family FROM refresh_tokens WHERE token_hash = ?", (tokenHash,)
    )
    return None if row is None else tuple(row)


def _addMessage(cursor: Statements, sessionKey, kind, title, members, senderId, senderType,
                text, at, agent):
    agentId = agentName = agentAvatar = None
    if agent is not None:
        agentId, agentName, agentAvatar = agent
    sessionId = _session(cursor, sessionKey, kind, title, members, at, agentId)
    if senderType != "agent":
        agentName = agentAvatar = None
    (messageId,) = cursor.row(
        """
        INSERT INTO chat_messages (session_id, sender_id, sender_type, content, created_at,
                                   agent_id, agent_name, agent_avatar)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?)
        RETURNING id
        """,
        (sessionId, senderId, senderType, text, at,
         agentId if senderType == "agent" else None, agentName, agentAvatar),
    )
    if senderId is not None:
        cursor.execute(
            """
            UPDATE chat_participants SET last_read_id = ?
            WHERE session_id = ? AND user_id = ? AND last_read_id < ?
            """,
            (messageId, sessionId, senderId, messageId),
        )
    return (sessionId, messageId)


def _messageByClientId(cursor: Statements, senderId, clientId):
    row = cursor.row(
        "SELECT session_id, id, created_at, content FROM chat_messages "
        "WHERE sender_id = ? AND client_id = ?", (senderId, clientId))
    if row is None:
        return None
    sessionId, messageId, storedAt, storedText = row
    return {"session": sessionId, "id": messageId, "at": storedAt, "text": storedText,
            "again": True}


def _addMessageOnce(cursor: Statements, clientId, sessionKey, kind, title, members, senderId,
                    text, at):
    stored = _messageByClientId(cursor, senderId, clientId)
    if stored is not None:
        return stored
    sessionId = _session(cursor, sessionKey, kind, title, members, at, None)
    (messageId,) = cursor.row(
        """
        INSERT INTO chat_messages (session_id, sender_id, sender_type, content, created_at,
                                   client_id)
        VALUES (?, ?, 'player', ?, ?, ?)
        RETURNING id
        """,
        (sessionId, senderId, text, at, clientId),
    )
    cursor.execute(
        """
        UPDATE chat_participants SET last_read_id = ?
        WHERE session_id = ? AND user_id = ? AND last_read_id < ?
        """,
        (messageId, sessionId, senderId, messageId),
    )
    return {"session": sessionId, "id": messageId, "at": at, "text": text, "again": False}


def _session(cursor: Statements, sessionKey, kind, title, members, at, agentId) -> int:
    """
    Find or create the session named C{sessionKey}, touch it, and make
    C{members} its participants (keeping existing ones).
    """
    # The upsert locks the session's row on PostgreSQL, so messages to one
    # session are written one after another; updated_at never goes back
    # even if nodes' clocks disagree a little.
    (sessionId,) = cursor.row(
        """
        INSERT INTO chat_sessions (type, session_key, title, created_at, updated_at, agent_id)
        VALUES (?, ?, ?, ?, ?, ?)
        ON CONFLICT (session_key) DO UPDATE SET updated_at =
            CASE WHEN excluded.updated_at > chat_sessions.updated_at
                 THEN excluded.updated_at ELSE chat_sessions.updated_at END
        RETURNING id
        """,
        (kind, sessionKey, title, at, at, agentId),
    )
    if members:
        # One statement for all (psycopg2's executemany would make a round
        # trip per row).  Members come sorted, so concurrent transactions
        # lock their participant rows in the same order: no deadlock.
        cursor.execute(
            "INSERT INTO chat_participants (session_id, user_id, joined_at) VALUES "
            + ", ".join(["(?, ?, ?)"] * len(members))
            + " ON CONFLICT (session_id, user_id) DO NOTHING",
            [value for userId in members for value in (sessionId, userId, at)],
        )
    return sessionId


def _openSession(cursor: Statements, sessionKey, kind, title, members, at, agentId):
    sessionId = _session(cursor, sessionKey, kind, title, members, at, agentId)
    row = cursor.row("SELECT 1 FROM chat_messages WHERE session_id = ? LIMIT 1", (sessionId,))
    return (sessionId, row is None)


def _message(row) -> Dict:
    (messageId, sessionId, senderId, senderName, senderAvatar, text, at,
     agentId, agentName, agentAvatar) = row
    sender = None
    if senderId is not None:
        sender = {"id": senderId, "name": senderName, "avatar": senderAvatar}
    elif agentName is not None:
        sender = {"agent": agentId, "name": agentName, "avatar": agentAvatar}
    return {"id": messageId, "session": sessionId, "from": sender, "text": text, "at": at}


def _sessionsOf(cursor: Statements, userId):
    # Three queries whatever the number of sessions: the sessions with
    # their unread counts, then everyone's participants, then the last
    # messages.
    sessions = cursor.rows(
        """
        SELECT s.id, s.type, s.title, s.agent_id,
               (SELECT COUNT(*) FROM chat_messages m
                WHERE m.session_id = s.id AND m.id > p.last_read_id
                      AND (m.sender_id IS NULL OR m.sender_id <> p.user_id))
        FROM chat_participants p JOIN chat_sessions s ON s.id = p.session_id
        WHERE p.user_id = ?
        ORDER BY s.updated_at DESC, s.id DESC
        """,
        (userId,),
    )
    if not sessions:
        return []
    members: Dict[int, List[Dict]] = {}
    for sessionId, memberId, name, avatar in cursor.rows(
        """
        SELECT p.session_id, u.id, u.display_name, u.avatar_id
        FROM chat_participants p JOIN users u ON u.id = p.user_id
        WHERE p.session_id IN (SELECT session_id FROM chat_participants WHERE user_id = ?)
        ORDER BY p.session_id, p.joined_at, u.id
        """,
        (userId,),
    ):
        members.setdefault(sessionId, []).append({"id": memberId, "name": name, "avatar": avatar})
    lastMessages = {
        row[1]: _message(row)
        for row in cursor.rows(
            "SELECT " + _MESSAGE_COLUMNS + """
            FROM chat_messages m LEFT JOIN users u ON u.id = m.sender_id
            WHERE m.id IN (
                SELECT MAX(id) FROM chat_messages
                WHERE session_id IN
                    (SELECT session_id FROM chat_participants WHERE user_id = ?)
                GROUP BY session_id)
            """,
            (userId,),
        )
    }
    found = []
    for sessionId, kind, title, agentId, unread in sessions:
        session = {"id": sessionId, "kind": kind, "title": title,
                   "participants": members.get(sessionId, []), "unread": unread,
                   "lastMessage": lastMessages.get(sessionId)}
        if kind == "agent":
            session["agent"] = agentId
        found.append(session)
    return found


def _participantIds(cursor: Statements, sessionId):
    return [
        userId for (userId,) in cursor.rows(
            "SELECT user_id FROM chat_participants WHERE session_id = ? ORDER BY user_id",
            (sessionId,),
        )
    ]


def _messages(cursor: Statements, sessionId, before, limit):
    # One more than asked tells whether older messages remain.
    query = ("SELECT " + _MESSAGE_COLUMNS + """
             FROM chat_messages m LEFT JOIN users u ON u.id = m.sender_id
             WHERE m.session_id = ?""")
    parameters = [sessionId]
    if before is not None:
        query += " AND m.id < ?"
        parameters.append(before)
    query += " ORDER BY m.id DESC LIMIT ?"
    parameters.append(limit + 1)
    rows = cursor.rows(query, parameters)
    more = len(rows) > limit
    return ([_message(row) for row in reversed(rows[:limit])], more)


def _readableMessages(cursor: Statements, userId, since, limit):
    # Only sessions the user takes part in: what they could read in their
    # own chat, and nothing of anyone else's direct or private talk.
    # Players' messages only: what agents and the server said is no news.
    rows = cursor.rows(
        "SELECT " + _MESSAGE_COLUMNS + """, s.type, s.title
        FROM chat_messages m
             JOIN chat_participants p ON p.session_id = m.session_id AND p.user_id = ?
             JOIN chat_sessions s ON s.id = m.session_id
             LEFT JOIN users u ON u.id = m.sender_id
        WHERE m.created_at >= ? AND m.sender_type = 'player'
              AND s.type IN ('nearby', 'zone', 'direct')
        ORDER BY m.id DESC LIMIT ?
        """,
        (userId, since, limit),
    )
    found = []
    for row in rows:
        message = _message(row[:-2])
        message["kind"], message["title"] = row[-2], row[-1]
        found.append(message)
    return found


def _markRead(cursor: Statements, sessionId, userId, upTo):
    # Never beyond the session's newest message: ids are shared by all
    # sessions, so a larger upTo would also mark messages not yet written.
    (newest,) = cursor.row(
        "SELECT COALESCE(MAX(id), 0) FROM chat_messages WHERE session_id = ?", (sessionId,)
    )
    readUpTo = min(upTo, newest)
    row = cursor.row(
        """
        UPDATE chat_participants
        SET last_read_id = CASE WHEN last_read_id < ? THEN ? ELSE last_read_id END
        WHERE session_id = ? AND user_id = ?
        RETURNING last_read_id
        """,
        (readUpTo, readUpTo, sessionId, userId),
    )
    if row is None:
        return None
    (unread,) = cursor.row(_UNREAD, (sessionId, row[0], userId))
    return unread
