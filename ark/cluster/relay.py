"""
Chat between nodes: a message stored on one node whose recipients listen
on another (a direct message, a system message, an agent's reply) goes
through a Redis stream of the world, which every node reads with a
consumer group of its own.

At least once, and once for the player: a node acknowledges an entry
(XACK) only after handing it to its listeners, so a node that dies in
between is given the entry again when it comes back (its group keeps the
pending entries); the message's store id is remembered for a while, so
that a second copy is not delivered twice.  While Redis cannot be
reached, what is to be sent waits in order in an outbox and goes out when
Redis is back; nodes go on serving their rooms meanwhile.
"""

from __future__ import annotations

import json
from collections import OrderedDict, deque
from typing import Deque, Optional

from twisted.application import service
from twisted.internet import defer, task
from twisted.logger import Logger

log = Logger()

# Entries the stream keeps (approximately): enough for a node restarting
# within minutes to catch up on what was sent meanwhile.
STREAM_LENGTH = 100000
READ_COUNT = 100
# How long one read waits for news (ms): the reader's connection is its own.
BLOCK_MS = 2000
RETRY_SECONDS = 1.0
# Message ids remembered against doubles.
REMEMBERED = 10000


class RedisRelay(service.Service):
    """
    @param writer: a txredisapi connection (pool) for sending.
    @param reader: a txredisapi connection of its own, for blocking reads.
    @param world: the world's name (the stream is C{<world>:chat}).
    @param nodeId: this node's id: its consumer group's name.
    @param deliver: C{deliver(recipients, senderId, message)} hands a
        message to this node's listeners.
    @param clock: an L{IReactorTime}, for retries.
    """

    def __init__(self, writer, reader, world: str, nodeId: str, deliver, clock):
        self.writer = writer
        self.reader = reader
        self.stream = world + ":chat"
        self.nodeId = nodeId
        self.deliver = deliver
        self.clock = clock
        self.outbox: Deque[str] = deque()
        self._sending: Optional[defer.Deferred] = None
        self._seen: "OrderedDict[object, None]" = OrderedDict()
        self._reading: Optional[defer.Deferred] = None
        # Whether this node's consumer group exists (made once, at the first read).
        self._grouped = False
        self._failing = False

    # -- sending ---------------------------------------------------------------

    def publish(self, recipients, senderId: Optional[int], message: dict) -> None:
        """
        Send C{message} to the listeners of C{recipients} on the other nodes.
        """
        self.outbox.append(json.dumps({"from": self.nodeId, "to": sorted(set(recipients)),
                                       "sender": senderId, "message": message}))
        if self._sending is None:
            self._sending = self._send()

    @defer.inlineCallbacks
    def _send(self):
        try:
            while self.outbox:
                try:
                    yield self.writer.execute_command(
                        "XADD", self.stream, "MAXLEN", "~", str(STREAM_LENGTH), "*",
                        "entry", self.outbox[0])
                except Exception as error:
                    self._trouble("sending chat to other nodes", error)
                    yield task.deferLater(self.clock, RETRY_SECONDS, lambda: None)
                    continue
                self.outbox.popleft()
                self._recovered()
        finally:
            self._sending = None

    # -- receiving -------------------------------------------------------------

    def startService(self):
        service.Service.startService(self)
        self._reading = self._read()
        self._reading.addErrback(lambda failure: log.failure("reading chat from other nodes",
                                                             failure))

    def stopService(self):
        service.Service.stopService(self)
        if self._reading is not None:
            reading, self._reading = self._reading, None
            reading.cancel()

    @defer.inlineCallbacks
    def _read(self):
        # Pending entries first (delivered, or not, before a restart), then
        # the new ones.
        since = "0"
        while self.running:
            try:
                yield self._joinGroup()
                answer = yield self.reader.execute_command(
                    "XREADGROUP", "GROUP", self.nodeId, self.nodeId, "COUNT", str(READ_COUNT),
                    "BLOCK", str(BLOCK_MS), "STREAMS", self.stream, since)
            except defer.CancelledError:
                return
            except Exception as error:
                self._trouble("reading chat from other nodes", error)
                yield task.deferLater(self.clock, RETRY_SECONDS, lambda: None)
                continue
            self._recovered()
            entries = answer[0][1] if answer else []
            if since == "0" and not entries:
                since = ">"
                continue
            for entryId, fields in entries:
                self._handle(dict(zip(fields[::2], fields[1::2])).get("entry"))
                try:
                    yield self.reader.execute_command("XACK", self.stream, self.nodeId, entryId)
                except Exception as error:
                    # Not acknowledged: given again, and known by its id.
                    self._trouble("acknowledging chat from other nodes", error)

    @defer.inlineCallbacks
    def _joinGroup(self):
        if self._grouped:
            return
        try:
            yield self.reader.execute_command("XGROUP", "CREATE", self.stream, self.nodeId, "$",
                                              "MKSTREAM")
        except Exception as error:
            if "BUSYGROUP" not in str(error):
                raise
        self._grouped = True

    def _handle(self, raw: Optional[str]) -> None:
        try:
            entry = json.loads(raw)
            message = entry["message"]
            if entry["from"] == self.nodeId:
                return
            key = (message.get("session"), message.get("id"))
            if key in self._seen:
                return
            self._seen[key] = None
            if len(self._seen) > REMEMBERED:
                self._seen.popitem(last=False)
            self.deliver(entry["to"], entry.get("sender"), message)
        except Exception:
            log.failure("a chat entry from another node")

    # -- trouble ---------------------------------------------------------------

    def _trouble(self, doing: str, error) -> None:
        if not self._failing:
            self._failing = True
            log.warn("{doing}: Redis cannot be reached ({error}); trying again",
                     doing=doing, error=error)

    def _recovered(self) -> None:
        if self._failing:
            self._failing = False
            log.info("chat between nodes goes through Redis again")


def openRelay(redisUrl: Optional[str], world: str, nodeId: str, deliver, clock):
    """
    The chat relay between nodes with C{--redis}, else C{None} (one node).
    """
    if not redisUrl:
        return None
    from ark.identity.presence import redisConnection, redisPool

    return RedisRelay(redisPool(redisUrl, "chat between nodes"),
                      redisConnection(redisUrl, "chat between nodes"), world, nodeId, deliver,
                      clock)
