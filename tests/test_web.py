"""
Tests for L{ark.http.site}: the HTTP side of the site, without sockets.
"""

import json

from twisted.trial.unittest import SynchronousTestCase
from twisted.web.test.requesthelper import DummyRequest
from twisted.web.resource import getChildForRequest

from ark.http.api import SignInLimit
from ark.http.site import makeSite

from tests.support import Harness


def render(site, path, method=b"GET"):
    segments = path.lstrip(b"/").split(b"/")
    request = DummyRequest(segments)
    request.method = method
    resource = getChildForRequest(site.resource, request)
    body = resource.render(request)
    if isinstance(body, bytes):
        request.write(body)
    return request, b"".join(request.written)


class SiteTests(SynchronousTestCase):
    """
    JSON answers, maps and metrics.
    """

    def setUp(self):
        self.harness = Harness()
        webDir = self.mktemp()
        mapsDir = self.mktemp()
        import os

        os.makedirs(webDir)
        os.makedirs(mapsDir)
        with open(os.path.join(mapsDir, "open.tmj"), "w") as f:
            f.write('{"type": "map"}')
        self.site = makeSite(webDir, mapsDir, None, self.harness.rooms, self.harness.authority,
                             SignInLimit(self.harness.clock))

    def test_roomsListsOpenRoomsWithTheirPlayers(self):
        """
        C{GET /api/rooms} lists every room, overflow shards included, with
        its players' avatars (held ones too), its agents, connected players
        and capacity.
        """
        from tests.support import openMap

        maps = {name: openMap(20, 20, name=name) for name in ("open.tmj", "other.tmj")}
        harness = Harness(maps, defaultMap="open.tmj", capacity=2)
        site = makeSite(self.mktemp(), self.mktemp(), None, harness.rooms, harness.authority,
                        SignInLimit(harness.clock))
        first, second, third = harness.joined(3)
        harness.connect().join("d", map="other.tmj")
        second.drop()
        request, body = render(site, b"/api/rooms")
        self.assertEqual(request.responseHeaders.getRawHeaders(b"content-type"),
                         [b"application/json"])
        self.assertEqual(sorted(json.loads(body)["rooms"], key=lambda room: room["name"]), [
            {"name": "open.tmj", "map": "open.tmj", "avatars": 2, "agents": 0,
             "connected": 1, "capacity": 2},
            {"name": "open.tmj#2", "map": "open.tmj", "avatars": 1, "agents": 0,
             "connected": 1, "capacity": 2},
            {"name": "other.tmj", "map": "other.tmj", "avatars": 1, "agents": 0,
             "connected": 1, "capacity": 2},
        ])

    def test_unknownAPIPathIsAJSON404(self):
        """
        An unknown API path answers 404 with a JSON error, not HTML.
        """
        request, body = render(self.site, b"/api/nothing")
        self.assertEqual(request.responseCode, 404)
        self.assertEqual(json.loads(body)["error"], "not_found")

    def test_writingToAReadOnlyEndpointIs405(self):
        """
        C{POST /api/rooms} is refused with 405 and a JSON error.
        """
        request, body = render(self.site, b"/api/rooms", method=b"POST")
        self.assertEqual(request.responseCode, 405)
        self.assertEqual(json.loads(body)["error"], "method_not_allowed")

    def test_metricsAreExposed(self):
        """
        C{/metrics} serves the Prometheus text format with ark's metrics.
        """
        request, body = render(self.site, b"/metrics")
        for name in (b"ark_connected_players", b"ark_rooms", b"ark_tick_duration_seconds",
                     b"ark_messages_in_total", b"ark_messages_out_total", b"ark_bytes_out_total"):
            self.assertIn(name, body)

    def test_mapCollisionsAreServed(self):
        """
        C{GET /api/maps/<name>} gives the map's size and blocked tiles as
        the server loaded them, so the client collides with the same walls.
        """
        import base64

        request, body = render(self.site, b"/api/maps/open.tmj")
        described = json.loads(body)
        worldMap = self.harness.rooms.maps["open.tmj"]
        self.assertEqual((described["width"], described["height"], described["tileWidth"]),
                         (worldMap.width, worldMap.height, worldMap.tileWidth))
        self.assertEqual(base64.b64decode(described["blocked"]), worldMap.blocked)
        request, body = render(self.site, b"/api/maps/nowhere.tmj")
        self.assertEqual(request.responseCode, 404)
        self.assertEqual(json.loads(body)["error"], "unknown_map")
        request, body = render(self.site, b"/api/maps")
        self.assertEqual(json.loads(body), {"maps": ["open.tmj"]})

    def test_clientModulesAreServed(self):
        """
        The npm modules the client imports are served under C{/vendor/};
        nothing else of C{node_modules} is.
        """
        from ark.app import resources

        site = makeSite(resources.bundled("web"), self.mktemp(), None, self.harness.rooms,
                        self.harness.authority, SignInLimit(self.harness.clock))
        request, body = render(site, b"/vendor/phaser/phaser.esm.js")
        self.assertGreater(len(body), 500000)
        self.assertIn(b"export", body[-5000:])
        request, body = render(site, b"/vendor/cbor-x/index.js")
        self.assertIn(b"export", body)
        request, body = render(site, b"/vendor/left-pad/index.js")
        self.assertEqual(request.responseCode, 404)

    def test_iconIsServedAsSVG(self):
        """
        The site's icon answers at C{/favicon.svg}, where the page points,
        and at C{/favicon.ico}, where browsers and crawlers look without
        reading the page: the same SVG, typed as one.
        """
        import os

        from ark.app import resources

        for webDirectory in [resources.bundled("web"), self.mktemp()]:
            if not os.path.isdir(webDirectory):
                os.makedirs(webDirectory)
                with open(os.path.join(webDirectory, "favicon.svg"), "w") as f:
                    f.write('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 8 8"/>')
            with open(os.path.join(webDirectory, "favicon.svg"), "rb") as f:
                icon = f.read()
            site = makeSite(webDirectory, self.mktemp(), None, self.harness.rooms,
                            self.harness.authority, SignInLimit(self.harness.clock))
            for path in (b"/favicon.svg", b"/favicon.ico"):
                request, body = render(site, path)
                self.assertEqual(request.responseCode, 200, path)
                self.assertEqual(request.responseHeaders.getRawHeaders(b"content-type"),
                                 [b"image/svg+xml"], path)
                self.assertEqual(body, icon, path)
                self.assertIn(b"<svg", body)

    def test_tracebacksAreNeverShown(self):
        """
        The site never shows a traceback to a client.
        """
        self.assertFalse(self.site.displayTracebacks)


class RepositoryTests(SynchronousTestCase):
    """
    A map repository served at C{/maps/}: maps and tilesets in subfolders,
    and nothing outside it.
    """

    def setUp(self):
        import os

        from tests.support import openMap

        self.harness = Harness({"floor1/lobby.tmj": openMap(10, 10, name="floor1/lobby.tmj")},
                               defaultMap="floor1/lobby.tmj")
        self.outside = os.path.abspath(self.mktemp())
        os.makedirs(self.outside)
        with open(os.path.join(self.outside, "secret.txt"), "w") as f:
            f.write("not for the web")
        self.repository = os.path.abspath(self.mktemp())
        os.makedirs(os.path.join(self.repository, "floor1"))
        os.makedirs(os.path.join(self.repository, "tilesets"))
        with open(os.path.join(self.repository, "tilesets", "x.tsj"), "w") as f:
            f.write('{"type": "tileset"}')
        os.symlink(self.outside, os.path.join(self.repository, "floor1", "linked"))
        os.symlink(os.path.join(self.outside, "secret.txt"),
                   os.path.join(self.repository, "tilesets", "secret.txt"))
        self.site = makeSite(self.mktemp(), self.repository, None, self.harness.rooms,
                             self.harness.authority, SignInLimit(self.harness.clock))

    def test_tilesetOneFolderUpIsServed(self):
        """
        A map in C{floor1/} names its tileset C{../tilesets/x.tsj}; the
        browser asks for C{/maps/tilesets/x.tsj}, which is served as JSON.
        """
        request, body = render(self.site, b"/maps/tilesets/x.tsj")
        self.assertEqual(json.loads(body), {"type": "tileset"})
        self.assertEqual(request.responseHeaders.getRawHeaders(b"content-type"),
                         [b"application/json"])

    def test_repositoryPagesRunInASandbox(self):
        """
        A page of the repository (what C{openWebsite} opens) is served with
        a sandboxing content security policy: opened directly, its scripts
        run in an origin of their own, never the site's, so they cannot
        read a player's sign-in.
        """
        import os

        os.makedirs(os.path.join(self.repository, "pages"))
        with open(os.path.join(self.repository, "pages", "board.html"), "w") as f:
            f.write("<script>parent.localStorage</script>")
        request, body = render(self.site, b"/maps/pages/board.html")
        self.assertIn(b"<script>", body)
        [policy] = request.responseHeaders.getRawHeaders(b"content-security-policy")
        self.assertTrue(policy.startswith(b"sandbox "))
        self.assertNotIn(b"allow-same-origin", policy)
        self.assertEqual(request.responseHeaders.getRawHeaders(b"x-content-type-options"),
                         [b"nosniff"])

    def test_symbolicLinksOutOfTheRepositoryAreRefused(self):
        """
        A link inside the repository to a file or folder outside it is not
        followed: the file outside is never sent.
        """
        for path in (b"/maps/tilesets/secret.txt", b"/maps/floor1/linked/secret.txt"):
            request, body = render(self.site, path)
            self.assertEqual(request.responseCode, 404, path)
            self.assertNotIn(b"not for the web", body)

    def test_wayUpAndOutIsRefused(self):
        """
        C{..} in a path never leaves the repository.
        """
        request, body = render(self.site, b"/maps/floor1/../../secret.txt")
        self.assertNotEqual(request.responseCode, 200)
        self.assertNotIn(b"not for the web", body)

    def test_mapInASubfolderIsDescribedByItsPath(self):
        """
        C{/api/maps/floor1/lobby.tmj} (or with the slash escaped, which
        the server decodes into one segment) describes the map in the
        subfolder.
        """
        for segments in ([b"floor1", b"lobby.tmj"], [b"floor1/lobby.tmj"]):
            request = DummyRequest([b"api", b"maps"] + segments)
            resource = getChildForRequest(self.site.resource, request)
            request.write(resource.render(request))
            described = json.loads(b"".join(request.written))
            self.assertEqual((described["name"], described["width"]),
                             ("floor1/lobby.tmj", 10))
        request, body = render(self.site, b"/api/maps/floor1")
        self.assertEqual(request.responseCode, 404)
        self.assertEqual(json.loads(body)["error"], "unknown_map")


class AgentsAPITests(SynchronousTestCase):
    """
    C{GET /api/agents}: the agents of the world, where they stand and what
    they do, for bots and integrations.
    """

    def test_agentsAreListedBeforeAnyoneComes(self):
        """
        A map's agents are in the world from the start: listed with their
        map, room, place in pixels and state before the first player joins,
        and their state follows a conversation.
        """
        from ark.world.agents import LISTENING
        from tests.support import openMap
        from tests.test_agents import HOME, SCOUT, agentsMap

        harness = Harness({"agents.tmj": agentsMap(SCOUT), "open.tmj": openMap(10, 10)},
                          defaultMap="open.tmj")
        site = makeSite(self.mktemp(), self.mktemp(), None, harness.rooms, harness.authority,
                        SignInLimit(harness.clock))
        request, body = render(site, b"/api/agents")
        self.assertEqual(request.responseHeaders.getRawHeaders(b"content-type"),
                         [b"application/json"])
        self.assertEqual(json.loads(body), {"agents": [
            {"id": "scout", "name": "Scout", "role": "the guide", "map": "agents.tmj",
             "room": "agents.tmj", "x": HOME[0], "y": HOME[1], "state": "idle"},
        ]})
        client = harness.connect()
        client.join("Ada", map="agents.tmj")
        room = client.session.seat.room
        room.setAgentState(room.agentById("scout"), LISTENING, client.session.seat.avatar)
        [agent] = json.loads(render(site, b"/api/agents")[1])["agents"]
        self.assertEqual(agent["state"], "listening")
        request, body = render(site, b"/api/agents", method=b"POST")
        self.assertEqual(request.responseCode, 405)
