"""Saving drafts (with errors, too), the deploy gate, the process list, export and version diff."""

from __future__ import annotations

from tests.conftest import ApiClient
from tests.integration.test_admin_migrations import (
    CORE,
    as_key,
    deploy,
    new_process,
    start_and_apply,
    upload,
)
from tests.unit.test_migration import renamed, with_extra_check

LANELESS = (
    '<bpmn:userTask id="orphan_task" name="无泳道任务"><bpmn:extensionElements><spiffworkflow:properties>'
    '<spiffworkflow:property name="formKey" value="core.first_review" />'
    '<spiffworkflow:property name="dueIn" value="P2WD" />'
    "</spiffworkflow:properties></bpmn:extensionElements></bpmn:userTask>"
).encode()


def with_laneless_task(xml: bytes = CORE) -> bytes:
    """A user task outside every lane: an error (nobody could be found to do it)."""
    return xml.replace(b"</bpmn:process>", LANELESS + b"</bpmn:process>")


def test_draft_with_errors_is_stored_but_cannot_be_deployed(api: ApiClient) -> None:
    admin = api.as_user("admin")
    key = new_process(admin)
    strict = admin.client.post(
        "/api/v1/admin/process-definitions",
        data=as_key(with_laneless_task(), key),
        headers={"Authorization": f"Bearer {admin.token}", "Content-Type": "application/xml"},
    )
    assert strict.status_code == 422  # the plain upload keeps refusing errors (DESIGN §9)
    draft = upload(admin, as_key(with_laneless_task(), key))
    assert draft["status"] == "draft" and draft["version"] == 2
    errors = [f for f in draft["findings"] if f["severity"] == "error"]
    assert [f["element"] for f in errors] == ["orphan_task"] and "泳道" in errors[0]["message"]
    refused = admin.post(f"/admin/process-definitions/{key}/2/deploy")
    assert refused.status_code == 422
    assert any(f["element"] == "orphan_task" for f in refused.get_json()["findings"])
    listed = admin.get(f"/admin/processes/{key}").get_json()
    assert listed["current_version"] == 1 and listed["drafts"] == [2]
    assert [v["deployable"] for v in listed["versions"]] == [False, False]


def test_warnings_do_not_block_deploy(api: ApiClient) -> None:
    admin = api.as_user("admin")
    key = new_process(admin)
    xml = as_key(CORE.replace(b'<spiffworkflow:property name="dueIn" value="P5WD" />', b"", 1), key)
    draft = upload(admin, xml)
    assert [f["severity"] for f in draft["findings"]] == ["warning"]
    assert "dueIn" in draft["findings"][0]["message"]
    assert admin.post(f"/admin/process-definitions/{key}/{draft['version']}/deploy").status_code == 200


def test_unsafe_or_keyless_xml_is_not_stored_even_as_a_draft(api: ApiClient) -> None:
    admin = api.as_user("admin")
    dtd = (
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
        + CORE.split(b"?>", 1)[1]
    )
    response = admin.client.post(
        "/api/v1/admin/process-definitions?draft=1",
        data=dtd,
        headers={"Authorization": f"Bearer {admin.token}", "Content-Type": "application/xml"},
    )
    assert response.status_code == 422 and response.get_json()["findings"]
    assert "root:" not in response.get_data(as_text=True)


def test_process_list_counts_instances_per_version(api: ApiClient) -> None:
    admin = api.as_user("admin")
    key = new_process(admin)
    start_and_apply(api, key)
    v2 = deploy(admin, as_key(renamed(), key))
    start_and_apply(api, key)
    start_and_apply(api, key)
    upload(admin, as_key(with_extra_check(), key))
    items = {p["key"]: p for p in admin.get("/admin/processes").get_json()["items"]}
    process = items[key]
    assert process["current_version"] == v2 and process["drafts"] == [3]
    counts = {v["version"]: v["instances"] for v in process["versions"]}
    assert counts == {1: {"running": 1}, 2: {"running": 2}, 3: {}}
    assert "core_review" in items


def test_export_and_diff_between_versions(api: ApiClient) -> None:
    admin = api.as_user("admin")
    key = new_process(admin)
    upload(admin, as_key(with_extra_check(renamed()), key))
    exported = admin.get(f"/admin/process-definitions/{key}/1/bpmn")
    assert exported.status_code == 200 and exported.mimetype == "application/xml"
    assert exported.data == as_key(CORE, key)
    body = admin.get(f"/admin/process-definitions/{key}/diff?from=1&to=2").get_json()
    kinds = {item["element"]: item["change"] for item in body["items"]}
    assert kinds["extra_check"] == "added" and kinds["first_review"] == "changed"
    first = next(item for item in body["items"] if item["element"] == "first_review")
    assert {"facet": "名称", "old": "初审", "new": "初审（受理审查）"} in first["facets"]
    assert "extra_check" in body["markers"]["new"]["added"]
    assert admin.get(f"/admin/process-definitions/{key}/diff?from=1").status_code == 422
    assert admin.get(f"/admin/process-definitions/{key}/diff?from=1&to=9").status_code == 404


def test_escaping_script_saved_as_draft_is_an_error_naming_the_element(api: ApiClient) -> None:
    admin = api.as_user("admin")
    key = new_process(admin)
    escaping = CORE.replace(
        b"units = member_units('140700')[2:4]", b"x = ().__class__.__base__.__subclasses__()"
    )
    draft = upload(admin, as_key(escaping, key))
    assert any(f["element"] == "prepare_units" and f["severity"] == "error" for f in draft["findings"])
    refused = admin.post(f"/admin/process-definitions/{key}/{draft['version']}/deploy")
    assert refused.status_code == 422
    assert any(f["element"] == "prepare_units" for f in refused.get_json()["findings"])
