"""
Conversations over the WebSocket protocol: who hears of them, signalling
relayed only inside a pair and stamped by the server, statuses others see,
and the ICE servers handed to players.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

from twisted.trial.unittest import SynchronousTestCase

from ark.media.ice import IceServers
from ark.net.session import MAX_STRIKES
from ark.world.movement import Body, toUnits
from ark.world.proximity import TURNS

from tests.support import Harness

OFFER = {"type": "offer", "sdp": "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n" + "a=x\r\n" * 40}
CANDIDATE = {"candidate": "candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host",
             "sdpMid": "0", "sdpMLineIndex": 0, "usernameFragment": "abcd"}


class TalkProtocolTests(SynchronousTestCase):

    def setUp(self):
        self.harness = Harness()
        # Everyone joins on the same spawn tile: side by side.
        self.ada, self.bob = self.harness.joined(2, prefix="p")
        self.cy = self.harness.connect()
        self.cy.join("cy")
        self.place(self.cy, 3000, 3000)
        self.harness.run(TURNS)

    def place(self, client, x, y):
        seat = client.session.seat
        seat.room.teleport(seat.avatar, Body(toUnits(x), toUnits(y)))

    def peers(self, client, event=None):
        return [m for m in client.messages("peer") if event is None or m["event"] == event]

    def test_onlyThePairHearsOfIt(self):
        """
        The two side by side are each told about the other (one of them
        polite); the player across the map hears nothing of it.
        """
        (toAda,) = self.peers(self.ada)
        (toBob,) = self.peers(self.bob)
        self.assertEqual(toAda["pair"], toBob["pair"])
        self.assertEqual((toAda["event"], toBob["event"]), ("join", "join"))
        self.assertEqual(toAda["id"], self.bob.session.seat.avatar.entityId)
        self.assertEqual(toAda["user"], self.harness.userId("p1"))
        self.assertEqual(toAda["name"], "p1")
        self.assertEqual({toAda["polite"], toBob["polite"]}, {True, False})
        self.assertEqual(self.peers(self.cy), [])

    def test_signalRelayedWithTheServersSender(self):
        """
        An offer from Ada reaches Bob stamped with Ada's entity id, whatever
        Ada claimed; candidates are relayed as sent, minus anything extra.
        """
        pair = self.peers(self.ada)[0]["pair"]
        adaId = self.ada.session.seat.avatar.entityId
        self.ada.sendMessage({"t": "signal", "pair": pair, "sdp": OFFER,
                              "from": self.cy.session.seat.avatar.entityId})
        self.ada.sendMessage({"t": "signal", "pair": pair,
                              "ice": [dict(CANDIDATE, extra="x" * 10)]})
        offer, candidates = self.bob.messages("signal")
        self.assertEqual(offer, {"t": "signal", "pair": pair, "from": adaId, "sdp": OFFER})
        self.assertEqual(candidates["ice"], [CANDIDATE])
        self.assertEqual(candidates["from"], adaId)
        self.assertEqual(self.cy.messages("signal"), [])
        self.assertEqual(self.ada.errors(), [])

    def test_signalOutsideAPairIsRefused(self):
        """
        Cy cannot signal into Ada and Bob's pair, nor anyone into a pair
        that does not exist: C{not_paired}, nothing relayed, and no strike
        (a signal may cross the end of its pair).
        """
        pair = self.peers(self.ada)[0]["pair"]
        for _ in range(MAX_STRIKES + 2):
            self.cy.sendMessage({"t": "signal", "pair": pair, "sdp": OFFER})
            self.cy.sendMessage({"t": "signal", "pair": pair + 100, "ice": [CANDIDATE]})
            self.harness.clock.advance(1)
        self.assertEqual(set(self.cy.errors()), {"not_paired"})
        self.assertIsNone(self.cy.closedWith)
        self.assertEqual(self.ada.messages("signal") + self.bob.messages("signal"), [])

    def test_signalAfterThePairEnded(self):
        """
        Once Bob walks away, both are told the pair ended (C{far}) and
        Ada's late candidates go nowhere.
        """
        pair = self.peers(self.ada)[0]["pair"]
        self.place(self.bob, 1000, 3000)
        self.harness.run(TURNS)
        (left,) = self.peers(self.ada, "leave")
        self.assertEqual((left["pair"], left["reason"]), (pair, "far"))
        self.assertEqual(self.peers(self.bob, "leave")[0]["reason"], "far")
        self.ada.sendMessage({"t": "signal", "pair": pair, "ice": [CANDIDATE]})
        self.assertEqual(self.ada.errors(), ["not_paired"])
        self.assertEqual(self.bob.messages("signal"), [])

    def test_badSignals(self):
        """
        Signals are checked like every message: the shape, the kinds of
        description, the size of a description and the number of
        candidates.
        """
        pair = self.peers(self.ada)[0]["pair"]
        bad = [
            {"t": "signal", "pair": pair},
            {"t": "signal", "pair": pair, "sdp": OFFER, "ice": [CANDIDATE]},
            {"t": "signal", "pair": pair, "sdp": {"type": "rollback", "sdp": ""}},
            {"t": "signal", "pair": pair, "sdp": {"type": "offer", "sdp": 7}},
            {"t": "signal", "pair": pair, "ice": []},
            {"t": "signal", "pair": pair, "ice": [CANDIDATE] * 21},
            {"t": "signal", "pair": pair, "ice": ["candidate"]},
            {"t": "signal", "pair": pair, "ice": [dict(CANDIDATE, sdpMLineIndex=-1)]},
            {"t": "signal", "pair": "one", "ice": [CANDIDATE]},
            {"t": "status", "status": "invisible"},
            {"t": "accept", "pair": pair, "yes": "yes"},
        ]
        for message in bad:
            self.ada.sendMessage(message)
            self.harness.clock.advance(1)
        self.assertEqual(self.ada.errors(), ["bad_field"] * len(bad))
        self.assertEqual(self.bob.messages("signal"), [])

    def test_sizeLimits(self):
        """
        An offer of 12 KiB goes through (descriptions of audio and video
        are large); one over 16 KiB, or any other message over 4 KiB, is
        refused as too large.
        """
        pair = self.peers(self.ada)[0]["pair"]
        large = {"type": "offer", "sdp": "a=x\r\n" * 2400}
        self.ada.sendMessage({"t": "signal", "pair": pair, "sdp": large})
        self.assertEqual(self.bob.messages("signal")[0]["sdp"], large)
        self.ada.sendMessage({"t": "signal", "pair": pair,
                              "sdp": {"type": "offer", "sdp": "a=x\r\n" * 3400}})
        self.ada.sendMessage({"t": "say", "ref": 1, "kind": "nearby", "text": "x" * 5000})
        self.assertEqual(self.ada.errors(), ["too_large", "too_large"])
        self.assertEqual(len(self.bob.messages("signal")), 1)

    def test_statusIsSeenByOthers(self):
        """
        Bob sets busy: those who see him learn it in a patch; a newcomer
        sees it in his description; do-not-disturb ends his conversation.
        """
        bobId = self.bob.session.seat.avatar.entityId
        self.bob.sendMessage({"t": "status", "status": "busy"})
        self.harness.run(3)
        changed = [news for patch in self.ada.messages("p") for news in patch.get("chg", [])]
        self.assertIn([bobId, {"s": "busy"}], changed)
        newcomer = self.harness.connect()
        welcome = newcomer.join("dee")
        (bob,) = [e for e in welcome["entities"] if e["id"] == bobId]
        self.assertEqual(bob["s"], "busy")
        self.bob.sendMessage({"t": "status", "status": "dnd"})
        self.harness.run(1)
        self.assertEqual([m["reason"] for m in self.peers(self.ada, "leave")], ["dnd"])

    def test_busyAnswersOverTheWire(self):
        """
        A busy player is asked, the other waits; a yes makes it a
        conversation for both, and an answer to a pair one was not asked in
        is C{not_paired}.
        """
        dee = self.harness.connect()
        dee.join("dee")
        eve = self.harness.connect()
        eve.join("eve")
        self.place(dee, 1600, 400)
        self.place(eve, 1700, 400)
        dee.sendMessage({"t": "status", "status": "busy"})
        self.harness.run(TURNS)
        (ask,) = self.peers(dee, "ask")
        (waiting,) = self.peers(eve, "waiting")
        self.assertEqual(ask["pair"], waiting["pair"])
        self.assertEqual(ask["name"], "eve")
        eve.sendMessage({"t": "accept", "pair": ask["pair"], "yes": True})
        self.assertEqual(eve.errors(), ["not_paired"])
        dee.sendMessage({"t": "accept", "pair": ask["pair"], "yes": True})
        self.harness.run(1)
        self.assertEqual(len(self.peers(dee, "join")), 1)
        self.assertEqual(len(self.peers(eve, "join")), 1)

    def test_refreshStartsANewConversation(self):
        """
        Ada's page reloads (her connection drops and a new one resumes the
        avatar): Bob is told she is gone, and both get a new pair.
        """
        first = self.peers(self.ada)[0]["pair"]
        token = self.ada.last("welcome")["token"]
        self.ada.drop()
        self.harness.run(1)
        self.assertEqual(self.peers(self.bob, "leave")[0]["reason"], "gone")
        again = self.harness.connect()
        again.join("p0", token=token)
        self.harness.run(TURNS)
        (joined,) = self.peers(again, "join")
        self.assertNotEqual(joined["pair"], first)
        self.assertEqual(self.peers(self.bob, "join")[-1]["pair"], joined["pair"])

    def test_welcomeTellsTheRules(self):
        """
        The welcome carries the room's talk rules and, with no servers
        configured, an empty ICE server list.
        """
        welcome = self.cy.last("welcome")
        self.assertEqual(welcome["talk"], {"connect": 160, "leave": 224, "full": 64,
                                           "silence": 224, "peers": 4})
        self.assertEqual(welcome["ice"], {"servers": [], "ttl": 0})


def coturnPassword(secret: bytes, username: str) -> str:
    """
    What coturn computes for a REST username: base64(HMAC-SHA1(secret,
    username)).
    """
    return base64.b64encode(hmac.new(secret, username.encode(), hashlib.sha1).digest()).decode()


class IceServerTests(SynchronousTestCase):

    def setUp(self):
        self.harness = Harness()
        self.harness.clock.advance(1_700_000_000)
        self.secret = b"a coturn static-auth-secret"
        self.harness.ice = IceServers(["stun:turn.example.org:3478"],
                                      ["turn:turn.example.org:3478?transport=udp"],
                                      self.secret, ttl=600, clock=self.harness.clock)

    def test_credentialsInTheWelcome(self):
        """
        The welcome hands STUN, and TURN with credentials for this player
        that coturn accepts: the username is expiry:userId, ten minutes
        ahead, and the password is what coturn computes from its secret.
        """
        welcome = self.harness.connect().join("ada")
        stun, turn = welcome["ice"]["servers"]
        self.assertEqual(stun, {"urls": ["stun:turn.example.org:3478"]})
        self.assertEqual(turn["urls"], ["turn:turn.example.org:3478?transport=udp"])
        self.assertEqual(turn["username"],
                         "%d:%d" % (1_700_000_600, self.harness.userId("ada")))
        self.assertEqual(turn["credential"], coturnPassword(self.secret, turn["username"]))
        self.assertEqual(welcome["ice"]["ttl"], 600)

    def test_renewedBeforeTheyRunOut(self):
        """
        Three quarters into their life, fresh credentials arrive, and again
        after that; a closed connection gets no more.
        """
        client = self.harness.connect()
        client.join("ada")
        self.harness.clock.advance(449)
        self.assertEqual(client.messages("ice"), [])
        self.harness.clock.advance(1)
        (renewed,) = client.messages("ice")
        turn = renewed["servers"][1]
        self.assertEqual(turn["username"], "%d:%d" % (1_700_001_050, self.harness.userId("ada")))
        self.assertEqual(turn["credential"], coturnPassword(self.secret, turn["username"]))
        self.harness.clock.advance(450)
        self.assertEqual(len(client.messages("ice")), 2)
        client.drop()
        self.harness.clock.advance(3600)
        self.assertEqual(len(client.messages("ice")), 2)
