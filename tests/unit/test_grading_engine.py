"""Every rule of ruleset qc-2026.1, with hand-computed cases: no database, no HTTP."""

import datetime
from decimal import Decimal
from itertools import count

import pytest

from credit.grading import ruleset as rulesets
from credit.grading.engine import Inputs, Listing, Override, assess
from credit.models import Award, Certification, Correction, Inspection, Violation

D = datetime.date
DAY = D(2026, 6, 1)
RULES = rulesets.load("qc-2026.1")
_ids = count(1)


def cert(scheme="iso_9001", valid_from=D(2025, 1, 1), valid_to=D(2027, 12, 31), **kw):
    return Certification(
        id=next(_ids),
        scheme=scheme,
        certificate_no=f"C{next(_ids)}",
        issuer="CQC",
        valid_from=valid_from,
        valid_to=valid_to,
        **kw,
    )


def award(kind="china_quality_award", level="national", awarded_on=D(2025, 1, 1), expires_on=None):
    return Award(
        id=next(_ids),
        award_kind=kind,
        level=level,
        title="奖",
        issuer="政府",
        awarded_on=awarded_on,
        expires_on=expires_on,
    )


def inspection(result="pass", level="national", sampled_on=D(2026, 1, 1)):
    return Inspection(
        id=next(_ids),
        level=level,
        product="电缆",
        sampled_on=sampled_on,
        result=result,
        failed_items=[] if result == "pass" else ["电阻"],
    )


def violation(severity="general", decided_on=D(2025, 3, 10), category="administrative_penalty"):
    return Violation(
        id=next(_ids),
        category=category,
        severity=severity,
        decided_on=decided_on,
        authority="镇江市市场监督管理局",
        decision_no=f"罚{next(_ids)}",
    )


def grade(*records, day=DAY, **inputs):
    return assess(Inputs(records=records, **inputs), RULES, day)


def test_no_records_is_a_b_at_60():
    result = grade()
    assert (result.grade, result.score, result.risk_class) == ("B", Decimal("60.00"), "B")
    assert [(c.rule, c.points) for c in result.explanation] == [("base", Decimal(60))]


def test_iso_9001_and_a_national_honour_is_an_aa_at_80():
    result = grade(cert(), award())
    assert (result.grade, result.score, result.risk_class) == ("AA", Decimal("80.00"), "A")


def test_base_plus_contributions_is_the_score_before_clamping():
    result = grade(cert(), award(), inspection(), violation(decided_on=D(2026, 1, 5)))
    assert sum(c.points for c in result.explanation) == result.raw_score == Decimal("73.50")
    assert all(c.record_id for c in result.explanation if c.rule != "base")


def test_iso_9001_counts_once():
    assert grade(cert(), cert()).score == Decimal("66.00")


def test_management_systems_count_per_scheme_up_to_6():
    two_of_one = grade(cert("iso_14001"), cert("iso_14001"))
    assert two_of_one.score == Decimal("62.00")
    four = grade(*(cert(s) for s in ("iso_14001", "iso_45001", "iso_22000", "iso_50001")))
    assert four.score == Decimal("66.00")
    assert four.explanation[-1].rule == "certifications.management_system_cap"
    assert four.explanation[-1].points == Decimal(-2)


def test_product_certifications_up_to_4():
    assert grade(cert("ccc"), cert("ccc"), cert("voluntary_product")).score == Decimal("64.00")


def test_certifications_together_at_most_14():
    records = [
        cert(),
        *(cert(s) for s in ("iso_14001", "iso_45001", "iso_22000")),
        cert("ccc"),
        cert("ccc"),
    ]
    result = grade(*records)
    assert result.score == Decimal("74.00")  # 6 + 6 + 4 = 16, capped at 14
    assert result.grade == "A"


def test_certificates_not_in_force_do_not_count():
    expired = cert(valid_to=D(2026, 5, 31))
    revoked = cert()
    revoked.corrections = [
        Correction(
            action="revoke",
            reason="撤",
            effective_on=D(2026, 5, 1),
            actor="r",
            created_at=datetime.datetime(2026, 5, 1, tzinfo=datetime.UTC),
        )
    ]
    assert grade(expired, revoked).score == Decimal("60.00")
    assert grade(cert(valid_to=D(2026, 6, 1))).score == Decimal("66.00")  # valid to its last day


@pytest.mark.parametrize(
    "level, passed, failed",
    [("national", "1.5", "-6"), ("provincial", "1.2", "-5"), ("municipal", "1.0", "-4")],
)
def test_inspection_points_by_level(level, passed, failed):
    assert grade(inspection("pass", level)).score == Decimal(60) + Decimal(passed)
    assert grade(inspection("fail", level)).score == Decimal(60) + Decimal(failed)


def test_passes_count_up_to_12():
    result = grade(*(inspection() for _ in range(9)))  # 13.5
    assert result.score == Decimal("72.00")


def test_inspections_count_for_36_months_from_sampling():
    sample = inspection(sampled_on=D(2023, 3, 10))
    assert grade(sample, day=D(2026, 3, 9)).score == Decimal("61.50")
    assert grade(sample, day=D(2026, 3, 10)).score == Decimal("60.00")


def test_honours_by_level_and_brands_whatever_their_level():
    assert grade(award("provincial_quality_award", "provincial")).score == Decimal("70.00")
    assert grade(award("mayor_quality_award", "municipal")).score == Decimal("66.00")
    assert grade(award("county_quality_award", "county")).score == Decimal("63.00")
    assert grade(award("famous_trademark", "provincial")).score == Decimal("64.00")
    assert grade(award("well_known_trademark", "national")).score == Decimal("64.00")


def test_honours_together_at_most_14_and_only_in_force():
    assert grade(award(), award("brand_product", "provincial")).score == Decimal("74.00")
    assert grade(award(expires_on=D(2026, 6, 1))).score == Decimal("60.00")
    assert grade(award(awarded_on=D(2026, 6, 2)), day=DAY).score == Decimal("60.00")


@pytest.mark.parametrize(
    "severity, points",
    [("minor", "-3"), ("general", "-8"), ("serious", "-20"), ("especially_serious", "-40")],
)
def test_violation_points_by_severity(severity, points):
    result = grade(violation(severity, decided_on=D(2026, 1, 1)))
    assert result.raw_score == Decimal(60) + Decimal(points)


def test_violation_weight_full_for_12_months_half_to_36_then_none():
    decided = violation("general", decided_on=D(2025, 3, 10))
    assert grade(decided, day=D(2026, 3, 9)).score == Decimal("52.00")
    assert grade(decided, day=D(2026, 3, 10)).score == Decimal("56.00")
    assert grade(decided, day=D(2028, 3, 9)).score == Decimal("56.00")
    assert grade(decided, day=D(2028, 3, 10)).score == Decimal("60.00")


@pytest.mark.parametrize(
    "decided, full_until, half_until",
    [
        (D(2024, 2, 29), D(2025, 2, 27), D(2027, 2, 27)),
        (D(2025, 2, 28), D(2026, 2, 27), D(2028, 2, 27)),
        (D(2027, 2, 28), D(2028, 2, 27), D(2030, 2, 27)),
        (D(2025, 12, 31), D(2026, 12, 30), D(2028, 12, 30)),
        (D(2025, 8, 31), D(2026, 8, 30), D(2028, 8, 30)),
    ],
)
def test_violation_weight_windows_end_by_the_period_rule_on_hard_days(
    decided, full_until, half_until
):
    record = violation("general", decided_on=decided)
    after = datetime.timedelta(days=1)
    assert grade(record, day=full_until).score == Decimal("52.00")
    assert grade(record, day=full_until + after).score == Decimal("56.00")
    assert grade(record, day=half_until).score == Decimal("56.00")
    assert grade(record, day=half_until + after).score == Decimal("60.00")


@pytest.mark.parametrize(
    "day, valid_until",
    [
        (D(2026, 8, 31), D(2027, 8, 30)),
        (D(2026, 12, 31), D(2027, 12, 30)),
        (D(2027, 1, 31), D(2028, 1, 30)),
        (D(2027, 2, 28), D(2028, 2, 27)),
        (D(2028, 2, 29), D(2029, 2, 27)),  # 29 February + 1 year ends on 28 February
    ],
)
def test_a_grade_is_valid_for_12_months_by_the_period_rule(day, valid_until):
    result = grade(day=day)
    assert result.valid_until == valid_until
    assert result.next_change_on == valid_until + datetime.timedelta(days=1)


@pytest.mark.parametrize(
    "sampled, last_counted",
    [
        (D(2024, 2, 29), D(2027, 2, 27)),
        (D(2023, 10, 31), D(2026, 10, 30)),
    ],
)
def test_an_inspection_counts_for_36_months_by_the_period_rule(sampled, last_counted):
    sample = inspection(sampled_on=sampled)
    assert grade(sample, day=last_counted).score == Decimal("61.50")
    assert grade(sample, day=last_counted + datetime.timedelta(days=1)).score == Decimal("60.00")


def test_a_serious_violation_on_29_february_caps_for_12_months_ending_28_february():
    record = violation("serious", decided_on=D(2028, 2, 29))
    assert [c.rule for c in grade(record, day=D(2029, 2, 27)).caps] == ["caps.serious_violation"]
    assert grade(record, day=D(2029, 2, 28)).caps == ()


def test_a_substantiated_complaint_is_2_whatever_its_severity():
    result = grade(violation("general", decided_on=D(2026, 1, 1), category="complaint"))
    assert result.score == Decimal("58.00")


def test_the_score_is_clamped_to_0_100():
    result = grade(*(violation("especially_serious", decided_on=D(2026, 1, 1)) for _ in range(3)))
    assert result.raw_score == Decimal("-60.00")
    assert (result.score, result.grade) == (Decimal("0.00"), "D")


@pytest.mark.parametrize(
    "score_records, expected",
    [
        ("90", "AAA"),
        ("89.5", "AA"),
        ("80", "AA"),
        ("70", "A"),
        ("60", "B"),
        ("45", "C"),
        ("44", "D"),
    ],
)
def test_tier_bounds_are_inclusive(score_records, expected):
    builders = {
        "90": lambda: [
            cert(),
            award(),
            inspection(level="municipal"),
            inspection(level="municipal"),
            *(cert(s) for s in ("iso_14001", "iso_45001", "iso_22000")),
            cert("ccc"),
            cert("ccc"),
        ],
        "89.5": lambda: [
            award(),
            cert(),
            *(cert(s) for s in ("iso_14001", "iso_45001", "iso_22000")),
            cert("ccc"),
            cert("ccc"),
            inspection(),
        ],
        "80": lambda: [cert(), award()],
        "70": lambda: [award("provincial_quality_award", "provincial")],
        "60": lambda: [],
        "45": lambda: [
            violation("general", decided_on=D(2026, 1, 1)),
            violation("minor", decided_on=D(2026, 1, 1)),
            inspection("fail", "municipal"),
        ],
        "44": lambda: [
            violation("general", decided_on=D(2026, 1, 1)),
            violation("general", decided_on=D(2026, 1, 1)),
        ],
    }
    result = grade(*builders[score_records]())
    assert result.score == Decimal(score_records)
    assert result.grade == expected
    assert result.caps == ()


def test_a_criminal_penalty_or_revoked_licence_in_36_months_caps_at_c():
    for category in ("criminal_penalty", "licence_revoked"):
        record = violation("minor", decided_on=D(2023, 6, 2), category=category)
        capped = grade(cert(), award(), record)
        assert capped.grade == "C" and capped.caps[0].rule == "caps.major_violation"
        assert capped.caps[0].record_id == record.id
        assert grade(cert(), award(), record, day=D(2026, 6, 2)).grade == "AA"


def full_marks():
    """Certifications +14, honours +14, inspections +12: a score of 100 on their own."""
    return [
        cert(),
        award(),
        *(cert(s) for s in ("iso_14001", "iso_45001", "iso_22000")),
        cert("ccc"),
        cert("ccc"),
        *(inspection() for _ in range(8)),
    ]


def test_a_serious_violation_in_12_months_caps_at_b():
    assert grade(*full_marks()).score == Decimal("100.00")
    result = grade(*full_marks(), violation("serious", decided_on=D(2025, 6, 2)))
    assert (result.score, result.grade) == (Decimal("80.00"), "B")
    assert result.caps[0].rule == "caps.serious_violation"
    especially = grade(*full_marks(), violation("especially_serious", decided_on=D(2026, 5, 1)))
    assert (especially.score, especially.grade) == (Decimal("60.00"), "B")
    assert [c.rule for c in especially.caps] == ["caps.serious_violation"]
    a_year_ago = grade(*full_marks(), violation("serious", decided_on=D(2025, 6, 1)))
    assert (a_year_ago.score, a_year_ago.grade, a_year_ago.caps) == (Decimal("90.00"), "AAA", ())


def test_two_failed_inspections_in_12_months_cap_at_b():
    rich = [
        cert(),
        award(),
        *(cert(s) for s in ("iso_14001", "iso_45001", "iso_22000")),
        cert("ccc"),
    ]
    one = grade(*rich, inspection("fail", "municipal", D(2026, 1, 1)))
    assert one.grade == "AA"
    two = grade(
        *rich,
        inspection("fail", "municipal", D(2026, 1, 1)),
        inspection("fail", "municipal", D(2025, 6, 2)),
    )
    assert (two.score, two.grade) == (Decimal("80.00"), "B")
    assert two.caps[0].rule == "caps.failed_inspections"


def test_a_blacklist_listing_makes_d_and_an_override_cannot_lift_it():
    listing = Listing(id=7, legal_basis="《产品质量法》", expires_on=D(2028, 1, 1))
    override = Override(id=1, grade="A", reason="复核", valid_until=D(2026, 12, 31))
    result = grade(cert(), award(), listing=listing, override=override)
    assert (result.grade, result.risk_class, result.blacklisted) == ("D", "D", True)
    assert result.override is None
    assert result.caps[-1].rule == "caps.blacklist" and result.caps[-1].record_id == 7


def test_an_override_sets_the_grade_until_it_ends():
    override = Override(id=1, grade="C", reason="质量事故调查中", valid_until=D(2026, 6, 30))
    result = grade(cert(), award(), override=override)
    assert (result.grade, result.computed_grade, result.risk_class) == ("C", "AA", "C")
    assert result.next_change_on == D(2026, 7, 1)
    assert grade(cert(), award(), override=override, day=D(2026, 7, 1)).grade == "AA"


def test_rescinded_records_do_not_count():
    record = violation("especially_serious", decided_on=D(2026, 1, 1))
    record.corrections = [
        Correction(
            action="rescind",
            reason="错",
            effective_on=D(2026, 2, 1),
            actor="r",
            created_at=datetime.datetime(2026, 2, 1, tzinfo=datetime.UTC),
        )
    ]
    assert grade(record).grade == "B"
    assert grade(record, day=D(2026, 1, 31)).grade == "D"


def test_the_next_change_is_the_first_window_boundary_after_the_day():
    result = grade(violation("general", decided_on=D(2025, 9, 1)), award(expires_on=D(2027, 1, 1)))
    assert result.next_change_on == D(2026, 9, 1)
    assert result.valid_until == D(2027, 5, 31)
    assert grade().next_change_on == D(2027, 6, 1)


def test_a_malformed_ruleset_is_refused_naming_the_key():
    text = (
        rulesets.resources.files("credit.grading")
        .joinpath("rulesets", "qc-2026.1.toml")
        .read_text(encoding="utf-8")
    )
    with pytest.raises(rulesets.RulesetError, match="violations.severity.serious"):
        rulesets.parse(text.replace('serious = "-20"', "serious = -20"))
    with pytest.raises(rulesets.RulesetError, match="missing key honours.brand"):
        rulesets.parse(text.replace('brand = "4"', ""))
    with pytest.raises(rulesets.RulesetError, match="unknown key tiers.AAAA"):
        rulesets.parse(text.replace('AAA = "90"', 'AAA = "90"\nAAAA = "95"'))
    with pytest.raises(rulesets.RulesetError, match="tiers.AA must be above tiers.A"):
        rulesets.parse(text.replace('AA = "80"', 'AA = "65"'))
