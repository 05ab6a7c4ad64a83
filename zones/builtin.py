"""
The zone behaviours ark ships, with WorkAdventure's property names where
WorkAdventure has them: Jitsi meeting rooms, silent areas, background
audio, agents, exits to other maps and private areas.
"""

from __future__ import annotations

import posixpath
import re
from typing import Optional, Tuple

from twisted.plugin import IPlugin
from zope.interface import implementer

from ark.interfaces import IZoneBehaviour
from ark.behaviours.jitsi import NotInZone
from ark.interfaces import MoveTo

DEFAULT_JITSI_DOMAIN = "meet.jit.si"
ON_ACTION = "onaction"


def _onAction(zone, trigger: str) -> bool:
    return str(zone.properties.get(trigger, "")).lower() == ON_ACTION


def jitsiRoomName(name: str) -> str:
    """
    A Jitsi room name from a map maker's: lower case letters, digits and
    dashes, so the same room always gets the same name and no name can
    smuggle a path or a query into the call's address.
    """
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:64] or "room"


@implementer(IPlugin, IZoneBehaviour)
class Jitsi:
    """
    C{jitsiRoom}: a meeting room.  Walking in opens the call
    (C{jitsiTrigger: onenter}, the default) or offers to
    (C{onaction}); walking out hangs up.
    """

    name = "jitsi"
    properties = ("jitsiRoom", "jitsiTrigger", "jitsiTriggerMessage", "jitsiUrl",
                  "jitsiConfig")

    def offer(self, zone):
        return "Join meeting" if _onAction(zone, "jitsiTrigger") else None

    def check(self, mapName, zone, maps):
        domain = zone.properties.get("jitsiUrl")
        if domain is not None and jitsiHost(domain) is None:
            return ["jitsiUrl must be a host name such as meet.example.org, not %r; "
                    "the meeting uses %s" % (domain, DEFAULT_JITSI_DOMAIN)]
        return []

    def _open(self, player, zone):
        properties = zone.properties
        effect = {
            "effect": "jitsi.open",
            "room": jitsiRoomName(str(properties.get("jitsiRoom") or zone.name)),
            "domain": jitsiHost(properties.get("jitsiUrl")) or DEFAULT_JITSI_DOMAIN,
        }
        config = properties.get("jitsiConfig")
        if isinstance(config, str) and config:
            effect["config"] = config
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
        if not zone.properties.get("playAudio"):
            return ["audioVolume and audioLoop do nothing without playAudio"]
        return []

    def _url(self, player, zone):
        source = str(zone.properties.get("playAudio") or "")
        if not source or re.match(r"[a-z][a-z0-9+.-]*:", source, re.I):
            return source
        return "/maps/" + posixpath.normpath(
            posixpath.join(posixpath.dirname(player.mapName), source)).lstrip("/")

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
    C{agentId}: where an AI agent lives.  Walking in (C{agentTrigger:
    onenter}) or acting (C{onaction}) opens a conversation with it.
    """

    name = "agent"
    properties = ("agentId", "agentTrigger", "triggerMessage")

    def check(self, mapName, zone, maps):
        if not zone.properties.get("agentId"):
            return ["agentTrigger and triggerMessage do nothing without agentId"]
        return []

    def offer(self, zone):
        if _onAction(zone, "agentTrigger") and zone.properties.get("agentId"):
            return "Talk to %s" % (zone.properties["agentId"],)
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
    """
    if not isinstance(exitUrl, str) or not exitUrl.strip():
        return None
    path, _, entry = exitUrl.strip().partition("#")
    if re.match(r"[a-z][a-z0-9+.-]*:|/", path, re.I) or not path:
        return None
    target = posixpath.normpath(posixpath.join(posixpath.dirname(mapName), path))
    if target.startswith("../") or target == "..":
        return None
    return target, entry or "start"


@implementer(IPlugin, IZoneBehaviour)
class Exit:
    """
    C{exitUrl}: a door to another map.  Walking in moves the player to
    that map's room, at the entry after C{#}.
    """

    name = "exit"
    properties = ("exitUrl",)

    def check(self, mapName, zone, maps):
        exitUrl = zone.properties.get("exitUrl")
        target = exitTarget(mapName, exitUrl)
        if target is None:
            return ["exitUrl %r leads to no map of this server; the door does nothing"
                    % (exitUrl,)]
        other, entry = target
        if other not in maps:
            return ["exitUrl %r: there is no map %r; the door does nothing" % (exitUrl, other)]
        if entry not in maps[other].entries:
            return ["exitUrl %r: map %r has no entry %r; the door does nothing"
                    % (exitUrl, other, entry)]
        return []

    def offer(self, zone):
        return None

    def entered(self, player, zone):
        target = exitTarget(player.mapName, zone.properties.get("exitUrl"))
        return [MoveTo(*target)] if target is not None else []

    def left(self, player, zone):
        return []

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
