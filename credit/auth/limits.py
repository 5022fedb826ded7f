"""Limits on failed sign-ins, per account and per client address, for every way of signing in."""

from __future__ import annotations

import logging
from collections.abc import Mapping

from flask import Flask, Response, request
from flask_limiter import Limiter, RateLimitExceeded
from flask_limiter.util import get_remote_address
from limits import parse_many

from credit.config import Settings
from credit.errors import problem

log = logging.getLogger("credit.auth")

EXTENSION = "credit.signin_limiter"
# Shared scopes: a guess at /login and one at the API count against the same limits.
ACCOUNT_SCOPE = "sign-in-account"
ADDRESS_SCOPE = "sign-in-address"
REFUSED = 401


def install(app: Flask, settings: Settings) -> Limiter:
    """The app's own limiter: counters in memory, or in the storage the settings name (Redis,
    shared by every worker and machine)."""
    for name in ("signin_limit_account", "signin_limit_address"):
        try:
            parse_many(getattr(settings, name))
        except ValueError:
            raise SystemExit(f"CREDIT_{name.upper()}: {getattr(settings, name)!r} is not a rate "
                             "such as 10/minute") from None
    limiter = Limiter(
        get_remote_address, app=app,
        storage_uri=settings.ratelimit_storage_url or "memory://",
        # A moving window: a fixed one lets twice the limit through around its boundary.
        strategy="moving-window",
        headers_enabled=True,
        key_prefix="credit",
    )
    app.extensions[EXTENSION] = limiter
    app.register_error_handler(RateLimitExceeded, _too_many_attempts)
    return limiter


def limit_failed_sign_ins(app: Flask, endpoint: str) -> None:
    """Refused sign-ins at `endpoint` count against the account's and the address's limits; past
    either, every attempt is refused (429), the right password too, until the window moves on.

    The account is the `username` of the JSON body or of the form.
    """
    limiter: Limiter = app.extensions[EXTENSION]
    settings: Settings = app.extensions["credit.settings"]
    view = app.view_functions[endpoint]
    view = limiter.shared_limit(settings.signin_limit_account, scope=ACCOUNT_SCOPE,
                                key_func=_account, deduct_when=_refused)(view)
    view = limiter.shared_limit(settings.signin_limit_address, scope=ADDRESS_SCOPE,
                                key_func=get_remote_address, deduct_when=_refused)(view)
    app.view_functions[endpoint] = view


def failed_sign_in(username: str) -> None:
    """Logs a refused sign-in: the account tried and where from, never the password."""
    log.warning("sign-in refused", extra={"fields": {
        "username": username, "address": get_remote_address()}})


def reset(app: Flask) -> None:
    """Forgets every counter (the app's own memory, or the shared storage)."""
    app.extensions[EXTENSION].reset()


def _account() -> str:
    body = request.get_json(silent=True) if request.is_json else request.form
    username = body.get("username") if isinstance(body, Mapping) else None
    return username if isinstance(username, str) else ""


def _refused(response: Response) -> bool:
    return response.status_code == REFUSED


def _too_many_attempts(error: RateLimitExceeded) -> Response:
    # flask-limiter adds Retry-After (and the X-RateLimit-* headers) after this.
    return problem(429, "Too many failed sign-ins",
                   "Too many failed sign-ins for this account or from this address; "
                   "try again later (see Retry-After).")
