"""Review pages: the queue, the review page and what reviewers do (edit, delete, add, accept, approve).

The public pages (ask, article, library, documents, login) are in :mod:`medcite.web.pages`.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, Response

from medcite.articles.content import (
    StatementChange,
    accept_statement,
    add_statement,
    delete_statement,
    diff_articles,
    iter_statements,
    reword,
)
from medcite.articles.db import ArticleDB, ArticleRow, ArticleSummary, VariantRow
from medcite.articles.service import to_audience
from medcite.articles.sources import stale
from medcite.articles.workflow import STATUS_LABELS, STATUSES, TRANSITIONS, parse_status
from medcite.model import Quote
from medcite.render.html import default_document_url
from medcite.web.deps import charge_ask, generating, session_user, source_sentence, sources_of, state
from medcite.web.errors import SQL_INT_MAX, ApiError
from medcite.web.pages import (
    Csrf,
    check_csrf,
    local_path,
    page,
    redirect,
    require_reviewer,
    variant_for_page,
)

router = APIRouter(include_in_schema=False)


def _listed_content(db: ArticleDB, row: ArticleSummary) -> dict[str, Any]:
    return db.content_of(row.slug, row.version, row.audience) or {}


@router.get("/review", response_class=HTMLResponse)
def review_queue(request: Request, status: Annotated[str, Query()] = "submitted") -> Response:
    if session_user(request) is None:
        return redirect("/login?next=" + quote(str(request.url.path) + "?" + request.url.query))
    require_reviewer(request)
    try:
        st_ = parse_status(status)
    except ValueError as exc:
        raise ApiError(422, str(exc)) from exc
    st = state(request)
    rows = st.db.list_articles(status=st_, limit=200)
    changed = {(r.slug, r.audience): len(stale(st.source_checks.check(
        ("listed", r.slug, r.version, r.audience, r.updated_at), partial(_listed_content, st.db, r)))) for r in rows}
    return page(request, "queue.html", {"rows": rows, "changed": changed, "status": st_, "statuses": STATUSES, "labels": STATUS_LABELS})


@router.get("/articles/{slug}/review", response_class=HTMLResponse)
def review_page(request: Request, slug: str, audience: Annotated[str | None, Query()] = None) -> Response:
    if session_user(request) is None:
        return redirect("/login?next=" + quote(f"/articles/{slug}/review"))
    require_reviewer(request)
    st = state(request)
    art = st.db.get(slug)
    var = variant_for_page(request, art, to_audience(audience, art.audience), None)  # type: ignore[arg-type]
    rows = [{"section": p, "statement": j, "trail": " › ".join(t), "text": s["text"],
             "citations": s.get("citations", []), "edited": s.get("edited", False),
             "verification": s.get("verification"),
             "quotes": [{**q, "href": _quote_href(q)} for q in s.get("evidence", [])]}
            for p, j, t, s in iter_statements(var.content)]
    return page(request, "review.html", {
        "art": art, "var": var, "rows": rows, "references": var.content.get("references", []), "stale_sources": stale(sources_of(request, var)), "comments": st.db.comments(var.id), "edits": st.db.edits(var.id),
        "audit": st.db.audit_log(obj_prefix=f"article:{art.slug}", limit=50),
        "actions": sorted(TRANSITIONS.get(var.status, ())), "labels": STATUS_LABELS,
        "versions": sorted({v.version for v in st.db.versions(art.id)}),
    })


def _quote_href(q: dict[str, Any]) -> str:
    """The source link of a stored quote, built as the article page builds it (ids URL-encoded)."""
    try:
        return default_document_url(Quote(ref=int(q["ref"]), doc_id=str(q["doc_id"]), quote=str(q["quote"]),
                                          start=int(q["start"]), end=int(q["end"])))
    except (KeyError, TypeError, ValueError):
        return "#"


def _back(slug: str, audience: str) -> str:
    return f"/articles/{slug}" + (f"?audience={audience}" if audience in ("clinician", "patient") else "")


def _current_variant(request: Request, slug: str, audience: str) -> tuple[ArticleRow, VariantRow]:
    st = state(request)
    art = st.db.get(slug)
    var = st.db.variant(art.id, st.db.latest_version(art.id), audience if audience in ("clinician", "patient")
                        else art.audience)
    if var is None:
        raise ApiError(404, f"{slug} has no {audience} version yet")
    return art, var


@router.post("/articles/{slug}/review")
def review_action(request: Request, slug: str, csrf: Csrf, status: Annotated[str, Form()],
                  comment: Annotated[str, Form(max_length=4000)] = "", audience: Annotated[str, Form()] = "",
                  back: Annotated[str, Form()] = "") -> Response:
    check_csrf(request, csrf)
    user = require_reviewer(request)
    art, var = _current_variant(request, slug, audience)
    try:
        target = parse_status(status)
    except ValueError as exc:
        raise ApiError(422, str(exc)) from exc
    state(request).db.review(var.id, target, actor=user.name, comment=comment or None)
    return redirect(local_path(back, _back(art.slug, var.audience)))


@router.post("/articles/{slug}/comment")
def comment_form(request: Request, slug: str, csrf: Csrf, body: Annotated[str, Form(max_length=4000)],
                 section: Annotated[str, Form()] = "", statement: Annotated[str, Form()] = "",
                 audience: Annotated[str, Form()] = "") -> Response:
    check_csrf(request, csrf)
    user = require_reviewer(request)
    art, var = _current_variant(request, slug, audience)
    stmt = int(statement) if statement.isdigit() else None
    state(request).db.comment(var.id, body, actor=user.name, section=section or None, statement=stmt)
    return redirect(f"/articles/{art.slug}/review?audience={var.audience}")


def _change(request: Request, slug: str, csrf: str, audience: str,
            make: Callable[[str, VariantRow], StatementChange], anchor: str = "") -> Response:
    """One reviewer's change to a statement of the current edition, then back to the review page."""
    check_csrf(request, csrf)
    user = require_reviewer(request)
    art, var = _current_variant(request, slug, audience)
    state(request).db.change(var.id, make(user.name, var), actor=user.name)
    return redirect(f"/articles/{art.slug}/review?audience={var.audience}{anchor}")


@router.post("/articles/{slug}/edit")
def edit_form(request: Request, slug: str, csrf: Csrf, section: Annotated[str, Form(max_length=20)],
              statement: Annotated[int, Form(ge=0, le=SQL_INT_MAX)], text: Annotated[str, Form(max_length=4000)],
              audience: Annotated[str, Form()] = "") -> Response:
    verifier = state(request).verifier
    return _change(request, slug, csrf, audience, lambda who, _v: partial(
        reword, section=section, statement=statement, text=text, verifier=verifier, actor=who),
        f"#r-{section}-{statement}")


@router.post("/articles/{slug}/delete")
def delete_form(request: Request, slug: str, csrf: Csrf, section: Annotated[str, Form(max_length=20)],
                statement: Annotated[int, Form(ge=0, le=SQL_INT_MAX)], audience: Annotated[str, Form()] = "") -> Response:
    return _change(request, slug, csrf, audience,
                   lambda _who, _v: partial(delete_statement, section=section, statement=statement))


@router.get("/articles/{slug}/add", response_class=HTMLResponse)
def add_page(request: Request, slug: str, ref: Annotated[int, Query(ge=1, le=SQL_INT_MAX)],
             audience: Annotated[str, Query()] = "") -> Response:
    """The sentences of one cited source, each of which a reviewer can add to a section, word for word."""
    require_reviewer(request)
    art, var = _current_variant(request, slug, audience)
    refs = {int(r["n"]): r for r in var.content.get("references", [])}
    if ref not in refs:
        raise ApiError(404, f"the article has no reference {ref}")
    store = state(request).engine.store
    doc_id = str(refs[ref]["doc_id"])
    text = store.text(doc_id)
    sentences = [{"start": x.start, "end": x.end, "text": text[x.start:x.end]} for x in store.sentences(doc_id)][:600]
    sections = [(str(i), str(sec.get("title", ""))) for i, sec in enumerate(var.content.get("sections", []))]
    return page(request, "add.html", {"art": art, "var": var, "ref": refs[ref], "sentences": sentences,
                                      "sections": sections})


@router.post("/articles/{slug}/add")
def add_form(request: Request, slug: str, csrf: Csrf, section: Annotated[str, Form(max_length=20)],
             ref: Annotated[int, Form(ge=1, le=SQL_INT_MAX)], start: Annotated[int, Form(ge=0, le=SQL_INT_MAX)],
             end: Annotated[int, Form(ge=1, le=SQL_INT_MAX)], audience: Annotated[str, Form()] = "") -> Response:
    return _change(request, slug, csrf, audience, lambda who, var: partial(
        add_statement, section=section, quote=source_sentence(request, var.content, ref, start, end), actor=who))


@router.post("/articles/{slug}/accept")
def accept_form(request: Request, slug: str, csrf: Csrf, section: Annotated[str, Form(max_length=20)],
                statement: Annotated[int, Form(ge=0, le=SQL_INT_MAX)], reason: Annotated[str, Form(max_length=4000)],
                audience: Annotated[str, Form()] = "") -> Response:
    """Record why an edited statement that failed verification is right (it then no longer blocks approval)."""
    return _change(request, slug, csrf, audience, lambda who, _v: partial(
        accept_statement, section=section, statement=statement, reason=reason, actor=who),
        f"#r-{section}-{statement}")


@router.post("/articles/{slug}/regenerate")
def regenerate(request: Request, slug: str, csrf: Csrf, audience: Annotated[str, Form()] = "") -> Response:
    check_csrf(request, csrf)
    user = require_reviewer(request)
    st = state(request)
    art = st.db.get(slug)
    aud = to_audience(audience, art.audience)  # type: ignore[arg-type]
    charge_ask(request)
    parent = st.db.get_by_id(art.parent_id) if art.parent_id else None
    generating(lambda: st.service.ask(art.question, aud, actor=user.name, regenerate=True, parent=parent,
                                      target=art))
    return redirect(_back(art.slug, aud))


@router.get("/articles/{slug}/diff", response_class=HTMLResponse)
def diff_page(request: Request, slug: str, a: Annotated[int, Query(ge=1, le=SQL_INT_MAX)], b: Annotated[int, Query(ge=1, le=SQL_INT_MAX)],
              audience: Annotated[str | None, Query()] = None) -> Response:
    require_reviewer(request)
    st = state(request)
    art = st.db.get(slug)
    aud = to_audience(audience, art.audience)  # type: ignore[arg-type]
    va, vb = st.db.variant(art.id, a, aud), st.db.variant(art.id, b, aud)
    if va is None or vb is None:
        raise ApiError(404, f"versions {a} and {b} do not both have a {aud} version")
    return page(request, "diff.html", {"art": art, "a": a, "b": b, "audience": aud,
                                       "lines": diff_articles(va.content, vb.content)})


