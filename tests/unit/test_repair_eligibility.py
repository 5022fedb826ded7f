"""When a violation may be repaired and how long the public sees it, at month ends too."""

from __future__ import annotations

import datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from credit import policy
from credit.rules import display
from credit.services import requests
from tests.unit.builders import ONE_DAY, D, in_shanghai, record_repair, rescission, violation

UTC = datetime.UTC


@pytest.fixture(autouse=True)
def _business_dates_in_shanghai(monkeypatch):
    in_shanghai(monkeypatch)


def period_end(start: datetime.date, months: int) -> datetime.date:
    """The end of a period of months (民法典 第二百零三条), worked out here without the code under
    test: the same day of the final month, or that month's last day when it has no such day."""
    years, month_index = divmod(start.month - 1 + months, 12)
    year, month = start.year + years, month_index + 1
    first_of_next = D(year + month // 12, month % 12 + 1, 1)
    return D(year, month, min(start.day, (first_of_next - ONE_DAY).day))


def test_the_policy_repairs_general_violations_after_3_months_and_serious_ones_after_12():
    assert policy.REPAIR_AFTER_MONTHS == {"general": 3, "serious": 12, "especially_serious": 12}
    assert policy.DISPLAY_MONTHS == {
        "minor": 3,
        "general": 12,
        "serious": 36,
        "especially_serious": 36,
    }


# --- when credit repair may be applied for ------------------------------------------------------


@pytest.mark.parametrize("decided_on", [D(2025, 3, 10), D(2024, 2, 29), D(2025, 12, 31)])
def test_a_minor_violation_is_never_repaired(decided_on):
    assert requests.repair_allowed_from(violation(severity="minor", decided_on=decided_on)) is None


@pytest.mark.parametrize(
    "severity, decided_on, allowed_from",
    [
        ("general", D(2025, 3, 10), D(2025, 6, 10)),
        ("general", D(2025, 8, 31), D(2025, 11, 30)),  # November has no 31st
        ("general", D(2025, 11, 30), D(2026, 2, 28)),
        ("general", D(2023, 11, 30), D(2024, 2, 29)),  # a leap year's February
        ("general", D(2025, 12, 31), D(2026, 3, 31)),  # into the next year
        ("general", D(2024, 2, 29), D(2024, 5, 29)),
        ("serious", D(2025, 3, 10), D(2026, 3, 10)),
        ("serious", D(2024, 2, 29), D(2025, 2, 28)),  # no 29 February in 2025
        ("serious", D(2025, 12, 31), D(2026, 12, 31)),
        ("serious", D(2027, 2, 28), D(2028, 2, 28)),  # not the leap day
        ("especially_serious", D(2025, 8, 31), D(2026, 8, 31)),
        ("especially_serious", D(2024, 2, 29), D(2025, 2, 28)),
    ],
)
def test_repair_may_be_applied_for_from_the_end_of_the_waiting_period(
    severity, decided_on, allowed_from
):
    record = violation(severity=severity, decided_on=decided_on)
    assert requests.repair_allowed_from(record) == allowed_from
    # The record is still shown that day: there is something for a repair to end early.
    assert display.shown_publicly(record, allowed_from)


# --- how long the public sees a violation -------------------------------------------------------


@pytest.mark.parametrize(
    "severity, decided_on, last_shown",
    [
        ("minor", D(2025, 3, 10), D(2025, 6, 9)),
        ("minor", D(2025, 8, 31), D(2025, 11, 29)),  # period ends 30 November
        ("minor", D(2025, 11, 30), D(2026, 2, 27)),  # ends 28 February
        ("minor", D(2023, 11, 30), D(2024, 2, 28)),  # ends 29 February
        ("minor", D(2025, 12, 31), D(2026, 3, 30)),
        ("general", D(2025, 3, 10), D(2026, 3, 9)),
        ("general", D(2024, 2, 29), D(2025, 2, 27)),  # ends 28 February
        ("general", D(2023, 2, 28), D(2024, 2, 27)),  # ends 28 February, not the leap day
        ("general", D(2025, 12, 31), D(2026, 12, 30)),
        ("general", D(2025, 1, 1), D(2025, 12, 31)),
        ("serious", D(2024, 2, 29), D(2027, 2, 27)),
        ("serious", D(2025, 8, 31), D(2028, 8, 30)),
        ("especially_serious", D(2025, 12, 31), D(2028, 12, 30)),
    ],
)
def test_a_violation_is_shown_up_to_the_day_before_its_display_period_ends(
    severity, decided_on, last_shown
):
    record = violation(severity=severity, decided_on=decided_on)

    assert display.display_until(record) == last_shown
    assert not display.shown_publicly(record, decided_on - ONE_DAY)
    assert display.shown_publicly(record, decided_on)
    assert display.shown_publicly(record, last_shown)
    assert not display.shown_publicly(record, last_shown + ONE_DAY)


def test_an_approved_repair_ends_the_display_from_the_day_it_is_decided():
    record = violation(severity="serious", decided_on=D(2025, 3, 10))
    record.repairs = [record_repair(decided_on=D(2026, 4, 1))]

    assert display.shown_publicly(record, D(2026, 3, 31))
    assert not display.shown_publicly(record, D(2026, 4, 1))
    assert not display.shown_publicly(record, D(2027, 1, 1))
    assert display.status(record, D(2026, 4, 1)) == "active"  # repaired, not wrong


def test_an_approval_late_in_the_utc_day_ends_the_display_the_next_business_day():
    record = violation(severity="general", decided_on=D(2025, 3, 10))
    repair = record_repair(decided_on=D(2025, 7, 1))
    repair.decided_at = datetime.datetime(2025, 7, 1, 17, 0, tzinfo=UTC)  # 01:00 on 2 July there
    record.repairs = [repair]

    assert display.shown_publicly(record, D(2025, 7, 1))
    assert not display.shown_publicly(record, D(2025, 7, 2))


@pytest.mark.parametrize("state", ["rejected", "pending"])
def test_a_repair_not_approved_leaves_the_violation_shown(state):
    record = violation(severity="general", decided_on=D(2025, 3, 10))
    repair = record_repair(decided_on=D(2025, 7, 1), state=state)
    if state == "pending":
        repair.decided_at = None
    record.repairs = [repair]

    assert display.shown_publicly(record, D(2025, 7, 1))
    assert display.shown_publicly(record, D(2026, 3, 9))


def test_a_rescinded_violation_leaves_public_view_from_the_rescission():
    record = violation(severity="serious", decided_on=D(2025, 3, 10))
    record.corrections = [rescission(effective_on=D(2025, 9, 1))]

    assert display.shown_publicly(record, D(2025, 8, 31))
    assert not display.shown_publicly(record, D(2025, 9, 1))
    assert not display.shown_publicly(record, D(2027, 1, 1))


# --- for any decision day -----------------------------------------------------------------------


@settings(max_examples=400, deadline=None, derandomize=True, database=None)
@given(
    decided_on=st.dates(D(2000, 1, 1), D(2096, 12, 31)),
    severity=st.sampled_from(sorted(policy.DISPLAY_MONTHS)),
)
def test_for_any_decision_day_repair_comes_after_it_and_display_ends_the_day_before_the_period(
    decided_on, severity
):
    record = violation(severity=severity, decided_on=decided_on)
    allowed = requests.repair_allowed_from(record)
    last_shown = display.display_until(record)

    assert last_shown == period_end(decided_on, policy.DISPLAY_MONTHS[severity]) - ONE_DAY
    assert decided_on < last_shown
    assert display.shown_publicly(record, last_shown)
    assert not display.shown_publicly(record, last_shown + ONE_DAY)
    if severity == "minor":
        assert allowed is None
    else:
        assert allowed == period_end(decided_on, policy.REPAIR_AFTER_MONTHS[severity])
        assert decided_on < allowed <= last_shown
