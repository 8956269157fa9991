"""The engine wrapper without Flask or a database: parse, run, persist mid-process, timers."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from workflows.engine import (
    ProcessModel,
    compact_history,
    dump_state,
    engine_clock,
    load_state,
    mi_output_name,
    model_from_json,
    new_workflow,
    next_timer_at,
    parse_process,
    ready_user_tasks,
    run_engine,
    spec_to_json,
    state_json,
    task_property,
)
from workflows.scripting import make_script_engine

CORE = Path(__file__).resolve().parents[1] / "bpmn" / "core_review.bpmn"
NOW = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)
HELPERS: dict[str, Any] = {
    "add_working_days": lambda n, start=None: (NOW + timedelta(days=7)).isoformat(),
    "member_units": lambda code=None: [f"{code}D{i:02d}" for i in range(1, 11)],
}


@pytest.fixture(scope="module")
def model() -> ProcessModel:
    parsed = parse_process(CORE.read_bytes())
    return model_from_json(parsed.key, parsed.name, spec_to_json(parsed))  # as restored from the database


def services(name: str, params: dict[str, Any], data: dict[str, Any]) -> Any:
    return {"operator": name, "kind": params["kind"]}


def complete(state: str, model: ProcessModel, form_key: str, data: dict[str, Any], index: int = 0) -> str:
    """Load, complete one ready task of that form, run on, save: as every request does."""
    workflow = load_state(state, model, make_script_engine(HELPERS, services))
    task = [t for t in ready_user_tasks(workflow) if task_property(t, "formKey") == form_key][index]
    task.data.update(data)
    if output := mi_output_name(task):
        task.data[output] = dict(data)
    with engine_clock(NOW):
        task.run()
    run_engine(workflow, NOW)
    compact_history(workflow)
    return dump_state(workflow)


def started(model: ProcessModel) -> str:
    workflow = new_workflow(model, {"scope_code": "140702"}, make_script_engine(HELPERS, services))
    run_engine(workflow, NOW)
    return dump_state(workflow)


def forms_ready(state: str, model: ProcessModel) -> list[str]:
    workflow = load_state(state, model, make_script_engine(HELPERS, services))
    return sorted(task_property(t, "formKey") or "" for t in ready_user_tasks(workflow))


def test_state_is_stored_without_the_spec(model: ProcessModel) -> None:
    state = started(model)
    stored = json.loads(state_json(state))
    assert "spec" not in stored and "subprocess_specs" not in stored
    assert len(state_json(state)) < len(spec_to_json(model)) / 2
    assert len(state) < len(state_json(state)) / 3  # stored compressed
    assert forms_ready(state, model) == ["core.application"]


def test_full_path_persisted_between_every_task(model: ProcessModel) -> None:
    state = complete(started(model), model, "core.application", {"title": "申请"})
    state = complete(state, model, "core.first_review", {"decision": "approve"})
    assert forms_ready(state, model) == ["core.consult", "core.consult"]
    state = complete(state, model, "core.consult", {"agree": True, "comment": "同意"})
    state = complete(state, model, "core.consult", {"agree": False, "comment": "有意见"})
    state = complete(state, model, "core.second_review", {"decision": "approve"})
    state = complete(state, model, "core.leader_decision", {"decision": "approve"})
    workflow = load_state(state, model, make_script_engine(HELPERS, services))
    assert workflow.is_completed()
    data = workflow.last_task.data
    assert data["notice"] == {"operator": "issue_document", "kind": "review_notice"}
    assert sorted(o["comment"] for o in data["opinions"]) == ["同意", "有意见"]


def test_return_loop_and_rejection(model: ProcessModel) -> None:
    state = complete(started(model), model, "core.application", {"title": "申请"})
    state = complete(state, model, "core.first_review", {"decision": "return", "comment": "补充"})
    assert forms_ready(state, model) == ["core.application"]
    state = complete(state, model, "core.application", {"title": "申请（补正）"})
    state = complete(state, model, "core.first_review", {"decision": "reject", "comment": "不符合"})
    assert load_state(state, model, make_script_engine(HELPERS, services)).is_completed()


def test_boundary_timer_is_indexed_and_fires_only_when_due(model: ProcessModel) -> None:
    state = complete(started(model), model, "core.application", {"title": "申请"})
    workflow = load_state(state, model, make_script_engine(HELPERS, services))
    due = next_timer_at(workflow)
    assert due == NOW + timedelta(days=7)
    run_engine(workflow, due - timedelta(minutes=1))
    assert [task_property(t, "formKey") for t in ready_user_tasks(workflow)] == ["core.first_review"]
    run_engine(workflow, due + timedelta(minutes=1))
    assert sorted(task_property(t, "formKey") for t in ready_user_tasks(workflow)) == ["core.consult"] * 2
    assert workflow.last_task is not None


def test_history_compaction_bounds_the_state_over_many_loops(model: ProcessModel) -> None:
    state = complete(started(model), model, "core.application", {"title": "申请"})
    sizes = []
    for loop in range(30):
        state = complete(state, model, "core.first_review", {"decision": "return", "comment": f"第{loop}次"})
        state = complete(state, model, "core.application", {"title": f"申请{loop}"})
        sizes.append(len(state))
    assert max(sizes[5:]) < sizes[2] * 1.2  # bounded, not growing with every loop
    for form_key, data in (
        ("core.first_review", {"decision": "approve"}),
        ("core.consult", {"agree": True, "comment": "同意"}),
        ("core.consult", {"agree": True, "comment": "同意"}),
        ("core.second_review", {"decision": "approve"}),
        ("core.leader_decision", {"decision": "approve"}),
    ):
        state = complete(state, model, form_key, data)
    workflow = load_state(state, model, make_script_engine(HELPERS, services))
    assert workflow.is_completed() and workflow.last_task.data["title"] == "申请29"
