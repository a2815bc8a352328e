"""TREC run and qrels files: the standard interchange format of IR evaluation.

Run lines are ``qid Q0 docno rank score tag`` and qrels lines ``qid 0 docno
relevance`` (the formats trec_eval reads), so every run an evaluation writes
can be re-scored with trec_eval, ir_measures or pytrec_eval independently.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

Run = dict[str, dict[str, float]]
Qrels = dict[str, dict[str, int]]


def _check_token(value: str, what: str) -> str:
    if not value or any(ch.isspace() for ch in value):
        raise ValueError(f"{what} {value!r} is empty or contains whitespace; TREC files are space-separated")
    return value


def write_run(path: Path, run: Mapping[str, Mapping[str, float]], tag: str) -> None:
    """Write ``{qid: {docno: score}}`` as a TREC run, ranked by score (ties by docno)."""
    _check_token(tag, "run tag")
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as fh:
        for qid in run:
            ranked = sorted(run[qid].items(), key=lambda kv: (-kv[1], kv[0]))
            for rank, (doc, score) in enumerate(ranked, start=1):
                fh.write(f"{_check_token(qid, 'qid')} Q0 {_check_token(doc, 'docno')} {rank} {score:.6f} {tag}\n")


def read_run(path: Path) -> Run:
    """Read a TREC run into ``{qid: {docno: score}}``.

    Raises
    ------
    ValueError
        A line does not have the six TREC run columns.
    """
    run: Run = {}
    with open(path, encoding="utf-8") as fh:
        for n, line in enumerate(fh, start=1):
            parts = line.split()
            if not parts:
                continue
            if len(parts) != 6:
                raise ValueError(f"{path}:{n}: expected 'qid Q0 docno rank score tag', got {line.strip()!r}")
            run.setdefault(parts[0], {})[parts[2]] = float(parts[4])
    return run


def write_qrels(path: Path, qrels: Mapping[str, Mapping[str, int]]) -> None:
    """Write ``{qid: {docno: relevance}}`` as TREC qrels."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as fh:
        for qid, docs in qrels.items():
            for doc, rel in docs.items():
                fh.write(f"{_check_token(qid, 'qid')} 0 {_check_token(doc, 'docno')} {int(rel)}\n")


def read_qrels(path: Path) -> Qrels:
    """Read TREC qrels into ``{qid: {docno: relevance}}``.

    Raises
    ------
    ValueError
        A line does not have the four qrels columns.
    """
    qrels: Qrels = {}
    with open(path, encoding="utf-8") as fh:
        for n, line in enumerate(fh, start=1):
            parts = line.split()
            if not parts:
                continue
            if len(parts) != 4:
                raise ValueError(f"{path}:{n}: expected 'qid 0 docno relevance', got {line.strip()!r}")
            qrels.setdefault(parts[0], {})[parts[2]] = int(parts[3])
    return qrels
