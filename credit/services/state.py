"""Keeping each enterprise's current-state row in step with its records, in the writer's transaction.

The row holds what lookups read in one query: the grade and its explanation's assessment, the
blacklist flag, the date of the last major violation and the day the grade may next change.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Sequence

from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.orm import Session

from credit import canonical, chain, clock
from credit.clock import utcnow
from credit.grading import evidence
from credit.grading import ruleset as rulesets
from credit.grading.engine import Inputs, assess
from credit.models import (
    Assessment,
    Enterprise,
    EnterpriseState,
    Record,
    RecordObjection,
    Violation,
)
from credit.rules import display, listings

SERIOUS = frozenset({"serious", "especially_serious"})
PUBLIC_KINDS = {"award": "awards", "certification": "certifications", "violation": "violations"}


def new_state(enterprise_id: int) -> EnterpriseState:
    return EnterpriseState(enterprise_id=enterprise_id, blacklisted=False, active_records=0,
                           updated_at=utcnow())


def refresh_state(session: Session, enterprise_id: int, *, trigger: str, actor: str) -> int:
    return refresh_states(session, [enterprise_id], trigger=trigger, actor=actor)


def refresh_states(session: Session, enterprise_ids: Sequence[int], *, trigger: str, actor: str,
                   ruleset: rulesets.Ruleset | None = None,
                   day: datetime.date | None = None) -> int:
    """Recomputes the state rows of these enterprises as of today and stores every grade that
    changed as an assessment, with a `grade_changed` event. Returns how many grades changed."""
    chain.lock_chain(session)
    plan = plan_states(session, enterprise_ids, trigger=trigger,
                       ruleset=ruleset or rulesets.current(), day=day or clock.today())
    return write_plan(session, plan, actor=actor)


# What a state row is compared on before it is written again.
_KEPT = ("active_records", "last_major_violation_on", "last_serious_violation_on", "open_disputes",
         "blacklisted", "next_change_on")
_STATE = EnterpriseState.__table__
_CURRENT = select(_STATE.c.enterprise_id, _STATE.c.grade, _STATE.c.result_digest,
                  _STATE.c.valid_until, _STATE.c.public_records, *(_STATE.c[name] for name in _KEPT))


@dataclass
class StatePlan:
    """What recomputing some firms would write: their state rows (only what differs), the firms
    that have none yet, and an assessment for each grade that changed."""

    trigger: str
    rows: dict[int, dict] = field(default_factory=dict)
    missing: set[int] = field(default_factory=set)
    assessments: dict[int, tuple[str | None, dict]] = field(default_factory=dict)
    usccs: dict[int, str] = field(default_factory=dict)

    def replace(self, firms: set[int], newer: "StatePlan") -> "StatePlan":
        """This plan with these firms planned again (`newer` covers them)."""
        def keep(values: dict) -> dict:
            return {firm: value for firm, value in values.items() if firm not in firms}
        return StatePlan(self.trigger, {**keep(self.rows), **newer.rows},
                         (self.missing - firms) | newer.missing,
                         {**keep(self.assessments), **newer.assessments},
                         {**self.usccs, **newer.usccs})


def plan_states(session: Session, enterprise_ids: Sequence[int], *, trigger: str,
                ruleset: rulesets.Ruleset, day: datetime.date) -> StatePlan:
    """Recomputes these firms as of `day` and plans what to write; reads only, so it may run
    outside the write lock (a bulk regrade then plans again any firm written meanwhile)."""
    now = utcnow()
    plan = StatePlan(trigger)
    found_evidence = evidence.gather(session, enterprise_ids, disputes=True)
    states = {row.enterprise_id: row for row in session.execute(
        _CURRENT.where(_STATE.c.enterprise_id.in_(enterprise_ids)))}
    disputes = _open_disputes(session, enterprise_ids)
    plan.usccs = dict(session.execute(select(Enterprise.id, Enterprise.uscc)
                                      .where(Enterprise.id.in_(enterprise_ids))).all())
    blank = assess(Inputs(), ruleset, day)  # most firms have no records: compute that once
    blank_digest = evidence.result_digest(blank)
    for enterprise_id in enterprise_ids:
        found = found_evidence[enterprise_id]
        if found.empty:
            inputs, result, digest = Inputs(), blank, blank_digest
        else:
            inputs = found.on(day)
            result = assess(inputs, ruleset, day)
            digest = evidence.result_digest(result)
        state = states.get(enterprise_id)
        live = [r for r in inputs.records if display.status(r, day) != "rescinded"]
        violations = [r for r in live if isinstance(r, Violation)]
        majors = [r.decided_on for r in violations if display.is_major_violation(r)]
        serious = [r.decided_on for r in violations if r.severity in SERIOUS]
        listed_disputes = sum(1 for listing in found.listings
                              if listings.state_on(listing, day) == "objection_pending")
        public_change = display.next_public_change(inputs.records, day)
        row = {"active_records": len(live),
               "last_major_violation_on": max(majors, default=None),
               "last_serious_violation_on": max(serious, default=None),
               "open_disputes": disputes.get(enterprise_id, 0) + listed_disputes,
               "blacklisted": result.blacklisted,
               "next_change_on": min(result.next_change_on, public_change or result.next_change_on),
               "updated_at": now}
        key = display.public_key(inputs.records, day)
        stored = state.public_records if state is not None else None
        if stored is None or stored.get("key") != key:
            row["public_records"] = _public_view(inputs.records, key, day,
                                                 uscc=plan.usccs[enterprise_id])
        unchanged = (state is not None and state.result_digest == digest
                     and state.valid_until is not None and state.valid_until >= day)
        if unchanged and "public_records" not in row and all(
                getattr(state, name) == row[name] for name in _KEPT):
            continue  # nothing to write at all
        if not unchanged:
            plan.assessments[enterprise_id] = (state.grade if state else None, {
                "enterprise_id": enterprise_id, "assessed_at": now, "as_of": day,
                "ruleset": result.ruleset, "score": result.score, "raw_score": result.raw_score,
                "computed_grade": result.computed_grade, "grade": result.grade,
                "risk_class": result.risk_class, "blacklisted": result.blacklisted,
                "override_id": result.override.id if result.override else None,
                "explanation": evidence.explanation_rows(result), "caps": evidence.cap_rows(result),
                "fingerprint": evidence.fingerprint(found, inputs, result.ruleset, day),
                "valid_until": result.valid_until, "next_change_on": result.next_change_on,
                "trigger": trigger})
            row.update(grade=result.grade, risk_class=result.risk_class, score=result.score,
                       ruleset=result.ruleset, graded_on=day, valid_until=result.valid_until,
                       result_digest=digest)
        if state is None:
            plan.missing.add(enterprise_id)
        plan.rows[enterprise_id] = row
    return plan


def write_plan(session: Session, plan: StatePlan, *, actor: str) -> int:
    """Writes a plan under the chain lock: state rows, assessments and their `grade_changed`
    events. Returns how many grades changed."""
    chain.lock_chain(session)
    if plan.missing:
        session.execute(insert(_STATE), [
            {"enterprise_id": firm, "blacklisted": False, "active_records": 0,
             "updated_at": plan.rows[firm]["updated_at"]} for firm in sorted(plan.missing)])
    rows = {firm: {"enterprise_id": firm, **row} for firm, row in plan.rows.items()}
    events = []
    if plan.assessments:
        firms = list(plan.assessments)
        ids = _insert_assessments(session, [plan.assessments[firm][1] for firm in firms])
        for assessment_id, firm in zip(ids, firms):
            previous, values = plan.assessments[firm]
            rows[firm]["assessment_id"] = assessment_id
            events.append(chain.NewEvent(
                actor=actor, kind="grade_changed", enterprise_id=firm,
                payload={"uscc": plan.usccs.get(firm), "assessment_id": assessment_id,
                         "assessment_digest": canonical.digest({**values, "id": assessment_id}),
                         "previous_grade": previous, "grade": values["grade"],
                         "score": str(values["score"]), "risk_class": values["risk_class"],
                         "ruleset": values["ruleset"], "trigger": plan.trigger}))
    _update_states(session, list(rows.values()))
    # The bulk update bypassed the session: drop any state row it holds.
    for firm in rows:
        held = session.identity_map.get(session.identity_key(EnterpriseState, firm))
        if held is not None:
            session.expire(held)
    if events:
        chain.append_many(session, events)
    return len(plan.assessments)


def _public_view(records, key: list, day: datetime.date, *, uscc: str) -> dict:
    """The public profile's records, kept on the state row with the key they were built from."""
    shown = {record_id for record_id, _ in key}
    view = {"key": key, **public_records([r for r in records if r.id in shown], day, uscc=uscc)}
    return view


def public_records(shown, day: datetime.date, *, uscc: str) -> dict[str, list[dict]]:
    """The records a public profile shows, by kind, in the wire form the state row keeps."""
    view: dict[str, list[dict]] = {"awards": [], "certifications": [], "violations": []}
    for record in shown:
        if record.kind in PUBLIC_KINDS:
            view[PUBLIC_KINDS[record.kind]].append(
                canonical.plain(display.describe(record, day, uscc=uscc)))
    return view


def _open_disputes(session: Session, enterprise_ids: Sequence[int]) -> dict[int, int]:
    """Pending objections to each firm's records."""
    return dict(session.execute(
        select(Record.enterprise_id, func.count())
        .join(RecordObjection, RecordObjection.record_id == Record.id)
        .where(Record.enterprise_id.in_(enterprise_ids), RecordObjection.state == "pending")
        .group_by(Record.enterprise_id)).all())


def _update_states(session: Session, rows: list[dict]) -> None:
    # One executemany per set of columns: rows whose grade did not change leave it alone.
    table = EnterpriseState.__table__
    groups: dict[tuple, list[dict]] = {}
    for row in rows:
        groups.setdefault(tuple(sorted(row)), []).append(
            {("key" if k == "enterprise_id" else k): v for k, v in row.items()})
    for columns, group in groups.items():
        values = {c: bindparam(c) for c in columns if c != "enterprise_id"}
        session.execute(update(table).where(table.c.enterprise_id == bindparam("key"))
                        .values(values), group)



def _insert_assessments(session: Session, rows: list[dict]) -> list[int]:
    """Inserts one assessment per firm and returns their ids in the order given.

    The writer holds the chain lock, so each firm's newest assessment is the one just written;
    reading them back is much faster than an ordered RETURNING, which SQLite runs row by row.
    """
    table = Assessment.__table__
    session.execute(insert(table), rows)
    firms = [row["enterprise_id"] for row in rows]
    newest = dict(session.execute(select(table.c.enterprise_id, func.max(table.c.id))
                                  .where(table.c.enterprise_id.in_(firms))
                                  .group_by(table.c.enterprise_id)).all())
    return [newest[firm] for firm in firms]
