"""Limits on failed sign-ins, per account and per client address, for every way of signing in."""

from __future__ import annotations

import logging
import math
import time

from limits import RateLimitItem, parse
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

from credit.config import Settings
from credit.errors import TooManyRequests

log = logging.getLogger("credit.auth")


class SignInLimits:
    """Counts refused sign-ins by account and by address; past either limit every attempt is
    refused, the right password too, until the window moves on.

    Only the sign-in paths consult it, so no other request pays for it. Counters live in the
    storage `CREDIT_RATELIMIT_STORAGE_URL` names (Redis, shared by every worker and machine),
    or in this process's memory. The window moves: a fixed one would let twice the limit
    through around its boundary.
    """

    def __init__(self, settings: Settings):
        self.account_limit = _rate("signin_limit_account", settings.signin_limit_account)
        self.address_limit = _rate("signin_limit_address", settings.signin_limit_address)
        self.storage = storage_from_string(settings.ratelimit_storage_url or "memory://")
        self._window = MovingWindowRateLimiter(self.storage)

    def check(self, username: str, address: str) -> None:
        """Raises TooManyRequests (429, with Retry-After) when the account or the address is
        over its limit of failures."""
        for limit, key in self._counters(username, address):
            if not self._window.test(limit, *key):
                reset_at = self._window.get_window_stats(limit, *key).reset_time
                wait = max(1, math.ceil(reset_at - time.time()))
                raise TooManyRequests(
                    "Too many failed sign-ins for this account or from this address; try again "
                    f"in {wait} seconds.",
                    headers={"Retry-After": str(wait)},
                )

    def failed(self, username: str, address: str) -> None:
        """Counts a refused sign-in and logs the account and the address, never the password."""
        log.warning("sign-in refused", extra={"fields": {"username": username, "address": address}})
        for limit, key in self._counters(username, address):
            self._window.hit(limit, *key)

    def reset(self) -> None:
        """Forgets every counter."""
        self.storage.reset()

    def _counters(self, username: str, address: str) -> list[tuple[RateLimitItem, tuple]]:
        return [
            (self.account_limit, ("sign-in", "account", username)),
            (self.address_limit, ("sign-in", "address", address)),
        ]


def _rate(name: str, text: str) -> RateLimitItem:
    try:
        return parse(text)
    except ValueError:
        raise SystemExit(
            f"CREDIT_{name.upper()}: {text!r} is not a rate such as 10/minute"
        ) from None
