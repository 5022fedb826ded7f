"""The days tests run on, and the start days at a period's edge that date rules are tested with."""

from __future__ import annotations

import datetime

from credit.rules import periods

# The business date every test runs on unless it picks another: an ordinary day, mid-month and
# mid-year, far from any month end.
DEFAULT_TODAY = datetime.date(2026, 6, 15)
# Days on which period arithmetic clamps or crosses a year: the 31st before a shorter month,
# the end of February in a common and a leap year, the last day of a year.
HARD_DAYS = (
    datetime.date(2026, 8, 31),
    datetime.date(2026, 10, 31),
    datetime.date(2026, 12, 31),
    datetime.date(2027, 1, 31),
    datetime.date(2027, 2, 28),
    datetime.date(2027, 3, 31),
    datetime.date(2027, 5, 31),
    datetime.date(2028, 2, 29),
)
# What a date rule's test runs on: `@pytest.mark.parametrize("today", SOME_DAYS, indirect=True)`.
SOME_DAYS = (DEFAULT_TODAY, *HARD_DAYS)


def days_before(day: datetime.date, n: int) -> datetime.date:
    """`n` days before `day` (after it, when negative)."""
    return day - datetime.timedelta(days=n)


def first_start_inside(day: datetime.date, months: int) -> datetime.date:
    """The earliest start of a period of `months` months (at least one) that `day` is still
    inside. A period that started the day before has ended by `day`: on a month's end several
    starts share one end, so this is not simply `months` months before `day`."""
    if months < 1:
        raise ValueError("no day is inside a period of no months")
    start = periods.months_before(day, months)
    while not periods.within(day, start, months):
        start = periods.day_after(start)
    return start


def last_start_ended(day: datetime.date, months: int) -> datetime.date:
    """The latest start of a period of `months` months that has ended by `day`."""
    return days_before(first_start_inside(day, months), 1)
