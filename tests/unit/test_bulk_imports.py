"""Bulk imports write what the same rows written one by one would have left: the same records,
state rows, grades and record events; set-based, in a number of statements that does not grow
with the rows."""

from __future__ import annotations

import datetime
import json

import time_machine
from sqlalchemy import select

from credit import clock, dbschema
from credit.auth.caller import Caller
from credit.config import Settings
from credit.db import Database
from credit.models import Assessment, AuditEvent, EnterpriseState, Inspection, Record, Violation
from credit.services import audit
from credit.services.enterprises import NewEnterprise, register_many
from credit.services.exchange import imports
from credit.services.records import add_record
from credit.uscc import with_check_character
from schemas.imports import row_format
from tests.conftest import fresh_database_url

OFFICER = Caller("officer", "regulator", region="3211")
FIRMS = [with_check_character(f"91321102{n:08d}0") for n in range(1, 5)]
INSPECTIONS = [
    # firm, level, product, sampled_on, result, failed items
    (0, "national", "电线电缆", "2026-03-01", "pass", ""),
    (0, "provincial", "电线电缆", "2026-04-01", "pass", ""),
    (1, "provincial", "陶瓷砖", "2026-01-10", "fail", "吸水率"),
    (1, "municipal", "陶瓷砖", "2026-02-10", "fail", "破坏强度"),
    (1, "municipal", "陶瓷砖", "2025-02-10", "pass", ""),
    (2, "municipal", "白酒", "2024-12-31", "pass", ""),
    (0, "county", "电线电缆", "2026-05-01", "fail", "导体电阻；绝缘厚度"),
]
VIOLATIONS = [
    (1, "administrative_penalty", "serious", "2026-02-01", "罚1", "250000.00"),
    (3, "complaint", "minor", "2026-05-20", "罚2", ""),
]


def inspections_file() -> bytes:
    lines = ["来源编号,统一社会信用代码,抽查级别,产品名称,抽样日期,检验结论,报告编号,不合格项目"]
    for n, (firm, level, product, day, result, items) in enumerate(INSPECTIONS):
        lines.append(f"I{n},{FIRMS[firm]},{level},{product},{day},{result},R{n},{items}")
    return ("\n".join(lines) + "\n").encode("utf-8")


def violations_file() -> bytes:
    lines = [
        "来源编号,统一社会信用代码,违法类别,严重程度,决定日期,决定机关,决定书文号,罚款金额（元）"
    ]
    for n, (firm, category, severity, day, number, fine) in enumerate(VIOLATIONS):
        lines.append(
            f"V{n},{FIRMS[firm]},{category},{severity},{day},镇江市市场监督管理局,{number},{fine}"
        )
    return ("\n".join(lines) + "\n").encode("utf-8")


def register(database: Database) -> None:
    with database.writing() as session:
        register_many(
            session,
            [NewEnterprise(uscc=code, name=f"镇江比对{n}有限公司") for n, code in enumerate(FIRMS)],
        )


def one_by_one(database: Database) -> None:
    for n, (firm, level, product, day, result, items) in enumerate(INSPECTIONS):
        fields = {
            "level": level,
            "product": product,
            "sampled_on": datetime.date.fromisoformat(day),
            "result": result,
            "report_no": f"R{n}",
            "failed_items": items.split("；") if items else [],
            "product_category": None,
            "testing_institution": None,
        }
        with database.writing() as session:
            add_record(session, OFFICER, FIRMS[firm], "inspection", fields)
    for firm, category, severity, day, number, fine in VIOLATIONS:
        fields = {
            "category": category,
            "severity": severity,
            "decided_on": datetime.date.fromisoformat(day),
            "authority": "镇江市市场监督管理局",
            "decision_no": number,
            "fine_fen": int(float(fine) * 100) if fine else None,
            "legal_basis": None,
            "description": None,
        }
        with database.writing() as session:
            add_record(session, OFFICER, FIRMS[firm], "violation", fields)


def in_bulk(database: Database) -> None:
    for kind, content in (("inspections", inspections_file()), ("violations", violations_file())):
        with database.writing() as session:
            batch = imports.import_upload(
                session,
                OFFICER,
                kind,
                f"{kind}.csv",
                content,
                row_format(kind),
                region="3211",
                dry_run=False,
                max_rows=1000,
            )
            assert (batch.state, batch.errors) == ("applied", [])


def snapshot(database: Database) -> dict:
    """What a reader of the register sees of it, ids of assessments and the order of the chain's
    events aside (writing one by one stores a grade after each row)."""
    with database.reading() as session:

        def rows(model, *leave_out):
            table = model.__table__
            return [
                {k: v for k, v in row._mapping.items() if k not in leave_out}
                for row in session.execute(select(table).order_by(*table.primary_key.columns))
            ]

        newest = {}
        for row in session.execute(select(Assessment.__table__).order_by(Assessment.id)):
            newest[row.enterprise_id] = {k: v for k, v in row._mapping.items() if k != "id"}
        events = session.execute(select(AuditEvent).order_by(AuditEvent.seq)).scalars().all()
        last_grades = {
            e.enterprise_id: {
                k: v for k, v in json.loads(e.payload).items() if k not in PER_ASSESSMENT
            }
            for e in events
            if e.kind == "grade_changed"
        }
        return {
            "records": rows(Record),
            "inspections": rows(Inspection),
            "violations": rows(Violation),
            "states": rows(EnterpriseState, "assessment_id", "updated_at"),
            "grades": newest,
            "record_events": sorted(e.payload for e in events if e.kind == "record_added"),
            "last_grade_events": last_grades,
            "verified": [str(m) for m in audit.verify(session)],
        }


# An assessment's id, and the grade before it, depend on how many were stored before.
PER_ASSESSMENT = ("assessment_id", "assessment_digest", "previous_grade")


def test_a_bulk_import_leaves_what_single_writes_leave(tmp_path, today):
    found = []
    instant = clock.utcnow()
    for write in (one_by_one, in_bulk):
        with fresh_database_url(tmp_path) as url:
            database = Database(
                Settings(instance_dir=tmp_path, database_url=url, log_level="WARNING")
            )
            dbschema.upgrade(database.engine)
            try:
                # A clock that stands still: the rows' timestamps are the same in both runs.
                with time_machine.travel(instant, tick=False):
                    register(database)
                    write(database)
                found.append(snapshot(database))
            finally:
                database.dispose()
    singles, bulk = found
    assert singles["verified"] == bulk["verified"] == []
    assert len(singles["records"]) == len(INSPECTIONS) + len(VIOLATIONS)
    assert {g["grade"] for g in bulk["grades"].values()} != {None}
    for key in singles:
        assert singles[key] == bulk[key], key


def _statements_to_import(database, count_statements, firms: int, start: int) -> int:
    codes = [with_check_character(f"91321102{start + n:08d}0") for n in range(firms)]
    with database.writing() as session:
        register_many(
            session, [NewEnterprise(uscc=c, name=f"镇江批量{c[-6:]}有限公司") for c in codes]
        )
    lines = ["source_id,uscc,level,product,sampled_on,result,report_no"]
    for n, code in enumerate(codes):
        for k in range(2):  # two rows a firm
            lines.append(
                f"C{start}-{n}-{k},{code},provincial,电线,2026-03-0{k + 1},pass,R{start}-{n}-{k}"
            )
    content = ("\n".join(lines) + "\n").encode("utf-8")
    with count_statements(database) as counted, database.writing() as session:
        batch = imports.import_upload(
            session,
            OFFICER,
            "inspections",
            "a.csv",
            content,
            row_format("inspections"),
            region="3211",
            dry_run=False,
            max_rows=100_000,
        )
        assert (batch.state, batch.created) == ("applied", 2 * firms)
    # SQLite's driver reports each row of an executemany; PostgreSQL's batches them.
    writes: dict[str, int] = {}
    others = []
    for sql in counted.statements:
        verb, _, rest = sql.strip().partition(" ")
        if verb.upper() in ("INSERT", "UPDATE"):
            table = rest.split()[1 if verb.upper() == "INSERT" else 0]
            writes[table] = writes.get(table, 0) + 1
        else:
            others.append(sql)
    return len(others), writes


def test_more_rows_take_no_more_statements(database, count_statements):
    few, _ = _statements_to_import(database, count_statements, 5, 10_000)
    many, writes = _statements_to_import(database, count_statements, 200, 20_000)
    # Reads (and the chain's head, the locks) do not grow with the rows: lookups go by chunks
    # of hundreds, and each firm is regraded once, in one pass for all of them.
    assert many == few
    # Writes are one executemany a table: at most one row each per record, firm or event.
    rows, most = 400, {"audit_event": 600, "enterprise_state": 200, "assessment": 200}
    assert all(count <= most.get(table, rows) for table, count in writes.items()), writes
