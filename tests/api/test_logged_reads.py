"""A read whose only write is its query-log entry (a check, a bank's read of a file) holds up no
writer while it reads: on SQLite it takes the write lock for its entry alone, so that a firm
registered meanwhile is not kept waiting, and the entry is still written."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from credit.auth.caller import Caller
from credit.models import Enterprise, QueryLogEntry
from credit.services import lookup
from credit.services.query_log import log_queries
from tests.conftest import committed_database
from tests.factories import code, register

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
