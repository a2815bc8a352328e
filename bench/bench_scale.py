"""How the BM25 engines grow: synthetic corpora of 100k and 1M passages.

Run (after ``medcite ingest --home /tmp/bench-home ../shared/corpora``)::

    python bench/bench_scale.py                                  # fts5 (default) + tantivy, 100k and 1M
    python bench/bench_scale.py --engines fts5,tantivy,bm25s --sizes 100000,1000000

Passages are made by resampling real sentences of the ingested shared corpus
(seeded): each synthetic passage is 2-5 random real sentences under a random
real title, 10 % of them recommendations, source kinds in the corpus's
proportions. Each (engine, size) runs in its own subprocess so its RSS is its
own. Measured: index time (tokenization included), index size on disk,
query p50/p99 over 1,000 real queries (500 PubMedQA + 500 BioASQ, seeded;
``backend.search(q, k=10)``, ids only, since synthetic passages have no
stored documents), RSS after the queries and peak RSS.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import dir_size, load_note, mixed_queries, need_corpora, percentile, rss_mb, table
from medcite.index.base import SearchBackend
from medcite.model import SOURCE_KINDS, FieldName, Passage, SourceKind
from medcite.store.db import Store

BATCH = 10_000


def sentence_pool(home: Path) -> tuple[list[str], list[str], list[float]]:
    """Every stored sentence's text, every document title, and the kind proportions."""
    store = Store(home / "medcite.sqlite", must_exist=True)
    conn = store.conn
    texts = dict(conn.execute("SELECT id, text FROM documents"))
    sents = [
        texts[d][s:e] for d, s, e in conn.execute('SELECT doc_id, start, "end" FROM sentences ORDER BY doc_id, idx')
        if e - s > 20
    ]
    titles = [r[0] for r in conn.execute("SELECT title FROM documents")]
    kinds = dict(conn.execute("SELECT source_kind, count(*) FROM passages GROUP BY source_kind").fetchall())
    total = sum(kinds.values())
    store.close()
    return sents, titles, [kinds.get(k, 0) / total for k in SOURCE_KINDS]


def synthetic(n: int, sents: list[str], titles: list[str], weights: list[float], seed: int) -> Iterator[list[Passage]]:
    """``n`` resampled passages in batches, ids 1..n, five passages per synthetic document."""
    rng = random.Random(seed)
    batch: list[Passage] = []
    for i in range(1, n + 1):
        text = " ".join(rng.choice(sents) for _ in range(rng.randint(2, 5)))
        kind: SourceKind = rng.choices(SOURCE_KINDS, weights)[0]
        field: FieldName = "recommendation" if kind == "guideline" and rng.random() < 0.25 else "body"
        batch.append(Passage(id=i, doc_id=f"syn:{(i - 1) // 5}", section_idx=0, start=0, end=len(text),
                             field=field, text=text, source_kind=kind, title=rng.choice(titles)))
        if len(batch) == BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def child(engine: str, size: int, home: Path, work: Path, seed: int) -> dict[str, object]:
    """Build one engine at one size and measure it (runs in its own process)."""
    sents, titles, weights = sentence_pool(home)
    folder = work / f"{engine}-{size}"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    rss0 = rss_mb()
    t = time.perf_counter()
    if engine == "fts5":
        from medcite.index.fts5 import FTS5Backend

        store = Store(folder / "fts5.sqlite")
        store.conn.execute("PRAGMA foreign_keys=OFF")  # synthetic passages have no documents rows
        backend: SearchBackend = FTS5Backend(lambda: store.conn)
        for b in synthetic(size, sents, titles, weights, seed):
            with store.transaction() as c:
                c.executemany(
                    'INSERT INTO passages(id, doc_id, section_idx, start, "end", field, source_kind) '
                    "VALUES (?,?,?,?,?,?,?)",
                    [(p.id, p.doc_id, 0, 0, p.end, p.field, p.source_kind) for p in b],
                )
                backend.add(b)
        store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    elif engine == "tantivy":
        from medcite.index.tantivy_backend import TantivyBackend

        tv = TantivyBackend(folder)
        for b in synthetic(size, sents, titles, weights, seed):
            tv.add(b)
        tv.commit()
        backend = tv
    elif engine == "bm25s":
        from medcite.index.bm25s_backend import BM25sBackend

        bs = BM25sBackend(folder)
        for b in synthetic(size, sents, titles, weights, seed):
            bs.add(b)
        bs.save()
        backend = bs
    else:
        raise SystemExit(f"unknown engine {engine!r}")
    build = time.perf_counter() - t
    queries = mixed_queries(1000)
    backend.search(queries[0], k=10)
    ms = []
    for q in queries:
        t = time.perf_counter()
        backend.search(q, k=10)
        ms.append((time.perf_counter() - t) * 1000)
    return {
        "engine": engine, "size": size, "build_s": build, "passages_per_s": size / build,
        "index_mb": dir_size(folder) / 1e6, "p50_ms": percentile(ms, 50), "p99_ms": percentile(ms, 99),
        "rss_mb": rss_mb(), "rss_before_mb": rss0,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--home", type=Path, default=Path("/tmp/bench-home"))
    ap.add_argument("--work", type=Path, default=Path("/tmp/bench-scale"))
    ap.add_argument("--engines", default="fts5,tantivy")
    ap.add_argument("--sizes", default="100000,1000000")
    ap.add_argument("--seed", type=int, default=20240601)
    ap.add_argument("--keep", action="store_true", help="keep the built indexes")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    args = ap.parse_args()
    need_corpora()
    if not (args.home / "medcite.sqlite").exists():
        sys.exit(f"bench: no store in {args.home}; run `medcite ingest --home {args.home} ../shared/corpora` first")
    if args.child:
        engine, size = args.child.split(":")
        print(json.dumps(child(engine, int(size), args.home, args.work, args.seed)))
        return
    print(load_note())
    results = []
    for size in [int(s) for s in args.sizes.split(",")]:
        for engine in args.engines.split(","):
            t = time.perf_counter()
            proc = subprocess.run(
                [sys.executable, __file__, "--home", str(args.home), "--work", str(args.work),
                 "--seed", str(args.seed), "--child", f"{engine}:{size}"],
                capture_output=True, text=True, check=False,
            )
            if proc.returncode:
                print(f"{engine} {size:,}: failed after {time.perf_counter() - t:.0f} s\n{proc.stderr[-1500:]}")
                continue
            r = json.loads(proc.stdout.strip().splitlines()[-1])
            results.append(r)
            print(f"{engine} {size:,}: {r['build_s']:.0f} s build, {time.perf_counter() - t:.0f} s total; {load_note()}",
                  flush=True)
            if not args.keep:
                shutil.rmtree(args.work / f"{engine}-{size}", ignore_errors=True)
    rows = [[r["engine"], r["size"], round(r["build_s"], 1), round(r["passages_per_s"]), round(r["index_mb"], 1),
             round(r["p50_ms"], 2), round(r["p99_ms"], 1), round(r["rss_mb"]), round(r["peak_rss_mb"])]
            for r in results]
    print(table(["engine", "passages", "index s", "passages/s", "index MB", "p50 ms", "p99 ms", "RSS MB",
                 "peak RSS MB"], rows))
    by_engine: dict[str, list[dict[str, float]]] = {}
    for r in results:
        by_engine.setdefault(r["engine"], []).append(r)
    for engine, rs in by_engine.items():
        if len(rs) >= 2:
            a, b = rs[0], rs[-1]
            f = b["size"] / a["size"]
            print(f"{engine}: x{f:.0f} passages -> index time x{b['build_s'] / a['build_s']:.1f}, size "
                  f"x{b['index_mb'] / a['index_mb']:.1f}, p50 x{b['p50_ms'] / a['p50_ms']:.1f}, "
                  f"p99 x{b['p99_ms'] / a['p99_ms']:.1f}, peak RSS x{b['peak_rss_mb'] / a['peak_rss_mb']:.1f}")


if __name__ == "__main__":
    main()
