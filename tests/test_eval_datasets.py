"""Dataset loaders and the packaged question sets, on the real shared corpora."""

from __future__ import annotations

import hashlib
import json
from importlib import resources
from pathlib import Path

import pytest

from medcite.eval.datasets import (
    load_bioasq,
    load_keyfacts,
    load_medicationqa,
    load_out_of_scope,
    load_pubmedqa,
    read_medquad_page,
)
from medcite.eval.faithfulness import fact_found
from medcite.eval.runner import find_data
from medcite.readers import detect

SHARED = Path(__file__).resolve().parents[2] / "shared" / "corpora"
needs_shared = pytest.mark.skipif(not SHARED.is_dir(), reason=f"shared corpora not found at {SHARED}")


@needs_shared
@pytest.mark.shared
def test_pubmedqa_selection_is_fixed_and_limit_takes_a_prefix() -> None:
    full = load_pubmedqa(SHARED)
    assert full.total == 1000 and len(full.questions) == 1000
    small = load_pubmedqa(SHARED, 50)
    assert [q.qid for q in small.questions] == [q.qid for q in full.questions[:50]]
    assert [q.qid for q in load_pubmedqa(SHARED, 50).questions] == [q.qid for q in small.questions]
    q = small.questions[0]
    assert q.gold_docs == [f"pmid:{q.qid}"] and q.references[0] and q.label in ("yes", "no", "maybe")
    assert len(load_pubmedqa(SHARED, test_only=True).questions) == 500


@needs_shared
@pytest.mark.shared
def test_bioasq_questions_carry_gold_snippets_and_ideal_answers() -> None:
    ds = load_bioasq(SHARED, 30, types=("summary",))
    assert len(ds.questions) == 30 and ds.total > 400
    for q in ds.questions:
        assert q.kind == "summary" and q.references and q.snippets
        assert set(q.gold_docs) == {f"bioasq:{s.pmid}" for s in q.snippets}


@needs_shared
@pytest.mark.shared
def test_medicationqa_reports_how_many_questions_have_a_gold_page() -> None:
    ds = load_medicationqa(SHARED)
    assert ds.total == 690
    with_gold = [q for q in ds.questions if q.gold_docs]
    assert 0 < len(with_gold) < 690
    assert any("have a MedQuAD page" in n for n in ds.notes)
    assert all(d.startswith("medquad:") for q in with_gold for d in q.gold_docs)


def test_find_data_walks_up_to_a_sibling_shared_corpora(tmp_path: Path) -> None:
    (tmp_path / "shared" / "corpora").mkdir(parents=True)
    deep = tmp_path / "checkout" / "src" / "pkg"
    deep.mkdir(parents=True)
    assert find_data(deep) == tmp_path / "shared" / "corpora"
    assert find_data(tmp_path / "checkout") == tmp_path / "shared" / "corpora"


def test_packaged_question_sets_are_well_formed() -> None:
    rows = [json.loads(x) for x in (Path(str(resources.files("medcite.eval"))) / "data" / "keyfacts.jsonl")
            .read_text().splitlines() if x.strip()]
    assert 40 <= len(rows) <= 60
    assert len({r["id"] for r in rows}) == len(rows)
    for r in rows:
        assert r["question"].endswith("?") and r["source_docs"] and r["facts"]
        assert r["audience"] in ("clinician", "patient")
        assert all(isinstance(f, list) and f and all(isinstance(a, str) and a for a in f) for f in r["facts"])
    oos = load_out_of_scope()
    assert len(oos) >= 20 and len({q.qid for q in oos}) == len(oos) and all(q.question.strip() for q in oos)


def test_realistic_set_is_split_before_tuning_and_well_formed() -> None:
    rows = [json.loads(x) for x in (Path(str(resources.files("medcite.eval"))) / "data" / "realistic.jsonl")
            .read_text().splitlines() if x.strip()]
    oos = [json.loads(x) for x in (Path(str(resources.files("medcite.eval"))) / "data" / "out_of_scope.jsonl")
           .read_text().splitlines() if x.strip()]
    assert len(rows) >= 150 and len({r["id"] for r in rows}) == len(rows)
    assert sum(r["split"] == "test" for r in rows) >= 50
    for r in [*rows, *oos]:
        if r.get("batch"):
            # A batch written later as a whole is one split whole: test when written before any change it
            # scores, dev ("dev-..." batches) when written to be looked at.
            assert r["split"] == ("dev" if r["batch"].startswith("dev-") else "test"), r["id"]
            continue
        # The split is a pure function of the id, fixed when the set was written (not chosen per question).
        h = int(hashlib.sha1(("medcite-realistic:" + r["id"]).encode()).hexdigest(), 16)
        assert r["split"] == ("test" if h % 5 < 2 else "dev"), r["id"]
    for r in rows:
        assert r["source_docs"] and r["facts"] and r["audience"] in ("clinician", "patient")
        assert all(isinstance(f, list) and f and all(isinstance(a, str) and a for a in f) for f in r["facts"])
    forms = {r["form"] for r in rows}
    assert {"vignette", "abbrev", "lay", "typo", "british", "followup", "reword"} <= forms
    assert all(r["thread"] for r in rows if r["form"] == "followup")


def _source_texts(doc_ids: list[str], pubmedqa: dict[str, str]) -> list[str]:
    out = []
    for d in doc_ids:
        prefix, local = d.split(":", 1)
        if prefix == "pmid":
            out.append(pubmedqa[d])
        elif prefix == "ngc":
            path = SHARED / "ngc_guideline_summaries" / "summaries" / f"ngc-{local}.xml"
            doc = next(x for x in detect(path).read(path) if hasattr(x, "text"))
            out.append(doc.title + "\n" + doc.text)  # type: ignore[union-attr]
        else:
            num = local.split("-", 1)[1]
            pages = [read_medquad_page(p) for p in (SHARED / "medquad").glob(f"*/{num}.xml")]
            page = next(p for p in pages if p is not None and p.doc_id == d)
            out.append(page.focus + "\n" + "\n".join(a for *_x, a in page.pairs))
    return out


@needs_shared
@pytest.mark.shared
def test_every_key_fact_is_stated_by_one_of_its_source_documents() -> None:
    raw = json.loads((SHARED / "pubmedqa" / "data" / "ori_pqal.json").read_text())
    pubmedqa = {f"pmid:{k}": " ".join(v["CONTEXTS"]) + " " + v["LONG_ANSWER"] for k, v in raw.items()}
    ds = load_keyfacts(SHARED)
    missing = []
    for q in ds.questions:
        text = "\n".join(_source_texts(q.gold_docs, pubmedqa))
        missing += [(q.qid, f) for f in q.facts if not fact_found(f, text)]
    assert missing == []


@needs_shared
@pytest.mark.shared
def test_every_realistic_key_fact_is_stated_by_one_of_its_source_documents() -> None:
    from medcite.eval.realistic import load_realistic

    raw = json.loads((SHARED / "pubmedqa" / "data" / "ori_pqal.json").read_text())
    pubmedqa = {f"pmid:{k}": " ".join(v["CONTEXTS"]) + " " + v["LONG_ANSWER"] for k, v in raw.items()}
    ds, _rs = load_realistic(SHARED)
    missing = []
    for q in ds.questions:
        text = "\n".join(_source_texts(q.gold_docs, pubmedqa))
        missing += [(q.qid, f) for f in q.facts if not fact_found(f, text)]
    assert missing == []
