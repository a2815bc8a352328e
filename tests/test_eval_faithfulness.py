"""Faithfulness checks on a real SQLite store with hand-built articles."""

from __future__ import annotations

from pathlib import Path

import pytest

from medcite.engine import Engine
from medcite.eval.faithfulness import (
    article_text,
    check_article,
    fact_found,
    keyfact_recall,
    lead_and_key_points,
)
from medcite.model import Article, ArticleSection, Quote, Reference, Statement
from medcite.settings import Settings
from medcite.store.db import document_hash
from medcite.text import DocumentBuilder

GUIDE = "Use duplex ultrasound to confirm varicose veins. Offer endothermal ablation for truncal reflux."
STUDY = "Outward flow in perforating veins above 500 ms was abnormal in this cohort."


@pytest.fixture()
def engine(tmp_path: Path) -> Engine:
    eng = Engine(Settings(home=tmp_path / "home"))
    docs = []
    for doc_id, kind, text in (("local:guide", "guideline", GUIDE), ("pmid:1", "research", STUDY)):
        b = DocumentBuilder()
        b.add("Recommendations", text)
        docs.append(b.build(id=doc_id, source_kind=kind, title=doc_id))
    with eng.store.transaction():
        for d in docs:
            eng.backend.add(eng.store.put_document(d, source_path="test", content_hash=document_hash(d)))
    return eng


def quote(engine: Engine, ref: int, doc_id: str, needle: str) -> Quote:
    text = engine.store.text(doc_id)
    start = text.index(needle)
    return Quote(ref=ref, doc_id=doc_id, quote=needle, start=start, end=start + len(needle))


def refs() -> list[Reference]:
    return [Reference(1, "local:guide", "Guide", "guideline"), Reference(2, "pmid:1", "Study", "research")]


def test_a_faithful_article_scores_one_everywhere(engine: Engine) -> None:
    st1 = Statement("Use duplex ultrasound to confirm varicose veins.", [1],
                    [quote(engine, 1, "local:guide", "Use duplex ultrasound to confirm varicose veins.")])
    st2 = Statement(STUDY, [2], [quote(engine, 2, "pmid:1", STUDY)])
    art = Article("q", "clinician", True, [
        ArticleSection("From the Guidelines", "guidelines", [st1]),
        ArticleSection("From the Research", "research", [st2]),
    ], refs())
    f = check_article(art, engine.store)
    assert f.rates() == {"cited_statements": 1.0, "citation_validity": 1.0, "citations_resolve": 1.0, "attribution": 1.0}
    assert f.problems == []


def test_wrong_offsets_uncited_dangling_and_misattributed_statements_are_caught(engine: Engine) -> None:
    good = quote(engine, 1, "local:guide", "Offer endothermal ablation for truncal reflux.")
    shifted = Quote(1, "local:guide", good.quote, good.start + 1, good.end + 1)
    art = Article("q", "clinician", True, [
        ArticleSection("From the Guidelines", "guidelines", [
            Statement(good.quote, [1], [shifted]),                         # quote not at its offsets
            Statement("An uncited claim.", [], []),                        # no citation
            Statement(STUDY, [2], [quote(engine, 2, "pmid:1", STUDY)]),    # research under guidelines
            Statement("Dangling.", [7], []),                               # citation without reference
        ], subsections=[ArticleSection("Diagnosis", "diagnosis", [
            Statement(STUDY, [2], [quote(engine, 2, "pmid:1", STUDY)]),    # nested: still guidelines
        ])]),
    ], refs())
    f = check_article(art, engine.store)
    assert (f.statements, f.cited) == (5, 4)
    assert (f.quotes, f.valid_quotes) == (3, 2)
    assert (f.citations, f.resolved_citations) == (4, 3)
    assert (f.attributed, f.correctly_attributed) == (3, 1)
    assert any("quote not at" in p for p in f.problems)


def test_quote_of_a_document_missing_from_the_store_is_invalid(engine: Engine) -> None:
    art = Article("q", "clinician", True, [ArticleSection("From the Research", "research", [
        Statement("x", [1], [Quote(1, "pmid:999", "x", 0, 1)])])], [Reference(1, "pmid:999", "?", "research")])
    f = check_article(art, engine.store)
    assert f.valid_quotes == 0 and f.quotes == 1


def test_lead_and_key_points_take_the_lead_and_key_points_only() -> None:
    art = Article("q", "clinician", True, [
        ArticleSection("From the Guidelines", "guidelines", [Statement("Lead one."), Statement("Lead two.")],
                       subsections=[ArticleSection("Diagnosis", "diagnosis", [Statement("Detail.")]),
                                    ArticleSection("Key Points", "key_points", [Statement("Point.")])]),
        ArticleSection("From the Research", "research", [Statement("Study.")]),
    ])
    assert lead_and_key_points(art) == "Lead one.\nLead two.\nPoint."
    assert article_text(art).split("\n") == ["Lead one.", "Lead two.", "Detail.", "Point.", "Study."]


def test_key_facts_match_whole_words_and_alternatives() -> None:
    assert fact_found(["500 ms"], "outward flow of >500 ms duration")
    assert not fact_found(["500 ms"], "flow of 1500 ms")
    assert fact_found(["2-4 biopsies"], "2\u20134 biopsies should be obtained")
    assert keyfact_recall([["duplex"], ["foam sclerotherapy"], ["compression"]], "Duplex scan; compression.") == pytest.approx(2 / 3)
    assert keyfact_recall([], "anything") == 0.0
