"""Question analysis, evidence levels, selection helpers and threads (pure or real SQLite)."""

from __future__ import annotations

from pathlib import Path

import pytest

from medcite.answer import AUDIENCE_CHOICES, resolve_audience
from medcite.answer.analyse import analyse_question, corpus_synonyms, follow_up_qualifier, split_focus
from medcite.answer.levels import guideline_level, study_design
from medcite.answer.retrieve import Candidate
from medcite.answer.select import FocusTerms, classify, is_definition, jaccard, mmr, phrase_in, quality
from medcite.answer.synthesize import trim_connective
from medcite.answer.threads import ThreadNotFound, ThreadStore
from medcite.index.tokenize import tokenize


def test_sample_question_focus_synonyms_context() -> None:
    an = analyse_question("What is the meaning of venous insufficiency (venous reflux) in the lower extremities?")
    q = an.query
    assert q.focus == "venous insufficiency"
    assert "venous reflux" in q.synonyms
    assert q.is_definition and q.facets[0] == "definition"
    assert an.context == ["lower extremities"]
    assert q.qualifiers == []


@pytest.mark.parametrize(
    ("question", "focus", "facet"),
    [
        ("What causes varicose veins?", "varicose veins", "causes"),
        ("How is asthma treated in pregnancy?", "asthma", "treatment"),
        ("What are the symptoms of Parkinson disease?", "parkinson disease", "symptoms"),
        ("How is gout diagnosed?", "gout", "diagnosis"),
        ("What are the treatments for Glaucoma ?", "glaucoma", "treatment"),
        ("How can osteoporosis be prevented?", "osteoporosis", "prevention"),
    ],
)
def test_scaffolding_is_stripped(question: str, focus: str, facet: str) -> None:
    q = analyse_question(question).query
    assert q.focus == focus
    assert facet in q.facets


def test_population_is_a_required_qualifier() -> None:
    assert split_focus("How is asthma treated in pregnancy?")[2] == ["pregnancy"]


def test_follow_up_inherits_prior_focus() -> None:
    prior = analyse_question("How are varicose veins treated?").query
    assert follow_up_qualifier("what about in pregnancy?") == "pregnancy"
    q = analyse_question("what about in pregnancy?", prior=prior).query
    assert q.focus == "varicose veins" and q.qualifiers == ["pregnancy"]
    # Without a prior turn the same words are analysed on their own.
    assert analyse_question("what about in pregnancy?").query.focus != "varicose veins"


def test_corpus_synonyms_from_metadata() -> None:
    syn, rel = corpus_synonyms(
        ["venous insufficiency"],
        [("condition", ["Chronic venous insufficiency", "Venous leg ulcers (VLUs)", "Any condition requiring venous access"]),
         ("mesh", ["Humans", "Venous Insufficiency"])],
    )
    assert syn == ["chronic venous insufficiency"]
    assert rel == ["venous leg ulcers (vlus)"]


def test_audience_choices_map_to_audiences() -> None:
    assert AUDIENCE_CHOICES["caregiver"] == "patient"
    assert resolve_audience("Healthcare professional") == "clinician"
    assert resolve_audience("medical-student") == "clinician"
    with pytest.raises(ValueError, match="unknown audience"):
        resolve_audience("robot")


@pytest.mark.parametrize(
    ("types", "text", "design"),
    [
        (["Meta-Analysis", "Journal Article"], "", "Meta-analysis / systematic review"),
        (["Journal Article"], "Patients were randomly assigned to receive", "Randomized controlled trial"),
        ([], "A case-control study of 80 women.", "Case-control study"),
        (["Case Reports"], "", "Case series / case report"),
        (["Review"], "", "Narrative review"),
    ],
)
def test_study_design(types: list[str], text: str, design: str) -> None:
    assert study_design(types, text) == design


def test_guideline_level_is_as_printed() -> None:
    assert guideline_level("Grade - 1", "Level of Evidence - B") == "Grade - 1; Level of Evidence - B"
    assert guideline_level("Strong", None) == "Strong"


def test_phrase_proximity_not_bag_of_words() -> None:
    assert phrase_in(tokenize("deep venous reflux disease"), frozenset(tokenize("venous reflux")))
    far = tokenize("chronic kidney disease needs central venous access")
    assert not phrase_in(far, frozenset(tokenize("chronic venous disease")))


def test_classify_and_definition() -> None:
    terms = FocusTerms.build(["varicose veins"], [], [])
    assert is_definition("Varicose veins are swollen, twisted veins that you can see.", terms)
    assert not is_definition("Offer endothermal ablation for varicose veins.", terms)
    assert classify("Use duplex ultrasound to confirm the diagnosis of varicose veins.") == "diagnosis"
    assert classify("Offer endothermal ablation.") == "treatment"


def _cand(text: str, doc: str = "d", score: float = 1.0) -> Candidate:
    c = Candidate(doc_id=doc, source_kind="guideline", start=0, end=len(text), text=text, section_idx=0,
                  heading="", field="recommendation", grade=None, level=None, label=None, passage_score=1.0)
    c.tokens, c.score = set(tokenize(text)), score
    return c


def test_quality_drops_boilerplate_and_grade_lines() -> None:
    assert quality(_cand("Refer to the original guideline document for details of the evidence.")) == 0.0
    assert quality(_cand("[Grade - 2; Level of Evidence - C]")) == 0.0
    assert quality(_cand("Use duplex ultrasound to confirm the diagnosis of varicose veins.")) == 1.0


def test_mmr_removes_near_duplicates() -> None:
    a = _cand("The Committee recommends compression therapy to heal venous leg ulcers.", "a", 1.0)
    b = _cand("The Committee recommends compression therapy to heal venous leg ulcers quickly.", "b", 0.95)
    c = _cand("Use duplex ultrasound to confirm the diagnosis.", "c", 0.5)
    got = mmr([a, b, c], 3)
    assert a in got and c in got and b not in got
    assert jaccard(a.tokens, b.tokens) > 0.6


def test_trim_connective_keeps_exact_substring() -> None:
    src = "In addition, NICE recommends duplex."
    text, start = trim_connective(src, 100)
    assert text == "NICE recommends duplex." and src[start - 100:] == text


def test_threads_are_stored_in_sqlite(tmp_path: Path) -> None:
    path = tmp_path / "threads.sqlite"
    ts = ThreadStore(path)
    tid = ts.create()
    q = analyse_question("How are varicose veins treated?").query
    ts.append(tid, q, answerable=True)
    ts.close()
    again = ThreadStore(path)  # a new process sees the same thread
    got = again.last_query(tid)
    assert got is not None and got.focus == "varicose veins" and got.facets == q.facets
    with pytest.raises(ThreadNotFound):
        again.last_query("missing")
    again.close()
