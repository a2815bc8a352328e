"""One evaluation per dataset: retrieval, answers and faithfulness, medcite next to its baselines."""

from __future__ import annotations

import json
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from medcite.eval.baselines import BaselineHit, first_snippets
from medcite.eval.datasets import Dataset, EvalQuestion
from medcite.eval.faithfulness import article_text, fact_found, keyfact_recall, statements
from medcite.eval.harness import (
    BM25,
    MEDCITE,
    SNIPPETS,
    SNIPPETS_N,
    Corpus,
    DatasetResult,
    Progress,
    Ranked,
    Table,
    _note_answers,
    _quiet,
    answer_rouge,
    ask_all,
    baseline_passages,
    cited_docs,
    corpus_timings,
    dataset_header,
    doc_qrels,
    doc_run,
    faithfulness_table,
    medcite_passages,
    score_retrieval,
    timed,
)
from medcite.eval.metrics import mean
from medcite.eval.verdict import LABELS, accuracy_macro_f1, verdict
from medcite.model import Article
from medcite.text import clean

DOC_MEASURES = ("R@1", "R@5", "R@10", "RR")


def write_jsonl(path: Path, rows: Sequence[Mapping[str, Any]]) -> None:
    """Per-question details next to the report, for finding what to fix."""
    with open(path, "w", encoding="utf-8") as fh:
        for r in rows:
            fh.write(json.dumps(r, ensure_ascii=False) + "\n")


def _retrieve(
    corpus: Corpus, qs: Sequence[EvalQuestion], progress: Progress, result: DatasetResult,
) -> tuple[Ranked, Ranked, dict[str, list[BaselineHit]]]:
    t0 = time.perf_counter()
    progress(f"retrieval: {len(qs)} questions (medcite)")
    mine = medcite_passages(corpus.engine, qs)
    timed(result, "retrieval_medcite_s", t0)
    t1 = time.perf_counter()
    progress(f"retrieval: {len(qs)} questions (plain BM25 baseline)")
    base, base_hits = baseline_passages(corpus.baseline, qs)
    timed(result, "retrieval_bm25s_s", t1)
    return mine, base, base_hits


def eval_pubmedqa(
    ds: Dataset, corpus: Corpus, out: Path | None, *, answers: int = 200, verdicts: bool = True,
    progress: Progress = _quiet,
) -> DatasetResult:
    """Rank of the gold abstract (document level), ROUGE-L of answers against LONG_ANSWER and,
    on the selected questions of the official test split, a yes/no/maybe verdict."""
    result = dataset_header(ds)
    corpus_timings(result, corpus)
    mine, base, base_hits = _retrieve(corpus, ds.questions, progress, result)
    qrels = doc_qrels(ds.questions)
    result.tables.append(score_retrieval(
        ds.name, qrels, {MEDCITE: doc_run(mine), BM25: doc_run(base)}, DOC_MEASURES, out, result,
        "Document retrieval: rank of the gold abstract",
    ))
    asked = ds.questions[:answers]
    progress(f"answers: {len(asked)} questions through engine.ask")
    ans = ask_all(corpus.engine, asked, progress)
    _note_answers(ans, result)
    if ans.articles:
        result.tables.append(answer_rouge(asked, ans, base_hits, ("rougeL",)))
        result.tables.append(faithfulness_table(ans.articles, corpus.engine, len(asked))[0])
    test = [q for q in ds.questions if q.kind == "test" and q.label in LABELS]
    if verdicts and test and not ans.unavailable:
        rest = [q for q in test if q.qid not in ans.articles]
        progress(f"verdicts: {len(test)} questions of the official test split ({len(rest)} more articles)")
        more = ask_all(corpus.engine, rest, progress)
        articles = {**ans.articles, **more.articles}
        gold = [str(q.label) for q in test]
        # An abstention or a failed question falls back to the majority class, as a reader would.
        pred = [verdict(evidence_text(articles[q.qid])) if q.qid in articles and articles[q.qid].answerable
                else "yes" for q in test]
        acc, f1 = accuracy_macro_f1(gold, pred)
        base_acc, base_f1 = accuracy_macro_f1(gold, ["yes"] * len(gold))
        result.tables.append(Table(
            f"Verdict yes/no/maybe on the official test split ({len(test)} of 500 questions)",
            ["accuracy", "macro-F1"],
            {f"{MEDCITE} (cue rule over cited quotes)": {"accuracy": acc, "macro-F1": f1},
             "majority class (always yes)": {"accuracy": base_acc, "macro-F1": base_f1}},
            n=len(test),
        ))
        result.timings["verdict_answers_s"] = round(more.seconds, 1)
    return result


def evidence_text(article: Article) -> str:
    """Every quote the article cites, in order."""
    return "\n".join(q.quote for _k, _s, st in statements(article) for q in st.evidence)


# ---------------------------------------------------------------------------
# BioASQ
# ---------------------------------------------------------------------------


def _gold_spans(corpus: Corpus, q: EvalQuestion, cache: dict[str, str]) -> dict[str, tuple[str, int, int]]:
    """``{snippet id: (doc_id, start, end)}`` of each gold snippet inside its stored document."""
    spans: dict[str, tuple[str, int, int]] = {}
    for i, s in enumerate(q.snippets):
        doc_id = f"bioasq:{s.pmid}"
        if doc_id not in cache:
            try:
                cache[doc_id] = corpus.engine.store.text(doc_id)
            except Exception:  # a gold document the reader could not build: unmatched, still counted
                cache[doc_id] = ""
        text = cache[doc_id]
        needle = clean(s.text)
        at = text.find(needle) if needle else -1
        spans[f"{s.pmid}~{i}"] = (doc_id, at, at + len(needle)) if at >= 0 else (doc_id, -1, -1)
    return spans


def snippet_run(ranked: Ranked, spans: dict[str, dict[str, tuple[str, int, int]]]) -> dict[str, dict[str, float]]:
    """A run over gold-snippet ids: a passage matches a gold snippet from the same PMID whose span it overlaps.

    A passage that overlaps several gold snippets contributes each of them
    at its rank, one after another; a passage that overlaps none is a
    non-relevant entry ``p<passage id>``. Each gold snippet counts once, at
    its first matching passage.
    """
    run: dict[str, dict[str, float]] = {}
    for qid, passages in ranked.items():
        entries: list[str] = []
        seen: set[str] = set()
        gold = spans.get(qid, {})
        for p in passages:
            hit = [
                sid for sid, (doc, a, b) in gold.items()
                if sid not in seen and doc == p.doc_id and a >= 0 and p.start < b and a < p.end
            ]
            seen.update(hit)
            entries.extend(hit or [f"p{p.id}"])
        run[qid] = {e: float(len(entries) - i) for i, e in enumerate(entries)}
    return run


def eval_bioasq(ds: Dataset, corpus: Corpus, out: Path | None, *, answers: int = 200, progress: Progress = _quiet) -> DatasetResult:
    """Snippet and document retrieval (R@10, MAP) and ROUGE-2/SU4 of summary answers."""
    result = dataset_header(ds)
    corpus_timings(result, corpus)
    mine, base, base_hits = _retrieve(corpus, ds.questions, progress, result)
    cache: dict[str, str] = {}
    spans = {q.qid: _gold_spans(corpus, q, cache) for q in ds.questions}
    missing = sum(1 for s in spans.values() for (_d, a, _b) in s.values() if a < 0)
    if missing:
        result.notes.append(f"{missing} gold snippets could not be located in their stored document (count as misses)")
    squrels = {qid: dict.fromkeys(s, 1) for qid, s in spans.items() if s}
    result.tables.append(score_retrieval(
        ds.name, squrels, {MEDCITE: snippet_run(mine, spans), BM25: snippet_run(base, spans)},
        ("R@10", "AP", "RR"), out, result, "Snippet retrieval: gold snippets covered by retrieved passages",
    ))
    result.tables.append(score_retrieval(
        ds.name, doc_qrels(ds.questions), {MEDCITE: doc_run(mine), BM25: doc_run(base)},
        ("R@10", "AP", "RR"), out, result, "Document retrieval: PMIDs with gold snippets", curve=False,
    ))
    summary = [q for q in ds.questions if q.kind == "summary"][:answers]
    progress(f"answers: {len(summary)} summary questions through engine.ask")
    ans = ask_all(corpus.engine, summary, progress)
    _note_answers(ans, result)
    if ans.articles:
        result.tables.append(answer_rouge(summary, ans, base_hits, ("rouge2", "rougeSU4"), stat="both"))
        result.tables.append(faithfulness_table(ans.articles, corpus.engine, len(summary))[0])
    return result


# ---------------------------------------------------------------------------
# MedQuAD and MedicationQA (patient audience)
# ---------------------------------------------------------------------------


def eval_patient(ds: Dataset, corpus: Corpus, out: Path | None, *, answers: int = 200, progress: Progress = _quiet) -> DatasetResult:
    """Retrieval of the reference answer's page; does the article cite it; ROUGE-L against the answer."""
    result = dataset_header(ds)
    corpus_timings(result, corpus)
    with_gold = [q for q in ds.questions if q.gold_docs]
    result.notes.append(f"{len(with_gold)} of {len(ds.questions)} selected questions have a gold page in the corpus")
    mine, base, base_hits = _retrieve(corpus, ds.questions, progress, result)
    if with_gold:
        result.tables.append(score_retrieval(
            ds.name, doc_qrels(with_gold), {MEDCITE: doc_run(mine), BM25: doc_run(base)}, DOC_MEASURES, out,
            result, "Document retrieval: the reference answer's page",
        ))
    # Questions with a gold page first, so "cites the gold page" is measured on as many as possible
    # (MedicationQA has few); the order within each group stays the fixed dataset order.
    asked = (with_gold + [q for q in ds.questions if not q.gold_docs])[:answers]
    progress(f"answers: {len(asked)} questions through engine.ask (patient audience)")
    ans = ask_all(corpus.engine, asked, progress)
    _note_answers(ans, result)
    if not ans.articles:
        return result
    gold_asked = [q for q in asked if q.gold_docs and q.qid in ans.articles]
    if gold_asked:
        cites = mean(float(bool(cited_docs(ans.articles[q.qid]) & set(q.gold_docs))) for q in gold_asked)
        base_has = mean(
            float(bool({h.passage.doc_id for h in base_hits.get(q.qid, [])[:SNIPPETS_N]} & set(q.gold_docs)))
            for q in gold_asked
        )
        result.tables.append(Table(
            f"Answers cite the reference answer's page ({len(gold_asked)} questions with a gold page)",
            ["cites gold page"], {MEDCITE: {"cites gold page": cites}, SNIPPETS: {"cites gold page": base_has}},
            n=len(gold_asked),
        ))
    result.tables.append(answer_rouge(asked, ans, base_hits, ("rougeL",)))
    result.tables.append(faithfulness_table(ans.articles, corpus.engine, len(asked))[0])
    return result


# ---------------------------------------------------------------------------
# Key facts, faithfulness and abstention
# ---------------------------------------------------------------------------


def eval_keyfacts(
    ds: Dataset, corpus: Corpus, out: Path | None, *, out_of_scope: Sequence[EvalQuestion] = (),
    progress: Progress = _quiet,
) -> DatasetResult:
    """Key-fact recall of medcite's articles vs the top-5 BM25 passages; faithfulness; abstention."""
    result = dataset_header(ds)
    corpus_timings(result, corpus)
    mine, base, base_hits = _retrieve(corpus, ds.questions, progress, result)
    qrels = doc_qrels(ds.questions)
    if qrels:
        result.tables.append(score_retrieval(
            ds.name, qrels, {MEDCITE: doc_run(mine), BM25: doc_run(base)}, ("R@5", "R@10", "RR"), out, result,
            "Document retrieval: the questions' source documents",
        ))
    progress(f"answers: {len(ds.questions)} key-fact questions through engine.ask")
    ans = ask_all(corpus.engine, ds.questions, progress)
    _note_answers(ans, result)
    if ans.articles:
        kf_mine = [keyfact_recall(q.facts, article_text(ans.articles[q.qid])) if q.qid in ans.articles else 0.0
                   for q in ds.questions]
        kf_base = [keyfact_recall(q.facts, first_snippets(base_hits.get(q.qid, []), SNIPPETS_N)) for q in ds.questions]
        table = Table(f"Key-fact recall ({len(ds.questions)} questions, {sum(len(q.facts) for q in ds.questions)} facts)",
                      ["key-fact recall", "all facts found"], n=len(ds.questions))
        table.rows[MEDCITE] = {"key-fact recall": mean(kf_mine), "all facts found": mean(float(v == 1.0) for v in kf_mine)}
        table.rows[SNIPPETS] = {"key-fact recall": mean(kf_base), "all facts found": mean(float(v == 1.0) for v in kf_base)}
        result.tables.append(table)
        result.tables.append(faithfulness_table(ans.articles, corpus.engine, len(ds.questions))[0])
        if out is not None:
            details = [
                {
                    "qid": q.qid, "question": q.question,
                    "answerable": ans.articles[q.qid].answerable if q.qid in ans.articles else None,
                    "medcite": round(m, 3), "baseline": round(b, 3),
                    "missed": [f for f in q.facts if q.qid not in ans.articles
                               or not fact_found(f, article_text(ans.articles[q.qid]))],
                }
                for q, m, b in zip(ds.questions, kf_mine, kf_base, strict=True)
            ]
            write_jsonl(out / f"{ds.name}.details.jsonl", details)
            result.files.append(f"{ds.name}.details.jsonl")
    if out_of_scope:
        progress(f"abstention: {len(out_of_scope)} out-of-scope questions")
        oos = ask_all(corpus.engine, out_of_scope, progress)
        if oos.articles:
            declined = mean(float(not a.answerable) for a in oos.articles.values())
            in_scope_declined = (mean(float(not a.answerable) for a in ans.articles.values())
                                 if ans.articles else None)
            if out is not None:
                write_jsonl(out / f"{ds.name}.out_of_scope.jsonl", [
                    {"qid": q.qid, "question": q.question, "why": q.kind,
                     "answerable": oos.articles[q.qid].answerable if q.qid in oos.articles else None}
                    for q in out_of_scope
                ])
                result.files.append(f"{ds.name}.out_of_scope.jsonl")
            result.tables.append(Table(
                "Abstention", ["out-of-scope declined", "in-scope declined"],
                {MEDCITE: {"out-of-scope declined": declined, "in-scope declined": in_scope_declined}},
                n=len(out_of_scope),
            ))
    return result
