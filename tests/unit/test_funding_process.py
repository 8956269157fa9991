"""The two funding diagrams on the engine alone (no Flask, no database): they lint clean and
carry a drawing; a proposal walks the recusal loop, a serialize/deserialize round trip, the
result message, the tranche gateways and the return loop of acceptance."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from lxml import etree

import forms  # noqa: F401  (registers the forms the linter checks against)
from workflows.definitions import lint_xml
from workflows.engine import (
    dump_state,
    load_state,
    new_workflow,
    next_timer_at,
    parse_process,
    ready_user_tasks,
    run_engine,
)
from workflows.funding_common import deliver  # noqa: F401  (the operators are registered)
from workflows.scripting import make_script_engine

BPMN = Path(__file__).resolve().parents[2] / "workflows" / "bpmn"
NS = {
    "bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
    "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI",
}
FLOW_NODES = (
    "startEvent",
    "endEvent",
    "userTask",
    "serviceTask",
    "scriptTask",
    "exclusiveGateway",
    "intermediateCatchEvent",
    "boundaryEvent",
    "subProcess",
)


@pytest.mark.parametrize("key", ["funding_call", "funding_application"])
def test_diagrams_lint_clean_and_are_drawn(key: str) -> None:
    xml = (BPMN / f"{key}.bpmn").read_bytes()
    assert [f for f in lint_xml(xml) if f.severity == "error"] == []
    root = etree.fromstring(xml)
    nodes = {el.get("id") for tag in FLOW_NODES for el in root.iterfind(f".//bpmn:{tag}", NS)}
    flows = {el.get("id") for el in root.iterfind(".//bpmn:sequenceFlow", NS)}
    lanes = {el.get("id") for el in root.iterfind(".//bpmn:lane", NS)}
    shapes = {el.get("bpmnElement") for el in root.iterfind(".//bpmndi:BPMNShape", NS)}
    edges = {el.get("bpmnElement") for el in root.iterfind(".//bpmndi:BPMNEdge", NS)}
    assert nodes <= shapes and lanes <= shapes and flows == edges


class FakeServices:
    """Operators answering as the real ones would, recording every call."""

    def __init__(self, tranches: list[float]) -> None:
        self.calls: list[str] = []
        self.tranches = tranches

    def __call__(self, name: str, params: dict[str, Any], data: dict[str, Any]) -> Any:
        self.calls.append(name)
        answers: dict[str, Any] = {
            "funding_submit_application": {"id": 1, "eligible": True, "problems": [], "street": "140702001"},
            "funding_assign_panel": [11, 12, 13],
            "funding_summarize_scores": {"score": 80.0, "outlier": False},
            "funding_issue_agreement": {"id": 5, "number": "晋民资〔2026〕1号"},
            "funding_record_signing": {
                "tranches": self.tranches,
                "midterm_due": "2030-06-30T23:59:59+08:00",
                "final_due": "2030-12-31T23:59:59+08:00",
            },
        }
        if name == "funding_record_review":
            recused = data.get("conflict") == "recuse"
            return {"recused": recused, "replacement": 14 if recused else None}
        return answers.get(name)


def _complete(workflow: Any, spec: str, **data: Any) -> None:
    task = next(t for t in ready_user_tasks(workflow) if t.task_spec.bpmn_id == spec)
    task.data.update(data)
    task.run()
    run_engine(workflow)


def _ready(workflow: Any) -> list[str]:
    return sorted(t.task_spec.bpmn_id for t in ready_user_tasks(workflow))


def test_a_proposal_through_the_engine() -> None:
    model = parse_process((BPMN / "funding_application.bpmn").read_bytes())
    services = FakeServices([5000.0, 0.0, 1000.0])
    engine = make_script_engine({}, services)
    workflow = new_workflow(model, {}, engine)
    run_engine(workflow)
    _complete(workflow, "apply", call_id=1, organization_id=1)
    _complete(workflow, "street_opinion", decision="recommend", comment="推荐")

    seats = sorted(t.data["panel_expert"] for t in ready_user_tasks(workflow))
    assert seats == [11, 12, 13]
    recusing = next(t for t in ready_user_tasks(workflow) if t.data["panel_expert"] == 12)
    recusing.data.update(conflict="recuse", conflict_reason="顾问")
    recusing.run()
    run_engine(workflow)
    assert sorted(t.data["panel_expert"] for t in ready_user_tasks(workflow)) == [11, 13, 14]

    workflow = load_state(dump_state(workflow), model, engine)  # mid-panel round trip
    for task in list(ready_user_tasks(workflow)):
        task.data.update(conflict="none", criterion_scores=[])
        task.run()
    run_engine(workflow)
    assert ready_user_tasks(workflow) == [] and services.calls.count("funding_record_review") == 4
    assert [e.name for e in workflow.waiting_events()] == ["funding_result"]

    from SpiffWorkflow.bpmn import BpmnEvent
    from SpiffWorkflow.spiff.specs.event_definitions import MessageEventDefinition

    workflow = load_state(dump_state(workflow), model, engine)
    workflow.send_event(
        BpmnEvent(MessageEventDefinition("funding_result"), payload={"funded": True, "amount": 6000})
    )
    run_engine(workflow)
    _complete(workflow, "sign_agreement", agree=True, signatory="王芳", signed_on="2030-01-01")
    _complete(workflow, "pay_first", paid_on="2030-01-02", voucher_no="1")
    assert _ready(workflow) == ["midterm_report"] and next_timer_at(workflow) is not None
    _complete(workflow, "midterm_report")
    _complete(workflow, "evaluation", decision="suspend", comment="整改")
    _complete(workflow, "rectification", rectification_report="已整改")
    _complete(workflow, "evaluation", decision="pass", comment="")
    assert _ready(workflow) == ["final_report"]  # no second tranche: 0 %
    _complete(workflow, "final_report")
    _complete(workflow, "acceptance", decision="return", comment="补充")
    _complete(workflow, "final_report")
    _complete(workflow, "acceptance", decision="pass", comment="")
    _complete(workflow, "pay_final", paid_on="2030-12-01", voucher_no="3")
    assert workflow.is_completed()
    assert (
        services.calls.count("funding_record_payment") == 2 and "funding_complete_project" in services.calls
    )


def test_an_ineligible_or_unfunded_proposal_ends() -> None:
    model = parse_process((BPMN / "funding_application.bpmn").read_bytes())
    services = FakeServices([1.0, 1.0, 1.0])
    answers = {"id": 1, "eligible": False, "problems": ["x"], "street": None}
    engine = make_script_engine(
        {}, lambda n, p, d: answers if n == "funding_submit_application" else services(n, p, d)
    )
    workflow = new_workflow(model, {}, engine)
    run_engine(workflow)
    _complete(workflow, "apply")
    assert workflow.is_completed()


def test_the_call_loops_back_after_an_upheld_objection() -> None:
    model = parse_process((BPMN / "funding_call.bpmn").read_bytes())
    rounds = iter([1, 0])

    def services(name: str, params: dict[str, Any], data: dict[str, Any]) -> Any:
        if name == "funding_apply_rulings":
            return next(rounds, 0)
        return {
            "funding_open_call": {"id": 1, "closes_at": "2020-01-01T00:00:00+08:00"},
            "funding_publish_notice": {"round": 1, "ends_at": "2020-01-01T00:00:00+08:00"},
            "funding_close_notice": 1,
        }.get(name)

    workflow = new_workflow(model, {}, make_script_engine({}, services))
    run_engine(workflow)
    _complete(workflow, "define_call")
    assert _ready(workflow) == ["rank"]  # the window (already past) closed on its timer
    _complete(workflow, "rank")
    _complete(workflow, "approve_list", decision="return", comment="重拟")
    _complete(workflow, "rank")
    _complete(workflow, "approve_list", decision="approve")
    _complete(workflow, "resolve_objections")
    assert _ready(workflow) == ["rank"]  # an objection was upheld
    _complete(workflow, "rank")
    _complete(workflow, "approve_list", decision="approve")
    _complete(workflow, "resolve_objections")
    assert workflow.is_completed()
