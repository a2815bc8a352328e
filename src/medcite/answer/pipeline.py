"""``answer(engine, question)``: the whole ask pipeline, one function.

analyse -> corpus synonyms -> retrieve per kind -> score + MMR -> levels ->
synthesize -> follow-ups -> thread. Nothing is cached between calls: each
call is a handful of FTS5 queries and scoring of a few hundred sentences.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from medcite.answer import resolve_audience
from medcite.answer.analyse import (
    CONTEXT_SYNONYMS,
    Analysis,
    analyse_question,
    context_variants,
    corpus_synonyms,
)
from medcite.answer.followups import follow_ups
from medcite.answer.levels import guideline_level, study_design
from medcite.answer.retrieve import (
    FACET_TERMS,
    GENERIC_HEADS,
    K_FOCUS,
    K_RELATED,
    MAX_AND_TOKENS,
    Candidate,
    TermStats,
    build_expression,
    gather,
    search_expr,
    sweep,
    top_documents,
)
from medcite.answer.select import FocusTerms, coverage, matches, mmr, score_candidates
from medcite.answer.summary import ensure_short
from medcite.answer.synthesize import (
    DocInfo,
    EvidenceSet,
    ExtractiveSynthesizer,
    RelatedMention,
    Synthesizer,
    doc_info,
    facets_covered,
)
from medcite.answer.threads import THREADS_FILENAME, ThreadStore
from medcite.index.tokenize import tokenize
from medcite.model import Article, SourceKind

if TYPE_CHECKING:
    from medcite.engine import Engine

#: Sentences kept per source kind (clinician); patient mode swaps the first and last.
BUDGET: dict[str, int] = {"guideline": 12, "research": 6, "patient-info": 5}
#: Research sentences kept when no guideline answers (research then leads).
RESEARCH_LEAD_BUDGET = 10
#: Below this best score a kind contributes nothing (weak matches are not padding).
MIN_SCORE = 0.55
#: Within a kind, sentences scoring below this share of the best are dropped.
RELATIVE_FLOOR = 0.45


def _json_list(value: object) -> list[str]:
    try:
        got = json.loads(str(value or "[]"))
    except json.JSONDecodeError:
        return []
    if isinstance(got, str):
        return [got]
    return [str(x) for x in got] if isinstance(got, list) else []


def _extra_terms(extra: dict[str, object], keys: Sequence[str]) -> list[str]:
    out: list[str] = []
    for k in keys:
        v = extra.get(k)
        if isinstance(v, str):
            out.append(v)
        elif isinstance(v, list):
            out += [str(x) for x in v if isinstance(x, str)]
    return out


def expand_synonyms(conn: sqlite3.Connection, an: Analysis) -> None:
    """Add synonyms/related names from the metadata of documents titled with the focus."""
    q = an.query
    expr = build_expression([q.focus, *q.synonyms], [])
    if not expr:
        return
    expr = expr.replace("{title recommendation body}", "{title}", 1)
    rows = conn.execute(
        "SELECT DISTINCT p.doc_id FROM passages_fts f JOIN passages p ON p.id = f.rowid "
        "WHERE passages_fts MATCH ? ORDER BY bm25(passages_fts, 2.0, 1.2, 1.0, 0.0) LIMIT 15",
        (expr,),
    ).fetchall() if expr else []
    ids = [r[0] for r in rows]
    if not ids:
        return
    marks = ",".join("?" * len(ids))
    pairs: list[tuple[str, list[str]]] = []
    for r in conn.execute(f"SELECT title, mesh_terms, extra FROM documents WHERE id IN ({marks})", ids):
        try:
            extra = json.loads(r[2] or "{}")
        except json.JSONDecodeError:
            extra = {}
        extra = extra if isinstance(extra, dict) else {}
        pairs.append(("synonyms", _extra_terms(extra, ("synonyms", "also_called", "other_names")))
                     if coverage(FocusTerms.build([q.focus], [], []).focus,
                                 set(tokenize(" ".join(_extra_terms(extra, ("focus",)))))) == 1.0
                     else ("mesh", []))
        pairs.append(("condition", _extra_terms(extra, ("conditions", "focus", "disease_condition"))))
        pairs.append(("mesh", _json_list(r[1])))
    syn, rel = corpus_synonyms([q.focus, *q.synonyms], pairs)
    q.synonyms = list(dict.fromkeys([*q.synonyms, *syn]))[:10]
    an.related = [r for r in dict.fromkeys([*an.related, *rel]) if r not in q.synonyms and r != q.focus][:8]


def _doc_about(meta: dict[str, sqlite3.Row], terms: FocusTerms) -> dict[str, float]:
    out: dict[str, float] = {}
    for doc_id, r in meta.items():
        try:
            extra = json.loads(r["extra"] or "{}")
        except json.JSONDecodeError:
            extra = {}
        extra = extra if isinstance(extra, dict) else {}
        names = [tokenize(n) for n in [r["title"], *_extra_terms(extra, ("conditions", "focus"))]]
        if any(terms.hit(n) for n in names):
            out[doc_id] = 1.0
        elif any(matches(n, terms.related) for n in names):
            out[doc_id] = 0.6
    return out


def _related_mentions(texts: dict[str, str], doc_ids: Sequence[str], related: Sequence[str]) -> list[RelatedMention]:
    out: list[RelatedMention] = []
    for term in related:
        rx = re.compile(r"\b" + r"\s+".join(re.escape(w) for w in term.split()) + r"s?\b", re.I)
        for d in doc_ids:
            m = rx.search(texts.get(d, ""))
            if m:
                out.append(RelatedMention(term=term, doc_id=d, start=m.start(), end=m.end(), text=m.group(0)))
    return out


def subject_names(engine: Engine, article: Article) -> list[str]:
    """What the cited documents say they are about: titles of patient pages,
    guideline conditions, MeSH terms (candidates for follow-up entities)."""
    names: list[str] = []
    meta = engine.store.document_meta([r.doc_id for r in article.references])
    for row in meta.values():
        if row["source_kind"] == "patient-info":
            names.append(str(row["title"]))
        names.extend(json.loads(row["mesh_terms"] or "[]"))
        extra = json.loads(row["extra"] or "{}")
        conditions = extra.get("conditions")
        if isinstance(conditions, list):
            names.extend(str(c) for c in conditions)
        elif isinstance(conditions, str):
            names.extend(c.strip() for c in conditions.replace(";", ",").split(","))
    return names


def answer(
    engine: Engine, question: str, *, audience: str = "clinician", thread: str | None = None,
    synthesizer: Synthesizer | None = None,
) -> Article:
    """Answer ``question`` from ``engine``'s corpus with a fully cited article.

    Parameters
    ----------
    engine
        An open :class:`~medcite.engine.Engine` (its store holds the corpus).
    question
        The question as typed.
    audience
        ``"clinician"``, ``"patient"`` or a personalisation choice from
        :data:`medcite.answer.AUDIENCE_CHOICES`.
    thread
        Continue this conversation thread (a follow-up is resolved against
        its last question); ``None`` starts a new thread.
    synthesizer
        The composer; :class:`~medcite.answer.synthesize.ExtractiveSynthesizer` by default.
    """
    aud = resolve_audience(audience)
    threads = ThreadStore(engine.settings.home / THREADS_FILENAME)
    try:
        prior = threads.last_query(thread) if thread else None
        an = analyse_question(question, audience=aud, prior=prior)
        conn = engine.store.conn
        ev = collect_evidence(conn, an)
        article = (synthesizer or ExtractiveSynthesizer()).compose(ev)
        if article.answerable:
            display = an.query.focus
            article.follow_up_questions = follow_ups(
                conn, an.query, facets_covered(article), display, entity_names=subject_names(engine, article)
            )
        tid = thread or threads.create()
        threads.append(tid, an.query, answerable=article.answerable)
        article.thread_id = tid
        article.generated_at = datetime.now(UTC).replace(microsecond=0).isoformat()
        return article
    finally:
        threads.close()


def scored_candidates(
    conn: sqlite3.Connection, an: Analysis
) -> tuple[list[Candidate], dict[str, str], dict[str, sqlite3.Row]]:
    """Expand synonyms, retrieve per kind, score every candidate sentence."""
    q = an.query
    stats = TermStats(conn)
    focus_toks = tokenize(q.focus)
    long_focus = len(set(focus_toks)) > MAX_AND_TOKENS
    if not long_focus:
        expand_synonyms(conn, an)  # research-style questions name no single entity
    focus_terms = [q.focus, *q.synonyms]
    # A long, research-style focus is retrieved by its rarest words (cheap
    # posting lists, and the words that carry its meaning).
    req_groups = [tokenize(t) for t in focus_terms]
    head: list[str] = []
    if long_focus:
        req_groups = [stats.rare(focus_toks, 4), *req_groups[1:]]
    else:
        # Only the focus's specific head terms are required ("couger", not
        # "tool"): see TermStats.head.
        head = stats.head(focus_toks)
        req_groups = [head, *req_groups[1:]]
    boost_raw = [t for f in (q.facets or ["definition", "treatment"]) for t in FACET_TERMS.get(f, ())]
    if q.is_definition:
        boost_raw += [*FACET_TERMS["causes"], *FACET_TERMS["diagnosis"], *FACET_TERMS["treatment"]]
    boost_raw += [t for c in an.context for t in tokenize(c)]
    boost_raw += [t for a in an.aspects for t in tokenize(a)]
    boost_raw += [t for t in focus_toks if t not in head]
    boost = stats.selective(boost_raw)
    groups: list[tuple[SourceKind, list[tuple[int, float]], bool]] = []
    focus_expr = build_expression([], boost, q.qualifiers, groups=req_groups)
    related_expr = build_expression(an.related, boost, q.qualifiers) if an.related else ""
    for kind in ("guideline", "research", "patient-info"):
        groups.append((kind, search_expr(conn, focus_expr, kind, K_FOCUS), False))
        if related_expr:
            groups.append((kind, search_expr(conn, related_expr, kind, K_RELATED), True))
    # The guidelines whose title names the focus (or, failing that, a related
    # condition) are swept whole: see retrieve.sweep.
    swept: list[str] = []
    if not long_focus:
        swept = top_documents(conn, focus_terms, "guideline", 3)
        if len(swept) < 3 and an.related:
            swept += [d for d in top_documents(conn, an.related, "guideline", 3) if d not in swept][: 3 - len(swept)]
    texts: dict[str, str] = {}
    cands = gather(conn, texts, groups, sweep(conn, swept))
    meta = _meta(conn, {c.doc_id for c in cands})
    terms = FocusTerms.build(
        focus_terms, an.related, q.qualifiers, idf=stats.idf, head=head, relational=bool(an.aspects)
    )
    off = _off_context(texts, an.context)
    scored = score_candidates(
        cands, terms, q.facets, _doc_about(meta, terms), is_definition_q=q.is_definition, off_context=off,
        strict_context=any(c.lower() in CONTEXT_SYNONYMS for c in an.context),
        # A research question ("the main results of PRKAR1A knockdown") names
        # its entity by its rarest word; any other question ("how do I tune a
        # guitar") must find every specific word of its focus in the document.
        doc_has_focus=_doc_has(texts, set(focus_toks) - GENERIC_HEADS) if head and not an.aspects else None,
    )
    return scored, texts, meta


def _doc_has(texts: dict[str, str], words: set[str]) -> Callable[[str], bool]:
    """A cached test: does the document's text hold every one of ``words`` (stemmed tokens)?"""
    cache: dict[str, bool] = {}

    def has(doc_id: str) -> bool:
        if doc_id not in cache:
            cache[doc_id] = words <= set(tokenize(texts.get(doc_id, "")))
        return cache[doc_id]

    return has


def _off_context(texts: dict[str, str], context: Sequence[str]) -> frozenset[str]:
    """Documents that mention none of the soft-context phrases (or their anatomical variants)."""
    if not context:
        return frozenset()
    variants = [v for c in context for v in context_variants(c)]
    rx = re.compile(r"\b(" + "|".join(re.escape(v) for v in variants) + r")\b", re.I)
    return frozenset(d for d, t in texts.items() if not rx.search(t))


def collect_evidence(conn: sqlite3.Connection, an: Analysis) -> EvidenceSet:
    """Retrieve, score and select evidence for an analysed question."""
    q = an.query
    scored, texts, meta = scored_candidates(conn, an)
    by_kind: dict[str, list[Candidate]] = {}
    budget = dict(BUDGET)
    if q.audience == "patient":
        budget = {"patient-info": 10, "guideline": 5, "research": 3}
    for kind in ("guideline", "research", "patient-info"):
        if kind == "research" and "guideline" not in by_kind and q.audience != "patient":
            # Research leads the answer (see ExtractiveSynthesizer._research_summary):
            # a lead, Key Points and findings by facet need more sentences.
            budget["research"] = RESEARCH_LEAD_BUDGET
        pool = [c for c in scored if c.source_kind == kind]
        if not pool or max(c.score for c in pool) < MIN_SCORE:
            continue
        best = max(c.score for c in pool)
        # Relative floor: far weaker sentences are padding, not evidence.
        pool = [c for c in pool if c.score >= max(MIN_SCORE * 0.8, RELATIVE_FLOOR * best)]
        by_kind[kind] = mmr(pool, budget[kind], per_doc=6 if kind == "guideline" else 2)
        if kind != "research":
            # Leads and Key Points need a short statement per core facet.
            core = list(dict.fromkeys([*q.facets, *(["diagnosis", "treatment"] if q.is_definition else [])]))
            by_kind[kind] = ensure_short(pool, by_kind[kind], core)
    direct = [c for cs in by_kind.values() for c in cs if c.match in ("focus", "related")]
    notes: list[str] = []
    answerable = bool(direct)
    if not answerable:
        why = (
            f"No passage in the corpus mentions {q.focus!r}"
            + (f" together with {', '.join(q.qualifiers)}" if q.qualifiers else "")
            + " closely enough to answer."
        )
        notes.append(why)
        by_kind = {}
    docs: dict[str, DocInfo] = {}
    for cs in by_kind.values():
        for c in cs:
            r = meta[c.doc_id]
            if c.source_kind == "research":
                c.design = study_design(_json_list(r["publication_types"]), texts.get(c.doc_id, "")[:3000])
            if c.doc_id not in docs:
                level = c.design if c.source_kind == "research" else None
                docs[c.doc_id] = doc_info(r, level)
    # A guideline's reference shows the grades of the recommendations cited from it.
    for c in by_kind.get("guideline", []):
        lvl = guideline_level(c.grade, c.level)
        d = docs[c.doc_id]
        if lvl and (d.evidence_level is None or lvl not in d.evidence_level):
            d.evidence_level = lvl if d.evidence_level is None else f"{d.evidence_level} | {lvl}"
    research = by_kind.get("research", [])
    if answerable and not research:
        notes.append("No research abstract in this corpus addresses this question directly enough to cite.")
    indirect = bool(research) and sum(c.match == "focus" for c in research) < len(research) / 2
    research_ids = list(dict.fromkeys(c.doc_id for c in research))
    related = _related_mentions(texts, research_ids, an.related) if research_ids else []
    return EvidenceSet(
        query=q, by_kind=by_kind, docs=docs, related=related, answerable=answerable, notes=notes,
        research_indirect=indirect,
    )


def _meta(conn: sqlite3.Connection, ids: set[str]) -> dict[str, sqlite3.Row]:
    out: dict[str, sqlite3.Row] = {}
    idl = list(ids)
    for i in range(0, len(idl), 500):
        chunk = idl[i:i + 500]
        marks = ",".join("?" * len(chunk))
        for r in conn.execute(
            "SELECT id, source_kind, title, authors, developer, journal, year, url, pmid, doi, publication_types, "
            f"mesh_terms, extra FROM documents WHERE id IN ({marks})",
            chunk,
        ):
            out[r["id"]] = r
    return out
