"""What the answer pipeline needs from the outside, as small interfaces and immutable records.

The pipeline never sees SQL, FTS5 or tantivy: it asks a :class:`Search`
for passages (a :class:`~medcite.index.query.SearchQuery`), a
:class:`Repository` for sentences and document metadata, and both for
vocabulary. A distributed engine or a document service implements these
and plugs in without touching the stages.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from medcite.index.base import ScoredId
from medcite.index.query import SearchQuery
from medcite.model import FieldName, SourceKind


@dataclass(frozen=True, slots=True)
class SentenceRecord:
    """A stored sentence with the provenance of its section (offsets into the document text)."""

    passage_id: int
    doc_id: str
    source_kind: SourceKind
    idx: int
    section_idx: int
    start: int
    end: int
    text: str
    heading: str
    field: FieldName
    grade: str | None
    level: str | None
    label: str | None
    title: str


@dataclass(frozen=True, slots=True)
class DocMeta:
    """What a reference and the ranker need to know about a document."""

    doc_id: str
    source_kind: SourceKind
    title: str
    year: int | None = None
    url: str | None = None
    pmid: str | None = None
    doi: str | None = None
    authors: tuple[str, ...] = ()
    developer: str | None = None
    journal: str | None = None
    publication_types: tuple[str, ...] = ()
    mesh_terms: tuple[str, ...] = ()
    conditions: tuple[str, ...] = ()
    #: The version of the document's text (:func:`medcite.store.schema.text_hash`), recorded with quotes.
    version: str = ""


@dataclass(frozen=True, slots=True)
class LexiconEntry:
    """A corpus lexicon entry: ``term`` means ``expansion`` in ``documents`` documents (``kind``: "abbreviation",
    "synonym", or "alias": a synonym read the other way round, from the name a page declares it for)."""

    kind: str
    term: str
    expansion: str
    documents: int


class Search(Protocol):
    """Ranked passages and vocabulary statistics (see :mod:`medcite.index.query`)."""

    def search_query(self, query: SearchQuery) -> list[ScoredId]:
        ...

    def doc_freq(self, terms: Sequence[str]) -> dict[str, int]:
        ...

    def num_passages(self) -> int:
        ...

    def terms_with_prefix(self, prefix: str, limit: int = 20) -> dict[str, int]:
        ...


class Repository(Protocol):
    """Sentences, documents and lexicon entries by id."""

    def sentences_of_passages(self, passage_ids: Sequence[int]) -> list[SentenceRecord]:
        ...

    def documents(self, doc_ids: Sequence[str]) -> dict[str, DocMeta]:
        ...

    def following(self, sentence: SentenceRecord, limit: int) -> list[tuple[SentenceRecord, str]]:
        """Up to ``limit`` sentences after ``sentence`` in its section, in order, each with the
        document text from ``sentence.start`` to its end (so a span quoted whole stays exact)."""
        ...

    def lexicon(self, terms: Sequence[str]) -> list[LexiconEntry]:
        ...

    def short_forms(self, words: Sequence[str]) -> list[LexiconEntry]:
        """Abbreviation entries whose long form holds one of ``words`` (lower-case substrings)."""
        ...

    def abbreviations(self, doc_ids: Sequence[str]) -> dict[str, dict[str, str]]:
        """Each document's own abbreviation definitions: doc id -> short form (lower-cased) -> long form."""
        ...
