"""Faithfulness checks of a medcite :class:`~medcite.model.Article`.

Pure functions over an article and the store it was built from:

* citation coverage: share of evidence statements with at least one citation;
* citation validity: every evidence quote is exactly ``store.text(doc_id)[start:end]``
  and every citation number resolves to a reference;
* attribution correctness: a statement under a guidelines section cites only
  guideline documents, under research only research, under patient
  information only patient-information pages (checked against the stored
  document's kind, not the reference's claim);
* abstention: out-of-scope questions get ``answerable = False``;
* key-fact recall: share of a question's key facts (each a set of acceptable
  strings) found in the answer text.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from medcite.model import Article, ArticleSection, SourceKind, Statement
from medcite.store.db import DocumentNotFound, Store

#: Section kinds whose statements must be cited (evidence sections).
EVIDENCE_KINDS = ("guidelines", "research", "patient", "patient-info", "key_points", "related")


def expected_kind(section_kind: str) -> SourceKind | None:
    """The source kind a section's statements must come from, or None when mixed is allowed."""
    k = section_kind.lower()
    if k.startswith("guideline"):
        return "guideline"
    if k.startswith("research"):
        return "research"
    if k.startswith("patient"):
        return "patient-info"
    return None


def walk(sections: Sequence[ArticleSection], top: str | None = None) -> Iterator[tuple[str, ArticleSection]]:
    """``(top-level kind, section)`` for every section and subsection, depth first.

    Subsections inherit their top-level section's kind for attribution, so a
    "Diagnosis and Treatment" subsection of "From the Guidelines" is checked
    as guidelines.
    """
    for s in sections:
        kind = top or s.kind
        yield kind, s
        yield from walk(s.subsections, kind)


def statements(article: Article) -> Iterator[tuple[str, ArticleSection, Statement]]:
    for kind, sec in walk(article.sections):
        for st in sec.statements:
            yield kind, sec, st


def _is_evidence(kind: str) -> bool:
    return kind.lower() in EVIDENCE_KINDS or expected_kind(kind) is not None


@dataclass(slots=True)
class Faithfulness:
    """Counts behind the faithfulness rates of one or many articles."""

    statements: int = 0
    cited: int = 0
    quotes: int = 0
    valid_quotes: int = 0
    citations: int = 0
    resolved_citations: int = 0
    attributed: int = 0
    correctly_attributed: int = 0
    problems: list[str] = field(default_factory=list)

    def add(self, other: Faithfulness) -> None:
        for name in ("statements", "cited", "quotes", "valid_quotes", "citations", "resolved_citations",
                     "attributed", "correctly_attributed"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.problems.extend(other.problems)

    def rates(self) -> dict[str, float | None]:
        def r(a: int, b: int) -> float | None:
            return a / b if b else None

        return {
            "cited_statements": r(self.cited, self.statements),
            "citation_validity": r(self.valid_quotes, self.quotes),
            "citations_resolve": r(self.resolved_citations, self.citations),
            "attribution": r(self.correctly_attributed, self.attributed),
        }


def check_article(article: Article, store: Store) -> Faithfulness:
    """Faithfulness counts of one article against the store it cites."""
    out = Faithfulness()
    refs = {r.n: r for r in article.references}
    kinds: dict[str, SourceKind | None] = {}
    texts: dict[str, str | None] = {}

    def stored_kind(doc_id: str) -> SourceKind | None:
        if doc_id not in kinds:
            meta = store.document_meta([doc_id]).get(doc_id)
            kinds[doc_id] = meta["source_kind"] if meta is not None else None
        return kinds[doc_id]

    def stored_text(doc_id: str) -> str | None:
        if doc_id not in texts:
            try:
                texts[doc_id] = store.text(doc_id)
            except DocumentNotFound:
                texts[doc_id] = None
        return texts[doc_id]

    for kind, sec, st in statements(article):
        if not _is_evidence(kind):
            continue
        out.statements += 1
        out.cited += bool(st.citations)
        for n in st.citations:
            out.citations += 1
            if n in refs:
                out.resolved_citations += 1
            else:
                out.problems.append(f"[{sec.title}] citation {n} has no reference")
        for q in st.evidence:
            out.quotes += 1
            text = stored_text(q.doc_id)
            if text is not None and 0 <= q.start <= q.end <= len(text) and text[q.start:q.end] == q.quote:
                out.valid_quotes += 1
            else:
                out.problems.append(f"[{sec.title}] quote not at {q.doc_id}[{q.start}:{q.end}]: {q.quote[:60]!r}")
        want = expected_kind(kind)
        cited_docs = [refs[n].doc_id for n in st.citations if n in refs] or [q.doc_id for q in st.evidence]
        if want is not None and cited_docs:
            out.attributed += 1
            got = {stored_kind(d) for d in cited_docs}
            if got == {want}:
                out.correctly_attributed += 1
            else:
                out.problems.append(f"[{sec.title}] under {want} but cites {sorted(map(str, got))}: {st.text[:60]!r}")
    return out


# ---------------------------------------------------------------------------
# Answer text and key facts
# ---------------------------------------------------------------------------


def article_text(article: Article) -> str:
    """All statement texts of the article, in order."""
    return "\n".join(st.text for _k, _s, st in statements(article))


def lead_and_key_points(article: Article) -> str:
    """The lead (the first top-level section's own statements) plus every Key Points statement.

    Falls back to the whole article text when neither exists, so an article
    with an unexpected layout is still scored rather than scored as empty.
    """
    parts: list[str] = []
    first = next((s for s in article.sections if s.statements), None)
    if first is not None:
        parts.extend(st.text for st in first.statements)
    for _kind, sec in walk(article.sections):
        if sec is not first and ("key" in sec.kind.lower() or sec.title.lower().startswith("key points")):
            parts.extend(st.text for st in sec.statements)
    return "\n".join(parts) if parts else article_text(article)


def normalize(text: str) -> str:
    """Lowercase, NFKC, unified dashes and spaces: the form facts are matched in.

    >>> normalize("Outward flow  >500\u00a0ms")
    'outward flow >500 ms'
    """
    t = unicodedata.normalize("NFKC", text).lower()
    t = re.sub(r"[\u2010-\u2015\u2212]", "-", t)
    return re.sub(r"\s+", " ", t).strip()


def fact_found(alternatives: Sequence[str], text: str) -> bool:
    """True when any alternative occurs in ``text`` (normalised, word-bounded at its edges)."""
    hay = normalize(text)
    for alt in alternatives:
        needle = normalize(alt)
        if not needle:
            continue
        # Word boundaries only where the fact starts/ends with a word character,
        # so "500 ms" does not match "1500 ms" but "> 500" still matches.
        left = r"(?<!\w)" if needle[0].isalnum() else ""
        right = r"(?!\w)" if needle[-1].isalnum() else ""
        if re.search(left + re.escape(needle) + right, hay):
            return True
    return False


def keyfact_recall(facts: Sequence[Sequence[str]], text: str) -> float:
    """Share of ``facts`` found in ``text``.

    >>> keyfact_recall([["duplex"], ["500 ms", "500 milliseconds"]], "Duplex ultrasound; reflux > 500 ms.")
    1.0
    """
    if not facts:
        return 0.0
    return sum(fact_found(f, text) for f in facts) / len(facts)
