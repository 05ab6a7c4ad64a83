"""
Tests for L{ark.net.session} and L{ark.net.messages}: every client message
is validated and every mistake gets a specific error, never a crash.
"""

import os
import random
import re

import cbor2
from cbor2 import CBORSimpleValue, CBORTag, undefined

from twisted.internet import defer
from twisted.trial.unittest import SynchronousTestCase

from ark.net import messages
from ark.net.session import (
    CLOSE_JOIN_TIMEOUT,
    CLOSE_NORMAL,
    CLOSE_PROTOCOL_ERRORS,
    JOIN_TIMEOUT,
    MAX_STRIKES,
    MESSAGE_RATE,
)
from ark.world.movement import RIGHT, WALK_SPEED
from ark.world.room import MAX_QUEUED_STEPS

from tests.support import Harness


class JoinTests(SynchronousTestCase):
    """
    Joining gives a welcome with everything a client starts from.
    """

    def setUp(self):
        self.harness = Harness()

    def test_welcomeDescribesTheAvatarAndTheRoom(self):
        """
        The welcome names the avatar, the map to load, the rates and units,
        and carries a reconnection token.
        """
        welcome = self.harness.connect().join("Ada Lovelace", "fox")
        self.assertEqual(welcome["me"]["name"], "Ada Lovelace")
        self.assertEqual(welcome["me"]["avatar"], "fox")
        self.assertEqual(welcome["me"]["id"], welcome["id"])
        self.assertEqual(welcome["map"], "open.tmj")
        self.assertEqual(welcome["mapUrl"], "/maps/open.tmj")
        self.assertEqual(welcome["room"], "open.tmj")
        self.assertEqual((welcome["tickRate"], welcome["patchRate"]), (60, 20))
        self.assertEqual(welcome["unitsPerPixel"], 60)
        self.assertEqual(welcome["ack"], -1)
        self.assertFalse(welcome["resumed"])
        self.assertGreaterEqual(len(welcome["token"]), 24)
        self.assertEqual(welcome["entities"], [])

    def test_mapInAFolderNamedAsMapMakersNameThem(self):
        """
        A map in a subfolder, with spaces and accents in its path as map
        makers name their files, can be joined by its path; its address is
        escaped as a URL path, slashes kept.
        """
        from tests.support import openMap

        name = "Étage 1/salle de réunion.tmj"
        harness = Harness({name: openMap(10, 10, name=name), "open.tmj": openMap(10, 10)},
                          defaultMap="open.tmj")
        welcome = harness.connect().join("Ada", map=name)
        self.assertEqual(welcome["map"], name)
        self.assertEqual(welcome["mapUrl"], "/maps/%C3%89tage%201/salle%20de%20r%C3%A9union.tmj")

    def test_snapshotListsOthersInView(self):
        """
        A second player's welcome lists the first, fully described.
        """
        first = self.harness.connect()
        firstWelcome = first.join("ada")
        second = self.harness.connect().join("grace", "owl")
        self.assertEqual(second["entities"], [firstWelcome["me"]])

    def test_entitiesAreCompactArrays(self):
        """
        On the wire an entity is the array C{[id, name, avatar, connected,
        tick, x, y, bits, facing, user, status, agent]}, C{agent} being
        C{None} for a player.
        """
        client = self.harness.connect()
        client.sendMessage({"t": "join", "access": self.harness.accessToken("ada", "fox")})
        me = cbor2.loads(client.frames[-1])["me"]
        room = next(self.harness.rooms.views()).room
        body = room.avatars[me[0]].body
        self.assertEqual(me, [me[0], "ada", "fox", True, room.tick, body.x, body.y, 0, 0,
                              self.harness.userId("ada"), "online", None])

class ValidationTests(SynchronousTestCase):
    """
    Each kind of bad input gets its own error code and the server goes on.
    """

    def setUp(self):
        self.harness = Harness()
        self.client = self.harness.connect()

    def assertRefused(self, payload, code, isBinary=True):
        # Let the earlier strike be forgiven so each case is judged alone.
        self.harness.clock.advance(1.0)
        self.client.clear()
        self.client.sendMessage(payload, isBinary)
        self.assertEqual(self.client.errors(), [code])
        error = self.client.last("error")
        self.assertIsInstance(error["message"], str)
        self.assertNotIn("Traceback", error["message"])
        return error

    def test_malformedCBOR(self):
        """
        Bytes that are not CBOR are answered with C{bad_cbor}.
        """
        self.assertRefused(b"\xff\x00\x1c", "bad_cbor")
        self.assertRefused(b"\x9f" * 300, "bad_cbor")

    def test_textFrames(self):
        """
        Text frames are refused: the protocol is binary.
        """
        self.assertRefused(b'{"t": "join"}', "text_frame", isBinary=False)

    def test_oversizedFrame(self):
        """
        A frame over the soft limit is refused before decoding.
        """
        payload = cbor2.dumps({"t": "join", "access": "x" * messages.SOFT_FRAME_LIMIT})
        self.assertRefused(payload, "too_large")

    def test_notAMessage(self):
        """
        CBOR that is not a map with a text C{t} is C{bad_message}.
        """
        self.assertRefused(cbor2.dumps([1, 2, 3]), "bad_message")
        self.assertRefused(cbor2.dumps({"type": "join"}), "bad_message")
        self.assertRefused(cbor2.dumps({"t": 7}), "bad_message")

    def test_unknownType(self):
        """
        An unknown C{t} is C{unknown_type} and the error names it.
        """
        error = self.assertRefused(cbor2.dumps({"t": "fly"}), "unknown_type")
        self.assertIn("fly", error["message"])

    def test_badJoinFields(self):
        """
        Missing, mistyped and out-of-range join fields are C{bad_field},
        each naming the field.
        """
        access = self.harness.accessToken()
        cases = [
            ({"t": "join", "access": 5}, "access"),
            ({"t": "join", "access": ""}, "access"),
            ({"t": "join", "access": access, "map": "../etc/passwd"}, "map"),
            ({"t": "join", "access": access, "map": "floor1/../../secret.tmj"}, "map"),
            ({"t": "join", "access": access, "map": "/etc/passwd"}, "map"),
            ({"t": "join", "access": access, "map": "floor1\\lobby.tmj"}, "map"),
            ({"t": "join", "access": access, "map": "lobby\x00.tmj"}, "map"),
            ({"t": "join", "access": access, "map": 3}, "map"),
            ({"t": "join", "access": access, "token": 12}, "token"),
            ({"t": "join", "access": access, "token": "x" * 500}, "token"),
        ]
        for message, field in cases:
            self.client = self.harness.connect()
            error = self.assertRefused(cbor2.dumps(message), "bad_field")
            self.assertIn(field, error["message"], message)
            self.assertEqual(error["ref"], "join")

    def test_joinWithoutAccessToken(self):
        """
        Nobody enters the world without signing in first.
        """
        error = self.assertRefused(cbor2.dumps({"t": "join", "name": "ada", "avatar": "fox"}),
                                   "auth_required")
        self.assertEqual(error["ref"], "join")

    def test_badSayFields(self):
        """
        Chat messages with a bad C{ref}, C{kind}, C{text} or C{to} are
        C{bad_field}, each naming the field.
        """
        self.client.join()
        cases = [
            ({"t": "say", "kind": "nearby", "text": "hi"}, "ref"),
            ({"t": "say", "ref": -1, "kind": "nearby", "text": "hi"}, "ref"),
            ({"t": "say", "ref": 1, "kind": "shout", "text": "hi"}, "kind"),
            ({"t": "say", "ref": 1, "kind": "nearby", "text": 5}, "text"),
            ({"t": "say", "ref": 1, "kind": "nearby", "text": "x" * 2001}, "text"),
            ({"t": "say", "ref": 1, "kind": "direct", "text": "hi"}, "to"),
            ({"t": "say", "ref": 1, "kind": "direct", "text": "hi", "to": "ada"}, "to"),
            ({"t": "say", "ref": 1, "kind": "direct", "text": "hi", "to": 0}, "to"),
            ({"t": "say", "ref": 1, "kind": "direct", "text": "hi", "to": 2**64}, "to"),
        ]
        for message, field in cases:
            error = self.assertRefused(cbor2.dumps(message), "bad_field")
            self.assertIn(field, error["message"], message)
            self.assertEqual(error["ref"], "say")
            self.harness.clock.advance(1)

    def test_badInputFields(self):
        """
        Input batches with a bad C{seq} or bad steps are C{bad_field}.
        """
        self.client.join()
        cases = [
            ({"t": "in", "steps": [1]}, "seq"),
            ({"t": "in", "seq": -1, "steps": [1]}, "seq"),
            ({"t": "in", "seq": True, "steps": [1]}, "seq"),
            ({"t": "in", "seq": 1.5, "steps": [1]}, "seq"),
            ({"t": "in", "seq": 2**60, "steps": [1]}, "seq"),
            ({"t": "in", "seq": 1}, "steps"),
            ({"t": "in", "seq": 1, "steps": []}, "steps"),
            ({"t": "in", "seq": 1, "steps": [1] * 31}, "steps"),
            ({"t": "in", "seq": 1, "steps": [32]}, "step"),
            ({"t": "in", "seq": 1, "steps": [-1]}, "step"),
            ({"t": "in", "seq": 1, "steps": ["right"]}, "step"),
            ({"t": "in", "seq": 1, "steps": [True]}, "step"),
            ({"t": "in", "seq": 2**53 - 2, "steps": [1, 1, 1]}, "2**53"),
        ]
        for message, field in cases:
            error = self.assertRefused(cbor2.dumps(message), "bad_field")
            self.assertIn(field, error["message"], message)

    def test_inputBeforeJoin(self):
        """
        Input before joining is C{not_joined}.
        """
        self.assertRefused(cbor2.dumps({"t": "in", "seq": 0, "steps": [1]}), "not_joined")
        self.assertRefused(cbor2.dumps({"t": "leave"}), "not_joined")

    def test_secondJoin(self):
        """
        A connection joins once.
        """
        self.client.join()
        self.assertRefused(cbor2.dumps({"t": "join", "access": self.harness.accessToken("b")}),
                           "already_joined")

    def test_unknownMap(self):
        """
        Joining a map the server does not have is C{unknown_map}.
        """
        error = self.assertRefused(
            cbor2.dumps({"t": "join", "access": self.harness.accessToken(), "map": "moon.tmj"}),
            "unknown_map",
        )
        self.assertIn("moon.tmj", error["message"])

    def test_unknownToken(self):
        """
        Resuming with a token nobody holds is C{bad_token}.
        """
        self.assertRefused(
            cbor2.dumps({"t": "join", "access": self.harness.accessToken(), "token": "nope"}),
            "bad_token")

    def test_staleSequenceNumbers(self):
        """
        Steps numbered at or below ones already received are C{stale_seq}
        and move nothing.
        """
        welcome = self.client.join()
        self.client.walk(10, [RIGHT])
        self.assertRefused(cbor2.dumps({"t": "in", "seq": 10, "steps": [RIGHT]}), "stale_seq")
        self.assertRefused(cbor2.dumps({"t": "in", "seq": 3, "steps": [RIGHT]}), "stale_seq")
        self.harness.run(10)
        me = self.client.last("p")["me"]
        self.assertEqual(me[0], welcome["me"]["x"] + 160)

    def test_garbageNeverEscapes(self):
        """
        Random and adversarial values in every field of every message type
        (wrong types, huge and negative integers, floats, NaN, nested maps,
        bytes, tags, booleans, very long strings, control characters), and
        random bytes, each get a specific documented answer: never
        C{internal_error}, never a store failure, never a logged fault.
        """
        store = GarbageStore()
        harness = Harness(store=store)
        errors, saidErrors = documentedErrors()
        errors.discard("internal_error")
        saidErrors -= {"internal_error", "store_failed"}
        answered = set()
        cases = 0
        for message, field in garbage(harness):
            client = harness.connect()
            if not (isinstance(message, dict) and message.get("t") == "join"):
                client.join("p%d" % (cases % 7))
                client.clear()
            payload = message if isinstance(message, bytes) else cbor2.dumps(message)
            client.sendMessage(payload)
            expected = expectedRefusal(message, field)
            if expected == "valid":
                self.assertNotIn("bad_field", client.errors(), message)
            elif expected is not None:
                self.assertEqual(client.errors(), [expected], message)
            for answer in client.messages():
                if answer["t"] == "error":
                    self.assertIn(answer["code"], errors, message)
                    self.assertNotIn("Traceback", answer["message"])
                    answered.add(answer["code"])
                elif answer["t"] == "said":
                    self.assertIn(answer.get("error", "stored"), saidErrors | {"stored"},
                                  message)
                    answered.add("said:" + answer.get("error", "stored"))
                else:
                    self.assertEqual(answer["t"], "welcome", message)
            self.assertEqual(self.flushLoggedErrors(), [], message)
            client.drop()
            harness.clock.advance(harness.rooms.holdSeconds + 1)
            cases += 1
        self.assertGreater(cases, 3000)
        # The fuzz reached the checks it is meant to reach.
        self.assertLessEqual({"bad_cbor", "bad_message", "unknown_type", "bad_field",
                              "auth_required", "token_invalid", "unknown_map", "bad_token",
                              "already_joined", "said:stored", "said:empty",
                              "said:too_long", "said:unknown_user", "said:not_in_zone",
                              "said:shouting", "said:repeated_characters"}, answered)


class GarbageStore:
    """
    A store that keeps whatever it is given, so that a message reaching
    the store is answered as stored: a store failure in the fuzz would be
    the server's fault.
    """

    def addMessage(self, sessionKey, kind, title, participants, senderId, senderType, text, at):
        return defer.succeed((1, 1))

    def userById(self, userId):
        if 0 < userId <= 7:
            return defer.succeed({"id": userId, "name": "p", "avatar": "fox",
                                  "username": None, "guest": True})
        return defer.succeed(None)

    def lastPlace(self, userId):
        return defer.succeed(None)

    def savePlaces(self, places, at):
        return defer.succeed(None)


def documentedErrors():
    """
    The error codes C{docs/protocol.md} documents: those of C{error}
    messages, and those a C{said} may carry.
    """
    here = os.path.dirname(os.path.abspath(__file__))
    with open(os.path.join(here, os.pardir, "docs", "protocol.md"), encoding="utf-8") as f:
        text = f.read()
    table = text.split("| code | when |", 1)[1].split("\n\n", 1)[0]
    errors = set(re.findall(r"^\| `([a-z_]+)` \|", table, re.M))
    saidRow = next(line for line in text.splitlines() if line.startswith("| `error` | text |"))
    return errors, set(re.findall(r"`([a-z_]+)`", saidRow.split("|", 3)[3]))


FIELDS = {
    "join": ("access", "map", "token"),
    "in": ("seq", "steps"),
    "say": ("ref", "kind", "text", "to"),
    "act": (),
    "leave": (),
}


def _integer(value):
    return type(value) is int


# What each field of each message type takes (docs/protocol.md), judged on
# the value as the server decodes it, with the rest of the message valid.
RULES = {
    ("join", "access"): lambda v, m: isinstance(v, str) and 0 < len(v) <= 2048,
    ("join", "token"): lambda v, m: isinstance(v, str) and 0 < len(v) <= 128,
    # Which texts are map names is for the map tests; here, only texts.
    ("join", "map"): lambda v, m: None if isinstance(v, str) else False,
    ("in", "seq"): lambda v, m: (_integer(v) and v >= 0
                                 and v + len(m["steps"]) - 1 < 2**53),
    ("in", "steps"): lambda v, m: (isinstance(v, list) and 0 < len(v) <= 30
                                   and all(_integer(b) and 0 <= b < 32 for b in v)),
    ("say", "ref"): lambda v, m: _integer(v) and 0 <= v < 2**53,
    ("say", "kind"): lambda v, m: v in ("nearby", "zone", "direct"),
    ("say", "text"): lambda v, m: isinstance(v, str) and len(v) <= 2000,
    ("say", "to"): lambda v, m: _integer(v) and 0 < v < 2**63,
}
OPTIONAL = {("join", "token"), ("join", "map")}


def expectedRefusal(message, field):
    """
    The error C{message}, valid but for C{field}, must get: C{"valid"} when
    it must get none naming a field, C{None} when that is not known here.
    """
    if field is None or not isinstance(message, dict):
        return None
    try:
        decoded = cbor2.loads(cbor2.dumps(message))
    except Exception:
        return "bad_cbor"
    if not isinstance(decoded.get("t"), str):
        return None
    rule = RULES.get((decoded["t"], field))
    if rule is None:
        return None
    value = decoded.get(field)
    if value is None:
        if (decoded["t"], field) == ("join", "access"):
            return "auth_required"
        if (decoded["t"], field) in OPTIONAL:
            return "valid"
        return "bad_field"
    verdict = rule(value, decoded)
    if verdict is None:
        return None
    return "valid" if verdict else "bad_field"


def adversarialValues():
    nested = []
    for _ in range(40):
        nested = [nested]
    return [
        None, True, False, 0, -1, 1, 31, 32, 2**31, 2**53 - 1, 2**53, 2**63 - 1, 2**63,
        2**64, -2**63, -2**64, 2**200, -2**200, 0.0, -0.0, 1.5, 3.0, float("nan"),
        float("inf"), float("-inf"), 1e308, "", " ", "x", "nearby", "zone", "direct",
        "open.tmj", "../open.tmj", "open.tmj/..", "\x00", "\x00\x07\x1b[2J\u202e\u200b\ufeff",
        "\u0301" * 3, "\U0001F600" * 40, "SHOUTING VERY LOUDLY", "a" * 13, "x" * 500, "x" * 501,
        "y" * 2000, "y" * 2001, "z" * 2049, "é" * 1000, b"", b"\x00" * 8, b"\xff" * 100, [], [1, 2, 3],
        list(range(31)), [1] * 30, [True], [1.0], ["1"], [None], [[1]], nested, {}, {1: 2},
        {"t": "join"}, {"a": {"b": {"c": []}}}, CBORTag(0, "not a date"), CBORTag(1, 10**30),
        CBORTag(1, float("nan")), CBORTag(2, b"\x01" * 40), CBORTag(3, b"\x01" * 40),
        CBORTag(4, [1, 2]), CBORTag(4, [10**9, 10**9]), CBORTag(30, [1, 0]),
        CBORTag(35, "(unclosed"), CBORTag(37, b"123"), CBORTag(258, [[1], [1]]),
        CBORTag(260, b"\x01"), CBORTag(9999, {"t": "join"}), undefined, CBORSimpleValue(99),
    ]


def garbage(harness):
    """
    Messages to fuzz the session with, always in the same order, each with
    the field it holds garbage in: each adversarial value in each field of
    each message type (and in C{t}), then random messages, random bytes and
    valid messages with bytes flipped (with C{None} for the field).
    """
    generator = random.Random(20240611)
    values = adversarialValues()

    def valid(kind):
        return {
            "join": {"t": "join", "access": harness.accessToken("p1")},
            "in": {"t": "in", "seq": 1000, "steps": [1, 2, 3]},
            "say": {"t": "say", "ref": 1, "kind": "direct", "text": "hello", "to": 2},
            "act": {"t": "act"},
            "leave": {"t": "leave"},
        }[kind]

    for kind, fields in FIELDS.items():
        for field in fields + ("t", "extra"):
            for value in values:
                message = valid(kind)
                message[field] = value
                yield message, field
                if field in fields:
                    del message[field]
                    yield message, field
        if kind == "in":
            for value in values:
                yield {"t": "in", "seq": 2000, "steps": [1, value]}, "steps"

    def anything(depth=0):
        roll = generator.random()
        if roll < 0.6 or depth > 3:
            return generator.choice(values)
        if roll < 0.7:
            return generator.getrandbits(generator.choice([8, 53, 64, 100]))
        if roll < 0.8:
            # Any code point a CBOR text string can hold (no surrogates).
            return "".join(chr(generator.choice([generator.randrange(0xD800),
                                                  generator.randrange(0xE000, 0x30000)]))
                           for _ in range(generator.randrange(20)))
        if roll < 0.9:
            return [anything(depth + 1) for _ in range(generator.randrange(5))]
        return {generator.choice(["t", "seq", "text", 1, b"k"]): anything(depth + 1)
                for _ in range(generator.randrange(5))}

    for _ in range(1500):
        kind = generator.choice(list(FIELDS))
        message = valid(kind)
        for field in FIELDS[kind] + ("extra",):
            if generator.random() < 0.6:
                message[field] = anything()
        yield message, None
    for _ in range(300):
        yield bytes(generator.getrandbits(8) for _ in range(generator.randrange(1, 60))), None
    for _ in range(300):
        payload = bytearray(cbor2.dumps(valid(generator.choice(list(FIELDS)))))
        for _ in range(generator.randrange(1, 4)):
            payload[generator.randrange(len(payload))] = generator.getrandbits(8)
        yield bytes(payload), None


class FloodTests(SynchronousTestCase):
    """
    Floods are limited, and repeat offenders are disconnected.
    """

    def setUp(self):
        self.harness = Harness()
        self.client = self.harness.connect()
        self.welcome = self.client.join()

    def test_messagesOverTheRateAreDropped(self):
        """
        Beyond the burst, messages in the same instant are dropped with
        C{rate_limited}; a second later the client may send again.
        """
        for seq in range(int(MESSAGE_RATE) - 1):
            self.client.walk(seq, [RIGHT])
        self.assertNotIn("rate_limited", self.client.errors())
        self.client.walk(100, [RIGHT])
        self.assertEqual(self.client.errors()[-1], "rate_limited")
        self.harness.clock.advance(1)
        self.client.clear()
        self.client.walk(101, [RIGHT])
        self.assertNotIn("rate_limited", self.client.errors())

    def test_tooManyQueuedStepsAreDroppedWithANotice(self):
        """
        Steps beyond the queue are dropped; the client hears about it at
        most once a second, and it is not held against it.  Once the queue
        has drained, the acknowledgement settles every step sent, so the
        client waits for none of the dropped ones.
        """
        self.client.walk(0, [RIGHT] * 30)
        self.client.walk(30, [RIGHT] * 30)
        self.assertEqual(self.client.errors(), ["steps_dropped"])
        self.harness.run(60)
        me = self.client.last("p")
        self.assertEqual(me["ack"], 59)
        self.assertEqual(me["me"][0] - self.welcome["me"]["x"], MAX_QUEUED_STEPS * WALK_SPEED)
        self.assertIsNone(self.client.closedWith)

    def test_inputFasterThanTheTickRateIsDropped(self):
        """
        Sending steps twice as fast as the tick rate gets the excess
        dropped, with a notice at most once a second; every step sent is
        settled in the end, and none of this is held against the client.
        """
        seq = 0
        for _ in range(120):
            self.client.walk(seq, [RIGHT, RIGHT])
            seq += 2
            self.harness.run(1)
        self.harness.run(30)
        errors = self.client.errors()
        self.assertIn("input_rate_limited", errors)
        self.assertLessEqual(errors.count("input_rate_limited"), 2)
        self.assertEqual(self.client.last("p")["ack"], seq - 1)
        self.assertIsNone(self.client.closedWith)

    def test_repeatOffendersAreClosed(self):
        """
        Ten errors in quick succession close the connection with 4001.
        """
        for _ in range(MAX_STRIKES - 1):
            self.client.sendMessage(b"\xff")
        self.assertIsNone(self.client.closedWith)
        self.client.sendMessage(b"\xff")
        self.assertEqual(self.client.closedWith[0], CLOSE_PROTOCOL_ERRORS)

    def test_strikesAreForgivenOverTime(self):
        """
        An occasional mistake never adds up to a disconnection.
        """
        for _ in range(MAX_STRIKES * 3):
            self.client.sendMessage(b"\xff")
            self.harness.clock.advance(1.5)
        self.assertIsNone(self.client.closedWith)

    def test_closedSessionIgnoresFurtherMessages(self):
        """
        After closing, nothing more is processed or sent.
        """
        for _ in range(MAX_STRIKES):
            self.client.sendMessage(b"\xff")
        self.client.clear()
        self.client.sendMessage(b"\xff")
        self.assertEqual(self.client.frames, [])


class LifecycleTests(SynchronousTestCase):
    """
    Joining in time, and leaving.
    """

    def test_connectionsThatNeverJoinAreClosed(self):
        """
        A connection that sends no join within the timeout is closed with
        4002.
        """
        harness = Harness()
        client = harness.connect()
        harness.clock.advance(JOIN_TIMEOUT - 0.1)
        self.assertIsNone(client.closedWith)
        harness.clock.advance(0.2)
        self.assertEqual(client.closedWith[0], CLOSE_JOIN_TIMEOUT)

    def test_joiningCancelsTheTimeout(self):
        """
        A joined client is not closed by the join timeout.
        """
        harness = Harness()
        client = harness.connect()
        client.join()
        harness.clock.advance(JOIN_TIMEOUT * 2)
        self.assertIsNone(client.closedWith)

    def test_leaveRemovesTheAvatarAtOnce(self):
        """
        A deliberate leave closes with 1000 and others see the avatar go in
        their next patch, without waiting for the reconnection hold.
        """
        harness = Harness()
        stayer = harness.connect()
        stayer.join("stayer")
        leaver = harness.connect()
        leaverId = leaver.join("leaver")["id"]
        harness.run(3)
        self.assertEqual([e["id"] for e in stayer.last("p")["add"]], [leaverId])
        stayer.clear()
        leaver.sendMessage({"t": "leave"})
        self.assertEqual(leaver.closedWith[0], CLOSE_NORMAL)
        harness.run(3)
        self.assertEqual(stayer.last("p")["del"], [leaverId])
        self.assertEqual(len(harness.rooms.views().__next__().room.avatars), 1)


class FaultTests(SynchronousTestCase):
    """
    A fault of the server's own is logged, reported without detail, and
    does not end the connection or the world.
    """

    def test_serverFaultIsReportedWithoutDetail(self):
        """
        When handling a message raises, the client gets C{internal_error}
        with no traceback, the fault is logged, and the session goes on.
        """
        harness = Harness()
        client = harness.connect()
        client.join()

        def broken(*args):
            raise RuntimeError("secret internals")

        self.patch(harness.rooms.views().__next__().room, "queueSteps", broken)
        client.walk(0, [RIGHT])
        error = client.last("error")
        self.assertEqual(error["code"], "internal_error")
        self.assertNotIn("secret", error["message"])
        self.assertEqual(len(self.flushLoggedErrors(RuntimeError)), 1)
        self.assertIsNone(client.closedWith)

    def test_faultInOneRoomLeavesTheOthersRunning(self):
        """
        A room whose step raises is skipped and logged; other rooms keep
        stepping.
        """
        from tests.support import openMap

        maps = {name: openMap(20, 20, name=name) for name in ("a.tmj", "b.tmj")}
        harness = Harness(maps, defaultMap="a.tmj")
        harness.connect().join("x")
        harness.connect().join("y", map="b.tmj")
        rooms = {harness.rooms.roomName(v): v.room for v in harness.rooms.views()}

        def broken():
            raise RuntimeError("bug")

        self.patch(rooms["a.tmj"], "step", broken)
        harness.run(3)
        self.assertEqual(rooms["b.tmj"].tick, 3)
        self.assertEqual(len(self.flushLoggedErrors(RuntimeError)), 3)
