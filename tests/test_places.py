"""
Where players stand is kept while they play, not only when they leave: a
server that dies without stopping loses at most L{PLACE_SAVE_SECONDS} of
walking (C{tests/test_crash.py} kills the real one).
"""

from twisted.internet import defer
from twisted.trial.unittest import SynchronousTestCase, TestCase

from ark.rooms import PLACE_SAVE_SECONDS
from ark.world.movement import RIGHT, TICK_RATE, WALK_SPEED

from tests.backends import PostgreSQLBackend, SQLiteBackend
from tests.support import Harness


class RecordingStore:
    """
    The place-keeping part of a store: records each transaction of places
    and answers with a Deferred the test fires (or fires at once).
    """

    def __init__(self, autoFire=True):
        self.autoFire = autoFire
        self.transactions = []
        self.pending = []

    def savePlaces(self, places, at):
        self.transactions.append(list(places))
        if self.autoFire:
            return defer.succeed(None)
        saving = defer.Deferred()
        self.pending.append(saving)
        return saving

    def lastPlace(self, userId):
        return defer.succeed(None)


SAVE_TICKS = int(PLACE_SAVE_SECONDS * TICK_RATE)
# A little more than a period, so that each run of this many ticks sees
# exactly one save fall due, whatever the rounding of the clock.
PERIOD = SAVE_TICKS + 3


class PeriodicSaveTests(SynchronousTestCase):
    """
    The rooms save where players stand every L{PLACE_SAVE_SECONDS}.
    """

    def setUp(self):
        self.store = RecordingStore()
        self.harness = Harness(store=self.store)

    def test_walkersAreSavedWithoutLeaving(self):
        """
        Within L{PLACE_SAVE_SECONDS} of walking, a connected player's place
        is saved, everyone who moved in one transaction; nobody is saved
        again until they move again.
        """
        ann, bob = self.harness.joined(2)
        annWelcome, bobWelcome = ann.last("welcome"), bob.last("welcome")
        self.harness.run(SAVE_TICKS - 2)
        self.assertEqual(self.store.transactions, [])
        # Both have a place that was never saved.
        self.harness.run(5)
        self.assertEqual(self.store.transactions, [[
            (annWelcome["user"], "open.tmj", annWelcome["me"]["x"], annWelcome["me"]["y"]),
            (bobWelcome["user"], "open.tmj", bobWelcome["me"]["x"], bobWelcome["me"]["y"]),
        ]])

        ann.walk(0, [RIGHT] * 5)
        self.harness.run(PERIOD)
        self.assertEqual(self.store.transactions[1:], [[
            (annWelcome["user"], "open.tmj", annWelcome["me"]["x"] + 5 * WALK_SPEED,
             annWelcome["me"]["y"]),
        ]])
        self.harness.run(SAVE_TICKS * 3)
        self.assertEqual(len(self.store.transactions), 2)

    def test_heldAvatarsKeepTheirPlace(self):
        """
        An avatar held after its connection dropped is saved like the
        others.
        """
        (ann,) = self.harness.joined(1)
        welcome = ann.last("welcome")
        ann.walk(0, [RIGHT] * 3)
        self.harness.run(3)
        ann.drop()
        self.harness.run(PERIOD)
        self.assertEqual(self.store.transactions, [[
            (welcome["user"], "open.tmj", welcome["me"]["x"] + 3 * WALK_SPEED,
             welcome["me"]["y"]),
        ]])

    def test_failedSaveIsRetried(self):
        """
        A save the store fails is logged and made again at the next
        period.
        """
        (ann,) = self.harness.joined(1)
        failing = [True]

        def savePlaces(places, at):
            self.store.transactions.append(list(places))
            if failing[0]:
                return defer.fail(RuntimeError("the disk is full"))
            return defer.succeed(None)

        self.patch(self.store, "savePlaces", savePlaces)
        self.harness.run(PERIOD)
        self.assertEqual(len(self.flushLoggedErrors(RuntimeError)), 1)
        failing[0] = False
        self.harness.run(PERIOD)
        self.assertEqual(len(self.store.transactions), 2)
        self.assertEqual(self.store.transactions[0], self.store.transactions[1])
        self.harness.run(PERIOD)
        self.assertEqual(len(self.store.transactions), 2)


class OrderTests(SynchronousTestCase):
    """
    An older place never overwrites a newer one, however slow the store.
    """

    def setUp(self):
        self.store = RecordingStore(autoFire=False)
        self.harness = Harness(store=self.store)
        (self.ann,) = self.harness.joined(1)
        self.welcome = self.ann.last("welcome")
        self.harness.run(PERIOD)
        self.assertEqual(len(self.store.transactions), 1)

    def test_slowStoreGetsNoBacklog(self):
        """
        While a save is under way, the saves falling due are skipped, not
        queued: a slow database is not buried under stale places.  The
        next period after it finishes saves the newest place.
        """
        self.ann.walk(0, [RIGHT] * 4)
        self.harness.run(PERIOD * 3)
        self.store.pending.pop(0).callback(None)
        self.assertEqual(len(self.store.transactions), 1)
        self.harness.run(PERIOD)
        self.assertEqual(self.store.transactions[1:], [[
            (self.welcome["user"], "open.tmj", self.welcome["me"]["x"] + 4 * WALK_SPEED,
             self.welcome["me"]["y"]),
        ]])

    def test_leavingWaitsForTheSaveUnderWay(self):
        """
        The place saved when a player leaves is written only after the
        save under way, so it is the one that stays.
        """
        self.ann.walk(0, [RIGHT] * 4)
        self.harness.run(6)
        self.ann.sendMessage({"t": "leave"})
        self.assertEqual(len(self.store.transactions), 1)
        self.store.pending.pop(0).callback(None)
        self.assertEqual(self.store.transactions[1:], [[
            (self.welcome["user"], "open.tmj", self.welcome["me"]["x"] + 4 * WALK_SPEED,
             self.welcome["me"]["y"]),
        ]])


class StoreTestsMixin:
    """
    L{ark.store.sqlstore.SQLStore.savePlaces} on a real database.
    """

    @defer.inlineCallbacks
    def test_savePlacesInOneGo(self):
        """
        Several places saved together are each one's last place; users not
        named keep theirs.
        """
        self.setUpDatabase()
        store = yield self.startStore()
        ids = []
        for name in ("Ann", "Bob", "Cat"):
            user = yield store.createUser(name, "fox", 1000)
            ids.append(user["id"])
        ann, bob, cat = ids
        yield store.savePlace(cat, "cafe.tmj", 1, 2, 2000)
        yield store.savePlaces([(ann, "town.tmj", 600, -60), (bob, "cafe.tmj", 7, 8)], 3000)
        self.assertEqual((yield store.lastPlace(ann)), ("town.tmj", 600, -60))
        self.assertEqual((yield store.lastPlace(bob)), ("cafe.tmj", 7, 8))
        self.assertEqual((yield store.lastPlace(cat)), ("cafe.tmj", 1, 2))
        yield store.savePlaces([], 4000)
        self.assertEqual((yield store.lastPlace(ann)), ("town.tmj", 600, -60))


class SQLitePlacesTests(StoreTestsMixin, SQLiteBackend, TestCase):
    pass


class PostgreSQLPlacesTests(StoreTestsMixin, PostgreSQLBackend, TestCase):
    pass
