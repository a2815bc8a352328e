"""Article persistence: articles, versions, per-audience variants, reviews, comments, edits, audit.

One SQLite file (``settings.articles_path``) in WAL mode, a connection per
thread, every statement with bound parameters. Several server worker
processes may share the file: uniqueness is enforced by the schema and a
lost race is resolved by reading the winner's row.

Model
-----
An *article* is a question at a stable slug. Each regeneration that changes
the content makes a new *version*; each version holds one *variant* per
audience (clinician, patient), generated on demand. Review status lives on
the variant, because the patient wording is reviewed on its own.
"""

from __future__ import annotations

import json
import secrets
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

from medcite.articles.content import (
    EditError,
    StatementChange,
    accept_statement,
    content_hash,
    reword,
    unverified,
)
from medcite.articles.schema import migrate
from medcite.articles.slug import owned_key, private_slug, question_key
from medcite.articles.workflow import EDITABLE, transition
from medcite.sqlite import SQLiteFile
from medcite.verify import Verifier


class ArticleError(Exception):
    """Base class of article-database errors a user can act on."""


class ArticleNotFound(ArticleError):
    pass


class ReviewConflict(ArticleError):
    """The action is valid in general but not in the article's current state (HTTP 409)."""


def now_iso() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


@dataclass(slots=True, frozen=True)
class ArticleRow:
    id: int
    slug: str
    question: str
    audience: str
    parent_id: int | None
    thread_id: str | None
    created_at: str
    updated_at: str
    #: Who asked (a hash, see :func:`medcite.articles.slug.owner_id`); None for articles from before v2.
    owner: str | None = None


@dataclass(slots=True)
class VariantRow:
    id: int
    article_id: int
    version: int
    audience: str
    content: dict[str, Any]
    content_hash: str
    status: str
    reviewer: str | None
    approved_at: str | None
    created_at: str
    updated_at: str


@dataclass(slots=True, frozen=True)
class ArticleSummary:
    slug: str
    question: str
    audience: str
    version: int
    status: str
    reviewer: str | None
    approved_at: str | None
    updated_at: str
    parent_slug: str | None


@dataclass(slots=True, frozen=True)
class Comment:
    id: int
    section: str | None
    statement: int | None
    author: str
    body: str
    created_at: str


@dataclass(slots=True, frozen=True)
class Edit:
    id: int
    section: str
    statement: int
    before: str
    after: str
    author: str
    created_at: str


@dataclass(slots=True, frozen=True)
class AuditEntry:
    id: int
    at: str
    actor: str
    action: str
    object: str
    before: Any
    after: Any


_ART_COLS = "id, slug, question, audience, parent_id, thread_id, created_at, updated_at, owner"
_VAR_COLS = (
    "id, article_id, version, audience, content, content_hash, status, reviewer, approved_at, created_at, updated_at"
)


def _article(r: sqlite3.Row) -> ArticleRow:
    return ArticleRow(*tuple(r))


def _variant(r: sqlite3.Row) -> VariantRow:
    t = list(r)
    t[4] = json.loads(t[4])
    return VariantRow(*t)


def _like(text: str) -> str:
    """A LIKE pattern that matches ``text`` literally (``%``/``_`` escaped with ``\\``)."""
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


class ArticleDB(SQLiteFile):
    """The article database at ``path`` (created and migrated on open)."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        migrate(self.conn)

    def secret(self, name: str) -> bytes:
        """A random server secret kept in the file, so every worker process shares it."""
        key = f"secret:{name}"
        with self.transaction() as conn:
            row = conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
            if row is None:
                value = secrets.token_hex(32)
                conn.execute("INSERT INTO meta(key, value) VALUES (?, ?)", (key, value))
            else:
                value = row[0]
        return bytes.fromhex(value)

    # -- audit ---------------------------------------------------------------
    @staticmethod
    def _audit(conn: sqlite3.Connection, actor: str, action: str, obj: str, before: Any, after: Any) -> None:
        conn.execute(
            "INSERT INTO audit(at, actor, action, object, before, after) VALUES (?, ?, ?, ?, ?, ?)",
            (
                now_iso(), actor, action, obj,
                None if before is None else json.dumps(before, ensure_ascii=False, default=str),
                None if after is None else json.dumps(after, ensure_ascii=False, default=str),
            ),
        )

    def audit(self, actor: str, action: str, obj: str, before: Any = None, after: Any = None) -> None:
        with self.transaction() as conn:
            self._audit(conn, actor, action, obj, before, after)

    def audit_log(self, *, obj_prefix: str | None = None, limit: int = 200) -> list[AuditEntry]:
        sql = "SELECT id, at, actor, action, object, before, after FROM audit"
        args: list[Any] = []
        if obj_prefix:
            sql += " WHERE object = ? OR object LIKE ? ESCAPE '\\'"
            args += [obj_prefix, _like(obj_prefix + "#")[1:]]
        sql += " ORDER BY id DESC LIMIT ?"
        args.append(limit)
        return [
            AuditEntry(
                r[0], r[1], r[2], r[3], r[4],
                json.loads(r[5]) if r[5] is not None else None, json.loads(r[6]) if r[6] is not None else None,
            )
            for r in self.conn.execute(sql, args)
        ]

    # -- articles ------------------------------------------------------------
    def find(self, question: str, parent_id: int | None = None, owner: str | None = None) -> ArticleRow | None:
        """The article a new ask of ``question`` should return: the asker's own, else a published one.

        Private questions are never shared between askers: another person asking
        the same words gets their own article until an editor publishes one.
        """
        plain = question_key(question, parent_id)
        # An owner's own article; without an owner (the CLI, articles from before v2) the unowned one.
        row = self.conn.execute(f"SELECT {_ART_COLS} FROM articles WHERE question_key = ?",
                                (owned_key(owner, plain) if owner is not None else plain,)).fetchone()
        if row:
            return _article(row)
        row = self.conn.execute(
            f"SELECT {_ART_COLS} FROM articles a WHERE shared_key = ? AND EXISTS (SELECT 1 FROM variants v "
            "WHERE v.article_id = a.id AND v.status = 'approved') ORDER BY id LIMIT 1", (plain,)).fetchone()
        return _article(row) if row else None

    def is_published(self, article_id: int) -> bool:
        """Whether an edition of the article has been approved (published)."""
        return self.conn.execute("SELECT 1 FROM variants WHERE article_id = ? AND status = 'approved' LIMIT 1",
                                 (article_id,)).fetchone() is not None

    def owned(self, owner: str, limit: int = 20) -> list[ArticleRow]:
        """The asker's own articles, newest first ("Your questions")."""
        return [_article(r) for r in self.conn.execute(
            f"SELECT {_ART_COLS} FROM articles WHERE owner = ? ORDER BY updated_at DESC, id DESC LIMIT ?",
            (owner, limit))]

    def get(self, slug: str) -> ArticleRow:
        row = self.conn.execute(f"SELECT {_ART_COLS} FROM articles WHERE slug = ?", (slug,)).fetchone()
        if row is None:
            raise ArticleNotFound(f"no article {slug!r}")
        return _article(row)

    def get_by_id(self, article_id: int) -> ArticleRow:
        row = self.conn.execute(f"SELECT {_ART_COLS} FROM articles WHERE id = ?", (article_id,)).fetchone()
        if row is None:
            raise ArticleNotFound(f"no article #{article_id}")
        return _article(row)

    def create(
        self, question: str, audience: str, content: dict[str, Any], *, actor: str, parent_id: int | None = None,
        owner: str | None = None,
    ) -> tuple[ArticleRow, VariantRow, bool]:
        """Store a newly generated article as version 1 (status ``submitted``), private to ``owner``.

        Its slug is random (:func:`medcite.articles.slug.private_slug`): the URL
        is the private link, and carries no question text.

        Returns ``(article, variant, created)``; ``created`` is False when
        another request of the same owner stored the same question first (its row is returned).
        """
        plain = question_key(question, parent_id)
        key = owned_key(owner, plain) if owner is not None else plain
        now = now_iso()
        try:
            with self.transaction() as conn:
                slug = private_slug()
                cur = conn.execute(
                    "INSERT INTO articles(slug, question, question_key, shared_key, owner, audience, parent_id, "
                    "thread_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (slug, question.strip(), key, plain, owner, audience, parent_id, content.get("thread_id"),
                     now, now),
                )
                art_id = int(cur.lastrowid or 0)
                var_id = self._insert_variant(conn, art_id, 1, audience, content)
                # The audit log keeps the fact of an ask, not its text: questions are private.
                self._audit(conn, actor, "create", f"article:{slug}", None,
                            {"audience": audience, "version": 1, "variant": var_id})
        except sqlite3.IntegrityError:
            row = conn.execute(f"SELECT {_ART_COLS} FROM articles WHERE question_key = ?", (key,)).fetchone()
            if row is None:
                raise
            existing = _article(row)
            var = self.variant(existing.id, self.latest_version(existing.id), existing.audience)
            assert var is not None
            return existing, var, False
        art = self.get(slug)
        var = self.variant(art.id, 1, audience)
        assert var is not None
        return art, var, True

    @staticmethod
    def _insert_variant(
        conn: sqlite3.Connection, art_id: int, version: int, audience: str, content: dict[str, Any]
    ) -> int:
        now = now_iso()
        cur = conn.execute(
            "INSERT INTO variants(article_id, version, audience, content, content_hash, status, created_at, "
            "updated_at) VALUES (?, ?, ?, ?, ?, 'submitted', ?, ?)",
            (art_id, version, audience, json.dumps(content, ensure_ascii=False), content_hash(content), now, now),
        )
        conn.execute("UPDATE articles SET updated_at = ? WHERE id = ?", (now, art_id))
        return int(cur.lastrowid or 0)

    def latest_version(self, article_id: int) -> int:
        (v,) = self.conn.execute(
            "SELECT coalesce(max(version), 0) FROM variants WHERE article_id = ?", (article_id,)
        ).fetchone()
        return int(v)

    def variant(self, article_id: int, version: int, audience: str) -> VariantRow | None:
        row = self.conn.execute(
            f"SELECT {_VAR_COLS} FROM variants WHERE article_id = ? AND version = ? AND audience = ?",
            (article_id, version, audience),
        ).fetchone()
        return _variant(row) if row else None

    def content_of(self, slug: str, version: int, audience: str) -> dict[str, Any] | None:
        """The article JSON of one listed edition (for per-row checks in lists such as the review queue)."""
        row = self.conn.execute(
            "SELECT v.content FROM variants v JOIN articles a ON a.id = v.article_id "
            "WHERE a.slug = ? AND v.version = ? AND v.audience = ?", (slug, version, audience)).fetchone()
        return cast(dict[str, Any], json.loads(row[0])) if row else None

    def variant_by_id(self, variant_id: int) -> VariantRow:
        row = self.conn.execute(f"SELECT {_VAR_COLS} FROM variants WHERE id = ?", (variant_id,)).fetchone()
        if row is None:
            raise ArticleNotFound(f"no variant #{variant_id}")
        return _variant(row)

    def add_variant(self, article: ArticleRow, version: int, audience: str, content: dict[str, Any], *,
                    actor: str) -> VariantRow:
        """Store another audience's variant of an existing version (first writer wins)."""
        with self.transaction() as conn:
            exists = conn.execute(
                "SELECT id FROM variants WHERE article_id = ? AND version = ? AND audience = ?",
                (article.id, version, audience),
            ).fetchone()
            if exists is None:
                var_id = self._insert_variant(conn, article.id, version, audience, content)
                self._audit(conn, actor, "add-variant", f"article:{article.slug}", None,
                            {"version": version, "audience": audience, "variant": var_id})
        var = self.variant(article.id, version, audience)
        assert var is not None
        return var

    def new_version(self, article: ArticleRow, audience: str, content: dict[str, Any], *,
                    actor: str) -> VariantRow:
        """Store a regenerated article as the next version; it starts again at ``submitted``."""
        with self.transaction() as conn:
            (latest,) = conn.execute(
                "SELECT coalesce(max(version), 0) FROM variants WHERE article_id = ?", (article.id,)
            ).fetchone()
            version = int(latest) + 1
            var_id = self._insert_variant(conn, article.id, version, audience, content)
            self._audit(conn, actor, "new-version", f"article:{article.slug}", {"version": int(latest)},
                        {"version": version, "audience": audience, "variant": var_id, "status": "submitted"})
        var = self.variant(article.id, version, audience)
        assert var is not None
        return var

    def versions(self, article_id: int) -> list[VariantRow]:
        return [
            _variant(r)
            for r in self.conn.execute(
                f"SELECT {_VAR_COLS} FROM variants WHERE article_id = ? ORDER BY version, audience", (article_id,)
            )
        ]

    def children(self, article_id: int) -> list[ArticleRow]:
        return [
            _article(r)
            for r in self.conn.execute(
                f"SELECT {_ART_COLS} FROM articles WHERE parent_id = ? ORDER BY id", (article_id,)
            )
        ]

    def list_articles(
        self, *, status: str | None = None, q: str | None = None, audience: str | None = None,
        limit: int = 50, offset: int = 0,
    ) -> list[ArticleSummary]:
        """Latest-version variants, newest first, optionally by status, audience and question text."""
        sql = (
            "SELECT a.slug, a.question, v.audience, v.version, v.status, v.reviewer, v.approved_at, "
            "v.updated_at, p.slug FROM variants v JOIN articles a ON a.id = v.article_id "
            "LEFT JOIN articles p ON p.id = a.parent_id "
            "WHERE v.version = (SELECT max(version) FROM variants WHERE article_id = v.article_id)"
        )
        args: list[Any] = []
        if status:
            sql += " AND v.status = ?"
            args.append(status)
        if audience:
            sql += " AND v.audience = ?"
            args.append(audience)
        for word in (q or "").split()[:8]:
            sql += " AND a.question LIKE ? ESCAPE '\\'"
            args.append(_like(word))
        sql += " ORDER BY v.updated_at DESC, v.id DESC LIMIT ? OFFSET ?"
        args += [limit, offset]
        return [ArticleSummary(*tuple(r)) for r in self.conn.execute(sql, args)]

    # -- review --------------------------------------------------------------
    def review(self, variant_id: int, target: str, *, actor: str, comment: str | None = None) -> VariantRow:
        """Move a variant through the workflow (see :mod:`medcite.articles.workflow`)."""
        with self.transaction() as conn:
            var = _variant(conn.execute(f"SELECT {_VAR_COLS} FROM variants WHERE id = ?", (variant_id,)).fetchone())
            art = _article(conn.execute(f"SELECT {_ART_COLS} FROM articles WHERE id = ?",
                                        (var.article_id,)).fetchone())
            if var.version != self._latest(conn, var.article_id):
                raise ReviewConflict(f"version {var.version} is not the current version; review the latest")
            try:
                new = transition(var.status, target)
            except ValueError as exc:  # InvalidTransition, or a status name the caller did not check
                raise ReviewConflict(str(exc)) from exc
            blocked = unverified(var.content) if new == "approved" else []
            if blocked:
                where = "; ".join(f"section {p} statement {j}: {', '.join(r)}" for p, j, r in blocked[:5])
                raise ReviewConflict(f"{len(blocked)} edited statement(s) are not supported by their quotes ({where}); "
                                     "correct them, or record why each is right before approving")
            now = now_iso()
            reviewer, approved_at = (actor, now) if new == "approved" else (var.reviewer, None)
            if new == "under_review":
                reviewer = actor
            conn.execute(
                "UPDATE variants SET status = ?, reviewer = ?, approved_at = ?, updated_at = ? WHERE id = ?",
                (new, reviewer, approved_at, now, variant_id),
            )
            if comment and comment.strip():
                conn.execute(
                    "INSERT INTO comments(variant_id, section, statement, author, body, created_at) "
                    "VALUES (?, NULL, NULL, ?, ?, ?)",
                    (variant_id, actor, comment.strip(), now),
                )
            self._audit(conn, actor, "review", f"article:{art.slug}#v{var.version}/{var.audience}",
                        {"status": var.status}, {"status": new, "comment": comment or None})
        return self.variant_by_id(variant_id)

    @staticmethod
    def _latest(conn: sqlite3.Connection, article_id: int) -> int:
        (v,) = conn.execute("SELECT max(version) FROM variants WHERE article_id = ?", (article_id,)).fetchone()
        return int(v)

    def comment(self, variant_id: int, body: str, *, actor: str, section: str | None = None,
                statement: int | None = None) -> Comment:
        body = body.strip()
        if not body:
            raise EditError("the comment is empty")
        var = self.variant_by_id(variant_id)
        if section is not None and statement is not None:
            from medcite.articles.content import find_statement

            find_statement(var.content, section, statement)  # raises EditError when it does not exist
        art = self.get_by_id(var.article_id)
        with self.transaction() as conn:
            cur = conn.execute(
                "INSERT INTO comments(variant_id, section, statement, author, body, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (variant_id, section, statement, actor, body, now_iso()),
            )
            cid = int(cur.lastrowid or 0)
            self._audit(conn, actor, "comment", f"article:{art.slug}#v{var.version}/{var.audience}", None,
                        {"comment": cid, "section": section, "statement": statement, "body": body})
        return next(c for c in self.comments(variant_id) if c.id == cid)

    def comments(self, variant_id: int) -> list[Comment]:
        return [
            Comment(*tuple(r))
            for r in self.conn.execute(
                "SELECT id, section, statement, author, body, created_at FROM comments WHERE variant_id = ? "
                "ORDER BY id",
                (variant_id,),
            )
        ]

    def change(self, variant_id: int, change: StatementChange, *, actor: str) -> VariantRow:
        """Apply a reviewer's change to one statement of the current version (tracked and audited).

        ``change(content)`` is pure (see :mod:`medcite.articles.content`): it returns the new content
        and what to record; it raises :class:`EditError` for a change that would break the article.
        """
        with self.transaction() as conn:
            var = _variant(conn.execute(f"SELECT {_VAR_COLS} FROM variants WHERE id = ?", (variant_id,)).fetchone())
            if var.status not in EDITABLE:
                raise ReviewConflict(f"an article in status {var.status!r} cannot be edited; reopen the review")
            if var.version != self._latest(conn, var.article_id):
                raise ReviewConflict("only the current version can be edited")
            done = change(var.content)
            now = now_iso()
            # content_hash stays the hash of what the generator produced, so a
            # regeneration that yields the same article keeps the editor's work.
            conn.execute("UPDATE variants SET content = ?, updated_at = ? WHERE id = ?",
                         (json.dumps(done.content, ensure_ascii=False), now, variant_id))
            if done.tracked:
                conn.execute(
                    "INSERT INTO edits(variant_id, section, statement, before, after, author, created_at) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (variant_id, done.section, done.statement, str((done.before or {}).get("text", "")),
                     str((done.after or {}).get("text", "")), actor, now),
                )
            (slug,) = conn.execute("SELECT slug FROM articles WHERE id = ?", (var.article_id,)).fetchone()
            where = {"section": done.section, "statement": done.statement}
            self._audit(conn, actor, done.action, f"article:{slug}#v{var.version}/{var.audience}",
                        {**where, **done.before} if done.before is not None else None,
                        {**where, **done.after} if done.after is not None else None)
        return self.variant_by_id(variant_id)

    def edit_statement(self, variant_id: int, section: str, statement: int, text: str, *, actor: str,
                       citations: list[int] | None = None, verifier: Verifier | None = None) -> VariantRow:
        """Change one statement's text (its citations must stay valid; with a ``verifier`` the new text
        is checked against its quotes and the verdict kept on it)."""
        return self.change(variant_id, lambda c: reword(c, section, statement, text, citations, verifier=verifier,
                                                         actor=actor), actor=actor)

    def accept_statement(self, variant_id: int, section: str, statement: int, reason: str, *,
                         actor: str) -> VariantRow:
        """Record why an edited statement that failed verification is right (audited; unblocks approval)."""
        return self.change(variant_id, lambda c: accept_statement(c, section, statement, reason, actor), actor=actor)

    def edits(self, variant_id: int) -> list[Edit]:
        return [
            Edit(*tuple(r))
            for r in self.conn.execute(
                "SELECT id, section, statement, before, after, author, created_at FROM edits "
                "WHERE variant_id = ? ORDER BY id",
                (variant_id,),
            )
        ]
