"""
A zone behaviour written outside ark: C{doorbell} zones greet whoever walks
in with the zone's message, and ring when they press the interact key.
"""

from twisted.plugin import IPlugin
from zope.interface import implementer

from ark.interfaces import IZoneBehaviour


@implementer(IPlugin, IZoneBehaviour)
class Doorbell:
    name = "doorbell"
    properties = ("doorbell",)

    def check(self, mapName, zone, maps):
        if not zone.properties["doorbell"]:
            return ["doorbell needs the greeting to say"]
        return []

    def offer(self, zone):
        return "Ring the bell"

    def entered(self, player, zone):
        return [{"effect": "prompt", "text": "%s, %s" % (zone.properties["doorbell"], player.name)}]

    def left(self, player, zone):
        return []

    def acted(self, player, zone):
        return [{"effect": "audio.play", "url": "/maps/bell.wav", "volume": 1.0, "loop": False}]


doorbell = Doorbell()
