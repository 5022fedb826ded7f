"""Bulk imports: a file's rows validated in full, checked against the register, then written
set-based, idempotent by (supplier, kind, source_id).

The row schemas are the API's; the interface that calls this hands them over as a `RowFormat`,
so that a spreadsheet row and a JSON body are refused for the same reasons.
"""

from __future__ import annotations

import datetime
import decimal
import re
import tempfile
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import select, tuple_, update
from sqlalchemy.orm import Session

from credit import canonical, catalog, chain
from credit.auth.caller import Caller, require_role
from credit.clock import utcnow
from credit.db import insert_rows
from credit.errors import CreditError, Forbidden, InvalidInput, NotFound
from credit.models import Correction, Enterprise, ImportBatch, ImportedRow
from credit.services.enterprises import NewEnterprise, register_many
from credit.services.exchange.columns import COLUMNS, IMPORT_KINDS, Column, by_heading
from credit.services.exchange.files import FileProblem, Table, read_table
from credit.services.exchange.spill import RowSpill
from credit.services.records import IDENTITY, MODELS, add_many, source_of

# Rows looked up in one statement: well under every engine's limit on bound parameters.
LOOKUP_CHUNK = 900
# Excel counts a 29 February 1900 that never was: from serial 61 (1900-03-01) on, a serial is
# this many days after 1899-12-30.
EXCEL_EPOCH = datetime.date(1899, 12, 30)
LAST_EXCEL_SERIAL = 2958465  # 9999-12-31
LIST_SEPARATORS = re.compile(r"[;；、\n]")
TEXT_DATE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")
FORMULA_STARTS = ("=",)


class ImportTooLarge(CreditError):
    status, title = 413, "Payload too large"


class RowFormat(Protocol):
    """A kind's row schema: the fields it requires, and a row's values validated or refused."""

    required: frozenset[str]

    def validate(self, values: dict[str, Any]) -> tuple[dict | None, dict[str, list[str]]]: ...


@dataclass(frozen=True)
class RowError:
    row: int | None
    column: str | None
    message: str

    def as_dict(self) -> dict:
        return {"row": self.row, "column": self.column, "message": self.message}


@dataclass
class ValidRow:
    row: int
    source_id: str
    uscc: str
    fields: dict[str, Any]
    digest: str
    enterprise_id: int | None = None

    def __reduce__(self):
        # Pickled as its values alone while a large import keeps it on disk: smaller and
        # quicker than a dataclass's state.
        return (
            ValidRow,
            (self.row, self.source_id, self.uscc, self.fields, self.digest, self.enterprise_id),
        )


@dataclass
class Checked:
    """A file read and validated: its data rows, the valid ones, and every error found."""

    kind: str
    file_format: str
    rows: int = 0
    valid: list[ValidRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    headings: dict[str, str] = field(default_factory=dict)  # field → the file's heading


@dataclass
class Plan:
    """What writing checked rows would do: the new rows, and how many were there already."""

    new: list[ValidRow] = field(default_factory=list)
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)


def data_kind(kind: str) -> str:
    if kind not in IMPORT_KINDS:
        raise InvalidInput.field("kind", f"must be one of: {', '.join(IMPORT_KINDS)}")
    return IMPORT_KINDS[kind]


def authorize(caller: Caller, kind: str, region: str | None) -> str:
    """The region prefix an import of this kind by this caller covers, or Forbidden: decided
    before the file is read. A regulator imports for its region; an agency only the kinds it
    supplies, in its region."""
    require_role(caller, "regulator", "agency")
    written = data_kind(kind)
    if caller.role == "agency" and written not in caller.kinds:
        supplied = ", ".join(caller.kinds) or "nothing"
        raise Forbidden(f"Your agency supplies {supplied}, not {kind}.")
    region = region or caller.region or ""
    if not caller.region or not region.startswith(caller.region):
        raise Forbidden(f"Your region {caller.region} does not cover region {region}.")
    return region


def supplier_of(caller: Caller) -> str:
    """Whose row ids a caller's rows carry: an agency's own, or the regulator's of its region."""
    if caller.role == "agency":
        return caller.agency or caller.username
    return f"regulator:{caller.region}"


# Reading and validating ------------------------------------------------------------------


def read_rows(
    kind: str,
    data: bytes,
    filename: str,
    row_format: RowFormat,
    *,
    max_rows: int | None = None,
    on_row: Callable[[int], None] | None = None,
    on_valid: Callable[[ValidRow], None] | None = None,
) -> Checked:
    """Every row of the file validated with the kind's schema; all errors, none written. The
    valid rows go to `on_valid` when given, else into the result."""
    written = data_kind(kind)
    try:
        table = read_table(data, filename)
    except FileProblem as problem:
        checked = Checked(written, _format_name(filename))
        checked.errors.append(RowError(None, None, str(problem)))
        return checked
    checked = Checked(written, table.file_format)
    try:
        _validate_table(checked, table, row_format, max_rows, on_row, on_valid)
    except FileProblem as problem:
        checked.errors.append(RowError(None, None, str(problem)))
    return checked


def _format_name(filename: str) -> str:
    return filename.rsplit(".", 1)[-1].lower()[:8] if "." in filename else "unknown"


def _validate_table(checked, table: Table, row_format, max_rows, on_row, on_valid) -> None:
    kind = checked.kind
    keep = on_valid or checked.valid.append
    headings = by_heading(kind)
    positions: list[Column | None] = []
    if table.header is not None:
        positions = _read_header(checked, table.header, headings, row_format)
        if checked.errors:
            # Rows read under a wrong header would only repeat its errors: they are counted.
            checked.rows = sum(1 for _, cells in table.rows if not _blank(cells))
            return
    seen: dict[str, int] = {}
    for number, cells in table.rows:
        if _blank(cells):
            continue
        checked.rows += 1
        if max_rows is not None and checked.rows > max_rows:
            raise ImportTooLarge(
                f"The file has more than {max_rows:,} rows; an upload takes up to {max_rows:,}. "
                "Split it, or import it with `credit import` on the registry's server."
            )
        if on_row:
            on_row(checked.rows)
        if table.header is None:
            values, problems = _object_values(kind, number, cells, headings, checked)
        else:
            values, problems = _cell_values(number, cells, positions, table, checked)
        # The schema still judges the other cells of a row with a bad cell: every error at once.
        data, field_errors = row_format.validate(values)
        reported = {problem.column for problem in problems}
        problems.extend(
            RowError(number, checked.headings.get(name.split(".")[0]), message)
            for name, messages in field_errors.items()
            if checked.headings.get(name.split(".")[0]) not in reported
            for message in messages
        )
        if problems:
            checked.errors.extend(sorted(problems, key=lambda p: _column_order(p, positions)))
            continue
        source_id = data.pop("source_id")
        if source_id in seen:
            checked.errors.append(
                RowError(
                    number,
                    checked.headings.get("source_id"),
                    f"来源编号“{source_id}”与第 {seen[source_id]} 行重复；同一文件中每行的来源编号应唯一。",
                )
            )
            continue
        seen[source_id] = number
        uscc = data.pop("uscc")
        keep(ValidRow(number, source_id, uscc, data, canonical.digest([kind, uscc, data])))


def _column_order(problem: RowError, positions: list[Column | None]) -> int:
    """Errors of a row in the order of its columns, left to right."""
    for index, column in enumerate(positions):
        if column is not None and problem.column in (column.field, column.label):
            return index
    return len(positions)


def _read_header(checked, header, headings, row_format) -> list[Column | None]:
    positions: list[Column | None] = []
    english = sum(1 for h in header if h in {c.field for c in COLUMNS[checked.kind]})
    for heading in header:
        column = headings.get(heading) or headings.get(heading.lower())
        if not heading:
            positions.append(None)
            continue
        if column is None:
            known = "、".join(c.label for c in COLUMNS[checked.kind])
            checked.errors.append(
                RowError(1, heading, f"未知的列“{heading}”。可用的列：{known}（或其英文字段名）。")
            )
            positions.append(None)
            continue
        if column.field in checked.headings:
            checked.errors.append(
                RowError(
                    1, heading, f"列“{heading}”重复：与“{checked.headings[column.field]}”是同一列。"
                )
            )
            positions.append(None)
            continue
        checked.headings[column.field] = heading
        positions.append(column)
    for column in COLUMNS[checked.kind]:
        if column.field in row_format.required and column.field not in checked.headings:
            name = column.field if english > len(header) / 2 else column.label
            checked.errors.append(
                RowError(1, name, f"缺少必填列“{column.label}”（{column.field}）。")
            )
    return positions


def _blank(cells) -> bool:
    values = cells.values() if isinstance(cells, dict) else cells
    return all(v is None or (isinstance(v, str) and not v.strip()) for v in values)


def _cell_values(number, cells, positions, table, checked):
    values: dict[str, Any] = {}
    problems: list[RowError] = []
    for index, raw in enumerate(cells):
        column = positions[index] if index < len(positions) else None
        empty = raw is None or (isinstance(raw, str) and not raw.strip())
        if index >= len(positions):
            if not empty:
                problems.append(
                    RowError(
                        number,
                        f"第 {index + 1} 列",
                        f"这一行有 {len(cells)} 个单元格，比表头的 {len(positions)} 列多；"
                        f"第 {index + 1} 列没有表头。",
                    )
                )
                break
            continue
        if column is None:
            if not empty and not table.header[index]:
                problems.append(
                    RowError(number, f"第 {index + 1} 列", "这一列没有表头，却填了值。")
                )
            continue
        heading = checked.headings[column.field]
        formula = table.formulas.get((number, index))
        if formula is not None:
            problems.append(
                RowError(number, heading, f"单元格是公式（{formula[:40]}）；请粘贴为数值后再导入。")
            )
            continue
        try:
            value = read_cell(column, raw, table.file_format)
        except ValueError as problem:
            problems.append(RowError(number, heading, str(problem)))
            continue
        if value is not None:
            values[column.field] = value
    return values, problems


def _object_values(kind, number, cells: dict, headings, checked):
    values: dict[str, Any] = {}
    problems: list[RowError] = []
    for key, raw in cells.items():
        column = headings.get(key) or headings.get(str(key).lower())
        if column is None:
            problems.append(RowError(number, key, f"未知的字段“{key}”。"))
            continue
        checked.headings.setdefault(column.field, key)
        if column.cell == "list" and isinstance(raw, list):
            values[column.field] = raw
            continue
        try:
            value = read_cell(column, raw, "jsonl")
        except ValueError as problem:
            problems.append(RowError(number, key, str(problem)))
            continue
        if value is not None:
            values[column.field] = value
    return values, problems


def read_cell(column: Column, raw: Any, file_format: str) -> Any:
    """A cell as the API would receive the value: text trimmed, codes in half-width characters,
    dates as YYYY-MM-DD, lists split, a choice's Chinese label as its code. None when empty.
    ValueError says in Chinese what is wrong with the cell."""
    if raw is None:
        return None
    if isinstance(raw, str):
        text = raw.strip()
        if not text:
            return None
        if text.startswith(FORMULA_STARTS):
            raise ValueError(f"单元格以“=”开头，像是公式（{text[:40]}）；导入只接受值。")
        if text.startswith("'") and text[1:2] in ("=", "+", "-", "@"):
            text = text[1:]  # the registry's own exports quote such text this way
        raw = text
    if column.cell == "date":
        return _date_cell(raw, file_format)
    if isinstance(raw, bool):
        raise ValueError("应为文字或数字，而不是逻辑值（TRUE/FALSE）。")
    if isinstance(raw, float) and raw.is_integer() and column.cell != "money":
        raw = int(raw)
    if isinstance(raw, (datetime.date, datetime.time)):
        raise ValueError("这里应为文字，而不是日期或时间。")
    if column.cell == "money":
        if isinstance(raw, (int, float)):
            return str(decimal.Decimal(repr(raw)))
        return raw.replace(",", "").replace("，", "")
    if not isinstance(raw, str):
        raw = str(raw) if isinstance(raw, (int, float)) else raw
    if column.cell == "code" and isinstance(raw, str):
        # Full-width digits and letters (９１３２…) are the same code typed on a Chinese keyboard.
        return unicodedata.normalize("NFKC", raw).strip()
    if column.cell == "choice" and isinstance(raw, str):
        return column.choice_codes().get(raw, raw)
    if column.cell == "list" and isinstance(raw, str):
        return [item.strip() for item in LIST_SEPARATORS.split(raw) if item.strip()]
    return raw


def _date_cell(raw: Any, file_format: str) -> str:
    if isinstance(raw, datetime.datetime):
        if raw.time() != datetime.time(0):
            raise ValueError(f"应为日期，而不是日期时间（{raw.isoformat(sep=' ')}）。")
        return raw.date().isoformat()
    if isinstance(raw, datetime.date):
        return raw.isoformat()
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        # A workbook cell holding a date that lost its date format shows its serial number.
        if file_format == "xlsx" and float(raw).is_integer() and 61 <= raw <= LAST_EXCEL_SERIAL:
            return (EXCEL_EPOCH + datetime.timedelta(days=int(raw))).isoformat()
        raise ValueError(f"“{raw}”不是日期；请写作 YYYY-MM-DD（如 2026-03-01）。")
    text = unicodedata.normalize("NFKC", str(raw)).strip()
    match = TEXT_DATE.fullmatch(text)
    if match:
        year, month, day = (int(part) for part in match.groups())
        try:
            return datetime.date(year, month, day).isoformat()
        except ValueError:
            raise ValueError(f"“{text}”不是存在的日期。") from None
    if text.isdigit() and 4 <= len(text) <= 7:
        raise ValueError(
            f"“{text}”像是 Excel 的日期序号，文本文件中无法确定其日期；"
            "请把该列设为日期格式，或写作 YYYY-MM-DD（如 2026-03-01）。"
        )
    return text  # the schema says what is wrong with it


# Checking against the register -------------------------------------------------------------


@dataclass
class Seen:
    """What the rows checked so far hold that a later row may repeat: the firms registered
    (an import of firms) and the source documents (of records), with the first row of each."""

    firms: dict[str, int] = field(default_factory=dict)
    documents: dict[tuple, int] = field(default_factory=dict)


def check_register(
    session: Session,
    caller: Caller,
    checked: Checked,
    region: str,
    *,
    supplier: str,
    rows: Sequence[ValidRow] | None = None,
    seen: Seen | None = None,
) -> Plan:
    """Which valid rows are new, which were imported before (unchanged), and which cannot be
    written (firm unknown or outside the region, source_id reused, document already recorded).

    A file checked part by part passes each part's `rows` and the same `seen`."""
    plan = Plan()
    kind = checked.kind
    heading = checked.headings.get
    rows = checked.valid if rows is None else rows
    seen = Seen() if seen is None else seen
    previous = _imported(session, supplier, kind, [row.source_id for row in rows])
    fresh: list[ValidRow] = []
    for row in rows:
        stored = previous.get(row.source_id)
        if stored is None:
            fresh.append(row)
        elif stored == row.digest:
            plan.unchanged += 1
        else:
            plan.errors.append(
                RowError(
                    row.row,
                    heading("source_id"),
                    f"来源编号“{row.source_id}”已导入过，但内容不同；"
                    "记录不能被覆盖，请先撤回原记录，再以新的来源编号导入。",
                )
            )
    firms = _firms(session, [row.uscc for row in fresh])
    for row in fresh:
        firm = firms.get(row.uscc)
        if kind == "enterprise":
            region_code = row.fields.get("region_code") or row.uscc[2:8]
            if firm is not None:
                plan.errors.append(RowError(row.row, heading("uscc"), f"企业 {row.uscc} 已登记。"))
                continue
        elif firm is None:
            plan.errors.append(
                RowError(
                    row.row, heading("uscc"), f"企业 {row.uscc} 未登记；请先导入或登记该企业。"
                )
            )
            continue
        else:
            row.enterprise_id, region_code = firm
        if not (caller.may_write(kind, region_code) and region_code.startswith(region)):
            plan.errors.append(
                RowError(
                    row.row,
                    heading("region_code") if kind == "enterprise" else heading("uscc"),
                    f"企业所在地区 {region_code} 不在本次导入的地区 {region} 内。",
                )
            )
            continue
        if kind != "enterprise":
            try:
                row.fields["source_agency"] = source_of(caller, row.fields.get("source_agency"))
            except InvalidInput:
                plan.errors.append(
                    RowError(
                        row.row,
                        heading("source_agency"),
                        f"来源机构只能是本机构（{caller.agency}）。",
                    )
                )
                continue
        plan.new.append(row)
    if kind == "enterprise":
        _refuse_repeated_firms(plan, heading, seen.firms)
    else:
        _refuse_recorded_documents(session, kind, plan, heading, seen.documents)
    return plan


def _imported(session, supplier: str, kind: str, source_ids: list[str]) -> dict[str, str]:
    found: dict[str, str] = {}
    for chunk in _chunks(source_ids):
        found.update(
            session.execute(
                select(ImportedRow.source_id, ImportedRow.digest).where(
                    ImportedRow.supplier == supplier,
                    ImportedRow.kind == kind,
                    ImportedRow.source_id.in_(chunk),
                )
            ).all()
        )
    return found


def _firms(session, usccs: list[str]) -> dict[str, tuple[int, str]]:
    found: dict[str, tuple[int, str]] = {}
    for chunk in _chunks(sorted(set(usccs))):
        for uscc, firm_id, region_code in session.execute(
            select(Enterprise.uscc, Enterprise.id, Enterprise.region_code).where(
                Enterprise.uscc.in_(chunk)
            )
        ):
            found[uscc] = (firm_id, region_code)
    return found


def _chunks(values: Sequence, size: int = LOOKUP_CHUNK) -> Iterator[Sequence]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _refuse_repeated_firms(plan: Plan, heading, first: dict[str, int]) -> None:
    kept = []
    for row in plan.new:
        if row.uscc in first:
            plan.errors.append(
                RowError(
                    row.row, heading("uscc"), f"企业 {row.uscc} 与第 {first[row.uscc]} 行重复。"
                )
            )
            continue
        first[row.uscc] = row.row
        kept.append(row)
    plan.new = kept


def _refuse_recorded_documents(
    session, kind: str, plan: Plan, heading, first: dict[tuple, int]
) -> None:
    """The same source document twice is a duplicate, in the file or in the register, as when
    records are added one by one."""
    identity = IDENTITY[kind]
    model = MODELS[kind]
    keyed = [
        (tuple(row.fields.get(name) for name in identity), row)
        for row in plan.new
        if all(row.fields.get(name) is not None for name in identity)
    ]
    recorded: dict[tuple, int] = {}
    last = identity[-1]
    columns = [getattr(model, name) for name in identity]
    # Looked up by the whole identity, so that the index on it (issuer and number, authority and
    # decision number) finds each one.
    keys = sorted({key for key, _ in keyed})
    for chunk in _chunks(keys, LOOKUP_CHUNK // len(identity)):
        matches = (
            columns[0].in_([key[0] for key in chunk])
            if len(columns) == 1
            else tuple_(*columns).in_(chunk)
        )
        candidates = session.execute(select(model.id, *columns).where(matches)).all()
        if not candidates:
            continue
        rescinded = set(
            session.scalars(
                select(Correction.record_id).where(
                    Correction.record_id.in_([c[0] for c in candidates]),
                    Correction.action == "rescind",
                )
            )
        )
        for record_id, *values in candidates:
            if record_id not in rescinded:
                recorded.setdefault(tuple(values), record_id)
    labels = {c.field: c.label for c in COLUMNS[kind]}
    refused = set()
    what = catalog.RECORD_KINDS[kind].label_zh
    for key, row in keyed:
        described = "、".join(labels.get(_field_of(n), n) for n in identity)
        document = " ".join(map(str, key))
        if key in recorded:
            plan.errors.append(
                RowError(
                    row.row,
                    heading(_field_of(last)),
                    f"{described}为“{document}”的{what}已记录（记录 {recorded[key]}）。",
                )
            )
            refused.add(id(row))
        elif key in first:
            plan.errors.append(
                RowError(
                    row.row,
                    heading(_field_of(last)),
                    f"{described}为“{document}”的{what}与第 {first[key]} 行重复。",
                )
            )
            refused.add(id(row))
        else:
            first[key] = row.row
    plan.new = [row for row in plan.new if id(row) not in refused]


def _field_of(attribute: str) -> str:
    return {"award_kind": "kind", "fine_fen": "fine_amount"}.get(attribute, attribute)


# Writing ------------------------------------------------------------------------------------


def write_rows(
    session: Session,
    actor: str,
    kind: str,
    rows: Sequence[ValidRow],
    *,
    supplier: str,
    import_id: int | None,
) -> int:
    """Writes new rows set-based: the firms or records, their events, each touched firm
    regraded once, and the supplier's row ids, all in the caller's transaction."""
    if not rows:
        return 0
    chain.lock_chain(session)
    if kind == "enterprise":
        targets = register_many(
            session,
            [NewEnterprise(uscc=row.uscc, **row.fields) for row in rows],
            actor=actor,
        )
    else:
        targets = add_many(
            session,
            actor,
            [(row.enterprise_id, row.uscc, kind, row.fields) for row in rows],
        )
    insert_rows(
        session,
        ImportedRow.__table__,
        [
            {
                "supplier": supplier,
                "kind": kind,
                "source_id": row.source_id,
                "digest": row.digest,
                "target_id": target,
                "import_id": import_id,
            }
            for row, target in zip(rows, targets, strict=True)
        ],
    )
    return len(rows)


# One upload -----------------------------------------------------------------------------------


def import_upload(
    session: Session,
    caller: Caller,
    kind: str,
    filename: str,
    data: bytes,
    row_format: RowFormat,
    *,
    region: str,
    dry_run: bool,
    max_rows: int,
) -> ImportBatch:
    """An uploaded file, all or nothing in the caller's transaction: rejected with every error,
    validated (a dry run), or applied. The batch is stored whatever became of it."""
    supplier = supplier_of(caller)
    checked = read_rows(kind, data, filename, row_format, max_rows=max_rows)
    # Writers queue here, after the file is read and before the register is checked, so that
    # two uploads of the same rows cannot both find them new.
    chain.lock_chain(session)
    plan = Plan()
    if not checked.errors:
        plan = check_register(session, caller, checked, region, supplier=supplier)
    errors = sorted(checked.errors + plan.errors, key=_error_order)
    batch = new_batch(session, caller, checked, filename, region=region, dry_run=dry_run)
    batch.rows = checked.rows
    batch.unchanged = plan.unchanged
    if errors:
        batch.state, batch.errors = "rejected", [e.as_dict() for e in errors]
    elif dry_run:
        batch.state, batch.created = "validated", len(plan.new)
    else:
        batch.created = write_rows(
            session, caller.username, checked.kind, plan.new, supplier=supplier, import_id=batch.id
        )
        batch.state = "applied"
    batch.finished_at = utcnow()
    session.flush()
    return batch


def _error_order(error: RowError) -> int:
    # A stable sort: each row's errors stay in the order of its columns.
    return error.row or 0


def new_batch(session, caller, checked: Checked, filename: str, *, region, dry_run) -> ImportBatch:
    batch = ImportBatch(
        kind=checked.kind,
        state="applying",
        dry_run=dry_run,
        actor=caller.username,
        supplier=supplier_of(caller),
        region=region,
        filename=filename[:255],
        file_format=checked.file_format,
        rows=checked.rows,
        created=0,
        unchanged=0,
        errors=[],
    )
    session.add(batch)
    session.flush()
    return batch


def record_progress(session: Session, batch_id: int, **values) -> None:
    session.execute(update(ImportBatch).where(ImportBatch.id == batch_id).values(**values))


def get_batch(session: Session, caller: Caller, batch_id: int) -> ImportBatch:
    """An import as its sender or a regulator of its region sees it; to anyone else it is 404."""
    require_role(caller, "regulator", "agency")
    batch = session.get(ImportBatch, batch_id) if 0 < batch_id < 2**31 else None
    if batch is None or not _may_see(caller, batch):
        raise NotFound(f"No import {batch_id}.")
    return batch


def _may_see(caller: Caller, batch: ImportBatch) -> bool:
    if caller.role == "agency":
        return batch.supplier == supplier_of(caller)
    return bool(caller.region) and batch.region.startswith(caller.region)


def describe(batch: ImportBatch) -> dict:
    """An import as the API answers it."""
    kind = next(name for name, written in IMPORT_KINDS.items() if written == batch.kind)
    return {
        "id": batch.id,
        "kind": kind,
        "state": batch.state,
        "dry_run": batch.dry_run,
        "rows": batch.rows,
        "created": batch.created,
        "unchanged": batch.unchanged,
        "errors": batch.errors,
        "filename": batch.filename,
        "region": batch.region,
        "created_at": batch.created_at,
        "finished_at": batch.finished_at,
    }


# A file of any size, from the command line -------------------------------------------------


def import_in_chunks(
    database,
    caller: Caller,
    kind: str,
    filename: str,
    data: bytes,
    row_format: RowFormat,
    *,
    region: str,
    dry_run: bool,
    chunk_size: int,
    on_validated: Callable[[int], None] | None = None,
    on_written: Callable[[int], None] | None = None,
) -> dict:
    """A file of any size: validated in full first, then written in chunks of about
    `chunk_size` rows, each its own transaction (each firm's rows in one chunk). Killed half-way
    and run again, it writes the rows not yet written and counts the others unchanged.

    The valid rows wait in a temporary file, not in memory, between reading and writing."""
    supplier = supplier_of(caller)
    with (
        tempfile.TemporaryDirectory(prefix="credit-import-") as folder,
        RowSpill(Path(folder)) as spill,
    ):
        checked = read_rows(
            kind, data, filename, row_format, on_row=on_validated, on_valid=spill.add
        )
        plan, new = Plan(), 0
        if not checked.errors:
            seen = Seen()
            for rows in spill.in_file_order():
                with database.reading() as session:
                    part = check_register(
                        session, caller, checked, region, supplier=supplier, rows=rows, seen=seen
                    )
                plan.unchanged += part.unchanged
                plan.errors += part.errors
                spill.keep_new(part.new)
                new += len(part.new)
        errors = sorted(checked.errors + plan.errors, key=_error_order)
        with database.writing() as session:
            batch = new_batch(session, caller, checked, filename, region=region, dry_run=dry_run)
            batch.unchanged = plan.unchanged
            if errors:
                batch.state, batch.errors = "rejected", [e.as_dict() for e in errors]
            elif dry_run:
                batch.state, batch.created = "validated", new
            if batch.state != "applying":
                batch.finished_at = utcnow()
            session.flush()
            batch_id, report = batch.id, describe(batch)
        if report["state"] != "applying":
            return report
        created = 0
        for rows in spill.new_by_firm(chunk_size):
            with database.writing() as session:
                # Another run of the same file may have written some of these meanwhile.
                done = _imported(session, supplier, checked.kind, [row.source_id for row in rows])
                todo = [row for row in rows if row.source_id not in done]
                created += write_rows(
                    session,
                    caller.username,
                    checked.kind,
                    todo,
                    supplier=supplier,
                    import_id=batch_id,
                )
                record_progress(session, batch_id, created=created)
            if on_written:
                on_written(len(rows))
    with database.writing() as session:
        record_progress(
            session,
            batch_id,
            state="applied",
            created=created,
            unchanged=plan.unchanged + new - created,
            finished_at=utcnow(),
        )
        return describe(session.get(ImportBatch, batch_id))
