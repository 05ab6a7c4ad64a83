"""
An agent's knowledge: the Markdown file its definition names, cut into
passages under their headings and ranked against a question with BM25
(the C{bm25s} package, leaving out its longer list of English stop words
(question words among them), with the Snowball stemmer
of C{PyStemmer}, so "pricing" finds "price").

The file's start, before its first C{##} heading, is the agent's persona:
who it is and how it speaks, an LLM's system prompt.  Each C{##} (or
deeper) section is a passage; a long one is cut at its paragraphs.
Operators edit or replace the files: a file that changed on disk is read
again before the next question.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import List, Optional, Sequence, Tuple

import bm25s
import Stemmer
from bm25s.stopwords import STOPWORDS_EN_PLUS
from twisted.logger import Logger

log = Logger()

# A passage longer than this many characters is cut at its paragraphs.
MAX_PASSAGE = 1200
# Bigger files are read only this far.
MAX_FILE = 256 * 1024

_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_STEMMER = Stemmer.Stemmer("english")


@dataclass(frozen=True)
class Passage:
    """
    One section (or part of one) of a knowledge file.

    @ivar heading: the section's heading, without the C{#}s.
    @ivar text: its text, as written (Markdown).
    @ivar score: how well it matches the question it was found for
        (BM25; 0 when it was not ranked).
    """

    heading: str
    text: str
    score: float = 0.0


def tokens(texts: Sequence[str]):
    """
    The stemmed words of C{texts}, stop words left out, as C{bm25s}
    indexes and queries them.
    """
    return bm25s.tokenize(list(texts), stopwords=STOPWORDS_EN_PLUS, stemmer=_STEMMER, show_progress=False,
                          return_ids=False)


class Ranker:
    """
    BM25 over a fixed list of documents.

    @param documents: the texts to rank.
    """

    def __init__(self, documents: Sequence[str]):
        self.size = len(documents)
        self._index: Optional[bm25s.BM25] = None
        corpus = tokens(documents) if documents else []
        if any(corpus):
            self._index = bm25s.BM25()
            self._index.index(corpus, show_progress=False)

    def rank(self, query: str, limit: int) -> List[Tuple[int, float]]:
        """
        The documents that share a word with C{query}, best first: at
        most C{limit} of C{(index, score)}.
        """
        if self._index is None or limit <= 0:
            return []
        words = [word for word in tokens([query])[0]]
        if not words:
            return []
        found, scores = self._index.retrieve([words], k=min(limit, self.size),
                                             show_progress=False)
        return [(int(index), float(score)) for index, score in zip(found[0], scores[0])
                if score > 0]


def parse(text: str) -> Tuple[str, List[Passage]]:
    """
    Cut a knowledge file into its persona and passages.
    """
    persona: List[str] = []
    passages: List[Passage] = []
    heading: Optional[str] = None
    lines: List[str] = []
    title = ""

    def close():
        body = "\n".join(lines).strip()
        if heading is not None and body:
            for part in _paragraphs(body):
                passages.append(Passage(heading, part))

    for line in text.splitlines():
        match = _HEADING.match(line)
        if match and len(match.group(1)) == 1 and heading is None and not title:
            title = match.group(2)
            continue
        if match and len(match.group(1)) >= 2:
            close()
            heading, lines = match.group(2), []
            continue
        (persona if heading is None else lines).append(line)
    close()
    return "\n".join(persona).strip(), passages


def _paragraphs(body: str) -> List[str]:
    if len(body) <= MAX_PASSAGE:
        return [body]
    parts: List[str] = []
    current = ""
    for paragraph in re.split(r"\n\s*\n", body):
        if current and len(current) + len(paragraph) > MAX_PASSAGE:
            parts.append(current)
            current = ""
        current = (current + "\n\n" + paragraph).strip()
    if current:
        parts.append(current)
    return parts


class Knowledge:
    """
    What one agent knows from its file: its persona and ranked passages.

    @param path: the Markdown file, or C{None} for an agent without one.
    """

    def __init__(self, path: Optional[str]):
        self.path = path
        self.persona = ""
        self.passages: List[Passage] = []
        self._ranker = Ranker([])
        self._readAt: Optional[float] = None
        self.refresh()

    def refresh(self) -> None:
        """
        Read the file again if it changed since it was read.  A file that
        went missing or cannot be read leaves what was known (and says so
        in the log).
        """
        if self.path is None:
            return
        try:
            changedAt = os.stat(self.path).st_mtime
            if changedAt == self._readAt:
                return
            with open(self.path, "rb") as file:
                text = file.read(MAX_FILE).decode("utf-8", "replace")
        except OSError as error:
            log.warn("cannot read knowledge file {path}: {error}", path=self.path,
                     error=error.strerror or error)
            return
        self._readAt = changedAt
        self.persona, self.passages = parse(text)
        self._ranker = Ranker([p.heading + "\n" + p.text for p in self.passages])

    def search(self, text: str, limit: int = 3) -> List[Passage]:
        """
        The passages that best answer C{text}, best first; none when no
        passage shares a word with it.
        """
        self.refresh()
        return [Passage(self.passages[index].heading, self.passages[index].text, score)
                for index, score in self._ranker.rank(text, limit)]

    def headings(self) -> List[str]:
        return [passage.heading for passage in self.passages]
