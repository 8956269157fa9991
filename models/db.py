"""Engine and session factory; the row lock that serializes work on one instance."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from functools import cache
from typing import Any, overload

import psycopg
from psycopg.pq import ExecStatus, TransactionStatus
from psycopg.pq.abc import PGresult
from sqlalchemy import Table, create_engine, event, insert, inspect, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session, make_transient_to_detached, sessionmaker
from sqlalchemy.pool import NullPool
from sqlalchemy.sql.dml import Insert, ReturningInsert
from sqlalchemy.sql.elements import TextClause
from sqlalchemy.sql.schema import CallableColumnDefault, Column, ScalarElementColumnDefault

from models.base import table_of


def _json(value: Any) -> str:
    """JSON columns keep Chinese as UTF-8: 3 bytes a character instead of a 6-byte \\u escape."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def make_engine(url: str, **options: Any) -> Engine:
    """An engine for `url`; SQLite gets WAL, a busy timeout and foreign keys."""
    options.setdefault("json_serializer", _json)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30}, poolclass=NullPool, **options)
        event.listen(engine, "connect", _configure_sqlite)
        return engine
    engine = create_engine(
        url, pool_pre_ping=True, connect_args={"cursor_factory": DescribeOnReadCursor}, **options
    )
    _end_reads_with_commit(engine)
    return engine


_ROWS_STATUSES = (ExecStatus.TUPLES_OK, ExecStatus.SINGLE_TUPLE, ExecStatus.TUPLES_CHUNK)


class DescribeOnReadCursor(psycopg.Cursor[Any]):
    """psycopg's cursor, whose `description` makes its Column objects when they are read.

    SQLAlchemy asks every result for its description but reads the columns only the first time a
    statement runs; after that the result's metadata comes from the compiled statement's cache.
    psycopg made a Column object per result column at every asking (20 µs for 25 columns, ~1 % of
    a completion's CPU for nothing).
    """

    @property
    def description(self) -> Sequence[psycopg.Column] | None:  # type: ignore[override]  # a list's reads
        result = self.pgresult
        if result is None or not (result.nfields or result.status in _ROWS_STATUSES):
            return None
        return _Description(self, result)


class _Description(Sequence[psycopg.Column]):
    """The columns of one result, made on first read (while the cursor still holds that result)."""

    __slots__ = ("_columns", "_cursor", "_result")

    def __init__(self, cursor: psycopg.Cursor[Any], result: PGresult) -> None:
        self._cursor, self._result = cursor, result
        self._columns: list[psycopg.Column] | None = None

    def _made(self) -> list[psycopg.Column]:
        if self._columns is None:
            if self._cursor.pgresult is not self._result:
                raise psycopg.InterfaceError("a description was first read after its cursor moved on")
            self._columns = [psycopg.Column(self._cursor, i) for i in range(self._result.nfields)]
        return self._columns

    def __len__(self) -> int:
        return int(self._result.nfields)

    @overload
    def __getitem__(self, index: int) -> psycopg.Column: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[psycopg.Column]: ...
    def __getitem__(self, index: int | slice) -> psycopg.Column | Sequence[psycopg.Column]:
        return self._made()[index]

    def __iter__(self) -> Iterator[psycopg.Column]:
        return iter(self._made())


def _end_reads_with_commit(engine: Engine) -> None:
    """End a PostgreSQL transaction that only read with COMMIT instead of ROLLBACK.

    psycopg forgets every statement it has prepared on each ROLLBACK (a schema change rolled back
    with it could have made them stale), and every request that only reads ends with one when its
    session closes: the statements the application runs most were parsed and planned afresh every
    time. For a transaction that ran nothing but SELECTs, COMMIT and ROLLBACK are the same, and
    psycopg's ROLLBACK after the COMMIT has nothing to do. A transaction that ran anything else
    (or failed) is rolled back as before.
    """

    @event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        conn.info["wrote"] = False

    @event.listens_for(engine, "before_cursor_execute")
    def _note_write(
        conn: Connection, _cursor: Any, statement: str, _params: Any, _context: Any, many: bool
    ) -> None:
        if many or statement[:6].upper() != "SELECT":
            conn.info["wrote"] = True

    @event.listens_for(engine, "rollback")
    def _commit_reads(conn: Connection) -> None:
        if conn.info.get("wrote", True) or conn.invalidated:
            return
        raw = conn.connection.dbapi_connection
        if raw is not None and raw.info.transaction_status == TransactionStatus.INTRANS:
            raw.commit()


def _configure_sqlite(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions that keep loaded objects usable after commit."""
    return sessionmaker(bind=engine, expire_on_commit=False)


def next_value(session: Session, model: type[Any], **key: Any) -> int:
    """Increment the `last` column of the counter row `key` (created at 1) and return it.

    One upsert statement; the row stays locked until the transaction ends, so no two callers
    ever get the same value.
    """
    value: int = session.execute(_upsert_of(table_of(model).name, tuple(key)), key).scalar_one()
    return value


@cache
def _upsert_of(table: str, key: tuple[str, ...]) -> TextClause:
    """The counter upsert of `table` by the columns `key`, as SQL text that PostgreSQL and SQLite
    (3.35 and later) both read. SQLAlchemy cannot cache the compiled form of its own ON CONFLICT
    construct and compiled it at every call (0.3 ms, four times a registration); text is cached.
    """
    columns = ", ".join(key)
    return text(
        f"INSERT INTO {table} ({columns}, last) VALUES ({', '.join(':' + k for k in key)}, 1) "
        f"ON CONFLICT ({columns}) DO UPDATE SET last = {table}.last + 1 RETURNING last"
    )


def _default_of(column: Column[Any]) -> Callable[[], Any] | None:
    """The column's Python-side default as a function of no arguments (None when it has none)."""
    default = column.default
    if isinstance(default, ScalarElementColumnDefault):
        value = default.arg
        return lambda: value
    if isinstance(default, CallableColumnDefault):
        make: Callable[[Any], Any] = default.arg
        return lambda: make(None)  # SQLAlchemy wraps a function of no arguments to take a context
    return None


class _RowWriter:
    """How `insert_loaded` writes one model's rows: the statement, and each column's attribute and
    default (computed once per model)."""

    def __init__(self, model: type[Any]) -> None:
        table: Table = table_of(model)
        mapper = inspect(model)
        self.has_id = "id" in table.c  # a generated key, read back; else the key is among the values
        self.statement: Insert | ReturningInsert[Any] = (
            insert(table).returning(table.c.id) if self.has_id else insert(table)
        )
        self.columns = [
            (mapper.get_property_by_column(column).key, column.key, _default_of(column))
            for column in table.columns
            if column.key != "id"
        ]


_WRITERS: dict[type[Any], _RowWriter] = {}


def insert_loaded(session: Session, row: Any) -> None:
    """Write a new row by one Core INSERT (… RETURNING id when its table has a generated `id`), and
    let the session know it as loaded.

    For the rows every completion writes (tasks, documents): the unit of work costs about 0.35 ms
    of CPU a row, this about 0.13. Every column gets its value, the model's default where the row
    has none (a constant, or a function called without arguments), so that nothing is loaded again
    when the row is read. Relationships are not written: set the foreign-key columns.
    """
    model = type(row)
    writer = _WRITERS.get(model) or _WRITERS.setdefault(model, _RowWriter(model))
    values = {}
    for attribute, key, default in writer.columns:
        value = getattr(row, attribute)
        if value is None and default is not None:
            value = default()
            setattr(row, attribute, value)
        values[key] = value
    if writer.has_id:
        row.id = session.execute(writer.statement, values).scalar_one()
    else:
        session.execute(writer.statement, values)
    make_transient_to_detached(row)  # as if it had been read: persistent once added, nothing to flush
    session.add(row)


def lock_instance_row(session: Session, instance_id: int) -> None:
    """Take the write lock on one process instance for the rest of the transaction.

    PostgreSQL: SELECT … FOR UPDATE. SQLite has no row locks: end any read transaction and
    start the new one with a write, which takes the database write lock (waiting up to the
    busy timeout) so that two completions run one after the other.
    """
    if session.get_bind().dialect.name == "sqlite":
        if session.in_transaction():
            session.commit()
        session.execute(
            text("UPDATE process_instances SET lock_version = lock_version WHERE id = :id"),
            {"id": instance_id},
        )
        return
    session.execute(text("SELECT id FROM process_instances WHERE id = :id FOR UPDATE"), {"id": instance_id})
