"""Evidence levels: a guideline's grade as printed, a study's design.

Study designs follow the usual hierarchy of evidence (e.g. Burns, Rohrich &
Chung, "The levels of evidence and their role in evidence-based medicine",
Plast Reconstr Surg 2011): systematic reviews and meta-analyses, randomised
controlled trials, cohort, case-control, case series/reports, narrative
reviews. The design is read from PubMed publication types first (curated by
NLM indexers) and only then guessed from the abstract's wording.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

#: Designs, strongest first; the rank orders research findings.
DESIGNS: tuple[str, ...] = (
    "Meta-analysis / systematic review",
    "Randomized controlled trial",
    "Controlled trial",
    "Cohort study",
    "Case-control study",
    "Cross-sectional study",
    "Case series / case report",
    "Narrative review",
    "Guideline or consensus",
    "Other study",
)

_PUBTYPE_MAP: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"meta-analysis|systematic review", re.I), DESIGNS[0]),
    (re.compile(r"randomized controlled trial|pragmatic clinical trial", re.I), DESIGNS[1]),
    (re.compile(r"controlled clinical trial|clinical trial", re.I), DESIGNS[2]),
    (re.compile(r"case reports?", re.I), DESIGNS[6]),
    (re.compile(r"practice guideline|guideline|consensus", re.I), DESIGNS[8]),
    (re.compile(r"^review$", re.I), DESIGNS[7]),
]

_TEXT_MAP: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"\bmeta-?analys[ie]s\b|\bsystematic(ally)? review", re.I), DESIGNS[0]),
    (re.compile(r"\brandomi[sz]ed\b.{0,40}\b(trial|study)\b|\brandomly (assigned|allocated)\b", re.I), DESIGNS[1]),
    (re.compile(r"\b(prospective|retrospective)\b.{0,30}\bcohort\b|\bcohort (study|analysis)\b", re.I), DESIGNS[3]),
    (re.compile(r"\bcase-?control\b", re.I), DESIGNS[4]),
    (re.compile(r"\bcross-?sectional\b|\bsurvey\b|\bquestionnaire\b", re.I), DESIGNS[5]),
    (re.compile(r"\b(prospective|retrospective)(ly)?\b|\bfollow(ed)?-?up\b|\bconsecutive patients\b", re.I), DESIGNS[3]),
    (re.compile(r"\bcase (report|series)\b|\bwe (report|describe|present) (a|an|two|three)\b", re.I), DESIGNS[6]),
    (re.compile(r"\b(this|we) review\b|\breview of the literature\b", re.I), DESIGNS[7]),
    (re.compile(r"\b(trial|placebo)\b", re.I), DESIGNS[2]),
]


def study_design(publication_types: Sequence[str], text: str) -> str:
    """The design of a study, from publication types, else from its text.

    Examples
    --------
    >>> study_design(["Journal Article", "Randomized Controlled Trial"], "")
    'Randomized controlled trial'
    >>> study_design([], "We retrospectively reviewed a cohort of 120 patients.")
    'Cohort study'
    >>> study_design(["Journal Article"], "Mitochondria were imaged in leaves.")
    'Other study'
    """
    found = [d for pt in publication_types for rx, d in _PUBTYPE_MAP if rx.search(pt.strip())]
    if found:
        return min(found, key=DESIGNS.index)
    for rx, design in _TEXT_MAP:
        if rx.search(text):
            return design
    return DESIGNS[-1]


def design_rank(design: str | None) -> int:
    """0 for the strongest design; unknown designs rank last."""
    return DESIGNS.index(design) if design in DESIGNS else len(DESIGNS)


def guideline_level(grade: str | None, level: str | None) -> str | None:
    """A guideline recommendation's grade and level of evidence exactly as printed.

    Examples
    --------
    >>> guideline_level("Grade - 1", "Level of Evidence - B")
    'Grade - 1; Level of Evidence - B'
    >>> guideline_level(None, None) is None
    True
    """
    parts = [p.strip() for p in (grade, level) if p and p.strip()]
    return "; ".join(dict.fromkeys(parts)) or None
