"""
The server secret that signs tokens: given by the operator, or generated
once into the data directory, readable by the server's user only.
"""

from __future__ import annotations

import os
import secrets
import tempfile

SECRET_FILE = "secret"

# HS256 wants a key at least as long as its hash, 32 bytes (RFC 7518,
# 3.2): a shorter one is easier to guess, and a guessed key forges tokens.
MIN_SECRET_BYTES = 32


class SecretError(Exception):
    """
    The signing secret cannot be had: its file is unreadable, or too short
    to sign with.  The message names the file and says what to do.
    """


def checkGiven(given: str) -> bytes:
    """
    The operator's C{--secret} as the key it is.

    @raise SecretError: when it is shorter than L{MIN_SECRET_BYTES}.
    """
    value = given.encode("utf-8")
    if len(value) < MIN_SECRET_BYTES:
        raise SecretError(
            "--secret must be at least %d bytes; leave it out to have one generated, or make "
            "one with: python3 -c 'import secrets; print(secrets.token_urlsafe(48))'"
            % (MIN_SECRET_BYTES,))
    return value


def loadOrCreateSecret(dataDirectory: str, given=None) -> bytes:
    """
    The secret that signs ark's tokens: C{given} when the operator set one,
    else the one stored in C{dataDirectory}, created on first use.

    @raise SecretError: for a secret shorter than L{MIN_SECRET_BYTES} (an
        empty file left by a crash included) or a file that cannot be read
        or written.
    """
    if given:
        return checkGiven(given)
    path = os.path.join(dataDirectory, SECRET_FILE)
    try:
        value = _read(path)
        if value is None:
            value = _create(path)
    except OSError as error:
        raise SecretError("%s: %s" % (path, error.strerror or error))
    if len(value) < MIN_SECRET_BYTES:
        raise SecretError(
            "%s: the secret is %d bytes, at least %d are needed to sign tokens; write a "
            "longer one there, or delete the file to have one generated (everyone signed "
            "in will have to sign in again)" % (path, len(value), MIN_SECRET_BYTES))
    return value


def _read(path: str):
    """
    The secret in C{path}, or C{None} if there is no such file.
    """
    try:
        with open(path, "rb") as f:
            return f.read().strip()
    except FileNotFoundError:
        return None


def _create(path: str) -> bytes:
    """
    Generate a secret into C{path}, which appears whole or not at all: it
    is written and flushed to disk under a temporary name in the same
    directory, readable by its owner only, and then given its name.  A
    crash half way leaves no secret file (at worst a stray temporary one),
    never an empty one that a later start would sign with.
    """
    directory = os.path.dirname(path) or os.curdir
    value = secrets.token_urlsafe(48).encode("ascii")
    # mkstemp creates the file with mode 0600.
    descriptor, temporary = tempfile.mkstemp(prefix=".secret-", dir=directory)
    try:
        with os.fdopen(descriptor, "wb") as f:
            f.write(value + b"\n")
            f.flush()
            os.fsync(f.fileno())
        try:
            # A link never replaces a file: if another process sharing the
            # directory made a secret meanwhile, everyone keeps that one.
            os.link(temporary, path)
        except FileExistsError:
            existing = _read(path)
            return existing if existing is not None else value
        except OSError:
            # A file system without hard links.
            os.replace(temporary, path)
        _syncDirectory(directory)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)
    return value


def _syncDirectory(directory: str) -> None:
    """
    Flush C{directory}'s entries to disk, so the new name survives a power
    cut as the file's contents do.
    """
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
