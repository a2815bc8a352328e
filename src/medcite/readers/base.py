"""The reader interface: one module per input format, detected from content.

A reader never touches the store. It turns one file into a stream of
:class:`~medcite.model.Document` objects and :class:`~medcite.model.ReadError`
records (a bad record inside an otherwise good file). A file that cannot be
read at all raises :class:`ReaderError` with a reason a person can act on.
"""

from __future__ import annotations

import gzip
import re
import zlib
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from lxml import etree

from medcite.model import Document, ReadError

#: How many leading bytes ``sniff`` sees.
HEAD_BYTES = 65536


class ReaderError(Exception):
    """The whole file cannot be read; ``str(err)`` is the reason."""


class Reader(Protocol):
    """A format reader.

    Attributes
    ----------
    name
        Short format name shown in summaries (``"pubmed-xml"``).
    """

    name: str

    def sniff(self, path: Path, head: bytes) -> bool:
        """Return True when ``head`` (the first bytes, decompressed) is this format."""
        ...

    def read(self, path: Path) -> Iterator[Document | ReadError]:
        """Yield the documents of ``path`` (and per-record errors)."""
        ...


def is_gzip(path: Path) -> bool:
    with open(path, "rb") as fh:
        return fh.read(2) == b"\x1f\x8b"


_UTF16_DECL = re.compile(rb"""(<\?xml[^>]*?encoding\s*=\s*["'])utf-?16(?:[lb]e)?(["'])""", re.I)


def utf16_to_utf8(data: bytes) -> bytes:
    """UTF-16 text (marked by its byte-order mark) as UTF-8, its XML declaration corrected.

    Every reader handles UTF-8; without this a UTF-16 file (common for XML
    saved on Windows) looks like binary content because of its NUL bytes.

    >>> utf16_to_utf8('<?xml version="1.0" encoding="UTF-16"?><a>é</a>'.encode("utf-16"))
    b'<?xml version="1.0" encoding="UTF-8"?><a>\\xc3\\xa9</a>'
    """
    if not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data
    # A head cut mid-character: drop the odd byte rather than fail.
    text = data[: len(data) - len(data) % 2].decode("utf-16", errors="replace")
    return _UTF16_DECL.sub(rb"\1UTF-8\2", text.encode("utf-8"), count=1)


def read_head(path: Path, n: int = HEAD_BYTES) -> bytes:
    """The first ``n`` bytes of the file, decompressed when it is gzip, UTF-16 transcoded to UTF-8."""
    try:
        if is_gzip(path):
            with gzip.open(path, "rb") as gz:
                return utf16_to_utf8(gz.read(n))
        with open(path, "rb") as fh:
            return utf16_to_utf8(fh.read(n))
    except EOFError as exc:
        raise ReaderError("truncated gzip: the compressed stream ends early; re-download the file") from exc
    except (OSError, zlib.error) as exc:
        raise ReaderError(f"corrupt gzip or unreadable file: {exc}") from exc


@dataclass(frozen=True, slots=True)
class ReadLimits:
    """How far a compressed file may expand (bytes, and times its compressed size)."""

    max_expanded: int = 1024**3
    max_ratio: float = 50.0
    #: Below this many expanded bytes the ratio is not checked (tiny files compress well).
    ratio_floor: int = 16 * 1024**2
    #: A single-document file (Markdown, HTML, text) larger than this is refused before it is read.
    max_document_bytes: int = 32 * 1024**2


#: The limits of the ingest in progress; :class:`medcite.ingest.Ingester` sets them
#: from its settings for the duration of a run (a context, not a global setting).
READ_LIMITS: ContextVar[ReadLimits | None] = ContextVar("medcite_read_limits", default=None)
_CHUNK = 1024**2


def _gunzip(path: Path, limits: ReadLimits) -> bytes:
    """Decompress while counting, so a gzip bomb is refused before it fills memory."""
    packed = max(1, path.stat().st_size)
    parts: list[bytes] = []
    total = 0
    with gzip.open(path, "rb") as gz:
        while True:
            chunk = gz.read(_CHUNK)
            if not chunk:
                break
            total += len(chunk)
            if total > limits.max_expanded:
                raise ReaderError(
                    f"expands beyond {limits.max_expanded / 1024**2:.0f} MiB when decompressed (a decompression "
                    "bomb, or a file to split); raise --max-expanded-size if it is genuine"
                )
            if total > limits.ratio_floor and total / packed > limits.max_ratio:
                raise ReaderError(
                    f"expands more than {limits.max_ratio:.0f} times its compressed size ({packed:,} bytes): "
                    "a decompression bomb, not a document; raise --max-expansion-ratio if it is genuine"
                )
            parts.append(chunk)
    return b"".join(parts)


def read_bytes(path: Path) -> bytes:
    """The whole file, decompressed when gzip (within :data:`READ_LIMITS`); truncated gzip is a ReaderError."""
    try:
        if is_gzip(path):
            return utf16_to_utf8(_gunzip(path, READ_LIMITS.get() or ReadLimits()))
        return utf16_to_utf8(path.read_bytes())
    except EOFError as exc:
        raise ReaderError("truncated gzip: the compressed stream ends early; re-download the file") from exc
    except (OSError, zlib.error) as exc:
        raise ReaderError(f"corrupt gzip or unreadable file: {exc}") from exc


def decode_text(data: bytes, path: Path) -> str:
    """Decode bytes as UTF-8 (with BOM), falling back to cp1252 with a clear error on binary."""
    if b"\x00" in data[:4096]:
        raise ReaderError("binary content (NUL bytes): not a text format medcite reads")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        try:
            return data.decode("cp1252")
        except UnicodeDecodeError:
            raise ReaderError(
                f"not valid UTF-8 (byte {exc.start}: {data[exc.start:exc.start + 1]!r}); "
                "re-save the file as UTF-8"
            ) from exc


#: Offline and safe: no entity expansion (XXE), no DTD loading, no network.
SAFE_XML_PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, load_dtd=False, huge_tree=True, remove_comments=True
)


def xml_advice(message: str) -> str:
    """What to do about an XML parse error, by its cause.

    >>> xml_advice("Detected an entity reference loop")
    'it defines entities that expand into one another (a "billion laughs" attack); medcite never expands them: remove the entity definitions'
    >>> xml_advice("Premature end of data in tag x")
    'the file is damaged or truncated, download it again'
    """
    m = message.lower()
    if "entity reference loop" in m or "amplification" in m or ("entity" in m and "exceeded" in m):
        return ('it defines entities that expand into one another (a "billion laughs" attack); medcite never '
                "expands them: remove the entity definitions")
    return "the file is damaged or truncated, download it again"


def parse_xml(path: Path, what_to_do: str) -> etree._Element:
    """Parse a whole (possibly gzipped) XML file safely.

    Raises
    ------
    ReaderError
        Malformed XML, with line and column, then ``what_to_do``.
    """
    data = read_bytes(path)
    try:
        return etree.fromstring(data, SAFE_XML_PARSER)
    except etree.XMLSyntaxError as exc:
        line, col = exc.position if exc.position else (0, 0)
        advice = xml_advice(exc.msg) if "entit" in exc.msg.lower() else what_to_do
        raise ReaderError(f"malformed XML at line {line}, column {col}: {exc.msg}; {advice}") from exc


__all__ = [
    "HEAD_BYTES",
    "READ_LIMITS",
    "SAFE_XML_PARSER",
    "ReadError",
    "ReadLimits",
    "Reader",
    "ReaderError",
    "decode_text",
    "is_gzip",
    "parse_xml",
    "read_bytes",
    "read_head",
    "xml_advice",
]
