"""One error shape for the API: ``{"error": {"status", "code", "message"}}``."""

from __future__ import annotations

from http import HTTPStatus

#: The largest integer SQLite stores: integer parameters above it are refused with 422, not a 500 from the driver.
SQL_INT_MAX = 2**63 - 1

CODES: dict[int, str] = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "rate_limited",
    500: "internal_error",
    503: "unavailable",
}


class ApiError(Exception):
    """An error with an HTTP status, rendered as JSON under /api and as a page elsewhere."""

    def __init__(self, status: int, message: str, code: str | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code or CODES.get(status, HTTPStatus(status).phrase.lower().replace(" ", "_"))
        self.message = message
        self.headers = headers or {}
        #: For a failed question form: what the page needs to offer the form again with the typed
        #: text (``action``, ``question``, ``audience``), so an error never loses a pasted vignette.
        self.retry: dict[str, str] | None = None

    def body(self) -> dict[str, dict[str, object]]:
        return {"error": {"status": self.status, "code": self.code, "message": self.message}}
