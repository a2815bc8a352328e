"""``answer(engine, question)``: the ask pipeline, one straight path.

understand -> retrieve -> rank -> select -> compose, each stage a module
with typed inputs and outputs (:mod:`.understand`, :mod:`.retrieve`,
:mod:`.rank`, :mod:`.select`, :mod:`.compose`), run in order. A question
piece after an opening that states its subject ("Vexoma, which regimen
first?") is asked with the opening's words (:func:`with_openings`);
retrieve and rank run a second time, with the piece read alone, only when
that leaves it uncovered.
The stages see the corpus only through :class:`~.ports.Search` and
:class:`~.ports.Repository`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from medcite.answer import resolve_audience
from medcite.answer.compose import ExtractiveSynthesizer, Synthesizer
from medcite.answer.followups import follow_ups, subject_name
from medcite.answer.gaps import unmentioned
from medcite.answer.lists import complete_lists
from medcite.answer.ports import DocMeta, Repository, Search
from medcite.answer.progress import report
from medcite.answer.rank import Ranker, Reranker, Scored, score
from medcite.answer.rerank import CachedEncoder, rerank
from medcite.answer.retrieve import Candidate, QueryTerms, dedupe, retrieve
from medcite.answer.select import Evidence, select
from medcite.answer.semantic import Encoder, Topics, relevance
from medcite.answer.templates import mark_templates
from medcite.answer.threads import THREADS_FILENAME, ThreadStore
from medcite.answer.understand import SubQuestion, Understanding, asks_only, understand
from medcite.answer.vocabulary import Vocabulary
from medcite.model import Article, Audience, Query
from medcite.settings import AskSettings

if TYPE_CHECKING:
    from medcite.engine import Engine


@dataclass(frozen=True, slots=True)
class Trace:
    """Every stage's output for one question (for evaluation, training and debugging)."""

    understanding: Understanding
    terms: tuple[QueryTerms, ...]
    scored: tuple[Scored, ...]
    evidence: Evidence


def run(
    search: Search, repo: Repository, question: str, *, audience: Audience, settings: AskSettings, ranker: Ranker,
    prior_topic: tuple[str, ...] = (), prior_intents: tuple[str, ...] = (), encoder: Encoder | None = None,
    topics: Topics | None = None,
) -> Trace:
    """Stages 1-4 for ``question``: everything but composing the article.

    With an ``encoder``, an answer about to be given is re-ordered by the ranker's second stage
    (:mod:`.rerank`) and its top-ranked sentences must also be about what is asked
    (:mod:`.semantic`); without one, word evidence alone decides. With ``topics`` too, an answer
    that covers the words in part is declined when the question reads as another topic than health.
    """
    vocab = Vocabulary(search, repo, settings)
    u = understand(question, vocab, audience=audience, prior_topic=prior_topic, prior_intents=prior_intents)
    # "Vexoma of the kennel, which regimen first?": a question piece after an opening that states
    # its subject asks about that subject (with_openings). Read alone only when that reading leaves
    # it uncovered and the piece alone is covered: the opening may name what no source holds
    # (docs/decisions.md, "Session 14").
    alone, u = u, with_openings(u)
    found = _find(u, search, repo, settings, vocab, ranker)
    # Whether a sub-question is covered does not depend on the order a second stage gives (select.support).
    evidence = select(u, found.scored, found.docs, settings, passages=vocab.passages)
    if u is not alone and not all(sa.covered for sa in evidence.sub_answers):
        # A piece that names nothing but what it asks ("my son has vexoma, what is the outlook?") is never
        # read alone: alone it asks about any condition, and the outlook of another would answer it.
        alone = with_openings(alone, only=asks_only)
        if alone != u:
            found1 = _find(alone, search, repo, settings, vocab, ranker)
            evidence1 = select(alone, found1.scored, found1.docs, settings, passages=vocab.passages)
            if sum(sa.covered for sa in evidence1.sub_answers) > sum(sa.covered for sa in evidence.sub_answers):
                u, found, evidence = alone, found1, evidence1
    terms, cands, docs, abbreviations, scored = found.terms, found.cands, found.docs, found.abbreviations, found.scored
    if settings.template_min_docs > 0:
        # Page boilerplate ("... provides the following list of signs and symptoms for X") does not lead.
        scored = mark_templates(search, scored, docs, {sa.index for sa in evidence.sub_answers if sa.covered},
                                settings)
    first_stage = scored
    read = u.read or question  # the message with note shorthand written out: what the encoder reads
    if encoder is not None and evidence.answerable:
        # One embedding per distinct text: the rerank and the relevance check share sentences.
        encoder = CachedEncoder(encoder)
        if settings.rerank_cos > 0:
            # Only covered sub-questions show sentences; coverage does not depend on this order (select.support).
            covered = {sa.index for sa in evidence.sub_answers if sa.covered}
            scored = rerank(u, read, scored, Reranker(settings.rerank_top, 1.0, settings.rerank_cos), encoder,
                            covered, settings.relative_floor)
        # Only an answer about to be given is checked (a declined one costs no encoding). The
        # sub-questions count when there are several; a follow-up's resolved subject ("is it
        # inherited?") is part of what is asked.
        asked = [read, *(s.text for s in u.sub_questions if len(u.sub_questions) > 1)]
        if u.resolved_from:
            asked.append(f"{' '.join(u.resolved_from)} {read}")
        # The first stage's best (as support is): the gate was calibrated on them.
        rel = relevance(encoder, asked, [s.cand.sentence.text for s in first_stage[: settings.semantic_top]])
        # What the message reads as being about (its embedding is already cached by the relevance check).
        domain = topics.read(read, encoder) if topics is not None else None
        evidence = select(u, scored, docs, settings, relevance=rel, domain=domain, passages=vocab.passages)
    budget = settings.patient_words if audience == "patient" else settings.clinician_words
    evidence = complete_lists(evidence, [c.sentence for c in cands], repo,
                              max_items=settings.list_items, budget=budget)
    evidence = unmentioned(u, terms, evidence, vocab, abbreviations)
    return Trace(u, tuple(terms), tuple(scored), evidence)


@dataclass(frozen=True, slots=True)
class _Found:
    terms: list[QueryTerms]
    cands: list[Candidate]
    docs: dict[str, DocMeta]
    abbreviations: dict[str, dict[str, str]]
    scored: list[Scored]


def _find(u: Understanding, search: Search, repo: Repository, settings: AskSettings, vocab: Vocabulary,
          ranker: Ranker) -> _Found:
    """Retrieve and rank the candidates of ``u``."""
    terms, cands = retrieve(u, search, repo, settings)
    cands = dedupe(cands)
    docs = repo.documents(list({c.sentence.doc_id for c in cands}))
    abbreviations = repo.abbreviations(list(docs))
    scored = score(u, terms, cands, vocab, ranker, about={d: " ".join(m.conditions) for d, m in docs.items()},
                   abbreviations=abbreviations)
    return _Found(terms, cands, docs, abbreviations, scored)


def with_openings(u: Understanding, only: Callable[[SubQuestion], bool] | None = None) -> Understanding:
    """``u`` with each question piece that follows a stating opening in its sentence (and satisfies
    ``only``, when given) also asking about what the opening names (its words, and its text for the
    second stage to embed)."""
    subs = list(u.sub_questions)
    for i, j in enumerate(u.opening_of):
        if j is None or (only is not None and not only(subs[i])):
            continue
        extra = [w for w in subs[j].words if w not in subs[i].words]
        if extra:
            subs[i] = replace(subs[i], words=(*subs[i].words, *extra), about=subs[j].text)
    return replace(u, sub_questions=tuple(subs)) if subs != list(u.sub_questions) else u


def answer(
    engine: Engine, question: str, *, audience: str = "clinician", thread: str | None = None,
    synthesizer: Synthesizer | None = None,
) -> Article:
    """Answer ``question`` from ``engine``'s corpus with a fully cited article.

    Parameters
    ----------
    engine
        An open :class:`~medcite.engine.Engine`.
    question
        The question as typed: a vignette, a lay question, a follow-up.
    audience
        ``"clinician"``, ``"patient"`` or a choice from :data:`medcite.answer.AUDIENCE_CHOICES`.
    thread
        Continue this conversation (pronouns resolve against its last turn); None starts one.
    synthesizer
        The composer; :class:`~.compose.ExtractiveSynthesizer` by default.

    Raises
    ------
    medcite.answer.threads.ThreadNotFound
        ``thread`` does not exist. Index or store failures propagate as
        errors: they are never reported as "not covered".
    """
    aud = resolve_audience(audience)
    threads = ThreadStore(engine.settings.home / THREADS_FILENAME)
    try:
        prior = threads.last_query(thread) if thread else None
        prior_topic = tuple(prior.focus.split()) if prior is not None else ()
        prior_intents = tuple(prior.intents) if prior is not None else ()
        report("searching")
        trace = run(engine.backend, engine.repository, question, audience=aud, settings=engine.settings.ask,
                    ranker=engine.ranker, prior_topic=prior_topic, prior_intents=prior_intents,
                    encoder=engine.encoder, topics=engine.topics)
        report("composing")
        article = (synthesizer or ExtractiveSynthesizer()).compose(trace.evidence)
        u = trace.understanding
        if article.answerable:
            names = [n for d in trace.evidence.docs.values() for n in (d.title, *d.conditions)]
            name = subject_name(u.topic or [w for s in u.sub_questions for w in s.words], names)
            asked = [i for s in u.sub_questions for i in s.intents]
            article.follow_up_questions = follow_ups(engine.backend, name, asked) if name else []
        tid = thread or threads.create()
        topic = u.topic or tuple(dict.fromkeys(w for s in u.sub_questions for w in s.words))
        # A clipped word is stored as what it was read as ("Q. vexo" -> "vexoplasma"): the follow-up
        # has no initial or context left to read it again.
        done: dict[str, str] = {}
        for e in u.expansions:
            if e.source in ("clipped", "completion"):
                done.setdefault(e.of, e.term)  # the best reading comes first
        topic = tuple(done.get(w.lower(), w) for w in topic)
        threads.append(tid, Query(question=question, focus=" ".join(topic), audience=aud,
                                  qualifiers=list(u.context),
                                  intents=list(dict.fromkeys(i for s in u.sub_questions for i in s.intents))),
                       answerable=article.answerable)
        article.thread_id = tid
        article.generated_at = datetime.now(UTC).replace(microsecond=0).isoformat()
        return article
    finally:
        threads.close()
