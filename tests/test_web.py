"""
Tests for L{ark.web}: the HTTP side of the site, without sockets.
"""

import json

from twisted.trial.unittest import SynchronousTestCase
from twisted.web.test.requesthelper import DummyRequest
from twisted.web.resource import getChildForRequest

from ark.web import makeSite

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
        self.site = makeSite(webDir, mapsDir, None, self.harness.rooms)

    def test_roomsListsOpenRoomsWithTheirPlayers(self):
        """
        C{GET /api/rooms} lists every room with its avatars and capacity.
        """
        self.harness.connect().join("a")
        request, body = render(self.site, b"/api/rooms")
        self.assertEqual(request.responseHeaders.getRawHeaders(b"content-type"),
                         [b"application/json"])
        self.assertEqual(json.loads(body), {"rooms": [
            {"name": "open.tmj", "map": "open.tmj", "avatars": 1, "connected": 1,
             "capacity": 50}]})

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

    def test_tracebacksAreNeverShown(self):
        """
        The site never shows a traceback to a client.
        """
        self.assertFalse(self.site.displayTracebacks)
