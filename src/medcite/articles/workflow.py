"""The Medical Advisory Board review workflow as a pure state machine.

::

    submitted ──▶ under_review ──▶ approved
                      │  ▲            │
                      ▼  │            │ (reopen)
              changes_requested ◀─────┘ via under_review

A new version of an article always starts again at ``submitted``.
"""

from __future__ import annotations

from typing import Literal

Status = Literal["submitted", "under_review", "approved", "changes_requested"]
STATUSES: tuple[Status, ...] = ("submitted", "under_review", "approved", "changes_requested")

STATUS_LABELS: dict[str, str] = {
    "submitted": "Submitted",
    "under_review": "Under Review",
    "approved": "Approved",
    "changes_requested": "Changes requested",
}

#: The three steps shown on an article page, in order.
STEPS: tuple[Status, ...] = ("submitted", "under_review", "approved")

#: Allowed moves: a reviewer must open a review before deciding, so an
#: approval always means somebody read the article in review.
TRANSITIONS: dict[str, frozenset[str]] = {
    "submitted": frozenset({"under_review"}),
    "under_review": frozenset({"approved", "changes_requested"}),
    "changes_requested": frozenset({"under_review"}),
    "approved": frozenset({"under_review"}),
}

#: States in which a reviewer may still edit statements (approved text is frozen).
EDITABLE: frozenset[str] = frozenset({"submitted", "under_review", "changes_requested"})


class InvalidTransition(ValueError):
    """A review action that the current status does not allow."""

    def __init__(self, current: str, target: str) -> None:
        allowed = ", ".join(sorted(TRANSITIONS.get(current, ()))) or "nothing"
        super().__init__(f"cannot move from {current!r} to {target!r} (allowed: {allowed})")
        self.current = current
        self.target = target


def parse_status(value: str) -> Status:
    """Accept ``"Under Review"``, ``"under-review"`` or ``"under_review"``.

    >>> parse_status("Under Review")
    'under_review'
    """
    norm = value.strip().lower().replace("-", "_").replace(" ", "_")
    for s in STATUSES:
        if s == norm:
            return s
    raise ValueError(f"unknown status {value!r}; one of {', '.join(STATUSES)}")


def transition(current: str, target: str) -> Status:
    """The new status, or :class:`InvalidTransition`.

    >>> transition("submitted", "under_review")
    'under_review'
    >>> transition("submitted", "approved")
    Traceback (most recent call last):
    ...
    medcite.articles.workflow.InvalidTransition: cannot move from 'submitted' to 'approved' (allowed: under_review)
    """
    new = parse_status(target)
    if new not in TRANSITIONS.get(current, frozenset()):
        raise InvalidTransition(current, new)
    return new


def step_states(status: str) -> list[tuple[str, str]]:
    """``(label, state)`` for each shown step, state in ``done|current|todo``.

    >>> step_states("under_review")
    [('Submitted', 'done'), ('Under Review', 'current'), ('Approved', 'todo')]
    """
    pos = {"submitted": 0, "under_review": 1, "changes_requested": 1, "approved": 2}[status]
    out: list[tuple[str, str]] = []
    for i, s in enumerate(STEPS):
        state = "done" if i < pos or (status == "approved" and i == pos) else "current" if i == pos else "todo"
        label = STATUS_LABELS["changes_requested"] if (i == 1 and status == "changes_requested") else STATUS_LABELS[s]
        out.append((label, state))
    return out
