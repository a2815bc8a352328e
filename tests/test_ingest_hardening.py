"""A bad file is reported with its path and reason and never costs a valid one (issue 9, first items)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from medcite.engine import Engine
from medcite.ingest import Ingester, IngestReport
from medcite.settings import Settings

GOOD = "---\ntitle: Good\nkind: guideline\n---\nStatins are recommended for adults with diabetes aged 40 to 75 years.\n"


def ingest(home: Path, src: Path) -> tuple[Engine, IngestReport]:
    eng = Engine(Settings(home=home))
    return eng, Ingester(eng.store, eng.backend, eng.settings.ingest).run([str(src)])


def assert_refused_and_rest_stored(eng: Engine, report: IngestReport, name: str, reason: str, stored: int = 1) -> None:
    """The bad file is reported by name with its reason; the valid files are all stored."""
    assert eng.store.stats()["documents"] == stored, report.problems
    assert any(name in p and reason in p for p in report.problems), report.problems


def test_deeply_nested_json_is_reported_and_the_next_file_is_stored(tmp_path: Path) -> None:
    src = tmp_path / "in"
    src.mkdir()
    (src / "a-deep.json").write_text('{"1": ' + "[" * 20000 + "]" * 20000 + "}")
    (src / "b-good.md").write_text(GOOD)
    eng, report = ingest(tmp_path / "home", src)
    assert_refused_and_rest_stored(eng, report, "a-deep.json", "nested too deeply")
    assert sum(c.files for c in report.by_format.values()) == 2
    eng.close()


@pytest.mark.skipif(os.name != "posix", reason="file names with arbitrary bytes are a POSIX thing")
def test_a_file_name_that_is_not_utf8_is_stored_under_an_escaped_name(tmp_path: Path) -> None:
    src = tmp_path / "in"
    src.mkdir()
    with open(os.path.join(os.fsencode(src), b"bad\xffname.md"), "w", encoding="utf-8") as f:
        f.write(GOOD.replace("Good", "Bad name"))
    (src / "good.md").write_text(GOOD)
    eng, report = ingest(tmp_path / "home", src)
    assert eng.store.stats()["documents"] == 2, report.problems
    paths = {r[0] for r in eng.store.conn.execute("SELECT path FROM files")}
    assert any(p.endswith("bad\\xffname.md") for p in paths)
    eng.close()


def _without_root_file_powers() -> list[str] | None:
    """A command prefix under which even root obeys file modes, or None when none is needed or available.

    Root reads a file whatever its mode, because it holds CAP_DAC_OVERRIDE and
    CAP_DAC_READ_SEARCH. CI runs as root, so the test drops those two
    capabilities with util-linux's ``setpriv`` rather than skipping: the
    ingest then meets a real EACCES from the kernel.
    """
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    return [setpriv, "--bounding-set=-dac_override,-dac_read_search"] if setpriv else None


def test_an_unreadable_file_is_reported_and_the_next_file_is_stored(tmp_path: Path) -> None:
    prefix = _without_root_file_powers()
    if prefix is None:
        pytest.skip("running as root without util-linux setpriv: root reads files whatever their mode")
    src = tmp_path / "in"
    src.mkdir()
    locked = src / "a-locked.md"
    locked.write_text(GOOD)
    locked.chmod(0)
    (src / "b-good.md").write_text(GOOD.replace("Good", "Other"))
    home = tmp_path / "home"
    # The real CLI in a child process, so that the capability drop applies to the whole ingest.
    run = subprocess.run([*prefix, sys.executable, "-m", "medcite", "ingest", "--home", str(home), str(src),
                          "--format", "json"], capture_output=True, text=True, timeout=300)
    assert run.returncode == 1, run.stderr  # 1: some files failed, the rest stored
    report = json.loads(run.stdout)
    assert report["failed_files"] == [str(locked)]
    assert any("a-locked.md" in p and "permission denied" in p for p in report["problems"]), report["problems"]
    assert report["store"]["documents"] == 1
    eng = Engine(Settings(home=home))
    assert [r[0] for r in eng.store.conn.execute("SELECT title FROM documents")] == ["Other"]
    eng.close()


def test_nul_and_control_characters_do_not_cut_stored_text(tmp_path: Path) -> None:
    # A JSON escape puts a NUL into the text without any NUL byte in the file.
    src = tmp_path / "in"
    src.mkdir()
    item = {"QUESTION": "Do statins help?", "CONTEXTS": ["Statins\u0000 lowered\u0007 LDL by 30%.", "Adherence was high."],
            "LABELS": ["RESULTS", "METHODS"], "LONG_ANSWER": "Statins help in primary prevention.",
            "MESHES": [], "YEAR": "2010", "final_decision": "yes"}
    (src / "pqa.json").write_text(json.dumps({"12345": item}).replace("\\\\u", "\\u"))
    eng, report = ingest(tmp_path / "home", src)
    (doc_id,) = [r[0] for r in eng.store.conn.execute("SELECT id FROM documents")]
    text = eng.store.text(doc_id)
    assert "\x00" not in text and "\x07" not in text, report.problems
    passages = eng.store.passages([r[0] for r in eng.store.conn.execute("SELECT id FROM passages")])
    assert any("primary prevention" in p.text for p in passages.values())
    for sent in eng.store.sentences(doc_id):  # offsets still point at the stored text
        assert text[sent.start:sent.end].strip()
    eng.close()


def test_files_named_only_in_cjk_get_distinct_ids(tmp_path: Path) -> None:
    src = tmp_path / "in"
    src.mkdir()
    (src / "高血压指南.md").write_text(GOOD.replace("Good", "One"))
    (src / "糖尿病指南.md").write_text(GOOD.replace("Good", "Two").replace("Statins", "Metformin"))
    eng, report = ingest(tmp_path / "home", src)
    ids = {r[0] for r in eng.store.conn.execute("SELECT id FROM documents")}
    assert len(ids) == 2, (ids, report.warnings)
    eng.close()


def test_a_gzip_bomb_is_refused_while_decompressing_and_the_next_file_is_stored(tmp_path: Path) -> None:
    import gzip

    src = tmp_path / "in"
    src.mkdir()
    # 64 MiB of zeros inside a well-formed XML shell compress to ~64 KB: a ratio of ~1000.
    with gzip.open(src / "a-bomb.xml.gz", "wb", compresslevel=9) as gz:
        gz.write(b"<PubmedArticleSet><!--")
        for _ in range(64):
            gz.write(b"0" * 1024**2)
        gz.write(b"--></PubmedArticleSet>")
    (src / "b-good.md").write_text(GOOD)
    eng, report = ingest(tmp_path / "home", src)
    assert_refused_and_rest_stored(eng, report, "a-bomb.xml.gz", "decompression bomb")
    eng.close()


def test_one_huge_document_is_refused_with_a_reason(tmp_path: Path) -> None:
    from dataclasses import replace

    src = tmp_path / "in"
    src.mkdir()
    (src / "a-huge.md").write_text(GOOD + ("word " * 300_000) + "\n")
    (src / "b-good.md").write_text(GOOD.replace("Good", "Other"))
    eng = Engine(Settings(home=tmp_path / "home"))
    settings = replace(eng.settings.ingest, max_document_chars=1024**2)
    report = Ingester(eng.store, eng.backend, settings).run([str(src)])
    assert_refused_and_rest_stored(eng, report, "a-huge.md", "split the file")
    eng.close()


def test_a_second_writer_on_the_same_home_is_refused_with_who_holds_it(tmp_path: Path) -> None:
    import subprocess
    import sys

    from click.testing import CliRunner

    from medcite.cli import cli
    from medcite.lock import WriterLock

    src = tmp_path / "in"
    src.mkdir()
    (src / "good.md").write_text(GOOD)
    home = tmp_path / "home"
    assert CliRunner().invoke(cli, ["ingest", str(src), "--home", str(home)]).exit_code == 0
    # The holder is another process, as in real use (flock is per open file description).
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sys, time; from pathlib import Path; from medcite.lock import WriterLock\n"
         "with WriterLock(Path(sys.argv[1]), 'medcite ingest'):\n"
         "    print('locked', flush=True); time.sleep(30)", str(home)],
        stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        res = CliRunner().invoke(cli, ["ingest", str(src), "--home", str(home)])
        assert res.exit_code != 0
        assert "another writer holds" in res.output and f"pid {holder.pid}" in res.output
        again = CliRunner().invoke(cli, ["reindex", "--home", str(home)])
        assert again.exit_code != 0 and "another writer holds" in again.output
    finally:
        holder.kill()
        holder.wait()
    # Once the holder is gone (even killed), the lock is free.
    res = CliRunner().invoke(cli, ["reindex", "--home", str(home)])
    assert res.exit_code == 0, res.output
    with WriterLock(home, "test"):
        pass


def test_utf16_files_are_read_not_called_binary(tmp_path: Path) -> None:
    src = tmp_path / "in"
    src.mkdir()
    (src / "utf16.md").write_bytes(GOOD.replace("Good", "Wide").encode("utf-16"))
    medquad = ('<?xml version="1.0" encoding="UTF-16"?><Document id="0000001" source="NIDDK" url="https://x.gov/a">'
               "<Focus>Gout</Focus><QAPairs><QAPair pid=\"1\"><Question qid=\"0000001-1\" qtype=\"information\">"
               "What is gout?</Question><Answer>Gout is a painful form of arthritis caused by uric acid crystals."
               "</Answer></QAPair></QAPairs></Document>")
    (src / "gout.xml").write_bytes(medquad.encode("utf-16"))
    eng, report = ingest(tmp_path / "home", src)
    assert eng.store.stats()["documents"] == 2, report.problems
    eng.close()


def test_fifo_and_symlink_loop_get_their_own_reasons(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from medcite.cli import cli

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    loop = tmp_path / "loop"
    loop.symlink_to(tmp_path / "loop")
    good = tmp_path / "good.md"
    good.write_text(GOOD)
    res = CliRunner().invoke(cli, ["ingest", str(fifo), str(loop), str(good), "--home", str(tmp_path / "home")])
    assert res.exit_code == 1
    assert "pipe: a FIFO (named pipe), not a file or folder medcite can read" in res.output
    assert "loop: symbolic link loop" in res.output
    assert "1 documents" in res.output


def test_metadata_and_xml_problems_get_reasons_that_say_what_to_do(tmp_path: Path) -> None:
    src = tmp_path / "in"
    src.mkdir()
    (src / "fm.md").write_text("---\ntitle: Never closed\nkind: guideline\n\nAspirin is recommended.\n")
    (src / "badid.md").write_text('---\nid: ":"\ntitle: Bad id\nkind: guideline\n---\nAspirin is recommended.\n')
    entities = "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">\n' for i in range(1, 10))
    (src / "lol.xml").write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE PubmedArticleSet [\n<!ENTITY l0 "lol">\n' + entities + "]>\n"
        "<PubmedArticleSet><PubmedArticle><MedlineCitation><PMID>1</PMID><Article><ArticleTitle>&l9;"
        "</ArticleTitle></Article></MedlineCitation></PubmedArticle></PubmedArticleSet>\n")
    # A DOCTYPE with an internal subset must not hide what the file is.
    (src / "mq.xml").write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE Document [\n<!ENTITY nbsp "&#160;">\n]>\n'
        '<Document id="0000001" source="NIDDK" url="https://x.gov/a"><Focus>Gout</Focus><QAPairs>'
        '<QAPair pid="1"><Question qid="0000001-1" qtype="information">What is gout?</Question>'
        "<Answer>Gout is a painful form of arthritis caused by uric acid crystals.</Answer></QAPair>"
        "</QAPairs></Document>\n")
    eng, report = ingest(tmp_path / "home", src)
    problems = "\n".join(report.problems)
    assert "fm.md: front matter opened with '---' is never closed" in problems
    assert "badid.md: id ':' in the metadata is not usable" in problems
    assert "lol.xml" in problems and "billion laughs" in problems and "download it again" not in problems
    assert eng.store.stats()["documents"] == 1  # the MedQuAD page
    eng.close()


def test_deleted_files_are_removed_and_a_surviving_duplicate_takes_over(tmp_path: Path) -> None:
    src = tmp_path / "in"
    src.mkdir()
    one = "---\nid: local:shared\ntitle: Shared\nkind: guideline\n---\nFirst copy says aspirin 81 mg daily.\n"
    two = "---\nid: local:shared\ntitle: Shared\nkind: guideline\n---\nSecond copy says clopidogrel 75 mg daily.\n"
    (src / "a-first.md").write_text(one)
    (src / "b-second.md").write_text(two)
    (src / "c-other.md").write_text(GOOD)
    eng, report = ingest(tmp_path / "home", src)
    assert "First copy" in eng.store.text("local:shared")
    assert any("duplicate id local:shared" in w for w in report.warnings)
    (src / "a-first.md").unlink()
    report = Ingester(eng.store, eng.backend, eng.settings.ingest).run([str(src)])
    assert any("a-first.md: no longer exists" in w for w in report.warnings)
    assert "Second copy" in eng.store.text("local:shared")  # the survivor took over
    (src / "c-other.md").unlink()
    kept = Ingester(eng.store, eng.backend, replace(eng.settings.ingest, prune=False)).run([str(src)])
    assert any("c-other.md: no longer exists; its 1 documents are kept" in w for w in kept.warnings)
    assert eng.store.stats()["documents"] == 2
    report = Ingester(eng.store, eng.backend, eng.settings.ingest).run([str(src)])
    assert eng.store.stats()["documents"] == 1 and report.removed_files
    eng.close()


def test_connections_of_finished_threads_are_closed(tmp_path: Path) -> None:
    import threading

    from medcite.store.db import Store

    store = Store(tmp_path / "s.sqlite")
    store.conn.execute("SELECT 1")

    def use() -> None:
        (size,) = store.conn.execute("PRAGMA cache_size").fetchone()
        assert size == -8192  # a worker's cache, not the writer's 64 MiB

    for _ in range(30):  # threads come and go, as a server's workers do
        t = threading.Thread(target=use)
        t.start()
        t.join()
    assert store.open_connections() <= 2  # the creator's and at most the last worker's
    store.close()


def test_deeply_nested_html_keeps_its_content(tmp_path: Path) -> None:
    src = tmp_path / "in"
    src.mkdir()
    deep = ("<html><head><title>Deep</title></head><body>" + "<div>" * 400
            + "<p>Aspirin 81 mg daily is recommended after a heart attack.</p>" + "</div>" * 400 + "</body></html>")
    (src / "deep.html").write_text(deep)
    eng, report = ingest(tmp_path / "home", src)
    (doc_id,) = [r[0] for r in eng.store.conn.execute("SELECT id FROM documents")]
    assert "Aspirin 81 mg daily" in eng.store.text(doc_id), report.problems
    eng.close()
