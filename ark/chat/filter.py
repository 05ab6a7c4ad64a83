"""
What may be said in chat: a length limit, no walls of one repeated
character, no shouting, and the operator's list of words to mask.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Iterable

MAX_LENGTH = 500
# More of one character in a row than any word needs ("Aaaaaaaaaaaaah").
MAX_RUN = 12
# Shouting: this many letters or more, nearly all capitals.
SHOUT_LETTERS = 12
SHOUT_SHARE = 0.8


class Refused(Exception):
    """
    The text may not be said.

    @ivar code: the error code the sender sees (see the protocol doc).
    """

    def __init__(self, code: str, message: str):
        Exception.__init__(self, code, message)
        self.code = code
        self.message = message


def readWordList(lines: Iterable[str]):
    """
    Words from an operator's file: one per line, blank lines and lines
    starting with C{#} ignored.
    """
    return [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]


class ChatFilter:
    """
    Checks and cleans what players say.

    @param bannedWords: words to mask with C{*}, matched as whole words
        whatever their case.
    """

    def __init__(self, bannedWords: Iterable[str] = ()):
        words = sorted({w.lower() for w in bannedWords if w}, key=len, reverse=True)
        self._banned = (
            re.compile(r"(?<!\w)(%s)(?!\w)" % "|".join(map(re.escape, words)), re.IGNORECASE)
            if words else None
        )

    def clean(self, text: str) -> str:
        """
        The text as it will be stored and shown.

        @raise Refused: C{empty}, C{too_long}, C{repeated_characters} or
            C{shouting}.
        """
        text = unicodedata.normalize("NFC", text)
        # Control and format characters (other than line breaks) could
        # hide or reorder text in others' views.
        text = "".join(c for c in text if c == "\n" or unicodedata.category(c)[0] != "C")
        text = text.strip()
        if not text:
            raise Refused("empty", "say something")
        if len(text) > MAX_LENGTH:
            raise Refused("too_long", "at most %d characters" % (MAX_LENGTH,))
        if re.search(r"(.)\1{%d,}" % (MAX_RUN,), text, re.DOTALL):
            raise Refused("repeated_characters",
                          "more than %d of the same character in a row" % (MAX_RUN,))
        letters = [c for c in text if c.isalpha() and c.lower() != c.upper()]
        if len(letters) >= SHOUT_LETTERS:
            capitals = sum(1 for c in letters if c.isupper())
            if capitals >= SHOUT_SHARE * len(letters):
                raise Refused("shouting", "please don't shout (mostly capital letters)")
        if self._banned is not None:
            text = self._banned.sub(lambda match: "*" * len(match.group(0)), text)
        return text
