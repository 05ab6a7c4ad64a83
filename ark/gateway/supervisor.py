"""
The room process's gateways: it opens the public port and hands the
listening socket to each gateway process it starts, serves them its
sessions over one Unix socket and its site over another, and starts a
gateway again when one dies.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import sys
import tempfile

from twisted.application import service
from twisted.internet import defer
from twisted.internet.error import CannotListenError, ProcessExitedAlready
from twisted.internet.protocol import ProcessProtocol
from twisted.internet.task import deferLater
from twisted.logger import Logger

from ark.gateway.roomside import GatewayLinks

log = Logger()

# A gateway that dies is started again after this long, doubled each time
# one dies within RESTART_GRACE seconds of its start, up to RESTART_MOST.
RESTART_DELAY = 0.5
RESTART_MOST = 30.0
RESTART_GRACE = 10.0

# How long stopping waits for gateways to end before killing them.
STOP_SECONDS = 5.0

# The descriptor a gateway finds the listening socket on.
LISTENING_FD = 3


class GatewayProcess(ProcessProtocol):
    """
    One gateway process, whose output is logged as its own.
    """

    def __init__(self, supervisor: "GatewayService", number: int):
        self.supervisor = supervisor
        self.number = number
        self.ended = defer.Deferred()
        self._partial = b""

    def childDataReceived(self, childFD, data):
        lines = (self._partial + data).split(b"\n")
        self._partial = lines.pop()
        for line in lines:
            if line.strip():
                log.info("gateway {number}: {line}", number=self.number,
                         line=line.decode("utf-8", "replace"))

    def processEnded(self, reason):
        self.supervisor.ended(self, reason)
        self.ended.callback(None)


class GatewayService(service.Service):
    """
    Runs C{count} gateways for the clients of C{world} (an
    L{ark.net.protocol.WorldFactory}) on the public port, and C{site}
    for their HTTP.

    @param reactor: the reactor (processes, Unix sockets and time).
    """

    def __init__(self, count: int, interface: str, port: int, world, site, reactor):
        self.count = count
        self.interface = interface
        self.port = port
        self.world = world
        self.site = site
        self.reactor = reactor
        self.processes = {}
        self._socket = None
        self._ports = []
        self._directory = None
        self._delays = {}
        self._restarts = {}

    def startService(self):
        service.Service.startService(self)
        self._socket = self._listen()
        # Sockets only this user may open, with names short enough for a
        # Unix socket wherever the data directory is.
        self._directory = tempfile.mkdtemp(prefix="ark-gateways-")
        self.linkPath = os.path.join(self._directory, "link")
        self.httpPath = os.path.join(self._directory, "http")
        self._ports = [
            self.reactor.listenUNIX(self.linkPath, GatewayLinks(self.world, self.reactor),
                                    mode=0o600),
            self.reactor.listenUNIX(self.httpPath, self.site, mode=0o600),
        ]
        for number in range(1, self.count + 1):
            self._start(number)
        log.info("Gateways starting on {port}", port=self._socket.getsockname()[1])

    def _listen(self) -> socket.socket:
        family = socket.AF_INET6 if ":" in self.interface else socket.AF_INET
        listening = socket.socket(family, socket.SOCK_STREAM)
        try:
            listening.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            listening.bind((self.interface, self.port))
            listening.listen(1024)
        except OSError as error:
            listening.close()
            raise CannotListenError(self.interface, self.port, error)
        listening.setblocking(False)
        return listening

    def _start(self, number: int) -> None:
        family = "inet6" if self._socket.family == socket.AF_INET6 else "inet"
        process = GatewayProcess(self, number)
        self.processes[number] = process
        process.startedAt = self.reactor.seconds()
        self.reactor.spawnProcess(
            process, sys.executable,
            [sys.executable, "-m", "ark.gateway", "--listen-fd", str(LISTENING_FD),
             "--family", family, "--link", self.linkPath, "--http", self.httpPath],
            env=os.environ,
            childFDs={0: "w", 1: "r", 2: "r", LISTENING_FD: self._socket.fileno()})

    def ended(self, process: GatewayProcess, reason) -> None:
        """
        A gateway process ended: unless stopping, start another in its
        place (its players reconnect to the others, or to it).
        """
        if self.processes.get(process.number) is process:
            del self.processes[process.number]
        if not self.running:
            return
        number = process.number
        quick = self.reactor.seconds() - process.startedAt < RESTART_GRACE
        delay = min(RESTART_MOST, self._delays.get(number, RESTART_DELAY / 2) * 2) if quick \
            else RESTART_DELAY
        self._delays[number] = delay
        log.warn("gateway {number} ended ({reason}); starting it again in {delay:g} s",
                 number=number, reason=reason.getErrorMessage(), delay=delay)
        self._restarts[number] = self.reactor.callLater(delay, self._restart, number)

    def _restart(self, number: int) -> None:
        del self._restarts[number]
        if self.running:
            self._start(number)

    @defer.inlineCallbacks
    def stopService(self):
        service.Service.stopService(self)
        for call in self._restarts.values():
            call.cancel()
        self._restarts.clear()
        # What the sessions said last (the server going away) reaches the
        # gateways before they are told to stop.
        yield deferLater(self.reactor, 0, lambda: None)
        processes = list(self.processes.values())
        for process in processes:
            _signal(process, signal.SIGTERM)
        ended = defer.DeferredList([process.ended for process in processes])
        killing = self.reactor.callLater(
            STOP_SECONDS, lambda: [_signal(process, signal.SIGKILL) for process in processes])
        yield ended
        if killing.active():
            killing.cancel()
        for port in self._ports:
            yield port.stopListening()
        self._ports = []
        self._socket.close()
        shutil.rmtree(self._directory, ignore_errors=True)


def _signal(process: GatewayProcess, number: int) -> None:
    try:
        process.transport.signalProcess(number)
    except ProcessExitedAlready:
        pass
