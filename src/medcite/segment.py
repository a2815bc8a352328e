"""Cut a document into sentences and index passages (pure functions).

Sentences are the unit of evidence (quotes are whole sentences); passages
are the unit of retrieval. A passage is a window of consecutive sentences
inside one section, about ``max_words`` long, so BM25 length normalisation
compares like with like. A graded recommendation is always one passage of
its own, because its grade belongs to exactly that text.
"""

from __future__ import annotations

from dataclasses import dataclass

from medcite.model import Document, FieldName, Sentence
from medcite.text import split_sentences

MAX_WORDS = 80


@dataclass(slots=True)
class PassageSpan:
    """A passage before it has a database id."""

    section_idx: int
    start: int
    end: int
    field: FieldName


def sentences_of(doc: Document) -> list[Sentence]:
    """All sentences of ``doc`` with offsets into ``doc.text``, section by section."""
    out: list[Sentence] = []
    for si, sec in enumerate(doc.sections):
        for s, e in split_sentences(doc.text, sec.start, sec.end):
            out.append(Sentence(doc_id=doc.id, idx=len(out), section_idx=si, start=s, end=e))
    return out


def passages_of(doc: Document, sentences: list[Sentence], max_words: int = MAX_WORDS) -> list[PassageSpan]:
    """Group ``sentences`` into passages that never cross a section boundary."""
    out: list[PassageSpan] = []
    by_section: dict[int, list[Sentence]] = {}
    for s in sentences:
        by_section.setdefault(s.section_idx, []).append(s)
    for si, sents in sorted(by_section.items()):
        sec = doc.sections[si]
        if sec.field == "recommendation":
            out.append(PassageSpan(si, sents[0].start, sents[-1].end, "recommendation"))
            continue
        cur: list[Sentence] = []
        words = 0
        for s in sents:
            n = doc.text.count(" ", s.start, s.end) + 1
            if cur and words + n > max_words:
                out.append(PassageSpan(si, cur[0].start, cur[-1].end, sec.field))
                cur, words = [], 0
            cur.append(s)
            words += n
        if cur:
            out.append(PassageSpan(si, cur[0].start, cur[-1].end, sec.field))
    return out
