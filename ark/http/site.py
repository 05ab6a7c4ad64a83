"""
The one HTTP site ark serves: the web client at C{/}, maps at C{/maps/},
the WebSocket at C{/ws}, JSON at C{/api/}, the client's npm modules at
C{/vendor/} and metrics at C{/metrics}.
"""

from __future__ import annotations

import base64
import json
import os

from autobahn.twisted.resource import WebSocketResource
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest
from twisted.web import resource, server, static

# ark's metrics register themselves when their module is first imported;
# the site exposes them whatever else has been imported yet.
from ark import metrics  # noqa: F401
from ark.http.agentsapi import AgentsAPI
from ark.http.api import SignInLimit, authAPI, chatAPI
from ark.http.joinapi import joinAPI
from ark.world.movement import UNITS_PER_PIXEL

_CONTENT_TYPES = {
    ".tmj": "application/json",
    ".tsj": "application/json",
    ".json": "application/json",
    ".js": "text/javascript",
    ".mjs": "text/javascript",
    ".png": "image/png",
    ".svg": "image/svg+xml",
    ".css": "text/css",
    ".html": "text/html; charset=utf-8",
    ".ogg": "audio/ogg",
    ".mp3": "audio/mpeg",
    ".wav": "audio/wav",
}


# The site's icon, in the web client's directory.
FAVICON = "favicon.svg"


class StaticFiles(static.File):
    """
    Files of one directory tree, without directory listings.
    """

    contentTypes = dict(static.File.contentTypes, **_CONTENT_TYPES)

    def directoryListing(self):
        return JSONError(404, "not_found", "no such file")


class RepositoryFiles(StaticFiles):
    """
    The files of a map repository at C{/maps/}: subfolders and all, but
    nothing whose real path lies outside the repository, so a symbolic
    link in a map maker's repository cannot publish the rest of the disk.
    """

    root = None

    # A map repository is the map makers' to fill: its HTML and SVG must
    # never run as the site itself, where they could read a player's
    # sign-in.  Opened directly or framed, they get an origin of their own.
    SANDBOX = b"sandbox allow-scripts allow-forms allow-popups allow-popups-to-escape-sandbox"

    def render(self, request):
        request.setHeader(b"content-security-policy", self.SANDBOX)
        request.setHeader(b"x-content-type-options", b"nosniff")
        return StaticFiles.render(self, request)

    def getChild(self, path, request):
        child = StaticFiles.getChild(self, path, request)
        if isinstance(child, static.File) and not _inside(self.root or self.path, child.path):
            return JSONError(404, "not_found", "no such file")
        return child

    def createSimilarFile(self, path):
        similar = StaticFiles.createSimilarFile(self, path)
        similar.root = self.root or self.path
        return similar


def _inside(root: str, path: str) -> bool:
    root = os.path.realpath(root)
    return os.path.commonpath([root, os.path.realpath(path)]) == root


class JSONError(resource.Resource):
    """
    An error answered as C{{"error": code, "message": text}}.
    """

    isLeaf = True

    def __init__(self, status: int, code: str, message: str):
        resource.Resource.__init__(self)
        self.status = status
        self.code = code
        self.message = message

    def render(self, request):
        request.setResponseCode(self.status)
        return _json(request, {"error": self.code, "message": self.message})


def _json(request, value) -> bytes:
    request.setHeader(b"content-type", b"application/json")
    request.setHeader(b"cache-control", b"no-store")
    return json.dumps(value).encode("utf-8")


class JSONResource(resource.Resource):
    """
    A read-only JSON endpoint: C{GET} answers C{describe()}.
    """

    isLeaf = True

    def __init__(self, describe):
        resource.Resource.__init__(self)
        self._describe = describe

    def render_GET(self, request):
        return _json(request, self._describe())

    def render(self, request):
        if request.method not in (b"GET", b"HEAD"):
            request.setHeader(b"allow", b"GET, HEAD")
            return JSONError(405, "method_not_allowed", "only GET is allowed here").render(request)
        return resource.Resource.render(self, request)


class Metrics(resource.Resource):
    """
    C{/metrics}: the Prometheus text format, rendered in the reactor
    thread (prometheus_client's own Twisted resource goes through WSGI
    and a thread pool for what takes a millisecond).
    """

    isLeaf = True

    def __init__(self, registry=REGISTRY):
        resource.Resource.__init__(self)
        self.registry = registry

    def render_GET(self, request):
        request.setHeader(b"content-type", CONTENT_TYPE_LATEST.encode("ascii"))
        return generate_latest(self.registry)


class API(resource.Resource):
    """
    C{/api/}: JSON in and out; unknown paths answer a JSON 404.
    """

    def __init__(self, rooms, authority, signInLimit, chat, agents=None, seats=None):
        resource.Resource.__init__(self)
        if seats is not None:
            self.putChild(b"join", joinAPI(authority, rooms, seats))
        self.putChild(b"rooms", JSONResource(lambda: describeRooms(rooms)))
        listing = JSONResource(lambda: describeAgents(rooms))
        self.putChild(b"agents", listing if agents is None
                      else AgentsAPI(listing, rooms, authority, agents))
        self.putChild(b"maps", MapsAPI(rooms.maps))
        self.putChild(b"auth", authAPI(authority, signInLimit,
                                       chat.greet if chat is not None else None))
        self.putChild(b"chat", chatAPI(authority, rooms.store))

    def getChild(self, path, request):
        return JSONError(404, "not_found", "no such API endpoint")

    def render(self, request):
        return JSONError(404, "not_found", "no such API endpoint").render(request)


class MapsAPI(resource.Resource):
    """
    C{/api/maps/<name>}: what the server made of a map, so the client moves
    against exactly the same walls: size, tile size, and the blocked tiles
    (one byte per tile, row by row, base64).  A map in a subfolder of the
    repository is named by its path, C{/api/maps/floor1/lobby.tmj}, with
    the slashes as they are or escaped.  C{/api/maps/} lists the maps.
    """

    isLeaf = True

    def __init__(self, maps):
        resource.Resource.__init__(self)
        self.maps = maps

    def render_GET(self, request):
        name = "/".join(segment.decode("utf-8", "replace") for segment in request.postpath)
        if not name:
            return _json(request, {"maps": sorted(self.maps)})
        worldMap = self.maps.get(name)
        if worldMap is None:
            return JSONError(404, "unknown_map", "no map of that name here").render(request)
        return _json(request, describeMap(worldMap))

    def render(self, request):
        if request.method not in (b"GET", b"HEAD"):
            request.setHeader(b"allow", b"GET, HEAD")
            return JSONError(405, "method_not_allowed", "only GET is allowed here").render(request)
        return resource.Resource.render(self, request)


def describeMap(worldMap) -> dict:
    return {
        "name": worldMap.name,
        "width": worldMap.width,
        "height": worldMap.height,
        "tileWidth": worldMap.tileWidth,
        "tileHeight": worldMap.tileHeight,
        "blocked": base64.b64encode(worldMap.blocked).decode("ascii"),
    }


class VendorFiles(resource.Resource):
    """
    C{/vendor/<package>/...}: the browser modules the client imports, from
    the npm packages pinned in C{web/package.json}: in a checkout straight
    from C{web/node_modules}, once installed from the copies the package
    ships in C{web/vendor}.
    """

    PACKAGES = {b"phaser": "phaser/dist", b"cbor-x": "cbor-x", b"fzstd": "fzstd/esm"}

    def __init__(self, webDirectory: str):
        resource.Resource.__init__(self)
        for name, inModules in self.PACKAGES.items():
            checkout = os.path.join(webDirectory, "node_modules", inModules)
            installed = os.path.join(webDirectory, "vendor", name.decode("ascii"))
            self.putChild(name, StaticFiles(checkout if os.path.isdir(checkout) else installed))

    def getChild(self, path, request):
        return JSONError(404, "not_found", "no such file")


def describeRooms(rooms) -> dict:
    """
    The rooms open now, for C{GET /api/rooms}.
    """
    return {
        "rooms": [
            {
                "name": rooms.roomName(view),
                "map": view.room.worldMap.name,
                "avatars": view.room.playerCount,
                "agents": len(view.room.agents),
                "connected": len(view.viewers),
                "capacity": view.room.capacity,
            }
            for view in rooms.views()
        ]
    }


def describeAgents(rooms) -> dict:
    """
    The agents living in the rooms open now, for C{GET /api/agents}: where
    each stands (in pixels) and what it is doing.  An overflow shard has
    agents of its own, listed with its room.
    """
    return {
        "agents": [
            {
                "id": agent.agent.agentId,
                "name": agent.name,
                "role": agent.agent.spec.role,
                "map": view.room.worldMap.name,
                "room": rooms.roomName(view),
                "x": agent.body.x / UNITS_PER_PIXEL,
                "y": agent.body.y / UNITS_PER_PIXEL,
                "state": agent.agent.state,
            }
            for view in rooms.views()
            for agent in view.room.agents
        ]
    }


def makeSite(webDirectory: str, mapsDirectory: str, webSocketFactory, rooms, authority,
             signInLimit: SignInLimit, chat=None, agents=None, seats=None) -> server.Site:
    """
    Build the site.  C{authority} signs players in, C{chat} (an
    L{ark.chat.service.ChatService}, if any) greets new ones, the rooms' store
    answers for chat history, and C{agents} (an
    L{ark.agents.conversations.AgentService}, if any) for the agents, and
    C{seats} (an L{ark.cluster.seats.Seats}, if any) says where to join.
    """
    root = StaticFiles(webDirectory)
    root.putChild(b"maps", RepositoryFiles(mapsDirectory))
    root.putChild(b"ws", WebSocketResource(webSocketFactory))
    root.putChild(b"api", API(rooms, authority, signInLimit, chat, agents, seats))
    root.putChild(b"vendor", VendorFiles(webDirectory))
    root.putChild(b"metrics", Metrics())
    # Browsers and crawlers that ask for /favicon.ico without reading the
    # page's <link rel="icon"> get the same icon: browsers go by its
    # content type, not its name.
    root.putChild(b"favicon.ico", StaticFiles(os.path.join(webDirectory, FAVICON)))
    site = server.Site(root)
    site.displayTracebacks = False
    return site
