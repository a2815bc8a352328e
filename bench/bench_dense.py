"""Does dense retrieval (all-MiniLM-L6-v2) fused with BM25 by RRF help PubMedQA recall@10?

Run (needs ``pip install 'medcite[dense]'`` and an ingested home)::

    python bench/bench_dense.py --home /tmp/bench-home

The answer pipeline retrieves per source kind, and PubMedQA questions are
research questions, so this measures retrieval inside the ``research``
passages of the store (all of them: PubMedQA, BioASQ, PubMed XML, JATS).
Encoding every passage of the whole corpus on 2 shared CPU cores would take
about an hour (the rate is printed, so the cost can be extrapolated);
``--limit`` caps the research passages further (seeded sample that always keeps
the PubMedQA abstracts).

Rows: BM25 (bm25s backend, same tokenizer and weights as FTS5), dense alone,
and RRF(BM25, dense) with k=60, each with the title field (PubMedQA titles are
the question itself) and "body only" (title weight 0, the honest test).
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import docs_top, load_note, need_corpora, percentile, pubmedqa_items, recall_at, table
from medcite.index.bm25s_backend import BM25sBackend
from medcite.index.dense import DenseIndex, load_encoder, rrf
from medcite.store.db import Store


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--home", type=Path, default=Path("/tmp/bench-home"))
    ap.add_argument("--work", type=Path, default=Path("/tmp/bench-dense"), help="where the embeddings are kept")
    ap.add_argument("--limit", type=int, default=0, help="cap on research passages (0 = all)")
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    need_corpora()
    if not (args.home / "medcite.sqlite").exists():
        sys.exit(f"bench: no store in {args.home}; run `medcite ingest --home {args.home} ../shared/corpora` first")
    print(load_note())
    store = Store(args.home / "medcite.sqlite", must_exist=True)
    passages = [p for batch in store.iter_passages() for p in batch if p.source_kind == "research"]
    store.close()
    if args.limit and len(passages) > args.limit:
        gold_pass = [p for p in passages if p.doc_id.startswith("pmid:")]
        rest = [p for p in passages if not p.doc_id.startswith("pmid:")]
        rng = random.Random(args.seed)
        passages = gold_pass + rng.sample(rest, max(0, args.limit - len(gold_pass)))
        passages.sort(key=lambda p: p.id)
    print(f"{len(passages):,} research passages")

    t = time.perf_counter()
    encoder = load_encoder()
    print(f"model loaded in {time.perf_counter() - t:.1f} s")
    dense = DenseIndex(args.work, encoder)
    if len(dense) != len(passages) or set(dense.pids.tolist()) != {p.id for p in passages}:
        dense = DenseIndex(args.work / "_none", encoder)
        dense.folder = args.work
        t = time.perf_counter()
        for i in range(0, len(passages), 2048):
            dense.add(passages[i:i + 2048])
            done = min(i + 2048, len(passages))
            print(f"  encoded {done:,} ({done / (time.perf_counter() - t):.0f} passages/s)", flush=True)
        enc_secs = time.perf_counter() - t
        dense.save()
        print(f"encoded in {enc_secs:.0f} s = {len(passages) / enc_secs:.1f} passages/s; "
              f"embeddings file {(args.work / 'embeddings.npy').stat().st_size / 1e6:.0f} MB")
    else:
        print("embeddings reused from", args.work)

    bm = BM25sBackend(args.work / "bm25s")
    bm.add(passages)
    bm.commit()

    items = pubmedqa_items()
    gold = [g for _, g in items]
    depth = 100
    runs: dict[str, list[list[str]]] = {k: [] for k in ("bm25", "bm25 body", "dense", "rrf", "rrf body")}
    q_ms: list[float] = []
    for q, _ in items:
        t = time.perf_counter()
        sem = dense.search(q, k=depth)
        q_ms.append((time.perf_counter() - t) * 1000)
        bm.weights = {"title": 2.0, "recommendation": 1.2, "body": 1.0}
        lex = bm.search(q, k=depth)
        bm.weights = {**bm.weights, "title": 0.0}
        lex_body = bm.search(q, k=depth)
        for name, ranking in (("bm25", lex), ("bm25 body", lex_body), ("dense", sem),
                              ("rrf", rrf([lex, sem])), ("rrf body", rrf([lex_body, sem]))):
            runs[name].append(docs_top(((s.doc_id, s.score) for s in ranking), 10))
    rows = [[name, f"{recall_at(r, gold):.3f}"] for name, r in runs.items()]
    print()
    print(f"recall@10 of the PubMedQA gold abstract among {len(passages):,} research passages "
          f"({len(items):,} questions; RRF k=60 over the top {depth} of each)")
    print(table(["ranking", "recall@10"], rows))
    print(f"dense query (encode + brute-force cosine): p50 {percentile(q_ms, 50):.1f} ms, "
          f"p99 {percentile(q_ms, 99):.1f} ms; {load_note()}")


if __name__ == "__main__":
    main()
