"""Article quality rules of ``medcite ask`` (issue 3): leads, Key Points, facets, off-topic sources.

Pure-function tests build their inputs directly; the corpus tests reuse the
real shared-corpus slice of :mod:`test_answer_faithfulness` (nothing mocked).
"""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from pathlib import Path

import pytest

from medcite.answer.pipeline import answer
from medcite.answer.retrieve import Candidate
from medcite.answer.select import FocusTerms, classify, defines, main_action, quality, score_candidates
from medcite.engine import Engine
from medcite.model import Article, ArticleSection, Statement

# The shared-corpus slice and the faithfulness checker live in the sibling
# module; pytest runs with --import-mode=importlib, so load it by path.
_spec = importlib.util.spec_from_file_location(
    "_answer_faithfulness", Path(__file__).with_name("test_answer_faithfulness.py")
)
assert _spec is not None and _spec.loader is not None
_faith = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_faith)
SAMPLE_Q: str = _faith.SAMPLE_Q
assert_faithful = _faith.assert_faithful
walk = _faith.walk
venous = _faith.venous  # the module-scoped fixture, re-exported for this module

ABLATION = (
    "In a patient with skin changes at risk for venous leg ulcer (C4b) or healed venous ulcer (C5) and incompetent "
    "superficial veins that have reflux to the ulcer bed in addition to pathologic perforating veins (outward flow "
    "of >500 ms duration, with a diameter of >3.5 mm) located beneath or associated with the healed ulcer bed, the "
    "Committee suggests ablation of the incompetent superficial veins to prevent the development or recurrence of a "
    "venous leg ulcer."
)
TERMS = FocusTerms.build(["venous insufficiency", "venous reflux"], ["varicose veins"], [])


def cand(text: str, doc_id: str = "d1", kind: str = "guideline", **kw: object) -> Candidate:
    c = Candidate(doc_id, kind, 0, len(text), text, 0, str(kw.pop("heading", "")), str(kw.pop("field", "body")),  # type: ignore[arg-type]
                  None, None, kw.pop("label", None), float(kw.pop("passage_score", 1.0)))  # type: ignore[arg-type]
    return c


def test_facet_follows_the_recommended_action_not_a_quoted_threshold() -> None:
    assert main_action(ABLATION).startswith("ablation of the incompetent")
    assert classify(ABLATION) == "treatment"
    assert classify("Use duplex ultrasound to confirm the diagnosis of varicose veins.") == "diagnosis"
    assert classify("The Committee recommends compression therapy to increase ulcer healing.") == "treatment"


def test_defines_tells_the_focus_from_a_related_condition() -> None:
    assert defines("Venous reflux is the backward flow of blood in a vein.", TERMS) == "focus"
    assert defines("Varicose veins are swollen, twisted veins that you can see just under the skin.", TERMS) == "related"
    assert defines("Varicose veins are treated with lifestyle changes.", TERMS) == ""
    assert defines("Hemorrhoids are a type of varicose vein.", TERMS) == ""


@pytest.mark.parametrize("text", [
    "CT abdomen and pelvis with IV contrast | May Be Appropriate (Disagreement)",
    "Variant 1: Pulsatile abdominal mass, suspected abdominal aortic aneurysm.",
    "Type 2 diabetes mellitus (T2DM)",
])
def test_table_rows_and_bare_headings_are_not_statements(text: str) -> None:
    assert quality(cand(text)) == 0.0


def test_passing_mention_in_off_topic_document_is_minor_and_flagged() -> None:
    on = cand("Chronic venous insufficiency is common in adults with leg swelling and skin changes.", "on")
    passing = cand("Evaluate possible etiologies of leg ulcers to include venous insufficiency and perform "
                   "wound culture if infection is suspected.", "sickle")
    early = cand("Venous insufficiency is a frequent cause of leg ulcers in these patients.", "sickle2")
    got = score_candidates([on, passing, early], TERMS, ["definition"], {"on": 1.0}, is_definition_q=True)
    ids = {c.doc_id: c for c in got}
    assert "sickle" not in ids, "a mention deep inside a sentence of an off-topic document is dropped"
    assert ids["sickle2"].off_topic and not ids["on"].off_topic
    assert ids["sickle2"].score < 0.5 * ids["on"].score
    # Without any on-topic document of that kind, a passing mention is all there is: kept, not flagged.
    alone = score_candidates([cand(passing.text, "sickle")], TERMS, ["definition"], {}, is_definition_q=True)
    assert alone and not alone[0].off_topic


def _sections(art: Article, kind: str) -> list[ArticleSection]:
    return [s for s in art.sections if s.kind == kind]


def _kp(art: Article) -> list[Statement]:
    g = _sections(art, "guidelines")
    return [st for s in (g[0].subsections if g else []) if s.kind == "key_points" for st in s.statements]


@pytest.fixture(scope="module")
def sample(venous: Engine) -> Iterator[Article]:
    yield answer(venous, SAMPLE_Q)


@pytest.mark.shared
def test_off_topic_guideline_never_leads_nor_makes_a_key_point(sample: Article) -> None:
    refs = {r.n: r.doc_id for r in sample.references}
    g = _sections(sample, "guidelines")[0]
    for st in [*g.statements, *_kp(sample)]:
        assert all(refs[n] != "ngc:10532" for n in st.citations), st.text  # the sickle-cell guideline


@pytest.mark.shared
def test_key_points_are_short_distinct_and_repeat_at_most_the_direct_answer(sample: Article) -> None:
    g = _sections(sample, "guidelines")[0]
    kp = _kp(sample)
    assert kp
    lead = [st.text for st in g.statements]
    assert all(len(st.text.split()) <= 45 for st in kp), [st.text for st in kp]
    # Only the lead's first statement (the direct answer) may head the Key Points.
    repeated = [st.text for st in kp if st.text in lead]
    assert repeated in ([], [lead[0]]) and (not repeated or kp[0].text == lead[0])
    facets = [st.facet for st in kp[1:] if st.text not in lead]
    assert len(set(facets)) == len(facets), "one key point per facet (besides the direct answer)"
    assert "diagnosis" in facets


@pytest.mark.shared
def test_definition_lead_is_honest_when_no_guideline_defines_the_focus(venous: Engine, sample: Article) -> None:
    g = _sections(sample, "guidelines")[0]
    # No guideline of the slice defines venous insufficiency: the lead says so instead of opening
    # on a neighbouring definition (the SVS/AVF venous-ulcer definition).
    assert g.note and "defines venous insufficiency" in g.note
    assert not any("definition of venous ulcer" in st.text for st in g.statements)
    assert all(len(st.text.split()) <= 60 for st in g.statements)
    # The 500 ms perforator recommendation is an ablation (treatment) recommendation, still from ngc:10764.
    treat = [s for s in g.subsections if s.title == "Treatment"]
    ms = [st for st in walk(treat) for st in [st[1]] if "500 ms" in st.text]
    assert ms and all(q.doc_id == "ngc:10764" for st in ms for q in st.evidence)
    assert_faithful(venous, sample)


@pytest.mark.shared
def test_patient_information_leads_with_a_definition_from_a_page_about_the_condition(sample: Article) -> None:
    p = _sections(sample, "patient-info")
    assert p and p[0].statements
    first = p[0].statements[0]
    ref = next(r for r in sample.references if r.n == first.citations[0])
    assert "varicose" in ref.title.lower()
    assert first.facet == "definition" and first.text.startswith("Varicose veins are")


def test_no_templated_follow_ups_for_a_question_shaped_focus() -> None:
    from medcite.answer.followups import follow_ups
    from medcite.model import Query

    q = Query(question="x", focus="men aged 65 to 75 years who have ever smoked be screened for aaa")
    # The connection is never touched for such a focus, so none is needed.
    assert follow_ups(None, q, [], q.focus) == []  # type: ignore[arg-type]
