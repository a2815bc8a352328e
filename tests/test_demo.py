"""The README's first command: `medcite demo` ingests the bundled corpus, answers, and serves."""

from __future__ import annotations

import os
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
from medcite.cli.demo import demo_question

pytestmark = pytest.mark.skipif(not (demo_path() / "ngc").is_dir(), reason="the bundled demo corpus is missing")


def test_demo_answers_the_demo_question_with_a_cited_guideline_article(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["demo", "--no-serve", "--home", str(tmp_path / "home")])
    assert result.exit_code == 0, result.output
    out = result.output
    assert f"# {demo_question()}" in out
    assert "## From the Guidelines" in out and "## References" in out
    assert "U.S. Preventive Services Task Force" in out  # the federal guideline that answers it
    assert "[1]" in out


def test_demo_serves_the_web_app_on_loopback(tmp_path: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "MEDCITE_HOME": str(tmp_path / "home")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "medcite", "demo", "--port", str(port)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                r = httpx.get(f"http://127.0.0.1:{port}/", timeout=2)
                break
            except httpx.TransportError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"medcite demo did not serve: {proc.stderr.read() if proc.stderr else ''}")
                time.sleep(0.3)
        assert r.status_code == 200 and "medcite" in r.text
    finally:
        proc.terminate()
        proc.wait(timeout=30)
