"""The verifier's interface: a statement, the quotes it cites, and a verdict with its checks."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class CitedQuote:
    """One exact quote a statement cites, and the kind of its source (``guideline``, ``research``, ...)."""

    text: str
    source_kind: str | None = None
    ref: int | None = None


@dataclass(frozen=True, slots=True)
class Check:
    """One check of a verdict: its name, whether it passed, and why."""

    name: str
    ok: bool
    detail: str


@dataclass(frozen=True, slots=True)
class Verdict:
    """Supported only when every check passed."""

    supported: bool
    checks: tuple[Check, ...]

    @property
    def reasons(self) -> list[str]:
        """The details of the failed checks."""
        return [c.detail for c in self.checks if not c.ok]

    def to_dict(self) -> dict[str, object]:
        return {"supported": self.supported,
                "checks": [{"name": c.name, "ok": c.ok, "detail": c.detail} for c in self.checks]}


class Verifier(Protocol):
    """Decides whether a statement is supported by the quotes it cites (rules today; a model may join)."""

    def verify(self, statement: str, quotes: Sequence[CitedQuote], *, section_kind: str | None = None) -> Verdict:
        ...
