"""Citations stay true when a cited source is edited, re-ingested or removed under a live article (issue 10).

A real store and article database in a temporary home, a Markdown guideline
written for the test, the real ``ask`` pipeline and ingest, and the web app
in-process. No shared corpora needed.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from html import unescape
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from medcite.articles import Accounts, ArticleDB
from medcite.cli.corpus import run_ingest
from medcite.engine import Engine
from medcite.settings import Settings
from medcite.web.app import create_app
from medcite.web.settings import WebSettings

GUIDELINE = (Path(__file__).resolve().parent / "fixtures" / "frostbite.md").read_text(encoding="utf-8")
QUESTION = "How should frostbite be rewarmed?"
REWARM = "Rapid rewarming of frostbitten tissue in a water bath at 37 to 39 degrees Celsius is recommended."


def ingest(home: Path) -> None:
    eng = Engine(Settings(home=home))
    run_ingest(eng, [str(home / "src")], quiet=True)
    eng.close()


@pytest.fixture()
def site(frostbite_home: Callable[..., Path]) -> tuple[Path, TestClient, dict[str, Any]]:
    home = frostbite_home(("rita", "reviewer"))
    client = TestClient(create_app(WebSettings(settings=Settings(home=home), ask_rate_per_minute=600, ask_burst=100)))
    r = client.post("/api/v1/ask", json={"question": QUESTION, "audience": "clinician"})
    assert r.status_code == 201, r.text
    article = r.json()
    assert REWARM in [q["quote"] for q in quotes(article)], "the test needs an article quoting the rewarming sentence"
    return home, client, article


def quotes(article: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for sec in article["sections"]:
        for st in sec["statements"] + [x for sub in sec["subsections"] for x in sub["statements"]]:
            out += st["evidence"]
    return out


def citation_links(html: str) -> list[str]:
    return sorted({unescape(h) for h in re.findall(r'href="(/documents/[^"]+)"', html) if "quote=" in h})


def marked(html: str) -> str | None:
    m = re.search(r'<mark id="quote">(.*?)</mark>', html, re.S)
    return unescape(m.group(1)) if m else None


def test_an_unchanged_reingest_raises_no_warning(site: tuple[Path, TestClient, dict[str, Any]]) -> None:
    home, client, article = site
    ingest(home)
    a = client.get(f"/api/v1/articles/{article['slug']}").json()
    assert a["sources_changed"] is False and {s["status"] for s in a["sources"]} == {"current"}
    page = client.get(f"/articles/{article['slug']}").text
    assert 'id="sources-changed"' not in page
    for link in citation_links(page):
        assert marked(client.get(link).text) is not None


def test_text_added_above_a_quote_is_flagged_and_the_highlight_follows_the_quote(
        site: tuple[Path, TestClient, dict[str, Any]]) -> None:
    home, client, article = site
    src = home / "src" / "frostbite.md"
    src.write_text(GUIDELINE.replace("# Field treatment\n\n", "# Field treatment\n\nFrostbite is common in climbers. "
                                     "Most cases involve the fingers and toes.\n\n"), encoding="utf-8")
    ingest(home)
    a = client.get(f"/api/v1/articles/{article['slug']}").json()
    assert a["sources_changed"] is True
    (state,) = a["sources"]
    assert state["status"] == "changed" and state["quotes_holding"] == 0 and state["quotes"] >= 1
    # The stored article is unchanged: same quotes, same offsets.
    assert quotes(a) == quotes(article)
    page = client.get(f"/articles/{article['slug']}").text
    assert 'id="sources-changed"' in page and "changed since this version was written" in page
    links = citation_links(page)
    assert links
    for link in links:
        doc = client.get(link).text
        # Every highlight shows exactly a quoted sentence, found where it is now, never the shifted offsets.
        assert marked(doc) in {q["quote"] for q in quotes(article)}, link
        assert "highlighted where it is now" in doc


def test_a_quoted_sentence_that_was_rewritten_is_not_highlighted(
        site: tuple[Path, TestClient, dict[str, Any]]) -> None:
    home, client, article = site
    src = home / "src" / "frostbite.md"
    src.write_text(GUIDELINE.replace("37 to 39 degrees", "40 to 42 degrees"), encoding="utf-8")
    ingest(home)
    a = client.get(f"/api/v1/articles/{article['slug']}").json()
    (state,) = a["sources"]
    assert state["status"] == "changed" and state["quotes_holding"] < state["quotes"]
    rewarm = next(q for q in quotes(article) if q["quote"] == REWARM)
    page = client.get(f"/articles/{article['slug']}").text
    link = next(x for x in citation_links(page) if f"start={rewarm['start']}&end={rewarm['end']}" in x)
    doc = client.get(link).text
    assert marked(doc) is None and "no longer in it" in doc
    assert "37 to 39" in page  # the article still shows what it quoted


def test_a_removed_source_keeps_the_quotes_and_says_so(site: tuple[Path, TestClient, dict[str, Any]]) -> None:
    home, client, article = site
    (home / "src" / "frostbite.md").unlink()
    ingest(home)  # prunes documents of vanished files (the default)
    a = client.get(f"/api/v1/articles/{article['slug']}").json()
    assert [s["status"] for s in a["sources"]] == ["removed"]
    page = client.get(f"/articles/{article['slug']}").text
    assert "removed from the library" in page and "37 to 39 degrees Celsius" in page
    r = client.get(citation_links(page)[0])
    assert r.status_code == 404 and "keep the text they quoted" in unescape(r.text)


def test_the_review_queue_marks_articles_whose_sources_changed(
        site: tuple[Path, TestClient, dict[str, Any]]) -> None:
    home, client, article = site
    login = client.get("/login")
    csrf = re.search(r'name="csrf" value="([^"]+)"', login.text)
    assert csrf
    r = client.post("/login", data={"csrf": csrf.group(1), "name": "rita", "password": "rita-password"},
                    follow_redirects=False)
    assert r.status_code in (302, 303), r.text
    assert "cited source changed" not in client.get("/review?status=submitted").text
    src = home / "src" / "frostbite.md"
    src.write_text(GUIDELINE.replace("should be avoided", "must be avoided"), encoding="utf-8")
    ingest(home)
    queue = client.get("/review?status=submitted").text
    assert "cited source changed" in queue
    review = client.get(f"/articles/{article['slug']}/review").text
    assert 'id="sources-changed"' in review


def test_regenerating_redraws_the_evidence(site: tuple[Path, TestClient, dict[str, Any]]) -> None:
    home, client, article = site
    src = home / "src" / "frostbite.md"
    src.write_text(GUIDELINE.replace("# Field treatment", "# Intro\n\nFrostbite is common in climbers.\n\n"
                                                          "# Field treatment"), encoding="utf-8")
    ingest(home)
    token = Accounts(ArticleDB(Settings(home=home).articles_path)).new_token("rita")
    r = client.post("/api/v1/ask", json={"question": QUESTION, "audience": "clinician", "regenerate": True,
                          "slug": article["slug"]},
                    headers={"Authorization": f"Bearer {token}"})
    assert r.status_code in (200, 201), r.text
    a = client.get(f"/api/v1/articles/{article['slug']}").json()
    assert a["version"] == 2 and a["sources_changed"] is False
    eng = Engine(Settings(home=home), must_exist=True)
    for q in quotes(a):
        assert eng.store.text(q["doc_id"])[q["start"]:q["end"]] == q["quote"]
    eng.close()
