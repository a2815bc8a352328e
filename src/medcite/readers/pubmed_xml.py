"""PubMed/MEDLINE XML: ``PubmedArticleSet`` from efetch, baseline and update files.

Handles ``PubmedArticle`` and ``PubmedBookArticle`` records (DTDs from 2014
to 2025), a bare ``PubmedArticle``/``MedlineCitation`` root and the older
``MedlineCitationSet``. Records are streamed with ``lxml.etree.iterparse``
and cleared once read, so a 150 MB baseline file keeps only one record's
tree in memory.

The small XML helpers at the top (:func:`first_tag`, :func:`element_text`,
:func:`safe_parser_options`) are shared with the JATS reader.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from lxml import etree

from medcite.model import Document, ReadError
from medcite.readers.base import ReaderError, read_bytes, xml_advice
from medcite.text import DocumentBuilder, clean

MATHML_NS = "http://www.w3.org/1998/Math/MathML"

#: Parser options for untrusted XML: no entity expansion (billion laughs),
#: no DTD fetching (PubMed files name a DTD on dtd.nlm.nih.gov), no network.
_SAFE: dict[str, Any] = {
    "resolve_entities": False,
    "load_dtd": False,
    "no_network": True,
    "huge_tree": True,  # some abstracts/full texts exceed libxml2's 10 MB text limit
}

_ROOTS = {"PubmedArticleSet", "PubmedArticle", "PubmedBookArticle", "MedlineCitation", "MedlineCitationSet"}
_RECORD_TAGS = ("PubmedArticle", "PubmedBookArticle", "MedlineCitation")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def safe_parser_options() -> dict[str, Any]:
    """Keyword arguments for lxml parsers that never load DTDs or expand entities."""
    return dict(_SAFE)


def first_tag(head: bytes) -> str | None:
    """Local name of the first element in ``head`` (a possibly truncated XML prefix).

    A recovering pull parser is used so that a DOCTYPE, comments, processing
    instructions, namespaces or the truncation at 64 KiB do not matter.
    """
    if b"<" not in head[:4096]:
        return None
    parser = etree.XMLPullParser(events=("start",), recover=True, **_SAFE)
    try:
        parser.feed(head)
    except etree.XMLSyntaxError:
        return None
    for _event, elem in parser.read_events():
        tag = getattr(elem, "tag", None)  # start events give elements; stubs allow tuples
        if isinstance(tag, str):
            return etree.QName(tag).localname
    return None


def _math_text(elem: etree._Element) -> str:
    # MathML is a tree of one-glyph tokens laid out with indentation; joining
    # the stripped tokens gives readable text ("VO2max") instead of "V . O 2 m a x".
    out: list[str] = []
    for node in elem.iter():
        if not isinstance(node.tag, str):
            continue
        if etree.QName(node).localname in ("annotation", "annotation-xml"):
            continue
        if node.text and node.text.strip():
            out.append(node.text.strip())
    return "".join(out)


def element_text(elem: etree._Element | None, skip: frozenset[str] = frozenset()) -> str:
    """Flatten an element's text (inline markup such as ``<i>`` dropped) to one clean line.

    Parameters
    ----------
    elem
        The element, or ``None`` (gives ``""``).
    skip
        Local names of child elements whose whole content is left out (for
        JATS: figures and tables embedded in a paragraph).
    """
    if elem is None:
        return ""
    parts: list[str] = []

    def walk(node: etree._Element) -> None:
        if node.text:
            parts.append(node.text)
        for child in node:
            if isinstance(child.tag, str):
                qn = etree.QName(child)
                if qn.namespace == MATHML_NS:
                    parts.append(_math_text(child))
                elif qn.localname not in skip:
                    walk(child)
            if child.tail:
                parts.append(child.tail)

    walk(elem)
    # Source indentation inside inline text is not a line break: collapse it
    # before clean(), which keeps newlines as sentence boundaries.
    return clean(" ".join("".join(parts).split()))


def _text(elem: etree._Element | None, path: str) -> str:
    return element_text(elem.find(path)) if elem is not None else ""


def _author_name(author: etree._Element) -> str | None:
    """``"Last FM"`` for a person, the group name for a ``CollectiveName``."""
    if author.get("ValidYN") == "N":
        return None  # a retracted/erroneous name kept only for the record
    collective = _text(author, "CollectiveName")
    if collective:
        return collective
    last = _text(author, "LastName")
    if not last:
        return None
    initials = _text(author, "Initials")
    if not initials:
        fore = _text(author, "ForeName")
        initials = "".join(w[0] for w in re.split(r"[\s.-]+", fore) if w)
    return f"{last} {initials}".strip()


def _pub_date(date_el: etree._Element | None) -> tuple[str | None, int | None]:
    """``("2001 Jun 28", 2001)`` from a PubDate (``MedlineDate`` as printed)."""
    if date_el is None:
        return None, None
    medline = _text(date_el, "MedlineDate")
    if medline:
        m = re.search(r"\b(1[89]\d\d|2\d\d\d)\b", medline)
        return medline, int(m.group(1)) if m else None
    year = _text(date_el, "Year")
    if not year.isdigit():
        return None, None
    month = _text(date_el, "Month") or _text(date_el, "Season")
    if month.isdigit() and 1 <= int(month) <= 12:
        month = _MONTHS[int(month) - 1]  # ArticleDate uses numbers; PubDate names
    parts = [year, month, _text(date_el, "Day")]
    return " ".join(p for p in parts if p), int(year)


def _doi(*id_lists: list[etree._Element]) -> str | None:
    for ids in id_lists:
        for el in ids:
            if (el.get("IdType") or el.get("EIdType")) == "doi" and (el.text or "").strip():
                return (el.text or "").strip()
    return None


def _build(rec: etree._Element, path: Path) -> Document | ReadError:
    """Turn one PubmedArticle / PubmedBookArticle / MedlineCitation into a Document."""
    tag = etree.QName(rec).localname
    book = tag == "PubmedBookArticle"
    if book:
        cit = rec.find("BookDocument")
        art = cit
        data = rec.find("PubmedBookData")
    elif tag == "MedlineCitation":
        cit, data = rec, None
        art = rec.find("Article")
    else:
        cit = rec.find("MedlineCitation")
        art = cit.find("Article") if cit is not None else None
        data = rec.find("PubmedData")
    pmid = _text(cit, "PMID")
    if cit is None or not pmid:
        return ReadError(str(path), f"{tag} without a PMID: skipped", record=None)

    title = _text(art, "ArticleTitle") or _text(art, "VernacularTitle")
    journal: str | None
    if book:
        book_title = _text(art, "Book/BookTitle")
        journal = book_title if title else None  # a chapter's "container" is its book
        title = title or book_title
        date, year = _pub_date(art.find("Book/PubDate") if art is not None else None)
        author_els = art.findall("AuthorList/Author") if art is not None else []
        if not author_els and art is not None:  # whole-book records list the book's authors
            author_els = art.findall("Book/AuthorList/Author")
        pub_types = [element_text(p) for p in art.findall("PublicationType")] if art is not None else []
    else:
        journal = _text(art, "Journal/Title") or _text(art, "Journal/ISOAbbreviation") or None
        journal = journal or _text(cit, "MedlineJournalInfo/MedlineTA") or None
        date, year = _pub_date(art.find("Journal/JournalIssue/PubDate") if art is not None else None)
        if year is None and art is not None:
            date, year = _pub_date(art.find("ArticleDate"))
        author_els = art.findall("AuthorList/Author") if art is not None else []
        pub_types = (
            [element_text(p) for p in art.findall("PublicationTypeList/PublicationType")]
            if art is not None
            else []
        )

    builder = DocumentBuilder()
    for ab in art.findall("Abstract/AbstractText") if art is not None else []:
        builder.add(ab.get("Label") or "", element_text(ab), label=ab.get("NlmCategory") or None)
    if not title and builder.empty:
        return ReadError(str(path), "record has neither a title nor an abstract", record=f"pmid:{pmid}")
    if builder.empty:
        # Decision: letters, editorials and old citations often have no
        # abstract. They are still citable, so the title becomes the only body
        # section; otherwise the document would have no searchable text.
        builder.add("Title", title)

    id_lists: list[list[etree._Element]] = []
    if data is not None:
        id_lists.append(data.findall("ArticleIdList/ArticleId"))
    if art is not None:
        id_lists += [art.findall("ArticleIdList/ArticleId"), art.findall("ELocationID")]
    extra: dict[str, Any] = {}
    keywords = [element_text(k) for k in cit.findall("KeywordList/Keyword")]
    if keywords:
        extra["keywords"] = keywords
    if book:
        extra["book"] = True
    return builder.build(
        id=f"pmid:{pmid}",
        source_kind="research",
        title=title,
        authors=[a for a in (_author_name(el) for el in author_els) if a],
        journal=journal,
        date=date,
        year=year,
        url=f"https://pubmed.ncbi.nlm.nih.gov/{pmid}/",
        pmid=pmid,
        doi=_doi(*id_lists),
        publication_types=[p for p in pub_types if p],
        mesh_terms=[element_text(d) for d in cit.findall("MeshHeadingList/MeshHeading/DescriptorName")],
        source_format="pubmed-xml",
        extra=extra,
    )


class PubMedXMLReader:
    """Reader for PubMed/MEDLINE XML (``.xml`` or ``.xml.gz``)."""

    name = "pubmed-xml"

    def sniff(self, path: Path, head: bytes) -> bool:
        """True when the first element is a PubMed/MEDLINE root (the extension is ignored)."""
        return first_tag(head) in _ROOTS

    def read(self, path: Path) -> Iterator[Document | ReadError]:
        """Stream the file's records as documents; a malformed file raises ReaderError.

        Raises
        ------
        ReaderError
            The XML is not well-formed (the message carries lxml's line and
            column), the gzip stream is truncated, or the root is not PubMed.
        """
        data = read_bytes(path)
        if first_tag(data[:65536]) not in _ROOTS:
            raise ReaderError(
                "not PubMed XML: the root element is not PubmedArticleSet/PubmedArticle/MedlineCitation"
            )
        n = 0
        try:
            for _event, rec in etree.iterparse(io.BytesIO(data), events=("end",), tag=_RECORD_TAGS, **_SAFE):
                parent = rec.getparent()
                if (
                    etree.QName(rec).localname == "MedlineCitation"
                    and parent is not None
                    and etree.QName(parent).localname == "PubmedArticle"
                ):
                    continue  # read with its PubmedArticle (which has the DOI)
                n += 1
                try:
                    result = _build(rec, path)
                except Exception as exc:  # a malformed record must not stop the file
                    result = ReadError(str(path), f"cannot read record: {exc}", record=f"#{n}")
                if isinstance(result, ReadError) and result.record is None:
                    result.record = f"#{n}"
                yield result
                # Free the finished record and its already processed siblings.
                rec.clear()
                if parent is not None:
                    while rec.getprevious() is not None:
                        del parent[0]
        except etree.XMLSyntaxError as exc:
            raise ReaderError(
                f"malformed XML after {n} record(s): {exc}; {xml_advice(str(exc))}"
            ) from exc


__all__ = ["PubMedXMLReader", "element_text", "first_tag", "safe_parser_options"]
