"""
The seams of ark: what the rest of the server asks of the store and of
the presence layer.  Each has a default implementation that needs nothing
installed (SQLite, in-process) and one for running several nodes
(PostgreSQL, Redis).
"""

from __future__ import annotations

from typing import NamedTuple

from zope.interface import Attribute, Interface


class IStore(Interface):
    """
    Where what must outlive the process is kept: users, refresh tokens,
    chat sessions and messages, and where each player last stood.

    Every method returns a L{twisted.internet.defer.Deferred}; none blocks
    the reactor.  Times are integers, milliseconds since the Unix epoch,
    always given by the caller (so tests control them).  A user is a dict
    C{{"id": int, "name": str, "avatar": str, "username": str or None,
    "guest": bool}}.
    """

    def start():
        """
        Connect and apply every migration not yet applied, in order, each
        in its own transaction.  Fires when the store is ready.
        """

    def stop():
        """
        Close the connections.  Fires when closed.
        """

    # -- users -----------------------------------------------------------

    def createUser(name, avatar, at, username=None, passwordHash=None):
        """
        Add a user (a guest when C{username} is C{None}).  Fires with the
        user dict, or fails with L{UsernameTaken}.
        """

    def userById(userId):
        """
        Fires with the user dict, or C{None}.
        """

    def credentials(username):
        """
        Fires with C{(user dict, passwordHash)} for the account named
        C{username} (already lower-cased by the caller), or C{None}.
        """

    def savePlace(userId, mapName, x, y, at):
        """
        Remember where the user's avatar stood (units) when they left.
        """

    def savePlaces(places, at):
        """
        Remember where several users' avatars stand, all in one
        transaction: C{places} is an iterable of C{(userId, mapName, x, y)}.
        """

    def lastPlace(userId):
        """
        Fires with C{(mapName, x, y)} saved by L{savePlace} or
        L{savePlaces}, or C{None}.
        """

    # -- refresh tokens --------------------------------------------------

    def addRefreshToken(tokenHash, userId, family, at, expiresAt):
        """
        Store a new refresh token (its hash only) of a token family.
        """

    def useRefreshToken(tokenHash, at):
        """
        Spend a refresh token, atomically, so that two uses of one token
        cannot both succeed.  Fires with C{(status, userId, family)}:
        C{status} is C{"ok"} (it was valid and is now used), C{"unknown"},
        C{"expired"}, C{"revoked"}, or C{"reused"} (it had been used
        before: the whole family is revoked now); C{userId} and C{family}
        are C{None} for C{"unknown"}.
        """

    def revokeFamily(family, at):
        """
        Revoke every refresh token of C{family}.
        """

    def familyOf(tokenHash):
        """
        Fires with C{(userId, family)} of a refresh token, or C{None}.
        """

    # -- chat ------------------------------------------------------------

    def addMessage(sessionKey, kind, title, participants, senderId, senderType, text, at,
                   agent=None):
        """
        In one transaction: find or create the chat session named
        C{sessionKey} (of C{kind}, with C{title}), make every user id of
        C{participants} a participant (keeping existing ones), store the
        message, and count it as read for its sender.  Fires with C{(sessionId,
        messageId)} once committed.

        @param senderId: the user id, or C{None} for agents' and system
            messages.
        @param senderType: C{"player"}, C{"agent"} or C{"system"}.
        @param agent: for a session of kind C{"agent"}, C{(agentId, name,
            avatar)} of its agent: the session is that agent's, and an
            agent's message is from it (its C{from} is C{{"agent", "name",
            "avatar"}}).
        """

    def addMessageOnce(clientId, sessionKey, kind, title, participants, senderId, text, at):
        """
        Store a player's message as L{addMessage} does, once per
        C{(senderId, clientId)}: when the sender's message with that
        client id is stored already, nothing is written and that one is
        given back.  Fires with C{{"session", "id", "at", "text", "again"}}
        (C{again}: it was stored before).
        """

    def messageByClientId(senderId, clientId):
        """
        Fires with the sender's message stored with that client id, as
        L{addMessageOnce} gives it back (C{again} true), or C{None}.
        """

    def openSession(sessionKey, kind, title, participants, at, agentId=None):
        """
        Find or create the chat session named C{sessionKey}, as
        L{addMessage} would, without adding a message.  Fires with
        C{(sessionId, empty)}: whether it has no message yet.
        """

    def readableMessages(userId, since, limit):
        """
        Fires with what players said lately that the user could read: at
        most C{limit} messages stored at or after C{since}, newest first,
        of the nearby, zone and direct sessions the user takes part in
        (never anyone else's), each a message (see L{messages}) with its
        session's C{kind} and C{title}.
        """

    def sessionsOf(userId):
        """
        Fires with the user's sessions, latest activity first: dicts
        C{{"id", "kind", "title", "participants": [{"id", "name",
        "avatar"}], "unread": int, "lastMessage": message or None}}, and
        for an agent session C{"agent"}, its agent's id.
        """

    def participantIds(sessionId):
        """
        Fires with the user ids of a session's participants (empty when
        there is no such session).
        """

    def messages(sessionId, before, limit):
        """
        Fires with C{(messages, more)}: at most C{limit} messages of the
        session with ids below C{before} (all when C{None}), oldest first,
        and whether older ones remain.  A message is C{{"id", "session",
        "from": {"id", "name", "avatar"} or None, "text", "at"}}.
        """

    def markRead(sessionId, userId, upTo):
        """
        Count the session's messages up to id C{upTo} as read by the user
        (never moving backwards).  Fires with how many remain unread.
        """


class UsernameTaken(Exception):
    """
    An account with that username exists already.
    """


class IPresence(Interface):
    """
    What every node of a cluster must agree on at once and that need not
    outlive the process: which access tokens were revoked.
    """

    def revoke(key, seconds):
        """
        Mark C{key} (a token id or family) revoked for C{seconds}.
        Fires when every node will see it.
        """

    def isRevoked(keys):
        """
        Fires with whether any of C{keys} is revoked.
        """

    def stop():
        """
        Let go of connections.  Fires when done.
        """

    name = Attribute("What it is, for the log: 'in-process' or the Redis URL.")


class IZoneBehaviour(Interface):
    """
    What a kind of zone does: a plugin found at startup with
    C{twisted.plugin.getPlugins} in the C{zones} package and in any package
    named by C{--zone-plugins}.  Providers also provide
    L{twisted.plugin.IPlugin}.

    A behaviour claims zone properties: a zone whose properties include
    one of them is this behaviour's to act on, and properties no behaviour
    claims are reported once at startup.  The server decides who is in
    which zone, from authoritative positions, and calls the behaviour when
    a player enters, leaves, or acts (the interact key) inside a zone.
    The behaviour answers with I{effects}: dicts sent as they are to that
    player's client as C{{"t": "effect", "zone": number, ...}} (see
    C{docs/protocol.md}), or L{MoveTo}, which moves the
    player to another map.
    """

    name = Attribute("A short name for logs and docs, e.g. 'jitsi'.")

    properties = Attribute(
        "The zone property names it claims: a zone with any of them is handled by it.")

    def offer(zone):
        """
        What acting in C{zone} does, as a short label for the action button
        (e.g. C{"Join meeting"}), or C{None} when acting does nothing here.

        @param zone: an L{ark.world.worldmap.Zone}.
        """

    def check(mapName, zone, maps):
        """
        What is wrong with C{zone}'s properties, for the operator to hear
        about once at startup (the zone then does less, never crashes).

        @param mapName: the name of the map C{zone} is in.
        @param maps: every loaded map by name.
        @return: a list of problems, each a sentence.
        """

    def entered(player, zone):
        """
        C{player} walked into C{zone}.

        @param player: the L{ark.behaviours.director.Player} (user id, name,
            avatar, and the room it is in).
        @return: a list of effects for that player's client.
        """

    def left(player, zone):
        """
        C{player} walked out of C{zone} (or left the world inside it).

        @return: a list of effects for that player's client.
        """

    def acted(player, zone):
        """
        C{player} pressed the interact key inside C{zone}.

        @return: a list of effects for that player's client.
        """


class IAgentBrain(Interface):
    """
    How an agent answers: a plugin found at startup with
    C{twisted.plugin.getPlugins} in the C{brains} package and in any
    package named by C{--brain-plugins}; an agent's definition names its
    brain (C{knowledge} when it names none).  Providers also provide
    L{twisted.plugin.IPlugin}.

    A brain is asked one question at a time per call, but may be asked by
    several players at once (the server keeps each agent's answers within
    its concurrency limit).  It sees the world only through the
    L{ark.agents.question.Question}: tool results and chat content are
    data to answer from, never instructions to follow.
    """

    name = Attribute("The name an agent's 'brain' property gives, e.g. 'knowledge'.")

    def check(settings):
        """
        What keeps this brain from answering with the operator's
        C{settings} (an L{ark.agents.question.BrainSettings}), for the
        operator to hear once at startup: a list of problems, each a
        sentence (empty when it can answer).
        """

    def answer(question):
        """
        Answer C{question} (an L{ark.agents.question.Question}), saying
        each piece through C{question.say} as soon as it is known.

        @return: a Deferred firing (with anything) once the answer is
            complete, or failing with
            L{ark.agents.question.AgentUnavailable} when it cannot answer
            (the player is told its message).  Cancelling the Deferred
            stops the answer.
        """


class MoveTo(NamedTuple):
    """
    Returned among a behaviour's effects: the server moves the player to
    the room of another map, at one of its entries.  The player's client
    hears of it as a new welcome.

    @ivar mapName: the map's name, as the server knows it (e.g.
        C{"cafe.tmj"}).
    @ivar entry: the entry's name (C{"start"} by default).
    """

    mapName: str
    entry: str = "start"
