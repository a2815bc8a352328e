"""The ``medcite`` command line: thin shells over the library.

Each command group lives in its own module; domain errors (StoreError,
ReaderError, ...) are turned into one-line CLI errors here at the edge.
"""

from __future__ import annotations

import importlib

import click

from medcite import __version__

#: (module, command attribute) pairs; a module that is absent is skipped so a
#: partial install still runs the commands it has.
COMMANDS = [
    ("medcite.cli.corpus", "ingest"),
    ("medcite.cli.corpus", "stats"),
    ("medcite.cli.corpus", "search"),
    ("medcite.cli.corpus", "doc"),
    ("medcite.cli.corpus", "reindex"),
    ("medcite.cli.ask", "ask"),
    ("medcite.cli.demo", "demo"),
    ("medcite.cli.serve", "serve"),
    ("medcite.cli.serve", "user"),
    ("medcite.cli.evaluate", "eval_cmd"),
    ("medcite.cli.train", "train_ranker"),
]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="medcite")
def cli() -> None:
    """medcite: cited, guideline-first answers from a local medical corpus, offline."""


for _mod, _attr in COMMANDS:
    try:
        cli.add_command(getattr(importlib.import_module(_mod), _attr))
    except ModuleNotFoundError as exc:  # only our own missing modules are tolerated
        if not (exc.name or "").startswith("medcite.cli"):
            raise


def main() -> None:
    cli(prog_name="medcite")
