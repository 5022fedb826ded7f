"""The registry's statistics: firms, grades and records of a region by region, industry, product
or period, compared with the policy targets, with the warnings they raise.

Everything is counted by the database (GROUP BY); Python only folds the few rows it returns.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, case, exists, func, literal, or_, select
from sqlalchemy.orm import Session

from credit import catalog, clock, policy, reference
from credit.auth.caller import Caller
from credit.errors import InvalidInput
from credit.models import (
    Assessment,
    Award,
    Correction,
    Enterprise,
    EnterpriseState,
    Inspection,
    Listing,
    Record,
    Transition,
    Violation,
)
from credit.rules import display, listings, periods
from credit.services.lookup import prefix_range
from credit.services.statistics import targets as target_rows
from credit.services.statistics import warnings

BY = ("region", "industry", "product", "quarter", "month")
PERIODS = {"quarter": 3, "month": 1}
# Groupings that put each firm in one group (a firm sampled for two products is in both).
PARTITIONS = ("region", "industry")
# API.md names these four levels whatever the catalog holds today; a level the catalog adds is
# counted too.
LEVELS = tuple(
    dict.fromkeys((*catalog.INSPECTION_LEVELS, "national", "provincial", "municipal", "county"))
)
UNGRADED = "ungraded"
# Food producers' inspections, once inspections carry a product category.
FOOD_CATEGORY = "food"
# The fields only the regulator of the region sees: penalties name firms' misconduct in detail.
REGULATOR_ONLY = ("violations",)


@dataclass(frozen=True)
class Scope:
    """Which firms (a region prefix, an industry code prefix) and which days are counted."""

    region: str | None
    industry: str | None
    date_from: datetime.date
    date_to: datetime.date

    def firms(self) -> list:
        conditions = []
        if self.region:
            conditions += prefix_range(Enterprise.region_code, self.region)
        if self.industry:
            conditions.append(Enterprise.industry_code.startswith(self.industry, autoescape=True))
        return conditions


@dataclass(frozen=True)
class Grouping:
    """How rows fall into groups: by an expression (`key`, None for one group), through an
    optional subquery joined to the enterprise (firms keyed by what they were sampled for)."""

    key: Any = None
    joined: Any = None  # (subquery, on-clause)
    record_key: Any = None  # the key of inspections, when it is not the firm's

    def columns(self, record: bool = False) -> list:
        key = self.record_key if record and self.record_key is not None else self.key
        return [] if key is None else [key.label("key")]

    def join(self, stmt, record: bool = False):
        if self.joined is not None and not (record and self.record_key is not None):
            stmt = stmt.join(*self.joined)
        return stmt


def figures(
    session: Session,
    caller: Caller,
    *,
    region: str | None = None,
    industry: str | None = None,
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
    by: str = "region",
) -> dict:
    """The statistics `GET /api/v1/statistics` answers, as a dict in wire form.

    - `region`: a province, city or county code prefix (2, 4 or 6 digits); by default the
      regulator's own region, or the whole registry for anyone else.
    - `industry`: a GB/T 4754 code in any written form; firms whose code starts with it.
    - `date_from`, `date_to`: the range, both days included; by default the current quarter up
      to today. Firms and grades are counted as of `date_to` (for a period group: as of the
      period's last day inside the range); records by their own date inside the range.
    - `by`: region (6-digit district), industry (GB/T 4754 division, or the section when a firm
      gives only that), product (the firms sampled for it), quarter or month.

    The regulator whose region covers `region` gets every field; anyone else the public subset
    (no `violations`). Bad input raises InvalidInput naming the field.
    """
    scope = _scope(caller, region, industry, date_from, date_to, by)
    full = bool(
        caller.role == "regulator"
        and caller.region
        and scope.region is not None
        and scope.region.startswith(caller.region)
    )
    if by in PERIODS:
        groups, counted = _period_groups(session, scope, by)
    else:
        groups, by_key = _keyed_groups(session, scope, by)
        if by in PARTITIONS:
            # Every firm and record falls in exactly one group: the totals are their sums.
            counted = _blank()
            for parts in by_key.values():
                _add(counted, parts)
        else:
            counted = _counted(session, scope, Grouping(), scope.date_to)[None]
    totals = _finish(counted)
    product_counts = _product_counts(session, scope)
    answer = {
        "region": scope.region,
        "industry": scope.industry,
        "from": scope.date_from,
        "to": scope.date_to,
        "by": by,
        "groups": groups,
        "totals": totals,
        "targets": _against_targets(session, scope, totals),
        "warnings": warnings.automatic(product_counts, scope.region),
    }
    if not full:
        for part in [*groups, totals]:
            for name in REGULATOR_ONLY:
                part.pop(name, None)
    return answer


def _scope(caller, region, industry, date_from, date_to, by) -> Scope:
    errors: dict[str, list[str]] = {}
    if by not in BY:
        errors["by"] = [f"Must be one of: {', '.join(BY)}."]
    if region is None and caller.role == "regulator":
        region = caller.region
    elif region is not None:
        problem = reference.region_prefix_problem(region)
        if problem:
            errors["region"] = [f"Region {problem}."]
    if industry is not None:
        try:
            industry = reference.normal_industry_code(industry)
        except reference.InvalidIndustryCode as problem:
            errors["industry"] = [f"Industry code {problem}."]
    today = clock.today()
    date_to = date_to or today
    if date_from is None:
        date_from = _period_start(date_to, PERIODS["quarter"])
    if date_from > date_to:
        errors["to"] = [f"{date_to.isoformat()} is before from ({date_from.isoformat()})."]
    elif not periods.within(date_to, date_from, 12 * policy.STATISTICS_MAX_YEARS):
        errors["from"] = [f"The range may cover at most {policy.STATISTICS_MAX_YEARS} years."]
    if errors:
        raise InvalidInput(errors)
    return Scope(region, industry, date_from, date_to)


def _end_of(day: datetime.date) -> datetime.datetime:
    return clock.start_of(periods.day_after(day))


def _not_rescinded(record_id):
    return ~exists().where(Correction.record_id == record_id, Correction.action == "rescind")


def _registered_by(day: datetime.date):
    return or_(
        Enterprise.registered_on <= day,
        and_(Enterprise.registered_on.is_(None), Enterprise.created_at < _end_of(day)),
    )


# ---- groups -------------------------------------------------------------------------------------


def _keyed_groups(session: Session, scope: Scope, by: str) -> tuple[list[dict], dict]:
    """The groups in wire form, and their counts as counted."""
    if by == "region":
        grouping = Grouping(key=Enterprise.region_code)
        label = _region_label
    elif by == "industry":
        code = Enterprise.industry_code
        grouping = Grouping(
            key=func.substr(code, 1, 3).label("division"),
        )
        label = _industry_label
    else:
        sampled = (
            select(Inspection.enterprise_id.label("enterprise_id"), Inspection.product.label("key"))
            .select_from(Inspection)
            .join(Enterprise, Enterprise.id == Inspection.enterprise_id)
            .where(*scope.firms(), *_sampled_in(scope.date_from, scope.date_to))
            .distinct()
            .subquery()
        )
        grouping = Grouping(
            key=sampled.c.key,
            joined=(sampled, sampled.c.enterprise_id == Enterprise.id),
            record_key=Inspection.product,
        )
        label = _product_label
    counted = _counted(session, scope, grouping, scope.date_to)
    groups = [
        {"key": key, "label_zh": label(key), **_finish(parts)}
        for key, parts in sorted(counted.items(), key=lambda item: (item[0] is None, item[0] or ""))
    ]
    return groups, counted


def _period_groups(session: Session, scope: Scope, by: str) -> tuple[list[dict], dict]:
    """Every period of the range, empty ones too: firms as of each period's last day in the
    range, records of its days. Also the totals: the last period's firms, every day's records."""
    months = PERIODS[by]
    dated = _counted_by_day(session, scope)
    totals = _blank()
    for counts in dated.values():
        _add(totals, counts)
    groups = []
    start = _period_start(scope.date_from, months)
    while start <= scope.date_to:
        end = periods.last_day(start, months)
        first, last = max(start, scope.date_from), min(end, scope.date_to)
        parts = _counted_firms(session, scope, Grouping(), last).get(None) or _blank()
        if last == scope.date_to:
            _add(totals, parts)
        for day, counts in dated.items():
            if first <= day <= last:
                _add(parts, counts)
        key = (
            f"{start.year}Q{(start.month - 1) // 3 + 1}"
            if by == "quarter"
            else start.strftime("%Y-%m")
        )
        label = (
            f"{start.year}年第{(start.month - 1) // 3 + 1}季度"
            if by == "quarter"
            else f"{start.year}年{start.month}月"
        )
        groups.append({"key": key, "label_zh": label, **_finish(parts)})
        start = periods.period_end(start, months)
    return groups, totals


def _period_start(day: datetime.date, months: int) -> datetime.date:
    return datetime.date(day.year, (day.month - 1) // months * months + 1, 1)


def _region_label(code: str | None) -> str | None:
    region = reference.regions().get(code or "")
    return region.name if region else None


def _industry_label(code: str | None) -> str | None:
    if code is None:
        return "未登记行业"
    return reference.industry_names().get(code)


def _product_label(product: str | None) -> str | None:
    return product


# ---- counting -----------------------------------------------------------------------------------


def _blank() -> dict:
    return {
        "enterprises": 0,
        "grades": {**dict.fromkeys(catalog.GRADES, 0), UNGRADED: 0},
        "risk_classes": {**dict.fromkeys(catalog.RISK_CLASSES, 0), UNGRADED: 0},
        "blacklist": {"active": 0, "listed": 0, "removed": 0},
        "inspections": {
            "batches": 0,
            "passed": 0,
            "by_level": {level: {"batches": 0, "passed": 0} for level in LEVELS},
        },
        "violations": {
            "total": 0,
            "by_severity": dict.fromkeys(catalog.SEVERITIES, 0),
            "by_category": dict.fromkeys(catalog.VIOLATION_CATEGORIES, 0),
            "fine_fen": 0,
        },
        "awards_in_force": dict.fromkeys(catalog.AWARD_KINDS, 0),
    }


def _add(into: dict, more: dict) -> None:
    for name, value in more.items():
        if isinstance(value, dict):
            _add(into.setdefault(name, {}), value)
        else:
            into[name] = into.get(name, 0) + value


def _finish(parts: dict) -> dict:
    """Counts in wire form: rates over batches, fines in yuan."""
    inspections = parts["inspections"]
    violations = parts["violations"]
    return {
        "enterprises": parts["enterprises"],
        "grades": parts["grades"],
        "risk_classes": parts["risk_classes"],
        "blacklist": parts["blacklist"],
        "inspections": {
            "batches": inspections["batches"],
            "passed": inspections["passed"],
            "pass_rate": warnings.rate(inspections["passed"], inspections["batches"]),
            "by_level": {
                level: {**counts, "pass_rate": warnings.rate(counts["passed"], counts["batches"])}
                for level, counts in inspections["by_level"].items()
            },
        },
        "violations": {
            "total": violations["total"],
            "by_severity": violations["by_severity"],
            "by_category": violations["by_category"],
            "fines": display.fine_yuan(violations["fine_fen"]),
        },
        "awards_in_force": parts["awards_in_force"],
    }


def _counted(session: Session, scope: Scope, grouping: Grouping, as_of: datetime.date) -> dict:
    """Every figure per group key: firms as of `as_of`, records of the scope's range."""
    found = _counted_firms(session, scope, grouping, as_of)
    for key, counts in _counted_records(session, scope, grouping).items():
        _add(found.setdefault(key, _blank()), counts)
    if grouping.key is None:
        found.setdefault(None, _blank())
    return found


def _rows_by_key(rows, keyed: bool) -> Iterator[tuple[Any, tuple]]:
    for row in rows:
        yield (row[0], tuple(row[1:])) if keyed else (None, tuple(row))


def _counted_firms(
    session: Session, scope: Scope, grouping: Grouping, as_of: datetime.date
) -> dict:
    """Firms registered by `as_of`, their grades and risk classes as last stored by then, their
    active listings and honours in force that day."""
    found: dict[Any, dict] = {}
    keyed = grouping.key is not None
    end = _end_of(as_of)

    def part(key) -> dict:
        return found.setdefault(key, _blank())

    if end > clock.utcnow():
        # Nothing is stored after now: each firm's last stored grade is its current-state row's.
        grade_source = EnterpriseState
        stmt = select(
            *grouping.columns(), EnterpriseState.grade, EnterpriseState.risk_class, func.count()
        )
        stmt = grouping.join(stmt.select_from(Enterprise)).outerjoin(
            EnterpriseState, EnterpriseState.enterprise_id == Enterprise.id
        )
    else:
        # The grade stored by the end of `as_of` goes by `assessed_at`, when it was stored, not by
        # `as_of`, the day it was computed for (a bulk regrade that runs past midnight stores
        # grades for the day it started). Compared as an instant with the end of the business day, so that
        # the (enterprise_id, assessed_at) index answers without converting zones in SQL.
        grade_source = Assessment
        newest = (
            select(func.max(Assessment.id))
            .where(Assessment.enterprise_id == Enterprise.id, Assessment.assessed_at < end)
            .correlate(Enterprise)
            .scalar_subquery()
        )
        stmt = select(*grouping.columns(), Assessment.grade, Assessment.risk_class, func.count())
        stmt = grouping.join(stmt.select_from(Enterprise)).outerjoin(
            Assessment, Assessment.id == newest
        )
    stmt = stmt.where(*scope.firms(), _registered_by(as_of)).group_by(
        *grouping.columns(), grade_source.grade, grade_source.risk_class
    )
    for key, (grade, risk_class, count) in _rows_by_key(session.execute(stmt), keyed):
        counts = part(key)
        counts["enterprises"] += count
        counts["grades"][grade or UNGRADED] += count
        counts["risk_classes"][risk_class or UNGRADED] += count

    last_state = (
        select(Transition.to_state)
        .where(Transition.listing_id == Listing.id, Transition.created_at < end)
        .order_by(Transition.id.desc())
        .limit(1)
        .correlate(Listing)
        .scalar_subquery()
    )
    active = grouping.join(
        select(*grouping.columns(), func.count())
        .select_from(Listing)
        .join(Enterprise, Enterprise.id == Listing.enterprise_id)
    ).where(
        *scope.firms(),
        Listing.listed_on <= as_of,
        Listing.expires_on > as_of,
        Listing.created_at < end,
        last_state.in_(sorted(listings.ACTIVE)),
    )
    if keyed:
        active = active.group_by(*grouping.columns())
    for key, (count,) in _rows_by_key(session.execute(active), keyed):
        part(key)["blacklist"]["active"] += count

    revoked = exists().where(
        Correction.record_id == Award.id,
        or_(Correction.action == "rescind", Correction.effective_on <= as_of),
    )
    honours = (
        grouping.join(
            select(*grouping.columns(), Award.award_kind, func.count())
            .select_from(Award)
            .join(Enterprise, Enterprise.id == Award.enterprise_id)
        )
        .where(
            *scope.firms(),
            Award.awarded_on <= as_of,
            or_(Award.expires_on.is_(None), Award.expires_on > as_of),
            ~revoked,
        )
        .group_by(*grouping.columns(), Award.award_kind)
    )
    for key, (kind, count) in _rows_by_key(session.execute(honours), keyed):
        awards = part(key)["awards_in_force"]
        awards[kind] = awards.get(kind, 0) + count
    return found


_PASSED = func.sum(case((Inspection.result == "pass", 1), else_=0))


def _sampled_in(first: datetime.date, last: datetime.date) -> list:
    return [
        Inspection.sampled_on >= first,
        Inspection.sampled_on <= last,
        _not_rescinded(Inspection.id),
    ]


def _counted_records(session: Session, scope: Scope, grouping: Grouping) -> dict:
    """Inspections, violations, listings and early removals dated inside the range, per key."""
    return _record_counts(session, scope, grouping, None)


def _counted_by_day(session: Session, scope: Scope) -> dict:
    """The same counts per day: periods are folded from them (at most a few thousand rows)."""
    return _record_counts(session, scope, Grouping(), "day")


def _record_counts(session: Session, scope: Scope, grouping: Grouping, dated: str | None) -> dict:
    found: dict[Any, dict] = {}
    first, last = scope.date_from, scope.date_to

    def keys(day_column, record: bool = False) -> list:
        return [day_column.label("key")] if dated else grouping.columns(record)

    def part(key) -> dict:
        return found.setdefault(key, _blank())

    keyed = bool(dated) or grouping.key is not None

    inspection_keys = keys(Inspection.sampled_on, record=True)
    sampled = grouping.join(
        select(*inspection_keys, Inspection.level, Inspection.result, func.count())
        .select_from(Inspection)
        .join(Enterprise, Enterprise.id == Inspection.enterprise_id),
        record=True,
    ).where(*scope.firms(), *_sampled_in(first, last))
    sampled = sampled.group_by(*inspection_keys, Inspection.level, Inspection.result)
    for key, (level, result, count) in _rows_by_key(session.execute(sampled), keyed):
        inspections = part(key)["inspections"]
        by_level = inspections["by_level"].setdefault(level, {"batches": 0, "passed": 0})
        passed = count if result == "pass" else 0
        inspections["batches"] += count
        inspections["passed"] += passed
        by_level["batches"] += count
        by_level["passed"] += passed

    violation_keys = keys(Violation.decided_on)
    decided = grouping.join(
        select(
            *violation_keys,
            Violation.severity,
            Violation.category,
            func.count(),
            func.coalesce(func.sum(Violation.fine_fen), 0),
        )
        .select_from(Violation)
        .join(Enterprise, Enterprise.id == Violation.enterprise_id)
    ).where(
        *scope.firms(),
        Violation.decided_on >= first,
        Violation.decided_on <= last,
        _not_rescinded(Violation.id),
    )
    decided = decided.group_by(*violation_keys, Violation.severity, Violation.category)
    for key, (severity, category, count, fen) in _rows_by_key(session.execute(decided), keyed):
        violations = part(key)["violations"]
        violations["total"] += count
        violations["by_severity"][severity] = violations["by_severity"].get(severity, 0) + count
        violations["by_category"][category] = violations["by_category"].get(category, 0) + count
        violations["fine_fen"] += int(fen)

    listed_keys = keys(Listing.listed_on)
    listed = grouping.join(
        select(*listed_keys, func.count())
        .select_from(Listing)
        .join(Enterprise, Enterprise.id == Listing.enterprise_id)
    ).where(
        *scope.firms(),
        Listing.listed_on >= first,
        Listing.listed_on <= last,
        Listing.state != "rescinded",
    )
    if keyed:
        listed = listed.group_by(*listed_keys)
    for key, (count,) in _rows_by_key(session.execute(listed), keyed):
        part(key)["blacklist"]["listed"] += count

    removed_keys = keys(Transition.on)
    removed = grouping.join(
        select(*removed_keys, func.count())
        .select_from(Transition)
        .join(Listing, Listing.id == Transition.listing_id)
        .join(Enterprise, Enterprise.id == Listing.enterprise_id)
    ).where(
        *scope.firms(),
        Transition.to_state == "removed_early",
        Transition.on >= first,
        Transition.on <= last,
    )
    if keyed:
        removed = removed.group_by(*removed_keys)
    for key, (count,) in _rows_by_key(session.execute(removed), keyed):
        part(key)["blacklist"]["removed"] += count
    return found


def _product_counts(session: Session, scope: Scope) -> list[tuple[str, int, int]]:
    """(product, batches, passed) of the scope's range: what automatic warnings look at."""
    stmt = (
        select(Inspection.product, func.count(), _PASSED)
        .select_from(Inspection)
        .join(Enterprise, Enterprise.id == Inspection.enterprise_id)
        .where(*scope.firms(), *_sampled_in(scope.date_from, scope.date_to))
        .group_by(Inspection.product)
    )
    return [(product, count, int(ok or 0)) for product, count, ok in session.execute(stmt)]


# ---- targets ------------------------------------------------------------------------------------


def _food_pass_rate(session: Session, scope: Scope) -> tuple[int, int]:
    """(passed, batches) of food producers' inspections, told by the product category."""
    category = Inspection.product_category
    stmt = (
        select(func.count(), _PASSED)
        .select_from(Inspection)
        .join(Enterprise, Enterprise.id == Inspection.enterprise_id)
        .where(
            *scope.firms(),
            *_sampled_in(scope.date_from, scope.date_to),
            category == literal(FOOD_CATEGORY),
        )
    )
    batches, passed = session.execute(stmt).one()
    return int(passed or 0), int(batches or 0)


def _filed(session: Session, scope: Scope) -> int:
    """How many of the firms registered by `to` had a credit file (a record) by then."""
    end = _end_of(scope.date_to)
    stmt = (
        select(func.count())
        .select_from(Enterprise)
        .where(
            *scope.firms(),
            _registered_by(scope.date_to),
            exists().where(
                Record.enterprise_id == Enterprise.id,
                # Nothing is stored after now: the index alone answers.
                *([Record.created_at < end] if end <= clock.utcnow() else []),
            ),
        )
    )
    return session.scalar(stmt) or 0


def _against_targets(session: Session, scope: Scope, totals: dict) -> list[dict]:
    """The targets of the year of `to` that apply to the region, each with what was achieved:
    `met` is whether the actual reaches the target, null when there is nothing to measure."""
    applying = target_rows.applying_to(session, scope.region, scope.date_to.year)
    if not applying:
        return []
    inspections = totals["inspections"]
    levels = inspections["by_level"]
    grades = totals["grades"]
    # Each actual as (numerator, denominator) for a rate, or an integer for a count.
    actuals: dict[str, Any] = {
        "pass_rate_national": (levels["national"]["passed"], levels["national"]["batches"]),
        "pass_rate_provincial": (levels["provincial"]["passed"], levels["provincial"]["batches"]),
        "pass_rate_comparable": (inspections["passed"], inspections["batches"]),
        "pass_rate_food": _food_pass_rate(session, scope),
        "grade_a_or_better": grades["AAA"] + grades["AA"] + grades["A"],
        "grade_aa_or_better": grades["AAA"] + grades["AA"],
        "filing_rate": None,
    }
    if any(row.code == "filing_rate" for row in applying):
        actuals["filing_rate"] = (_filed(session, scope), totals["enterprises"])
    answer = []
    for row in applying:
        target = target_rows.stored_target(row.code, row.target)
        actual = actuals.get(row.code)
        if isinstance(actual, tuple):
            part, whole = actual
            shown = warnings.rate(part, whole)
            met = None if not whole else Decimal(part) >= target * whole
        else:
            shown = actual
            met = None if actual is None else actual >= target
        answer.append(
            {
                "code": row.code,
                "label_zh": catalog.TARGET_CODES[row.code].label_zh,
                "region": row.region,
                "source": row.source,
                "target": target_rows.wire_target(row.code, row.target),
                "actual": shown,
                "met": met,
            }
        )
    return answer
