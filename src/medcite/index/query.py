"""A structured search query, independent of any engine.

The answer pipeline says *what* it wants (terms with weights, groups of
which one term must match, source kinds, a per-document cap) and each
backend translates it: tantivy into boosted boolean queries, FTS5 into a
MATCH expression. No caller builds engine query strings, so a distributed
engine can implement :class:`StructuredSearch` without touching them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from medcite.index.base import ScoredId
from medcite.model import SourceKind


@dataclass(frozen=True, slots=True)
class WeightedTerm:
    """An index term (already tokenized, see :func:`medcite.index.tokenize.tokenize`) and its weight."""

    term: str
    weight: float = 1.0


@dataclass(frozen=True, slots=True)
class SearchQuery:
    """What to search for.

    Parameters
    ----------
    terms
        Scored terms; a passage's score is the weighted sum of its BM25 term scores.
    required
        Groups of terms; a passage must match at least one term of every group.
    kinds
        Source kinds to search (empty: all).
    doc_ids
        Only passages of these documents (empty: all).
    k
        Passages to return.
    per_doc
        At most this many passages of one document (None: no cap); the
        backend over-fetches to fill ``k`` after capping.
    """

    terms: tuple[WeightedTerm, ...]
    required: tuple[tuple[str, ...], ...] = ()
    kinds: tuple[SourceKind, ...] = ()
    doc_ids: tuple[str, ...] = ()
    k: int = 50
    per_doc: int | None = None

    def merged(self) -> dict[str, float]:
        """Terms with duplicate weights merged (the highest wins)."""
        out: dict[str, float] = {}
        for t in self.terms:
            if t.term and t.weight > 0:
                out[t.term] = max(out.get(t.term, 0.0), t.weight)
        return out


class TermStatistics(Protocol):
    """Vocabulary statistics of an index: what query understanding needs."""

    def doc_freq(self, terms: Sequence[str]) -> dict[str, int]:
        """Passages containing each term (0 for unknown terms)."""
        ...

    def num_passages(self) -> int:
        """Passages in the index."""
        ...

    def terms_with_prefix(self, prefix: str, limit: int = 20) -> dict[str, int]:
        """Index terms starting with ``prefix`` and their passage frequencies."""
        ...


class StructuredSearch(Protocol):
    """A backend that answers :class:`SearchQuery` objects."""

    def search_query(self, query: SearchQuery) -> list[ScoredId]:
        ...


def cap_per_doc(hits: Sequence[ScoredId], per_doc: int | None, k: int) -> list[ScoredId]:
    """Keep at most ``per_doc`` hits of each document, best first, up to ``k``.

    >>> hs = [ScoredId(1, "a", 3.0), ScoredId(2, "a", 2.0), ScoredId(3, "b", 1.0)]
    >>> [h.passage_id for h in cap_per_doc(hs, 1, 5)]
    [1, 3]
    """
    if per_doc is None:
        return list(hits[:k])
    seen: dict[str, int] = {}
    out: list[ScoredId] = []
    for h in hits:
        if seen.get(h.doc_id, 0) < per_doc:
            seen[h.doc_id] = seen.get(h.doc_id, 0) + 1
            out.append(h)
            if len(out) >= k:
                break
    return out
