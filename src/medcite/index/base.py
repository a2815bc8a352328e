"""The search-backend interface.

Callers (ingest, retrieval, eval) talk to a :class:`SearchBackend` only, so a
distributed engine (OpenSearch, a sharded tantivy service) can be added
without touching them. A backend indexes :class:`~medcite.model.Passage`
objects and returns passage ids with scores; the store turns ids back into
text.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from medcite.model import Passage, SourceKind

#: Default BM25F-style field weights: a match in a document's title or a
#: section heading (MedQuAD questions, guideline sub-headings) says more about
#: what the passage is *about* than one in the body; a graded recommendation
#: is the most authoritative body text a guideline has.
DEFAULT_WEIGHTS: dict[str, float] = {"title": 2.0, "recommendation": 1.2, "body": 1.0}


@dataclass(frozen=True, slots=True)
class ScoredId:
    passage_id: int
    doc_id: str
    score: float


class SearchBackend(Protocol):
    """What every search engine behind medcite provides."""

    name: str

    def add(self, passages: Sequence[Passage]) -> None:
        """Index passages (ids are the store's passage ids)."""
        ...

    def remove(self, passage_ids: Sequence[int]) -> None:
        """Drop passages from the index."""
        ...

    def search(self, query: str, *, kind: SourceKind | None = None, k: int = 10) -> list[ScoredId]:
        """Top ``k`` passages for ``query``, best first; ``kind`` filters by source kind."""
        ...
