"""The administration pages through the Flask test client: access, saving drafts, deploy, actions."""

from __future__ import annotations

import json
import re
from io import BytesIO
from typing import Any

import pytest
from flask import Flask

from tests.conftest import ApiClient
from tests.integration.test_admin_migrations import CORE, as_key, new_process, start_and_apply
from tests.integration.test_admin_versions import with_laneless_task
from tests.integration.test_pages import PageUser, login

ADMIN_PAGES = [
    "/admin/processes",
    "/admin/processes/core_review",
    "/admin/processes/core_review/1/modeler",
    "/admin/processes/core_review/1.bpmn",
    "/admin/processes/core_review/diff",
    "/admin/processes/core_review/1/migrate",
    "/admin/processes/new",
    "/admin/instances",
]


@pytest.mark.parametrize("username", ["registrar_yc", "applicant_yc"])
def test_admin_pages_are_403_for_everyone_else(app: Flask, username: str) -> None:
    user = login(app, username)
    for path in ADMIN_PAGES:
        assert user.get(path).status_code == 403, path
    user.get("/applications")
    assert user.post("/admin/processes/core_review/1/deploy").status_code == 403
    assert user.post("/admin/instances/1/terminate", {"reason": "x"}).status_code == 403
    assert "流程管理" not in user.text("/applications")
    anonymous = app.test_client().get("/admin/processes")
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]


def test_every_admin_page_renders_for_an_admin(app: Flask, api: ApiClient) -> None:
    key = new_process(api.as_user("admin"))
    instance = start_and_apply(api, key)
    admin = login(app, "admin")
    for path in [p.replace("core_review", key) for p in ADMIN_PAGES] + [f"/admin/instances/{instance['id']}"]:
        assert admin.get(path).status_code == 200, path
    page = admin.text(f"/admin/instances/{instance['id']}")
    assert "任务数据（仅管理员可见）" in page and "锦纶社区邻里互助队活动申请" in page
    assert "流程管理" in page and "流程监控" in page  # the nav links


def _save(admin: PageUser, xml: bytes) -> tuple[int, dict[str, Any]]:
    """Save XML as the modeler page does (fetch with the page's CSRF token)."""
    headers = {"Content-Type": "application/xml", "X-CSRFToken": admin.token, "Accept": "application/json"}
    response = admin.client.post("/admin/processes/drafts", data=xml, headers=headers)
    return response.status_code, response.get_json()


def test_modeler_saves_drafts_with_findings_and_deploys_only_clean_ones(app: Flask, api: ApiClient) -> None:
    key = new_process(api.as_user("admin"))
    admin = login(app, "admin")
    page = admin.text(f"/admin/processes/{key}/1/modeler")
    config = json.loads(
        re.search(r'<script type="application/json" id="modeler-config">(.*?)</script>', page, re.S)[1]
    )
    assert ["core.first_review", "初审"] in config["formKeys"] and [
        "county_registrar",
        "县级民政登记人员",
    ] in config["roles"]
    assert "issue_document" in config["services"]

    status, body = _save(admin, as_key(with_laneless_task(), key))
    assert status == 201 and body["version"] == 2 and not body["deployable"]
    assert any(f["element"] == "orphan_task" and f["severity"] == "error" for f in body["findings"])
    refused = admin.client.post(
        f"/admin/processes/{key}/2/deploy", headers={"X-CSRFToken": admin.token, "Accept": "application/json"}
    )
    assert refused.status_code == 422 and refused.get_json()["findings"]

    status, body = _save(admin, as_key(CORE, key))
    assert status == 201 and body["version"] == 3 and body["deployable"]
    deployed = admin.client.post(
        f"/admin/processes/{key}/3/deploy", headers={"X-CSRFToken": admin.token, "Accept": "application/json"}
    )
    assert deployed.status_code == 200 and deployed.get_json()["status"] == "deployed"
    assert deployed.get_json()["migrate_url"].endswith(f"/admin/processes/{key}/3/migrate")

    no_token = admin.client.post(
        "/admin/processes/drafts", data=CORE, headers={"Content-Type": "application/xml"}
    )
    assert no_token.status_code == 400  # CSRF protected like every page form
    unsafe = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e "x">]>' + CORE.split(b"?>", 1)[1]
    assert _save(admin, unsafe)[0] == 422


def test_upload_page_and_new_process(app: Flask) -> None:
    admin = login(app, "admin")
    admin.get("/admin/processes")
    key = "page_upload_test"
    response = admin.client.post(
        "/admin/processes/upload",
        data={"csrf_token": admin.token, "file": (BytesIO(as_key(CORE, key)), "core.bpmn")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302 and response.headers["Location"].endswith(
        f"/admin/processes/{key}/1/modeler"
    )
    assert admin.get(f"/admin/processes/new?key={key}").status_code == 422  # taken
    assert admin.get("/admin/processes/new?key=Bad-Key").status_code == 422
    fresh = admin.text("/admin/processes/new?key=brand_new_process&name=新流程")
    assert "brand_new_process" in fresh
    template = admin.get("/admin/processes/new.bpmn?key=brand_new_process&name=新流程")
    assert template.status_code == 200 and 'name="新流程"' in template.get_data(as_text=True)


def test_monitor_actions_from_the_page(app: Flask, api: ApiClient) -> None:
    key = new_process(api.as_user("admin"))
    instance = start_and_apply(api, key)
    admin = login(app, "admin")
    path = f"/admin/instances/{instance['id']}"
    admin.get(path)
    refused = admin.post(f"{path}/terminate", {"reason": ""})
    assert refused.status_code == 302
    assert "终止办件必须填写原因" in admin.text(path)
    admin.post(f"{path}/suspend", {"reason": "核查"})
    page = admin.text(path)
    assert "办件已挂起" in page and "已挂起" in page
    admin.post(f"{path}/resume", {"reason": ""})
    assert "办件已恢复办理" in admin.text(path)
    listing = admin.text(f"/admin/instances?process={key}&status=running")
    assert f'data-instance-id="{instance["id"]}"' in listing
    assert "没有符合条件的办件" in admin.text(f"/admin/instances?process={key}&status=suspended")
