"""
C{deploy/nginx/ark.conf}, the nginx configuration for a world of several
nodes behind TLS: read as text (which node each path reaches, with which
headers and timeouts), then loaded by Debian's real nginx (C{nginx -t}),
then run by it in front of two stand-in nodes on loopback.

Without nginx installed the tests that need it are skipped, except under
CI (C{CI} set), where a missing nginx is an error: C{.ci/run} installs it.
"""

from __future__ import annotations

import base64
import datetime
import http.client
import ipaddress
import json
import os
import re
import shutil
import socket
import ssl
import struct
import subprocess
import time
from collections import namedtuple

from autobahn.twisted.resource import WebSocketResource
from autobahn.twisted.websocket import WebSocketServerFactory, WebSocketServerProtocol
from twisted.internet import defer, reactor, threads
from twisted.trial.unittest import SkipTest, SynchronousTestCase, TestCase
from twisted.web import resource, server

REPOSITORY = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CONFIG = os.path.join(REPOSITORY, "deploy", "nginx", "ark.conf")
DEBIAN_MAIN_CONFIG = "/etc/nginx/nginx.conf"

# Where ark.conf expects the operator's certificate, and the nodes.
CERTIFICATE = "/etc/ark/tls/fullchain.pem"
KEY = "/etc/ark/tls/privkey.pem"
NODES = {1: 8081, 2: 8082}
HOST = "example.org"

# Autobahn's ping interval in ark (autoPingInterval): a proxy must wait
# longer than this on a quiet WebSocket.
PING_INTERVAL = 20


def findNginx():
    """
    Debian's nginx (in /usr/sbin, which a user's PATH may lack).

    @raise SkipTest: when it is not installed and C{CI} is not set.
    """
    found = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/usr/local/sbin")
    if found is None:
        message = "nginx is not installed (apt-get install nginx)"
        if os.environ.get("CI"):
            raise AssertionError(message + ": .ci/run installs it")
        raise SkipTest(message)
    return found


# nginx's configuration language, enough of it to read ark.conf: a
# directive is a name, its arguments, and its block (None for a simple
# directive ending in ";").
Directive = namedtuple("Directive", "name args block")

_TOKEN = re.compile(r"""\s+|\#[^\n]*"""             # space, comments
                    r"""|"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)'"""  # quoted
                    r"""|([{};])|([^\s{};"'#][^\s{};]*)""")  # punctuation, words


def parse(text):
    """
    The directives of an nginx configuration file, blocks nested.
    """
    stack = [[]]
    words = []
    position = 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None:
            raise ValueError("cannot read the configuration at %r"
                             % (text[position:position + 40],))
        position = match.end()
        double, single, punctuation, word = match.groups()
        if punctuation is None and word is None and double is None and single is None:
            continue
        if punctuation in (";", "{") and not words:
            raise ValueError("a %s with no directive" % (punctuation,))
        if punctuation == ";":
            stack[-1].append(Directive(words[0], tuple(words[1:]), None))
            words = []
        elif punctuation == "{":
            block = []
            stack[-1].append(Directive(words[0], tuple(words[1:]), block))
            stack.append(block)
            words = []
        elif punctuation == "}":
            if words or len(stack) == 1:
                raise ValueError("an unbalanced }")
            stack.pop()
        else:
            words.append(word if word is not None else (double if double is not None else single))
    if words or len(stack) != 1:
        raise ValueError("the configuration ends inside a directive or block")
    return stack[0]


def children(block, name):
    return [directive for directive in block if directive.name == name]


def seconds(value):
    """
    An nginx time (C{75s}, C{1m30s}, C{75}) in seconds.
    """
    units = {"ms": 0.001, "": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}
    parts = re.fullmatch(r"(?:\d+(?:ms|s|m|h|d)?)+", value)
    if parts is None:
        raise ValueError("not an nginx time: %r" % (value,))
    return sum(int(number) * units[unit]
               for number, unit in re.findall(r"(\d+)(ms|s|m|h|d)?", value))


class Site(object):
    """
    ark.conf as nginx reads it: its upstreams, and which locations of the
    HTTPS server a request path goes through.
    """

    def __init__(self, text):
        self.top = parse(text)
        self.upstreams = {d.args[0]: d.block for d in children(self.top, "upstream")}
        servers = children(self.top, "server")
        self.https = [s for s in servers
                      if any("ssl" in d.args for d in children(s.block, "listen"))]
        self.plain = [s for s in servers if s not in self.https]

    def route(self, path, server=None):
        """
        The chain of blocks, from the top of the file to the innermost
        location, that nginx uses for C{path}: an exact location first,
        else the longest prefix, then the same among its own locations.
        """
        chain = [self.top, (server or self.https[0]).block]
        block = chain[-1]
        while True:
            best = None
            for location in children(block, "location"):
                if location.args[0] in ("~", "~*", "@"):
                    raise AssertionError("regex or named location %r: not modelled"
                                         % (location.args,))
                if location.args[0] == "=":
                    if location.args[1] == path:
                        best = (float("inf"), location)
                        break
                    continue
                prefix = location.args[-1]
                if path.startswith(prefix) and (best is None or len(prefix) > best[0]):
                    best = (len(prefix), location)
            if best is None:
                return chain
            chain.append(best[1])
            block = best[1].block

    @staticmethod
    def effective(chain, name):
        """
        The C{name} directives in force at the end of C{chain}: those of
        the innermost level that has any (nginx inherits a directive only
        into levels that set none of it).
        """
        for level in reversed(chain):
            block = level if isinstance(level, list) else level.block
            found = children(block, name)
            if found:
                return found
        return []

    def forwarded(self, path, server=None):
        """
        Where a request for C{path} goes: C{(upstream, path there,
        chain)}, or C{(None, None, chain)} when nothing proxies it.
        """
        chain = self.route(path, server)
        location = chain[-1]
        passes = children(location.block, "proxy_pass") if isinstance(location, Directive) else []
        if not passes:
            return None, None, chain
        target = re.fullmatch(r"http://([^/]+)(/.*)?", passes[0].args[0])
        upstream, uri = target.groups()
        if uri is None:
            return upstream, path, chain
        return upstream, uri + path[len(location.args[-1]):], chain

    def headers(self, chain):
        return {d.args[0].lower(): d.args[1] for d in self.effective(chain, "proxy_set_header")}

    def value(self, chain, name):
        found = self.effective(chain, name)
        return found[-1].args if found else None


def _guarded(chain):
    """
    Whether the innermost location of C{chain} refuses, with 403, anyone
    the metrics geo does not allow.
    """
    for directive in children(chain[-1].block, "if"):
        if " ".join(directive.args) == "($ark_metrics_allowed = 0)" and \
                [d.args for d in children(directive.block, "return")] == [("403",)]:
            return True
    return False


class ConfigurationTextTests(SynchronousTestCase):
    """
    What ark.conf says, read as nginx reads it; no nginx needed.
    """

    def setUp(self):
        with open(CONFIG, encoding="utf-8") as configuration:
            self.site = Site(configuration.read())

    def test_eachNodeHasItsOwnUpstream(self):
        """
        Each node's upstream names that node alone, and C{/node/<n>/...}
        reaches node n with the prefix stripped, the WebSocket included.
        """
        for node, port in NODES.items():
            upstream = self.site.upstreams["ark_node_%d" % (node,)]
            self.assertEqual([d.args for d in children(upstream, "server")],
                             [("127.0.0.1:%d" % (port,),)])
            for there in ("/ws", "/api/join", "/api/agents/scout/messages", "/maps/town.tmj",
                          "/metrics", "/"):
                upstream, path, chain = self.site.forwarded("/node/%d%s" % (node, there))
                self.assertEqual((upstream, path), ("ark_node_%d" % (node,), there))
        nodes = {int(match.group(1)) for name in self.site.upstreams
                 for match in [re.fullmatch(r"ark_node_(\d+)", name)] if match}
        self.assertEqual(nodes, set(NODES))

    def test_siteGoesToNodeOne(self):
        """
        The page, the API, the maps and the client's modules go to an
        upstream whose first server is node 1, others only as backups.
        """
        for path in ("/", "/index.html", "/api/join", "/api/auth/guest", "/maps/town.tmj",
                     "/vendor/phaser/phaser.esm.js", "/ws", "/api/agents/"):
            upstream, there, chain = self.site.forwarded(path)
            self.assertEqual(there, path)
            servers = children(self.site.upstreams[upstream], "server")
            self.assertEqual(servers[0].args, ("127.0.0.1:%d" % (NODES[1],),))
            for other in servers[1:]:
                self.assertIn("backup", other.args)

    def test_upgradeAndForwardedHeaders(self):
        """
        Every proxied path, at a node or at the site, speaks HTTP/1.1 to
        the node and passes on the WebSocket upgrade, the host and the
        client's address and scheme.
        """
        maps = [d for d in children(self.site.top, "map")
                if d.args == ("$http_upgrade", "$connection_upgrade")]
        self.assertEqual(len(maps), 1)
        self.assertIn(("default", "upgrade"), [(d.name,) + d.args for d in maps[0].block])
        for path in ["/", "/ws", "/api/agents/x", "/metrics"] + [
                "/node/%d/%s" % (node, rest) for node in NODES
                for rest in ("ws", "api/agents/x", "metrics", "")]:
            upstream, there, chain = self.site.forwarded(path)
            self.assertIsNotNone(upstream, path)
            self.assertEqual(self.site.value(chain, "proxy_http_version"), ("1.1",), path)
            headers = self.site.headers(chain)
            self.assertEqual(headers.get("upgrade"), "$http_upgrade", path)
            self.assertEqual(headers.get("connection"), "$connection_upgrade", path)
            self.assertEqual(headers.get("host"), "$host", path)
            self.assertEqual(headers.get("x-forwarded-for"), "$proxy_add_x_forwarded_for", path)
            self.assertEqual(headers.get("x-forwarded-proto"), "$scheme", path)

    def test_timeoutsOutlastPings(self):
        """
        nginx waits on a quiet node longer than ark's ping interval.
        """
        for path in ["/ws", "/api/agents/x"] + ["/node/%d/ws" % (node,) for node in NODES]:
            chain = self.site.route(path)
            for name in ("proxy_read_timeout", "proxy_send_timeout"):
                value = self.site.value(chain, name)
                self.assertIsNotNone(value, "%s unset for %s" % (name, path))
                self.assertGreater(seconds(value[0]), PING_INTERVAL, path)

    def test_eventsUnbuffered(self):
        """
        The agents' server-sent events are passed on unbuffered.
        """
        for path in ["/api/agents/scout/messages"] + [
                "/node/%d/api/agents/scout/messages" % (node,) for node in NODES]:
            self.assertEqual(self.site.value(self.site.route(path), "proxy_buffering"),
                             ("off",), path)

    def test_metricsOnlyPrivate(self):
        """
        C{/metrics}, at the site or a node, however spelled after it, is
        refused to any address outside loopback and private networks.
        """
        for path in ["/metrics", "/metrics/", "/metrics/x"] + [
                "/node/%d/metrics%s" % (node, rest) for node in NODES for rest in ("", "/")]:
            self.assertTrue(_guarded(self.site.route(path)), path)
        geo = [d for d in children(self.site.top, "geo") if d.args == ("$ark_metrics_allowed",)]
        self.assertEqual(len(geo), 1)
        entries = {d.name: d.args[0] for d in geo[0].block}
        self.assertEqual(entries.pop("default"), "0")
        for network, allowed in entries.items():
            if allowed != "0":
                self.assertTrue(ipaddress.ip_network(network).is_private, network)

    def test_tls(self):
        """
        One HTTPS server, with the operator's certificate, TLS 1.2 and 1.3
        only, and HSTS; the plain server redirects all but ACME.
        """
        self.assertEqual(len(self.site.https), 1)
        block = self.site.https[0].block
        self.assertEqual(self.site.value([block], "ssl_certificate"), (CERTIFICATE,))
        self.assertEqual(self.site.value([block], "ssl_certificate_key"), (KEY,))
        self.assertEqual(self.site.value([block], "ssl_protocols"), ("TLSv1.2", "TLSv1.3"))
        hsts = [d.args for d in children(block, "add_header")
                if d.args[0].lower() == "strict-transport-security"]
        self.assertEqual(len(hsts), 1)
        self.assertIn("always", hsts[0])
        self.assertGreaterEqual(int(re.search(r"max-age=(\d+)", hsts[0][1]).group(1)), 31536000)
        # No location drops the HSTS header by adding headers of its own.
        for path in ("/", "/api/agents/", "/metrics", "/node/1/ws", "/node/2/api/agents/"):
            self.assertIn(hsts[0], [d.args for d in
                                    self.site.effective(self.site.route(path), "add_header")])

        self.assertEqual(len(self.site.plain), 1)
        plain = self.site.plain[0]
        chain = self.site.route("/.well-known/acme-challenge/token", plain)
        self.assertTrue(self.site.value(chain, "root"))
        for path in ("/", "/node/1/ws", "/api/join"):
            chain = self.site.route(path, plain)
            self.assertEqual(self.site.value(chain, "return"), ("301", "https://$host$request_uri"))

    def test_smallBodies(self):
        """
        Bodies are limited to a little above ark's own 16 KiB.
        """
        value = self.site.value([self.site.https[0].block], "client_max_body_size")[0]
        size = int(value[:-1]) * {"k": 1024, "m": 1024 * 1024}[value[-1].lower()]
        self.assertTrue(16 * 1024 <= size <= 64 * 1024, value)


def makeCertificate(directory):
    """
    A throwaway self-signed certificate for L{HOST}, and its key, written
    into C{directory}; returns their paths.
    """
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, HOST)])
    now = datetime.datetime.now(datetime.timezone.utc)
    public = key.public_key()
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name).issuer_name(name).public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(HOST)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(public), critical=False)
        .sign(key, hashes.SHA256())
    )
    certificatePath = os.path.join(directory, "fullchain.pem")
    keyPath = os.path.join(directory, "privkey.pem")
    with open(certificatePath, "wb") as out:
        out.write(certificate.public_bytes(serialization.Encoding.PEM))
    with open(keyPath, "wb") as out:
        out.write(key.private_bytes(serialization.Encoding.PEM,
                                    serialization.PrivateFormat.PKCS8,
                                    serialization.NoEncryption()))
    os.chmod(keyPath, 0o600)
    return certificatePath, keyPath


def _replace(text, old, new, atLeast=1):
    count = text.count(old)
    if count < atLeast:
        raise AssertionError("ark.conf no longer contains %r" % (old,))
    return text.replace(old, new)


def _ipv6():
    try:
        with socket.socket(socket.AF_INET6) as probe:
            probe.bind(("::1", 0))
        return True
    except OSError:
        return False


def freePort():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def deployedCopy(directory, ports, nodes=None, acme=None):
    """
    ark.conf as this test runs it, written into C{directory}: the same
    file, but with a throwaway certificate, listening on loopback at
    C{ports} (C{{80: port, 443: port}}, so that no privilege is needed),
    and, if given, with C{nodes} (C{{8081: port, ...}}) and C{acme} (a
    directory) in place of the real ones.  Returns the file's path.
    """
    with open(CONFIG, encoding="utf-8") as original:
        text = original.read()
    certificate, key = makeCertificate(directory)
    text = _replace(text, CERTIFICATE, certificate)
    text = _replace(text, KEY, key)
    ipv6 = _ipv6()

    def listen(match):
        address, rest = match.group(2), match.group(3)
        port = int(address.rsplit(":", 1)[-1])
        if port not in ports:
            raise AssertionError("ark.conf listens on an unexpected port: %s" % (address,))
        if address.startswith("["):
            if not ipv6:
                return ""
            return "%s[::1]:%d%s" % (match.group(1), ports[port], rest)
        return "%s127.0.0.1:%d%s" % (match.group(1), ports[port], rest)

    text, listens = re.subn(r"(?m)^(\s*listen\s+)(\S+?)([\s;].*)$", listen, text)
    if listens < 2:
        raise AssertionError("ark.conf listens fewer than twice")
    for original, port in (nodes or {}).items():
        text = _replace(text, "127.0.0.1:%d;" % (original,), "127.0.0.1:%d;" % (port,))
    if acme is not None:
        text = _replace(text, "root /var/www/acme;", "root %s;" % (acme,))
    path = os.path.join(directory, "ark.conf")
    with open(path, "w", encoding="utf-8") as out:
        out.write(text)
    return path


def mainConfiguration(directory, include, http="", main=""):
    """
    A main nginx.conf in C{directory} that includes C{include} inside
    C{http}, keeping every file nginx writes in C{directory}.
    """
    path = os.path.join(directory, "nginx.conf")
    with open(path, "w", encoding="utf-8") as out:
        out.write(
            "%(main)s\n"
            "pid %(d)s/nginx.pid;\n"
            "error_log %(d)s/error.log;\n"
            "events {}\n"
            "http {\n"
            "    access_log %(d)s/access.log;\n"
            "    client_body_temp_path %(d)s/body;\n"
            "    proxy_temp_path %(d)s/proxy;\n"
            "    fastcgi_temp_path %(d)s/fastcgi;\n"
            "    uwsgi_temp_path %(d)s/uwsgi;\n"
            "    scgi_temp_path %(d)s/scgi;\n"
            "%(http)s\n"
            "    include %(include)s;\n"
            "}\n" % {"d": directory, "include": include, "http": http, "main": main})
    return path


def debianHTTPSettings():
    """
    The simple directives Debian's own nginx.conf sets in C{http}, minus
    includes and logs: what ark.conf must load beside.
    """
    with open(DEBIAN_MAIN_CONFIG, encoding="utf-8") as main:
        top = parse(main.read())
    lines = []
    for block in children(top, "http"):
        for directive in block.block:
            if directive.block is None and directive.name not in ("include", "access_log",
                                                                  "error_log"):
                lines.append("    %s %s;" % (directive.name, " ".join(directive.args)))
    return "\n".join(lines)


class NginxCheckTests(SynchronousTestCase):
    """
    Debian's nginx accepts ark.conf (C{nginx -t}), alone and beside the
    settings of Debian's own nginx.conf.
    """

    def setUp(self):
        self.nginx = findNginx()
        self.directory = os.path.abspath(self.mktemp())
        os.makedirs(self.directory)

    def check(self, http=""):
        include = deployedCopy(self.directory, {80: freePort(), 443: freePort()})
        main = mainConfiguration(self.directory, include, http)
        result = subprocess.run([self.nginx, "-t", "-e", "stderr", "-c", main,
                                 "-p", self.directory + "/"],
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=60)
        output = result.stdout.decode("utf-8", "replace")
        self.assertEqual(result.returncode, 0, output)
        self.assertIn("test is successful", output)
        # nginx 1.25.1 and later (Debian 13) deprecate "listen ... http2",
        # which Debian 12's nginx needs; any other warning is a fault.
        warnings = [line for line in output.splitlines() if "[warn]" in line
                    and '"listen ... http2" directive is deprecated' not in line]
        self.assertEqual(warnings, [])

    def test_configurationIsValid(self):
        """
        C{nginx -t} passes on ark.conf included in a minimal nginx.conf.
        """
        self.check()

    def test_besideDebianDefaults(self):
        """
        ark.conf sets nothing that Debian's nginx.conf already sets in
        C{http}, which nginx would refuse as a duplicate.
        """
        if not os.path.exists(DEBIAN_MAIN_CONFIG):
            raise SkipTest("no %s here" % (DEBIAN_MAIN_CONFIG,))
        self.check(debianHTTPSettings())


class StandInNode(WebSocketServerProtocol):
    """
    A node's WebSocket that answers each message with its node's number.
    """

    def onConnect(self, request):
        self.factory.handshakes.append(request)

    def onMessage(self, payload, isBinary):
        self.sendMessage(b"node %d: " % (self.factory.node,) + payload, isBinary=True)


class StandInPages(resource.Resource):
    """
    Any other path of a stand-in node: answers, as JSON, which node it is
    and the request it got; under C{/api/agents/} it streams events
    instead, the first at once, and finishes only when told.
    """

    isLeaf = True

    def __init__(self, node):
        resource.Resource.__init__(self)
        self.node = node
        # The streams still open: finished at the end of the test.
        self.streams = set()

    def render(self, request):
        if request.path.startswith(b"/api/agents/"):
            request.setHeader(b"content-type", b"text/event-stream")
            request.write(b"data: first\n\n")
            self.streams.add(request)
            request.notifyFinish().addBoth(lambda result: self.streams.discard(request))
            return server.NOT_DONE_YET
        headers = {name.decode("latin-1").lower(): values[-1].decode("latin-1")
                   for name, values in request.requestHeaders.getAllRawHeaders()}
        request.setHeader(b"content-type", b"application/json")
        return json.dumps({"node": self.node, "method": request.method.decode("ascii"),
                           "uri": request.uri.decode("latin-1"), "headers": headers}).encode()


class StandInRoot(resource.Resource):

    def __init__(self, node, pages, websocket):
        resource.Resource.__init__(self)
        self.pages = pages
        self.putChild(b"ws", websocket)

    def getChild(self, name, request):
        return self.pages


def tlsConnection(port, certificate):
    """
    A connection to nginx's HTTPS port on loopback that trusts only the
    throwaway certificate, as L{HOST}.
    """
    context = ssl.create_default_context(cafile=certificate)
    raw = socket.create_connection(("127.0.0.1", port), timeout=10)
    return context.wrap_socket(raw, server_hostname=HOST)


def httpsGet(port, certificate, path, headers=None):
    connection = http.client.HTTPConnection(HOST, timeout=10)
    connection.sock = tlsConnection(port, certificate)
    try:
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


def httpGet(port, path):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", path, headers={"Host": HOST})
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


def firstEvent(port, certificate, path):
    """
    The first line of a stream of events, read while the node has not
    finished the stream: nginx must pass it on before the end.
    """
    connection = http.client.HTTPConnection(HOST, timeout=10)
    connection.sock = tlsConnection(port, certificate)
    try:
        connection.request("POST", path, body=b"{}", headers={"Content-Type": "application/json"})
        response = connection.getresponse()
        return response.status, response.readline()
    finally:
        connection.close()


def webSocketEcho(port, certificate, path, payload):
    """
    Opens a WebSocket at C{path} through nginx, sends C{payload} in one
    binary frame and returns the payload of the answer.
    """
    connection = tlsConnection(port, certificate)
    try:
        key = base64.b64encode(os.urandom(16)).decode("ascii")
        connection.sendall((
            "GET %s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n"
            % (path, HOST, key)).encode("ascii"))
        received = b""
        while b"\r\n\r\n" not in received:
            chunk = connection.recv(4096)
            if not chunk:
                raise AssertionError("connection closed during the handshake: %r" % (received,))
            received += chunk
        head, received = received.split(b"\r\n\r\n", 1)
        if not head.startswith(b"HTTP/1.1 101"):
            raise AssertionError("no upgrade: %r" % (head,))
        mask = os.urandom(4)
        assert len(payload) < 126
        connection.sendall(bytes([0x82, 0x80 | len(payload)]) + mask
                           + bytes(b ^ mask[i % 4] for i, b in enumerate(payload)))
        while len(received) < 2 or len(received) < 2 + (received[1] & 0x7F):
            chunk = connection.recv(4096)
            if not chunk:
                raise AssertionError("connection closed before the answer")
            received += chunk
        opcode, length = received[0] & 0x0F, received[1] & 0x7F
        if opcode != 2 or length >= 126:
            raise AssertionError("unexpected frame: %r" % (received,))
        answer = received[2:2 + length]
        connection.sendall(bytes([0x88, 0x82]) + mask
                           + bytes(b ^ mask[i % 4] for i, b in enumerate(struct.pack("!H", 1000))))
        return answer
    finally:
        connection.close()


class NginxProxyTests(TestCase):
    """
    Debian's nginx, running ark.conf (on loopback ports) in front of two
    stand-in nodes: each path reaches the node it names, WebSockets
    upgrade, events stream, plain HTTP redirects.
    """

    timeout = 60

    def setUp(self):
        nginx = findNginx()
        self.directory = os.path.abspath(self.mktemp())
        os.makedirs(self.directory)
        self.nodes = {}
        ports = {}
        for node, port in NODES.items():
            factory = WebSocketServerFactory()
            factory.protocol = StandInNode
            factory.node = node
            factory.handshakes = []
            pages = StandInPages(node)
            listening = reactor.listenTCP(
                0, server.Site(StandInRoot(node, pages, WebSocketResource(factory))),
                interface="127.0.0.1")
            self.addCleanup(listening.stopListening)
            self.nodes[node] = (factory, pages)
            ports[port] = listening.getHost().port
        self.addCleanup(self.endStreams)

        acme = os.path.join(self.directory, "acme")
        os.makedirs(os.path.join(acme, ".well-known", "acme-challenge"))
        with open(os.path.join(acme, ".well-known", "acme-challenge", "token"), "wb") as out:
            out.write(b"the challenge")
        self.http, self.https = freePort(), freePort()
        include = deployedCopy(self.directory, {80: self.http, 443: self.https}, ports, acme)
        self.certificate = os.path.join(self.directory, "fullchain.pem")
        # In the foreground and in one process: as root it stays root, so
        # it can read this directory, and it stops with its test.
        main = mainConfiguration(self.directory, include,
                                 main="daemon off;\nmaster_process off;")
        self.process = subprocess.Popen(
            [nginx, "-e", os.path.join(self.directory, "error.log"), "-c", main,
             "-p", self.directory + "/"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.addCleanup(self.stopNginx)
        return threads.deferToThread(self.waitForNginx)

    def waitForNginx(self):
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError("nginx exited: %s" % (self.errorLog(),))
            try:
                socket.create_connection(("127.0.0.1", self.https), timeout=1).close()
                socket.create_connection(("127.0.0.1", self.http), timeout=1).close()
                return
            except OSError:
                time.sleep(0.05)
        raise AssertionError("nginx did not listen: %s" % (self.errorLog(),))

    def errorLog(self):
        try:
            with open(os.path.join(self.directory, "error.log"), encoding="utf-8") as log:
                return log.read()
        except OSError:
            return "(no error log)"

    def stopNginx(self):
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def endStreams(self):
        for factory, pages in self.nodes.values():
            for request in list(pages.streams):
                request.finish()

    @defer.inlineCallbacks
    def test_pathsReachTheirNode(self):
        """
        C{/node/<n>/...} reaches node n without the prefix, everything
        else node 1 as it is, with the client's address, the scheme and
        the host passed on.
        """
        cases = [("/node/1/api/rooms", 1, "/api/rooms"),
                 ("/node/2/api/rooms?x=1", 2, "/api/rooms?x=1"),
                 ("/node/2/maps/floor1/lobby.tmj", 2, "/maps/floor1/lobby.tmj"),
                 ("/node/2/", 2, "/"),
                 ("/api/join", 1, "/api/join"),
                 ("/", 1, "/"),
                 ("/metrics", 1, "/metrics"),
                 ("/node/2/metrics", 2, "/metrics")]
        for path, node, there in cases:
            status, headers, body = yield threads.deferToThread(
                httpsGet, self.https, self.certificate, path, {"X-Forwarded-For": "192.0.2.7"})
            self.assertEqual(status, 200, path)
            self.assertIn("max-age=", headers.get("Strict-Transport-Security", ""))
            seen = json.loads(body)
            self.assertEqual((seen["node"], seen["uri"]), (node, there), path)
            self.assertEqual(seen["headers"]["host"], HOST)
            self.assertEqual(seen["headers"]["x-forwarded-for"], "192.0.2.7, 127.0.0.1")
            self.assertEqual(seen["headers"]["x-forwarded-proto"], "https")

    @defer.inlineCallbacks
    def test_webSocketReachesItsNode(self):
        """
        A WebSocket at C{/node/<n>/ws} is node n's C{/ws}, upgraded.
        """
        for node in NODES:
            answer = yield threads.deferToThread(
                webSocketEcho, self.https, self.certificate, "/node/%d/ws" % (node,), b"hello")
            self.assertEqual(answer, b"node %d: hello" % (node,))
            factory, pages = self.nodes[node]
            handshake = factory.handshakes[-1]
            self.assertEqual(handshake.path, "/ws")
            self.assertEqual(handshake.headers["x-forwarded-proto"], "https")
            self.assertEqual(handshake.headers["x-forwarded-for"], "127.0.0.1")

    @defer.inlineCallbacks
    def test_eventsStream(self):
        """
        An agent's events reach the client while the node is still
        sending, although the stand-in node never asks nginx not to buffer.
        """
        for path in ("/api/agents/scout/messages", "/node/2/api/agents/scout/messages"):
            status, line = yield threads.deferToThread(
                firstEvent, self.https, self.certificate, path)
            self.assertEqual((status, line), (200, b"data: first\n"), path)

    @defer.inlineCallbacks
    def test_plainHTTP(self):
        """
        Port 80 answers the ACME challenge from its directory and
        redirects everything else to HTTPS.
        """
        status, headers, body = yield threads.deferToThread(
            httpGet, self.http, "/.well-known/acme-challenge/token")
        self.assertEqual((status, body), (200, b"the challenge"))
        status, headers, body = yield threads.deferToThread(httpGet, self.http, "/node/2/ws?a=b")
        self.assertEqual(status, 301)
        self.assertEqual(headers["Location"], "https://%s/node/2/ws?a=b" % (HOST,))
