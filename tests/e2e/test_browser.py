"""End to end in Debian's chromium (Playwright, headless) against a real `medcite serve` on loopback.

Ask a question, open a citation, switch the audience, ask a follow-up, log
in as a reviewer created with `medcite user add`, approve, see the banner go.
Set MEDCITE_UPDATE_SCREENSHOTS=1 to (re)write docs/screenshots/article-*.png.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

REPO = Path(__file__).resolve().parents[2]
CORPORA = Path(__file__).resolve().parents[3] / "shared" / "corpora"
CHROMIUM = Path("/usr/bin/chromium")
BANNER = "Educational purpose only • Exercise caution as content is pending human review"
VENOUS = "What is the meaning of venous insufficiency (venous reflux) in the lower extremities?"

pytestmark = [pytest.mark.browser, pytest.mark.slow]
playwright_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
if not CHROMIUM.exists():
    pytest.skip(f"{CHROMIUM} is missing (apt install chromium)", allow_module_level=True)


def medcite(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "medcite", *args], input=stdin, text=True, capture_output=True,
                          check=True, timeout=300)


def corpus_paths() -> list[str]:
    """The bundled demo corpus when present, else a slice of ../shared/corpora."""
    from medcite.cli.corpus import demo_path

    if demo_path().is_dir() and any(demo_path().iterdir()):
        return [str(demo_path())]
    ngc = CORPORA / "ngc_guideline_summaries" / "summaries"
    if not ngc.is_dir():
        pytest.skip(f"no demo corpus in the package and no shared corpora at {CORPORA}")
    return [str(ngc / "ngc-10764.xml"), str(ngc / "ngc-9975.xml"),
            str(CORPORA / "medquad" / "8_NHLBI_QA_XML" / "0000135.xml"),
            str(CORPORA / "medquad" / "4_MPlus_Health_Topics_QA" / "0000942.xml"),
            str(CORPORA / "medquad" / "4_MPlus_Health_Topics_QA" / "0000551.xml"),
            str(CORPORA / "pubmedqa" / "data" / "ori_pqal.json")]


def question() -> str:
    """The demo corpus's own question (what it answers well), else the venous sample question."""
    from medcite.cli.corpus import demo_path
    from medcite.cli.demo import demo_question

    return demo_question() if (demo_path() / "DEMO_QUESTION.txt").exists() else VENOUS


Q = question()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    home = tmp_path_factory.mktemp("e2e-home")
    medcite("ingest", "-q", "--home", str(home), *corpus_paths())
    medcite("user", "add", "rita", "--role", "reviewer", "--password-stdin", "--home", str(home),
            stdin="rita-password\n")
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "medcite", "serve", "--home", str(home), "--port", str(port),
                             "--workers", "1"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(150):
            if proc.poll() is not None:
                pytest.fail(f"medcite serve exited: {proc.stderr.read() if proc.stderr else ''}")
            try:
                if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        else:
            pytest.fail("medcite serve did not come up in 15 s")
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=15)


def test_ask_cite_personalise_follow_up_review(server: str, tmp_path: Path) -> None:
    shots = REPO / "docs" / "screenshots" if os.environ.get("MEDCITE_UPDATE_SCREENSHOTS") else tmp_path
    shots.mkdir(parents=True, exist_ok=True)
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM), headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"],
        )
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            errors: list[str] = []
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))

            # Ask.
            page.goto(server + "/")
            page.fill("#question", Q)
            page.select_option("#who", "healthcare-professional")
            page.click("form.ask-form button[type=submit]")
            page.wait_for_url("**/articles/**")
            article_url = page.url
            assert page.locator("h1.article-title").inner_text() == Q
            assert page.locator("#pending-banner").inner_text() == BANNER
            assert "Healthcare professional edition" in page.locator(".updated").inner_text()
            page.screenshot(path=str(shots / "article-clinician.png"), full_page=True)

            # Open a citation: the popover shows the exact quoted sentence and the document's metadata.
            cite = page.locator("a.cite[data-ev]").first
            ev_id = cite.get_attribute("data-ev")
            expected = page.locator(f"#{ev_id} blockquote").text_content()
            cite.click()
            pop = page.locator("#popover")
            pop.wait_for(state="visible")
            assert pop.locator("blockquote").text_content() == expected and expected
            assert pop.locator(".ev-title").inner_text()
            # ... and the quote is the stored document's text at the cited offsets.
            href = pop.locator(".ev-link a").get_attribute("href") or ""
            doc_page = browser.new_page()
            doc_page.goto(server + href)
            assert doc_page.locator("mark#quote").text_content() == expected
            doc_page.close()
            page.keyboard.press("Escape")
            assert pop.is_hidden()

            # Switch the audience: picking "Patient" re-renders the article for patients (JS submits the form).
            page.locator("input[name=who][value=patient]").check()
            page.wait_for_load_state("load")
            page.wait_for_function("document.querySelector('.updated').innerText.includes('Patient edition')")
            assert page.locator("input[name=who][value=patient]").is_checked()
            page.screenshot(path=str(shots / "article-patient.png"), full_page=True)

            # Follow-up.
            page.fill("#fq", "How is it treated?")
            page.click("#follow-up button[type=submit]")
            page.wait_for_function("document.querySelector('.breadcrumb') !== null")
            assert "Follow-up to" in page.locator(".breadcrumb").inner_text()
            assert page.locator("h1.article-title").inner_text() == "How is it treated?"

            # Log in as the reviewer, start the review, approve: the banner goes.
            page.goto(server + "/login?next=" + article_url.removeprefix(server))
            page.fill("input[name=name]", "rita")
            page.fill("input[name=password]", "rita-password")
            page.click("form.stack button[type=submit]")
            page.wait_for_url(article_url)
            page.click("#review-panel button[value=under_review]")
            page.wait_for_selector("#review-panel button[value=approved]")
            page.click("#review-panel button[value=approved]")
            page.wait_for_selector("#approved-by")
            assert page.locator("#pending-banner").count() == 0
            assert "Approved by rita" in page.locator("#approved-by").inner_text()
            assert not errors, errors
        finally:
            browser.close()
