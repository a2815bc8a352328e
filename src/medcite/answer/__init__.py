"""The answer pipeline: question -> cited Article, in five stages.

* :mod:`.understand` sub-questions, question types, case context, follow-ups
* :mod:`.retrieve`   structured queries per sub-question and source kind
* :mod:`.rank`       learned sentence ranker (features + logistic model)
* :mod:`.select`     calibrated abstention, leads, key points, budget -> Evidence
* :mod:`.compose`    the Synthesizer protocol and the extractive synthesizer
* :mod:`.pipeline`   :func:`~.pipeline.answer`, the straight path through them

Supporting modules: :mod:`.ports` (the Search/Repository interfaces),
:mod:`.vocabulary` (corpus vocabulary), :mod:`.levels` (evidence levels),
:mod:`.followups`, :mod:`.threads`, :mod:`.training` (``medcite train-ranker``).
"""

from __future__ import annotations

import re

from medcite.model import Audience

#: The personalisation choices of the product ("Which best describes you?")
#: mapped onto the two audiences the composer knows. The web app imports it.
AUDIENCE_CHOICES: dict[str, Audience] = {
    "healthcare-professional": "clinician",
    "medical-student": "clinician",
    "patient": "patient",
    "caregiver": "patient",
}


def resolve_audience(name: str) -> Audience:
    """``"clinician"``/``"patient"`` or one of :data:`AUDIENCE_CHOICES`.

    Raises
    ------
    ValueError
        For any other name; the message lists the accepted ones.
    """
    key = name.strip().lower().replace("_", "-").replace(" ", "-")
    if key in ("clinician", "patient"):
        return "clinician" if key == "clinician" else "patient"
    if key in AUDIENCE_CHOICES:
        return AUDIENCE_CHOICES[key]
    accepted = ", ".join(["clinician", *AUDIENCE_CHOICES])
    raise ValueError(f"unknown audience {name!r}; use one of: {accepted}")


def question_problem(question: str) -> str | None:
    """Why ``question`` cannot be asked, or None.

    A question needs at least two letters or digits in one word: whitespace,
    punctuation or a lone character would only create an empty stored article.

    >>> question_problem("  ?!  ") is not None
    True
    >>> question_problem("is it inherited?") is None
    True
    """
    if not re.search(r"[^\W_]{2,}", question):
        return "type a question with at least one word (letters or digits)"
    return None


__all__ = ["AUDIENCE_CHOICES", "question_problem", "resolve_audience"]
