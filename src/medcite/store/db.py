"""The evidence store: documents, sections, sentences and passages in SQLite.

One writer (ingest) and many readers (search, ask, the web app). SQLite runs
in WAL mode so readers never block the writer; each thread gets its own
connection. All SQL uses bound parameters.
"""

from __future__ import annotations

import functools
import hashlib
import json
import sqlite3
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, fields, is_dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal, cast

from medcite.lexicon.mine import lexicon_entries
from medcite.model import Document, FieldName, Passage, Section, Sentence, SourceKind
from medcite.segment import passages_of, sentences_of
from medcite.sqlite import SQLiteFile
from medcite.store.schema import migrate, text_hash

UpsertResult = Literal["ingested", "updated", "unchanged", "duplicate"]

STORE_FILENAME = "medcite.sqlite"


class StoreError(Exception):
    """A problem with the store a user can act on (missing, locked, too new)."""


class DocumentNotFound(StoreError):
    def __init__(self, doc_id: str) -> None:
        super().__init__(f"no document {doc_id!r} in the store; `medcite search` finds ids")
        self.doc_id = doc_id


@dataclass(slots=True)
class FileRecord:
    path: str
    sha256: str
    size: int
    format: str | None
    status: str
    documents: int
    error: str | None
    pipeline: str = ""


def now_iso() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


#: Bump when readers or sentence/passage segmentation change what is stored for
#: the same input: files and documents written by another version are redone.
PIPELINE_VERSION = "5"


def document_hash(doc: Document) -> str:
    """A stable hash of everything stored for ``doc`` (and of the pipeline version)."""
    payload = PIPELINE_VERSION + json.dumps(_plain(doc), sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


_SCALARS = (str, int, float, bool, type(None))


def _plain(obj: Any) -> Any:
    """``dataclasses.asdict`` without its deep copies (the same JSON; asdict was ~6 % of ingest).

    Scalars return first and a dataclass's field names are looked up once per
    class: 60-80 ms -> 14-29 ms per 282 documents, about 5 s of a whole-corpus
    ingest (session 10).
    """
    cls: Any = type(obj)
    if cls in _SCALARS:
        return obj
    names = _field_names(cls)
    if names is not None:
        return {n: _plain(getattr(obj, n)) for n in names}
    if isinstance(obj, (list, tuple)):
        return [_plain(x) for x in obj]
    if isinstance(obj, dict):
        return {k: _plain(v) for k, v in obj.items()}
    return obj


@functools.cache
def _field_names(cls: type) -> tuple[str, ...] | None:
    return tuple(f.name for f in fields(cls)) if is_dataclass(cls) else None


class Store(SQLiteFile):
    """The SQLite evidence store at ``path``.

    Parameters
    ----------
    path
        The database file; created (with its folder) unless ``must_exist``.
    must_exist
        Raise :class:`StoreError` instead of creating an empty store; used by
        read-only commands so a typo in ``--home`` is reported, not hidden.
    """

    def __init__(self, path: Path, *, must_exist: bool = False) -> None:
        if must_exist and not Path(path).exists():
            raise StoreError(
                f"no medcite store at {path}; run `medcite ingest --demo` or "
                "`medcite ingest PATH` first (or pass --home)"
            )
        # 64 MiB for the thread that opened the store (an ingest writes through it);
        # 8 MiB for each other thread (a server's workers), which keep theirs while alive.
        super().__init__(path, pragmas=("cache_size=-65536",), worker_cache_kib=8192)
        migrate(self.conn)

    # -- generation ------------------------------------------------------------
    def generation(self) -> int:
        """How many passage-changing transactions the store has committed."""
        row = self.conn.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()
        return int(row[0]) if row else 0

    def bump_generation(self) -> int:
        """Count one more change; call inside the transaction that makes it."""
        self.conn.execute("UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'generation'")
        return self.generation()

    # -- files ---------------------------------------------------------------
    def file_record(self, path: str) -> FileRecord | None:
        row = self.conn.execute(
            "SELECT path, sha256, size, format, status, documents, error, pipeline FROM files WHERE path = ?", (path,)
        ).fetchone()
        return FileRecord(*row) if row else None

    def record_file(
        self, path: str, sha256: str, size: int, fmt: str | None, status: str, documents: int, error: str | None,
        pipeline: str = "",
    ) -> None:
        self.conn.execute(
            "INSERT INTO files(path, sha256, size, format, status, documents, error, updated_at, pipeline) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(path) DO UPDATE SET sha256=excluded.sha256, "
            "size=excluded.size, format=excluded.format, status=excluded.status, "
            "documents=excluded.documents, error=excluded.error, updated_at=excluded.updated_at, "
            "pipeline=excluded.pipeline",
            (path, sha256, size, fmt, status, documents, error, now_iso(), pipeline),
        )

    # -- writing documents ---------------------------------------------------
    def existing(self, doc_id: str) -> tuple[str, str] | None:
        """``(source_path, content_hash)`` of a stored document, or None."""
        row = self.conn.execute(
            "SELECT source_path, content_hash FROM documents WHERE id = ?", (doc_id,)
        ).fetchone()
        return (row[0], row[1]) if row else None

    def delete_document(self, doc_id: str) -> list[int]:
        """Delete a document; return the ids of its passages (for the index)."""
        conn = self.conn
        ids = [r[0] for r in conn.execute("SELECT id FROM passages WHERE doc_id = ?", (doc_id,))]
        conn.execute("DELETE FROM documents WHERE id = ?", (doc_id,))
        return ids

    def put_document(self, doc: Document, *, source_path: str, content_hash: str) -> list[Passage]:
        """Insert ``doc`` (which must not exist) and return its new passages.

        Call inside :meth:`transaction`.
        """
        conn = self.conn
        now = now_iso()
        conn.execute(
            "INSERT INTO documents(id, source_kind, title, authors, developer, journal, date, year, url, "
            "pmid, doi, publication_types, mesh_terms, cuis, rating_scheme, source_format, source_path, "
            "content_hash, text, text_hash, extra, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (
                doc.id, doc.source_kind, doc.title, json.dumps(doc.authors, ensure_ascii=False),
                doc.developer, doc.journal, doc.date, doc.year, doc.url, doc.pmid, doc.doi,
                json.dumps(doc.publication_types, ensure_ascii=False),
                json.dumps(doc.mesh_terms, ensure_ascii=False), json.dumps(doc.cuis),
                doc.rating_scheme, doc.source_format, source_path, content_hash, doc.text, text_hash(doc.text),
                json.dumps(doc.extra, ensure_ascii=False, default=str), now,
            ),
        )
        conn.executemany(
            'INSERT INTO sections(doc_id, idx, heading, field, start, "end", grade, level, label) '
            "VALUES (?,?,?,?,?,?,?,?,?)",
            [
                (doc.id, i, s.heading, s.field, s.start, s.end, s.grade, s.level, s.label)
                for i, s in enumerate(doc.sections)
            ],
        )
        conn.executemany(
            "INSERT INTO lexicon(doc_id, kind, term, expansion) VALUES (?,?,?,?)",
            [(doc.id, k, t, e) for k, t, e in lexicon_entries(doc)],
        )
        sents = sentences_of(doc)
        conn.executemany(
            'INSERT INTO sentences(doc_id, idx, section_idx, start, "end") VALUES (?,?,?,?,?)',
            [(doc.id, s.idx, s.section_idx, s.start, s.end) for s in sents],
        )
        out: list[Passage] = []
        for span in passages_of(doc, sents):
            cur = conn.execute(
                'INSERT INTO passages(doc_id, section_idx, start, "end", field, source_kind) VALUES (?,?,?,?,?,?)',
                (doc.id, span.section_idx, span.start, span.end, span.field, doc.source_kind),
            )
            heading = doc.sections[span.section_idx].heading
            title = doc.title if not heading or heading == doc.title else f"{doc.title} — {heading}"
            out.append(
                Passage(
                    id=int(cur.lastrowid or 0), doc_id=doc.id, section_idx=span.section_idx,
                    start=span.start, end=span.end, field=span.field,
                    text=doc.text[span.start:span.end], source_kind=doc.source_kind, title=title,
                )
            )
        return out

    def files_under(self, folder: str) -> list[str]:
        """Paths of recorded files inside ``folder`` (a resolved path)."""
        prefix = folder.rstrip("/") + "/"
        return [r[0] for r in self.conn.execute(
            "SELECT path FROM files WHERE substr(path, 1, ?) = ?", (len(prefix), prefix))]

    def forget_file(self, path: str) -> None:
        """Drop a file's record (its documents are deleted separately). Call inside :meth:`transaction`."""
        self.conn.execute("DELETE FROM files WHERE path = ?", (path,))
        self.conn.execute("DELETE FROM duplicates WHERE path = ?", (path,))

    def record_duplicate(self, doc_id: str, path: str) -> None:
        """``path`` holds a copy of ``doc_id`` that another file already provides."""
        self.conn.execute("INSERT OR IGNORE INTO duplicates(doc_id, path) VALUES (?, ?)", (doc_id, path))

    def duplicate_holders(self, doc_ids: Sequence[str]) -> list[str]:
        """Files that hold skipped copies of ``doc_ids`` (candidates to take over)."""
        ids = list(dict.fromkeys(doc_ids))
        out: list[str] = []
        for i in range(0, len(ids), 500):
            chunk = ids[i:i + 500]
            out += [r[0] for r in self.conn.execute(
                f"SELECT DISTINCT path FROM duplicates WHERE doc_id IN ({','.join('?' * len(chunk))})", chunk)]
        return list(dict.fromkeys(out))

    def documents_from(self, source_path: str) -> list[str]:
        return [r[0] for r in self.conn.execute("SELECT id FROM documents WHERE source_path = ?", (source_path,))]

    # -- reading -------------------------------------------------------------
    def get_document(self, doc_id: str) -> Document:
        row = self.conn.execute("SELECT * FROM documents WHERE id = ?", (doc_id,)).fetchone()
        if row is None:
            raise DocumentNotFound(doc_id)
        secs = [
            Section(
                heading=r["heading"], start=r["start"], end=r["end"], field=cast(FieldName, r["field"]),
                grade=r["grade"], level=r["level"], label=r["label"],
            )
            for r in self.conn.execute(
                'SELECT heading, field, start, "end", grade, level, label FROM sections '
                "WHERE doc_id = ? ORDER BY idx",
                (doc_id,),
            )
        ]
        return Document(
            id=row["id"], source_kind=cast(SourceKind, row["source_kind"]), title=row["title"],
            text=row["text"], sections=secs, authors=json.loads(row["authors"]), developer=row["developer"],
            journal=row["journal"], date=row["date"], year=row["year"], url=row["url"], pmid=row["pmid"],
            doi=row["doi"], publication_types=json.loads(row["publication_types"]),
            mesh_terms=json.loads(row["mesh_terms"]), cuis=json.loads(row["cuis"]),
            rating_scheme=row["rating_scheme"], source_format=row["source_format"],
            extra=json.loads(row["extra"]),
        )

    def text(self, doc_id: str) -> str:
        row = self.conn.execute("SELECT text FROM documents WHERE id = ?", (doc_id,)).fetchone()
        if row is None:
            raise DocumentNotFound(doc_id)
        return str(row[0])

    def sentences(self, doc_id: str) -> list[Sentence]:
        return [
            Sentence(doc_id=doc_id, idx=r[0], section_idx=r[1], start=r[2], end=r[3])
            for r in self.conn.execute(
                'SELECT idx, section_idx, start, "end" FROM sentences WHERE doc_id = ? ORDER BY idx', (doc_id,)
            )
        ]

    def passages(self, ids: Sequence[int]) -> dict[int, Passage]:
        """Passages by id, with their text and their document's title."""
        out: dict[int, Passage] = {}
        if not ids:
            return out
        for chunk_start in range(0, len(ids), 500):
            chunk = list(ids[chunk_start:chunk_start + 500])
            marks = ",".join("?" * len(chunk))
            rows = self.conn.execute(
                'SELECT p.id, p.doc_id, p.section_idx, p.start, p."end", p.field, p.source_kind, '
                'd.title, substr(d.text, p.start + 1, p."end" - p.start) AS ptext, s.heading '
                "FROM passages p JOIN documents d ON d.id = p.doc_id "
                "JOIN sections s ON s.doc_id = p.doc_id AND s.idx = p.section_idx "
                f"WHERE p.id IN ({marks})",
                chunk,
            )
            for r in rows:
                heading = r["heading"]
                title = r["title"] if not heading or heading == r["title"] else f"{r['title']} — {heading}"
                out[r["id"]] = Passage(
                    id=r["id"], doc_id=r["doc_id"], section_idx=r["section_idx"], start=r["start"],
                    end=r["end"], field=cast(FieldName, r["field"]), text=r["ptext"],
                    source_kind=cast(SourceKind, r["source_kind"]), title=title,
                )
        return out

    def iter_passages(self, batch: int = 5000) -> Iterator[list[Passage]]:
        """Every passage, in id order, in batches (for building other indexes)."""
        last = 0
        while True:
            ids = [
                r[0]
                for r in self.conn.execute(
                    "SELECT id FROM passages WHERE id > ? ORDER BY id LIMIT ?", (last, batch)
                )
            ]
            if not ids:
                return
            got = self.passages(ids)
            yield [got[i] for i in ids if i in got]
            last = ids[-1]

    def document_count(self) -> int:
        (n,) = self.conn.execute("SELECT count(*) FROM documents").fetchone()
        return int(n)

    def stats(self) -> dict[str, Any]:
        """Counts in total and per source kind."""
        conn = self.conn
        docs = dict(conn.execute("SELECT source_kind, count(*) FROM documents GROUP BY source_kind").fetchall())
        pas = dict(conn.execute("SELECT source_kind, count(*) FROM passages GROUP BY source_kind").fetchall())
        (sents,) = conn.execute("SELECT count(*) FROM sentences").fetchone()
        files = dict(conn.execute("SELECT status, count(*) FROM files GROUP BY status").fetchall())
        fmts = dict(conn.execute("SELECT source_format, count(*) FROM documents GROUP BY source_format").fetchall())
        kinds = ("guideline", "research", "patient-info")
        return {
            "store": str(self.path),
            "size_bytes": self.path.stat().st_size if self.path.exists() else 0,
            "documents": sum(docs.values()),
            "passages": sum(pas.values()),
            "sentences": sents,
            "by_kind": {k: {"documents": docs.get(k, 0), "passages": pas.get(k, 0)} for k in kinds},
            "by_format": fmts,
            "files": files,
        }

    def text_versions(self, doc_ids: Sequence[str]) -> dict[str, str]:
        """``{doc_id: text_hash}`` for those of ``doc_ids`` that are stored."""
        out: dict[str, str] = {}
        ids = list(dict.fromkeys(doc_ids))
        for i in range(0, len(ids), 500):
            chunk = ids[i:i + 500]
            rows = self.conn.execute(
                f"SELECT id, text_hash FROM documents WHERE id IN ({','.join('?' * len(chunk))})", chunk)
            out.update({str(r[0]): str(r[1]) for r in rows})
        return out

    def spans(self, wanted: Sequence[tuple[str, int, int]]) -> dict[tuple[str, int, int], str]:
        """The current text at ``(doc_id, start, end)`` for each span whose document still exists."""
        out: dict[tuple[str, int, int], str] = {}
        by_doc: dict[str, list[tuple[int, int]]] = {}
        for doc_id, start, end in dict.fromkeys(wanted):
            if 0 <= start < end:
                by_doc.setdefault(doc_id, []).append((start, end))
        for doc_id, spans in by_doc.items():
            # One read of the text per document, however many quotes it has.
            row = self.conn.execute("SELECT text FROM documents WHERE id = ?", (doc_id,)).fetchone()
            if row is not None:
                text = str(row[0])
                out.update({(doc_id, a, b): text[a:b] for a, b in spans})
        return out

    def document_meta(self, doc_ids: Sequence[str]) -> dict[str, sqlite3.Row]:
        """Metadata rows (no text) for several documents at once."""
        out: dict[str, sqlite3.Row] = {}
        ids = list(dict.fromkeys(doc_ids))
        for i in range(0, len(ids), 500):
            chunk = ids[i:i + 500]
            marks = ",".join("?" * len(chunk))
            for r in self.conn.execute(
                "SELECT id, source_kind, title, authors, developer, journal, date, year, url, pmid, doi, "
                f"publication_types, mesh_terms, cuis, extra, text_hash FROM documents WHERE id IN ({marks})",
                chunk,
            ):
                out[r["id"]] = r
        return out
