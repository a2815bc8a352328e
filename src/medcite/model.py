"""Plain data classes shared by every part of medcite.

Nothing here does I/O. Readers build :class:`Document` objects, the store
persists them, the index searches their passages and the answer pipeline
turns :class:`Evidence` into an :class:`Article`.

Offsets
-------
Every ``start``/``end`` pair is a half-open character range into
``Document.text`` (the exact stored text), so ``doc.text[start:end]`` is
always the quoted span. This is the invariant that makes every citation
checkable.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

SourceKind = Literal["guideline", "research", "patient-info"]
SOURCE_KINDS: tuple[SourceKind, ...] = ("guideline", "research", "patient-info")

#: Fields a passage can belong to; the index weights them differently.
FieldName = Literal["title", "recommendation", "body"]

#: The section label of a note the publisher of a collection wrote about a document (its update status,
#: a drug warning): stored and searchable, never shown as the document's evidence, since the document's
#: authors did not say it.
EDITORIAL_NOTE = "EDITORIAL NOTE"
#: The section label of a part that says what a document set out to cover (its objectives, its
#: population, the interventions and outcomes it considered) rather than what it found or recommends:
#: stored and searchable, never shown as evidence, since an intervention a guideline "considered" is
#: not one it recommends.
SCOPE = "SCOPE"

Audience = Literal["clinician", "patient"]
AUDIENCES: tuple[Audience, ...] = ("clinician", "patient")


@dataclass(slots=True)
class Section:
    """A titled span of a document's text.

    Parameters
    ----------
    heading
        The heading as printed in the source ("Major Recommendations",
        "RESULTS", "What causes varicose veins?"), or "" when it has none.
    start, end
        Character offsets into ``Document.text``.
    field
        ``"recommendation"`` for one graded guideline recommendation,
        otherwise ``"body"`` (titles live in ``Document.title``).
    grade
        A guideline recommendation's grade or strength exactly as printed
        (e.g. ``"A"``, ``"Strong"``, ``"GRADE 1"``), else ``None``.
    level
        The level/quality of evidence exactly as printed, else ``None``.
    label
        A normalised label from the source, e.g. PubMed's ``NlmCategory``
        (``"METHODS"``) or MedQuAD's question type (``"symptoms"``);
        :data:`EDITORIAL_NOTE` for a publisher's note about the document; :data:`SCOPE` for what
        the document set out to cover.
    """

    heading: str
    start: int
    end: int
    field: FieldName = "body"
    grade: str | None = None
    level: str | None = None
    label: str | None = None


@dataclass(slots=True)
class Document:
    """One source document: a guideline, a research paper, a patient page.

    ``id`` is stable and globally unique with a namespace prefix:
    ``pmid:14560232``, ``ngc:10764``, ``medquad:CancerGov-0000001_1``,
    ``bioasq:12345678``, ``local:<slug>``.
    """

    id: str
    source_kind: SourceKind
    title: str
    text: str
    sections: list[Section] = field(default_factory=list)
    authors: list[str] = field(default_factory=list)
    developer: str | None = None
    journal: str | None = None
    date: str | None = None
    year: int | None = None
    url: str | None = None
    pmid: str | None = None
    doi: str | None = None
    publication_types: list[str] = field(default_factory=list)
    mesh_terms: list[str] = field(default_factory=list)
    cuis: list[str] = field(default_factory=list)
    #: For guidelines: the rating scheme(s) for grades and evidence levels.
    rating_scheme: str | None = None
    #: The reader that produced it (``"pubmed-xml"``, ``"ngc"``, ...).
    source_format: str = ""
    #: Anything else a reader wants to keep (JSON-serialisable).
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class Sentence:
    """A sentence of a stored document, by offsets into its text."""

    doc_id: str
    idx: int
    section_idx: int
    start: int
    end: int


@dataclass(slots=True)
class Passage:
    """The unit the search index holds: a few consecutive sentences."""

    id: int
    doc_id: str
    section_idx: int
    start: int
    end: int
    field: FieldName
    text: str
    source_kind: SourceKind
    title: str = ""


@dataclass(slots=True)
class Hit:
    """A ranked search result."""

    passage: Passage
    score: float
    rank: int


@dataclass(slots=True)
class ReadError:
    """A problem a reader met; the file (or record) is reported, not fatal."""

    path: str
    reason: str
    record: str | None = None

    def __str__(self) -> str:
        where = f"{self.path} [{self.record}]" if self.record else self.path
        return f"{where}: {self.reason}"


# --------------------------------------------------------------------------
# Answer side
# --------------------------------------------------------------------------

Facet = Literal[
    "definition",
    "causes",
    "symptoms",
    "diagnosis",
    "treatment",
    "prognosis",
    "prevention",
    "dosing",
    "other",
]
FACETS: tuple[Facet, ...] = (
    "definition",
    "causes",
    "symptoms",
    "diagnosis",
    "treatment",
    "prognosis",
    "prevention",
    "dosing",
    "other",
)


@dataclass(slots=True)
class Query:
    """An analysed question."""

    question: str
    focus: str
    synonyms: list[str] = field(default_factory=list)
    facets: list[Facet] = field(default_factory=list)
    audience: Audience = "clinician"
    #: Extra context terms (e.g. "pregnancy" in a follow-up).
    qualifiers: list[str] = field(default_factory=list)
    is_definition: bool = False
    #: The question types asked (answer.understand intents): what an elliptical follow-up asks again.
    intents: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Evidence:
    """One selected source sentence (or span) with its provenance."""

    doc_id: str
    source_kind: SourceKind
    quote: str
    start: int
    end: int
    score: float
    facet: Facet = "other"
    level: str | None = None
    grade: str | None = None


@dataclass(slots=True)
class Quote:
    """A statement's supporting quote: ``store.text(doc_id)[start:end]``."""

    ref: int
    doc_id: str
    quote: str
    start: int
    end: int


@dataclass(slots=True)
class Statement:
    text: str
    citations: list[int] = field(default_factory=list)
    evidence: list[Quote] = field(default_factory=list)
    facet: Facet = "other"
    #: Set when an editor changed the text; the original stays in evidence.
    edited: bool = False
    #: Written by a language model from its evidence (``medcite ask --synthesizer llm``), not quoted.
    generated: bool = False
    #: The verifier's verdict on a generated statement (``supported`` and its ``checks``).
    verification: dict[str, Any] | None = None


@dataclass(slots=True)
class ArticleSection:
    title: str
    kind: str
    statements: list[Statement] = field(default_factory=list)
    subsections: list[ArticleSection] = field(default_factory=list)
    note: str | None = None


@dataclass(slots=True)
class Reference:
    n: int
    doc_id: str
    title: str
    source_kind: SourceKind
    year: int | None = None
    url: str | None = None
    pmid: str | None = None
    doi: str | None = None
    authors: list[str] = field(default_factory=list)
    developer: str | None = None
    journal: str | None = None
    evidence_level: str | None = None
    #: The version (text hash) of the source the quotes were drawn from; None in articles written before v6.
    source_version: str | None = None


@dataclass(slots=True)
class Article:
    question: str
    audience: Audience
    answerable: bool
    sections: list[ArticleSection] = field(default_factory=list)
    references: list[Reference] = field(default_factory=list)
    disclaimer: str = ""
    follow_up_questions: list[str] = field(default_factory=list)
    focus: str = ""
    facets: list[str] = field(default_factory=list)
    #: Why the article is not answerable, or a note on indirect evidence.
    notes: list[str] = field(default_factory=list)
    thread_id: str | None = None
    generated_at: str | None = None
    #: The things the question asks, as split by the pipeline.
    sub_questions: list[str] = field(default_factory=list)
    #: Sub-questions no source sentence answers (the article says so).
    uncovered: list[str] = field(default_factory=list)
    #: Why the pipeline abstained or what it nearly cited: threshold, best score, best candidate.
    abstention: dict[str, Any] | None = None
    #: How a language model took part, when one did (time, sentences written and kept, fallback reason).
    generation: dict[str, Any] | None = None
