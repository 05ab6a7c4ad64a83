"""
The server secret that signs tokens: given by the operator, or generated
once into the data directory, readable by the server's user only.
"""

from __future__ import annotations

import os
import secrets

SECRET_FILE = "secret"


def loadOrCreateSecret(dataDirectory: str, given=None) -> bytes:
    """
    The secret: C{given} when the operator set one, else the one stored in
    C{dataDirectory}, created on first use.
    """
    if given:
        return given.encode("utf-8")
    path = os.path.join(dataDirectory, SECRET_FILE)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        with open(path, "rb") as f:
            return f.read().strip()
    value = secrets.token_urlsafe(48).encode("ascii")
    with os.fdopen(descriptor, "wb") as f:
        f.write(value + b"\n")
    return value
