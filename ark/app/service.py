"""
Build the service C{twistd ark} runs: the rooms, the loops that drive
them, and the web site that serves everything on one port.
"""

from __future__ import annotations

import gc
import os
import sys
import time

from twisted.application import service, strports
from twisted.internet import defer
from twisted.internet.error import CannotListenError
from twisted.internet.task import LoopingCall
from twisted.logger import Logger

from ark import metrics
from ark.identity.authority import Authority
from ark.chat.service import ChatService
from ark.chat.filter import ChatFilter
from ark.http.api import SignInLimit
from ark.http.clientaddress import ClientAddress
from ark.behaviours.jitsi import JitsiTokens
from ark.net.protocol import WorldFactory
from ark.app.options import Options
from ark.identity.presence import openPresence
from ark.media.ice import IceServers
from ark.rooms import RoomManager
from ark.app.secret import SecretError, loadOrCreateSecret
from ark.store import openStore
from ark.maps.repository import loadRepository
from ark.http.site import makeSite
from ark.world.movement import TICK_RATE
from ark.agents.brains import discover as discoverBrains
from ark.agents.conversations import AgentService
from ark.behaviours.director import Services, ZoneDirector, discover
from ark.cluster.directory import openDirectory
from ark.cluster.relay import openRelay
from ark.cluster.seats import Seats
from ark.gateway.supervisor import GatewayService
from ark.app import resources

__all__ = ["Options", "makeService"]

log = Logger()

# After a stall longer than this, the simulation skips ahead instead of
# replaying every missed tick in one burst.
MAX_CATCH_UP_TICKS = TICK_RATE // 2

# Allocations between young-generation collections, and collections between
# older ones (see SimulationService.startService).
GC_THRESHOLDS = (20000, 50, 100)


class SimulationService(service.Service):
    """
    Steps every room at C{TICK_RATE}; each tick also sends the patches due
    (each client gets one every third tick, see L{ark.net.views}).

    @ivar clock: the reactor; tests set a L{task.Clock}.
    """

    def __init__(self, rooms: RoomManager, clock):
        self.rooms = rooms
        self.clock = clock
        self._loop = LoopingCall.withCount(self._run)
        self._loop.clock = clock
        # Read when Prometheus scrapes, not worked out every tick.
        metrics.rooms.set_function(lambda: sum(1 for _ in rooms.views()))
        metrics.heldAvatars.set_function(rooms.heldCount)
        metrics.conversations.set_function(
            lambda: sum(len(view.room.talk.pairs) for view in rooms.views()))

    def startService(self):
        service.Service.startService(self)
        # The maps and everything loaded at startup live as long as the
        # process: move them out of the cyclic collector's sight, and let it
        # run less often.  With its defaults, a thousand players' garbage
        # (tuples, lists, byte strings, almost never cycles) triggers a
        # full collection every few seconds that stalls a tick for ~15 ms.
        gc.freeze()
        gc.set_threshold(*GC_THRESHOLDS)
        self._loop.start(1.0 / TICK_RATE, now=False)

    def stopService(self):
        service.Service.stopService(self)
        if self._loop.running:
            self._loop.stop()
        # Where everyone stands is saved before the store closes.
        return self.rooms.stop()

    def _run(self, count: int) -> None:
        if count > MAX_CATCH_UP_TICKS:
            metrics.ticksSkipped.inc(count - MAX_CATCH_UP_TICKS)
            count = MAX_CATCH_UP_TICKS
        if count > 1:
            metrics.ticksBehind.inc(count - 1)
        traffic = metrics.traffic
        for _ in range(count):
            started = time.perf_counter()
            underruns, sent, size = self.rooms.step()
            metrics.tickDuration.observe(time.perf_counter() - started)
            traffic.inputUnderruns += underruns
            traffic.messagesOut["p"] += sent
            traffic.bytesOut += size


class StoreService(service.MultiService):
    """
    Opens the store (applying migrations) before starting its children,
    the simulation and the listening port, so no request meets a database
    that is not ready; and closes it after they have stopped.
    """

    def __init__(self, store, presence, reactor):
        service.MultiService.__init__(self)
        self.store = store
        self.presence = presence
        self.reactor = reactor
        self.ready = None

    def privilegedStartService(self):
        # twistd opens listening ports here, before startService: the port
        # must wait for the store like everything else, so nothing starts
        # here (ark needs no privileges anyway).
        pass

    def startService(self):
        service.Service.startService(self)
        self.ready = self.store.start()
        self.ready.addCallbacks(self._startChildren, self._failed)

    def _startChildren(self, _):
        if self.running:
            try:
                for child in self:
                    child.privilegedStartService()
                    child.startService()
            except CannotListenError as error:
                # Said in one line, and the server ends, instead of running
                # on without its port.
                sys.stderr.write("ark: cannot start: port %s on %s: %s\n" % (
                    error.port, error.interface or "every interface",
                    getattr(error.socketError, "strerror", None) or error.socketError))
                self.reactor.stop()

    def _failed(self, failure):
        sys.stderr.write("ark: cannot start: the database: %s\n" % (failure.getErrorMessage(),))
        log.failure("opening the store", failure)
        self.reactor.stop()

    @defer.inlineCallbacks
    def stopService(self):
        if self.ready is not None and not self.ready.called:
            yield self.ready
        yield service.MultiService.stopService(self)
        yield self.presence.stop()
        yield self.store.stop()


def checkDatabase(database: str) -> None:
    """
    Fail at once, with one line, when a PostgreSQL server cannot be reached
    (SQLite needs only the data directory, which exists by now).
    """
    if database == "sqlite":
        return
    try:
        import psycopg2
    except ImportError:
        sys.stderr.write("ark: cannot start: --db postgresql needs psycopg2: "
                         "pip install 'ark[postgresql]'\n")
        raise SystemExit(1)
    try:
        psycopg2.connect(database, connect_timeout=5).close()
    except psycopg2.Error as error:
        reason = str(error).strip().splitlines()[0] if str(error).strip() else repr(error)
        sys.stderr.write("ark: cannot start: the database: %s\n" % (reason,))
        raise SystemExit(1)


class ClosingFactoryService(service.Service):
    """
    Tells every client the server is going away when it stops.
    """

    def __init__(self, factory: WorldFactory):
        self.factory = factory

    def stopService(self):
        service.Service.stopService(self)
        self.factory.closeAll()


def makeService(options: Options, clock=None) -> service.MultiService:
    """
    Build the ark service from parsed C{options}.
    """
    if clock is None:
        from twisted.internet import reactor as clock
    maps, problems = loadRepository(options["maps-dir"], options["map"])
    for problem in problems:
        (log.error if problem.fatal else log.warn)("{problem}", problem=str(problem))
    if options["map"] not in maps:
        # One line naming the file and the fault is all an operator needs.
        [fault] = [p for p in problems if p.fatal and p.mapName == options["map"]]
        sys.stderr.write("ark: cannot start: %s: %s\n" % (fault.mapName, fault.problem))
        raise SystemExit(1)

    os.makedirs(options["data-dir"], exist_ok=True)
    try:
        secret = loadOrCreateSecret(options["data-dir"], options["secret"])
    except SecretError as error:
        sys.stderr.write("ark: cannot start: %s\n" % (error,))
        raise SystemExit(1)
    checkDatabase(options["db"])
    store = openStore(options["db"], options["data-dir"])
    presence = openPresence(options["redis"], clock)

    try:
        jitsiTokens = None
        if options["jitsi-app-id"]:
            jitsiTokens = JitsiTokens(options["jitsi-app-id"], options["jitsi-secret"], clock)
        director = ZoneDirector(discover(options["zone-plugins"]),
                                Services(jitsiTokens, options["workadventure-url"]))
    except ImportError as error:
        sys.stderr.write("ark: cannot start: --zone-plugins: %s\n" % (error,))
        raise SystemExit(1)
    for mapName, zoneName, propertyName in director.unclaimed(maps):
        log.warn("{map}: zone {zone!r} has property {property!r}, which no zone behaviour "
                 "claims; it does nothing", map=mapName, zone=zoneName, property=propertyName)
    for mapName, zoneName, problem in director.problems(maps):
        log.warn("{map}: zone {zone!r}: {problem}", map=mapName, zone=zoneName, problem=problem)

    rooms = RoomManager(
        maps,
        defaultMap=options["map"],
        capacity=options["room-capacity"],
        viewRadius=options["view-radius"],
        holdSeconds=options["reconnect-hold"],
        clock=clock,
        store=store,
        director=director,
        talkRules=options.talkRules(),
        agentsAtStart=not options["redis"],
    )
    for mapName, problem in rooms.talkProblems:
        log.warn("{map}: {problem}", map=mapName, problem=problem)
    authority = Authority(store, presence, secret, clock)
    messages, seconds = options["chat-limit"]
    chat = ChatService(store, rooms, ChatFilter(options["banned-words"] or ()), clock,
                       radius=options["proximity-radius"], perWindow=messages, window=seconds)
    ice = IceServers(options["stun-url"], options["turn-url"],
                     (options["turn-secret"] or "").encode("utf-8"), options["turn-ttl"], clock)
    agents = AgentService(rooms, store, chat, clock, agentBrains(options, maps),
                          options.brainSettings(clock),
                          concurrency=options["agent-concurrency"])
    directory = openDirectory(options["redis"], options["world"], options["node-id"],
                              options.webSocketUrl(), rooms, clock)
    agents.world.directory = directory
    seats = Seats(directory, secret, clock)
    rooms.heldHere = seats.holdsNow
    chat.relay = openRelay(options["redis"], options["world"], options["node-id"],
                           chat.deliverHere, clock)
    factory = WorldFactory(rooms, clock, authority, chat, inputRate=options["input-rate"],
                           ice=ice, agents=agents, seats=seats)
    site = makeSite(resources.bundled("web"), options["maps-dir"], factory, rooms, authority,
                    SignInLimit(clock, options["sign-in-limit"],
                                ClientAddress(options["trusted-proxy"])), chat, agents, seats)

    top = service.MultiService()
    storage = StoreService(store, presence, clock)
    storage.setServiceParent(top)
    SimulationService(rooms, clock).setServiceParent(storage)
    if options["gateways"]:
        # Before ClosingFactoryService, so stopped after it: clients are
        # told the server is going away through their gateways.
        GatewayService(options["gateways"], options["interface"], options["port"], factory,
                       site, clock).setServiceParent(storage)
    else:
        endpoint = "tcp:%d:interface=%s" % (options["port"],
                                             options["interface"].replace(":", r"\:"))
        listener = strports.service(endpoint, site)
        # A port that cannot be opened raises from startService, for
        # StoreService to report, rather than failing out of sight.
        listener._raiseSynchronously = True
        listener.setServiceParent(storage)
    ClosingFactoryService(factory).setServiceParent(storage)
    agents.setServiceParent(storage)
    directory.setServiceParent(storage)
    if chat.relay is not None:
        chat.relay.setServiceParent(storage)
    return top


def agentBrains(options: Options, maps) -> dict:
    """
    The agents' brains, by name, with what keeps any from answering said
    once: a brain that is not configured, an agent whose brain is missing.
    """
    try:
        brains = discoverBrains(options["brain-plugins"])
    except ImportError as error:
        sys.stderr.write("ark: cannot start: --brain-plugins: %s\n" % (error,))
        raise SystemExit(1)
    wanted = {}
    for mapName in sorted(maps):
        for spec in maps[mapName].agents:
            wanted.setdefault(spec.brain, []).append("%s (%s)" % (spec.agentId, mapName))
    settings = options.brainSettings(None)
    for name, agents in sorted(wanted.items()):
        brain = brains.get(name)
        if brain is None:
            log.warn("no agent brain {brain!r} is installed: {agents} will say they cannot "
                     "answer", brain=name, agents=", ".join(agents))
            continue
        for problem in brain.check(settings):
            log.warn("agent brain {brain!r} ({agents}): {problem}", brain=name,
                     agents=", ".join(agents), problem=problem)
    return brains
