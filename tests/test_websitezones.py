"""
Tests for the zone behaviours of published WorkAdventure maps: websites
in a panel (C{openWebsite}), new tabs (C{openTab}), the camera's focus
(C{focusable}), addresses relative to the map, and what they report.
"""

from __future__ import annotations

from twisted.trial.unittest import SynchronousTestCase

from ark.behaviours.director import Player, Services, ZoneDirector, discover
from ark.world import movement
from ark.world.movement import Body
from ark.world.worldmap import Polygon, Rectangle, TileArea, Zone
from zones.focus import bounds, focus
from zones.urls import mapAddress, webAddress
from zones.website import tab, website

from tests.support import Harness, mapFromRows

UNITS = movement.UNITS_PER_PIXEL
MAP = "floor1/lobby.tmj"


def player(zones=(), mapName=MAP):
    return Player(1, "ada", "owl", mapName, tuple(zones), Services())


def zone(**properties):
    return Zone("z", Rectangle(32, 64, 96, 128), properties)


def problems(*zones, mapName=MAP):
    """
    What the server reports at startup about C{zones} of one map.
    """
    worldMap = mapFromRows(["S..."], name=mapName, zones=zones)
    return [problem for _, _, problem in ZoneDirector(discover()).problems({mapName: worldMap})]


class AddressTests(SynchronousTestCase):
    def test_relativeToTheMap(self):
        self.assertEqual(mapAddress(MAP, "pages/info.html"), "/maps/floor1/pages/info.html")
        self.assertEqual(mapAddress(MAP, "./info.html?lang=en#top"),
                         "/maps/floor1/info.html?lang=en#top")
        self.assertEqual(mapAddress(MAP, "../common/rules.html"), "/maps/common/rules.html")
        self.assertEqual(mapAddress(MAP, "/maps/common/rules.html"), "/maps/common/rules.html")
        self.assertEqual(mapAddress(MAP, "my page.html"), "/maps/floor1/my%20page.html")
        self.assertEqual(mapAddress(MAP, "docs/"), "/maps/floor1/docs/")

    def test_webAddressesAsTheyAre(self):
        for url in ["https://example.org/", "http://example.org:8080/a?b=c#d"]:
            self.assertEqual(mapAddress(MAP, url), url)
        self.assertEqual(mapAddress(MAP, " //example.org/x "), "https://example.org/x")

    def test_refused(self):
        """
        Nothing leaves the maps directory, and no other scheme is taken.
        """
        for value in ["../../etc/passwd", "/api/auth/token", "/maps/../api/x", "%2e%2e/%2e%2e/x",
                      "..\\..\\x", "javascript:alert(1)", "JavaScript:alert(1)",
                      "data:text/html,<script>x</script>", "file:///etc/passwd", "http://",
                      "https:///path", "", "   ", "#top", "?q", 7, None, True,
                      "https://example.org/\x00"]:
            self.assertIsNone(mapAddress(MAP, value), repr(value))
        self.assertIsNone(webAddress("/maps/floor1/a.html"))


class AudioAddressTests(SynchronousTestCase):
    def test_soundsStayInTheMapsDirectory(self):
        """
        C{playAudio} resolves like every other address: a path out of the
        maps directory plays nothing and is reported.
        """
        from zones.builtin import audio

        escaping = zone(playAudio="../../../api/rooms")
        self.assertEqual(audio.entered(player([escaping]), escaping), [])
        self.assertEqual(audio.left(player(), escaping), [])
        self.assertEqual(problems(escaping, zone(playAudio="sounds/rain.mp3")), [
            "playAudio '../../../api/rooms' is neither an http(s) address nor a file in the "
            "maps directory; nothing plays"])


class WebsiteTests(SynchronousTestCase):
    def test_opensOnEnterAndClosesOnLeave(self):
        kiosk = zone(openWebsite="https://example.org/menu")
        self.assertEqual(website.entered(player([kiosk]), kiosk), [
            {"effect": "website.open", "url": "https://example.org/menu", "closable": True}])
        self.assertEqual(website.offer(kiosk), None)
        self.assertEqual(website.acted(player([kiosk]), kiosk), [])
        self.assertEqual(website.left(player(), kiosk), [{"effect": "website.close"}])

    def test_panelProperties(self):
        """
        The width is a share of the screen, kept between 15 and 85; the
        policy becomes the frame's allow; closable follows the map.
        """
        kiosk = zone(openWebsite="menu.html", openWebsiteWidth=120,
                     openWebsitePolicy=" fullscreen; camera ", openWebsiteClosable=False)
        self.assertEqual(website.entered(player([kiosk]), kiosk), [
            {"effect": "website.open", "url": "/maps/floor1/menu.html", "closable": False,
             "width": 85.0, "policy": "fullscreen; camera"}])
        narrow = zone(openWebsite="menu.html", openWebsiteWidth=5)
        self.assertEqual(website.entered(player(), narrow)[0]["width"], 15.0)
        odd = zone(openWebsite="menu.html", openWebsiteWidth="wide", openWebsitePolicy=7)
        self.assertEqual(website.entered(player(), odd), [
            {"effect": "website.open", "url": "/maps/floor1/menu.html", "closable": True}])

    def test_onAction(self):
        kiosk = zone(openWebsite="https://example.org/", openWebsiteTrigger="onaction",
                     openWebsiteTriggerMessage="Press E to read the menu")
        self.assertEqual(website.entered(player([kiosk]), kiosk),
                         [{"effect": "prompt", "text": "Press E to read the menu"}])
        self.assertEqual(website.offer(kiosk), "Open website")
        self.assertEqual(website.acted(player([kiosk]), kiosk), [
            {"effect": "website.open", "url": "https://example.org/", "closable": True}])
        self.assertEqual(website.left(player(), kiosk), [{"effect": "website.close"}])
        plain = zone(openWebsite="https://example.org/", openWebsiteTrigger="ONACTION")
        self.assertEqual(website.entered(player(), plain),
                         [{"effect": "prompt", "text": "Press E to open the website"}])

    def test_onIconIsTheActionButtonAlone(self):
        kiosk = zone(openWebsite="https://example.org/", openWebsiteTrigger="onicon")
        self.assertEqual(website.entered(player([kiosk]), kiosk), [])
        self.assertEqual(website.offer(kiosk), "Open website")
        self.assertEqual([e["effect"] for e in website.acted(player([kiosk]), kiosk)],
                         ["website.open"])

    def test_refusedAddressesOpenNothing(self):
        for value in ["javascript:alert(document.cookie)", "../../../etc/passwd", "/api/rooms"]:
            bad = zone(openWebsite=value, openWebsiteTrigger="onaction")
            self.assertEqual(website.entered(player([bad]), bad), [], value)
            self.assertEqual(website.acted(player([bad]), bad), [], value)
            self.assertEqual(website.left(player(), bad), [], value)

    def test_reported(self):
        self.assertEqual(problems(zone(openWebsite="https://example.org/")), [])
        self.assertEqual(problems(
            zone(openWebsite="javascript:alert(1)"),
            zone(openWebsite="a.html", openWebsiteTrigger="sometimes", openWebsiteWidth="wide",
                 openWebsitePolicy=["camera"], openWebsiteClosable="no"),
            zone(openWebsite="a.html", openWebsiteAllowApi=True, openWebsitePosition=1),
            zone(openWebsiteWidth=50, openWebsiteTrigger="onaction"),
            zone(openWebsite=""),
        ), [
            "openWebsite 'javascript:alert(1)' is neither an http(s) address nor a page in "
            "the maps directory; nothing opens",
            "openWebsiteTrigger must be onenter, onaction or onicon, not 'sometimes'; it "
            "opens on entering",
            "openWebsiteWidth must be a number (percent of the screen's width), not 'wide'",
            "openWebsitePolicy must be text such as 'fullscreen; camera'; the page opens "
            "without it",
            "openWebsiteClosable must be a boolean, not 'no'",
            "openWebsiteAllowApi is not supported: ark has no WorkAdventure scripting API; "
            "the page opens without it",
            "openWebsitePosition is ignored: ark shows one website at a time",
            "openWebsiteWidth, openWebsiteTrigger do nothing without openWebsite",
            "openWebsite is empty; nothing opens",
        ])


class TabTests(SynchronousTestCase):
    def test_opensOnEnterAndWithdrawsTheLinkOnLeave(self):
        hut = zone(openTab="https://example.org/shop")
        self.assertEqual(tab.entered(player([hut]), hut), [
            {"effect": "tab.open", "url": "https://example.org/shop",
             "text": "Open example.org/shop"}])
        self.assertEqual(tab.offer(hut), None)
        self.assertEqual(tab.left(player(), hut), [{"effect": "link.withdraw"}])

    def test_onActionSharesTheWebsiteTrigger(self):
        hut = zone(openTab="guide.html", openWebsiteTrigger="onaction")
        self.assertEqual(tab.entered(player([hut]), hut), [
            {"effect": "prompt", "text": "Press E to open /maps/floor1/guide.html in a new tab"}])
        self.assertEqual(tab.offer(hut), "Open in a new tab")
        self.assertEqual(tab.acted(player([hut]), hut), [
            {"effect": "tab.open", "url": "/maps/floor1/guide.html",
             "text": "Open /maps/floor1/guide.html"}])
        worded = zone(openTab="guide.html", openWebsiteTrigger="onaction",
                      openWebsiteTriggerMessage="Press E for the guide")
        self.assertEqual(tab.entered(player(), worded),
                         [{"effect": "prompt", "text": "Press E for the guide"}])
        icon = zone(openTab="guide.html", openWebsiteTrigger="onicon")
        self.assertEqual(tab.entered(player(), icon), [])

    def test_refusedAndReported(self):
        bad = zone(openTab="javascript:void(0)")
        self.assertEqual(tab.entered(player([bad]), bad), [])
        self.assertEqual(tab.left(player(), bad), [])
        self.assertEqual(problems(bad, zone(openTab="a.html", openWebsiteTrigger="never"),
                                  zone(openTab="a.html", openWebsiteTrigger="onaction",
                                       openWebsiteTriggerMessage="Press E")), [
            "openTab 'javascript:void(0)' is neither an http(s) address nor a page in the maps "
            "directory; nothing opens",
            "openWebsiteTrigger must be onenter, onaction or onicon, not 'never'; it opens on "
            "entering",
        ])


class FocusTests(SynchronousTestCase):
    def test_bounds(self):
        self.assertEqual(bounds(Rectangle(32, 64, 96, 128)), (32, 64, 96, 128))
        self.assertEqual(bounds(Polygon(((192, 128), (256, 128), (256, 192), (224, 192),
                                         (224, 160), (192, 160)))), (192, 128, 64, 64))
        self.assertEqual(bounds(TileArea(frozenset({(2, 3), (4, 3), (3, 5)}), 32, 16)),
                         (64, 48, 96, 48))
        for empty in [Rectangle(10, 10, 0, 5), Polygon(((1, 1), (5, 1))), Polygon(()),
                      TileArea(frozenset(), 32, 32), "a circle"]:
            self.assertIsNone(bounds(empty), empty)

    def test_focusesOnEnterAndUnfocusesOnLeave(self):
        stage = zone(focusable=True, zoomMargin=0.35)
        self.assertEqual(focus.entered(player([stage]), stage), [
            {"effect": "camera.focus", "x": 32, "y": 64, "width": 96, "height": 128,
             "margin": 0.35}])
        self.assertEqual(focus.offer(stage), None)
        self.assertEqual(focus.acted(player([stage]), stage), [])
        self.assertEqual(focus.left(player(), stage), [{"effect": "camera.unfocus"}])

    def test_margins(self):
        """
        C{zoomMargin}, or the C{zoom_margin} WorkAdventure also reads: none
        when absent or not a number, kept between 0 and 4.
        """
        def marginOf(**properties):
            return focus.entered(player(), zone(focusable=True, **properties))[0]["margin"]

        self.assertEqual(marginOf(), 0.0)
        self.assertEqual(marginOf(zoom_margin=0.5), 0.5)
        self.assertEqual(marginOf(zoomMargin=-1), 0.0)
        self.assertEqual(marginOf(zoomMargin=10), 4.0)
        self.assertEqual(marginOf(zoomMargin="lots"), 0.0)
        self.assertEqual(marginOf(zoomMargin=True), 0.0)

    def test_onlyTheBooleanTrueFocuses(self):
        for value in [False, "true", 1]:
            self.assertEqual(focus.entered(player(), zone(focusable=value)), [], value)
            self.assertEqual(focus.left(player(), zone(focusable=value)), [], value)

    def test_reported(self):
        flat = Zone("line", Polygon(((0, 0), (64, 0))), {"focusable": True})
        self.assertEqual(problems(zone(focusable=True, zoomMargin=0.2), flat,
                                  zone(focusable="yes"), zone(zoomMargin=0.5),
                                  zone(focusable=True, zoom_margin="big")), [
            "focusable needs a zone with an area (a rectangle, a polygon or painted tiles)",
            "focusable must be the boolean true to frame the zone",
            "zoomMargin does nothing without focusable",
            "zoom_margin must be a number from 0 to 4, not 'big'",
        ])


# Along row 5 of a 30 x 10 tile map: a kiosk that opens its website on
# entering, a stall that opens one on acting, a stage the camera focuses
# on, and a hut that opens a tab.
ZONES = [
    Zone("kiosk", Rectangle(96, 128, 96, 96),
         {"openWebsite": "kiosk/index.html", "openWebsiteWidth": 40}),
    Zone("stall", Rectangle(224, 128, 96, 96),
         {"openWebsite": "https://example.org/", "openWebsiteTrigger": "onaction"}),
    Zone("stage", Rectangle(352, 128, 96, 96), {"focusable": True, "zoomMargin": 0.5}),
    Zone("hut", Rectangle(480, 128, 96, 96), {"openTab": "https://example.org/hut"}),
]


class InTheWorldTests(SynchronousTestCase):
    """
    A player meets the zones in a room, and their client hears of it.
    """

    def setUp(self):
        rows = ["." * 30 for _ in range(10)]
        rows[5] = "S" + "." * 29
        worldMap = mapFromRows(rows, name=MAP, zones=ZONES)
        self.harness = Harness(maps={MAP: worldMap}, director=ZoneDirector(discover()))
        self.client = self.harness.connect()
        self.welcome = self.client.join("ada")

    def at(self, px):
        seat = self.client.session.seat
        self.client.clear()
        seat.room.teleport(seat.avatar, Body(px * UNITS, 176 * UNITS))
        self.harness.run(3)
        return self.client.effects()

    def act(self):
        self.client.clear()
        self.client.sendMessage({"t": "act"})
        self.harness.run(1)
        return self.client.effects()

    def test_kiosk(self):
        self.assertEqual(self.at(140), [
            {"zone": 0, "effect": "website.open", "url": "/maps/floor1/kiosk/index.html",
             "closable": True, "width": 40.0}])
        self.assertEqual(self.at(40), [{"zone": 0, "effect": "website.close"}])

    def test_stall(self):
        self.assertEqual(self.at(270), [
            {"zone": 1, "effect": "prompt", "text": "Press E to open the website"}])
        self.assertEqual([p["zones"] for p in self.client.messages("p") if "zones" in p],
                         [[[1, "stall", "Open website"]]])
        self.assertEqual(self.act(), [
            {"zone": 1, "effect": "website.open", "url": "https://example.org/",
             "closable": True}])
        self.assertEqual(self.at(40), [{"zone": 1, "effect": "website.close"}])

    def test_stage(self):
        self.assertEqual(self.at(400), [
            {"zone": 2, "effect": "camera.focus", "x": 352, "y": 128, "width": 96,
             "height": 96, "margin": 0.5}])
        self.assertEqual(self.at(600), [{"zone": 2, "effect": "camera.unfocus"}])

    def test_hut(self):
        self.assertEqual(self.at(520), [
            {"zone": 3, "effect": "tab.open", "url": "https://example.org/hut",
             "text": "Open example.org/hut"}])
        self.assertEqual(self.at(600), [{"zone": 3, "effect": "link.withdraw"}])

    def test_resumingOnAStageFocusesAgain(self):
        self.at(400)
        token = self.welcome["token"]
        self.client.drop()
        again = self.harness.connect()
        again.join("ada", token=token)
        self.harness.run(3)
        self.assertEqual([m["effect"] for m in again.messages("effect")], ["camera.focus"])
