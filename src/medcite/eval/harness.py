"""Build an evaluation corpus, run medcite and the baselines, score them.

Every evaluation runs medcite (through :class:`medcite.engine.Engine`) and
the baselines on the same questions over the same store, so each number in
a report has its anchor beside it. Retrieval is scored at document level
(passage hits aggregated to their document by best rank) with TREC run and
qrels files written next to the report for independent re-scoring.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from medcite.engine import Engine
from medcite.eval.baselines import BaselineHit, PlainBM25, first_snippets
from medcite.eval.datasets import Dataset, EvalQuestion
from medcite.eval.faithfulness import (
    Faithfulness,
    article_text,
    check_article,
    lead_and_key_points,
)
from medcite.eval.metrics import mean, ranking_metrics, rouge
from medcite.eval.runs import write_qrels, write_run
from medcite.ingest import Ingester
from medcite.model import Article, Passage
from medcite.settings import Settings

#: Passages fetched per query before aggregating to documents.
DEPTH = 100
#: Cutoffs of the recall@k curve in the plot.
CURVE_KS = (1, 2, 3, 5, 10, 20, 50)
#: Passages concatenated by the first-snippets answer baseline (issue 3).
SNIPPETS_N = 5

MEDCITE = "medcite"
BM25 = "bm25s (plain BM25)"
SNIPPETS = "first 5 BM25 snippets"

Progress = Callable[[str], None]


def _quiet(_msg: str) -> None:
    return None


@dataclass(slots=True)
class Table:
    """One results table: rows are systems, columns metrics (None = not applicable)."""

    title: str
    metrics: list[str]
    rows: dict[str, dict[str, float | None]] = field(default_factory=dict)
    n: int = 0


@dataclass(slots=True)
class DatasetResult:
    name: str
    questions: int
    total: int
    tables: list[Table] = field(default_factory=list)
    curves: dict[str, dict[int, float]] = field(default_factory=dict)
    #: Questions behind the curves (those with a gold document).
    curve_n: int = 0
    timings: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    files: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Corpus:
    """An opened evaluation store with its baseline index."""

    engine: Engine
    baseline: PlainBM25
    ingest_seconds: float
    baseline_seconds: float
    documents: int
    passages: int


def open_corpus(files: Sequence[Path], home: Path, progress: Progress = _quiet) -> Corpus:
    """Ingest ``files`` into the store at ``home`` (idempotent) and build the BM25 baseline."""
    engine = Engine(Settings(home=home))
    t0 = time.perf_counter()
    progress(f"ingesting {len(files)} path(s) into {home}")
    report = Ingester(engine.store, engine.backend, engine.settings.ingest).run(files)
    ingest_s = time.perf_counter() - t0
    for line in report.problems[:5]:
        progress(f"ingest problem: {line}")
    st = engine.store.stats()
    progress(f"store: {st['documents']:,} documents, {st['passages']:,} passages ({ingest_s:.1f} s)")
    t1 = time.perf_counter()
    baseline = PlainBM25(engine.store)
    base_s = time.perf_counter() - t1
    progress(f"baseline BM25 index built ({base_s:.1f} s)")
    return Corpus(engine, baseline, ingest_s, base_s, st["documents"], st["passages"])


# ---------------------------------------------------------------------------
# retrieval
# ---------------------------------------------------------------------------

Ranked = dict[str, list[Passage]]


def medcite_passages(engine: Engine, qs: Sequence[EvalQuestion], depth: int = DEPTH) -> Ranked:
    return {q.qid: [h.passage for h in engine.search(q.question, k=depth)] for q in qs}


def baseline_passages(baseline: PlainBM25, qs: Sequence[EvalQuestion], depth: int = DEPTH) -> tuple[Ranked, dict[str, list[BaselineHit]]]:
    hits = baseline.search_many([q.question for q in qs], k=depth)
    by_q = {q.qid: h for q, h in zip(qs, hits, strict=True)}
    return {qid: [h.passage for h in hs] for qid, hs in by_q.items()}, by_q


def doc_run(ranked: Ranked) -> dict[str, dict[str, float]]:
    """Documents in order of their best passage; scores are rank-derived so trec_eval keeps that order."""
    run: dict[str, dict[str, float]] = {}
    for qid, passages in ranked.items():
        docs = list(dict.fromkeys(p.doc_id for p in passages))
        run[qid] = {d: float(len(docs) - i) for i, d in enumerate(docs)}
    return run


def doc_qrels(qs: Sequence[EvalQuestion]) -> dict[str, dict[str, int]]:
    return {q.qid: dict.fromkeys(q.gold_docs, 1) for q in qs if q.gold_docs}


def recall_curve(qrels: dict[str, dict[str, int]], run: dict[str, dict[str, float]]) -> dict[int, float]:
    names = [f"R@{k}" for k in CURVE_KS]
    agg = ranking_metrics(qrels, run, names)
    return {k: agg[f"R@{k}"] for k in CURVE_KS}


def score_retrieval(
    name: str, qrels: dict[str, dict[str, int]], runs: dict[str, dict[str, dict[str, float]]],
    measures: Sequence[str], out: Path | None, result: DatasetResult, title: str, curve: bool = True,
) -> Table:
    """Score several systems' runs on one qrels; write the TREC files; add the curve."""
    table = Table(title, [m.replace("RR", "MRR").replace("AP", "MAP") if m in ("RR", "AP") else m for m in measures],
                  n=len(qrels))
    slug = title.split()[0].lower()
    if out is not None:
        write_qrels(out / f"{name}.{slug}.qrels", qrels)
        result.files.append(f"{name}.{slug}.qrels")
    for system, run in runs.items():
        table.rows[system] = dict(ranking_metrics(qrels, run, measures))
        if curve:
            result.curves[system] = recall_curve(qrels, run)
            result.curve_n = len(qrels)
        if out is not None:
            tag = system.split()[0]
            write_run(out / f"{name}.{slug}.{tag}.run", run, tag)
            result.files.append(f"{name}.{slug}.{tag}.run")
    return table


# ---------------------------------------------------------------------------
# answers
# ---------------------------------------------------------------------------


@dataclass(slots=True)
class Answers:
    """medcite articles for some questions, or why there are none."""

    articles: dict[str, Article] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    unavailable: str | None = None
    seconds: float = 0.0


def ask_all(engine: Engine, qs: Sequence[EvalQuestion], progress: Progress = _quiet) -> Answers:
    """``engine.ask`` for each question; a failing question is recorded, not fatal."""
    out = Answers()
    try:
        import medcite.answer.pipeline  # noqa: F401  (the answer pipeline is optional while it is built)
    except ImportError as exc:
        out.unavailable = f"medcite.answer.pipeline is not importable ({exc}); answer metrics skipped"
        progress(out.unavailable)
        return out
    t0 = time.perf_counter()
    for i, q in enumerate(qs, start=1):
        try:
            out.articles[q.qid] = engine.ask(q.question, audience=q.audience)  # type: ignore[arg-type]
        except Exception as exc:  # a crash on one question must not hide the others' scores
            out.errors.append(f"{q.qid}: {type(exc).__name__}: {exc}")
        if i % 20 == 0 or i == len(qs):
            progress(f"  asked {i}/{len(qs)} ({(time.perf_counter() - t0) / i:.2f} s/question)")
    out.seconds = time.perf_counter() - t0
    return out


def faithfulness_table(articles: dict[str, Article], engine: Engine, n_asked: int) -> tuple[Table, Faithfulness]:
    total = Faithfulness()
    for art in articles.values():
        if art.answerable:
            total.add(check_article(art, engine.store))
    rates = total.rates()
    answered = sum(a.answerable for a in articles.values())
    row: dict[str, float | None] = {
        "answerable": answered / n_asked if n_asked else None,
        "cited statements": rates["cited_statements"],
        "citation validity": rates["citation_validity"],
        "citations resolve": rates["citations_resolve"],
        "attribution": rates["attribution"],
    }
    table = Table("Faithfulness of medcite articles", list(row), {MEDCITE: row}, n=n_asked)
    return table, total


def _note_answers(ans: Answers, result: DatasetResult) -> None:
    if ans.unavailable:
        result.notes.append(ans.unavailable)
    if ans.errors:
        result.notes.append(f"{len(ans.errors)} question(s) failed in engine.ask; first: {ans.errors[0]}")
    result.timings["answers_s"] = round(ans.seconds, 1)
    if ans.articles:
        result.timings["s_per_article"] = round(ans.seconds / max(len(ans.articles) + len(ans.errors), 1), 3)


def answer_rouge(
    qs: Sequence[EvalQuestion], ans: Answers, base_hits: dict[str, list[BaselineHit]], types: Sequence[str],
    *, stat: str = "fmeasure",
) -> Table:
    """ROUGE of medcite's lead+key points and whole article vs the first-snippets baseline.

    Only questions medcite answered (an article exists) are scored, for all
    systems alike, so the rows compare the same questions.
    """
    scored = [q for q in qs if q.qid in ans.articles]
    sys_text: dict[str, Callable[[EvalQuestion], str]] = {
        f"{MEDCITE} (lead + key points)": lambda q: lead_and_key_points(ans.articles[q.qid]),
        f"{MEDCITE} (whole article)": lambda q: article_text(ans.articles[q.qid]),
        SNIPPETS: lambda q: first_snippets(base_hits.get(q.qid, []), SNIPPETS_N),
    }
    cols = [f"{t} {s}" for t in types for s in (("R", "F") if stat == "both" else ("F",))] + ["words"]
    table = Table(f"Answers: ROUGE against the reference ({len(scored)} questions)", cols, n=len(scored))
    for system, get in sys_text.items():
        vals: dict[str, list[float]] = {c: [] for c in cols}
        for q in scored:
            text = get(q)
            sc = rouge(text, q.references, types)
            for t in types:
                if stat == "both":
                    vals[f"{t} R"].append(sc[t].recall)
                vals[f"{t} F"].append(sc[t].fmeasure)
            vals["words"].append(float(len(text.split())))
        table.rows[system] = {c: (mean(v) if scored else None) for c, v in vals.items()}
    return table


def cited_docs(article: Article) -> set[str]:
    return {r.doc_id for r in article.references}


def timed(result: DatasetResult, key: str, t0: float) -> None:
    result.timings[key] = round(time.perf_counter() - t0, 1)


def corpus_timings(result: DatasetResult, corpus: Corpus) -> None:
    result.timings["ingest_s"] = round(corpus.ingest_seconds, 1)
    result.timings["baseline_index_s"] = round(corpus.baseline_seconds, 1)
    result.notes.append(f"store: {corpus.documents:,} documents, {corpus.passages:,} passages")


def dataset_header(ds: Dataset) -> DatasetResult:
    return DatasetResult(ds.name, len(ds.questions), ds.total, notes=list(ds.notes))

