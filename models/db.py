"""Engine and session factory; the row lock that serializes work on one instance."""

from __future__ import annotations

import json
from typing import Any

from psycopg.pq import TransactionStatus
from sqlalchemy import create_engine, event, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import NullPool


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
    engine = create_engine(url, pool_pre_ping=True, **options)
    _end_reads_with_commit(engine)
    return engine


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
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    table = model.__table__
    statement = (
        insert(table)
        .values(**key, last=1)
        .on_conflict_do_update(index_elements=list(key), set_={"last": table.c.last + 1})
        .returning(table.c.last)
    )
    value: int = session.execute(statement).scalar_one()
    return value


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
