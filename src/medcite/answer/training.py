"""``medcite train-ranker``: learn the sentence ranker's weights from the shared corpora.

Training examples are the pipeline's own candidates (stages 1-3 with the
current model's features) for questions whose answering sentences are known:

* BioASQ 6b: a candidate is positive when it overlaps a gold snippet of the
  question (same PMID, one text containing the other);
* MedQuAD: the question is a page's heading; positive are the sentences
  under that heading of that page;
* PubMedQA: positive are the abstract's CONCLUSIONS sentences; the rest of
  the same abstract is left out (it may answer too), other documents are
  negative;
* the *dev* split of medcite's realistic question set (``--no-dev`` leaves
  it out): positive are sentences of an expected source that state one of
  the question's key facts. These are the only examples with guideline
  positives and real users' phrasing; the *test* split is never read.

BioASQ, MedQuAD and PubMedQA questions whose gold documents are cited by
medcite's evaluation sets (``eval/data/*.jsonl``) are skipped.

The weights are learned *pairwise* (RankNet's objective with a linear
scorer; Burges et al. 2005, "Learning to rank using gradient descent"): a
logistic regression on the feature differences of a positive and a negative
candidate of the same question, since what the pipeline needs is the order
of one question's candidates, and features such as ``bm25_rel`` are relative
to that question. Each question weighs the same; up to ``MAX_NEGATIVES``
negatives per question are drawn with a fixed seed. The scores are then
turned into probabilities by Platt scaling (Platt 1999, "Probabilistic
outputs for support vector machines"): a one-dimensional logistic fit of
the labels on the score, so the shipped model stays ``sigmoid(bias + w·x)``.
Both fits are L2-regularised logistic regressions solved by Newton's method
(iteratively reweighted least squares; Hastie, Tibshirani & Friedman,
*Elements of Statistical Learning*, 2009, §4.4.1). Measured against the
pointwise fit of the same examples (session 4, docs/decisions.md): held-out
P@1 0.688 -> 0.709, and realistic dev key-fact recall 0.650 -> 0.674 with
the dev split left out of training. 20 % of the questions (by id hash) are
held out and scored: P@1 and MRR of the first positive, against the
BM25-only order of the same candidates.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from medcite.answer.pipeline import run
from medcite.answer.rank import FEATURES, Ranker, Reranker
from medcite.answer.rerank import queries
from medcite.answer.retrieve import Candidate
from medcite.engine import Engine
from medcite.eval import datasets as dsets

Progress = Callable[[str], None]
#: L2 penalty of the logistic regressions (per unit of question weight); 0.1 and 1.0 were
#: compared on the realistic dev split (1.0: key-fact recall 0.674 vs 0.657, dev left out of training).
L2 = 1.0
#: Negatives paired with each positive of a question (drawn with a fixed seed): a question has
#: 100-400 candidates, and all pairs would weigh long candidate lists' negatives needlessly.
MAX_NEGATIVES = 30


@dataclass(slots=True)
class Example:
    qid: str
    dataset: str
    x: list[float]
    y: int
    bm25: float
    #: For the second stage: the candidate's sub-question, its sentence and what that sub-question asks.
    sub: int = 0
    text: str = ""
    asked: tuple[str, ...] = ()


def _held_out(qid: str) -> bool:
    return int(hashlib.sha1(("ranker:" + qid).encode()).hexdigest(), 16) % 5 == 0


def _norm(s: str) -> str:
    return " ".join(s.lower().split())


def eval_documents() -> set[str]:
    """Documents named by medcite's own evaluation sets (never trained on)."""
    out: set[str] = set()
    folder = Path(str(resources.files("medcite.eval") / "data"))
    for f in folder.glob("*.jsonl"):
        for line in f.read_text(encoding="utf-8").splitlines():
            if line.strip():
                out.update(json.loads(line).get("source_docs", []))
    return out


def _labeller(name: str, q: dsets.EvalQuestion) -> Callable[[Candidate], int | None]:
    gold = set(q.gold_docs)
    if name == "bioasq":
        snips = [(f"bioasq:{s.pmid}", _norm(s.text)) for s in q.snippets]

        def bio(c: Candidate) -> int | None:
            t = _norm(c.sentence.text)
            return int(any(d == c.sentence.doc_id and (t in s or s in t) for d, s in snips))
        return bio
    if name == "medquad":
        heading = _norm(q.question)

        def mq(c: Candidate) -> int | None:
            return int(c.sentence.doc_id in gold and _norm(c.sentence.heading) == heading)
        return mq

    def pq(c: Candidate) -> int | None:
        if c.sentence.doc_id not in gold:
            return 0
        return 1 if (c.sentence.label or c.sentence.heading).upper().startswith("CONCLUSION") else None
    return pq


def _dev_examples(engine: Engine, data: Path) -> list[Example]:
    """Examples from the dev split of the realistic set (follow-ups asked after their thread)."""
    from medcite.eval.faithfulness import fact_found
    from medcite.eval.realistic import load_realistic

    _ds, rs = load_realistic(data)
    out: list[Example] = []
    for q in rs.questions:
        if rs.split[q.qid] != "dev":
            continue
        prior: tuple[str, ...] = ()
        for earlier in rs.thread.get(q.qid, []):
            t0 = run(engine.backend, engine.repository, earlier, audience=q.audience,  # type: ignore[arg-type]
                     settings=engine.settings.ask, ranker=engine.ranker, prior_topic=prior)
            u0 = t0.understanding
            prior = u0.topic or tuple(w for s in u0.sub_questions for w in s.words)
        tr = run(engine.backend, engine.repository, q.question, audience=q.audience,  # type: ignore[arg-type]
                 settings=engine.settings.ask, ranker=engine.ranker, prior_topic=prior)
        gold = set(q.gold_docs)
        asked = queries(tr.understanding, q.question)
        for s in tr.scored:
            y = int(s.cand.sentence.doc_id in gold and any(fact_found(f, s.cand.sentence.text) for f in q.facts))
            out.append(Example(q.qid, "realistic-dev", [s.features[f] for f in FEATURES], y, s.features["bm25_rel"],
                               s.cand.sub, s.cand.sentence.text, tuple(asked.get(s.cand.sub, ()))))
    return out


def build_examples(
    engine: Engine, data: Path, per_dataset: int, progress: Progress, *, dev: bool = True,
) -> list[Example]:
    """Candidates with features and labels for ``per_dataset`` questions of each training set."""
    skip = eval_documents()
    sets = {
        "bioasq": dsets.load_bioasq(data),
        "medquad": dsets.load_medquad(data),
        "pubmedqa": dsets.load_pubmedqa(data),
    }
    out: list[Example] = []
    for name, ds in sets.items():
        qs = [q for q in dsets.stable_order(ds.questions, "ranker") if not (set(q.gold_docs) & skip)][:per_dataset]
        t0 = time.perf_counter()
        for n, q in enumerate(qs, 1):
            tr = run(engine.backend, engine.repository, q.question, audience=q.audience  # type: ignore[arg-type]
                     if q.audience in ("clinician", "patient") else "clinician",
                     settings=engine.settings.ask, ranker=engine.ranker)
            label = _labeller(name, q)
            asked = queries(tr.understanding, q.question)
            for s in tr.scored:
                y = label(s.cand)
                if y is not None:
                    out.append(Example(q.qid, name, [s.features[f] for f in FEATURES], y, s.features["bm25_rel"],
                                       s.cand.sub, s.cand.sentence.text, tuple(asked.get(s.cand.sub, ()))))
            if n % 100 == 0:
                progress(f"{name}: {n}/{len(qs)} questions ({time.perf_counter() - t0:.0f} s)")
    if dev:
        out += _dev_examples(engine, data)
        progress("realistic dev split: done")
    return out


def _logistic(x: Any, y: Any, w: Any, reg: Any, iterations: int = 50) -> Any:
    """Weighted L2 logistic regression by Newton's method: the coefficients of ``x``'s columns."""
    import numpy as np

    beta = np.zeros(x.shape[1])
    for _ in range(iterations):
        p = 1.0 / (1.0 + np.exp(-np.clip(x @ beta, -30, 30)))
        grad = x.T @ (w * (p - y)) + reg * beta
        hess = (x * (w * p * (1 - p))[:, None]).T @ x + np.diag(reg)
        step = np.linalg.solve(hess, grad)
        beta -= step
        if float(np.abs(step).max()) < 1e-8:
            break
    return beta


def _by_question(examples: Sequence[Example]) -> dict[str, list[Example]]:
    out: dict[str, list[Example]] = {}
    for e in examples:
        out.setdefault(e.qid, []).append(e)
    return out


def fit(
    examples: Sequence[Example], l2: float = L2, *, max_negatives: int = MAX_NEGATIVES, seed: int = 0,
) -> tuple[list[float], float]:
    """Pairwise weights, then Platt scaling: ``(weights, bias)`` of a logistic model.

    Questions without both a positive and a negative add no pairs (they cannot
    tell candidates apart) but do count in the Platt fit.
    """
    import numpy as np

    rng = np.random.default_rng(seed)
    by_q = _by_question(examples)
    diffs: list[Any] = []
    weights: list[float] = []
    for es in by_q.values():
        pos = [np.array(e.x) for e in es if e.y]
        neg = [np.array(e.x) for e in es if not e.y]
        if not pos or not neg:
            continue
        picked = rng.choice(len(neg), min(max_negatives, len(neg)), replace=False)
        n = len(pos) * len(picked)
        for p in pos:
            for k in picked:
                diffs.append(p - neg[int(k)])
                weights.append(1.0 / n)
    if not diffs:
        raise ValueError("no question has both a positive and a negative candidate: nothing to learn from")
    d = np.array(diffs)
    # Both orders of each pair, so the model is antisymmetric without a bias term.
    x = np.vstack([d, -d])
    y = np.r_[np.ones(len(d)), np.zeros(len(d))]
    w = np.r_[weights, weights]
    direction = _logistic(x, y, w, np.full(d.shape[1], l2))
    # Platt scaling of the score on every example; each question weighs 1.
    counts = {q: len(es) for q, es in by_q.items()}
    s = np.array([float(np.dot(direction, e.x)) for e in examples])
    a, b = _logistic(np.c_[s, np.ones_like(s)], np.array([e.y for e in examples], dtype=float),
                     np.array([1.0 / counts[e.qid] for e in examples]), np.full(2, 1e-6))
    return [float(a * v) for v in direction], float(b)


def rerank_examples(
    examples: Sequence[Example], model: Ranker, encoder: Any, top: int, progress: Progress = print,
) -> list[Example]:
    """The second stage's examples: each sub-question's ``top`` best candidates under ``model``, with
    features ``[p, cosine(sub-question, sentence)]`` (:mod:`.rerank`)."""
    import numpy as np

    from medcite.answer.rerank import CachedEncoder

    groups: dict[tuple[str, int], list[tuple[float, Example]]] = {}
    for e in examples:
        groups.setdefault((e.qid, e.sub), []).append((model.probability(dict(zip(FEATURES, e.x, strict=True))), e))
    heads = [(p, e) for g in groups.values() for p, e in sorted(g, key=lambda t: -t[0])[:top]]
    texts = sorted({t for _, e in heads for t in (e.text, *e.asked)}, key=len)
    enc = CachedEncoder(encoder)  # the same length-sorted batches as at query time
    t0 = time.perf_counter()
    for i in range(0, len(texts), 6400):
        enc.encode(texts[i:i + 6400])
        progress(f"second stage: embedded {min(i + 6400, len(texts)):,}/{len(texts):,} texts "
                 f"({time.perf_counter() - t0:.0f} s)")
    out = []
    for p, e in heads:
        cos = max((float(np.dot(enc.encode([e.text])[0], enc.encode([a])[0])) for a in e.asked), default=0.0)
        out.append(Example(e.qid, e.dataset, [p, cos], e.y, e.bm25, e.sub, e.text, e.asked))
    return out


def ranking_scores(examples: Sequence[Example], key: Callable[[Example], float]) -> dict[str, float]:
    """P@1 and MRR of the first positive per question (questions with a positive only)."""
    by_q: dict[str, list[Example]] = {}
    for e in examples:
        by_q.setdefault(e.qid, []).append(e)
    p1: list[float] = []
    rr: list[float] = []
    for es in by_q.values():
        if not any(e.y for e in es):
            continue
        ranked = sorted(es, key=lambda e: -key(e))
        first = next(i for i, e in enumerate(ranked) if e.y)
        p1.append(float(first == 0))
        rr.append(1.0 / (first + 1))
    n = len(p1)
    return {"questions": float(n), "P@1": sum(p1) / n if n else 0.0, "MRR": sum(rr) / n if n else 0.0}


def train(
    engine: Engine, data: Path, out: Path, *, per_dataset: int = 400, dev: bool = True, progress: Progress = print,
    encoder: Any = None, rerank: Reranker | None = None,
) -> dict[str, Any]:
    """Build examples, fit, score the held-out questions, write the model to ``out``; return the report.

    With an ``encoder`` (:class:`.semantic.MiniLM`) and the configured second stage ``rerank``
    (:mod:`.rerank`), the report also gives the cosine weight a pairwise fit chooses and the
    held-out P@1 of the first stage, of that fit and of ``rerank``.
    """
    t0 = time.perf_counter()
    examples = build_examples(engine, data, per_dataset, progress, dev=dev)
    train_set = [e for e in examples if not _held_out(e.qid)]
    test_set = [e for e in examples if _held_out(e.qid)]
    progress(f"{len(examples):,} examples ({sum(e.y for e in examples):,} positive) from "
             f"{len({e.qid for e in examples}):,} questions; fitting")
    weights, bias = fit(train_set)
    model = Ranker(dict(zip(FEATURES, weights, strict=True)), bias)
    report: dict[str, Any] = {"held_out": {}}
    for name in ("bioasq", "medquad", "pubmedqa", "realistic-dev", "all"):
        es = [e for e in test_set if name in ("all", e.dataset)]
        report["held_out"][name] = {
            "ranker": ranking_scores(es, lambda e: model.probability(dict(zip(FEATURES, e.x, strict=True)))),
            "bm25 only": ranking_scores(es, lambda e: e.bm25),
        }
    if encoder is not None and rerank is not None:
        progress("second stage: embedding each sub-question's best candidates")
        heads = rerank_examples(examples, model, encoder, rerank.top, progress=progress)
        (w_p, w_cos), _bias = fit([e for e in heads if not _held_out(e.qid)])
        fitted = Reranker(rerank.top, 1.0, w_cos / w_p)
        held = [e for e in heads if _held_out(e.qid)]
        report["rerank"] = {"top": rerank.top, "fitted_cos": fitted.w_cos, "configured_cos": rerank.w_cos,
                            "held_out": {}}
        for name in ("bioasq", "medquad", "pubmedqa", "realistic-dev", "all"):
            es = [e for e in held if name in ("all", e.dataset)]
            report["rerank"]["held_out"][name] = {
                # Questions with a positive among their first stage's best: the order of those.
                "first stage": ranking_scores(es, lambda e: e.x[0]),
                "fitted": ranking_scores(es, lambda e: fitted.key(e.x[0], e.x[1])),
                "configured": ranking_scores(es, lambda e: rerank.key(e.x[0], e.x[1])),
            }
    report["examples"] = len(examples)
    report["seconds"] = round(time.perf_counter() - t0, 1)
    about = (f"trained pairwise by `medcite train-ranker` on {len({e.qid for e in train_set})} questions "
             f"({per_dataset} per set of BioASQ 6b, MedQuAD, PubMedQA with eval-set documents excluded"
             f"{', plus the realistic dev split' if dev else ''}; 80 % of each, by id hash); "
             f"held-out P@1 {report['held_out']['all']['ranker']['P@1']:.3f} vs BM25 "
             f"{report['held_out']['all']['bm25 only']['P@1']:.3f}")
    out.write_text(json.dumps({"about": about, "bias": round(bias, 5),
                               "weights": {k: round(v, 5) for k, v in model.weights.items()}}, indent=1) + "\n",
                   encoding="utf-8")
    return report
