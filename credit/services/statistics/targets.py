"""Policy targets as data: each region prefix's targets for a year, with their source documents."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal, InvalidOperation

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from credit import canonical, catalog, chain
from credit.auth.caller import Caller, require_role
from credit.clock import utcnow
from credit.errors import Forbidden, InvalidInput
from credit.models import Target
from credit.reference import region_prefix_problem

AUDIT_EVENTS = ("target_set", "target_replaced")


def is_rate(code: str) -> bool:
    return catalog.TARGET_CODES[code].group == "rate"


def parse_target(code: str, value) -> Decimal | int:
    """A rate is a fraction between 0 and 1 written as a decimal string ("0.95"); a count is a
    whole number of firms. Raises ValueError saying what is wrong."""
    if is_rate(code):
        if not isinstance(value, str):
            raise ValueError('a rate is a fraction written as a decimal string, e.g. "0.95"')
        try:
            rate = Decimal(value)
        except InvalidOperation:
            raise ValueError(f"{value!r} is not a decimal number") from None
        if not rate.is_finite() or not Decimal(0) <= rate <= Decimal(1):
            raise ValueError("a rate is a fraction between 0 and 1")
        return rate
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError("a count is a whole number of firms, 0 or more")
    return value


def stored_target(code: str, stored: str) -> Decimal | int:
    return Decimal(stored) if is_rate(code) else int(stored)


def wire_target(code: str, stored: str) -> str | int:
    return stored if is_rate(code) else int(stored)


def view(row: Target) -> dict:
    return {
        "region": row.region,
        "year": row.year,
        "code": row.code,
        "label_zh": catalog.TARGET_CODES[row.code].label_zh,
        "target": wire_target(row.code, row.target),
        "source": row.source,
        "set_by": row.set_by,
        "set_at": row.set_at,
    }


def in_force(session: Session, region: str | None = None) -> list[Target]:
    """The targets in force (not replaced) of every prefix under `region`, or of every region."""
    stmt = select(Target).where(Target.replaced_at.is_(None))
    if region:
        stmt = stmt.where(Target.region.startswith(region))
    return list(session.scalars(stmt.order_by(Target.region, Target.year, Target.id)))


def applying_to(session: Session, region: str | None, year: int) -> list[Target]:
    """The targets of the year that apply to a region: set for it or for a prefix of it, the most
    specific prefix winning code by code. The whole registry has none of its own."""
    if not region:
        return []
    prefixes = [region[:end] for end in range(2, len(region) + 1)]
    rows = session.scalars(
        select(Target).where(
            Target.replaced_at.is_(None), Target.year == year, Target.region.in_(prefixes)
        )
    ).all()
    chosen: dict[str, Target] = {}
    for row in sorted(rows, key=lambda r: (len(r.region), r.id)):
        chosen[row.code] = row
    return [chosen[code] for code in catalog.TARGET_CODES if code in chosen]


def set_targets(
    session: Session, caller: Caller, region: str, year: int, targets: Sequence[dict]
) -> list[Target]:
    """Replaces the region's targets for the year (the regulator of the region); every row written
    and every row replaced is an audit event."""
    require_role(caller, "regulator")
    problem = region_prefix_problem(region)
    if problem:
        raise InvalidInput.field("region", f"Region {problem}.")
    if not region.startswith(caller.region or "\0"):
        raise Forbidden(f"Your region {caller.region} does not cover region {region}.")
    errors: dict[str, list[str]] = {}
    seen: set[str] = set()
    for index, item in enumerate(targets):
        code = item["code"]
        if code in seen:
            errors[f"targets.{index}.code"] = [f"{code} is given twice."]
        seen.add(code)
        try:
            parse_target(code, item["target"])
        except ValueError as problem_text:
            errors[f"targets.{index}.target"] = [f"{str(problem_text).capitalize()}."]
    if errors:
        raise InvalidInput(errors)
    chain.lock_chain(session)
    now = utcnow()
    replaced = session.scalars(
        select(Target).where(
            Target.region == region, Target.year == year, Target.replaced_at.is_(None)
        )
    ).all()
    if replaced:
        session.execute(
            update(Target)
            .where(Target.id.in_([row.id for row in replaced]))
            .values(replaced_at=now)
            .execution_options(synchronize_session="fetch")
        )
    rows = [
        Target(
            region=region,
            year=year,
            code=item["code"],
            target=str(parse_target(item["code"], item["target"])),
            source=item["source"],
            set_by=caller.username,
            set_at=now,
        )
        for item in targets
    ]
    session.add_all(rows)
    session.flush()
    chain.append_many(
        session,
        [
            chain.NewEvent(
                actor=caller.username,
                kind="target_replaced",
                payload={"target": canonical.row_content(row)},
            )
            for row in replaced
        ]
        + [
            chain.NewEvent(
                actor=caller.username,
                kind="target_set",
                payload={"target": canonical.row_content(row)},
            )
            for row in rows
        ],
    )
    return rows
