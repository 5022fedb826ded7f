"""A report's period as regulators name it: a quarter (`2026Q3`) or a year (`2026`)."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

from credit.errors import InvalidInput
from credit.rules import periods

_PERIOD = re.compile(r"([0-9]{4})(?:Q([1-4]))?")
_QUARTER_NAMES = {1: "一", 2: "二", 3: "三", 4: "四"}
PERIOD_FORMAT = "must be a year (2026) or a quarter (2026Q3)"


@dataclass(frozen=True)
class ReportPeriod:
    year: int
    quarter: int | None = None

    @property
    def code(self) -> str:
        return f"{self.year}Q{self.quarter}" if self.quarter else str(self.year)

    @property
    def label_zh(self) -> str:
        if self.quarter:
            return f"{self.year}年第{_QUARTER_NAMES[self.quarter]}季度"
        return f"{self.year}年"

    @property
    def first_day(self) -> datetime.date:
        return datetime.date(self.year, 3 * (self.quarter or 1) - 2, 1)

    @property
    def last_day(self) -> datetime.date:
        return periods.last_day(self.first_day, 3 if self.quarter else 12)

    def previous(self) -> ReportPeriod:
        """The period a report compares with: the quarter before, or the year before."""
        if self.quarter is None:
            return ReportPeriod(self.year - 1)
        if self.quarter == 1:
            return ReportPeriod(self.year - 1, 4)
        return ReportPeriod(self.year, self.quarter - 1)


def parse_period(text: str) -> ReportPeriod:
    """`2026Q3` or `2026` (a lower-case q is read too); anything else is a 422 naming `period`."""
    match = _PERIOD.fullmatch(text.strip().upper()) if text.isascii() else None
    if match is None:
        raise InvalidInput.field("period", PERIOD_FORMAT)
    year = int(match.group(1))
    if year < 1900:
        raise InvalidInput.field("period", "the year must be 1900 or later")
    return ReportPeriod(year, int(match.group(2)) if match.group(2) else None)
