"""What a document contributes to the corpus lexicon (run at ingest).

* Abbreviation definitions in its text and title (Schwartz & Hearst 2003,
  :mod:`.abbreviations`): ``("abbreviation", "cdi", "Clostridium difficile infection")``.
* Synonyms its own metadata declares: MedQuAD ``<Synonyms>`` and MedlinePlus
  "also called" names map to the document's title (the name it is filed
  under), e.g. ``("synonym", "mcardle disease", "glycogen storage disease type V")``.
* "X, also called Y" / "also known as" phrases in its text.

Nothing here names a disease or a drug: every entry is a document's own words.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from medcite.lexicon.abbreviations import find_definitions
from medcite.model import Document

#: A document contributes at most this many entries (bounded memory and
#: store size for pathological texts full of parentheses).
MAX_ENTRIES = 200
_ALSO = re.compile(
    r"\b([A-Z][\w'-]*(?:\s+[\w'-]+){0,4}),?\s+(?:also\s+(?:called|known\s+as)|sometimes\s+called)\s+"
    r"([\w'-]+(?:\s+[\w'-]+){0,4}?)(?=[,.;)(]|\s+(?:is|are|was|or)\b)",
)


def _norm(s: str) -> str:
    return re.sub(r"\s+", " ", s.strip().lower())


def _clean_synonym(s: str) -> str:
    # GARD marks old names "(formerly)"; drop such asides.
    return re.sub(r"\s*\((?:formerly|obsolete)\)\s*$", "", s.strip(), flags=re.I)


def lexicon_entries(doc: Document) -> Iterator[tuple[str, str, str]]:
    """``(kind, term, expansion)`` triples for ``doc``; terms are lower-cased.

    >>> from medcite.model import Document
    >>> d = Document(id="x", source_kind="patient-info", title="Glycogen storage disease type V",
    ...              text="Direct oral anticoagulants (DOACs) are used.", extra={"synonyms": ["McArdle disease"]})
    >>> sorted(lexicon_entries(d))
    [('abbreviation', 'doacs', 'Direct oral anticoagulants'), ('synonym', 'mcardle disease', 'Glycogen storage disease type V')]
    """
    seen: set[tuple[str, str, str]] = set()

    def emit(kind: str, term: str, expansion: str) -> Iterator[tuple[str, str, str]]:
        t, e = _norm(term), expansion.strip()
        key = (kind, t, e.lower())
        if t and e and t != e.lower() and key not in seen and len(seen) < MAX_ENTRIES and len(t) <= 120:
            seen.add(key)
            yield kind, t, e

    for text in (doc.title, doc.text):
        for d in find_definitions(text):
            yield from emit("abbreviation", d.short, d.long)
    extra = doc.extra if isinstance(doc.extra, dict) else {}
    syns = extra.get("synonyms")
    if isinstance(syns, list) and doc.title:
        for s in syns:
            if isinstance(s, str) and len(s) <= 120:
                yield from emit("synonym", _clean_synonym(s), doc.title)
    head = doc.text[:20_000]
    # The regex backtracks on every capitalised word; most texts have no such phrase.
    if "also called" in head or "known as" in head or "sometimes called" in head:
        for m in _ALSO.finditer(head):
            yield from emit("synonym", m.group(2), m.group(1))
