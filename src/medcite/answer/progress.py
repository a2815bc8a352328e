"""Stage reports of a running answer (searching, writing, verifying), for pages that show progress.

A context variable, so the pipeline reports without knowing who listens: the web app's streaming
endpoint sets a callback for the one ask it runs; everywhere else nobody listens and reports are free.
"""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar

PROGRESS: ContextVar[Callable[[str], None] | None] = ContextVar("medcite_progress", default=None)


def report(stage: str) -> None:
    """Tell the listener of this ask, if any, that ``stage`` has begun."""
    listener = PROGRESS.get()
    if listener is not None:
        listener(stage)
