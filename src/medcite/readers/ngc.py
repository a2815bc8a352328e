"""National Guideline Clearinghouse (NGC) guideline summaries.

The archived guideline.gov summaries are XML of the form::

    <Version><xmlSource/>
      <Section Name="General">
        <Field FieldID="161" Name="Guideline Title" Type="text">
          <FieldValue Value="&lt;div ...&gt;...&lt;/div&gt;"/>
        </Field> ...

Field values are HTML, escaped once (sometimes twice), and some text is
mojibake from double-encoded UTF-8. The reader keeps the "Major
Recommendations" field as one section per recommendation, with the grade and
evidence level exactly as printed, and turns the clinically useful
descriptive fields into body sections. Methodology, disclaimers, copyright
and funding fields are left out: they are about the guideline, not about the
patient, and would only add noise to retrieval.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from lxml import etree

from medcite.model import EDITORIAL_NOTE, SCOPE, Document, ReadError
from medcite.readers.base import ReaderError, parse_xml
from medcite.readers.guideline_text import (
    Block,
    blocks_text,
    html_blocks,
    recommendation_sections,
    root_start,
)
from medcite.text import DocumentBuilder, clean

# FieldIDs (see the corpus SOURCE.txt and the field survey in the tests).
F_TITLE = "161"
F_BIBLIO = "97"
F_DATE = "128"
F_DEVELOPER = "158"
F_CONDITIONS = "140"
F_OTHER_CONDITIONS = "4622"
F_RECOMMENDATIONS = "151"
F_AVAILABILITY = "118"
F_CATEGORY = "103"
F_SPECIALTY = "113"
F_USERS = "114"
#: Rating-scheme fields: strength of evidence, then strength of recommendations.
RATING_FIELDS = ("149", "146")

#: Descriptive fields kept as body sections, in reading order. Chosen for
#: clinical content (who, what, benefits, harms); methodology, funding,
#: availability, copyright (141) and the NGC disclaimer (99999) are skipped.
BODY_FIELDS: tuple[tuple[str, str], ...] = (
    ("140", "Disease/Condition(s)"),
    ("4622", "Other Disease/Condition(s) Addressed"),
    ("129", "Guideline Objective(s)"),
    ("132", "Target Population"),
    ("133", "Interventions and Practices Considered"),
    ("134", "Major Outcomes Considered"),
    ("138", "Clinical Algorithm(s)"),
    ("139", "Type of Evidence Supporting the Recommendations"),
    ("152", "Potential Benefits"),
    ("153", "Potential Harms"),
    ("144", "Contraindications"),
    ("137", "Qualifying Statements"),
    ("154", "FDA Warning/Regulatory Alert"),
)
#: Of those, the fields that say what the guideline set out to cover, not what it recommends
#: (labelled :data:`~medcite.model.SCOPE`: "Interventions and Practices Considered" lists what was
#: weighed, including what was then advised against).
SCOPE_FIELDS = frozenset({"140", "4622", "129", "132", "133", "134", "139"})

_FILE_NUM = re.compile(r"ngc[-_]?(\d+)", re.I)
_PMID = re.compile(r"(?:list_uids=|pubmed/|PMID:?\s*)(\d{1,9})", re.I)
_HREF = re.compile(r"href=[\"'](https?://[^\"']+)[\"']", re.I)
_YEAR = re.compile(r"\b(1[89]\d\d|20\d\d)\b")
_MONTHS = {m: i for i, m in enumerate(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], start=1)}
_DATE = re.compile(r"^\s*(\d{4})(?:\s+([A-Za-z]{3})[a-z]*\.?(?:\s+(\d{1,2}))?)?")
#: A "no information" value NGC prints in empty fields.
_EMPTY = re.compile(r"^(?:none|none available|not stated|not applicable|none provided)\.?$", re.I)
#: URL hosts that are never "the guideline itself".
_NOT_GUIDELINE_URL = re.compile(r"ncbi\.nlm\.nih\.gov|guideline\.gov|ahrq\.gov/.*disclaimer", re.I)
#: How the clearinghouse opens the notes it adds to a summary (alone or with the guideline's developer).
_NGC_NOTE = re.compile(r"Note from the National Guideline Clearinghouse\b")


class NGCReader:
    """Reader for NGC guideline summary XML (``<Version>`` root)."""

    name = "ngc"

    def sniff(self, path: Path, head: bytes) -> bool:
        """True for a ``<Version>`` document made of NGC ``<Field FieldID=...>`` elements."""
        start = root_start(head)
        return start.startswith(b"<Version") and b"FieldID=" in head

    def read(self, path: Path) -> Iterator[Document | ReadError]:
        """Yield the one guideline document in ``path``.

        Raises
        ------
        ReaderError
            Malformed XML (with line/column) or a file that is not an NGC summary.
        """
        root = parse_xml(path, "the file is damaged, re-download it from the archive")
        if root.tag != "Version":
            raise ReaderError(f"not an NGC summary: root element is <{root.tag}>, expected <Version>")
        fields = _fields(root)
        number = _number(path, root)
        if number is None:
            raise ReaderError("cannot find the NGC number: name the file ngc-<number>.xml")
        try:
            yield _build(fields, number)
        except (ValueError, TypeError) as exc:  # a malformed field value; keep the run going
            yield ReadError(str(path), f"cannot build the summary: {exc}", record=f"ngc:{number}")


def _fields(root: etree._Element) -> dict[str, list[str]]:
    """FieldID -> list of FieldValue/@Value strings (first occurrence of a FieldID wins)."""
    out: dict[str, list[str]] = {}
    for field in root.iter("Field"):
        fid = field.get("FieldID")
        if fid is None or fid in out:
            continue  # 97 and 120 are repeated verbatim in another section
        out[fid] = [v.get("Value") or "" for v in field.iter("FieldValue")]
    return out


def _number(path: Path, root: etree._Element) -> str | None:
    m = _FILE_NUM.search(path.name)
    if m:
        return m.group(1)
    # Renamed file: a self-link to the summary is the only id the XML can carry.
    m2 = re.search(rb"guideline\.gov/summaries/summary/(\d+)", etree.tostring(root))
    return m2.group(1).decode() if m2 else None


def _text(values: list[str]) -> str:
    """Plain text of a field's values (HTML decoded, one block per line)."""
    return "\n".join(t for t in (blocks_text(html_blocks(v)) for v in values) if t)


def _parse_date(printed: str) -> tuple[str | None, int | None]:
    """``"2014 Aug"`` -> ``("2014-08", 2014)``; ``"2000 Jul (reaffirmed 2014)"`` -> ``("2000-07", 2000)``."""
    m = _DATE.match(printed)
    if not m:
        y = _YEAR.search(printed)
        return (y.group(1), int(y.group(1))) if y else (None, None)
    year = int(m.group(1))
    month = _MONTHS.get((m.group(2) or "").lower())
    if month is None:
        return str(year), year
    if m.group(3):
        return f"{year}-{month:02d}-{int(m.group(3)):02d}", year
    return f"{year}-{month:02d}", year


def _developers(values: list[str]) -> list[tuple[str, str]]:
    """``"CDC - Federal Government Agency [U.S.]"`` -> ``("CDC", "Federal Government Agency [U.S.]")``."""
    out: list[tuple[str, str]] = []
    for v in values:
        text = clean(_text([v])).replace("\n", " ")
        if not text:
            continue
        name, sep, kind = text.rpartition(" - ")
        out.append((name, kind) if sep else (text, ""))
    return out


def _guideline_url(values: list[str]) -> str | None:
    """The first link in "Guideline Availability" that points at the guideline itself."""
    for v in values:
        for m in _HREF.finditer(v.replace("&amp;", "&")):
            if not _NOT_GUIDELINE_URL.search(m.group(1)):
                return m.group(1)
    return None


def _lines(values: list[str]) -> list[str]:
    """Non-note lines of a short list-like field (conditions, categories)."""
    out: list[str] = []
    for v in values:
        for b in html_blocks(v):
            if b.text.startswith("Note") or _EMPTY.match(b.text):
                continue
            out.extend(x.strip() for x in b.text.split("\n") if x.strip())
    return out


def is_federal(developer_values: list[str]) -> bool:
    """The demo-corpus rule: every developer is a U.S. federal agency or the USPSTF.

    Parameters
    ----------
    developer_values
        The raw "Guideline Developer(s)" (FieldID 158) values.
    """
    devs = _developers(developer_values)
    return bool(devs) and all(
        kind == "Federal Government Agency [U.S.]" or name == "U.S. Preventive Services Task Force"
        for name, kind in devs
    )


def _note_label(text: str) -> str | None:
    """:data:`~medcite.model.EDITORIAL_NOTE` for the clearinghouse's own note ("Note from the National
    Guideline Clearinghouse (NGC): This guideline was updated ..."), printed as a paragraph of its own."""
    return EDITORIAL_NOTE if _NGC_NOTE.match(text) else None


def _build(fields: dict[str, list[str]], number: str) -> Document:
    get = fields.get
    title = clean(_text(get(F_TITLE, []))).replace("\n", " ") or f"NGC summary {number}"
    developers = _developers(get(F_DEVELOPER, []))
    printed_date = clean(" ".join(get(F_DATE, [])))
    # "1996 (revised 2014 Jun 17)": the revision is the version summarised.
    revised = re.search(r"revised\s+(\d{4}[^;)]*)", printed_date)
    date, year = _parse_date(revised.group(1) if revised else printed_date) if printed_date else (None, None)
    biblio_raw = get(F_BIBLIO, [])
    biblio = clean(_text(biblio_raw))
    pmid_m = _PMID.search(" ".join(biblio_raw))
    url = _guideline_url(get(F_AVAILABILITY, [])) or f"https://www.guideline.gov/summaries/summary/{number}"

    b = DocumentBuilder()
    rec_blocks: list[Block] = []
    for v in get(F_RECOMMENDATIONS, []):
        rec_blocks.extend(html_blocks(v))
    rec_sections, definitions = recommendation_sections(rec_blocks, "Major Recommendations")
    n_graded = 0
    for rs in rec_sections:
        if rs.is_rec:
            n_graded += rs.grade is not None
            b.add(rs.heading, rs.text, field="recommendation", grade=rs.grade, level=rs.level)
        else:
            b.add(rs.heading, rs.text, label=_note_label(rs.text))
    defs_text = blocks_text(definitions)
    for fid, heading in BODY_FIELDS:
        text = _text(get(fid, []))
        if text and not _EMPTY.match(text):
            b.add(heading, text, label=_note_label(text) or (SCOPE if fid in SCOPE_FIELDS else None))
    if defs_text:  # grading definitions printed at the end of Major Recommendations
        b.add("Major Recommendations: Definitions", defs_text)

    schemes = [t for t in (_text(get(fid, [])) for fid in RATING_FIELDS) if t and not _EMPTY.match(t)]
    if defs_text:
        schemes.append(defs_text)
    extra: dict[str, object] = {
        "bibliographic_source": biblio,
        "conditions": _lines(get(F_CONDITIONS, [])) + _lines(get(F_OTHER_CONDITIONS, [])),
        "developers": [{"name": n, "type": k} for n, k in developers],
        "date_released": printed_date,
        "guideline_category": _lines(get(F_CATEGORY, [])),
        "clinical_specialty": _lines(get(F_SPECIALTY, [])),
        "intended_users": _lines(get(F_USERS, [])),
        "graded_recommendations": n_graded,
        "federal": is_federal(get(F_DEVELOPER, [])),
    }
    return b.build(
        id=f"ngc:{number}",
        source_kind="guideline",
        title=title,
        developer="; ".join(n for n, _ in developers) or None,
        date=date,
        year=year,
        url=url,
        pmid=pmid_m.group(1) if pmid_m else None,
        rating_scheme="\n\n".join(schemes) or None,
        source_format="ngc",
        extra=extra,
    )
