"""Article <-> JSON (the public JSON contract of ``medcite ask --format json``).

Top level: ``question``, ``audience``, ``answerable``, ``sections`` (each with
``title``, ``kind``, ``statements``, ``subsections``), ``references`` (each
``n``, ``doc_id``, ``title``, ``source_kind``, ``year``, ``url``, ``pmid``,
``evidence_level``), ``disclaimer``, ``follow_up_questions``. Every statement
has ``text``, ``citations`` and ``evidence`` (``ref``, ``doc_id``, ``quote``,
``start``, ``end``).
"""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any, cast

from medcite.model import (
    Article,
    ArticleSection,
    Audience,
    Facet,
    Quote,
    Reference,
    SourceKind,
    Statement,
)


def article_to_dict(article: Article) -> dict[str, Any]:
    """A JSON-ready dict; keys follow the documented contract."""
    return asdict(article)


def article_to_json(article: Article, *, indent: int | None = 2) -> str:
    return json.dumps(article_to_dict(article), ensure_ascii=False, indent=indent)


def _statement(d: dict[str, Any]) -> Statement:
    return Statement(
        text=d["text"],
        citations=list(d.get("citations", [])),
        evidence=[Quote(**q) for q in d.get("evidence", [])],
        facet=cast(Facet, d.get("facet", "other")),
        edited=bool(d.get("edited", False)),
        generated=bool(d.get("generated", False)),
        verification=d.get("verification"),
    )


def _section(d: dict[str, Any]) -> ArticleSection:
    return ArticleSection(
        title=d["title"],
        kind=d["kind"],
        statements=[_statement(s) for s in d.get("statements", [])],
        subsections=[_section(s) for s in d.get("subsections", [])],
        note=d.get("note"),
    )


def article_from_dict(d: dict[str, Any]) -> Article:
    """Inverse of :func:`article_to_dict` (unknown keys are ignored)."""
    refs = [
        Reference(**{k: v for k, v in r.items() if k in Reference.__dataclass_fields__}) for r in d.get("references", [])
    ]
    for r in refs:
        r.source_kind = cast(SourceKind, r.source_kind)
    return Article(
        question=d["question"],
        audience=cast(Audience, d["audience"]),
        answerable=bool(d["answerable"]),
        sections=[_section(s) for s in d.get("sections", [])],
        references=refs,
        disclaimer=d.get("disclaimer", ""),
        follow_up_questions=list(d.get("follow_up_questions", [])),
        focus=d.get("focus", ""),
        facets=list(d.get("facets", [])),
        notes=list(d.get("notes", [])),
        thread_id=d.get("thread_id"),
        generated_at=d.get("generated_at"),
        sub_questions=list(d.get("sub_questions", [])),
        uncovered=list(d.get("uncovered", [])),
        abstention=d.get("abstention"),
        generation=d.get("generation"),
    )


def article_from_json(text: str) -> Article:
    return article_from_dict(json.loads(text))
