"""
Zone behaviours at work: finding the plugins, deciding which behaviours a
zone calls for, and turning the room's zone changes into their effects.

The room (L{ark.world.room}) says who entered, left or acted in which
zone; this module asks the behaviours what follows, and hands the effects
back for the player's client.  Behaviours never see sockets.
"""

from __future__ import annotations

import importlib
from typing import Dict, Iterable, List, NamedTuple, Optional, Tuple

from twisted.logger import Logger
from twisted.plugin import getPlugins

from ark.interfaces import IZoneBehaviour, MoveTo

log = Logger()


class Services(NamedTuple):
    """
    What the server lends behaviours.

    @ivar jitsiTokens: the L{ark.behaviours.jitsi.JitsiTokens} when the operator
        configured a Jitsi app id and secret, else C{None} (anonymous
        meetings).
    @ivar workAdventureUrl: the WorkAdventure play server that exits to
        WorkAdventure rooms (C{/@/...}, C{/_/global/...}) are offered on.
    """

    jitsiTokens: Optional[object] = None
    workAdventureUrl: str = "https://play.workadventu.re"


class Player(NamedTuple):
    """
    Who a behaviour is acting for.

    @ivar zonesNow: the zones (L{ark.world.worldmap.Zone}) the player
        stands in now.
    """

    userId: Optional[int]
    name: str
    avatar: str
    mapName: str
    zonesNow: Tuple[object, ...] = ()
    services: Services = Services()

    def isIn(self, zone) -> bool:
        """
        Whether the player stands in C{zone} now.
        """
        return any(mine is zone for mine in self.zonesNow)


def discover(extraPackages: Iterable[str] = ()) -> List:
    """
    Every zone behaviour in the C{zones} package and in the packages named.

    @raise ImportError: when a named package cannot be imported.
    """
    import zones

    packages = [zones] + [importlib.import_module(name) for name in extraPackages]
    found = []
    for package in packages:
        for behaviour in getPlugins(IZoneBehaviour, package):
            if behaviour not in found:
                found.append(behaviour)
    return found


class ZoneDirector:
    """
    The behaviours of every zone of the loaded maps.

    @param behaviours: providers of L{IZoneBehaviour}.
    @param services: the L{Services} behaviours may use.
    """

    def __init__(self, behaviours, services: Services = Services()):
        self.behaviours = list(behaviours)
        self.services = services
        self._claims: Dict[str, list] = {}
        for behaviour in self.behaviours:
            for name in behaviour.properties:
                self._claims.setdefault(name, []).append(behaviour)
        self._byZone: Dict[Tuple[str, int], tuple] = {}

    def behavioursOf(self, worldMap, number: int) -> tuple:
        """
        The behaviours zone C{number} of C{worldMap} calls for, in the order
        they were found.
        """
        key = (worldMap.name, number)
        found = self._byZone.get(key)
        if found is None:
            properties = worldMap.zones[number].properties
            found = tuple(b for b in self.behaviours
                          if any(name in properties for name in b.properties))
            self._byZone[key] = found
        return found

    def unclaimed(self, maps) -> List[Tuple[str, str, str]]:
        """
        Zone properties no behaviour claims: C{(map, zone, property)}, for
        the operator to hear about once.
        """
        found = []
        for mapName in sorted(maps):
            for zone in maps[mapName].zones:
                for name in sorted(zone.properties):
                    if name not in self._claims:
                        found.append((mapName, zone.name, name))
        return found

    def problems(self, maps) -> List[Tuple[str, str, str]]:
        """
        What the behaviours find wrong with the zones of C{maps} (an exit to
        a map this server does not have, ...): C{(map, zone, problem)}, for
        the operator to hear about once.
        """
        found = []
        for mapName in sorted(maps):
            worldMap = maps[mapName]
            for number, zone in enumerate(worldMap.zones):
                for behaviour in self.behavioursOf(worldMap, number):
                    for problem in behaviour.check(mapName, zone, maps):
                        found.append((mapName, zone.name, problem))
        return found

    def offer(self, worldMap, number: int) -> Optional[str]:
        """
        What acting in zone C{number} does, for the action button.
        """
        zone = worldMap.zones[number]
        for behaviour in self.behavioursOf(worldMap, number):
            label = behaviour.offer(zone)
            if label:
                return label
        return None

    def effectsOf(self, worldMap, changes) -> List[Tuple[object, object]]:
        """
        The effects of one drain of a room's changes: C{[(avatar, effect),
        ...]}, in order: for each avatar, zones left before zones entered;
        then actions.  An effect is the message for the player's client, or
        a L{MoveTo} for the server.
        """
        out: List[Tuple[object, object]] = []
        for avatar, before in changes.rezoned.items():
            now = avatar.zones
            player = self._player(avatar, worldMap)
            for number in before:
                if number not in now:
                    self._call(worldMap, number, "left", player, avatar, out)
            for number in now:
                if number not in before:
                    self._call(worldMap, number, "entered", player, avatar, out)
        for avatar in changes.removed:
            if avatar.agent is not None:
                # Behaviours are for players; the room never tells them
                # about agents' zones either.
                continue
            # Behaviours hear that the player left the world inside their
            # zones; what they answer has no one to go to.
            player = self._player(avatar, worldMap)
            for number in avatar.zones:
                self._call(worldMap, number, "left", player, avatar, None)
        for avatar, zones in changes.acted:
            player = self._player(avatar, worldMap)
            for number in zones:
                self._call(worldMap, number, "acted", player, avatar, out)
        return out

    def standingIn(self, worldMap, avatar) -> List[dict]:
        """
        The effects of entering every zone C{avatar} stands in, for a client
        that starts afresh on an avatar already there (a resumption): what
        the zones do is told again; nobody is moved.
        """
        out: List[Tuple[object, object]] = []
        player = self._player(avatar, worldMap)
        for number in avatar.zones:
            self._call(worldMap, number, "entered", player, avatar, out)
        return [effect for _, effect in out if not isinstance(effect, MoveTo)]

    def _call(self, worldMap, number, event, player, avatar, out):
        zone = worldMap.zones[number]
        for behaviour in self.behavioursOf(worldMap, number):
            try:
                effects = getattr(behaviour, event)(player, zone) or []
            except Exception:
                # A broken plugin must not break the room or other zones.
                log.failure("zone behaviour {name} {event} in {zone}",
                            name=behaviour.name, event=event, zone=zone.name)
                continue
            if out is None:
                continue
            for effect in effects:
                if isinstance(effect, MoveTo):
                    out.append((avatar, effect))
                    continue
                message = {"t": "effect", "zone": number}
                message.update(effect)
                out.append((avatar, message))

    def _player(self, avatar, worldMap) -> Player:
        zones = worldMap.zones
        return Player(avatar.userId, avatar.name, avatar.avatar, worldMap.name,
                      tuple(zones[number] for number in avatar.zones), self.services)
