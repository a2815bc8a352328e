"""Speed of ``medcite ask`` on a built home: warm latency over ~100 questions, cold CLI runs.

Questions come from the shared corpora (PubMedQA titles-as-questions and
MedQuAD consumer questions), so nothing is hand-picked.

    python bench/bench_ask.py --home /tmp/ask-home [--n 100] [--cold 3] [--realistic]

``--realistic`` times the realistic question set instead (vignettes with
several sub-questions, lay and abbreviated questions; follow-ups without
their thread), the questions the ask pipeline v2 was built for.

Targets (issue 3): warm p50 < 300 ms, p95 < 1 s; cold ``medcite ask`` < 3 s.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

from medcite.engine import Engine

SHARED = Path(__file__).resolve().parents[2] / "shared" / "corpora"
SAMPLE_Q = "What is the meaning of venous insufficiency (venous reflux) in the lower extremities?"


def questions(n: int) -> list[str]:
    """``n`` questions: half PubMedQA, half MedQuAD (in file order)."""
    half = n // 2
    pqa = json.loads((SHARED / "pubmedqa" / "data" / "ori_pqal.json").read_text(encoding="utf-8"))
    out = [v["QUESTION"] for v in list(pqa.values())[:half]]
    rx = re.compile(r"<Question[^>]*>([^<]+)</Question>")
    for folder in ("4_MPlus_Health_Topics_QA", "8_NHLBI_QA_XML", "5_NIDDK_QA"):
        for f in sorted((SHARED / "medquad" / folder).glob("*.xml")):
            for q in rx.findall(f.read_text(encoding="utf-8", errors="replace"))[:2]:
                out.append(" ".join(q.split()))
            if len(out) >= n:
                return out
    return out[:n]


def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, round(p / 100 * (len(xs) - 1)))]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--home", required=True)
    ap.add_argument("--n", type=int, default=100)
    ap.add_argument("--cold", type=int, default=3)
    ap.add_argument("--realistic", action="store_true", help="time the realistic question set")
    ap.add_argument("--rerank-cos", type=float, default=None,
                    help="AskSettings.rerank_cos for this run (0: no second stage), to time its cost")
    args = ap.parse_args()
    if args.realistic:
        from medcite.eval.realistic import load_realistic

        qs = [q.question for q in load_realistic(SHARED)[0].questions][: args.n]
    else:
        qs = questions(args.n)
    engine = Engine.open(args.home)
    if args.rerank_cos is not None:
        ask = dataclasses.replace(engine.settings.ask, rerank_cos=args.rerank_cos)
        engine = Engine(dataclasses.replace(engine.settings, ask=ask))
    for q in qs[:3]:  # warm the page cache and the stemmer
        engine.ask(q)
    times: list[float] = []
    answerable = 0
    for q in qs:
        t0 = time.perf_counter()
        art = engine.ask(q)
        times.append((time.perf_counter() - t0) * 1000)
        answerable += art.answerable
    engine.close()
    cold: list[float] = []
    for _ in range(args.cold):
        t0 = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "medcite", "ask", SAMPLE_Q, "--home", args.home, "--format", "json"],
            check=True, capture_output=True,
        )
        cold.append(time.perf_counter() - t0)
    print(f"medcite ask on {args.home}: {len(qs)} questions ({answerable} answerable)")
    print("| measure | value | target |")
    print("|---|---|---|")
    print(f"| warm p50 | {pct(times, 50):.0f} ms | < 300 ms |")
    print(f"| warm p95 | {pct(times, 95):.0f} ms | < 1000 ms |")
    print(f"| warm mean | {statistics.mean(times):.0f} ms | |")
    print(f"| warm max | {max(times):.0f} ms | |")
    if cold:
        print(f"| cold `medcite ask` (median of {len(cold)}) | {statistics.median(cold):.2f} s | < 3 s |")


if __name__ == "__main__":
    main()
