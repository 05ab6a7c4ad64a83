"""
A gateway process, C{python -m ark.gateway}: started by the room process
(L{ark.gateway.supervisor}) with the public port's listening socket,
never by hand.  It serves the port until its link to the room process is
lost.
"""

from __future__ import annotations

import os
import socket
import sys

from autobahn.twisted.resource import WebSocketResource
from twisted.internet.endpoints import UNIXClientEndpoint
from twisted.logger import (
    FileLogObserver, FilteringLogObserver, LogLevel, LogLevelFilterPredicate, Logger,
    eventAsText, globalLogBeginner)
from twisted.python import usage
from twisted.web.server import Site

from ark.gateway.edge import GatewayFactory, RoomLink, RoomLinkFactory
from ark.gateway.proxy import GatewayRoot, ToRoomProcess

log = Logger()

_FAMILIES = {"inet": socket.AF_INET, "inet6": socket.AF_INET6}


class Options(usage.Options):
    synopsis = "python -m ark.gateway --listen-fd N --family inet --link PATH --http PATH"
    optParameters = [
        ["listen-fd", None, None, "The public port's listening socket.", int],
        ["family", None, "inet", "Its address family: inet or inet6."],
        ["link", None, None, "The room process's Unix socket for gateways."],
        ["http", None, None, "The room process's Unix socket for HTTP."],
    ]

    def postOptions(self):
        for name in ("listen-fd", "link", "http"):
            if self[name] is None:
                raise usage.UsageError("--%s is required" % (name,))
        if self["family"] not in _FAMILIES:
            raise usage.UsageError("--family must be inet or inet6")


class _QuietSite(Site):
    # The room process logs each request it is forwarded.
    noisy = False

    def log(self, request):
        pass


def serve(reactor, options) -> None:
    """
    Connect to the room process, then take the port.
    """
    link = RoomLink(reactor, lost=lambda: _lost(reactor))

    def linked(_):
        factory = GatewayFactory(reactor, link)
        root = GatewayRoot(WebSocketResource(factory), ToRoomProcess(options["http"], reactor))
        site = _QuietSite(root)
        site.displayTracebacks = False
        reactor.adoptStreamPort(options["listen-fd"], _FAMILIES[options["family"]], site)
        # The port holds its own copy of the descriptor.
        os.close(options["listen-fd"])
        # Stopping (SIGTERM, or the room process gone): the clients are
        # told the server is going away before the gateway ends.
        reactor.addSystemEventTrigger("before", "shutdown", factory.drain)

    def failed(failure):
        log.error("cannot reach the room process: {reason}", reason=failure.getErrorMessage())
        reactor.stop()

    connecting = UNIXClientEndpoint(reactor, options["link"]).connect(RoomLinkFactory(link))
    connecting.addCallbacks(linked, failed)


def _lost(reactor) -> None:
    # The room process stopped, or died: a gateway has nothing to serve
    # without it (and its supervisor, if alive, starts another).
    if reactor.running:
        log.info("the link to the room process is lost: stopping")
        reactor.stop()


def main(argv=None) -> int:
    options = Options()
    try:
        options.parseOptions(sys.argv[1:] if argv is None else argv)
    except usage.UsageError as error:
        sys.stderr.write("ark.gateway: %s\n" % (error,))
        return 2
    from twisted.internet import reactor

    # The room process logs each line, with its time, as this gateway's.
    lines = FileLogObserver(
        sys.stderr, lambda event: eventAsText(event, includeTimestamp=False,
                                              includeSystem=False) + "\n")
    globalLogBeginner.beginLoggingTo(
        [FilteringLogObserver(lines, [LogLevelFilterPredicate(defaultLogLevel=LogLevel.info)])],
        redirectStandardIO=False)
    reactor.callWhenRunning(serve, reactor, options)
    reactor.run()
    return 0
