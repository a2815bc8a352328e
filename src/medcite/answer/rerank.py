"""Stage 3b, rerank: the ranker's best candidates reordered by what they mean, not only their words.

The first-stage ranker (:mod:`.rank`) sees words: coverage, BM25, cues. A
sentence that answers in other words ("apply the patch 4 hours before the
journey" for "how long before travel ...") loses to a list label that repeats
the question's words.
A second stage re-orders each sub-question's ``top`` best candidates by the
first stage's probability plus a weighted cosine between the sub-question and
the sentence in all-MiniLM-L6-v2's embedding space (the retrieve-then-rerank
cascade of Nogueira & Cho 2019, "Passage Re-ranking with BERT", with a
bi-encoder in place of their cross-encoder, which no registry package ships;
Reimers & Gurevych 2019, "Sentence-BERT"). ``medcite train-ranker`` fits the
weight pairwise on BioASQ, MedQuAD and PubMedQA and reports it with held-out
P@1; the configured weight (``AskSettings.rerank_cos``) and how it was chosen
are in ``docs/decisions.md``.

Only the order changes: probabilities stay the first stage's calibrated
ones, and answerability (:func:`.select.support`) is decided on the
first-stage order, so the abstention calibration does not move.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from medcite.answer.rank import Reranker, Scored
from medcite.answer.understand import Understanding

if TYPE_CHECKING:
    import numpy as np

    from medcite.answer.semantic import Encoder


def queries(u: Understanding, question: str) -> dict[int, list[str]]:
    """What each sub-question asks, as texts to embed (a sentence's cosine is its best over them): the
    message itself when it asks one thing, else the sub-question, also with the subject the sub-questions
    share prefixed; a follow-up's resolved subject is prefixed too ("is it inherited?" about X)."""
    out: dict[int, list[str]] = {}
    for i, sq in enumerate(u.sub_questions):
        # A piece read with its sentence's opening (pipeline.with_openings) is embedded with it too.
        piece = f"{sq.about}, {sq.text}" if sq.about else sq.text
        text = (u.read or question) if len(u.sub_questions) == 1 else piece
        out[i] = [text] + ([f"{' '.join(u.resolved_from)} {text}"] if u.resolved_from else [])
        if len(u.sub_questions) > 1 and u.shared:
            # "..., and can it come back?" does not say what "it" is: the shared subject is prefixed as a
            # follow-up's is (realistic dev recall 0.766 -> 0.772; the case's words too: back to 0.766).
            out[i].append(f"{' '.join(u.shared)} {text}")
    return out


class CachedEncoder:
    """An encoder that embeds each distinct text once per question (rerank and relevance share sentences)."""

    def __init__(self, encoder: Encoder) -> None:
        self._enc = encoder
        self._memo: dict[str, np.ndarray] = {}

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        import numpy as np

        new = [t for t in dict.fromkeys(texts) if t not in self._memo]
        if new:
            # One call: the encoder batches by length itself (semantic.MiniLM.encode).
            for t, v in zip(new, self._enc.encode(new), strict=True):
                self._memo[t] = v
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        return np.stack([self._memo[t] for t in texts])


def cosines(
    u: Understanding, question: str, scored: Sequence[Scored], top: int, encoder: Encoder,
    subs: Collection[int] | None = None, floor: float = 0.0,
) -> list[Scored]:
    """The ``top`` best candidates of each sub-question (of ``subs`` when given) with feature ``cos``: the
    best cosine between the sentence and what its sub-question asks (:func:`queries`).

    Candidates below ``floor`` times their sub-question's best probability are left out: the
    selection never shows them (``AskSettings.relative_floor``), whatever their order.
    """
    asked = queries(u, question)
    best: dict[int, float] = {}
    for s in scored:
        best[s.cand.sub] = max(best.get(s.cand.sub, 0.0), s.p)
    heads: list[Scored] = []
    seen: dict[int, int] = {}
    for s in scored:
        if subs is not None and s.cand.sub not in subs:
            continue
        if seen.get(s.cand.sub, 0) < top:
            seen[s.cand.sub] = seen.get(s.cand.sub, 0) + 1
            if s.p < floor * round(best[s.cand.sub], 4):  # as select rounds its best_p
                continue
            heads.append(s)
    if not heads:
        return []
    qtexts = list(dict.fromkeys(t for ts in asked.values() for t in ts))
    qv = encoder.encode(qtexts)
    sv = encoder.encode([s.cand.sentence.text for s in heads])
    row = {t: i for i, t in enumerate(qtexts)}
    sims = sv @ qv.T
    out = []
    for j, s in enumerate(heads):
        cos = max(float(sims[j, row[t]]) for t in asked[s.cand.sub])
        out.append(replace(s, features={**s.features, "cos": cos}))
    return out


def rerank(
    u: Understanding, question: str, scored: Sequence[Scored], model: Reranker, encoder: Encoder,
    subs: Collection[int] | None = None, floor: float = 0.0,
) -> list[Scored]:
    """``scored`` (best first) with each sub-question's ``model.top`` best re-ordered by ``model.key``.

    The re-ordered heads come first, sub-question by sub-question in their
    original interleaving; the rest keep their first-stage order. With ``subs``,
    only those sub-questions are re-ordered (the pipeline passes the covered ones:
    a sub-question the corpus does not cover shows no sentence, so ordering its
    candidates would cost encodings for nothing), and with ``floor`` only candidates the selection
    can show (see :func:`cosines`).
    """
    heads = cosines(u, question, scored, model.top, encoder, subs, floor)
    if not heads:
        return list(scored)
    by_sub: dict[int, list[Scored]] = {}
    for s in heads:
        by_sub.setdefault(s.cand.sub, []).append(s)
    for sub, ss in by_sub.items():
        by_sub[sub] = sorted(ss, key=lambda s: -model.key(s.p, s.features["cos"]))
    taken = {id(s.cand) for s in heads}
    nxt = dict.fromkeys(by_sub, 0)
    out: list[Scored] = []
    # Keep the interleaving of sub-questions (a slot of sub i stays a slot of sub i).
    for s in scored:
        if id(s.cand) in taken:
            i = s.cand.sub
            out.append(by_sub[i][nxt[i]])
            nxt[i] += 1
        else:
            out.append(s)
    return out
