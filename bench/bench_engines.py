"""Compare the BM25 engines on the whole shared corpus: SQLite FTS5, tantivy, bm25s.

Run (after ``medcite ingest --home /tmp/bench-home ../shared/corpora``)::

    python bench/bench_engines.py --home /tmp/bench-home

Every engine indexes the same passages (read back from the store with
``Store.iter_passages``) with the same tokenizer and the same field weights.
Measured: build time (tokenization included; a tokenize-only pass is shown
apart), index size on disk, query latency p50/p99 over 1,000 queries
(500 PubMedQA questions + 500 BioASQ bodies, seeded), and recall@10 of the
PubMedQA gold abstract (``pmid:<pmid>``; the top 100 passages are collapsed to
distinct documents). Plain rank-bm25 (``BM25Okapi`` with its defaults, one bag
of title + body tokens) on the same passages is the reference for recall.

PubMedQA's "title" is the question itself, so with the title field the task
is nearly trivial; the "body only" columns (title weight 0) ask the harder
question: does the abstract's own text rank?
"""

from __future__ import annotations

import argparse
import shutil
import sqlite3
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (
    docs_top,
    load_note,
    mixed_queries,
    need_corpora,
    peak_rss_mb,
    percentile,
    pubmedqa_items,
    recall_at,
    table,
    time_queries,
)
from medcite.index.base import ScoredId, SearchBackend
from medcite.index.bm25s_backend import BM25sBackend
from medcite.index.fts5 import FTS5Backend
from medcite.index.tantivy_backend import TantivyBackend
from medcite.index.tokenize import tokenize
from medcite.model import Passage
from medcite.store.db import Store

BATCH = 5000


def load_passages(home: Path) -> list[Passage]:
    store = Store(home / "medcite.sqlite", must_exist=True)
    out = [p for batch in store.iter_passages() for p in batch]
    store.close()
    return out


def build_fts5(passages: list[Passage], folder: Path) -> tuple[Store, float, int]:
    """A fresh store holding only the passage rows, then FTS5Backend.add timed alone."""
    store = Store(folder / "fts5.sqlite")
    conn = store.conn
    conn.execute("PRAGMA foreign_keys=OFF")  # no documents rows: this store only hosts the index
    with store.transaction() as c:
        c.executemany(
            'INSERT INTO passages(id, doc_id, section_idx, start, "end", field, source_kind) VALUES (?,?,?,?,?,?,?)',
            [(p.id, p.doc_id, p.section_idx, p.start, p.end, p.field, p.source_kind) for p in passages],
        )
    backend = FTS5Backend(lambda: store.conn)
    t = time.perf_counter()
    for i in range(0, len(passages), BATCH):
        with store.transaction():
            backend.add(passages[i:i + BATCH])
    secs = time.perf_counter() - t
    return store, secs, fts5_size(conn)


def fts5_size(conn: sqlite3.Connection) -> int:
    """Bytes of the FTS5 shadow tables (dbstat), or the file size when dbstat is missing."""
    try:
        (n,) = conn.execute("SELECT sum(pgsize) FROM dbstat WHERE name LIKE 'passages_fts%'").fetchone()
        return int(n or 0)
    except sqlite3.OperationalError:
        (pages,) = conn.execute("PRAGMA page_count").fetchone()
        (size,) = conn.execute("PRAGMA page_size").fetchone()
        return int(pages * size)


def rank_bm25_docs(passages: list[Passage], items: list[tuple[str, str]], with_title: bool) -> list[list[str]]:
    """Top-10 distinct documents by plain rank-bm25 (BM25Okapi defaults) over the same passages."""
    from rank_bm25 import BM25Okapi

    corpus = [(tokenize(p.title) if with_title else []) + tokenize(p.text) for p in passages]
    bm = BM25Okapi(corpus)
    del corpus
    doc_ids = [p.doc_id for p in passages]
    out = []
    for q, _ in items:
        terms = list(dict.fromkeys(tokenize(q)))
        scores = bm.get_scores(terms)
        top = np.argpartition(-scores, 100)[:100]
        top = top[np.argsort(-scores[top], kind="stable")]
        out.append(docs_top(((doc_ids[i], float(scores[i])) for i in top), 10))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--home", type=Path, default=Path("/tmp/bench-home"), help="an ingested medcite home")
    ap.add_argument("--work", type=Path, default=Path("/tmp/bench-engines"), help="scratch folder for the indexes")
    ap.add_argument("--runs", type=int, default=2, help="latency runs per engine (the machine is shared)")
    ap.add_argument("--no-reference", action="store_true", help="skip the slow rank-bm25 reference")
    ap.add_argument("--limit", type=int, default=0, help="first N passages only (a quick smoke run)")
    args = ap.parse_args()
    need_corpora()
    if not (args.home / "medcite.sqlite").exists():
        sys.exit(f"bench: no store in {args.home}; run `medcite ingest --home {args.home} ../shared/corpora` first")
    shutil.rmtree(args.work, ignore_errors=True)
    args.work.mkdir(parents=True)
    print(load_note())

    passages = load_passages(args.home)
    if args.limit:
        passages = passages[:args.limit]
    print(f"{len(passages):,} passages from {args.home}")
    t = time.perf_counter()
    for p in passages:
        tokenize(p.title)
        tokenize(p.text)
    tok_secs = time.perf_counter() - t
    print(f"tokenize only (warm stem cache afterwards): {tok_secs:.1f} s")

    engines: dict[str, SearchBackend] = {}
    build: dict[str, tuple[float, int]] = {}
    fstore, secs, size = build_fts5(passages, args.work)
    engines["fts5"] = FTS5Backend(lambda: fstore.conn)
    build["fts5"] = (secs, size)
    print(f"fts5 built in {secs:.1f} s")

    tv = TantivyBackend(args.work / "tantivy")
    t = time.perf_counter()
    for i in range(0, len(passages), BATCH):
        tv.add(passages[i:i + BATCH])
    tv.commit()
    build["tantivy"] = (time.perf_counter() - t, tv.size_bytes())
    engines["tantivy"] = tv
    print(f"tantivy built in {build['tantivy'][0]:.1f} s")

    bs = BM25sBackend(args.work / "bm25s")
    t = time.perf_counter()
    bs.add(passages)
    bs.save()
    build["bm25s"] = (time.perf_counter() - t, bs.size_bytes())
    engines["bm25s"] = bs
    print(f"bm25s built in {build['bm25s'][0]:.1f} s")

    queries = mixed_queries(1000)
    items = pubmedqa_items()
    gold = [g for _, g in items]
    lat: dict[str, list[list[float]]] = {}
    rec: dict[str, tuple[float, float]] = {}
    for name, eng in engines.items():
        search = eng.search

        def top10(q: str, search: Callable[..., list[ScoredId]] = search) -> object:
            return search(q, k=10)

        lat[name] = [time_queries(top10, queries) for _ in range(args.runs)]
        full = [docs_top(((h.doc_id, h.score) for h in search(q, k=100)), 10) for q, _ in items]
        body_eng: SearchBackend
        if isinstance(eng, TantivyBackend | BM25sBackend):
            old = dict(eng.weights)
            eng.weights = {**old, "title": 0.0}
            body_eng = eng
        else:
            old = {}
            body_eng = FTS5Backend(lambda: fstore.conn, weights={"title": 0.0})
        body = [docs_top(((h.doc_id, h.score) for h in body_eng.search(q, k=100)), 10) for q, _ in items]
        if isinstance(eng, TantivyBackend | BM25sBackend):
            eng.weights = old
        rec[name] = (recall_at(full, gold), recall_at(body, gold))
        print(f"{name}: measured")

    rows = []
    for name in engines:
        secs, size = build[name]
        runs = lat[name]
        rows.append([
            name, round(secs, 1), round(size / 1e6, 1),
            " / ".join(f"{percentile(r, 50):.2f}" for r in runs),
            " / ".join(f"{percentile(r, 99):.1f}" for r in runs),
            f"{rec[name][0]:.3f}", f"{rec[name][1]:.3f}",
        ])
    if not args.no_reference:
        t = time.perf_counter()
        ref_full = recall_at(rank_bm25_docs(passages, items, True), gold)
        ref_body = recall_at(rank_bm25_docs(passages, items, False), gold)
        rows.append(["rank-bm25 (reference)", "-", "-", "-", "-", f"{ref_full:.3f}", f"{ref_body:.3f}"])
        print(f"rank-bm25 reference: {time.perf_counter() - t:.0f} s for 2 x 1,000 queries")
    print()
    print(f"{len(passages):,} passages; latency over {len(queries):,} queries, k=10, one value per run; "
          f"recall@10 over {len(items):,} PubMedQA questions")
    print(table(["engine", "build s", "index MB", "p50 ms", "p99 ms", "recall@10", "recall@10 body only"], rows))
    print(f"tokenize-only pass: {tok_secs:.1f} s; peak RSS of this process {peak_rss_mb():,.0f} MB; {load_note()}")
    fstore.close()


if __name__ == "__main__":
    main()
