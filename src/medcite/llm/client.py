"""A small client for OpenAI-compatible chat endpoints (llama.cpp's server, vLLM, Ollama, hosted APIs).

The client owns policy (model, timeout, structured output, error wording); a
transport does the I/O behind one call, so a test can stand in for a remote
service with a plain function. Structured output is asked for with
``response_format``: llama.cpp and llama-cpp-python's server take
``{"type": "json_object", "schema": ...}`` and turn the schema into a grammar;
vLLM takes ``{"type": "json_schema", ...}``. Both are sent as the endpoint
allows (``ChatClient.schema_style``).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import httpx

#: ``transport(url, payload, headers, timeout) -> response JSON``; raises :class:`LLMError`.
Transport = Callable[[str, Mapping[str, Any], Mapping[str, str], float], Mapping[str, Any]]


class LLMError(Exception):
    """The endpoint could not give a usable answer; the message says why, for the reader and the log."""


def HttpTransport(url: str, payload: Mapping[str, Any], headers: Mapping[str, str],
                  timeout: float) -> Mapping[str, Any]:
    """POST ``payload`` as JSON with httpx (the real transport)."""
    try:
        r = httpx.post(url, json=dict(payload), headers=dict(headers), timeout=timeout)
    except httpx.TimeoutException as exc:
        raise LLMError(f"the language model at {url} did not answer within {timeout:.0f} s") from exc
    except httpx.TransportError as exc:
        raise LLMError(f"cannot reach the language model at {url} ({type(exc).__name__}: {exc})") from exc
    if r.status_code >= 400:
        raise LLMError(f"the language model at {url} answered HTTP {r.status_code}: {r.text[:200]}")
    try:
        body = r.json()
    except ValueError as exc:
        raise LLMError(f"the language model at {url} did not answer JSON") from exc
    if not isinstance(body, dict):
        raise LLMError(f"the language model at {url} answered {type(body).__name__}, not an object")
    return body


@dataclass(frozen=True, slots=True)
class ChatClient:
    """Chat completions with a JSON schema, from ``base_url`` (``.../v1``).

    Parameters
    ----------
    base_url
        The endpoint's root, e.g. ``http://127.0.0.1:8080/v1``.
    model
        The model name the endpoint expects (llama.cpp accepts any).
    key_env
        The environment variable holding an API key for remote endpoints (not the key itself,
        so it never lands in settings files or logs).
    """

    base_url: str
    model: str = "default"
    key_env: str = "MEDCITE_LLM_KEY"
    timeout: float = 60.0
    max_tokens: int = 600
    schema_style: str = "json_object"  # or "json_schema" (vLLM, OpenAI)
    transport: Transport = HttpTransport

    def complete_json(self, messages: list[dict[str, str]], schema: Mapping[str, Any]) -> dict[str, Any]:
        """The model's answer, parsed as a JSON object, with the endpoint's token counts under
        ``"_usage"`` when it reports them (raises :class:`LLMError`)."""
        fmt: dict[str, Any] = ({"type": "json_object", "schema": dict(schema)} if self.schema_style == "json_object"
                               else {"type": "json_schema", "json_schema": {"name": "answer", "schema": dict(schema)}})
        payload = {"model": self.model, "messages": messages, "temperature": 0, "max_tokens": self.max_tokens,
                   "response_format": fmt}
        headers = {"Content-Type": "application/json"}
        key = os.environ.get(self.key_env)
        if key:
            headers["Authorization"] = f"Bearer {key}"
        body = self.transport(self.base_url.rstrip("/") + "/chat/completions", payload, headers, self.timeout)
        try:
            content = body["choices"][0]["message"]["content"]
        except (KeyError, IndexError, TypeError) as exc:
            raise LLMError("the language model's answer has no choices[0].message.content") from exc
        if not isinstance(content, str):
            raise LLMError("the language model's message content is not text")
        try:
            out = json.loads(content)
        except json.JSONDecodeError as exc:
            raise LLMError(f"the language model did not return valid JSON ({exc.msg} at character {exc.pos})") from exc
        if not isinstance(out, dict):
            raise LLMError("the language model returned JSON that is not an object")
        usage = body.get("usage")
        if isinstance(usage, dict):
            out["_usage"] = {k: v for k, v in usage.items() if isinstance(v, int)}
        return out
