"""``medcite eval`` end to end on small slices of the real datasets."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from medcite.cli import cli
from medcite.eval.metrics import ranking_metrics
from medcite.eval.runs import read_qrels, read_run

SHARED = Path(__file__).resolve().parents[2] / "shared" / "corpora"
needs_shared = pytest.mark.skipif(not SHARED.is_dir(), reason=f"shared corpora not found at {SHARED}")


@needs_shared
@pytest.mark.shared
def test_eval_pubmedqa_writes_reports_plot_and_rescorable_trec_files(tmp_path: Path) -> None:
    out = tmp_path / "out"
    res = CliRunner().invoke(cli, ["eval", "pubmedqa", "--data", str(SHARED), "--limit", "20", "--answers", "3",
                                   "--out", str(out), "-q"])
    assert res.exit_code == 0, res.output
    assert "Document retrieval" in res.output and "bm25s (plain BM25)" in res.output
    report = json.loads((out / "report.json").read_text())
    (ds,) = report["datasets"]
    assert ds["name"] == "pubmedqa" and ds["questions"] == 20
    table = ds["tables"][0]
    assert set(table["rows"]) == {"medcite", "bm25s (plain BM25)"}
    assert (out / "recall_at_k.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    md = (out / "report.md").read_text()
    assert "![recall@k](recall_at_k.png)" in md and "| medcite |" in md
    # The TREC files re-score to exactly the reported numbers.
    qrels = read_qrels(out / "pubmedqa.document.qrels")
    assert len(qrels) == 20
    for system, tag in (("medcite", "medcite"), ("bm25s (plain BM25)", "bm25s")):
        again = ranking_metrics(qrels, read_run(out / f"pubmedqa.document.{tag}.run"), ("R@1", "R@5", "R@10", "RR"))
        assert again == pytest.approx(table["rows"][system])
    assert "ingest_s" in ds["timings"] and "retrieval_medcite_s" in ds["timings"]


@needs_shared
@pytest.mark.shared
def test_eval_bioasq_scores_snippets_and_documents(tmp_path: Path) -> None:
    # A real 60-question slice of BioASQ 6b laid out like ../shared/corpora keeps the corpus small.
    src = json.loads((SHARED / "bioasq" / "training6b" / "BioASQ-trainingDataset6b.json").read_text())
    data = tmp_path / "data" / "bioasq" / "training6b"
    data.mkdir(parents=True)
    (data / "BioASQ-trainingDataset6b.json").write_text(json.dumps({"questions": src["questions"][:60]}))
    out = tmp_path / "out"
    res = CliRunner().invoke(cli, ["eval", "bioasq", "--data", str(tmp_path / "data"), "--limit", "15",
                                   "--answers", "0", "--out", str(out), "-q"])
    assert res.exit_code == 0, res.output
    (ds,) = json.loads((out / "report.json").read_text())["datasets"]
    titles = [t["title"] for t in ds["tables"]]
    assert titles[0].startswith("Snippet retrieval") and titles[1].startswith("Document retrieval")
    for t in ds["tables"]:
        for row in t["rows"].values():
            assert all(0.0 <= v <= 1.0 for v in row.values())
    # Gold snippets are in the corpus by construction, so something must be found.
    assert ds["tables"][0]["rows"]["medcite"]["R@10"] > 0.0


def test_eval_without_data_is_a_usage_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MEDCITE_DATA", raising=False)
    monkeypatch.chdir(tmp_path)
    res = CliRunner().invoke(cli, ["eval", "pubmedqa", "--out", str(tmp_path / "o")])
    assert res.exit_code == 2 and "no evaluation data" in res.output


def test_eval_with_data_missing_the_dataset_says_which_file(tmp_path: Path) -> None:
    res = CliRunner().invoke(cli, ["eval", "bioasq", "--data", str(tmp_path), "--out", str(tmp_path / "o"), "-q"])
    assert res.exit_code == 1 and "BioASQ-trainingDataset6b.json not found" in res.output


@needs_shared
@pytest.mark.shared
def test_eval_verifier_reports_recall_per_type_and_false_alarms_per_split(tmp_path: Path) -> None:
    out = tmp_path / "verifier"
    res = CliRunner().invoke(cli, ["eval", "verifier", "--data", str(SHARED), "--limit", "25", "--out", str(out),
                                   "-q"])
    assert res.exit_code == 0, res.output
    report = json.loads((out / "report.json").read_text())
    types = {"number", "unit", "comparator", "negation", "drug", "population", "direction"}
    for split in ("dev", "test"):
        assert set(report[split]["recall"]) == types
        assert 0.0 <= report[split]["false_alarm_rewrite"] <= 1.0
    items = [json.loads(x) for x in (out / "items.jsonl").read_text().splitlines()]
    assert {i["kind"] for i in items} == types | {"rewrite"}
    # A perturbed statement differs from its quote; a rewrite too (else it tests nothing).
    assert all(i["statement"] != i["quote"] for i in items)
    assert "| dev |" in (out / "report.md").read_text()
