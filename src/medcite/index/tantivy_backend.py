"""BM25 over tantivy (Rust, Lucene-like), persisted in a folder of the home.

Field weights: tantivy scores each field with its own BM25 (own average
length, own document frequencies) and a disjunction sums the per-field
scores, so a per-field boost gives exactly the same "weighted sum of
per-column BM25" that SQLite FTS5's ``bm25(t, w1, w2, w3)`` computes. The
title, recommendation and body fields are therefore weighted as in
:data:`~medcite.index.base.DEFAULT_WEIGHTS`.

Scoring is Okapi BM25 with Lucene's idf ``ln(1 + (N - n + 0.5) / (n + 0.5))``,
k1=1.2, b=0.75 (Robertson & Zaragoza, 2009, "The Probabilistic Relevance
Framework: BM25 and Beyond"); document lengths are stored as 1-byte
"fieldnorms", so lengths above ~40 tokens are quantised and scores differ
slightly from an exact BM25.

Text is tokenized by :func:`medcite.index.tokenize.tokenize` (identical for
every engine) and handed to tantivy joined by spaces, indexed with tantivy's
``whitespace`` tokenizer, so tantivy never re-analyses it.
"""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from medcite.index.base import DEFAULT_WEIGHTS, ScoredId
from medcite.index.tokenize import tokenize
from medcite.model import Passage, SourceKind

FIELDS = ("title", "recommendation", "body")
#: Writer memory budget; tantivy splits it across its indexing threads.
HEAP_BYTES = 256 * 1024 * 1024


def _tantivy() -> Any:
    try:
        import tantivy
    except ImportError as exc:  # pragma: no cover - exercised only without the extra
        raise RuntimeError("the tantivy engine needs `pip install 'medcite[engines]'`") from exc
    return tantivy


class TantivyBackend:
    """A tantivy index in ``path`` (created when missing).

    Parameters
    ----------
    path
        The index folder, e.g. ``<home>/index/tantivy``.
    weights
        Field boosts for title, recommendation and body.
    threads
        Indexing threads (0 lets tantivy choose); this machine has 2 cores.
    """

    name = "tantivy"

    def __init__(self, path: Path, weights: dict[str, float] | None = None, threads: int = 0) -> None:
        tv = _tantivy()
        self._tv = tv
        self.path = Path(path)
        self.path.mkdir(parents=True, exist_ok=True)
        self.weights = {**DEFAULT_WEIGHTS, **(weights or {})}
        sb = tv.SchemaBuilder()
        # A signed field on purpose: tantivy-py turns a Python int into an i64
        # term, so deleting by term silently misses an unsigned (u64) field.
        sb.add_integer_field("pid", stored=True, indexed=True, fast=True)
        sb.add_text_field("doc_id", stored=True, tokenizer_name="raw", index_option="basic")
        sb.add_text_field("kind", stored=False, tokenizer_name="raw", index_option="basic")
        for f in FIELDS:
            # Term frequencies are all BM25 needs; positions would only grow the index.
            sb.add_text_field(f, stored=False, tokenizer_name="whitespace", index_option="freq")
        self.schema = sb.build()
        self.index = tv.Index(self.schema, path=str(self.path), reuse=True)
        self._threads = threads
        self._writer: Any = None

    # -- writing -----------------------------------------------------------
    def _w(self) -> Any:
        if self._writer is None:
            self._writer = self.index.writer(HEAP_BYTES, self._threads)
        return self._writer

    def add(self, passages: Sequence[Passage]) -> None:
        """Queue passages; they become searchable at :meth:`commit` (or the next search)."""
        w = self._w()
        tv = self._tv
        for p in passages:
            body = " ".join(tokenize(p.text))
            doc = tv.Document()
            doc.add_integer("pid", p.id)
            doc.add_text("doc_id", p.doc_id)
            doc.add_text("kind", p.source_kind)
            doc.add_text("title", " ".join(tokenize(p.title)))
            doc.add_text("recommendation", body if p.field == "recommendation" else "")
            doc.add_text("body", body if p.field != "recommendation" else "")
            w.add_document(doc)

    def remove(self, passage_ids: Sequence[int]) -> None:
        w = self._w()
        for i in passage_ids:
            w.delete_documents_by_term("pid", int(i))

    def commit(self) -> None:
        """Make queued changes durable and visible."""
        if self._writer is not None:
            self._writer.commit()
            self._writer.wait_merging_threads()
            self._writer = None
            self.index.reload()

    def clear(self) -> None:
        """Delete the whole index folder and start empty."""
        self._writer = None
        shutil.rmtree(self.path, ignore_errors=True)
        self.__init__(self.path, self.weights, self._threads)  # type: ignore[misc]

    # -- reading -----------------------------------------------------------
    def __len__(self) -> int:
        return int(self.index.searcher().num_docs)

    def search(self, query: str, *, kind: SourceKind | None = None, k: int = 10) -> list[ScoredId]:
        return self.search_terms(tokenize(query), kind=kind, k=k)

    def search_terms(self, terms: Sequence[str], *, kind: SourceKind | None = None, k: int = 10) -> list[ScoredId]:
        """Search with already-tokenized terms (deduplicated, as FTS5 does)."""
        if self._writer is not None:
            self.commit()
        tv = self._tv
        uniq = list(dict.fromkeys(t for t in terms if t))
        if not uniq:
            return []
        should = []
        for f in FIELDS:
            w = self.weights[f]
            if w <= 0:
                continue
            for t in uniq:
                q = tv.Query.term_query(self.schema, f, t)
                should.append((tv.Occur.Should, q if w == 1.0 else tv.Query.boost_query(q, w)))
        query = tv.Query.boolean_query(should)
        if kind is not None:
            # A zero-score filter: the kind must match but adds nothing to BM25.
            kq = tv.Query.const_score_query(tv.Query.term_query(self.schema, "kind", kind), 0.0)
            query = tv.Query.boolean_query([(tv.Occur.Must, kq), (tv.Occur.Must, query)])
        searcher = self.index.searcher()
        out: list[ScoredId] = []
        for score, addr in searcher.search(query, limit=k, count=False).hits:
            d = searcher.doc(addr)
            out.append(ScoredId(int(d["pid"][0]), str(d["doc_id"][0]), float(score)))
        return out

    def size_bytes(self) -> int:
        return sum(f.stat().st_size for f in self.path.rglob("*") if f.is_file())
