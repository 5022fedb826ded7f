"""Limits on checks per account and on lookups of firms per client address, for every worker."""

from __future__ import annotations

import logging
import math
import time

from flask import Flask, current_app, g, request
from flask_limiter import ApplicationLimit, Limiter, RateLimitExceeded, RequestLimit
from limits import parse_many

from credit.api.context import current_caller
from credit.api.paths import CHECKS_PATH, LOOKUPS_PATH
from credit.config import Settings
from credit.errors import TooManyRequests

# Values of CREDIT_LIMIT_CHECKS and CREDIT_LIMIT_LOOKUPS that lift the limit.
OFF = frozenset({"", "off"})
# The site's search and firm pages are lookups too, counted with the API's.
LOOKUP_PATHS = (LOOKUPS_PATH, "/search", "/enterprises/")
# The desk's batch check runs the same checks as the API, a thousand firms a post.
DESK_CHECKS = "/desk/checks"
READS = frozenset({"GET", "HEAD"})

log = logging.getLogger("credit.limits")


def install(app: Flask, settings: Settings) -> Limiter | None:
    """Counts checks and lookups in the storage CREDIT_RATELIMIT_STORAGE_URL names (memory
    when empty); past a limit the request is refused with 429 and Retry-After.

    Installed after the per-request hooks, so a check's account is known (its token was read
    there). With both limits off nothing is installed and no request pays for them. Any other
    request is let through by the first, cheapest test: its path.
    """
    limits = []
    if (checks := _rate("limit_checks", settings.limit_checks)) is not None:
        limits.append(
            ApplicationLimit(
                checks, key_function=_account, scope="checks", exempt_when=_not_a_check
            )
        )
    if (lookups := _rate("limit_lookups", settings.limit_lookups)) is not None:
        limits.append(
            ApplicationLimit(
                lookups, key_function=_address, scope="lookups", exempt_when=_not_a_lookup
            )
        )
    if not limits:
        return None
    limiter = Limiter(
        _address,
        app=app,
        application_limits=limits,
        # The window moves, as the sign-in limits' does: a fixed one lets twice the limit
        # through around its boundary.
        strategy="moving-window",
        storage_uri=settings.ratelimit_storage_url or "memory://",
        key_prefix="credit",
        # Answers within the limit carry no X-RateLimit headers: they would cost every lookup
        # another round trip to the storage.
        headers_enabled=False,
        on_breach=_refuse,
        # Should Redis go away, each worker counts alone until it is back, rather than
        # refusing every lookup.
        in_memory_fallback_enabled=bool(settings.ratelimit_storage_url),
    )
    limiter.request_filter(_neither)
    app.register_error_handler(RateLimitExceeded, _refused)
    return limiter


def _is_check() -> bool:
    return request.method == "POST" and (
        request.path.startswith(CHECKS_PATH) or request.path == DESK_CHECKS
    )


def _is_lookup() -> bool:
    return request.method in READS and request.path.startswith(LOOKUP_PATHS)


def _not_a_check() -> bool:
    return not _is_check()


def _not_a_lookup() -> bool:
    return not _is_lookup()


def _neither() -> bool:
    return not (_is_check() or _is_lookup())


def _address() -> str:
    # ProxyFix has put the client's address here when CREDIT_TRUSTED_PROXIES says to.
    return f"address:{request.remote_addr}"


def _account() -> str:
    caller = current_caller()
    if caller.username is None and request.path == DESK_CHECKS:
        from credit.web.session import signed_in  # the desk's account is the session's

        account = signed_in()
        if account is not None:
            return f"account:{account.username}"
    if caller.username is None:
        return _address()  # refused anyway: a check needs an account
    return f"account:{caller.username}"


def _refuse(breached: RequestLimit) -> None:
    """Words the refusal while the breached window is at hand; flask-limiter then raises
    RateLimitExceeded (an error raised here would be taken for a storage failure)."""
    wait = max(1, math.ceil(breached.window.reset_time - time.time()))
    what = "checks by this account" if _is_check() else "lookups from this address"
    log.warning(
        "request limit reached",
        extra={"fields": {"limit": str(breached.limit), "key": breached.key}},
    )
    g.rate_limit_refusal = TooManyRequests(
        f"Too many {what} (at most {breached.limit}); try again in {wait} seconds.",
        headers={"Retry-After": str(wait)},
    )


def _refused(exceeded: RateLimitExceeded):
    """Answers as every other refusal is answered: problem+json, or a page on the site."""
    refusal = g.pop("rate_limit_refusal", None) or TooManyRequests(
        f"Too many requests (at most {exceeded.limit.limit}); try again later.",
        headers={"Retry-After": str(exceeded.limit.limit.get_expiry())},
    )
    return current_app.handle_user_exception(refusal)


def _rate(name: str, text: str) -> str | None:
    """The limit as flask-limiter reads it, or None when it is off; a startup error naming the
    setting when it is not a rate."""
    text = text.strip()
    if text.lower() in OFF:
        return None
    try:
        parse_many(text)
    except ValueError:
        raise SystemExit(
            f"CREDIT_{name.upper()}: {text!r} is not a rate such as 120/minute, nor off"
        ) from None
    return text
