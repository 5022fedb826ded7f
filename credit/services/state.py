"""Keeping each enterprise's current-state row in step with its records, in the writer's transaction."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from credit import clock
from credit.clock import utcnow
from credit.models import EnterpriseState, Record, Violation
from credit.services import display


def new_state(enterprise_id: int) -> EnterpriseState:
    return EnterpriseState(enterprise_id=enterprise_id, blacklisted=False, active_records=0,
                           updated_at=utcnow())


def refresh_state(session: Session, enterprise_id: int) -> EnterpriseState:
    """Recomputes the state row from the enterprise's records as they stand today."""
    today = clock.today()
    state = session.get(EnterpriseState, enterprise_id)
    if state is None:
        state = new_state(enterprise_id)
        session.add(state)
    records = session.scalars(select(Record).where(Record.enterprise_id == enterprise_id)).all()
    live = [r for r in records if display.status(r, today) != "rescinded"]
    majors = [r.decided_on for r in live
              if isinstance(r, Violation) and display.is_major_violation(r)]
    state.active_records = len(live)
    state.last_major_violation_on = max(majors, default=None)
    state.updated_at = utcnow()
    session.flush()
    return state
