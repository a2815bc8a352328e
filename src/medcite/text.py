"""Text utilities used by readers and the store: cleaning and sentence offsets.

Everything here is a pure function. Sentence boundaries are found with a
rule-based splitter tuned for biomedical prose (abbreviations such as
"e.g.", "et al.", "Fig.", decimals such as "3.5 mm", enumerations such as
"(i)"). A statistical splitter (e.g. scispaCy) would be slightly better, but
needs a model download; this one is deterministic, fast and offline.
"""

from __future__ import annotations

import html
import re
import unicodedata

import ftfy as _ftfy  # repairs double-encoded UTF-8 ("Â®", "â€™") far better than rules

from medcite.model import Document, FieldName, Section, SourceKind

_WS = re.compile(r"[ \t\r\f\v\u00a0]+")
_MULTI_NL = re.compile(r"\n\s*\n\s*(\n\s*)*")
# A tag starts with a letter, "/" or "!" and contains no "<": "<14 days" is text.
_TAG = re.compile(r"<[/!]?[A-Za-z][^<>]{0,2000}>")
_BLOCK_TAG = re.compile(
    r"</?(p|div|br|li|ul|ol|h[1-6]|tr|table|section|blockquote|dd|dt)\b[^>]*>", re.I
)
_MOJIBAKE_HINT = re.compile("[ÂÃâ][\u0080-\u00bf\u2018-\u203a\u20ac\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u02c6\u02dc]")


def fix_mojibake(text: str) -> str:
    """Repair double-encoded UTF-8 such as ``"CriteriaÂ®"`` -> ``"Criteria®"``."""
    if not _MOJIBAKE_HINT.search(text):
        return text
    # uncurl_quotes=False: repair encoding only, never change the characters
    # a source printed (quotes must stay exact).
    return str(_ftfy.fix_text(text, normalization="NFC", uncurl_quotes=False))


def normalize_ws(text: str) -> str:
    """Collapse runs of spaces; keep paragraph breaks as a single blank line."""
    lines = [_WS.sub(" ", ln).strip() for ln in text.split("\n")]
    out = "\n".join(lines)
    out = _MULTI_NL.sub("\n\n", out)
    return out.strip()


def html_to_text(fragment: str, *, unescape_times: int = 2) -> str:
    """Turn an HTML fragment (possibly escaped once or twice) into plain text.

    Block elements become line breaks, list items get a leading ``"- "``,
    other tags are dropped and entities are decoded.
    """
    s = fragment
    for _ in range(unescape_times):
        if "&lt;" in s or "&amp;" in s or "&gt;" in s or "&quot;" in s or "&#" in s:
            s = html.unescape(s)
    s = re.sub(r"<li\b[^>]*>", "\n- ", s, flags=re.I)
    s = re.sub(r"</li\s*>", "", s, flags=re.I)
    s = _BLOCK_TAG.sub("\n", s)
    s = _TAG.sub("", s)
    s = html.unescape(s)
    return normalize_ws(fix_mojibake(s))


_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def strip_controls(text: str) -> str:
    """``text`` without C0 control characters other than tab, newline and carriage return.

    >>> strip_controls("a" + chr(0) + "b" + chr(7) + "c")
    'abc'
    """
    return _CONTROLS.sub("", text)


def clean(text: str) -> str:
    """Normalise a plain-text field: NFC, mojibake repair, whitespace."""
    return normalize_ws(unicodedata.normalize("NFC", fix_mojibake(text)))


# --------------------------------------------------------------------------
# Sentence splitting
# --------------------------------------------------------------------------

_ABBREV = {
    "e.g", "i.e", "al", "fig", "figs", "vs", "etc", "approx", "ca", "cf", "dr", "mr",
    "mrs", "prof", "no", "nos", "vol", "p", "pp", "st", "jr", "sr", "inc", "ltd",
    "co", "dept", "univ", "eq", "ref", "refs", "resp", "jan", "feb", "mar", "apr", "jun",
    "jul", "aug", "sep", "sept", "oct", "nov", "dec", "u.s", "spp", "sp", "incl", "viz",
}
# Units ("500 ms.", "30 min.") are deliberately absent: in clinical text they end
# sentences far more often than they abbreviate mid-sentence.
# A candidate boundary: terminal punctuation, optional closing quotes or
# brackets, then whitespace, then something that can start a sentence.
_BOUNDARY = re.compile(r"([.!?])([\"'”’)\]]*)(\s+)(?=[\"'“‘(\[]?[A-Z0-9•\-–])")
_BULLET_BREAK = re.compile(r"\n+")


def _ends_with_abbrev(text: str, dot_pos: int) -> bool:
    """True when the ``.`` at ``dot_pos`` closes an abbreviation or initial."""
    j = dot_pos
    while j > 0 and (text[j - 1].isalpha() or text[j - 1] == "."):
        j -= 1
    word = text[j:dot_pos].lower()
    if not word:
        return False
    if word in _ABBREV:
        return True
    # Single capital initial ("J. Smith") or dotted acronym ("U.S.").
    if len(word) == 1 and text[j].isupper():
        return True
    return "." in word and len(word) <= 6


def split_sentences(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Return sentence spans ``(s, e)`` inside ``text[start:end]``.

    Spans are trimmed of surrounding whitespace and never empty. Line breaks
    always end a sentence (list items and headings are separate units).
    """
    if end is None:
        end = len(text)
    spans: list[tuple[int, int]] = []
    pos = start
    for line_match in re.finditer(r"[^\n]+", text[start:end]):
        ls = start + line_match.start()
        le = start + line_match.end()
        pos = ls
        for m in _BOUNDARY.finditer(text, ls, le):
            punct_pos = m.start(1)
            if m.group(1) == "." and _ends_with_abbrev(text, punct_pos):
                continue
            # Decimal like "3." followed by digit is excluded by needing \s.
            cut = m.end(2)
            spans.append((pos, cut))
            pos = m.end(3)
        spans.append((pos, le))
    out: list[tuple[int, int]] = []
    for s, e in spans:
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if e > s and any(ch.isalnum() for ch in text[s:e]):
            out.append((s, e))
    return out


# --------------------------------------------------------------------------
# Building documents with exact offsets
# --------------------------------------------------------------------------


class DocumentBuilder:
    """Accumulate sections and produce a :class:`Document` with exact offsets.

    Sections are joined with a blank line; each section's ``start``/``end``
    point at its own text inside the joined ``Document.text``.

    Examples
    --------
    >>> b = DocumentBuilder()
    >>> _ = b.add("Background", "Veins carry blood.")
    >>> _ = b.add("", "Valves fail.", field="recommendation", grade="A")
    >>> doc = b.build(id="local:x", source_kind="guideline", title="X")
    >>> doc.text[doc.sections[1].start:doc.sections[1].end]
    'Valves fail.'
    """

    def __init__(self) -> None:
        self._parts: list[str] = []
        self._sections: list[Section] = []
        self._len = 0

    def add(
        self,
        heading: str,
        text: str,
        *,
        field: FieldName = "body",
        grade: str | None = None,
        level: str | None = None,
        label: str | None = None,
    ) -> Section | None:
        """Append a section; empty text is ignored (returns ``None``).

        NUL and other control characters (not tab or newline) are removed here,
        before offsets exist: SQLite's ``substr`` stops at a NUL, which would
        silently cut every passage after it.
        """
        body = strip_controls(text).strip()
        heading = strip_controls(heading)
        if not body:
            return None
        if self._parts:
            self._parts.append("\n\n")
            self._len += 2
        start = self._len
        self._parts.append(body)
        self._len += len(body)
        sec = Section(
            heading=heading.strip(),
            start=start,
            end=self._len,
            field=field,
            grade=grade,
            level=level,
            label=label,
        )
        self._sections.append(sec)
        return sec

    @property
    def empty(self) -> bool:
        return not self._sections

    def build(self, *, id: str, source_kind: SourceKind, title: str, **meta: object) -> Document:
        """Create the document; ``meta`` are other :class:`Document` fields."""
        doc = Document(
            id=id,
            source_kind=source_kind,
            title=strip_controls(title).strip(),
            text="".join(self._parts),
            sections=list(self._sections),
        )
        for key, value in meta.items():
            if not hasattr(doc, key):
                raise TypeError(f"Document has no field {key!r}")
            setattr(doc, key, value)
        return doc
