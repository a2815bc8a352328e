"""The realistic question set: questions as people type them, scored per split beside plain BM25.

``eval/data/realistic.jsonl`` holds 160 questions written from the shared
corpora (clinical vignettes with several sub-questions, abbreviations, lay
words, typos, British spellings, follow-ups in a thread, rewordings of the
key-fact questions), each with key facts and the documents that state them,
and a ``split``: ``dev`` (looked at, tuned on) or ``test`` (scored only),
fixed by a hash of the id before any tuning. ``out_of_scope.jsonl`` is split
the same way, except for batches written later as a whole (``batch``), which
are test whole and also reported on their own.

Per split, medcite is reported beside plain BM25 top-5 and top-10 passages
(over the same store; a follow-up's baseline query is the thread's questions
joined): answered rate, key-fact recall, expected-source hit, words per
answer, out-of-scope abstention and citation validity. The abstention
trade-off curve sweeps the answer threshold over the best candidate scores
of articles made with no threshold.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from medcite.engine import Engine
from medcite.eval.datasets import (
    NGC_DIR,
    PUBMEDQA_FILE,
    Dataset,
    EvalQuestion,
    _need,
    _packaged,
    medquad_files,
)
from medcite.eval.faithfulness import article_text, check_article, keyfact_recall
from medcite.eval.harness import MEDCITE, Corpus, DatasetResult, Progress, Table, _quiet, corpus_timings
from medcite.eval.metrics import mean
from medcite.model import Article

SPLITS = ("dev", "test")
#: Thresholds of the trade-off curve.
CURVE = (0.0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.5, 0.6, 0.7, 0.8)


@dataclasses.dataclass(slots=True)
class Realistic:
    questions: list[EvalQuestion]
    split: dict[str, str]
    form: dict[str, str]
    thread: dict[str, list[str]]
    out_of_scope: list[EvalQuestion]
    #: Questions written later as a whole batch (id -> batch name): test whole, or dev whole ("dev-...").
    batch: dict[str, str] = dataclasses.field(default_factory=dict)


def load_realistic(data: Path, path: Path | None = None) -> tuple[Dataset, Realistic]:
    """The realistic set and its out-of-scope questions, with splits and forms."""
    rows = [json.loads(x) for x in (path or _packaged("realistic.jsonl")).read_text(encoding="utf-8").splitlines()
            if x.strip()]
    qs = [EvalQuestion(qid=r["id"], question=r["question"], gold_docs=list(r["source_docs"]),
                       facts=[list(f) for f in r["facts"]], audience=r["audience"], kind=r["form"]) for r in rows]
    oos_rows = [json.loads(x) for x in _packaged("out_of_scope.jsonl").read_text(encoding="utf-8").splitlines()
                if x.strip()]
    oos = [EvalQuestion(qid=r["id"], question=r["question"], kind=r.get("why", "")) for r in oos_rows]
    split = {r["id"]: r["split"] for r in rows} | {r["id"]: r.get("split", "dev") for r in oos_rows}
    corpus = [_need(data / NGC_DIR), *medquad_files(data), _need(data / PUBMEDQA_FILE)]
    ds = Dataset("realistic", qs, corpus, total=len(qs), notes=[
        f"{len(qs)} in-scope questions ({sum(1 for q in qs if split[q.qid] == 'test')} test) and "
        f"{len(oos)} out-of-scope ({sum(1 for q in oos if split[q.qid] == 'test')} test); split fixed before tuning",
    ])
    return ds, Realistic(qs, split, {r["id"]: r["form"] for r in rows},
                         {r["id"]: list(r.get("thread", [])) for r in rows}, oos,
                         {r["id"]: r["batch"] for r in [*rows, *oos_rows] if r.get("batch")})


def ask(engine: Engine, q: EvalQuestion, thread: Sequence[str]) -> Article:
    """Ask ``q`` as a user would: a follow-up after its thread's earlier questions."""
    tid = None
    for prior in thread:
        tid = engine.ask(prior, audience=q.audience, thread=tid).thread_id  # type: ignore[arg-type]
    return engine.ask(q.question, audience=q.audience, thread=tid)  # type: ignore[arg-type]


def body_words(article: Article) -> int:
    return len(article_text(article).split()) if article.answerable else 0


def eval_realistic(
    ds: Dataset, rs: Realistic, corpus: Corpus, out: Path | None, *, progress: Progress = _quiet,
) -> DatasetResult:
    """Score medcite and plain BM25 on every split; write details and the abstention curve."""
    result = DatasetResult("realistic", len(ds.questions), ds.total, notes=list(ds.notes))
    corpus_timings(result, corpus)
    engine = corpus.engine
    # Articles at the configured threshold, and with none (for the curve).
    free = Engine(dataclasses.replace(engine.settings, ask=dataclasses.replace(engine.settings.ask,
                                                                               answer_threshold=0.0)))
    arts: dict[str, Article] = {}
    free_arts: dict[str, Article] = {}
    every = [*rs.questions, *rs.out_of_scope]
    for i, q in enumerate(every, 1):
        arts[q.qid] = ask(engine, q, rs.thread.get(q.qid, []))
        free_arts[q.qid] = ask(free, q, rs.thread.get(q.qid, []))
        if i % 40 == 0:
            progress(f"  realistic: asked {i}/{len(every)}")
    free.close()
    base_texts: dict[int, dict[str, str]] = {5: {}, 10: {}}
    base_docs: dict[int, dict[str, set[str]]] = {5: {}, 10: {}}
    for q in rs.questions:
        query = " ".join([*rs.thread.get(q.qid, []), q.question])
        hits = corpus.baseline.search(query, k=10)
        for k in (5, 10):
            base_texts[k][q.qid] = "\n".join(h.passage.text for h in hits[:k])
            base_docs[k][q.qid] = {h.passage.doc_id for h in hits[:k]}
    cols = ["answered", "key-fact recall", "expected source", "words", "out-of-scope declined", "citation validity"]
    details: list[dict[str, Any]] = []
    for split in SPLITS:
        qs = [q for q in rs.questions if rs.split[q.qid] == split]
        oos = [q for q in rs.out_of_scope if rs.split[q.qid] == split]
        t = Table(f"Realistic questions, {split} split ({len(qs)} in scope, {len(oos)} out of scope)", cols, n=len(qs))
        faith = [check_article(arts[q.qid], engine.store) for q in qs if arts[q.qid].answerable]
        checked = sum(f.quotes for f in faith)
        t.rows[MEDCITE] = {
            **_in_scope(qs, arts),
            "out-of-scope declined": mean(float(not arts[q.qid].answerable) for q in oos) if oos else None,
            "citation validity": (sum(f.valid_quotes for f in faith) / checked) if checked else None,
        }
        for k in (5, 10):
            t.rows[f"BM25 top-{k} passages"] = {
                "answered": 1.0,
                "key-fact recall": mean(keyfact_recall(q.facts, base_texts[k][q.qid]) for q in qs),
                "expected source": mean(float(bool(base_docs[k][q.qid] & set(q.gold_docs))) for q in qs),
                "words": mean(float(len(base_texts[k][q.qid].split())) for q in qs),
                "out-of-scope declined": 0.0 if oos else None, "citation validity": None,
            }
        result.tables.append(t)
        result.tables.append(_curve(split, qs, oos, free_arts))
    for name in sorted(set(rs.batch.values())):
        # A batch written after the first scorings, before the changes it scores: reported on its own too.
        # A batch written whole for the dev split (looked at, tuned on) is part of the dev tables only.
        if all(rs.split[q] == "dev" for q, b in rs.batch.items() if b == name):
            continue
        held = [q for q in rs.out_of_scope if rs.batch.get(q.qid) == name]
        if held:
            rest = [q for q in rs.out_of_scope if rs.split[q.qid] == "test" and q.qid not in rs.batch]
            result.notes.append(f"out-of-scope declined, test split: first batch {_declined(rest, arts)}, "
                                f"batch {name} {_declined(held, arts)}")
        asked = [q for q in rs.questions if rs.batch.get(q.qid) == name]
        if asked:
            rest_in = [q for q in rs.questions if rs.split[q.qid] == "test" and q.qid not in rs.batch]
            result.notes.append(f"in scope, test split: first batch {_scores(rest_in, arts, base_texts)}; "
                                f"batch {name} {_scores(asked, arts, base_texts)}")
    for q in [*rs.questions, *rs.out_of_scope]:
        a = arts[q.qid]
        details.append({
            "qid": q.qid, "split": rs.split[q.qid], "form": rs.form.get(q.qid, "out-of-scope"), "question": q.question,
            "answerable": a.answerable, "best_score": (a.abstention or {}).get("best_score"),
            "sub_questions": a.sub_questions, "uncovered": a.uncovered, "words": body_words(a),
            "key_fact_recall": keyfact_recall(q.facts, article_text(a)) if q.facts and a.answerable else None,
            "expected_source": bool({r.doc_id for r in a.references} & set(q.gold_docs)) if q.gold_docs else None,
            "missed": [f for f in q.facts if keyfact_recall([f], article_text(a)) < 1.0] if a.answerable else q.facts,
        })
    if out is not None:
        path = out / "realistic.details.jsonl"
        path.write_text("".join(json.dumps(d, ensure_ascii=False) + "\n" for d in details), encoding="utf-8")
        result.files.append(path.name)
    return result


def _in_scope(qs: Sequence[EvalQuestion], arts: dict[str, Article]) -> dict[str, float]:
    """Answered rate, key-fact recall (0 when declined), expected-source hit and words per answered article."""
    return {
        "answered": mean(float(arts[q.qid].answerable) for q in qs),
        "key-fact recall": mean(keyfact_recall(q.facts, article_text(arts[q.qid])) if arts[q.qid].answerable
                                else 0.0 for q in qs),
        "expected source": mean(float(bool({r.doc_id for r in arts[q.qid].references} & set(q.gold_docs)))
                                for q in qs),
        "words": mean(float(body_words(arts[q.qid])) for q in qs if arts[q.qid].answerable),
    }


def _scores(qs: Sequence[EvalQuestion], arts: dict[str, Article], base: dict[int, dict[str, str]]) -> str:
    m = _in_scope(qs, arts)
    bm25 = mean(keyfact_recall(q.facts, base[10][q.qid]) for q in qs)
    return (f"({len(qs)} questions) answered {m['answered']:.3f}, key-fact recall {m['key-fact recall']:.3f} "
            f"(BM25 top-10 {bm25:.3f}), expected source {m['expected source']:.3f}, {m['words']:.0f} words")


def _declined(qs: Sequence[EvalQuestion], arts: dict[str, Article]) -> str:
    n = sum(1 for q in qs if not arts[q.qid].answerable)
    return f"{n / len(qs):.3f} ({n}/{len(qs)})" if qs else "-"


def _curve(split: str, qs: Sequence[EvalQuestion], oos: Sequence[EvalQuestion], arts: dict[str, Article]) -> Table:
    """Answered rate, key-fact precision of answers and out-of-scope abstention at each threshold."""
    t = Table(f"Abstention trade-off, {split} split (articles made without a threshold)",
              ["answered", "answered with all key facts", "answered with half the facts", "out-of-scope declined"],
              n=len(qs))

    def best(a: Article) -> float:
        # Declined even without a threshold (the case names a word no source holds): declined at every one.
        if not a.answerable:
            return -1.0
        return float((a.abstention or {}).get("best_score") or 0.0)

    for tau in CURVE:
        ans = [q for q in qs if best(arts[q.qid]) >= tau]
        rec = [keyfact_recall(q.facts, article_text(arts[q.qid])) for q in ans]
        t.rows[f"threshold {tau:.2f}"] = {
            "answered": len(ans) / len(qs) if qs else None,
            "answered with all key facts": mean(float(r == 1.0) for r in rec) if rec else None,
            "answered with half the facts": mean(float(r >= 0.5) for r in rec) if rec else None,
            "out-of-scope declined": mean(float(best(arts[q.qid]) < tau) for q in oos) if oos else None,
        }
    return t
