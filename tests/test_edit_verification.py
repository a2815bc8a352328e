"""A reviewer's edit is checked against the quotes it cites; a failed check blocks approval
until a reason is recorded, and the article says what was edited and by whom (issue 10).

The web app in-process over a real store (a Markdown guideline written here) and a real article
database; the verifier uses the store as its vocabulary.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from medcite.articles import Accounts, ArticleDB
from medcite.settings import Settings
from medcite.web.app import create_app
from medcite.web.settings import WebSettings


@pytest.fixture()
def site(frostbite_home: Callable[..., Path]) -> tuple[TestClient, dict[str, str], dict[str, Any]]:
    home = frostbite_home(("rita", "reviewer"))
    acc = Accounts(ArticleDB(Settings(home=home).articles_path))
    client = TestClient(create_app(WebSettings(settings=Settings(home=home), ask_rate_per_minute=600, ask_burst=100)))
    article = client.post("/api/v1/ask", json={"question": "How should frostbite be rewarmed?"}).json()
    auth = {"Authorization": f"Bearer {acc.new_token('rita')}"}
    return client, auth, article


def locate(article: dict[str, Any], needle: str) -> tuple[str, int]:
    for i, sec in enumerate(article["sections"]):
        for j, st in enumerate(sec["statements"]):
            if needle in st["text"]:
                return str(i), j
        for k, sub in enumerate(sec["subsections"]):
            for j, st in enumerate(sub["statements"]):
                if needle in st["text"]:
                    return f"{i}.{k}", j
    raise AssertionError(f"no statement with {needle!r}")


def statement(article: dict[str, Any], where: tuple[str, int]) -> dict[str, Any]:
    node: dict[str, Any] = {"subsections": article["sections"]}
    for p in where[0].split("."):
        node = node["subsections"][int(p)]
    st: dict[str, Any] = node["statements"][where[1]]
    return st


def review(client: TestClient, auth: dict[str, str], slug: str, status: str) -> Any:
    return client.post(f"/api/v1/articles/{slug}/review", json={"status": status}, headers=auth)


def test_an_edit_that_changes_a_number_blocks_approval_until_a_reason_is_recorded(
        site: tuple[TestClient, dict[str, str], dict[str, Any]]) -> None:
    client, auth, article = site
    slug = article["slug"]
    where = locate(article, "37 to 39")
    assert review(client, auth, slug, "under_review").status_code == 200
    r = client.post(f"/api/v1/articles/{slug}/edits", headers=auth, json={
        "section": where[0], "statement": where[1],
        "text": "Rewarm frostbitten tissue in a water bath at 40 to 42 degrees Celsius."})
    assert r.status_code == 200, r.text
    st = statement(r.json(), where)
    assert st["edited"] and st["edited_by"] == "rita"
    assert st["verification"]["supported"] is False
    assert any(not c["ok"] and c["name"] == "numbers" for c in st["verification"]["checks"])
    blocked = review(client, auth, slug, "approved")
    assert blocked.status_code == 409 and "not supported by their quotes" in blocked.json()["error"]["message"]
    ok = client.post(f"/api/v1/articles/{slug}/accept", headers=auth, json={
        "section": where[0], "statement": where[1], "reason": "The 2024 update of this guideline raised the range."})
    assert ok.status_code == 200, ok.text
    assert review(client, auth, slug, "approved").status_code == 200
    audit = client.get(f"/api/v1/articles/{slug}/audit", headers=auth).json()["entries"]
    assert any(e["action"] == "accept-unverified-statement" and "2024 update" in e["after"]["reason"] for e in audit)
    page = client.get(f"/articles/{slug}").text
    assert 'id="provenance"' in page and "reworded by rita" in page and "2024 update" in page
    # The disclaimer no longer claims every statement is quoted.
    assert "every statement is quoted from the cited source" not in page
    assert "reworded by rita and checked against their quotes (1 did not pass" in page


def test_a_faithful_edit_passes_and_does_not_block(site: tuple[TestClient, dict[str, str], dict[str, Any]]) -> None:
    client, auth, article = site
    slug = article["slug"]
    where = locate(article, "37 to 39")
    review(client, auth, slug, "under_review")
    r = client.post(f"/api/v1/articles/{slug}/edits", headers=auth, json={
        "section": where[0], "statement": where[1],
        "text": "Frostbitten tissue should be rewarmed rapidly in a water bath at 37 to 39 degrees Celsius."})
    assert statement(r.json(), where)["verification"]["supported"] is True, statement(r.json(), where)
    assert review(client, auth, slug, "approved").status_code == 200


def test_the_review_page_shows_the_failed_check_and_takes_a_reason(
        site: tuple[TestClient, dict[str, str], dict[str, Any]]) -> None:
    client, _auth, article = site
    slug = article["slug"]
    where = locate(article, "37 to 39")
    login = client.get("/login")
    token = re.search(r'name="csrf" value="([^"]+)"', login.text)
    assert token
    client.post("/login", data={"csrf": token.group(1), "name": "rita", "password": "rita-password"})
    page = client.get(f"/articles/{slug}/review").text
    csrf = re.search(r'name="csrf" value="([^"]+)"', page)
    assert csrf
    r = client.post(f"/articles/{slug}/edit", data={"csrf": csrf.group(1), "section": where[0],
                                                    "statement": where[1],
                                                    "text": "Rewarming at 37 to 39 degrees Celsius is not advised."},
                    follow_redirects=True)
    assert r.status_code == 200
    assert "Not supported by its quotes" in r.text and 'action="/articles/' + slug + '/accept"' in r.text


def test_reviewers_delete_statements_and_add_source_sentences_word_for_word(
        site: tuple[TestClient, dict[str, str], dict[str, Any]]) -> None:
    client, auth, article = site
    slug = article["slug"]
    ref = article["references"][0]
    doc = client.get(f"/api/v1/documents/{ref['doc_id']}").json()
    snow = next(s for s in doc["sentences"] if "snow" in doc["text"][s["start"]:s["end"]])
    body = {"section": "0", "ref": ref["n"], "start": snow["start"], "end": snow["end"]}
    added = client.post(f"/api/v1/articles/{slug}/statements", headers=auth, json=body)
    assert added.status_code == 200, added.text
    new = added.json()["sections"][0]["statements"][-1]
    assert new["text"] == doc["text"][snow["start"]:snow["end"]] and new["citations"] == [ref["n"]]
    assert new["added"] and new["edited_by"] == "rita" and new["evidence"][0]["quote"] == new["text"]
    # Offsets that are not a sentence, or a source the article does not cite, are refused.
    bad = client.post(f"/api/v1/articles/{slug}/statements", headers=auth,
                      json={**body, "start": snow["start"] + 1})
    assert bad.status_code == 422
    assert client.post(f"/api/v1/articles/{slug}/statements", headers=auth,
                       json={**body, "ref": 99}).status_code == 422
    count = len(added.json()["sections"][0]["statements"])
    gone = client.post(f"/api/v1/articles/{slug}/statements/delete", headers=auth,
                       json={"section": "0", "statement": count - 1})
    assert gone.status_code == 200 and len(gone.json()["sections"][0]["statements"]) == count - 1
    edits = client.get(f"/api/v1/articles/{slug}/comments", headers=auth).json()["edits"]
    assert [e["before"] == "" for e in edits[-2:]] == [True, False]  # added, then deleted
    audit = [e["action"] for e in client.get(f"/api/v1/articles/{slug}/audit", headers=auth).json()["entries"]]
    assert "add-statement" in audit and "delete-statement" in audit
