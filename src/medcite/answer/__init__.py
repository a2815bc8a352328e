"""The answer pipeline: question -> Query -> evidence -> cited Article.

Modules, in the order data flows through them:

* :mod:`.analyse`   question analysis (focus, synonyms, facets, qualifiers)
* :mod:`.retrieve`  per-source-kind BM25 retrieval, passages -> sentences
* :mod:`.levels`    evidence levels (guideline grades, study designs)
* :mod:`.select`    sentence scoring, facet classification, MMR selection
* :mod:`.summary`   short, salient statements per facet for leads and Key Points
* :mod:`.synthesize` the :class:`~.synthesize.Synthesizer` protocol and the
  extractive synthesizer that builds the article
* :mod:`.followups` follow-up questions the corpus can answer
* :mod:`.threads`   conversation threads in ``<home>/threads.sqlite``
* :mod:`.pipeline`  :func:`~.pipeline.answer`, tying it together
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
