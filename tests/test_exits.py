"""
Tests for exits: a door (C{exitUrl}) moves the player to another map's
room at the entry it names, their client starts again from a new welcome,
and those left behind and those arrived among see it.
"""

from __future__ import annotations

from twisted.trial.unittest import SynchronousTestCase

from ark.world import movement
from ark.world.movement import RIGHT, Body
from ark.world.worldmap import Rectangle, Zone
from ark.behaviours.director import Player, Services, ZoneDirector, discover
from zones.builtin import exitLink, exitTarget, mapExit

from tests.support import Harness, mapFromRows

UNITS = movement.UNITS_PER_PIXEL


def plaza(door="hall.tmj#from-plaza"):
    """
    30 x 10 tiles, a door at tiles 10 and 11 of row 5, and the entry
    C{by-door} inside it.
    """
    rows = ["." * 30 for _ in range(10)]
    rows[5] = "S" + "." * 29
    return mapFromRows(rows, name="town/plaza.tmj", spawns={"by-door": [(336, 176)]},
                       zones=[Zone("door", Rectangle(320, 160, 64, 32), {"exitUrl": door})])


def hall(back="plaza.tmj#by-door", entry=(80, 80)):
    """
    The map behind the door, in the same directory: an entry at C{entry}
    and a door back in its far corner.
    """
    rows = ["." * 20 for _ in range(10)]
    rows[8] = "." * 19 + "S"
    return mapFromRows(rows, name="town/hall.tmj", spawns={"from-plaza": [entry]},
                       zones=[Zone("way-back", Rectangle(0, 0, 160, 160), {"exitUrl": back})])


class ExitTargetTests(SynchronousTestCase):
    def test_relativeToTheMap(self):
        self.assertEqual(exitTarget("town/plaza.tmj", "hall.tmj#from-plaza"),
                         ("town/hall.tmj", "from-plaza"))
        self.assertEqual(exitTarget("town/plaza.tmj", "../beach.tmj"), ("beach.tmj", "start"))
        self.assertEqual(exitTarget("plaza.tmj", "./wing/hall.tmj#"), ("wing/hall.tmj", "start"))

    def test_moveToIsIgnored(self):
        """
        WorkAdventure's C{moveTo} beside the entry, in either order, leaves
        the entry; alone, the default entry.
        """
        for exitUrl, entry in [("hall.tmj#door&moveTo=stage", "door"),
                               ("hall.tmj#moveTo=10,20&door", "door"),
                               ("hall.tmj#&moveTo=stage", "start")]:
            self.assertEqual(exitTarget("town/plaza.tmj", exitUrl), ("town/hall.tmj", entry))

    def test_nowhereThisServerHas(self):
        for exitUrl in ["https://play.example.org/map.json", "/_/global/other/map.json",
                        "../../etc/passwd", "#only-an-entry", "", "   ", 7, None]:
            self.assertIsNone(exitTarget("town/plaza.tmj", exitUrl), exitUrl)


class ExitLinkTests(SynchronousTestCase):
    """
    Exits to another server are offered to the player as a link.
    """

    def test_webAddresses(self):
        self.assertEqual(exitLink("town/plaza.tmj", "https://play.example.org/_/global/x/map.json"),
                         "https://play.example.org/_/global/x/map.json")
        self.assertIsNone(exitLink("town/plaza.tmj", "javascript:alert(1)"))
        self.assertIsNone(exitLink("town/plaza.tmj", "hall.tmj"))

    def test_workAdventureRooms(self):
        """
        WorkAdventure's room paths lead to its play server, the
        configured one or the public one by default.
        """
        self.assertEqual(exitLink("a.tmj", "/@/tcm/workadventure/floor0"),
                         "https://play.workadventu.re/@/tcm/workadventure/floor0")
        self.assertEqual(exitLink("a.tmj", "/_/global/maps.example.org/b.json#door",
                                  "https://wa.example.org/"),
                         "https://wa.example.org/_/global/maps.example.org/b.json#door")
        for other in ["/maps/b.tmj", "/@", "/@//x", "/_/", "/etc/passwd"]:
            self.assertIsNone(exitLink("a.tmj", other), other)

    def test_exitSceneUrl(self):
        """
        The older C{exitSceneUrl} names a map file: relative, a map of this
        server; on the web, that map's public room on the play server.
        """
        self.assertEqual(exitLink("a.tmj", "https://maps.example.org/floor/b.json#hall",
                                  scene=True),
                         "https://play.workadventu.re/_/global/maps.example.org/floor/b.json#hall")
        self.assertIsNone(exitLink("a.tmj", "/@/org/world/room", scene=True))

    def player(self, mapName="town/plaza.tmj"):
        return Player(1, "ada", "owl", mapName, (),
                      Services(workAdventureUrl="https://wa.example.org"))

    def test_offeredOnEnterAndWithdrawnOnLeave(self):
        portal = Zone("portal", Rectangle(0, 0, 64, 32), {"exitUrl": "/@/org/world/lobby"})
        self.assertEqual(mapExit.entered(self.player(), portal), [
            {"effect": "link.offer", "url": "https://wa.example.org/@/org/world/lobby",
             "text": "Go on to wa.example.org/@/org/world/lobby"}])
        self.assertEqual(mapExit.left(self.player(), portal), [{"effect": "link.withdraw"}])
        door = Zone("door", Rectangle(0, 0, 64, 32), {"exitSceneUrl": "hall.tmj#from-plaza"})
        self.assertEqual(mapExit.entered(self.player(), door), [("town/hall.tmj", "from-plaza")])
        self.assertEqual(mapExit.left(self.player(), door), [])
        nowhere = Zone("door", Rectangle(0, 0, 64, 32), {"exitUrl": "javascript:alert(1)"})
        self.assertEqual(mapExit.entered(self.player(), nowhere), [])
        self.assertEqual(mapExit.left(self.player(), nowhere), [])

    def test_reported(self):
        maps = [plaza(door="/_/global/maps.example.org/town.json"), hall(),
                mapFromRows(["S."], name="old.tmj", zones=[
                    Zone("a", Rectangle(0, 0, 64, 32), {"exitSceneUrl": "town/hall.tmj#from-plaza",
                                                        "exitInstance": "global"}),
                    Zone("b", Rectangle(0, 0, 64, 32),
                         {"exitSceneUrl": "https://maps.example.org/b.json"}),
                    Zone("c", Rectangle(0, 0, 64, 32), {"exitUrl": "ftp://example.org/x"}),
                    Zone("d", Rectangle(0, 0, 64, 32), {"exitUrl": "#entry"})])]
        self.assertEqual(ZoneDirector(discover()).problems({m.name: m for m in maps}), [
            ("old.tmj", "a", "exitInstance is ignored: ark has one instance of each map"),
            ("old.tmj", "b", "exitSceneUrl 'https://maps.example.org/b.json' leads to another "
             "server: players are offered a link to a WorkAdventure room on the play server "
             "(--workadventure-url)"),
            ("old.tmj", "c", "exitUrl 'ftp://example.org/x' leads nowhere ark can go (a map of "
             "this server, an http(s) address, or a WorkAdventure /@/ or /_/ room); the door "
             "does nothing"),
            ("old.tmj", "d", "exitUrl '#entry' leads nowhere ark can go (a map of this server, "
             "an http(s) address, or a WorkAdventure /@/ or /_/ room); the door does nothing"),
            ("town/plaza.tmj", "door", "exitUrl '/_/global/maps.example.org/town.json' leads to "
             "another server: players are offered a link to a WorkAdventure room on the play "
             "server (--workadventure-url)"),
        ])


class ExitTests(SynchronousTestCase):
    def setUp(self):
        maps = [plaza(), hall(back="plaza.tmj#by-door", entry=(400, 200))]
        self.harness = Harness(maps={m.name: m for m in maps}, defaultMap="town/plaza.tmj",
                               director=ZoneDirector(discover()))

    def player(self, name, px, py=176):
        client = self.harness.connect()
        client.join(name, map="town/plaza.tmj")
        seat = client.session.seat
        seat.room.teleport(seat.avatar, Body(px * UNITS, py * UNITS))
        self.harness.run(3)
        client.seq = 0
        return client

    def walkRight(self, client, ticks, untilMoved=False):
        for _ in range(ticks // 3):
            client.walk(client.seq, [RIGHT] * 3)
            client.seq += 3
            self.harness.run(3)
            if untilMoved and client.messages("welcome"):
                return

    def test_throughTheDoor(self):
        """
        Walking into the door, the player gets a welcome to the hall at its
        entry, with the others there, and goes on walking from there with
        the same step numbers.
        """
        already = self.harness.connect()
        already.join("already", map="town/hall.tmj")
        walker = self.player("walker", 300)
        walker.clear()
        self.walkRight(walker, 30, untilMoved=True)

        [welcome] = walker.messages("welcome")
        self.assertTrue(welcome["moved"])
        self.assertFalse(welcome["resumed"])
        self.assertEqual((welcome["map"], welcome["mapUrl"], welcome["room"]),
                         ("town/hall.tmj", "/maps/town/hall.tmj", "town/hall.tmj"))
        self.assertEqual(welcome["me"]["name"], "walker")
        self.assertEqual(welcome["me"]["user"], self.harness.userId("walker"))
        self.assertEqual((welcome["me"]["x"], welcome["me"]["y"]), (400 * UNITS, 200 * UNITS))
        self.assertEqual([e["name"] for e in welcome["entities"]], ["already"])
        seat = walker.session.seat
        self.assertEqual(seat.room.worldMap.name, "town/hall.tmj")
        self.assertEqual(welcome["ack"], walker.seq - 1)

        # Steps already sent walk them on from the entry.
        x = seat.avatar.body.x
        walker.walk(walker.seq, [RIGHT] * 3)
        self.harness.run(6)
        self.assertGreater(seat.avatar.body.x, x)
        self.assertEqual(walker.errors(), [])

    def test_othersSeeThePlayerLeaveAndArrive(self):
        left = self.player("left-behind", 260)
        arrived = self.harness.connect()
        arrived.join("there", map="town/hall.tmj")
        walker = self.player("walker", 300)
        walkerInPlaza = walker.session.seat.avatar.entityId
        left.clear()
        arrived.clear()
        self.walkRight(walker, 30)
        self.harness.run(6)
        self.assertIn(walkerInPlaza, [i for p in left.messages("p") for i in p.get("del", [])])
        self.assertEqual([e["name"] for p in arrived.messages("p") for e in p.get("add", [])],
                         ["walker"])
        self.assertEqual(
            len(self.harness.rooms.shardsOf("town/plaza.tmj")[0].room.avatars), 1)

    def test_noBouncingBetweenDoors(self):
        """
        The hall's entry lies in its door back, whose entry lies in the
        plaza's door: the player goes through once and stays.
        """
        maps = [plaza(), hall(back="plaza.tmj#by-door", entry=(80, 80))]
        self.harness = Harness(maps={m.name: m for m in maps}, defaultMap="town/plaza.tmj",
                               director=ZoneDirector(discover()))
        walker = self.player("walker", 300)
        walker.clear()
        self.walkRight(walker, 30)
        self.harness.run(120)
        self.assertEqual([w["map"] for w in walker.messages("welcome")], ["town/hall.tmj"])

    def test_reconnectingAfterTheDoor(self):
        """
        The reconnection token of the new welcome brings the player back to
        the hall.
        """
        walker = self.player("walker", 300)
        self.walkRight(walker, 30)
        token = walker.last("welcome")["token"]
        walker.drop()
        again = self.harness.connect()
        again.join("walker", token=token)
        self.assertEqual(again.last("welcome")["map"], "town/hall.tmj")
        self.assertTrue(again.last("welcome")["resumed"])

    def test_brokenDoorsAreReportedAndDoNothing(self):
        maps = [plaza(door="nowhere.tmj"), hall(back="plaza.tmj#no-such-entry"),
                mapFromRows(["S."], name="remote.tmj",
                            zones=[Zone("portal", Rectangle(0, 0, 64, 32),
                                        {"exitUrl": "https://example.org/map.json"})])]
        director = ZoneDirector(discover())
        self.assertEqual(director.problems({m.name: m for m in maps}), [
            ("remote.tmj", "portal",
             "exitUrl 'https://example.org/map.json' leads to another server: players are "
             "offered a link to https://example.org/map.json"),
            ("town/hall.tmj", "way-back",
             "exitUrl 'plaza.tmj#no-such-entry': map 'town/plaza.tmj' has no entry "
             "'no-such-entry'; the door leads to its default entry"),
            ("town/plaza.tmj", "door",
             "exitUrl 'nowhere.tmj': there is no map 'town/nowhere.tmj'; the door does nothing"),
        ])
        self.harness = Harness(maps={m.name: m for m in maps}, defaultMap="town/plaza.tmj",
                               director=director)
        walker = self.player("walker", 300)
        walker.clear()
        self.walkRight(walker, 30)
        self.assertEqual(walker.messages("welcome"), [])
        self.assertEqual(walker.session.seat.room.worldMap.name, "town/plaza.tmj")
        self.assertEqual(walker.errors(), [])

    def test_doorToAnUnknownEntryLandsOnTheDefaultEntry(self):
        """
        As in WorkAdventure, a door naming an entry its map does not have
        still leads there, to the map's default entry.
        """
        maps = [plaza(door="hall.tmj#no-such-entry"), hall()]
        self.harness = Harness(maps={m.name: m for m in maps}, defaultMap="town/plaza.tmj",
                               director=ZoneDirector(discover()))
        walker = self.player("walker", 300)
        walker.clear()
        self.walkRight(walker, 30, untilMoved=True)
        [welcome] = walker.messages("welcome")
        self.assertEqual(welcome["map"], "town/hall.tmj")
        start = maps[1].spawnPoints("start")[0]
        self.assertEqual((welcome["me"]["x"], welcome["me"]["y"]),
                         (int(start[0] * UNITS), int(start[1] * UNITS)))

    def test_linkToAnotherServer(self):
        """
        A door to a WorkAdventure room offers the player a link on
        entering and withdraws it on leaving; the player stays.
        """
        maps = [plaza(door="/@/org/world/lobby"), hall()]
        self.harness = Harness(maps={m.name: m for m in maps}, defaultMap="town/plaza.tmj",
                               director=ZoneDirector(discover()))
        walker = self.player("walker", 300)
        walker.clear()
        self.walkRight(walker, 60)
        self.assertEqual([(m["effect"], m.get("url")) for m in walker.messages("effect")], [
            ("link.offer", "https://play.workadventu.re/@/org/world/lobby"),
            ("link.withdraw", None)])
        self.assertEqual(walker.messages("welcome"), [])
