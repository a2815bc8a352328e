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


__all__ = ["AUDIENCE_CHOICES", "resolve_audience"]
