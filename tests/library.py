"""Building small test libraries of invented documents (Markdown files with front matter)."""

from __future__ import annotations


def sections_doc(title: str, kind: str, paragraphs: list[str]) -> str:
    """A Markdown document titled ``title`` of source ``kind`` with one section per paragraph."""
    body = "\n\n".join(f"## Part {i}\n\n{p}" for i, p in enumerate(paragraphs, 1))
    return f"---\ntitle: {title}\nkind: {kind}\n---\n# {title}\n\n{body}\n"
