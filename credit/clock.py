"""The registry's sense of time: instants in UTC, business dates in the configured zone."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

DEFAULT_ZONE = ZoneInfo("Asia/Shanghai")
_zone = DEFAULT_ZONE


def set_zone(zone: ZoneInfo) -> None:
    """The zone business dates are reckoned in (setting CREDIT_TIMEZONE)."""
    global _zone
    _zone = zone


def utcnow() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


def today() -> datetime.date:
    """The business date: what a regulator in the registry's city calls today."""
    return utcnow().astimezone(_zone).date()


def business_date(instant: datetime.datetime) -> datetime.date:
    """The business date on which an instant fell."""
    return instant.astimezone(_zone).date()


def local_time(instant: datetime.datetime) -> datetime.datetime:
    """An instant as a clock in the registry's zone shows it."""
    return instant.astimezone(_zone)


def start_of(day: datetime.date) -> datetime.datetime:
    """The instant a business date begins in the registry's zone (in UTC): a day's end is the
    next day's start."""
    return datetime.datetime.combine(day, datetime.time(), tzinfo=_zone).astimezone(datetime.UTC)
