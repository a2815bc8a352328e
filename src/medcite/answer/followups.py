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


def entity_in_question(question: str, candidates: Sequence[str]) -> str | None:
    """The longest candidate name whose every term occurs in ``question``.

    Used when the focus is a whole clause ("men aged 65 to 75 years who have
    ever smoked be screened for abdominal aortic aneurysm"): the cited
    documents' own names for their subject ("Aortic Aneurysm", a guideline's
    condition) give the entity that follow-up questions can be about.
    """
    q_terms = set(tokenize(question))
    best: str | None = None
    for cand in candidates:
        name = " ".join(cand.split()).strip(" .;:")
        terms = tokenize(name)
        if not terms or len(name.split()) > MAX_FOCUS_WORDS or not set(terms) <= q_terms:
            continue
        if best is None or len(terms) > len(tokenize(best)):
            best = name
    return best


def follow_ups(
    conn: sqlite3.Connection,
    query: Query,
    covered: Sequence[str],
    display_focus: str,
    n: int = 3,
    entity_names: Sequence[str] = (),
) -> list[str]:
    """Up to ``n`` follow-up questions with evidence in the corpus.

    A long, question-shaped focus is replaced by the longest of
    ``entity_names`` (names of the cited documents' subjects) that the
    question contains; with none, there are no follow-ups rather than
    templates that read as nonsense.
    """
    required = [query.focus, *query.synonyms]
    if len(display_focus.split()) > MAX_FOCUS_WORDS:
        entity = entity_in_question(query.question, entity_names)
        if entity is None:
            return []
        display_focus, required = entity.lower(), [entity.lower()]
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
