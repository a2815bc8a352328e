"""MedlinePlus health-topics XML (``<health-topics><health-topic ...>``).

The NLM file (``mplus_topics_YYYY-MM-DD.xml``) holds every health topic in
English and Spanish. Each topic becomes one patient-information document; its
``<full-summary>`` (HTML escaped once) is split into sections at its headings.
All languages are kept; the language goes into ``extra["language"]`` so a
deployment can filter.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from lxml import etree

from medcite.model import Document, ReadError
from medcite.readers.base import ReaderError, parse_xml
from medcite.readers.guideline_text import Block, html_blocks, root_start
from medcite.text import DocumentBuilder, clean


class MedlinePlusReader:
    """Reader for the MedlinePlus health-topics XML file."""

    name = "medlineplus"

    def sniff(self, path: Path, head: bytes) -> bool:
        """True for a ``<health-topics>`` root (the DOCTYPE may precede it)."""
        return root_start(head).startswith(b"<health-topics")

    def read(self, path: Path) -> Iterator[Document | ReadError]:
        """Yield one document per ``<health-topic>``; a bad topic is a ReadError.

        Raises
        ------
        ReaderError
            Malformed XML (with line/column) or a different root element.
        """
        root = parse_xml(path, "download the file again from https://medlineplus.gov/xml.html")
        if root.tag != "health-topics":
            raise ReaderError(f"not MedlinePlus health topics: root element is <{root.tag}>")
        for topic in root.iter("health-topic"):
            tid = topic.get("id")
            if not tid:
                yield ReadError(str(path), "health-topic without an id attribute", record=topic.get("title"))
                continue
            doc = _build(topic, tid, root.get("date-generated"))
            if doc is None:
                yield ReadError(str(path), "skipped: health topic has no summary text", record=f"medlineplus:{tid}")
            else:
                yield doc


def _sections(blocks: list[Block], title: str) -> list[tuple[str, str]]:
    """Group blocks under their headings: ``[(heading, text), ...]``."""
    out: list[tuple[str, str]] = []
    heading, lines = title, list[str]()
    for b in blocks:
        if b.kind == "heading":
            if lines:
                out.append((heading, "\n".join(lines)))
            heading, lines = b.text, []
        else:
            lines.append(("- " + b.text) if b.kind == "item" else b.text)
    if lines:
        out.append((heading, "\n".join(lines)))
    return out


def _children_text(topic: etree._Element, tag: str) -> list[str]:
    out: list[str] = []
    for el in topic.findall(tag):
        t = clean("".join(map(str, el.itertext())))
        if t and t not in out:
            out.append(t)
    return out


def _build(topic: etree._Element, tid: str, generated: str | None) -> Document | None:
    title = clean(topic.get("title") or "")
    summary = topic.find("full-summary")
    blocks = html_blocks("".join(map(str, summary.itertext()))) if summary is not None else []
    b = DocumentBuilder()
    for heading, text in _sections(blocks, title):
        b.add(heading, text)
    if b.empty:
        return None
    mesh = [clean(d.text or "") for d in topic.iter("descriptor") if (d.text or "").strip()]
    created = topic.get("date-created")
    year = int(created[-4:]) if created and created[-4:].isdigit() else None
    return b.build(
        id=f"medlineplus:{tid}",
        source_kind="patient-info",
        title=title,
        url=topic.get("url") or None,
        mesh_terms=mesh,
        year=year,
        source_format="medlineplus",
        extra={
            "language": topic.get("language") or "English",
            "synonyms": _children_text(topic, "also-called"),
            "see_references": _children_text(topic, "see-reference"),
            "groups": _children_text(topic, "group"),
            "related_topics": _children_text(topic, "related-topic"),
            "date_created": created,
            "date_generated": generated,
        },
    )
