"""Follow-up questions the corpus can answer.

Candidates are the facets of the same focus the article did not already
cover (then a population follow-up), phrased with templates; each is kept
only if a focus-required FTS5 query with that facet's cue words returns
evidence, so the suggestion never leads to an empty answer.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

from medcite.answer.retrieve import FACET_TERMS, _phrase_expr
from medcite.index.tokenize import tokenize
from medcite.model import Query

TEMPLATES: dict[str, str] = {
    "treatment": "What are the treatment options for {f}?",
    "diagnosis": "How is {f} diagnosed?",
    "causes": "What causes {f}?",
    "symptoms": "What are the symptoms of {f}?",
    "prognosis": "What is the outlook for people with {f}?",
    "prevention": "How can {f} be prevented?",
    "definition": "What is {f}?",
}
#: A focus longer than this is a whole question, not an entity a template can name.
MAX_FOCUS_WORDS = 5
#: Population follow-ups, checked like the facets (the qualifier must be in the evidence).
POPULATION_FOLLOW_UPS: tuple[tuple[str, str], ...] = (
    ("pregnancy", "How is {f} managed during pregnancy?"),
    ("children", "How is {f} managed in children?"),
    ("elderly", "How is {f} managed in older adults?"),
)


def has_evidence(conn: sqlite3.Connection, required: Sequence[str], cue_terms: Sequence[str]) -> bool:
    """True when some passage holds the focus (any synonym) and one of the cue terms."""
    req = _phrase_expr(required)
    if not req or not cue_terms:
        return False
    expr = "{title recommendation body} : ((" + req + ") AND (" + " OR ".join(f'"{t}"' for t in cue_terms) + "))"
    try:
        return conn.execute("SELECT 1 FROM passages_fts WHERE passages_fts MATCH ? LIMIT 1", (expr,)).fetchone() is not None
    except sqlite3.OperationalError:
        return False


def follow_ups(conn: sqlite3.Connection, query: Query, covered: Sequence[str], display_focus: str, n: int = 3) -> list[str]:
    """Up to ``n`` follow-up questions with evidence in the corpus.

    None for a long, question-shaped focus ("men aged 65 to 75 years who have
    ever smoked be screened for ..."): the templates would read as nonsense.
    """
    if len(display_focus.split()) > MAX_FOCUS_WORDS:
        return []
    required = [query.focus, *query.synonyms]
    asked = set(query.facets)
    order = [f for f in ("treatment", "diagnosis", "causes", "symptoms", "prognosis", "prevention") if f not in asked]
    # Facets the article already covers come last: the reader has seen them.
    order.sort(key=lambda f: f in covered)
    out: list[str] = []
    for f in order:
        if len(out) >= n:
            break
        if has_evidence(conn, required, FACET_TERMS[f]):
            out.append(TEMPLATES[f].format(f=display_focus))
    for qual, template in POPULATION_FOLLOW_UPS:
        if len(out) >= n:
            break
        if qual not in " ".join(query.qualifiers) and has_evidence(conn, required, tokenize(qual)):
            out.append(template.format(f=display_focus))
    return out[:n]
