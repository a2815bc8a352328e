"""BioASQ task B JSON: gold snippets become research passages of their PubMed article.

Schema (training and golden test files)::

    {"questions": [{"id": "...", "body": "...", "type": "factoid",
                    "documents": ["http://www.ncbi.nlm.nih.gov/pubmed/15829955", ...],
                    "snippets": [{"document": "...", "text": "...", "beginSection": "abstract",
                                  "endSection": "abstract", "offsetInBeginSection": 131,
                                  "offsetInEndSection": 358}, ...],
                    "ideal_answer": [...], "exact_answer": ...}]}

BioASQ ships no article text, only the snippets experts marked in titles and
abstracts. One document is built per PMID from all its distinct snippets, so
a question's gold snippets are exactly what the index can retrieve: the
benchmark measures retrieval of known evidence.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from medcite.model import Document, ReadError
from medcite.readers.base import ReaderError
from medcite.readers.pubmedqa import load_json
from medcite.text import DocumentBuilder, clean

# Old (www.ncbi.nlm.nih.gov/pubmed/N) and new (pubmed.ncbi.nlm.nih.gov/N) URLs.
_PMID_URL = re.compile(r"(?:/pubmed/|pubmed\.ncbi\.nlm\.nih\.gov/)(\d+)/?\s*$")
_HEAD = re.compile(rb'\A(?:\xef\xbb\xbf)?\s*\{\s*"questions"\s*:\s*\[')


@dataclass
class _Article:
    """Snippets gathered for one PMID across all questions."""

    snippets: dict[str, str] = field(default_factory=dict)  # clean text -> beginSection
    titles: list[str] = field(default_factory=list)
    question_ids: list[str] = field(default_factory=list)


def _pmid(url: Any) -> str | None:
    m = _PMID_URL.search(url) if isinstance(url, str) else None
    return m.group(1) if m else None


def _collect(questions: list[Any], path: Path) -> tuple[dict[str, _Article], list[ReadError]]:
    """Group snippet texts by PMID (first-seen order), deduplicating identical text."""
    articles: dict[str, _Article] = {}
    errors: list[ReadError] = []
    for n, q in enumerate(questions, start=1):
        if not isinstance(q, dict) or not isinstance(q.get("snippets", []), list):
            errors.append(
                ReadError(str(path), "question is not an object with a snippets list", record=f"#{n}")
            )
            continue
        qid = str(q.get("id") or f"#{n}")
        for snip in q.get("snippets", []):
            if not isinstance(snip, dict):
                errors.append(ReadError(str(path), "snippet is not an object", record=qid))
                continue
            pmid = _pmid(snip.get("document"))
            text = clean(snip.get("text") or "") if isinstance(snip.get("text"), str) else ""
            if pmid is None or not text:
                doc = str(snip.get("document"))[:80]
                errors.append(
                    ReadError(
                        str(path), f"snippet without a PubMed URL or text (document {doc!r})", record=qid
                    )
                )
                continue
            art = articles.setdefault(pmid, _Article())
            section = str(snip.get("beginSection") or "")
            art.snippets.setdefault(text, section)
            if section == "title":
                art.titles.append(text)
            if qid not in art.question_ids:
                art.question_ids.append(qid)
    return articles, errors


class BioASQReader:
    """Reader for BioASQ task B question files (training sets and golden batches)."""

    name = "bioasq"

    def sniff(self, path: Path, head: bytes) -> bool:
        """True for a JSON object whose ``"questions"`` list holds BioASQ-style items.

        ``"questions"`` alone is too generic, so one of the BioASQ item keys
        must appear in the head as well.
        """
        if _HEAD.match(head) is None:
            return False
        return b'"snippets"' in head or (b'"body"' in head and b'"documents"' in head)

    def read(self, path: Path) -> Iterator[Document | ReadError]:
        """Yield one document per PMID that has at least one snippet.

        Raises
        ------
        ReaderError
            Not JSON, or no ``questions`` list at the top level.
        """
        data = load_json(path)  # 22 MB loads in ~0.2 s; streaming is not worth it
        if not isinstance(data, dict) or not isinstance(data.get("questions"), list):
            raise ReaderError('not BioASQ: expected a JSON object with a "questions" list')
        articles, errors = _collect(data["questions"], path)
        yield from errors
        for pmid, art in articles.items():
            builder = DocumentBuilder()
            for text, section in art.snippets.items():
                builder.add(section, text)
            # Title snippets may cover only part of the title; the longest is
            # the most complete. Every snippet, title ones included, is also a
            # section above so each gold snippet is quotable from doc.text.
            title = max(art.titles, key=len) if art.titles else f"PubMed {pmid} (BioASQ snippets)"
            yield builder.build(
                id=f"bioasq:{pmid}",
                source_kind="research",
                title=title,
                url=f"https://pubmed.ncbi.nlm.nih.gov/{pmid}/",
                pmid=pmid,
                source_format="bioasq",
                extra={"bioasq_question_ids": art.question_ids},
            )


__all__ = ["BioASQReader"]
