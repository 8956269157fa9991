"""An administrator in a real browser: edit a process in the modeler, fix what the linter finds,
deploy, and migrate a running case after the preview; then the monitor and the version diff.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.browser.test_application_journey import log_in, shot
from tests.conftest import ApiClient, need_service
from tests.integration.test_admin_migrations import new_process, start_and_apply

pytestmark = pytest.mark.browser
BUNDLE = Path(__file__).resolve().parents[2] / "webapp" / "static" / "vendor" / "modeler.bundle.js"


@pytest.fixture(autouse=True)
def _bundle(chromium_path: str) -> None:
    if not BUNDLE.exists():
        need_service("modeler bundle", "run `make assets` (npm ci, then npm run build in webapp/)")


def open_modeler(page: Any, key: str, version: int) -> None:
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"/admin/processes/{key}/{version}/modeler")
    page.wait_for_selector("body[data-modeler-ready='1']")
    assert not errors, errors


def shape(page: Any, element_id: str) -> Any:
    return page.locator(f".djs-element[data-element-id='{element_id}']").first


def centre(page: Any, element_id: str) -> tuple[float, float]:
    box = page.locator(f".djs-element[data-element-id='{element_id}'] .djs-hit").first.bounding_box()
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


def rename(page: Any, element_id: str, name: str) -> None:
    """Rename a task by double-clicking it and typing, as a person does."""
    x, y = centre(page, element_id)
    page.mouse.dblclick(x, y)
    editor = page.locator(".djs-direct-editing-parent")
    editor.wait_for(state="visible")
    page.keyboard.press("Control+A")
    page.keyboard.type(name)
    page.keyboard.press("Enter")
    editor.wait_for(state="hidden")


def open_group(page: Any, group: str) -> None:
    """Unfold a group of the properties panel (they start folded)."""
    header = page.locator(f"[data-group-id='group-{group}'] > .bio-properties-panel-group-header")
    if "open" not in (header.get_attribute("class") or ""):
        header.click()


def insert_user_task(page: Any, on_flow: str, name: str) -> str:
    """Drop a new task from the palette onto a sequence flow, make it a user task and name it."""
    x, y = centre(page, on_flow)
    page.click(".djs-palette [data-action='create.task']")
    page.mouse.move(x - 40, y + 40, steps=4)
    page.mouse.move(x, y, steps=6)
    page.mouse.click(x, y)
    # The wrench reacts to a DOM click; Playwright's pointer sequence starts a drag of the pad entry.
    page.dispatch_event(".djs-context-pad [data-action='replace']", "click")
    page.click(".djs-popup [data-id='replace-with-user-task']")
    new_id: str = page.evaluate("() => window.jzModeler.get('selection').get()[0].id")
    open_group(page, "general")
    page.fill("#bio-properties-panel-name", name)
    page.keyboard.press("Tab")
    return new_id


def findings(page: Any) -> list[tuple[str, str, str]]:
    items = page.locator("#findings li[data-severity]")
    return [
        (
            items.nth(i).get_attribute("data-severity"),
            items.nth(i).get_attribute("data-element"),
            items.nth(i).inner_text(),
        )
        for i in range(items.count())
    ]


def select(page: Any, element_id: str, below: float = 0) -> None:
    """Click an element (`below`: that many pixels under its centre, clear of what it sits on)."""
    box = page.locator("#modeler-canvas").bounding_box()
    page.mouse.click(box["x"] + box["width"] - 60, box["y"] + 40)  # empty canvas: close the context pad
    x, y = centre(page, element_id)
    page.mouse.click(x, y + below)
    selected = "id => window.jzModeler.get('selection').get().some(e => e.id === id)"
    page.wait_for_function(selected, arg=element_id)


def test_edit_lint_deploy_and_migrate(new_page: Any, screenshots: Path, api: ApiClient) -> None:
    admin_api = api.as_user("admin")
    key = new_process(admin_api)
    old = start_and_apply(api, key)  # a case on v1, waiting at the first review

    page = new_page()
    log_in(page, "admin")
    page.click("a.nav-link:has-text('流程管理')")
    page.wait_for_selector(f"tr[data-process='{key}']")
    shot(page, screenshots, "20-admin-processes")
    open_modeler(page, key, 1)
    shot(page, screenshots, "21-modeler-open")

    # Rename a task and insert a user task without a lane: saving lists the findings and marks the task.
    rename(page, "first_review", "初审（受理审查）")
    new_task = insert_user_task(page, "f_consult_second", "补充核查")
    assert page.is_visible("#state-dirty") and page.is_disabled("#btn-deploy")
    page.click("#btn-save")
    page.wait_for_selector("#findings li[data-severity='error']")
    errors = [(el, text) for severity, el, text in findings(page) if severity == "error"]
    assert errors and all(el == new_task for el, _ in errors)
    assert any("不在任何泳道中" in text for _, text in errors)
    assert shape(page, new_task).get_attribute("class").count("marker-finding-error") == 1
    assert page.is_disabled("#btn-deploy") and "v2" in page.text_content("#state-version")
    shot(page, screenshots, "22-modeler-findings")

    # Fix it in the properties panel: form, lane role and deadline, without touching XML.
    open_group(page, "jz-task")
    page.select_option("#bio-properties-panel-jz-formKey", "core.first_review")
    page.select_option("#bio-properties-panel-jz-lane", "county_registrar")
    page.fill("#bio-properties-panel-jz-dueIn", "P2WD")
    page.keyboard.press("Tab")
    shot(page, screenshots, "23-modeler-properties")
    page.click("#btn-save")
    page.wait_for_function("() => document.getElementById('state-version').textContent === 'v3'")
    assert not [f for f in findings(page) if f[0] == "error"], findings(page)
    assert page.is_enabled("#btn-deploy")
    page.click("#btn-deploy")
    page.wait_for_selector("#modeler-message:has-text('已发布')")
    shot(page, screenshots, "24-modeler-deployed")

    saved = admin_api.get(f"/admin/process-definitions/{key}/3/bpmn").get_data(as_text=True)
    assert "<bpmn:loopDataInputRef>units</bpmn:loopDataInputRef>" in saved  # the collection survived
    assert "<bpmn:loopDataOutputRef>opinions</bpmn:loopDataOutputRef>" in saved
    assert 'name="初审（受理审查）"' in saved and 'value="core.first_review"' in saved

    # New cases use v3; the running one stays on v1 until it is migrated after the preview.
    new = start_and_apply(api, key)
    assert new["version"] == 3 and [t["name"] for t in new["tasks"]] == ["初审（受理审查）"]
    assert admin_api.get(f"/admin/instances/{old['id']}").get_json()["version"] == 1
    page.click("#modeler-message a:has-text('迁移')")
    row = page.locator(f"tr[data-instance-id='{old['id']}']")
    row.wait_for()
    assert "可以迁移" in row.inner_text() and "补充核查" in row.inner_text()
    shot(page, screenshots, "25-migration-preview")
    row.locator("input[name=instances]").check()
    page.click("#btn-migrate")
    page.wait_for_selector(f".alert-success:has-text('已将办件 {old['id']} 迁移到 v3')")
    moved = admin_api.get(f"/admin/instances/{old['id']}").get_json()
    assert moved["version"] == 3 and [t["name"] for t in moved["tasks"]] == ["初审（受理审查）"]

    # The monitor shows it on v3 with the migration in its audit trail, and its diagram marked.
    page.goto(f"/admin/instances/{old['id']}")
    page.wait_for_selector("#bpmn-canvas[data-ready='1']")
    assert page.text_content("[data-testid=instance-version]").strip() == "v3"
    assert page.locator("tr.audit-instance_migrated").count() == 1
    assert page.locator(".djs-element.marker-active[data-element-id='first_review']").count() == 1
    shot(page, screenshots, "26-monitor-instance")

    page.goto(f"/admin/processes/{key}/diff?from=1&to=3")
    page.wait_for_selector("[data-testid=diff-new][data-ready='1']")
    assert page.locator(f"tr.diff-added[data-element='{new_task}']").count() == 1
    assert page.locator("tr.diff-changed[data-element='first_review']").count() == 1
    assert (
        page.locator(
            f"[data-testid=diff-new] .djs-element.marker-added[data-element-id='{new_task}']"
        ).count()
        == 1
    )
    shot(page, screenshots, "27-version-diff")


def test_monitor_filters_and_actions(new_page: Any, screenshots: Path, api: ApiClient) -> None:
    admin_api = api.as_user("admin")
    key = new_process(admin_api)
    instance = start_and_apply(api, key)
    page = new_page()
    log_in(page, "admin")
    page.click("a.nav-link:has-text('流程监控')")
    page.select_option("#f-process", key)
    page.click("#monitor-filters button[type=submit]")
    page.wait_for_selector(f"tr[data-instance-id='{instance['id']}']")
    shot(page, screenshots, "28-monitor-list")
    page.click(f"tr[data-instance-id='{instance['id']}'] a >> nth=0")
    page.wait_for_selector("#bpmn-canvas[data-ready='1']")
    assert page.is_visible("text=任务数据（仅管理员可见）") and page.is_visible(
        "text=锦纶社区邻里互助队活动申请"
    )

    page.click("button[data-bs-target='#act-suspend']")
    page.fill("#reason-suspend", "等待申请人补充说明")
    page.click("button[data-action=suspend]")
    page.wait_for_selector("text=办件已挂起")
    assert "已挂起" in page.text_content("[data-testid=instance-status]")

    page.click("button[data-bs-target='#act-terminate']")
    page.click("button[data-action=terminate]")  # the reason is required: the browser refuses
    assert "已挂起" in page.text_content("[data-testid=instance-status]")
    page.fill("#reason-terminate", "申请人撤回申请")
    page.click("button[data-action=terminate]")
    page.wait_for_selector("text=办件已终止")
    assert "已终止" in page.text_content("[data-testid=instance-status]")
    assert page.locator("tr.audit-instance_terminated:has-text('申请人撤回申请')").count() == 1
    shot(page, screenshots, "29-monitor-terminated")


def test_non_admins_cannot_open_the_admin_pages(new_page: Any) -> None:
    page = new_page()
    log_in(page, "registrar_yc")
    assert not page.is_visible("a.nav-link:has-text('流程管理')")
    for path in ("/admin/processes", "/admin/processes/core_review/1/modeler", "/admin/instances"):
        assert page.goto(path).status == 403, path


def field(page: Any, entry: str) -> Any:
    return page.locator(f"#bio-properties-panel-{entry}")


def test_properties_panel_reads_and_writes_our_extensions(
    new_page: Any, screenshots: Path, api: ApiClient
) -> None:
    admin_api = api.as_user("admin")
    key = new_process(admin_api)
    page = new_page()
    log_in(page, "admin")
    open_modeler(page, key, 1)

    select(page, "f_reject")  # a gateway condition
    open_group(page, "jz-condition")
    assert field(page, "jz-conditionExpression").input_value() == "decision == 'reject'"
    field(page, "jz-conditionExpression").fill("decision in ('reject', 'refuse')")
    page.keyboard.press("Tab")

    select(page, "deemed_timer", below=-4)  # a timer on the task border, a label just under it
    open_group(page, "jz-timer")
    assert field(page, "jz-timerKind").input_value() == "timeDate"
    assert field(page, "jz-timerExpression").input_value() == "add_working_days(5)"

    select(page, "consult")  # the multi-instance collection survived the import
    open_group(page, "jz-multiInstance")
    assert field(page, "jz-loopInput").input_value() == "units"
    assert field(page, "jz-inputItem").input_value() == "unit"
    open_group(page, "jz-task")
    assert field(page, "jz-assignTo").input_value() == "unit"
    assert field(page, "jz-lane").input_value() == "member_unit"

    select(page, "second_review")  # four-eyes
    open_group(page, "jz-task")
    assert field(page, "jz-excludeActorsOf").input_value() == "first_review"

    select(page, "apply")  # a pre-script
    open_group(page, "jz-scripts")
    field(page, "jz-preScript").fill("note = '请如实填写'")
    page.keyboard.press("Tab")
    shot(page, screenshots, "30-modeler-scripts")

    page.click("#btn-save")
    page.wait_for_function("() => document.getElementById('state-version').textContent === 'v2'")
    saved = admin_api.get(f"/admin/process-definitions/{key}/2/bpmn").get_data(as_text=True)
    assert "<spiffworkflow:preScript>note = '请如实填写'</spiffworkflow:preScript>" in saved
    assert "decision in ('reject', 'refuse')" in saved
    assert "<bpmn:loopDataInputRef>units</bpmn:loopDataInputRef>" in saved
    assert 'spiffworkflow:serviceTaskOperator id="issue_document" resultVariable="notice"' in saved
    assert '<spiffworkflow:property name="excludeActorsOf" value="first_review" />' in saved


def test_modeler_on_a_process_drawn_with_a_pool_and_lanes(new_page: Any, screenshots: Path) -> None:
    page = new_page()
    log_in(page, "admin")
    open_modeler(page, "registration_review", 1)
    lane = page.locator(".djs-element[data-element-id='lane_registrar'] .djs-hit").first.bounding_box()
    page.mouse.click(lane["x"] + 12, lane["y"] + lane["height"] / 2)  # the lane's title band
    open_group(page, "jz-lane-role")
    assert field(page, "jz-laneName").input_value() == "county_registrar"
    task = page.evaluate(
        "() => window.jzModeler.get('elementRegistry').filter(e => e.type === 'bpmn:UserTask')[0].id"
    )
    select(page, task)
    open_group(page, "jz-task")
    assert field(page, "jz-lane").is_disabled()  # drawn lanes: the task is dragged, not chosen
    assert field(page, "jz-lane").input_value() != ""
    shot(page, screenshots, "31-modeler-lanes")
