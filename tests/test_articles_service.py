"""The article service over the real answer pipeline and a small real corpus slice.

Needs ../shared/corpora (skipped with a message when absent).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from medcite.articles import ArticleDB
from medcite.articles.content import diff_articles
from medcite.articles.service import ArticleService
from medcite.cli.corpus import run_ingest
from medcite.engine import Engine
from medcite.settings import Settings

CORPORA = Path(__file__).resolve().parents[2] / "shared" / "corpora"
NGC = CORPORA / "ngc_guideline_summaries" / "summaries"
pytestmark = pytest.mark.skipif(not (NGC / "ngc-10764.xml").exists(),
                                reason=f"needs the shared corpora at {CORPORA}")

Q = "What is the meaning of venous insufficiency (venous reflux) in the lower extremities?"


def service(engine: Engine, home: Path) -> ArticleService:
    return ArticleService(ArticleDB(home / "articles.sqlite"),
                          lambda q, a, t: engine.ask(q, audience=a, thread=t))


def test_stored_answer_regeneration_and_new_version_after_corpus_change(tmp_path: Path) -> None:
    engine = Engine(Settings(home=tmp_path))
    run_ingest(engine, [str(NGC / "ngc-10764.xml")], quiet=True)
    svc = service(engine, tmp_path)

    first = svc.ask(Q, "clinician", actor="t")
    assert first.outcome == "created" and first.variant.version == 1
    # Every stored quote is the exact stored text at its offsets.
    for sec in first.variant.content["sections"]:
        for st in sec["statements"] + [s for sub in sec["subsections"] for s in sub["statements"]]:
            for q in st["evidence"]:
                assert engine.store.text(q["doc_id"])[q["start"]:q["end"]] == q["quote"]

    again = svc.ask(Q.lower().rstrip("?"), "clinician", actor="t")
    assert again.outcome == "stored" and again.variant.id == first.variant.id

    same = svc.ask(Q, "clinician", actor="t", regenerate=True)
    assert same.outcome == "unchanged" and same.variant.version == 1

    # The corpus changes: regeneration now differs and becomes version 2, back at "submitted".
    svc.db.review(first.variant.id, "under_review", actor="rita")
    run_ingest(engine, [str(NGC / "ngc-9975.xml"),
                        str(CORPORA / "medquad" / "8_NHLBI_QA_XML" / "0000135.xml")], quiet=True)
    changed = svc.ask(Q, "clinician", actor="t", regenerate=True)
    assert changed.outcome == "new-version" and changed.variant.version == 2
    assert changed.variant.status == "submitted"
    assert any(d.op != "equal" for d in diff_articles(first.variant.content, changed.variant.content))
    assert [v.version for v in svc.db.versions(first.article.id)] == [1, 2]

    # The other audience is generated on demand for the current version and stored.
    patient = svc.variant(first.article, "patient", actor="t")
    assert patient.outcome == "variant" and patient.variant.version == 2
    assert patient.variant.content["audience"] == "patient"
    assert svc.variant(first.article, "patient", actor="t").outcome == "stored"


def test_follow_up_continues_the_thread(tmp_path: Path) -> None:
    engine = Engine(Settings(home=tmp_path))
    run_ingest(engine, [str(NGC / "ngc-10764.xml"), str(NGC / "ngc-9975.xml")], quiet=True)
    svc = service(engine, tmp_path)
    parent = svc.ask(Q, "clinician", actor="t")
    child = svc.follow_up(parent.article.slug, "How is it treated?", "clinician", actor="t")
    assert child.outcome == "created" and child.article.parent_id == parent.article.id
    assert child.article.slug != parent.article.slug
    # The same follow-up in the same thread is stored; as a top-level question it is a different article.
    assert svc.follow_up(parent.article.slug, "how is it treated", "clinician", actor="t").outcome == "stored"
    assert svc.lookup("How is it treated?", "clinician") is None
