"""The REST API under ``/api/v1`` (OpenAPI schema at ``/api/v1/openapi.json``, docs at ``/api/docs``)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request, Response
from pydantic import AfterValidator, BaseModel, Field

from medcite.answer import question_problem
from medcite.articles.content import add_statement, delete_statement, diff_articles
from medcite.articles.db import ArticleRow
from medcite.articles.service import AUDIENCE_CHOICES, to_audience
from medcite.articles.workflow import parse_status
from medcite.model import Audience, SourceKind
from medcite.web.deps import (
    SYNTHESIZER,
    actor_name,
    article_payload,
    asker,
    bearer_user,
    charge_ask,
    generating,
    readable,
    require_api_reviewer,
    source_sentence,
    sources_of,
    state,
)
from medcite.web.errors import SQL_INT_MAX, ApiError

router = APIRouter(prefix="/api/v1", tags=["api"])

AudienceIn = Literal["clinician", "patient", "healthcare-professional", "medical-student", "caregiver"]
def _askable(text: str) -> str:
    problem = question_problem(text)
    if problem:
        raise ValueError(problem)
    return text


#: A question: 3-500 characters with at least one word (not only spaces or punctuation).
QuestionText = Annotated[str, Field(min_length=3, max_length=4000), AfterValidator(_askable)]


class AskIn(BaseModel):
    question: QuestionText
    audience: AudienceIn = "clinician"
    #: Answer again (reviewers and admins only); a different result makes a new version.
    regenerate: bool = False
    #: With ``regenerate``: the article to answer again (questions are per asker, so the words alone
    #: may name several); default: the reviewer's own article of that question, else the published one.
    slug: Annotated[str | None, Field(max_length=100)] = None
    #: How a newly generated article is written (default: the server's setting); a stored answer is returned
    #: as stored. ``llm`` needs a server started with ``--llm-url``.
    synthesizer: Literal["extractive", "llm"] | None = None


class FollowUpIn(BaseModel):
    question: QuestionText
    audience: AudienceIn | None = None


class ReviewIn(BaseModel):
    status: Annotated[str, Field(description="submitted | under_review | approved | changes_requested")]
    comment: Annotated[str | None, Field(max_length=4000)] = None
    audience: Literal["clinician", "patient"] | None = None


class CommentIn(BaseModel):
    body: Annotated[str, Field(min_length=1, max_length=4000)]
    section: Annotated[str | None, Field(max_length=20, pattern=r"^\d+(\.\d+)*$")] = None
    statement: Annotated[int | None, Field(ge=0)] = None
    audience: Literal["clinician", "patient"] | None = None


class EditIn(BaseModel):
    section: Annotated[str, Field(max_length=20, pattern=r"^\d+(\.\d+)*$")]
    statement: Annotated[int, Field(ge=0, le=SQL_INT_MAX)]
    text: Annotated[str, Field(min_length=1, max_length=4000)]
    citations: list[int] | None = None
    audience: Literal["clinician", "patient"] | None = None


def _parent_slug(request: Request, art: ArticleRow) -> str | None:
    return state(request).db.get_by_id(art.parent_id).slug if art.parent_id else None


def _variant_or_generate(request: Request, art: ArticleRow, audience: Audience, actor: str,
                         version: int | None = None) -> dict[str, Any]:
    st = state(request)
    v = version or st.db.latest_version(art.id)
    var = st.db.variant(art.id, v, audience)
    if var is None:
        if version is not None and version != st.db.latest_version(art.id):
            raise ApiError(404, f"version {version} of {art.slug!r} has no {audience} variant")
        charge_ask(request)
        var = generating(lambda: st.service.variant(art, audience, actor=actor)).variant
    # Citation integrity: whether each cited source still reads as quoted (see articles.sources).
    sources = [{**asdict(x), "message": x.message} for x in sources_of(request, var)]
    return {**article_payload(art, var, _parent_slug(request, art)), "sources": sources,
            "sources_changed": any(x["status"] != "current" for x in sources)}


@router.post("/ask", summary="Ask a question; returns the stored or newly generated article")
def ask(body: AskIn, request: Request, response: Response) -> dict[str, Any]:
    st = state(request)
    audience = to_audience(body.audience)
    user = bearer_user(request)
    if body.regenerate and (user is None or not user.can_review):
        raise ApiError(401 if user is None else 403, "regenerating an article needs a reviewer or admin token")
    owner = asker(request, user)
    if not body.regenerate:
        hit = st.service.lookup(body.question, audience, owner=owner)
        if hit is not None:  # stored answers are cheap: not rate-limited
            return {**article_payload(hit.article, hit.variant), "outcome": hit.outcome}
    charge_ask(request)
    target = st.db.get(body.slug) if body.regenerate and body.slug else None
    if body.synthesizer == "llm" and not st.engine.settings.llm.url:
        raise ApiError(422, "this server has no language model; start it with --llm-url, or ask for 'extractive'")
    token = SYNTHESIZER.set(body.synthesizer)
    try:
        res = generating(lambda: st.service.ask(body.question, audience, actor=actor_name(user, request),
                                                regenerate=body.regenerate, owner=owner, target=target))
    finally:
        SYNTHESIZER.reset(token)
    if res.outcome == "created":
        response.status_code = 201
    return {**article_payload(res.article, res.variant), "outcome": res.outcome}


@router.get("/articles", summary="List published articles (reviewers: all), latest versions, newest first")
def list_articles(
    request: Request,
    status: Annotated[Literal["submitted", "under_review", "approved", "changes_requested"] | None, Query()] = None,
    q: Annotated[str | None, Query(max_length=200)] = None,
    audience: Annotated[Literal["clinician", "patient"] | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=SQL_INT_MAX)] = 0,
) -> dict[str, Any]:
    user = bearer_user(request)  # the API authenticates with tokens only (docs/decisions.md)
    if (user is None or not user.can_review) and not state(request).ws.open_library:
        # Questions are private until published: everyone else lists approved editions only.
        if status not in (None, "approved"):
            return {"articles": [], "count": 0}
        status = "approved"
    rows = state(request).db.list_articles(status=status, q=q, audience=audience, limit=limit, offset=offset)
    return {"articles": [{**asdict(r), "url": f"/articles/{r.slug}"} for r in rows], "count": len(rows)}


@router.get("/articles/{slug}", summary="One article (current version) for an audience")
def get_article(
    slug: str, request: Request,
    audience: Annotated[AudienceIn | None, Query()] = None,
) -> dict[str, Any]:
    art = readable(request, state(request).db.get(slug), bearer_user(request))
    return _variant_or_generate(request, art, to_audience(audience, art.audience),  # type: ignore[arg-type]
                                actor_name(None, request))


@router.get("/articles/{slug}/versions", summary="Every version and audience variant with its review state")
def versions(slug: str, request: Request) -> dict[str, Any]:
    st = state(request)
    art = st.db.get(slug)
    return {
        "slug": art.slug, "question": art.question, "current": st.db.latest_version(art.id),
        "versions": [
            {"version": v.version, "audience": v.audience, "status": v.status, "reviewer": v.reviewer,
             "approved_at": v.approved_at, "created_at": v.created_at, "updated_at": v.updated_at,
             "content_hash": v.content_hash}
            for v in st.db.versions(art.id)
        ],
    }


@router.get("/articles/{slug}/versions/{n}", summary="One version of an article")
def get_version(
    slug: str, n: Annotated[int, Path(ge=1, le=SQL_INT_MAX)], request: Request, audience: Annotated[AudienceIn | None, Query()] = None,
) -> dict[str, Any]:
    art = readable(request, state(request).db.get(slug), bearer_user(request))
    if n < 1 or n > state(request).db.latest_version(art.id):
        raise ApiError(404, f"{slug!r} has no version {n}")
    return _variant_or_generate(request, art, to_audience(audience, art.audience),  # type: ignore[arg-type]
                                actor_name(None, request), version=n)


@router.post("/articles/{slug}/follow-up", summary="Ask a follow-up question in the article's thread")
def follow_up(slug: str, body: FollowUpIn, request: Request, response: Response) -> dict[str, Any]:
    st = state(request)
    user = bearer_user(request)
    parent = readable(request, st.db.get(slug), user)
    audience = to_audience(body.audience, parent.audience)  # type: ignore[arg-type]
    owner = asker(request, user)
    hit = st.service.lookup(body.question, audience, parent.id, owner=owner)
    if hit is not None:
        return {**article_payload(hit.article, hit.variant, parent.slug), "outcome": hit.outcome}
    charge_ask(request)
    res = generating(lambda: st.service.follow_up(slug, body.question, audience, actor=actor_name(user, request),
                                                  owner=owner))
    if res.outcome == "created":
        response.status_code = 201
    return {**article_payload(res.article, res.variant, parent.slug), "outcome": res.outcome}


def _review_variant(request: Request, slug: str, audience: str | None) -> tuple[ArticleRow, int]:
    st = state(request)
    art = st.db.get(slug)
    var = st.db.variant(art.id, st.db.latest_version(art.id), audience or art.audience)
    if var is None:
        raise ApiError(404, f"{slug!r} has no {audience} variant in its current version")
    return art, var.id


@router.post("/articles/{slug}/review", summary="A review action (token auth: reviewer or admin)")
def review(slug: str, body: ReviewIn, request: Request) -> dict[str, Any]:
    user = require_api_reviewer(request)
    try:
        target = parse_status(body.status)
    except ValueError as exc:
        raise ApiError(422, str(exc)) from exc
    art, var_id = _review_variant(request, slug, body.audience)
    var = state(request).db.review(var_id, target, actor=user.name, comment=body.comment)
    return {"slug": art.slug, "version": var.version, "audience": var.audience, "status": var.status,
            "reviewer": var.reviewer, "approved_at": var.approved_at}


@router.post("/articles/{slug}/comments", status_code=201, summary="Comment on the article, a section or a statement")
def comment(slug: str, body: CommentIn, request: Request) -> dict[str, Any]:
    user = require_api_reviewer(request)
    _art, var_id = _review_variant(request, slug, body.audience)
    c = state(request).db.comment(var_id, body.body, actor=user.name, section=body.section, statement=body.statement)
    return asdict(c)


@router.get("/articles/{slug}/comments", summary="Comments on the current version")
def comments(slug: str, request: Request, audience: Literal["clinician", "patient"] | None = None) -> dict[str, Any]:
    require_api_reviewer(request)
    _art, var_id = _review_variant(request, slug, audience)
    st = state(request)
    return {"comments": [asdict(c) for c in st.db.comments(var_id)],
            "edits": [asdict(e) for e in st.db.edits(var_id)]}


@router.post("/articles/{slug}/edits", summary="Edit a statement's text (tracked; citations must stay valid)")
def edit(slug: str, body: EditIn, request: Request) -> dict[str, Any]:
    user = require_api_reviewer(request)
    art, var_id = _review_variant(request, slug, body.audience)
    st = state(request)
    var = st.db.edit_statement(var_id, body.section, body.statement, body.text, actor=user.name,
                               citations=body.citations, verifier=st.verifier)
    return article_payload(art, var, _parent_slug(request, art))


class DeleteIn(BaseModel):
    section: Annotated[str, Field(max_length=20, pattern=r"^\d+(\.\d+)*$")]
    statement: Annotated[int, Field(ge=0, le=SQL_INT_MAX)]
    audience: Literal["clinician", "patient"] | None = None


class AddIn(BaseModel):
    section: Annotated[str, Field(max_length=20, pattern=r"^\d+(\.\d+)*$")]
    ref: Annotated[int, Field(ge=1, le=SQL_INT_MAX)]
    start: Annotated[int, Field(ge=0, le=SQL_INT_MAX)]
    end: Annotated[int, Field(ge=1, le=SQL_INT_MAX)]
    audience: Literal["clinician", "patient"] | None = None


@router.post("/articles/{slug}/statements/delete", summary="Delete a statement (tracked)")
def delete_statement_api(slug: str, body: DeleteIn, request: Request) -> dict[str, Any]:
    user = require_api_reviewer(request)
    art, var_id = _review_variant(request, slug, body.audience)
    var = state(request).db.change(var_id, lambda c: delete_statement(c, body.section, body.statement),
                                   actor=user.name)
    return article_payload(art, var, _parent_slug(request, art))


@router.post("/articles/{slug}/statements", summary="Add a sentence of a cited source as a statement (tracked)")
def add_statement_api(slug: str, body: AddIn, request: Request) -> dict[str, Any]:
    user = require_api_reviewer(request)
    art, var_id = _review_variant(request, slug, body.audience)
    st = state(request)
    quote = source_sentence(request, st.db.variant_by_id(var_id).content, body.ref, body.start, body.end)
    var = st.db.change(var_id, lambda c: add_statement(c, body.section, quote, actor=user.name), actor=user.name)
    return article_payload(art, var, _parent_slug(request, art))


class AcceptIn(BaseModel):
    section: Annotated[str, Field(max_length=20, pattern=r"^\d+(\.\d+)*$")]
    statement: Annotated[int, Field(ge=0, le=SQL_INT_MAX)]
    reason: Annotated[str, Field(min_length=3, max_length=4000)]
    audience: Literal["clinician", "patient"] | None = None


@router.post("/articles/{slug}/accept", summary="Record why an edited statement that failed verification is right")
def accept(slug: str, body: AcceptIn, request: Request) -> dict[str, Any]:
    user = require_api_reviewer(request)
    art, var_id = _review_variant(request, slug, body.audience)
    var = state(request).db.accept_statement(var_id, body.section, body.statement, body.reason, actor=user.name)
    return article_payload(art, var, _parent_slug(request, art))


@router.get("/articles/{slug}/diff", summary="Statement-level diff between two versions (reviewers)")
def diff(
    slug: str, request: Request, a: Annotated[int, Query(ge=1, le=SQL_INT_MAX)], b: Annotated[int, Query(ge=1, le=SQL_INT_MAX)],
    audience: Literal["clinician", "patient"] | None = None,
) -> dict[str, Any]:
    require_api_reviewer(request)
    st = state(request)
    art = st.db.get(slug)
    aud = audience or art.audience
    va, vb = st.db.variant(art.id, a, aud), st.db.variant(art.id, b, aud)
    if va is None or vb is None:
        raise ApiError(404, f"versions {a} and {b} of {slug!r} do not both have a {aud} variant")
    return {"slug": slug, "a": a, "b": b, "audience": aud,
            "lines": [{"op": d.op, "text": d.text} for d in diff_articles(va.content, vb.content)]}


@router.get("/articles/{slug}/audit", summary="The article's audit log (reviewers)")
def audit(slug: str, request: Request) -> dict[str, Any]:
    require_api_reviewer(request)
    st = state(request)
    art = st.db.get(slug)
    return {"entries": [asdict(e) for e in st.db.audit_log(obj_prefix=f"article:{art.slug}")]}


@router.get("/documents/{doc_id:path}", summary="A stored source document (text, metadata, sections, sentences)")
def document(doc_id: str, request: Request) -> dict[str, Any]:
    store = state(request).engine.store
    d = store.get_document(doc_id)
    out = asdict(d)
    out["sentences"] = [{"idx": s.idx, "section": s.section_idx, "start": s.start, "end": s.end}
                        for s in store.sentences(doc_id)]
    return out


@router.get("/search", summary="Ranked passages (BM25) for a query")
def search(
    request: Request,
    q: Annotated[str, Query(min_length=1, max_length=300)],
    kind: Annotated[SourceKind | None, Query()] = None,
    k: Annotated[int, Query(ge=1, le=100)] = 10,
) -> dict[str, Any]:
    hits = state(request).engine.search(q, kind=kind, k=k)
    return {"query": q, "hits": [
        {"rank": h.rank, "score": round(h.score, 4), "doc_id": h.passage.doc_id, "passage_id": h.passage.id,
         "source_kind": h.passage.source_kind, "title": h.passage.title, "start": h.passage.start,
         "end": h.passage.end, "text": h.passage.text}
        for h in hits
    ]}


@router.get("/audiences", summary="The personalisation choices and the audience each maps to")
def audiences() -> dict[str, str]:
    return dict(AUDIENCE_CHOICES)

