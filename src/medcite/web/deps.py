"""Shared state and request helpers of the web app (auth, rate limiting, payloads)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from fastapi import Request
from fastapi.templating import Jinja2Templates

from medcite.articles.accounts import Accounts, User
from medcite.articles.db import ArticleDB, ArticleRow, VariantRow
from medcite.articles.service import ArticleService
from medcite.engine import Engine
from medcite.web.errors import ApiError
from medcite.web.security import TokenBucket
from medcite.web.settings import WebSettings

T = TypeVar("T")

SESSION_COOKIE = "mc_session"
CSRF_COOKIE = "mc_csrf"
AUDIENCE_COOKIE = "mc_who"


@dataclass(slots=True)
class AppState:
    ws: WebSettings
    engine: Engine
    db: ArticleDB
    accounts: Accounts
    service: ArticleService
    limiter: TokenBucket
    csrf_secret: bytes
    templates: Jinja2Templates


def state(request: Request) -> AppState:
    st: AppState = request.app.state.medcite
    return st


def client_key(request: Request) -> str:
    """The rate-limit key: the peer address (no proxy headers are trusted)."""
    return request.client.host if request.client else "unknown"


def charge_ask(request: Request) -> None:
    """Spend one ask token of this client, or raise 429 with ``Retry-After``."""
    wait = state(request).limiter.take(client_key(request))
    if wait > 0:
        raise ApiError(429, f"too many questions from this client; retry in {wait:.0f} s",
                       headers={"Retry-After": str(max(1, int(wait + 0.999)))})


def generating(fn: Callable[[], T]) -> T:
    """Run a call that may run the answer pipeline; a missing pipeline is a 503, not a crash."""
    try:
        return fn()
    except (NotImplementedError, ImportError) as exc:
        raise ApiError(503, f"the answer pipeline is not available in this installation ({exc})") from exc


def bearer_user(request: Request) -> User | None:
    auth = request.headers.get("authorization", "")
    scheme, _, token = auth.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    user = state(request).accounts.user_for_token(token.strip())
    if user is None:
        raise ApiError(401, "invalid API token", headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})
    return user


def require_api_reviewer(request: Request) -> User:
    """The token's user if they may review: 401 without a token, 403 for readers."""
    user = bearer_user(request)
    if user is None:
        raise ApiError(401, "this action needs an API token (Authorization: Bearer <token>); "
                       "`medcite user token NAME` makes one", headers={"WWW-Authenticate": "Bearer"})
    if not user.can_review:
        raise ApiError(403, f"user {user.name!r} has role {user.role!r}; reviewing needs reviewer or admin")
    return user


def session_user(request: Request) -> User | None:
    if getattr(request.state, "user_loaded", False):
        cached: User | None = request.state.user
        return cached
    sid = request.cookies.get(SESSION_COOKIE)
    user = state(request).accounts.user_for_session(sid) if sid else None
    request.state.user = user
    request.state.user_loaded = True
    return user


def actor_name(user: User | None, request: Request) -> str:
    return user.name if user else f"anonymous@{client_key(request)}"


def human_date(iso: str | None) -> str:
    """``2025-05-16T10:00:00+00:00`` → ``May 16, 2025``."""
    if not iso:
        return ""
    try:
        d = datetime.fromisoformat(iso)
    except ValueError:
        return iso
    return f"{d:%B} {d.day}, {d.year}"


def article_payload(art: ArticleRow, var: VariantRow, parent_slug: str | None = None) -> dict[str, Any]:
    """The article JSON (render.json contract) plus where it lives and its review state."""
    return {
        **var.content,
        "slug": art.slug,
        "url": f"/articles/{art.slug}",
        "version": var.version,
        "audience": var.audience,
        "status": var.status,
        "reviewer": var.reviewer,
        "approved_at": var.approved_at,
        "updated_at": var.updated_at,
        "parent_slug": parent_slug,
    }
