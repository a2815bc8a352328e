"""Memory under hostile input: gzip bombs and a huge single-line file through the real `medcite ingest`.

    python bench/bench_bombs.py [--keep DIR]

Writes, in a temporary folder: a ~1 MB `.xml.gz` that expands to 1 GiB, a ~3 MB one
that expands to 3 GiB, a 200 MB single-line text file, and one valid Markdown
guideline after them. Each case runs `medcite ingest` in a subprocess with
`/usr/bin/time`-style accounting (`resource.getrusage(RUSAGE_CHILDREN)` per
fresh process) and reports wall time, peak RSS, the exit status and the reason
printed for the file, and whether the valid file was stored. Target (issue 9):
peak RSS bounded by the settings (`--max-expanded-size`, `--max-expansion-ratio`,
`max_document_chars`), not by the input: well under 1 GB for every case.
"""

from __future__ import annotations

import argparse
import gzip
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

GOOD = "---\ntitle: Good\nkind: guideline\n---\nStatins are recommended for adults with diabetes aged 40 to 75 years.\n"


def make_bomb(path: Path, gib: int) -> None:
    with gzip.open(path, "wb", compresslevel=9) as gz:
        gz.write(b"<PubmedArticleSet><!--")
        block = b"0" * 1024**2
        for _ in range(gib * 1024):
            gz.write(block)
        gz.write(b"--></PubmedArticleSet>")


def make_long_line(path: Path, mb: int) -> None:
    words = ("aspirin statin dose daily patients with diabetes risk " * 20).encode()
    with open(path, "wb") as f:
        written = 0
        while written < mb * 1024**2:
            f.write(words)
            written += len(words)
        f.write(b"\n")


def run_case(name: str, target: Path, good: Path, home: Path) -> dict[str, object]:
    code = (
        "import resource, subprocess, sys, time, json\n"
        "t = time.perf_counter()\n"
        "p = subprocess.run([sys.executable, '-m', 'medcite', 'ingest', '--home', sys.argv[1], sys.argv[2], sys.argv[3],"
        " '--format', 'json', '-q'], capture_output=True, text=True)\n"
        "r = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
        "print(json.dumps({'rc': p.returncode, 'seconds': time.perf_counter() - t, 'rss_mb': r.ru_maxrss / 1024,"
        " 'out': p.stdout}))\n"
    )
    res = subprocess.run([sys.executable, "-c", code, str(home), str(target), str(good)], capture_output=True,
                         text=True, check=True)
    d = json.loads(res.stdout)
    report = json.loads(d["out"]) if d["out"].strip().startswith("{") else {}
    problems = [p for p in report.get("problems", []) if target.name in p]
    return {
        "case": name, "size_mb": round(target.stat().st_size / 1024**2, 1), "seconds": round(d["seconds"], 1),
        "peak_rss_mb": round(d["rss_mb"]), "exit": d["rc"],
        "valid_file_stored": report.get("store", {}).get("documents", 0) >= 1,
        "reason": problems[0].split(": ", 1)[1][:110] if problems else "",
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--keep", type=Path, default=None)
    args = ap.parse_args()
    tmp = tempfile.TemporaryDirectory(prefix="medcite-bombs-") if args.keep is None else None
    root = args.keep or Path(tmp.name)  # type: ignore[union-attr]
    root.mkdir(parents=True, exist_ok=True)
    good = root / "z-good.md"
    good.write_text(GOOD, encoding="utf-8")
    cases = [("gzip bomb 1 GiB", root / "bomb1.xml.gz", lambda p: make_bomb(p, 1)),
             ("gzip bomb 3 GiB", root / "bomb3.xml.gz", lambda p: make_bomb(p, 3)),
             ("200 MB single line", root / "line.txt", lambda p: make_long_line(p, 200))]
    rows = []
    for name, path, make in cases:
        t0 = time.perf_counter()
        make(path)
        print(f"made {path.name} ({path.stat().st_size / 1024**2:.1f} MB) in {time.perf_counter() - t0:.0f} s",
              file=sys.stderr)
        rows.append(run_case(name, path, good, root / f"home-{path.stem}"))
        path.unlink()
    print("| case | file MB | seconds | peak RSS MB | exit | valid file stored | reason |")
    print("|---|---:|---:|---:|---:|---|---|")
    for r in rows:
        print(f"| {r['case']} | {r['size_mb']} | {r['seconds']} | {r['peak_rss_mb']} | {r['exit']} | "
              f"{r['valid_file_stored']} | {r['reason']} |")
    if tmp is not None:
        tmp.cleanup()


if __name__ == "__main__":
    main()
