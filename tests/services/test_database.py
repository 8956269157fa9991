"""The engine's transactions on PostgreSQL: reads end with COMMIT (psycopg keeps its prepared
statements), anything else is still rolled back."""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest
from flask import Flask
from sqlalchemy import select, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError

from models import OrgUnit
from models.db import make_engine, make_session_factory
from tests.conftest import need_service


@pytest.fixture
def engine(app: Flask) -> Iterator[Engine]:  # the app's database, with its org tree
    database_url = app.config["DATABASE_URL"]
    if not database_url.startswith("postgresql"):
        need_service("PostgreSQL", "set TEST_DATABASE_URL to test psycopg's prepared statements")
    engine = make_engine(database_url, pool_size=1, max_overflow=0)  # one connection: always the same
    yield engine
    engine.dispose()


def _prepared(engine: Engine) -> set[str]:
    with engine.connect() as conn:
        return set(conn.scalars(text("SELECT statement FROM pg_prepared_statements")))


def test_a_session_that_only_read_keeps_the_prepared_statements(engine: Engine) -> None:
    sessions = make_session_factory(engine)
    query = select(OrgUnit.code).where(OrgUnit.code == "140702")
    for _ in range(6):  # psycopg prepares a statement on its 5th run
        with sessions() as session:  # closing it ends the transaction
            assert session.scalar(query) == "140702"
    assert any("FROM org_units" in statement for statement in _prepared(engine))


def test_a_session_that_wrote_is_still_rolled_back(engine: Engine) -> None:
    sessions = make_session_factory(engine)
    with sessions() as session:
        session.add(OrgUnit(code="149999", name="不应保存的单位", kind="county", path="140700/149999"))
        session.flush()
        assert session.get(OrgUnit, "149999") is not None
    with sessions() as session:
        assert session.get(OrgUnit, "149999") is None


def test_a_failed_read_is_rolled_back_and_the_connection_goes_on(engine: Engine) -> None:
    sessions = make_session_factory(engine)
    with sessions() as session, pytest.raises(DBAPIError):
        session.execute(text("SELECT 1 / 0"))
    with sessions() as session:
        assert session.scalar(text("SELECT 2")) == 2


def test_the_description_is_made_only_when_read_and_then_as_psycopg_makes_it(engine: Engine) -> None:
    with engine.connect() as conn:
        raw = conn.connection.dbapi_connection
        assert raw is not None
        cursor = raw.cursor()
        cursor.execute("SELECT 1 AS one, 'x'::text AS two")
        description = cursor.description
        assert description is not None and len(description) == 2
        assert description._columns is None  # type: ignore[attr-defined]  # nothing made yet
        assert [(c.name, c.type_code) for c in description] == [("one", 23), ("two", 25)]
        assert description[-1].name == "two" and [c.name for c in description[:1]] == ["one"]
        unread = cursor.description
        cursor.execute("UPDATE org_units SET name = name WHERE code = '0'")
        assert cursor.description is None  # no rows, no description
        with pytest.raises(psycopg.InterfaceError, match="moved on"):
            list(unread)  # type: ignore[arg-type]
        conn.rollback()


def test_sqlalchemy_reads_rows_through_that_cursor(engine: Engine) -> None:
    with make_session_factory(engine)() as session:
        for _ in range(3):  # the first run reads the description, the others use the cached metadata
            row = session.execute(select(OrgUnit.code, OrgUnit.name).where(OrgUnit.code == "140702")).one()
            assert row.code == "140702" and row.name
