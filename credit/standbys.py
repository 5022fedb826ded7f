"""Read standbys: which of them may serve a read now, judged by how much of the primary's WAL each
has replayed."""

from __future__ import annotations

import logging
import random
import threading
import time
from collections import deque
from dataclasses import dataclass

from sqlalchemy import Engine, event, text
from sqlalchemy.exc import SQLAlchemyError

log = logging.getLogger("credit.standbys")

IN_USE = "in use"
DOWN = "down"
BEHIND = "behind"
NOT_A_STANDBY = "not a standby"

_PRIMARY_POSITION = text("SELECT pg_current_wal_insert_lsn()::text")
_STANDBY_POSITION = text("SELECT pg_is_in_recovery(), pg_last_wal_replay_lsn()::text")
_REPLAYED = text("SELECT pg_last_wal_replay_lsn()::text")


def wal_position(lsn: str | None) -> int | None:
    """A WAL position as PostgreSQL writes it (`16/B374D848`) as one comparable number."""
    if not lsn:
        return None
    high, _, low = lsn.partition("/")
    return (int(high, 16) << 32) + int(low, 16)


def primary_position(primary: Engine) -> int:
    """Where the primary's WAL ends now: a standby that has replayed this far has every
    transaction committed before the call."""
    with primary.connect() as connection:
        return wal_position(connection.execute(_PRIMARY_POSITION).scalar_one())


@dataclass
class Standby:
    number: int  # its place in CREDIT_DATABASE_REPLICA_URLS, from 1: how /healthz names it
    engine: Engine
    state: str = IN_USE
    lag_seconds: float | None = None
    replayed: int | None = None
    detail: str = ""

    @property
    def address(self) -> str:
        """Host, port and database, for the log (never shown to clients)."""
        url = self.engine.url
        return f"{url.host}:{url.port or 5432}/{url.database}"

    def report(self) -> dict:
        report = {"standby": self.number, "state": self.state, "lag_seconds": self.lag_seconds}
        if self.detail:
            report["detail"] = self.detail
        return report


class Standbys:
    """The standbys of one worker process, each asked at most every `check_seconds` how far it
    has replayed; the primary is asked where its WAL stands at the same moments.

    A standby's lag is how long ago the primary had written WAL that the standby has not yet
    replayed: the time of the oldest kept sample of the primary's position past the standby's
    replay position. Unlike the age of the last replayed transaction, it is zero on a quiet
    primary.
    """

    def __init__(
        self, primary: Engine, standbys: list[Engine], max_lag_seconds: float, check_seconds: float
    ):
        self.primary = primary
        self.standbys = [Standby(n, engine) for n, engine in enumerate(standbys, start=1)]
        self.max_lag = max_lag_seconds
        self.check_every = check_seconds
        # (monotonic time, primary position), one each time the position has moved
        self._samples: deque[tuple[float, int]] = deque(maxlen=1000)
        self._checked_at: float | None = None
        # Reentrant: a standby failing while it is checked reports itself down from inside.
        self._lock = threading.RLock()
        for standby in self.standbys:
            self._watch(standby)

    def pick(self, at_least: int | None = None) -> Standby | None:
        """A standby in use that has replayed up to `at_least` (a caller's own write), or None:
        read the primary."""
        self.refresh(due_only=True)
        usable = [s for s in self.standbys if s.state == IN_USE]
        if at_least is not None:
            usable = [s for s in usable if self._has_replayed(s, at_least)]
        return random.choice(usable) if usable else None

    def mark_down(self, standby: Standby, error: Exception) -> None:
        """A standby that failed a read is skipped until the next check finds it answering."""
        with self._lock:
            self._set(standby, DOWN, None, "does not answer", _first_line(error))

    def _watch(self, standby: Standby) -> None:
        """A standby whose connection is lost (it stopped, or the network between) is skipped
        from the first failure, not from the next check."""

        @event.listens_for(standby.engine, "handle_error")
        def lost(context):
            if context.is_disconnect or context.connection is None:  # lost, or never made
                self.mark_down(standby, context.original_exception)

    def report(self) -> list[dict]:
        self.refresh(due_only=True)
        return [s.report() for s in self.standbys]

    def refresh(self, *, due_only: bool = False) -> None:
        now = time.monotonic()
        if due_only and self._checked_at is not None and now - self._checked_at < self.check_every:
            return
        with self._lock:
            if (
                due_only
                and self._checked_at is not None
                and now - self._checked_at < self.check_every
            ):
                return  # another thread has just checked
            self._checked_at = now
            try:
                position = primary_position(self.primary)
            except SQLAlchemyError:
                position = None  # the primary's own health is /healthz's status
            if position is not None and (not self._samples or position > self._samples[-1][1]):
                self._samples.append((now, position))
                keep = max(2 * self.max_lag, 10.0)
                while len(self._samples) > 1 and now - self._samples[0][0] > keep:
                    self._samples.popleft()
            for standby in self.standbys:
                self._check(standby, now)

    def _check(self, standby: Standby, now: float) -> None:
        try:
            with standby.engine.connect() as connection:
                recovering, replayed = connection.execute(_STANDBY_POSITION).one()
        except SQLAlchemyError as error:
            self._set(standby, DOWN, None, "does not answer", _first_line(error))
            return
        if not recovering:
            self._set(standby, NOT_A_STANDBY, None, "it is not in recovery: no longer a standby")
            return
        standby.replayed = wal_position(replayed)
        lag = self._lag(standby.replayed, now)
        if lag is not None and lag > self.max_lag:
            self._set(standby, BEHIND, lag, f"more than {self.max_lag:g} s behind the primary")
        else:
            self._set(standby, IN_USE, lag, "")

    def _lag(self, replayed: int | None, now: float) -> float | None:
        """Since when the primary has had WAL the standby has not replayed, as far as the samples
        tell: a standby that stops replaying is found behind within two checks."""
        if not self._samples:
            return None  # the primary did not answer: nothing to compare with
        missing_since = next(
            (at for at, position in self._samples if replayed is None or position > replayed),
            None,
        )
        return 0.0 if missing_since is None else round(now - missing_since, 3)

    def _has_replayed(self, standby: Standby, position: int) -> bool:
        if standby.replayed is not None and standby.replayed >= position:
            return True
        try:
            with standby.engine.connect() as connection:
                standby.replayed = wal_position(connection.execute(_REPLAYED).scalar_one())
        except SQLAlchemyError as error:
            self.mark_down(standby, error)
            return False
        return standby.replayed is not None and standby.replayed >= position

    def _set(
        self, standby: Standby, state: str, lag: float | None, detail: str, error: str = ""
    ) -> None:
        """Its state, logged when it changes; the error goes to the log only (it may name hosts
        that /healthz, which anyone may ask, should not)."""
        if state != standby.state:
            if state == IN_USE:
                log.warning("standby %s (%s) in use again", standby.number, standby.address)
            else:
                log.warning(
                    "standby %s (%s) skipped: %s%s",
                    standby.number,
                    standby.address,
                    state,
                    f" ({error or detail})" if error or detail else "",
                )
        standby.state, standby.lag_seconds, standby.detail = state, lag, detail


def _first_line(error: Exception) -> str:
    cause = getattr(error, "orig", None) or error
    return (str(cause).strip().splitlines() or [type(cause).__name__])[0]
