"""`insert_loaded`: one INSERT, and the session holds the row as if it had just been read."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event, inspect, select
from sqlalchemy.orm import Session

from models import Organization, OrganizationRepresentative, User
from models.base import table_of
from models.db import insert_loaded


@contextmanager
def _statements(session: Session) -> Iterator[list[str]]:
    """The first word of each statement the session's engine sends, while inside."""
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement.split()[0])

    engine = session.get_bind()
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def test_the_row_is_written_with_its_defaults_and_nothing_is_left_to_flush_or_load(
    db_session: Session,
) -> None:
    user = User(username="insert_loaded_1", password_hash="x", org_unit_code="140702")
    try:
        with _statements(db_session) as seen:
            insert_loaded(db_session, user)
            assert seen == ["INSERT"]
            # The model's defaults, constants and a function of no arguments, are on the object ...
            assert (user.display_name, user.email, user.active) == ("", "", True)
            assert user.created_at is not None
            state = inspect(user)
            assert state.persistent and not state.modified and not db_session.new
            db_session.flush()
            assert user.username == "insert_loaded_1" and user.org_unit_code == "140702"
            assert seen == ["INSERT"]  # nothing flushed, nothing loaded again
        # ... and in the row.
        table = table_of(User)
        row = db_session.execute(select(table).where(table.c.id == user.id)).one()
        assert (row.username, row.display_name, row.email, row.active) == ("insert_loaded_1", "", "", True)
        assert row.created_at == user.created_at
    finally:
        db_session.rollback()


def test_a_row_whose_key_is_among_its_values_is_written_without_reading_an_id_back(
    db_session: Session,
) -> None:
    user = User(username="insert_loaded_2", password_hash="x", org_unit_code="140702")
    organization = Organization(
        name="插入测试协会", org_type="association", county_code="140702", status="new"
    )
    try:
        insert_loaded(db_session, user)
        insert_loaded(db_session, organization)
        link = OrganizationRepresentative(organization_id=organization.id, user_id=user.id)
        with _statements(db_session) as seen:
            insert_loaded(db_session, link)
            db_session.flush()
            assert seen == ["INSERT"]
        assert link.role == "applicant" and link.since is not None  # the model's defaults
        assert inspect(link).persistent and not inspect(link).modified
        table = table_of(OrganizationRepresentative)
        row = db_session.execute(select(table).where(table.c.user_id == user.id)).one()
        assert (row.organization_id, row.role) == (organization.id, "applicant")
    finally:
        db_session.rollback()
