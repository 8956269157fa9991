"""The `flask --app webapp …` commands."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import select, update

from models import AuditEvent, CalendarDay, ProcessInstance, Submission
from tests.conftest import ApiClient
from tests.integration.test_core_journeys import only_task, submit_application
from workflows.engine import engine_now

BPMN = Path(__file__).resolve().parents[1] / "bpmn"


def run(app: Flask, *args: str) -> Any:
    return app.test_cli_runner().invoke(args=list(args))


def test_init_is_idempotent(app: Flask) -> None:
    first, second = run(app, "init"), run(app, "init")
    assert first.exit_code == 0 and second.exit_code == 0, first.output + second.output
    assert "数据库已就绪" in second.output


def test_users_create_and_token(app: Flask, api: ApiClient) -> None:
    result = run(
        app,
        "users",
        "create",
        "cli_registrar",
        "--role",
        "county_registrar",
        "--org-unit",
        "140727",
        "--password",
        "Cli-password-1",
    )
    assert result.exit_code == 0, result.output
    token = run(app, "users", "token", "cli_registrar").output.strip()
    me = api.client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).get_json()
    assert me["org_unit"]["code"] == "140727" and me["roles"] == ["county_registrar"]
    bad = run(
        app, "users", "create", "x", "--role", "king", "--org-unit", "140727", "--password", "Cli-password-1"
    )
    assert bad.exit_code != 0 and "未知角色" in bad.output


def test_processes_deploy_reports_findings(app: Flask, tmp_path: Path) -> None:
    assert run(app, "processes", "deploy", str(BPMN / "timer_probe.bpmn")).exit_code == 0
    broken = tmp_path / "broken.bpmn"
    broken.write_bytes((BPMN / "timer_probe.bpmn").read_bytes().replace(b'"core.consult"', b'"no.such.form"'))
    result = run(app, "processes", "deploy", str(broken))
    assert result.exit_code != 0 and "no.such.form" in result.output


def test_timers_fire_at_a_given_moment(app: Flask, api: ApiClient) -> None:
    _applicant, body = submit_application(api)
    review = only_task(body)
    assert "已触发 0 个" in run(app, "timers", "fire").output
    later = (engine_now() + timedelta(days=30)).isoformat()
    assert "已触发 1 个" in run(app, "timers", "fire", "--at", later).output
    instance = api.as_user("registrar_yc").get(f"/instances/{review['instance_id']}").get_json()
    assert {t["form_key"] for t in instance["tasks"]} == {"core.consult"}
    assert run(app, "timers", "fire", "--at", "yesterday").exit_code != 0


def test_audit_verify_detects_tampering(app: Flask, api: ApiClient, db_session: Any) -> None:
    submit_application(api)
    ok = run(app, "audit", "verify")
    assert ok.exit_code == 0 and "审计链完整" in ok.output
    event_id = db_session.scalar(select(AuditEvent.id).where(AuditEvent.action == "task_completed"))
    db_session.execute(update(AuditEvent).where(AuditEvent.id == event_id).values(details={"forged": True}))
    db_session.commit()
    tampered = run(app, "audit", "verify")
    assert tampered.exit_code != 0 and "does not match its hash" in tampered.output


def test_audit_verify_detects_a_changed_submission(app: Flask, api: ApiClient, db_session: Any) -> None:
    submit_application(api)
    assert run(app, "audit", "verify").exit_code == 0
    submission = db_session.scalars(select(Submission)).first()
    changed = {**submission.data, "title": "改过的标题"}
    db_session.execute(update(Submission).where(Submission.id == submission.id).values(data=changed))
    db_session.commit()
    tampered = run(app, "audit", "verify")
    assert tampered.exit_code != 0 and "does not match its digest" in tampered.output


def test_calendar_import_makes_2027_known(app: Flask, tmp_path: Path, db_session: Any) -> None:
    csv = tmp_path / "2027.csv"
    csv.write_text("date,workday,note\n2027-01-01,0,元旦\n2027-02-06,1,春节调休\n", encoding="utf-8")
    result = run(app, "calendar", "import", str(csv))
    assert result.exit_code == 0 and "2027" in result.output, result.output
    assert db_session.get(CalendarDay, date(2027, 1, 1)).is_workday is False
    bad = tmp_path / "bad.csv"
    bad.write_text("2027-13-01,1\n", encoding="utf-8")
    assert run(app, "calendar", "import", str(bad)).exit_code != 0


def test_seed_demo_creates_cases(app: Flask, db_session: Any) -> None:
    result = run(app, "seed-demo")
    assert result.exit_code == 0, result.output
    assert "registrar_yc" in result.output
    count = len(db_session.scalars(select(ProcessInstance.id)).all())
    assert count >= 3
