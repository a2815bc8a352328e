"""The SQLite schema of the article database (``<home>/articles.sqlite``) and its migrations.

Articles live in their own file, apart from the evidence store, so that
re-building the corpus never touches editorial work (reviews, comments,
edits, the audit log, accounts). ``PRAGMA user_version`` holds the schema
version and :data:`MIGRATIONS` brings a file from version ``i`` to ``i + 1``,
each in one transaction.

The audit log is append-only: triggers abort any ``UPDATE`` or ``DELETE``
on it, so even a bug in this package cannot rewrite history.
"""

from __future__ import annotations

import sqlite3

_V1 = """
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    name          TEXT NOT NULL UNIQUE,
    role          TEXT NOT NULL CHECK (role IN ('admin', 'reviewer', 'reader')),
    password_hash TEXT,
    created_at    TEXT NOT NULL,
    disabled      INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE tokens (
    token_hash  TEXT PRIMARY KEY,           -- sha256 of the token; the token itself is never stored
    user_id     INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    label       TEXT NOT NULL DEFAULT '',
    created_at  TEXT NOT NULL,
    last_used   TEXT
);
CREATE TABLE sessions (
    id_hash     TEXT PRIMARY KEY,           -- sha256 of the cookie value
    user_id     INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL
);
CREATE TABLE articles (
    id            INTEGER PRIMARY KEY,
    slug          TEXT NOT NULL UNIQUE,
    question      TEXT NOT NULL,
    question_key  TEXT NOT NULL,            -- normalised question + parent: "same question" lookup
    audience      TEXT NOT NULL,            -- the audience it was first asked for
    parent_id     INTEGER REFERENCES articles(id),
    thread_id     TEXT,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);
CREATE UNIQUE INDEX articles_key ON articles(question_key);
CREATE TABLE variants (
    id            INTEGER PRIMARY KEY,
    article_id    INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    version       INTEGER NOT NULL,
    audience      TEXT NOT NULL CHECK (audience IN ('clinician', 'patient')),
    content       TEXT NOT NULL,            -- article JSON (render.json contract)
    content_hash  TEXT NOT NULL,
    status        TEXT NOT NULL,
    reviewer      TEXT,
    approved_at   TEXT,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    UNIQUE (article_id, version, audience)
);
CREATE INDEX variants_status ON variants(status);
CREATE TABLE comments (
    id          INTEGER PRIMARY KEY,
    variant_id  INTEGER NOT NULL REFERENCES variants(id) ON DELETE CASCADE,
    section     TEXT,                       -- section path such as "0" or "0.1", NULL = whole article
    statement   INTEGER,
    author      TEXT NOT NULL,
    body        TEXT NOT NULL,
    created_at  TEXT NOT NULL
);
CREATE TABLE edits (
    id          INTEGER PRIMARY KEY,
    variant_id  INTEGER NOT NULL REFERENCES variants(id) ON DELETE CASCADE,
    section     TEXT NOT NULL,
    statement   INTEGER NOT NULL,
    before      TEXT NOT NULL,
    after       TEXT NOT NULL,
    author      TEXT NOT NULL,
    created_at  TEXT NOT NULL
);
CREATE TABLE audit (
    id        INTEGER PRIMARY KEY,
    at        TEXT NOT NULL,
    actor     TEXT NOT NULL,
    action    TEXT NOT NULL,
    object    TEXT NOT NULL,
    before    TEXT,
    after     TEXT
);
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
"""

# v2: private by default. ``owner`` is a hash of who asked (an account, or an
# anonymous browser's owner cookie); ``shared_key`` is the plain question key
# under which a *published* article is found by everyone. ``question_key``
# stays unique and is now owner-scoped for private questions. Articles from v1
# have no owner: they are reachable by reviewers and, once approved, by all.
_V2 = """
ALTER TABLE articles ADD COLUMN owner TEXT;
ALTER TABLE articles ADD COLUMN shared_key TEXT;
UPDATE articles SET shared_key = question_key;
CREATE INDEX articles_shared ON articles(shared_key);
CREATE INDEX articles_owner ON articles(owner);
"""

# v3: failed log-ins per account name, shared by every worker process, for the lockout.
_V3 = """
CREATE TABLE login_failures (
    name          TEXT PRIMARY KEY,
    failures      INTEGER NOT NULL,
    locked_until  REAL NOT NULL DEFAULT 0
);
"""

#: ``MIGRATIONS[i]`` takes a database from ``user_version == i`` to ``i + 1``.
MIGRATIONS: list[str] = [_V1, _V2, _V3]
SCHEMA_VERSION = len(MIGRATIONS)


class ArticleSchemaError(Exception):
    """The article database was written by a newer medcite."""


def migrate(conn: sqlite3.Connection) -> int:
    """Apply pending migrations; return the resulting schema version.

    Raises
    ------
    ArticleSchemaError
        When the file's version is newer than this code knows.
    """
    (version,) = conn.execute("PRAGMA user_version").fetchone()
    if version > SCHEMA_VERSION:
        raise ArticleSchemaError(
            f"the article database has schema version {version}, newer than this medcite "
            f"({SCHEMA_VERSION}); upgrade medcite"
        )
    while version < SCHEMA_VERSION:
        conn.execute("BEGIN IMMEDIATE")
        try:
            # Re-read under the write lock: another worker may have migrated meanwhile.
            (current,) = conn.execute("PRAGMA user_version").fetchone()
            if current == version:
                for stmt in _statements(MIGRATIONS[version]):
                    conn.execute(stmt)
                conn.execute(f"PRAGMA user_version = {version + 1}")  # an int we computed, not user input
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        (version,) = conn.execute("PRAGMA user_version").fetchone()
    return int(version)


def _statements(script: str) -> list[str]:
    """Split a migration script into statements, keeping trigger bodies whole."""
    out: list[str] = []
    buf = ""
    for line in script.splitlines(keepends=True):
        buf += line
        if sqlite3.complete_statement(buf):
            if buf.strip():
                out.append(buf.strip())
            buf = ""
    if buf.strip():
        out.append(buf.strip())
    return out
