"""
Tests for L{ark.rooms}: overflow shards and reconnection, on a test clock.
"""

from twisted.trial.unittest import SynchronousTestCase

from ark.net.session import CLOSE_REPLACED
from ark.world.movement import RIGHT

from tests.support import Harness, openMap


class ShardTests(SynchronousTestCase):
    """
    A full room overflows into shards of the same map.
    """

    def setUp(self):
        town = openMap(40, 40, name="town.tmj")
        cave = openMap(20, 20, name="cave.tmj")
        self.harness = Harness({town.name: town, cave.name: cave}, defaultMap="town.tmj",
                               capacity=2)

    def test_fullRoomOpensAnOverflowShard(self):
        """
        The third player on a map of capacity two lands in shard 2, sees
        nobody from shard 1, and is seen by nobody there.
        """
        first = self.harness.connect()
        first.join("a")
        self.harness.connect().join("b")
        third = self.harness.connect()
        welcome = third.join("c")
        self.assertEqual(welcome["room"], "town.tmj#2")
        self.assertEqual(welcome["map"], "town.tmj")
        self.assertEqual(welcome["entities"], [])
        self.harness.run(3)
        self.assertEqual(
            sorted(e["name"] for e in first.messages("p")[-1]["add"]), ["b"]
        )

    def test_mapsHaveSeparateRooms(self):
        """
        Joining another map never lands in the default map's room.
        """
        self.harness.connect().join("a")
        welcome = self.harness.connect().join("b", map="cave.tmj")
        self.assertEqual((welcome["room"], welcome["entities"]), ("cave.tmj", []))

    def test_emptyOverflowShardCloses(self):
        """
        When the last avatar leaves an overflow shard the shard closes; the
        map's first room stays open even when empty.
        """
        clients = [self.harness.connect() for _ in range(3)]
        for index, client in enumerate(clients):
            client.join(str(index))
        self.assertEqual(len(list(self.harness.rooms.views())), 2)
        clients[2].sendMessage({"t": "leave"})
        clients[0].sendMessage({"t": "leave"})
        clients[1].sendMessage({"t": "leave"})
        views = list(self.harness.rooms.views())
        self.assertEqual([self.harness.rooms.roomName(v) for v in views], ["town.tmj"])

    def test_freedSeatIsReused(self):
        """
        After someone leaves a full room, the next player gets the seat
        instead of a new shard.
        """
        clients = [self.harness.connect() for _ in range(2)]
        for index, client in enumerate(clients):
            client.join(str(index))
        clients[0].sendMessage({"t": "leave"})
        self.assertEqual(self.harness.connect().join("c")["room"], "town.tmj")


class ReconnectionTests(SynchronousTestCase):
    """
    A dropped player's avatar waits for them.
    """

    def setUp(self):
        self.harness = Harness(hold=30.0)
        self.watcher = self.harness.connect()
        self.watcher.join("watcher")
        self.player = self.harness.connect()
        self.welcome = self.player.join("player")
        self.harness.run(3)

    def test_dropShowsTheAvatarDisconnected(self):
        """
        Others see the avatar stay, marked disconnected.
        """
        self.watcher.clear()
        self.player.drop()
        self.harness.run(3)
        self.assertEqual(self.watcher.last("p")["chg"], [[self.welcome["id"], {"c": False}]])

    def test_tokenResumesTheSameAvatarWhereItStood(self):
        """
        Reconnecting with the token within the hold gives back the same
        avatar at the same position, and others see it connected again.
        """
        self.player.walk(0, [RIGHT] * 6)
        self.harness.run(9)
        before = self.player.last("p")["me"]
        self.player.drop()
        self.harness.run(60 * 20)
        self.watcher.clear()
        again = self.harness.connect()
        welcome = again.join("player", token=self.welcome["token"])
        self.assertTrue(welcome["resumed"])
        self.assertEqual(welcome["id"], self.welcome["id"])
        self.assertEqual([welcome["me"]["x"], welcome["me"]["y"]], before[:2])
        self.assertEqual(welcome["ack"], 5)
        self.assertEqual(welcome["me"]["name"], "player")
        self.harness.run(3)
        self.assertEqual(self.watcher.last("p")["chg"], [[welcome["id"], {"c": True}]])
        again.walk(6, [RIGHT])
        self.harness.run(3)
        self.assertEqual(again.last("p")["ack"], 6)

    def test_resumedClientNumbersStepsOnFromTheAck(self):
        """
        Steps that were still waiting when the connection dropped are
        forgotten: the resumed client numbers its steps on from the
        welcome's C{ack}, and they are taken, not refused as stale.
        """
        self.player.walk(0, [RIGHT] * 8)
        self.harness.run(3)
        self.player.drop()
        again = self.harness.connect()
        welcome = again.join("player", token=self.welcome["token"])
        self.assertEqual(welcome["ack"], 2)
        again.walk(welcome["ack"] + 1, [RIGHT] * 3)
        self.assertEqual(again.errors(), [])
        self.harness.run(6)
        self.assertEqual(again.last("p")["ack"], 5)
        self.assertEqual(again.last("p")["me"][0], welcome["me"]["x"] + 3 * 160)

    def test_holdRunsOut(self):
        """
        After the hold the avatar is removed, others are told, and the
        token no longer works.
        """
        self.player.drop()
        self.harness.run(3)
        self.watcher.clear()
        self.harness.clock.advance(30)
        self.harness.run(3)
        self.assertEqual(self.watcher.last("p")["del"], [self.welcome["id"]])
        late = self.harness.connect()
        late.join("player", token=self.welcome["token"])
        self.assertEqual(late.errors(), ["bad_token"])

    def test_anotherPlayersTokenIsUseless(self):
        """
        A reconnection token only resumes its own player's avatar: someone
        who saw it cannot take the avatar over.
        """
        self.player.drop()
        thief = self.harness.connect()
        thief.join("thief", token=self.welcome["token"])
        self.assertEqual(thief.errors(), ["bad_token"])
        welcome = self.harness.connect().join("player", token=self.welcome["token"])
        self.assertEqual(welcome["id"], self.welcome["id"])

    def test_tokenIsReplacedByEachWelcome(self):
        """
        A token that has been used cannot be used again; the new welcome's
        token works instead.
        """
        self.player.drop()
        welcome = self.harness.connect().join("player", token=self.welcome["token"])
        self.assertNotEqual(welcome["token"], self.welcome["token"])
        stale = self.harness.connect()
        stale.join("player", token=self.welcome["token"])
        self.assertEqual(stale.errors(), ["bad_token"])

    def test_resumingFromASecondConnectionReplacesTheFirst(self):
        """
        A page refreshed faster than the server notices the old connection
        takes the avatar over; the old connection is closed with 4003 and
        the avatar is not held or removed.
        """
        self.player.walk(0, [RIGHT] * 9)
        newer = self.harness.connect()
        welcome = newer.join("player", token=self.welcome["token"])
        self.assertEqual(self.player.closedWith[0], CLOSE_REPLACED)
        self.assertEqual(welcome["id"], self.welcome["id"])
        self.harness.clock.advance(60)
        # The old connection's waiting steps went with it.
        newer.walk(welcome["ack"] + 1, [RIGHT])
        self.assertEqual(newer.errors(), [])
        self.harness.run(6)
        self.assertEqual(newer.last("p")["ack"], welcome["ack"] + 1)
        self.assertEqual(newer.last("p")["me"][0], welcome["me"]["x"] + 160)

    def test_deliberateLeaveInvalidatesTheToken(self):
        """
        After leaving on purpose the token resumes nothing.
        """
        self.player.sendMessage({"t": "leave"})
        late = self.harness.connect()
        late.join("player", token=self.welcome["token"])
        self.assertEqual(late.errors(), ["bad_token"])
