"""
The installed server as a child process, for tests of what operators run:
C{twistd -n ark} from the virtualenv's plain (not editable) install, with
nothing of the checkout on its path.
"""

from __future__ import annotations

import os
import re
import sys

from autobahn.twisted.websocket import WebSocketClientFactory
from twisted.internet import defer, endpoints, protocol, reactor

from tests.test_websocket import PlayerProtocol

TWISTD = os.path.join(os.path.dirname(sys.executable), "twistd")


class ServerProcess(protocol.ProcessProtocol):
    """
    A C{twistd -n ark} child: fires C{listening} with the port once the
    site, or its gateways, log that they started, and C{ended} with how the process ended.
    """

    def __init__(self):
        self.output = b""
        self.listening = defer.Deferred()
        self.ended = defer.Deferred()

    def outReceived(self, data):
        self.output += data
        if not self.listening.called:
            # The site's port, or the one its gateways share.
            found = re.search(rb"(?:Site|Gateways) starting on (\d+)", self.output)
            if found:
                self.listening.callback(int(found.group(1)))

    errReceived = outReceived

    def processEnded(self, reason):
        if not self.listening.called:
            self.listening.errback(AssertionError(self.output.decode("utf-8", "replace")))
        self.ended.callback(reason.value)


def startInstalledServer(testCase, workdir: str, arguments) -> ServerProcess:
    """
    Start C{twistd -n ark} on a free port with C{workdir} as its working
    and data directory; killed when C{testCase} ends if it still runs.
    """
    server = ServerProcess()
    environment = dict(os.environ, PYTHONPATH="", ARK_DATA_DIR=workdir)
    reactor.spawnProcess(
        server, TWISTD, [TWISTD, "-n", "--pidfile=", "ark", "--port", "0"] + list(arguments),
        env=environment, path=workdir,
    )

    def killIfRunning():
        if not server.ended.called:
            server.transport.signalProcess("KILL")
            return server.ended

    testCase.addCleanup(killIfRunning)
    return server


@defer.inlineCallbacks
def connectPlayer(port: int):
    """
    Open a WebSocket to the server on C{port}; fires with the connected
    L{PlayerProtocol}.
    """
    factory = WebSocketClientFactory("ws://127.0.0.1:%d/ws" % (port,), reactor=reactor)
    factory.protocol = PlayerProtocol
    factory.connected = defer.Deferred()
    yield endpoints.TCP4ClientEndpoint(reactor, "127.0.0.1", port).connect(factory)
    player = yield factory.connected
    return player
