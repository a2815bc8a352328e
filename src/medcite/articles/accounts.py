"""Users, roles, password hashing, API tokens and login sessions.

Passwords are hashed with Argon2id (Biryukov, Dinu & Khovratovich, "Argon2:
the memory-hard function for password hashing", EuroS&P 2016; RFC 9106) via
argon2-cffi. API tokens and session ids are 256-bit random values; only
their SHA-256 is stored, so a leaked database does not leak credentials.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from medcite.articles.db import ArticleDB, ArticleError, now_iso

Role = Literal["admin", "reviewer", "reader"]
ROLES: tuple[Role, ...] = ("admin", "reviewer", "reader")
#: Roles that may act on the review workflow.
REVIEW_ROLES: frozenset[str] = frozenset({"admin", "reviewer"})

NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")
MIN_PASSWORD = 8

_hasher = PasswordHasher()
#: A hash to verify against when the user does not exist, so that a login
#: for an unknown name costs the same time as a wrong password.
_DUMMY_HASH = _hasher.hash(secrets.token_hex(16))


class AccountError(ArticleError):
    pass


@dataclass(slots=True, frozen=True)
class User:
    id: int
    name: str
    role: str
    created_at: str

    @property
    def can_review(self) -> bool:
        return self.role in REVIEW_ROLES


def _sha(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


class Accounts:
    """Account operations over an :class:`ArticleDB`."""

    def __init__(self, db: ArticleDB) -> None:
        self.db = db

    def add_user(self, name: str, role: str, password: str | None, *, actor: str = "cli") -> User:
        if not NAME_RE.match(name):
            raise AccountError("a user name is 1-64 letters, digits or . _ @ - (starting with a letter or digit)")
        if role not in ROLES:
            raise AccountError(f"role must be one of {', '.join(ROLES)}")
        if password is not None and len(password) < MIN_PASSWORD:
            raise AccountError(f"the password must have at least {MIN_PASSWORD} characters")
        pw_hash = _hasher.hash(password) if password is not None else None
        with self.db.transaction() as conn:
            if conn.execute("SELECT 1 FROM users WHERE name = ?", (name,)).fetchone():
                raise AccountError(f"user {name!r} exists already")
            conn.execute(
                "INSERT INTO users(name, role, password_hash, created_at) VALUES (?, ?, ?, ?)",
                (name, role, pw_hash, now_iso()),
            )
            self.db._audit(conn, actor, "user-add", f"user:{name}", None, {"role": role})
        user = self.get(name)
        assert user is not None
        return user

    def get(self, name: str) -> User | None:
        row = self.db.conn.execute(
            "SELECT id, name, role, created_at FROM users WHERE name = ? AND disabled = 0", (name,)
        ).fetchone()
        return User(*tuple(row)) if row else None

    def users(self) -> list[User]:
        return [
            User(*tuple(r))
            for r in self.db.conn.execute("SELECT id, name, role, created_at FROM users WHERE disabled = 0 ORDER BY name")
        ]

    def has_admin(self) -> bool:
        return (
            self.db.conn.execute(
                "SELECT 1 FROM users WHERE role = 'admin' AND disabled = 0 AND password_hash IS NOT NULL"
            ).fetchone()
            is not None
        )

    def locked_for(self, name: str, now: float | None = None) -> float:
        """Seconds until ``name`` may try to log in again (0: now)."""
        row = self.db.conn.execute("SELECT locked_until FROM login_failures WHERE name = ?", (name,)).fetchone()
        now = time.time() if now is None else now
        return max(0.0, float(row[0]) - now) if row else 0.0

    def record_login(self, name: str, ok: bool, *, after: int, base_seconds: float,
                     now: float | None = None) -> float:
        """Count a log-in attempt of ``name``; returns the lock (seconds) it now has.

        From the ``after``-th failure in a row the account is locked for ``base_seconds``, doubling with
        each further failure up to an hour; a success clears it. Any name is counted, whether or not an
        account has it, so the lock does not tell which names exist.
        """
        now = time.time() if now is None else now
        with self.db.transaction() as conn:
            if ok:
                conn.execute("DELETE FROM login_failures WHERE name = ?", (name,))
                return 0.0
            row = conn.execute("SELECT failures FROM login_failures WHERE name = ?", (name,)).fetchone()
            failures = (int(row[0]) if row else 0) + 1
            lock = min(3600.0, base_seconds * 2 ** (failures - after)) if failures >= after else 0.0
            conn.execute("INSERT INTO login_failures(name, failures, locked_until) VALUES (?, ?, ?) "
                         "ON CONFLICT(name) DO UPDATE SET failures = excluded.failures, "
                         "locked_until = excluded.locked_until", (name, failures, now + lock))
        return lock

    def authenticate(self, name: str, password: str) -> User | None:
        """The user when ``password`` is right, else None (constant work either way)."""
        row = self.db.conn.execute(
            "SELECT id, password_hash FROM users WHERE name = ? AND disabled = 0", (name,)
        ).fetchone()
        stored = row[1] if row and row[1] else _DUMMY_HASH
        try:
            _hasher.verify(stored, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return None
        if row is None or not row[1]:
            return None
        if _hasher.check_needs_rehash(stored):
            self.db.conn.execute("UPDATE users SET password_hash = ? WHERE id = ?", (_hasher.hash(password), row[0]))
        return self.get(name)

    # -- API tokens ----------------------------------------------------------
    def new_token(self, name: str, label: str = "", *, actor: str = "cli") -> str:
        """A new API token for ``name``; shown once, stored only as a hash."""
        user = self.get(name)
        if user is None:
            raise AccountError(f"no user {name!r}; `medcite user add {name} --role reviewer` creates one")
        token = "mct_" + secrets.token_urlsafe(32)
        with self.db.transaction() as conn:
            conn.execute(
                "INSERT INTO tokens(token_hash, user_id, label, created_at) VALUES (?, ?, ?, ?)",
                (_sha(token), user.id, label, now_iso()),
            )
            self.db._audit(conn, actor, "token-add", f"user:{name}", None, {"label": label})
        return token

    def user_for_token(self, token: str) -> User | None:
        row = self.db.conn.execute(
            "SELECT u.id, u.name, u.role, u.created_at FROM tokens t JOIN users u ON u.id = t.user_id "
            "WHERE t.token_hash = ? AND u.disabled = 0",
            (_sha(token),),
        ).fetchone()
        return User(*tuple(row)) if row else None

    # -- sessions ------------------------------------------------------------
    def new_session(self, user: User, ttl: timedelta) -> str:
        sid = secrets.token_urlsafe(32)
        now = datetime.now(UTC)
        with self.db.transaction() as conn:
            conn.execute("DELETE FROM sessions WHERE expires_at < ?", (now.isoformat(),))
            conn.execute(
                "INSERT INTO sessions(id_hash, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)",
                (_sha(sid), user.id, now.isoformat(), (now + ttl).isoformat()),
            )
            self.db._audit(conn, user.name, "login", f"user:{user.name}", None, None)
        return sid

    def user_for_session(self, sid: str) -> User | None:
        row = self.db.conn.execute(
            "SELECT u.id, u.name, u.role, u.created_at FROM sessions s JOIN users u ON u.id = s.user_id "
            "WHERE s.id_hash = ? AND s.expires_at > ? AND u.disabled = 0",
            (_sha(sid), datetime.now(UTC).isoformat()),
        ).fetchone()
        return User(*tuple(row)) if row else None

    def end_session(self, sid: str) -> None:
        user = self.user_for_session(sid)
        with self.db.transaction() as conn:
            conn.execute("DELETE FROM sessions WHERE id_hash = ?", (_sha(sid),))
            if user is not None:
                self.db._audit(conn, user.name, "logout", f"user:{user.name}", None, None)
