"""Short, salient statements for leads and Key Points.

MMR (see :mod:`.select`) favours the highest-scoring sentences, which in a
guideline are often 100-word conditional recommendations; a lead paragraph
and Key Points read better with the short, positive statement of each
facet. The extractive rule still holds: these are whole stored sentences,
never shortened or rewritten.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from medcite.answer.retrieve import Candidate
from medcite.answer.select import SENTENCE_FACETS, jaccard

NEGATIVE_ADVICE = re.compile(r"\b(against|do not|does not|should not|not (be )?(recommended|offered|used))\b", re.I)


def salience(c: Candidate) -> float:
    """A tie-breaker in [0.85, 1.09]: cue words of the sentence's facet, and what to do over what not to do.

    >>> from medcite.answer.retrieve import Candidate
    >>> pos = Candidate("d", "guideline", 0, 0, "Offer compression therapy and compression hosiery.", 0, "", "body",
    ...                 None, None, None, 0.0, facet="treatment")
    >>> neg = Candidate("d", "guideline", 0, 0, "The Committee suggests against ultrasound therapy.", 0, "", "body",
    ...                 None, None, None, 0.0, facet="treatment")
    >>> salience(pos) > salience(neg)
    True
    """
    rx = SENTENCE_FACETS.get(c.facet)  # type: ignore[call-overload]
    hits = min(3, len(rx.findall(c.text.lower()))) if rx is not None else 0
    return (1.0 + 0.03 * hits) * (0.85 if NEGATIVE_ADVICE.search(c.text) else 1.0)


def summary_worthy(c: Candidate, max_words: int = 35) -> bool:
    """Short, complete, squarely on the focus (or a related condition), not off-topic."""
    t = c.text.rstrip()
    return (
        not c.off_topic and c.match in ("focus", "related") and len(t.split()) <= max_words
        and ("\n" in t or t.endswith((".", "!", ")", "]")))
    )


def ensure_short(pool: Sequence[Candidate], chosen: list[Candidate], facets: Sequence[str]) -> list[Candidate]:
    """Add, per facet, the best short statement when MMR chose only long ones.

    MMR favours the highest-scoring sentences, which in a guideline are often
    100-word conditional recommendations; a lead and Key Points need a short
    statement per facet (what it is, how diagnosed, how treated) when the
    retrieved pool has one.
    """
    out = list(chosen)
    for f in facets:
        have = max((c.score * salience(c) for c in out if c.facet == f and summary_worthy(c)), default=0.0)
        extra = [c for c in pool if c.facet == f and c not in out and summary_worthy(c)
                 and all(jaccard(c.tokens, o.tokens) <= 0.45 for o in out)]
        if extra:
            best = max(extra, key=lambda c: c.score * salience(c))
            if best.score * salience(best) > have:
                out.append(best)
    return out
