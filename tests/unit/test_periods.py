"""The period rule: the legal examples, and its invariants over three centuries of start days."""

import calendar
import datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from credit.rules import periods

D = datetime.date

# No example database is written into the working tree.
PROPERTIES = settings(max_examples=500, database=None)
starts = st.dates(min_value=D(1900, 1, 1), max_value=D(2199, 12, 31))
lengths = st.integers(min_value=0, max_value=600)


def final_month(start: datetime.date, months: int) -> tuple[int, int]:
    year, month = divmod(start.year * 12 + start.month - 1 + months, 12)
    return year, month + 1


@pytest.mark.parametrize(
    "start, months, end",
    [
        (D(2026, 8, 31), 3, D(2026, 11, 30)),  # 民法典 第二百零三条: no 31 November, its last day
        (D(2024, 2, 29), 12, D(2025, 2, 28)),  # no 29 February in 2025
        (D(2028, 2, 29), 48, D(2032, 2, 29)),  # a leap year again: the same day
        (D(2026, 1, 31), 1, D(2026, 2, 28)),
        (D(2027, 1, 31), 13, D(2028, 2, 29)),
        (D(2026, 3, 31), 1, D(2026, 4, 30)),
        (D(2026, 5, 31), 1, D(2026, 6, 30)),
        (D(2026, 10, 31), 1, D(2026, 11, 30)),
        (D(2026, 12, 31), 2, D(2027, 2, 28)),
        (D(2026, 12, 31), 12, D(2027, 12, 31)),
        (D(2025, 3, 10), 12, D(2026, 3, 10)),
        (D(2025, 3, 10), 0, D(2025, 3, 10)),
    ],
)
def test_the_legal_examples(start, months, end):
    assert periods.period_end(start, months) == end


def test_the_registry_shows_a_record_up_to_the_day_before_the_end():
    # Decided 2025-03-10: full weight up to 2026-03-09.
    assert periods.last_day(D(2025, 3, 10), 12) == D(2026, 3, 9)
    assert periods.within(D(2026, 3, 9), D(2025, 3, 10), 12)
    assert not periods.within(D(2026, 3, 10), D(2025, 3, 10), 12)
    assert not periods.within(D(2025, 3, 9), D(2025, 3, 10), 12)
    # 31 August and 30 August + 3 months both end on 30 November.
    assert (
        periods.last_day(D(2026, 8, 31), 3)
        == periods.last_day(D(2026, 8, 30), 3)
        == D(2026, 11, 29)
    )


def test_look_back_windows_and_the_day_after():
    assert periods.months_before(D(2026, 11, 30), 3) == D(2026, 8, 30)
    assert periods.months_before(D(2028, 2, 29), 36) == D(2025, 2, 28)
    assert periods.months_before(D(2027, 3, 31), 1) == D(2027, 2, 28)
    assert periods.day_after(D(2026, 12, 31)) == D(2027, 1, 1)
    assert periods.day_after(D(2028, 2, 28)) == D(2028, 2, 29)


@PROPERTIES
@given(start=starts, months=lengths)
def test_the_end_is_in_the_final_month_on_the_start_day_or_the_months_last(start, months):
    end = periods.period_end(start, months)
    year, month = final_month(start, months)
    assert (end.year, end.month) == (year, month)
    month_length = calendar.monthrange(year, month)[1]
    if start.day <= month_length:
        assert end.day == start.day
    else:
        assert end.day == month_length
    assert end.day <= start.day


@PROPERTIES
@given(first=starts, second=starts, months=lengths)
def test_the_end_is_monotone_in_the_start_day(first, second, months):
    first, second = sorted((first, second))
    assert periods.period_end(first, months) <= periods.period_end(second, months)


@PROPERTIES
@given(start=starts, shorter=lengths, longer=lengths)
def test_the_end_is_monotone_in_the_length(start, shorter, longer):
    shorter, longer = sorted((shorter, longer))
    assert periods.period_end(start, shorter) <= periods.period_end(start, longer)


@PROPERTIES
@given(start=starts, months=lengths, offset=st.integers(min_value=-40, max_value=40))
def test_inside_is_from_the_start_up_to_the_last_day(start, months, offset):
    end = periods.period_end(start, months)
    last = periods.last_day(start, months)
    assert periods.day_after(last) == end
    day = last + datetime.timedelta(days=offset)
    assert periods.within(day, start, months) == (start <= day <= last)


@PROPERTIES
@given(day=starts, months=lengths)
def test_a_look_back_window_opens_no_later_than_a_period_ending_on_the_day(day, months):
    opens = periods.months_before(day, months)
    assert (opens.year, opens.month) == final_month(day, -months)
    assert periods.period_end(opens, months) <= day
    if day.day <= 28:
        assert periods.period_end(opens, months) == day
