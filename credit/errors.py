"""Domain errors, and their rendering as RFC 9457 problem documents (application/problem+json)."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from flask import Response, current_app, g, json, request
from werkzeug.exceptions import HTTPException

PROBLEM_MIMETYPE = "application/problem+json"
log = logging.getLogger("credit.errors")


class CreditError(Exception):
    """A refusal the caller can act on. Services raise these; the HTTP layer only renders them."""

    status = 400
    title = "Bad request"

    def __init__(
        self,
        detail: str,
        *,
        errors: Mapping[str, list[str]] | None = None,
        headers: Mapping[str, str] | None = None,
        **extra: Any,
    ):
        super().__init__(detail)
        self.detail = detail
        self.errors = dict(errors) if errors else None
        self.headers = dict(headers or {})
        self.extra = extra


class MalformedRequest(CreditError):
    status, title = 400, "Malformed request"


class Unauthorized(CreditError):
    status, title = 401, "Not authenticated"

    def __init__(self, detail: str, **kw):
        kw.setdefault("headers", {"WWW-Authenticate": 'Bearer realm="credit"'})
        super().__init__(detail, **kw)


class Forbidden(CreditError):
    status, title = 403, "Not allowed"


class NotFound(CreditError):
    status, title = 404, "Not found"


class Conflict(CreditError):
    status, title = 409, "Conflict with the current state"


class UrlTooLong(CreditError):
    status, title = 414, "URI too long"


class TooManyRequests(CreditError):
    status, title = 429, "Too many requests"


class HeaderTooLarge(CreditError):
    status, title = 431, "Request header fields too large"


class InvalidInput(CreditError):
    status, title = 422, "Invalid input"

    def __init__(self, errors: Mapping[str, list[str]], detail: str | None = None, **kw):
        fields = ", ".join(sorted(errors))
        super().__init__(detail or f"Invalid input in: {fields}", errors=errors, **kw)

    @classmethod
    def field(cls, name: str, message: str) -> InvalidInput:
        return cls({name: [message]})


def problem(
    status: int,
    title: str,
    detail: str,
    *,
    errors: Mapping | None = None,
    headers: Mapping[str, str] | None = None,
    **extra: Any,
) -> Response:
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": title,
        "status": status,
        "detail": detail,
    }
    if errors:
        body["errors"] = dict(errors)
    body.update(extra)
    request_id = g.get("request_id")
    if request_id:
        body["request_id"] = request_id
    response = current_app.response_class(
        json.dumps(body, ensure_ascii=False), status=status, mimetype=PROBLEM_MIMETYPE
    )
    response.headers.update(headers or {})
    return response


def flatten_messages(messages: Any, prefix: str = "") -> dict[str, list[str]]:
    """Marshmallow's nested error dict as dotted paths: {"items": {0: {"name": [...]}}} → items.0.name."""
    if isinstance(messages, Mapping):
        flat: dict[str, list[str]] = {}
        for key, value in messages.items():
            path = str(key) if not prefix else f"{prefix}.{key}"
            if key == "_schema":
                path = prefix or "body"
            for name, texts in flatten_messages(value, path).items():
                flat.setdefault(name, []).extend(texts)
        return flat
    if isinstance(messages, (list, tuple)):
        texts = [m for m in messages if isinstance(m, str)]
        flat = {prefix or "body": texts} if texts else {}
        for item in messages:
            if isinstance(item, Mapping):
                for name, more in flatten_messages(item, prefix).items():
                    flat.setdefault(name, []).extend(more)
        return flat
    return {prefix or "body": [str(messages)]}


def render_credit_error(error: CreditError) -> Response:
    return problem(
        error.status,
        error.title,
        error.detail,
        errors=error.errors,
        headers=error.headers,
        **error.extra,
    )


def render_http_exception(error: HTTPException) -> Response:
    data = getattr(error, "data", None) or {}
    messages = data.get("messages")
    if messages is not None and error.code == 422:
        # webargs keys messages by location ("json", "query", "view_args"); the contract does not.
        errors: dict[str, list[str]] = {}
        for located in messages.values() if isinstance(messages, Mapping) else [messages]:
            for name, texts in flatten_messages(located).items():
                errors.setdefault(name, []).extend(texts)
        return render_credit_error(InvalidInput(errors))
    headers = {}
    if error.code == 405 and error.valid_methods:
        headers["Allow"] = ", ".join(error.valid_methods)
    detail = data.get("message") or error.description or error.name
    return problem(error.code or 500, error.name, detail, headers=headers)


def render_unexpected(error: Exception) -> Response:
    log.exception(
        "unexpected error", extra={"request_id": g.get("request_id"), "path": request.path}
    )
    return problem(
        500,
        "Internal server error",
        "The registry could not complete this request. Quote the request id when reporting it.",
    )


def register_error_handlers(app) -> None:
    app.register_error_handler(CreditError, render_credit_error)
    app.register_error_handler(HTTPException, render_http_exception)
    app.register_error_handler(Exception, render_unexpected)
