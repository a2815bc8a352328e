"""The opt-in LLM synthesizer's contract when the endpoint misbehaves, and its verification of what it keeps.

The pipeline, store and verifier are real (the frostbite guideline, ingested). The chat endpoint is
a remote service: "down" and "slow" are real sockets on loopback; a model's malformed or badly cited
output, which no real model produces on demand, comes from a plain transport function behind the
same interface as the real one. The real llama.cpp server is exercised in test_llm_server.py.
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from medcite.answer.generate import LLMSynthesizer
from medcite.answer.pipeline import answer
from medcite.engine import Engine
from medcite.llm import ChatClient
from medcite.render.json import article_to_dict
from medcite.settings import Settings

QUESTION = "How should frostbite be rewarmed?"


@pytest.fixture()
def engine(frostbite_home: Callable[..., Path]) -> Iterator[Engine]:
    eng = Engine(Settings(home=frostbite_home()), must_exist=True)
    yield eng
    eng.close()


def replying(sentences: object) -> Callable[..., Mapping[str, Any]]:
    """A transport whose model answers ``sentences`` (as JSON text, or raw text when a str)."""
    content = sentences if isinstance(sentences, str) else json.dumps({"sentences": sentences})

    def transport(url: str, payload: Mapping[str, Any], headers: Mapping[str, str], timeout: float) -> dict[str, Any]:
        assert payload["response_format"]["schema"]["required"] == ["sentences"]  # structured output asked for
        assert "[1]" in payload["messages"][1]["content"]  # numbered evidence
        return {"choices": [{"message": {"content": content}}]}

    return transport


def ask(engine: Engine, client: ChatClient) -> tuple[dict[str, Any], LLMSynthesizer]:
    synth = LLMSynthesizer(client, engine.verifier())
    return article_to_dict(answer(engine, QUESTION, synthesizer=synth)), synth


def generated(article: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for sec in article["sections"]:
        for sub in [sec, *sec["subsections"]]:
            out += [st for st in sub["statements"] if st.get("generated")]
    return out


def quotes(article: dict[str, Any]) -> list[str]:
    return [q["quote"] for sec in article["sections"] for sub in [sec, *sec["subsections"]]
            for st in sub["statements"] for q in st["evidence"]]


def test_supported_sentences_are_kept_and_unsupported_ones_dropped(engine: Engine) -> None:
    good = {"text": "Frostbitten tissue should be rewarmed rapidly in a water bath at 37 to 39 degrees Celsius.",
            "cites": [1], "section": "guidelines", "sub_question": 1}
    bad = {"text": "Rewarm frostbite in water at 45 degrees Celsius.", "cites": [1], "section": "guidelines",
           "sub_question": 1}
    a, _synth = ask(engine, ChatClient("http://model.invalid/v1", transport=replying([good, bad])))
    shown = generated(a)
    assert [s["text"] for s in shown] == [good["text"]]
    assert shown[0]["verification"]["supported"] and shown[0]["citations"]
    assert a["sections"][0]["title"] == "Summary"
    assert a["generation"]["generated"] == 2 and a["generation"]["kept"] == 1
    assert "45" in " ".join(r for d in a["generation"]["dropped"] for r in d["reasons"])
    # The quoted evidence is still there below the summary.
    assert any("37 to 39" in q for q in quotes(a))


@pytest.mark.parametrize(("reply", "why"), [
    ("Sure! Rewarm in warm water.", "did not return valid JSON"),
    ([{"text": "Rewarm at 37 to 39 degrees Celsius.", "cites": [99], "section": "guidelines", "sub_question": 1}],
     "does not exist"),
    ([{"text": "Rewarm at 37 to 39 degrees Celsius.", "cites": [], "section": "guidelines", "sub_question": 1}],
     "cites no evidence"),
])
def test_bad_model_output_falls_back_to_the_extractive_article(engine: Engine, reply: object, why: str) -> None:
    a, _synth = ask(engine, ChatClient("http://model.invalid/v1", transport=replying(reply)))
    assert generated(a) == [] and a["answerable"]
    assert any("37 to 39" in q for q in quotes(a))  # the extractive answer stands
    assert a["generation"]["fallback"]
    assert why in (a["generation"]["fallback"] + json.dumps(a["generation"]["dropped"]))


def test_a_dead_endpoint_gives_the_extractive_article_and_says_why(engine: Engine) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nothing listens there
    a, _ = ask(engine, ChatClient(f"http://127.0.0.1:{port}/v1", timeout=5))
    assert generated(a) == [] and any("37 to 39" in q for q in quotes(a))
    assert "cannot reach the language model" in a["generation"]["fallback"]
    assert any("unavailable" in n for n in a["notes"])


def test_a_slow_endpoint_times_out_instead_of_hanging(engine: Engine) -> None:
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    held: list[socket.socket] = []
    accepting = threading.Thread(target=lambda: held.append(server.accept()[0]), daemon=True)
    accepting.start()  # accepts the connection and never answers
    try:
        a, _ = ask(engine, ChatClient(f"http://127.0.0.1:{server.getsockname()[1]}/v1", timeout=1))
    finally:
        for c in held:
            c.close()
        server.close()
    assert "did not answer within 1 s" in a["generation"]["fallback"]
    assert any("37 to 39" in q for q in quotes(a))


def events(text: str) -> list[tuple[str, dict[str, Any]]]:
    out = []
    for block in text.split("\n\n"):
        lines = dict(line.split(": ", 1) for line in block.splitlines() if ": " in line and not line.startswith(":"))
        if "event" in lines:
            out.append((lines["event"], json.loads(lines["data"])))
    return out


def test_the_stream_reports_stages_then_the_article_even_when_the_model_is_down(
        frostbite_home: Callable[..., Path]) -> None:
    from dataclasses import replace

    from fastapi.testclient import TestClient

    from medcite.web.app import create_app
    from medcite.web.settings import WebSettings

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{s.getsockname()[1]}/v1"
    settings = Settings(home=frostbite_home())
    settings = replace(settings, llm=replace(settings.llm, url=dead, timeout=5))
    client = TestClient(create_app(WebSettings(settings=settings, ask_rate_per_minute=0.001, ask_burst=2)))
    r = client.post("/api/v1/ask/stream", json={"question": QUESTION, "synthesizer": "llm"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream")
    got = events(r.text)
    stages = [d["stage"] for k, d in got if k == "stage"]
    assert stages[:2] == ["searching", "composing"] and "writing" in stages
    kind, art = got[-1]
    assert kind == "article" and art["outcome"] == "created"
    stored = client.get(f"/api/v1/articles/{art['slug']}").json()
    assert "cannot reach the language model" in stored["generation"]["fallback"]
    # Asked again: the stored article at once, no stages.
    again = events(client.post("/api/v1/ask/stream", json={"question": QUESTION}).text)
    assert again == [("article", {"slug": art["slug"], "url": art["url"], "outcome": "stored"})]
    # Errors before the stream starts are plain JSON errors.
    client.post("/api/v1/ask/stream", json={"question": "Is snow rubbing harmful?"})
    limited = client.post("/api/v1/ask/stream", json={"question": "Is ibuprofen useful for frostbite?"})
    assert limited.status_code == 429 and limited.json()["error"]["code"] == "rate_limited"


def test_the_patient_edition_is_written_in_plain_language_and_verified_the_same_way(engine: Engine) -> None:
    seen: list[str] = []

    def transport(url: str, payload: Mapping[str, Any], headers: Mapping[str, str], timeout: float) -> dict[str, Any]:
        seen.append(payload["messages"][0]["content"])
        reply = {"sentences": [
            {"text": "Warm the frozen skin in water at 37 to 39 degrees Celsius.", "cites": [1], "section": "guidelines",
             "sub_question": 1},
            {"text": "Warm the frozen skin in water at 42 degrees Celsius.", "cites": [1], "section": "guidelines",
             "sub_question": 1}]}
        return {"choices": [{"message": {"content": json.dumps(reply)}}]}

    synth = LLMSynthesizer(ChatClient("http://model.invalid/v1", transport=transport), engine.verifier())
    a = article_to_dict(answer(engine, QUESTION, audience="patient", synthesizer=synth))
    assert "plain language" in seen[0]
    assert [s["text"] for s in generated(a)] == ["Warm the frozen skin in water at 37 to 39 degrees Celsius."]
