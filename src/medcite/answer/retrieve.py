"""Stage 2, retrieve: :class:`~.understand.Understanding` -> candidate sentences per sub-question.

For every sub-question and source kind one :class:`~medcite.index.query.SearchQuery`:
the sub-question's own words (weight 1), the shared topic
(``topic_weight``), the corpus expansions of those words (their own
weights), and the question-type and population words (``cue_weight``).
Nothing is required to match: a typo or a lay word must not empty the
candidate list; the ranker (stage 3) decides what answers.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from medcite.answer.ports import Repository, Search, SentenceRecord
from medcite.answer.understand import META, PERSONS, SubQuestion, Understanding, population_terms
from medcite.index.query import SearchQuery, WeightedTerm
from medcite.index.tokenize import tokenize
from medcite.model import SOURCE_KINDS
from medcite.settings import AskSettings

#: Index terms of the people a message names and of the words about asking (never cues).
_ASKER = frozenset(t for w in PERSONS | META for t in tokenize(w))

#: Share of a multi-word long form's terms a text must hold to name it (all of three, four of five:
#: a hyphenated form adds its joined compound, "amyloidrelat", which a text written with spaces lacks).
GROUP_SHARE = 0.75


@dataclass(frozen=True, slots=True)
class QueryTerms:
    """The index terms of one sub-question, by role (the ranker uses the roles too)."""

    own: tuple[str, ...]
    shared: tuple[str, ...]
    case: tuple[str, ...]
    expansions: dict[str, tuple[str, ...]]  # question-word term -> index terms that stand for it
    cues: tuple[str, ...]
    population: tuple[str, ...]
    joined: frozenset[str] = frozenset()
    #: Multi-word long forms by question term: they cover the term only together (see :meth:`covers`).
    groups: dict[str, tuple[tuple[str, ...], ...]] = field(default_factory=dict)

    def weighted(self, settings: AskSettings, expansion_weights: dict[str, float]) -> list[WeightedTerm]:
        out = [WeightedTerm(t, 1.0) for t in (*self.own, *self.shared)]
        tw = 1.0 if len(self.own) + len(self.shared) < 2 else settings.topic_weight
        out += [WeightedTerm(t, tw) for t in self.case]
        out += [WeightedTerm(t, expansion_weights.get(t, settings.lexicon_weight))
                for ts in self.expansions.values() for t in ts]
        out += [WeightedTerm(t, settings.cue_weight) for t in (*self.cues, *self.population)]
        return out

    def concepts(self, *, case: bool = True) -> list[tuple[str, ...]]:
        """Each question term with the index terms that stand for it (itself first).

        Joined compounds ("mgday" of "mg/day") are not concepts of their
        own: their parts are.
        """
        terms = (*self.shared, *self.own, *(self.case if case else ()))
        return [(t, *self.expansions.get(t, ())) for t in dict.fromkeys(terms) if t not in self.joined]

    def covers(self, concept: tuple[str, ...], toks: frozenset[str] | set[str]) -> bool:
        """Whether ``toks`` hold ``concept``: the term itself or a one-word equivalent, or
        most words of a multi-word long form (one shared word -- "receptor" of "chimeric
        antigen receptor" -- is not the thing named)."""
        groups = self.groups.get(concept[0], ())
        parts = {t for g in groups for t in g}
        if any(t in toks for t in concept if t not in parts or t == concept[0]):
            return True
        return any(sum(t in toks for t in g) >= max(2, math.ceil(GROUP_SHARE * len(g))) for g in groups)

    @property
    def topic(self) -> tuple[str, ...]:
        return (*self.shared, *self.case)


@dataclass(frozen=True, slots=True)
class Candidate:
    """A candidate sentence for a sub-question, with its passage's retrieval score."""

    sentence: SentenceRecord
    sub: int
    passage_score: float
    passage_rank: int


def _tokens(words: Sequence[str]) -> tuple[list[str], set[str]]:
    """Index terms of ``words`` and the joined compounds among them."""
    out: list[str] = []
    joined: set[str] = set()
    for w in words:
        toks = tokenize(w)
        if len(toks) > 2 and "".join(toks[:-1]) == toks[-1]:
            joined.add(toks[-1])
        out += toks
    return list(dict.fromkeys(out)), joined


def query_terms(u: Understanding, sub: SubQuestion) -> QueryTerms:
    # A case word the sub-question asks about again ("potassium 6.1 mmol/L ... What potassium target?")
    # is what it asks: its own word, not background.
    own_t, j1 = _tokens([w for w in sub.words if w not in u.shared])
    shared_t, j2 = _tokens(u.shared)
    case_t, j3 = _tokens(u.case)
    # A clipped word after an initial ("H. flu") stands for its completion only: alone it is another
    # word ("flu" is influenza), so the completion replaces it in the query and in what a sentence must hold.
    clip = {t: e.term for e in u.expansions if e.source == "clipped" for t in tokenize(e.of)}
    own_t, shared_t, case_t = ([clip.get(t, t) for t in ts] for ts in (own_t, shared_t, case_t))
    own = tuple(own_t)
    shared = tuple(t for t in shared_t if t not in own)
    # Numbers in a case are ages and lab values: they match any passage with that number.
    case = tuple(t for t in case_t if t not in own and t not in shared and not t.isdigit())
    exp: dict[str, list[str]] = {}
    for e in u.expansions:
        for t in tokenize(e.of) or [e.of]:
            exp.setdefault(t, [])
            if e.term not in exp[t] and e.term != t:
                exp[t].append(e.term)
    words = set(own) | set(shared) | set(case)
    # An expansion keyed by a multi-word lexicon term ("c. diff") belongs to
    # the question when all of its words do.
    expansions = {k: tuple(v) for k, v in exp.items() if k in words}
    for e in u.expansions:
        key_toks = tokenize(e.of)
        if len(key_toks) > 1 and all(t in words for t in key_toks):
            expansions[key_toks[0]] = tuple(dict.fromkeys([*expansions.get(key_toks[0], ()), e.term]))
    groups: dict[str, list[tuple[str, ...]]] = {}
    for e in u.expansions:
        key_toks = tokenize(e.of)
        key = key_toks[0] if key_toks else e.of
        if e.group and key in expansions and e.group not in groups.setdefault(key, []):
            groups[key].append(e.group)
    # The rest of the piece's words are cues (a sentence that writes them ranks a little higher), but
    # not the people it names or the asking itself: "my nephew ..., what does that mean?" is not
    # answered by a sentence about nephews or one that says "which means".
    cues = tuple(t for t in dict.fromkeys(tokenize(sub.text)) if t not in words and len(t) > 1 and t not in _ASKER)
    return QueryTerms(own, shared, case, expansions, cues, tuple(population_terms(u.context)),
                      frozenset(j1 | j2 | j3), {k: tuple(v) for k, v in groups.items() if v})


def retrieve(
    u: Understanding, search: Search, repo: Repository, settings: AskSettings,
) -> tuple[list[QueryTerms], list[Candidate]]:
    """Candidate sentences of every sub-question from every source kind."""
    weights = {e.term: e.weight for e in u.expansions}
    terms = [query_terms(u, s) for s in u.sub_questions]
    hits: list[tuple[int, int, float, int]] = []  # (sub, passage id, score, rank)
    for i, qt in enumerate(terms):
        wt = qt.weighted(settings, weights)
        if not wt:
            continue
        for kind in SOURCE_KINDS:
            q = SearchQuery(terms=tuple(wt), kinds=(kind,), k=settings.passages_per_kind,
                            per_doc=settings.passages_per_doc)
            found = search.search_query(q)
            for rank, h in enumerate(found):
                hits.append((i, h.passage_id, h.score, rank))
            # Pass 2, inside the best documents: what the sub-question asks beyond what
            # the document's title already names. A guideline's recommendation rarely
            # repeats the condition of its title ("First-line treatments should be
            # performed on all patients").
            top_docs = list(dict.fromkeys(h.doc_id for h in found))[: settings.inner_docs]
            best = found[0].score if found else 0.0
            for doc_id, meta in repo.documents(top_docs).items():
                title = set(tokenize(meta.title))
                named = {t for t in qt.own if t in title or title & set(qt.expansions.get(t, ()))}
                asked = [WeightedTerm(t, 1.0) for t in (*qt.own, *qt.cues) if t not in named]
                if not asked:
                    continue
                inner = SearchQuery(terms=tuple(asked), kinds=(kind,), doc_ids=(doc_id,), k=settings.inner_passages)
                for h in search.search_query(inner):
                    # Ranked after pass 1, scored at most as its best passage.
                    hits.append((i, h.passage_id, min(h.score, best), settings.passages_per_kind))
    sentences = repo.sentences_of_passages([h[1] for h in hits])
    by_passage: dict[int, list[SentenceRecord]] = {}
    for s in sentences:
        by_passage.setdefault(s.passage_id, []).append(s)
    out: list[Candidate] = []
    for sub, pid, score, rank in hits:
        for s in by_passage.get(pid, []):
            out.append(Candidate(sentence=s, sub=sub, passage_score=score, passage_rank=rank))
    return terms, out


def dedupe(cands: Sequence[Candidate]) -> list[Candidate]:
    """One candidate per (sub-question, sentence): the best-ranked passage's."""
    best: dict[tuple[int, str, int], Candidate] = {}
    for c in cands:
        key = (c.sub, c.sentence.doc_id, c.sentence.idx)
        if key not in best or c.passage_score > best[key].passage_score:
            best[key] = c
    return list(best.values())
