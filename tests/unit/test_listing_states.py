"""A blacklist listing's state on any day, from its recorded transitions: no database, no HTTP."""

from __future__ import annotations

import datetime

import pytest

from credit.rules import listings
from tests.unit.builders import (
    LISTING_BASIS,
    ONE_DAY,
    D,
    at,
    enterprise,
    in_shanghai,
    listing,
    listing_objection,
    transition,
    violation,
)

LISTED_ON = D(2025, 3, 10)
EXPIRES_ON = D(2028, 3, 10)
UTC = datetime.UTC


@pytest.fixture(autouse=True)
def _business_dates_in_shanghai(monkeypatch):
    in_shanghai(monkeypatch)


def states_over(entry, days):
    return [listings.state_on(entry, day) for day in days]


def test_a_listing_is_listed_from_its_listing_day_and_nothing_before():
    entry = listing(listed_on=LISTED_ON, expires_on=EXPIRES_ON)

    assert listings.state_on(entry, LISTED_ON - ONE_DAY) is None
    assert not listings.is_active_on(entry, LISTED_ON - ONE_DAY)
    assert listings.state_on(entry, LISTED_ON) == "listed"
    assert listings.is_active_on(entry, LISTED_ON)


@pytest.mark.parametrize("outcome, final", [("listed", "listed"), ("rescinded", "rescinded")])
def test_an_objection_holds_the_listing_pending_until_it_is_decided(outcome, final):
    entry = listing(
        listed_on=LISTED_ON,
        expires_on=EXPIRES_ON,
        states=[("objection_pending", D(2025, 4, 1)), (outcome, D(2025, 5, 1))],
    )

    assert states_over(entry, [D(2025, 3, 31), D(2025, 4, 1), D(2025, 4, 30), D(2025, 5, 1)]) == [
        "listed",
        "objection_pending",
        "objection_pending",
        final,
    ]
    assert listings.is_active_on(entry, D(2025, 4, 30))
    assert listings.is_active_on(entry, D(2025, 5, 1)) is (final == "listed")


@pytest.mark.parametrize("outcome, active", [("removed_early", False), ("listed", True)])
def test_credit_repair_holds_the_listing_active_until_it_is_decided(outcome, active):
    entry = listing(
        listed_on=LISTED_ON,
        expires_on=EXPIRES_ON,
        states=[("repair_pending", D(2026, 4, 1)), (outcome, D(2026, 5, 1))],
    )

    assert states_over(entry, [D(2026, 3, 31), D(2026, 4, 1), D(2026, 4, 30), D(2026, 5, 1)]) == [
        "listed",
        "repair_pending",
        "repair_pending",
        outcome,
    ]
    assert listings.is_active_on(entry, D(2026, 4, 30))
    assert listings.is_active_on(entry, D(2026, 5, 1)) is active


def test_a_listing_can_be_disputed_then_repaired_then_removed_early():
    entry = listing(
        listed_on=LISTED_ON,
        expires_on=EXPIRES_ON,
        states=[
            ("objection_pending", D(2025, 4, 1)),
            ("listed", D(2025, 5, 1)),
            ("repair_pending", D(2026, 4, 1)),
            ("removed_early", D(2026, 5, 1)),
        ],
    )

    assert states_over(
        entry, [D(2025, 4, 1), D(2025, 5, 1), D(2026, 4, 1), D(2026, 5, 1), EXPIRES_ON]
    ) == ["objection_pending", "listed", "repair_pending", "removed_early", "removed_early"]


@pytest.mark.parametrize(
    "states, active_state",
    [
        ([], "listed"),
        ([("objection_pending", D(2028, 1, 5))], "objection_pending"),
        ([("repair_pending", D(2028, 1, 5))], "repair_pending"),
    ],
)
def test_any_active_state_expires_on_the_expiry_day(states, active_state):
    entry = listing(listed_on=LISTED_ON, expires_on=EXPIRES_ON, states=states)

    assert listings.state_on(entry, EXPIRES_ON - ONE_DAY) == active_state
    assert listings.is_active_on(entry, EXPIRES_ON - ONE_DAY)
    assert listings.state_on(entry, EXPIRES_ON) == "expired"
    assert not listings.is_active_on(entry, EXPIRES_ON)
    assert listings.state_on(entry, D(2031, 1, 1)) == "expired"


@pytest.mark.parametrize("ended", ["rescinded", "removed_early"])
def test_a_listing_that_ended_early_keeps_its_end_after_the_expiry_day(ended):
    entry = listing(listed_on=LISTED_ON, expires_on=EXPIRES_ON, states=[(ended, D(2026, 6, 1))])

    assert listings.state_on(entry, EXPIRES_ON) == ended
    assert not listings.is_active_on(entry, EXPIRES_ON)


def test_a_listing_recorded_late_in_the_utc_day_is_known_from_the_next_business_day():
    # 17:30 UTC on 9 March is 01:30 on 10 March in Shanghai.
    recorded = datetime.datetime(2025, 3, 9, 17, 30, tzinfo=UTC)
    entry = listing(listed_on=D(2025, 3, 9), expires_on=D(2028, 3, 9), recorded_at=recorded)

    assert listings.state_on(entry, D(2025, 3, 9)) is None
    assert not listings.is_active_on(entry, D(2025, 3, 9))
    assert listings.state_on(entry, D(2025, 3, 10)) == "listed"


def test_a_listing_recorded_just_before_midnight_in_shanghai_is_known_that_day():
    # 15:59 UTC is 23:59 in Shanghai, the same business date.
    recorded = datetime.datetime(2025, 3, 9, 15, 59, tzinfo=UTC)
    entry = listing(listed_on=D(2025, 3, 9), expires_on=D(2028, 3, 9), recorded_at=recorded)

    assert listings.state_on(entry, D(2025, 3, 9)) == "listed"


def test_a_backdated_listing_is_not_seen_on_days_before_the_registry_recorded_it():
    entry = listing(
        listed_on=D(2025, 1, 2), expires_on=D(2028, 1, 2), recorded_at=at(D(2025, 2, 3))
    )

    assert listings.state_on(entry, D(2025, 1, 2)) is None
    assert listings.state_on(entry, D(2025, 2, 2)) is None
    assert listings.state_on(entry, D(2025, 2, 3)) == "listed"


def test_a_listing_recorded_ahead_of_its_listing_day_starts_on_that_day():
    entry = listing(
        listed_on=D(2025, 3, 20), expires_on=D(2028, 3, 20), recorded_at=at(D(2025, 3, 10))
    )

    assert listings.state_on(entry, D(2025, 3, 19)) is None
    assert listings.state_on(entry, D(2025, 3, 20)) == "listed"


def test_a_transition_is_seen_from_the_business_day_the_registry_recorded_it():
    entry = listing(listed_on=LISTED_ON, expires_on=EXPIRES_ON)
    # 16:30 UTC on 1 April is 00:30 on 2 April in Shanghai.
    late = transition("objection_pending", D(2025, 4, 1))
    late.created_at = datetime.datetime(2025, 4, 1, 16, 30, tzinfo=UTC)
    entry.transitions.append(late)

    assert listings.state_on(entry, D(2025, 4, 1)) == "listed"
    assert listings.state_on(entry, D(2025, 4, 2)) == "objection_pending"


def test_a_decision_recorded_after_the_day_asked_about_is_not_seen_on_it():
    entry = listing(
        listed_on=LISTED_ON,
        expires_on=EXPIRES_ON,
        states=[("objection_pending", D(2025, 4, 1)), ("rescinded", D(2025, 6, 1))],
    )

    assert listings.state_on(entry, D(2025, 5, 31)) == "objection_pending"
    assert listings.is_active_on(entry, D(2025, 5, 31))


def test_describe_shows_the_state_on_the_day_and_whether_it_is_disputed():
    firm = enterprise()
    cited = violation(id=17, decided_on=D(2025, 2, 1))
    entry = listing(
        listed_on=LISTED_ON, expires_on=EXPIRES_ON, states=[("objection_pending", D(2025, 4, 1))]
    )
    entry.violations = [cited]
    entry.objections = [listing_objection(D(2025, 4, 1))]

    before = listings.describe(entry, firm, D(2025, 3, 31), history=False)
    during = listings.describe(entry, firm, D(2025, 4, 1), history=True)
    after = listings.describe(entry, firm, EXPIRES_ON, history=False)

    assert (before["state"], before["disputed"]) == ("listed", False)
    assert (during["state"], during["disputed"]) == ("objection_pending", True)
    assert (after["state"], after["disputed"]) == ("expired", False)
    assert before | {"state": None, "disputed": None} == {
        "id": entry.id,
        "uscc": firm.uscc,
        "name": firm.name,
        "region_code": firm.region_code,
        "state": None,
        "disputed": None,
        "reason": entry.reason,
        "legal_basis": LISTING_BASIS,
        "decision_no": entry.decision_no,
        "authority": entry.authority,
        "listed_on": LISTED_ON,
        "notified_on": None,
        "repair_eligible_on": D(2026, 3, 10),
        "expires_on": EXPIRES_ON,
        "violation_ids": [17],
    }
    assert "transitions" not in before
    assert [t.to_state for t in during["transitions"]] == ["listed", "objection_pending"]
    assert during["objections"] == entry.objections
    assert during["repairs"] == []


def test_describe_shows_no_state_before_the_listing_day():
    entry = listing(listed_on=LISTED_ON, expires_on=EXPIRES_ON)
    body = listings.describe(entry, enterprise(), LISTED_ON - ONE_DAY, history=False)
    assert (body["state"], body["disputed"]) == (None, False)
