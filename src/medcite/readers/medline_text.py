"""MEDLINE/NBIB text format (PubMed "Send to: File, format MEDLINE").

Each record is a block of ``TAG - value`` lines (the tag left-justified in
four columns, then ``"- "``); a value continues on lines indented six
spaces; records are separated by blank lines. Example::

    PMID- 12230038
    TI  - The Bio* toolkits--a brief overview.
    AB  - Bioinformatics research is often difficult to do with commercial
          software. ...
    FAU - Mangalam, Harry
    AU  - Mangalam H
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from medcite.model import Document, ReadError
from medcite.readers.base import ReaderError, decode_text, read_bytes
from medcite.text import DocumentBuilder, clean

_TAG_LINE = re.compile(r"^([A-Z][A-Z0-9]{0,3}) {0,3}- ?(.*)$")
_FIRST_PMID = re.compile(rb"\A(?:\xef\xbb\xbf)?\s*PMID- ?\d+", re.S)
_ANY_PMID = re.compile(rb"^PMID- ?\d+", re.M)
_RECORD_SPLIT = re.compile(r"\n[ \t]*\n(?=[ \t]*\S)")

# Structured abstracts in this format are one paragraph with inline
# all-capitals labels ("BACKGROUND: ... RESULTS: ..."). A label must open the
# abstract or follow a sentence end, so "HIV: a review" mid-sentence is safe.
_AB_LABEL = re.compile(r"(?:^|(?<=[.?!)\]] ))([A-Z][A-Z ,/&-]{2,60}[A-Z]):\s+")
# Labels as PubMed normalises them (NlmCategory); others keep label=None.
_NLM_CATEGORIES = {
    "BACKGROUND": "BACKGROUND",
    "INTRODUCTION": "BACKGROUND",
    "OBJECTIVE": "OBJECTIVE",
    "OBJECTIVES": "OBJECTIVE",
    "PURPOSE": "OBJECTIVE",
    "AIM": "OBJECTIVE",
    "AIMS": "OBJECTIVE",
    "METHODS": "METHODS",
    "METHOD": "METHODS",
    "DESIGN": "METHODS",
    "RESULTS": "RESULTS",
    "FINDINGS": "RESULTS",
    "CONCLUSION": "CONCLUSIONS",
    "CONCLUSIONS": "CONCLUSIONS",
}


def parse_records(text: str) -> Iterator[list[tuple[str, str]]]:
    """Split MEDLINE text into records of ``(tag, value)`` pairs in file order.

    Continuation lines (indented) are joined to the previous value with a
    space; a hyphen at a line end is kept (MEDLINE never splits words).
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    for block in _RECORD_SPLIT.split(text):
        fields: list[tuple[str, str]] = []
        for line in block.split("\n"):
            if not line.strip():
                continue
            m = None if line[:1].isspace() else _TAG_LINE.match(line)
            if m:
                fields.append((m.group(1), m.group(2).strip()))
            elif fields:
                tag, value = fields[-1]
                fields[-1] = (tag, f"{value} {line.strip()}")
        if fields:
            yield fields


def _abstract_sections(abstract: str) -> list[tuple[str, str]]:
    """``[(heading, text), ...]``; one unlabelled section unless the abstract opens with a label."""
    matches = list(_AB_LABEL.finditer(abstract))
    if not matches or matches[0].start() != 0:
        return [("", abstract)]
    out: list[tuple[str, str]] = []
    for i, m in enumerate(matches):
        end = matches[i + 1].start() if i + 1 < len(matches) else len(abstract)
        out.append((m.group(1), abstract[m.end() : end]))
    return out


def _initials_from_full(full: str) -> str:
    """``"Casbon, James A"`` -> ``"Casbon JA"`` (used when a record has no AU lines)."""
    last, _, fore = full.partition(",")
    initials = "".join(w[0] for w in re.split(r"[\s.-]+", fore) if w)
    return f"{last.strip()} {initials}".strip()


def _build(fields: list[tuple[str, str]], path: Path) -> Document | ReadError:
    def all_(tag: str) -> list[str]:
        return [clean(v) for t, v in fields if t == tag and v.strip()]

    def one(tag: str) -> str:
        values = all_(tag)
        return values[0] if values else ""

    pmid = one("PMID")
    if not pmid.isdigit():
        first = f"{fields[0][0]} - {fields[0][1][:40]}"
        return ReadError(str(path), f"record without a numeric PMID (starts {first!r}): skipped")
    title = one("TI") or one("BTI")
    builder = DocumentBuilder()
    for heading, body in _abstract_sections(one("AB")):
        builder.add(heading, clean(body), label=_NLM_CATEGORIES.get(heading))
    if not title and builder.empty:
        return ReadError(str(path), "record has neither TI nor AB", record=f"pmid:{pmid}")
    if builder.empty:
        # Same decision as the XML reader: a record without an abstract is
        # still citable, so its title is its only searchable body text.
        builder.add("Title", title)

    authors = all_("AU") or [_initials_from_full(v) for v in all_("FAU")]
    authors += all_("CN")  # corporate (collective) authors
    doi = None
    for value in all_("LID") + all_("AID"):
        if value.endswith("[doi]"):
            doi = value[: -len("[doi]")].strip()
            break
    date = one("DP") or None
    year_m = re.match(r"(\d{4})", date or "")
    # "Information Storage and Retrieval/*methods" -> the descriptor only.
    mesh = [v.split("/", 1)[0].lstrip("*").strip() for v in all_("MH")]
    return builder.build(
        id=f"pmid:{pmid}",
        source_kind="research",
        title=title,
        authors=authors,
        journal=one("JT") or one("TA") or None,
        date=date,
        year=int(year_m.group(1)) if year_m else None,
        url=f"https://pubmed.ncbi.nlm.nih.gov/{pmid}/",
        pmid=pmid,
        doi=doi,
        publication_types=all_("PT"),
        mesh_terms=mesh,
        source_format="medline-text",
        extra={"keywords": all_("OT")} if all_("OT") else {},
    )


class MedlineTextReader:
    """Reader for MEDLINE text / ``.nbib`` files."""

    name = "medline-text"

    def sniff(self, path: Path, head: bytes) -> bool:
        """True when the file opens with a ``PMID-`` line.

        The extension only breaks a tie: a ``.nbib``/``.medline`` file may
        open with a comment, so there a ``PMID-`` line anywhere in the head
        is enough.
        """
        if _FIRST_PMID.match(head):
            return True
        return path.suffix.lower() in {".nbib", ".medline"} and bool(_ANY_PMID.search(head))

    def read(self, path: Path) -> Iterator[Document | ReadError]:
        """Yield one document per record.

        Raises
        ------
        ReaderError
            No record in the file has a ``PMID-`` line.
        """
        text = decode_text(read_bytes(path), path)
        # Checked up front so that a wrong file fails at once, not record by record.
        if not re.search(r"^PMID- ?\d+", text, re.M):
            raise ReaderError(
                "no MEDLINE records: no 'PMID- <number>' line found; export PubMed results as MEDLINE"
            )
        for n, fields in enumerate(parse_records(text), start=1):
            result = _build(fields, path)
            if isinstance(result, ReadError):
                result.record = result.record or f"#{n}"
            yield result


__all__ = ["MedlineTextReader", "parse_records"]
