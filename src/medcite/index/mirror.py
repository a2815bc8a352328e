"""The default search index: FTS5 inside the store, mirrored into tantivy.

Why two (measurements in docs/decisions.md): FTS5 lives in the store's own
transactions, so it can never disagree with the documents, and the answer
pipeline uses its SQL (phrase queries, vocabulary statistics). tantivy answers
ranked queries 40-80x faster (0.5 ms vs 38 ms p50 on the whole shared corpus,
3 ms vs 287 ms at 1M passages), so ``Engine.search`` uses it whenever it is
current.

Consistency: every store transaction that changes passages bumps the store's
*generation*; after the store commits, the tantivy changes are committed and
the generation is written next to the index. A kill between the two leaves
the mirror one generation behind: searches then fall back to FTS5 (correct,
slower) and the next ingest, or ``medcite reindex``, rebuilds the mirror from
the store.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Sequence
from pathlib import Path

from medcite.index.base import ScoredId
from medcite.index.fts5 import FTS5Backend
from medcite.index.optional import available
from medcite.index.query import SearchQuery
from medcite.model import Passage, SourceKind
from medcite.store.db import Store

GENERATION_FILE = "generation"
#: Passages queued in the mirror before a non-final commit.
COMMIT_EVERY = 50_000


def tantivy_available() -> bool:
    return available("tantivy")


class MirroredIndex:
    """FTS5 (authoritative, transactional) plus an optional tantivy mirror.

    Parameters
    ----------
    store
        The evidence store; its FTS5 table is the primary index.
    mirror_path
        Folder of the tantivy mirror, or ``None`` for FTS5 only.
    """

    name = "fts5+tantivy"

    def __init__(self, store: Store, mirror_path: Path | None) -> None:
        self.store = store
        self.fts5 = FTS5Backend(lambda: store.conn)
        self.mirror_path = mirror_path
        self._mirror = None
        if mirror_path is not None and tantivy_available():
            from medcite.index.tantivy_backend import TantivyBackend

            try:
                self._mirror = TantivyBackend(mirror_path)
            except Exception:  # an index from another medcite version (schema, weights)
                # It is derived data: drop it; without its generation file it is
                # stale, so searches use FTS5 until the next ingest rebuilds it.
                shutil.rmtree(mirror_path, ignore_errors=True)
                self._mirror = TantivyBackend(mirror_path)
        else:
            self.name = "fts5"
        self._dirty = False
        self._queued = 0
        #: The store generation the mirror is known to match (None: unknown/stale),
        #: and the one it will match once its queued changes are committed.
        self._synced: int | None = self.store.generation() if self.fresh() else None
        self._expected: int = self._synced or 0

    # -- writing (called by ingest inside store transactions) ----------------
    def add(self, passages: Sequence[Passage]) -> None:
        self.fts5.add(passages)
        if self._mirror is not None and passages:
            self._mirror.add(passages)
            self._dirty = True
            self._queued += len(passages)

    def remove(self, passage_ids: Sequence[int]) -> None:
        self.fts5.remove(passage_ids)
        if self._mirror is not None and passage_ids:
            self._mirror.remove(passage_ids)
            self._dirty = True

    def note_generation(self, before: int, after: int) -> None:
        """Ingest bumped the store generation from ``before`` to ``after`` in its transaction.

        A jump the mirror did not expect means another process wrote to the
        store: the mirror can no longer vouch for itself until a rebuild.
        """
        if self._synced is not None and before == self._expected:
            self._expected = after
        else:
            self._synced = None

    def after_commit(self, *, final: bool = False) -> None:
        """Commit the mirror after store commits, in batches.

        tantivy commits cost tens of milliseconds (segment files, reload), so
        they happen every :data:`COMMIT_EVERY` passages and at the end of an
        ingest (``final``), not after every file. Until then the recorded
        generation lags and searches use FTS5.
        """
        if self._mirror is None or not self._dirty:
            return
        if not final and self._queued < COMMIT_EVERY:
            return
        self._mirror.commit()
        self._dirty = False
        self._queued = 0
        if self._synced is not None and self._expected == self.store.generation():
            self._write_generation(self._expected)
            self._synced = self._expected

    # -- freshness -----------------------------------------------------------
    def _gen_file(self) -> Path:
        assert self.mirror_path is not None
        return self.mirror_path / GENERATION_FILE

    def _write_generation(self, gen: int) -> None:
        tmp = self._gen_file().with_suffix(".tmp")
        tmp.write_text(str(gen), encoding="ascii")
        os.replace(tmp, self._gen_file())  # atomic: never a half-written number

    def mirror_generation(self) -> int | None:
        try:
            return int(self._gen_file().read_text(encoding="ascii").strip())
        except (OSError, ValueError, AssertionError):
            return None

    def fresh(self) -> bool:
        """True when the tantivy mirror holds exactly what the store holds."""
        return self._mirror is not None and self.mirror_generation() == self.store.generation()

    def rebuild(self, on_progress: Callable[[int], None] | None = None) -> int:
        """Rebuild the mirror from the store's passages; return how many were indexed."""
        if self._mirror is None:
            return 0
        self._mirror.clear()
        gen = self.store.generation()
        n = 0
        for batch in self.store.iter_passages():
            self._mirror.add(batch)
            n += len(batch)
            if on_progress:
                on_progress(n)
        self._mirror.commit()
        self._dirty = False
        self._write_generation(gen)
        self._synced = self._expected = gen
        return n

    def ensure_fresh(self, on_progress: Callable[[int], None] | None = None) -> bool:
        """Rebuild a stale mirror (before an ingest adds to it); True if it rebuilt."""
        if self._mirror is None:
            return False
        if self.fresh():
            self._synced = self._expected = self.store.generation()
            return False
        self.rebuild(on_progress)
        return True

    # -- reading ---------------------------------------------------------------
    def search(self, query: str, *, kind: SourceKind | None = None, k: int = 10) -> list[ScoredId]:
        if self.fresh():
            assert self._mirror is not None
            return self._mirror.search(query, kind=kind, k=k)
        return self.fts5.search(query, kind=kind, k=k)

    def search_terms(self, terms: Sequence[str], *, kind: SourceKind | None = None, k: int = 10) -> list[ScoredId]:
        return self.fts5.search_terms(terms, kind=kind, k=k)

    def search_query(self, query: SearchQuery) -> list[ScoredId]:
        """A structured query: tantivy (weighted) when current, else FTS5."""
        if self.fresh():
            assert self._mirror is not None
            return self._mirror.search_query(query)
        return self.fts5.search_query(query)

    # Term statistics come from FTS5's vocabulary: always in step with the store.
    def doc_freq(self, terms: Sequence[str]) -> dict[str, int]:
        return self.fts5.doc_freq(terms)

    def num_passages(self) -> int:
        return self.fts5.num_passages()

    def terms_with_prefix(self, prefix: str, limit: int = 20) -> dict[str, int]:
        return self.fts5.terms_with_prefix(prefix, limit)
