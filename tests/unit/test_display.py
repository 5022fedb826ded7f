"""Display periods and record status, on plain model objects: no database, no HTTP."""

import datetime

import pytest

from credit.models import Award, Certification, Correction, Violation
from credit.rules import display, periods

UTC = datetime.UTC
D = datetime.date


def violation(
    severity="general", decided_on=D(2025, 3, 10), category="administrative_penalty", **kw
):
    return Violation(
        severity=severity,
        decided_on=decided_on,
        category=category,
        authority="镇江市市场监督管理局",
        decision_no="罚1",
        **kw,
    )


@pytest.mark.parametrize(
    "day, months, expected",
    [
        (D(2025, 3, 10), 3, D(2025, 6, 10)),
        (D(2025, 11, 30), 3, D(2026, 2, 28)),
        (D(2024, 2, 29), 12, D(2025, 2, 28)),
        (D(2025, 1, 31), 1, D(2025, 2, 28)),
        (D(2025, 12, 15), 36, D(2028, 12, 15)),
    ],
)
def test_add_months_clamps_to_the_end_of_a_shorter_month(day, months, expected):
    assert periods.add_months(day, months) == expected


@pytest.mark.parametrize(
    "severity, last_day",
    [
        ("minor", D(2025, 6, 9)),
        ("general", D(2026, 3, 9)),
        ("serious", D(2028, 3, 9)),
        ("especially_serious", D(2028, 3, 9)),
    ],
)
def test_display_period_by_severity(severity, last_day):
    record = violation(severity)
    assert display.display_until(record) == last_day
    assert display.shown_publicly(record, last_day)
    assert not display.shown_publicly(record, last_day + datetime.timedelta(days=1))


@pytest.mark.parametrize(
    "severity, decided_on, last_day",
    [
        ("minor", D(2026, 8, 31), D(2026, 11, 29)),  # 31 August + 3 months ends on 30 November
        ("minor", D(2026, 8, 30), D(2026, 11, 29)),
        ("minor", D(2026, 11, 30), D(2027, 2, 27)),
        ("minor", D(2026, 12, 1), D(2027, 2, 28)),
        ("minor", D(2027, 11, 30), D(2028, 2, 28)),
        ("minor", D(2026, 12, 31), D(2027, 3, 30)),
        ("minor", D(2027, 3, 31), D(2027, 6, 29)),
        ("general", D(2028, 2, 29), D(2029, 2, 27)),  # 29 February + 1 year ends on 28 February
        ("general", D(2027, 1, 31), D(2028, 1, 30)),
        ("serious", D(2024, 2, 29), D(2027, 2, 27)),
        ("serious", D(2025, 5, 31), D(2028, 5, 30)),
    ],
)
def test_display_period_ends_by_the_period_rule_on_hard_days(severity, decided_on, last_day):
    record = violation(severity, decided_on=decided_on)
    assert display.display_until(record) == last_day
    assert display.shown_publicly(record, last_day)
    assert not display.shown_publicly(record, last_day + datetime.timedelta(days=1))


def test_a_violation_is_not_shown_before_its_decision_day():
    record = violation(decided_on=D(2025, 3, 10))
    assert not display.shown_publicly(record, D(2025, 3, 9))


def test_a_rescinded_violation_is_never_shown_but_keeps_its_status_history():
    record = violation()
    record.corrections = [
        Correction(
            action="rescind",
            reason="错",
            effective_on=D(2025, 4, 1),
            actor="r",
            created_at=datetime.datetime(2025, 4, 1, tzinfo=UTC),
        )
    ]
    assert display.status(record, D(2025, 3, 31)) == "active"
    assert display.status(record, D(2025, 4, 1)) == "rescinded"
    assert not display.shown_publicly(record, D(2025, 4, 1))


def test_an_award_is_in_force_until_its_expiry_day():
    award = Award(
        award_kind="mayor_quality_award",
        level="municipal",
        title="市长质量奖",
        issuer="镇江市人民政府",
        awarded_on=D(2024, 1, 1),
        expires_on=D(2026, 1, 1),
    )
    assert not display.in_force(award, D(2023, 12, 31))
    assert display.in_force(award, D(2025, 12, 31))
    assert display.status(award, D(2026, 1, 1)) == "expired"
    assert not display.shown_publicly(award, D(2026, 1, 1))


def test_a_certificate_is_valid_through_its_last_day_and_revocation_ends_it_early():
    cert = Certification(
        scheme="iso_9001",
        certificate_no="C1",
        issuer="CQC",
        valid_from=D(2024, 1, 1),
        valid_to=D(2026, 12, 31),
    )
    assert display.in_force(cert, D(2026, 12, 31))
    assert display.status(cert, D(2027, 1, 1)) == "expired"
    cert.corrections = [
        Correction(
            action="revoke",
            reason="撤销",
            effective_on=D(2025, 6, 1),
            actor="r",
            created_at=datetime.datetime(2025, 6, 2, tzinfo=UTC),
        )
    ]
    assert display.status(cert, D(2025, 5, 31)) == "active"
    assert display.status(cert, D(2025, 6, 2)) == "revoked"


@pytest.mark.parametrize(
    "category, fen, major",
    [
        ("administrative_penalty", 199_999_999, False),
        ("administrative_penalty", 200_000_000, True),
        ("criminal_penalty", None, True),
        ("production_suspended", 0, True),
        ("licence_revoked", None, True),
        ("recall", None, False),
    ],
)
def test_major_violation_records(category, fen, major):
    assert display.is_major_violation(violation(category=category, fine_fen=fen)) is major


def test_fines_are_shown_in_yuan_with_two_decimals():
    assert display.fine_yuan(199_999_999) == "1999999.99"
    assert display.fine_yuan(5) == "0.05"
    assert display.fine_yuan(None) is None
