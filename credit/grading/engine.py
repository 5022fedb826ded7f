"""The grading engine: records, a ruleset and a day in; grade, score, risk class and why out.

A pure function: no database, no clock. Every point added or taken away is listed with the rule
and the record behind it, so base plus contributions is the score before clamping.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from credit import catalog
from credit.grading.ruleset import GRADE_ORDER, Ruleset
from credit.models import Award, Certification, Inspection, Record, Violation
from credit.rules import display, periods

CENT = Decimal("0.01")


@dataclass(frozen=True)
class Listing:
    """A blacklist listing active on the day assessed."""

    id: int
    legal_basis: str
    expires_on: datetime.date


@dataclass(frozen=True)
class Override:
    id: int
    grade: str
    reason: str
    valid_until: datetime.date


@dataclass(frozen=True)
class Inputs:
    records: Sequence[Record] = ()
    listing: Listing | None = None
    override: Override | None = None


@dataclass(frozen=True)
class Contribution:
    rule: str
    points: Decimal
    detail: str
    record_id: int | None = None


@dataclass(frozen=True)
class AppliedCap:
    rule: str
    grade: str
    detail: str
    record_id: int | None = None


@dataclass(frozen=True)
class Result:
    ruleset: str
    as_of: datetime.date
    # None when the firm is not graded (too few records for the ruleset): 未评级.
    raw_score: Decimal | None
    score: Decimal | None
    computed_grade: str | None
    grade: str | None
    risk_class: str | None
    explanation: tuple[Contribution, ...]
    caps: tuple[AppliedCap, ...]
    override: Override | None
    blacklisted: bool
    valid_until: datetime.date
    next_change_on: datetime.date

    @property
    def graded(self) -> bool:
        return self.grade is not None


@dataclass
class _Sheet:
    """The running account of one assessment."""

    day: datetime.date
    lines: list[Contribution] = field(default_factory=list)
    caps: list[AppliedCap] = field(default_factory=list)
    changes: set[datetime.date] = field(default_factory=set)

    def add(self, rule, points, detail, record_id=None) -> Decimal:
        self.lines.append(Contribution(rule, Decimal(points), detail, record_id))
        return Decimal(points)

    def limit(self, rule: str, total: Decimal, cap: Decimal, detail: str) -> None:
        if total > cap:
            self.add(rule, cap - total, detail)

    def changes_on(self, day: datetime.date | None) -> None:
        if day is not None and day > self.day:
            self.changes.add(day)


def worse(a: str, b: str) -> str:
    return max(a, b, key=GRADE_ORDER.index)


def assess(inputs: Inputs, ruleset: Ruleset, day: datetime.date) -> Result:
    sheet = _Sheet(day)
    sheet.add("base", ruleset.base, "基础分")
    records = [r for r in inputs.records if display.status(r, day) != "rescinded"]
    if inputs.listing is None and len(records) < ruleset.minimum_records:
        return _ungraded(ruleset, day)
    for record in records:
        correction = record.correction("revoke")
        if correction is not None:
            sheet.changes_on(correction.effective_on)
    _certifications(sheet, ruleset, [r for r in records if isinstance(r, Certification)])
    _inspections(sheet, ruleset, [r for r in records if isinstance(r, Inspection)])
    _honours(sheet, ruleset, [r for r in records if isinstance(r, Award)])
    _violations(sheet, ruleset, [r for r in records if isinstance(r, Violation)])

    raw = sum((line.points for line in sheet.lines), Decimal(0))
    score = min(max(raw, ruleset.score_min), ruleset.score_max)
    grade = ruleset.grade_for(score)
    _caps(sheet, ruleset, records)
    for cap in sheet.caps:
        grade = worse(grade, cap.grade)
    computed = grade
    override = None
    if inputs.listing is not None:
        sheet.changes_on(inputs.listing.expires_on)
        sheet.caps.append(
            AppliedCap(
                "caps.blacklist",
                ruleset.blacklist_grade,
                "列入质量失信黑名单：等级为 D，不得调整",
                inputs.listing.id,
            )
        )
        computed = grade = worse(grade, ruleset.blacklist_grade)
    elif inputs.override is not None and inputs.override.valid_until >= day:
        override = inputs.override
        grade = override.grade
        sheet.changes_on(periods.day_after(override.valid_until))
    risk = ruleset.risk_classes[ruleset.blacklist_grade if inputs.listing else grade]
    valid_until = periods.last_day(day, ruleset.validity_months)
    sheet.changes_on(periods.day_after(valid_until))
    return Result(
        ruleset=ruleset.version,
        as_of=day,
        raw_score=raw.quantize(CENT),
        score=score.quantize(CENT),
        computed_grade=computed,
        grade=grade,
        risk_class=risk,
        explanation=tuple(sheet.lines),
        caps=tuple(sheet.caps),
        override=override,
        blacklisted=inputs.listing is not None,
        valid_until=valid_until,
        next_change_on=min(sheet.changes),
    )


def _ungraded(ruleset: Ruleset, day: datetime.date) -> Result:
    """Too little is known to grade the firm: no grade, no score, no risk class, until a record
    comes (a write regrades it) or the ruleset changes."""
    sheet = _Sheet(day)
    valid_until = periods.last_day(day, ruleset.validity_months)
    sheet.changes_on(periods.day_after(valid_until))
    return Result(
        ruleset=ruleset.version,
        as_of=day,
        raw_score=None,
        score=None,
        computed_grade=None,
        grade=None,
        risk_class=None,
        explanation=(),
        caps=(),
        override=None,
        blacklisted=False,
        valid_until=valid_until,
        next_change_on=min(sheet.changes),
    )


def _in_force(sheet: _Sheet, records: Iterable[Record]) -> list[Record]:
    live = []
    for record in records:
        sheet.changes_on(display.started_on(record))
        if isinstance(record, Award):
            sheet.changes_on(record.expires_on)
        elif isinstance(record, Certification):
            sheet.changes_on(periods.day_after(record.valid_to))
        if display.in_force(record, sheet.day):
            live.append(record)
    return sorted(live, key=lambda r: (display.started_on(r), r.id or 0))


def _certifications(sheet: _Sheet, ruleset: Ruleset, certificates: list[Certification]) -> None:
    points = ruleset.certifications
    totals = {
        "quality_management": Decimal(0),
        "management_system": Decimal(0),
        "product": Decimal(0),
    }
    seen_schemes: set[str] = set()
    for cert in _in_force(sheet, certificates):
        entry = catalog.CERTIFICATION_SCHEMES[cert.scheme]
        if cert.scheme not in ruleset.counted_schemes or entry.group == "licence":
            continue  # a scheme the ruleset does not count, or a licence: no points
        label = f"{entry.label_zh} {cert.certificate_no}"
        if entry.group == "product":
            totals["product"] += sheet.add(
                "certifications.product", points["product_each"], f"产品认证：{label}", cert.id
            )
        elif cert.scheme in seen_schemes:
            continue  # a scheme counts once, however many certificates
        elif entry.group == "quality_management":
            seen_schemes.add(cert.scheme)
            totals["quality_management"] += sheet.add(
                "certifications.quality_management",
                points["quality_management"],
                f"质量管理体系认证：{label}",
                cert.id,
            )
        else:
            seen_schemes.add(cert.scheme)
            totals["management_system"] += sheet.add(
                "certifications.management_system",
                points["management_system_each"],
                f"管理体系认证：{label}",
                cert.id,
            )
    sheet.limit(
        "certifications.management_system_cap",
        totals["management_system"],
        points["management_system_cap"],
        "其他管理体系认证合计封顶",
    )
    sheet.limit(
        "certifications.product_cap", totals["product"], points["product_cap"], "产品认证合计封顶"
    )
    counted = (
        min(totals["management_system"], points["management_system_cap"])
        + min(totals["product"], points["product_cap"])
        + totals["quality_management"]
    )
    sheet.limit("certifications.cap", counted, points["cap"], "认证加分合计封顶")


def _inspections(sheet: _Sheet, ruleset: Ruleset, inspections: list[Inspection]) -> None:
    months = ruleset.inspection_window_months
    passed = Decimal(0)
    for inspection in sorted(inspections, key=lambda r: (r.sampled_on, r.id or 0)):
        sheet.changes_on(inspection.sampled_on)
        sheet.changes_on(periods.period_end(inspection.sampled_on, months))
        if not periods.within(sheet.day, inspection.sampled_on, months):
            continue
        level = catalog.INSPECTION_LEVELS[inspection.level].label_zh
        if inspection.result == "pass":
            passed += sheet.add(
                "inspections.pass",
                ruleset.inspection_pass[inspection.level],
                f"{level}合格：{inspection.product}",
                inspection.id,
            )
        else:
            sheet.add(
                "inspections.fail",
                ruleset.inspection_fail[inspection.level],
                f"{level}不合格：{inspection.product}",
                inspection.id,
            )
    sheet.limit("inspections.pass_cap", passed, ruleset.inspection_pass_cap, "抽查合格加分封顶")


def _honours(sheet: _Sheet, ruleset: Ruleset, awards: list[Award]) -> None:
    total = Decimal(0)
    for award in _in_force(sheet, awards):
        entry = catalog.AWARD_KINDS[award.award_kind]
        if award.award_kind not in ruleset.counted_award_kinds:
            continue  # a kind the ruleset does not count
        if award.award_kind == "brand_product" and ruleset.honour_brand_product is not None:
            total += sheet.add(
                "honours.brand_product",
                ruleset.honour_brand_product[award.level],
                f"{catalog.LEVELS[award.level].label_zh}{entry.label_zh}：{award.title}",
                award.id,
            )
        elif entry.group == "brand":
            total += sheet.add(
                "honours.brand", ruleset.honour_brand, f"{entry.label_zh}：{award.title}", award.id
            )
        else:
            total += sheet.add(
                "honours.quality_award",
                ruleset.honour_quality_award[award.level],
                f"{catalog.LEVELS[award.level].label_zh}{entry.label_zh}：{award.title}",
                award.id,
            )
    sheet.limit("honours.cap", total, ruleset.honours_cap, "荣誉加分合计封顶")


def _violations(sheet: _Sheet, ruleset: Ruleset, violations: list[Violation]) -> None:
    for violation in sorted(violations, key=lambda r: (r.decided_on, r.id or 0)):
        decided = violation.decided_on
        full_end = periods.period_end(decided, ruleset.violation_full_months)
        half_end = periods.period_end(decided, ruleset.violation_half_months)
        for boundary in (decided, full_end, half_end):
            sheet.changes_on(boundary)
        if not periods.within(sheet.day, decided, ruleset.violation_half_months):
            continue
        if violation.category == "complaint":
            rule, points = "violations.complaint", ruleset.violation_complaint
        else:
            rule, points = (
                f"violations.{violation.severity}",
                ruleset.violation_severity[violation.severity],
            )
        label = (
            f"{catalog.VIOLATION_CATEGORIES[violation.category].label_zh}"
            f"（{catalog.SEVERITIES[violation.severity].label_zh}）{violation.decision_no}"
        )
        if periods.within(sheet.day, decided, ruleset.violation_full_months):
            sheet.add(
                rule,
                points,
                f"{label}，决定之日起 {ruleset.violation_full_months} 个月内全额计",
                violation.id,
            )
        else:
            sheet.add(
                f"{rule}.half_weight",
                points * ruleset.violation_half_weight,
                f"{label}，{ruleset.violation_full_months} 至 {ruleset.violation_half_months} "
                "个月内减半计",
                violation.id,
            )


def _caps(sheet: _Sheet, ruleset: Ruleset, records: list[Record]) -> None:
    violations = [r for r in records if isinstance(r, Violation)]
    fails = sorted(
        (r for r in records if isinstance(r, Inspection) and r.result == "fail"),
        key=lambda r: r.sampled_on,
    )
    for cap in ruleset.caps:
        if cap.categories or cap.severities:
            hits = [
                v
                for v in violations
                if (v.category in cap.categories or v.severity in cap.severities)
            ]
            for v in hits:
                sheet.changes_on(v.decided_on)
                sheet.changes_on(periods.period_end(v.decided_on, cap.window_months))
            hits = [v for v in hits if periods.within(sheet.day, v.decided_on, cap.window_months)]
            if hits:
                latest = max(hits, key=lambda v: v.decided_on)
                what = (
                    catalog.VIOLATION_CATEGORIES[latest.category].label_zh
                    if cap.categories
                    else catalog.SEVERITIES[latest.severity].label_zh + "违法"
                )
                sheet.caps.append(
                    AppliedCap(
                        f"caps.{cap.name}",
                        cap.grade,
                        f"{cap.window_months} 个月内有{what}记录（{latest.decision_no}）：等级最高为 {cap.grade}",
                        latest.id,
                    )
                )
        elif cap.count:
            for f in fails:
                sheet.changes_on(f.sampled_on)
                sheet.changes_on(periods.period_end(f.sampled_on, cap.window_months))
            recent = [
                f for f in fails if periods.within(sheet.day, f.sampled_on, cap.window_months)
            ]
            if len(recent) >= cap.count:
                sheet.caps.append(
                    AppliedCap(
                        f"caps.{cap.name}",
                        cap.grade,
                        f"{cap.window_months} 个月内监督抽查不合格 {len(recent)} 次：等级最高为 {cap.grade}",
                        recent[-1].id,
                    )
                )
