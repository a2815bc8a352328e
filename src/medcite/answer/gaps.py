"""What the evidence shown for a sub-question does not mention.

A sub-question is answered when its best sentences cover most of what it asks
(:func:`.select.support`), so an answer can stand on part of a question:
"can I eat vexberries while taking X" answered by sentences about vexberries
that never name X. The article should say so rather than let the reader assume
the answer is about X. For every answered sub-question this module lists the
question's specific words (not generic ones, not the words of a question-type
phrase) that no statement shown for it holds -- in its text, its section
heading, its document's title or declared conditions, or the long form of a
short form the document defines (Schwartz & Hearst 2003) -- counting the
corpus expansions of each word (:mod:`.vocabulary`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

from medcite.answer.rank import ShortForms, read_short_forms, short_forms
from medcite.answer.retrieve import QueryTerms
from medcite.answer.select import Evidence, EvidenceItem
from medcite.answer.understand import Understanding
from medcite.answer.vocabulary import Vocabulary
from medcite.index.tokenize import tokenize


def unmentioned(
    u: Understanding, terms: Sequence[QueryTerms], ev: Evidence, vocab: Vocabulary,
    abbreviations: Mapping[str, Mapping[str, str]],
) -> Evidence:
    """``ev`` with each answered sub-question's unmentioned words filled in (as the question wrote them)."""
    if not ev.answerable:
        return ev
    asking = {t for w in u.asking for t in tokenize(w)}
    readings = short_forms(abbreviations)
    subs = []
    for sa in ev.sub_answers:
        items = [i for i in ev.items if i.sub == sa.index]
        if not sa.covered or not items or sa.index >= len(terms):
            subs.append(sa)
            continue
        qt = terms[sa.index]
        shown: set[str] = set()
        for item in items:
            shown |= _tokens(item, ev, readings.get(item.doc_id, {}))
        typed = {t: w for w in (*u.sub_questions[sa.index].words, *u.shared, *u.resolved_from)
                 for t in tokenize(w)}
        concepts = [c for c in qt.concepts(case=False) if c[0] not in asking and _known(c, vocab)]
        held = [c for c in concepts if qt.covers(c, shown)]
        # Only what is at least as specific as everything the statements do hold: an answer about a
        # drug that never names the drug asked about ("... while taking X") says so; a missing
        # ordinary word beside the named subject ("which is better", "next step") is not a gap.
        bar = max((_idf(c, vocab) for c in held), default=0.0)
        missing = [typed.get(c[0], c[0]) for c in concepts
                   if c not in held and _idf(c, vocab) >= bar]
        subs.append(replace(sa, unmentioned=tuple(dict.fromkeys(missing))))
    return replace(ev, sub_answers=tuple(subs))


def _tokens(item: EvidenceItem, ev: Evidence, defs: ShortForms) -> set[str]:
    """What a statement shows: its words (a short form its document defines read as its long form),
    its section heading, and its document's title and declared conditions."""
    out = set(read_short_forms(item.text, frozenset(tokenize(item.text)), defs))
    out |= set(tokenize(item.heading or ""))
    doc = ev.docs.get(item.doc_id)
    if doc is not None:
        out |= set(tokenize(f"{doc.title} {' '.join(doc.conditions)}"))
    return out


def _known(concept: tuple[str, ...], vocab: Vocabulary) -> bool:
    return any(vocab.df([t])[t] > 0 for t in concept)


def _idf(concept: tuple[str, ...], vocab: Vocabulary) -> float:
    """The concept's weight as coverage counts it: the idf of its rarest known term."""
    return max((vocab.idf(t) for t in concept if vocab.df([t])[t] > 0), default=0.0)
