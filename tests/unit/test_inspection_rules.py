"""Inspection results in the record rules and the rulesets: the 3-year display period on hard
days, and the county level in rulesets written before and after it: no database, no HTTP."""

import datetime
from decimal import Decimal

import pytest

from credit import policy
from credit.grading import ruleset as rulesets
from credit.grading.engine import Inputs, assess
from credit.models import Correction
from credit.rules import display, periods
from tests.days import SOME_DAYS, first_start_inside, last_start_ended
from tests.unit.builders import inspection

D = datetime.date
MONTHS = policy.INSPECTION_DISPLAY_MONTHS


def ruleset_text(version: str) -> str:
    return (
        rulesets.resources.files("credit.grading")
        .joinpath("rulesets", f"{version}.toml")
        .read_text(encoding="utf-8")
    )


@pytest.mark.parametrize("day", SOME_DAYS)
def test_a_result_is_shown_from_sampling_for_three_years(day):
    inside = inspection(sampled_on=first_start_inside(day, MONTHS))
    ended = inspection(sampled_on=last_start_ended(day, MONTHS))
    assert display.shown_publicly(inside, day)
    assert display.inspection_display_until(inside) >= day
    assert not display.shown_publicly(ended, day)
    assert display.inspection_display_until(ended) < day
    assert not display.shown_publicly(inspection(sampled_on=day), day - datetime.timedelta(1))


@pytest.mark.parametrize(
    "sampled_on, last_shown",
    [
        (D(2023, 8, 31), D(2026, 8, 30)),
        (D(2024, 2, 29), D(2027, 2, 27)),
        (D(2023, 12, 31), D(2026, 12, 30)),
        (D(2025, 3, 10), D(2028, 3, 9)),
    ],
)
def test_the_last_day_shown_on_month_ends(sampled_on, last_shown):
    record = inspection(sampled_on=sampled_on)
    assert display.inspection_display_until(record) == last_shown
    assert display.shown_publicly(record, last_shown)
    assert not display.shown_publicly(record, periods.day_after(last_shown))


def test_the_lists_bound_is_the_same_rule_on_every_day_of_four_years():
    day = D(2026, 1, 1)
    while day < D(2030, 1, 1):
        first = display.inspection_display_from(day)
        assert display.shown_publicly(inspection(sampled_on=first), day), day
        earlier = first - datetime.timedelta(days=1)
        assert not display.shown_publicly(inspection(sampled_on=earlier), day), day
        day = periods.day_after(day)


def test_a_rescinded_result_is_not_shown():
    record = inspection(sampled_on=D(2026, 1, 10))
    record.corrections = [
        Correction(action="rescind", reason="错", effective_on=D(2026, 2, 1), actor="r")
    ]
    assert display.shown_publicly(record, D(2026, 1, 31))
    assert not display.shown_publicly(record, D(2026, 2, 1))


def test_the_public_view_next_changes_when_a_result_leaves_it():
    record = inspection(sampled_on=D(2024, 2, 29))
    assert display.next_public_change([record], D(2026, 6, 15)) == D(2027, 2, 28)
    assert display.next_public_change([record], D(2024, 2, 1)) == D(2024, 2, 29)


def test_the_default_ruleset_grades_the_county_level():
    ruleset = rulesets.load()
    assert ruleset.version == "qc-2026.4"
    assert ruleset.inspection_pass["county"] == Decimal("0.8")
    assert ruleset.inspection_fail["county"] == Decimal("-3")


@pytest.mark.parametrize("version", ["qc-2026.1", "qc-2026.2"])
def test_older_rulesets_load_and_give_the_county_level_no_points(version):
    ruleset = rulesets.load(version)
    assert ruleset.inspection_pass["county"] == ruleset.inspection_fail["county"] == 0
    assert ruleset.inspection_pass["municipal"] == Decimal("1.0")
    county = inspection(sampled_on=D(2026, 1, 10), result="pass")
    county.level = "county"
    result = assess(Inputs(records=[county]), ruleset, D(2026, 6, 15))
    assert result.score == Decimal("60.00")
    assert [c.points for c in result.explanation if c.record_id == county.id] == [0]


def test_only_a_later_level_may_be_missing_from_a_ruleset():
    text = ruleset_text("qc-2026.2")
    with pytest.raises(rulesets.RulesetError, match="missing key inspections.pass.municipal"):
        rulesets.parse(text.replace('municipal = "1.0"', ""))
    with pytest.raises(rulesets.RulesetError, match="inspections.fail.county"):
        rulesets.parse(text.replace('municipal = "-4"', 'municipal = "-4"\ncounty = -3'))
