"""Periods of months and years: the one date arithmetic every rule uses.

The rule (民法典 第二百零三条): a period of N months or years ends on the day of its final month
that corresponds to the day it started; where that month has no such day, on the month's last
day. 31 August + 3 months ends on 30 November; 29 February + 1 year on 28 February.

The registry's convention on top of it: the end day is the first day no longer inside the period.
A violation decided 2025-03-10 counts in full for 12 months, up to 2026-03-09; a listing listed
2024-05-20 for 3 years is inactive from 2027-05-20, its `expires_on`.
"""

from __future__ import annotations

import calendar
import datetime

ONE_DAY = datetime.timedelta(days=1)


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The day of the month `months` later (or earlier, when negative) that corresponds to
    `day`; where that month is too short (the 31st, 29 February), its last day."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def period_end(start: datetime.date, months: int) -> datetime.date:
    """The day a period of `months` months that starts on `start` ends: its first day outside
    (a repair may be applied for, a listing has expired, a window has closed)."""
    return add_months(start, months)


def last_day(start: datetime.date, months: int) -> datetime.date:
    """The last day inside a period of `months` months that starts on `start` (a violation's
    last day on public display, a grade's `valid_until`)."""
    return period_end(start, months) - ONE_DAY


def within(day: datetime.date, start: datetime.date, months: int) -> bool:
    """Whether `day` is inside the period of `months` months that starts on `start`."""
    return start <= day < period_end(start, months)


def months_before(day: datetime.date, months: int) -> datetime.date:
    """The first day of a look-back window of `months` months that closes on `day` (e.g. the
    last three years a procurement check looks at)."""
    return add_months(day, -months)


def day_after(day: datetime.date) -> datetime.date:
    """The first day after `day`: where something that lasts up to and including `day` is gone
    (a certificate after its `valid_to`, an override after its `valid_until`)."""
    return day + ONE_DAY
