"""The REST API in-process (fastapi.testclient) over real SQLite files and a small real corpus.

Needs ../shared/corpora (skipped with a message when absent).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from medcite.articles import Accounts, ArticleDB
from medcite.engine import Engine
from medcite.settings import Settings
from medcite.web.app import create_app
from medcite.web.settings import WebSettings

CORPORA = Path(__file__).resolve().parents[2] / "shared" / "corpora"
NGC = CORPORA / "ngc_guideline_summaries" / "summaries"
pytestmark = pytest.mark.skipif(not (NGC / "ngc-10764.xml").exists(),
                                reason=f"needs the shared corpora at {CORPORA}")

Q = "What is the meaning of venous insufficiency (venous reflux) in the lower extremities?"
@pytest.fixture(scope="module")
def home(web_home_factory: Callable[[str], Path]) -> Path:
    return web_home_factory("web")


def client_for(home: Path, **kw: Any) -> TestClient:
    return TestClient(create_app(WebSettings(settings=Settings(home=home), **kw)))


@pytest.fixture(scope="module")
def client(home: Path) -> TestClient:
    return client_for(home, ask_rate_per_minute=600, ask_burst=100)


@pytest.fixture(scope="module")
def tokens(home: Path) -> dict[str, str]:
    acc = Accounts(ArticleDB(Settings(home=home).articles_path))
    return {"rita": acc.new_token("rita"), "rex": acc.new_token("rex")}


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def assert_error(resp: Any, status: int, code: str) -> None:
    assert resp.status_code == status, resp.text
    body = resp.json()
    assert set(body) == {"error"} and body["error"]["status"] == status and body["error"]["code"] == code
    assert body["error"]["message"]


def test_ask_creates_then_returns_the_stored_article(client: TestClient, home: Path) -> None:
    r = client.post("/api/v1/ask", json={"question": Q, "audience": "clinician"})
    assert r.status_code == 201, r.text
    a = r.json()
    assert a["slug"] and a["url"] == f"/articles/{a['slug']}" and a["version"] == 1 and a["status"] == "submitted"
    assert a["question"] == Q and a["answerable"] is True and a["references"]
    engine = Engine(Settings(home=home), must_exist=True)
    quotes = [q for s in a["sections"] for st in s["statements"] + [x for sub in s["subsections"]
                                                                    for x in sub["statements"]]
              for q in st["evidence"]]
    assert quotes
    for q in quotes:
        assert engine.store.text(q["doc_id"])[q["start"]:q["end"]] == q["quote"]
    again = client.post("/api/v1/ask", json={"question": Q.upper(), "audience": "healthcare-professional"})
    assert again.status_code == 200 and again.json()["slug"] == a["slug"] and again.json()["outcome"] == "stored"
    got = client.get(f"/api/v1/articles/{a['slug']}")
    assert got.status_code == 200 and got.json()["sections"] == a["sections"]
    # Private until published: not listed to anonymous callers.
    listed = client.get("/api/v1/articles").json()["articles"]
    assert a["slug"] not in [x["slug"] for x in listed]


def test_audience_variant_and_versions(client: TestClient) -> None:
    slug = client.post("/api/v1/ask", json={"question": Q}).json()["slug"]
    p = client.get(f"/api/v1/articles/{slug}", params={"audience": "caregiver"})
    assert p.status_code == 200 and p.json()["audience"] == "patient" and p.json()["version"] == 1
    vs = client.get(f"/api/v1/articles/{slug}/versions").json()
    assert vs["current"] == 1 and {(v["version"], v["audience"]) for v in vs["versions"]} >= {
        (1, "clinician"), (1, "patient")}
    assert client.get(f"/api/v1/articles/{slug}/versions/1").json()["audience"] == "clinician"
    assert_error(client.get(f"/api/v1/articles/{slug}/versions/7"), 404, "not_found")


def test_errors_have_one_shape(client: TestClient) -> None:
    assert_error(client.get("/api/v1/articles/no-such-article"), 404, "not_found")
    assert_error(client.get("/api/v1/nothing-here"), 404, "not_found")
    assert_error(client.post("/api/v1/ask", json={"question": "x"}), 422, "validation_error")
    assert_error(client.post("/api/v1/ask", json={"question": "What is gout?", "audience": "dog"}), 422,
                 "validation_error")
    assert_error(client.post("/api/v1/ask", content=b"{not json", headers={"content-type": "application/json"}),
                 422, "validation_error")
    assert_error(client.post("/api/v1/ask", json={"question": "What is gout? " + "x" * 70_000}), 413,
                 "payload_too_large")
    assert_error(client.get("/api/v1/documents/pmid:0"), 404, "not_found")
    assert_error(client.get("/api/v1/search"), 422, "validation_error")


def test_rate_limit_on_generating_asks_only(home: Path) -> None:
    c = client_for(home, ask_rate_per_minute=0.001, ask_burst=2)
    first = c.post("/api/v1/ask", json={"question": "What is zebra fever?"})
    assert first.status_code in (200, 201)
    assert c.post("/api/v1/ask", json={"question": "How is zebra fever treated?"}).status_code in (200, 201)
    r = c.post("/api/v1/ask", json={"question": "What causes varicose veins?"})
    assert_error(r, 429, "rate_limited")
    assert int(r.headers["retry-after"]) >= 1
    # Stored answers cost nothing, so reading what exists still works.
    assert c.post("/api/v1/ask", json={"question": "what is zebra fever"}).status_code == 200


def test_review_needs_a_reviewer_token(client: TestClient, tokens: dict[str, str]) -> None:
    slug = client.post("/api/v1/ask", json={"question": "What are varicose veins?"}).json()["slug"]
    url = f"/api/v1/articles/{slug}/review"
    assert_error(client.post(url, json={"status": "under_review"}), 401, "unauthorized")
    assert_error(client.post(url, json={"status": "under_review"}, headers=auth("mct_wrong")), 401, "unauthorized")
    assert_error(client.post(url, json={"status": "under_review"}, headers=auth(tokens["rex"])), 403, "forbidden")
    assert_error(client.post(url, json={"status": "approved"}, headers=auth(tokens["rita"])), 409, "conflict")
    assert_error(client.post(url, json={"status": "published"}, headers=auth(tokens["rita"])), 422,
                 "validation_error")
    r = client.post(url, json={"status": "under_review", "comment": "Starting."}, headers=auth(tokens["rita"]))
    assert r.status_code == 200 and r.json()["status"] == "under_review"
    r = client.post(url, json={"status": "approved", "comment": "Quotes checked."}, headers=auth(tokens["rita"]))
    body = r.json()
    assert body["status"] == "approved" and body["reviewer"] == "rita" and body["approved_at"]
    art = client.get(f"/api/v1/articles/{slug}").json()
    assert art["status"] == "approved" and art["reviewer"] == "rita"
    assert slug in [a["slug"] for a in client.get("/api/v1/articles", params={"status": "approved"}).json()["articles"]]
    log = client.get(f"/api/v1/articles/{slug}/audit", headers=auth(tokens["rita"])).json()["entries"]
    assert [e["action"] for e in log][:2] == ["review", "review"]
    assert log[0]["before"] == {"status": "under_review"} and log[0]["after"]["status"] == "approved"
    assert_error(client.get(f"/api/v1/articles/{slug}/audit"), 401, "unauthorized")


def test_statement_edit_keeps_citations_valid(client: TestClient, tokens: dict[str, str]) -> None:
    a = client.post("/api/v1/ask", json={"question": "How are venous leg ulcers managed?"}).json()
    slug = a["slug"]
    st = a["sections"][0]["statements"][0]
    url = f"/api/v1/articles/{slug}/edits"
    bad = max(r["n"] for r in a["references"]) + 5
    assert_error(client.post(url, json={"section": "0", "statement": 0, "text": "x", "citations": [bad]},
                             headers=auth(tokens["rita"])), 422, "validation_error")
    assert_error(client.post(url, json={"section": "0", "statement": 0, "text": "Reworded."}), 401, "unauthorized")
    r = client.post(url, json={"section": "0", "statement": 0, "text": "Reworded by the board."},
                    headers=auth(tokens["rita"]))
    assert r.status_code == 200, r.text
    new = r.json()["sections"][0]["statements"][0]
    assert new["text"] == "Reworded by the board." and new["edited"] is True
    assert new["citations"] == st["citations"] and new["evidence"] == st["evidence"]
    c = client.post(f"/api/v1/articles/{slug}/comments", json={"body": "Check the grade.", "section": "0",
                                                                  "statement": 0}, headers=auth(tokens["rita"]))
    assert c.status_code == 201 and c.json()["author"] == "rita"
    hist = client.get(f"/api/v1/articles/{slug}/comments", headers=auth(tokens["rita"])).json()
    assert hist["edits"][0]["before"] == st["text"] and hist["comments"][0]["body"] == "Check the grade."


def test_follow_up(client: TestClient) -> None:
    slug = client.post("/api/v1/ask", json={"question": Q}).json()["slug"]
    r = client.post(f"/api/v1/articles/{slug}/follow-up", json={"question": "How is it treated?"})
    assert r.status_code == 201, r.text
    f = r.json()
    assert f["parent_slug"] == slug and f["slug"] != slug and f["question"] == "How is it treated?"
    again = client.post(f"/api/v1/articles/{slug}/follow-up", json={"question": "how is it treated"})
    assert again.status_code == 200 and again.json()["slug"] == f["slug"]
    assert_error(client.post("/api/v1/articles/nope/follow-up", json={"question": "And then?"}), 404, "not_found")


def test_regenerate_needs_a_reviewer(client: TestClient, tokens: dict[str, str]) -> None:
    slug = client.post("/api/v1/ask", json={"question": Q}).json()["slug"]
    body = {"question": Q, "regenerate": True, "slug": slug}
    assert_error(client.post("/api/v1/ask", json=body), 401, "unauthorized")
    assert_error(client.post("/api/v1/ask", json=body, headers=auth(tokens["rex"])), 403, "forbidden")
    r = client.post("/api/v1/ask", json=body, headers=auth(tokens["rita"]))
    assert r.status_code == 200 and r.json()["outcome"] == "unchanged" and r.json()["version"] == 1
    assert r.json()["slug"] == slug


def test_documents_search_and_openapi(client: TestClient) -> None:
    d = client.get("/api/v1/documents/ngc:10764").json()
    assert d["id"] == "ngc:10764" and d["source_kind"] == "guideline" and d["sentences"]
    s = d["sentences"][0]
    assert d["text"][s["start"]:s["end"]].strip()
    hits = client.get("/api/v1/search", params={"q": "duplex ultrasound reflux", "kind": "guideline", "k": 3})
    assert hits.status_code == 200
    assert 1 <= len(hits.json()["hits"]) <= 3 and all(h["source_kind"] == "guideline" for h in hits.json()["hits"])
    spec = client.get("/api/v1/openapi.json").json()
    assert {"/api/v1/ask", "/api/v1/articles/{slug}/review", "/api/v1/search"} <= set(spec["paths"])
    docs = client.get("/api/docs")
    assert docs.status_code == 200 and "/api/v1/ask" in docs.text and "cdn" not in docs.text.lower()


def test_security_headers(client: TestClient) -> None:
    for path in ("/", "/api/v1/articles", "/static/style.css", "/api/v1/articles/nope"):
        h = client.get(path).headers
        csp = h["content-security-policy"]
        assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
        assert h["x-content-type-options"] == "nosniff" and h["referrer-policy"]



def test_questions_without_a_word_are_refused_and_store_nothing(client: TestClient) -> None:
    for q in ("   ???   ", "....", "a ! ?"):
        r = client.post("/api/v1/ask", json={"question": q})
        assert r.status_code == 422, (q, r.status_code)
        assert r.json()["error"]["status"] == 422
    listed = client.get("/api/v1/articles").json()
    rows = listed["articles"] if isinstance(listed, dict) else listed
    assert all(any(ch.isalnum() for ch in a["question"]) for a in rows)


def test_a_chunked_body_over_the_limit_gets_413_and_a_small_one_is_read(client: TestClient) -> None:
    def chunks(n: int) -> Any:
        yield b'{"question": "What is gout? '
        for _ in range(n):
            yield b"x" * 1000
        yield b'"}'

    big = client.post("/api/v1/ask", content=chunks(100), headers={"content-type": "application/json"})
    assert_error(big, 413, "payload_too_large")
    small = client.post("/api/v1/ask", content=(c for c in [b'{"question": "What is gout?"}']),
                        headers={"content-type": "application/json"})
    assert small.status_code in (200, 201), small.text
