"""The database: engine, SQLite pragmas, and one session per request or command."""

from __future__ import annotations

import contextlib
import json
import os
import threading
from collections import namedtuple
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from operator import itemgetter
from pathlib import Path
from typing import TypeVar

import orjson
from sqlalchemy import Connection, Engine, Select, Table, create_engine, event
from sqlalchemy.dialects.sqlite.base import SQLiteCompiler
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.session import SessionTransactionOrigin
from sqlalchemy.sql.dml import UpdateBase

from credit import standbys
from credit.config import POOLERS, Settings
from credit.private_files import private_database_file

T = TypeVar("T")

WRITE_OPTION = "credit_writes"
# A lookup's connection runs each statement on its own: one SELECT needs no transaction around it.
LOOKUP_OPTION = "credit_lookup"
# Asks a session for the connection its writes go to (`session.connection(bind_arguments=...)`).
FOR_WRITE = "credit_for_write"
# How many list lengths a `DriverQuery` keeps its SQL for (a check asks for 1 to 1,000 firms).
MAX_SPREAD_FORMS = 1024
# How long a standby may take to accept a connection before it counts as down.
STANDBY_CONNECT_TIMEOUT = 3  # seconds

# What a reading session with standbys keeps in its `info`.
_STANDBYS = "credit_standbys"
_AT_LEAST = "credit_at_least"  # the WAL position of the caller's own last write, if recent
_READ_FROM = "credit_read_from"  # the engine its reads went to
_ON_PRIMARY = "credit_on_primary"  # it has written: everything after goes to the primary
_WRITER = "credit_writer"  # where a logged read's write goes, when not to the session's bind


class Database:
    """An engine, the two kinds of session the registry opens (reading and writing), and
    connections for lookups.

    A writing session on SQLite starts with BEGIN IMMEDIATE: a deferred transaction that reads
    and then writes fails with "database is locked" when another writer got there first, instead
    of waiting for the busy timeout.

    With standbys (CREDIT_DATABASE_REPLICA_URLS), reading sessions and lookups read a standby
    that is in use, and the primary when none is; a writing session is always the primary's.
    """

    def __init__(
        self, settings: Settings, engine: Engine | None = None, connection: Connection | None = None
    ):
        self.settings = settings
        self.engine = engine or make_engine(settings)
        self._bound = connection
        self._kept = threading.local()  # each thread's lookup connections, and its process
        self.standbys: standbys.Standbys | None = None
        if connection is not None:
            # Sessions join a transaction the caller owns (tests roll it back afterwards).
            bound = sessionmaker(
                bind=connection, expire_on_commit=False, join_transaction_mode="create_savepoint"
            )
            self._reading = self._writing = self._logged_reading = bound
            return
        self._lookups = self.engine.execution_options(**_lookup_options(self.engine))
        writer = self.engine.execution_options(**{WRITE_OPTION: True})
        self._writing = sessionmaker(writer, expire_on_commit=False)
        if not settings.replica_urls:
            self._reading = sessionmaker(self.engine, expire_on_commit=False)
            # On PostgreSQL a read does not hold up writers, so it may write as any write does.
            self._logged_reading = (
                sessionmaker(
                    self.engine,
                    class_=LoggedReadSession,
                    expire_on_commit=False,
                    info={_WRITER: writer},
                )
                if self.is_sqlite
                else self._writing
            )
            return
        if self.is_sqlite:
            raise ValueError("CREDIT_DATABASE_REPLICA_URLS: standbys need a PostgreSQL primary")
        self.standbys = standbys.Standbys(
            self.engine,
            [make_engine(settings, url, standby=True) for url in settings.replica_urls],
            max_lag_seconds=settings.replica_max_lag_ms / 1000,
            check_seconds=settings.replica_check_ms / 1000,
        )
        # Asked once now, so that a standby that does not answer is logged at start and every
        # read goes to the primary until it does.
        self.standbys.refresh()
        self._standby_lookups = {
            s.number: s.engine.execution_options(**_lookup_options(s.engine))
            for s in self.standbys.standbys
        }
        self._reading = sessionmaker(
            self.engine,
            class_=StandbyReadingSession,
            expire_on_commit=False,
            info={_STANDBYS: self.standbys},
        )

    @property
    def is_bound(self) -> bool:
        """Whether it works inside a transaction the caller owns, invisible to other processes."""
        return self._bound is not None

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    def session(self, *, write: bool, at_least: int | None = None, logged: bool = False) -> Session:
        """A writing or a reading session; `at_least` is the WAL position of the caller's own
        recent write, which the standby a reading session reads must have replayed. A `logged`
        read writes its query-log entry: it reads a standby and writes on the primary where
        standbys serve reads, and on SQLite reads without holding the write lock."""
        if write:
            return self._writing()
        if self.standbys is None:
            return self._logged_reading() if logged else self._reading()
        return self._reading(info={_AT_LEAST: at_least})

    def lookup(self, at_least: int | None = None, *, primary: bool = False) -> Connection:
        """This thread's connection for reads of one statement each, with no transaction begun
        (on SQLite no BEGIN, on PostgreSQL autocommit), so a lookup is one round trip; with
        standbys, to one in use that has replayed `at_least`, else (or when `primary`) to the
        primary.

        It is opened on first use and kept for the thread's life, as a server's worker keeps its
        connection; one the driver lost is replaced on the next call.
        """
        return self._lookup(at_least, primary=primary)[1]

    def read_lookup(
        self, read: Callable[[Connection], T], at_least: int | None = None, *, primary: bool = False
    ) -> T:
        """`read(connection)` on this thread's lookup connection (the primary's when `primary`).
        When that connection is lost before the read answers (the database or a standby stopped or
        restarted since the connection was made), the read runs once more on a new one: the
        primary's, or for a standby's, another standby in use or the primary, the lost standby
        skipped. A read the database could answer does not fail because a kept connection went
        away; one it cannot answer fails as before."""
        standby, connection = self._lookup(at_least, primary=primary)
        try:
            return read(connection)
        except Exception as error:
            if not connection.invalidated or self._bound is not None:
                raise  # not a lost connection: the read itself failed
            if standby is not None:
                self.standbys.mark_down(standby, error)
        return read(self._lookup(at_least, primary=primary)[1])

    def _lookup(
        self, at_least: int | None, *, primary: bool = False
    ) -> tuple[standbys.Standby | None, Connection]:
        """The standby a lookup reads (None: the primary) and this thread's connection to it."""
        if self._bound is not None:
            return None, self._bound
        if self.standbys is None or primary:
            return None, self._kept_connection(0, self._lookups)
        standby = self.standbys.pick(at_least)
        while standby is not None:
            try:
                engine = self._standby_lookups[standby.number]
                return standby, self._kept_connection(standby.number, engine)
            except SQLAlchemyError as error:
                self.standbys.mark_down(standby, error)
                standby = self.standbys.pick(at_least)
        return None, self._kept_connection(0, self._lookups)

    def lookups(self, at_least: int | None = None) -> Statements:
        """Single statements run on this thread's lookup connections, outside any session: reads
        as `read_lookup`'s (a standby's, where one has replayed `at_least`), writes on the
        primary's; each commits on its own, so a write holds the write lock for itself alone."""
        return Statements(
            lambda read: self.read_lookup(read, at_least),
            lambda write: write(self.lookup(primary=True)),
        )

    def primary_position(self) -> int | None:
        """Where the primary's WAL ends now (None without standbys, where nobody needs it)."""
        if self.standbys is None:
            return None
        return standbys.primary_position(self.engine)

    def ping_primary(self) -> None:
        """Raises unless the primary answers."""
        with self.engine.connect() as connection:
            connection.exec_driver_sql("SELECT 1")

    def _kept_connection(self, target: int, engine: Engine) -> Connection:
        """The thread's kept connection to the primary (0) or to a standby (its number)."""
        if getattr(self._kept, "pid", None) != os.getpid():
            self._kept.connections = {}  # a forked process opens its own
            self._kept.pid = os.getpid()
        kept = self._kept.connections.get(target)
        if kept is None or kept.invalidated or kept.closed:
            kept = self._kept.connections[target] = engine.connect()
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
        if getattr(self._kept, "pid", None) == os.getpid():
            for kept in self._kept.connections.values():
                kept.close()
            self._kept.connections = {}
        self.engine.dispose()
        for standby in self.standbys.standbys if self.standbys else []:
            standby.engine.dispose()


class LoggedReadSession(Session):
    """A read whose only write is its query-log entry (a bank's read of a file, a grade or a
    report): its reads go to one connection, the write and every statement after it to another,
    so that the session reads what it wrote.

    On SQLite the reads take no write lock (a deferred transaction), and the entry is written on
    a connection of the writing engine (`_WRITER`), which takes the lock for the insert alone:
    two workers' reads run side by side and queue only for their inserts."""

    def get_bind(self, mapper=None, clause=None, **kw):
        info = self.info
        if (
            info.get(_ON_PRIMARY)
            or self._flushing
            or isinstance(clause, UpdateBase)
            or kw.get(FOR_WRITE)
        ):
            info[_ON_PRIMARY] = True
            return info.get(_WRITER, self.bind)
        return self._read_bind()

    def _read_bind(self):
        return self.bind


class StandbyReadingSession(LoggedReadSession):
    """A reading session where standbys serve reads: its reads go to one standby in use (the
    primary when none is); a write (a query-log entry) goes to the primary, and so does every
    statement after it, so that the session reads what it wrote.

    A read that fails because its standby stopped (the connection was lost, or could not be
    made, before any row came back) runs once more on another standby in use or the primary.
    Nothing is retried once the session has written.
    """

    def _read_bind(self):
        info = self.info
        engine = info.get(_READ_FROM)
        if engine is None:
            standby = info[_STANDBYS].pick(info.get(_AT_LEAST))
            engine = info[_READ_FROM] = self.bind if standby is None else standby.engine
        return engine

    def _execute_internal(self, statement, params=None, **kw):
        parent = super()._execute_internal
        return self.read_again_if_lost(lambda: parent(statement, params, **kw))

    def read_again_if_lost(self, read: Callable[[], T]) -> T:
        """`read()`, run once more (on another standby in use or the primary) if it failed
        because its standby was lost; every read of the session comes through here."""
        try:
            return read()
        except DBAPIError as error:
            if not self._standby_lost(error):
                raise
        self.rollback()  # the transaction on the lost connection is gone; nothing was written
        self.info.pop(_READ_FROM, None)
        return read()

    def commit(self) -> None:
        self._end_standby_read()
        super().commit()

    def _end_standby_read(self) -> None:
        """A session that read a standby and then wrote (a check and its query-log entry) ends
        the standby's transaction on its own before committing: it holds nothing to commit, and
        a standby lost since must not fail the commit of what was written on the primary."""
        engine = self.info.get(_READ_FROM)
        transaction = self.get_transaction()
        if not self.info.get(_ON_PRIMARY) or engine in (None, self.bind) or transaction is None:
            return
        joined = transaction._connections.get(engine)
        if joined is None:
            return
        connection, began, _commit, autoclose = joined
        with contextlib.suppress(DBAPIError):
            began.rollback()
        transaction._connections[connection] = transaction._connections[engine] = (
            connection,
            began,
            False,  # nothing to commit there: the session's commit leaves it alone
            autoclose,
        )

    def _standby_lost(self, error: DBAPIError) -> bool:
        """Whether the last read failed because the standby it went to is no longer in use
        (its connection was lost or refused: see `Standbys._watch`), and may run elsewhere."""
        info = self.info
        engine = info.get(_READ_FROM)
        if info.get(_ON_PRIMARY) or engine is None or engine is self.bind:
            return False
        transaction = self.get_transaction()
        if transaction is not None and transaction.origin is not SessionTransactionOrigin.AUTOBEGIN:
            return False  # a block the caller began: rolling it back here would end it
        return error.connection_invalidated or any(
            s.engine is engine and s.state != standbys.IN_USE for s in info[_STANDBYS].standbys
        )


class DriverQuery:
    """A statement compiled once per dialect and run on the driver's own cursor, its parameters and
    values still converted by their column types: for the busiest statements (a lookup, a
    check's rows, its query-log entry), where SQLAlchemy's per-execution bookkeeping costs
    several times the statement itself. A list parameter (`bindparam(..., expanding=True)`) gets
    one mark per item, as SQLAlchemy would give it.

    Run it on a `Database.lookup()` connection, where each statement commits on its own, or on a
    session's connection, inside its transaction.
    """

    def __init__(self, statement: Select | UpdateBase):
        self.statement = statement
        self.columns = list(statement.selected_columns) if isinstance(statement, Select) else []
        self.Row = (
            namedtuple("Row", [column.key for column in self.columns]) if self.columns else None
        )
        self._forms: dict[str, _DriverForm] = {}  # by dialect

    def first(self, connection: Connection, **params):
        """The first row, or None."""
        return self._run(connection, params, lambda cursor: cursor.fetchone())

    def all(self, connection: Connection, **params) -> list:
        return self._run(connection, params, lambda cursor: cursor.fetchall(), many=True)

    def run(self, connection: Connection, **params) -> int:
        """Runs a write; the number of rows it wrote."""
        return self._run(connection, params, lambda cursor: cursor.rowcount)

    def _run(self, connection: Connection, params: dict, fetch, *, many: bool = False):
        dialect = connection.dialect
        form = self._forms.get(dialect.name)
        if form is None:
            form = self._forms[dialect.name] = _DriverForm(self.statement, dialect)
        sql, values = form.bound(params)
        driver = connection.connection  # the pooled DBAPI connection
        cursor = None
        try:
            cursor = driver.cursor()
            cursor.execute(sql, values)
            fetched = fetch(cursor)
            processors = form.processors(self.columns, cursor.description) if self.columns else ()
        except dialect.loaded_dbapi.Error as error:
            if dialect.is_disconnect(error, driver, cursor):
                connection.invalidate()  # the next lookup() opens another
            raise
        finally:
            if cursor is not None:
                cursor.close()
        if not self.columns:
            return fetched
        if many:
            return [self._row(processors, values) for values in fetched]
        return None if fetched is None else self._row(processors, fetched)

    def _row(self, processors, values):
        return self.Row._make(
            value if process is None else process(value)
            for process, value in zip(processors, values, strict=False)
        )


class _DriverForm:
    """A `DriverQuery` compiled for one dialect: its SQL, how each parameter is converted, and
    where a list parameter is spread."""

    def __init__(self, statement, dialect):
        if dialect.paramstyle not in ("qmark", "pyformat"):
            raise ValueError(f"{dialect.paramstyle} parameters are not supported")
        compiled = statement.compile(dialect=dialect)
        self.dialect = dialect
        self.sql = compiled.string
        self.names = compiled.positiontup  # None where parameters go by name
        binds = {name: bind for bind, name in compiled.bind_names.items()}
        self.given = {name: bind.value for name, bind in binds.items() if not bind.required}
        self.spread = {name for name, bind in binds.items() if bind.expanding}
        self.convert = {
            name: process
            for name, bind in binds.items()
            if (process := bind.type.dialect_impl(dialect).bind_processor(dialect)) is not None
        }
        self._results: list | None = None
        self._spread_sql: dict[tuple, str] = {}

    def bound(self, params: dict) -> tuple[str, tuple | dict]:
        """The SQL for these parameters (a list's marks spread) and the values, converted."""
        values = {**self.given, **params} if self.given else params
        convert = self.convert
        lengths = tuple(len(values[name]) for name in sorted(self.spread))
        sql = self.sql if not lengths else self._spread(lengths)
        if self.names is not None:
            out = []
            for name in self.names:
                value = values[name]
                process = convert.get(name)
                if name in self.spread:
                    out.extend(value if process is None else map(process, value))
                else:
                    out.append(value if process is None else process(value))
            return sql, tuple(out)
        named = {}
        for name, value in values.items():
            process = convert.get(name)
            if name in self.spread:
                for index, item in enumerate(value):
                    named[f"{name}_{index}"] = item if process is None else process(item)
            else:
                named[name] = value if process is None else process(value)
        return sql, named

    def _spread(self, lengths: tuple) -> str:
        sql = self._spread_sql.get(lengths)
        if sql is not None:
            return sql
        sql = self.sql
        for name, length in zip(sorted(self.spread), lengths, strict=True):
            if length == 0:
                raise ValueError(f"{name}: an empty list has nothing to spread")
            marks = (
                ["?"] * length
                if self.names is not None
                else [f"%({name}_{index})s" for index in range(length)]
            )
            sql = sql.replace(f"__[POSTCOMPILE_{name}]", ", ".join(marks))
        if len(self._spread_sql) < MAX_SPREAD_FORMS:
            self._spread_sql[lengths] = sql
        return sql

    def processors(self, columns: list, description) -> list:
        if self._results is None:
            dialect = self.dialect
            self._results = [
                column.type.dialect_impl(dialect).result_processor(dialect, described[1])
                for column, described in zip(columns, description, strict=False)
            ]
        return self._results


def insert_rows(session: Session, table: Table, rows: Sequence[dict]) -> None:
    """Inserts rows (dicts with the same keys) with the driver's own executemany, each value
    converted by its column's type as SQLAlchemy would: its per-row parameter bookkeeping costs
    more than the insert itself in a bulk write."""
    if not rows:
        return
    names = list(rows[0])
    # Columns nobody gave get their Python-side default, as SQLAlchemy would give them.
    defaults = [
        column
        for column in table.columns
        if column.key not in names and column.default is not None and not column.default.is_sequence
    ]
    if defaults:
        rows = [
            {
                **row,
                **{
                    column.key: column.default.arg(None)
                    if column.default.is_callable
                    else column.default.arg
                    for column in defaults
                },
            }
            for row in rows
        ]
        names += [column.key for column in defaults]
    connection, quote, mark = _writing(session, table.insert())
    columns = ", ".join(quote(table.c[name].name) for name in names)
    marks = ", ".join([mark] * len(names))
    sql = f"INSERT INTO {quote(table.name)} ({columns}) VALUES ({marks})"
    _run_many(connection, table, sql, names, rows)


def update_rows(session: Session, table: Table, key: str, rows: Sequence[dict]) -> None:
    """Updates rows by their `key` column, each dict giving the key and the same other columns,
    with the driver's own executemany (as `insert_rows`)."""
    if not rows:
        return
    names = [name for name in rows[0] if name != key]
    connection, quote, mark = _writing(session, table.update())
    assignments = ", ".join(f"{quote(table.c[name].name)} = {mark}" for name in names)
    sql = f"UPDATE {quote(table.name)} SET {assignments} WHERE {quote(table.c[key].name)} = {mark}"
    _run_many(connection, table, sql, [*names, key], rows)


def _writing(session: Session, statement: UpdateBase):
    """The session's connection for a write (the primary's), the dialect's quoting of names and
    its parameter mark."""
    connection = session.connection(bind_arguments={"clause": statement})
    dialect = connection.dialect
    mark = "?" if dialect.paramstyle == "qmark" else "%s"
    return connection, dialect.identifier_preparer.quote, mark


@dataclass(frozen=True)
class Statements:
    """Where a service runs its single statements: `read(fn)` and `write(fn)` each call `fn` with
    a connection. A request's lookups (`Database.lookups`) run each on its own, committed as it
    runs; a session's (`Statements.of`) run inside its transaction."""

    read: Callable[[Callable[[Connection], T]], T]
    write: Callable[[Callable[[Connection], T]], T]

    @classmethod
    def of(cls, session: Session) -> Statements:
        """The session's: reads on its reading connection (once more elsewhere if its standby
        was lost, as its own reads are), writes on the connection its writes go to."""

        def read(run: Callable[[Connection], T]) -> T:
            if isinstance(session, StandbyReadingSession):
                return session.read_again_if_lost(lambda: run(session.connection()))
            return run(session.connection())

        def write(run: Callable[[Connection], T]) -> T:
            return run(session.connection(bind_arguments={FOR_WRITE: True}))

        return cls(read, write)


def _run_many(connection: Connection, table: Table, sql: str, names: list[str], rows) -> None:
    dialect = connection.dialect
    processors = [
        (index, process)
        for index, name in enumerate(names)
        if (process := table.c[name].type.dialect_impl(dialect).bind_processor(dialect))
    ]
    pick = itemgetter(*names) if len(names) > 1 else lambda row: (row[names[0]],)
    params = [pick(row) for row in rows]
    if processors:
        converted = [list(values) for values in params]
        for values in converted:
            for index, process in processors:
                values[index] = process(values[index])
        params = [tuple(values) for values in converted]
    connection.exec_driver_sql(sql, params)


_AS_STANDARD = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS


def json_text(value) -> str:
    """How JSON columns are stored: UTF-8 as it is (Chinese in a third of the space of \\u escapes),
    no spaces; a public profile is sent to clients in this very form."""
    try:  # the same text, several times faster; what the standard library refuses, it refuses
        return orjson.dumps(value, option=_AS_STANDARD).decode("utf-8")
    except orjson.JSONEncodeError:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def make_engine(settings: Settings, url: str | None = None, *, standby: bool = False) -> Engine:
    """The engine of the primary, or of a standby at `url`."""
    url = make_url(url or settings.database)
    if url.get_backend_name() != "sqlite":
        if settings.database_pooler not in POOLERS:
            raise ValueError(
                f"CREDIT_DATABASE_POOLER: {settings.database_pooler!r} is not one of "
                + ", ".join(repr(p) for p in POOLERS)
            )
        connect_args = {}
        if settings.database_pooler == "pgbouncer":
            # In transaction pooling the next transaction may run on another server connection,
            # which would not know a statement this one prepared.
            connect_args["prepare_threshold"] = None
        if standby:
            connect_args["connect_timeout"] = STANDBY_CONNECT_TIMEOUT
        return create_engine(
            url,
            pool_pre_ping=True,
            pool_size=10,
            max_overflow=10,
            json_serializer=json_text,
            json_deserializer=orjson.loads,
            connect_args=connect_args,
        )
    if url.database and url.database != ":memory:":
        private_database_file(Path(url.database))
    engine = create_engine(
        url,
        connect_args={"timeout": settings.sqlite_busy_timeout_ms / 1000},
        json_serializer=json_text,
        json_deserializer=orjson.loads,
    )
    _configure_sqlite(engine, settings.sqlite_busy_timeout_ms)
    engine.dialect.statement_compiler = _SQLiteCompiler
    return engine


class _SQLiteCompiler(SQLiteCompiler):
    """SQLite's compiler, writing a statement's table hints (`with_hint(..., "sqlite")`, e.g.
    `INDEXED BY ix_...`) after the table's name, where SQLite reads them; SQLAlchemy's own
    leaves them out."""

    def get_from_hint_text(self, table, text):
        return text


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
