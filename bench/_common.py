"""Shared helpers of the benchmarks: corpus location, queries, metrics, tables.

Every benchmark reads ``<repo>/../shared/corpora`` and exits with a clear
message when it is absent. Nothing here is imported by the package.
"""

from __future__ import annotations

import json
import os
import random
import resource
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CORPORA = REPO.parent / "shared" / "corpora"
PUBMEDQA = CORPORA / "pubmedqa" / "data" / "ori_pqal.json"
BIOASQ = CORPORA / "bioasq" / "training6b" / "BioASQ-trainingDataset6b.json"


def need_corpora() -> Path:
    """The shared corpora folder, or exit(2) saying where it was looked for."""
    if not (PUBMEDQA.exists() and BIOASQ.exists()):
        sys.exit(f"bench: the shared corpora are not at {CORPORA} (expected <repo>/../shared/corpora); nothing to measure")
    return CORPORA


def pubmedqa_items() -> list[tuple[str, str]]:
    """``(question, "pmid:<pmid>")`` for all 1,000 PubMedQA PQA-L items."""
    data = json.loads(PUBMEDQA.read_text(encoding="utf-8"))
    return [(str(v["QUESTION"]), f"pmid:{k}") for k, v in data.items()]


def bioasq_questions() -> list[str]:
    data = json.loads(BIOASQ.read_text(encoding="utf-8"))
    return [str(q["body"]) for q in data["questions"]]


def mixed_queries(n: int = 1000, seed: int = 13) -> list[str]:
    """``n`` queries: half PubMedQA questions, half BioASQ question bodies (seeded sample)."""
    rng = random.Random(seed)
    pq = [q for q, _ in pubmedqa_items()]
    bq = bioasq_questions()
    out = rng.sample(pq, n // 2) + rng.sample(bq, n - n // 2)
    rng.shuffle(out)
    return out


def percentile(values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100)."""
    s = sorted(values)
    if not s:
        return float("nan")
    i = max(0, min(len(s) - 1, round(p / 100 * len(s) + 0.5) - 1))
    return s[i]


def time_queries(fn: Callable[[str], object], queries: Iterable[str]) -> list[float]:
    """Per-query wall time in milliseconds."""
    out: list[float] = []
    for q in queries:
        t = time.perf_counter()
        fn(q)
        out.append((time.perf_counter() - t) * 1000)
    return out


def docs_top(hits: Iterable[tuple[str, float]], n: int = 10) -> list[str]:
    """Distinct document ids in rank order (a document ranks at its best passage)."""
    seen: dict[str, None] = {}
    for doc_id, _ in hits:
        if doc_id not in seen:
            seen[doc_id] = None
            if len(seen) == n:
                break
    return list(seen)


def recall_at(ranked_docs: Sequence[Sequence[str]], gold: Sequence[str], n: int = 10) -> float:
    """Fraction of queries whose gold document is among the first ``n`` distinct documents."""
    return sum(g in r[:n] for r, g in zip(ranked_docs, gold, strict=True)) / max(1, len(gold))


def rss_mb() -> float:
    """Current resident set size of this process in MB (Linux /proc)."""
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def dir_size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def load_note() -> str:
    """The 1/5/15-minute load average, to print next to timings (the machine is shared)."""
    return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg()) + f" on {os.cpu_count()} cores"


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A Markdown table (pastes straight into docs/)."""
    cells = [[str(h) for h in headers]] + [[f"{c:,.2f}" if isinstance(c, float) else f"{c:,}" if isinstance(c, int) else str(c) for c in r] for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    lines = ["| " + " | ".join(c.ljust(w) for c, w in zip(cells[0], widths, strict=True)) + " |",
             "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
    lines += ["| " + " | ".join(c.rjust(w) for c, w in zip(r, widths, strict=True)) + " |" for r in cells[1:]]
    return "\n".join(lines)
