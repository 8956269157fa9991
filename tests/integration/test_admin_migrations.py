"""Migrating running instances between versions through the admin API: preview, apply, audit.

Each test deploys its own copy of core_review under a fresh process key, so the versions it
deploys never change what the other tests start.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from tests.conftest import ApiClient
from tests.integration.test_core_journeys import APPLICATION
from tests.unit.test_migration import renamed, with_extra_check, without_apply

CORE = (Path(__file__).resolve().parents[1] / "bpmn" / "core_review.bpmn").read_bytes()


def as_key(xml: bytes, key: str) -> bytes:
    """core_review's XML under another process key."""
    return xml.replace(b"core_review", key.encode())


def upload(admin: ApiClient, xml: bytes, draft: bool = True) -> dict[str, Any]:
    response = admin.client.post(
        "/api/v1/admin/process-definitions" + ("?draft=1" if draft else ""),
        data=xml,
        headers={"Authorization": f"Bearer {admin.token}", "Content-Type": "application/xml"},
    )
    assert response.status_code == 201, response.get_json()
    body: dict[str, Any] = response.get_json()
    return body


def deploy(admin: ApiClient, xml: bytes) -> int:
    """Upload and deploy; the new version."""
    body = upload(admin, xml)
    response = admin.post(f"/admin/process-definitions/{body['key']}/{body['version']}/deploy")
    assert response.status_code == 200, response.get_json()
    version: int = body["version"]
    return version


def new_process(admin: ApiClient, xml: bytes = CORE) -> str:
    """Deploy core_review (or a variant) under a fresh key; the key."""
    key = f"mig_{uuid.uuid4().hex[:8]}"
    assert deploy(admin, as_key(xml, key)) == 1
    return key


def start_and_apply(api: ApiClient, key: str) -> dict[str, Any]:
    """An applicant starts `key` and submits the application: the instance waits at the first review."""
    applicant = api.as_user("applicant_yc")
    started = applicant.post(f"/processes/{key}/instances", json={"data": {}})
    assert started.status_code == 201, started.get_json()
    task = started.get_json()["tasks"][0]
    done = applicant.post(f"/tasks/{task['id']}/complete", json={"data": APPLICATION})
    assert done.status_code == 200, done.get_json()
    body: dict[str, Any] = done.get_json()
    return body


def test_new_instances_use_the_new_version_and_old_ones_migrate_after_preview(api: ApiClient) -> None:
    admin = api.as_user("admin")
    key = new_process(admin)
    old = start_and_apply(api, key)
    assert old["version"] == 1 and [t["name"] for t in old["tasks"]] == ["初审"]

    v2 = deploy(admin, as_key(with_extra_check(renamed()), key))
    new = start_and_apply(api, key)
    assert new["version"] == v2 and [t["name"] for t in new["tasks"]] == ["初审（受理审查）"]
    still = admin.get(f"/admin/instances/{old['id']}").get_json()
    assert still["version"] == 1

    preview = admin.get(f"/admin/process-definitions/{key}/{v2}/migrations").get_json()["items"]
    assert [p["instance_id"] for p in preview] == [old["id"]]  # the new one is already there
    assert preview[0]["can_migrate"] and preview[0]["from_version"] == 1
    assert any("补充核查" in note for note in preview[0]["notes"])

    applied = admin.post(f"/admin/process-definitions/{key}/{v2}/migrations", json={"instances": [old["id"]]})
    assert applied.status_code == 200 and applied.get_json()["migrated"] == 1, applied.get_json()
    moved = admin.get(f"/admin/instances/{old['id']}").get_json()
    assert moved["version"] == v2 and [t["name"] for t in moved["tasks"]] == ["初审（受理审查）"]
    assert moved["tasks"][0]["id"] == old["tasks"][0]["id"]  # the same task row: claims and drafts stay
    event = next(e for e in moved["audit"] if e["action"] == "instance_migrated")
    assert event["details"]["from_version"] == 1 and event["details"]["to_version"] == v2
    assert event["actor"] is not None

    registrar = api.as_user("registrar_yc")
    done = registrar.post(
        f"/tasks/{moved['tasks'][0]['id']}/complete", json={"data": {"decision": "approve"}}
    )
    assert done.status_code == 200, done.get_json()
    assert [t["name"] for t in done.get_json()["tasks"]] == ["补充核查"]  # inserted ahead: it runs


def test_preview_explains_why_an_instance_cannot_migrate_and_apply_leaves_it(api: ApiClient) -> None:
    admin = api.as_user("admin")
    key = new_process(admin)
    instance = start_and_apply(api, key)
    v2 = deploy(admin, as_key(without_apply(), key))
    preview = admin.get(f"/admin/process-definitions/{key}/{v2}/migrations").get_json()["items"]
    assert not preview[0]["can_migrate"]
    assert any("填写申请" in reason for reason in preview[0]["reasons"]), preview
    applied = admin.post(
        f"/admin/process-definitions/{key}/{v2}/migrations", json={"instances": [instance["id"]]}
    ).get_json()
    assert applied["migrated"] == 0 and applied["items"][0]["reasons"]
    after = admin.get(f"/admin/instances/{instance['id']}").get_json()
    assert after["version"] == 1 and not any(e["action"] == "instance_migrated" for e in after["audit"])


def test_migration_targets_must_be_deployed_and_ids_valid(api: ApiClient) -> None:
    admin = api.as_user("admin")
    key = new_process(admin)
    draft = upload(admin, as_key(renamed(), key))
    assert admin.get(f"/admin/process-definitions/{key}/{draft['version']}/migrations").status_code == 409
    bad = admin.post(f"/admin/process-definitions/{key}/1/migrations", json={"instances": ["x"]})
    assert bad.status_code == 422
    unknown = admin.post(f"/admin/process-definitions/{key}/1/migrations", json={"instances": [999999]})
    assert unknown.status_code == 200 and unknown.get_json()["items"][0]["migrated"] is False
