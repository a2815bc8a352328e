"""Run one or all evaluations end to end: corpus, systems, scores, report."""

from __future__ import annotations

import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from medcite.eval import datasets as dsets
from medcite.eval.harness import Corpus, DatasetResult, Progress, _quiet, open_corpus
from medcite.eval.realistic import eval_realistic, load_realistic
from medcite.eval.report import write_report
from medcite.eval.suites import eval_bioasq, eval_keyfacts, eval_patient, eval_pubmedqa

DATASETS = ("pubmedqa", "bioasq", "medquad", "medicationqa", "keyfacts", "faithfulness", "realistic")


@dataclass(frozen=True, slots=True)
class Limits:
    """Questions per dataset (retrieval) and articles per dataset (engine.ask).

    Defaults keep ``medcite eval all`` to minutes on a 2-core machine; see
    docs/benchmarks.md for measured times.
    """

    questions: dict[str, int | None]
    answers: int


DEFAULT_QUESTIONS: dict[str, int | None] = {
    "pubmedqa": None, "bioasq": None, "medquad": 1000, "medicationqa": None, "keyfacts": None, "faithfulness": None,
    "realistic": None,
}
DEFAULT_ANSWERS = 100


def find_data(cwd: Path) -> Path | None:
    """``shared/corpora`` next to the checkout: walk up from ``cwd`` looking for a sibling ``shared/corpora``."""
    for d in (cwd, *cwd.parents):
        for cand in (d / "shared" / "corpora", d.parent / "shared" / "corpora"):
            if cand.is_dir():
                return cand
    return None


def load(name: str, data: Path, limit: int | None) -> dsets.Dataset:
    if name == "pubmedqa":
        return dsets.load_pubmedqa(data, limit)
    if name == "bioasq":
        return dsets.load_bioasq(data, limit)
    if name == "medquad":
        return dsets.load_medquad(data, limit)
    if name == "medicationqa":
        return dsets.load_medicationqa(data, limit)
    if name in ("keyfacts", "faithfulness"):
        return dsets.load_keyfacts(data, limit)
    if name == "realistic":
        return load_realistic(data)[0]
    raise ValueError(f"unknown dataset {name!r}; choose from {', '.join(DATASETS)} or all")


def run(
    names: Sequence[str], data: Path, out: Path, *, limit: int | None = None, answers: int | None = None,
    home: Path | None = None, progress: Progress = _quiet,
) -> tuple[list[DatasetResult], dict[str, Path]]:
    """Evaluate ``names`` on ``data``; write the report into ``out``.

    Each distinct corpus is built once per run (in a temporary home unless
    ``home`` is given, in which case the dataset files are ingested into it,
    a no-op when they already are).
    """
    t0 = time.perf_counter()
    n_answers = DEFAULT_ANSWERS if answers is None else answers
    results: list[DatasetResult] = []
    corpora: dict[tuple[str, ...], Corpus] = {}
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="medcite-eval-") as tmp:
        for name in names:
            lim = limit if limit is not None else DEFAULT_QUESTIONS[name]
            progress(f"== {name}: loading questions")
            ds = load(name, data, lim)
            if name == "pubmedqa":
                ds = dsets.without_conclusions(ds, Path(tmp) / "pubmedqa")
            key = tuple(sorted(str(p) for p in ds.corpus))
            if key not in corpora:
                where = home or Path(tmp) / f"home{len(corpora)}"
                # A corpus that is a subset of this one (MedQuAD inside keyfacts) is
                # grown in place: ingest skips its unchanged files, saving a rebuild.
                subs = [k for k in corpora if set(k) <= set(key)]
                sub = max(subs, key=len) if subs else None
                if sub is not None and home is None:
                    old = corpora.pop(sub)
                    where = old.engine.settings.home
                    old.engine.close()
                corpora[key] = open_corpus(ds.corpus, where, progress)
            corpus = corpora[key]
            t1 = time.perf_counter()
            a = min(n_answers, len(ds.questions))
            if name == "pubmedqa":
                res = eval_pubmedqa(ds, corpus, out, answers=a, progress=progress)
            elif name == "bioasq":
                res = eval_bioasq(ds, corpus, out, answers=a, progress=progress)
            elif name == "realistic":
                res = eval_realistic(ds, load_realistic(data)[1], corpus, out, progress=progress)
            elif name in ("medquad", "medicationqa"):
                res = eval_patient(ds, corpus, out, answers=a, progress=progress)
            else:
                res = eval_keyfacts(ds, corpus, out, out_of_scope=dsets.load_out_of_scope(), progress=progress)
            res.timings["evaluation_s"] = round(time.perf_counter() - t1, 1)
            results.append(res)
        for c in corpora.values():
            c.engine.close()
    meta = {
        "datasets": ", ".join(names), "data": str(data), "limit": limit, "answers": n_answers,
        "seconds": round(time.perf_counter() - t0, 1),
    }
    return results, write_report(results, out, meta)
