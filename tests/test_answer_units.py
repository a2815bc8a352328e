"""Small, corpus-free parts of the answer pipeline: audiences, evidence levels, composing, threads, queries."""

from __future__ import annotations

from pathlib import Path

import pytest

from medcite.answer import AUDIENCE_CHOICES, resolve_audience
from medcite.answer.compose import facet_of, trim_connective
from medcite.answer.followups import subject_name
from medcite.answer.levels import guideline_level, study_design
from medcite.answer.rank import ANSWER_CUES
from medcite.answer.threads import ThreadNotFound, ThreadStore
from medcite.index.base import ScoredId
from medcite.index.query import SearchQuery, WeightedTerm, cap_per_doc
from medcite.model import Query


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


def test_trim_connective_keeps_exact_substring() -> None:
    src = "In addition, NICE recommends duplex."
    text, start = trim_connective(src, 100)
    assert text == "NICE recommends duplex." and src[start - 100:] == text
    # A lower-case continuation is not a sentence start: nothing is trimmed.
    assert trim_connective("However, the valves fail.", 0) == ("However, the valves fail.", 0)


def test_facet_follows_the_asked_question_type() -> None:
    s = "Oral vancomycin 125 mg four times daily is recommended."
    assert facet_of(s, ["dose"]) == "dosing"
    assert facet_of(s, ["treatment"]) == "treatment"
    assert facet_of("Duplex ultrasound is the test of choice.", []) == "diagnosis"


@pytest.mark.parametrize("text", ["Offer a 5-day course of the antibiotic.", "Consider a 7- to 10-day course.",
                                  "Give it for 5 days.", "Repeat every 12-month interval."])
def test_a_duration_written_with_a_hyphen_answers_how_long(text: str) -> None:
    # "5-day course" is how guidelines write durations; the timing cue and the number feature see it.
    assert ANSWER_CUES["timing"].search(text)
    assert ANSWER_CUES["threshold"].search(text)
    assert facet_of(text, ["timing"]) == "treatment"  # durations are filed under treatment


def test_follow_up_subject_is_a_cited_documents_name() -> None:
    assert subject_name(["gout"], ["Gout", "Arthritis and gout in older adults"]) == "Gout"
    assert subject_name(["zzz"], ["Gout"]) is None


def test_threads_are_stored_in_sqlite(tmp_path: Path) -> None:
    path = tmp_path / "threads.sqlite"
    ts = ThreadStore(path)
    tid = ts.create()
    ts.append(tid, Query(question="What is Brody myopathy?", focus="brody myopathy"), answerable=True)
    ts.close()
    again = ThreadStore(path)  # a new process sees the same thread
    got = again.last_query(tid)
    assert got is not None and got.focus == "brody myopathy"
    with pytest.raises(ThreadNotFound):
        again.last_query("missing")
    again.close()


def test_search_query_merges_weights_and_caps_documents() -> None:
    q = SearchQuery(terms=(WeightedTerm("a", 0.5), WeightedTerm("a", 1.0), WeightedTerm("b", 0.0)))
    assert q.merged() == {"a": 1.0}
    hits = [ScoredId(1, "x", 3.0), ScoredId(2, "x", 2.0), ScoredId(3, "x", 1.5), ScoredId(4, "y", 1.0)]
    assert [h.passage_id for h in cap_per_doc(hits, 2, 10)] == [1, 2, 4]
    assert [h.passage_id for h in cap_per_doc(hits, None, 2)] == [1, 2]


def test_answer_stages_use_the_interfaces_not_sql() -> None:
    """Only the thread store (its own file) may touch SQLite; the stages go through ports.Search/Repository."""
    folder = Path(__file__).resolve().parents[1] / "src" / "medcite" / "answer"
    offenders = []
    for f in sorted(folder.glob("*.py")):
        if f.name == "threads.py":
            continue
        text = f.read_text(encoding="utf-8")
        for needle in ("import sqlite3", ".execute(", "passages_fts", " MATCH "):
            if needle in text:
                offenders.append(f"{f.name}: {needle}")
    assert offenders == []


def test_a_multi_word_long_form_covers_its_short_form_only_together() -> None:
    from medcite.answer.retrieve import QueryTerms

    long = ("chimer", "antigen", "receptor")
    qt = QueryTerms(own=("car", "oil"), shared=(), case=(), expansions={"car": (*long, "cart")}, cues=(),
                    population=(), groups={"car": (long,)})
    concept = qt.concepts()[0]
    assert concept[0] == "car"
    assert not qt.covers(concept, {"receptor", "oil"})  # one shared word is not the thing named
    assert qt.covers(concept, {"chimer", "antigen", "receptor"})
    assert qt.covers(concept, {"car"})
    assert qt.covers(concept, {"cart"})  # a one-word equivalent still counts alone


def test_a_short_form_counts_only_when_written_with_capitals() -> None:
    from medcite.answer.rank import _written_short

    assert _written_short("mc", "In patients with symptomatic MC, budesonide is recommended.")
    assert _written_short("eoe", "EoE is diagnosed by biopsy.")
    assert not _written_short("grade", "The grade of the evidence was low.")


def test_semantic_relevance_tells_a_word_match_from_a_meaning_match() -> None:
    from medcite.answer.semantic import MiniLM, relevance
    from medcite.settings import AskSettings

    enc = MiniLM()
    tau = AskSettings().semantic_min
    car = relevance(enc, ["how often should I change the oil in my car"],
                    ["Chimeric antigen receptor (CAR) T-cell therapy changes the patient's T cells."])
    frost = relevance(enc, ["How should frostbite be rewarmed?"],
                      ["Rapid rewarming of frostbitten tissue in a water bath at 37 to 39 degrees Celsius is recommended."])
    assert car < tau < frost, (car, frost)
    v = enc.encode(["a", "b c"])
    assert v.shape == (2, 384)
    assert abs(float((v * v).sum(axis=1)[0]) - 1.0) < 1e-4


def test_encoding_in_one_call_gives_each_text_its_own_vector_in_order() -> None:
    # MiniLM.encode sorts texts by length into batches and puts the vectors back: a text's vector
    # must not depend on the texts it was encoded with, nor come back in another text's place.
    from medcite.answer.semantic import BATCH, MiniLM

    enc = MiniLM()
    texts = [("word " * n).strip() + f" number {n}" for n in (30, 2, 17, 5, 40, 1, 9, 25, 3, 12, 60, 7)]
    assert len(texts) > BATCH
    together = enc.encode(texts)
    for i, t in enumerate(texts):
        alone = enc.encode([t])[0]
        assert float(together[i] @ alone) > 0.9999, t
    assert float(together[0] @ together[4]) < 0.9999  # different texts, different vectors
