"""API journeys through the platform's test process (tests/bpmn/core_review.bpmn)."""

from __future__ import annotations

import json
from datetime import timedelta
from itertools import pairwise
from pathlib import Path
from typing import Any

from models import ProcessInstance
from tests.conftest import ApiClient
from webapp.db import session_factory
from workflows import audit, definitions
from workflows.engine import engine_now, state_json
from workflows.instances import fire_due_timers

APPLICATION = {
    "title": "锦纶社区邻里互助队活动申请",
    "summary": "每周组织老年人互助活动。",
    "start_date": "2026-12-01",
    "members": 12,
    "budget": "3500.50",
    "contacts": [{"name": "张敏", "phone": "13803540001"}],
}


def start(api: ApiClient, username: str = "applicant_yc") -> tuple[ApiClient, dict[str, Any]]:
    applicant = api.as_user(username)
    response = applicant.post("/processes/core_review/instances", json={"data": {}})
    assert response.status_code == 201, response.get_json()
    return applicant, response.get_json()


def only_task(body: dict[str, Any]) -> dict[str, Any]:
    assert len(body["tasks"]) == 1, body["tasks"]
    task: dict[str, Any] = body["tasks"][0]
    return task


def submit_application(api: ApiClient) -> tuple[ApiClient, dict[str, Any]]:
    applicant, instance = start(api)
    response = applicant.post(f"/tasks/{only_task(instance)['id']}/complete", json={"data": APPLICATION})
    assert response.status_code == 200, response.get_json()
    return applicant, response.get_json()


def test_start_gives_the_applicant_the_staged_form(api: ApiClient) -> None:
    applicant, instance = start(api)
    task = only_task(instance)
    assert task["form_key"] == "core.application" and task["lane"] == "applicant"
    assert task["due_at"] is not None
    detail = applicant.get(f"/tasks/{task['id']}").get_json()
    assert [s["key"] for s in detail["form"]["stages"]] == ["basics", "details"]
    contacts = next(f for f in detail["form"]["stages"][1]["fields"] if f["name"] == "contacts")
    assert contacts["type"] == "group" and [f["name"] for f in contacts["fields"]] == ["name", "phone"]
    inbox = applicant.get("/tasks").get_json()
    assert [t["id"] for t in inbox["items"]] == [task["id"]]


def test_draft_survives_and_invalid_data_is_422_with_field_messages(api: ApiClient) -> None:
    applicant, instance = start(api)
    task_id = only_task(instance)["id"]
    saved = applicant.put(f"/tasks/{task_id}/draft", json={"data": {"title": "草稿标题"}, "stage": 1})
    assert saved.status_code == 200
    again = api.as_user("applicant_yc").get(f"/tasks/{task_id}").get_json()  # a new login
    assert again["draft"] == {"data": {"title": "草稿标题"}, "stage": 1, "source": "draft"}
    bad = applicant.post(
        f"/tasks/{task_id}/complete", json={"data": {**APPLICATION, "members": "十二", "contacts": []}}
    )
    assert bad.status_code == 422
    fields = bad.get_json()["fields"]
    assert fields["members"] == ["不是有效的整数。"]
    assert "contacts" not in fields or fields["contacts"]
    still_open = applicant.get(f"/tasks/{task_id}").get_json()
    assert still_open["status"] == "open"


def test_reserved_keys_are_refused(api: ApiClient) -> None:
    applicant, instance = start(api)
    task_id = only_task(instance)["id"]
    for data in ({"typename": "x"}, {"__class__": 1}, {"contacts": [{"typename": "x"}]}):
        response = applicant.post(f"/tasks/{task_id}/complete", json={"data": {**APPLICATION, **data}})
        assert response.status_code == 422, data
    assert applicant.put(f"/tasks/{task_id}/draft", json={"data": {"_x": 1}}).status_code == 422


def test_return_loop_reopens_the_form_with_previous_data(api: ApiClient) -> None:
    applicant, body = submit_application(api)
    registrar = api.as_user("registrar_yc")
    review = only_task(body)
    assert review["form_key"] == "core.first_review"
    missing_reason = registrar.post(f"/tasks/{review['id']}/complete", json={"data": {"decision": "return"}})
    assert missing_reason.status_code == 422 and "comment" in missing_reason.get_json()["fields"]
    returned = registrar.post(
        f"/tasks/{review['id']}/complete", json={"data": {"decision": "return", "comment": "请补充联系人"}}
    ).get_json()
    again = only_task(returned)
    assert again["form_key"] == "core.application"
    detail = applicant.get(f"/tasks/{again['id']}").get_json()
    assert detail["draft"]["source"] == "previous_submission"
    assert detail["draft"]["data"]["title"] == APPLICATION["title"]
    resubmitted = applicant.post(f"/tasks/{again['id']}/complete", json={"data": APPLICATION}).get_json()
    assert only_task(resubmitted)["form_key"] == "core.first_review"


def test_completing_twice_is_409(api: ApiClient) -> None:
    applicant, instance = start(api)
    task_id = only_task(instance)["id"]
    assert applicant.post(f"/tasks/{task_id}/complete", json={"data": APPLICATION}).status_code == 200
    second = applicant.post(f"/tasks/{task_id}/complete", json={"data": APPLICATION})
    assert second.status_code == 409 and second.get_json()["error"] == "conflict"


def _approve_first_review(api: ApiClient) -> tuple[dict[str, Any], dict[str, Any]]:
    _applicant, body = submit_application(api)
    registrar = api.as_user("registrar_yc")
    review = only_task(body)
    return review, registrar.post(
        f"/tasks/{review['id']}/complete", json={"data": {"decision": "approve", "comment": "同意"}}
    ).get_json()


def test_multi_instance_goes_to_each_member_unit(api: ApiClient) -> None:
    _review, body = _approve_first_review(api)
    consults = body["tasks"]
    assert sorted(t["scope"] for t in consults) == ["140700D03", "140700D04"]
    police, justice = api.as_user("unit_police"), api.as_user("unit_justice")
    police_inbox = police.get("/tasks").get_json()["items"]
    assert [t["scope"] for t in police_inbox] == ["140700D03"]
    justice_task = next(t for t in consults if t["scope"] == "140700D04")
    assert (
        police.post(
            f"/tasks/{justice_task['id']}/complete", json={"data": {"agree": True, "comment": "x"}}
        ).status_code
        == 403
    )
    for client in (police, justice):
        task = client.get("/tasks").get_json()["items"][0]
        response = client.post(
            f"/tasks/{task['id']}/complete", json={"data": {"agree": True, "comment": "同意"}}
        )
        assert response.status_code == 200, response.get_json()
    final = response.get_json()
    assert only_task(final)["form_key"] == "core.second_review"


def test_four_eyes_and_the_full_path_to_a_numbered_document(api: ApiClient) -> None:
    _review, body = _approve_first_review(api)
    for username in ("unit_police", "unit_justice"):
        client = api.as_user(username)
        task = client.get("/tasks").get_json()["items"][0]
        body = client.post(
            f"/tasks/{task['id']}/complete", json={"data": {"agree": True, "comment": "同意"}}
        ).get_json()
    second = only_task(body)
    officer_a, officer_b = api.as_user("registrar_yc"), api.as_user("registrar2_yc")
    assert second["id"] not in [t["id"] for t in officer_a.get("/tasks").get_json()["items"]]
    refused = officer_a.post(f"/tasks/{second['id']}/complete", json={"data": {"decision": "approve"}})
    assert refused.status_code == 403
    assert officer_a.post(f"/tasks/{second['id']}/claim").status_code == 403
    assert officer_b.post(f"/tasks/{second['id']}/claim").status_code == 200
    body = officer_b.post(
        f"/tasks/{second['id']}/complete", json={"data": {"decision": "approve"}}
    ).get_json()
    leader = api.as_user("leader_yc")
    final = leader.post(
        f"/tasks/{only_task(body)['id']}/complete", json={"data": {"decision": "approve"}}
    ).get_json()
    assert final["status"] == "completed" and final["tasks"] == []
    [document] = final["documents"]
    assert document["number"] == "榆民审〔2026〕1号"
    pdf = leader.get(f"/documents/{document['id']}")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    assert api.as_user("registrar_jx").get(f"/documents/{document['id']}").status_code == 404


def test_cross_county_reviewer_sees_nothing(api: ApiClient) -> None:
    _applicant, body = submit_application(api)
    review = only_task(body)
    other = api.as_user("registrar_jx")
    assert other.get("/tasks").get_json()["items"] == []
    assert other.get(f"/tasks/{review['id']}").status_code == 404
    assert (
        other.post(f"/tasks/{review['id']}/complete", json={"data": {"decision": "approve"}}).status_code
        == 404
    )
    assert other.get(f"/instances/{review['instance_id']}").status_code == 404
    assert other.get("/instances").get_json()["total"] == 0


def test_claim_and_unclaim(api: ApiClient) -> None:
    _applicant, body = submit_application(api)
    review = only_task(body)
    a, b = api.as_user("registrar_yc"), api.as_user("registrar2_yc")
    assert a.post(f"/tasks/{review['id']}/claim").get_json()["assignee"] is not None
    assert b.post(f"/tasks/{review['id']}/claim").status_code == 409
    assert b.get("/tasks").get_json()["items"] == []
    assert (
        b.post(f"/tasks/{review['id']}/complete", json={"data": {"decision": "approve"}}).status_code == 403
    )
    assert a.post(f"/tasks/{review['id']}/unclaim").status_code == 200
    assert [t["id"] for t in b.get("/tasks").get_json()["items"]] == [review["id"]]


def test_boundary_timer_deems_acceptance(api: ApiClient, db_session: Any) -> None:
    _applicant, body = submit_application(api)
    review = only_task(body)
    assert fire_due_timers(db_session, engine_now()) == 0
    later = engine_now() + timedelta(days=30)
    assert fire_due_timers(db_session, later) == 1
    instance = api.as_user("registrar_yc").get(f"/instances/{review['instance_id']}").get_json()
    assert sorted(t["form_key"] for t in instance["tasks"]) == ["core.consult", "core.consult"]
    assert any(h["action"] == "timer_fired" for h in instance["history"])
    assert fire_due_timers(db_session, later) == 0  # idempotent


def test_timers_fired_together_store_each_instance_of_the_batch(api: ApiClient, db_session: Any) -> None:
    cases = [only_task(submit_application(api)[1])["instance_id"] for _ in range(3)]
    later = engine_now() + timedelta(days=30)
    assert fire_due_timers(db_session, later) == 3  # one batch on PostgreSQL, one by one on SQLite
    registrar = api.as_user("registrar_yc")
    for instance_id in cases:
        instance = registrar.get(f"/instances/{instance_id}").get_json()
        assert sorted(t["form_key"] for t in instance["tasks"]) == ["core.consult", "core.consult"]
        assert instance["status"] == "running"
    assert fire_due_timers(db_session, later) == 0  # every row got its new state and next timer
    assert audit.verify(db_session) == []


def test_audit_trail_is_chained(api: ApiClient) -> None:
    _applicant, body = submit_application(api)
    trail = api.as_user("registrar_yc").get(f"/instances/{body['id']}/audit").get_json()["items"]
    assert [e["seq"] for e in trail] == list(range(1, len(trail) + 1))
    assert all(b["prev_hash"] == a["hash"] for a, b in pairwise(trail))
    assert trail[0]["prev_hash"] == "0" * 64
    completed = next(e for e in trail if e["action"] == "task_completed")
    assert completed["details"]["version"] == 1 and len(completed["details"]["sha256"]) == 64
    assert "title" not in completed["details"]  # the data is the dossier's; the trail keeps its digest


def test_start_refused_without_the_start_role(api: ApiClient) -> None:
    response = api.as_user("registrar_yc").post("/processes/core_review/instances", json={"data": {}})
    assert response.status_code == 403
    assert api.as_user("registrar_yc").post("/processes/nope/instances", json={"data": {}}).status_code == 404


def test_api_requires_a_token_and_rejects_bad_bodies(api: ApiClient) -> None:
    assert api.get("/tasks").status_code == 401
    assert api.post("/tokens", json={"username": "admin", "password": "wrong"}).status_code == 401
    applicant = api.as_user("applicant_yc")
    assert (
        applicant.client.post(
            "/api/v1/processes/core_review/instances",
            data="not json",
            headers={"Authorization": f"Bearer {applicant.token}"},
        ).status_code
        == 422
    )
    assert applicant.get("/tasks?page=zero").status_code == 422
    assert applicant.get("/tasks/999999").status_code == 404
    me = applicant.get("/me").get_json()
    assert me["roles"] == ["applicant"] and me["org_unit"]["code"] == "140702001001"


def test_openapi_lists_every_route(app: Any, api: ApiClient) -> None:
    document = api.get("/openapi.json").get_json()
    documented = {f"/api/v1{path}" for path in document["paths"]}
    routes = {
        str(rule).replace("<int:", "{").replace("<", "{").replace(">", "}")
        for rule in app.url_map.iter_rules()
        if str(rule).startswith("/api/v1")
    }
    normalized = {
        r.replace("{task_id}", "{id}").replace("{instance_id}", "{id}").replace("{document_id}", "{id}")
        for r in routes
    }
    assert normalized - {"/api/v1/openapi.json"} <= documented


def test_start_data_goes_through_the_start_form(api: ApiClient, app: Any) -> None:

    probe = (Path(__file__).resolve().parents[1] / "bpmn" / "timer_probe.bpmn").read_bytes()
    with_form = probe.replace(
        b'<bpmn:startEvent id="start" name="\xe5\xbc\x80\xe5\xa7\x8b">',
        b'<bpmn:startEvent id="start" name="\xe5\xbc\x80\xe5\xa7\x8b">'
        b"<bpmn:extensionElements><spiffworkflow:properties>"
        b'<spiffworkflow:property name="formKey" value="core.consult" /></spiffworkflow:properties>'
        b"</bpmn:extensionElements>",
    )
    with_form = with_form.replace(b'process id="timer_probe"', b'process id="timer_probe_started"')
    assert with_form != probe  # a process of its own: later tests start timer_probe without data
    with session_factory(app)() as session:
        definitions.deploy_file(session, with_form)
        session.commit()
    registrar = api.as_user("registrar_yc")
    refused = registrar.post("/processes/timer_probe_started/instances", json={"data": {"agree": True}})
    assert refused.status_code == 422 and "comment" in refused.get_json()["fields"]
    started = registrar.post(
        "/processes/timer_probe_started/instances", json={"data": {"agree": True, "comment": "急"}}
    )
    assert started.status_code == 201
    with session_factory(app)() as session:
        state = session.get(ProcessInstance, started.get_json()["id"]).state
    tasks = json.loads(state_json(state))["tasks"].values()
    assert any(task["data"].get("comment") == "急" for task in tasks)
