"""``medcite ask``: a cited, guideline-first answer article for a question."""

from __future__ import annotations

import dataclasses
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
@click.option("--synthesizer", type=click.Choice(["extractive", "llm"]), default="extractive", show_default=True,
              help="llm: a language model writes a summary whose every sentence is checked against its quotes.")
@click.option("--llm-url", envvar="MEDCITE_LLM_URL", default=None,
              help="OpenAI-compatible endpoint root for --synthesizer llm, e.g. http://127.0.0.1:8080/v1.")
@click.option("--llm-model", envvar="MEDCITE_LLM_MODEL", default="default", show_default=True)
@click.option("--llm-key-env", default="MEDCITE_LLM_KEY", show_default=True,
              help="Environment variable holding the endpoint's API key (remote endpoints).")
@click.option("--llm-timeout", type=click.FloatRange(1, 3600), default=60.0, show_default=True,
              help="Seconds to wait for the model; then the extractive article is shown with the reason.")
@home_option
@domain_errors
def ask(question: str, audience: str, fmt: str, thread: str | None, synthesizer: str, llm_url: str | None,
        llm_model: str, llm_key_env: str, llm_timeout: float, home: str | None) -> None:
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
    if synthesizer == "llm" and not llm_url:
        raise click.UsageError("--synthesizer llm needs --llm-url (an OpenAI-compatible endpoint, e.g. "
                               "http://127.0.0.1:8080/v1 for llama.cpp's server)")
    settings = settings_from(home)
    settings = dataclasses.replace(settings, llm=dataclasses.replace(
        settings.llm, url=llm_url, model=llm_model, key_env=llm_key_env, timeout=llm_timeout))
    engine = Engine(settings, must_exist=True)
    try:
        article = engine.ask(question, audience=resolve_audience(audience), thread=thread, synthesizer=synthesizer)
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
