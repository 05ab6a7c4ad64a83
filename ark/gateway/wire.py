"""
What a gateway and its room process say to each other over their Unix
socket: length-prefixed CBOR frames (Twisted's L{Int32StringReceiver}),
each a batch of everything one side had to say in one turn of its
reactor.

A gateway's frame is a list of items C{[connection, kind, ...]}:
C{OPENED} and C{CLOSED} for a client's WebSocket, C{REFUSED} with the
L{ProtocolError} a client's frame earned, or a message the gateway
decoded and validated: the index of its type in L{MESSAGE_TYPES} and
its fields.

The room process's frame is C{[chunks, spans, items]}.  C{chunks} are
the motions of a grid cell, encoded once a tick (see L{ark.net.views}),
each carried once however many clients watch the cell; C{spans} are the
motions of the clients watching the same cells, each C{[prefix, chunk
index, ...]}, to be joined.  Each item is C{[connection, message]}, a
message to send, C{[connection, message, span]}, a patch: the message
followed by a span's motions, or C{[connection, code, reason]} (C{code}
an integer), a connection to close.
"""

from __future__ import annotations

from ark.net.messages import (
    Accept, Act, Ask, Input, Join, Leave, ProtocolError, Say, Signal, Status, Talk, Untalk)

MESSAGE_TYPES = (Join, Input, Leave, Act, Say, Status, Signal, Accept, Talk, Untalk, Ask)
_TYPE_INDEX = {kind: index for index, kind in enumerate(MESSAGE_TYPES)}

OPENED = -1
CLOSED = -2
REFUSED = -3

# Frames of a few MiB are a long tick's patches for thousands of players.
MAX_FRAME = 64 * 1024 * 1024


def fromClient(connection: int, message) -> list:
    """
    The item that carries C{message}, a message object or the
    L{ProtocolError} a frame of C{connection}'s client earned.
    """
    if isinstance(message, ProtocolError):
        return [connection, REFUSED, message.code, message.message, message.ref]
    return [connection, _TYPE_INDEX[type(message)], *message]


def toMessage(item: list):
    """
    The message object, or L{ProtocolError}, that the message item
    C{item} of L{fromClient} carries.
    """
    kind = item[1]
    if kind == REFUSED:
        return ProtocolError(item[2], item[3], item[4])
    if not 0 <= kind < len(MESSAGE_TYPES):
        raise ValueError("no message type %r" % (kind,))
    messageType = MESSAGE_TYPES[kind]
    if messageType is Input:
        return Input(item[2], tuple(item[3]))
    return messageType(*item[2:])
