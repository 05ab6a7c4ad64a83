"""
A pair of maps made the WorkAdventure way (zones as tile layers with
properties and as C{area} objects, entries as C{startLayer} layers, doors
as C{exitUrl} with C{#entry}) works in ark: walls block, and the meeting
room, silent library, sounds and doors do what their properties say.
Properties ark has no behaviour for are reported, not fatal.
"""

from __future__ import annotations

import os

from twisted.trial.unittest import SynchronousTestCase

from ark.maps.tiled import loadMap
from ark.world import movement
from ark.world.movement import LEFT, RIGHT, Body
from ark.behaviours.director import ZoneDirector, discover
from zones.builtin import jitsiPrefix

from tests.support import Harness

UNITS = movement.UNITS_PER_PIXEL
MAPS = os.path.join(os.path.dirname(__file__), "maps")


def workAdventureMaps():
    return {name: loadMap(os.path.join(MAPS, name), name)
            for name in ("workadventure.tmj", "beach.tmj")}


class WorkAdventureMapTests(SynchronousTestCase):
    def setUp(self):
        self.maps = workAdventureMaps()
        self.director = ZoneDirector(discover())
        self.harness = Harness(maps=self.maps, defaultMap="workadventure.tmj",
                               director=self.director)
        self.client = self.harness.connect()
        self.welcome = self.client.join("ada")
        self.seq = 0

    def at(self, px, py):
        """
        Put the player at C{(px, py)} and return the effects that follow.
        """
        seat = self.client.session.seat
        self.client.clear()
        seat.room.teleport(seat.avatar, Body(px * UNITS, py * UNITS))
        self.harness.run(1)
        return [{k: v for k, v in m.items() if k not in ("t", "zone")}
                for m in self.client.messages("effect")]

    def walk(self, bits, ticks):
        for _ in range(ticks // 3):
            self.client.walk(self.seq, [bits] * 3)
            self.seq += 3
            self.harness.run(3)
        self.harness.run(3)

    def test_everyPropertyIsClaimed(self):
        """
        The websites, the tab and the focusable fountain have behaviours
        now; nothing is reported.
        """
        self.assertEqual(self.director.unclaimed(self.maps), [])
        self.assertEqual(self.director.problems(self.maps), [])

    def test_startsAtTheStartLayer(self):
        self.assertEqual((self.welcome["map"], self.welcome["me"]["x"], self.welcome["me"]["y"]),
                         ("workadventure.tmj", 48 * UNITS, 144 * UNITS))

    def test_wallsBlock(self):
        self.walk(LEFT, 60)
        body = self.client.session.seat.avatar.body
        # The wall is column 0: the body stops against it.
        self.assertGreaterEqual(body.x, 32 * UNITS)
        self.assertLess(body.x, 48 * UNITS)

    def test_meetingRoomLayer(self):
        self.assertEqual(self.at(6 * 32 + 16, 48),
                         [{"effect": "prompt", "text": "Press E to join the meeting"}])
        self.client.clear()
        self.client.sendMessage({"t": "act"})
        self.harness.run(1)
        [opened] = self.client.messages("effect")
        self.assertEqual((opened["effect"], opened["room"], opened["domain"]),
                         ("jitsi.open", jitsiPrefix("workadventure.tmj") + "-standup",
                          "meet.jit.si"))

    def test_silentLayerAndSoundArea(self):
        self.assertEqual(self.at(48, 48), [{"effect": "silence"}])
        self.assertEqual(self.at(64, 208), [
            {"effect": "unsilence"},
            {"effect": "audio.play", "url": "/maps/water.mp3", "volume": 1.0, "loop": False}])

    def test_throughTheExitAndBack(self):
        """
        The exit layer leads to the beach's C{from-town} entry; the beach's
        door leads back to C{from-beach}, where its sounds and meeting hut
        work too.
        """
        self.at(272, 144)
        self.walk(RIGHT, 30)
        welcome = self.client.last("welcome")
        self.assertEqual(welcome["map"], "beach.tmj")
        self.assertIn((welcome["me"]["x"], welcome["me"]["y"]),
                      [(48 * UNITS, 80 * UNITS), (48 * UNITS, 112 * UNITS)])
        self.client.clear()

        self.assertEqual(self.at(160, 64), [
            {"effect": "audio.play", "url": "/maps/waves.mp3", "volume": 0.5, "loop": True}])
        self.assertEqual(self.at(160, 128), [
            {"effect": "audio.stop", "url": "/maps/waves.mp3"},
            {"effect": "jitsi.open", "room": jitsiPrefix("beach.tmj") + "-beach-hut",
             "title": "Beach Hut", "domain": "meet.example.org",
             "config": '{"startWithAudioMuted":true}'},
            {"effect": "tab.open", "url": "https://example.org/", "text": "Open example.org"}])

        self.harness.clock.advance(2)
        self.at(48, 96)
        self.walk(LEFT, 30)
        back = self.client.last("welcome")
        self.assertEqual(back["map"], "workadventure.tmj")
        self.assertIn((back["me"]["x"], back["me"]["y"]),
                      [(272 * UNITS, 112 * UNITS), (272 * UNITS, 144 * UNITS)])
