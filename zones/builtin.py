"""
The zone behaviours ark ships, with WorkAdventure's property names where
WorkAdventure has them: Jitsi meeting rooms, silent areas, background
audio and agents.
"""

from __future__ import annotations

import posixpath
import re

from twisted.plugin import IPlugin
from zope.interface import implementer

from ark.interfaces import IZoneBehaviour

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

    def _open(self, zone):
        properties = zone.properties
        effect = {
            "effect": "jitsi.open",
            "room": jitsiRoomName(str(properties.get("jitsiRoom") or zone.name)),
            "domain": str(properties.get("jitsiUrl") or DEFAULT_JITSI_DOMAIN),
        }
        config = properties.get("jitsiConfig")
        if isinstance(config, str) and config:
            effect["config"] = config
        return [effect]

    def entered(self, player, zone):
        if _onAction(zone, "jitsiTrigger"):
            message = zone.properties.get("jitsiTriggerMessage")
            return [{"effect": "prompt", "text": str(message or "Press E to join the meeting")}]
        return self._open(zone)

    def left(self, player, zone):
        return [{"effect": "jitsi.close"}]

    def acted(self, player, zone):
        return self._open(zone) if _onAction(zone, "jitsiTrigger") else []


@implementer(IPlugin, IZoneBehaviour)
class Silent:
    """
    C{silent}: nobody inside is heard, nor hears anyone.
    """

    name = "silent"
    properties = ("silent",)

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


jitsi = Jitsi()
silent = Silent()
audio = Audio()
agent = Agent()
