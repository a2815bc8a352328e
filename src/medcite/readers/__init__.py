"""Format readers and content-based format detection.

``detect(path)`` returns the reader for a file by looking at its content
(the extension is only a tie-breaker), so a renamed or gzipped file is still
read correctly. Readers are tried in :data:`READERS` order; the most specific
formats come first.
"""

from __future__ import annotations

from pathlib import Path

from medcite.readers.base import Reader, ReaderError, ReadError, read_head


def _load_readers() -> list[Reader]:
    from medcite.readers import (
        bioasq,
        jats,
        local,
        medline_text,
        medlineplus,
        medquad,
        ngc,
        pubmed_xml,
        pubmedqa,
    )

    return [
        ngc.NGCReader(),
        medquad.MedQuADReader(),
        medlineplus.MedlinePlusReader(),
        pubmed_xml.PubMedXMLReader(),
        jats.JATSReader(),
        pubmedqa.PubMedQAReader(),
        bioasq.BioASQReader(),
        medline_text.MedlineTextReader(),
        local.LocalReader(),
    ]


_READERS: list[Reader] | None = None


def readers() -> list[Reader]:
    """All readers, most specific first."""
    global _READERS  # a cache of stateless objects, not settings
    if _READERS is None:
        _READERS = _load_readers()
    return _READERS


def detect(path: Path) -> Reader:
    """Return the reader for ``path`` or raise :class:`ReaderError` saying why not."""
    if not path.is_file():
        raise ReaderError("not a file")
    if path.stat().st_size == 0:
        raise ReaderError("empty file (0 bytes)")
    head = read_head(path)
    if not head.strip():
        raise ReaderError("empty file (only whitespace)")
    if b"\x00" in head[:4096] and not head.startswith(b"%PDF"):
        raise ReaderError("binary content (NUL bytes): not a document format medcite reads")
    for reader in readers():
        if reader.sniff(path, head):
            return reader
    raise ReaderError(
        "unknown format: not PubMed/MEDLINE XML or text, JATS, PubMedQA, BioASQ, MedQuAD, "
        "NGC, MedlinePlus, Markdown, HTML, plain text or PDF"
    )


__all__ = ["ReadError", "Reader", "ReaderError", "detect", "readers"]
