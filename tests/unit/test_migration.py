"""Version migration on the engine alone (no Flask, no database), and the version diff.

Migrating must keep what SpiffWorkflow's reset would lose: a multi-instance child's item and a
timer's due time; a task inserted ahead of the current one runs; a removed task that already ran
blocks the migration with a reason naming it.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from workflows.engine import (
    ProcessModel,
    dump_state,
    load_state,
    model_from_json,
    new_workflow,
    parse_process,
    ready_user_tasks,
    run_engine,
    spec_to_json,
)
from workflows.migration import MigrationBlocked, apply, plan
from workflows.scripting import make_script_engine
from workflows.version_diff import diff_versions

CORE = (Path(__file__).resolve().parents[1] / "bpmn" / "core_review.bpmn").read_bytes()
NOW = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)


def renamed(xml: bytes = CORE) -> bytes:
    """core_review with the first review renamed."""
    return xml.replace('name="初审"'.encode(), 'name="初审（受理审查）"'.encode())


def with_extra_check(xml: bytes = CORE) -> bytes:
    """core_review with a user task inserted between the first review and its gateway."""
    task = (
        '<bpmn:userTask id="extra_check" name="补充核查"><bpmn:extensionElements><spiffworkflow:properties>'
        '<spiffworkflow:property name="formKey" value="core.first_review" />'
        '<spiffworkflow:property name="dueIn" value="P2WD" />'
        "</spiffworkflow:properties></bpmn:extensionElements>"
        "<bpmn:incoming>f_review_gw</bpmn:incoming><bpmn:outgoing>f_extra_gw</bpmn:outgoing></bpmn:userTask>"
        '<bpmn:sequenceFlow id="f_extra_gw" sourceRef="extra_check" targetRef="gw_first" />'
    ).encode()
    xml = xml.replace(b'targetRef="gw_first" />', b'targetRef="extra_check" />' + task, 1)
    xml = xml.replace(
        b"<bpmn:incoming>f_review_gw</bpmn:incoming>\n      <bpmn:outgoing>f_return",
        b"<bpmn:incoming>f_extra_gw</bpmn:incoming>\n      <bpmn:outgoing>f_return",
    )
    return xml.replace(
        b"<bpmn:flowNodeRef>first_review</bpmn:flowNodeRef>",
        b"<bpmn:flowNodeRef>first_review</bpmn:flowNodeRef><bpmn:flowNodeRef>extra_check</bpmn:flowNodeRef>",
    )


def without_apply(xml: bytes = CORE) -> bytes:
    """core_review without the applicant's task: the case starts with the first review."""
    xml = re.sub(rb'<bpmn:userTask id="apply".*?</bpmn:userTask>', b"", xml, flags=re.S)
    xml = re.sub(rb'<bpmn:sequenceFlow id="f_apply_review"[^>]*/>', b"", xml)
    xml = re.sub(
        rb'<bpmndi:BPMN(Shape|Edge) id="(apply|f_apply_review)_di".*?</bpmndi:BPMN(Shape|Edge)>',
        b"",
        xml,
        flags=re.S,
    )
    xml = xml.replace(b"<bpmn:flowNodeRef>apply</bpmn:flowNodeRef>", b"")
    return xml.replace(b'targetRef="apply"', b'targetRef="first_review"')


def with_new_id(xml: bytes = CORE) -> bytes:
    """core_review whose applicant task got a new id (the old `apply`)."""
    return xml.replace(b'"apply"', b'"apply_v2"').replace(b">apply<", b">apply_v2<")


def model(xml: bytes) -> ProcessModel:
    parsed = parse_process(xml)
    return model_from_json(parsed.key, parsed.name, spec_to_json(parsed))


def engine(deadline: list[str]) -> Any:
    helpers = {
        "add_working_days": lambda n, start=None: deadline[0],
        "member_units": lambda code=None: ["140700D01", "140700D02", "140700D03", "140700D04"],
        "today": lambda: "2026-11-24",
        "now": lambda: "2026-11-24T10:00:00+08:00",
    }
    return make_script_engine(helpers, lambda name, params, data: {"id": 1})


def complete(workflow: Any, data: dict[str, Any]) -> None:
    task = ready_user_tasks(workflow)[0]
    task.data.update(data)
    task.run()
    run_engine(workflow, NOW)


def start(deadline: list[str], steps: list[dict[str, Any]]) -> str:
    """State of a core_review v1 workflow after completing `steps` user tasks."""
    workflow = new_workflow(model(CORE), {}, engine(deadline))
    run_engine(workflow, NOW)
    for data in steps:
        complete(workflow, data)
    return dump_state(workflow)


def migrate_state(state: str, xml: bytes, deadline: list[str]) -> tuple[Any, list[str]]:
    """Load a v1 state, migrate it to `xml` and restore it onto the new spec (as the service does)."""
    script_engine = engine(deadline)
    old, new = model(CORE), model(xml)
    workflow = load_state(state, old, script_engine)
    diff, notes = plan(workflow, new)
    apply(workflow, diff, new, NOW)
    migrated = load_state(dump_state(workflow), new, script_engine)
    run_engine(migrated, NOW)
    return migrated, notes


def test_renamed_active_task_keeps_its_id_and_gets_the_new_name() -> None:
    deadline = ["2026-12-01T17:00:00+08:00"]
    state = start(deadline, [{}])
    before = ready_user_tasks(load_state(state, model(CORE), engine(deadline)))[0]
    migrated, notes = migrate_state(state, renamed(), deadline)
    task = ready_user_tasks(migrated)[0]
    assert task.id == before.id and task.task_spec.bpmn_name == "初审（受理审查）"
    assert any("first_review" in note and "名称" in note for note in notes), notes


def test_timer_due_time_survives_migration() -> None:
    deadline = ["2026-12-01T17:00:00+08:00"]
    state = start(deadline, [{}])
    deadline[0] = "2027-03-01T17:00:00+08:00"  # re-evaluating the timer now would give this
    migrated, _ = migrate_state(state, renamed(), deadline)
    assert [e.value for e in migrated.waiting_events()] == ["2026-12-01T17:00:00+08:00"]


def test_multi_instance_children_keep_their_items() -> None:
    deadline = ["2026-12-01T17:00:00+08:00"]
    state = start(deadline, [{}, {"decision": "approve"}])
    migrated, _ = migrate_state(
        state, CORE.replace("成员单位意见".encode(), "成员单位会签".encode()), deadline
    )
    children = ready_user_tasks(migrated)
    assert sorted(t.data["unit"] for t in children) == ["140700D03", "140700D04"]
    assert {t.task_spec.bpmn_name for t in children} == {"成员单位会签"}


def test_task_inserted_ahead_of_the_current_one_runs() -> None:
    deadline = ["2026-12-01T17:00:00+08:00"]
    migrated, notes = migrate_state(start(deadline, [{}]), with_extra_check(), deadline)
    assert any("补充核查" in note for note in notes)
    complete(migrated, {"decision": "approve"})
    assert [t.task_spec.bpmn_id for t in ready_user_tasks(migrated)] == ["extra_check"]


def test_removed_task_that_already_ran_blocks_with_its_name() -> None:
    deadline = ["2026-12-01T17:00:00+08:00"]
    workflow = load_state(start(deadline, [{}]), model(CORE), engine(deadline))
    with pytest.raises(MigrationBlocked) as blocked:
        plan(workflow, model(without_apply()))
    assert any("apply" in reason and "填写申请" in reason for reason in blocked.value.reasons)


def test_task_with_a_new_id_is_aligned_by_its_place_in_the_flow() -> None:
    deadline = ["2026-12-01T17:00:00+08:00"]
    migrated, _ = migrate_state(start(deadline, [{}]), with_new_id(), deadline)
    assert [t.task_spec.bpmn_id for t in ready_user_tasks(migrated)] == ["first_review"]
    complete(migrated, {"decision": "return"})
    assert [t.task_spec.bpmn_id for t in ready_user_tasks(migrated)] == ["apply_v2"]


def test_version_diff_lists_added_removed_and_changed_elements() -> None:
    new = with_extra_check(renamed()).replace(b'<spiffworkflow:property name="dueIn" value="P3WD" />', b"")
    diff = diff_versions(CORE, new)
    assert {"extra_check", "f_extra_gw"} <= set(diff.ids("added"))
    assert {"first_review", "consult"} <= set(diff.ids("changed"))
    changed = {c.element: c for c in diff.changes}
    assert ("名称", "初审", "初审（受理审查）") in changed["first_review"].facets
    assert any(f[0] == "属性 dueIn" and f[1] == "P3WD" and f[2] == "" for f in changed["consult"].facets)
    assert diff.markers()["new"]["added"] == diff.ids("added")
    back = diff_versions(new, CORE)
    assert {"extra_check", "f_extra_gw"} <= set(back.ids("removed"))


def test_version_diff_sees_lane_moves_and_ignores_layout() -> None:
    moved = CORE.replace(b"<bpmn:flowNodeRef>consult</bpmn:flowNodeRef>", b"").replace(
        b"<bpmn:flowNodeRef>second_review</bpmn:flowNodeRef>",
        b"<bpmn:flowNodeRef>second_review</bpmn:flowNodeRef><bpmn:flowNodeRef>consult</bpmn:flowNodeRef>",
    )
    moved = moved.replace(b'<dc:Bounds x="57" y="52"', b'<dc:Bounds x="60" y="50"')
    diff = diff_versions(CORE, moved)
    assert [c.element for c in diff.changes] == ["consult"]
    assert ("泳道（办理角色）", "member_unit", "county_registrar") in diff.changes[0].facets
