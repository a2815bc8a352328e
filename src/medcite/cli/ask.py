"""``medcite ask``: a cited, guideline-first answer article for a question."""

from __future__ import annotations

import importlib

import click

from medcite.answer import AUDIENCE_CHOICES, question_problem, resolve_audience
from medcite.cli.common import domain_errors, echo_json, home_option, settings_from
from medcite.engine import Engine

AUDIENCE_NAMES = ["clinician", "patient", *AUDIENCE_CHOICES]


@click.command()
@click.argument("question")
@click.option(
    "--audience", type=click.Choice(AUDIENCE_NAMES, case_sensitive=False), default="clinician", show_default=True,
    help="Who reads the answer (healthcare-professional/medical-student = clinician; caregiver = patient).",
)
@click.option("--format", "fmt", type=click.Choice(["markdown", "json", "html"]), default="markdown",
              show_default=True)
@click.option("--thread", default=None, help="Continue this conversation (the id a previous ask printed).")
@home_option
@domain_errors
def ask(question: str, audience: str, fmt: str, thread: str | None, home: str | None) -> None:
    """Answer QUESTION with an article whose every statement cites its source sentence.

    Prints the thread id (stderr for markdown/html, `thread_id` in JSON) so a
    follow-up such as "what about in pregnancy?" can pass --thread.
    """
    problem = question_problem(question)
    if problem:
        raise click.UsageError(f"QUESTION: {problem}")
    render_html = None
    if fmt == "html":
        try:
            render_html = importlib.import_module("medcite.render.html").render_article_html
        except (ModuleNotFoundError, AttributeError) as exc:
            raise click.ClickException("HTML rendering needs medcite.render.html") from exc
    engine = Engine(settings_from(home), must_exist=True)
    try:
        article = engine.ask(question, audience=resolve_audience(audience), thread=thread)
    finally:
        engine.close()
    if fmt == "json":
        from medcite.render.json import article_to_dict

        echo_json(article_to_dict(article))
        return
    if render_html is not None:
        click.echo(render_html(article))
    else:
        from medcite.render.markdown import render_markdown

        click.echo(render_markdown(article), nl=False)
    click.echo(f"thread: {article.thread_id}  (continue with --thread {article.thread_id})", err=True)
