"""Do an article's cited sources still say what it quoted? (citation integrity).

An article stores, for every quote, the exact text, its offsets in the source
and (since store schema v6) the version of the source's text it was drawn
from (:func:`medcite.store.schema.text_hash`). Sources are re-ingested and
edited after articles are written, so offsets alone would silently highlight
other text. This module compares a stored article with the store as it is now;
the web pages say what changed, and always show the stored quote.

The store is reached through :class:`SourceLookup`, two calls a second
document repository can implement without SQL.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from medcite.articles.content import iter_statements

SourceStatus = Literal["current", "changed", "removed"]


class SourceLookup(Protocol):
    """What the check needs from the document store."""

    def text_versions(self, doc_ids: Sequence[str]) -> dict[str, str]:
        """``{doc_id: text version}`` for the documents that still exist."""
        ...

    def spans(self, wanted: Sequence[tuple[str, int, int]]) -> dict[tuple[str, int, int], str]:
        """The current text at each ``(doc_id, start, end)`` whose document exists."""
        ...


@dataclass(frozen=True, slots=True)
class SourceState:
    """One reference of an article, compared with the store now.

    ``quotes_holding`` of ``quotes`` stored quotes still read the same at their
    offsets: when all hold, citation links still highlight the quoted text even
    if other parts of the source changed.
    """

    n: int
    doc_id: str
    title: str
    status: SourceStatus
    quotes: int
    quotes_holding: int

    @property
    def message(self) -> str:
        if self.status == "removed":
            return f"[{self.n}] {self.title} was removed from the library; the article keeps the quotes it cites."
        where = ("its quoted sentences are unchanged" if self.quotes_holding == self.quotes else
                 f"{self.quotes - self.quotes_holding} of {self.quotes} quoted passages are no longer in it as quoted")
        return f"[{self.n}] {self.title} changed since this version was written; {where}."


def check_sources(article: dict[str, Any], lookup: SourceLookup) -> list[SourceState]:
    """Every reference of ``article`` with its status now (``current`` first is not implied: reference order)."""
    refs = [r for r in article.get("references", []) if r.get("doc_id")]
    if not refs:
        return []
    quotes: dict[str, list[tuple[int, int, str]]] = {}
    for _path, _j, _trail, st in iter_statements(article):
        for q in st.get("evidence", []):
            try:
                span = (int(q["start"]), int(q["end"]), str(q["quote"]))
            except (KeyError, TypeError, ValueError):
                continue
            quotes.setdefault(str(q.get("doc_id", "")), []).append(span)
    versions = lookup.text_versions([str(r["doc_id"]) for r in refs])
    now = lookup.spans([(d, s, e) for d, spans in quotes.items() if d in versions for s, e, _ in spans])
    out: list[SourceState] = []
    for r in refs:
        doc_id = str(r["doc_id"])
        mine = list(dict.fromkeys(quotes.get(doc_id, [])))
        holding = sum(1 for s, e, text in mine if " ".join(now.get((doc_id, s, e), "").split()) == " ".join(text.split()))
        if doc_id not in versions:
            status: SourceStatus = "removed"
        elif r.get("source_version"):
            status = "current" if r["source_version"] == versions[doc_id] else "changed"
        else:  # written before versions were recorded: the quotes are the evidence
            status = "current" if holding == len(mine) else "changed"
        out.append(SourceState(n=int(r.get("n", 0)), doc_id=doc_id, title=str(r.get("title", doc_id)), status=status,
                               quotes=len(mine), quotes_holding=holding if doc_id in versions else 0))
    return out


class SourceChecks:
    """:func:`check_sources` results kept per article edition and store generation (bounded LRU).

    Article pages are read far more often than sources change: a check is redone only when the
    edition changes (its ``key``, e.g. variant id and update time) or the store commits a change
    (its generation). Per process; every web worker keeps its own.
    """

    def __init__(self, lookup: SourceLookup, generation: Callable[[], int], size: int = 4096) -> None:
        self.lookup = lookup
        self.generation = generation
        self.size = size
        self._cache: OrderedDict[tuple[Hashable, int], list[SourceState]] = OrderedDict()
        self._lock = threading.Lock()

    def check(self, key: Hashable, article: Callable[[], dict[str, Any]]) -> list[SourceState]:
        k = (key, self.generation())
        with self._lock:
            hit = self._cache.get(k)
            if hit is not None:
                self._cache.move_to_end(k)
                return hit
        states = check_sources(article(), self.lookup)
        with self._lock:
            self._cache[k] = states
            while len(self._cache) > self.size:
                self._cache.popitem(last=False)
        return states


def stale(states: Sequence[SourceState]) -> list[SourceState]:
    """The references that changed or were removed."""
    return [s for s in states if s.status != "current"]
