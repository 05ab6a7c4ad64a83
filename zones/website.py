"""
Websites in zones, with WorkAdventure's property names: C{openWebsite}
opens a page in a panel beside the game while the player stands in the
zone, C{openTab} opens one in a new browser tab.
"""

from __future__ import annotations

from typing import Optional

from twisted.plugin import IPlugin
from zope.interface import implementer

from ark.interfaces import IZoneBehaviour
from zones.builtin import ON_ACTION, panelWidth
from zones.urls import describe, mapAddress

ON_ENTER = "onenter"
ON_ICON = "onicon"
TRIGGERS = (ON_ENTER, ON_ACTION, ON_ICON)

# Longer than any permissions policy a map maker writes.
MAX_POLICY_LENGTH = 1000

# The properties that only a website uses; openWebsiteTrigger and its
# message serve openTab too.
_WEBSITE_ONLY = ("openWebsiteWidth", "openWebsitePolicy", "openWebsiteClosable",
                 "openWebsiteAllowApi", "openWebsitePosition")


def trigger(zone) -> str:
    """
    When a zone's website or tab opens: C{openWebsiteTrigger}, one of
    L{TRIGGERS}; anything else opens it on entering.
    """
    value = str(zone.properties.get("openWebsiteTrigger") or ON_ENTER).lower()
    return value if value in TRIGGERS else ON_ENTER


def _triggerProblems(zone):
    value = zone.properties.get("openWebsiteTrigger")
    if value is not None and str(value).lower() not in TRIGGERS:
        return ["openWebsiteTrigger must be onenter, onaction or onicon, not %r; it opens "
                "on entering" % (value,)]
    return []


def _byAction(zone) -> bool:
    return trigger(zone) in (ON_ACTION, ON_ICON)


class _PageBehaviour:
    """
    What C{openWebsite} and C{openTab} share: the page a property names,
    opened on entering, or offered and opened when the player acts
    (L{trigger}), and taken back on leaving.  Subclasses say which
    property, what the action button and the prompt say, and what opening
    and leaving send.
    """

    source: str
    actionLabel: str

    def _url(self, player, zone) -> Optional[str]:
        return mapAddress(player.mapName, zone.properties.get(self.source))

    def offer(self, zone):
        if zone.properties.get(self.source) and _byAction(zone):
            return self.actionLabel
        return None

    def _open(self, player, zone):
        url = self._url(player, zone)
        return [] if url is None else [self.opened(url, zone)]

    def entered(self, player, zone):
        url = self._url(player, zone)
        if url is None:
            return []
        mode = trigger(zone)
        if mode == ON_ENTER:
            return self._open(player, zone)
        if mode == ON_ACTION:
            message = zone.properties.get("openWebsiteTriggerMessage")
            return [{"effect": "prompt", "text": str(message or self.prompt(url))}]
        return []

    def left(self, player, zone):
        return [dict(self.closed)] if self._url(player, zone) is not None else []

    def acted(self, player, zone):
        return self._open(player, zone) if _byAction(zone) else []


@implementer(IPlugin, IZoneBehaviour)
class Website(_PageBehaviour):
    """
    C{openWebsite}: a page (an http(s) address, or a file relative to the
    map) in a panel beside the game.  It opens on entering
    (C{openWebsiteTrigger: onenter}, the default), or when the player acts
    (C{onaction}, with the prompt C{openWebsiteTriggerMessage}; C{onicon},
    offered on the action button alone), and closes on leaving.
    C{openWebsiteWidth} (percent of the screen), C{openWebsitePolicy}
    (the frame's C{allow}) and C{openWebsiteClosable} shape the panel.
    """

    name = "website"
    source = "openWebsite"
    actionLabel = "Open website"
    closed = {"effect": "website.close"}
    properties = ("openWebsite", "openWebsiteTrigger", "openWebsiteTriggerMessage",
                  "openWebsiteWidth", "openWebsitePolicy", "openWebsiteClosable",
                  "openWebsiteAllowApi", "openWebsitePosition")

    def check(self, mapName, zone, maps):
        properties = zone.properties
        source = properties.get("openWebsite")
        if not source:
            unused = [name for name in _WEBSITE_ONLY if name in properties]
            if "jitsiRoom" in properties and "openWebsiteClosable" in unused:
                # WorkAdventure's documentation gives it for meetings too.
                unused.remove("openWebsiteClosable")
            if "openTab" not in properties:
                unused += [name for name in ("openWebsiteTrigger", "openWebsiteTriggerMessage")
                           if name in properties]
            problems = (["openWebsite is empty; nothing opens"]
                        if "openWebsite" in properties else [])
            if unused:
                problems.append("%s do nothing without openWebsite" % (", ".join(unused),))
            return problems
        problems = []
        if mapAddress(mapName, source) is None:
            problems.append("openWebsite %r is neither an http(s) address nor a page in the "
                            "maps directory; nothing opens" % (source,))
        problems += _triggerProblems(zone)
        if "openWebsiteWidth" in properties and panelWidth(properties["openWebsiteWidth"]) is None:
            problems.append("openWebsiteWidth must be a number (percent of the screen's "
                            "width), not %r" % (properties["openWebsiteWidth"],))
        policy = properties.get("openWebsitePolicy")
        if policy is not None and (not isinstance(policy, str) or len(policy) > MAX_POLICY_LENGTH):
            problems.append("openWebsitePolicy must be text such as 'fullscreen; camera'; the "
                            "page opens without it")
        closable = properties.get("openWebsiteClosable")
        if closable is not None and not isinstance(closable, bool):
            problems.append("openWebsiteClosable must be a boolean, not %r" % (closable,))
        if properties.get("openWebsiteAllowApi"):
            problems.append("openWebsiteAllowApi is not supported: ark has no WorkAdventure "
                            "scripting API; the page opens without it")
        if "openWebsitePosition" in properties:
            problems.append("openWebsitePosition is ignored: ark shows one website at a time")
        return problems

    def prompt(self, url):
        return "Press E to open the website"

    def opened(self, url, zone):
        properties = zone.properties
        effect = {"effect": "website.open", "url": url,
                  "closable": properties.get("openWebsiteClosable") is not False}
        width = panelWidth(properties.get("openWebsiteWidth"))
        if width is not None:
            effect["width"] = width
        policy = properties.get("openWebsitePolicy")
        if isinstance(policy, str) and policy.strip() and len(policy) <= MAX_POLICY_LENGTH:
            effect["policy"] = policy.strip()
        return effect


@implementer(IPlugin, IZoneBehaviour)
class OpenTab(_PageBehaviour):
    """
    C{openTab}: a page opened in a new browser tab, on entering or, with
    C{openWebsiteTrigger: onaction} (or C{onicon}), when the player acts.
    A browser opens tabs only just after the player clicked or pressed a
    key, so the client offers a link instead when it was refused; leaving
    withdraws it.
    """

    name = "tab"
    source = "openTab"
    actionLabel = "Open in a new tab"
    closed = {"effect": "link.withdraw"}
    properties = ("openTab",)

    def check(self, mapName, zone, maps):
        source = zone.properties.get("openTab")
        problems = []
        if mapAddress(mapName, source) is None:
            problems.append("openTab %r is neither an http(s) address nor a page in the maps "
                            "directory; nothing opens" % (source,))
        if not zone.properties.get("openWebsite"):
            # Otherwise the website behaviour says it.
            problems += _triggerProblems(zone)
        return problems

    def prompt(self, url):
        return "Press E to open %s in a new tab" % (describe(url),)

    def opened(self, url, zone):
        return {"effect": "tab.open", "url": url, "text": "Open %s" % (describe(url),)}


website = Website()
tab = OpenTab()
