"""Retrieval and summary metrics, from maintained libraries where they exist.

* Ranking metrics (recall@k, reciprocal rank, average precision) come from
  ``ir_measures`` (MacAvaney et al., ECIR 2022, "Streamlining Evaluation with
  ir-measures"), which wraps ``pytrec_eval``/trec_eval, so the numbers are the
  ones TREC tooling prints.
* ROUGE-L and ROUGE-2 come from Google's ``rouge-score`` package.
* ROUGE-SU4 is not in ``rouge-score``; :func:`rouge_su` implements it after
  Lin (2004), "ROUGE: A Package for Automatic Evaluation of Summaries",
  section 5: skip-bigrams whose two words are at most ``max_gap`` words apart,
  plus unigrams, matched as clipped multiset counts. The settings mirror the
  ROUGE-1.5.5 options ``-2 4 -u`` that the BioASQ organisers use for Task B
  summaries (no begin-of-sentence marker: ROUGE-1.5.5 ``-u`` adds none).
  Tokens are produced by ``rouge-score``'s own tokenizer so ROUGE-2 and
  ROUGE-SU4 see exactly the same words.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

#: The ranking measures reported for every retrieval run.
RANKING_MEASURES = ("R@1", "R@5", "R@10", "RR", "AP")

Qrels = Mapping[str, Mapping[str, int]]
Run = Mapping[str, Mapping[str, float]]


def ranking_metrics(qrels: Qrels, run: Run, measures: Sequence[str] = RANKING_MEASURES) -> dict[str, float]:
    """Mean ranking metrics over the queries of ``qrels``.

    Queries in ``qrels`` that have no entry in ``run`` count as zero (trec_eval
    would silently drop them, which flatters a system that returns nothing).

    Parameters
    ----------
    qrels
        ``{qid: {doc_id: relevance}}``; relevance > 0 is relevant.
    run
        ``{qid: {doc_id: score}}``; higher scores rank first.
    measures
        Names ``ir_measures`` parses (``"R@10"``, ``"RR"``, ``"AP"``, ...).

    Returns
    -------
    dict
        ``{measure name: mean}`` with ``RR`` reported as ``MRR`` and ``AP`` as ``MAP``.

    >>> ranking_metrics({"q": {"d1": 1}}, {"q": {"d0": 2.0, "d1": 1.0}}, ("R@1", "RR"))
    {'R@1': 0.0, 'MRR': 0.5}
    """
    per = per_query_metrics(qrels, run, measures)
    n = max(len(per), 1)
    return {_label(m): sum(q.get(m, 0.0) for q in per.values()) / n for m in measures}


def per_query_metrics(qrels: Qrels, run: Run, measures: Sequence[str] = RANKING_MEASURES) -> dict[str, dict[str, float]]:
    """``{qid: {measure: value}}`` for every query of ``qrels`` (missing = 0)."""
    import ir_measures

    parsed = [ir_measures.parse_measure(m) for m in measures]
    names = {str(p): m for p, m in zip(parsed, measures, strict=True)}
    qrels_d = {q: {d: int(r) for d, r in docs.items()} for q, docs in qrels.items() if docs}
    run_d = {q: {d: float(s) for d, s in docs.items()} for q, docs in run.items() if q in qrels_d and docs}
    out: dict[str, dict[str, float]] = {q: dict.fromkeys(measures, 0.0) for q in qrels_d}
    if run_d:
        for m in ir_measures.iter_calc(parsed, qrels_d, run_d):
            out[m.query_id][names[str(m.measure)]] = float(m.value)
    return out


def _label(measure: str) -> str:
    return {"RR": "MRR", "AP": "MAP"}.get(measure, measure)


# ---------------------------------------------------------------------------
# ROUGE
# ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PRF:
    """Precision, recall and F1 of one comparison."""

    precision: float
    recall: float
    fmeasure: float


def _tokenizer(stem: bool) -> Any:
    from rouge_score import tokenizers

    return tokenizers.DefaultTokenizer(use_stemmer=stem)


def rouge_tokens(text: str, *, stem: bool = True) -> list[str]:
    """``rouge-score``'s tokens: lowercased alphanumeric words, Porter-stemmed when ``stem``."""
    return list(_tokenizer(stem).tokenize(text))


def _prf(hits: int, cand: int, ref: int) -> PRF:
    p = hits / cand if cand else 0.0
    r = hits / ref if ref else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return PRF(p, r, f)


def su_units(tokens: Sequence[str], max_gap: int = 4, *, unigrams: bool = True) -> Counter[tuple[str, ...]]:
    """The counting units of ROUGE-SU: skip-bigrams (and unigrams).

    A skip-bigram is an ordered pair of words ``(tokens[i], tokens[j])`` with
    ``i < j`` and at most ``max_gap`` words between them (``j - i - 1 <=
    max_gap``); ``max_gap < 0`` lifts the limit (Lin 2004's plain ROUGE-S).

    >>> sorted(su_units(["a", "b", "c"], max_gap=0, unigrams=False))
    [('a', 'b'), ('b', 'c')]
    """
    units: Counter[tuple[str, ...]] = Counter()
    n = len(tokens)
    for i in range(n):
        last = n - 1 if max_gap < 0 else min(n - 1, i + max_gap + 1)
        for j in range(i + 1, last + 1):
            units[(tokens[i], tokens[j])] += 1
    if unigrams:
        units.update((t,) for t in tokens)
    return units


def rouge_su(candidate: str, reference: str, *, max_gap: int = 4, stem: bool = True) -> PRF:
    """ROUGE-SU``max_gap`` of ``candidate`` against one ``reference`` (Lin 2004, section 5).

    Overlap is the clipped count ``sum(min(c_cand(u), c_ref(u)))`` over units
    ``u``; recall divides by the reference's unit count, precision by the
    candidate's, F is their harmonic mean (ROUGE-1.5.5's default alpha=0.5).

    >>> round(rouge_su("police kill the gunman", "police killed the gunman", stem=False).recall, 3)
    0.6
    """
    tok = _tokenizer(stem)
    c = su_units(tok.tokenize(candidate), max_gap)
    r = su_units(tok.tokenize(reference), max_gap)
    hits = sum(min(v, r[u]) for u, v in c.items())
    return _prf(hits, sum(c.values()), sum(r.values()))


def rouge(candidate: str, references: Iterable[str], types: Sequence[str] = ("rougeL",), *, stem: bool = True) -> dict[str, PRF]:
    """ROUGE of ``candidate`` against several references: the best reference per type.

    ``types`` may hold ``rouge-score`` names (``"rougeL"``, ``"rouge2"``,
    ``"rouge1"``) and ``"rougeSU4"``. With several references (BioASQ ideal
    answers) each type takes the reference with the highest F, as
    ``rouge-score``'s ``score_multi`` does, so all types agree on the rule.
    """
    from rouge_score import rouge_scorer

    refs = [r for r in references if r and r.strip()]
    out: dict[str, PRF] = {t: PRF(0.0, 0.0, 0.0) for t in types}
    if not refs or not candidate.strip():
        return out
    lib_types = [t for t in types if t != "rougeSU4"]
    if lib_types:
        scorer = rouge_scorer.RougeScorer(lib_types, use_stemmer=stem)
        best = scorer.score_multi(refs, candidate)
        for t in lib_types:
            s = best[t]
            out[t] = PRF(s.precision, s.recall, s.fmeasure)
    if "rougeSU4" in types:
        out["rougeSU4"] = max((rouge_su(candidate, r, stem=stem) for r in refs), key=lambda s: s.fmeasure)
    return out


def mean(values: Iterable[float]) -> float:
    vals = list(values)
    return sum(vals) / len(vals) if vals else 0.0
