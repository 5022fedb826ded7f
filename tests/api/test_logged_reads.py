"""A read whose only write is its query-log entry (a bank's read of a file) holds up no writer
while it reads: on SQLite it takes the write lock for its entry alone, so that a firm registered
meanwhile is not kept waiting, and the entry is still written. A check opens no such session: its
rows are read and its entry written each on its own, the entry committed at once."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from credit.auth.caller import Caller
from credit.models import Enterprise, QueryLogEntry
from credit.services import checks, lookup
from credit.services.query_log import log_queries
from tests.conftest import committed_database
from tests.factories import code, fine, register

BANK = Caller(username="bank-9", role="bank")


@pytest.fixture
def impatient(tmp_path):
    """A committed database whose writers give up after a fifth of a second."""
    with committed_database(tmp_path, sqlite_busy_timeout_ms=200) as database:
        yield database


def test_a_logged_read_lets_others_write_until_it_writes_its_entry(impatient):
    register(impatient, 1)
    with impatient.session(write=False, logged=True) as check:
        firm = lookup.get_enterprise(check, code(1))  # the check has read
        register(impatient, 2)  # another writer, not kept waiting by it
        log_queries(check, BANK, "lending_check", [firm], purpose="授信审批")
        check.commit()
    with impatient.reading() as session:
        assert session.scalar(select(func.count()).select_from(Enterprise)) == 2
        logged = session.scalars(select(QueryLogEntry.uscc)).all()
    assert logged == [code(1)]


def test_a_logged_read_reads_its_own_entry_back(impatient):
    register(impatient, 1)
    with impatient.session(write=False, logged=True) as check:
        firm = lookup.get_enterprise(check, code(1))
        log_queries(check, BANK, "lending_check", [firm], purpose="授信审批")
        assert check.scalar(select(func.count()).select_from(QueryLogEntry)) == 1
        check.rollback()
    with impatient.reading() as session:
        assert session.scalar(select(func.count()).select_from(QueryLogEntry)) == 0


def test_a_check_logs_on_its_own_and_answers_from_rows_without_a_transaction(impatient):
    register(impatient, 1)
    register(impatient, 2)
    with impatient.session(write=False) as session:
        answer = checks.lending_check(
            session, BANK, [code(1), code(2), code(3)], "授信审批", statements=impatient.lookups()
        )
        # Neither firm holds anything beyond its state row: the session was never used.
        answered_from_rows = not session.in_transaction()
        session.rollback()  # whatever becomes of the session, the entries stand
    assert [result["found"] for result in answer["results"]] == [True, True, False]
    assert answered_from_rows
    with impatient.reading() as session:
        logged = session.scalars(select(QueryLogEntry.uscc).order_by(QueryLogEntry.uscc)).all()
    assert logged == [code(1), code(2)]


def test_a_check_of_a_firm_with_records_reads_its_evidence_and_logs_it_once(impatient):
    register(impatient, 1)
    fine(impatient, 1, "镇市监罚〔2026〕7号")
    with impatient.session(write=False) as session:
        answer = checks.lending_check(
            session, BANK, [code(1)], "授信审批", statements=impatient.lookups()
        )
        read_evidence = session.in_transaction()
    (result,) = answer["results"]
    assert read_evidence and result["violations_36m"] == 1
    with impatient.reading() as session:
        logged = session.scalars(select(QueryLogEntry.uscc)).all()
    assert logged == [code(1)]
