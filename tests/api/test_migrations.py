"""The Alembic revisions build exactly the tables the models describe, every one of them can be
undone and applied again, and they rewrite stored data as they say, both ways, on both engines."""

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect, select, text
from sqlalchemy.orm import Session

from credit import dbschema
from credit.config import Settings
from credit.db import make_engine
from credit.models import AuditEvent, Base, Enterprise
from credit.services import audit
from credit.services.enterprises import NewEnterprise, register_many
from credit.uscc import with_check_character
from tests.conftest import fresh_database_url


def differences_from_the_models(engine) -> list:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, Base.metadata)


def tables(engine) -> set[str]:
    return set(inspect(engine).get_table_names())


def schema(engine) -> dict:
    """Every table's columns, keys and indexes, as the database reports them."""
    inspector = inspect(engine)
    parts = {
        "columns": (
            inspector.get_multi_columns(),
            lambda c: (c["name"], str(c["type"]), c["nullable"], str(c["default"])),
        ),
        "primary key": (inspector.get_multi_pk_constraint(), None),
        "foreign keys": (
            inspector.get_multi_foreign_keys(),
            lambda f: (
                f["name"],
                tuple(f["constrained_columns"]),
                f["referred_table"],
                tuple(f["referred_columns"]),
                str(f["options"]),
            ),
        ),
        "unique": (
            inspector.get_multi_unique_constraints(),
            lambda u: (u["name"], tuple(u["column_names"])),
        ),
        "indexes": (
            inspector.get_multi_indexes(),
            lambda i: (i["name"], tuple(i["column_names"]), bool(i["unique"])),
        ),
    }
    described = {}
    for part, (reflected, summary) in parts.items():
        for (_, table), items in reflected.items():
            if table != "alembic_version":
                described.setdefault(table, {})[part] = (
                    tuple(items["constrained_columns"])
                    if summary is None
                    else sorted(map(summary, items))
                )
    return described


def revisions_oldest_first(engine) -> list[str]:
    script = ScriptDirectory.from_config(dbschema.alembic_config(engine))
    return [revision.revision for revision in reversed(list(script.walk_revisions()))]


@pytest.fixture
def empty_engine(tmp_path):
    """An engine on an empty database of its own, dropped afterwards."""
    with fresh_database_url(tmp_path) as url:
        engine = make_engine(Settings(instance_dir=tmp_path, database_url=url, log_level="WARNING"))
        yield engine
        engine.dispose()


def test_migrations_match_the_models(engine):
    assert differences_from_the_models(engine) == []


def test_downgrading_to_base_drops_every_table_and_upgrading_builds_them_again(empty_engine):
    dbschema.upgrade(empty_engine)
    dbschema.downgrade(empty_engine, "base")
    assert tables(empty_engine) <= {"alembic_version"}
    assert dbschema.state(empty_engine).revision is None

    dbschema.upgrade(empty_engine)
    assert differences_from_the_models(empty_engine) == []
    assert dbschema.state(empty_engine).at_head


def test_each_downgrade_restores_the_schema_its_revision_started_from(empty_engine):
    built = {}
    for revision in revisions_oldest_first(empty_engine):
        dbschema.upgrade(empty_engine, revision)
        built[revision] = schema(empty_engine)
    for revision in reversed(list(built)[:-1]):
        dbschema.downgrade(empty_engine, "-1")
        assert dbschema.state(empty_engine).revision == revision
        assert schema(empty_engine) == built[revision], f"downgrade to {revision}"
    dbschema.upgrade(empty_engine)
    assert differences_from_the_models(empty_engine) == []


# As the register stored industry codes before they carried their section letter.
STORED_BEFORE = {
    "01": "A01",
    "38": "C38",
    "383": "C383",
    "3831": "C3831",
    "4811": "E4811",
    "C": "C",
    "E": "E",
    None: None,
}


def _codes(engine) -> dict[str, str | None]:
    with engine.connect() as connection:
        return dict(connection.execute(select(Enterprise.uscc, Enterprise.industry_code)).all())


def _mismatches(engine) -> list[str]:
    with engine.connect() as connection, Session(bind=connection) as session:
        return [str(m) for m in audit.verify(session)]


def _register(engine, firms: dict[str, str | None]) -> None:
    """Firms registered through the service, as the register stored them at revision 0010."""
    with engine.begin() as connection, Session(bind=connection) as session:
        register_many(
            session,
            [
                NewEnterprise(
                    uscc=code,
                    name=f"镇江迁移{n}有限公司",
                    region_code="321102",
                    industry_code=industry,
                )
                for n, (code, industry) in enumerate(firms.items())
            ],
            grade=False,
        )  # grading reads state columns of later revisions
        session.flush()


@contextmanager
def engine_at(tmp_path, revision: str) -> Iterator[Engine]:
    with fresh_database_url(tmp_path) as url:
        engine = make_engine(Settings(instance_dir=tmp_path, database_url=url))
        try:
            dbschema.upgrade(engine, revision)
            yield engine
        finally:
            engine.dispose()


def test_industry_codes_gain_their_section_letter_on_upgrade_and_lose_it_on_downgrade(tmp_path):
    with engine_at(tmp_path, "0010") as engine:
        firms = {
            with_check_character(f"91321102{n:08d}0"): old
            for n, old in enumerate(STORED_BEFORE, start=1)
        }
        _register(engine, firms)
        assert _codes(engine) == firms

        dbschema.upgrade(engine)
        upgraded = {code: STORED_BEFORE[old] for code, old in firms.items()}
        assert _codes(engine) == upgraded
        # Each firm changed has its event, and the chain and every row still verify.
        assert _mismatches(engine) == []
        with engine.connect() as connection:
            logged = connection.scalars(
                select(AuditEvent.enterprise_id).where(
                    AuditEvent.kind == "enterprise_industry_code_normalised"
                )
            ).all()
        assert len(logged) == 5

        command.downgrade(dbschema.alembic_config(engine), "0010")
        assert _codes(engine) == firms

        dbschema.upgrade(engine)
        assert _codes(engine) == upgraded
        assert _mismatches(engine) == []


def test_a_row_altered_outside_the_registry_stays_named_after_the_upgrade(tmp_path):
    with engine_at(tmp_path, "0010") as engine:
        code = with_check_character("91321102000009900")
        _register(engine, {code: "38"})
        with engine.begin() as connection:
            connection.execute(Enterprise.__table__.update().values(name="镇江改名有限公司"))
        dbschema.upgrade(engine)
        assert _codes(engine) == {code: "C38"}
        [mismatch] = _mismatches(engine)
        assert mismatch.startswith("enterprise ") and mismatch.endswith(" in: name")


def test_entries_sealed_before_the_upgrade_are_filed_under_their_firms(tmp_path):
    with engine_at(tmp_path, "0023") as engine:
        firms = {with_check_character(f"91321102{n:08d}0"): "C38" for n in range(1, 3)}
        _register(engine, firms)
        with engine.begin() as connection:
            ids = connection.scalars(text("SELECT id FROM enterprise ORDER BY id")).all()
            for firm in (ids[0], ids[1], ids[0], ids[1]):
                connection.execute(
                    text(
                        "INSERT INTO query_log (at, enterprise_id, uscc, actor, role, kind) "
                        "VALUES ('2026-11-30 08:00:00', :firm, '-', 'bank-1', 'bank', 'file_read')"
                    ),
                    {"firm": firm},
                )
            entries = connection.scalars(text("SELECT id FROM query_log ORDER BY id")).all()
            connection.execute(
                text(
                    "INSERT INTO query_log_seal VALUES "
                    "(1, :first, :last, 3, '-', '-', '-', '2026-11-30 08:01:00')"
                ),
                {"first": entries[0], "last": entries[2]},
            )
        dbschema.upgrade(engine)
        with engine.connect() as connection:
            filed = connection.execute(
                text("SELECT enterprise_id, entry_id FROM query_log_firm ORDER BY entry_id")
            ).all()
        assert [tuple(row) for row in filed] == list(zip(ids + ids[:1], entries[:3], strict=True))

        command.downgrade(dbschema.alembic_config(engine), "0023")
        assert "query_log_firm" not in tables(engine)
        indexes = {i["name"] for i in inspect(engine).get_indexes("query_log")}
        assert "ix_query_log_enterprise_id_id" in indexes
