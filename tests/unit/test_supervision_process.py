"""The `rectification_interview` BPMN on the engine alone (no Flask, no database): the ladder's
routes, the two deadline timers, and a save/restore around every step.

The service tasks are answered by a stand-in that keeps the case in memory, so these tests show
what the diagram does with the operators' answers; the operators themselves are covered by the
integration tests.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

import workflows.catalog  # noqa: F401  (registers the operators the linter checks against)
from workflows.definitions import lint_xml
from workflows.engine import (
    ProcessModel,
    dump_state,
    engine_clock,
    load_state,
    model_from_json,
    new_workflow,
    parse_process,
    ready_user_tasks,
    run_engine,
    spec_to_json,
    task_property,
)
from workflows.linter import parse_xml_safely
from workflows.scripting import make_script_engine

BPMN = Path(__file__).resolve().parents[2] / "workflows" / "bpmn" / "rectification_interview.bpmn"
NOW = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
RECT = {
    "plan_due": (NOW + timedelta(days=14)).isoformat(),
    "deadline": (NOW + timedelta(days=60)).isoformat(),
    "report_due": (NOW + timedelta(days=30)).isoformat(),
}
DATES = ("supervision_start_rectification", "supervision_review_plan", "supervision_record_progress")
CRITICISM = {"tool": "criticism", "name": "通报", "rectify": False}
INTERVIEW = {"tool": "interview", "name": "约谈", "rectify": True}
LISTING = {"tool": "listing", "name": "挂牌督办", "rectify": True}


class FakeCase:
    """Answers the operators as the real ones would for a case with this ladder."""

    def __init__(self, ladder: list[dict[str, Any]]) -> None:
        self.ladder, self.rung, self.failed = ladder, 0, False
        self.calls: list[str] = []

    def __call__(self, name: str, params: dict[str, Any], data: dict[str, Any]) -> Any:
        self.calls.append(name)
        if name == "supervision_enter_rung":
            self.failed = False
            return {**self.ladder[self.rung], "index": self.rung}
        if name in (
            "supervision_start_rectification",
            "supervision_review_plan",
            "supervision_record_progress",
        ):
            return RECT
        if name == "supervision_record_verification":
            self.failed = data["decision"] != "pass"
            listed = self.ladder[self.rung]["tool"] == "listing"
            return {"passed": not self.failed, "listed": listed, "has_next": self.rung + 1 < len(self.ladder)}
        if name == "supervision_next_rung":
            has_next = self.rung + 1 < len(self.ladder)
            self.rung += int(has_next)
            return {"has_next": has_next, "failed": self.failed}
        return {"operator": name, **params}


@pytest.fixture(scope="module")
def model() -> ProcessModel:
    parsed = parse_process(BPMN.read_bytes())
    return model_from_json(parsed.key, parsed.name, spec_to_json(parsed))


class Run:
    """A case on the engine, saved and restored around every step as the service layer does."""

    def __init__(self, model: ProcessModel, ladder: list[dict[str, Any]]) -> None:
        self.model, self.case = model, FakeCase(ladder)
        workflow = new_workflow(model, {"scope_code": "140700"}, self._engine())
        run_engine(workflow, NOW)
        self.state = dump_state(workflow)

    def _engine(self) -> Any:
        return make_script_engine({}, self.case)

    def load(self) -> Any:
        return load_state(self.state, self.model, self._engine())

    def ready(self) -> list[str]:
        return sorted(task_property(t, "formKey") or "" for t in ready_user_tasks(self.load()))

    def do(self, form_key: str, **data: Any) -> Run:
        workflow = self.load()
        task = next(t for t in ready_user_tasks(workflow) if task_property(t, "formKey") == form_key)
        task.data.update(data)
        with engine_clock(NOW):
            task.run()
        run_engine(workflow, NOW)
        self.state = dump_state(workflow)
        return self

    def at(self, moment: datetime) -> Run:
        workflow = self.load()
        run_engine(workflow, moment)
        self.state = dump_state(workflow)
        return self

    def ended(self) -> str:
        workflow = self.load()
        assert workflow.is_completed()
        ends = [t for t in workflow.get_tasks() if type(t.task_spec).__name__ == "EndEvent"]
        return str(max(ends, key=lambda t: t.last_state_change).task_spec.bpmn_name)


def rectify(run: Run, verdict: str) -> Run:
    """Plan approved at once, completion reported, 验收 with `verdict`."""
    run.do("supervision.plan").do("supervision.plan_review", decision="approve")
    run.do("supervision.progress", decision="complete")
    return run.do("supervision.verify", decision=verdict)


def test_the_bundled_diagram_lints_clean_and_is_drawn_with_lanes() -> None:
    xml = BPMN.read_bytes()
    assert lint_xml(xml) == []
    root = parse_xml_safely(xml)
    elements = {el.get("id") for el in root.iter() if el.get("id") and el.tag.split("}")[1] in (
        "userTask", "serviceTask", "exclusiveGateway", "startEvent", "endEvent", "boundaryEvent", "lane",
        "sequenceFlow", "participant")}  # fmt: skip
    drawn = {el.get("bpmnElement") for el in root.iter() if el.get("bpmnElement")}
    assert elements <= drawn
    lanes = {el.get("name") for el in root.iter() if el.tag.endswith("}lane")}
    assert lanes == {"plac_officer", "county_leader"}


def test_a_ladder_ending_without_rectification_closes_after_acknowledgement(model: ProcessModel) -> None:
    run = Run(model, [CRITICISM])
    assert run.ready() == ["supervision.open"]
    run.do("supervision.open").do("supervision.criticism")
    assert run.ready() == ["supervision.acknowledge"]
    run.do("supervision.acknowledge", decision="acknowledge")
    assert run.ended() == "督办措施执行完毕，结案"
    assert "supervision_escalate" not in run.case.calls


def test_returned_record_and_plan_loop_back_then_pass_closes(model: ProcessModel) -> None:
    run = Run(model, [CRITICISM, INTERVIEW, LISTING]).do("supervision.open").do("supervision.criticism")
    run.do("supervision.acknowledge", decision="acknowledge")
    assert run.ready() == ["supervision.interview_notice"]
    run.do("supervision.interview_notice").do("supervision.interview_record")
    run.do("supervision.record_signoff", decision="return")
    assert run.ready() == ["supervision.interview_record"]
    run.do("supervision.interview_record").do("supervision.record_signoff", decision="approve")
    run.do("supervision.plan").do("supervision.plan_review", decision="return")
    assert run.ready() == ["supervision.plan"]
    run.do("supervision.plan").do("supervision.plan_review", decision="approve")
    run.do("supervision.progress", decision="progress")
    assert run.ready() == ["supervision.progress"]
    run.do("supervision.progress", decision="complete").do("supervision.verify", decision="pass")
    assert run.ended() == "整改验收通过，结案"
    assert run.case.calls.count("supervision_start_rectification") == 1


def interviewed(model: ProcessModel) -> Run:
    """A case on the ladder 约谈 → 挂牌督办, through the interview up to its rectification."""
    run = Run(model, [INTERVIEW, LISTING]).do("supervision.open").do("supervision.interview_notice")
    return run.do("supervision.interview_record").do("supervision.record_signoff", decision="approve")


def test_failing_climbs_the_ladder_and_the_last_rung_decides(model: ProcessModel) -> None:
    run = rectify(interviewed(model), "fail")
    assert run.ready() == ["supervision.listing"]
    assert rectify(run.do("supervision.listing"), "pass").ended() == "摘牌，结案"
    failed = rectify(interviewed(model), "fail").do("supervision.listing")
    assert rectify(failed, "fail").ended() == "一票否决，结案"
    assert "supervision_escalate" in failed.case.calls and "supervision_delist" not in failed.case.calls


def test_the_plan_timer_only_flags_and_the_deadline_timer_brings_verification(model: ProcessModel) -> None:
    run = Run(model, [INTERVIEW]).do("supervision.open").do("supervision.interview_notice")
    run.do("supervision.interview_record").do("supervision.record_signoff", decision="approve")
    run.at(datetime.fromisoformat(RECT["plan_due"]) + timedelta(minutes=1))
    assert run.case.calls.count("supervision_plan_overdue") == 1
    assert run.ready() == ["supervision.plan"]  # non-interrupting: the plan is still expected
    run.do("supervision.plan").do("supervision.plan_review", decision="approve")
    run.do("supervision.progress", decision="progress")
    run.at(datetime.fromisoformat(RECT["deadline"]) - timedelta(minutes=1))
    assert run.ready() == ["supervision.progress"]
    run.at(datetime.fromisoformat(RECT["deadline"]) + timedelta(minutes=1))
    assert run.ready() == ["supervision.verify"]
    assert "supervision_deadline_reached" in run.case.calls
