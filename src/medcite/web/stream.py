"""``POST /api/v1/ask/stream``: ask, with the stages reported as server-sent events while it runs.

Events: ``stage`` (``{"stage": "searching" | "composing" | "writing" | "verifying"}``), then one of
``article`` (``{"slug", "url", "outcome"}``) or ``error`` (``{"status", "message"}``); a comment line
every few seconds keeps proxies from closing a quiet stream. The answer runs in its own thread with
the request's context (owner, synthesizer); it always ends, because the language model has a timeout
after which the extractive article is stored with the reason. The ask page uses this to show what is
happening instead of a spinner (and works without JavaScript through the plain form).
"""

from __future__ import annotations

import contextvars
import json
import queue
import threading
from collections.abc import Iterator
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse

from medcite.answer.progress import PROGRESS
from medcite.articles.service import to_audience
from medcite.web.api import AskIn
from medcite.web.deps import SYNTHESIZER, actor_name, asker, bearer_user, charge_ask, generating, state
from medcite.web.errors import ApiError

router = APIRouter(prefix="/api/v1", tags=["api"])

HEARTBEAT_SECONDS = 5.0


def _event(kind: str, data: dict[str, Any]) -> str:
    return f"event: {kind}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


@router.post("/ask/stream", summary="Ask, with progress as server-sent events (text/event-stream)")
def ask_stream(body: AskIn, request: Request) -> StreamingResponse:
    st = state(request)
    audience = to_audience(body.audience)
    user = bearer_user(request)
    if body.regenerate:
        raise ApiError(422, "regenerating is not streamed; use POST /api/v1/ask")
    owner = asker(request, user)
    events: queue.Queue[tuple[str, dict[str, Any]] | None] = queue.Queue()
    hit = st.service.lookup(body.question, audience, owner=owner)
    if hit is not None:
        events.put(("article", {"slug": hit.article.slug, "url": f"/articles/{hit.article.slug}",
                                "outcome": hit.outcome}))
        events.put(None)
    else:
        charge_ask(request)  # a 429 before the stream starts, as a plain JSON error
        if body.synthesizer == "llm" and not st.engine.settings.llm.url:
            raise ApiError(422, "this server has no language model; ask for 'extractive'")
        actor = actor_name(user, request)

        def work() -> None:
            PROGRESS.set(lambda stage: events.put(("stage", {"stage": stage})))
            SYNTHESIZER.set(body.synthesizer)
            try:
                res = generating(lambda: st.service.ask(body.question, audience, actor=actor, owner=owner))
                events.put(("article", {"slug": res.article.slug, "url": f"/articles/{res.article.slug}",
                                        "outcome": res.outcome}))
            except ApiError as exc:
                events.put(("error", {"status": exc.status, "message": exc.message}))
            except Exception:
                events.put(("error", {"status": 500, "message": "internal error; the server log has the details"}))
                raise
            finally:
                events.put(None)

        ctx = contextvars.copy_context()
        threading.Thread(target=ctx.run, args=(work,), daemon=True, name="medcite-ask-stream").start()

    def stream() -> Iterator[str]:
        while True:
            try:
                item = events.get(timeout=HEARTBEAT_SECONDS)
            except queue.Empty:
                yield ": still working\n\n"
                continue
            if item is None:
                return
            yield _event(*item)

    return StreamingResponse(stream(), media_type="text/event-stream",
                             headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})
