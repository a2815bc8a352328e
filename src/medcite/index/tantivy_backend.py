"""BM25 over tantivy (Rust, Lucene-like), persisted in a folder of the home.

Field weights are applied BM25F-style (Robertson, Zaragoza & Taylor, 2004,
"Simple BM25 extension to multiple weighted fields"): a field's term
frequencies are multiplied by its weight *before* the single saturation, with
one length over the whole passage. With integer weights that is exactly a
single bag in which a field's tokens are repeated ``weight`` times, which is
how the passage is indexed here (field ``all``). It is also what SQLite FTS5's
``bm25(t, w1, w2, w3)`` computes, so the two engines rank alike.

Why not one tantivy field per passage field with a query-time boost: that sums
one saturated BM25 per field, so a short, repeated title dominates. On BioASQ
(titles repeated in every passage of a document) document recall@10 fell from
0.69 to 0.34; the single weighted bag keeps 0.69 and MedQuAD R@1 at 0.88
(measured with the eval loaders; see docs/decisions.md).

Scoring is Okapi BM25 with Lucene's idf ``ln(1 + (N - n + 0.5) / (n + 0.5))``,
k1=1.2, b=0.75 (Robertson & Zaragoza, 2009, "The Probabilistic Relevance
Framework: BM25 and Beyond"); document lengths are stored as 1-byte
"fieldnorms", so lengths above ~40 tokens are quantised and scores differ
slightly from an exact BM25.

Text is tokenized by :func:`medcite.index.tokenize.tokenize` (identical for
every engine) and handed to tantivy joined by spaces, indexed with tantivy's
``whitespace`` tokenizer, so tantivy never re-analyses it. Weights are fixed
when passages are indexed (recorded in ``weights.json``); opening an index
with other weights is refused with a message to rebuild.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from medcite.index.base import DEFAULT_WEIGHTS, ScoredId
from medcite.index.optional import require
from medcite.index.query import SearchQuery, cap_per_doc
from medcite.index.tokenize import index_text, tokenize
from medcite.model import Passage, SourceKind

FIELDS = ("title", "recommendation", "body")
WEIGHTS_FILE = "weights.json"
#: Writer memory budget; tantivy splits it across its indexing threads.
HEAP_BYTES = 256 * 1024 * 1024


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
        tv = require("tantivy", "--force-reinstall medcite")  # a core dependency: the install is broken
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
        # Term frequencies are all BM25 needs; positions would only grow the index.
        sb.add_text_field("all", stored=False, tokenizer_name="whitespace", index_option="freq")
        self.schema = sb.build()
        self._repeat = {f: max(0, round(self.weights[f])) for f in FIELDS}
        wfile = self.path / WEIGHTS_FILE
        if wfile.exists():
            stored = json.loads(wfile.read_text(encoding="utf-8"))
            if stored != self._repeat:
                raise ValueError(
                    f"the tantivy index at {self.path} was built with field weights {stored}, not "
                    f"{self._repeat}; delete the folder or run `medcite reindex`"
                )
        else:
            wfile.write_text(json.dumps(self._repeat), encoding="utf-8")
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
            title = index_text(p.title)
            body = index_text(p.text)
            field = "recommendation" if p.field == "recommendation" else "body"
            bag = [title] * self._repeat["title"] + [body] * self._repeat[field]
            doc = tv.Document()
            doc.add_integer("pid", p.id)
            doc.add_text("doc_id", p.doc_id)
            doc.add_text("kind", p.source_kind)
            doc.add_text("all", " ".join(t for t in bag if t))
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
        should = [(tv.Occur.Should, tv.Query.term_query(self.schema, "all", t)) for t in uniq]
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

    def search_query(self, query: SearchQuery) -> list[ScoredId]:
        """Answer a :class:`SearchQuery`: each term's BM25 score times its weight, summed."""
        if self._writer is not None:
            self.commit()
        tv = self._tv
        weights = query.merged()
        if not weights:
            return []

        def term(t: str) -> Any:
            return tv.Query.term_query(self.schema, "all", t)

        clauses: list[tuple[Any, Any]] = [
            (tv.Occur.Should, tv.Query.boost_query(term(t), float(w)) if w != 1.0 else term(t))
            for t, w in weights.items()
        ]
        for group in query.required:
            g = [t for t in dict.fromkeys(group) if t]
            if g:
                # Zero-score: a group only filters; its terms score through `terms`.
                gq = tv.Query.boolean_query([(tv.Occur.Should, term(t)) for t in g])
                clauses.append((tv.Occur.Must, tv.Query.const_score_query(gq, 0.0)))
        if query.kinds:
            kq = tv.Query.boolean_query(
                [(tv.Occur.Should, tv.Query.term_query(self.schema, "kind", k)) for k in query.kinds]
            )
            clauses.append((tv.Occur.Must, tv.Query.const_score_query(kq, 0.0)))
        if query.doc_ids:
            dq = tv.Query.boolean_query(
                [(tv.Occur.Should, tv.Query.term_query(self.schema, "doc_id", d)) for d in query.doc_ids]
            )
            clauses.append((tv.Occur.Must, tv.Query.const_score_query(dq, 0.0)))
        searcher = self.index.searcher()
        fetch = query.k * (4 if query.per_doc else 1)
        hits: list[ScoredId] = []
        for score, addr in searcher.search(tv.Query.boolean_query(clauses), limit=fetch, count=False).hits:
            d = searcher.doc(addr)
            hits.append(ScoredId(int(d["pid"][0]), str(d["doc_id"][0]), float(score)))
        return cap_per_doc(hits, query.per_doc, query.k)
