"""Typed settings, built once at the edge (CLI flags, environment) and passed down.

Nothing below the CLI and web shells reads environment variables: they get a
:class:`Settings` (or just the values they need) as arguments.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from medcite.store.db import STORE_FILENAME


def default_home(env: Mapping[str, str]) -> Path:
    """The per-user data folder: XDG on Linux, Application Support on macOS, LOCALAPPDATA on Windows."""
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Application Support" / "medcite"
    if os.name == "nt":
        base = env.get("LOCALAPPDATA") or str(Path.home() / "AppData" / "Local")
        return Path(base) / "medcite"
    base = env.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "medcite"


@dataclass(frozen=True, slots=True)
class IngestSettings:
    """Limits and batching for ``medcite ingest``."""

    #: Files larger than this are refused with a clear message (bytes).
    max_file_size: int = 2 * 1024**3
    #: Documents per transaction: the unit of work a kill can lose.
    batch_size: int = 1000


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything a medcite process needs to know about where and how to run."""

    home: Path
    ingest: IngestSettings = field(default_factory=IngestSettings)

    @property
    def store_path(self) -> Path:
        return self.home / STORE_FILENAME

    @property
    def index_path(self) -> Path:
        """The tantivy mirror of the BM25 index."""
        return self.home / "index" / "tantivy"

    @property
    def articles_path(self) -> Path:
        return self.home / "articles.sqlite"

    @classmethod
    def resolve(cls, home: str | Path | None = None, env: Mapping[str, str] | None = None) -> Settings:
        """``--home`` wins, then ``MEDCITE_HOME``, then the per-user default."""
        env = os.environ if env is None else env
        if home is None:
            home = env.get("MEDCITE_HOME") or default_home(env)
        return cls(home=Path(home).expanduser())
