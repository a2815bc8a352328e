"""MedQuAD consumer-health question/answer documents (NIH sources, CC BY 4.0).

Three XML root variants occur in the release:

* ``<Document id source url>`` with ``<Focus>``, ``<FocusAnnotations>``
  (``<UMLS>`` may also sit directly under the root) and
  ``<QAPairs><QAPair><Question qid qtype/><Answer/></QAPair></QAPairs>``;
* a lowercase ``<doc docid corpus url>`` with ``<doctitle-focus>``,
  ``<umls><cui/>...`` and ``<qaPairs><pair><question/><answer/></pair>`` (4 NINDS files);
* ``<DiseaseFile fid source url>`` (one CDC file), otherwise like ``<Document>``.

Each answered question becomes one section (heading = the question,
``label`` = the question type). Documents whose answers are all empty (the
MedlinePlus A.D.A.M., Drugs and Herbs collections, emptied by the authors for
copyright) yield a :class:`ReadError` whose reason starts with
``"skipped:"``; the ingest layer counts those as skipped, not failed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from lxml import etree

from medcite.model import Document, ReadError
from medcite.readers.base import ReaderError, parse_xml
from medcite.readers.guideline_text import root_start
from medcite.text import DocumentBuilder, clean

#: Prefix of ReadError reasons that mean "nothing to index", not "failed".
SKIPPED = "skipped:"

_ROOTS = (b"<Document", b"<doc", b"<DiseaseFile")
# Folder names in the release ("1_CancerGov_QA", "8_NHLBI_QA_XML") -> source,
# used only when the root carries no source attribute.
_FOLDER = re.compile(r"^\d+_(.+?)_QA(?:_XML)?$")
_FOLDER_SOURCES = {
    "MPlus_ADAM": "ADAM",
    "MPlusDrugs": "MPlusDrugs",
    "MPlusHerbsSupplements": "MPlusHerbsSupplements",
    "MPlus_Health_Topics": "MPlusHealthTopics",
    "SeniorHealth": "NIHSeniorHealth",
}
_LANG_LINK = re.compile(r"\AEspa(?:ñ|)ol\s*\n")

class MedQuADReader:
    """Reader for MedQuAD XML files (all three root variants)."""

    name = "medquad"

    def sniff(self, path: Path, head: bytes) -> bool:
        """True when the root is a MedQuAD ``Document``/``doc``/``DiseaseFile`` with QA pairs."""
        start = root_start(head)
        if not start.startswith(_ROOTS):
            return False
        # The QA container distinguishes MedQuAD from other <Document>/<doc> XML.
        return b"<QAPair" in head or b"<qaPairs" in head or b"<pair " in head or b"<Focus>" in head

    def read(self, path: Path) -> Iterator[Document | ReadError]:
        """Yield the document of ``path`` or a ``"skipped:"`` ReadError when no answer is present.

        Raises
        ------
        ReaderError
            Malformed XML (with line/column) or an unknown root element.
        """
        root = parse_xml(path, "re-extract the file from the MedQuAD release")
        if root.tag not in ("Document", "doc", "DiseaseFile"):
            raise ReaderError(
                f"not MedQuAD: root element is <{root.tag}>, expected <Document>, <doc> or <DiseaseFile>"
            )
        yield _build(root, path)


def file_stem(path: Path) -> str:
    """``0000013_2_1.xml.gz`` -> ``0000013_2_1``."""
    name = path.name
    for suffix in (".gz", ".xml"):
        if name.lower().endswith(suffix):
            name = name[: -len(suffix)]
    return name


def folder_source(path: Path) -> str | None:
    """The collection name implied by the release folder (``6_NINDS_QA`` -> ``NINDS``)."""
    m = _FOLDER.match(path.parent.name)
    if not m:
        return None
    return _FOLDER_SOURCES.get(m.group(1), m.group(1))


def doc_id(root: etree._Element, path: Path) -> tuple[str, str]:
    """Return ``(id, source)`` for a MedQuAD root.

    Ids repeat across folders (and even inside CancerGov, where files
    ``0000013_2.xml`` ... ``0000013_2_6.xml`` all say ``id="0000013_2"``), so
    the id is namespaced by the source and, when the file name extends the
    attribute (``0000013_2_1``), taken from the file name. That is unique in
    the release and stable across runs.
    """
    attr_id = root.get("id") or root.get("docid") or root.get("fid") or ""
    source = root.get("source") or root.get("corpus") or folder_source(path) or "unknown"
    stem = file_stem(path)
    local = stem if (not attr_id or (stem.startswith(attr_id) and stem != attr_id)) else attr_id
    return f"medquad:{source}-{local}", source


def _texts(root: etree._Element, *tags: str) -> list[str]:
    """Non-empty cleaned texts of all descendants with one of ``tags`` (de-duplicated, in order)."""
    out: list[str] = []
    for el in root.iter(*tags):
        t = clean(el.text or "")
        if t and t not in out:
            out.append(t)
    return out


def _build(root: etree._Element, path: Path) -> Document | ReadError:
    did, source = doc_id(root, path)
    focus = _texts(root, "Focus", "doctitle-focus")
    title = focus[0] if focus else did
    b = DocumentBuilder()
    n_pairs = 0
    for pair in root.iter("QAPair", "pair"):
        n_pairs += 1
        q = pair.find("Question")
        if q is None:
            q = pair.find("question")
        a = pair.find("Answer")
        if a is None:
            a = pair.find("answer")
        answer = clean("".join(map(str, a.itertext()))) if a is not None else ""
        # 18 NHLBI answers start with the page's language link ("Espaol" = "Español", ñ lost).
        answer = _LANG_LINK.sub("", answer, count=1)
        if not answer:
            continue
        question = clean("".join(map(str, q.itertext()))) if q is not None else ""
        qtype = q.get("qtype") if q is not None else None
        b.add(question, answer, label=qtype)
    if b.empty:
        reason = (
            f"{SKIPPED} no answers ({n_pairs} questions; MedQuAD emptied the answers of the "
            f"{source} collection for copyright)"
            if n_pairs
            else f"{SKIPPED} no question/answer pairs"
        )
        return ReadError(str(path), reason, record=did)
    return b.build(
        id=did,
        source_kind="patient-info",
        title=title,
        url=root.get("url") or None,
        cuis=_texts(root, "CUI", "cui"),
        source_format="medquad",
        extra={
            "semantic_types": _texts(root, "SemanticType", "semanticType"),
            "semantic_group": next(iter(_texts(root, "SemanticGroup", "semanticGroup")), None),
            "synonyms": _texts(root, "Synonym", "synonym"),
            "collection": source,
            "focus_category": next(iter(_texts(root, "Category")), None),
        },
    )
