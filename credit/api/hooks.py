"""Per-request plumbing: request ids, body checks, eager token checks and the access log."""

from __future__ import annotations

import io
import json
import logging
import os
import re
import time
from urllib.parse import unquote_to_bytes

from flask import Flask, current_app, g, request
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wsgi import get_content_length

from credit import logs
from credit.api.context import close_session, current_caller
from credit.config import MAX_HEADER_BYTES, MAX_URL_BYTES
from credit.errors import HeaderTooLarge, MalformedRequest, UrlTooLong

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})


def install(app: Flask) -> None:
    app.before_request(_start)
    app.after_request(_finish)
    app.teardown_request(close_session)


def _start() -> None:
    g.started = time.perf_counter()
    offered = request.headers.get("X-Request-ID", "")
    g.request_id = offered if _REQUEST_ID.match(offered) else os.urandom(16).hex()
    _check_sizes()
    _check_query_encoding()
    if request.method in BODY_METHODS:  # any other request's body is never read
        _raise_the_limit_for_uploads()
        _hold_a_streamed_body_to_the_limit()
        _check_json_body()
    # A token that is present but bad is refused even where no token is needed.
    if "Authorization" in request.headers:
        current_caller()


def _check_sizes() -> None:
    """414 for a URL, 431 for a header, past what the registry reads (gunicorn's own limits,
    set higher, answer only what lies beyond them)."""
    environ = request.environ
    # gunicorn hands on the URL as sent (RAW_URI); other servers may not, or may leave out
    # the query, so the decoded parts are counted too.
    query = environ.get("QUERY_STRING", "")
    length = max(
        len(environ.get("RAW_URI") or environ.get("REQUEST_URI") or ""),
        len(environ.get("SCRIPT_NAME", ""))
        + len(environ.get("PATH_INFO", ""))
        + (len(query) + 1 if query else 0),
    )
    if length > MAX_URL_BYTES:
        raise UrlTooLong(
            f"The URL is {length} bytes long; the registry reads up to "
            f"{MAX_URL_BYTES}. Send long lists in a request body."
        )
    for key, value in environ.items():
        if key.startswith("HTTP_") and len(value) > MAX_HEADER_BYTES:
            name = key[5:].replace("_", "-").title()
            raise HeaderTooLarge(
                f"The {name} header is {len(value)} bytes long; the registry "
                f"reads up to {MAX_HEADER_BYTES}."
            )


def _check_query_encoding() -> None:
    """400 naming each query parameter that is not UTF-8 once percent-decoded.

    Werkzeug would replace the bad bytes with U+FFFD and the endpoint would answer a question
    nobody asked (a search for "\ufffd\ufffd"); no parameter of any endpoint can use such a value.
    """
    raw = request.query_string
    if raw.isascii() and b"%" not in raw:
        return
    errors: dict[str, list[str]] = {}
    for pair in raw.split(b"&"):
        name, _, value = pair.partition(b"=")
        name, value = (unquote_to_bytes(part.replace(b"+", b" ")) for part in (name, value))
        try:
            name.decode("utf-8")
            value.decode("utf-8")
        except UnicodeDecodeError:
            errors[name.decode("utf-8", "replace")] = ["is not valid UTF-8 once percent-decoded"]
    if errors:
        raise MalformedRequest(
            "The query string is not valid UTF-8 in: " + ", ".join(sorted(errors)) + ".",
            errors=errors,
        )


def _raise_the_limit_for_uploads() -> None:
    """An endpoint that takes files names its own body limit (`upload_limit(settings)` on its
    view), above the one for JSON bodies."""
    view = current_app.view_functions.get(request.endpoint)
    limit = getattr(getattr(view, "view_class", view), "upload_limit", None)
    if limit is not None:
        request.max_content_length = limit(current_app.extensions["credit.settings"])


def _hold_a_streamed_body_to_the_limit() -> None:
    """413 for a body sent without a Content-Length (chunked) that is over the limit.

    Werkzeug stops reading such a body at the limit and hands on what it read, so a body cut
    there would be taken as if it were whole; it is read here instead, one byte past the limit.
    """
    environ = request.environ
    limit = request.max_content_length
    # A Transfer-Encoding makes any Content-Length meaningless; Werkzeug ignores it then too.
    if (
        limit is None
        or get_content_length(environ) is not None
        or ("wsgi.input_terminated" not in environ)
    ):
        return
    stream = environ["wsgi.input"]
    body = bytearray()
    while len(body) <= limit:
        chunk = stream.read(limit + 1 - len(body))
        if not chunk:
            break
        body += chunk
    if len(body) > limit:
        raise RequestEntityTooLarge()
    # From here on the body is read as one sent with its length.
    environ["wsgi.input"] = io.BytesIO(body)
    environ["CONTENT_LENGTH"] = str(len(body))
    environ.pop("HTTP_TRANSFER_ENCODING", None)


def _check_json_body() -> None:
    """400 for a body that is not JSON or not an object, before any schema sees it."""
    if not request.is_json:
        return
    raw = request.get_data(cache=True)
    if not raw.strip():
        return
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as error:
        raise MalformedRequest(f"The body is not valid JSON: {error}.") from None
    except RecursionError:
        raise MalformedRequest("The body's JSON is nested too deeply.") from None
    if not isinstance(body, dict):
        raise MalformedRequest(f"The body must be a JSON object, not {type(body).__name__}.")


def _finish(response):
    request_id = g.get("request_id", "")
    response.headers["X-Request-ID"] = request_id
    if logs.ACCESS.isEnabledFor(logging.INFO):
        caller = g.get("caller")
        logs.log_access(
            {
                "method": request.method,
                "path": request.path,
                "status": response.status_code,
                "duration_ms": round(
                    (time.perf_counter() - g.get("started", time.perf_counter())) * 1000, 2
                ),
                "request_id": request_id,
                "user": caller.username if caller else None,
            }
        )
    return response
