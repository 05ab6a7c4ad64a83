"""
Who talks to whom, decided by the room from where everyone stands: the
radii, the hysteresis, the nearest few in a crowd, and the players who must
never be paired.
"""

from __future__ import annotations

import random

from twisted.trial.unittest import SynchronousTestCase

from ark.world import proximity
from ark.world.movement import Body, toUnits
from ark.world.proximity import TURNS, TalkRules, rulesForMap
from ark.world.room import Room
from ark.world.worldmap import Rectangle, Zone

from tests.support import mapFromRows

# An open map of 100 x 100 tiles of 32 px.
SIDE = 100


def talkMap(zones=()):
    rows = ["." * SIDE for _ in range(SIDE)]
    rows[50] = "." * 50 + "S" + "." * 49
    return mapFromRows(rows, name="talk.tmj", zones=zones)


class TalkTestCase(SynchronousTestCase):
    """
    A room whose players are put where the test wants them, and a journal
    of what the room reported about their conversations.
    """

    zones = ()
    rules = TalkRules()

    def setUp(self):
        self.room = Room(talkMap(self.zones), capacity=200, seed=1, talkRules=self.rules)
        self.events = []

    def put(self, name, x, y, status=None):
        avatar = self.room.addAvatar(name, "fox", Body(toUnits(x), toUnits(y)))
        if status is not None:
            avatar.status = status
        return avatar

    def moveTo(self, avatar, x, y):
        self.room.teleport(avatar, Body(toUnits(x), toUnits(y)))

    def settle(self, turns=1):
        """
        Run enough ticks for every player to have had C{turns} turns, and
        keep what happened.
        """
        for _ in range(TURNS * turns):
            self.room.step()
            self.events += self.room.drainChanges().talk

    def pairs(self):
        """
        The talking pairs, as sets of two names.
        """
        return {frozenset((pair.first.name, pair.second.name))
                for pair in self.room.talk.pairs.values() if pair.talking}

    def ended(self):
        """
        The pairs that ended, as C{(names, reason)}.
        """
        return [(frozenset((event[1].first.name, event[1].second.name)), event[2])
                for event in self.events if event[0] == proximity.LEFT]


class RadiusTests(TalkTestCase):

    def test_closeEnoughToTalk(self):
        """
        Two players 150 px apart (within the 160 px connect radius) are
        paired; the first of them (the lower entity id) makes the offer.
        """
        ada = self.put("ada", 800, 800)
        bob = self.put("bob", 950, 800)
        self.settle()
        self.assertEqual(self.pairs(), {frozenset({"ada", "bob"})})
        (event,) = self.events
        self.assertEqual(event[0], proximity.JOINED)
        self.assertIs(event[1].first, ada)
        self.assertIs(event[1].second, bob)

    def test_notCloseEnough(self):
        """
        Players 200 px apart, inside the leave radius but outside the
        connect radius, do not start talking.
        """
        self.put("ada", 800, 800)
        self.put("bob", 1000, 800)
        self.settle(3)
        self.assertEqual(self.pairs(), set())
        self.assertEqual(self.events, [])

    def test_hysteresis(self):
        """
        Once talking, a pair lasts while the two stay within 224 px,
        however often one walks back and forth across 160 px, and ends
        (C{far}) beyond it.
        """
        self.put("ada", 800, 800)
        bob = self.put("bob", 950, 800)
        self.settle()
        number = next(iter(self.room.talk.pairs))
        for x in (1010, 950, 1020, 955, 1024):
            self.moveTo(bob, x, 800)
            self.settle()
            self.assertEqual(list(self.room.talk.pairs), [number])
        self.moveTo(bob, 1026, 800)
        self.settle()
        self.assertEqual(self.pairs(), set())
        self.assertEqual(self.ended(), [(frozenset({"ada", "bob"}), proximity.FAR)])

    def test_formsAtTheFirstTurnOfEither(self):
        """
        Bob walks up to Ada: the pair forms at the first turn of either of
        them after he arrives, without waiting for the other's.
        """
        ada = self.put("ada", 800, 800)
        bob = self.put("bob", 1400, 800)
        self.settle()
        self.assertEqual(self.room.tick % TURNS, 0)
        self.moveTo(bob, 900, 800)
        # The next tick is the turn of Ada (entity 1) alone.
        self.room.step()
        self.assertEqual(ada.entityId % TURNS, self.room.tick % TURNS)
        self.assertEqual(self.pairs(), {frozenset({"ada", "bob"})})

    def test_diagonalDistance(self):
        """
        Distance is straight-line: 120 px right and 120 px down is 170 px,
        too far to start.
        """
        self.put("ada", 800, 800)
        self.put("bob", 920, 920)
        self.settle(2)
        self.assertEqual(self.pairs(), set())


class CrowdTests(TalkTestCase):

    def test_nobodyHoldsMoreThanKInAWalkingCrowd(self):
        """
        Fifty players milling about in a small square: at every tick nobody
        is in more than four pairs, every pair is within the leave radius,
        and the crowd is a set of small meshes where everyone talks to
        someone.
        """
        generator = random.Random(7)
        crowd = [self.put("p%d" % (index,), generator.uniform(700, 900),
                          generator.uniform(700, 900)) for index in range(50)]
        leave = toUnits(self.rules.leave)
        for _ in range(40):
            for avatar in crowd:
                body = avatar.body
                self.moveTo(avatar, body.x / 60 + generator.uniform(-8, 8),
                            body.y / 60 + generator.uniform(-8, 8))
            self.room.step()
            counts = {}
            for pair in self.room.talk.pairs.values():
                for member in (pair.first, pair.second):
                    counts[member] = counts.get(member, 0) + 1
                dx = pair.first.body.x - pair.second.body.x
                dy = pair.first.body.y - pair.second.body.y
                self.assertLessEqual(dx * dx + dy * dy, leave * leave)
            self.assertLessEqual(max(counts.values(), default=0), 4)
        self.assertEqual(set(counts), set(crowd))

    def test_aNewcomerMuchNearerTakesTheFarthestPlace(self):
        """
        Ada talks with four people 150 px away; Eve comes right up to her
        (20 px): the farthest of the four is let go (C{crowd}) and Eve
        talks with Ada; Ada still has four.
        """
        ada = self.put("ada", 1000, 1000)
        self.put("n", 1000, 850)
        self.put("s", 1000, 1150)
        self.put("w", 850, 1000)
        self.put("e", 1152, 1000)
        self.settle()
        self.assertEqual(len(self.room.talk.partnersOf(ada)), 4)
        self.put("eve", 1000, 1020)
        self.settle(2)
        partners = {avatar.name for avatar in self.room.talk.partnersOf(ada)}
        self.assertIn("eve", partners)
        self.assertEqual(len(partners), 4)
        self.assertNotIn("e", partners)
        self.assertIn((frozenset({"ada", "e"}), proximity.CROWD), self.ended())

    def test_aNewcomerAboutAsFarWaits(self):
        """
        Someone only a little nearer than Ada's farthest partner does not
        take their place: places do not swap back and forth in a crowd.
        """
        ada = self.put("ada", 1000, 1000)
        for name, x, y in (("n", 1000, 850), ("s", 1000, 1150), ("w", 850, 1000),
                           ("e", 1152, 1000)):
            self.put(name, x, y)
        self.settle()
        self.put("eve", 1106, 1106)  # 150 px away, 2 px nearer than "e"
        self.settle(3)
        partners = {avatar.name for avatar in self.room.talk.partnersOf(ada)}
        self.assertEqual(partners, {"n", "s", "w", "e"})


class ExclusionTests(TalkTestCase):

    zones = (
        Zone("library", Rectangle(320, 320, 320, 320), {"silent": True}),
        Zone("meeting", Rectangle(1280, 320, 320, 320), {"jitsiRoom": "Team"}),
        Zone("office", Rectangle(320, 1280, 320, 320), {"private": True}),
        Zone("booth", Rectangle(660, 1280, 320, 320), {"private": True}),
    )

    def test_silentZone(self):
        """
        Walking into a silent zone ends the conversation (C{silent}), and
        two players standing together inside it never talk.
        """
        self.put("ada", 300, 400)
        bob = self.put("bob", 200, 400)
        self.settle()
        self.assertEqual(len(self.pairs()), 1)
        self.moveTo(bob, 400, 400)
        self.settle()
        self.assertEqual(self.pairs(), set())
        self.assertEqual(self.ended(), [(frozenset({"ada", "bob"}), proximity.SILENT)])
        self.put("cy", 450, 450)
        self.put("dee", 500, 450)
        self.settle(3)
        self.assertEqual(self.pairs(), set())

    def test_meetingZone(self):
        """
        Walking into a meeting room ends the conversation (C{meeting}): the
        meeting's call takes over.
        """
        self.put("ada", 1200, 400)
        bob = self.put("bob", 1150, 400)
        self.settle()
        self.assertEqual(len(self.pairs()), 1)
        self.moveTo(bob, 1300, 400)
        self.settle()
        self.assertEqual(self.ended(), [(frozenset({"ada", "bob"}), proximity.MEETING)])
        self.settle(3)
        self.assertEqual(self.pairs(), set())

    def test_privateZones(self):
        """
        Two in the same private zone talk; one inside and one outside, or in
        two private zones side by side, never do; leaving together for
        different sides ends it (C{private}).
        """
        ada = self.put("ada", 600, 1400)
        self.put("bob", 560, 1400)
        self.put("cy", 700, 1400)  # in the booth, 100 px from Ada
        self.put("dee", 600, 1250)  # outside, 150 px from Ada
        self.settle(2)
        self.assertEqual(self.pairs(), {frozenset({"ada", "bob"})})
        self.moveTo(ada, 690, 1450)
        self.settle()
        self.assertIn((frozenset({"ada", "bob"}), proximity.PRIVATE), self.ended())
        self.assertEqual(self.pairs(), {frozenset({"ada", "cy"})})

    def test_doNotDisturb(self):
        """
        Setting do-not-disturb ends every conversation at once (C{dnd}),
        none forms while it lasts, and going back online lets them form.
        """
        ada = self.put("ada", 800, 800)
        self.put("bob", 900, 800)
        self.settle()
        self.room.setStatus(ada, proximity.DND)
        self.assertEqual(self.pairs(), set())
        self.settle(3)
        self.assertEqual(self.pairs(), set())
        self.assertEqual(self.ended(), [(frozenset({"ada", "bob"}), proximity.DND)])
        self.room.setStatus(ada, proximity.ONLINE)
        self.settle()
        self.assertEqual(self.pairs(), {frozenset({"ada", "bob"})})

    def test_awayStillTalks(self):
        """
        Away (a hidden tab) is shown to others but does not stop listening.
        """
        self.put("ada", 800, 800, status=proximity.AWAY)
        self.put("bob", 900, 800)
        self.settle()
        self.assertEqual(self.pairs(), {frozenset({"ada", "bob"})})

    def test_droppedConnection(self):
        """
        A player whose connection drops leaves their conversations at once
        (C{gone}); back, they start a new one, under a new number.
        """
        ada = self.put("ada", 800, 800)
        self.put("bob", 900, 800)
        self.settle()
        (first,) = self.room.talk.pairs
        self.room.setConnected(ada, False)
        self.assertEqual(self.ended(), [])
        self.events += self.room.drainChanges().talk
        self.assertEqual(self.ended(), [(frozenset({"ada", "bob"}), proximity.GONE)])
        self.settle(2)
        self.assertEqual(self.pairs(), set())
        self.room.setConnected(ada, True)
        self.settle()
        (second,) = self.room.talk.pairs
        self.assertNotEqual(first, second)

    def test_leavingTheRoom(self):
        """
        A player who leaves the room ends their conversations (C{gone}).
        """
        ada = self.put("ada", 800, 800)
        self.put("bob", 900, 800)
        self.settle()
        self.room.removeAvatar(ada)
        self.settle()
        self.assertEqual(self.ended(), [(frozenset({"ada", "bob"}), proximity.GONE)])
        self.assertEqual(self.room.talk.pairs, {})


class BusyTests(TalkTestCase):

    def test_busyIsAskedFirst(self):
        """
        Next to a busy player, nobody talks until they accept: they are
        asked, and the pair talks once they say yes.
        """
        self.put("ada", 800, 800, status=proximity.BUSY)
        self.put("bob", 900, 800)
        self.settle(2)
        (event,) = self.events
        self.assertEqual(event[0], proximity.ASKED)
        pair = event[1]
        self.assertEqual([avatar.name for avatar in pair.asking], ["ada"])
        self.assertEqual(self.pairs(), set())
        self.assertFalse(self.room.talk.answer(pair.second, pair.number, True))
        self.assertTrue(self.room.talk.answer(pair.first, pair.number, True))
        self.assertEqual(self.pairs(), {frozenset({"ada", "bob"})})
        self.settle()
        self.assertEqual(self.events[-1], (proximity.JOINED, pair))

    def test_declinedIsNotAskedAgainUntilApart(self):
        """
        Saying no ends the ask (C{declined}); standing on together does not
        ask again, but after walking apart and back, it does.
        """
        ada = self.put("ada", 800, 800, status=proximity.BUSY)
        bob = self.put("bob", 900, 800)
        self.settle()
        (number,) = self.room.talk.pairs
        self.room.talk.answer(ada, number, False)
        self.settle(4)
        asked = [event for event in self.events if event[0] == proximity.ASKED]
        self.assertEqual(len(asked), 1)
        self.assertEqual(self.ended(), [(frozenset({"ada", "bob"}), proximity.DECLINED)])
        self.moveTo(bob, 1100, 800)
        self.settle()
        self.moveTo(bob, 900, 800)
        self.settle()
        asked = [event for event in self.events if event[0] == proximity.ASKED]
        self.assertEqual(len(asked), 2)

    def test_noLongerBusyStartsTheConversation(self):
        """
        A busy player who goes back online while asked talks at once.
        """
        ada = self.put("ada", 800, 800, status=proximity.BUSY)
        self.put("bob", 900, 800)
        self.settle()
        self.room.setStatus(ada, proximity.ONLINE)
        self.assertEqual(self.pairs(), {frozenset({"ada", "bob"})})


class MapRulesTests(SynchronousTestCase):

    def test_mapPropertiesOverride(self):
        """
        A map's own talk properties replace the operator's.
        """
        rules, problems = rulesForMap(TalkRules(), {"talkConnectRadius": 96,
                                                    "talkLeaveRadius": 128.0,
                                                    "talkPeers": 2})
        self.assertEqual(rules, TalkRules(connect=96, leave=128, peers=2))
        self.assertEqual(problems, [])

    def test_nonsenseKeepsTheServerRules(self):
        """
        Properties that make no sense are reported, and the server's rules
        stay.
        """
        rules, problems = rulesForMap(TalkRules(), {"talkConnectRadius": 300,
                                                    "talkPeers": "many"})
        self.assertEqual(rules, TalkRules())
        self.assertIn("talkPeers must be a whole number, not 'many'", problems)
        self.assertTrue(any("connect radius (300)" in problem for problem in problems))

    def test_roomUsesTheMapRules(self):
        """
        With a map's smaller connect radius, players 120 px apart do not
        start talking.
        """
        room = Room(talkMap(), capacity=10, talkRules=TalkRules(connect=96, leave=128))
        room.addAvatar("ada", "fox", Body(toUnits(800), toUnits(800)))
        room.addAvatar("bob", "fox", Body(toUnits(920), toUnits(800)))
        for _ in range(TURNS * 2):
            room.step()
        self.assertEqual(room.talk.pairs, {})
