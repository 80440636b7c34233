"""The declarative base, the engine settings for both databases, and SpatiaLite loading."""

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

import sqlean
from sqlalchemy import MetaData, event, exc, insert, inspect, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase

from app.core.json import stored_json

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def database_uri(config: dict[str, Any], instance_path: str) -> str:
    """DATABASE_URL when set, otherwise an SQLite file in the instance folder."""
    url = config.get("DATABASE_URL") or ""
    if not url:
        Path(instance_path).mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{Path(instance_path) / 'jiefen.db'}"
    if url.startswith("postgres://") or url.startswith("postgresql://"):
        # One driver everywhere: psycopg 3.
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def engine_options(uri: str, config: dict[str, Any]) -> dict[str, Any]:
    # hide_parameters: a database error's text (logged with its traceback) would otherwise
    # carry the statement's values: reporters' names and phones, token and key hashes.
    options: dict[str, Any] = {
        "echo": bool(config.get("SQL_ECHO")),
        "hide_parameters": True,
        "json_serializer": stored_json,
    }
    if uri.startswith("sqlite"):
        # The interpreter's own sqlite3 module often cannot load extensions; sqlean can.
        options["module"] = sqlean
        options["connect_args"] = {"timeout": 30, "check_same_thread": False}
    else:
        # No pre-ping on every checkout: configure_postgresql_engine tests idle ones only.
        options["pool_size"] = 10
        options["max_overflow"] = 10
    return options


def configure_sqlite_engine(engine: Engine, spatialite_path: str) -> None:
    """Load SpatiaLite on every connection and make transactions take the write lock up front.

    SQLite allows one writer; a deferred transaction that later tries to write can fail at once
    with "database is locked" instead of waiting. BEGIN IMMEDIATE makes concurrent writers
    (two cleaners claiming, a phone retrying) queue behind each other under busy_timeout.
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        dbapi_conn.isolation_level = None
        dbapi_conn.enable_load_extension(True)
        dbapi_conn.load_extension(spatialite_path)
        dbapi_conn.enable_load_extension(False)
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA busy_timeout = 30000")
        if cursor.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
            cursor.execute("PRAGMA journal_mode = WAL")
        # WAL with synchronous=NORMAL: a commit is durable across a crash of the app (it is in
        # the WAL file), and the file is never corrupted; only the WAL's fsync waits for the
        # next checkpoint, so a power loss or OS crash can lose the last commits before it.
        # FULL (the default) fsyncs on every commit: one per report filed.
        cursor.execute("PRAGMA synchronous = NORMAL")
        if not cursor.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'spatial_ref_sys'"
        ).fetchone():
            cursor.execute("SELECT InitSpatialMetaData(1)")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def configure_postgresql_engine(engine: Engine, ping_after_idle_s: float) -> None:
    """Test a pooled connection before use only when it sat idle for a while.

    A connection the database dropped (a restart, a firewall's idle timeout) must not reach a
    request; but SQLAlchemy's pre-ping tests every checkout, one round trip on every request,
    while a connection in steady use was proven good a moment ago.
    """

    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_conn, record):
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_conn, record, _proxy):
        idle_since = record.info.get("idle_since")
        if idle_since is None or time.monotonic() - idle_since < ping_after_idle_s:
            return
        try:
            dbapi_conn.autocommit = True  # no transaction left open by the test
            dbapi_conn.execute("SELECT 1")
            dbapi_conn.autocommit = False
        except Exception as error:
            # The pool throws this connection away and checks out a new one.
            raise exc.DisconnectionError(str(error)) from error


@dataclass(frozen=True)
class _Column:
    """How insert_now fills one column of a mapped table: read once per mapper."""

    key: str  # the attribute
    column: Any
    scalar_default: Any
    callable_default: Any
    # A NULL here must be sent: the database would otherwise fill in its own default.
    by_database: bool
    # An autoincrement primary key: RETURNING gives it when the object has none.
    generated: bool


_NO_DEFAULT = object()


@cache
def _columns(mapper) -> tuple[_Column, ...]:
    table = mapper.local_table
    plan = []
    for prop in mapper.column_attrs:
        column = prop.columns[0]
        if column.table is not table:
            continue
        default = column.default
        plan.append(
            _Column(
                key=prop.key,
                column=column,
                scalar_default=default.arg
                if default is not None and default.is_scalar
                else _NO_DEFAULT,
                callable_default=default.arg
                if default is not None and default.is_callable
                else None,
                by_database=column.server_default is not None,
                generated=column.primary_key and column.autoincrement in (True, "auto"),
            )
        )
    return tuple(plan)


@dataclass(frozen=True)
class DriverStatement:
    """A statement compiled once for one dialect: its SQL text and how each value becomes the
    driver's parameter (the type's bind processor: geometry, JSON, dates), so that sending it
    asks nothing more of SQLAlchemy's compiler. For the few statements every report sends."""

    sql: str
    # (the driver's name of the parameter, the key of its value, the bind processor or None)
    binds: tuple[tuple[str, str, Any], ...]
    positional: bool
    sequence: Any  # the dialect's type for positional parameters

    def parameters(self, values: dict[str, Any]) -> Any:
        if self.positional:
            return self.sequence(
                [
                    value if process is None else process(value)
                    for _name, key, process in self.binds
                    for value in (values[key],)
                ]
            )
        return {
            name: value if process is None else process(value)
            for name, key, process in self.binds
            for value in (values[key],)
        }

    def send(self, connection, values: dict[str, Any]) -> list[tuple] | None:
        """Send it with these values: the rows it returns as plain tuples (unprocessed), None
        when it returns none."""
        parameters = self.parameters(values)
        if not connection.in_transaction():
            # Core begins one first (autobegin): let it.
            result = connection.exec_driver_sql(self.sql, parameters)
            return [tuple(row) for row in result] if result.returns_rows else None
        # Connection._cursor_execute is what Core's own pre-executions use: the engine's
        # statement events (the change versions' memo, the tests' recorders), its logging,
        # its error wrapping (a twin's unique key: IntegrityError; a lost connection
        # invalidated) - without an execution context and a result object around a row.
        cursor = connection.connection.cursor()
        try:
            connection._cursor_execute(cursor, self.sql, parameters)
            return cursor.fetchall() if cursor.description is not None else None
        finally:
            cursor.close()


def _driver_statement(compiled, keys, dialect) -> DriverStatement | None:
    """None when Core would add something at execution (a Python default of a column not
    given, an expanding parameter, a parameter other than `keys`)."""
    if (
        getattr(compiled, "insert_prefetch", None)
        or compiled.literal_execute_params
        or compiled.post_compile_params
        or compiled.schema_translate_map
    ):
        return None
    names = {bind.key: name for bind, name in compiled.bind_names.items()}
    if set(names) != set(keys):
        return None
    processors = compiled._bind_processors
    escaped = compiled.escaped_bind_names
    if compiled.positional:
        by_name = {name: key for key, name in names.items()}
        order = [(name, by_name[name]) for name in compiled.positiontup]
    else:
        order = [(escaped.get(name, name), key) for key, name in names.items()]
    return DriverStatement(
        sql=compiled.string,
        binds=tuple((driver_name, key, processors.get(names[key])) for driver_name, key in order),
        positional=compiled.positional,
        sequence=dialect.execute_sequence_format,
    )


@lru_cache(maxsize=64)
def driver_statement(statement, dialect) -> DriverStatement | None:
    """A fixed statement (a text() read) compiled for `dialect`."""
    compiled = statement.compile(dialect=dialect)
    return _driver_statement(compiled, [bind.key for bind in compiled.bind_names], dialect)


@lru_cache(maxsize=1024)
def driver_insert(table, keys: tuple[str, ...], returning, dialect) -> DriverStatement | None:
    """`table`'s INSERT of the columns `keys` (RETURNING `returning` when given), compiled for
    `dialect`; None when Core would add something at execution."""
    # inline: no RETURNING of a key nobody reads (Core adds one on PostgreSQL to fill in
    # inserted_primary_key).
    statement = insert(table).inline() if returning is None else insert(table).returning(returning)
    compiled = statement.compile(dialect=dialect, column_keys=list(keys))
    return _driver_statement(compiled, keys, dialect)


def driver_rows(connection, statement, values: dict[str, Any]) -> list[tuple]:
    """The rows of a fixed read (a text() whose columns need no result processing), sent at
    the driver once compiled: for reads every request makes, such as the change versions."""
    prepared = driver_statement(statement, connection.dialect)
    if prepared is None:
        return [tuple(row) for row in connection.execute(statement, values)]
    return prepared.send(connection, values)


def insert_values(connection, table, values: dict[str, Any], returning=None) -> Any:
    """INSERT one row of these column values; `returning`: the column whose value to return.

    Connection.execute of a Core INSERT spends most of its CPU around the statement (the
    compiled cache's key, the execution context, construct_params, the DML result's
    bookkeeping); the compiled text and bind processors kept per set of columns leave the
    driver's own work. Same SQL, same parameters as Core would send."""
    prepared = driver_insert(table, tuple(values), returning, connection.dialect)
    if prepared is None:
        statement = insert(table)
        if returning is None:
            connection.execute(statement, values)
            return None
        return connection.execute(statement.returning(returning), values).scalar_one()
    rows = prepared.send(connection, values)
    if returning is None:
        return None
    [(key,)] = rows
    process = returning.type._cached_result_processor(connection.dialect, None)
    return key if process is None else process(key)


def insert_now(session, obj: Any) -> Any:
    """INSERT one new mapped object at once with a Core statement, and make it persistent.

    What a flush would do for a single row, without the unit of work around it: on the intake
    path (a report, its created event, its suggestions, the retry record) the ORM's flush
    machinery cost more CPU than the statements themselves. Every column gets a value on the
    object (unset ones their Python default, else NULL), so nothing is left to load back; the
    new primary key comes from RETURNING. The object is registered as a flush registers it,
    so a rolled-back transaction or savepoint forgets it again. Relationships are not
    cascaded: related rows are the caller's to write.

    A NULL is left out of the statement when the column has no server default (the database
    fills NULL itself): a report row is mostly empty timestamps, and past 50 parameters
    psycopg parses the statement's text again on every execution instead of caching it.
    """
    state = inspect(obj)
    mapper = state.mapper
    given = state.dict
    values: dict[str, Any] = {}
    generated = None
    for plan in _columns(mapper):
        if plan.generated and given.get(plan.key) is None:
            generated = plan
            continue
        if plan.key in given:
            value = given[plan.key]
        elif plan.scalar_default is not _NO_DEFAULT:
            value = plan.scalar_default
        elif plan.callable_default is not None:
            value = plan.callable_default(None)
        else:
            value = None
        given[plan.key] = value
        if value is not None or plan.by_database:
            values[plan.column.key] = value
    # A scoped session (Flask-SQLAlchemy's db.session) stands for the session of this context.
    real = session() if not hasattr(session, "_register_persistent") else session
    # The session's connection directly: Session.execute's ORM layer is not needed for a
    # plain INSERT and cost as much as the statement.
    connection = real.connection()
    if generated is not None:
        given[generated.key] = insert_values(
            connection, mapper.local_table, values, returning=generated.column
        )
    else:
        insert_values(connection, mapper.local_table, values)
    # Session.add's cascade walk over every relationship finds nothing here (related rows
    # are the caller's, above); pending first, so a rollback expunges it as it would a flush's.
    real._save_impl(state)
    real._register_persistent({state})
    return obj


def commit_answered(session) -> None:
    """Commit a request's transaction once its answer is built, without expiring the objects.

    A commit expires every object in the session, so that the next read of one asks the
    database again; after this commit nothing reads them (the session is closed when the
    request ends), and expiring them - every attribute of the signed-in user, their roles,
    areas and token, the report and its event - cost 0.08 ms of CPU per report filed.
    """
    real = session() if not hasattr(session, "_register_persistent") else session
    previous = real.expire_on_commit
    real.expire_on_commit = False
    try:
        real.commit()
    finally:
        real.expire_on_commit = previous


@contextmanager
def driver_savepoint(session, name: str, *, release: bool = True) -> Iterator[None]:
    """A savepoint around a step whose failure must not undo the transaction it runs in,
    sent to the driver directly: the step may add nothing to the session until it succeeded
    (SQLAlchemy does not know of this savepoint, so it cannot forget the step's objects).

    Connection.begin_nested compiles its SAVEPOINT and RELEASE anew every time (they have no
    cache key) and keeps its own bookkeeping: 0.14 ms of CPU where these take 0.04, on every
    report filed (its pre-sorting runs in one).

    `release=False`: a step that succeeded leaves its savepoint open, for whatever encloses it
    to end — the commit of a request's one transaction, or the release of an enclosing
    savepoint (both end every savepoint opened inside them, on PostgreSQL as on SQLite). One
    round trip fewer per report filed; only for a caller that opens one such savepoint per
    transaction or per enclosing savepoint, so they do not pile up.
    """
    cursor = session.connection().connection.cursor()
    try:
        cursor.execute(f"SAVEPOINT {name}")
        try:
            yield
        except BaseException:
            cursor.execute(f"ROLLBACK TO SAVEPOINT {name}")
            raise
        if release:
            cursor.execute(f"RELEASE SAVEPOINT {name}")
    finally:
        cursor.close()


def serial_plan(session) -> None:
    """PostgreSQL: plan the rest of this transaction without parallel workers.

    For a page of a list (a few milliseconds of work over an index) the planner may still pick
    a Gather Merge when its estimate is large; starting the workers then costs more than the
    work (the queue at 1,000,000 reports, busy machine: 60 ms with workers, 12 ms without).
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SET LOCAL max_parallel_workers_per_gather = 0"))
