"""Bulk regrading in batches, each its own transaction, resumable after an interruption."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Callable

from sqlalchemy import func, or_, select

from credit import clock
from credit.clock import utcnow
from credit.db import Database
from credit.grading import ruleset as rulesets
from credit.models import EnterpriseState, RegradeRun
from credit.services.state import refresh_states

ACTOR = "regrade"


@dataclass(frozen=True)
class RegradeReport:
    examined: int
    changed: int
    resumed_from: int


def _candidates(scope: str, version: str, day: datetime.date):
    stmt = select(EnterpriseState.enterprise_id)
    if scope == "due":
        stmt = stmt.where(or_(EnterpriseState.next_change_on.is_(None),
                              EnterpriseState.next_change_on <= day,
                              EnterpriseState.ruleset.is_distinct_from(version)))
    return stmt


def regrade(database: Database, *, scope: str, version: str | None = None, batch: int = 2000,
            on_progress: Callable[[int, int], None] | None = None,
            on_start: Callable[[int], None] | None = None) -> RegradeReport:
    """Regrades every firm (`all`) or those whose grade may have changed (`due`) as of today.

    An interrupted run of the same scope, ruleset and day resumes after the last firm it
    committed, so no firm is lost or done twice; a regrade that changes nothing writes nothing.
    """
    ruleset = rulesets.load(version) if version else rulesets.current()
    day = clock.today()
    with database.writing() as session:
        run = session.scalar(select(RegradeRun).where(
            RegradeRun.ruleset == ruleset.version, RegradeRun.day == day,
            RegradeRun.scope == scope, RegradeRun.finished_at.is_(None)).order_by(RegradeRun.id))
        if run is None:
            run = RegradeRun(ruleset=ruleset.version, day=day, scope=scope, last_enterprise_id=0,
                             examined=0, changed=0)
            session.add(run)
            session.flush()
        run_id, resumed_from = run.id, run.last_enterprise_id
        remaining = session.scalar(select(func.count()).select_from(
            _candidates(scope, ruleset.version, day)
            .where(EnterpriseState.enterprise_id > resumed_from).subquery()))
    if on_start:
        on_start(remaining or 0)
    while True:
        with database.writing() as session:
            run = session.get(RegradeRun, run_id)
            ids = session.scalars(
                _candidates(scope, ruleset.version, day)
                .where(EnterpriseState.enterprise_id > run.last_enterprise_id)
                .order_by(EnterpriseState.enterprise_id).limit(batch)).all()
            if not ids:
                run.finished_at = utcnow()
                return RegradeReport(run.examined, run.changed, resumed_from)
            changed = refresh_states(session, ids, trigger="regrade", actor=ACTOR,
                                     ruleset=ruleset, day=day)
            run = session.get(RegradeRun, run_id)
            run.last_enterprise_id = ids[-1]
            run.examined += len(ids)
            run.changed += changed
        if on_progress:
            on_progress(len(ids), changed)
