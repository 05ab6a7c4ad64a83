"""
The options of C{twistd ark}.

Every option can also come from an C{ARK_...} environment variable (the
option's name in capitals, dashes as underscores); the command line wins.
Values are checked here, so a bad one stops startup with a message naming
the option instead of failing somewhere later.
"""

from __future__ import annotations

import os
import re
import socket
from urllib.parse import urlsplit

from twisted.python import usage

from ark.app import resources
from ark.http.clientaddress import parseProxies


def _cores() -> int:
    """
    The cores this process may run on.
    """
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def defaultGateways(cores: int) -> int:
    """
    How many gateways a machine of C{cores} cores runs by default: one
    per core beyond the first, from four cores on.  Below, none: measured
    on two cores shared with the load bots, a gateway cost more CPU than
    it saved the room process and added a patch period to the echo
    (C{benchmarks/side_by_side.py}).
    """
    return cores - 1 if cores >= 4 else 0


def _integer(name, low, high):
    def parse(value):
        try:
            number = int(value)
        except (TypeError, ValueError):
            raise usage.UsageError("--%s must be an integer, not %r" % (name, value))
        if not low <= number <= high:
            raise usage.UsageError("--%s must be between %d and %d" % (name, low, high))
        return number

    return parse


def _seconds(name, low, high):
    def parse(value):
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise usage.UsageError("--%s must be a number of seconds, not %r" % (name, value))
        if not low <= number <= high:
            raise usage.UsageError("--%s must be between %g and %g seconds" % (name, low, high))
        return number

    return parse


def _database(value):
    if value == "sqlite":
        return value
    parts = urlsplit(value)
    if parts.scheme not in ("postgresql", "postgres") or not parts.hostname:
        raise usage.UsageError(
            "--db must be 'sqlite' or a URL like postgresql://user@host:5432/ark, not %r"
            % (value,)
        )
    return value


def _redis(value):
    if not value:
        return None
    parts = urlsplit(value)
    if parts.scheme != "redis" or not parts.hostname:
        raise usage.UsageError(
            "--redis must be a URL like redis://127.0.0.1:6379/0, not %r" % (value,)
        )
    try:
        parts.port
    except ValueError:
        raise usage.UsageError("--redis has a bad port: %r" % (value,))
    return value


def _chatLimit(value):
    messages, _, seconds = value.partition("/")
    try:
        messages, seconds = int(messages), float(seconds)
    except ValueError:
        messages = None
    if messages is None or not 1 <= messages <= 1000 or not 0 < seconds <= 3600:
        raise usage.UsageError(
            "--chat-limit must be messages/seconds like 5/10, not %r" % (value,)
        )
    return messages, seconds


def _wordList(value):
    from ark.chat.filter import readWordList

    try:
        with open(value, encoding="utf-8") as lines:
            return readWordList(lines)
    except (OSError, UnicodeDecodeError) as error:
        raise usage.UsageError("--banned-words %r cannot be read: %s" % (value, error))


def _packages(value):
    names = [name.strip() for name in value.split(",") if name.strip()]
    for name in names:
        if not all(part.isidentifier() for part in name.split(".")):
            raise usage.UsageError("plugin packages are Python package names, not %r" % (name,))
    return names


def _mapName(value):
    # A path inside the map repository, as maps name each other: forward
    # slashes, no way up and out, nothing hidden.
    parts = value.split("/")
    if (not value or "\\" in value or value.startswith("/")
            or any(part in ("", ".", "..") or part.startswith(".") for part in parts)):
        raise usage.UsageError(
            "--map must be a map file inside the maps directory, such as town.tmj or "
            "floor1/lobby.tmj, not %r" % (value,)
        )
    return value


def _worldName(value):
    if not re.match(r"[a-z0-9_-]{1,32}\Z", value):
        raise usage.UsageError("--world must be 1 to 32 of a-z 0-9 _ -, not %r" % (value,))
    return value


def _nodeId(value):
    if not re.match(r"[A-Za-z0-9._:-]{1,64}\Z", value):
        raise usage.UsageError("--node-id must be 1 to 64 of A-Z a-z 0-9 . _ : -, not %r"
                               % (value,))
    return value


def _text(value):
    return value


def _webUrl(name, example):
    def parse(value):
        parsed = urlsplit(value)
        if (parsed.scheme not in ("http", "https") or not parsed.netloc or parsed.query
                or parsed.fragment):
            raise usage.UsageError("--%s must be an http(s) address such as %s, not %r"
                                   % (name, example, value))
        return value.rstrip("/")

    return parse


_ICE_URL = re.compile(
    r"(?P<scheme>stuns?|turns?):(?P<host>\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+)(:[0-9]{1,5})?"
    r"(\?transport=(udp|tcp))?\Z")


def _iceUrls(name, schemes):
    def parse(value):
        urls = [url.strip() for url in value.split(",") if url.strip()]
        for url in urls:
            match = _ICE_URL.match(url)
            if match is None or match.group("scheme") not in schemes:
                raise usage.UsageError(
                    "--%s takes %s URLs like %s:turn.example.org:3478, comma separated; not %r"
                    % (name, " or ".join(schemes), schemes[0], url))
            if match.group("scheme").startswith("stun") and "?" in url:
                raise usage.UsageError("--%s: a STUN URL takes no transport: %r" % (name, url))
        return urls

    return parse


def _signingSecret(value):
    from ark.app.secret import SecretError, checkGiven

    try:
        checkGiven(value)
    except SecretError as error:
        raise usage.UsageError(str(error))
    return value


class Options(usage.Options):
    """
    Options for running an ark world.
    """

    synopsis = "[options]"
    longdesc = (
        "Run an ark world: the web client, the maps, the WebSocket at /ws, "
        "the JSON API at /api and Prometheus metrics at /metrics, on one port. "
        "Every option can also be set with an ARK_* environment variable, e.g. "
        "ARK_PORT=8080 or ARK_ROOM_CAPACITY=200."
    )

    # name, short, default, help, check
    _parameters = [
        ("port", "p", "8080", "TCP port to serve on.", _integer("port", 0, 65535)),
        ("interface", "i", "127.0.0.1",
         "Address to listen on (0.0.0.0 for every interface).", _text),
        ("gateways", None, None,
         "Gateway processes that terminate the players' WebSockets on the port, so that "
         "the process holding the rooms spends its core on the world; 0 for one process "
         "[default: one for each core beyond the first on a machine of 4 cores or more, "
         "else 0].", _integer("gateways", 0, 64)),
        ("maps-dir", None, None,
         "A map repository: a directory of Tiled maps (.tmj), in subfolders or not, and their "
         "tilesets [default: the bundled world].",
         _text),
        ("map", "m", "town.tmj",
         "The default map: a path inside the maps directory, e.g. floor1/lobby.tmj.",
         _mapName),
        ("data-dir", "d", None,
         "Directory for the database file and the generated secret "
         "[default: $XDG_DATA_HOME/ark or ~/.local/share/ark].", _text),
        ("db", None, "sqlite",
         "Database: 'sqlite' (a file in the data dir) or postgresql://user@host/db.",
         _database),
        ("redis", None, None,
         "redis://host:port/db for presence shared between nodes [default: in-process].",
         _redis),
        ("world", None, "ark",
         "The world's name in Redis: nodes with the same --redis and --world are one world "
         "(several worlds may share a Redis).", _worldName),
        ("node-id", None, None,
         "This node's name in a world of several (same --redis, --db and --secret), unique "
         "among them [default: host name and port].", _nodeId),
        ("public-url", None, None,
         "How clients reach this node, e.g. https://example.org/node/2 (its WebSocket is "
         "there at /ws) [default: the page's own address].",
         _webUrl("public-url", "https://example.org/node/2")),
        ("secret", None, None,
         "Secret for signing tokens, at least 32 bytes "
         "[default: generated once into the data dir].", _signingSecret),
        ("view-radius", None, "480",
         "Half the side of the square a player sees, in pixels.",
         _integer("view-radius", 64, 4096)),
        ("room-capacity", None, "500",
         "Avatars in a room before joins overflow into a new shard of the map.",
         _integer("room-capacity", 1, 10000)),
        ("reconnect-hold", None, "30",
         "Seconds an avatar waits for its player after an unexpected disconnect.",
         _seconds("reconnect-hold", 0, 3600)),
        ("proximity-radius", None, "100",
         "Pixels within which players hear each other's nearby chat.",
         _integer("proximity-radius", 16, 2000)),
        ("input-rate", None, "60",
         "Input steps a second each player may send; the excess is dropped.",
         _integer("input-rate", 60, 600)),
        ("chat-limit", None, "5/10",
         "Chat messages each player may send per so many seconds, e.g. 5/10.", _chatLimit),
        ("banned-words", None, None,
         "A file of words to mask with * in chat, one per line [default: none].", _wordList),
        ("zone-plugins", None, "",
         "Python packages of extra zone behaviours, comma separated (the bundled ones in "
         "'zones' are always loaded).", _packages),
        ("jitsi-app-id", None, None,
         "App id of a Jitsi deployment with token authentication: meeting rooms then "
         "admit only the players inside them [default: anonymous meetings].", _text),
        ("jitsi-secret", None, None,
         "The secret that Jitsi deployment shares with ark (set it with ARK_JITSI_SECRET "
         "rather than on the command line, where other users can read it).", _text),
        ("talk-radius", None, "160",
         "Pixels within which two players start talking by voice and video.",
         _integer("talk-radius", 16, 2048)),
        ("talk-leave-radius", None, "224",
         "Pixels beyond which a conversation ends (at least --talk-radius, so that "
         "walking along the edge does not flap).", _integer("talk-leave-radius", 16, 2048)),
        ("talk-full-volume-radius", None, "64",
         "Pixels within which a partner is heard at full volume.",
         _integer("talk-full-volume-radius", 0, 2048)),
        ("talk-silence-radius", None, "224",
         "Pixels at which a partner's voice has faded to silence.",
         _integer("talk-silence-radius", 1, 2048)),
        ("talk-peers", None, "4",
         "Most conversations one player is in at once; in a crowd each talks with the "
         "nearest.", _integer("talk-peers", 1, 16)),
        ("stun-url", None, "",
         "STUN servers for voice and video, comma separated, e.g. stun:turn.example.org:3478 "
         "[default: none; players on one machine or LAN connect directly].",
         _iceUrls("stun-url", ("stun", "stuns"))),
        ("turn-url", None, "",
         "TURN servers (coturn with use-auth-secret), comma separated, e.g. "
         "turn:turn.example.org:3478?transport=udp [default: none].",
         _iceUrls("turn-url", ("turn", "turns"))),
        ("turn-secret", None, None,
         "coturn's static-auth-secret, to mint short-lived TURN credentials (set it with "
         "ARK_TURN_SECRET rather than on the command line).", _text),
        ("turn-ttl", None, "600",
         "Seconds the TURN credentials handed to a player hold; renewed before they run out.",
         _integer("turn-ttl", 60, 86400)),
        ("workadventure-url", None, "https://play.workadventu.re",
         "The WorkAdventure play server where doors to WorkAdventure rooms (exitUrl /@/... "
         "or /_/global/...) lead; players are offered them as a link.",
         _webUrl("workadventure-url", "https://play.workadventu.re")),
        ("brain-plugins", None, "",
         "Python packages of extra agent brains, comma separated (the bundled ones in "
         "'brains' are always loaded).", _packages),
        ("agent-llm-url", None, None,
         "An OpenAI-compatible API for agents whose brain is 'openai', its base URL ending "
         "in /v1, e.g. http://127.0.0.1:8000/v1 (its key, if it needs one, goes in "
         "ARK_AGENT_LLM_KEY) [default: none].",
         _webUrl("agent-llm-url", "http://127.0.0.1:8000/v1")),
        ("agent-llm-model", None, "",
         "The model the 'openai' brain asks for.", _text),
        ("agent-timeout", None, "30",
         "Seconds an agent may take to answer before it says it cannot.",
         _seconds("agent-timeout", 1, 600)),
        ("agent-max-tokens", None, "400",
         "The most tokens of one answer from a model.", _integer("agent-max-tokens", 16, 8192)),
        ("agent-concurrency", None, "2",
         "Answers one agent works on at once; more questions wait their turn (at most 8).",
         _integer("agent-concurrency", 1, 64)),
        ("sign-in-limit", None, "10",
         "Sign-ins a minute from one address (guest, login, register).",
         _integer("sign-in-limit", 1, 100000)),
    ]

    optParameters = [[name, short, default, doc] for name, short, default, doc, _ in _parameters]

    def __init__(self, environ=None):
        usage.Options.__init__(self)
        environ = os.environ if environ is None else environ
        for name, _, _, _, _ in self._parameters:
            variable = "ARK_" + name.upper().replace("-", "_")
            if variable in environ:
                self[name] = environ[variable]
        # Repeatable, so not one of _parameters: the environment's list
        # stands until the command line gives its own.
        self["trusted-proxy"] = [environ.get("ARK_TRUSTED_PROXY", "")]
        self._proxiesGiven = False

    def opt_trusted_proxy(self, value):
        if not self._proxiesGiven:
            self._proxiesGiven = True
            self["trusted-proxy"] = []
        self["trusted-proxy"].append(value)

    # The help text (usage shows a docstring as it is, indentation and all).
    opt_trusted_proxy.__doc__ = (
        "Address or network (CIDR) of a reverse proxy whose X-Forwarded-For header is "
        "believed; repeat it or separate several with commas [default: none, the peer is "
        "the client].")

    def postOptions(self):
        for name, _, _, _, check in self._parameters:
            if self[name] is not None:
                self[name] = check(self[name])
        if self["maps-dir"] is None:
            self["maps-dir"] = resources.bundled("maps")
        if not os.path.isdir(self["maps-dir"]):
            raise usage.UsageError("--maps-dir %r is not a directory" % (self["maps-dir"],))
        if not os.path.isfile(os.path.join(self["maps-dir"], self["map"])):
            raise usage.UsageError(
                "--map %r is not a file in %s" % (self["map"], self["maps-dir"])
            )
        if self["gateways"] is None:
            self["gateways"] = defaultGateways(_cores())
        if self["node-id"] is None:
            self["node-id"] = "%s:%d" % (socket.gethostname()[:50], self["port"])
        if self["data-dir"] is None:
            self["data-dir"] = resources.defaultDataDirectory()
        try:
            self["trusted-proxy"] = parseProxies(self["trusted-proxy"])
        except ValueError as error:
            raise usage.UsageError("--trusted-proxy: %s" % (error,))
        if bool(self["jitsi-app-id"]) != bool(self["jitsi-secret"]):
            raise usage.UsageError(
                "--jitsi-app-id and --jitsi-secret go together: give both, or neither "
                "for anonymous meetings")
        if bool(self["turn-url"]) != bool(self["turn-secret"]):
            raise usage.UsageError(
                "--turn-url and --turn-secret go together: TURN credentials are made with "
                "the secret coturn was given (static-auth-secret)")
        problems = self.talkRules().problems()
        if problems:
            raise usage.UsageError("talk radii: " + "; ".join(problems))

    def brainSettings(self, reactor, environ=None):
        """
        The operator's settings for agents' brains, with the model server's
        key from the environment (never an option, which others can read).
        """
        from ark.agents.question import BrainSettings

        environ = os.environ if environ is None else environ
        return BrainSettings(reactor=reactor, llmUrl=self["agent-llm-url"],
                             llmModel=self["agent-llm-model"],
                             llmKey=environ.get("ARK_AGENT_LLM_KEY") or None,
                             timeout=self["agent-timeout"], maxTokens=self["agent-max-tokens"])

    def webSocketUrl(self):
        """
        This node's WebSocket as clients reach it, from C{--public-url}
        (C{https://host/node/2} is C{wss://host/node/2/ws}), or C{None}:
        the page's own.
        """
        url = self["public-url"]
        if url is None:
            return None
        return ("wss" if url.startswith("https:") else "ws") + url[url.index(":"):] + "/ws"

    def talkRules(self):
        """
        The operator's rules for conversations, from the C{--talk-*} options.
        """
        from ark.world.proximity import TalkRules

        return TalkRules(connect=self["talk-radius"], leave=self["talk-leave-radius"],
                         full=self["talk-full-volume-radius"],
                         silence=self["talk-silence-radius"], peers=self["talk-peers"])
