"""Synthesizers: selected evidence -> Article.

:class:`Synthesizer` is the seam for an LLM-backed composer later; the
default :class:`ExtractiveSynthesizer` never writes a sentence of its own in
an evidence section: every statement IS a stored source sentence (or a list
lead-in with its items), at most with a leading connective ("However, ")
trimmed, so numbers, units, drug names and negations cannot be altered. Its
quote is exactly ``store.text(doc_id)[start:end]``. Sources never mix: a
guideline sentence only appears under "From the Guidelines", a study's only
under "From the Research", a patient page's only under its own section.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from medcite.answer.levels import design_rank
from medcite.answer.retrieve import Candidate
from medcite.answer.select import jaccard
from medcite.answer.summary import NEGATIVE_ADVICE, salience
from medcite.model import Article, ArticleSection, Audience, Facet, Query, Quote, Reference, Statement

NO_EVIDENCE = "The evidence in this corpus does not cover this question."

DISCLAIMERS: dict[Audience, str] = {
    "clinician": (
        "This information is intended for healthcare professionals. It was composed automatically from the "
        "documents in a local corpus, which may be incomplete or out of date; every statement is quoted from "
        "the cited source. It does not replace clinical judgment and should be read as a supplement to current "
        "clinical guidelines. Verify all information against the primary sources and current practice standards "
        "before applying it in patient care."
    ),
    "patient": (
        "This is general health information, not medical advice. It was put together automatically from medical "
        "sources and may not fit your situation. Talk to your doctor, nurse or pharmacist before you start, stop "
        "or change any treatment. If you think you have a medical emergency, call your local emergency number."
    ),
}

FACET_TITLES: dict[str, str] = {
    "definition": "Definition",
    "causes": "Causes and Pathophysiology",
    "symptoms": "Signs and Symptoms",
    "diagnosis": "Diagnosis",
    "treatment": "Treatment",
    "prognosis": "Prognosis and Outcomes",
    "prevention": "Prevention",
    "dosing": "Dosing",
    "other": "Other Findings",
}
FACET_ORDER: tuple[str, ...] = (
    "definition", "causes", "symptoms", "diagnosis", "treatment", "prognosis", "prevention", "dosing", "other",
)
_CONNECTIVE = re.compile(
    r"^(however|in addition|additionally|furthermore|moreover|also|therefore|thus|hence|consequently|"
    r"in conclusion|overall|in summary|finally|similarly|likewise|in contrast|in particular|importantly|"
    r"notably|indeed)\s*,\s+",
    re.I,
)


@dataclass(slots=True)
class DocInfo:
    """What a reference needs about one document."""

    doc_id: str
    source_kind: str
    title: str
    year: int | None
    url: str | None
    pmid: str | None
    doi: str | None
    authors: list[str]
    developer: str | None
    journal: str | None
    evidence_level: str | None


@dataclass(slots=True)
class RelatedMention:
    """A neighbouring condition as printed in a cited document (an extractive span)."""

    term: str
    doc_id: str
    start: int
    end: int
    text: str


@dataclass(slots=True)
class EvidenceSet:
    """Everything a synthesizer may use: nothing else is looked up."""

    query: Query
    by_kind: dict[str, list[Candidate]]
    docs: dict[str, DocInfo]
    related: list[RelatedMention] = field(default_factory=list)
    answerable: bool = True
    notes: list[str] = field(default_factory=list)
    research_indirect: bool = False


class Synthesizer(Protocol):
    """Composes an Article from an EvidenceSet (extractive now, LLM later)."""

    def compose(self, ev: EvidenceSet) -> Article:
        ...


def trim_connective(text: str, start: int) -> tuple[str, int]:
    """Drop a leading connective ("However, ") when what follows starts a sentence.

    Only trimmed when the rest begins with a capital or a digit, so the
    statement stays an exact substring of the source (it is never re-cased).

    >>> trim_connective("In addition, NICE recommends duplex.", 10)
    ('NICE recommends duplex.', 23)
    >>> trim_connective("However, the valves fail.", 0)
    ('However, the valves fail.', 0)
    """
    m = _CONNECTIVE.match(text)
    nxt = text[m.end():m.end() + 1] if m else ""
    if m and (nxt.isupper() or nxt.isdigit()):
        return text[m.end():], start + m.end()
    return text, start


def _strip_bullet(text: str, start: int) -> tuple[str, int]:
    m = re.match(r"^[-•*]\s+", text)
    return (text[m.end():], start + m.end()) if m else (text, start)


#: How directly a sentence is about the focus (see ``select.score_candidates``).
_MATCH_WEIGHT: dict[str, float] = {"focus": 1.0, "related": 0.85, "document": 0.8, "related-document": 0.6}
_PRONOUN_START = re.compile(r"^\W*(if\s+[^,]*,\s*)?(it|they|them|these|this|those|such)\b", re.I)


def _complete(text: str) -> bool:
    """A whole sentence (or a list with its lead-in), not a bare list item or heading."""
    t = text.rstrip()
    return "\n" in t or t.endswith((".", "!", ")", "]"))


class ExtractiveSynthesizer:
    """The default composer: statements are the selected source sentences.

    Parameters
    ----------
    lead_size
        Statements in the lead paragraph of the leading section.
    key_points
        Bullets in "Key Points".
    """

    def __init__(self, lead_size: int = 3, key_points: int = 4) -> None:
        self.lead_size = lead_size
        self.key_points = key_points

    # -- references ------------------------------------------------------
    def _references(self, ev: EvidenceSet, order: Sequence[str]) -> tuple[list[Reference], dict[str, int]]:
        refs: list[Reference] = []
        num: dict[str, int] = {}
        for kind in ("guideline", "research", "patient-info"):
            for c in sorted(ev.by_kind.get(kind, []), key=lambda c: -c.score):
                if c.doc_id in num or c.doc_id not in ev.docs:
                    continue
                d = ev.docs[c.doc_id]
                num[c.doc_id] = len(refs) + 1
                refs.append(
                    Reference(
                        n=len(refs) + 1, doc_id=d.doc_id, title=d.title, source_kind=c.source_kind, year=d.year,
                        url=d.url, pmid=d.pmid, doi=d.doi, authors=list(d.authors), developer=d.developer,
                        journal=d.journal, evidence_level=d.evidence_level,
                    )
                )
        return refs, num

    @staticmethod
    def _statement(c: Candidate, num: dict[str, int]) -> Statement:
        text, start = _strip_bullet(c.text, c.start)
        text, start = trim_connective(text, start)
        ref = num[c.doc_id]
        return Statement(
            text=text, citations=[ref],
            evidence=[Quote(ref=ref, doc_id=c.doc_id, quote=text, start=start, end=start + len(text))],
            facet=c.facet if c.facet in FACET_TITLES else "other",  # type: ignore[arg-type]
        )

    @staticmethod
    def _brevity(c: Candidate, free: int = 25, per_word: float = 0.02) -> float:
        """``score`` discounted per word beyond ``free``, weighted by :func:`salience`.

        Short sentences read better as summaries; among equally relevant ones
        (a guideline's 40 recommendations all score alike) the one saying
        most about its facet, positively, is the better summary.
        """
        return c.score * max(0.2, 1.0 - per_word * max(0, len(c.text.split()) - free)) * salience(c)

    def _lead(self, cands: list[Candidate], q: Query, *, related_definition: bool = False) -> list[Candidate]:
        """The lead paragraph: answer the question asked, directly.

        For a what-is question: the best sentence that defines the focus (or
        a synonym), then the key diagnostic and treatment statements. For
        other questions: the best statement of each facet asked, in the
        question's order, then the strongest other facets. Off-topic
        documents never lead; long multi-clause recommendations stay in the
        facet subsections.
        """
        # Long statements may lead only when they are clearly the best answer
        # (a 75-word recommendation that holds the asked-for threshold).
        pool = [c for c in cands if not c.off_topic and len(c.text.split()) <= 90 and _complete(c.text)]

        def lead_value(c: Candidate) -> float:
            # A lead says what to do: advice against something, and statements
            # past 60 words, lead only when nothing else answers the facet.
            v = self._brevity(c, per_word=0.01) * _MATCH_WEIGHT.get(c.match, 0.6)
            if NEGATIVE_ADVICE.search(c.text):
                v *= 0.5
            if len(c.text.split()) > 60:
                v *= 0.3
            return v

        ranked = sorted(pool, key=lambda c: -lead_value(c))
        lead: list[Candidate] = []
        if q.is_definition:
            lead += [c for c in ranked if c.defines == "focus"][:1]
            if not lead and related_definition:
                # No definition of the focus itself: a neighbouring condition's
                # definition ("Varicose veins are ...") still orients the reader.
                lead += [c for c in ranked if c.defines == "related"][:1]
            order: list[str] = ["diagnosis", "treatment"]
        else:
            order = [f for f in q.facets if f != "definition"]
        for f in order:
            if len(lead) >= self.lead_size:
                break
            best = next((c for c in ranked if c.facet == f and c not in lead), None)
            if best is not None:
                lead.append(best)
        seen = {c.facet for c in lead}
        # Then more of what was asked ("how is X treated": a second treatment
        # statement beats a risk factor), then the strongest other facets.
        asked = [c for c in ranked if c.facet in order and c not in lead]
        for c in asked[: max(0, self.lead_size - len(lead) - 1)] if order and not q.is_definition else []:
            lead.append(c)
        # A what-is lead is the definition, how it is diagnosed and how it is
        # treated, nothing more: a filler ("knowledge of venous physiology for
        # practitioners") answers nothing. Other questions fill with the
        # strongest remaining facets.
        for c in [] if q.is_definition and lead else ranked:
            if len(lead) >= self.lead_size:
                break
            if (c not in lead and c.facet not in seen and c.facet != "other"
                    and not (q.is_definition and c.facet == "definition")):
                lead.append(c)
                seen.add(c.facet)
        return lead

    def _by_facet(self, cands: list[Candidate], num: dict[str, int], kind: str) -> list[ArticleSection]:
        groups: dict[str, list[Candidate]] = {}
        for c in cands:
            groups.setdefault(c.facet if c.facet in FACET_TITLES else "other", []).append(c)
        subs: list[ArticleSection] = []
        for f in FACET_ORDER:
            if f not in groups:
                continue
            items = sorted(groups[f], key=lambda c: -c.score)
            if kind == "research":
                items = sorted(items, key=lambda c: (design_rank(c.design), -c.score))
            subs.append(
                ArticleSection(title=FACET_TITLES[f], kind=kind, statements=[self._statement(c, num) for c in items])
            )
        return subs

    def _key_points(
        self, cands: list[Candidate], lead: list[Candidate], num: dict[str, int], q: Query
    ) -> ArticleSection | None:
        """The most informative short statements, one per facet, not repeating the lead.

        Facets in reading order (what it is, why, how diagnosed, how
        treated, ...); within a facet the best score discounted for length
        (see :meth:`_brevity`), a graded recommendation and a source not yet
        quoted preferred. Off-topic documents never make a key point; a lead
        statement (or a near copy of one) is not repeated.
        """
        def rank(c: Candidate, used: set[str]) -> float:
            v = self._brevity(c, free=20, per_word=0.025)
            return v + (0.05 if c.grade or c.level else 0.0) - (0.1 if c.doc_id in used else 0.0)

        lead_toks = [c.tokens for c in lead]
        pool = [
            c for c in cands
            if not c.off_topic and c not in lead and len(c.text.split()) <= 45 and _complete(c.text)
            # A key point must stand alone: it names the focus or a related
            # condition, and does not open on a pronoun ("consider treating them").
            and c.match in ("focus", "related") and not _PRONOUN_START.match(c.text)
            and all(jaccard(c.tokens, t) <= 0.5 for t in lead_toks)
        ]
        chosen: list[Candidate] = []
        # The facets the question asks (a what-is question asks what it is,
        # why, how diagnosed and how treated), in reading order: a key point
        # on hand-washing does not belong under "how is pneumonia treated".
        core = ("definition", "causes", "diagnosis", "treatment")
        asked = set(core) if q.is_definition or not q.facets else set(q.facets)
        facets = [f for f in (*core, "symptoms", "prognosis", "prevention", "dosing") if f in asked]
        # One per facet; a question about a single facet ("how is X treated")
        # may take a second statement of it.
        for _round in range(1 if len(facets) > 1 else 2):
            for f in facets:
                if len(chosen) >= self.key_points:
                    break
                fresh = [c for c in pool if c.facet == f and c not in chosen
                         and (f != "definition" or c.defines == "focus")
                         and all(jaccard(c.tokens, o.tokens) <= 0.5 for o in chosen)]
                if fresh:
                    used = {c.doc_id for c in chosen}
                    chosen.append(max(fresh, key=lambda c: rank(c, used)))
        # The direct answer heads the Key Points (as in a clinical summary box)
        # when it is short enough to be a bullet; the rest add other facets.
        head = lead[0] if lead else None
        if (head is not None and not head.off_topic and len(head.text.split()) <= 45 and _complete(head.text)
                and head.match in ("focus", "related") and head.facet != "definition"):
            chosen = [head, *(c for c in chosen if c is not head and jaccard(c.tokens, head.tokens) <= 0.5)]
            chosen = chosen[: self.key_points]
        if not chosen:
            return None
        return ArticleSection(
            title="Key Points", kind="key_points", statements=[self._statement(c, num) for c in chosen]
        )

    def _kind_section(
        self, title: str, kind: str, cands: list[Candidate], q: Query, num: dict[str, int], *,
        with_key_points: bool, note: str | None = None,
    ) -> ArticleSection:
        lead = self._lead(cands, q, related_definition=kind == "patient-info")
        rest = [c for c in cands if c not in lead]
        if note is None and q.is_definition and kind == "guidelines" and not any(c.defines == "focus" for c in lead):
            # Say so rather than pass off a neighbouring definition as the answer.
            note = (
                f"No guideline sentence in this corpus defines {q.focus}; the lead gives the guideline "
                "statements most directly about it."
            )
        sec = ArticleSection(
            title=title, kind=kind, statements=[self._statement(c, num) for c in lead],
            subsections=self._by_facet(rest, num, kind), note=note,
        )
        if with_key_points:
            kp = self._key_points(cands, lead, num, q)
            if kp is not None:
                sec.subsections.append(kp)
        return sec

    def _research_summary(self, cands: list[Candidate]) -> tuple[list[Candidate], list[Candidate]]:
        """Lead and Key Points of a research-only answer: its most relevant findings.

        With no guideline to lead, the reader's direct answer is what the
        best-matching studies found, so the lead is the highest-scoring
        complete research sentences (one per study first) and Key Points the
        next distinct ones; the facet subsections keep the rest.
        """
        pool = sorted(
            (c for c in cands if len(c.text.split()) <= 90 and _complete(c.text)),
            key=lambda c: -c.score * _MATCH_WEIGHT.get(c.match, 0.6),
        )
        lead: list[Candidate] = []
        for one_per_doc in (True, False):
            for c in pool:
                if len(lead) >= self.lead_size:
                    break
                if c in lead or (one_per_doc and any(o.doc_id == c.doc_id for o in lead)):
                    continue
                if all(jaccard(c.tokens, o.tokens) <= 0.5 for o in lead):
                    lead.append(c)
        kps: list[Candidate] = []
        for c in pool:
            if len(kps) >= self.key_points:
                break
            if c not in lead and len(c.text.split()) <= 60 and not _PRONOUN_START.match(c.text) and all(
                jaccard(c.tokens, o.tokens) <= 0.5 for o in [*lead, *kps]
            ):
                kps.append(c)
        return lead, kps

    def _research(self, ev: EvidenceSet, num: dict[str, int], *, lead: bool = False) -> list[ArticleSection]:
        cands = ev.by_kind.get("research", [])
        out: list[ArticleSection] = []
        if cands:
            note = (
                "The retrieved studies only indirectly address this question: most of them concern related "
                "conditions or populations rather than the question itself."
                if ev.research_indirect else None
            )
            top, kps = self._research_summary(cands) if lead else ([], [])
            rest = [c for c in cands if c not in top and c not in kps]
            subs = self._by_facet(rest, num, "research")
            if kps:
                subs.append(ArticleSection(
                    title="Key Points", kind="key_points", statements=[self._statement(c, num) for c in kps]
                ))
            out.append(
                ArticleSection(
                    title="From the Research", kind="research", statements=[self._statement(c, num) for c in top],
                    subsections=subs, note=note,
                )
            )
        mentions: dict[str, list[RelatedMention]] = {}
        for m in ev.related:
            if m.doc_id in num:
                mentions.setdefault(m.term, []).append(m)
        if mentions:
            stmts = []
            for _term, ms in mentions.items():
                ms = sorted(ms, key=lambda m: num[m.doc_id])
                first = ms[0]
                stmts.append(
                    Statement(
                        text=first.text, citations=[num[m.doc_id] for m in ms],
                        evidence=[Quote(ref=num[m.doc_id], doc_id=m.doc_id, quote=m.text, start=m.start, end=m.end)
                                  for m in ms],
                    )
                )
            out.append(
                ArticleSection(
                    title="Related Conditions", kind="related", statements=stmts,
                    note="Conditions neighbouring the question that the cited sources discuss.",
                )
            )
        return out

    def compose(self, ev: EvidenceSet) -> Article:
        q = ev.query
        art = Article(
            question=q.question, audience=q.audience, answerable=ev.answerable, disclaimer=DISCLAIMERS[q.audience],
            focus=q.focus, facets=list(q.facets), notes=list(ev.notes),
        )
        if not ev.answerable:
            art.sections = [ArticleSection(title="Answer", kind="abstention", note=NO_EVIDENCE)]
            return art
        order = ("guideline", "research", "patient-info")
        refs, num = self._references(ev, order)
        art.references = refs
        g = ev.by_kind.get("guideline", [])
        p = ev.by_kind.get("patient-info", [])
        sections: list[ArticleSection] = []
        guide = (
            self._kind_section("From the Guidelines", "guidelines", g, q, num, with_key_points=True) if g else None
        )
        patient = (
            self._kind_section(
                "In Plain Language" if q.audience == "patient" else "From Patient Information", "patient-info", p, q,
                num, with_key_points=False,
            )
            if p else None
        )
        if q.audience == "patient":
            sections += [s for s in (patient, guide) if s is not None]
        else:
            sections += [s for s in (guide,) if s is not None]
        # With no guideline, the research section leads (clinician mode).
        sections += self._research(ev, num, lead=not g and q.audience != "patient")
        if q.audience != "patient" and patient is not None:
            sections.append(patient)
        if not g:
            art.notes.append("No guideline in this corpus addresses this question; the answer rests on other sources.")
        art.sections = sections
        return art


def facets_covered(article: Article) -> list[Facet]:
    """Facets that have at least one statement in the article."""
    seen: list[Facet] = []

    def walk(secs: Sequence[ArticleSection]) -> None:
        for s in secs:
            for st in s.statements:
                if st.facet not in seen:
                    seen.append(st.facet)
            walk(s.subsections)

    walk(article.sections)
    return seen


def doc_info(row: object, evidence_level: str | None) -> DocInfo:
    """A :class:`DocInfo` from a ``store.document_meta`` row."""
    r = row  # sqlite3.Row supports mapping access
    authors = json.loads(r["authors"] or "[]")  # type: ignore[index]
    return DocInfo(
        doc_id=r["id"], source_kind=r["source_kind"], title=r["title"], year=r["year"],  # type: ignore[index]
        url=r["url"], pmid=r["pmid"], doi=r["doi"], authors=authors,  # type: ignore[index]
        developer=r["developer"], journal=r["journal"], evidence_level=evidence_level,  # type: ignore[index]
    )
