"""Procurement eligibility and its reasons, on plain model objects: no database, no HTTP."""

from __future__ import annotations

import itertools
from types import SimpleNamespace

import pytest

from credit import catalog, policy
from credit.auth.caller import Caller
from credit.rules import periods
from credit.services import checks
from tests.unit.builders import (
    LISTING_BASIS,
    ONE_DAY,
    D,
    in_shanghai,
    inspection,
    listing,
    record_objection,
    rescission,
    standing,
    violation,
)

DAY = D(2026, 3, 10)
PROCUREMENT_OFFICER = Caller(username="buyer", role="procurement")


@pytest.fixture(autouse=True)
def _business_dates_in_shanghai(monkeypatch):
    in_shanghai(monkeypatch)


@pytest.fixture
def verdict(monkeypatch):
    """The procurement check's answer for one firm's standing as of a day, through the check's
    own code, with the firm's standing given rather than read from a database."""

    def check(firm_standing, day=DAY):
        firm = firm_standing.enterprise
        monkeypatch.setattr(checks, "firm_rows", lambda statements, codes, *a: [firm])
        monkeypatch.setattr(
            checks, "standings_of", lambda session, rows, *a: {firm.uscc: firm_standing}
        )
        monkeypatch.setattr(checks, "query_log", SimpleNamespace(log_queries=lambda *a, **kw: None))
        answer = checks.procurement_check(
            None, PROCUREMENT_OFFICER, [firm_standing.enterprise.uscc], as_of=day
        )
        assert answer["as_of"] == day
        (result,) = answer["results"]
        return result

    return check


def codes(reasons) -> list[str]:
    return [r.code for r in reasons]


# --- major violation records --------------------------------------------------------------------


@pytest.mark.parametrize("category", sorted(policy.MAJOR_VIOLATION_CATEGORIES))
def test_each_major_category_within_three_years_blocks(verdict, category):
    record = violation(category=category, severity="general", decided_on=DAY - 400 * ONE_DAY)
    firm = standing(records=[record])

    reasons = checks.procurement_reasons(firm, DAY)

    assert codes(reasons) == [category]
    block = reasons[0]
    assert block.severity == "block"
    assert block.record_id == record.id
    assert block.legal_basis == catalog.CHECK_REASONS[category].legal_basis
    assert "第十九条" in block.legal_basis
    assert record.decision_no in block.detail
    assert verdict(firm)["eligible"] is False


@pytest.mark.parametrize(
    "fine_fen, expected",
    [
        (199_999_999, []),  # ¥1,999,999.99
        (200_000_000, ["major_fine"]),  # ¥2,000,000.00
        (200_000_001, ["major_fine"]),
        (None, []),
    ],
)
def test_a_fine_of_two_million_yuan_or_more_blocks(verdict, fine_fen, expected):
    record = violation(fine_fen=fine_fen, severity="general", decided_on=DAY - 30 * ONE_DAY)
    firm = standing(records=[record])

    reasons = checks.procurement_reasons(firm, DAY)

    assert codes(reasons) == expected
    assert verdict(firm)["eligible"] is not expected
    if expected:
        assert reasons[0].severity == "block"
        assert reasons[0].record_id == record.id
        assert "财库〔2022〕3号" in reasons[0].legal_basis
        assert "2000000" in reasons[0].detail


def test_a_serious_violation_with_a_fine_below_the_threshold_only_warns(verdict):
    firm = standing(
        records=[violation(fine_fen=199_999_999, severity="serious", decided_on=DAY - 30 * ONE_DAY)]
    )

    reasons = checks.procurement_reasons(firm, DAY)

    assert [(r.code, r.severity) for r in reasons] == [("serious_violation", "warn")]
    assert verdict(firm)["eligible"] is True


@pytest.mark.parametrize(
    "day, first_day",
    [
        (D(2026, 3, 10), D(2023, 3, 10)),
        (D(2027, 2, 28), D(2024, 2, 28)),  # 29 February 2024 falls inside
        (D(2028, 2, 29), D(2025, 2, 28)),
        (D(2026, 12, 31), D(2023, 12, 31)),
    ],
)
@pytest.mark.parametrize("category", ["criminal_penalty", "major_fine", "serious"])
def test_the_three_year_look_back_starts_on_the_same_day_three_years_before(
    day, first_day, category
):
    assert periods.add_months(day, -12 * policy.MAJOR_RECORD_YEARS) == first_day
    kinds = {
        "criminal_penalty": dict(category="criminal_penalty"),
        "major_fine": dict(fine_fen=200_000_000),
        "serious": dict(severity="serious"),
    }
    expected = {
        "criminal_penalty": "criminal_penalty",
        "major_fine": "major_fine",
        "serious": "serious_violation",
    }[category]

    def reasons_for(decided_on):
        record = violation(decided_on=decided_on, **kinds[category])
        return codes(checks.procurement_reasons(standing(records=[record]), day))

    assert reasons_for(first_day - ONE_DAY) == []
    assert reasons_for(first_day) == [expected]
    assert reasons_for(day) == [expected]
    assert reasons_for(day + ONE_DAY) == []  # decided after the day asked about


def test_a_major_violation_older_than_three_years_leaves_the_firm_eligible(verdict):
    firm = standing(records=[violation(category="licence_revoked", decided_on=D(2023, 3, 9))])
    assert verdict(firm) | {"reasons": None} == {
        "uscc": firm.enterprise.uscc,
        "found": True,
        "name": firm.enterprise.name,
        "status": "in_business",
        "eligible": True,
        "grade": "B",
        "risk_class": "medium",
        "graded": True,
        "reasons": None,
    }
    assert verdict(firm)["reasons"] == []


# --- rescinded and disputed records -------------------------------------------------------------


def test_a_rescinded_violation_gives_no_reason_from_its_effective_day(verdict):
    record = violation(
        category="criminal_penalty",
        fine_fen=300_000_000,
        severity="serious",
        decided_on=DAY - 100 * ONE_DAY,
    )
    record.corrections = [rescission(effective_on=DAY)]
    record.objections = [record_objection(filed_on=DAY - 10 * ONE_DAY)]
    firm = standing(records=[record])

    assert checks.procurement_reasons(firm, DAY) == []
    assert verdict(firm)["eligible"] is True
    assert codes(checks.procurement_reasons(firm, DAY - ONE_DAY)) == [
        "record_disputed",
        "criminal_penalty",
    ]
    assert verdict(firm, DAY - ONE_DAY)["eligible"] is False


@pytest.mark.parametrize(
    "filed_on, decided_on, disputed",
    [
        (DAY - 5 * ONE_DAY, None, True),
        (DAY, None, True),  # filed that day: pending at its end
        (DAY + ONE_DAY, None, False),  # filed after the day asked about
        (DAY - 5 * ONE_DAY, DAY + ONE_DAY, True),  # decided only after the day
        (DAY - 5 * ONE_DAY, DAY, False),  # decided that day
        (DAY - 5 * ONE_DAY, DAY - ONE_DAY, False),
    ],
)
def test_a_record_is_disputed_while_an_objection_was_pending_at_the_end_of_the_day(
    verdict, filed_on, decided_on, disputed
):
    record = violation(decided_on=DAY - 60 * ONE_DAY)
    record.objections = [record_objection(filed_on, decided_on)]
    firm = standing(records=[record])

    reasons = checks.procurement_reasons(firm, DAY)

    assert codes(reasons) == (["record_disputed"] if disputed else [])
    if disputed:
        assert reasons[0].severity == "warn"
        assert reasons[0].record_id == record.id
    assert verdict(firm)["eligible"] is True


def test_a_disputed_inspection_warns_and_a_disputed_major_violation_still_blocks(verdict):
    failed = inspection(sampled_on=DAY - 90 * ONE_DAY)
    failed.objections = [record_objection(DAY - 3 * ONE_DAY)]
    major = violation(id=12, category="production_suspended", decided_on=DAY - 50 * ONE_DAY)
    major.objections = [record_objection(DAY - 3 * ONE_DAY)]

    reasons = checks.procurement_reasons(standing(records=[failed, major]), DAY)

    assert [(r.code, r.severity, r.record_id) for r in reasons] == [
        ("record_disputed", "warn", failed.id),
        ("record_disputed", "warn", major.id),
        ("production_suspended", "block", major.id),
    ]
    assert verdict(standing(records=[failed, major]))["eligible"] is False


# --- blacklist listings -------------------------------------------------------------------------

LISTED_ON = D(2025, 6, 1)
EXPIRES_ON = D(2028, 6, 1)


def test_an_active_listing_blocks_citing_its_own_legal_basis(verdict):
    entry = listing(listed_on=LISTED_ON, expires_on=EXPIRES_ON)
    firm = standing(listings=[entry], blacklisted=True)

    reasons = checks.procurement_reasons(firm, DAY)

    assert [(r.code, r.severity, r.record_id) for r in reasons] == [
        ("blacklisted", "block", entry.id)
    ]
    assert reasons[0].legal_basis == LISTING_BASIS
    assert entry.decision_no in reasons[0].detail
    answer = verdict(firm)
    assert answer["eligible"] is False
    assert answer["reasons"][0]["legal_basis"] == LISTING_BASIS


def test_a_listing_blocks_up_to_the_day_before_it_expires(verdict):
    firm = standing(listings=[listing(listed_on=LISTED_ON, expires_on=EXPIRES_ON)])

    assert codes(checks.procurement_reasons(firm, LISTED_ON - ONE_DAY)) == []
    assert codes(checks.procurement_reasons(firm, LISTED_ON)) == ["blacklisted"]
    assert codes(checks.procurement_reasons(firm, EXPIRES_ON - ONE_DAY)) == ["blacklisted"]
    assert codes(checks.procurement_reasons(firm, EXPIRES_ON)) == []
    assert verdict(firm, EXPIRES_ON - ONE_DAY)["eligible"] is False
    assert verdict(firm, EXPIRES_ON)["eligible"] is True


def test_a_listing_under_objection_blocks_and_warns_that_it_is_disputed(verdict):
    entry = listing(
        listed_on=LISTED_ON,
        expires_on=EXPIRES_ON,
        states=[("objection_pending", DAY - 3 * ONE_DAY)],
    )
    firm = standing(listings=[entry])

    reasons = checks.procurement_reasons(firm, DAY)

    assert [(r.code, r.severity, r.record_id) for r in reasons] == [
        ("blacklisted", "block", entry.id),
        ("listing_disputed", "warn", entry.id),
    ]
    assert verdict(firm)["eligible"] is False
    # Before the objection was filed the listing blocked without a dispute.
    assert codes(checks.procurement_reasons(firm, DAY - 4 * ONE_DAY)) == ["blacklisted"]


@pytest.mark.parametrize(
    "states, expected",
    [
        ([("repair_pending", DAY - ONE_DAY)], ["blacklisted"]),
        ([("objection_pending", DAY - 9 * ONE_DAY), ("listed", DAY - ONE_DAY)], ["blacklisted"]),
        ([("objection_pending", DAY - 9 * ONE_DAY), ("rescinded", DAY - ONE_DAY)], []),
        ([("repair_pending", DAY - 9 * ONE_DAY), ("removed_early", DAY - ONE_DAY)], []),
        (
            [("repair_pending", DAY - 9 * ONE_DAY), ("removed_early", DAY + ONE_DAY)],
            ["blacklisted"],
        ),
    ],
)
def test_only_an_active_listing_gives_a_reason(verdict, states, expected):
    firm = standing(listings=[listing(listed_on=LISTED_ON, expires_on=EXPIRES_ON, states=states)])
    assert codes(checks.procurement_reasons(firm, DAY)) == expected
    assert verdict(firm)["eligible"] is not expected


def test_a_city_that_does_not_block_on_its_quality_blacklist_gets_a_warning(verdict, monkeypatch):
    monkeypatch.setattr(policy, "PROCUREMENT_BLOCKING_LISTS", frozenset())
    entry = listing(listed_on=LISTED_ON, expires_on=EXPIRES_ON)
    firm = standing(listings=[entry])

    reasons = checks.procurement_reasons(firm, DAY)

    assert [(r.code, r.severity, r.record_id, r.legal_basis) for r in reasons] == [
        ("blacklisted_not_blocking", "warn", entry.id, LISTING_BASIS)
    ]
    assert verdict(firm)["eligible"] is True


# --- grades -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "grade, expected",
    [
        ("A", []),
        ("B", []),
        ("C", ["low_grade"]),
        ("D", ["low_grade"]),
        (None, []),
    ],
)
def test_grades_c_and_d_warn_and_an_ungraded_firm_does_not(verdict, grade, expected):
    firm = standing(grade=grade)

    reasons = checks.procurement_reasons(firm, DAY)

    assert codes(reasons) == expected
    assert all(r.severity == "warn" and r.record_id is None for r in reasons)
    answer = verdict(firm)
    assert answer["eligible"] is True
    assert answer["graded"] is (grade is not None)
    assert answer["grade"] == grade


# --- every reason, and the verdict ---------------------------------------------------------------


def everything_at_once():
    disputed = violation(id=13, decided_on=DAY - 20 * ONE_DAY)
    disputed.objections = [record_objection(DAY - 2 * ONE_DAY)]
    records = [
        violation(id=11, category="criminal_penalty", decided_on=DAY - 200 * ONE_DAY),
        violation(id=12, fine_fen=250_000_000, decided_on=DAY - 100 * ONE_DAY),
        violation(id=14, severity="especially_serious", decided_on=DAY - 50 * ONE_DAY),
        disputed,
    ]
    entry = listing(
        listed_on=LISTED_ON, expires_on=EXPIRES_ON, states=[("objection_pending", DAY - ONE_DAY)]
    )
    return standing(records=records, listings=[entry], grade="D")


def test_every_reason_has_a_catalogued_code_and_the_record_it_comes_from():
    reasons = checks.procurement_reasons(everything_at_once(), DAY)

    assert [(r.code, r.severity, r.record_id) for r in reasons] == [
        ("blacklisted", "block", 31),
        ("listing_disputed", "warn", 31),
        ("criminal_penalty", "block", 11),
        ("major_fine", "block", 12),
        ("serious_violation", "warn", 14),
        ("record_disputed", "warn", 13),
        ("low_grade", "warn", None),
    ]
    for reason in reasons:
        assert reason.severity == catalog.CHECK_REASONS[reason.code].group
        assert reason.detail
    assert all(r.legal_basis for r in reasons if r.severity == "block")


def test_every_reason_cites_a_legal_basis():
    reasons = checks.procurement_reasons(everything_at_once(), DAY)
    assert [r.code for r in reasons if not r.legal_basis] == []


LISTING_STATES = {
    "none": [],
    "listed": [listing(listed_on=LISTED_ON, expires_on=EXPIRES_ON)],
    "disputed": [
        listing(
            listed_on=LISTED_ON,
            expires_on=EXPIRES_ON,
            states=[("objection_pending", DAY - ONE_DAY)],
        )
    ],
    "expired": [listing(listed_on=D(2022, 1, 1), expires_on=D(2025, 1, 1))],
}
RECORDS = {
    "none": [],
    "criminal": [violation(category="criminal_penalty", decided_on=DAY - 10 * ONE_DAY)],
    "fine": [violation(fine_fen=200_000_000, decided_on=DAY - 10 * ONE_DAY)],
    "old_fine": [violation(fine_fen=900_000_000, decided_on=D(2022, 1, 1))],
    "serious": [violation(severity="serious", decided_on=DAY - 10 * ONE_DAY)],
}


@pytest.mark.parametrize(
    "listed, records, grade", list(itertools.product(LISTING_STATES, RECORDS, ["B", "C", None]))
)
def test_a_firm_is_ineligible_exactly_when_a_reason_blocks(verdict, listed, records, grade):
    firm = standing(records=RECORDS[records], listings=LISTING_STATES[listed], grade=grade)

    answer = verdict(firm)

    reasons = checks.procurement_reasons(firm, DAY)
    assert answer["reasons"] == [vars(r) for r in reasons]
    assert answer["eligible"] is not any(r.severity == "block" for r in reasons)
    assert answer["eligible"] is (
        listed in ("none", "expired") and records in ("none", "old_fine", "serious")
    )
