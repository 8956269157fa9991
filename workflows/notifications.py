"""In-app notifications; e-mail goes out after commit when SMTP is configured."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from models import HumanTask, Notification, User, utcnow
from models.base import table_of
from workflows.followups import defer
from workflows.tasks_sync import candidate_users

ANNOUNCE_GRACE = timedelta(minutes=5)  # a task older than this and still unannounced lost its job


def notify(
    session: Session, users: Iterable[User], kind: str, title: str, body: str = "", link: str = ""
) -> None:
    """Create a notification for each user and queue the e-mails."""
    notify_ids(session, [u.id for u in users], kind, title, body, link)


_TABLE = table_of(Notification)
_INSERT = insert(_TABLE).returning(_TABLE.c.id, sort_by_parameter_order=True)


def notify_ids(
    session: Session, user_ids: Iterable[int], kind: str, title: str, body: str = "", link: str = ""
) -> None:
    """`notify` for users known by id (no need to load them): one Core insert for all of them (the
    unit of work cost twice as much a row, and nothing here needs the rows as objects)."""
    now = utcnow()
    rows = [
        {"user_id": i, "kind": kind, "title": title, "body": body, "link": link, "created_at": now}
        for i in user_ids
    ]
    if not rows:
        return
    ids = list(session.scalars(_INSERT, rows))
    defer(session, "send_notification_emails", ids)


def task_created(session: Session, tasks: Iterable[HumanTask]) -> None:
    """After commit, tell the people who may act that a task waits for them (`announce_tasks`).

    The request that creates a task does not wait for its candidates to be looked up; the task
    is in their inbox from the commit on, the notification follows within the worker's latency.
    """
    ids = [task.id for task in tasks]
    if ids:
        defer(session, "announce_tasks", ids)


def announce_tasks(session: Session, task_ids: list[int], now: datetime | None = None) -> int:
    """Notify the candidates of each listed task still open and not yet announced; returns how many."""
    query = select(HumanTask).where(
        HumanTask.id.in_(task_ids), HumanTask.status == "open", HumanTask.announced_at.is_(None)
    )
    tasks = list(session.scalars(query.order_by(HumanTask.id).with_for_update(skip_locked=True)))
    for task in tasks:
        task.announced_at = now or utcnow()
        due = f"，办理期限 {task.due_at.astimezone().strftime('%Y-%m-%d')}" if task.due_at else ""
        notify(
            session,
            candidate_users(session, task),
            "task",
            f"新待办：{task.name}",
            f"流程实例 #{task.instance_id}{due}",
            f"/tasks/{task.id}",
        )
    session.commit()
    return len(tasks)


def announce_missed(session: Session, now: datetime | None = None, grace: timedelta = ANNOUNCE_GRACE) -> int:
    """Announce open tasks whose follow-up job never ran (broker down, worker lost); returns how many."""
    now = now or utcnow()
    query = select(HumanTask.id).where(
        HumanTask.announced_at.is_(None), HumanTask.created_at < now - grace, HumanTask.status == "open"
    )
    ids = list(session.scalars(query.order_by(HumanTask.created_at).limit(500)))
    return announce_tasks(session, ids, now) if ids else 0


def unread(session: Session, user: User, limit: int = 20) -> list[Notification]:
    """The user's unread notifications, newest first."""
    query = (
        select(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .order_by(Notification.id.desc())
        .limit(limit)
    )
    return list(session.scalars(query))


def unread_count(session: Session, user: User, cap: int) -> int:
    """How many unread notifications the user has, counting at most `cap` + 1 (enough to show "cap+")."""
    rows = (
        select(Notification.id)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .limit(cap + 1)
        .subquery()
    )
    return session.scalar(select(func.count()).select_from(rows)) or 0


def mark_read(session: Session, user: User, now: datetime | None = None) -> None:
    """Mark all of the user's notifications read."""
    session.execute(
        update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=now or utcnow())
    )
    session.commit()
