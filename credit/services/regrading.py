"""Bulk regrading in batches, each its own transaction, resumable after an interruption, and
spread over several processes for a whole registry."""

from __future__ import annotations

import datetime
import multiprocessing
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy import func, or_, select

from credit import chain, clock
from credit.clock import utcnow
from credit.config import Settings
from credit.db import Database
from credit.grading import ruleset as rulesets
from credit.models import AuditEvent, EnterpriseState, RegradeRun
from credit.services import state

ACTOR = "regrade"
# Below this many firms per process, starting the processes costs more than it saves.
MIN_FIRMS_PER_PROCESS = 20_000
PROGRESS_EVERY_SECONDS = 0.5


@dataclass(frozen=True)
class RegradeReport:
    examined: int
    changed: int
    resumed_from: int  # firms an interrupted run had already done


def _candidates(scope: str, version: str, day: datetime.date):
    stmt = select(EnterpriseState.enterprise_id)
    if scope == "due":
        stmt = stmt.where(
            or_(
                EnterpriseState.next_change_on.is_(None),
                EnterpriseState.next_change_on <= day,
                EnterpriseState.ruleset.is_distinct_from(version),
            )
        )
    return stmt


def _in_range(stmt, run: RegradeRun):
    stmt = stmt.where(EnterpriseState.enterprise_id > run.last_enterprise_id)
    if run.until_enterprise_id is not None:
        stmt = stmt.where(EnterpriseState.enterprise_id <= run.until_enterprise_id)
    return stmt


def regrade(
    database: Database,
    *,
    scope: str,
    version: str | None = None,
    batch: int = 2000,
    processes: int = 1,
    on_progress: Callable[[int, int], None] | None = None,
    on_start: Callable[[int], None] | None = None,
) -> RegradeReport:
    """Regrades every firm (`all`) or those whose grade may have changed (`due`) as of today.

    The firms are split into ranges, one per process; each range is done in batches that commit
    with the run's progress, so an interrupted run of the same scope, ruleset and day resumes
    after the last firm each range committed: no firm is lost or done twice. A regrade that
    changes nothing writes nothing but its progress.
    """
    ruleset = rulesets.load(version) if version else rulesets.current()
    day = clock.today()
    if database.is_bound:
        processes = 1  # its transaction is invisible to other processes
    parts = _open_parts(database, scope, ruleset.version, day, processes)
    if on_start:
        on_start(parts.remaining)
    if len(parts.pending) > 1 and processes > 1:
        _in_processes(database, parts.pending, ruleset.version, day, batch, on_progress)
    else:
        for run_id in parts.pending:
            _regrade_range(database, run_id, ruleset, day, batch, on_progress)
    examined, changed = _progress(database, parts.every)
    return RegradeReport(examined, changed, parts.done_before)


@dataclass(frozen=True)
class Parts:
    """A regrade's runs, one per range of firms."""

    pending: list[int]  # the runs still to do
    every: list[int]  # all of them, finished ones too
    done_before: int  # firms done when this call started
    remaining: int  # firms left to do


def _open_parts(
    database: Database, scope: str, version: str, day: datetime.date, processes: int
) -> Parts:
    """The unfinished parts of a regrade of this scope, ruleset and day, or new parts splitting
    the firms into `processes` ranges of about equal size."""
    candidates = _candidates(scope, version, day)
    with database.writing() as session:
        pending = session.scalars(
            select(RegradeRun)
            .where(
                RegradeRun.ruleset == version,
                RegradeRun.day == day,
                RegradeRun.scope == scope,
                RegradeRun.finished_at.is_(None),
            )
            .order_by(RegradeRun.id)
        ).all()
        if pending:
            remaining = sum(_count(session, _in_range(candidates, run)) for run in pending)
        else:
            remaining = _count(session, candidates)
            for after, until in _ranges(session, candidates, remaining, processes):
                part = RegradeRun(
                    ruleset=version,
                    day=day,
                    scope=scope,
                    last_enterprise_id=after,
                    until_enterprise_id=until,
                    examined=0,
                    changed=0,
                    part_of=pending[0].id if pending else None,
                )
                session.add(part)
                session.flush()
                pending.append(part)
        regrades = {run.part_of or run.id for run in pending}
        every = session.scalars(
            select(RegradeRun).where(
                or_(RegradeRun.id.in_(regrades), RegradeRun.part_of.in_(regrades))
            )
        ).all()
        return Parts(
            [run.id for run in pending],
            [run.id for run in every],
            sum(run.examined for run in every),
            remaining,
        )


def _count(session, candidates) -> int:
    return session.scalar(select(func.count()).select_from(candidates.subquery())) or 0


def _ranges(session, candidates, total: int, processes: int) -> list[tuple[int, int | None]]:
    """(after, until) bounds splitting the candidates into `processes` parts of about equal size."""
    parts = max(1, min(processes, total // MIN_FIRMS_PER_PROCESS))
    ordered = candidates.order_by(EnterpriseState.enterprise_id)
    bounds = [
        session.scalar(ordered.offset(total * k // parts - 1).limit(1)) for k in range(1, parts)
    ]
    return list(zip([0, *bounds], [*bounds, None], strict=False))


def _regrade_range(
    database: Database,
    run_id: int,
    ruleset: rulesets.Ruleset,
    day: datetime.date,
    batch: int,
    on_progress: Callable[[int, int], None] | None = None,
) -> None:
    """One run's range, batch by batch.

    Each batch is graded in a reading transaction, outside the write lock, and written in a
    short writing one. A firm whose file changed in between (its audit events say so) is graded
    again inside the lock before anything is written.
    """
    while True:
        with database.reading() as session:
            run = session.get(RegradeRun, run_id)
            head = session.scalar(select(func.max(AuditEvent.seq))) or 0
            ids = session.scalars(
                _in_range(_candidates(run.scope, ruleset.version, day), run)
                .order_by(EnterpriseState.enterprise_id)
                .limit(batch)
            ).all()
            plan = (
                state.plan_states(session, ids, trigger="regrade", ruleset=ruleset, day=day)
                if ids
                else None
            )
        with database.writing() as session:
            run = session.get(RegradeRun, run_id)
            if not ids:
                run.finished_at = utcnow()
                return
            chain.lock_chain(session)
            written = _firms_written_since(session, head, ids)
            if written:
                plan = plan.replace(
                    written,
                    state.plan_states(
                        session, sorted(written), trigger="regrade", ruleset=ruleset, day=day
                    ),
                )
            changed = state.write_plan(session, plan, actor=ACTOR)
            run.last_enterprise_id = ids[-1]
            run.examined += len(ids)
            run.changed += changed
        if on_progress:
            on_progress(len(ids), changed)


def _firms_written_since(session, head: int, ids: Sequence[int]) -> set[int]:
    # No DISTINCT: SQLite would answer it from the (enterprise, seq) index, read whole.
    return set(
        session.scalars(select(AuditEvent.enterprise_id).where(AuditEvent.seq > head))
    ) & set(ids)


def _in_processes(
    database: Database,
    run_ids: list[int],
    version: str,
    day: datetime.date,
    batch: int,
    on_progress: Callable[[int, int], None] | None,
) -> None:
    """Each run's range in its own process (started afresh, not forked, so no connection is
    shared); progress is read from the runs' rows. Stopping the caller stops the processes."""
    context = multiprocessing.get_context("spawn")
    pool = context.Pool(len(run_ids))
    try:
        pending = [
            pool.apply_async(_range_in_process, (database.settings, run_id, version, day, batch))
            for run_id in run_ids
        ]
        reported = _progress(database, run_ids)
        while pending:
            pending[0].wait(PROGRESS_EVERY_SECONDS)
            for done in [p for p in pending if p.ready()]:
                done.get()  # a process's error is raised here
                pending.remove(done)
            now = _progress(database, run_ids)
            if on_progress and now != reported:
                on_progress(now[0] - reported[0], now[1] - reported[1])
            reported = now
        pool.close()
    finally:
        pool.terminate()
        pool.join()


def _progress(database: Database, run_ids: list[int]) -> tuple[int, int]:
    with database.reading() as session:
        examined, changed = session.execute(
            select(func.sum(RegradeRun.examined), func.sum(RegradeRun.changed)).where(
                RegradeRun.id.in_(run_ids)
            )
        ).one()
    return examined or 0, changed or 0


def _range_in_process(
    settings: Settings, run_id: int, version: str, day: datetime.date, batch: int
) -> None:
    clock.set_zone(settings.zone)
    rulesets.use(settings.ruleset)
    database = Database(settings)
    try:
        _regrade_range(database, run_id, rulesets.load(version), day, batch)
    finally:
        database.dispose()
