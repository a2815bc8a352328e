"""Search latency and recall of the default engine, through ``Engine.search``.

Run (after ``medcite ingest --home /tmp/bench-home ../shared/corpora``)::

    python bench/bench_search.py --home /tmp/bench-home

1,000 queries (500 PubMedQA questions + 500 BioASQ bodies, seeded) through
``Engine.search(q, k=10)`` -- the call ``medcite search`` and the answer
pipeline make, including reading the passages' text back from the store --
timed one by one, twice (the machine is shared). Targets: p50 < 20 ms,
p99 < 100 ms. Then recall@10 of the PubMedQA gold abstract (top 100
passages collapsed to distinct documents), next to plain rank-bm25
(``BM25Okapi`` defaults, title + body tokens in one bag) on the same passages.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (
    docs_top,
    load_note,
    mixed_queries,
    need_corpora,
    percentile,
    pubmedqa_items,
    recall_at,
    table,
    time_queries,
)
from bench_engines import load_passages, rank_bm25_docs
from medcite.engine import Engine
from medcite.settings import Settings


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--home", type=Path, default=Path("/tmp/bench-home"))
    ap.add_argument("--runs", type=int, default=2)
    ap.add_argument("--no-reference", action="store_true", help="skip the slow rank-bm25 reference")
    args = ap.parse_args()
    need_corpora()
    if not (args.home / "medcite.sqlite").exists():
        sys.exit(f"bench: no store in {args.home}; run `medcite ingest --home {args.home} ../shared/corpora` first")
    engine = Engine(Settings.resolve(args.home), must_exist=True)
    print(f"{engine.backend.name}: {engine.store.stats()['passages']:,} passages; {load_note()}")
    queries = mixed_queries(1000)
    engine.search("warm up the page cache", k=10)
    rows = []
    for run in range(1, args.runs + 1):
        ms = time_queries(lambda q: engine.search(q, k=10), queries)
        rows.append([f"run {run}", f"{percentile(ms, 50):.2f}", f"{percentile(ms, 90):.2f}",
                     f"{percentile(ms, 99):.2f}", f"{max(ms):.1f}", f"{sum(ms) / len(ms):.2f}", load_note()])
    print(table(["Engine.search k=10", "p50 ms", "p90 ms", "p99 ms", "max ms", "mean ms", "load"], rows))

    items = pubmedqa_items()
    gold = [g for _, g in items]
    ranked = [docs_top(((h.passage.doc_id, h.score) for h in engine.search(q, k=100)), 10) for q, _ in items]
    rec = [["medcite (" + engine.backend.name + ", default weights)", f"{recall_at(ranked, gold):.3f}"]]
    if not args.no_reference:
        rec.append(["rank-bm25 BM25Okapi (same passages)",
                    f"{recall_at(rank_bm25_docs(load_passages(args.home), items, True), gold):.3f}"])
    print()
    print(table([f"recall@10, {len(items):,} PubMedQA questions", "recall@10"], rec))
    engine.close()


if __name__ == "__main__":
    main()
