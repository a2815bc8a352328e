"""Load test: N concurrent clients for D seconds against a real `medcite serve` on loopback.

Mixes article reads (the HTML page and the JSON API) with asks: mostly
questions already stored (served from the article store) and a share of new
questions that run the answer pipeline. Prints throughput, p50/p95/p99 and
errors per request kind. Stops by itself.

    python bench/bench_load.py                      # builds a home from ../shared/corpora
    python bench/bench_load.py --home ~/medcite --clients 20 --duration 60 --workers 2
    python bench/bench_load.py --home ~/medcite --duration 600 --rss-every 10     # the soak (issue 9)

Memory: the RSS of the server's process tree (all workers) is sampled every
``--rss-every`` seconds, after warm-up, during the load and 20 s after it
(idle); the table ends with the soak verdict, target: RSS after the soak
within 1.5x of RSS after warm-up. Warm-up is ``--warm-up`` seconds (default
60) of the same request mix, so that every worker has opened its indexes and
filled its bounded caches before the baseline is taken: a baseline taken after
a few sequential asks measures one warm worker and one cold one (in session 2
that made a flat 451 -> 470 MB plateau read as a 1.88x "growth").

Targets on a 2-core machine: no errors, reads p95 < 100 ms, asks p95 < 2 s.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import random
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path

import httpx

CORPORA = Path(__file__).resolve().parents[2] / "shared" / "corpora"
#: The asker all bench clients share (see Conn.request).
OWNER = "mc_owner=bench-load-client"

SEED_QUESTIONS = [
    "What is the meaning of venous insufficiency (venous reflux) in the lower extremities?",
    "How are venous leg ulcers managed?",
    "What causes varicose veins?",
    "How are varicose veins treated?",
    "What are the symptoms of varicose veins?",
    "How is chronic venous disease diagnosed?",
    "When is compression therapy recommended for leg ulcers?",
    "What is superficial thrombophlebitis?",
]


def pct(xs: list[float], p: float) -> float:
    if not xs:
        return float("nan")
    xs = sorted(xs)
    k = min(len(xs) - 1, max(0, round(p / 100 * (len(xs) - 1))))
    return xs[k]


def build_home(home: Path) -> None:
    ngc = CORPORA / "ngc_guideline_summaries" / "summaries"
    paths = [str(ngc / "ngc-10764.xml"), str(ngc / "ngc-9975.xml"), str(CORPORA / "medquad" / "8_NHLBI_QA_XML"),
             str(CORPORA / "medquad" / "4_MPlus_Health_Topics_QA"), str(CORPORA / "pubmedqa" / "data" / "ori_pqal.json")]
    subprocess.run([sys.executable, "-m", "medcite", "ingest", "-q", "--home", str(home), *paths], check=True,
                   stdout=subprocess.DEVNULL)


def new_questions(home: Path, n: int) -> list[str]:
    """Questions the store can answer but nobody asked yet: patient-page titles.

    Questions a run before this one stored in the home's article store are left out: asked again they
    are article reads, and an earlier run against the same ``--home`` would otherwise turn this run's
    "ask-new" into fast "ask-stored" requests (session 10 saw p95 128 ms instead of 2.5 s that way).
    """
    conn = sqlite3.connect(home / "medcite.sqlite")
    titles = [r[0] for r in conn.execute(
        "SELECT DISTINCT title FROM documents WHERE source_kind = 'patient-info' ORDER BY title")]
    conn.close()
    asked: set[str] = set()
    articles = home / "articles.sqlite"
    if articles.exists():
        with contextlib.closing(sqlite3.connect(articles)) as a:
            asked = {" ".join(q.lower().split()) for (q,) in a.execute("SELECT question FROM articles")}
    qs = [f"What is {t.split('(')[0].strip()}?" for t in titles if 2 < len(t) < 80]
    return [q for q in dict.fromkeys(qs) if " ".join(q.lower().split()) not in asked][:n]


class Conn:
    """A minimal keep-alive HTTP/1.1 client on asyncio streams.

    The load generator shares the machine's two cores with the server, so it
    must be cheap; a general-purpose async client costs several times more CPU
    per request than the server under test.
    """

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(self, method: str, path: str, body: bytes = b"") -> int:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        # One owner cookie for every client: questions are private to their asker, and the
        # "stored" asks must find the articles the warm-up stored.
        head = (f"{method} {path} HTTP/1.1\r\nHost: {self.host}\r\nContent-Length: {len(body)}\r\n"
                f"Cookie: {OWNER}\r\n")
        if body:
            head += "Content-Type: application/json\r\n"
        self.writer.write(head.encode() + b"\r\n" + body)
        await self.writer.drain()
        raw = await self.reader.readuntil(b"\r\n\r\n")
        lines = raw.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        length = next((int(x.split(":", 1)[1]) for x in lines[1:] if x.lower().startswith("content-length:")), 0)
        await self.reader.readexactly(length)
        return status

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.writer = None


async def run(host: str, port: int, clients: int, duration: float, stored: list[str], fresh: list[str],
              slugs: list[str], ask_share: float, new_share: float) -> tuple[dict[str, list[float]], dict[str, int]]:
    lat: dict[str, list[float]] = defaultdict(list)
    errs: dict[str, int] = defaultdict(int)
    fresh_iter = iter(fresh)
    deadline = time.perf_counter() + duration

    async def client(i: int) -> None:
        rnd = random.Random(i)
        conn = Conn(host, port)
        while time.perf_counter() < deadline:
            r = rnd.random()
            body = b""
            if r < ask_share:
                q = next(fresh_iter, None) if rnd.random() < new_share else None
                kind, method, path = ("ask-new" if q else "ask-stored"), "POST", "/api/v1/ask"
                body = json.dumps({"question": q or rnd.choice(stored), "audience": "clinician"}).encode()
            elif r < ask_share + (1 - ask_share) / 2:
                kind, method, path = "read-html", "GET", f"/articles/{rnd.choice(slugs)}"
            else:
                kind, method, path = "read-api", "GET", f"/api/v1/articles/{rnd.choice(slugs)}"
            t0 = time.perf_counter()
            try:
                ok = await conn.request(method, path, body) < 400
            except (OSError, asyncio.IncompleteReadError, ValueError):
                ok = False
                await conn.close()
            lat[kind].append(time.perf_counter() - t0)
            if not ok:
                errs[kind] += 1
        await conn.close()

    await asyncio.gather(*(client(i) for i in range(clients)))
    return lat, errs


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--home", type=Path, default=None, help="An ingested home (default: build a slice in /tmp).")
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--duration", type=float, default=60.0)
    ap.add_argument("--workers", type=int, default=2, help="uvicorn worker processes")
    ap.add_argument("--ask-share", type=float, default=0.3, help="share of requests that are asks")
    ap.add_argument("--new-share", type=float, default=0.05, help="share of asks that are new questions")
    ap.add_argument("--warm-up", type=float, default=60.0,
                    help="seconds of the same load before the RSS baseline (0: only the seed asks)")
    ap.add_argument("--rss-every", type=float, default=10.0, help="seconds between RSS samples of the server")
    ap.add_argument("--rerank-top", type=int, default=None,
                    help="passed to `medcite serve --rerank-top` (default: the ask settings')")
    args = ap.parse_args()

    tmp = None
    home = args.home
    if home is None:
        tmp = tempfile.TemporaryDirectory(prefix="medcite-bench-")
        home = Path(tmp.name)
        print(f"building a home in {home} from {CORPORA} ...", file=sys.stderr)
        build_home(home)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    base = f"http://127.0.0.1:{port}"
    # The per-client ask limit is raised: every bench client shares one loopback address.
    proc = subprocess.Popen([sys.executable, "-m", "medcite", "serve", "--home", str(home), "--port", str(port),
                             "--workers", str(args.workers), "--ask-rate", "100000", "--ask-burst", "100000",
                             *(["--rerank-top", str(args.rerank_top)] if args.rerank_top is not None else [])],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(300):
            try:
                if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        # Warm-up: store the seed questions (these asks then hit the article store).
        slugs = []
        t0 = time.perf_counter()
        for q in SEED_QUESTIONS:
            r = httpx.post(base + "/api/v1/ask", json={"question": q, "audience": "clinician"}, timeout=60,
                           headers={"Cookie": OWNER})
            r.raise_for_status()
            slugs.append(r.json()["slug"])
        print(f"warm-up: {len(SEED_QUESTIONS)} questions stored in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
        fresh = new_questions(home, 400)
        random.Random(0).shuffle(fresh)
        if args.warm_up > 0:
            # New questions of the warm-up are not reused by the soak: they are stored articles after it.
            half = len(fresh) // 3
            warm_fresh, fresh = fresh[:half], fresh[half:]
            t0 = time.perf_counter()
            _, warm_errs = asyncio.run(run("127.0.0.1", port, args.clients, args.warm_up, SEED_QUESTIONS, warm_fresh,
                                           slugs, args.ask_share, args.new_share))
            print(f"warm-up load: {args.clients} clients for {time.perf_counter() - t0:.0f} s, "
                  f"{sum(warm_errs.values())} errors", file=sys.stderr)
        rss_warm = tree_rss(proc.pid)
        samples: list[tuple[float, float]] = []
        stop = threading.Event()

        def sample() -> None:
            t_start = time.perf_counter()
            while not stop.wait(args.rss_every):
                samples.append((time.perf_counter() - t_start, tree_rss(proc.pid)))

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        t0 = time.perf_counter()
        lat, errs = asyncio.run(run("127.0.0.1", port, args.clients, args.duration, SEED_QUESTIONS, fresh, slugs, args.ask_share,
                              args.new_share))
        wall = time.perf_counter() - t0
        stop.set()
        rss_end = tree_rss(proc.pid)
        time.sleep(20)
        rss_idle = tree_rss(proc.pid)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        if tmp is not None:
            tmp.cleanup()

    kinds = sorted(lat)
    print(f"\n{args.clients} clients, {wall:.0f} s, {args.workers} workers, {len(slugs)} stored articles")
    print(f"{'kind':<11} {'requests':>9} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'errors':>7}")
    total = 0
    for k in kinds:
        xs = [x * 1000 for x in lat[k]]
        total += len(xs)
        print(f"{k:<11} {len(xs):>9} {len(xs) / wall:>8.1f} {statistics.median(xs):>8.1f} {pct(xs, 95):>8.1f} "
              f"{pct(xs, 99):>8.1f} {errs[k]:>7}")
    print(f"{'all':<11} {total:>9} {total / wall:>8.1f}")
    print("\n| server RSS (all workers) | MB |")
    print("|---|---:|")
    print(f"| after warm-up | {rss_warm:.0f} |")
    for t, r in samples:
        print(f"| at {t:.0f} s | {r:.0f} |")
    print(f"| at the end of the load | {rss_end:.0f} |")
    print(f"| idle 20 s later | {rss_idle:.0f} |")
    ratio = rss_end / rss_warm if rss_warm else float("nan")
    print(f"\nsoak: end/warm-up = {ratio:.2f} (target <= 1.5), errors = {sum(errs.values())} (target 0)")


def tree_rss(pid: int) -> float:
    """Resident memory (MB) of a process and all its children (uvicorn's workers)."""
    import psutil

    try:
        p = psutil.Process(pid)
        procs = [p, *p.children(recursive=True)]
    except psutil.Error:
        return 0.0
    total = 0
    for q in procs:
        with contextlib.suppress(psutil.Error):
            total += q.memory_info().rss
    return total / 1024**2


if __name__ == "__main__":
    main()
