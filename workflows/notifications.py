"""In-app notifications; e-mail goes out after commit when SMTP is configured."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from models import HumanTask, Notification, User, utcnow
from workflows.followups import defer
from workflows.tasks_sync import candidate_users


def notify(
    session: Session, users: Iterable[User], kind: str, title: str, body: str = "", link: str = ""
) -> None:
    """Create a notification for each user and queue the e-mails."""
    rows = [Notification(user_id=u.id, kind=kind, title=title, body=body, link=link) for u in users]
    if not rows:
        return
    session.add_all(rows)
    session.flush()
    defer(session, "send_notification_emails", [row.id for row in rows])


def task_created(session: Session, tasks: Iterable[HumanTask]) -> None:
    """Tell the people who may act that a task waits for them."""
    for task in tasks:
        due = f"，办理期限 {task.due_at.astimezone().strftime('%Y-%m-%d')}" if task.due_at else ""
        notify(
            session,
            candidate_users(session, task),
            "task",
            f"新待办：{task.name}",
            f"流程实例 #{task.instance_id}{due}",
            f"/tasks/{task.id}",
        )


def unread(session: Session, user: User, limit: int = 20) -> list[Notification]:
    """The user's unread notifications, newest first."""
    query = (
        select(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .order_by(Notification.id.desc())
        .limit(limit)
    )
    return list(session.scalars(query))


def mark_read(session: Session, user: User, now: datetime | None = None) -> None:
    """Mark all of the user's notifications read."""
    session.execute(
        update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=now or utcnow())
    )
    session.commit()
