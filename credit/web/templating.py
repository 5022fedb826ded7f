"""The Jinja environment of pages and documents, with the filters that write figures as people in
China read them (dates as 2026年9月30日, rates as 95.30%, money in yuan)."""

from __future__ import annotations

import datetime
from decimal import Decimal
from functools import cache

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

NO_VALUE = "—"


def date_zh(day: datetime.date | None) -> str:
    if day is None:
        return NO_VALUE
    return f"{day.year}年{day.month}月{day.day}日"


def percent(rate: str | Decimal | None, places: int = 2) -> str:
    """A fraction (`"0.9530"`) as a percentage (`95.30%`); no rate (no batches) as a dash."""
    if rate is None:
        return NO_VALUE
    return f"{Decimal(rate) * 100:.{places}f}%"


def points(change: str | Decimal | None) -> str:
    """A change of a rate, in percentage points with its sign (`+1.20个百分点`)."""
    if change is None:
        return NO_VALUE
    return f"{Decimal(change) * 100:+.2f}个百分点"


def yuan(amount: str | Decimal | None) -> str:
    if amount is None:
        return NO_VALUE
    return f"{Decimal(amount):,.2f}元"


def money(amount: str | Decimal | None) -> str:
    """An amount where the column heading says it is in yuan."""
    return NO_VALUE if amount is None else f"{Decimal(amount):,.2f}"


def signed(number: int | str | Decimal | None) -> str:
    if number is None:
        return NO_VALUE
    value = Decimal(number)
    return f"{value:+,}" if value else "0"


@cache
def environment() -> Environment:
    """One environment per process, so each template is compiled once."""
    env = Environment(
        loader=PackageLoader("credit.web", "templates"),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        date_zh=date_zh, percent=percent, points=points, yuan=yuan, money=money, signed=signed
    )
    return env
