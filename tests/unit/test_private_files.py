"""The instance folder, the SQLite database, the signing keys and demo passwords are owner-only."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from sqlalchemy import text

from credit import create_app, dbschema
from credit.config import Settings
from credit.demo import create_demo_accounts


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(autouse=True)
def everyday_umask():
    """The usual umask, under which plain file creation gives files everyone can read."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


@pytest.fixture
def fresh_app(tmp_path):
    settings = Settings(
        instance_dir=tmp_path / "srv" / "instance", database_url="", log_level="WARNING"
    )
    app = create_app(settings)
    yield app
    app.extensions["credit.database"].dispose()


def test_a_new_registry_keeps_its_files_to_its_owner(fresh_app):
    instance = Path(fresh_app.instance_path)
    database = fresh_app.extensions["credit.database"]
    dbschema.upgrade(database.engine)
    with database.writing() as session:  # a write, so the WAL file exists
        session.execute(text("CREATE TABLE scratch (x INTEGER)"))
    with database.engine.connect() as connection:  # WAL and shared memory exist while it is open
        connection.execute(text("SELECT count(*) FROM scratch"))
        sqlite_files = [instance / f"registry.sqlite3{suffix}" for suffix in ("", "-wal", "-shm")]
        assert {p.name: mode(p) for p in sqlite_files} == {p.name: 0o600 for p in sqlite_files}
    folders = [
        instance.parent,
        instance,
        instance / "keys",
        instance / "keys" / "tokens",
        instance / "keys" / "reports",
        instance / "keys" / "report-certificate",
    ]
    assert {str(p): mode(p) for p in folders} == {str(p): 0o700 for p in folders}
    keys = list((instance / "keys").rglob("*.pem"))
    assert len(keys) == 3 and {mode(p) for p in keys} == {0o600}
    credentials = instance / "demo-accounts.tsv"
    create_demo_accounts(database, credentials)
    assert mode(credentials) == 0o600


def test_files_made_readable_before_are_narrowed(tmp_path):
    instance = tmp_path / "instance"
    instance.mkdir(mode=0o755)
    (instance / "keys").mkdir(mode=0o755)
    database_file = instance / "registry.sqlite3"
    database_file.touch(mode=0o644)
    credentials = instance / "demo-accounts.tsv"
    credentials.write_text("old\n", encoding="utf-8")
    assert mode(credentials) == 0o644
    app = create_app(Settings(instance_dir=instance, database_url="", log_level="WARNING"))
    try:
        assert (mode(instance), mode(instance / "keys"), mode(database_file)) == (
            0o700,
            0o700,
            0o600,
        )
        dbschema.upgrade(app.extensions["credit.database"].engine)
        create_demo_accounts(app.extensions["credit.database"], credentials)
        assert mode(credentials) == 0o600 and "old" not in credentials.read_text(encoding="utf-8")
    finally:
        app.extensions["credit.database"].dispose()


def test_a_database_elsewhere_leaves_its_existing_folder_alone(tmp_path):
    shared = tmp_path / "shared"
    shared.mkdir(mode=0o755)
    url = f"sqlite:///{shared / 'registry.sqlite3'}"
    app = create_app(
        Settings(instance_dir=tmp_path / "instance", database_url=url, log_level="WARNING")
    )
    try:
        with app.extensions["credit.database"].engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        assert mode(shared) == 0o755 and mode(shared / "registry.sqlite3") == 0o600
    finally:
        app.extensions["credit.database"].dispose()
