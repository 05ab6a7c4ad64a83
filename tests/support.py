"""
Helpers shared by the tests: small maps drawn as text, and a client-side
decoder for what the server sends.
"""

from __future__ import annotations

import os
import struct

import cbor2

from ark.world.worldmap import WorldMap


def mapFromRows(rows, tileSize=32, name="test.tmj", spawns=None, zones=()):
    """
    A L{WorldMap} drawn as text: C{#} blocks, anything else is free, C{S}
    marks a spawn tile of the C{start} entry.

    @param spawns: extra entries, C{{name: [(px, py), ...]}}.
    """
    width = len(rows[0])
    blocked = bytes(1 if ch == "#" else 0 for row in rows for ch in row)
    start = [
        (column * tileSize + tileSize / 2, row * tileSize + tileSize / 2)
        for row, line in enumerate(rows)
        for column, ch in enumerate(line)
        if ch == "S"
    ]
    entries = {"start": start}
    entries.update(spawns or {})
    return WorldMap(
        name=name,
        width=width,
        height=len(rows),
        tileWidth=tileSize,
        tileHeight=tileSize,
        blocked=blocked,
        entries=entries,
        zones=tuple(zones),
    )


def openMap(columns, rows, name="open.tmj", tileSize=32):
    """
    A map with no walls, spawning at its centre tile.
    """
    lines = ["." * columns for _ in range(rows)]
    middle = list(lines[rows // 2])
    middle[columns // 2] = "S"
    lines[rows // 2] = "".join(middle)
    return mapFromRows(lines, tileSize, name)


# The order of an entity's fields on the wire (docs/protocol.md).
ENTITY_FIELDS = ("id", "name", "avatar", "c", "tick", "x", "y", "k", "f", "user", "s", "agent")


def entity(fields):
    """
    An entity array from the wire as a dict, so tests read by name.
    """
    assert len(fields) == len(ENTITY_FIELDS), fields
    return dict(zip(ENTITY_FIELDS, fields))


def readable(message):
    """
    A decoded server message with its entity arrays turned into dicts.
    """
    if message.get("t") == "welcome":
        message["me"] = entity(message["me"])
        message["entities"] = [entity(e) for e in message["entities"]]
    elif message.get("t") == "p":
        if "add" in message:
            message["add"] = [entity(e) for e in message["add"]]
        if "me" in message:
            # [ack, q, x, y, f, s] on the wire.
            message["ack"], message["q"] = message["me"][:2]
            message["me"] = message["me"][2:]
    return message


def decodeAll(frames):
    return [readable(cbor2.loads(frame)) for frame in frames]


class FakeClient:
    """
    The far end of a L{Session}: records what the server sent and how it
    closed the connection.
    """

    def __init__(self, harness):
        from ark.net.session import Session

        self.harness = harness
        self.frames = []
        self.closedWith = None
        self._waiting = []
        self.session = Session(harness.rooms, self._received, self._close, harness.clock,
                               harness.authority, harness.chat, ice=harness.ice,
                               agents=harness.agents, seats=harness.seats)
        self.session.opened()

    def _received(self, frame):
        self.frames.append(frame)
        if self._waiting:
            kind = cbor2.loads(frame).get("t")
            for waiting in [w for w in self._waiting if w[0] == kind]:
                self._waiting.remove(waiting)
                waiting[1].callback(self.last(kind))

    def next(self, kind):
        """
        A Deferred that fires with the next message of type C{kind}, for
        answers that come after a store query.
        """
        from twisted.internet.defer import Deferred

        waiting = (kind, Deferred())
        self._waiting.append(waiting)
        return waiting[1]

    def _close(self, code, reason):
        self.closedWith = (code, reason)
        self.session.connectionLost()

    def sendMessage(self, message, isBinary=True):
        payload = cbor2.dumps(message) if not isinstance(message, bytes) else message
        self.session.received(payload, isBinary)

    def join(self, name="ada", avatar="fox", **extra):
        """
        Join as the player called C{name} (the same name is the same user
        throughout a harness), with a fresh access token.
        """
        message = {"t": "join", "access": self.harness.accessToken(name, avatar)}
        message.update(extra)
        self.sendMessage(message)
        return self.last("welcome")

    def walk(self, seq, steps):
        self.sendMessage({"t": "in", "seq": seq, "steps": list(steps)})

    def drop(self):
        """
        The connection breaks without a goodbye.
        """
        self.session.connectionLost()

    def messages(self, kind=None):
        decoded = decodeAll(self.frames)
        return [m for m in decoded if kind is None or m["t"] == kind]

    def last(self, kind):
        found = self.messages(kind)
        return found[-1] if found else None

    def errors(self):
        return [m["code"] for m in self.messages("error")]

    def effects(self):
        """
        The zone effects received, without their message type.
        """
        return [{k: v for k, v in m.items() if k != "t"} for m in self.messages("effect")]

    def clear(self):
        del self.frames[:]


class Harness:
    """
    A room manager on a test clock, with helpers to connect fake clients
    and run the simulation's loops by hand.
    """

    def __init__(self, maps=None, defaultMap=None, capacity=50, viewRadius=480, hold=30.0,
                 store=None, director=None, ice=None, seed=None):

        from twisted.internet.task import Clock

        from ark.identity.authority import Authority
        from ark.chat.service import ChatService
        from ark.chat.filter import ChatFilter
        from ark.identity.presence import InProcessPresence
        from ark.media.ice import NO_ICE_SERVERS
        from ark.rooms import RoomManager

        if maps is None:
            worldMap = openMap(100, 100, name="open.tmj")
            maps = {worldMap.name: worldMap}
        self.clock = Clock()
        self.rooms = RoomManager(
            maps,
            defaultMap=defaultMap or sorted(maps)[0],
            capacity=capacity,
            viewRadius=viewRadius,
            holdSeconds=hold,
            clock=self.clock,
            store=store,
            director=director,
            seed=seed,
        )
        self.presence = InProcessPresence(self.clock)
        self.authority = Authority(store, self.presence, b"a test secret long enough for HMAC-SHA256", self.clock)
        self.chat = ChatService(store, self.rooms, ChatFilter(), self.clock)
        self.ice = ice or NO_ICE_SERVERS
        self.agents = None
        # The seats joins redeem (ark.cluster.seats), for the clients
        # connected from now on; None takes every join.
        self.seats = None
        self._users = {}

    def withAgents(self, brains=None, settings=None, **options):
        """
        Conversations with the maps' agents, answered by C{brains} (by
        default the bundled ones), for the clients connected from now on.
        """
        from ark.agents.brains import discover
        from ark.agents.conversations import AgentService
        from ark.agents.question import BrainSettings

        self.agents = AgentService(self.rooms, self.rooms.store, self.chat, self.clock,
                                   discover() if brains is None else brains,
                                   settings or BrainSettings(reactor=self.clock), **options)
        self.agents.startService()
        return self.agents

    def userId(self, name):
        """
        The user id of the player called C{name} in this harness.
        """
        return self._users.setdefault(name, len(self._users) + 1)

    def accessToken(self, name="ada", avatar="fox"):
        user = {"id": self.userId(name), "name": name, "avatar": avatar}
        return self.authority.issueAccess(user, "family-of-" + name)

    def connect(self):
        return FakeClient(self)

    def joined(self, count, prefix="w"):
        """
        C{count} clients that have joined, named C{prefix} and a number.
        """
        clients = []
        for index in range(count):
            client = self.connect()
            client.join("%s%d" % (prefix, index))
            clients.append(client)
        return clients

    def run(self, ticks):
        """
        Run C{ticks} ticks, each sending the patches due, as the 60 Hz loop
        does.
        """
        for _ in range(ticks):
            self.rooms.step()
            self.clock.advance(1.0 / 60)


def wallsMap():
    """
    A 60 x 40 room with a wall across part of it, spawning at one tile:
    enough for walkers to run into walls and in and out of each other's
    view.
    """
    rows = ["#" * 60] + ["#" + "." * 58 + "#" for _ in range(38)] + ["#" * 60]
    rows[10] = "#" + "." * 10 + "#" * 10 + "." * 38 + "#"
    rows[15] = rows[15][:15] + "S" + rows[15][16:]
    return mapFromRows(rows, name="walls.tmj")


class Wanderer:
    """
    A fake client walking like a player on a bad network: now and then a
    new heading, sometimes running, input sent in irregular batches (late,
    early, too many for the queue, none).
    """

    def __init__(self, client, generator, bits=2):
        self.client = client
        self.generator = generator
        self.seq = 0
        self.bits = bits

    def walk(self):
        from ark.world.movement import DOWN, LEFT, RIGHT, RUN, UP

        generator = self.generator
        if generator.random() < 0.1:
            headings = [LEFT, RIGHT, UP, DOWN, LEFT | UP, RIGHT | DOWN, LEFT | DOWN, RIGHT | UP]
            self.bits = generator.choice(headings) | (RUN if generator.random() < 0.3 else 0)
        count = generator.choice([0, 2, 3, 3, 3, 4, 6, 14])
        if count:
            self.client.walk(self.seq, [self.bits] * count)
        self.seq += count


def requestJSON(method, url, body=None, token=None, source=None, forwardedFor=None):
    """
    An HTTP request to a real server, with a JSON body; fires with the
    status and the decoded JSON answer.

    @param source: the loopback address to connect from (127.0.0.2, ...),
        for a client other than 127.0.0.1.
    @param forwardedFor: an C{X-Forwarded-For} header to send.
    """
    import json

    from twisted.internet import reactor
    from twisted.web.client import Agent, readBody
    from twisted.web.http_headers import Headers
    from twisted.web.client import FileBodyProducer
    from io import BytesIO

    headers = Headers({b"content-type": [b"application/json"]})
    if forwardedFor is not None:
        headers.addRawHeader(b"x-forwarded-for", forwardedFor.encode("ascii"))
    if token is not None:
        headers.addRawHeader(b"authorization", b"Bearer " + token.encode("ascii"))
    producer = None
    if body is not None:
        producer = FileBodyProducer(BytesIO(json.dumps(body).encode("utf-8")))

    def read(response):
        return readBody(response).addCallback(
            lambda content: (response.code, json.loads(content) if content else None))

    agent = Agent(reactor) if source is None else Agent.usingEndpointFactory(
        reactor, _ConnectingFrom(reactor, source))
    return agent.request(method.encode("ascii"), url.encode("ascii"), headers,
                         producer).addCallback(read)


class _ConnectingFrom:
    """
    Endpoints for an L{Agent} that connect from a given local address.
    """

    def __init__(self, reactor, source):
        self.reactor = reactor
        self.source = source

    def endpointForURI(self, uri):
        from twisted.internet.endpoints import TCP4ClientEndpoint

        return TCP4ClientEndpoint(self.reactor, uri.host, uri.port,
                                  bindAddress=(self.source, 0))


def clientFrame(payload, opcode=0x2, fin=True, key=None, masked=True):
    """
    A client frame laid out as RFC 6455 section 5.2 says, written here
    rather than with L{ark.net.frames} so that tests of the server's frame
    handling do not share its reading of the RFC.

    @param key: the masking key; random when not given.
    @param masked: C{False} for a frame breaking the rule that clients mask.
    """
    first = (0x80 if fin else 0) | opcode
    maskBit = 0x80 if masked else 0
    length = len(payload)
    if length < 126:
        header = struct.pack("!BB", first, maskBit | length)
    elif length < 65536:
        header = struct.pack("!BBH", first, maskBit | 126, length)
    else:
        header = struct.pack("!BBQ", first, maskBit | 127, length)
    if not masked:
        return header + payload
    if key is None:
        key = os.urandom(4)
    return header + key + bytes(b ^ key[i % 4] for i, b in enumerate(payload))
