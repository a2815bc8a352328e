"""Follow-up questions the corpus can answer.

Candidates are the question types the article did not already answer,
about its subject (the name the cited documents give it), phrased with
templates; each is kept only if a search that requires the subject and
the question type's cue words finds a passage, so a suggestion never leads
to an empty answer.
"""

from __future__ import annotations

from collections.abc import Sequence

from medcite.answer.ports import Search
from medcite.index.query import SearchQuery, WeightedTerm
from medcite.index.tokenize import tokenize

TEMPLATES: dict[str, tuple[str, str]] = {
    "treatment": ("How is {f} treated?", "treat treatment therapy management"),
    "test": ("How is {f} diagnosed?", "diagnosis diagnose test imaging screening"),
    "cause": ("What causes {f}?", "cause causes risk factors"),
    "symptoms": ("What are the symptoms of {f}?", "symptoms signs"),
    "prognosis": ("What is the outlook for people with {f}?", "prognosis outlook survival"),
}
#: A subject longer than this is a clause, not a name a template can use.
MAX_SUBJECT_WORDS = 5


def subject_name(subject_words: Sequence[str], names: Sequence[str]) -> str | None:
    """The shortest cited-document name (title or condition) containing a subject word.

    >>> subject_name(["gout"], ["Gout", "Gout and related conditions in adults"])
    'Gout'
    """
    want = {t for w in subject_words for t in tokenize(w)}
    fits = [n.strip(" .") for n in names if n and want & set(tokenize(n)) and len(n.split()) <= MAX_SUBJECT_WORDS]
    return min(fits, key=len) if fits else None


def follow_ups(search: Search, subject: str, asked: Sequence[str], n: int = 3) -> list[str]:
    """Up to ``n`` follow-up questions about ``subject`` that the corpus has evidence for."""
    subject_terms = tuple(tokenize(subject))
    if not subject_terms:
        return []
    out: list[str] = []
    for intent, (template, cues) in TEMPLATES.items():
        if len(out) >= n:
            break
        if intent in asked:
            continue
        cue_terms = tuple(tokenize(cues))
        q = SearchQuery(
            terms=tuple(WeightedTerm(t) for t in (*subject_terms, *cue_terms)),
            required=(*((t,) for t in subject_terms), cue_terms), k=1,
        )
        if search.search_query(q):
            out.append(template.format(f=subject))
    return out
