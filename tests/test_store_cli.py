"""The store and the corpus commands (stats, search, doc) on the bundled demo corpus."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from medcite.cli import cli
from medcite.engine import Engine
from medcite.settings import Settings
from medcite.store import Store, StoreError
from medcite.store.schema import SCHEMA_VERSION
from medcite.text import DocumentBuilder

DEMO = Path(__file__).resolve().parents[1] / "src" / "medcite" / "demo"


@pytest.fixture(scope="module")
def demo_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not (DEMO / "ngc").is_dir():
        pytest.skip("the bundled demo corpus (src/medcite/demo) is missing")
    home = tmp_path_factory.mktemp("demo-home")
    result = CliRunner().invoke(cli, ["ingest", "--demo", "--home", str(home), "-q"])
    assert result.exit_code == 0, result.output
    return home


def run(*args: str) -> str:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def test_document_round_trips_through_the_store(tmp_path: Path) -> None:
    b = DocumentBuilder()
    b.add("Definitions", "Pathologic perforating veins have outward flow of >500 ms. They measure >3.5 mm.")
    b.add("Recommendations", "We suggest compression (Grade 2B).", field="recommendation", grade="2", level="B")
    doc = b.build(
        id="local:t", source_kind="guideline", title="Venous ulcers", developer="SVS", year=2014,
        mesh_terms=["Varicose Ulcer"], extra={"k": [1, 2]}, source_format="local-markdown",
    )
    store = Store(tmp_path / "s.sqlite")
    with store.transaction():
        passages = store.put_document(doc, source_path="/x", content_hash="h")
    assert store.get_document("local:t") == doc
    sents = store.sentences("local:t")
    assert [doc.text[s.start:s.end] for s in sents] == [
        "Pathologic perforating veins have outward flow of >500 ms.",
        "They measure >3.5 mm.",
        "We suggest compression (Grade 2B).",
    ]
    assert [p.field for p in passages] == ["body", "recommendation"]
    assert store.passages([passages[1].id])[passages[1].id].text == "We suggest compression (Grade 2B)."


def test_schema_version_and_refusing_newer_stores(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite"
    Store(path).close()
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(RuntimeError, match="upgrade medcite"):
        Store(path)


def test_read_commands_refuse_a_missing_store(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["stats", "--home", str(tmp_path / "nowhere")])
    assert result.exit_code == 1
    assert "no medcite store" in result.output and "medcite ingest --demo" in result.output
    with pytest.raises(StoreError):
        Engine(Settings(home=tmp_path / "nowhere"), must_exist=True)


def test_stats_json_counts_per_kind(demo_home: Path) -> None:
    st = json.loads(run("stats", "--home", str(demo_home), "--format", "json"))
    assert st["documents"] == sum(v["documents"] for v in st["by_kind"].values())
    assert st["passages"] == sum(v["passages"] for v in st["by_kind"].values())
    assert st["by_kind"]["guideline"]["documents"] == len(list((DEMO / "ngc").glob("*.xml*")))
    assert st["by_kind"]["research"]["documents"] == 1000
    assert st["by_kind"]["patient-info"]["documents"] > 0


def test_search_ranks_and_filters_by_kind(demo_home: Path) -> None:
    hits = json.loads(
        run("search", "--home", str(demo_home), "abdominal aortic aneurysm screening men smoked",
            "--kind", "guideline", "-k", "5", "--format", "json")
    )
    assert 0 < len(hits) <= 5
    assert all(h["source_kind"] == "guideline" for h in hits)
    assert [h["rank"] for h in hits] == list(range(1, len(hits) + 1))
    assert hits == sorted(hits, key=lambda h: -h["score"])
    assert any("aneurysm" in h["text"].lower() for h in hits[:3])
    text = run("search", "--home", str(demo_home), "aortic aneurysm", "-k", "3")
    assert text.lstrip().startswith("1.")


def test_doc_json_text_is_what_offsets_point_into(demo_home: Path) -> None:
    hits = json.loads(run("search", "--home", str(demo_home), "aneurysm", "-k", "1", "--format", "json"))
    doc_id = hits[0]["doc_id"]
    d = json.loads(run("doc", "--home", str(demo_home), doc_id, "--format", "json"))
    assert d["id"] == doc_id
    assert d["text"][hits[0]["start"]:hits[0]["end"]] == hits[0]["text"]
    for s in d["sentences"]:
        assert d["text"][s["start"]:s["end"]].strip() == d["text"][s["start"]:s["end"]]
    missing = CliRunner().invoke(cli, ["doc", "--home", str(demo_home), "pmid:0"])
    assert missing.exit_code == 1 and "no document 'pmid:0'" in missing.output


def test_demo_reingest_changes_nothing(demo_home: Path) -> None:
    out = json.loads(run("ingest", "--demo", "--home", str(demo_home), "--format", "json"))
    assert all(c["ingested"] == 0 and c["updated"] == 0 for c in out["by_format"].values())
    assert out["store"]["documents"] == sum(c["unchanged"] for c in out["by_format"].values())


def test_migration_from_v1_keeps_data(tmp_path: Path) -> None:
    from medcite.store.schema import MIGRATIONS

    path = tmp_path / "old.sqlite"
    conn = sqlite3.connect(path)
    conn.executescript("BEGIN;" + MIGRATIONS[0] + "\nPRAGMA user_version = 1;\nCOMMIT;")
    conn.execute(
        "INSERT INTO files(path, sha256, size, status, updated_at) VALUES ('/a', 'abc', 1, 'done', 'now')"
    )
    conn.commit()
    conn.close()
    store = Store(path)
    rec = store.file_record("/a")
    assert rec is not None and rec.sha256 == "abc" and rec.pipeline == ""
    assert store.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def test_a_new_pipeline_version_redoes_unchanged_files(demo_home: Path, tmp_path: Path) -> None:
    import shutil

    home = tmp_path / "copy"
    shutil.copytree(demo_home, home)
    conn = sqlite3.connect(home / "medcite.sqlite")
    conn.execute("UPDATE files SET pipeline = 'old'")
    conn.execute("UPDATE documents SET content_hash = 'old' WHERE source_format = 'ngc'")
    conn.commit()
    conn.close()
    out = json.loads(run("ingest", "--demo", "--home", str(home), "--format", "json"))
    assert out["by_format"]["ngc"]["updated"] == out["store"]["by_kind"]["guideline"]["documents"]
    assert out["by_format"]["pubmedqa"]["unchanged"] == 1000
