"""Background jobs. Each takes ids, runs in the app context and calls one service function.

`run_followups` carries all the jobs one transaction deferred (see workflows.followups).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from celery import shared_task
from flask import current_app

from models import Document
from tasks import mail
from webapp.db import session_factory
from workflows import notifications, reminders
from workflows.documents import document_pdf
from workflows.instances import fire_due_timers as fire_timers

log = logging.getLogger(__name__)


@shared_task(name="tasks.jobs.run_followups")
def run_followups(jobs: list[list[Any]]) -> None:
    """The jobs one transaction deferred, in order; one failing does not stop the others."""
    for name, args in jobs:
        try:
            FOLLOWUPS[name](*args)
        except Exception:  # logged with its job; the next ones still run
            log.exception("follow-up job %s%r failed", name, args)


@shared_task(name="tasks.jobs.fire_due_timers")
def fire_due_timers(at: str | None = None) -> int:
    """Fire every timer due now (or at `at`, ISO); safe to run on several workers at once."""
    now = datetime.fromisoformat(at) if at else None
    with session_factory()() as session:
        return fire_timers(session, now)


@shared_task(name="tasks.jobs.render_document")
def render_document(document_id: int) -> None:
    """Render a document's PDF into the store ahead of the first download."""
    with session_factory()() as session:
        doc = session.get(Document, document_id)
        if doc is not None:
            document_pdf(doc, current_app.config["UPLOAD_DIR"])


@shared_task(name="tasks.jobs.send_notification_emails")
def send_notification_emails(notification_ids: list[int]) -> int:
    """E-mail notifications when SMTP is configured; returns how many were sent."""
    with session_factory()() as session:
        return mail.send_notifications(session, current_app.config, notification_ids)


@shared_task(name="tasks.jobs.announce_tasks")
def announce_tasks(task_ids: list[int]) -> int:
    """Notify the candidates of newly created tasks (in-app, then e-mail)."""
    with session_factory()() as session:
        return notifications.announce_tasks(session, task_ids)


@shared_task(name="tasks.jobs.send_due_reminders")
def send_due_reminders(at: str | None = None) -> int:
    """Announce tasks whose announcement was lost, remind of tasks due soon, escalate overdue ones."""
    now = datetime.fromisoformat(at) if at else None
    with session_factory()() as session:
        notifications.announce_missed(session, now)
        return reminders.remind_and_escalate(session, now)


def register() -> None:
    """Importing this module registers the jobs; the call makes that explicit."""


FOLLOWUPS: dict[str, Callable[..., Any]] = {
    "render_document": render_document,
    "send_notification_emails": send_notification_emails,
    "announce_tasks": announce_tasks,
}
