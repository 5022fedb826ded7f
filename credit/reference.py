"""Reference data: GB/T 2260 region codes and GB/T 4754-2017 industry codes."""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

# GB/T 4754-2017: every two-digit division belongs to one lettered section.
_SECTION_DIVISIONS = {
    "A": (1, 5),
    "B": (6, 12),
    "C": (13, 43),
    "D": (44, 46),
    "E": (47, 50),
    "F": (51, 52),
    "G": (53, 60),
    "H": (61, 62),
    "I": (63, 65),
    "J": (66, 69),
    "K": (70, 70),
    "L": (71, 72),
    "M": (73, 75),
    "N": (76, 79),
    "O": (80, 82),
    "P": (83, 83),
    "Q": (84, 85),
    "R": (86, 90),
    "S": (91, 96),
    "T": (97, 97),
}
# As people write them: a section letter, a 2- to 4-digit division, group or class, or both.
_INDUSTRY_CODE = re.compile(r"([A-Z])?([0-9]{2,4})?")
_REGION_CODE = re.compile(r"[0-9]{6}")
_PROVINCES = frozenset(
    "11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 50 51 52 53 54 "
    "61 62 63 64 65 71 81 82".split()
)


@dataclass(frozen=True)
class Region:
    code: str
    name: str
    city: str
    province: str


def _rows(name: str) -> list[dict[str, str]]:
    text = resources.files("credit").joinpath("data", name).read_text(encoding="utf-8")
    return list(csv.DictReader(text.splitlines()))


@cache
def regions() -> dict[str, Region]:
    return {row["code"]: Region(**row) for row in _rows("regions.csv")}


@cache
def industry_names() -> dict[str, str]:
    """The named sections and divisions, keyed by their normal form (`C`, `C38`)."""
    return {normal_industry_code(row["code"]): row["name"] for row in _rows("industries.csv")}


def section_of_division(division: int) -> str | None:
    for section, (low, high) in _SECTION_DIVISIONS.items():
        if low <= division <= high:
            return section
    return None


class InvalidIndustryCode(ValueError):
    """Not a GB/T 4754-2017 section, division, group or class; the message says why."""


def normal_industry_code(text: str) -> str:
    """The one stored form of a GB/T 4754-2017 code: its section letter, then the digits written
    (`C`, `C38`, `C381`, `C3811`), from any of the ways people write it (`38`, `c3811`)."""
    code = text.strip()
    # ASCII first: upper() would turn some other letters into A-T (the dotless ı into I).
    match = _INDUSTRY_CODE.fullmatch(code.upper()) if code.isascii() else None
    if not code or match is None:
        raise InvalidIndustryCode(
            "must be a GB/T 4754 section letter (A-T), a 2- to 4-digit division, group or class, "
            "or the letter followed by the digits (C, 38, C38, C3811)"
        )
    letter, digits = match.groups()
    if letter is not None and letter not in _SECTION_DIVISIONS:
        raise InvalidIndustryCode(f"section {letter} does not exist in GB/T 4754-2017 (A-T)")
    if digits is None:
        return letter
    section = section_of_division(int(digits[:2]))
    if section is None:
        raise InvalidIndustryCode(f"division {digits[:2]} does not exist in GB/T 4754-2017")
    if letter is not None and letter != section:
        raise InvalidIndustryCode(
            f"division {digits[:2]} belongs to section {section}, not {letter}"
        )
    return section + digits


def industry_problem(code: str) -> str | None:
    """Why code is not a GB/T 4754-2017 section, division, group or class; None when it is."""
    try:
        normal_industry_code(code)
    except InvalidIndustryCode as problem:
        return str(problem)
    return None


def region_problem(code: str) -> str | None:
    """Why code is not a GB/T 2260 county-level code; None when it is."""
    if not _REGION_CODE.fullmatch(code):
        return "must be a 6-digit GB/T 2260 administrative division code"
    if code[:2] not in _PROVINCES:
        return f"{code[:2]} is not a GB/T 2260 province code"
    return None


def region_prefix_problem(prefix: str) -> str | None:
    """Why prefix is not a province (2 digits), city (4) or county (6) the registry knows; None
    when it is one."""
    if not re.fullmatch(r"[0-9]{2}|[0-9]{4}|[0-9]{6}", prefix):
        return "must be a region code of 2, 4 or 6 digits (province, city or county)"
    if len(prefix) == 2:
        return None if prefix in _PROVINCES else f"{prefix} is not a GB/T 2260 province code"
    if not any(code.startswith(prefix) for code in regions()):
        return f"{prefix} is not a region the registry knows (GB/T 2260)"
    return None
