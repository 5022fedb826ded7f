"""Rulesets: the published, versioned numbers of grading, read from TOML and checked key by key."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import cache
from importlib import resources

from credit import catalog

DEFAULT_VERSION = "qc-2026.4"
GRADE_ORDER = tuple(catalog.GRADES)  # best first
RISK_ORDER = tuple(catalog.RISK_CLASSES)
# Inspection levels added after rulesets were published that do not name them: a result at such
# a level counts no points under those rulesets, so the grades they gave stay reproducible.
LATER_INSPECTION_LEVELS = frozenset({"county"})
# Certification schemes and honours added to the catalog after rulesets were published that do
# not name them: a ruleset counts one only when it lists it (`certifications.added_schemes`,
# `honours.added_kinds`), so the grades earlier versions gave stay reproducible.
LATER_CERTIFICATION_SCHEMES = frozenset(
    {
        "measurement_management",
        "gmp",
        "zhejiang_made",
        "green_food",
        "organic_product",
        "pollution_free_agricultural",
        "production_licence",
        "food_production_licence",
    }
)
LATER_AWARD_KINDS = frozenset({"geographical_indication"})


class RulesetError(ValueError):
    """A ruleset file that cannot be used; the message names the key."""


@dataclass(frozen=True)
class Cap:
    name: str
    grade: str
    window_months: int = 0
    categories: frozenset[str] = frozenset()
    severities: frozenset[str] = frozenset()
    count: int = 0


@dataclass(frozen=True)
class Ruleset:
    version: str
    title: str
    base: Decimal
    score_min: Decimal
    score_max: Decimal
    validity_months: int
    certifications: dict[str, Decimal]
    inspection_window_months: int
    inspection_pass_cap: Decimal
    inspection_pass: dict[str, Decimal]
    inspection_fail: dict[str, Decimal]
    honours_cap: Decimal
    honour_brand: Decimal
    honour_quality_award: dict[str, Decimal]
    violation_full_months: int
    violation_half_months: int
    violation_half_weight: Decimal
    violation_complaint: Decimal
    violation_severity: dict[str, Decimal]
    blacklist_grade: str
    caps: tuple[Cap, ...]
    tiers: tuple[tuple[str, Decimal], ...]
    risk_classes: dict[str, str]
    sampling: dict[str, Decimal]
    # Fewer live records than this and the firm is not graded (未评级): nothing is known of it.
    minimum_records: int = 0
    # Share of ungraded firms drawn for random inspections.
    sampling_ungraded: Decimal | None = None
    # The schemes and honour kinds that count at all (see LATER_CERTIFICATION_SCHEMES).
    counted_schemes: frozenset[str] = frozenset(
        set(catalog.CERTIFICATION_SCHEMES) - LATER_CERTIFICATION_SCHEMES
    )
    counted_award_kinds: frozenset[str] = frozenset(set(catalog.AWARD_KINDS) - LATER_AWARD_KINDS)
    # Points of a brand product (名牌产品) by its level; None: the flat `honours.brand`.
    honour_brand_product: dict[str, Decimal] | None = None

    def grade_for(self, score: Decimal) -> str:
        for grade, lowest in self.tiers:
            if score >= lowest:
                return grade
        return self.tiers[-1][0]


class _Reader:
    """Walks the parsed TOML, naming the full key of anything missing, extra or malformed."""

    def __init__(self, data: dict, path: str = ""):
        self.data, self.path = data, path
        self.used: set[str] = set()

    def key(self, name: str) -> str:
        return f"{self.path}.{name}" if self.path else name

    def raw(self, name: str):
        if name not in self.data:
            raise RulesetError(f"missing key {self.key(name)}")
        self.used.add(name)
        return self.data[name]

    def table(self, name: str) -> _Reader:
        value = self.raw(name)
        if not isinstance(value, dict):
            raise RulesetError(f"{self.key(name)} must be a table")
        return _Reader(value, self.key(name))

    def decimal(self, name: str) -> Decimal:
        value = self.raw(name)
        if not isinstance(value, str):
            raise RulesetError(
                f'{self.key(name)} must be a decimal written as a string, e.g. "1.5"'
            )
        try:
            number = Decimal(value)
        except InvalidOperation:
            raise RulesetError(f"{self.key(name)} is not a decimal: {value!r}") from None
        if not number.is_finite():
            raise RulesetError(f"{self.key(name)} must be finite")
        return number

    def integer(self, name: str, minimum: int = 0) -> int:
        value = self.raw(name)
        if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
            raise RulesetError(f"{self.key(name)} must be a whole number of at least {minimum}")
        return value

    def text(self, name: str) -> str:
        value = self.raw(name)
        if not isinstance(value, str) or not value.strip():
            raise RulesetError(f"{self.key(name)} must be a non-empty string")
        return value

    def codes(self, name: str, allowed) -> frozenset[str]:
        value = self.raw(name)
        if not isinstance(value, list) or not value:
            raise RulesetError(f"{self.key(name)} must be a non-empty list")
        for code in value:
            if code not in allowed:
                raise RulesetError(f"{self.key(name)} has unknown code {code!r}")
        return frozenset(value)

    def grade(self, name: str) -> str:
        value = self.raw(name)
        if value not in GRADE_ORDER:
            raise RulesetError(f"{self.key(name)} must be one of {', '.join(GRADE_ORDER)}")
        return value

    def decimals_for(self, codes, *, name: str | None = None) -> dict[str, Decimal]:
        reader = self.table(name) if name else self
        values = {code: reader.decimal(code) for code in codes}
        reader.done()
        return values

    def done(self) -> None:
        extra = sorted(set(self.data) - self.used)
        if extra:
            raise RulesetError(f"unknown key {self.key(extra[0])}")


def _inspection_points(inspections: _Reader, name: str) -> dict[str, Decimal]:
    """Points per inspection level; a level added after the ruleset was written counts 0."""
    table = inspections.table(name)
    points = {
        level: Decimal(0)
        if level in LATER_INSPECTION_LEVELS and level not in table.data
        else table.decimal(level)
        for level in catalog.INSPECTION_LEVELS
    }
    table.done()
    return points


def parse(text: str) -> Ruleset:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise RulesetError(f"not valid TOML: {error}") from None
    top = _Reader(data)
    certs = top.table("certifications")
    certifications = {
        name: certs.decimal(name)
        for name in (
            "cap",
            "quality_management",
            "management_system_each",
            "management_system_cap",
            "product_each",
            "product_cap",
        )
    }
    counted_schemes = Ruleset.counted_schemes
    if "added_schemes" in certs.data:
        added = certs.codes("added_schemes", LATER_CERTIFICATION_SCHEMES)
        counted_schemes = counted_schemes | added
    certs.done()
    inspections = top.table("inspections")
    honours = top.table("honours")
    counted_award_kinds = Ruleset.counted_award_kinds
    if "added_kinds" in honours.data:
        counted_award_kinds = counted_award_kinds | honours.codes("added_kinds", LATER_AWARD_KINDS)
    brand_product = (
        honours.decimals_for(catalog.LEVELS, name="brand_product")
        if "brand_product" in honours.data
        else None
    )
    violations = top.table("violations")
    caps_table = top.table("caps")
    blacklist = caps_table.table("blacklist")
    blacklist_grade = blacklist.grade("grade")
    blacklist.done()
    caps = []
    for name, fields in (
        ("major_violation", ("categories",)),
        ("serious_violation", ("severities",)),
        ("failed_inspections", ("count",)),
    ):
        table = caps_table.table(name)
        caps.append(
            Cap(
                name=name,
                grade=table.grade("grade"),
                window_months=table.integer("window_months", 1),
                categories=table.codes("categories", catalog.VIOLATION_CATEGORIES)
                if "categories" in fields
                else frozenset(),
                severities=table.codes("severities", catalog.SEVERITIES)
                if "severities" in fields
                else frozenset(),
                count=table.integer("count", 1) if "count" in fields else 0,
            )
        )
        table.done()
    caps_table.done()
    tiers_table = top.table("tiers")
    tiers = tuple((grade, tiers_table.decimal(grade)) for grade in GRADE_ORDER)
    tiers_table.done()
    for (better, high), (worse, low) in zip(tiers, tiers[1:], strict=False):
        if high <= low:
            raise RulesetError(f"tiers.{better} must be above tiers.{worse}")
    risk_table = top.table("risk_classes")
    risk_classes = {}
    for grade in GRADE_ORDER:
        value = risk_table.raw(grade)
        if value not in RISK_ORDER:
            raise RulesetError(f"risk_classes.{grade} must be one of {', '.join(RISK_ORDER)}")
        risk_classes[grade] = value
    risk_table.done()
    sampling_table = top.table("sampling")
    sampling = {risk: sampling_table.decimal(risk) for risk in RISK_ORDER}
    sampling_ungraded = (
        sampling_table.decimal("ungraded") if "ungraded" in sampling_table.data else None
    )
    sampling_table.done()
    for risk, share in [*sampling.items(), ("ungraded", sampling_ungraded)]:
        if share is not None and not Decimal(0) <= share <= Decimal(1):
            raise RulesetError(f"sampling.{risk} must be between 0 and 1")
    minimum_records = 0
    if "grading" in top.data:
        grading = top.table("grading")
        minimum_records = grading.integer("minimum_records")
        grading.done()
    ruleset = Ruleset(
        version=top.text("version"),
        title=top.text("title"),
        base=top.decimal("base"),
        score_min=top.decimal("score_min"),
        score_max=top.decimal("score_max"),
        validity_months=top.integer("validity_months", 1),
        certifications=certifications,
        inspection_window_months=inspections.integer("window_months", 1),
        inspection_pass_cap=inspections.decimal("pass_cap"),
        inspection_pass=_inspection_points(inspections, "pass"),
        inspection_fail=_inspection_points(inspections, "fail"),
        honours_cap=honours.decimal("cap"),
        honour_brand=honours.decimal("brand"),
        honour_quality_award=honours.decimals_for(catalog.LEVELS, name="quality_award"),
        violation_full_months=violations.integer("full_weight_months", 1),
        violation_half_months=violations.integer("half_weight_months", 1),
        violation_half_weight=violations.decimal("half_weight"),
        violation_complaint=violations.decimal("complaint"),
        violation_severity=violations.decimals_for(catalog.SEVERITIES, name="severity"),
        blacklist_grade=blacklist_grade,
        caps=tuple(caps),
        tiers=tiers,
        risk_classes=risk_classes,
        sampling=sampling,
        minimum_records=minimum_records,
        sampling_ungraded=sampling_ungraded,
        counted_schemes=counted_schemes,
        counted_award_kinds=counted_award_kinds,
        honour_brand_product=brand_product,
    )
    for reader in (inspections, honours, violations):
        reader.done()
    top.done()
    if ruleset.violation_half_months < ruleset.violation_full_months:
        raise RulesetError("violations.half_weight_months must not be below full_weight_months")
    if ruleset.score_min >= ruleset.score_max:
        raise RulesetError("score_min must be below score_max")
    return ruleset


def available() -> list[str]:
    folder = resources.files("credit.grading").joinpath("rulesets")
    return sorted(
        p.name.removesuffix(".toml") for p in folder.iterdir() if p.name.endswith(".toml")
    )


_current = DEFAULT_VERSION


def use(version: str) -> Ruleset:
    """Makes a ruleset the one new grades are computed with, refusing it if it is malformed."""
    global _current
    ruleset = load(version)
    _current = version
    return ruleset


def current() -> Ruleset:
    return load(_current)


@cache
def load(version: str = DEFAULT_VERSION) -> Ruleset:
    """The packaged ruleset of that version; RulesetError names the key that is wrong."""
    if version not in available():
        raise RulesetError(f"no ruleset {version!r}; available: {', '.join(available())}")
    text = (
        resources.files("credit.grading")
        .joinpath("rulesets", f"{version}.toml")
        .read_text(encoding="utf-8")
    )
    try:
        ruleset = parse(text)
    except RulesetError as error:
        raise RulesetError(f"ruleset {version}: {error}") from None
    if ruleset.version != version:
        raise RulesetError(f"ruleset file {version}.toml says version {ruleset.version!r}")
    return ruleset
