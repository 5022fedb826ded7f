"""The settings for standbys and pooling: what an operator may write, and what is refused."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from credit import dbschema
from credit.config import Settings
from credit.db import Database
from credit.models import Enterprise
from credit.standbys import wal_position


def test_standby_urls_are_a_comma_separated_list():
    settings = Settings.from_env(
        {
            "CREDIT_DATABASE_REPLICA_URLS": (
                " postgresql+psycopg://r1.example/credit ,,postgresql+psycopg://r2.example/credit"
            )
        }
    )
    assert settings.replica_urls == [
        "postgresql+psycopg://r1.example/credit",
        "postgresql+psycopg://r2.example/credit",
    ]
    assert Settings.from_env({}).replica_urls == []


def test_an_unknown_pooler_is_refused_naming_the_setting():
    with pytest.raises(SystemExit, match="CREDIT_DATABASE_POOLER: 'pgpool' is not one of"):
        Settings.from_env({"CREDIT_DATABASE_POOLER": "pgpool"})
    assert Settings.from_env({"CREDIT_DATABASE_POOLER": "pgbouncer"}).database_pooler == "pgbouncer"


def test_standbys_need_a_postgresql_primary(tmp_path):
    settings = Settings(
        instance_dir=tmp_path,
        database_replica_urls="postgresql+psycopg://standby.example/credit",
    )
    with pytest.raises(ValueError, match="CREDIT_DATABASE_REPLICA_URLS"):
        Database(settings)


def test_without_standbys_there_is_nothing_to_route(tmp_path):
    database = Database(Settings(instance_dir=tmp_path))
    try:
        assert database.standbys is None
        assert database.primary_position() is None
    finally:
        database.dispose()


@pytest.mark.parametrize(
    "lsn, position",
    [
        ("0/0", 0),
        ("0/16B3748", 0x16B3748),
        ("16/B374D848", (0x16 << 32) + 0xB374D848),
        (None, None),
    ],
)
def test_wal_positions_compare_as_numbers(lsn, position):
    assert wal_position(lsn) == position


def test_an_sqlite_index_named_for_a_statement_is_the_one_it_reads(tmp_path):
    database = Database(Settings(instance_dir=tmp_path))
    try:
        dbschema.upgrade(database.engine)
        statement = (
            select(Enterprise.id)
            .with_hint(Enterprise, "INDEXED BY ix_enterprise_uscc_name", "sqlite")
            .where(Enterprise.uscc >= "9132")
            .order_by(Enterprise.name)
        )
        with database.engine.connect() as connection:
            plan = connection.exec_driver_sql(
                "EXPLAIN QUERY PLAN " + str(statement.compile(connection)), ("9132",)
            ).all()
        assert "ix_enterprise_uscc_name" in " ".join(str(row) for row in plan)
    finally:
        database.dispose()
