"""Ingest: idempotence, updates, kill-and-resume, and every kind of bad input.

All tests use real SQLite files in tmp_path and the real readers; the kill
test kills a real ``medcite ingest`` process with SIGKILL.
"""

from __future__ import annotations

import gzip
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from medcite.cli import cli
from medcite.engine import Engine
from medcite.ingest import Ingester, IngestReport
from medcite.settings import IngestSettings, Settings

WORDS = ["venous", "reflux", "compression", "stockings", "duplex", "ultrasound", "perforator", "ablation", "sclerotherapy", "ulcer", "healing", "recurrence", "thrombosis", "warfarin", "aspirin", "statin", "dose", "outcome", "cohort"]


def pubmedqa_item(pmid: int, n_sent: int = 3) -> dict[str, object]:
    """A record in PubMedQA's schema with deterministic pseudo-text."""
    sents = [
        " ".join(WORDS[(pmid * 7 + i * 3 + j) % len(WORDS)] for j in range(9)).capitalize() + f" in {pmid} patients."
        for i in range(n_sent)
    ]
    return {
        "QUESTION": f"Does intervention {pmid} improve venous ulcer healing?",
        "CONTEXTS": [" ".join(sents[:-1]), sents[-1]],
        "LABELS": ["BACKGROUND", "RESULTS"],
        "MESHES": ["Varicose Ulcer"],
        "YEAR": "2010",
        "final_decision": "yes",
        "LONG_ANSWER": f"Intervention {pmid} improved healing by {pmid % 50}%.",
    }


def write_pubmedqa(path: Path, pmids: range | list[int]) -> Path:
    path.write_text(json.dumps({str(p): pubmedqa_item(p) for p in pmids}), encoding="utf-8")
    return path


def ingest(home: Path, *paths: Path, **kw: int) -> IngestReport:
    engine = Engine(Settings(home=home, ingest=IngestSettings(**kw)))
    try:
        return Ingester(engine.store, engine.backend, engine.settings.ingest).run(paths)
    finally:
        engine.close()


def counts(home: Path) -> tuple[int, int, int]:
    conn = sqlite3.connect(home / "medcite.sqlite")
    try:
        docs = conn.execute("SELECT count(*) FROM documents").fetchone()[0]
        pas = conn.execute("SELECT count(*) FROM passages").fetchone()[0]
        fts = conn.execute("SELECT count(*) FROM passages_fts").fetchone()[0]
        return docs, pas, fts
    finally:
        conn.close()


def test_reingest_is_idempotent(tmp_path: Path) -> None:
    src = write_pubmedqa(tmp_path / "pqa.json", range(1000, 1020))
    first = ingest(tmp_path / "home", src)
    assert first.by_format["pubmedqa"].ingested == 20
    before = counts(tmp_path / "home")
    again = ingest(tmp_path / "home", src)
    c = again.by_format["pubmedqa"]
    assert (c.ingested, c.updated, c.unchanged) == (0, 0, 20)
    assert counts(tmp_path / "home") == before
    assert before[1] == before[2] > 0  # every passage is indexed exactly once


def test_changed_file_updates_and_removes_documents(tmp_path: Path) -> None:
    home = tmp_path / "home"
    src = write_pubmedqa(tmp_path / "pqa.json", range(1, 6))
    ingest(home, src)
    data = json.loads(src.read_text())
    data["3"]["LONG_ANSWER"] = "Zanubrutinib changed everything."
    del data["5"]
    src.write_text(json.dumps(data))
    rep = ingest(home, src)
    c = rep.by_format["pubmedqa"]
    assert (c.ingested, c.updated, c.unchanged) == (0, 1, 3)
    engine = Engine(Settings(home=home))
    assert [h.passage.doc_id for h in engine.search("zanubrutinib")] == ["pmid:3"]
    assert "Zanubrutinib" in engine.store.text("pmid:3")
    with pytest.raises(Exception, match="no document"):
        engine.store.get_document("pmid:5")
    docs, pas, fts = counts(home)
    assert docs == 4 and pas == fts


def test_killed_ingest_leaves_consistent_store_and_rerun_completes(tmp_path: Path) -> None:
    src = write_pubmedqa(tmp_path / "big.json", range(1, 3001))
    home = tmp_path / "home"
    env = {**os.environ, "MEDCITE_HOME": str(home)}
    cmd = [sys.executable, "-m", "medcite.cli.__main__", "ingest", "-q", "--batch-size", "5", str(src)]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    store = home / "medcite.sqlite"
    deadline = time.monotonic() + 120
    seen = 0
    while time.monotonic() < deadline and proc.poll() is None:
        if store.exists():
            try:
                seen = counts(home)[0]
            except sqlite3.OperationalError:
                seen = 0
            if seen >= 50:
                break
        time.sleep(0.05)
    if proc.poll() is not None:
        pytest.fail(f"ingest finished before it could be killed (saw {seen} documents); make the input larger")
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    conn = sqlite3.connect(store)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    docs, pas, fts = counts(home)
    conn.close()
    assert 0 < docs < 3000, "the kill should land mid-file"
    assert docs % 5 == 0, "only whole batches are committed"
    assert pas == fts, "index and store agree after a kill"
    rep = ingest(home, src)
    c = rep.by_format["pubmedqa"]
    assert c.unchanged == docs and c.ingested == 3000 - docs
    ref = tmp_path / "ref"
    ingest(ref, src)
    assert counts(home) == counts(ref)
    engine = Engine(Settings(home=home), must_exist=True)
    if engine.backend.name == "fts5+tantivy":  # the fast mirror is back in step too
        assert engine.backend.fresh()


# ---------------------------------------------------------------------------
# Bad input: one clear line per file, nothing valid lost, exit status 1.
# ---------------------------------------------------------------------------


def _bad_inputs(d: Path) -> dict[str, str]:
    """Write one file per problem; return {file name: expected words in its error line}."""
    d.mkdir()
    (d / "truncated.xml").write_text(
        "<?xml version='1.0'?>\n<PubmedArticleSet><PubmedArticle><MedlineCitation><PMID>1</PMID>",
        encoding="utf-8",
    )
    raw = gzip.compress(b"<?xml version='1.0'?><PubmedArticleSet>" + b"<x/>" * 5000 + b"</PubmedArticleSet>")
    (d / "cut.xml.gz").write_bytes(raw[: len(raw) // 2])
    (d / "empty.json").write_bytes(b"")
    (d / "junk.bin.xml").write_bytes(bytes(range(256)) * 40)
    (d / "latin1.xml").write_bytes(
        b"<?xml version='1.0' encoding='UTF-8'?>\n<PubmedArticleSet><PubmedArticle><MedlineCitation>"
        b"<PMID>77</PMID><Article><ArticleTitle>Caf\xe9 study</ArticleTitle></Article></MedlineCitation>"
        b"</PubmedArticle></PubmedArticleSet>"
    )
    (d / "unknown.json").write_text(json.dumps({"hello": ["world"]}), encoding="utf-8")
    (d / "huge.json").write_text(json.dumps({str(i): pubmedqa_item(i) for i in range(100, 3100)}), encoding="utf-8")
    return {
        "truncated.xml": "line",
        "cut.xml.gz": "gzip",
        "empty.json": "empty",
        "junk.bin.xml": "binary",
        "latin1.xml": "encoding",
        "unknown.json": "unknown format",
        "huge.json": "limit",
    }


def test_bad_inputs_each_get_one_clear_line_and_good_documents_survive(tmp_path: Path) -> None:
    bad = tmp_path / "bad"
    expected = _bad_inputs(bad)
    good = write_pubmedqa(tmp_path / "good.json", range(1, 11))
    dup = write_pubmedqa(tmp_path / "dup.json", [5, 11])  # pmid:5 is already in good.json
    home = tmp_path / "home"
    paths = [str(good), str(dup), *(str(bad / name) for name in expected)]
    result = CliRunner().invoke(
        cli, ["ingest", "--home", str(home), "-q", "--max-file-size", "1", *paths], catch_exceptions=False
    )
    assert result.exit_code == 1, result.output
    out = result.output
    for name, words in expected.items():
        lines = [ln for ln in out.splitlines() if name in ln and "error" in ln]
        assert lines, f"no error line for {name}:\n{out}"
        assert words.lower() in lines[0].lower(), f"{name}: {lines[0]!r} should mention {words!r}"
    assert any(
        ln.startswith("warning:") and "duplicate id pmid:5" in ln and "dup.json" in ln for ln in out.splitlines()
    ), out
    engine = Engine(Settings(home=home))
    st = engine.store.stats()
    assert st["documents"] == 11  # 10 good + pmid:11 from dup.json; nothing valid lost
    assert "Intervention 11 improved" in engine.store.text("pmid:11")


def test_missing_path_is_reported(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["ingest", "--home", str(tmp_path / "h"), "-q", str(tmp_path / "nope.xml")])
    assert result.exit_code == 1
    assert "nope.xml: no such file or folder" in result.output


def test_folder_walk_skips_readmes_and_unknown_files(tmp_path: Path) -> None:
    d = tmp_path / "corpus"
    d.mkdir()
    write_pubmedqa(d / "pqa.json", range(1, 4))
    (d / "README.md").write_text("# About this corpus\n\nNot a guideline.", encoding="utf-8")
    (d / "labels.json").write_text(json.dumps({"1": "yes"}), encoding="utf-8")
    (d / "data.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    rep = ingest(tmp_path / "home", d)
    assert not rep.failed, rep.problems
    assert rep.by_format["pubmedqa"].ingested == 3
    assert rep.by_format["unknown"].skipped == 1  # labels.json: walked, not a document format


def test_quoted_globs_are_expanded(tmp_path: Path) -> None:
    for i in range(3):
        write_pubmedqa(tmp_path / f"part{i}.json", [100 + i])
    (tmp_path / "sub").mkdir()
    write_pubmedqa(tmp_path / "sub" / "part9.json", [109])
    rep = ingest(tmp_path / "home", Path(str(tmp_path / "part*.json")))
    assert rep.by_format["pubmedqa"].ingested == 3 and not rep.failed
    rep = ingest(tmp_path / "home2", Path(str(tmp_path / "**" / "part*.json")))
    assert rep.by_format["pubmedqa"].ingested == 4


def test_document_hash_is_the_stored_formula_so_existing_stores_stay_valid() -> None:
    # The hash decides whether a re-ingested document is rewritten: it must stay what stores
    # already hold (sha256 of the pipeline version and the document's asdict JSON).
    import hashlib
    from dataclasses import asdict

    from medcite.model import Document
    from medcite.readers import detect
    from medcite.store.db import PIPELINE_VERSION, document_hash

    files = sorted(p for p in (Path(__file__).parent / "fixtures").rglob("*") if p.is_file())
    docs = []
    for f in files:
        try:
            docs += [d for d in detect(f).read(f) if isinstance(d, Document)]
        except Exception:  # a fixture meant to fail to read is not a document
            continue
    assert len({d.source_format for d in docs}) >= 5
    for d in docs:
        payload = PIPELINE_VERSION + json.dumps(asdict(d), sort_keys=True, ensure_ascii=False, default=str)
        assert document_hash(d) == hashlib.sha256(payload.encode("utf-8")).hexdigest(), d.id


def test_file_keys_are_real_paths_through_links_and_relative_names(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The folder-memoised resolver must give what Path.resolve gives: a file reached through a
    # linked folder, a linked file, a relative name and ".." all get their real path as key.
    from medcite.ingest import Resolver

    real = tmp_path / "real"
    (real / "sub").mkdir(parents=True)
    f = real / "sub" / "a.txt"
    f.write_text("x", encoding="utf-8")
    (tmp_path / "linkdir").symlink_to(real, target_is_directory=True)
    (tmp_path / "linkfile.txt").symlink_to(f)
    monkeypatch.chdir(real)
    resolve = Resolver()
    cases = [f, tmp_path / "linkdir" / "sub" / "a.txt", tmp_path / "linkfile.txt", Path("sub/a.txt"),
             Path("sub/../sub/a.txt"), tmp_path / "linkdir" / "sub" / ".." / "sub" / "a.txt"]
    for p in cases:
        assert resolve(p) == str(f.resolve()), p
    # A name that is not there yet (a file that vanished) still gets a key under its real folder.
    assert resolve(tmp_path / "linkdir" / "gone.txt") == str(real / "gone.txt")


def test_a_new_store_merges_its_fts5_segments_lazily(tmp_path: Path) -> None:
    # Migration v7: FTS5 merges at 16 segments per level (its default 4 cost ~15 % of an ingest).
    from medcite.store.db import Store

    store = Store(tmp_path / "s.sqlite")
    rows = dict(store.conn.execute("SELECT k, v FROM passages_fts_config").fetchall())
    assert rows.get("automerge") == 16
