"""The database: engine, SQLite pragmas, and one session per request or command."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from credit.config import Settings

WRITE_OPTION = "credit_writes"


class Database:
    """An engine and the two kinds of session the registry opens: reading and writing.

    A writing session on SQLite starts with BEGIN IMMEDIATE: a deferred transaction that reads
    and then writes fails with "database is locked" when another writer got there first, instead
    of waiting for the busy timeout.
    """

    def __init__(self, settings: Settings, engine: Engine | None = None,
                 connection: Connection | None = None):
        self.settings = settings
        self.engine = engine or make_engine(settings)
        if connection is not None:
            # Sessions join a transaction the caller owns (tests roll it back afterwards).
            bound = sessionmaker(bind=connection, expire_on_commit=False,
                                 join_transaction_mode="create_savepoint")
            self._reading = self._writing = bound
            return
        self._reading = sessionmaker(self.engine, expire_on_commit=False)
        self._writing = sessionmaker(
            self.engine.execution_options(**{WRITE_OPTION: True}), expire_on_commit=False
        )

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    def session(self, *, write: bool) -> Session:
        return (self._writing if write else self._reading)()

    @contextmanager
    def writing(self) -> Iterator[Session]:
        """A session that commits when the block ends and rolls back when it raises."""
        with self.session(write=True) as session, session.begin():
            yield session

    @contextmanager
    def reading(self) -> Iterator[Session]:
        with self.session(write=False) as session:
            yield session

    def dispose(self) -> None:
        self.engine.dispose()


def make_engine(settings: Settings) -> Engine:
    url = make_url(settings.database)
    if url.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10)
    if url.database and url.database != ":memory:":
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": settings.sqlite_busy_timeout_ms / 1000})
    _configure_sqlite(engine, settings.sqlite_busy_timeout_ms)
    return engine


def _configure_sqlite(engine: Engine, busy_timeout_ms: int) -> None:
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, _record):
        # Let SQLAlchemy's "begin" event below decide how each transaction starts.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection):
        writes = connection.get_execution_options().get(WRITE_OPTION, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if writes else "BEGIN")
