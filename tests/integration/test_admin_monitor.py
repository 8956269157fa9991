"""The process monitor through the admin API: filters, suspend/resume/terminate, retry, and 403s."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from models import HumanTask, User
from tests.conftest import ApiClient
from tests.integration.test_admin_migrations import CORE, as_key, deploy, new_process, start_and_apply
from webapp.db import session_factory
from workflows import audit, monitor
from workflows.engine import engine_now
from workflows.instances import fire_due_timers

LATER = timedelta(days=40)  # past every deadline of core_review


@pytest.fixture
def services(app: Flask) -> Iterator[Session]:
    """A session for calling services directly, beside the API's own (no app context is pushed:
    one pushed by the test would be shared by every API request of the test, and so would its
    database session and snapshot)."""
    session = session_factory(app)()
    try:
        yield session
    finally:
        session.close()


def test_filters_by_process_version_status_scope_and_overdue(api: ApiClient, services: Session) -> None:
    admin = api.as_user("admin")
    key = new_process(admin)
    first, second = start_and_apply(api, key), start_and_apply(api, key)
    assert admin.post(f"/admin/instances/{second['id']}/suspend", json={}).status_code == 200

    def ids(query: str) -> list[int]:
        response = admin.get(f"/admin/instances?process={key}&{query}")
        assert response.status_code == 200, response.get_json()
        return [item["id"] for item in response.get_json()["items"]]

    assert ids("") == [second["id"], first["id"]]
    assert ids("status=suspended") == [second["id"]]
    assert ids("version=1") == [second["id"], first["id"]] and ids("version=2") == []
    assert ids("scope=140702") == [second["id"], first["id"]] and ids("scope=140781") == []
    assert ids("scope=140700") == [second["id"], first["id"]]  # the city holds its counties
    assert ids("overdue=1") == []
    services.execute(
        update(HumanTask)
        .where(HumanTask.instance_id == first["id"])
        .values(due_at=engine_now() - timedelta(days=1))
    )
    services.commit()
    assert ids("overdue=1") == [first["id"]]
    listed = admin.get(f"/admin/instances?process={key}").get_json()["items"]
    assert [item["overdue"] for item in listed] == [False, True]
    assert admin.get("/admin/instances?version=x").status_code == 422
    assert admin.get("/admin/instances?status=asleep").status_code == 422


def test_suspend_resume_terminate_are_enforced_and_audited(api: ApiClient, services: Session) -> None:
    admin = api.as_user("admin")
    key = new_process(admin)
    instance = start_and_apply(api, key)
    task_id = instance["tasks"][0]["id"]
    registrar = api.as_user("registrar_yc")

    assert (
        admin.post(f"/admin/instances/{instance['id']}/suspend", json={"reason": "核查材料"}).status_code
        == 200
    )
    refused = registrar.post(f"/tasks/{task_id}/complete", json={"data": {"decision": "approve"}})
    assert refused.status_code == 409
    assert fire_due_timers(services, engine_now() + LATER) == 0  # a suspended case's timers wait
    assert admin.post(f"/admin/instances/{instance['id']}/suspend").status_code == 409

    resumed = admin.post(f"/admin/instances/{instance['id']}/resume", json={})
    assert resumed.status_code == 200 and resumed.get_json()["status"] == "running"

    no_reason = admin.post(f"/admin/instances/{instance['id']}/terminate", json={"reason": "  "})
    assert no_reason.status_code == 422 and "reason" in no_reason.get_json()["fields"]
    ended = admin.post(f"/admin/instances/{instance['id']}/terminate", json={"reason": "申请人撤回申请"})
    assert ended.status_code == 200 and ended.get_json()["status"] == "terminated"
    detail = admin.get(f"/admin/instances/{instance['id']}").get_json()
    assert detail["tasks"] == [] and registrar.get(f"/tasks/{task_id}").get_json()["status"] == "cancelled"
    assert admin.post(f"/admin/instances/{instance['id']}/resume").status_code == 409
    trail = {e["action"]: e for e in detail["audit"]}
    assert {"instance_suspended", "instance_resumed", "instance_terminated"} <= set(trail)
    assert trail["instance_terminated"]["details"]["reason"] == "申请人撤回申请"
    assert trail["instance_suspended"]["details"]["reason"] == "核查材料"
    admin_id = services.scalar(select(User.id).where(User.username == "admin"))
    assert {trail[a]["actor"] for a in ("instance_suspended", "instance_resumed", "instance_terminated")} == {
        admin_id
    }


def test_retry_reruns_the_failed_step_after_the_cause_is_fixed(api: ApiClient, services: Session) -> None:
    admin = api.as_user("admin")
    broken = CORE.replace(b"deemed_accepted = True", b"deemed_accepted = [][1]")
    key = new_process(admin, broken)
    instance = start_and_apply(api, key)
    later = engine_now() + LATER
    assert admin.post(f"/admin/instances/{instance['id']}/retry").status_code == 409  # not in error

    assert fire_due_timers(services, later) == 0  # the deadline passes and the script behind it fails
    failed = admin.get(f"/admin/instances/{instance['id']}").get_json()
    assert failed["status"] == "error" and "IndexError" in failed["error"]
    assert [
        i["id"] for i in admin.get(f"/admin/instances?process={key}&status=error").get_json()["items"]
    ] == [instance["id"]]

    fixed = deploy(admin, as_key(CORE, key))
    moved = admin.post(
        f"/admin/process-definitions/{key}/{fixed}/migrations", json={"instances": [instance["id"]]}
    )
    assert moved.get_json()["migrated"] == 1, moved.get_json()
    admin_user = services.scalar(select(User).where(User.username == "admin"))
    monitor.retry(services, instance["id"], admin_user, "脚本已修复", now=later)

    after = admin.get(f"/admin/instances/{instance['id']}").get_json()
    assert after["status"] == "running" and after["version"] == fixed and after["error"] == ""
    assert sorted(t["name"] for t in after["tasks"]) == ["成员单位意见", "成员单位意见"]  # the timer path ran
    trail = [e["action"] for e in after["audit"]]
    assert trail.index("instance_error") < trail.index("instance_migrated") < trail.index("instance_retried")
    retried = next(e for e in after["audit"] if e["action"] == "instance_retried")
    assert retried["details"]["outcome"] == "ok" and "IndexError" in retried["details"]["previous_error"]


def test_a_failing_timer_does_not_hold_back_the_rest_of_its_batch(api: ApiClient, services: Session) -> None:
    admin = api.as_user("admin")
    key = new_process(admin)
    healthy = start_and_apply(api, key)
    deploy(admin, as_key(CORE.replace(b"deemed_accepted = True", b"deemed_accepted = [][1]"), key))
    broken = start_and_apply(api, key)  # on the broken version 2
    assert fire_due_timers(services, engine_now() + LATER) == 1  # one batch holds both on PostgreSQL
    fired = admin.get(f"/admin/instances/{healthy['id']}").get_json()
    failed = admin.get(f"/admin/instances/{broken['id']}").get_json()
    assert failed["status"] == "error" and "IndexError" in failed["error"]
    assert fired["status"] in ("running", "waiting")
    assert [e["action"] for e in fired["audit"]].count("timer_fired") == 1
    assert "timer_fired" not in [e["action"] for e in failed["audit"]]  # rolled back with its batch
    assert audit.verify(services) == []


def test_task_data_is_shown_to_admins(api: ApiClient) -> None:
    admin = api.as_user("admin")
    key = new_process(admin)
    instance = start_and_apply(api, key)
    detail = admin.get(f"/admin/instances/{instance['id']}").get_json()
    shown = {row["bpmn_id"]: row for row in detail["task_data"]}
    assert shown["first_review"]["state"] == "READY"
    assert "锦纶社区邻里互助队活动申请" in shown["first_review"]["data"]
    assert api.as_user("registrar_yc").get(f"/admin/instances/{instance['id']}").status_code == 403


def _admin_urls(app: Flask) -> list[tuple[str, str]]:
    urls = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/admin"):
            continue
        path = re.sub(r"<int:[a-z_]+>", "1", rule.rule)
        path = re.sub(r"<[a-z_]+>", "core_review", path)
        urls += [(method, path) for method in sorted(rule.methods - {"HEAD", "OPTIONS"})]
    return urls


@pytest.mark.parametrize("username", ["registrar_yc", "applicant_yc", "city_ca"])
def test_every_admin_endpoint_is_403_for_non_admins(app: Flask, api: ApiClient, username: str) -> None:
    urls = _admin_urls(app)
    assert len(urls) >= 16
    user = api.as_user(username)
    for method, path in urls:
        response = user.client.open(
            path, method=method, json={}, headers={"Authorization": f"Bearer {user.token}"}
        )
        assert response.status_code == 403, (method, path, response.status_code)
    anonymous = api.client.get("/api/v1/admin/instances")
    assert anonymous.status_code == 401
