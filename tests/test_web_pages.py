"""Server-rendered pages, CSRF, login, the review workflow in the browser flow, escaping, CLI safety.

In-process client over real SQLite files and a small real corpus (needs
../shared/corpora for the corpus parts; the renderer test does not).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from medcite.cli import cli
from medcite.model import Article, ArticleSection, Quote, Reference, Statement
from medcite.render.html import render_article_html
from medcite.settings import Settings
from medcite.web.app import create_app
from medcite.web.settings import WebSettings

CORPORA = Path(__file__).resolve().parents[2] / "shared" / "corpora"
needs_corpus = pytest.mark.skipif(not (CORPORA / "ngc_guideline_summaries").exists(),
                                  reason=f"needs the shared corpora at {CORPORA}")
Q = "What is the meaning of venous insufficiency (venous reflux) in the lower extremities?"
BANNER = "Educational purpose only • Exercise caution as content is pending human review"
@pytest.fixture(scope="module")
def home(web_home_factory: Callable[[str], Path]) -> Path:
    return web_home_factory("pages")


def csrf_of(html: str) -> str:
    m = re.search(r'name="csrf" value="([0-9a-f]+)"', html)
    assert m, "no CSRF token in the page"
    return m.group(1)


def new_client(home: Path) -> TestClient:
    return TestClient(create_app(WebSettings(settings=Settings(home=home), ask_rate_per_minute=600, ask_burst=100)),
                      follow_redirects=False)


def ask(c: TestClient, question: str, who: str = "healthcare-professional") -> str:
    token = csrf_of(c.get("/").text)
    r = c.post("/ask", data={"csrf": token, "question": question, "who": who})
    assert r.status_code == 303, r.text
    return str(r.headers["location"])


def login(c: TestClient, name: str, password: str) -> int:
    token = csrf_of(c.get("/login").text)
    return c.post("/login", data={"csrf": token, "name": name, "password": password, "next": "/"}).status_code


@needs_corpus
def test_forms_need_a_csrf_token(home: Path) -> None:
    c = new_client(home)
    home_page = c.get("/")
    assert home_page.status_code == 200 and "mc_csrf" in home_page.headers["set-cookie"]
    assert "HttpOnly" in home_page.headers["set-cookie"]
    assert c.post("/ask", data={"question": Q}).status_code == 422  # the field is required
    assert c.post("/ask", data={"question": Q, "csrf": "0" * 64}).status_code == 403
    other = new_client(home)  # another browser's token does not work with this browser's cookie
    assert c.post("/ask", data={"question": Q, "csrf": csrf_of(other.get("/").text)}).status_code == 403
    assert ask(c, Q).startswith("/articles/")


@needs_corpus
def test_article_page_layout_and_review_to_approval(home: Path) -> None:
    c = new_client(home)
    url = ask(c, Q)
    page = c.get(url).text
    assert f"<h1 class=\"article-title\">{Q}</h1>" in page
    assert BANNER in page and "Article Review Status" in page
    for step in ("Submitted", "Under Review", "Approved"):
        assert step in page
    assert "Last updated:" in page and 'href="/editorial-policy"' in page
    assert "Which best describes you?" in page and "Have a follow-up question?" in page
    assert "From the Guidelines" in page and 'class="cite"' in page and "References" in page
    assert "pubmed.ncbi.nlm.nih.gov" in page  # the SVS guideline cites PMIDs
    slug = url.rsplit("/", 1)[1]

    # Anonymous and reader accounts cannot review.
    token = csrf_of(page)
    assert c.post(f"/articles/{slug}/review", data={"csrf": token, "status": "under_review"}).status_code == 401
    assert login(c, "rex", "wrong-password") == 401
    assert login(c, "rex", "rex-password") == 303
    token = csrf_of(c.get(url).text)  # logging in changes the token
    assert c.post(f"/articles/{slug}/review", data={"csrf": token, "status": "under_review"}).status_code == 403
    assert c.get("/review").status_code == 403

    r = new_client(home)
    assert r.get("/review").status_code == 303  # anonymous: to the login page
    assert login(r, "rita", "rita-password") == 303
    assert "mc_session" in r.cookies
    queue = r.get("/review?status=submitted").text
    assert f"/articles/{slug}" in queue
    token = csrf_of(r.get(url).text)
    assert r.post(f"/articles/{slug}/review", data={"csrf": token, "status": "under_review"}).status_code == 303
    assert r.post(f"/articles/{slug}/review", data={"csrf": token, "status": "approved",
                                                    "comment": "ok"}).status_code == 303
    approved = c.get(url).text
    assert BANNER not in approved and "Approved by <strong>rita</strong>" in approved
    assert Q in r.get("/library").text and Q in r.get("/").text
    assert r.get("/library", params={"q": "zzzz"}).text.count("/articles/") == 0
    # Log out ends the session.
    assert r.post("/logout", data={"csrf": csrf_of(r.get("/").text)}).status_code == 303
    assert r.get("/review").status_code == 303


@needs_corpus
def test_audience_choice_is_kept_in_a_cookie(home: Path) -> None:
    c = new_client(home)
    url = ask(c, "What causes varicose veins?")
    assert "Healthcare professional edition" in c.get(url).text
    token = csrf_of(c.get(url).text)
    r = c.post("/preferences/audience", data={"csrf": token, "who": "caregiver", "next": url})
    assert r.status_code == 303 and r.headers["location"] == url and c.cookies.get("mc_who") == "caregiver"
    patient = c.get(url).text
    assert "Patient edition" in patient and 'value="caregiver" checked' in patient
    # Open redirects are refused.
    r = c.post("/preferences/audience", data={"csrf": token, "who": "patient", "next": "//evil.example"})
    assert r.headers["location"] == "/"


@needs_corpus
def test_follow_up_form(home: Path) -> None:
    c = new_client(home)
    url = ask(c, Q)
    token = csrf_of(c.get(url).text)
    r = c.post(f"{url}/follow-up", data={"csrf": token, "question": "What about compression stockings?"})
    assert r.status_code == 303
    child = c.get(r.headers["location"]).text
    assert "Follow-up to" in child and Q in child


@needs_corpus
def test_source_text_is_escaped_everywhere(home: Path) -> None:
    c = new_client(home)
    url = ask(c, "What is zebra fever?")
    page = c.get(url).text
    assert "<script>alert" not in page and "<img src=x" not in page and "<b>striped" not in page
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page or "&lt;script&gt;" in page
    assert 'href="javascript:' not in page
    doc = c.get("/documents/local:zebra", params={"start": 0, "end": 20}).text
    assert "<script>alert" not in doc and '<mark id="quote">Zebra fever is a rar</mark>' in doc
    assert c.get("/documents/local:zebra", params={"start": 5, "end": 100000}).status_code == 422
    assert c.get("/documents/no:such").status_code == 404


def test_render_article_html_escapes_all_source_text() -> None:
    evil = '<img src=x onerror="alert(1)">'
    art = Article(
        question=f"Q {evil}", audience="clinician", answerable=True,
        sections=[ArticleSection(title=f"T {evil}", kind="guidelines", statements=[
            Statement(text=f"S {evil}", citations=[1],
                      evidence=[Quote(ref=1, doc_id='x:"><script>', quote=f"E {evil}", start=0, end=5)])])],
        references=[Reference(n=1, doc_id='x:"><script>', title=f"R {evil}", source_kind="guideline",
                              url="javascript:alert(1)", pmid="123", developer=evil, evidence_level=evil)],
        disclaimer=f"D {evil}", follow_up_questions=[f"F {evil}"],
    )
    for html in (render_article_html(art), render_article_html(art, standalone=False)):
        assert "<img" not in html and "<script>" not in html and "javascript:" not in html
        assert "&lt;img src=x onerror=" in html
    assert "https://pubmed.ncbi.nlm.nih.gov/123/" in render_article_html(art)


@needs_corpus
def test_serve_refuses_a_public_address_without_an_admin(home: Path) -> None:
    runner = CliRunner()
    r = runner.invoke(cli, ["serve", "--host", "0.0.0.0", "--home", str(home)])
    assert r.exit_code != 0 and "medcite user add" in r.output and "--role admin" in r.output


def test_user_commands(tmp_path: Path) -> None:
    runner = CliRunner()
    home = str(tmp_path)
    r = runner.invoke(cli, ["user", "add", "ada", "--role", "admin", "--password-stdin", "--home", home],
                      input="a-long-password\n")
    assert r.exit_code == 0, r.output
    r = runner.invoke(cli, ["user", "add", "ada", "--role", "reader", "--password-stdin", "--home", home],
                      input="a-long-password\n")
    assert r.exit_code != 0 and "exists" in r.output
    assert "ada" in runner.invoke(cli, ["user", "list", "--home", home]).output
    tok = runner.invoke(cli, ["user", "token", "ada", "--home", home]).output.strip()
    assert tok.startswith("mct_")
    from medcite.articles import Accounts, ArticleDB

    assert Accounts(ArticleDB(Settings(home=tmp_path).articles_path)).user_for_token(tok).role == "admin"  # type: ignore[union-attr]
