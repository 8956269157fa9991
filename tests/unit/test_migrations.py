"""The Alembic migrations build exactly the schema the models describe."""

from __future__ import annotations

import json
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine

import models
from models.migrate import alembic_config, upgrade
from workflows.engine import state_json


def test_migrations_match_the_models(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'schema.db'}"
    upgrade(url)
    engine = create_engine(url)
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), models.Base.metadata)
    engine.dispose()
    assert differences == []


def test_stored_states_are_compressed_by_the_upgrade_and_restored_by_the_downgrade(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'state.db'}"
    config = alembic_config(url)
    command.upgrade(config, "0009")
    tasks = {f"task-{n}": {"state": 64, "task_spec": f"step_{n}", "data": {}} for n in range(20)}
    state = json.dumps({"tasks": tasks, "data": {"name": "锦纶社区邻里互助协会"}}, ensure_ascii=False)
    engine = create_engine(url)
    day = "2026-11-24"
    rows = {
        "org_units": [
            {
                "code": "140702",
                "name": "榆次区",
                "short_name": "榆",
                "kind": "county",
                "path": "140700/140702",
            }
        ],
        "users": [
            {"id": 1, "username": "u", "display_name": "", "email": "", "password_hash": "x"}
            | {"org_unit_code": "140702", "active": True, "created_at": day}
        ],
        "process_definitions": [
            {"id": 1, "key": "p", "version": 1, "name": "p", "bpmn_xml": b"", "sha256": "", "spec_json": "{}"}
            | {"status": "deployed", "start_roles": "[]", "findings": "[]", "created_at": day}
        ],
        "process_instances": [
            {"id": row_id, "definition_id": 1, "process_key": "p", "version": 1, "scope_code": "140702"}
            | {"scope_path": "140700/140702", "status": "running", "business_key": "", "state": text}
            | {"serializer_version": "", "started_by": 1, "error": "", "lock_version": 0}
            | {"created_at": day, "updated_at": day}
            for row_id, text in ((1, state), (2, ""))
        ],
    }
    with engine.begin() as connection:
        for table, values in rows.items():
            columns = [sa.column(name) for name in values[0]]
            connection.execute(sa.table(table, *columns).insert(), values)
    command.upgrade(config, "heads")
    with engine.connect() as connection:
        stored = dict(connection.execute(sa.text("SELECT id, state FROM process_instances")).all())
    assert len(stored[1]) < len(state.encode()) / 3
    assert state_json(stored[1]) == state
    assert stored[2] == b"" and state_json(stored[2]) == "{}"
    command.downgrade(config, "0009")
    with engine.connect() as connection:
        restored = dict(connection.execute(sa.text("SELECT id, state FROM process_instances")).all())
    engine.dispose()
    assert restored == {1: state, 2: ""}
