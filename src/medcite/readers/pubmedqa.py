"""PubMedQA (``ori_pqal.json`` and the PQA-A/PQA-U files in the same schema).

The file maps a PMID to one labelled abstract::

    {"21645374": {"QUESTION": "...?", "CONTEXTS": ["...", ...], "LABELS": ["BACKGROUND", ...],
                  "MESHES": [...], "YEAR": "2011", "final_decision": "yes", "LONG_ANSWER": "..."}}

``QUESTION`` is the article's title phrased as a question, ``CONTEXTS`` the
abstract without its conclusion and ``LONG_ANSWER`` the conclusion. The
label-only file ``test_ground_truth.json`` (``{pmid: "yes"}``) holds no text
and is deliberately not recognised.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from medcite.model import Document, ReadError
from medcite.readers.base import ReaderError, decode_text, read_bytes
from medcite.text import DocumentBuilder, clean

_FIRST_KEY = re.compile(r'\s*\{\s*"((?:[^"\\]|\\.)*)"\s*:\s*')


def load_json(path: Path) -> Any:
    """Parse a (possibly gzipped) JSON file.

    Raises
    ------
    ReaderError
        The content is not JSON; the message gives the line and column.
    """
    text = decode_text(read_bytes(path), path)
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ReaderError(
            f"not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}; "
            "the file is damaged or not JSON"
        ) from exc


def first_json_value(head: bytes) -> tuple[str, Any] | None:
    """The first ``(key, value)`` of a JSON object, parsed from a possibly truncated head.

    Only the first value has to be complete, so a 64 KiB head of a large
    file is enough; ``None`` when the head is not a JSON object.
    """
    text = head.decode("utf-8-sig", errors="replace")
    m = _FIRST_KEY.match(text)
    if not m:
        return None
    try:
        value, _end = json.JSONDecoder().raw_decode(text, m.end())
    except json.JSONDecodeError:
        return None
    return m.group(1), value


def _is_item(value: Any) -> bool:
    return isinstance(value, dict) and "QUESTION" in value and "CONTEXTS" in value


def _build(pmid: str, item: Any, path: Path) -> Document | ReadError:
    if not _is_item(item):
        return ReadError(str(path), "item is not an object with QUESTION and CONTEXTS", record=pmid)
    contexts = item["CONTEXTS"]
    labels = item.get("LABELS") or []
    if not isinstance(contexts, list) or not all(isinstance(c, str) for c in contexts):
        return ReadError(str(path), "CONTEXTS is not a list of strings", record=pmid)
    if not pmid.isdigit():
        return ReadError(str(path), f"key {pmid!r} is not a PMID", record=pmid)
    builder = DocumentBuilder()
    for i, context in enumerate(contexts):
        # LABELS runs parallel to CONTEXTS; tolerate a short list.
        label = str(labels[i]).strip() if i < len(labels) and labels[i] else ""
        builder.add(label, clean(context), label=label or None)
    long_answer = item.get("LONG_ANSWER")
    if isinstance(long_answer, str):
        builder.add("CONCLUSIONS", clean(long_answer), label="CONCLUSIONS")
    question = clean(str(item.get("QUESTION") or ""))
    if builder.empty:
        return ReadError(str(path), "item has no context text", record=pmid)
    year = str(item.get("YEAR") or "")
    meshes = item.get("MESHES") or []
    return builder.build(
        id=f"pmid:{pmid}",
        source_kind="research",
        # PubMedQA has no original title; the question is the title reworded,
        # which is the closest available and what users will search for.
        title=question,
        year=int(year) if year.isdigit() else None,
        date=year or None,
        url=f"https://pubmed.ncbi.nlm.nih.gov/{pmid}/",
        pmid=pmid,
        mesh_terms=[clean(str(m)) for m in meshes if str(m).strip()],
        source_format="pubmedqa",
        extra={"final_decision": item.get("final_decision"), "question": question},
    )


class PubMedQAReader:
    """Reader for PubMedQA JSON."""

    name = "pubmedqa"

    def sniff(self, path: Path, head: bytes) -> bool:
        """True when the first value of the top-level object has QUESTION and CONTEXTS."""
        first = first_json_value(head)
        return first is not None and _is_item(first[1])

    def read(self, path: Path) -> Iterator[Document | ReadError]:
        """Yield one document per PMID.

        Raises
        ------
        ReaderError
            Not JSON, or not an object of PubMedQA items.
        """
        data = load_json(path)
        if not isinstance(data, dict) or not any(_is_item(v) for v in data.values()):
            raise ReaderError(
                "not PubMedQA: expected an object mapping PMIDs to items with QUESTION and CONTEXTS "
                "(a {pmid: label} ground-truth file holds no text to ingest)"
            )
        for pmid, item in data.items():
            yield _build(str(pmid), item, path)


__all__ = ["PubMedQAReader", "first_json_value", "load_json"]
