"""A small, safe Markdown subset for the editorial policy (headings, paragraphs, lists, emphasis, links).

Everything is escaped first; only http(s), mailto and site-relative link
targets survive, so an operator's policy file cannot inject markup.
"""

from __future__ import annotations

import re

from markupsafe import Markup, escape

_LINK = re.compile(r"\[([^\]]+)\]\(([^)\s]+)\)")
_BOLD = re.compile(r"\*\*(.+?)\*\*")
_ITAL = re.compile(r"(?<![*\w])\*(?!\s)(.+?)(?<!\s)\*(?![*\w])")


def _inline(text: str) -> str:
    out = str(escape(text))

    def link(m: re.Match[str]) -> str:
        label, url = m.group(1), m.group(2)
        if not (url.startswith(("https://", "http://", "mailto:")) or (url.startswith("/") and not url.startswith("//"))):
            return label
        return f'<a href="{url}">{label}</a>'

    out = _LINK.sub(link, out)
    out = _BOLD.sub(r"<strong>\1</strong>", out)
    return _ITAL.sub(r"<em>\1</em>", out)


def render_markdown(text: str) -> Markup:
    """Markdown subset → HTML.

    >>> str(render_markdown("# Policy\\n\\nWe **review** <b>all</b>.\\n\\n- one\\n- two"))
    '<h1>Policy</h1>\\n<p>We <strong>review</strong> &lt;b&gt;all&lt;/b&gt;.</p>\\n<ul><li>one</li><li>two</li></ul>'
    """
    blocks: list[str] = []
    para: list[str] = []
    items: list[str] = []
    ordered = False

    def flush() -> None:
        nonlocal para, items
        if para:
            blocks.append(f"<p>{_inline(' '.join(para))}</p>")
            para = []
        if items:
            tag = "ol" if ordered else "ul"
            blocks.append(f"<{tag}>" + "".join(f"<li>{_inline(i)}</li>" for i in items) + f"</{tag}>")
            items = []

    for raw in text.splitlines():
        line = raw.strip()
        heading = re.match(r"^(#{1,4})\s+(.*)$", line)
        bullet = re.match(r"^[-*]\s+(.*)$", line)
        number = re.match(r"^\d+[.)]\s+(.*)$", line)
        if not line:
            flush()
        elif heading:
            flush()
            n = len(heading.group(1))
            blocks.append(f"<h{n}>{_inline(heading.group(2))}</h{n}>")
        elif bullet or number:
            if para:
                flush()
            new_ordered = number is not None
            if items and new_ordered != ordered:
                flush()
            ordered = new_ordered
            items.append((bullet or number).group(1))  # type: ignore[union-attr]
        elif items and raw.startswith((" ", "\t")):
            items[-1] += " " + line
        else:
            if items:
                flush()
            para.append(line)
    flush()
    return Markup("\n".join(blocks))
