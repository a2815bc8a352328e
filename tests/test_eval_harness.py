"""Run construction: passages -> document runs and BioASQ snippet runs."""

from __future__ import annotations

import pytest

from medcite.eval.harness import doc_run
from medcite.eval.metrics import ranking_metrics
from medcite.eval.suites import snippet_run
from medcite.model import Passage


def p(pid: int, doc: str, start: int, end: int) -> Passage:
    return Passage(id=pid, doc_id=doc, section_idx=0, start=start, end=end, field="body", text="", source_kind="research")


def test_doc_run_keeps_best_rank_per_document() -> None:
    run = doc_run({"q": [p(1, "a", 0, 5), p(2, "b", 0, 5), p(3, "a", 5, 9), p(4, "c", 0, 3)]})
    assert sorted(run["q"], key=lambda d: -run["q"][d]) == ["a", "b", "c"]


def test_snippet_run_matches_same_pmid_and_overlapping_span_once() -> None:
    spans = {"q": {"1~0": ("bioasq:1", 10, 20), "1~1": ("bioasq:1", 30, 40), "2~2": ("bioasq:2", 0, 10)}}
    ranked = {"q": [
        p(7, "bioasq:1", 0, 9),     # same PMID, no overlap: not relevant
        p(8, "bioasq:2", 5, 50),    # overlaps 2~2
        p(9, "bioasq:1", 15, 35),   # overlaps both 1~0 and 1~1
        p(10, "bioasq:2", 0, 10),   # 2~2 again: already credited, not relevant now
    ]}
    run = snippet_run(ranked, spans)
    order = sorted(run["q"], key=lambda d: -run["q"][d])
    assert order == ["p7", "2~2", "1~0", "1~1", "p10"]
    qrels = {"q": {"1~0": 1, "1~1": 1, "2~2": 1}}
    m = ranking_metrics(qrels, run, ("R@1", "R@5", "AP"))
    assert m["R@1"] == 0.0 and m["R@5"] == 1.0
    assert m["MAP"] == pytest.approx((1 / 2 + 2 / 3 + 3 / 4) / 3)


def test_snippet_not_located_in_its_document_never_matches() -> None:
    run = snippet_run({"q": [p(1, "bioasq:1", 0, 100)]}, {"q": {"1~0": ("bioasq:1", -1, -1)}})
    assert list(run["q"]) == ["p1"]
