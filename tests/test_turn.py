"""
The TURN credentials ark hands out, checked by the real thing: Debian's
coturn, started on loopback with the secret ark was given, relays for
them, and refuses them once they have expired or with a wrong secret.

Without coturn installed (C{turnserver}) the tests are skipped, except
under CI (C{CI} set), where a missing coturn is an error: C{.ci/run}
installs it.
"""

from __future__ import annotations

import os
import shutil
import socket
import struct
import subprocess
import tempfile
import time

from twisted.internet.task import Clock
from twisted.trial.unittest import SkipTest, SynchronousTestCase

from ark.media.ice import IceServers

SECRET = b"the static-auth-secret of this test"


def freeUdpPort() -> int:
    """
    A port number free for UDP and for TCP too: coturn listens on both,
    and one already taken for TCP (by another test's connections) keeps
    it from starting.
    """
    while True:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as stream:
                try:
                    stream.bind(("127.0.0.1", port))
                except OSError:
                    continue
        return port


class CoturnTests(SynchronousTestCase):

    def setUp(self):
        if shutil.which("turnserver") is None or shutil.which("turnutils_uclient") is None:
            message = "coturn is not installed (apt-get install coturn)"
            if os.environ.get("CI"):
                self.fail(message)
            raise SkipTest(message)
        self.port = freeUdpPort()
        directory = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, directory, True)
        config = os.path.join(directory, "turnserver.conf")
        self.log = os.path.join(directory, "turn.log")
        relays = 50000 + (self.port % 10000)
        with open(config, "w") as f:
            f.write("\n".join([
                "listening-ip=127.0.0.1", "relay-ip=127.0.0.1",
                "listening-port=%d" % (self.port,),
                "min-port=%d" % (relays,), "max-port=%d" % (relays + 50,),
                "use-auth-secret", "static-auth-secret=%s" % (SECRET.decode(),),
                "realm=ark.test", "allow-loopback-peers", "no-cli", "no-tls", "no-dtls",
                "no-stdout-log", "log-file=%s" % (self.log,),
                "pidfile=%s" % (os.path.join(directory, "turn.pid"),), "",
            ]))
        self.server = subprocess.Popen(["turnserver", "-c", config],
                                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.addCleanup(self.stopServer)
        self.waitUntilAnswering()

    def stopServer(self):
        self.server.terminate()
        self.server.wait(10)

    def waitUntilAnswering(self):
        # A STUN binding request needs no credentials: its answer tells
        # that coturn listens.
        request = struct.pack("!HHI", 0x0001, 0, 0x2112A442) + os.urandom(12)
        deadline = time.monotonic() + 15
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.settimeout(0.2)
            while time.monotonic() < deadline:
                self.assertIsNone(self.server.poll(), "coturn exited")
                probe.sendto(request, ("127.0.0.1", self.port))
                try:
                    answer = probe.recv(2048)
                except OSError:
                    continue
                if answer[4:20] == request[4:20]:
                    return
        # coturn names its log after the file it was given, with a date.
        logs = [os.path.join(os.path.dirname(self.log), name)
                for name in os.listdir(os.path.dirname(self.log)) if name.startswith("turn")
                and name.endswith(".log")]
        said = "".join(open(path, errors="replace").read()[-2000:] for path in logs)
        self.fail("coturn did not answer on port %d; its log:\n%s" % (self.port, said))

    def relays(self, username, password) -> bool:
        """
        Whether coturn allocates relays for these credentials and carries
        packets between two of them.
        """
        result = subprocess.run(
            ["turnutils_uclient", "-y", "-n", "3", "-u", username, "-w", password,
             "-p", str(self.port), "127.0.0.1"], capture_output=True, timeout=30)
        return result.returncode == 0

    def credentials(self, clock, secret=SECRET):
        ice = IceServers((), ["turn:127.0.0.1:%d?transport=udp" % (self.port,)], secret,
                         ttl=600, clock=clock)
        (turn,) = ice.forUser(42)["servers"]
        return turn["username"], turn["credential"]

    def test_coturnRelaysForTheCredentials(self):
        """
        Credentials ark made now are good for coturn.
        """
        clock = Clock()
        clock.advance(time.time())
        self.assertTrue(self.relays(*self.credentials(clock)))

    def test_coturnRefusesExpiredCredentials(self):
        """
        Credentials made eleven minutes ago (they hold ten) are refused.
        """
        clock = Clock()
        clock.advance(time.time() - 660)
        self.assertFalse(self.relays(*self.credentials(clock)))

    def test_coturnRefusesAnotherSecret(self):
        """
        Credentials made with a secret coturn does not have are refused.
        """
        clock = Clock()
        clock.advance(time.time())
        self.assertFalse(self.relays(*self.credentials(clock, b"some other secret")))
