"""Warm ``ask`` latency of two versions of medcite, interleaved: A, B, A, B, ...

This machine's speed drifts by about 15 % within an hour (docs/benchmarks.md, session 10): two
``bench_ask.py`` runs made at different times once showed a 341 -> 245 ms "speed-up" that
interleaved runs did not confirm. A latency claim therefore compares versions run alternately,
over the same questions and the same store.

    python bench/bench_ab.py --home H --a a6a62c6 --b HEAD [--rounds 3] [--n 100] [--realistic]

Each version is checked out into a temporary git worktree and run by ``bench_ask.py`` with its
``src/`` first on ``PYTHONPATH`` (the installed dependencies are shared). Prints one row per
round and the mean p50 of each version.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def p50(src: Path, home: str, n: int, realistic: bool) -> tuple[float, float]:
    """Warm p50 and p95 (ms) of ``bench_ask.py`` run against the code in ``src``."""
    cmd = [sys.executable, str(REPO / "bench" / "bench_ask.py"), "--home", home, "--n", str(n), "--cold", "0"]
    if realistic:
        cmd.append("--realistic")
    env = {**os.environ, "PYTHONPATH": str(src)}
    out = subprocess.run(cmd, capture_output=True, text=True, check=True, env=env).stdout
    got = dict(re.findall(r"\| warm (p50|p95) \| (\d+) ms", out))
    return float(got["p50"]), float(got["p95"])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--home", required=True)
    ap.add_argument("--a", required=True, help="git ref of version A")
    ap.add_argument("--b", default="HEAD", help="git ref of version B (default HEAD)")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--n", type=int, default=100)
    ap.add_argument("--realistic", action="store_true")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="medcite-ab-") as tmp:
        trees = {}
        for name, ref in (("A", args.a), ("B", args.b)):
            tree = Path(tmp) / name
            subprocess.run(["git", "-C", str(REPO), "worktree", "add", "--detach", "-f", str(tree), ref],
                           check=True, capture_output=True)
            trees[name] = tree
        try:
            rows: dict[str, list[float]] = {"A": [], "B": []}
            print(f"warm ask on {args.home}: A = {args.a}, B = {args.b}, {args.n} questions"
                  f"{' (realistic)' if args.realistic else ''}")
            print("| round | A p50 / p95 ms | B p50 / p95 ms |")
            print("|---:|---:|---:|")
            for r in range(1, args.rounds + 1):
                # Alternate which goes first, so a drift within a round does not favour one side.
                order = ("A", "B") if r % 2 else ("B", "A")
                got = {name: p50(trees[name] / "src", args.home, args.n, args.realistic) for name in order}
                for name in ("A", "B"):
                    rows[name].append(got[name][0])
                print(f"| {r} | {got['A'][0]:.0f} / {got['A'][1]:.0f} | {got['B'][0]:.0f} / {got['B'][1]:.0f} |")
            a, b = statistics.mean(rows["A"]), statistics.mean(rows["B"])
            print(f"\nmean p50: A {a:.0f} ms, B {b:.0f} ms (B - A = {b - a:+.0f} ms; "
                  f"B faster in {sum(y < x for x, y in zip(rows['A'], rows['B'], strict=True))} of {args.rounds} rounds)")
        finally:
            for tree in trees.values():
                subprocess.run(["git", "-C", str(REPO), "worktree", "remove", "--force", str(tree)],
                               capture_output=True, check=False)


if __name__ == "__main__":
    main()
