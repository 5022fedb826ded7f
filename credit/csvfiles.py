"""CSV files the registry writes: UTF-8 with a BOM, and no cell a spreadsheet would run as a formula."""

from __future__ import annotations

import csv
import decimal
import io
from collections.abc import Iterable, Sequence

# Excel reads a CSV file as the system's legacy code page unless it starts with a BOM, which
# turns every Chinese name into mojibake.
BOM = "\ufeff"
# OWASP's CSV injection rule: a spreadsheet runs a cell starting with any of these as a formula
# (=HYPERLINK(...) leaks other cells, =cmd|... starts programs), so such text is written behind
# a single quote, which the spreadsheet shows as plain text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value) -> object:
    """The value as it may stand in a cell: None as empty, text that would start a formula quoted.

    A number the registry computed (int, Decimal, float) is written as it is, -3 included: it
    never comes from what a user typed, and a spreadsheet reads it as a number, not a formula.
    The same characters in text (a name, a code, "-3" as a string) are quoted.
    """
    if value is None:
        return ""
    if isinstance(value, (int, float, decimal.Decimal)) and not isinstance(value, bool):
        return value
    text = str(value)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def write(header: Sequence[str], rows: Iterable[Sequence]) -> str:
    """The whole file: the BOM, the header, then each row with every cell made safe."""
    out = io.StringIO()
    out.write(BOM)
    writer = csv.writer(out)
    writer.writerow([safe_cell(name) for name in header])
    for row in rows:
        writer.writerow([safe_cell(value) for value in row])
    return out.getvalue()
