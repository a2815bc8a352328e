"""`medcite serve` keeps answering while `medcite ingest` writes to the same home (real processes, loopback)."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from medcite.cli import cli
from medcite.cli.corpus import demo_path

pytestmark = pytest.mark.skipif(not (demo_path() / "ngc").is_dir(), reason="the bundled demo corpus is missing")

GUIDE = "---\ntitle: Gout\nkind: guideline\n---\nAllopurinol is recommended as first-line urate-lowering therapy for gout.\n"


@pytest.mark.slow
def test_serve_answers_searches_and_asks_while_an_ingest_runs(tmp_path: Path) -> None:
    home = tmp_path / "home"
    src = tmp_path / "src"
    src.mkdir()
    (src / "gout.md").write_text(GUIDE, encoding="utf-8")
    assert CliRunner().invoke(cli, ["ingest", str(src), "--home", str(home)]).exit_code == 0
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen([sys.executable, "-m", "medcite", "serve", "--home", str(home), "--port", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    ingest = None
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(base + "/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"serve did not start: {server.stderr.read() if server.stderr else ''}")
                time.sleep(0.2)
        # A real ingest of the whole demo corpus (seconds of writing) into the served home.
        ingest = subprocess.Popen([sys.executable, "-m", "medcite", "ingest", "--demo", "--home", str(home), "-q"],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        statuses: list[int] = []
        with httpx.Client(base_url=base, timeout=30) as client:
            while ingest.poll() is None and len(statuses) < 400:
                statuses.append(client.get("/api/v1/search", params={"q": "allopurinol gout"}).status_code)
                statuses.append(client.post("/api/v1/ask", json={"question": "How is gout treated?"}).status_code)
        assert ingest.wait(timeout=300) == 0, ingest.stderr.read() if ingest.stderr else ""
        assert len(statuses) >= 4, "the ingest finished before the server was exercised"
        assert all(s in (200, 201) for s in statuses), sorted(set(statuses))
        after = httpx.get(base + "/api/v1/search", params={"q": "abdominal aortic aneurysm screening"}, timeout=30)
        assert after.status_code == 200 and after.json()  # the server sees what the ingest wrote
    finally:
        for p in (ingest, server):
            if p is not None and p.poll() is None:
                p.terminate()
                p.wait(timeout=30)


def test_workers_receive_the_ask_settings_the_server_was_started_with(tmp_path: Path) -> None:
    # The workers rebuild their settings from JSON: the ask settings (the semantic check's
    # share of the cores among them) must arrive, not the defaults.
    import dataclasses

    from medcite.cli.serve import _from_json, _to_json, _web_settings
    from medcite.settings import Settings

    s = Settings.resolve(tmp_path)
    s = dataclasses.replace(s, ask=dataclasses.replace(s.ask, encoder_threads=1, answer_threshold=0.61))
    ws = _from_json(_to_json(_web_settings(settings=s)))
    assert ws.settings.ask == s.ask and ws.settings.home == s.home
