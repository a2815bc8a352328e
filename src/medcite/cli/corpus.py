"""``medcite ingest | stats | search | doc``: build and inspect the evidence store."""

from __future__ import annotations

import sys
import time
from dataclasses import asdict, replace
from importlib import resources
from pathlib import Path

import click
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from medcite.cli.common import domain_errors, echo_json, home_option, settings_from
from medcite.engine import Engine
from medcite.ingest import COUNT_KEYS, Ingester, IngestReport, expand_paths
from medcite.lock import WriterLock

KINDS = click.Choice(["guideline", "research", "patient-info"])


def demo_path() -> Path:
    """The bundled openly licensed demo corpus."""
    return Path(str(resources.files("medcite") / "demo"))


def run_ingest(engine: Engine, paths: list[str], *, quiet: bool = False) -> IngestReport:
    """Ingest with a progress bar (documents/s) on stderr."""
    console = Console(stderr=True, quiet=quiet)
    explicit, walked, _ = expand_paths(paths)
    total_files = len(explicit) + len(walked)
    report = IngestReport()
    t0 = time.perf_counter()
    with Progress(
        TextColumn("[bold]ingest"), BarColumn(), TextColumn("{task.completed}/{task.total} files"),
        TextColumn("{task.fields[docs]} docs"), TextColumn("{task.fields[rate]} docs/s"),
        TimeElapsedColumn(), TextColumn("{task.fields[name]}"),
        console=console, transient=False, disable=quiet,
    ) as progress:
        task = progress.add_task("ingest", total=total_files, docs=0, rate="0", name="")
        done_before = 0  # documents of finished files
        current: dict[Path, int] = {}

        def on_progress(path: Path, done_in_file: int) -> None:
            current[path] = done_in_file
            docs = done_before + done_in_file
            rate = docs / max(time.perf_counter() - t0, 1e-6)
            progress.update(task, docs=f"{docs:,}", rate=f"{rate:,.0f}", name=_printable(path.name)[:40])

        def on_file_done(path: Path) -> None:
            nonlocal done_before
            done_before += current.pop(path, 0)
            progress.advance(task)

        ingester = Ingester(
            engine.store, engine.backend, engine.settings.ingest, on_progress=on_progress, on_file_done=on_file_done
        )
        ingester.run(paths, report)
    return report


def print_report(report: IngestReport, console: Console) -> None:
    table = Table(title=f"ingest summary ({report.seconds:.1f} s)")
    table.add_column("format")
    table.add_column("files", justify="right")
    for k in COUNT_KEYS:
        table.add_column(k, justify="right")
    for name, c in sorted(report.by_format.items()):
        table.add_row(name, str(c.files), *(f"{getattr(c, k):,}" for k in COUNT_KEYS))
    console.print(table)
    for reason, n in report.skipped_reasons.most_common(10):
        click.echo(f"skipped: {n} × {reason}", err=True)
    for line in report.warnings[:100]:
        click.echo(f"warning: {line}", err=True)
    if len(report.warnings) > 100:
        click.echo(f"warning: … and {len(report.warnings) - 100} more warnings", err=True)
    # Problems go out as plain, unwrapped lines: one per problem, greppable.
    for line in report.problems[:500]:
        click.echo(f"error: {line}", err=True)
    if len(report.problems) > 500:
        click.echo(f"error: … and {len(report.problems) - 500} more problems", err=True)


@click.command()
@click.argument("paths", nargs=-1)
@click.option("--demo", is_flag=True, help="Ingest the bundled, openly licensed demo corpus.")
@click.option("--max-file-size", type=int, default=None, help="Refuse files larger than this many MiB.")
@click.option("--max-expanded-size", type=int, default=None,
              help="Refuse compressed files that expand beyond this many MiB (default 1024).")
@click.option("--max-expansion-ratio", type=float, default=None,
              help="Refuse compressed files that expand more than this many times (default 50).")
@click.option("--batch-size", type=int, default=None, help="Documents per transaction (default 1000).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@click.option("--wait", "wait_s", type=float, default=0.0,
              help="Wait this many seconds for another ingest/reindex of the same home (default: refuse at once).")
@click.option("--keep-removed", is_flag=True,
              help="Keep the documents of files that vanished from an ingested folder (default: remove them).")
@click.option("-q", "--quiet", is_flag=True, help="No progress bar.")
@home_option
@domain_errors
def ingest(
    paths: tuple[str, ...], demo: bool, max_file_size: int | None, max_expanded_size: int | None,
    max_expansion_ratio: float | None, batch_size: int | None, fmt: str, wait_s: float, keep_removed: bool,
    quiet: bool, home: str | None,
) -> None:
    """Ingest files, folders or globs (PubMed XML, MEDLINE, JATS, PubMedQA, BioASQ,
    MedQuAD, NGC, MedlinePlus, Markdown/HTML/text/PDF guidelines) into the store.

    Rerunning is safe: unchanged files are skipped, changed ones updated.
    Exit status 1 when any file failed (every valid document is still stored).
    """
    settings = settings_from(home)
    ing = settings.ingest
    if max_file_size is not None:
        ing = replace(ing, max_file_size=max_file_size * 1024**2)
    if batch_size is not None:
        ing = replace(ing, batch_size=max(1, batch_size))
    if max_expanded_size is not None:
        ing = replace(ing, max_expanded_size=max_expanded_size * 1024**2)
    if max_expansion_ratio is not None:
        ing = replace(ing, max_expansion_ratio=max_expansion_ratio)
    if keep_removed:
        ing = replace(ing, prune=False)
    settings = replace(settings, ingest=ing)
    targets = list(paths) + ([str(demo_path())] if demo else [])
    if not targets:
        raise click.UsageError("give PATH... to ingest, or --demo for the bundled demo corpus")
    with WriterLock(settings.home, "medcite ingest", wait=wait_s):
        engine = Engine(settings)
        report = run_ingest(engine, targets, quiet=quiet or fmt == "json")
        if fmt == "json":
            echo_json({**report.to_dict(), "store": engine.store.stats()})
        else:
            print_report(report, Console(stderr=False))
            st = engine.store.stats()
            click.echo(f"store {st['store']}: {st['documents']:,} documents, {st['passages']:,} passages")
        engine.close()
    if report.failed:
        sys.exit(1)


@click.command()
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@home_option
@domain_errors
def stats(fmt: str, home: str | None) -> None:
    """Counts of documents and passages, in total and per source kind."""
    engine = Engine(settings_from(home), must_exist=True)
    st = engine.store.stats()
    if fmt == "json":
        echo_json(st)
        return
    table = Table(title=f"medcite store {st['store']} ({st['size_bytes'] / 1024**2:.1f} MiB)")
    for col in ("source kind", "documents", "passages"):
        table.add_column(col, justify="right" if col != "source kind" else "left")
    for kind, c in st["by_kind"].items():
        table.add_row(kind, f"{c['documents']:,}", f"{c['passages']:,}")
    table.add_row("[bold]total", f"{st['documents']:,}", f"{st['passages']:,}")
    Console().print(table)


@click.command()
@click.argument("query")
@click.option("--kind", type=KINDS, default=None, help="Only this source kind.")
@click.option("-k", "k", type=click.IntRange(1, 1000), default=10, help="How many passages.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@home_option
@domain_errors
def search(query: str, kind: str | None, k: int, fmt: str, home: str | None) -> None:
    """Ranked passages for QUERY (BM25 with biomedical tokenization)."""
    engine = Engine(settings_from(home), must_exist=True)
    hits = engine.search(query, kind=kind, k=k)  # type: ignore[arg-type]
    if fmt == "json":
        echo_json(
            [
                {
                    "rank": h.rank, "score": round(h.score, 4), "doc_id": h.passage.doc_id,
                    "passage_id": h.passage.id, "source_kind": h.passage.source_kind,
                    "title": h.passage.title, "start": h.passage.start, "end": h.passage.end,
                    "text": h.passage.text,
                }
                for h in hits
            ]
        )
        return
    if not hits:
        click.echo("no matching passages")
    for h in hits:
        snippet = " ".join(h.passage.text.split())
        snippet = snippet[:240] + ("…" if len(snippet) > 240 else "")
        click.echo(f"{h.rank:>3}. {h.score:7.3f}  {h.passage.doc_id}  [{h.passage.source_kind}]  {h.passage.title[:90]}")
        click.echo(f"      {snippet}")


@click.command()
@click.argument("doc_id")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@home_option
@domain_errors
def doc(doc_id: str, fmt: str, home: str | None) -> None:
    """Show a stored document (``text`` is what sentence offsets point into)."""
    engine = Engine(settings_from(home), must_exist=True)
    d = engine.store.get_document(doc_id)
    if fmt == "json":
        out = asdict(d)
        out["sentences"] = [
            {"idx": s.idx, "section": s.section_idx, "start": s.start, "end": s.end}
            for s in engine.store.sentences(doc_id)
        ]
        echo_json(out)
        return
    click.echo(f"{d.id}  [{d.source_kind}]  {d.title}")
    meta = {k: v for k, v in asdict(d).items() if k not in ("text", "sections", "id", "title", "extra") and v}
    for key, value in meta.items():
        click.echo(f"  {key}: {value}")
    for s in d.sections:
        grade = f" [grade {s.grade}]" if s.grade else ""
        level = f" [level {s.level}]" if s.level else ""
        click.echo(f"\n## {s.heading or '(untitled)'}{grade}{level}")
        click.echo(d.text[s.start:s.end])


@click.command()
@click.option("--wait", "wait_s", type=float, default=0.0,
              help="Wait this many seconds for another ingest/reindex of the same home (default: refuse at once).")
@home_option
@domain_errors
def reindex(wait_s: float, home: str | None) -> None:
    """Rebuild the fast search index (the tantivy mirror) from the store.

    Never needed in normal use: ingest rebuilds a mirror left behind by a
    killed run, and searches fall back to the store's own index meanwhile.
    """
    settings = settings_from(home)
    engine = Engine(settings, must_exist=True)
    t0 = time.perf_counter()
    with WriterLock(settings.home, "medcite reindex", wait=wait_s), \
            Progress(TextColumn("[bold]reindex"), TextColumn("{task.fields[n]} passages"), TimeElapsedColumn(),
                     console=Console(stderr=True)) as progress:
        task = progress.add_task("reindex", n="0")
        n = engine.backend.rebuild(lambda k: progress.update(task, n=f"{k:,}"))
    click.echo(f"indexed {n:,} passages into {engine.settings.index_path} in {time.perf_counter() - t0:.1f} s")


def _printable(name: str) -> str:
    """A file name as printable text (bytes that are not UTF-8 shown as escapes)."""
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
