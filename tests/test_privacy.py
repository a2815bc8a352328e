"""Questions are private to whoever asked them until an editor publishes them (issue 10).

The web app in-process over a real store built from a Markdown guideline
written here (no shared corpora needed) and a real article database; several
clients stand for several browsers (each keeps its own cookies).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from html import unescape
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from medcite.articles import Accounts, ArticleDB
from medcite.settings import Settings
from medcite.web.app import create_app
from medcite.web.settings import WebSettings

QUESTION = "How should frostbite be rewarmed?"
VIGNETTE = ("A 34-year-old climber was found after two nights at 6,000 m with hard, white, numb toes on both feet; "
            "core temperature 35.1 C, sodium 139 mmol/L, creatinine 88 umol/L. ") * 12 + QUESTION


@pytest.fixture()
def home(frostbite_home: Callable[..., Path]) -> Path:
    return frostbite_home(("rita", "reviewer"), ("rex", "reader"))


def browser(home: Path, **kw: int) -> TestClient:
    """A fresh client: its own cookies, like a separate browser."""
    opts = {"ask_rate_per_minute": 600, "ask_burst": 100, **kw}
    return TestClient(create_app(WebSettings(settings=Settings(home=home), **opts)))


def csrf(client: TestClient, path: str = "/") -> str:
    m = re.search(r'name="csrf" value="([^"]+)"', client.get(path).text)
    assert m, "no form on the page"
    return m.group(1)


def ask(client: TestClient, question: str) -> str:
    r = client.post("/ask", data={"csrf": csrf(client), "question": question, "who": "healthcare-professional"},
                    follow_redirects=False)
    assert r.status_code == 303, r.text[:500]
    return str(r.headers["location"]).rsplit("/", 1)[1]


def token(home: Path, name: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {Accounts(ArticleDB(Settings(home=home).articles_path)).new_token(name)}"}


def test_a_question_is_listed_only_for_its_asker(home: Path) -> None:
    ann, bob = browser(home), browser(home)
    slug = ask(ann, QUESTION)
    assert not any(w in slug for w in ("frostbite", "rewarm", "how"))  # the link carries no question text
    assert QUESTION in ann.get("/").text  # "Your questions"
    for client in (bob, browser(home)):
        assert QUESTION not in client.get("/").text
        assert QUESTION not in client.get("/library").text
        assert slug not in client.get("/api/v1/articles").text
    assert slug not in bob.get("/api/v1/articles", headers=token(home, "rex")).text  # a reader sees published only
    listed = bob.get("/api/v1/articles", headers=token(home, "rita")).json()["articles"]
    assert slug in [a["slug"] for a in listed]  # reviewers see everything, to review it
    # The private link is the way in: whoever holds it may read it.
    assert bob.get(f"/articles/{slug}").status_code == 200


def test_the_same_words_from_two_askers_are_two_articles_until_one_is_published(home: Path) -> None:
    ann, bob = browser(home), browser(home)
    a, b = ask(ann, QUESTION), ask(bob, QUESTION)
    assert a != b
    assert ask(ann, QUESTION.upper()) == a  # the asker's own stored answer
    rita = token(home, "rita")
    for status in ("under_review", "approved"):
        r = ann.post(f"/api/v1/articles/{a}/review", json={"status": status}, headers=rita)
        assert r.status_code == 200, r.text
    carl = browser(home)
    assert ask(carl, QUESTION) == a  # published: shared with everyone who asks it
    assert QUESTION in carl.get("/library").text and a in carl.get("/api/v1/articles").text
    assert ask(bob, QUESTION) == b  # Bob keeps his own


def test_follow_ups_of_others_are_not_shown_on_a_shared_article(home: Path) -> None:
    ann, bob = browser(home), browser(home)
    slug = ask(ann, QUESTION)
    r = bob.post(f"/articles/{slug}/follow-up", data={"csrf": csrf(bob, f"/articles/{slug}"),
                                                      "question": "Is rubbing with snow harmful?"},
                 follow_redirects=False)
    assert r.status_code == 303
    assert "Is rubbing with snow harmful?" in bob.get(f"/articles/{slug}").text
    assert "Is rubbing with snow harmful?" not in ann.get(f"/articles/{slug}").text


def test_articles_from_before_private_questions_need_publishing(home: Path) -> None:
    # An article stored without an owner (the CLI, or a database from before) has a guessable
    # history: it is not readable by link until approved.
    db = ArticleDB(Settings(home=home).articles_path)
    art, _var, _ = db.create("What is frostbite?", "clinician", {"question": "What is frostbite?", "sections": [],
                                                                   "references": []}, actor="cli")
    anon = browser(home)
    assert anon.get(f"/articles/{art.slug}").status_code == 404
    assert anon.get(f"/api/v1/articles/{art.slug}").status_code == 404
    assert anon.get(f"/api/v1/articles/{art.slug}", headers=token(home, "rita")).status_code == 200


def test_the_ask_box_takes_a_long_vignette_and_warns_about_identifying_details(home: Path) -> None:
    ann = browser(home)
    page = ann.get("/").text
    box = re.search(r"<textarea[^>]*id=\"question\"[^>]*>", page)
    assert box and 'maxlength="4000"' in box.group(0)
    assert "identify a patient" in page
    assert len(VIGNETTE) > 1000
    slug = ask(ann, VIGNETTE)
    art = ann.get(f"/api/v1/articles/{slug}").json()
    assert art["question"] == " ".join(VIGNETTE.split())  # not cut


def test_errors_of_the_ask_form_keep_the_typed_question(home: Path) -> None:
    ann = browser(home, ask_burst=1, ask_rate_per_minute=1)
    # An expired or foreign form (bad CSRF token): 403, and the question comes back in the box.
    r = ann.post("/ask", data={"csrf": "forged", "question": VIGNETTE})
    assert r.status_code == 403
    kept = re.search(r'<textarea[^>]*id="question"[^>]*>(.*?)</textarea>', r.text, re.S)
    assert kept and unescape(kept.group(1)) == VIGNETTE
    # The retry form works: it carries a fresh token.
    ask(ann, QUESTION)
    # Rate limited (burst of 1 spent): 429, question kept, with its fields.
    r = ann.post("/ask", data={"csrf": csrf(ann), "question": "Should snow be rubbed on frostbite?",
                               "who": "patient"})
    assert r.status_code == 429
    assert "Should snow be rubbed on frostbite?" in unescape(r.text) and 'name="who" value="patient"' in r.text


def test_the_csrf_cookie_is_sent_when_medcite_is_opened_from_another_site(home: Path) -> None:
    # SameSite=Strict cookies are withheld on a cross-site navigation; a new token was then issued
    # and every other open tab's form failed. Lax keeps the cookie on links, off cross-site POSTs.
    r = browser(home).get("/")
    cookie = next(v for k, v in r.headers.multi_items() if k == "set-cookie" and v.startswith("mc_csrf="))
    assert "samesite=lax" in cookie.lower()


def login(client: TestClient, name: str, password: str) -> int:
    r = client.post("/login", data={"csrf": csrf(client, "/login"), "name": name, "password": password},
                    follow_redirects=False)
    return r.status_code


def test_an_account_locks_after_failed_logins_from_any_address(home: Path) -> None:
    # Each attempt from another address: the per-address limit alone would never trigger.
    for i in range(5):
        c = TestClient(create_app(WebSettings(settings=Settings(home=home))), client=(f"192.0.2.{i + 1}", 4000))
        assert login(c, "rita", "wrong-password") == 401
    c = TestClient(create_app(WebSettings(settings=Settings(home=home))), client=("192.0.2.99", 4000))
    assert login(c, "rita", "rita-password") == 429  # locked, even with the right password
    # A name without an account locks the same way: the lock does not tell which names exist.
    for _ in range(5):
        login(c, "nobody-here", "x" * 8)
    assert login(c, "nobody-here", "x" * 8) == 429


def test_the_lock_backs_off_and_a_success_clears_it(home: Path) -> None:
    acc = Accounts(ArticleDB(Settings(home=home).articles_path))
    locks = [acc.record_login("rex", False, after=3, base_seconds=30, now=1000.0) for _ in range(6)]
    assert locks == [0, 0, 30, 60, 120, 240]
    assert acc.locked_for("rex", now=1000.0) == 240
    acc.record_login("rex", True, after=3, base_seconds=30, now=2000.0)
    assert acc.locked_for("rex", now=2000.0) == 0


def test_forwarded_for_counts_only_from_a_trusted_proxy(home: Path) -> None:
    n = iter(range(100))

    def asks(client: TestClient, who: str) -> int:
        # A new question each time: stored answers are free, only generating one is limited.
        r = client.post("/api/v1/ask", json={"question": f"Is rubbing with snow harmful, case {next(n)}?"},
                        headers={"X-Forwarded-For": who})
        return r.status_code

    opts = {"ask_rate_per_minute": 0.001, "ask_burst": 1}
    direct = TestClient(create_app(WebSettings(settings=Settings(home=home), **opts)), client=("198.51.100.7", 1))
    assert asks(direct, "203.0.113.1") in (200, 201)
    assert asks(direct, "203.0.113.2") == 429  # a spoofed header does not buy a new bucket
    proxied = TestClient(create_app(WebSettings(settings=Settings(home=home), forwarded_allow_ips=("10.0.0.0/8",),
                                                **opts)), client=("10.0.0.5", 1))
    assert asks(proxied, "203.0.113.1") in (200, 201)
    assert asks(proxied, "203.0.113.2") in (200, 201)  # behind the proxy: one bucket per real client
    assert asks(proxied, "203.0.113.2") == 429


def test_an_operator_can_open_the_library_on_a_trusted_intranet(home: Path) -> None:
    ann = browser(home)
    slug = ask(ann, QUESTION)
    open_ = TestClient(create_app(WebSettings(settings=Settings(home=home), open_library=True)))
    assert QUESTION in open_.get("/").text
    assert slug in [a["slug"] for a in open_.get("/api/v1/articles").json()["articles"]]
