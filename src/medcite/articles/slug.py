"""Slugs and question keys: stable article URLs and "same question" matching."""

from __future__ import annotations

import re
import unicodedata

_NON_WORD = re.compile(r"[^a-z0-9]+")
_SPACE = re.compile(r"\s+")
MAX_SLUG = 80


def question_key(question: str, parent: int | None = None) -> str:
    """A normalised key: case, spacing and end punctuation do not make a new question.

    A follow-up is keyed with its parent article, since "what about in
    pregnancy?" means something different in every thread.

    >>> question_key("  What is  Gout? ") == question_key("what is gout")
    True
    >>> question_key("what about children?", 7)
    '7|what about children'
    """
    q = unicodedata.normalize("NFKC", question).casefold()
    q = _SPACE.sub(" ", q).strip().rstrip("?.!… ").strip()
    return f"{parent}|{q}" if parent is not None else q


def slugify(text: str, max_len: int = MAX_SLUG) -> str:
    """ASCII, lower-case, hyphenated, cut at a word boundary.

    >>> slugify("What is venous insufficiency (venous reflux)?")
    'what-is-venous-insufficiency-venous-reflux'
    >>> slugify("¿Qué?")
    'que'
    """
    ascii_ = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    slug = _NON_WORD.sub("-", ascii_).strip("-")
    if len(slug) > max_len:
        slug = slug[:max_len].rsplit("-", 1)[0]
    return slug or "article"


def unique_slug(base: str, taken: set[str] | frozenset[str]) -> str:
    """``base``, else ``base-2``, ``base-3``, ... whichever is free.

    >>> unique_slug("gout", {"gout", "gout-2"})
    'gout-3'
    """
    if base not in taken:
        return base
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"


SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,90}$")
