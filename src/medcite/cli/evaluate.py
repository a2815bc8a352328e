"""``medcite eval DATASET``: quality benchmarks with baselines side by side."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import click
from rich.console import Console

from medcite.cli.common import domain_errors

CHOICES = ["pubmedqa", "bioasq", "medquad", "medicationqa", "keyfacts", "faithfulness", "realistic", "verifier",
           "all"]
#: ``all`` runs keyfacts once: it already reports faithfulness and abstention.
ALL = ("pubmedqa", "bioasq", "medquad", "medicationqa", "keyfacts", "realistic")


@click.command(name="eval")
@click.argument("dataset", type=click.Choice(CHOICES))
@click.option("--data", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder laid out like ../shared/corpora (default: $MEDCITE_DATA, else a sibling shared/corpora).")
@click.option("--limit", type=click.IntRange(1), default=None,
              help="Questions per dataset (fixed pseudo-random selection; default: all, MedQuAD 1000); "
                   "for verifier, items per perturbation type (default 200).")
@click.option("--answers", type=click.IntRange(0), default=None,
              help="Articles generated per dataset with engine.ask (default 100).")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("eval-out"),
              show_default=True, help="Where report.md, report.json, recall_at_k.png and TREC files go.")
@click.option("--home", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Evaluate in this store (dataset files are ingested into it) instead of a temporary one.")
@click.option("-q", "--quiet", is_flag=True, help="No progress output.")
@domain_errors
def eval_cmd(dataset: str, data: Path | None, limit: int | None, answers: int | None, out: Path,
             home: Path | None, quiet: bool) -> None:
    """Evaluate medcite on DATASET next to plain-BM25 and first-snippets baselines."""
    from medcite.eval.datasets import DatasetMissing
    from medcite.eval.report import table_markdown
    from medcite.eval.runner import find_data, run

    if data is None:
        env = os.environ.get("MEDCITE_DATA")
        data = Path(env) if env else find_data(Path.cwd())
    if data is None or not data.is_dir():
        raise click.UsageError("no evaluation data: pass --data DIR or set MEDCITE_DATA (a folder like ../shared/corpora)")
    err = Console(stderr=True, quiet=quiet)
    t0 = time.perf_counter()

    def progress(msg: str) -> None:
        err.print(f"[dim]{time.perf_counter() - t0:7.1f}s[/] {msg}", highlight=False)

    if dataset == "verifier":  # no store: statements checked against their quotes
        from medcite.eval.verifier import report_markdown, run_verifier

        try:
            result, vpaths = run_verifier(data, out, per_type=limit or 200, progress=progress)
        except DatasetMissing as exc:
            raise click.ClickException(str(exc)) from exc
        click.echo(report_markdown(result))
        click.echo("report: " + ", ".join(str(p) for p in vpaths.values()))
        return
    names = ALL if dataset == "all" else (dataset,)
    try:
        results, paths = run(names, data, out, limit=limit, answers=answers, home=home, progress=progress)
    except DatasetMissing as exc:
        raise click.ClickException(str(exc)) from exc
    for r in results:
        click.echo(f"\n## {r.name} ({r.questions} questions)\n")
        for t in r.tables:
            click.echo(table_markdown(t))
        click.echo("timings (s): " + ", ".join(f"{k} {v}" for k, v in r.timings.items()))
    click.echo("\nreport: " + ", ".join(str(p) for p in paths.values()))
    sys.stdout.flush()
