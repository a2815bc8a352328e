"""``medcite train-ranker``: retrain the ask pipeline's sentence ranker (reproducible, offline)."""

from __future__ import annotations

import json
import time
from pathlib import Path

import click
from rich.console import Console

from medcite.cli.common import domain_errors


@click.command(name="train-ranker")
@click.option("--home", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="A store holding the shared corpora (`medcite ingest --home H ../shared/corpora`).")
@click.option("--data", type=click.Path(file_okay=False, exists=True, path_type=Path), required=True,
              help="The folder laid out like ../shared/corpora (BioASQ, MedQuAD, PubMedQA questions).")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="Where to write the model (the shipped one is src/medcite/answer/ranker.json).")
@click.option("--questions", type=click.IntRange(20), default=400, show_default=True,
              help="Training questions per dataset.")
@click.option("--no-dev", is_flag=True, help="Leave out the dev split of the realistic question set.")
@domain_errors
def train_ranker(home: Path, data: Path, out: Path, questions: int, no_dev: bool) -> None:
    """Learn the sentence ranker from BioASQ, MedQuAD and PubMedQA; print held-out P@1 and MRR."""
    try:
        import numpy  # noqa: F401
    except ModuleNotFoundError as exc:
        raise click.ClickException("training needs numpy: pip install 'medcite[eval]'") from exc
    from medcite.answer.rank import Reranker
    from medcite.answer.training import train
    from medcite.engine import Engine

    err = Console(stderr=True)
    t0 = time.perf_counter()
    engine = Engine.open(home)
    ask = engine.settings.ask
    rerank = Reranker(ask.rerank_top, 1.0, ask.rerank_cos) if ask.rerank_cos > 0 else None
    report = train(engine, data, out, per_dataset=questions, dev=not no_dev, encoder=engine.encoder, rerank=rerank,
                   progress=lambda m: err.print(f"[dim]{time.perf_counter() - t0:7.1f}s[/] {m}", highlight=False))
    click.echo("| held-out set | questions | ranker P@1 | ranker MRR | BM25-only P@1 | BM25-only MRR |")
    click.echo("|---|---|---|---|---|---|")
    for name, r in report["held_out"].items():
        a, b = r["ranker"], r["bm25 only"]
        click.echo(f"| {name} | {a['questions']:.0f} | {a['P@1']:.3f} | {a['MRR']:.3f} | {b['P@1']:.3f} | {b['MRR']:.3f} |")
    if "rerank" in report:
        rr = report["rerank"]
        click.echo(f"\nSecond stage, p + w * cosine over the top {rr['top']} per sub-question (held-out questions "
                   f"with a positive there); fitted w = {rr['fitted_cos']:.3f}, configured w = {rr['configured_cos']}:\n")
        click.echo("| held-out set | questions | first stage P@1 | fitted P@1 | configured P@1 | configured MRR |")
        click.echo("|---|---|---|---|---|---|")
        for name, r in rr["held_out"].items():
            a, b, c = r["first stage"], r["fitted"], r["configured"]
            click.echo(f"| {name} | {a['questions']:.0f} | {a['P@1']:.3f} | {b['P@1']:.3f} | {c['P@1']:.3f} | "
                       f"{c['MRR']:.3f} |")
    click.echo(f"\nmodel written to {out} ({report['examples']:,} examples, {report['seconds']} s)")
    click.echo(json.dumps(json.loads(out.read_text(encoding="utf-8")), indent=1))
