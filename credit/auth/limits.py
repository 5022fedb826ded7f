"""Limits on failed sign-ins, per account and per client address, for every way of signing in."""

from __future__ import annotations

import logging
import math
import time

from limits import RateLimitItem, parse
from limits.storage import MemoryStorage, storage_from_string
from limits.strategies import MovingWindowRateLimiter

from credit.config import Settings
from credit.errors import TooManyRequests

log = logging.getLogger("credit.auth")
STORAGE_RETRY_SECONDS = 30


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
        # Should the shared storage go away, this process counts alone meanwhile: sign-in keeps
        # working and stays limited per worker, as the request limits do.
        self._alone = MovingWindowRateLimiter(MemoryStorage())
        self._alone_until = 0.0

    def check(self, username: str, address: str) -> None:
        """Raises TooManyRequests (429, with Retry-After) when the account or the address is
        over its limit of failures."""
        window = self._usable()
        for limit, key in self._counters(username, address):
            try:
                allowed = window.test(limit, *key)
            except Exception:  # the storage's own errors: connection refused, timeouts
                window = self._fall_back()
                allowed = window.test(limit, *key)
            if not allowed:
                reset_at = window.get_window_stats(limit, *key).reset_time
                wait = max(1, math.ceil(reset_at - time.time()))
                raise TooManyRequests(
                    "Too many failed sign-ins for this account or from this address; try again "
                    f"in {wait} seconds.",
                    headers={"Retry-After": str(wait)},
                )

    def failed(self, username: str, address: str) -> None:
        """Counts a refused sign-in and logs the account and the address, never the password."""
        log.warning("sign-in refused", extra={"fields": {"username": username, "address": address}})
        window = self._usable()
        for limit, key in self._counters(username, address):
            try:
                window.hit(limit, *key)
            except Exception:
                window = self._fall_back()
                window.hit(limit, *key)

    def _usable(self) -> MovingWindowRateLimiter:
        return self._alone if time.time() < self._alone_until else self._window

    def _fall_back(self) -> MovingWindowRateLimiter:
        """Counts in this process for a while, then tries the shared storage again."""
        if time.time() >= self._alone_until:
            log.warning("sign-in limit storage unreachable; counting in this process meanwhile")
        self._alone_until = time.time() + STORAGE_RETRY_SECONDS
        return self._alone

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
