"""The current-state row: a projection of each firm's evidence, kept in the writer's transaction.

The row holds what lookups read in one query: the grade and its assessment, the blacklist flag,
the dates of the last major and serious violations, open disputes, the day the row may next
change with no write at all, and the public profile ready to send.

- `project` computes a row from a firm's evidence and a day: a pure function.
- `refresh_states` (through `plan_states` and `write_plan`) stores it: the one write step.
- `servable` says whether a stored row may be served today; `current_states` serves each firm
  its row, or projects it afresh (not stored) when the row may not be served.
- `record_change` is the tail of every write: the audit event, then the firm's state.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Text, cast, func, select
from sqlalchemy.orm import Session

from credit import canonical, chain, clock
from credit.clock import utcnow
from credit.db import insert_rows, json_text, update_rows
from credit.grading import evidence
from credit.grading import ruleset as rulesets
from credit.grading.engine import Inputs, Result, assess
from credit.models import Assessment, Enterprise, EnterpriseState, Violation
from credit.rules import display, listings

SERIOUS = frozenset({"serious", "especially_serious"})
# The register's columns a public profile shows of the firm itself, in the profile's order.
FIRM_COLUMNS = (
    "uscc",
    "name",
    "region_code",
    "industry_code",
    "registered_on",
    "status",
    "status_since",
    "address",
    "legal_representative",
    "chief_quality_officer",
)
PUBLIC_KINDS = {
    "award": "awards",
    "certification": "certifications",
    "inspection": "inspections",
    "violation": "violations",
}
# The state columns a projection computes besides the grade's; a reader is served all of them.
PROJECTED = (
    "active_records",
    "last_major_violation_on",
    "last_serious_violation_on",
    "open_disputes",
    "blacklisted",
    "next_change_on",
    "public_profile",
)
# The grade's columns, written when the result changed or its validity lapsed.
GRADED = ("grade", "risk_class", "score", "ruleset", "result_digest")


@dataclass(frozen=True)
class Projection:
    """A firm's state row as its evidence gives it on a day, with the grade and the inputs
    (what the registry held that day) behind it."""

    result: Result
    digest: str
    columns: dict[str, Any]
    inputs: Inputs

    @property
    def graded_columns(self) -> dict[str, Any]:
        r = self.result
        return {
            "grade": r.grade,
            "risk_class": r.risk_class,
            "score": r.score,
            "ruleset": r.ruleset,
            "result_digest": self.digest,
        }


_BLANK: dict[tuple[str, datetime.date], tuple[Result, str]] = {}


def _blank(ruleset: rulesets.Ruleset, day: datetime.date) -> tuple[Result, str]:
    """Most firms have no evidence at all: their result is computed once per ruleset and day."""
    key = (ruleset.version, day)
    if key not in _BLANK:
        if len(_BLANK) > 16:
            _BLANK.clear()
        result = assess(Inputs(), ruleset, day)
        _BLANK[key] = (result, evidence.result_digest(result))
    return _BLANK[key]


def project(
    firm: Enterprise, found: evidence.Evidence, day: datetime.date, ruleset: rulesets.Ruleset
) -> Projection:
    """The state row of a firm on a day, from its evidence alone."""
    if found.empty:
        inputs = Inputs()
        result, digest = _blank(ruleset, day)
    else:
        inputs = found.on(day)
        result = assess(inputs, ruleset, day)
        digest = evidence.result_digest(result)
    live = [r for r in inputs.records if display.status(r, day) != "rescinded"]
    violations = [r for r in live if isinstance(r, Violation)]
    majors = [r.decided_on for r in violations if display.is_major_violation(r)]
    serious = [r.decided_on for r in violations if r.severity in SERIOUS]
    disputes = sum(1 for r in found.records for o in r.objections if o.pending) + sum(
        1 for item in found.listings if listings.state_on(item, day) == "objection_pending"
    )
    public_change = display.next_public_change(inputs.records, day)
    columns = {
        "active_records": len(live),
        "last_major_violation_on": max(majors, default=None),
        "last_serious_violation_on": max(serious, default=None),
        "open_disputes": disputes,
        "blacklisted": result.blacklisted,
        "next_change_on": min(result.next_change_on, public_change or result.next_change_on),
        "public_profile": public_profile(firm, inputs.records, found.listings, result, day),
    }
    return Projection(result, digest, columns, inputs)


def public_profile(
    firm: Enterprise, records, firm_listings, result: Result, day: datetime.date
) -> dict:
    """The firm as anyone may see it on a day, in wire form: records only inside their display
    period, listings only while active."""
    profile: dict[str, Any] = {
        **{name: getattr(firm, name) for name in FIRM_COLUMNS},
        "grade": result.grade,
        "risk_class": result.risk_class,
        "graded": result.graded,
        "blacklisted": result.blacklisted,
        "awards": [],
        "certifications": [],
        "inspections": [],
        "violations": [],
    }
    for record in records:
        if record.kind in PUBLIC_KINDS and display.shown_publicly(record, day):
            profile[PUBLIC_KINDS[record.kind]].append(display.describe(record, day, uscc=firm.uscc))
    profile["blacklist"] = [
        listings.describe(item, firm, day, history=False)
        for item in firm_listings
        if listings.is_active_on(item, day)
    ]
    return canonical.plain(profile)


def servable(row, day: datetime.date | None = None) -> bool:
    """Whether a stored state row (an EnterpriseState, or a row with its columns) may be served
    on a day: it was stored under the ruleset in use and nothing has changed by date since."""
    day = day or clock.today()
    return (
        row is not None
        and row.assessment_id is not None
        and row.public_profile is not None
        and row.next_change_on is not None
        and day < row.next_change_on
        and row.ruleset == rulesets.current().version
    )


@dataclass(frozen=True)
class Current:
    """A firm's state today as a reader sees it: its stored row when that may be served, else a
    projection computed now and not stored (`result` then holds the grade's detail)."""

    enterprise_id: int
    columns: dict[str, Any]
    assessment_id: int | None = None
    result: Result | None = None

    def __getattr__(self, name: str) -> Any:
        try:
            return self.columns[name]
        except KeyError:
            raise AttributeError(name) from None

    @property
    def profile_text(self) -> str:
        """The public profile as the JSON text it is sent as."""
        profile = self.columns["public_profile"]
        return profile if isinstance(profile, str) else json_text(profile)


_STATE = EnterpriseState.__table__
# The stored profile is read as its text: most readers do not look inside it, so it is not
# decoded for them (a 1,000-firm check would decode 1,000 profiles for nothing).
_SERVED = select(
    _STATE.c.enterprise_id,
    _STATE.c.assessment_id,
    *(_STATE.c[name] for name in PROJECTED + GRADED if name != "public_profile"),
    cast(_STATE.c.public_profile, Text).label("public_profile"),
)


def stored_states(
    session: Session, firm_ids: Sequence[int], day: datetime.date | None = None
) -> dict[int, Current]:
    """The firms' stored rows that may be served on the day, in one query; a firm whose row may
    not be served is left out."""
    if not firm_ids:
        return {}
    day = day or clock.today()
    rows = session.execute(_SERVED.where(_STATE.c.enterprise_id.in_(firm_ids)))
    return {
        row.enterprise_id: Current(row.enterprise_id, dict(row._mapping), row.assessment_id)
        for row in rows
        if servable(row, day)
    }


def current_states(
    session: Session, firms: Sequence[Enterprise], day: datetime.date | None = None
) -> dict[int, Current]:
    """Each firm's state today: its stored row when that may be served, else projected afresh
    from its evidence (read for those firms only) and not stored."""
    day = day or clock.today()
    served = stored_states(session, [firm.id for firm in firms], day)
    stale = [firm for firm in firms if firm.id not in served]
    found = evidence.gather(session, [firm.id for firm in stale], disputes=True)
    ruleset = rulesets.current()
    for firm in stale:
        projection = project(firm, found[firm.id], day, ruleset)
        served[firm.id] = Current(
            firm.id, {**projection.columns, **projection.graded_columns}, None, projection.result
        )
    return served


def record_change(session: Session, event: chain.NewEvent) -> int:
    """The tail of every write: appends its audit event, then refreshes the state of the firm it
    concerns, in the writer's transaction. Returns the event's position in the chain."""
    position = chain.append(session, event)
    if event.enterprise_id is not None:
        refresh_states(session, [event.enterprise_id], trigger=event.kind, actor=event.actor)
    return position


def refresh_states(
    session: Session,
    enterprise_ids: Sequence[int],
    *,
    trigger: str,
    actor: str,
    ruleset: rulesets.Ruleset | None = None,
    day: datetime.date | None = None,
) -> int:
    """Recomputes the state rows of these enterprises as of today and stores every grade that
    changed as an assessment, with a `grade_changed` event. Returns how many grades changed."""
    chain.lock_chain(session)
    plan = plan_states(
        session,
        enterprise_ids,
        trigger=trigger,
        ruleset=ruleset or rulesets.current(),
        day=day or clock.today(),
    )
    return write_plan(session, plan, actor=actor)


# What a projection reads of the firms themselves, as rows: a bulk regrade has no use for the
# ORM's objects, which cost more to build than the rest of reading a firm.
_FIRMS = select(*(Enterprise.__table__.c[name] for name in ("id", *FIRM_COLUMNS)))
_CURRENT = select(
    _STATE.c.enterprise_id, _STATE.c.valid_until, *(_STATE.c[name] for name in PROJECTED + GRADED)
)


@dataclass
class StatePlan:
    """What recomputing some firms would write: their state rows (only what differs), the firms
    that have none yet, and an assessment for each grade that changed."""

    trigger: str
    rows: dict[int, dict] = field(default_factory=dict)
    missing: set[int] = field(default_factory=set)
    assessments: dict[int, tuple[str | None, dict]] = field(default_factory=dict)
    usccs: dict[int, str] = field(default_factory=dict)

    def replace(self, firms: set[int], newer: StatePlan) -> StatePlan:
        """This plan with these firms planned again (`newer` covers them)."""

        def keep(values: dict) -> dict:
            return {firm: value for firm, value in values.items() if firm not in firms}

        return StatePlan(
            self.trigger,
            {**keep(self.rows), **newer.rows},
            (self.missing - firms) | newer.missing,
            {**keep(self.assessments), **newer.assessments},
            {**self.usccs, **newer.usccs},
        )


def plan_states(
    session: Session,
    enterprise_ids: Sequence[int],
    *,
    trigger: str,
    ruleset: rulesets.Ruleset,
    day: datetime.date,
) -> StatePlan:
    """Projects these firms as of `day` and plans what to write; reads only, so it may run
    outside the write lock (a bulk regrade then plans again any firm written meanwhile)."""
    now = utcnow()
    plan = StatePlan(trigger)
    found_evidence = evidence.gather(session, enterprise_ids, disputes=True)
    states = {
        row.enterprise_id: row
        for row in session.execute(_CURRENT.where(_STATE.c.enterprise_id.in_(enterprise_ids)))
    }
    firms = {
        firm.id: firm for firm in session.execute(_FIRMS.where(Enterprise.id.in_(enterprise_ids)))
    }
    plan.usccs = {firm_id: firm.uscc for firm_id, firm in firms.items()}
    for enterprise_id in enterprise_ids:
        found = found_evidence[enterprise_id]
        projection = project(firms[enterprise_id], found, day, ruleset)
        result = projection.result
        state = states.get(enterprise_id)
        row = dict(projection.columns)
        unchanged = (
            state is not None
            and state.result_digest == projection.digest
            and state.ruleset == result.ruleset
            and state.valid_until is not None
            and state.valid_until >= day
        )
        if unchanged and all(getattr(state, name) == row[name] for name in PROJECTED):
            continue  # nothing to write at all
        row["updated_at"] = now
        if not unchanged:
            plan.assessments[enterprise_id] = (
                state.grade if state else None,
                {
                    "enterprise_id": enterprise_id,
                    "assessed_at": now,
                    "as_of": day,
                    "ruleset": result.ruleset,
                    "score": result.score,
                    "raw_score": result.raw_score,
                    "computed_grade": result.computed_grade,
                    "grade": result.grade,
                    "risk_class": result.risk_class,
                    "blacklisted": result.blacklisted,
                    "override_id": result.override.id if result.override else None,
                    "explanation": evidence.explanation_rows(result),
                    "caps": evidence.cap_rows(result),
                    "fingerprint": evidence.fingerprint(
                        found, projection.inputs, result.ruleset, day
                    ),
                    "valid_until": result.valid_until,
                    "next_change_on": result.next_change_on,
                    "trigger": trigger,
                },
            )
            row.update(projection.graded_columns, graded_on=day, valid_until=result.valid_until)
        if state is None:
            plan.missing.add(enterprise_id)
        plan.rows[enterprise_id] = row
    return plan


def write_plan(session: Session, plan: StatePlan, *, actor: str) -> int:
    """Writes a plan under the chain lock: state rows, assessments and their `grade_changed`
    events. Returns how many grades changed."""
    chain.lock_chain(session)
    if plan.missing:
        insert_rows(
            session,
            _STATE,
            [
                {
                    "enterprise_id": firm,
                    "blacklisted": False,
                    "active_records": 0,
                    "updated_at": plan.rows[firm]["updated_at"],
                }
                for firm in sorted(plan.missing)
            ],
        )
    rows = {firm: {"enterprise_id": firm, **row} for firm, row in plan.rows.items()}
    events = []
    if plan.assessments:
        firms = list(plan.assessments)
        ids = _insert_assessments(session, [plan.assessments[firm][1] for firm in firms])
        for assessment_id, firm in zip(ids, firms, strict=False):
            previous, values = plan.assessments[firm]
            rows[firm]["assessment_id"] = assessment_id
            events.append(
                chain.NewEvent(
                    actor=actor,
                    kind="grade_changed",
                    enterprise_id=firm,
                    payload={
                        "uscc": plan.usccs.get(firm),
                        "assessment_id": assessment_id,
                        "assessment_digest": canonical.digest({**values, "id": assessment_id}),
                        "previous_grade": previous,
                        "grade": values["grade"],
                        "score": None if values["score"] is None else str(values["score"]),
                        "risk_class": values["risk_class"],
                        "ruleset": values["ruleset"],
                        "trigger": plan.trigger,
                    },
                )
            )
    _update_states(session, list(rows.values()))
    # The bulk update bypassed the session: drop any state row it holds.
    for firm in rows:
        held = session.identity_map.get(session.identity_key(EnterpriseState, firm))
        if held is not None:
            session.expire(held)
    if events:
        chain.append_many(session, events)
    return len(plan.assessments)


def drifted(
    session: Session, enterprise_ids: Sequence[int], day: datetime.date | None = None
) -> dict[int, list[str]]:
    """The servable state rows among these firms that differ from their projection today, with
    the columns that differ: an edit in the database shows here."""
    day = day or clock.today()
    ruleset = rulesets.current()
    states = {
        row.enterprise_id: row
        for row in session.execute(
            _CURRENT.add_columns(_STATE.c.assessment_id).where(
                _STATE.c.enterprise_id.in_(enterprise_ids)
            )
        )
    }
    firms = {
        firm.id: firm
        for firm in session.scalars(select(Enterprise).where(Enterprise.id.in_(enterprise_ids)))
    }
    found = evidence.gather(session, list(firms), disputes=True)
    differ: dict[int, list[str]] = {}
    for firm_id, firm in firms.items():
        state = states.get(firm_id)
        if state is None or not servable(state, day):
            continue  # never served: a reader projects the firm afresh
        projection = project(firm, found[firm_id], day, ruleset)
        expected = {**projection.columns, **projection.graded_columns}
        names = [name for name in PROJECTED + GRADED if getattr(state, name) != expected[name]]
        if names:
            differ[firm_id] = names
    return differ


def _update_states(session: Session, rows: list[dict]) -> None:
    # One executemany per set of columns: rows whose grade did not change leave it alone.
    groups: dict[tuple, list[dict]] = {}
    for row in rows:
        groups.setdefault(tuple(sorted(row)), []).append(row)
    for group in groups.values():
        update_rows(session, _STATE, "enterprise_id", group)


def _insert_assessments(session: Session, rows: list[dict]) -> list[int]:
    """Inserts one assessment per firm and returns their ids in the order given.

    The writer holds the chain lock, so each firm's newest assessment is the one just written;
    reading them back is much faster than an ordered RETURNING, which SQLite runs row by row.
    """
    table = Assessment.__table__
    insert_rows(session, table, rows)
    firms = [row["enterprise_id"] for row in rows]
    newest = dict(
        session.execute(
            select(table.c.enterprise_id, func.max(table.c.id))
            .where(table.c.enterprise_id.in_(firms))
            .group_by(table.c.enterprise_id)
        ).all()
    )
    return [newest[firm] for firm in firms]
