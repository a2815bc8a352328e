"""Stage 5, compose: :class:`~.select.Evidence` -> :class:`~medcite.model.Article`.

:class:`Synthesizer` is the seam for other composers (an LLM that writes and
a verifier that checks, later). The default :class:`ExtractiveSynthesizer`
writes no sentence of its own in an evidence section: every statement IS a
stored source sentence, at most with a leading connective ("However, ") or
list bullet trimmed, so numbers, units, drug names and negations cannot
change, and its quote is exactly ``store.text(doc_id)[start:end]``.
Sources never mix: a guideline sentence appears only under "From the
Guidelines", a study's only under "From the Research", a patient page's only
under its own section.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Protocol

from medcite.answer.levels import design_rank, guideline_level, study_design
from medcite.answer.rank import ANSWER_CUES
from medcite.answer.select import Evidence, EvidenceItem
from medcite.model import Article, ArticleSection, Facet, Quote, Reference, SourceKind, Statement

NO_EVIDENCE = "The evidence in this corpus does not cover this question."
DISCLAIMERS: dict[str, str] = {
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
SECTION: dict[SourceKind, tuple[str, str]] = {
    "guideline": ("From the Guidelines", "guidelines"),
    "research": ("From the Research", "research"),
    "patient-info": ("From Patient Information", "patient-info"),
}
#: Question types -> the article's facet of a statement (titles of subsections).
INTENT_FACET: dict[str, Facet] = {
    "threshold": "diagnosis", "dose": "dosing", "timing": "treatment", "test": "diagnosis",
    "treatment": "treatment", "cause": "causes", "symptoms": "symptoms", "prognosis": "prognosis",
    "definition": "definition", "safety": "treatment",
}
FACET_TITLES: dict[str, str] = {
    "definition": "Definition", "causes": "Causes and Risk Factors", "symptoms": "Signs and Symptoms",
    "diagnosis": "Diagnosis and Thresholds", "treatment": "Treatment and Management", "prognosis": "Outlook",
    "prevention": "Prevention", "dosing": "Dosing", "other": "Other Findings",
}
_CONNECTIVE = re.compile(
    r"^(however|in addition|additionally|furthermore|moreover|also|therefore|thus|hence|consequently|"
    r"in conclusion|overall|in summary|finally|similarly|likewise|in contrast|in particular|importantly|"
    r"notably|indeed)\s*,\s+",
    re.I,
)


class Synthesizer(Protocol):
    """Composes an Article from Evidence (extractive now; a verified LLM composer later)."""

    def compose(self, ev: Evidence) -> Article:
        ...


def trim_connective(text: str, start: int) -> tuple[str, int]:
    """Drop a leading connective or list bullet when what follows starts a sentence.

    The statement stays an exact substring of the source (it is never re-cased).

    >>> trim_connective("In addition, NICE recommends duplex.", 10)
    ('NICE recommends duplex.', 23)
    >>> trim_connective("However, the valves fail.", 0)
    ('However, the valves fail.', 0)
    >>> trim_connective("- Offer follow-up.", 5)
    ('Offer follow-up.', 7)
    """
    m = re.match(r"^[-•*]\s+", text)
    if m:
        text, start = text[m.end():], start + m.end()
    m = _CONNECTIVE.match(text)
    nxt = text[m.end():m.end() + 1] if m else ""
    if m and (nxt.isupper() or nxt.isdigit()):
        return text[m.end():], start + m.end()
    return text, start


def facet_of(text: str, intents: Sequence[str]) -> Facet:
    """The facet a sentence speaks to: the first asked question type it carries, else the first it carries."""
    for i in intents:
        if i in ANSWER_CUES and ANSWER_CUES[i].search(text):
            return INTENT_FACET[i]
    for i in ("test", "treatment", "cause", "symptoms", "prognosis", "definition"):
        if ANSWER_CUES[i].search(text):
            return INTENT_FACET[i]
    return "other"


class ExtractiveSynthesizer:
    """The default composer: statements are the selected source sentences."""

    def _references(self, ev: Evidence, order: Sequence[SourceKind]) -> tuple[list[Reference], dict[str, int]]:
        """The references, numbered in the order the article's sections cite them."""
        refs: list[Reference] = []
        num: dict[str, int] = {}
        for kind in order:
            for it in ev.items:
                if it.source_kind != kind or it.doc_id in num or it.doc_id not in ev.docs:
                    continue
                d = ev.docs[it.doc_id]
                level: str | None = None
                if kind == "research":
                    level = study_design(list(d.publication_types), it.text)
                else:
                    grades = [g for g in dict.fromkeys(
                        guideline_level(x.grade, x.level) for x in ev.items if x.doc_id == it.doc_id) if g]
                    level = " | ".join(grades) or None
                num[it.doc_id] = len(refs) + 1
                refs.append(Reference(
                    n=len(refs) + 1, doc_id=d.doc_id, title=d.title, source_kind=d.source_kind, year=d.year,
                    url=d.url, pmid=d.pmid, doi=d.doi, authors=list(d.authors), developer=d.developer,
                    journal=d.journal, evidence_level=level, source_version=d.version or None,
                ))
        return refs, num

    def _statement(self, it: EvidenceItem, num: dict[str, int], ev: Evidence) -> Statement:
        text, start = trim_connective(it.text.strip(), it.start + (len(it.text) - len(it.text.lstrip())))
        ref = num[it.doc_id]
        intents = ev.sub_answers[it.sub].intents if it.sub < len(ev.sub_answers) else ()
        return Statement(
            text=text, citations=[ref],
            evidence=[Quote(ref=ref, doc_id=it.doc_id, quote=text, start=start, end=start + len(text))],
            facet=facet_of(text, intents),
        )

    def _kind_section(self, ev: Evidence, kind: SourceKind, num: dict[str, int], *, leading: bool) -> ArticleSection | None:
        items = ev.by_kind(kind)
        if not items:
            return None
        title, skind = SECTION[kind]
        if kind == "patient-info" and ev.audience == "patient":
            title = "In Plain Language"
        leads = [i for i in items if i.role == "lead"]
        kps = [i for i in items if i.role == "key-point"]
        rest = [i for i in items if i.role == "support"]
        # A kind without a lead (none of its sentences was nearly as good as the answer) opens with no
        # paragraph of its own: its sentences are listed as supporting evidence, not presented as an answer.
        leads.sort(key=lambda i: i.sub)
        sec = ArticleSection(title=title, kind=skind, statements=[self._statement(i, num, ev) for i in leads])
        body = rest + ([] if leading else kps)
        if kind == "research":
            body.sort(key=lambda i: (design_rank(study_design(list(ev.docs[i.doc_id].publication_types), i.text))
                                     if i.doc_id in ev.docs else 99, -i.p))
        if len(ev.sub_answers) > 1:
            # One subsection per sub-question, titled with it.
            for sa in ev.sub_answers:
                its = [i for i in body if i.sub == sa.index]
                if its:
                    sec.subsections.append(ArticleSection(
                        title=sa.text[:1].upper() + sa.text[1:].rstrip("?") + "?", kind=skind,
                        statements=[self._statement(i, num, ev) for i in its],
                    ))
        else:
            groups: dict[str, list[Statement]] = {}
            for i in body:
                st = self._statement(i, num, ev)
                groups.setdefault(st.facet, []).append(st)
            for f in FACET_TITLES:
                if f in groups:
                    sec.subsections.append(ArticleSection(title=FACET_TITLES[f], kind=skind, statements=groups[f]))
        if leading and kps:
            kps.sort(key=lambda i: i.sub)
            sec.subsections.append(ArticleSection(
                title="Key Points", kind="key_points", statements=[self._statement(i, num, ev) for i in kps],
            ))
        return sec

    def compose(self, ev: Evidence) -> Article:
        art = Article(
            question=ev.question, audience=ev.audience, answerable=ev.answerable,
            disclaimer=DISCLAIMERS[ev.audience], focus=ev.subject,
            facets=list(dict.fromkeys(INTENT_FACET.get(i, "other") for s in ev.sub_answers for i in s.intents)),
            notes=list(ev.notes), sub_questions=[s.text for s in ev.sub_answers],
            # An opening that states ("my newborn was breech, ...") is not a question the corpus left
            # open; it is reported only when nothing is answered.
            uncovered=[s.text for s in ev.sub_answers if not s.covered and not (s.states and ev.answerable)],
        )
        best = max(ev.sub_answers, key=lambda s: s.support, default=None)
        art.abstention = {
            "threshold": ev.threshold,
            "best_score": best.support if best else 0.0,
            "ranker_probability": best.best_p if best else 0.0,
            "sub_question_scores": [s.support for s in ev.sub_answers],
            "best_candidate": {"doc_id": best.best_doc, "text": best.best_text} if best and best.best_doc else None,
            "semantic_relevance": None if ev.relevance is None else round(ev.relevance, 4),
            "topic": None if ev.domain is None else {"label": ev.domain.label, "margin": round(ev.domain.margin, 4),
                                                      "animal": ev.domain.animal or None,
                                                      "familiar": None if ev.domain.familiar is None
                                                      else round(ev.domain.familiar, 4),
                                                      "everyday": None if ev.domain.everyday is None
                                                      else round(ev.domain.everyday, 4)},
        }
        if not ev.answerable and ev.notes:
            # The reason is already stated (a name the corpus never mentions), not a low score.
            art.sections = [ArticleSection(title="Answer", kind="abstention", note=NO_EVIDENCE)]
            return art
        if not ev.answerable:
            why = (f"No sentence in the corpus scored above the answer threshold ({ev.threshold:.2f}); "
                   f"the best candidate scored {best.support:.2f}." if best and best.best_doc else
                   "No passage in the corpus matched the question's words.")
            art.notes.append(why)
            art.sections = [ArticleSection(title="Answer", kind="abstention", note=NO_EVIDENCE)]
            return art
        order: tuple[SourceKind, ...] = (("patient-info", "guideline", "research") if ev.audience == "patient"
                                         else ("guideline", "research", "patient-info"))
        # The article opens with the section that holds the answer: select gives a sub-question its lead
        # from the preferred kind when that kind has a sentence nearly as good as the best. A kind that
        # only contributed weaker supporting sentences follows the answer instead of opening the article
        # with its best weak sentence ("guideline first" when a guideline answers, not when one is near).
        lead_kind = (next((k for k in order if any(i.role == "lead" for i in ev.by_kind(k))), None)
                     or next((k for k in order if ev.by_kind(k)), None))
        if lead_kind is not None:
            order = (lead_kind, *(k for k in order if k != lead_kind))
        refs, num = self._references(ev, order)
        art.references = refs
        for kind in order:
            sec = self._kind_section(ev, kind, num, leading=kind == lead_kind)
            if sec is not None:
                art.sections.append(sec)
        _number_as_read(art)
        gaps = [f"The corpus does not address: {u.rstrip('?')}?" for u in art.uncovered] if len(ev.sub_answers) > 1 else []
        for sa in ev.sub_answers:
            if sa.covered and sa.unmentioned:
                # The answer stands on part of what was asked (answer.gaps): say which part it leaves out.
                words = ", ".join(f"“{w}”" for w in sa.unmentioned)
                gaps.append(f"For “{sa.text.rstrip('?')}”, the statements shown do not mention {words}."
                            if len(ev.sub_answers) > 1 else f"The statements shown do not mention {words}.")
        if gaps:
            art.sections.append(ArticleSection(title="Not Covered by the Evidence", kind="gaps", note=" ".join(gaps)))
        if ev.readings:
            # Said, not silently done: a name the corpus lacks read as its one-letter neighbour
            # would otherwise pass for an answer about the name.
            art.notes.append("Read " + ", ".join(f"“{typed}” as “{read}”" for typed, read in ev.readings) + ".")
        if not ev.by_kind("guideline"):
            art.notes.append("No guideline in this corpus addresses this question; the answer rests on other sources.")
        return art


def _number_as_read(art: Article) -> None:
    """Renumber ``art``'s references in the order its statements first cite them (top to bottom)."""
    new: dict[int, int] = {}

    def walk(sections: Sequence[ArticleSection], visit: Callable[[Statement], None]) -> None:
        for sec in sections:
            for st in sec.statements:
                visit(st)
            walk(sec.subsections, visit)

    def see(st: Statement) -> None:
        for n in st.citations:
            new.setdefault(n, len(new) + 1)

    def remap(st: Statement) -> None:
        st.citations = [new[n] for n in st.citations]
        for q in st.evidence:
            q.ref = new[q.ref]

    walk(art.sections, see)
    for r in art.references:
        # A reference no statement cites keeps its place after the cited ones.
        new.setdefault(r.n, len(new) + 1)
    walk(art.sections, remap)
    for r in art.references:
        r.n = new[r.n]
    art.references.sort(key=lambda r: r.n)
