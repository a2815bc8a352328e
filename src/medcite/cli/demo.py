"""``medcite demo``: the main job on the embedded default, in one command.

Ingests the bundled demo corpus (idempotent: a second run takes a second),
answers the demo question, prints the article, then serves the web app.
"""

from __future__ import annotations

import click
from rich.console import Console

from medcite.cli.common import domain_errors, home_option, settings_from
from medcite.cli.corpus import demo_path, print_report, run_ingest
from medcite.engine import Engine


def demo_question() -> str:
    path = demo_path() / "DEMO_QUESTION.txt"
    if path.exists():
        q = path.read_text(encoding="utf-8").strip()
        if q:
            return q
    return "What is the meaning of venous insufficiency (venous reflux) in the lower extremities?"


@click.command()
@click.option("--question", default=None, help="Ask this instead of the demo question.")
@click.option("--audience", type=click.Choice(["clinician", "patient"]), default="clinician")
@click.option("--serve/--no-serve", default=True, help="Serve the web app afterwards (default: yes).")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, default=8000, show_default=True)
@home_option
@domain_errors
def demo(question: str | None, audience: str, serve: bool, host: str, port: int, home: str | None) -> None:
    """Ingest the bundled demo corpus, answer a question, and serve the web app."""
    from medcite.render.markdown import render_markdown

    settings = settings_from(home)
    console = Console(stderr=True)
    console.print(f"[bold]medcite demo[/] — home {settings.home}")
    engine = Engine(settings)
    report = run_ingest(engine, [str(demo_path())])
    print_report(report, Console(stderr=True))
    q = question or demo_question()
    console.print(f"[bold]asking:[/] {q}")
    article = engine.ask(q, audience=audience)  # type: ignore[arg-type]
    click.echo(render_markdown(article))
    engine.close()
    if serve:
        from medcite.cli.serve import serve as serve_cmd

        ctx = click.get_current_context()
        ctx.invoke(serve_cmd, host=host, port=port, home=str(settings.home))
