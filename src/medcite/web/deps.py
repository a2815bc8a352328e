"""Shared state and request helpers of the web app (auth, rate limiting, payloads)."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from fastapi import Request
from fastapi.templating import Jinja2Templates

from medcite.articles.accounts import Accounts, User
from medcite.articles.db import ArticleDB, ArticleRow, VariantRow
from medcite.articles.service import ArticleService
from medcite.articles.slug import owner_id
from medcite.articles.sources import SourceChecks, SourceState
from medcite.engine import Engine
from medcite.verify import Verifier
from medcite.web.errors import ApiError
from medcite.web.security import TokenBucket
from medcite.web.settings import WebSettings

T = TypeVar("T")

#: The synthesizer a request asked for (set by the API for the duration of one ask; None: the server's).
SYNTHESIZER: ContextVar[str | None] = ContextVar("medcite_synthesizer", default=None)

SESSION_COOKIE = "mc_session"
CSRF_COOKIE = "mc_csrf"
AUDIENCE_COOKIE = "mc_who"
#: A random token naming this browser as the asker of its questions (see :func:`asker`).
OWNER_COOKIE = "mc_owner"
#: Two years: the browser keeps its questions as long as it keeps the cookie.
OWNER_COOKIE_SECONDS = 2 * 365 * 24 * 3600


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
    #: Checks edited statements against their quotes (the engine's corpus is its vocabulary).
    verifier: Verifier
    #: Whether cited sources changed, per edition and store generation (articles.sources).
    source_checks: SourceChecks


def state(request: Request) -> AppState:
    st: AppState = request.app.state.medcite
    return st


def client_key(request: Request) -> str:
    """The rate-limit key: the client's address.

    The peer address, unless the peer is a trusted proxy (``--forwarded-allow-ips``): then the
    right-most ``X-Forwarded-For`` address that is not itself a trusted proxy (the left part of the
    header is whatever the client wrote).
    """
    peer = request.client.host if request.client else "unknown"
    ws = state(request).ws
    if not ws.forwarded_allow_ips or not ws.trusts_proxy(peer):
        return peer
    hops = [h.strip() for h in request.headers.get("x-forwarded-for", "").split(",") if h.strip()]
    for hop in reversed(hops):
        if not ws.trusts_proxy(hop):
            return hop
    return peer


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


def asker(request: Request, user: User | None = None) -> str:
    """Who owns what this request asks: the account, else this browser (its owner cookie, issued when missing).

    Questions are private to their asker until an editor publishes them; an
    API client without an account keeps its questions by keeping the cookie.
    """
    user = user or session_user(request)
    if user is not None:
        return owner_id("user", user.name)
    token = request.cookies.get(OWNER_COOKIE) or getattr(request.state, "new_owner", None)
    if not token or len(token) > 64:
        token = secrets.token_urlsafe(24)
        request.state.new_owner = token  # set on the response by the app's middleware
    return owner_id("browser", token)


def may_read(request: Request, art: ArticleRow, user: User | None = None) -> bool:
    """Whether the caller may see ``art``: published, a reviewer, or an owned article's private link.

    An owned article's random slug is its private link: whoever holds it may
    read it (the asker can share it). Articles from before questions were
    private have guessable slugs, so they are shown only once published.
    """
    user = user or session_user(request)
    if (user is not None and user.can_review) or state(request).ws.open_library:
        return True
    return art.owner is not None or state(request).db.is_published(art.id)


def readable(request: Request, art: ArticleRow, user: User | None = None) -> ArticleRow:
    """``art`` if the caller may read it, else the same 404 as for a missing article (no existence leak)."""
    if not may_read(request, art, user):
        raise ApiError(404, f"no article {art.slug!r}")
    return art


def source_sentence(request: Request, article: dict[str, Any], ref: int, start: int, end: int) -> dict[str, Any]:
    """The quote of a sentence a reviewer adds: a stored sentence of the reference's document, exactly."""
    refs = {int(r["n"]): r for r in article.get("references", [])}
    if ref not in refs:
        raise ApiError(422, f"the article has no reference {ref}")
    doc_id = str(refs[ref]["doc_id"])
    store = state(request).engine.store
    if not any(s.start == start and s.end == end for s in store.sentences(doc_id)):
        raise ApiError(422, f"{start}-{end} is not a sentence of {doc_id}; choose one from the source's sentence list")
    return {"ref": ref, "doc_id": doc_id, "quote": store.text(doc_id)[start:end], "start": start, "end": end}


def sources_of(request: Request, var: VariantRow) -> list[SourceState]:
    """The cited sources of an edition compared with the store now (cached per edition and store change)."""
    return state(request).source_checks.check(("variant", var.id, var.updated_at), lambda: var.content)


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
