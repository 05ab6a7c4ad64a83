"""
Tests for zone behaviours: the plugins are found, each does what its
properties ask when a player enters, leaves or acts, and the player's
client hears of it.
"""

from __future__ import annotations

from twisted.trial.unittest import SynchronousTestCase
from zope.interface.verify import verifyObject

from ark.interfaces import IZoneBehaviour
from ark.world import movement
from ark.world.movement import LEFT, RIGHT, Body
from ark.world.worldmap import Rectangle, Zone
from ark.behaviours.director import Services, ZoneDirector, discover
from zones.builtin import jitsiHost, jitsiPrefix, jitsiRoomName

from tests.support import Harness, mapFromRows

UNITS = movement.UNITS_PER_PIXEL

# The rooms of town/plaza.tmj are prefixed so that another map's rooms of
# the same names are other meetings.
PREFIX = jitsiPrefix("town/plaza.tmj")

# Side by side along row 5 of a 30 x 10 tile map, each 96 px wide: an
# onenter meeting room, an onaction one, a lounge with music inside a
# library that is silent, a doorbell from the extra package, a zone
# with properties nobody claims, and an agent's corner.
ZONES = [
    Zone("meeting-room-1", Rectangle(96, 128, 96, 96), {"jitsiRoom": "Team Room #1"}),
    Zone("meeting-room-2", Rectangle(224, 128, 96, 96),
         {"jitsiRoom": "standup", "jitsiTrigger": "onaction",
          "jitsiTriggerMessage": "Press E to join the stand-up"}),
    Zone("library", Rectangle(352, 128, 160, 96), {"silent": True}),
    Zone("lounge", Rectangle(384, 128, 96, 96),
         {"playAudio": "sounds/lounge.wav", "audioVolume": 0.4, "audioLoop": True}),
    Zone("porch", Rectangle(544, 128, 96, 96), {"doorbell": "Welcome"}),
    Zone("kiosk", Rectangle(672, 128, 96, 96), {"shopkeeper": "Welcome"}),
    Zone("agents-corner", Rectangle(800, 128, 96, 96),
         {"agentId": "guide", "agentTrigger": "onaction",
          "triggerMessage": "Press E to talk to the guide"}),
]


def behavioursMap():
    rows = ["." * 30 for _ in range(10)]
    rows[5] = "S" + "." * 29
    return mapFromRows(rows, name="town/plaza.tmj", zones=ZONES)


class DiscoveryTests(SynchronousTestCase):
    def test_builtinsAndExtraPackages(self):
        """
        The bundled behaviours are always found; an extra package adds its
        own; every one provides the interface.
        """
        names = [b.name for b in discover()]
        self.assertEqual(sorted(names), ["agent", "audio", "exit", "focus", "jitsi", "private",
                                         "silent", "tab", "website"])
        found = discover(["tests.zoneplugins"])
        self.assertEqual(sorted(b.name for b in found),
                         ["agent", "audio", "doorbell", "exit", "focus", "jitsi", "private",
                          "silent", "tab", "website"])
        for behaviour in found:
            self.assertTrue(verifyObject(IZoneBehaviour, behaviour))

    def test_missingPackage(self):
        self.assertRaises(ImportError, discover, ["no.such.package"])

    def test_unclaimedPropertiesAreReported(self):
        worldMap = behavioursMap()
        director = ZoneDirector(discover())
        self.assertEqual(director.unclaimed({worldMap.name: worldMap}),
                         [("town/plaza.tmj", "porch", "doorbell"),
                          ("town/plaza.tmj", "kiosk", "shopkeeper")])

    def test_jitsiRoomNames(self):
        self.assertEqual(jitsiRoomName("Team Room #1"), "team-room-1")
        self.assertEqual(jitsiRoomName("../../etc?x=1"), "etc-x-1")
        self.assertEqual(jitsiRoomName("!!!"), "room")

    def test_jitsiPrefixes(self):
        """
        A map's rooms are prefixed with eight hex digits of its name's
        hash: the same on every server, different for another map.
        """
        self.assertEqual(jitsiPrefix("town/plaza.tmj"), "acc081ca")
        self.assertEqual(len({jitsiPrefix(name) for name in ["a.tmj", "b.tmj", "b/a.tmj"]}), 3)


class EffectTests(SynchronousTestCase):
    """
    A player walking along the row meets each zone in turn.
    """

    def setUp(self):
        worldMap = behavioursMap()
        self.harness = Harness(maps={worldMap.name: worldMap},
                               director=ZoneDirector(discover(["tests.zoneplugins"])))
        self.client = self.harness.connect()
        self.welcome = self.client.join("ada")
        self.seq = 0

    def moveTo(self, px, start=None):
        """
        Walk along the row until the feet are about at C{px} (from C{start}
        px, where the avatar is put first, if given), and return the
        effects received on the way.
        """
        seat = self.client.session.seat
        avatar = seat.avatar
        if start is not None:
            seat.room.teleport(avatar, Body(start * UNITS, avatar.body.y))
            self.harness.run(1)
        self.client.clear()
        target = px * UNITS
        # Three steps a message, as clients batch them.
        while abs(avatar.body.x - target) >= 3 * movement.WALK_SPEED:
            bits = RIGHT if avatar.body.x < target else LEFT
            self.client.walk(self.seq, [bits] * 3)
            self.seq += 3
            self.harness.run(3)
        self.harness.run(3)
        return self.client.effects()

    def act(self):
        self.client.clear()
        self.client.sendMessage({"t": "act"})
        self.harness.run(1)
        return self.client.effects()

    def zonesReported(self):
        return [p["zones"] for p in self.client.messages("p") if "zones" in p]

    def test_meetingRoomOpensOnEnterAndClosesOnLeave(self):
        self.assertEqual(self.moveTo(140), [
            {"zone": 0, "effect": "jitsi.open", "room": PREFIX + "-team-room-1",
             "title": "Team Room #1", "domain": "meet.jit.si"}])
        self.assertEqual(self.moveTo(208), [{"zone": 0, "effect": "jitsi.close"}])

    def test_onActionRoomOffersAndOpensOnAct(self):
        """
        In an onaction room the player is prompted and the action button
        offered; the call opens only when they act; acting elsewhere does
        nothing.
        """
        self.assertEqual(self.act(), [])
        self.assertEqual(self.moveTo(270, start=208), [
            {"zone": 1, "effect": "prompt", "text": "Press E to join the stand-up"}])
        self.assertEqual(self.zonesReported(), [[[1, "meeting-room-2", "Join meeting"]]])
        self.assertEqual(self.act(), [
            {"zone": 1, "effect": "jitsi.open", "room": PREFIX + "-standup", "title": "standup",
             "domain": "meet.jit.si"}])

    def test_overlappingZonesBothAct(self):
        """
        The lounge lies inside the silent library: entering it starts the
        music without ending the silence, and leaving it stops only the
        music.
        """
        self.assertEqual(self.moveTo(365, start=336), [{"zone": 2, "effect": "silence"}])
        self.assertEqual(self.moveTo(430), [
            {"zone": 3, "effect": "audio.play", "url": "/maps/town/sounds/lounge.wav",
             "volume": 0.4, "loop": True}])
        self.assertEqual(self.moveTo(495), [
            {"zone": 3, "effect": "audio.stop", "url": "/maps/town/sounds/lounge.wav"}])
        self.assertEqual(self.moveTo(530), [{"zone": 2, "effect": "unsilence"}])

    def test_agentCorner(self):
        """
        In an onaction agent's corner the player is prompted and offered to
        talk; acting opens the conversation, leaving closes it.
        """
        self.assertEqual(self.moveTo(850, start=780), [
            {"zone": 6, "effect": "prompt", "text": "Press E to talk to the guide"}])
        self.assertEqual(self.zonesReported(), [[[6, "agents-corner", "Talk to Guide"]]])
        self.assertEqual(self.act(), [{"zone": 6, "effect": "agent.open", "agent": "guide"}])
        self.assertEqual(self.moveTo(780), [{"zone": 6, "effect": "agent.close"}])

    def test_pluginFromAnotherPackage(self):
        self.assertEqual(self.moveTo(590, start=528),
                         [{"zone": 4, "effect": "prompt", "text": "Welcome, ada"}])
        self.assertEqual(self.act(), [
            {"zone": 4, "effect": "audio.play", "url": "/maps/bell.wav", "volume": 1.0,
             "loop": False}])

    def test_teleportingInAndOut(self):
        seat = self.client.session.seat
        self.client.clear()
        seat.room.teleport(seat.avatar, Body(140 * UNITS, 176 * UNITS))
        self.harness.run(1)
        self.assertEqual([m["effect"] for m in self.client.messages("effect")], ["jitsi.open"])

    def test_brokenBehaviourIsContained(self):
        """
        A behaviour that raises is logged and skipped; the others still
        act and the room goes on.
        """
        from tests.zoneplugins.doorbell import doorbell

        def broken(player, zone):
            raise RuntimeError("plugin bug")

        self.patch(doorbell, "entered", broken)
        self.assertEqual(self.moveTo(590, start=528), [])
        self.assertEqual(len(self.flushLoggedErrors(RuntimeError)), 1)
        self.assertEqual([e["effect"] for e in self.act()], ["audio.play"])


class JitsiTokenTests(SynchronousTestCase):
    """
    With a Jitsi app id and secret, meeting rooms admit only the players
    inside them.
    """

    SECRET = "a jitsi secret long enough for HMAC-SHA256"

    def setUp(self):
        from twisted.internet.task import Clock

        from ark.behaviours.jitsi import JitsiTokens

        self.clock = Clock()
        self.clock.advance(1_700_000_000)
        self.tokens = JitsiTokens("ark-test", self.SECRET, self.clock)
        self.worldMap = behavioursMap()
        self.harness = Harness(maps={self.worldMap.name: self.worldMap},
                               director=ZoneDirector(discover(), Services(self.tokens)))
        self.client = self.harness.connect()
        self.client.join("ada", avatar="owl")

    def enter(self, px):
        seat = self.client.session.seat
        self.client.clear()
        seat.room.teleport(seat.avatar, Body(px * UNITS, 176 * UNITS))
        self.harness.run(1)
        return self.client.messages("effect")

    def decode(self, token):
        import jwt

        return jwt.decode(token, self.SECRET, algorithms=["HS256"], audience="jitsi",
                          options={"verify_exp": False})

    def test_tokenClaims(self):
        [opened] = self.enter(140)
        self.assertEqual(opened["effect"], "jitsi.open")
        claims = self.decode(opened["jwt"])
        self.assertEqual(claims, {
            "aud": "jitsi",
            "iss": "ark-test",
            "sub": "meet.jit.si",
            "room": PREFIX + "-team-room-1",
            "iat": 1_700_000_000,
            "nbf": 1_700_000_000,
            "exp": 1_700_000_000 + 2 * 60 * 60,
            "context": {"user": {"id": str(self.harness.userId("ada")), "name": "ada",
                                 "avatar": "owl"}},
        })

    def test_onActionRoomTokenComesWithTheAct(self):
        [prompt] = self.enter(270)
        self.assertNotIn("jwt", prompt)
        self.client.clear()
        self.client.sendMessage({"t": "act"})
        self.harness.run(1)
        [opened] = self.client.messages("effect")
        self.assertEqual(self.decode(opened["jwt"])["room"], PREFIX + "-standup")

    def test_refusedOutsideTheZone(self):
        """
        A token for a room is refused to a player who is not in it now,
        even one standing in another meeting room.
        """
        from ark.behaviours.jitsi import NotInZone
        from ark.behaviours.director import Player

        roomOne, roomTwo = self.worldMap.zones[0], self.worldMap.zones[1]
        outside = Player(1, "ada", "owl", self.worldMap.name, ())
        inOther = Player(1, "ada", "owl", self.worldMap.name, (roomTwo,))
        inside = Player(1, "ada", "owl", self.worldMap.name, (roomOne,))
        for player in (outside, inOther):
            self.assertRaises(NotInZone, self.tokens.issue, player, roomOne, "meet.jit.si",
                              "team-room-1")
        self.assertEqual(self.decode(self.tokens.issue(inside, roomOne, "meet.jit.si",
                                                       "team-room-1"))["room"], "team-room-1")
        # An equal zone of another map is not this room.
        copy = Zone(roomOne.name, roomOne.shape, dict(roomOne.properties))
        self.assertRaises(NotInZone, self.tokens.issue,
                          Player(1, "ada", "owl", self.worldMap.name, (copy,)), roomOne,
                          "meet.jit.si", "team-room-1")

    def test_jitsiUrlMustBeAHost(self):
        director = ZoneDirector(discover())
        maps = {}
        for number, url in enumerate(["meet.example.org", "meet.example.org:8443",
                                      "https://evil.example/x.js?", "a/b",
                                      "https://meet.example.org/"]):
            worldMap = mapFromRows(["S."], name="m%d.tmj" % (number,), zones=[
                Zone("room", Rectangle(0, 0, 64, 32), {"jitsiRoom": "r", "jitsiUrl": url})])
            maps[worldMap.name] = worldMap
        self.assertEqual([(m, p.split(" must")[0]) for m, _, p in director.problems(maps)],
                         [("m2.tmj", "jitsiUrl"), ("m3.tmj", "jitsiUrl")])
        # What the call is given: the host alone, or the default.
        self.assertEqual([jitsiHost(url) for url in ["https://meet.example.org/", " a/b", 7]],
                         ["meet.example.org", None, None])


class ResumeTests(SynchronousTestCase):
    def test_resumingInAMeetingRoomOpensItAgain(self):
        """
        A player who reconnects (a refreshed page) inside a meeting room
        gets its call again, and nothing of the zones it is not in.
        """
        worldMap = behavioursMap()
        harness = Harness(maps={worldMap.name: worldMap}, director=ZoneDirector(discover()))
        client = harness.connect()
        client.join("ada")
        seat = client.session.seat
        seat.room.teleport(seat.avatar, Body(140 * UNITS, 176 * UNITS))
        harness.run(1)
        token = client.last("welcome")["token"]
        client.drop()
        again = harness.connect()
        again.join("ada", token=token)
        harness.run(3)
        self.assertEqual(
            again.effects(),
            [{"zone": 0, "effect": "jitsi.open", "room": PREFIX + "-team-room-1",
              "title": "Team Room #1", "domain": "meet.jit.si"}])
        kinds = [m["t"] for m in again.messages()]
        self.assertLess(kinds.index("welcome"), kinds.index("effect"))


class JitsiPropertyTests(SynchronousTestCase):
    """
    The rest of WorkAdventure's Jitsi properties: the panel's width and
    close button, the room's prefix, and Jitsi's interface settings.
    """

    def open(self, mapName="town/plaza.tmj", **properties):
        from ark.behaviours.director import Player
        from zones.builtin import jitsi

        room = Zone("room", Rectangle(0, 0, 64, 64), dict({"jitsiRoom": "Stand-up"}, **properties))
        [effect] = jitsi.entered(Player(1, "ada", "owl", mapName, (room,)), room)
        return effect

    def test_defaults(self):
        self.assertEqual(self.open(), {"effect": "jitsi.open", "room": PREFIX + "-stand-up",
                                       "title": "Stand-up", "domain": "meet.jit.si"})

    def test_prefixIsTheMapsUnlessNoPrefix(self):
        self.assertEqual(self.open(mapName="cafe.tmj")["room"],
                         jitsiPrefix("cafe.tmj") + "-stand-up")
        self.assertNotEqual(jitsiPrefix("cafe.tmj"), PREFIX)
        self.assertEqual(self.open(jitsiNoPrefix=True)["room"], "stand-up")
        # Only the boolean true: a map that says false, or "true" as text,
        # keeps its rooms to itself.
        for value in [False, "true", 1]:
            self.assertEqual(self.open(jitsiNoPrefix=value)["room"], PREFIX + "-stand-up")

    def test_panel(self):
        opened = self.open(jitsiWidth=60, jitsiClosable=False,
                           jitsiInterfaceConfig='{"DEFAULT_BACKGROUND": "#77ee77"}')
        self.assertEqual((opened["width"], opened["closable"], opened["interfaceConfig"]),
                         (60.0, False, '{"DEFAULT_BACKGROUND": "#77ee77"}'))
        self.assertEqual((self.open(jitsiWidth=100)["width"], self.open(jitsiWidth=1)["width"]),
                         (85.0, 15.0))
        for properties in [{"jitsiWidth": "wide"}, {"jitsiWidth": True}, {"jitsiClosable": True},
                           {"jitsiClosable": "no"}]:
            opened = self.open(**properties)
            self.assertNotIn("width", opened, properties)
            self.assertNotIn("closable", opened, properties)
        # WorkAdventure's documentation makes meetings unclosable with
        # openWebsiteClosable; jitsiClosable wins where both are.
        self.assertEqual(self.open(openWebsiteClosable=False)["closable"], False)
        self.assertNotIn("closable", self.open(openWebsiteClosable=False, jitsiClosable=True))

    def test_reported(self):
        director = ZoneDirector(discover())
        worldMap = mapFromRows(["S."], name="m.tmj", zones=[
            Zone("room", Rectangle(0, 0, 64, 32), {
                "jitsiRoom": "r", "jitsiConfig": "{not json", "jitsiInterfaceConfig": "[1]",
                "jitsiWidth": "half", "jitsiClosable": "yes", "jitsiNoPrefix": 1,
                "jitsiRoomAdminTag": "speaker"}),
            Zone("fine", Rectangle(0, 0, 64, 32), {
                "jitsiRoom": "r", "jitsiConfig": "{}", "jitsiInterfaceConfig": '{"A": 1}',
                "jitsiWidth": 30, "jitsiClosable": False, "jitsiNoPrefix": True,
                "openWebsiteClosable": False}),
        ])
        self.assertEqual([problem for _, _, problem in director.problems({"m.tmj": worldMap})], [
            'jitsiConfig must be a JSON object such as {"startWithAudioMuted": true}; the '
            "meeting starts without it",
            'jitsiInterfaceConfig must be a JSON object such as {"startWithAudioMuted": true}; '
            "the meeting starts without it",
            "jitsiWidth must be a number (percent of the screen's width), not 'half'",
            "jitsiClosable must be a boolean, not 'yes'",
            "jitsiNoPrefix must be a boolean, not 1",
            "jitsiRoomAdminTag is not supported: ark has no member tags, so nobody is made a "
            "moderator",
        ])
