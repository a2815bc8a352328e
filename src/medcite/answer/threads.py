"""Conversation threads: ``<home>/threads.sqlite``.

A thread is a sequence of analysed questions; a follow-up ("what about in
pregnancy?") is analysed against the last turn's Query. Threads live in
their own SQLite file so the evidence store stays read-only for ``ask``.
"""

from __future__ import annotations

import json
import sqlite3
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import cast

from medcite.model import Audience, Facet, Query
from medcite.store.db import StoreError

THREADS_FILENAME = "threads.sqlite"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS threads (
    id         TEXT PRIMARY KEY,
    created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS turns (
    thread_id  TEXT NOT NULL REFERENCES threads(id) ON DELETE CASCADE,
    idx        INTEGER NOT NULL,
    question   TEXT NOT NULL,
    query      TEXT NOT NULL,
    answerable INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (thread_id, idx)
);
"""


class ThreadNotFound(StoreError):
    def __init__(self, thread_id: str) -> None:
        super().__init__(f"no conversation thread {thread_id!r}; omit --thread to start a new one")


def _now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def query_to_json(q: Query) -> str:
    return json.dumps(
        {"question": q.question, "focus": q.focus, "synonyms": q.synonyms, "facets": q.facets,
         "audience": q.audience, "qualifiers": q.qualifiers, "is_definition": q.is_definition,
         "intents": q.intents},
        ensure_ascii=False,
    )


def query_from_json(text: str) -> Query:
    d = json.loads(text)
    return Query(
        question=d["question"], focus=d["focus"], synonyms=list(d.get("synonyms", [])),
        facets=[cast(Facet, f) for f in d.get("facets", [])], audience=cast(Audience, d.get("audience", "clinician")),
        qualifiers=list(d.get("qualifiers", [])), is_definition=bool(d.get("is_definition", False)),
        intents=list(d.get("intents", [])),
    )


class ThreadStore:
    """Threads in one SQLite file (created on first use)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.conn = sqlite3.connect(self.path, timeout=30.0, isolation_level=None)
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute("PRAGMA foreign_keys=ON")
        self.conn.executescript(_SCHEMA)

    def create(self) -> str:
        tid = uuid.uuid4().hex[:12]
        self.conn.execute("INSERT INTO threads(id, created_at) VALUES (?, ?)", (tid, _now()))
        return tid

    def exists(self, thread_id: str) -> bool:
        return self.conn.execute("SELECT 1 FROM threads WHERE id = ?", (thread_id,)).fetchone() is not None

    def last_query(self, thread_id: str) -> Query | None:
        """The last answerable turn's Query (raises :class:`ThreadNotFound`)."""
        if not self.exists(thread_id):
            raise ThreadNotFound(thread_id)
        row = self.conn.execute(
            "SELECT query FROM turns WHERE thread_id = ? AND answerable = 1 ORDER BY idx DESC LIMIT 1", (thread_id,)
        ).fetchone()
        return query_from_json(row[0]) if row else None

    def append(self, thread_id: str, query: Query, *, answerable: bool) -> int:
        """Record a turn; returns its index."""
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            (n,) = self.conn.execute("SELECT count(*) FROM turns WHERE thread_id = ?", (thread_id,)).fetchone()
            self.conn.execute(
                "INSERT INTO turns(thread_id, idx, question, query, answerable, created_at) VALUES (?,?,?,?,?,?)",
                (thread_id, n, query.question, query_to_json(query), int(answerable), _now()),
            )
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")
        return int(n)

    def turns(self, thread_id: str) -> list[tuple[str, Query]]:
        return [
            (r[0], query_from_json(r[1]))
            for r in self.conn.execute(
                "SELECT question, query FROM turns WHERE thread_id = ? ORDER BY idx", (thread_id,)
            )
        ]

    def close(self) -> None:
        self.conn.close()
