"""How an export's rows become a file: CSV for spreadsheets, JSON Lines, XLSX; each as chunks."""

from __future__ import annotations

import csv
import datetime
import decimal
import io
import json
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence

from credit import csvfiles

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "jsonl": "application/jsonl; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
# Rows gathered into one piece of output: a write per row would dominate a large export.
ROWS_PER_PIECE = 500
FILE_PIECE_BYTES = 256 * 1024
# A list in one spreadsheet cell (failed items, linked violations).
LIST_SEPARATOR = "; "


def pieces(
    fmt: str,
    columns: Sequence[str],
    rows: Iterable[dict],
    *,
    title: str = "data",
    dump: Callable[[dict], dict] | None = None,
) -> Iterator[bytes]:
    """The file in pieces of bytes, read from `rows` as it goes."""
    if fmt == "csv":
        return _csv(columns, rows)
    if fmt == "jsonl":
        return _jsonl(rows, dump)
    return _xlsx(columns, rows, title)


def _cell(value):
    if isinstance(value, (list, tuple)):
        return LIST_SEPARATOR.join(str(item) for item in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    return value


def _csv(columns: Sequence[str], rows: Iterable[dict]) -> Iterator[bytes]:
    out = io.StringIO()
    writer = csv.writer(out)
    out.write(csvfiles.BOM)
    writer.writerow([csvfiles.safe_cell(name) for name in columns])
    waiting = 0
    for row in rows:
        writer.writerow([csvfiles.safe_cell(_cell(row.get(name))) for name in columns])
        waiting += 1
        if waiting >= ROWS_PER_PIECE:
            yield out.getvalue().encode("utf-8")
            out.seek(0)
            out.truncate()
            waiting = 0
    yield out.getvalue().encode("utf-8")


def _plain(value):
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def _jsonl(rows: Iterable[dict], dump: Callable[[dict], dict] | None) -> Iterator[bytes]:
    lines: list[str] = []
    for row in rows:
        body = dump(row) if dump else row
        lines.append(json.dumps(body, ensure_ascii=False, separators=(",", ":"), default=_plain))
        if len(lines) >= ROWS_PER_PIECE:
            yield ("\n".join(lines) + "\n").encode("utf-8")
            lines = []
    if lines:
        yield ("\n".join(lines) + "\n").encode("utf-8")


def _xlsx(columns: Sequence[str], rows: Iterable[dict], title: str) -> Iterator[bytes]:
    """openpyxl's write-only mode keeps rows in a temporary file, not in memory; the finished
    workbook is then sent from its own temporary file."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title)

    def cell(value):
        value = _cell(value)
        if not isinstance(value, str):
            return value
        # Text is stored as text, never as a formula, whatever it starts with.
        written = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("", value))
        written.data_type = "s"
        return written

    sheet.append([cell(name) for name in columns])
    for row in rows:
        sheet.append([cell(row.get(name)) for name in columns])
    handle, path = tempfile.mkstemp(suffix=".xlsx")
    os.close(handle)
    try:
        workbook.save(path)
        with open(path, "rb") as finished:
            while piece := finished.read(FILE_PIECE_BYTES):
                yield piece
    finally:
        os.unlink(path)
