"""An operator's own documents: Markdown, HTML, plain text and PDF.

Metadata comes from YAML-style front matter at the top of Markdown/text::

    ---
    id: vv-local-2024
    kind: guideline
    title: Local varicose vein pathway
    developer: Example Hospital Vascular Team
    date: 2024-03-01
    ---

or, for any file (PDF and HTML included), from a sidecar JSON file named
``<file name>.meta.json`` next to it (``pathway.pdf.meta.json``) with the same
keys; the sidecar wins over front matter. Keys: ``id``, ``kind`` (or
``source_kind``), ``title``, ``developer``, ``authors``, ``date``, ``year``,
``url``, ``pmid``, ``doi``.

Headings split sections. Under a heading that contains "Recommendation",
each list item or paragraph is one recommendation section, with a trailing
grade such as "(Grade A)", "[Strong]" or "(Level II)" kept as printed.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

import lxml.html
from lxml import etree

from medcite.model import SOURCE_KINDS, Document, ReadError, SourceKind
from medcite.readers.base import READ_LIMITS, ReaderError, ReadLimits, decode_text, read_bytes, read_head
from medcite.readers.guideline_text import (
    HTML_PARSER,
    Block,
    html_blocks,
    recommendation_sections,
    root_start,
)
from medcite.text import DocumentBuilder, clean

TEXT_EXTS = {".md", ".markdown", ".txt", ".text"}
HTML_EXTS = {".html", ".htm", ".xhtml"}
META_KEYS = {"id", "kind", "source_kind", "title", "developer", "authors", "date", "year", "url", "pmid", "doi"}

_FRONT = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n(?:---|\.\.\.)[ \t]*(?:\r?\n|\Z)", re.S)
_ATX = re.compile(r"^(#{1,6})[ \t]+(.+?)[ \t]*#*[ \t]*$")
_SETEXT = re.compile(r"^(=+|-+)[ \t]*$")
_BULLET = re.compile(r"^([ \t]*)(?:[-*+]|\d{1,3}[.)])[ \t]+(.*)$")
_HTML_START = re.compile(rb"^(?:<!doctype\s+html|<html|<head|<body|<meta|<title|<h[1-6]|<p[\s>]|<div)", re.I)
_REC_HEADING = re.compile(r"recommendation", re.I)
_SLUG = re.compile(r"[^a-z0-9]+")


class LocalReader:
    """Reader for local guideline files (Markdown, HTML, text, PDF); tried last."""

    name = "local"

    def sniff(self, path: Path, head: bytes) -> bool:
        """Accept PDF (magic), HTML (content), and Markdown/text by extension or front matter.

        Binary junk (NUL bytes, mostly control bytes) and XML/JSON content meant
        for another reader are rejected.
        """
        if head.startswith(b"%PDF-"):
            return True
        if not _looks_like_text(head):
            return False
        start = root_start(head)
        ext = _ext(path)
        if start[:1] in (b"{", b"["):  # JSON (PubMedQA, BioASQ, ...), not a local document
            return False
        if _HTML_START.match(start) or (ext in HTML_EXTS and b"<" in head):
            return not head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<?xml") or b"<html" in head.lower()
        if start.startswith(b"<"):  # some other XML vocabulary
            return False
        if ext in TEXT_EXTS:
            return True
        text = head.decode("utf-8", "replace")
        return bool(_FRONT.match(text)) or bool(re.match(r"\A\s*# \S", text))

    def read(self, path: Path) -> Iterator[Document | ReadError]:
        """Yield the one document of ``path``.

        Raises
        ------
        ReaderError
            Encrypted/corrupt PDF, a PDF without a text layer, undecodable text,
            a bad sidecar or an empty document.
        """
        limits = READ_LIMITS.get() or ReadLimits()
        size = path.stat().st_size
        if size > limits.max_document_bytes and not read_head(path, 5).startswith(b"%PDF-"):
            # One document this large (a 200 MB single-line text) would become hundreds of
            # thousands of passages of one "document": refused before it is read.
            raise ReaderError(
                f"{size / 1024**2:.0f} MB of text for one document, over the "
                f"{limits.max_document_bytes / 1024**2:.0f} MB limit; split the file"
            )
        data = read_bytes(path)
        meta = _sidecar(path)
        if data.startswith(b"%PDF-"):
            title, builder = _read_pdf(data)
            fmt = "pdf"
        else:
            text = unicodedata.normalize("NFC", decode_text(data, path))
            if _ext(path) in HTML_EXTS or _HTML_START.match(root_start(data[:4096])):
                title, builder = _read_html(text)
                fmt = "html"
            else:
                front, body = _front_matter(text)
                meta = {**front, **meta}
                title, builder = _read_markdown(body)
                fmt = "markdown" if _ext(path) != ".txt" else "text"
        if builder.empty:
            raise ReaderError("no text found in the document; check the file is not empty")
        yield _build(path, builder, title, meta, fmt)


# --------------------------------------------------------------------------
# Helpers: detection, metadata
# --------------------------------------------------------------------------


def _ext(path: Path) -> str:
    name = path.name.lower()
    if name.endswith(".gz"):
        name = name[:-3]
    return Path(name).suffix


def _looks_like_text(head: bytes) -> bool:
    """No NUL bytes and at most 5% control bytes (tabs/newlines excluded)."""
    sample = head[:8192]
    if not sample or b"\x00" in sample:
        return False
    controls = sum(1 for c in sample if c < 32 and c not in (9, 10, 12, 13))
    return controls / len(sample) <= 0.05


def _sidecar(path: Path) -> dict[str, Any]:
    side = path.with_name(path.name + ".meta.json")
    if not side.is_file():
        return {}
    try:
        data = json.loads(side.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ReaderError(f"cannot read sidecar {side.name}: {exc}; fix or remove it") from exc
    if not isinstance(data, dict):
        raise ReaderError(f"sidecar {side.name} must hold a JSON object of metadata keys")
    return {k: v for k, v in data.items() if k in META_KEYS}


def _front_matter(text: str) -> tuple[dict[str, Any], str]:
    """Parse ``--- key: value ---`` at the top; returns (metadata, remaining text)."""
    m = _FRONT.match(text)
    if not m:
        if re.match(r"\A\ufeff?---[ \t]*\r?\n", text):
            raise ReaderError("front matter opened with '---' is never closed; add a line '---' after the metadata")
        return {}, text
    meta: dict[str, Any] = {}
    for line in m.group(1).splitlines():
        if not line.strip() or line.lstrip().startswith("#") or ":" not in line:
            continue
        key, _, value = line.partition(":")
        key = key.strip().lower()
        value = value.strip().strip("\"'")
        if key in META_KEYS and value:
            if value.startswith("[") and value.endswith("]"):
                meta[key] = [v.strip().strip("\"'") for v in value[1:-1].split(",") if v.strip()]
            else:
                meta[key] = value
    return meta, text[m.end():]


def slugify(text: str) -> str:
    """``"My Guideline (v2).md"`` stem -> ``"my-guideline-v2"``.

    Accents fold to ASCII; a name with no ASCII letters keeps its own letters
    (a CJK name), and a name with no letters at all gets a hash, so two files
    never share an id by accident.

    >>> slugify("Café Guideline (v2)")
    'cafe-guideline-v2'
    >>> slugify("高血压指南")
    '高血压指南'
    >>> slugify("!!!").startswith("document-")
    True
    """
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = _SLUG.sub("-", ascii_text.lower()).strip("-")
    if slug:
        return slug
    native = re.sub(r"[\W_]+", "-", unicodedata.normalize("NFKC", text).lower()).strip("-")
    return native or "document-" + hashlib.sha1(text.encode("utf-8", "surrogateescape")).hexdigest()[:12]


def _strip_inline_md(text: str) -> str:
    """Drop Markdown emphasis, code ticks and link targets (keep the visible text)."""
    text = re.sub(r"!\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"(\*\*|__)(.+?)\1", r"\2", text)
    text = re.sub(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])", r"\1", text)
    return text.replace("`", "")


# --------------------------------------------------------------------------
# Markdown / text
# --------------------------------------------------------------------------


def markdown_blocks(text: str) -> tuple[str | None, list[Block]]:
    """Split Markdown (or plain text) into blocks; returns ``(first "# " heading, blocks)``."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    blocks: list[Block] = []
    title: str | None = None
    para: list[str] = []
    item: list[str] | None = None
    item_depth = 1

    def flush() -> None:
        nonlocal para, item
        if item is not None:
            t = clean(_strip_inline_md(" ".join(item)))
            if t:
                blocks.append(Block("item", t, item_depth))
            item = None
        if para:
            t = clean(_strip_inline_md(" ".join(para)))
            if t:
                blocks.append(Block("para", t))
            para = []

    in_code = False
    for i, line in enumerate(lines):
        if line.strip().startswith("```"):
            in_code = not in_code
            continue
        if in_code:
            para.append(line)
            continue
        atx = _ATX.match(line)
        nxt = lines[i + 1] if i + 1 < len(lines) else ""
        if atx:
            flush()
            heading = clean(_strip_inline_md(atx.group(2)))
            if title is None and len(atx.group(1)) == 1:
                title = heading
            blocks.append(Block("heading", heading))
        elif line.strip() and not para and item is None and _SETEXT.match(nxt) and not _BULLET.match(line):
            flush()
            heading = clean(_strip_inline_md(line))
            if title is None and nxt.startswith("="):
                title = heading
            blocks.append(Block("heading", heading))
        elif _SETEXT.match(line) and blocks and blocks[-1].kind == "heading" and not para:
            continue  # the underline of a setext heading
        elif (bm := _BULLET.match(line)) is not None:
            flush()
            item = [bm.group(2)]
            item_depth = 1 + len(bm.group(1).expandtabs(4)) // 2
        elif not line.strip():
            flush()
        elif item is not None and line.startswith((" ", "\t")):
            item.append(line.strip())  # continuation of a list item
        else:
            if item is not None:
                flush()
            para.append(line.strip())
    flush()
    return title, blocks


def _add_blocks(builder: DocumentBuilder, blocks: list[Block], default_heading: str) -> None:
    """Add blocks as sections: recommendation headings get one section per recommendation."""
    heading = default_heading
    chunk: list[Block] = []

    def emit() -> None:
        if not chunk:
            return
        if _REC_HEADING.search(heading):
            recs, defs = recommendation_sections(chunk, heading)
            for rs in recs:
                builder.add(rs.heading, rs.text, field="recommendation" if rs.is_rec else "body",
                            grade=rs.grade, level=rs.level)
            if defs:
                builder.add(heading + ": Definitions", "\n".join(b.text for b in defs))
        else:
            builder.add(heading, "\n".join(("- " + b.text) if b.kind == "item" else b.text for b in chunk))

    for b in blocks:
        if b.kind == "heading":
            emit()
            heading, chunk = b.text, []
        else:
            chunk.append(b)
    emit()


def _read_markdown(body: str) -> tuple[str | None, DocumentBuilder]:
    title, blocks = markdown_blocks(body)
    builder = DocumentBuilder()
    _add_blocks(builder, [b for b in blocks if not (b.kind == "heading" and b.text == title)], "")
    if title is None:
        first = next((b.text for b in blocks if b.text), None)
        title = first.split("\n")[0][:200] if first else None
    return title, builder


# --------------------------------------------------------------------------
# HTML
# --------------------------------------------------------------------------


def _read_html(text: str) -> tuple[str | None, DocumentBuilder]:
    try:
        root = lxml.html.document_fromstring(text, parser=HTML_PARSER)
    except (etree.ParserError, ValueError) as exc:
        raise ReaderError(f"cannot parse HTML: {exc}") from exc
    for bad in list(root.iter("script", "style", "noscript", "nav", "header", "footer")):
        if isinstance(bad, lxml.html.HtmlElement):
            bad.drop_tree()
    title_el = root.find(".//title")
    title = clean("".join(map(str, title_el.itertext()))) if title_el is not None else ""
    body = root.find("body")
    blocks = html_blocks(lxml.html.tostring(body if body is not None else root, encoding="unicode"))
    h1 = next((b.text for b in blocks if b.kind == "heading"), None)
    title = title or h1 or ""
    builder = DocumentBuilder()
    _add_blocks(builder, [b for b in blocks if not (b.kind == "heading" and b.text == title)], "")
    return title or None, builder


# --------------------------------------------------------------------------
# PDF
# --------------------------------------------------------------------------


def _read_pdf(data: bytes) -> tuple[str | None, DocumentBuilder]:
    # Imported lazily: pypdf is only needed for PDFs and is slow to import.
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError, PyPdfError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise ReaderError("PDF is encrypted (password protected); save an unencrypted copy first")
        pages = [page.extract_text() or "" for page in reader.pages]
        meta_title = (reader.metadata.title if reader.metadata else None) or None
    except ReaderError:
        raise
    except (PdfReadError, PyPdfError, ValueError, KeyError, TypeError, OSError, AssertionError) as exc:
        msg = str(exc)
        if "decrypt" in msg.lower() or "encrypt" in msg.lower():
            raise ReaderError("PDF is encrypted (password protected); save an unencrypted copy first") from exc
        raise ReaderError(f"corrupt or unsupported PDF ({type(exc).__name__}: {msg}); re-export it") from exc
    builder = DocumentBuilder()
    for n, page in enumerate(pages, start=1):
        builder.add(f"Page {n}", clean(page))
    if builder.empty:
        raise ReaderError("PDF has no extractable text (scanned?); run OCR first")
    first_line = next((ln.strip() for p in pages for ln in p.splitlines() if ln.strip()), None)
    return clean(meta_title) if meta_title else first_line, builder


# --------------------------------------------------------------------------
# Document
# --------------------------------------------------------------------------


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list):
        return [str(v).strip() for v in value if str(v).strip()]
    s = str(value)
    return [p.strip() for p in (s.split(";") if ";" in s else s.split(",")) if p.strip()]


def _build(path: Path, builder: DocumentBuilder, title: str | None, meta: dict[str, Any], fmt: str) -> Document:
    kind = str(meta.get("kind") or meta.get("source_kind") or "guideline").strip().lower()
    if kind not in SOURCE_KINDS:
        raise ReaderError(f"kind {kind!r} in the metadata must be one of {', '.join(SOURCE_KINDS)}")
    raw_id = str(meta.get("id") or "").strip()
    if raw_id and ((":" in raw_id and not re.fullmatch(r"[A-Za-z][\w.-]*:\S+", raw_id)) or not re.search(r"\w", raw_id)):
        raise ReaderError(f"id {raw_id!r} in the metadata is not usable; write it as prefix:name (e.g. local:my-guideline)")
    # A name with bytes that are not UTF-8 is kept with escapes ("bad\\xff.md"): it is stored as text.
    name = path.name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    stem = name[:-3] if name.lower().endswith(".gz") else name
    doc_id = (raw_id if ":" in raw_id else f"local:{slugify(raw_id)}") if raw_id else f"local:{slugify(Path(stem).stem)}"
    date = str(meta["date"]).strip() if meta.get("date") else None
    year: int | None = None
    y = re.search(r"\b(1[89]\d\d|20\d\d)\b", str(meta.get("year") or date or ""))
    if y:
        year = int(y.group(1))
    pmid = str(meta["pmid"]).strip() if meta.get("pmid") else None
    return builder.build(
        id=doc_id,
        source_kind=cast(SourceKind, kind),  # checked against SOURCE_KINDS above
        title=str(meta.get("title") or title or Path(stem).stem),
        authors=_as_list(meta.get("authors")),
        developer=str(meta["developer"]).strip() if meta.get("developer") else None,
        date=date,
        year=year,
        url=str(meta["url"]).strip() if meta.get("url") else None,
        pmid=pmid,
        doi=str(meta["doi"]).strip() if meta.get("doi") else None,
        source_format=f"local-{fmt}",
        extra={"file": name},
    )


__all__ = ["LocalReader", "ReadError", "markdown_blocks", "slugify"]
