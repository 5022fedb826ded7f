"""The pinned day the suite runs on, and how a test picks another."""

import datetime

import pytest

from credit import clock
from tests.days import DEFAULT_TODAY, HARD_DAYS


def test_a_test_runs_on_the_default_day_at_noon_in_the_registrys_zone(today):
    assert today == clock.today() == DEFAULT_TODAY
    assert clock.utcnow().astimezone(clock.DEFAULT_ZONE).hour == 12


@pytest.mark.today(datetime.date(2028, 2, 29))
def test_a_marker_picks_the_day(today):
    assert today == clock.today() == datetime.date(2028, 2, 29)


@pytest.mark.parametrize("today", HARD_DAYS, indirect=True)
def test_a_parameter_picks_the_day(today):
    assert clock.today() == today
