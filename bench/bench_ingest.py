"""Ingest the whole shared corpus into a fresh home with the real command.

Run::

    python bench/bench_ingest.py            # fresh home under /tmp, removed afterwards
    python bench/bench_ingest.py --keep /tmp/bench-home

Runs ``medcite ingest --home <fresh> ../shared/corpora`` in a subprocess and
reports documents, passages, seconds, documents/s, peak RSS of the child
(``resource.getrusage(RUSAGE_CHILDREN)``, Linux ru_maxrss in kB) and size on
disk. Targets on the 2-core machine: < 120 s and < 2 GB peak RSS. A second
run over the same home measures the idempotent re-ingest (every file is
skipped by its SHA-256). ``--profile`` adds a cProfile of one ingest and prints
the top functions by cumulative and by own time.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import dir_size, load_note, need_corpora, table


def run_ingest(home: Path, corpora: Path) -> tuple[float, int, str]:
    """Seconds, exit status and stdout tail of one ``medcite ingest`` subprocess."""
    cmd = [sys.executable, "-m", "medcite", "ingest", "--home", str(home), str(corpora)]
    t = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    return time.perf_counter() - t, proc.returncode, (proc.stdout + proc.stderr)[-600:]


def stats(home: Path) -> dict[str, object]:
    out = subprocess.run(
        [sys.executable, "-m", "medcite", "stats", "--home", str(home), "--format", "json"],
        capture_output=True, text=True, check=True,
    ).stdout
    return dict(json.loads(out))


def profile(home: Path, corpora: Path) -> None:
    import cProfile
    import pstats

    out = home.parent / "ingest.prof"
    subprocess.run(
        [sys.executable, "-m", "cProfile", "-o", str(out), "-m", "medcite", "ingest", "--home", str(home),
         str(corpora)], capture_output=True, check=False,
    )
    st = pstats.Stats(str(out))
    for key in ("cumulative", "tottime"):
        print(f"\n-- top 25 by {key} --")
        st.sort_stats(key).print_stats(25)
    del cProfile


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--keep", type=Path, help="ingest into this (emptied) home and keep it")
    ap.add_argument("--profile", action="store_true", help="also cProfile one ingest into a scratch home")
    args = ap.parse_args()
    corpora = need_corpora()
    scratch = Path(tempfile.mkdtemp(prefix="medcite-bench-ingest-"))
    home = args.keep or scratch / "home"
    shutil.rmtree(home, ignore_errors=True)
    print(load_note())

    secs, rc, tail = run_ingest(home, corpora)
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    s = stats(home)
    size = dir_size(home)
    again, rc2, _ = run_ingest(home, corpora)
    s2 = stats(home)
    docs, passages = int(s["documents"]), int(s["passages"])  # type: ignore[call-overload]
    print(table(
        ["documents", "passages", "sentences", "seconds", "documents/s", "peak RSS MB", "size on disk MB", "exit"],
        [[docs, passages, int(s["sentences"]), round(secs, 1), round(docs / secs, 1),  # type: ignore[call-overload]
          round(peak_kb / 1024), round(size / 1e6, 1), rc]],
    ))
    print(f"targets: < 120 s -> {'met' if secs < 120 else 'MISSED'}; < 2 GB peak RSS -> "
          f"{'met' if peak_kb < 2 * 1024 * 1024 else 'MISSED'}")
    same = s2["documents"] == s["documents"] and s2["passages"] == s["passages"]
    print(f"re-ingest of the same files: {again:.1f} s, exit {rc2}, counts unchanged: {same}")
    if rc:
        print("ingest exit status was non-zero (some files failed or had bad records); last output:\n" + tail)
    print(load_note())
    if args.profile:
        prof_home = scratch / "prof-home"
        profile(prof_home, corpora)
    if not args.keep:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
