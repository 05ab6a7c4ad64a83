"""
The zone behaviours ark ships, with WorkAdventure's property names where
WorkAdventure has them: Jitsi meeting rooms, silent areas, background
audio, agents, exits to other maps and private areas.  Websites and tabs
are in L{zones.website}, the camera's focus in L{zones.focus}.
"""

from __future__ import annotations

import hashlib
import json
import posixpath
import re
from typing import Optional, Tuple
from urllib.parse import urlsplit

from twisted.plugin import IPlugin
from zope.interface import implementer

from ark.interfaces import IZoneBehaviour
from ark.behaviours.jitsi import NotInZone
from ark.interfaces import MoveTo
from zones.urls import describe, mapAddress, webAddress

DEFAULT_JITSI_DOMAIN = "meet.jit.si"
ON_ACTION = "onaction"

# How much of the screen's width a side panel (a meeting, a website) may
# take, in percent: the game keeps some, and a panel stays usable.
MIN_PANEL_WIDTH = 15
MAX_PANEL_WIDTH = 85


def _onAction(zone, trigger: str) -> bool:
    return str(zone.properties.get(trigger, "")).lower() == ON_ACTION


def jitsiRoomName(name: str) -> str:
    """
    A Jitsi room name from a map maker's: lower case letters, digits and
    dashes, so the same room always gets the same name and no name can
    smuggle a path or a query into the call's address.
    """
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:64] or "room"


def jitsiPrefix(mapName: str) -> str:
    """
    What comes before the room names of map C{mapName}: eight hex digits
    of its name's SHA-256, so that two maps' rooms called C{standup} are
    two meetings on a shared Jitsi server (WorkAdventure prefixes a hash
    of the room's address for the same reason).
    """
    return hashlib.sha256(mapName.encode("utf-8")).hexdigest()[:8]


def jitsiMeetingName(mapName: str, zone) -> str:
    """
    The Jitsi room of a meeting zone: C{jitsiRoom} (or the zone's name)
    as L{jitsiRoomName} makes it, after the map's L{jitsiPrefix} unless
    C{jitsiNoPrefix} is true.
    """
    properties = zone.properties
    name = jitsiRoomName(str(properties.get("jitsiRoom") or zone.name))
    if properties.get("jitsiNoPrefix") is True:
        return name
    return "%s-%s" % (jitsiPrefix(mapName), name)


def panelWidth(value) -> Optional[float]:
    """
    A side panel's width from a map property (percent of the screen's
    width): clamped to what leaves room for the game, or C{None} when it
    is not a number (the client's default then).
    """
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value:
        return None
    return float(min(MAX_PANEL_WIDTH, max(MIN_PANEL_WIDTH, value)))


def _closable(properties) -> Optional[bool]:
    """
    Whether a meeting may be closed from its panel: C{jitsiClosable}, or
    C{openWebsiteClosable} on a zone that opens no website (WorkAdventure's
    documentation gives that one for meetings too).
    """
    closable = properties.get("jitsiClosable")
    if isinstance(closable, bool):
        return closable
    if "openWebsite" not in properties and isinstance(properties.get("openWebsiteClosable"), bool):
        return properties["openWebsiteClosable"]
    return None


def _isJSONObject(text) -> bool:
    try:
        return isinstance(json.loads(text), dict)
    except (TypeError, ValueError):
        return False


@implementer(IPlugin, IZoneBehaviour)
class Jitsi:
    """
    C{jitsiRoom}: a meeting room.  Walking in opens the call
    (C{jitsiTrigger: onenter}, the default) or offers to
    (C{onaction}); walking out hangs up.
    """

    name = "jitsi"
    properties = ("jitsiRoom", "jitsiTrigger", "jitsiTriggerMessage", "jitsiUrl",
                  "jitsiConfig", "jitsiInterfaceConfig", "jitsiWidth", "jitsiClosable",
                  "jitsiNoPrefix", "jitsiRoomAdminTag")

    def offer(self, zone):
        return "Join meeting" if _onAction(zone, "jitsiTrigger") else None

    def check(self, mapName, zone, maps):
        properties = zone.properties
        problems = []
        domain = properties.get("jitsiUrl")
        if domain is not None and jitsiHost(domain) is None:
            problems.append("jitsiUrl must be a host name such as meet.example.org, not %r; "
                            "the meeting uses %s" % (domain, DEFAULT_JITSI_DOMAIN))
        for name in ("jitsiConfig", "jitsiInterfaceConfig"):
            if name in properties and not _isJSONObject(properties[name]):
                problems.append("%s must be a JSON object such as {\"startWithAudioMuted\": "
                                "true}; the meeting starts without it" % (name,))
        if "jitsiWidth" in properties and panelWidth(properties["jitsiWidth"]) is None:
            problems.append("jitsiWidth must be a number (percent of the screen's width), "
                            "not %r" % (properties["jitsiWidth"],))
        for name in ("jitsiClosable", "jitsiNoPrefix"):
            if name in properties and not isinstance(properties[name], bool):
                problems.append("%s must be a boolean, not %r" % (name, properties[name]))
        if "jitsiRoomAdminTag" in properties:
            problems.append("jitsiRoomAdminTag is not supported: ark has no member tags, so "
                            "nobody is made a moderator")
        return problems

    def _open(self, player, zone):
        properties = zone.properties
        effect = {
            "effect": "jitsi.open",
            "room": jitsiMeetingName(player.mapName, zone),
            "title": str(properties.get("jitsiRoom") or zone.name).strip()[:100],
            "domain": jitsiHost(properties.get("jitsiUrl")) or DEFAULT_JITSI_DOMAIN,
        }
        for name, field in (("jitsiConfig", "config"), ("jitsiInterfaceConfig", "interfaceConfig")):
            config = properties.get(name)
            if isinstance(config, str) and config:
                effect[field] = config
        width = panelWidth(properties.get("jitsiWidth"))
        if width is not None:
            effect["width"] = width
        if _closable(properties) is False:
            effect["closable"] = False
        tokens = player.services.jitsiTokens
        if tokens is not None:
            try:
                effect["jwt"] = tokens.issue(player, zone, effect["domain"], effect["room"])
            except NotInZone:
                # Acted in the room but walked out within the same tick.
                return []
        return [effect]

    def entered(self, player, zone):
        if _onAction(zone, "jitsiTrigger"):
            message = zone.properties.get("jitsiTriggerMessage")
            return [{"effect": "prompt", "text": str(message or "Press E to join the meeting")}]
        return self._open(player, zone)

    def left(self, player, zone):
        return [{"effect": "jitsi.close"}]

    def acted(self, player, zone):
        return self._open(player, zone) if _onAction(zone, "jitsiTrigger") else []


def jitsiHost(jitsiUrl) -> Optional[str]:
    """
    The host (and port) of the Jitsi deployment a C{jitsiUrl} names, or
    C{None}.  Map makers write a bare host, as WorkAdventure asks, or
    sometimes with C{https://} and a slash; anything else (a path, a
    query, another scheme) would point the page's script tag elsewhere.
    """
    if not isinstance(jitsiUrl, str):
        return None
    host = re.sub(r"^https://", "", jitsiUrl.strip(), flags=re.I).rstrip("/")
    if re.fullmatch(r"[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*"
                    r"(:[0-9]{1,5})?", host, re.I):
        return host
    return None


@implementer(IPlugin, IZoneBehaviour)
class Silent:
    """
    C{silent}: nobody inside is heard, nor hears anyone.
    """

    name = "silent"
    properties = ("silent",)

    def check(self, mapName, zone, maps):
        return []

    def offer(self, zone):
        return None

    def entered(self, player, zone):
        return [{"effect": "silence"}] if zone.properties.get("silent") else []

    def left(self, player, zone):
        return [{"effect": "unsilence"}] if zone.properties.get("silent") else []

    def acted(self, player, zone):
        return []


@implementer(IPlugin, IZoneBehaviour)
class Audio:
    """
    C{playAudio}: a sound played while inside (C{audioVolume} 0 to 1,
    C{audioLoop}), relative to the map like its tilesets.
    """

    name = "audio"
    properties = ("playAudio", "audioVolume", "audioLoop")

    def check(self, mapName, zone, maps):
        source = zone.properties.get("playAudio")
        if not source:
            return ["audioVolume and audioLoop do nothing without playAudio"]
        if mapAddress(mapName, source) is None:
            return ["playAudio %r is neither an http(s) address nor a file in the maps "
                    "directory; nothing plays" % (source,)]
        return []

    def _url(self, player, zone):
        return mapAddress(player.mapName, zone.properties.get("playAudio"))

    def offer(self, zone):
        return None

    def entered(self, player, zone):
        url = self._url(player, zone)
        if not url:
            return []
        try:
            volume = min(1.0, max(0.0, float(zone.properties.get("audioVolume", 1.0))))
        except (TypeError, ValueError):
            volume = 1.0
        return [{"effect": "audio.play", "url": url, "volume": volume,
                 "loop": bool(zone.properties.get("audioLoop", False))}]

    def left(self, player, zone):
        url = self._url(player, zone)
        return [{"effect": "audio.stop", "url": url}] if url else []

    def acted(self, player, zone):
        return []


@implementer(IPlugin, IZoneBehaviour)
class Agent:
    """
    C{agentId}: where an AI agent of the map lives.  Walking in
    (C{agentTrigger: onenter}) or acting (C{onaction}) opens a
    conversation with it (the client's C{talk}), and standing in the zone
    counts as within its reach.
    """

    name = "agent"
    properties = ("agentId", "agentTrigger", "triggerMessage")

    def check(self, mapName, zone, maps):
        agentId = zone.properties.get("agentId")
        if not agentId:
            return ["agentTrigger and triggerMessage do nothing without agentId"]
        worldMap = maps.get(mapName)
        if worldMap is not None and all(spec.agentId != agentId for spec in worldMap.agents):
            return ["agentId %r names no agent of this map: nobody answers here" % (agentId,)]
        return []

    def offer(self, zone):
        if _onAction(zone, "agentTrigger") and zone.properties.get("agentId"):
            return "Talk to %s" % (str(zone.properties["agentId"]).capitalize(),)
        return None

    def _open(self, zone):
        return [{"effect": "agent.open", "agent": str(zone.properties["agentId"])}]

    def entered(self, player, zone):
        if not zone.properties.get("agentId"):
            return []
        if _onAction(zone, "agentTrigger"):
            message = zone.properties.get("triggerMessage")
            return [{"effect": "prompt", "text": str(message or "Press E to talk")}]
        return self._open(zone)

    def left(self, player, zone):
        return [{"effect": "agent.close"}] if zone.properties.get("agentId") else []

    def acted(self, player, zone):
        if zone.properties.get("agentId") and _onAction(zone, "agentTrigger"):
            return self._open(zone)
        return []


def exitTarget(mapName: str, exitUrl) -> Optional[Tuple[str, str]]:
    """
    Where an C{exitUrl} of map C{mapName} leads: C{(map, entry)}, the map
    named as the server knows it, or C{None} when it leads nowhere this
    server has (another server's address, or out of the maps directory).

    Like WorkAdventure, the map is relative to the one the exit is in, and
    the part after C{#} names the entry (C{start} when there is none).
    WorkAdventure's C{moveTo=} beside it (C{#start&moveTo=stage}: walk on
    from the entry) is ignored: the player arrives at the entry.
    """
    if not isinstance(exitUrl, str) or not exitUrl.strip():
        return None
    path, _, fragment = exitUrl.strip().partition("#")
    if re.match(r"[a-z][a-z0-9+.-]*:|/", path, re.I) or not path:
        return None
    target = posixpath.normpath(posixpath.join(posixpath.dirname(mapName), path))
    if target.startswith("../") or target == "..":
        return None
    names = [part for part in fragment.split("&") if part and not part.startswith("moveTo=")]
    return target, names[0] if names else "start"


DEFAULT_WORKADVENTURE_URL = "https://play.workadventu.re"

# The paths of rooms on a WorkAdventure play server: public maps
# (/_/instance/host/path), worlds of organisations (/@/org/world/room),
# and the older private (/*/...) and map-storage (/~/...) forms.
_WORKADVENTURE_ROOM = re.compile(r"/[_@*~]/[^/\\]")


def exitLink(mapName: str, exitUrl, workAdventureUrl: str = DEFAULT_WORKADVENTURE_URL,
             scene: bool = False) -> Optional[str]:
    """
    The address on another server that an exit leads to, for the player
    to open: an C{http(s)} address as it is, or a WorkAdventure room path
    (C{/@/...}, C{/_/...}) on the play server C{workAdventureUrl}.  C{None}
    when the exit leads to a map of this server, or nowhere.

    @param scene: the property is WorkAdventure's older C{exitSceneUrl},
        which names a map file, not a room: an C{http(s)} address becomes
        the public room C{/_/global/<host>/<path>} of the play server.
    """
    if not isinstance(exitUrl, str):
        return None
    text = exitUrl.strip()
    web = webAddress(text)
    if web is not None:
        if not scene:
            return web
        parts = urlsplit(web)
        room = "/_/global/%s%s" % (parts.netloc, parts.path or "/")
        fragment = "#" + parts.fragment if parts.fragment else ""
        return workAdventureUrl.rstrip("/") + room + fragment
    if not scene and _WORKADVENTURE_ROOM.match(text) and webAddress(workAdventureUrl + text):
        return workAdventureUrl.rstrip("/") + text
    return None


def _exitProperty(zone) -> Tuple[Optional[str], object]:
    """
    Which exit property a zone uses, C{exitUrl} before the older
    C{exitSceneUrl}, and its value.
    """
    for name in ("exitUrl", "exitSceneUrl"):
        if name in zone.properties:
            return name, zone.properties[name]
    return None, None


@implementer(IPlugin, IZoneBehaviour)
class Exit:
    """
    C{exitUrl} (or WorkAdventure's older C{exitSceneUrl}): a door.  To a
    map of this server, walking in moves the player to that map's room,
    at the entry after C{#}; to another server, walking in offers the
    player a link to it, withdrawn on walking out.
    """

    name = "exit"
    properties = ("exitUrl", "exitSceneUrl", "exitInstance")

    def check(self, mapName, zone, maps):
        name, exitUrl = _exitProperty(zone)
        problems = []
        if "exitInstance" in zone.properties:
            problems.append("exitInstance is ignored: ark has one instance of each map")
        if name is None:
            return problems
        target = exitTarget(mapName, exitUrl)
        if target is None:
            link = exitLink(mapName, exitUrl, scene=name == "exitSceneUrl")
            if link is not None:
                where = ("a WorkAdventure room on the play server (--workadventure-url)"
                         if not webAddress(str(exitUrl).strip()) or name == "exitSceneUrl"
                         else link)
                problems.append("%s %r leads to another server: players are offered a link "
                                "to %s" % (name, exitUrl, where))
            else:
                problems.append("%s %r leads nowhere ark can go (a map of this server, an "
                                "http(s) address, or a WorkAdventure /@/ or /_/ room); the "
                                "door does nothing" % (name, exitUrl))
            return problems
        other, entry = target
        if other not in maps:
            problems.append("%s %r: there is no map %r; the door does nothing"
                            % (name, exitUrl, other))
        elif not maps[other].hasEntry(entry):
            problems.append("%s %r: map %r has no entry %r; the door leads to its default "
                            "entry" % (name, exitUrl, other, entry))
        return problems

    def offer(self, zone):
        return None

    def _link(self, player, zone) -> Optional[str]:
        name, exitUrl = _exitProperty(zone)
        if name is None or exitTarget(player.mapName, exitUrl) is not None:
            return None
        return exitLink(player.mapName, exitUrl, player.services.workAdventureUrl,
                        scene=name == "exitSceneUrl")

    def entered(self, player, zone):
        _, exitUrl = _exitProperty(zone)
        target = exitTarget(player.mapName, exitUrl)
        if target is not None:
            return [MoveTo(*target)]
        link = self._link(player, zone)
        if link is None:
            return []
        return [{"effect": "link.offer", "url": link,
                 "text": "Go on to %s" % (describe(link),)}]

    def left(self, player, zone):
        return [{"effect": "link.withdraw"}] if self._link(player, zone) is not None else []

    def acted(self, player, zone):
        return []


@implementer(IPlugin, IZoneBehaviour)
class Private:
    """
    C{private}: the players inside see and hear only each other, and
    nobody outside sees them.  The room does the hiding (L{ark.world.room}
    reads the same property); this tells the player where they are.
    """

    name = "private"
    properties = ("private",)

    def check(self, mapName, zone, maps):
        if not zone.isPrivate:
            return ["private must be the boolean true to hide anyone"]
        return []

    def offer(self, zone):
        return None

    def entered(self, player, zone):
        return [{"effect": "private.enter"}] if zone.isPrivate else []

    def left(self, player, zone):
        return [{"effect": "private.leave"}] if zone.isPrivate else []

    def acted(self, player, zone):
        return []


jitsi = Jitsi()
silent = Silent()
audio = Audio()
agent = Agent()
mapExit = Exit()
private = Private()
