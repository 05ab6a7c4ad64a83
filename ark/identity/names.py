"""
What a player may be called: display names, avatar names and usernames,
checked once, at sign-in, so that everything later can trust them.
"""

from __future__ import annotations

import re
import unicodedata

MAX_NAME_LENGTH = 32
MAX_AVATAR_LENGTH = 32

_AVATAR = re.compile(r"[a-z0-9_-]{1,%d}\Z" % (MAX_AVATAR_LENGTH,))
_USERNAME = re.compile(r"[a-z0-9_.-]{3,32}\Z")


class BadName(ValueError):
    """
    A name broke a rule; the message says which, for the person who chose it.
    """


def displayName(name: str) -> str:
    """
    The display name as others will see it: NFC, trimmed, with no control
    or format characters (which could hide or reorder text in other
    players' views).

    @raise BadName: when it is empty, too long or holds such characters.
    """
    name = unicodedata.normalize("NFC", name).strip()
    for character in name:
        if unicodedata.category(character)[0] == "C":
            raise BadName("'name' must not contain control characters")
    if not 0 < len(name) <= MAX_NAME_LENGTH:
        raise BadName("'name' must be 1 to %d characters" % (MAX_NAME_LENGTH,))
    return name


def avatarName(avatar: str) -> str:
    """
    @raise BadName: unless C{avatar} names a sprite sheet the way ours are named.
    """
    if not _AVATAR.match(avatar):
        raise BadName("'avatar' must be 1 to %d of a-z 0-9 _ -" % (MAX_AVATAR_LENGTH,))
    return avatar


def username(name: str) -> str:
    """
    The account name in its one spelling: trimmed and lower case.

    @raise BadName: when it is not 3 to 32 of a-z 0-9 _ . -
    """
    name = name.strip().lower()
    if not _USERNAME.match(name):
        raise BadName("'username' must be 3 to 32 of a-z 0-9 _ . -")
    return name
