"""The database: engine, SQLite pragmas, and one session per request or command."""

from __future__ import annotations

import json
import os
import threading
from collections import namedtuple
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Connection, Engine, Select, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from credit.config import Settings
from credit.private_files import private_database_file

WRITE_OPTION = "credit_writes"
# A lookup's connection runs each statement on its own: one SELECT needs no transaction around it.
LOOKUP_OPTION = "credit_lookup"


class Database:
    """An engine, the two kinds of session the registry opens (reading and writing), and
    connections for lookups.

    A writing session on SQLite starts with BEGIN IMMEDIATE: a deferred transaction that reads
    and then writes fails with "database is locked" when another writer got there first, instead
    of waiting for the busy timeout.
    """

    def __init__(
        self, settings: Settings, engine: Engine | None = None, connection: Connection | None = None
    ):
        self.settings = settings
        self.engine = engine or make_engine(settings)
        self._bound = connection
        self._kept = threading.local()  # each thread's lookup connection, and its process
        if connection is not None:
            # Sessions join a transaction the caller owns (tests roll it back afterwards).
            bound = sessionmaker(
                bind=connection, expire_on_commit=False, join_transaction_mode="create_savepoint"
            )
            self._reading = self._writing = bound
            return
        self._lookups = self.engine.execution_options(**_lookup_options(self.engine))
        self._reading = sessionmaker(self.engine, expire_on_commit=False)
        self._writing = sessionmaker(
            self.engine.execution_options(**{WRITE_OPTION: True}), expire_on_commit=False
        )

    @property
    def is_bound(self) -> bool:
        """Whether it works inside a transaction the caller owns, invisible to other processes."""
        return self._bound is not None

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    def session(self, *, write: bool) -> Session:
        return (self._writing if write else self._reading)()

    def lookup(self) -> Connection:
        """This thread's connection for reads of one statement each, with no transaction begun
        (on SQLite no BEGIN, on PostgreSQL autocommit), so a lookup is one round trip.

        It is opened on first use and kept for the thread's life, as a server's worker keeps its
        connection; one the driver lost is replaced on the next call.
        """
        if self._bound is not None:
            return self._bound
        kept = getattr(self._kept, "connection", None)
        if kept is None or kept.invalidated or kept.closed or self._kept.pid != os.getpid():
            kept = self._kept.connection = self._lookups.connect()
            self._kept.pid = os.getpid()
        return kept

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
        kept = getattr(self._kept, "connection", None)
        if kept is not None and self._kept.pid == os.getpid():
            kept.close()
        self.engine.dispose()


class OneRowQuery:
    """A SELECT compiled once per dialect and run on the driver's own cursor, its values still
    converted by their column types: for the busiest one-row lookups, where SQLAlchemy's
    per-execution bookkeeping costs several times the query itself.

    Run it on a `Database.lookup()` connection: there is no transaction to manage.
    """

    def __init__(self, statement: Select):
        self.statement = statement
        self.columns = list(statement.selected_columns)
        self.Row = namedtuple("Row", [column.key for column in self.columns])
        self._compiled: dict[str, tuple[str, list[str] | None]] = {}  # by dialect
        self._processors: dict[str, list] = {}  # by dialect

    def first(self, connection: Connection, **params):
        dialect = connection.dialect
        compiled = self._compiled.get(dialect.name)
        if compiled is None:
            compiled = self._compiled[dialect.name] = self._compile(dialect)
        sql, names = compiled
        driver = connection.connection  # the pooled DBAPI connection
        cursor = driver.cursor()
        try:
            cursor.execute(sql, tuple(params[n] for n in names) if names else params)
            values = cursor.fetchone()
            processors = self._processors.get(dialect.name) or self._processors_for(
                dialect, cursor.description
            )
        except dialect.loaded_dbapi.Error as error:
            if dialect.is_disconnect(error, driver, cursor):
                connection.invalidate()  # the next lookup() opens another
            raise
        finally:
            cursor.close()
        if values is None:
            return None
        return self.Row._make(
            value if process is None else process(value)
            for process, value in zip(processors, values, strict=False)
        )

    def _compile(self, dialect) -> tuple[str, list[str] | None]:
        compiled = self.statement.compile(dialect=dialect)
        return compiled.string, compiled.positiontup

    def _processors_for(self, dialect, description) -> list:
        processors = self._processors[dialect.name] = [
            column.type.dialect_impl(dialect).result_processor(dialect, described[1])
            for column, described in zip(self.columns, description, strict=False)
        ]
        return processors


def json_text(value) -> str:
    """How JSON columns are stored: UTF-8 as it is (Chinese in a third of the space of \\u escapes),
    no spaces; a public profile is sent to clients in this very form."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def make_engine(settings: Settings) -> Engine:
    url = make_url(settings.database)
    if url.get_backend_name() != "sqlite":
        return create_engine(
            url, pool_pre_ping=True, pool_size=10, max_overflow=10, json_serializer=json_text
        )
    if url.database and url.database != ":memory:":
        private_database_file(Path(url.database))
    engine = create_engine(
        url,
        connect_args={"timeout": settings.sqlite_busy_timeout_ms / 1000},
        json_serializer=json_text,
    )
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
        options = connection.get_execution_options()
        if options.get(LOOKUP_OPTION):
            return  # the driver runs each statement in its own implicit transaction
        connection.exec_driver_sql("BEGIN IMMEDIATE" if options.get(WRITE_OPTION) else "BEGIN")


def _lookup_options(engine: Engine) -> dict:
    if engine.dialect.name == "sqlite":
        return {LOOKUP_OPTION: True}
    return {"isolation_level": "AUTOCOMMIT"}
