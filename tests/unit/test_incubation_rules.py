"""Rules of incubation that need no database: periods, evaluation levels, forms, the prefill, the diagram."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from lxml import etree

import forms
from forms import get_form
from forms.binding import validate_form
from forms.incubation import record_form
from forms.registration import BasicInfoForm, PeopleForm
from forms.registry import Stage
from workflows.definitions import lint_xml
from workflows.incubation_common import add_months, period_end
from workflows.incubation_growth import _offer, evaluation_level
from workflows.incubation_records import registration_prefill
from workflows.incubation_views import cents
from workflows.linter import NS, properties

BPMN = Path(__file__).resolve().parents[2] / "workflows" / "bpmn" / "incubation_admission.bpmn"


@pytest.mark.parametrize(
    ("start", "months", "same_day", "last_day"),
    [
        (date(2026, 1, 10), 12, date(2027, 1, 10), date(2027, 1, 9)),
        (date(2026, 8, 31), 6, date(2027, 2, 28), date(2027, 2, 27)),
        (date(2027, 8, 31), 6, date(2028, 2, 29), date(2028, 2, 28)),
        (date(2026, 11, 30), 3, date(2027, 2, 28), date(2027, 2, 27)),
        (date(2026, 12, 1), 1, date(2027, 1, 1), date(2026, 12, 31)),
    ],
)
def test_months_and_period_end(start: date, months: int, same_day: date, last_day: date) -> None:
    assert add_months(start, months) == same_day
    assert period_end(start, months) == last_day


@pytest.mark.parametrize(
    ("total", "line", "level"),
    [
        (100, 60, "excellent"),
        (85, 60, "excellent"),
        (84, 60, "good"),
        (70, 60, "good"),
        (69, 60, "pass"),
        (60, 60, "pass"),
        (59, 60, "weak"),
        (72, 75, "weak"),
        (0, 0, "pass"),
    ],
)
def test_evaluation_levels(total: int, line: int, level: str) -> None:
    assert evaluation_level(total, line) == level


def test_what_a_graduate_is_offered() -> None:
    def offer(stage: str, step: str | None) -> str:
        return _offer(SimpleNamespace(group_stage=stage), step)  # type: ignore[arg-type]

    assert offer("founding", "file") == "file"
    assert offer("founding", None) == "register"
    assert offer("filed", "register") == "register"
    assert offer("filed", "file") == ""
    assert offer("registered", "register") == ""


def test_cents_are_written_as_yuan() -> None:
    assert [cents(v) for v in (0, 5, 123456, -1050)] == ["0.00", "0.05", "1234.56", "-10.50"]


APPLICATION: dict[str, Any] = {
    "base_id": 1,
    "group_stage": "founding",
    "group_name": "榆次区锦纶社区邻里调解队",
    "members_count": 15,
    "leader_name": "张敏",
    "leader_phone": "13803540001",
    "leader_id_number": "140702198001010015",
    "venue": "锦纶社区居委会二楼活动室",
    "intro": "由社区退休干部和志愿者组成，调解邻里纠纷，开展普法宣传。",
    "group_service_field": "mediation",
    "group_served": ["elderly", "residents"],
    "group_activity_area": "community",
    "needs": ["office_space"],
    "plan_goals": "一年内建立章程和财务制度，具备登记条件。",
    "milestones": [{"month": 3, "target": "制定章程"}],
    "intended_outcome": "register",
    "intended_org_type": "association",
    "pledge": True,
}


def test_application_rules() -> None:
    spec = get_form("incubation.application")
    assert [s.key for s in spec.stages] == ["group", "field", "needs", "plan", "pledge"]
    assert spec.business_key == "group_name"
    assert validate_form(spec, APPLICATION).ok, validate_form(spec, APPLICATION).errors
    errors = validate_form(
        spec,
        {
            **APPLICATION,
            "group_stage": "filed",
            "group_service_field": "other",
            "intended_org_type": None,
            "needs": ["castle"],
            "milestones": [],
        },
    ).errors
    assert errors["organization_id"] == ["已登记或已备案的组织请填写社会组织名录编号。"]
    assert errors["group_service_field_other"] == ["服务领域选择“其他领域”时，请注明具体领域。"]
    assert "intended_org_type" in errors and "needs" in errors


def test_decision_forms_require_reasons_and_numbers() -> None:
    review = validate_form(get_form("incubation.operator_review"), {"decision": "reject"}).errors
    assert review["comment"] == ["退回或不同意入驻时，请写明理由。"]
    decision = get_form("incubation.graduation_decision")
    assert validate_form(decision, {"decision": "extend"}).errors["extension_months"] == [
        "延长孵化期时，请填写延长期限。"
    ]
    assert validate_form(decision, {"decision": "graduate"}).ok
    evaluation = validate_form(get_form("incubation.evaluation"), {"score_governance": 25}).errors
    assert "score_governance" in evaluation and "eval_summary" in evaluation and "decision" in evaluation
    assert get_form("incubation.evaluation").decision_choices == frozenset({"on_track", "support"})


def test_ledger_amounts_are_exact() -> None:
    spec = record_form("ledger")
    base = {"entry_date": "2026-03-01", "direction": "income", "summary": "社区公益金拨付"}
    assert validate_form(spec, {**base, "amount": "0.01"}).ok
    assert validate_form(spec, {**base, "amount": "0.015"}).errors["amount"] == [
        "金额最多保留两位小数（精确到分）。"
    ]
    assert "amount" in validate_form(spec, {**base, "amount": "0"}).errors


def test_prefill_is_a_valid_start_of_the_registration_application() -> None:
    incubation = SimpleNamespace(group_name="榆次区锦纶社区邻里调解队", profile=APPLICATION)
    data = registration_prefill(incubation)  # type: ignore[arg-type]
    assert data["founders"] == [{"name": "张敏", "id_number": "140702198001010015"}]
    assert data["business_scope"] == "围绕矛盾纠纷调解，为老年人、社区居民提供服务，开展公益活动。"
    basic = validate_form(forms.FormSpec("t", "t", (Stage("basic", "b", BasicInfoForm),)), data)
    assert basic.ok, basic.errors
    people = validate_form(forms.FormSpec("t", "t", (Stage("people", "p", PeopleForm),)), data)
    assert people.ok, people.errors
    bare = registration_prefill(SimpleNamespace(group_name="某组织", profile={}))  # type: ignore[arg-type]
    assert "founders" not in bare and bare["name"] == "某组织"


def test_the_diagram_lints_and_assigns_operator_work_to_a_person() -> None:
    xml = BPMN.read_bytes()
    findings = lint_xml(xml)
    assert [f for f in findings if f.severity == "error"] == []
    root = etree.fromstring(xml)
    operator_lane = root.find(".//bpmn:lane[@id='lane_operator']", NS)
    assert operator_lane is not None
    refs = {ref.text for ref in operator_lane.iterfind("bpmn:flowNodeRef", NS)}
    user_tasks = {t.get("id"): t for t in root.iterfind(".//bpmn:userTask", NS)}
    operator_tasks = [t for key, t in user_tasks.items() if key in refs]
    assert {t.get("id") for t in operator_tasks} == {"review", "evaluate", "support_plan", "propose"}
    assert all(properties(t).get("assignUser") for t in operator_tasks)
    shapes = {s.get("bpmnElement") for s in root.iter("{http://www.omg.org/spec/BPMN/20100524/DI}BPMNShape")}
    elements = {el.get("id") for el in root.find(".//bpmn:process", NS) if el.get("id")}
    flows = {f.get("id") for f in root.iterfind(".//bpmn:sequenceFlow", NS)}
    assert elements - flows - {None} <= shapes | {"lanes_incubation_admission"}
