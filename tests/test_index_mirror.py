"""The tantivy mirror of the FTS5 index: in step after ingest, never trusted when stale."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from medcite.engine import Engine
from medcite.index.mirror import tantivy_available
from medcite.ingest import Ingester
from medcite.settings import Settings

pytestmark = pytest.mark.skipif(not tantivy_available(), reason="tantivy is not installed")

FIXTURE = Path(__file__).parent / "fixtures" / "research" / "pubmedqa_sample.json"


def corpus(tmp_path: Path, n: int = 30) -> Path:
    items = {
        str(1000 + i): {
            "QUESTION": f"Does drug{i} reduce venous ulcer recurrence?",
            "CONTEXTS": [f"We studied drug{i} in {i + 10} patients with venous ulcers.", "Recurrence fell."],
            "LABELS": ["METHODS", "RESULTS"],
            "MESHES": [],
            "YEAR": "2012",
            "final_decision": "yes",
            "LONG_ANSWER": f"Drug{i} reduced recurrence.",
        }
        for i in range(n)
    }
    path = tmp_path / "pqa.json"
    path.write_text(json.dumps(items), encoding="utf-8")
    return path


def ingest(home: Path, *paths: Path) -> Engine:
    engine = Engine(Settings(home=home))
    Ingester(engine.store, engine.backend, engine.settings.ingest).run(paths)
    return engine


def passages(home: Path) -> int:
    conn = sqlite3.connect(home / "medcite.sqlite")
    try:
        return int(conn.execute("SELECT count(*) FROM passages").fetchone()[0])
    finally:
        conn.close()


def test_mirror_is_in_step_after_ingest_and_agrees_with_fts5(tmp_path: Path) -> None:
    engine = ingest(tmp_path / "home", corpus(tmp_path))
    idx = engine.backend
    assert idx.fresh()
    assert idx._mirror is not None and len(idx._mirror) == passages(tmp_path / "home")
    fast = engine.backend.search("drug17 venous ulcer", k=3)
    slow = engine.backend.fts5.search("drug17 venous ulcer", k=3)
    assert fast[0].doc_id == slow[0].doc_id == "pmid:1017"
    # A reopened engine sees the same, durable mirror.
    again = Engine(Settings(home=tmp_path / "home"), must_exist=True)
    assert again.backend.fresh()
    assert again.search("drug17")[0].passage.doc_id == "pmid:1017"


def test_a_stale_mirror_is_not_used_and_the_next_ingest_rebuilds_it(tmp_path: Path) -> None:
    home = tmp_path / "home"
    src = corpus(tmp_path)
    engine = ingest(home, src)
    # What a kill between the store's commit and the mirror's leaves behind:
    # the store is a generation ahead, with a document the mirror never saw.
    data = json.loads(src.read_text())
    data["1003"]["LONG_ANSWER"] = "Zanubrutinib changed everything."
    src.write_text(json.dumps(data))
    with engine.store.transaction():
        engine.store.bump_generation()
    assert not engine.backend.fresh()
    fresh_engine = Engine(Settings(home=home))
    assert not fresh_engine.backend.fresh()
    # Searches fall back to FTS5, which is always in step with the store.
    assert fresh_engine.search("drug3 patients")[0].passage.doc_id == "pmid:1003"
    ingest(home, src)
    reopened = Engine(Settings(home=home), must_exist=True)
    assert reopened.backend.fresh()
    assert reopened.backend._mirror is not None and len(reopened.backend._mirror) == passages(home)
    assert [h.passage.doc_id for h in reopened.search("zanubrutinib")] == ["pmid:1003"]
