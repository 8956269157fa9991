"""Notifications: in-app on new tasks, reminders at 80 %, overdue escalation, e-mail over SMTP."""

from __future__ import annotations

import socketserver
import threading
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import delete, select, update

from models import HumanTask, Notification, User
from tasks import mail
from tests.conftest import ApiClient
from tests.integration.test_core_journeys import only_task, submit_application
from workflows.notifications import ANNOUNCE_GRACE, announce_missed, announce_tasks
from workflows.reminders import remind_and_escalate


def notifications_of(session: Any, username: str) -> list[Notification]:
    user = session.scalar(select(User).where(User.username == username))
    return list(session.scalars(select(Notification).where(Notification.user_id == user.id)))


def test_candidates_are_told_of_a_new_task(api: ApiClient, db_session: Any) -> None:
    submit_application(api)
    for username in ("registrar_yc", "registrar2_yc"):
        assert [n.title for n in notifications_of(db_session, username)] == ["新待办：初审"]
    assert notifications_of(db_session, "registrar_jx") == []


def test_an_announcement_whose_job_was_lost_is_swept_up_once(api: ApiClient, db_session: Any) -> None:
    _applicant, body = submit_application(api)
    task = db_session.get(HumanTask, only_task(body)["id"])
    assert task.announced_at is not None  # the follow-up job ran after the commit
    # The job is lost (broker down at commit, worker killed before its commit): nothing was written.
    db_session.execute(update(HumanTask).where(HumanTask.id == task.id).values(announced_at=None))
    db_session.execute(delete(Notification).where(Notification.link == f"/tasks/{task.id}"))
    db_session.commit()
    assert announce_missed(db_session, task.created_at + ANNOUNCE_GRACE / 2) == 0  # the job may still come
    assert announce_missed(db_session, task.created_at + ANNOUNCE_GRACE * 2) == 1
    assert announce_missed(db_session, task.created_at + ANNOUNCE_GRACE * 3) == 0
    assert announce_tasks(db_session, [task.id]) == 0  # a late duplicate of the job announces nothing
    for username in ("registrar_yc", "registrar2_yc"):
        assert [n.title for n in notifications_of(db_session, username)] == ["新待办：初审"]


def test_reminder_at_80_percent_then_escalation_to_the_leader(api: ApiClient, db_session: Any) -> None:
    _applicant, body = submit_application(api)
    task = db_session.get(HumanTask, only_task(body)["id"])
    assert task.due_at is not None
    span = task.due_at - task.created_at
    assert remind_and_escalate(db_session, task.created_at + span * 0.5) == 0
    assert remind_and_escalate(db_session, task.created_at + span * 0.85) == 1
    assert remind_and_escalate(db_session, task.created_at + span * 0.9) == 0  # once only
    assert "即将到期：初审" in [n.title for n in notifications_of(db_session, "registrar_yc")]
    overdue_at = task.due_at + timedelta(hours=1)
    assert remind_and_escalate(db_session, overdue_at) == 1
    assert "已逾期：初审" in [n.title for n in notifications_of(db_session, "leader_yc")]
    assert "已逾期：初审" not in [n.title for n in notifications_of(db_session, "leader_jx")]
    assert remind_and_escalate(db_session, overdue_at) == 0


class _SMTPHandler(socketserver.StreamRequestHandler):
    """Just enough SMTP to receive messages."""

    def handle(self) -> None:
        self.wfile.write(b"220 test ESMTP\r\n")
        data_mode, lines = False, []
        while line := self.rfile.readline():
            if data_mode:
                if line == b".\r\n":
                    self.server.messages.append(b"".join(lines))  # type: ignore[attr-defined]
                    data_mode, lines = False, []
                    self.wfile.write(b"250 queued\r\n")
                else:
                    lines.append(line)
                continue
            command = line[:4].upper()
            if command in (b"EHLO", b"HELO"):
                self.wfile.write(b"250 test\r\n")
            elif command == b"DATA":
                data_mode = True
                self.wfile.write(b"354 go ahead\r\n")
            elif command == b"QUIT":
                self.wfile.write(b"221 bye\r\n")
                return
            else:
                self.wfile.write(b"250 ok\r\n")


@pytest.fixture
def smtp_server() -> Iterator[Any]:
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _SMTPHandler)
    server.messages = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_email_goes_out_when_smtp_is_configured(
    app: Flask, api: ApiClient, db_session: Any, smtp_server: Any
) -> None:
    db_session.execute(
        update(User).where(User.username == "registrar_yc").values(email="registrar@yc.example")
    )
    db_session.commit()
    submit_application(api)
    ids = [n.id for n in notifications_of(db_session, "registrar_yc")]
    config = {**app.config, "SMTP_URL": f"smtp://127.0.0.1:{smtp_server.server_address[1]}"}
    assert mail.send_notifications(db_session, config, ids) == 1
    assert mail.send_notifications(db_session, config, ids) == 0  # not twice
    [message] = smtp_server.messages
    assert b"registrar@yc.example" in message
    assert mail.send_notifications(db_session, {**config, "SMTP_URL": ""}, ids) == 0
