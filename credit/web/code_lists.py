"""Lists of codes as people bring them to the desk: pasted text with any separators, or the first
column (or the one headed 统一社会信用代码) of a CSV or XLSX file; each entry kept with its row."""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass

from credit import policy
from credit.services.exchange import files
from credit.web.templating import read_uscc

# A pasted list may use any of these between codes; full-width forms become these first (NFKC).
SEPARATORS = re.compile(r"[\s,;|/、，；]+")
# Headers that name the code column, compared without case or spaces.
CODE_HEADERS = frozenset({"统一社会信用代码", "uscc", "社会信用代码", "信用代码"})
# A thousand codes fit in a few dozen KB in any format; much more is not a list of codes.
MAX_FILE_BYTES = 2 * 1024 * 1024
XLSX_SIGNATURE = b"PK\x03\x04"


class UnreadableFile(ValueError):
    """The upload is not a spreadsheet the desk can read; the message says so in Chinese."""


@dataclass(frozen=True)
class Entry:
    """One code as given: where it was (an item of a pasted list, or a spreadsheet row as the
    spreadsheet numbers it), the text, and the code or what is wrong with it."""

    row: int
    text: str
    code: str | None
    problem: str | None


def _entry(row: int, text: str) -> Entry:
    code, problem = read_uscc(text)
    return Entry(row, text, code, problem)


def from_text(text: str) -> list[Entry]:
    """The codes of a pasted list, numbered from 1 in the order given."""
    pieces = [piece for piece in SEPARATORS.split(unicodedata.normalize("NFKC", text)) if piece]
    return [_entry(number, piece) for number, piece in enumerate(pieces, start=1)]


def from_file(filename: str, data: bytes) -> list[Entry]:
    """The codes of a spreadsheet's code column, each with its row number (the header is 1)."""
    if len(data) > MAX_FILE_BYTES:
        raise UnreadableFile(
            f"文件超过 {MAX_FILE_BYTES // (1024 * 1024)} MB，请只上传代码所在的列。"
        )
    if data.startswith(XLSX_SIGNATURE) or filename.lower().endswith((".xlsx", ".xls")):
        rows = _xlsx_rows(data)
    else:
        rows = _csv_rows(data)
    return _column_entries(rows)


def _xlsx_rows(data: bytes) -> list[list[str]]:
    try:
        rows = files.first_sheet(data, max_rows=policy.WATCHLIST_MAX_SIZE)  # the longest list taken
    except files.FileProblem as problem:
        raise UnreadableFile(str(problem)) from None
    return [[_cell_text(value) for value in row] for row in rows]


def _cell_text(value) -> str:
    # A code typed into a cell as a number comes back as a float; digits alone are no code anyway.
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "" if value is None else str(value)


def _csv_rows(data: bytes) -> list[list[str]]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        break
    else:
        raise UnreadableFile("无法识别文件的编码，请另存为 UTF-8 或 GB18030 编码的 CSV 文件。")
    if "\0" in text:
        raise UnreadableFile("该文件不是 CSV 或 Excel 表格，请上传 .csv 或 .xlsx 文件。")
    try:
        sample = text[:4096]
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t|") if sample.strip() else csv.excel
    except csv.Error:
        dialect = csv.excel
    return [list(row) for row in csv.reader(io.StringIO(text), dialect)]


def _column_entries(rows: list[list[str]]) -> list[Entry]:
    """The entries of the column headed as a code column, or else of the first column; a first
    row that holds no digit at all is taken as a header of another name."""
    column, first = 0, 0
    if rows:
        headers = ["".join(str(cell).split()).lower() for cell in rows[0]]
        named = [index for index, header in enumerate(headers) if header in CODE_HEADERS]
        if named:
            column, first = named[0], 1
        elif rows[0] and not any(ch.isdigit() for ch in str(rows[0][0])):
            first = 1
    entries = []
    for number, row in enumerate(rows[first:], start=first + 1):
        text = unicodedata.normalize("NFKC", str(row[column]) if column < len(row) else "").strip()
        if text:
            entries.append(_entry(number, text))
    return entries
