"""The quality-status report's figures, assembled from the statistics of a region and period."""

from __future__ import annotations

import re
from decimal import Decimal

from sqlalchemy.orm import Session

from credit import catalog, clock, reference
from credit.auth.caller import Caller, require_role
from credit.errors import Forbidden, InvalidInput
from credit.services.quality_status.periods import ReportPeriod, parse_period

# The target a product's sampling pass rate is set against, the first one the region has set:
# a general sampling target (Zhangye 2011 可比监督抽查合格率) before the national (Zhenjiang 2014)
# and the provincial one (Fuzhou 2012), which are the targets that name sampling as a whole.
PRODUCT_TARGET_CODES = ("pass_rate_comparable", "pass_rate_national", "pass_rate_provincial")
_REGION = re.compile(r"[0-9]{2}(?:[0-9]{2}){0,2}")
REGION_FORMAT = "must be a region code: a province (32), a city (3211) or a district (321102)"
_RATE = Decimal("0.0001")
_YUAN = Decimal("0.01")
GRADE_COLUMNS = (*catalog.GRADES, "ungraded")


def quality_status(session: Session, caller: Caller, region: str, period: str) -> dict:
    """The report of a region (a prefix, `3211`, or a code, `321100`) for a quarter or a year,
    with the period before it for comparison; only the region's own regulators may have it."""
    require_role(caller, "regulator")
    errors: dict[str, list[str]] = {}
    prefix, region_name = _region_or_errors(region, errors)
    asked = _period_or_errors(period, errors)
    if errors:
        raise InvalidInput(errors)
    if not prefix.startswith(caller.region or "\0"):
        raise Forbidden(f"Your region {caller.region} does not cover region {region}.")
    today = clock.today()
    if asked.first_day > today:
        raise InvalidInput.field(
            "period", f"{asked.code} has not begun yet (today is {today.isoformat()})"
        )
    before = asked.previous()
    current = _statistics(session, caller, prefix, asked, today, "region")
    products = _statistics(session, caller, prefix, asked, today, "product")
    previous = _statistics(session, caller, prefix, before, today, "region")
    totals = current["totals"]
    summary = _summary(current)
    product_target = _product_target(current.get("targets") or [])
    return {
        "region": prefix,
        "region_name": region_name,
        "period": _period_out(asked, today),
        "previous_period": _period_out(before, today),
        "summary": summary,
        "grades": _grades(totals),
        "inspections": _inspections(totals),
        "product_target": product_target,
        "products": _products(products, product_target, current.get("warnings") or []),
        "targets": [dict(target) for target in current.get("targets") or []],
        "warnings": _warnings(current.get("warnings") or []),
        "violations": _violations(totals),
        "blacklist": dict(totals.get("blacklist") or {}),
        "honours": _honours(totals),
        "comparison": _comparison(summary, _summary(previous)),
        "districts": _districts(current),
    }


def _region_or_errors(text: str, errors: dict) -> tuple[str, str]:
    code = text.strip()
    if not _REGION.fullmatch(code):
        errors["region"] = [REGION_FORMAT]
        return "", ""
    # A city or province written as its 6-digit code (321100) covers its districts (3211xx).
    prefix = code
    while len(prefix) > 2 and prefix.endswith("00"):
        prefix = prefix[:-2]
    known = [r for c, r in sorted(reference.regions().items()) if c.startswith(prefix)]
    if not known:
        errors["region"] = [f"{code} is not a region the registry knows"]
        return "", ""
    own = reference.regions().get(prefix.ljust(6, "0"))
    if own is not None:
        return prefix, own.name
    return prefix, known[0].province if len(prefix) == 2 else known[0].city


def _period_or_errors(text: str, errors: dict) -> ReportPeriod:
    try:
        return parse_period(text)
    except InvalidInput as problem:
        errors.update(problem.errors or {})
        return ReportPeriod(1900)


def _statistics(session, caller, prefix, period: ReportPeriod, today, by: str) -> dict:
    # Read at call time: the statistics service sits beside this one in the read layer.
    from credit.services import statistics

    return statistics.figures(
        session,
        caller,
        region=prefix,
        industry=None,
        date_from=period.first_day,
        date_to=min(period.last_day, today),
        by=by,
    )


def _period_out(period: ReportPeriod, today) -> dict:
    return {
        "code": period.code,
        "label_zh": period.label_zh,
        "date_from": period.first_day,
        "date_to": min(period.last_day, today),
        "complete": period.last_day <= today,
    }


def _rate(part: int, whole: int) -> str | None:
    if not whole:
        return None
    return str((Decimal(part) / Decimal(whole)).quantize(_RATE))


def _yuan(value) -> str:
    return str(Decimal(str(value or 0)).quantize(_YUAN))


def _summary(figures: dict) -> dict:
    totals = figures["totals"]
    grades = totals.get("grades") or {}
    inspections = totals.get("inspections") or {}
    violations = totals.get("violations") or {}
    blacklist = totals.get("blacklist") or {}
    targets = figures.get("targets") or []
    enterprises = totals.get("enterprises") or 0
    a_or_better = sum(grades.get(grade, 0) for grade in ("AAA", "AA", "A"))
    batches = inspections.get("batches") or 0
    passed = inspections.get("passed") or 0
    return {
        "enterprises": enterprises,
        "graded": enterprises - grades.get("ungraded", 0),
        "a_or_better": a_or_better,
        "a_or_better_share": _rate(a_or_better, enterprises),
        "aa_or_better": grades.get("AAA", 0) + grades.get("AA", 0),
        "batches": batches,
        "passed": passed,
        "failed": batches - passed,
        "pass_rate": inspections.get("pass_rate"),
        "violations": violations.get("total") or 0,
        "fines": _yuan(violations.get("fines")),
        "blacklist_active": blacklist.get("active") or 0,
        "blacklist_listed": blacklist.get("listed") or 0,
        "blacklist_removed": blacklist.get("removed") or 0,
        "honours": sum((totals.get("awards_in_force") or {}).values()),
        "warnings": len(figures.get("warnings") or []),
        "targets_set": sum(1 for t in targets if t.get("met") is not None),
        "targets_met": sum(1 for t in targets if t.get("met") is True),
    }


def _grades(totals: dict) -> list[dict]:
    counts = totals.get("grades") or {}
    enterprises = totals.get("enterprises") or 0
    return [
        {
            "grade": grade,
            "label_zh": catalog.GRADES[grade].label_zh if grade in catalog.GRADES else "未评级",
            "count": counts.get(grade, 0),
            "share": _rate(counts.get(grade, 0), enterprises),
        }
        for grade in GRADE_COLUMNS
    ]


def _level_label(level: str) -> str:
    entry = catalog.INSPECTION_LEVELS.get(level) or catalog.LEVELS.get(level)
    return entry.label_zh if entry else level


def _inspections(totals: dict) -> dict:
    inspections = totals.get("inspections") or {}
    return {
        "batches": inspections.get("batches") or 0,
        "passed": inspections.get("passed") or 0,
        "pass_rate": inspections.get("pass_rate"),
        "by_level": [
            {"level": level, "label_zh": _level_label(level), **dict(figures)}
            for level, figures in (inspections.get("by_level") or {}).items()
        ],
    }


def _product_target(targets: list[dict]) -> dict | None:
    by_code = {t["code"]: t for t in targets if t.get("target") is not None}
    for code in PRODUCT_TARGET_CODES:
        if code in by_code:
            target = by_code[code]
            return {k: target.get(k) for k in ("code", "label_zh", "source", "target")}
    return None


def _products(figures: dict, target: dict | None, warnings: list[dict]) -> list[dict]:
    warned = {w["product"] for w in warnings}
    rows = []
    for group in figures.get("groups") or []:
        inspections = group.get("inspections") or {}
        batches = inspections.get("batches") or 0
        if not batches:
            continue
        rate = inspections.get("pass_rate")
        goal = target["target"] if target else None
        rows.append(
            {
                "product": group["key"],
                "label_zh": group.get("label_zh") or group["key"],
                "batches": batches,
                "passed": inspections.get("passed") or 0,
                "pass_rate": rate,
                "target": goal,
                "met": None if goal is None or rate is None else Decimal(rate) >= Decimal(goal),
                "warning": group["key"] in warned,
            }
        )
    return sorted(rows, key=lambda row: (-row["batches"], row["product"]))


def _warnings(warnings: list[dict]) -> list[dict]:
    regions = reference.regions()
    return [
        {
            **warning,
            "region_name": regions[warning["region_code"]].name
            if warning.get("region_code") in regions
            else warning.get("region_code"),
        }
        for warning in warnings
    ]


def _labelled(counts: dict, entries: dict) -> list[dict]:
    return [
        {
            "code": code,
            "label_zh": entries[code].label_zh if code in entries else code,
            "count": count,
        }
        for code, count in sorted(counts.items(), key=lambda item: (-item[1], item[0]))
        if count
    ]


def _violations(totals: dict) -> dict:
    violations = totals.get("violations") or {}
    return {
        "total": violations.get("total") or 0,
        "fines": _yuan(violations.get("fines")),
        "by_severity": [
            {"code": code, "label_zh": entry.label_zh, "count": count}
            for code, entry in catalog.SEVERITIES.items()
            if (count := (violations.get("by_severity") or {}).get(code, 0))
        ],
        "by_category": _labelled(violations.get("by_category") or {}, catalog.VIOLATION_CATEGORIES),
    }


def _honours(totals: dict) -> list[dict]:
    return _labelled(totals.get("awards_in_force") or {}, catalog.AWARD_KINDS)


# The indicators set side by side with the period before, in the order the report shows them.
COMPARED = (
    "enterprises",
    "a_or_better",
    "batches",
    "pass_rate",
    "violations",
    "fines",
    "blacklist_listed",
    "blacklist_removed",
    "honours",
)


def _comparison(current: dict, previous: dict) -> list[dict]:
    rows = []
    for code in COMPARED:
        now, before = current[code], previous[code]
        if code == "pass_rate":
            change = None if now is None or before is None else str(Decimal(now) - Decimal(before))
        elif code == "fines":
            change = str(Decimal(now) - Decimal(before))
        else:
            change = now - before
        rows.append({"code": code, "current": now, "previous": before, "change": change})
    return rows


def _districts(figures: dict) -> list[dict]:
    regions = reference.regions()
    rows = []
    for group in sorted(figures.get("groups") or [], key=lambda g: g["key"]):
        grades = group.get("grades") or {}
        inspections = group.get("inspections") or {}
        violations = group.get("violations") or {}
        known = regions.get(group["key"])
        rows.append(
            {
                "code": group["key"],
                "name": known.name if known else group.get("label_zh") or group["key"],
                "enterprises": group.get("enterprises") or 0,
                "grades": {grade: grades.get(grade, 0) for grade in GRADE_COLUMNS},
                "a_or_better": sum(grades.get(grade, 0) for grade in ("AAA", "AA", "A")),
                "low_grades": grades.get("C", 0) + grades.get("D", 0),
                "batches": inspections.get("batches") or 0,
                "pass_rate": inspections.get("pass_rate"),
                "violations": violations.get("total") or 0,
                "fines": _yuan(violations.get("fines")),
                "blacklist_active": (group.get("blacklist") or {}).get("active") or 0,
            }
        )
    return rows
