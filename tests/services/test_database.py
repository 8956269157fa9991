"""The engine's transactions on PostgreSQL: reads end with COMMIT (psycopg keeps its prepared
statements), anything else is still rolled back."""

from __future__ import annotations

from collections.abc import Iterator

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
