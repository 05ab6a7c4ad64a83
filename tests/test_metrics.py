"""
What C{/metrics} reports is what happened: every message a client
receives is counted once, by type and bytes, and input refused by the rate
limit is told apart from input dropped because the queue was full.
"""

from __future__ import annotations

from collections import Counter

import cbor2
from prometheus_client.parser import text_string_to_metric_families
from twisted.trial.unittest import SynchronousTestCase
from twisted.web.test.requesthelper import DummyRequest

from ark.app.service import SimulationService
from ark.behaviours.director import ZoneDirector, discover
from ark.http.site import Metrics
from ark.world import movement
from ark.world.movement import RIGHT
from ark.world.room import MAX_QUEUED_STEPS
from ark.world.worldmap import Rectangle, Zone

from tests.support import Harness, mapFromRows

TICK = 1.0 / movement.TICK_RATE


def scrape() -> dict:
    """
    C{/metrics} as Prometheus reads it: C{{(sample name, labels): value}}.
    """
    request = DummyRequest([b""])
    text = Metrics().render_GET(request).decode("utf-8")
    samples = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def sentByType(samples) -> Counter:
    return Counter({dict(labels)["type"]: value for (name, labels), value in samples.items()
                    if name == "ark_messages_out_total"})


def meetingMap():
    """
    A corridor with a meeting room a few steps to the right of the start.
    """
    rows = ["." * 30 for _ in range(10)]
    rows[5] = "S" + "." * 29
    zones = [Zone("meeting", Rectangle(96, 128, 96, 96), {"jitsiRoom": "Team"})]
    return mapFromRows(rows, name="corridor.tmj", zones=zones)


class MessagesOutTests(SynchronousTestCase):
    """
    A scripted session, driven by the real 60 Hz loop on a test clock.
    """

    def setUp(self):
        worldMap = meetingMap()
        self.harness = Harness(maps={worldMap.name: worldMap},
                               director=ZoneDirector(discover()))
        self.simulation = SimulationService(self.harness.rooms, self.harness.clock)
        self.simulation.startService()
        self.addCleanup(self.simulation.stopService)

    def walkRight(self, client, seq, steps):
        """
        Walk C{steps} steps right, three a message as clients send them,
        one tick each.
        """
        for first in range(0, steps, 3):
            client.walk(seq + first, [RIGHT] * 3)
            self.harness.clock.pump([TICK] * 3)
        return seq + steps

    def test_everyMessageSentIsCountedOnceByTypeAndBytes(self):
        """
        Welcomes, patches, zone effects as they happen and as they are told
        again to a resumed connection, news of conversations (Ada and Bob
        start together, and Ada's walk into the meeting ends theirs), and
        errors: what C{/metrics} counts
        sent is exactly what the clients received, type by type and byte
        by byte.
        """
        before = scrape()
        ada = self.harness.connect()
        welcome = ada.join("ada")
        bob = self.harness.connect()
        bob.join("bob")
        # Ada walks into the meeting room: its call opens.
        seq = self.walkRight(ada, 0, 60)
        self.assertEqual([m["effect"] for m in ada.messages("effect")], ["jitsi.open"])
        # Her connection breaks; the new one is told again what the room does.
        ada.drop()
        again = self.harness.connect()
        again.join("ada", token=welcome["token"])
        self.assertEqual([m["effect"] for m in again.messages("effect")], ["jitsi.open"])
        # A mistake, answered with an error.
        again.walk(0, [RIGHT])
        self.assertEqual(again.errors(), ["stale_seq"])
        # On she goes, out of the room: the call closes.
        self.walkRight(again, seq, 90)
        self.assertEqual([m["effect"] for m in again.messages("effect")],
                         ["jitsi.open", "jitsi.close"])
        after = scrape()

        received = Counter()
        size = 0
        for client in (ada, bob, again):
            for frame in client.frames:
                received[cbor2.loads(frame)["t"]] += 1
                size += len(frame)
        counted = sentByType(after)
        counted.subtract(sentByType(before))
        self.assertEqual(+counted, received)
        self.assertEqual(set(received), {"welcome", "p", "effect", "error", "peer"})
        self.assertEqual(after[("ark_bytes_out_total", ())]
                         - before.get(("ark_bytes_out_total", ()), 0), size)


class DroppedInputTests(SynchronousTestCase):
    """
    Input steps the server does not use are counted by why.
    """

    def test_queueFullAndRateLimitedAreCountedApart(self):
        harness = Harness()
        client = harness.connect()
        client.join()
        before = scrape()
        # A burst the rate allows (sixty a second) but the queue does not
        # hold: all but the first ten are dropped.
        client.walk(0, [RIGHT] * 30)
        client.walk(30, [RIGHT] * 30)
        middle = scrape()
        self.assertEqual(middle[("ark_steps_dropped_total", ())]
                         - before[("ark_steps_dropped_total", ())], 60 - MAX_QUEUED_STEPS)
        self.assertEqual(middle[("ark_steps_rate_limited_total", ())],
                         before[("ark_steps_rate_limited_total", ())])
        # The same instant, the rate has none left: refused, not dropped.
        client.walk(60, [RIGHT] * 30)
        after = scrape()
        self.assertEqual(after[("ark_steps_rate_limited_total", ())]
                         - middle[("ark_steps_rate_limited_total", ())], 30)
        self.assertEqual(after[("ark_steps_dropped_total", ())],
                         middle[("ark_steps_dropped_total", ())])
        self.assertEqual(client.errors(), ["steps_dropped", "input_rate_limited"])

    def test_helpTextsSayWhatIsCounted(self):
        """
        An operator reading C{/metrics} is told which is which.
        """
        request = DummyRequest([b""])
        text = Metrics().render_GET(request).decode("utf-8")
        self.assertIn("# HELP ark_steps_dropped_total Input steps dropped because the "
                      "player's queue was full.", text)
        self.assertIn("# HELP ark_steps_rate_limited_total Input steps refused because the "
                      "player sent more a second than --input-rate allows.", text)


class ConversationGaugeTests(SynchronousTestCase):

    def test_conversationsAreCounted(self):
        """
        Two players side by side talk: C{ark_conversations} shows one pair,
        and none once one of them has left.
        """
        harness = Harness()
        # Its gauges are read from these rooms when /metrics is scraped.
        SimulationService(harness.rooms, harness.clock)
        ada, bob = harness.joined(2)
        harness.run(12)
        self.assertEqual(scrape()[("ark_conversations", ())], 1)
        bob.sendMessage({"t": "leave"})
        self.assertEqual(scrape()[("ark_conversations", ())], 0)
