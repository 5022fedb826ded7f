"""Statements run on the driver's own cursor (`DriverQuery`): a list parameter spread into its
marks, every value converted by its column's type both ways, and writes, on either engine."""

from __future__ import annotations

import datetime

import pytest
from sqlalchemy import bindparam, insert, literal, select, text

from credit.db import DriverQuery
from credit.models import Enterprise, QueryLogEntry
from tests.factories import code, register

_FIRM, _LOG = Enterprise.__table__, QueryLogEntry.__table__
BEIJING = datetime.timezone(datetime.timedelta(hours=8))

FIRMS = DriverQuery(
    select(_FIRM.c.id, _FIRM.c.uscc, _FIRM.c.registered_on, literal(True).label("asked"))
    .where(
        _FIRM.c.uscc.in_(bindparam("codes", expanding=True)),
        _FIRM.c.registered_on < bindparam("before"),
    )
    .order_by(_FIRM.c.uscc)
)
LOG = DriverQuery(
    insert(_LOG).from_select(
        ["enterprise_id", "uscc", "at", "actor", "role", "kind", "as_of"],
        select(
            _FIRM.c.id,
            _FIRM.c.uscc,
            bindparam("at", type_=_LOG.c.at.type),
            bindparam("actor", type_=_LOG.c.actor.type),
            bindparam("role", type_=_LOG.c.role.type),
            bindparam("kind", type_=_LOG.c.kind.type),
            bindparam("as_of", type_=_LOG.c.as_of.type),
        ).where(_FIRM.c.id.in_(bindparam("ids", expanding=True))),
    )
)


@pytest.fixture
def firms(database):
    for n in (1, 2, 3):
        register(database, n)
    with database.writing() as session:
        for n, day in ((1, "2020-01-31"), (2, "2024-02-29"), (3, "2026-11-30")):
            firm = session.scalar(select(Enterprise).where(Enterprise.uscc == code(n)))
            firm.registered_on = datetime.date.fromisoformat(day)
    return [code(n) for n in (1, 2, 3)]


def test_a_list_is_spread_into_one_mark_per_item_and_dates_come_back_as_dates(database, firms):
    lookup = database.lookup()
    before = datetime.date(2026, 11, 30)
    rows = FIRMS.all(lookup, codes=firms, before=before)
    assert [(row.uscc, row.registered_on, row.asked) for row in rows] == [
        (code(1), datetime.date(2020, 1, 31), True),
        (code(2), datetime.date(2024, 2, 29), True),
    ]
    # Another length of list, then the first again: each gets its own marks.
    assert [row.uscc for row in FIRMS.all(lookup, codes=[code(2)], before=before)] == [code(2)]
    assert len(FIRMS.all(lookup, codes=[*firms, code(9)], before=before)) == 2
    assert FIRMS.first(lookup, codes=[code(9)], before=before) is None


def test_an_empty_list_is_refused_rather_than_sent(database, firms):
    with pytest.raises(ValueError, match="codes"):
        FIRMS.all(database.lookup(), codes=[], before=datetime.date(2026, 11, 30))


def test_a_write_stores_its_values_as_the_orm_would_and_counts_its_rows(database, firms):
    lookup = database.lookup()
    ids = [row.id for row in FIRMS.all(lookup, codes=firms, before=datetime.date(2030, 1, 1))]
    # In Beijing time: stored, as every timestamp is, in UTC.
    at = datetime.datetime(2026, 12, 1, 7, 59, 59, 999_999, tzinfo=BEIJING)
    given = {"actor": "bank-9", "role": "bank", "kind": "lending_check"}
    written = LOG.run(lookup, ids=ids, at=at, as_of=datetime.date(2026, 11, 30), **given)
    assert written == 3
    with database.writing() as session:
        session.add(
            QueryLogEntry(
                enterprise_id=ids[0],
                uscc=firms[0],
                at=at,
                as_of=datetime.date(2026, 11, 30),
                **given,
            )
        )
    with database.reading() as session:
        stored = session.execute(text("SELECT uscc, at, as_of FROM query_log ORDER BY id")).all()
        read_back = session.scalars(select(QueryLogEntry).order_by(QueryLogEntry.id)).all()
    assert [row.uscc for row in stored] == [*firms, firms[0]]
    # What the database holds is the same text or value whoever wrote it.
    assert len({(row.at, row.as_of) for row in stored}) == 1
    assert {(entry.at, entry.as_of) for entry in read_back} == {(at, datetime.date(2026, 11, 30))}
    assert read_back[0].at.utcoffset() == datetime.timedelta(0)
