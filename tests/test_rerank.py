"""The second stage (answer.rerank) on a real store and the real MiniLM encoder.

It may only re-order: the same candidates, the same calibrated probabilities,
the same answerability; within each sub-question's best it puts first the
sentence whose meaning is closest to what was asked.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import pytest

from medcite.answer.pipeline import Trace, run
from medcite.answer.rank import Reranker
from medcite.answer.rerank import CachedEncoder, cosines, queries, rerank
from medcite.answer.semantic import Encoder
from medcite.engine import Engine

DOCS = {
    "motion.md": """---
title: Motion sickness in travellers
kind: guideline
---
# Prevention

Anyone who gets motion sickness should sit in the front seat and look at the horizon.
Motion sickness is commonest in children aged 2 to 12 years, in pregnant women and in people with migraine.
""",
    "seasick.md": """---
title: Sea travel
kind: patient-info
---
# On board

Seasickness tablets should be taken one hour before the ferry leaves.
People who get seasick feel better on deck than in a cabin.
""",
}


@pytest.fixture(scope="module")
def engine(engine_of_docs: Callable[[dict[str, str]], Engine]) -> Engine:
    return engine_of_docs(DOCS)


class Recording:
    """The real encoder, with the texts of each call kept (one list per call)."""

    def __init__(self, real: Encoder) -> None:
        self.real = real
        self.calls: list[list[str]] = []

    @property
    def seen(self) -> set[str]:
        return {t for c in self.calls for t in c}

    def encode(self, texts):  # type: ignore[no-untyped-def]
        self.calls.append(list(texts))
        return self.real.encode(texts)


def _trace(engine: Engine, question: str, cos: float):  # type: ignore[no-untyped-def]
    settings = replace(engine.settings.ask, rerank_cos=cos)
    return run(engine.backend, engine.repository, question, audience="clinician", settings=settings,
               ranker=engine.ranker, encoder=engine.encoder)


def test_meaning_decides_the_order_of_the_best_candidates(engine: Engine) -> None:
    q = "who gets motion sickness?"
    tr = _trace(engine, q, 0.0)
    assert engine.encoder is not None
    heads = cosines(tr.understanding, q, tr.scored, 20, engine.encoder)
    by_meaning = max(heads, key=lambda s: s.features["cos"]).cand.sentence.text
    # Words put first the sentence that repeats "who gets motion sickness"; weighted by meaning
    # alone, the sentence saying who gets it comes first.
    assert tr.scored[0].cand.sentence.text != by_meaning
    out = rerank(tr.understanding, q, tr.scored, Reranker(20, 0.0, 1.0), engine.encoder)
    assert out[0].cand.sentence.text == by_meaning
    assert "children aged 2 to 12 years" in by_meaning


def test_rerank_only_reorders(engine: Engine) -> None:
    q = "who gets motion sickness and how is seasickness prevented?"
    tr = _trace(engine, q, 0.0)
    assert engine.encoder is not None
    out = rerank(tr.understanding, q, tr.scored, Reranker(1, 1.0, 5.0), engine.encoder)
    key = lambda s: (s.cand.sentence.doc_id, s.cand.sentence.idx, s.cand.sub)  # noqa: E731
    assert sorted(map(key, out)) == sorted(map(key, tr.scored))
    assert {key(s): s.p for s in out} == {key(s): s.p for s in tr.scored}
    # top 1: nothing can move.
    assert [key(s) for s in out] == [key(s) for s in tr.scored]


def test_answerability_does_not_depend_on_the_second_stage(engine: Engine) -> None:
    for q in ("who gets motion sickness?", "how is seasickness prevented?", "what causes gout?"):
        a, b = _trace(engine, q, 0.0).evidence, _trace(engine, q, 5.0).evidence
        assert a.answerable == b.answerable, q
        assert [s.support for s in a.sub_answers] == [s.support for s in b.sub_answers], q


def test_each_text_is_embedded_once_per_question(engine: Engine) -> None:
    assert engine.encoder is not None
    rec = Recording(engine.encoder)
    enc = CachedEncoder(rec)
    first = enc.encode(["a sentence", "another sentence", "a sentence"])
    again = enc.encode(["another sentence"])
    assert [len(c) for c in rec.calls] == [2]
    assert float(first[1] @ again[0]) == pytest.approx(1.0)


def test_each_sub_question_is_compared_with_its_shared_subject_too(engine: Engine) -> None:
    # "... and how is it prevented?": the second sub-question alone does not say what "it" is.
    q = "who gets motion sickness, and how is motion sickness prevented?"
    u = _trace(engine, q, 0.0).understanding
    assert len(u.sub_questions) == 2 and u.shared, u
    asked = queries(u, q)
    subject = " ".join(u.shared)
    for i, sq in enumerate(u.sub_questions):
        assert sq.text in asked[i]
        assert f"{subject} {sq.text}" in asked[i]


GOUT = """---
title: Gout in adults
kind: guideline
---
# Treatment

Gout attacks are treated with colchicine, an NSAID or a corticosteroid.
Colchicine is given at a low dose of 1.2 mg followed by 0.6 mg an hour later.
Allopurinol lowers urate and is started at 100 mg daily.
The allopurinol dose is raised every few weeks until the urate target is reached.
Febuxostat is an alternative when allopurinol is not tolerated.
Patients with gout should limit alcohol and sugary drinks.
A gout flare usually settles within one to two weeks.
"""


@pytest.fixture(scope="module")
def travel_and_gout(engine_of_docs: Callable[[dict[str, str]], Engine]) -> Engine:
    return engine_of_docs({**DOCS, "gout.md": GOUT})


def _recorded_run(engine: Engine, q: str, **ask: int) -> tuple[Trace, Recording]:
    """``q`` through the pipeline with the second stage on, recording every text the encoder embeds."""
    assert engine.encoder is not None
    rec = Recording(engine.encoder)
    settings = replace(engine.settings.ask, rerank_cos=0.5, **ask)
    tr = run(engine.backend, engine.repository, q, audience="clinician", settings=settings,
             ranker=engine.ranker, encoder=rec)
    return tr, rec


def test_a_sub_question_the_corpus_does_not_cover_costs_no_encodings(travel_and_gout: Engine) -> None:
    # Only covered sub-questions show sentences, so only their candidates are re-ordered (and
    # embedded); an uncovered one keeps the first-stage order.
    q = "how is seasickness prevented, and what dose of zorbifan is used for gout?"
    # Two heads per sub-question, and the relevance check on the two best overall (the covered one's).
    tr, rec = _recorded_run(travel_and_gout, q, rerank_top=2, semantic_top=2)
    real = rec.real
    covered = {sa.index for sa in tr.evidence.sub_answers if sa.covered}
    assert tr.evidence.answerable and len(tr.evidence.sub_answers) == 2 and covered == {0}, tr.evidence.sub_answers
    uncovered_heads = [s.cand.sentence.text for s in sorted((s for s in tr.scored if s.cand.sub == 1),
                                                             key=lambda s: -s.p)[:2]]
    assert not set(uncovered_heads) & rec.seen, uncovered_heads
    assert all("cos" not in s.features for s in tr.scored if s.cand.sub == 1)
    # Re-ordering every sub-question would have embedded them.
    every = cosines(tr.understanding, q, tr.scored, 2, real)
    assert set(uncovered_heads) <= {s.cand.sentence.text for s in every}


def test_a_candidate_the_selection_cannot_show_is_not_embedded(travel_and_gout: Engine) -> None:
    # select shows no sentence below relative_floor x its sub-question's best probability, so the
    # second stage does not embed such candidates; the article is the same either way.
    q = "how is seasickness prevented?"
    engine = travel_and_gout
    tr, rec = _recorded_run(engine, q, semantic_top=1)
    real = rec.real
    settings = replace(engine.settings.ask, rerank_cos=0.5, semantic_top=1)  # as _recorded_run ran it
    best = max(s.p for s in tr.scored)
    low = [s.cand.sentence.text for s in tr.scored if s.p < settings.relative_floor * best]
    assert low and not set(low) & rec.seen, low
    plain = run(engine.backend, engine.repository, q, audience="clinician",
                settings=replace(settings, relative_floor=0.0), ranker=engine.ranker, encoder=real)
    assert set(low) <= {s.cand.sentence.text for s in plain.scored if "cos" in s.features}
    shown = [(i.doc_id, i.start) for i in tr.evidence.items]
    assert shown and all(i.p >= settings.relative_floor * best for i in tr.evidence.items)
