"""The ASGI application: :func:`create_app` wires settings, stores, routes and error handling."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from medcite import __version__
from medcite.articles.accounts import AccountError, Accounts
from medcite.articles.content import EditError
from medcite.articles.db import ArticleDB, ArticleNotFound, ReviewConflict
from medcite.articles.service import ArticleService
from medcite.articles.sources import SourceChecks
from medcite.engine import Engine
from medcite.model import Article, Audience
from medcite.store.db import DocumentNotFound
from medcite.web import api, pages, review_pages, stream
from medcite.web.deps import OWNER_COOKIE, OWNER_COOKIE_SECONDS, SYNTHESIZER, AppState, human_date
from medcite.web.errors import ApiError
from medcite.web.security import SECURITY_HEADERS, BodyLimit, SecurityHeaders, TokenBucket
from medcite.web.settings import WebSettings

HERE = Path(__file__).parent


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _error_response(request: Request, err: ApiError) -> Response:
    if _is_api(request):
        return JSONResponse(err.body(), status_code=err.status, headers=err.headers)
    st: AppState = request.app.state.medcite
    return st.templates.TemplateResponse(
        request, "error.html", {"status": err.status, "message": err.message, "retry": err.retry,
                                "max_question": pages.MAX_QUESTION_CHARS, **pages.chrome(request)},
        status_code=err.status, headers=err.headers,
    )


def _install_error_handlers(app: FastAPI) -> None:
    async def api_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, ApiError)
        return _error_response(request, exc)

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        return _error_response(request, ApiError(exc.status_code, str(exc.detail), headers=dict(exc.headers or {})))

    async def validation_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        parts = []
        for e in exc.errors()[:5]:
            where = ".".join(str(x) for x in e.get("loc", ()) if x != "body")
            parts.append(f"{where}: {e.get('msg', 'invalid')}" if where else str(e.get("msg", "invalid")))
        return _error_response(request, ApiError(422, "; ".join(parts) or "invalid request"))

    def mapped(status: int) -> Any:
        async def handler(request: Request, exc: Exception) -> Response:
            return _error_response(request, ApiError(status, str(exc)))
        return handler

    app.add_exception_handler(ApiError, api_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(ArticleNotFound, mapped(404))
    app.add_exception_handler(DocumentNotFound, mapped(404))
    app.add_exception_handler(ReviewConflict, mapped(409))
    app.add_exception_handler(EditError, mapped(422))
    app.add_exception_handler(AccountError, mapped(400))

    async def server_error(request: Request, exc: Exception) -> Response:
        # Starlette answers unhandled errors from its outermost middleware, past
        # SecurityHeaders, so the headers are added here; no traceback leaks.
        err = ApiError(500, "internal error; the server log has the details")
        err.headers.update({k.decode(): v.decode() for k, v in SECURITY_HEADERS})
        return _error_response(request, err)

    app.add_exception_handler(Exception, server_error)


class OwnerCookie:
    """Set a browser's new owner token (``deps.asker`` issues it on a first ask) on the response.

    Plain ASGI rather than ``@app.middleware("http")``: Starlette's
    BaseHTTPMiddleware streams every response through a task group, which
    cost reads measurable time under load. JSON endpoints (which return
    dicts) and redirects carry the cookie alike.
    """

    def __init__(self, app: ASGIApp, secure: bool) -> None:
        self.app = app
        self.secure = secure

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_cookie(message: Message) -> None:
            # Request.state lives in scope["state"]; the handler has run when the response starts.
            token = scope.get("state", {}).get("new_owner") if message["type"] == "http.response.start" else None
            if token:
                cookie = Response()
                cookie.set_cookie(OWNER_COOKIE, token, max_age=OWNER_COOKIE_SECONDS, httponly=True, samesite="lax",
                                  secure=self.secure, path="/")
                message["headers"] = [*message.get("headers", []),
                                      *((k, v) for k, v in cookie.raw_headers if k == b"set-cookie")]
            await send(message)

        await self.app(scope, receive, send_with_cookie)


def create_app(ws: WebSettings, *, engine: Engine | None = None) -> FastAPI:
    """The medcite web app over the store and article database of ``ws.settings.home``.

    Parameters
    ----------
    ws
        Typed web settings (built by ``medcite serve`` from flags/environment).
    engine
        An open engine to share (tests); by default one is opened over the
        existing store (which must exist: ingest first).
    """
    engine = engine or Engine(ws.settings, must_exist=True)
    db = ArticleDB(ws.articles_path)

    def answer(question: str, audience: Audience, thread: str | None) -> Article:
        from medcite.answer.threads import ThreadNotFound

        # The synthesizer of this request (API ``synthesizer``), else the server's (``serve --synthesizer``).
        which = SYNTHESIZER.get() or ws.synthesizer
        try:
            return engine.ask(question, audience=audience, thread=thread, synthesizer=which)
        except ThreadNotFound:  # the thread file was reset: answer without the earlier context
            return engine.ask(question, audience=audience, thread=None, synthesizer=which)

    templates = Jinja2Templates(directory=str(HERE / "templates"))
    templates.env.filters["human_date"] = human_date
    templates.env.globals["version"] = __version__
    st = AppState(
        ws=ws, engine=engine, db=db, accounts=Accounts(db), service=ArticleService(db, answer),
        limiter=TokenBucket(ws.ask_rate_per_minute, ws.ask_burst), csrf_secret=db.secret("csrf"),
        templates=templates, verifier=engine.verifier(),
        source_checks=SourceChecks(engine.store, engine.store.generation),
    )
    app = FastAPI(
        title="medcite", version=__version__,
        description="Cited, guideline-first answers from a local medical corpus. "
        "Errors: `{\"error\": {\"status\", \"code\", \"message\"}}`.",
        openapi_url="/api/v1/openapi.json", docs_url=None, redoc_url=None,  # the CDN-based UIs are off
    )
    app.state.medcite = st
    app.state.session_ttl = timedelta(hours=ws.session_hours)
    _install_error_handlers(app)
    app.include_router(stream.router)
    app.include_router(api.router)
    app.include_router(pages.router)
    app.include_router(review_pages.router)
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/api/docs", include_in_schema=False, response_class=HTMLResponse)
    def api_docs(request: Request) -> Response:
        return templates.TemplateResponse(request, "api_docs.html", {"spec": app.openapi(), **pages.chrome(request)})

    app.add_middleware(OwnerCookie, secure=ws.secure_cookies)
    app.add_middleware(BodyLimit, limit=ws.max_body_bytes)
    app.add_middleware(SecurityHeaders)
    return app
