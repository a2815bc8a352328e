"""Server-rendered pages: home, article, library, policy, source documents, review, login.

Every form posts a CSRF token (:func:`medcite.web.security.csrf_token`);
pages work without JavaScript, which only adds citation popovers and
auto-submitting the audience choice.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from medcite.answer import question_problem
from medcite.articles.accounts import User
from medcite.articles.content import honest_disclaimer, provenance
from medcite.articles.db import ArticleRow, VariantRow
from medcite.articles.service import AUDIENCE_CHOICES, CHOICE_LABELS, to_audience
from medcite.articles.sources import stale
from medcite.articles.workflow import STATUS_LABELS, TRANSITIONS, step_states
from medcite.model import Audience
from medcite.render.html import (
    SOURCE_KIND_LABELS,
    doi_url,
    pubmed_url,
    quote_digest,
    render_body,
    safe_url,
)
from medcite.render.json import article_from_dict
from medcite.store.db import DocumentNotFound, Store
from medcite.web.deps import (
    AUDIENCE_COOKIE,
    CSRF_COOKIE,
    SESSION_COOKIE,
    actor_name,
    asker,
    charge_ask,
    client_key,
    generating,
    readable,
    session_user,
    sources_of,
    state,
)
from medcite.web.errors import SQL_INT_MAX, ApiError
from medcite.web.markdown import render_markdown
from medcite.web.security import csrf_ok, csrf_token, new_csrf_cookie

router = APIRouter(include_in_schema=False)

#: The longest question a form accepts: a pasted vignette with its labs fits (issue 10).
MAX_QUESTION_CHARS = 4000

Csrf = Annotated[str, Form()]
YEAR = 365 * 24 * 3600


def _cookie_secure(request: Request) -> bool:
    return state(request).ws.secure_cookies


def chrome(request: Request) -> dict[str, Any]:
    """What every page template needs: the user, the CSRF token, the site name."""
    cookie = request.cookies.get(CSRF_COOKIE) or getattr(request.state, "new_csrf", None)
    if not cookie:
        cookie = new_csrf_cookie()
        request.state.new_csrf = cookie
    st = state(request)
    return {
        "user": session_user(request),
        "csrf": csrf_token(st.csrf_secret, cookie, request.cookies.get(SESSION_COOKIE)),
        "site_name": st.ws.site_name,
        "path": request.url.path,
    }


def page(request: Request, name: str, ctx: dict[str, Any], status: int = 200) -> Response:
    st = state(request)
    resp = st.templates.TemplateResponse(request, name, {**chrome(request), **ctx}, status_code=status)
    new = getattr(request.state, "new_csrf", None)
    if new:
        # Lax, not Strict: a Strict cookie is not sent when medcite is opened from a link on another
        # site, so a new one was issued and the forms of every open tab stopped working. Lax still
        # keeps the cookie off cross-site POSTs, which is what CSRF protection needs.
        resp.set_cookie(CSRF_COOKIE, new, httponly=True, samesite="lax", secure=_cookie_secure(request), path="/")
    resp.headers["Cache-Control"] = "no-store"
    return resp


def check_csrf(request: Request, token: str) -> None:
    st = state(request)
    if not csrf_ok(st.csrf_secret, request.cookies.get(CSRF_COOKIE), request.cookies.get(SESSION_COOKIE), token):
        raise ApiError(403, "This form has expired or came from another site. Reload the page and try again.")


def redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def local_path(target: str | None, default: str = "/") -> str:
    """Only same-site paths are redirect targets (no open redirects)."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return default


def require_reviewer(request: Request) -> User:
    user = session_user(request)
    if user is None:
        raise ApiError(401, "Please log in as a reviewer to do this.")
    if not user.can_review:
        raise ApiError(403, f"{user.name} is a {user.role}; this needs a reviewer or admin account.")
    return user


def chosen(request: Request) -> str | None:
    who = request.cookies.get(AUDIENCE_COOKIE)
    return who if who in AUDIENCE_CHOICES else None


# -- home, ask ----------------------------------------------------------------
@router.get("/", response_class=HTMLResponse)
def home(request: Request) -> Response:
    db = state(request).db
    return page(request, "home.html", {"max_question": MAX_QUESTION_CHARS,
        "approved": db.list_articles(status="approved", limit=8),
        # Only this browser's (or account's) own questions: nothing anyone types is listed publicly.
        "mine": db.owned(asker(request), limit=8),
        "everyone": ([a for a in db.list_articles(limit=16) if a.status != "approved"][:8]
                     if state(request).ws.open_library else []),
        "choices": CHOICE_LABELS, "who": chosen(request) or "healthcare-professional",
    })


@contextmanager
def keeping_typed_text(action: str, question: str, **fields: str) -> Iterator[None]:
    """Errors of a question form (expired form, rate limit, bad input) offer the form again, filled in."""
    try:
        yield
    except ApiError as err:
        err.retry = {"action": action, "question": question, **fields}
        raise


@router.post("/ask")
def ask_form(request: Request, csrf: Csrf, question: Annotated[str, Form(max_length=MAX_QUESTION_CHARS)],
             who: Annotated[str, Form()] = "") -> Response:
    with keeping_typed_text("/ask", question, who=who):
        return _ask_form(request, csrf, question, who)


def _ask_form(request: Request, csrf: str, question: str, who: str) -> Response:
    check_csrf(request, csrf)
    question = " ".join(question.split())
    if len(question) < 3 or question_problem(question):
        raise ApiError(422, "Please type a question (at least one word).")
    st = state(request)
    audience = to_audience(who or chosen(request))
    owner = asker(request)
    hit = st.service.lookup(question, audience, owner=owner)
    if hit is None:
        charge_ask(request)
        hit = generating(lambda: st.service.ask(question, audience, actor=actor_name(session_user(request), request),
                                                owner=owner))
    resp = redirect(f"/articles/{hit.article.slug}")
    if who in AUDIENCE_CHOICES:
        resp.set_cookie(AUDIENCE_COOKIE, who, max_age=YEAR, httponly=True, samesite="lax",
                        secure=_cookie_secure(request))
    return resp


# -- article ------------------------------------------------------------------
def variant_for_page(request: Request, art: ArticleRow, audience: Audience, version: int | None) -> VariantRow:
    st = state(request)
    latest = st.db.latest_version(art.id)
    v = latest if version is None or not 1 <= version <= latest else version
    var = st.db.variant(art.id, v, audience)
    if var is not None:
        return var
    if v == latest:
        charge_ask(request)
        return generating(lambda: st.service.variant(art, audience, actor=actor_name(session_user(request),
                                                                                       request))).variant
    others = [x for x in st.db.versions(art.id) if x.version == v]
    if not others:
        raise ApiError(404, f"no version {v}")
    return others[0]


@router.get("/articles/{slug}", response_class=HTMLResponse)
def article_page(request: Request, slug: str,
                 version: Annotated[int | None, Query(ge=1, le=SQL_INT_MAX)] = None,
                 audience: Annotated[str | None, Query()] = None) -> Response:
    st = state(request)
    user = session_user(request)
    art = readable(request, st.db.get(slug), user)
    who = audience if audience in AUDIENCE_CHOICES or audience in ("clinician", "patient") else chosen(request)
    aud = to_audience(who, art.audience)  # type: ignore[arg-type]
    var = variant_for_page(request, art, aud, version)
    article = article_from_dict(var.content)
    article.disclaimer = honest_disclaimer(var.content)
    latest = st.db.latest_version(art.id)
    who_shown = who if who in AUDIENCE_CHOICES and AUDIENCE_CHOICES[who] == var.audience else (
        "healthcare-professional" if var.audience == "clinician" else "patient")
    mine = asker(request, user)
    # Follow-ups are private too: listed when published, or asked by this viewer.
    children = [c for c in st.db.children(art.id)
                if (user is not None and user.can_review) or c.owner == mine or st.db.is_published(c.id)]
    return page(request, "article.html", {
        "art": art, "var": var, "article": article, "body": render_body(article),
        "stale_sources": stale(sources_of(request, var)),
        "provenance": provenance(var.content),
        "steps": step_states(var.status), "status_label": STATUS_LABELS[var.status],
        "approved": var.status == "approved", "latest": latest, "is_latest": var.version == latest,
        "parent": st.db.get_by_id(art.parent_id) if art.parent_id else None,
        "children": children, "choices": CHOICE_LABELS, "who": who_shown,
        "actions": sorted(TRANSITIONS.get(var.status, ())) if user and user.can_review else [],
        "labels": STATUS_LABELS,
        "versions": sorted({v.version for v in st.db.versions(art.id)}),
    })


@router.post("/preferences/audience")
def set_audience(request: Request, csrf: Csrf, who: Annotated[str, Form()],
                 next: Annotated[str, Form()] = "/") -> Response:
    check_csrf(request, csrf)
    if who not in AUDIENCE_CHOICES:
        raise ApiError(422, "Unknown choice.")
    resp = redirect(local_path(next))
    resp.set_cookie(AUDIENCE_COOKIE, who, max_age=YEAR, httponly=True, samesite="lax", secure=_cookie_secure(request))
    return resp


@router.post("/articles/{slug}/follow-up")
def follow_up_form(request: Request, slug: str, csrf: Csrf,
                   question: Annotated[str, Form(max_length=MAX_QUESTION_CHARS)],
                   audience: Annotated[str, Form()] = "") -> Response:
    with keeping_typed_text(f"/articles/{quote(slug)}/follow-up", question, audience=audience):
        return _follow_up_form(request, slug, csrf, question, audience)


def _follow_up_form(request: Request, slug: str, csrf: str, question: str, audience: str) -> Response:
    check_csrf(request, csrf)
    question = " ".join(question.split())
    if len(question) < 3 or question_problem(question):
        raise ApiError(422, "Please type a follow-up question.")
    st = state(request)
    parent = readable(request, st.db.get(slug))
    aud = to_audience(audience or chosen(request), parent.audience)  # type: ignore[arg-type]
    owner = asker(request)
    hit = st.service.lookup(question, aud, parent.id, owner=owner)
    if hit is None:
        charge_ask(request)
        hit = generating(lambda: st.service.follow_up(slug, question, aud,
                                                      actor=actor_name(session_user(request), request), owner=owner))
    return redirect(f"/articles/{hit.article.slug}")


# -- library, policy, documents -------------------------------------------
@router.get("/library", response_class=HTMLResponse)
def library(request: Request, q: Annotated[str, Query(max_length=200)] = "",
            page_no: Annotated[int, Query(alias="page", ge=1, le=1000)] = 1) -> Response:
    per = 20
    rows = state(request).db.list_articles(status="approved", q=q or None, limit=per + 1, offset=(page_no - 1) * per)
    return page(request, "library.html", {"rows": rows[:per], "q": q, "page_no": page_no, "more": len(rows) > per})


@router.get("/editorial-policy", response_class=HTMLResponse)
def editorial_policy(request: Request) -> Response:
    path = state(request).ws.resolved_policy()
    return page(request, "policy.html", {"policy": render_markdown(path.read_text(encoding="utf-8"))})


@router.get("/documents/{doc_id:path}", response_class=HTMLResponse)
def document_page(request: Request, doc_id: str, start: Annotated[int | None, Query(ge=0, le=SQL_INT_MAX)] = None,
                  end: Annotated[int | None, Query(ge=0, le=SQL_INT_MAX)] = None,
                  quote: Annotated[str | None, Query(max_length=64)] = None) -> Response:
    store = state(request).engine.store
    try:
        d = store.get_document(doc_id)
    except DocumentNotFound as exc:
        raise ApiError(404, f"{doc_id} is not in the library (it was removed, or its source file renamed); "
                            "articles that cite it keep the text they quoted") from exc
    text = d.text
    span, note = _highlight(store, doc_id, text, start, end, quote)
    pieces = (text[:span[0]], text[span[0]:span[1]], text[span[1]:]) if span else (text, "", "")
    byline = d.developer or (", ".join(d.authors[:6]) + (" et al." if len(d.authors) > 6 else ""))
    links = [(label, url) for label, url in (("PubMed", pubmed_url(d.pmid)), ("DOI", doi_url(d.doi)),
                                             ("Original", safe_url(d.url))) if url]
    return page(request, "document.html", {
        "doc": d, "before": pieces[0], "quote": pieces[1], "after": pieces[2], "byline": byline,
        "kind": SOURCE_KIND_LABELS.get(d.source_kind, d.source_kind), "links": links, "note": note,
    })


def _highlight(store: Store, doc_id: str, text: str, start: int | None, end: int | None,
               digest: str | None) -> tuple[tuple[int, int] | None, str]:
    """Where to highlight a cited quote, and what to tell the reader when the source changed since.

    Without ``digest`` (links made before citation checks) the offsets are
    trusted as before. With it, the offsets are used only when they still hold
    the quoted text; otherwise the quoted sentence is looked for elsewhere in
    the source (text inserted above it moves it), and failing that the page
    says the quote is gone instead of highlighting whatever is there now.
    """
    if start is None or end is None:
        return None, ""
    in_range = start < end <= len(text)
    if digest is None:
        if not in_range:
            raise ApiError(422, f"start/end must satisfy 0 <= start < end <= {len(text)}")
        return (start, end), ""
    if in_range and quote_digest(text[start:end]) == digest:
        return (start, end), ""
    for s in store.sentences(doc_id):
        if quote_digest(text[s.start:s.end]) == digest:
            return (s.start, s.end), ("This source changed after the article quoted it; "
                                      "the quoted sentence is highlighted where it is now.")
    return None, ("This source changed after the article quoted it, and the quoted text is no longer in it. "
                  "The article keeps the quote it was written from; regenerating the article re-draws its evidence.")


# -- login ---------------------------------------------------------------------
@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, next: str = "/") -> Response:
    return page(request, "login.html", {"next": local_path(next), "error": None})


@router.post("/login")
def login(request: Request, csrf: Csrf, name: Annotated[str, Form(max_length=64)],
          password: Annotated[str, Form(max_length=1024)], next: Annotated[str, Form()] = "/") -> Response:
    check_csrf(request, csrf)
    st = state(request)
    # Password guessing is throttled by the same per-client buckets as asking (own key).
    wait = st.limiter.take("login:" + client_key(request))
    if wait > 0:
        raise ApiError(429, f"too many log-in attempts; retry in {wait:.0f} s",
                       headers={"Retry-After": str(max(1, int(wait + 0.999)))})
    # ... and per account, across workers and addresses: a lock with backoff (WebSettings.lockout_*).
    locked = st.accounts.locked_for(name)
    if locked > 0:
        raise ApiError(429, f"too many failed log-ins for this account; retry in {locked:.0f} s",
                       headers={"Retry-After": str(max(1, int(locked + 0.999)))})
    user = st.accounts.authenticate(name, password)
    st.accounts.record_login(name, user is not None, after=st.ws.lockout_after, base_seconds=st.ws.lockout_seconds)
    if user is None:
        st.db.audit(name, "login-failed", f"user:{name}", None, {"client": request.client.host if request.client
                                                                  else None})
        return page(request, "login.html", {"next": local_path(next), "error": "Wrong name or password."}, 401)
    sid = st.accounts.new_session(user, request.app.state.session_ttl)
    resp = redirect(local_path(next))
    resp.set_cookie(SESSION_COOKIE, sid, max_age=int(request.app.state.session_ttl.total_seconds()), httponly=True,
                    samesite="lax", secure=_cookie_secure(request), path="/")
    return resp


@router.post("/logout")
def logout(request: Request, csrf: Csrf) -> Response:
    check_csrf(request, csrf)
    sid = request.cookies.get(SESSION_COOKIE)
    if sid:
        state(request).accounts.end_session(sid)
    resp = redirect("/")
    resp.delete_cookie(SESSION_COOKIE, path="/")
    return resp
