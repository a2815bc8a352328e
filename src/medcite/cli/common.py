"""Options and error handling shared by CLI commands."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

import click

from medcite.settings import Settings

F = TypeVar("F", bound=Callable[..., Any])

home_option = click.option(
    "--home",
    type=click.Path(file_okay=False),
    envvar="MEDCITE_HOME",
    help="Data folder holding the store (default: $MEDCITE_HOME, else the per-user data folder).",
)


def settings_from(home: str | None) -> Settings:
    return Settings.resolve(home)


def domain_errors(fn: F) -> F:
    """Turn medcite's domain errors into ``Error: ...`` lines and exit status 2."""
    from medcite.lock import HomeBusy
    from medcite.readers.base import ReaderError
    from medcite.store.db import StoreError

    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except (StoreError, ReaderError, HomeBusy) as exc:
            raise click.ClickException(str(exc)) from exc

    return wrapper  # type: ignore[return-value]


def echo_json(obj: Any) -> None:
    json.dump(obj, sys.stdout, ensure_ascii=False, indent=2, default=str)
    sys.stdout.write("\n")
