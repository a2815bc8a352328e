"""Slugs and question keys: private article URLs and "same question" matching."""

from __future__ import annotations

import hashlib
import re
import secrets
import unicodedata

_SPACE = re.compile(r"\s+")


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


SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,90}$")


def private_slug() -> str:
    """A random slug: the article's private link, unguessable and free of question text.

    128 random bits in lower-case base 32 (26 characters), the entropy of a
    session token: whoever holds the link may read the article, nobody can
    find it by guessing or from what was asked.

    >>> s = private_slug(); len(s), bool(SLUG_RE.match(s))
    (26, True)
    """
    import base64

    return base64.b32encode(secrets.token_bytes(16)).decode("ascii").rstrip("=").lower()


def owner_id(kind: str, value: str) -> str:
    """The stored owner of a question: a hash, so the article file names no one.

    >>> owner_id("user", "rita") == owner_id("user", "rita") != owner_id("browser", "rita")
    True
    """
    return hashlib.sha256(f"{kind}:{value}".encode()).hexdigest()[:32]


def owned_key(owner: str, plain_key: str) -> str:
    """The unique key of a private question: the same words from two askers are two articles."""
    return f"{owner}#{plain_key}"
