"""PMC JATS/NLM full text (``.nxml``): ``<article>`` or an efetch ``<pmc-articleset>``.

The document holds the abstract(s) and the body's sections. Nested sections
are flattened with ``"Parent / Child"`` headings. Figures, tables, their
captions, supplementary material and display formulas are left out: they
are not prose a sentence can be quoted from. Back matter (acknowledgements,
references) is not read either.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from lxml import etree

from medcite.model import Document, ReadError
from medcite.readers.base import ReaderError, read_bytes, xml_advice
from medcite.readers.pubmed_xml import element_text, first_tag, safe_parser_options
from medcite.text import DocumentBuilder

#: Never part of a paragraph's text, even when nested inside a <p>.
_SKIP = frozenset(
    {
        "fig",
        "fig-group",
        "table-wrap",
        "table-wrap-group",
        "supplementary-material",
        "disp-formula",
        "tex-math",
        "graphic",
        "media",
        "alternatives",
    }
)
#: Containers whose paragraphs belong to the enclosing section.
_CONTAINERS = {"disp-quote", "boxed-text", "statement", "def-list", "glossary"}
#: Administrative sections that hold no clinical evidence.
_ADMIN = re.compile(
    r"^(competing interests?|conflicts? of interest|disclosures?|authors?'? ?contributions?|funding|"
    r"acknowledge?ments?|pre-?publication history|supplementary (material|information|data)|"
    r"supporting information|abbreviations|data availability)\b",
    re.I,
)
_ADMIN_SEC_TYPES = {
    "supplementary-material",
    "COI-statement",
    "author-contributions",
    "funding",
    "data-availability",
}
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_DATE_PREFERENCE = ("epub", "ppub", "collection", "pub", "epub-ppub", "pmc-release")


def _local(el: etree._Element) -> str:
    return etree.QName(el).localname if isinstance(el.tag, str) else ""


def _paragraphs(container: etree._Element) -> Iterator[str]:
    """The prose of one section level: its <p>s and lists, not its sub-<sec>s."""
    for child in container:
        name = _local(child)
        if name == "p":
            text = element_text(child, _SKIP)
            if text:
                yield text
        elif name == "list":
            for item in child.iter("list-item"):
                text = element_text(item, _SKIP | {"list"})
                if text:
                    yield f"- {text}"
        elif name in _CONTAINERS:
            yield from _paragraphs(child)


def _add_sections(builder: DocumentBuilder, sec: etree._Element, parent: str, label: str | None) -> None:
    """Add ``sec`` (and, recursively, its sub-sections) as flattened sections."""
    title = element_text(sec.find("title")).rstrip(": ")  # "Background:" in some journals
    if _ADMIN.match(title) or sec.get("sec-type") in _ADMIN_SEC_TYPES:
        return
    heading = " / ".join(h for h in (parent, title) if h)
    builder.add(heading, "\n\n".join(_paragraphs(sec)), label=label)
    for sub in sec.findall("sec"):
        _add_sections(builder, sub, heading, label)


def _ids(meta: etree._Element) -> dict[str, str]:
    out: dict[str, str] = {}
    for el in meta.findall("article-id"):
        kind = el.get("pub-id-type") or ""
        value = (el.text or "").strip()
        if value and kind not in out:
            out[kind] = value
    return out


def _name(contrib: etree._Element) -> str | None:
    """``"Last FM"`` for a person, the group name for a ``collab``."""
    name = contrib.find(".//name")
    if name is None:
        collab = element_text(contrib.find(".//collab"))
        return collab or element_text(contrib.find(".//string-name")) or None
    last = element_text(name.find("surname"))
    given = element_text(name.find("given-names"))
    initials = "".join(w[0] for w in re.split(r"[\s.-]+", given) if w)
    return f"{last} {initials}".strip() or None


def _date(meta: etree._Element) -> tuple[str | None, int | None]:
    """The publication date as ``"2021 Sep 13"`` (electronic first) and its year."""
    dates = {(d.get("pub-type") or d.get("date-type") or ""): d for d in meta.findall("pub-date")}
    ordered = [dates[k] for k in _DATE_PREFERENCE if k in dates] + list(dates.values())
    for d in ordered:
        year = element_text(d.find("year"))
        if year.isdigit():
            month = element_text(d.find("month"))
            if month.isdigit() and 1 <= int(month) <= 12:
                month = _MONTHS[int(month) - 1]
            parts = [year, month, element_text(d.find("day"))]
            return " ".join(p for p in parts if p), int(year)
    return None, None


def _build(article: etree._Element, path: Path, n: int) -> Document | ReadError:
    meta = article.find("front/article-meta")
    if meta is None:
        return ReadError(str(path), "article without front/article-meta: skipped", record=f"#{n}")
    ids = _ids(meta)
    pmid = ids.get("pmid")
    raw_pmc = ids.get("pmcid") or ids.get("pmc")
    # PMC ids appear both as "3166277" (pub-id-type pmc) and "PMC3166277"
    # (pmcid); one spelling keeps ids stable across PMC export versions.
    pmcid = f"PMC{raw_pmc.upper().removeprefix('PMC')}" if raw_pmc else None
    doi = ids.get("doi")
    if pmid:
        doc_id, url = f"pmid:{pmid}", f"https://pubmed.ncbi.nlm.nih.gov/{pmid}/"
    elif pmcid:
        doc_id, url = f"pmc:{pmcid}", f"https://www.ncbi.nlm.nih.gov/pmc/articles/{pmcid}/"
    elif doi:
        doc_id, url = f"doi:{doi}", f"https://doi.org/{doi}"
    else:
        return ReadError(str(path), "article has no pmid, pmc or doi article-id: skipped", record=f"#{n}")

    title = element_text(meta.find("title-group/article-title"))
    builder = DocumentBuilder()
    for abstract in meta.findall("abstract"):
        if abstract.get("abstract-type") in {"graphical", "teaser", "toc"}:
            continue  # one-line blurbs that repeat the abstract
        kind = abstract.get("abstract-type")
        base = "Author Summary" if kind == "summary" else "Abstract"
        builder.add(base, "\n\n".join(_paragraphs(abstract)), label="ABSTRACT")
        for sec in abstract.findall("sec"):
            _add_sections(builder, sec, base, "ABSTRACT")
    body = article.find("body")
    if body is not None:
        builder.add("", "\n\n".join(_paragraphs(body)))  # prose outside any <sec>
        for sec in body.findall("sec"):
            _add_sections(builder, sec, "", None)
    if not title and builder.empty:
        return ReadError(str(path), "article has neither a title nor text", record=doc_id)
    if builder.empty:
        builder.add("Title", title)  # as for PubMed records: keep it searchable

    journal_meta = article.find("front/journal-meta")
    journal = None
    if journal_meta is not None:
        journal = element_text(journal_meta.find(".//journal-title")) or None
        if journal is None:
            journal = element_text(journal_meta.find("journal-id[@journal-id-type='nlm-ta']")) or None
    date, year = _date(meta)
    extra: dict[str, Any] = {"pmcid": pmcid} if pmcid else {}
    keywords = [element_text(k) for k in meta.findall("kwd-group/kwd")]
    if keywords:
        extra["keywords"] = [k for k in keywords if k]
    article_type = article.get("article-type")
    return builder.build(
        id=doc_id,
        source_kind="research",
        title=title,
        authors=[
            name
            for c in meta.findall("contrib-group/contrib")
            # editors and reviewers are contribs too; untyped ones are authors
            if c.get("contrib-type") in (None, "author") and (name := _name(c))
        ],
        journal=journal,
        date=date,
        year=year,
        url=url,
        pmid=pmid,
        doi=doi,
        publication_types=[article_type] if article_type else [],
        source_format="jats",
        extra=extra,
    )


class JATSReader:
    """Reader for PMC JATS full-text XML (``.nxml``, ``.xml``, gzipped or not)."""

    name = "jats"

    def sniff(self, path: Path, head: bytes) -> bool:
        """True for a ``pmc-articleset`` root, or an ``article`` root with JATS ``<front>``.

        ``<front>``/``<article-meta>`` is required because DocBook and other
        formats also use an ``<article>`` root.
        """
        root = first_tag(head)
        if root == "pmc-articleset":
            return True
        return root == "article" and (b"<front" in head or b"<article-meta" in head)

    def read(self, path: Path) -> Iterator[Document | ReadError]:
        """Yield one document per article.

        Raises
        ------
        ReaderError
            Malformed XML (with lxml's line/column) or a root that is not JATS.
        """
        data = read_bytes(path)
        parser = etree.XMLParser(**safe_parser_options())
        try:
            root = etree.fromstring(data, parser)
        except etree.XMLSyntaxError as exc:
            raise ReaderError(f"malformed XML: {exc}; {xml_advice(str(exc))}") from exc
        if _local(root) == "article":
            articles = [root]
        elif _local(root) == "pmc-articleset":
            articles = [a for a in root if _local(a) == "article"]
        else:
            raise ReaderError(
                f"not JATS: root element is <{_local(root)}>, expected <article> or <pmc-articleset>"
            )
        for n, article in enumerate(articles, start=1):
            try:
                yield _build(article, path, n)
            except Exception as exc:  # one odd article must not hide the others
                yield ReadError(str(path), f"cannot read article: {exc}", record=f"#{n}")


__all__ = ["JATSReader"]
