"""The SQLite schema of the evidence store and its migrations.

The store is one SQLite file (``<home>/medcite.sqlite``) that a person can
open with the ``sqlite3`` shell. ``PRAGMA user_version`` holds the schema
version; :data:`MIGRATIONS` lists the SQL that brings a store from version
``i`` to ``i + 1``, applied in one transaction each.
"""

from __future__ import annotations

import hashlib
import sqlite3

SCHEMA_VERSION = 7

_V1 = """
CREATE TABLE files (
    path        TEXT PRIMARY KEY,
    sha256      TEXT NOT NULL,
    size        INTEGER NOT NULL,
    format      TEXT,
    status      TEXT NOT NULL,          -- 'done' | 'failed' | 'partial'
    documents   INTEGER NOT NULL DEFAULT 0,
    error       TEXT,
    updated_at  TEXT NOT NULL
);
CREATE TABLE documents (
    id            TEXT PRIMARY KEY,
    source_kind   TEXT NOT NULL CHECK (source_kind IN ('guideline', 'research', 'patient-info')),
    title         TEXT NOT NULL,
    authors       TEXT NOT NULL DEFAULT '[]',   -- JSON list
    developer     TEXT,
    journal       TEXT,
    date          TEXT,
    year          INTEGER,
    url           TEXT,
    pmid          TEXT,
    doi           TEXT,
    publication_types TEXT NOT NULL DEFAULT '[]',
    mesh_terms    TEXT NOT NULL DEFAULT '[]',
    cuis          TEXT NOT NULL DEFAULT '[]',
    rating_scheme TEXT,
    source_format TEXT NOT NULL,
    source_path   TEXT NOT NULL,
    content_hash  TEXT NOT NULL,
    text          TEXT NOT NULL,
    extra         TEXT NOT NULL DEFAULT '{}',
    updated_at    TEXT NOT NULL
);
CREATE INDEX documents_kind ON documents(source_kind);
CREATE INDEX documents_pmid ON documents(pmid);
CREATE INDEX documents_source ON documents(source_path);
CREATE TABLE sections (
    doc_id   TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    idx      INTEGER NOT NULL,
    heading  TEXT NOT NULL,
    field    TEXT NOT NULL,
    start    INTEGER NOT NULL,
    "end"    INTEGER NOT NULL,
    grade    TEXT,
    level    TEXT,
    label    TEXT,
    PRIMARY KEY (doc_id, idx)
) WITHOUT ROWID;
CREATE TABLE sentences (
    doc_id      TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    idx         INTEGER NOT NULL,
    section_idx INTEGER NOT NULL,
    start       INTEGER NOT NULL,
    "end"       INTEGER NOT NULL,
    PRIMARY KEY (doc_id, idx)
) WITHOUT ROWID;
CREATE TABLE passages (
    id          INTEGER PRIMARY KEY,
    doc_id      TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    section_idx INTEGER NOT NULL,
    start       INTEGER NOT NULL,
    "end"       INTEGER NOT NULL,
    field       TEXT NOT NULL,
    source_kind TEXT NOT NULL
);
CREATE INDEX passages_doc ON passages(doc_id);
-- The BM25 index (SQLite FTS5). Columns hold medcite's own biomedical tokens
-- (medcite.index.tokenize) joined by spaces, so FTS5's tokenizer only splits
-- on spaces and the index and the queries tokenize identically.
CREATE VIRTUAL TABLE passages_fts USING fts5(
    title, recommendation, body, kind UNINDEXED,
    tokenize = 'unicode61 remove_diacritics 0'
);
"""

# v2: remember which version of the reading/segmenting pipeline wrote a file,
# so a medcite that splits sentences differently re-reads unchanged files.
_V2 = """
ALTER TABLE files ADD COLUMN pipeline TEXT NOT NULL DEFAULT '';
"""

# v3: a write generation, bumped by every transaction that changes passages, so
# a search index kept outside SQLite (tantivy) can tell whether it is current.
_V3 = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
INSERT INTO meta(key, value) VALUES ('generation', '0');
"""

# v4: corpus vocabulary for question understanding. ``passages_vocab`` exposes
# the FTS5 index's terms with their passage frequencies (spelling correction,
# inflection variants, idf); ``lexicon`` holds each document's abbreviation
# definitions (Schwartz & Hearst 2003) and its metadata synonyms, deleted with
# the document.
_V4 = """
CREATE VIRTUAL TABLE passages_vocab USING fts5vocab(passages_fts, 'row');
CREATE TABLE lexicon (
    doc_id     TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    kind       TEXT NOT NULL,          -- 'abbreviation' | 'synonym'
    term       TEXT NOT NULL,          -- lower-cased surface form
    expansion  TEXT NOT NULL
);
CREATE INDEX lexicon_term ON lexicon(term);
CREATE INDEX lexicon_doc ON lexicon(doc_id);
"""

# v5: ids a file skipped because another file already held them, so that when the
# holder disappears the surviving copy takes over on the next ingest.
_V5 = """
CREATE TABLE duplicates (
    doc_id TEXT NOT NULL,
    path   TEXT NOT NULL,
    PRIMARY KEY (doc_id, path)
) WITHOUT ROWID;
"""

# v6: a hash of each document's text alone (not its metadata, not the pipeline
# version), so an article can tell whether the text it quoted has changed since.
_V6 = """
ALTER TABLE documents ADD COLUMN text_hash TEXT NOT NULL DEFAULT '';
UPDATE documents SET text_hash = medcite_text_hash(text);
"""

# v7: FTS5 merges segments when 16 (not 4) of one size exist: inserting 80,000 of
# the corpus's passages 12 per transaction took 5.4-5.5 s instead of 6.2-6.5 s
# (about 2 s of a whole-corpus ingest), and FTS5 queries were no slower (200
# questions, p50 26-29 vs 29-37 ms; docs/decisions.md, session 10).
_V7 = """
INSERT INTO passages_fts(passages_fts, rank) VALUES ('automerge', 16);
"""

MIGRATIONS: list[str] = [_V1, _V2, _V3, _V4, _V5, _V6, _V7]


def text_hash(text: str) -> str:
    """The version of a document's text that articles record with their quotes.

    The first 16 hex digits of its SHA-256: 64 bits make an accidental clash
    between two versions of one document negligible, and keep article JSON short.

    >>> text_hash("abc")
    'ba7816bf8f01cfea'
    """
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def migrate(conn: sqlite3.Connection) -> int:
    """Bring the store at ``conn`` to :data:`SCHEMA_VERSION`; return the old version.

    Raises
    ------
    RuntimeError
        When the file was written by a newer medcite (its version is higher).
    """
    (version,) = conn.execute("PRAGMA user_version").fetchone()
    if version > SCHEMA_VERSION:
        raise RuntimeError(
            f"store schema version {version} is newer than this medcite understands "
            f"({SCHEMA_VERSION}); upgrade medcite"
        )
    conn.create_function("medcite_text_hash", 1, text_hash, deterministic=True)
    for v in range(version, SCHEMA_VERSION):
        # One transaction per migration: a crash leaves the old version intact.
        conn.executescript("BEGIN;" + MIGRATIONS[v] + f"\nPRAGMA user_version = {v + 1};\nCOMMIT;")
    return int(version)
