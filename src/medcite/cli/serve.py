"""``medcite serve`` (the web app and REST API) and ``medcite user add|list|token``.

The web settings are built here, at the edge, from flags and ``MEDCITE_*``
environment variables, then handed to :func:`medcite.web.app.create_app`.
With several worker processes uvicorn imports the app by name, so the
settings travel to the workers as JSON in one environment variable that only
:func:`app_factory` (also at this edge) reads.
"""

from __future__ import annotations

import dataclasses
import json
import os
import sys
from pathlib import Path
from typing import Any

import click

from medcite.cli.common import home_option, settings_from
from medcite.settings import AskSettings, LLMSettings, Settings

SETTINGS_ENV = "MEDCITE_WEB_SETTINGS_JSON"


def _web_settings(**kw: Any) -> Any:
    from medcite.web.settings import WebSettings

    return WebSettings(**kw)


def _to_json(ws: Any) -> str:
    d = {f.name: getattr(ws, f.name) for f in dataclasses.fields(ws)}
    d["settings"] = str(ws.settings.home)
    d["llm"] = dataclasses.asdict(ws.settings.llm)
    d["ask"] = dataclasses.asdict(ws.settings.ask)
    d["policy_path"] = str(ws.policy_path) if ws.policy_path else None
    return json.dumps(d)


def _from_json(text: str) -> Any:
    d = json.loads(text)
    llm = d.pop("llm", None)
    ask = d.pop("ask", None)
    d["settings"] = Settings.resolve(d["settings"])
    if ask:
        d["settings"] = dataclasses.replace(d["settings"], ask=AskSettings(**ask))
    if llm:
        d["settings"] = dataclasses.replace(d["settings"], llm=LLMSettings(**llm))
    d["policy_path"] = Path(d["policy_path"]) if d.get("policy_path") else None
    d["forwarded_allow_ips"] = tuple(d.get("forwarded_allow_ips", ()))
    return _web_settings(**d)


def app_factory() -> Any:
    """The ASGI app for uvicorn workers (``medcite.cli.serve:app_factory``, ``factory=True``)."""
    from medcite.web.app import create_app

    ws = _from_json(os.environ[SETTINGS_ENV])
    # A process-wide setting, so it is made here, in the worker process, not by create_app.
    sys.setswitchinterval(ws.gil_switch_ms / 1000)
    return create_app(ws)


def _networks(text: str) -> tuple[str, ...]:
    """Parse ``--forwarded-allow-ips``; a bad entry is a usage error that names it."""
    import ipaddress

    out = []
    for part in (p.strip() for p in text.split(",") if p.strip()):
        try:
            ipaddress.ip_network(part, strict=False)
        except ValueError as exc:
            raise click.BadParameter(f"{part!r} is not an IP address or CIDR block",
                                     param_hint="--forwarded-allow-ips") from exc
        out.append(part)
    return tuple(out)


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to bind; anything but loopback needs an admin account.")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True)
@click.option("--workers", type=click.IntRange(1, 64), default=None,
              help="Worker processes (default: 2 on up to 2 cores, else cores).")
@click.option("--ask-rate", type=float, envvar="MEDCITE_ASK_RATE", default=20.0, show_default=True,
              help="Answers generated per client per minute (token bucket; stored answers are free).")
@click.option("--ask-burst", type=int, envvar="MEDCITE_ASK_BURST", default=5, show_default=True)
@click.option("--max-body", type=int, envvar="MEDCITE_MAX_BODY", default=64 * 1024, show_default=True,
              help="Largest request body in bytes.")
@click.option("--secure-cookies/--no-secure-cookies", default=None,
              help="Mark cookies Secure (default: on unless bound to loopback; serve behind TLS).")
@click.option("--policy", type=click.Path(dir_okay=False, exists=True), default=None,
              help="Editorial policy Markdown (default: <home>/editorial-policy.md, else the bundled one).")
@click.option("--forwarded-allow-ips", envvar="MEDCITE_FORWARDED_ALLOW_IPS", default="",
              help="Comma-separated addresses or CIDR blocks of reverse proxies whose X-Forwarded-For is "
                   "trusted for rate limits (default: none; the header is ignored).")
@click.option("--open-library", is_flag=True,
              help="Trusted intranet: list every question to everyone (default: private until published).")
@click.option("--synthesizer", type=click.Choice(["extractive", "llm"]), default="extractive", show_default=True,
              help="How new articles are written; llm needs --llm-url (API clients may choose per request).")
@click.option("--llm-url", envvar="MEDCITE_LLM_URL", default=None,
              help="OpenAI-compatible endpoint root, e.g. http://127.0.0.1:8080/v1 (llama.cpp, vLLM, Ollama).")
@click.option("--llm-model", envvar="MEDCITE_LLM_MODEL", default="default", show_default=True)
@click.option("--llm-timeout", type=click.FloatRange(1, 3600), default=60.0, show_default=True)
@click.option("--rerank-top", type=click.IntRange(0, 200), envvar="MEDCITE_RERANK_TOP", default=None,
              help="Candidates per sub-question the second ranking stage re-orders (default: the ask settings' "
                   "20; 0 turns it off). Fewer make new asks under load cheaper (docs/decisions.md, Session 8).")
@click.option("--log-level", default="warning", show_default=True)
@home_option
def serve(host: str, port: int, workers: int | None, ask_rate: float, ask_burst: int, max_body: int,
          secure_cookies: bool | None, policy: str | None, forwarded_allow_ips: str, open_library: bool,
          synthesizer: str,
          llm_url: str | None, llm_model: str, llm_timeout: float, rerank_top: int | None, log_level: str,
          home: str | None) -> None:
    """Run the web app and REST API (docs at /api/docs) over the store in --home."""
    import uvicorn

    from medcite.articles import Accounts, ArticleDB
    from medcite.web.settings import is_loopback

    settings = settings_from(home)
    if synthesizer == "llm" and not llm_url:
        raise click.UsageError("--synthesizer llm needs --llm-url (an OpenAI-compatible endpoint)")
    settings = dataclasses.replace(settings, llm=dataclasses.replace(settings.llm, url=llm_url, model=llm_model,
                                                                     timeout=llm_timeout))
    if not settings.store_path.exists():
        raise click.ClickException(
            f"no medcite store at {settings.store_path}; run `medcite ingest --demo` (or `medcite ingest PATH`) first"
        )
    loopback = is_loopback(host)
    if not loopback and not Accounts(ArticleDB(settings.articles_path)).has_admin():
        raise click.ClickException(
            f"refusing to listen on {host} without an admin account; create one with\n"
            f"  medcite user add NAME --role admin --home {settings.home}\n"
            "or bind to 127.0.0.1."
        )
    n = workers or max(2, min(os.cpu_count() or 1, 8))
    # Each worker's semantic check gets its share of the cores (two workers x two threads on two
    # cores made reads under load wait; docs/decisions.md).
    settings = dataclasses.replace(
        settings, ask=dataclasses.replace(settings.ask, encoder_threads=max(1, (os.cpu_count() or 1) // n),
                                          rerank_top=settings.ask.rerank_top if rerank_top is None else rerank_top))
    ws = _web_settings(
        settings=settings, host=host, port=port, secure_cookies=(not loopback) if secure_cookies is None
        else secure_cookies, max_body_bytes=max_body, ask_rate_per_minute=ask_rate, ask_burst=ask_burst,
        policy_path=Path(policy) if policy else None, forwarded_allow_ips=_networks(forwarded_allow_ips),
        synthesizer=synthesizer, open_library=open_library,
    )
    os.environ[SETTINGS_ENV] = _to_json(ws)
    click.echo(f"medcite serving {settings.home} on http://{host}:{port} ({n} workers); Ctrl-C stops", err=True)
    uvicorn.run("medcite.cli.serve:app_factory", factory=True, host=host, port=port, workers=n,
                log_level=log_level, proxy_headers=False, server_header=False, timeout_graceful_shutdown=5)


@click.group()
def user() -> None:
    """Manage web accounts (roles: admin, reviewer, reader)."""


def _accounts(home: str | None) -> Any:
    from medcite.articles import Accounts, ArticleDB

    return Accounts(ArticleDB(settings_from(home).articles_path))


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        pw = sys.stdin.readline().rstrip("\r\n")
    else:
        pw = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    return str(pw)


@user.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice(["admin", "reviewer", "reader"]), required=True)
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of stdin.")
@home_option
def user_add(name: str, role: str, password_stdin: bool, home: str | None) -> None:
    """Create account NAME with a password (prompted, or --password-stdin)."""
    from medcite.articles import AccountError

    try:
        accounts = _accounts(home)
        u = accounts.add_user(name, role, _read_password(password_stdin))
    except AccountError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"created {u.role} {u.name}")


@user.command("list")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@home_option
def user_list(fmt: str, home: str | None) -> None:
    """List accounts and roles."""
    users = _accounts(home).users()
    if fmt == "json":
        click.echo(json.dumps([dataclasses.asdict(u) for u in users], indent=2))
        return
    for u in users:
        click.echo(f"{u.name:<24} {u.role:<9} since {u.created_at}")
    if not users:
        click.echo("no users; `medcite user add NAME --role admin` creates one")


@user.command("token")
@click.argument("name")
@click.option("--label", default="", help="A note on what the token is for.")
@home_option
def user_token(name: str, label: str, home: str | None) -> None:
    """Print a new API token for NAME (shown once; use as `Authorization: Bearer <token>`)."""
    from medcite.articles import AccountError

    try:
        token = _accounts(home).new_token(name, label)
    except AccountError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(token)
