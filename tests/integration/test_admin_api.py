"""Uploading and deploying BPMN through the admin API; unsafe input is refused."""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

import pytest

from tests.conftest import ApiClient

CORE = (Path(__file__).resolve().parents[1] / "bpmn" / "core_review.bpmn").read_bytes()


def upload(api: ApiClient, xml: bytes) -> tuple[int, dict]:  # type: ignore[type-arg]
    response = api.client.post(
        "/api/v1/admin/process-definitions",
        data=xml,
        headers={"Authorization": f"Bearer {api.token}", "Content-Type": "application/xml"},
    )
    return response.status_code, response.get_json()


def with_script(script: str) -> bytes:
    return CORE.replace(b"units = member_units('140700')[2:4]", script.encode())


def test_upload_then_deploy_a_new_version(api: ApiClient) -> None:
    admin = api.as_user("admin")
    status, body = upload(
        admin, CORE.replace("通用审核（平台测试流程）".encode(), "通用审核 第二版".encode())
    )
    assert status == 201, body
    assert body["status"] == "draft" and body["key"] == "core_review" and body["version"] >= 2
    deployed = admin.post(f"/admin/process-definitions/core_review/{body['version']}/deploy")
    assert deployed.status_code == 200 and deployed.get_json()["status"] == "deployed"
    again = admin.post(f"/admin/process-definitions/core_review/{body['version']}/deploy")
    assert again.status_code == 409
    listed = api.as_user("applicant_yc").get("/processes").get_json()["items"]
    assert any(p["key"] == "core_review" and p["version"] == body["version"] for p in listed)


def test_multipart_upload(api: ApiClient) -> None:
    admin = api.as_user("admin")
    response = admin.client.post(
        "/api/v1/admin/process-definitions",
        data={"file": (BytesIO(CORE.replace(b"P10WD", b"P9WD")), "core.bpmn")},
        headers={"Authorization": f"Bearer {admin.token}"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 201, response.get_json()


@pytest.mark.parametrize(
    "script",
    [
        "__import__('os').system('true')",
        "open('/etc/passwd').read()",
        "x = ().__class__.__base__.__subclasses__()",
        "import random\nx = random._os",
        "x = '{0.__class__}'.format(1)",
    ],
)
def test_escaping_script_is_a_finding_naming_the_element(api: ApiClient, script: str) -> None:
    status, body = upload(api.as_user("admin"), with_script(script))
    assert status == 422, body
    assert any(f["element"] == "prepare_units" and f["severity"] == "error" for f in body["findings"]), body


def test_dtd_and_entities_are_refused(api: ApiClient) -> None:
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]>'
        + CORE.split(b"?>", 1)[1].replace("通用审核".encode(), b"&lol2;")
    )
    status, body = upload(api.as_user("admin"), bomb)
    assert status == 422 and body["findings"]
    xxe = (
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
        + CORE.split(b"?>", 1)[1]
    )
    status, body = upload(api.as_user("admin"), xxe)
    assert status == 422 and "root:" not in str(body)


def test_twenty_megabytes_is_413(api: ApiClient) -> None:
    status, body = upload(api.as_user("admin"), CORE + b"<!--" + b"x" * (20 * 1024 * 1024) + b"-->")
    assert status == 413, body
    assert body["error"] in ("too_large", "request_entity_too_large")


def test_non_admin_gets_403_everywhere(api: ApiClient) -> None:
    registrar = api.as_user("registrar_yc")
    assert registrar.get("/admin/process-definitions").status_code == 403
    assert upload(registrar, CORE)[0] == 403
    assert registrar.post("/admin/process-definitions/core_review/1/deploy").status_code == 403
