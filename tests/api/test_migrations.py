"""The Alembic revisions build exactly the tables the models describe, and every one of them can
be undone and applied again, on both engines."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from credit import dbschema
from credit.config import Settings
from credit.db import make_engine
from credit.models import Base
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
        "columns": (inspector.get_multi_columns(), lambda c: (
            c["name"], str(c["type"]), c["nullable"], str(c["default"]))),
        "primary key": (inspector.get_multi_pk_constraint(), None),
        "foreign keys": (inspector.get_multi_foreign_keys(), lambda f: (
            f["name"], tuple(f["constrained_columns"]), f["referred_table"],
            tuple(f["referred_columns"]), str(f["options"]))),
        "unique": (inspector.get_multi_unique_constraints(), lambda u: (
            u["name"], tuple(u["column_names"]))),
        "indexes": (inspector.get_multi_indexes(), lambda i: (
            i["name"], tuple(i["column_names"]), bool(i["unique"]))),
    }
    described = {}
    for part, (reflected, summary) in parts.items():
        for (_, table), items in reflected.items():
            if table != "alembic_version":
                described.setdefault(table, {})[part] = (
                    tuple(items["constrained_columns"]) if summary is None
                    else sorted(map(summary, items)))
    return described


def revisions_oldest_first(engine) -> list[str]:
    script = ScriptDirectory.from_config(dbschema.alembic_config(engine))
    return [revision.revision for revision in reversed(list(script.walk_revisions()))]


@pytest.fixture
def empty_engine(tmp_path):
    """An engine on an empty database of its own, dropped afterwards."""
    with fresh_database_url(tmp_path) as url:
        engine = make_engine(Settings(instance_dir=tmp_path, database_url=url,
                                      log_level="WARNING"))
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
