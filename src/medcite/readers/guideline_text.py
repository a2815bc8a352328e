"""Helpers shared by the guideline readers (NGC summaries, local files).

Two jobs:

* :func:`html_blocks` turns an HTML fragment into a flat list of
  :class:`Block` (heading, paragraph, list item, table) so a reader can keep
  the document's structure (which sub-heading a recommendation sits under)
  instead of flattening everything into one string.
* :func:`find_grade` / :func:`split_units` find evidence grades *as printed*
  ("[Grade - 2; Level of Evidence - C]", "(B recommendation)", "(+1B)",
  "Strength of recommendation: Strong") so each graded recommendation can
  become its own section.

Grading systems differ wildly between developers, so the grade parser is
pattern based and conservative: a bracketed group only counts as a grade when
it sits at a sentence boundary and its content looks like a grade (a grade
word or a short grade code). The printed string is kept unchanged; nothing is
normalised, because a reader of the answer must be able to find it in the
source.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Literal

import lxml.html
from lxml import etree

from medcite.text import clean

BlockKind = Literal["heading", "para", "item", "table"]


@dataclass(slots=True)
class Block:
    """One structural unit of an HTML fragment.

    Parameters
    ----------
    kind
        ``"heading"``, ``"para"``, ``"item"`` (a list item) or ``"table"``.
    text
        Cleaned text (entities decoded, mojibake repaired, whitespace collapsed).
    depth
        List nesting depth for items (1 = top-level list).
    """

    kind: BlockKind
    text: str
    depth: int = 0


# --------------------------------------------------------------------------
# HTML -> blocks
# --------------------------------------------------------------------------

# Escaped tags ("&lt;p&gt;") after XML parsing mean the HTML was escaped twice.
_ESCAPED_TAG = re.compile(r"&lt;/?(?:p|div|li|ul|ol|strong|em|span|table|tr|td|br|a|h[1-6])\b", re.I)
_HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
_LISTS = {"ul", "ol"}
_SKIP = {"script", "style", "img", "head", "noscript", "template"}
_EMPHASIS = {"strong", "b", "u", "em", "i", "span", "font"}
# In HTML, source line breaks are just spaces; only <br> and blocks break lines.
_HTML_WS = re.compile(r"\s+")
_BLOCKISH = {"p", "div", "section", "article", "blockquote", "li", "dd", "dt", "tr", "br", "table"}


def unescape_twice(value: str) -> str:
    """Undo the second level of HTML escaping some NGC fields carry."""
    if _ESCAPED_TAG.search(value):
        return html.unescape(value)
    return value


def _inline_text(el: etree._Element, *, skip_nested: bool) -> str:
    """Text of ``el`` with ``<br>`` and inner block elements as line breaks.

    With ``skip_nested`` the nested lists and tables are left out (they become
    blocks of their own), but their tails are kept.
    """
    parts: list[str] = []

    def walk(e: etree._Element, is_root: bool) -> None:
        tag = e.tag if isinstance(e.tag, str) else ""
        if tag == "br":
            parts.append("\n")
        elif not tag or tag in _SKIP or (skip_nested and not is_root and tag in (_LISTS | {"table"})):
            pass  # comments, images, nested structures handled elsewhere
        else:
            if tag in _BLOCKISH and not is_root:
                parts.append("\n")
            if e.text:
                parts.append(_HTML_WS.sub(" ", e.text))
            for child in e:
                walk(child, False)
            if tag in _BLOCKISH and not is_root:
                parts.append("\n")
        if not is_root and e.tail:
            parts.append(_HTML_WS.sub(" ", e.tail))

    walk(el, True)
    return clean("".join(parts))


def _is_emphasis_only(el: etree._Element) -> bool:
    """True when all text of ``el`` sits inside bold/underline/italic markup."""
    if el.text and el.text.strip():
        return False
    has_emph = False
    for child in el:
        tag = child.tag if isinstance(child.tag, str) else ""
        if tag == "br":
            pass
        elif tag in _EMPHASIS:
            has_emph = has_emph or bool("".join(map(str, child.itertext())).strip())
        else:
            return False
        if child.tail and child.tail.strip():
            return False
    return has_emph


def _table_text(table: etree._Element) -> str:
    """One line per row; a data row names its column headers, so it is citable on its own.

    A threshold table ("Test | Normal | Diabetes" / "Fasting glucose | <100 | >=126")
    becomes ``Test: Fasting glucose; Normal: <100; Diabetes: >=126.`` -- a
    sentence that carries the number with what it measures. Rows whose cells
    do not line up with the header (spans) keep the plain ``a | b`` form.
    """
    rows: list[tuple[list[str], bool]] = []
    for tr in table.iter("tr"):
        tds = [td for td in tr if td.tag in ("td", "th")]
        cells = [_inline_text(td, skip_nested=False).replace("\n", " ").strip() for td in tds]
        if any(cells):
            rows.append((cells, all(td.tag == "th" for td in tds)))
    if not rows:
        return ""
    first, is_th = rows[0]
    looks_header = is_th or (
        len(rows) > 1 and len(first) > 1 and all(c and len(c.split()) <= 8 and not any(ch.isdigit() for ch in c)
                                                 for c in first)
    )
    lines: list[str] = []
    for i, (cells, _th) in enumerate(rows):
        if looks_header and i > 0 and len(cells) == len(first) and sum(1 for c in cells if c) > 1:
            parts = [f"{h}: {c}" if h else c for h, c in zip(first, cells, strict=True) if c]
            line = "; ".join(parts)
            lines.append(line if line.endswith((".", "!", "?")) else line + ".")
        else:
            lines.append(" | ".join(c for c in cells if c))
    return "\n".join(lines)


def _walk_list(lst: etree._Element, out: list[Block], depth: int) -> None:
    """Emit one ``item`` block per ``<li>``; nested lists go one level deeper."""
    for li in lst:
        tag = li.tag if isinstance(li.tag, str) else ""
        if tag in _LISTS:  # malformed HTML: a list directly inside a list
            _walk_list(li, out, depth + 1)
        elif tag and tag not in _SKIP:
            text = _inline_text(li, skip_nested=True)
            if text:
                out.append(Block("item", text, depth + 1))
            for sub in li:
                if sub.tag == "table":
                    _add_table(sub, out)
                elif sub.tag in _LISTS:
                    _walk_list(sub, out, depth + 1)
        if li.tail and li.tail.strip():
            out.append(Block("item", clean(_HTML_WS.sub(" ", li.tail)), depth + 1))


def _walk_blocks(el: etree._Element, out: list[Block], depth: int) -> None:
    if el.text and el.text.strip():
        out.append(Block("para", clean(_HTML_WS.sub(" ", el.text))))
    for child in el:
        tag = child.tag if isinstance(child.tag, str) else ""
        if not tag or tag in _SKIP:
            pass
        elif tag in _HEADINGS:
            text = _inline_text(child, skip_nested=False)
            if text:
                out.append(Block("heading", text.replace("\n", " ")))
        elif tag == "p":
            text = _inline_text(child, skip_nested=False)
            if text:
                short = len(text) <= 160 and not text.endswith(".")
                kind: BlockKind = "heading" if short and _is_emphasis_only(child) else "para"
                out.append(Block(kind, text.replace("\n", " ") if kind == "heading" else text))
        elif tag in _LISTS:
            _walk_list(child, out, depth)
        elif tag == "table":
            _add_table(child, out)
        elif tag in ("div", "section", "article", "blockquote", "body", "html", "main", "dl", "center", "form"):
            _walk_blocks(child, out, depth)
        else:  # inline element or unknown block at top level: treat as a paragraph
            text = _inline_text(child, skip_nested=False)
            if text:
                out.append(Block("para", text))
        # Text after a block element (stray text between blocks) is its own paragraph.
        if child.tail and child.tail.strip():
            out.append(Block("para", clean(_HTML_WS.sub(" ", child.tail))))


def _add_table(table: etree._Element, out: list[Block]) -> None:
    text = clean(_table_text(table))
    if text:
        out.append(Block("table", text))


#: libxml2 drops what lies deeper than 255 elements unless told otherwise; deeper
#: still, the block walker's recursion is refused at the file boundary with a reason.
HTML_PARSER = lxml.html.HTMLParser(huge_tree=True)


def html_blocks(fragment: str) -> list[Block]:
    """Split an HTML fragment (escaped once or twice) into structural blocks.

    Parameters
    ----------
    fragment
        HTML text as found in the source (after XML attribute decoding).

    Returns
    -------
    list of Block
        Headings, paragraphs, list items and tables in document order.
    """
    value = unescape_twice(fragment)
    if not value.strip():
        return []
    if "<" not in value:
        text = clean(html.unescape(value))
        return [Block("para", text)] if text else []
    try:
        root = lxml.html.fragment_fromstring(value, create_parent="div", parser=HTML_PARSER)
    except (etree.ParserError, ValueError):
        text = clean(re.sub(r"<[^>]*>", " ", value))
        return [Block("para", text)] if text else []
    out: list[Block] = []
    _walk_blocks(root, out, 0)
    return out


def blocks_text(blocks: list[Block]) -> str:
    """Join blocks into readable text: list items get a ``"- "`` bullet."""
    lines = [("- " + b.text) if b.kind == "item" else b.text for b in blocks]
    return "\n".join(line for line in lines if line)


# --------------------------------------------------------------------------
# Grades
# --------------------------------------------------------------------------

_BRACKET = re.compile(r"[\(\[]([^()\[\]\n]{1,110})[\)\]]")
_GRADE_WORD = re.compile(
    r"\b(?:grades?|graded|level|class|strength|strong|weak|conditional|recommendation|quality|"
    r"LOE|LE|GR|BEL|SOR|GPP|CPP|PP|best practice|practice point|consensus|expert opinion|ungraded|"
    r"category|certainty|evidence)\b",
    re.I,
)
_GRADE_SOLO = re.compile(
    r"^(?:option|standard|guideline|insufficient|in favou?r|against|clinical principle|expert opinion|"
    r"good (?:clinical )?practice(?: point| statement)?|I statement|(?:not )?recommended|"
    r"(?:very )?low|moderate|high|EO|GCP|GPS|CB|RR|CPP)$",
    re.I,
)
# Short codes: "A", "1B", "+1B", "II-2", "III, B", "I-A", "2|++OO", "C+".
_CODE = re.compile(
    r"^(?:[+\-]?[1-4][A-Da-d]?[+\-]?|[A-DU][+\-]?|[1-4]\s*[|/]\s*[+O⊕○◯]+|[+O⊕○◯]{4}|"
    r"(?:I{1,3}|IV|V)(?:-[1-3])?(?:[-\s]?[A-Ea-eL])?|[A-E][-\s]?(?:I{1,3}|IV|V)|[A-D]-[A-D])$"
)
_NOT_GRADE = re.compile(r"\b(?:see|e\.g|i\.e|table|figure|fig|appendix|ref|p\s*[<=>]|n\s*=)\b|%|(?<!\+)\b\d{3,}|\bmg\b", re.I)
_LEVELISH = re.compile(r"\b(?:evidence|quality|LOE|LE|BEL|EL|certainty)\b|^(?:I{1,3}|IV|V)(?:-[1-3])?[a-c]?$", re.I)
_LINE_GRADE = re.compile(
    r"^\s*(?P<key>strength of (?:the )?recommendation|grade of recommendation|recommendation (?:strength|grade)|"
    r"grade|quality of (?:the )?evidence|level of evidence|evidence level|strength of (?:the )?evidence|"
    r"evidence grade|LOE)\s*[:=\-–]\s*(?P<val>[^\n]{1,80}?)\s*[.;]?\s*$",
    re.I | re.M,
)
_LEAD = re.compile(
    r"^(?P<g>(?:GPP|CPP|PP|RR|CP)\d*|(?:Grade|Level|Class)\s+[A-D0-9IV]{1,4}[a-c]?|[\(\[](?:[A-D]|[1-2][A-C]|I{1,3}|IV)[\)\]])"
    r"\s*(?:[-–:.]\s+|\s+(?=[A-Z]))"
)
_HEADING_GRADE = re.compile(r"^((?:Level|Grade|Class|Category)\s+[A-D0-9IV]{1,4}[a-c]?)(?:\s+Recommendations?)?:?$", re.I)


def looks_like_grade(content: str) -> bool:
    """True when bracket content such as ``"Grade 2B"`` or ``"III, B"`` is a grade."""
    s = content.strip()
    if not s or _NOT_GRADE.search(s) or len(s.split()) > 10:
        return False
    if _GRADE_SOLO.match(s) or _CODE.match(s):
        return True
    parts = [p.strip() for p in re.split(r"[;,]", s) if p.strip()]
    if parts and all(_CODE.match(p) for p in parts):
        return True
    return bool(_GRADE_WORD.search(s))


def split_grade(content: str) -> tuple[str | None, str | None]:
    """Split printed grade text into ``(grade, level)`` substrings, unchanged.

    Examples
    --------
    >>> split_grade("Grade - 2; Level of Evidence - C")
    ('Grade - 2', 'Level of Evidence - C')
    >>> split_grade("III, B")
    ('B', 'III')
    >>> split_grade("B recommendation")
    ('B recommendation', None)
    """
    parts = [p.strip() for p in re.split(r"\s*[;,]\s*", content.strip()) if p.strip()]
    if len(parts) <= 1:
        s = content.strip()
        # "Level II" (a Roman numeral) is an evidence level; "Level A"/"Level U" are AAN grades.
        roman_level = re.match(r"^Level\s+(?:I{1,3}|IV|V)(?:-[1-3])?$", s) is not None
        if roman_level or (_LEVELISH.search(s) and not re.search(r"\b(?:grade|recommendation|strong|weak)\b", s, re.I)):
            return None, s
        return s, None
    level = next((p for p in parts if _LEVELISH.search(p)), None)
    rest = [p for p in parts if p is not level]
    grade = next((p for p in rest if _CODE.match(p) or _GRADE_WORD.search(p) or _GRADE_SOLO.match(p)), None)
    if grade is None and rest:
        grade = rest[0]
    return grade, level


@dataclass(slots=True)
class GradedUnit:
    """One recommendation's text with its grade and level as printed."""

    text: str
    grade: str | None = None
    level: str | None = None


def _boundary_markers(text: str) -> list[re.Match[str]]:
    """Grade brackets that close a sentence: at the end, or followed by a new sentence."""
    found: list[re.Match[str]] = []
    for m in _BRACKET.finditer(text):
        if not looks_like_grade(m.group(1)):
            continue
        after = text[m.end():]
        at_end = re.match(r"\s*[)\]]*\s*[.;:]?\s*$", after) is not None
        before = text[: m.start()].rstrip()
        new_sentence = re.match(r"\s*[.;]?\s+[A-Z\"“(\[]", after) is not None and (
            before.endswith((".", "!", "?", ":")) or re.match(r"\s*[.;]", after) is not None
        )
        if at_end or new_sentence:
            found.append(m)
    return found


def split_units(text: str) -> list[GradedUnit]:
    """Split one block of recommendation text at its grade markers.

    A list item sometimes holds several recommendations, each followed by its
    own bracketed grade; each becomes a unit. Text without a marker stays one
    unit with ``grade=None`` (unless a leading or "Grade: X" line grade is found).
    """
    units: list[GradedUnit] = []
    pos = 0
    for m in _boundary_markers(text):
        end = m.end()
        tail = re.match(r"[ )\]]*[.;]?", text[end:])
        end += tail.end() if tail else 0
        grade, level = split_grade(m.group(1))
        units.append(GradedUnit(text[pos:end].strip(), grade, level))
        pos = end
    rest = text[pos:].strip()
    if rest:
        if units and len(rest) < 15:
            units[-1].text = (units[-1].text + " " + rest).strip()
        else:
            units.append(GradedUnit(rest, *_other_grade(rest)))
    return [u for u in units if u.text]


def _other_grade(text: str) -> tuple[str | None, str | None]:
    """Grades printed as a leading code ("GPP1 - ...") or as "Grade: X" lines."""
    grade: str | None = None
    level: str | None = None
    for m in _LINE_GRADE.finditer(text):
        key = m.group("key").lower()
        val = m.group(0).strip().rstrip(".;")
        if any(w in key for w in ("evidence", "loe")) and "recommendation" not in key:
            level = level or val
        else:
            grade = grade or val
    if grade is None:
        lead = _LEAD.match(text)
        if lead:
            grade = lead.group("g")
    return grade, level


def heading_grade(heading: str) -> str | None:
    """A grade carried by a heading such as "Level II Recommendations" or "Class I"."""
    m = _HEADING_GRADE.match(heading.strip())
    return m.group(1) if m else None


def is_grade_only(text: str) -> bool:
    """True for a block that is nothing but a grade ("(Grade B)", "Quality of evidence: Low")."""
    s = text.strip()
    if len(s) > 120:
        return False
    m = _BRACKET.fullmatch(s.rstrip("."))
    if m and looks_like_grade(m.group(1)):
        return True
    return all(_LINE_GRADE.match(line) for line in s.splitlines() if line.strip())


# --------------------------------------------------------------------------
# Recommendation sections
# --------------------------------------------------------------------------

# "Definitions" (the grading scheme printed after the recommendations), not
# "Definition Venous Leg Ulcer" (a clinical sub-heading).
_DEFS_HEADING = re.compile(
    r"^(?:definitions?|rating schemes?)\s*:?\s*$|"
    r"^definitions?\s+(?:of|for)\b[^.]{0,80}\b(?:grades?|levels?|evidence|recommendations?|strength|class)",
    re.I,
)
_NOTE = re.compile(r"^(?:Note from|Note:|NGC Note)|at the end of the \"?Major Recommendations\"? field", re.I)


@dataclass(slots=True)
class RecSection:
    """A section cut from a recommendations field.

    ``is_rec`` is False for editorial notes and tables, which are kept as
    body text rather than passed off as recommendations.
    """

    heading: str
    text: str
    grade: str | None = None
    level: str | None = None
    is_rec: bool = True


def recommendation_sections(blocks: list[Block], default_heading: str) -> tuple[list[RecSection], list[Block]]:
    """Cut recommendation blocks into one section per (graded) recommendation.

    Parameters
    ----------
    blocks
        The blocks of a recommendations field or chapter.
    default_heading
        Heading for recommendations printed before any sub-heading.

    Returns
    -------
    sections, definitions
        The recommendation sections in order, and the blocks after a
        "Definitions" heading (grading scheme definitions), which callers keep
        as a body section and as the rating scheme.
    """
    sections: list[RecSection] = []
    definitions: list[Block] = []
    heading, h_grade = default_heading, None
    i = 0
    while i < len(blocks):
        b = blocks[i]
        if definitions or (b.kind in ("heading", "para") and _DEFS_HEADING.match(b.text)
                           and "at the end" not in b.text):
            definitions.append(b)
            i += 1
            continue
        if b.kind == "heading":
            h_grade = heading_grade(b.text)
            heading = b.text.rstrip(":")
            i += 1
            continue
        if b.kind == "table":
            sections.append(RecSection(heading, b.text, is_rec=False))
            i += 1
            continue
        text, j = b.text, i + 1
        # A lead-in ("...should include:") owns the list that follows it, and a
        # short graded label ("Females (III, B)") owns its items too.
        label_marks = _boundary_markers(text) if len(text) < 60 else []
        if text.endswith(":") or label_marks:
            base = b.depth if b.kind == "item" else 0
            while j < len(blocks) and blocks[j].kind == "item" and blocks[j].depth > base:
                text += "\n- " + blocks[j].text
                j += 1
        # A grade printed on its own line belongs to the recommendation above it.
        while j < len(blocks) and blocks[j].kind in ("para", "item") and is_grade_only(blocks[j].text):
            text += "\n" + blocks[j].text
            j += 1
        if _NOTE.search(text):
            i = j
            sections.append(RecSection(heading, text, is_rec=False))
            continue
        if label_marks and j > i + 1:
            grade, level = split_grade(label_marks[-1].group(1))
            sections.append(RecSection(heading, text, grade, level))
            i = j
            continue
        i = j
        for unit in split_units(text):
            grade = unit.grade if unit.grade or unit.level else h_grade
            sections.append(RecSection(heading, unit.text, grade, unit.level))
    return sections, definitions


def root_start(head: bytes) -> bytes:
    """The bytes from the first element tag: skips BOM, XML declaration, DOCTYPE and comments."""
    s = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    while s.startswith((b"<?", b"<!")):
        if s.startswith(b"<!--"):
            end = s.find(b"-->") + 3
        elif s.startswith(b"<!DOCTYPE") and b"[" in s[: max(s.find(b">"), 0)]:
            # An internal subset holds its own ">" characters: skip to its closing "]>".
            close = s.find(b"]")
            end = s.find(b">", close) + 1 if close >= 0 else 0
        else:
            end = s.find(b">") + 1
        if end <= 0:
            return b""
        s = s[end:].lstrip()
    return s
