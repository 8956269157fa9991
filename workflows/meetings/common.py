"""What the joint-meeting operators share: the meeting of an instance, dates, telling units."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import AgendaItem, Attachment, HumanTask, Meeting, MeetingUnit, Submission, User
from workflows import orgs
from workflows.context import RunContext
from workflows.notifications import notify
from workflows.official_text import chinese_date
from workflows.official_text import end_of_day as end_of_day  # re-exported for callers
from workflows.working_days import CST

PROCESS_KEY = "joint_meeting"
TOPIC_TASK, CONFIRM_TASK = "submit_topics", "confirm_attendance"
AGENDA_TASK, MINUTES_TASK = "draft_agenda", "record_minutes"
REPORT_TASK, VERIFY_TASK = "report_item", "verify_item"
WEEKDAYS = "一二三四五六日"
CHINESE_NUMBERS = "一二三四五六七八九十"


def local_time(value: str) -> datetime:
    """A form's datetime (naive means China Standard Time) as an aware datetime."""
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=CST)


def chinese_datetime(value: datetime) -> str:
    """``2026年3月20日（星期五）上午9:30`` in China Standard Time."""
    local = value.astimezone(CST)
    half = "上午" if local.hour < 12 else "下午"
    hour = local.hour if local.hour <= 12 else local.hour - 12
    return f"{chinese_date(local.date())}（星期{WEEKDAYS[local.weekday()]}）{half}{hour}:{local.minute:02d}"


def ordinal(n: int) -> str:
    """一、二 … 十 for the numbered parts of a document (digits beyond ten)."""
    return CHINESE_NUMBERS[n - 1] if 1 <= n <= len(CHINESE_NUMBERS) else str(n)


def meeting_of(ctx: RunContext) -> Meeting:
    """The meeting of the running instance."""
    meeting = ctx.session.scalar(select(Meeting).where(Meeting.instance_id == ctx.instance.id))
    if meeting is None:
        raise LookupError(f"instance {ctx.instance.id} has no meeting: register_meeting did not run")
    return meeting


def units_of(session: Session, meeting: Meeting) -> list[MeetingUnit]:
    """The meeting's units (invited, and any that attended uninvited) in code order."""
    query = select(MeetingUnit).where(MeetingUnit.meeting_id == meeting.id).order_by(MeetingUnit.unit_code)
    return list(session.scalars(query))


def agenda_of(session: Session, meeting: Meeting) -> list[AgendaItem]:
    """The meeting's agenda in order."""
    query = select(AgendaItem).where(AgendaItem.meeting_id == meeting.id).order_by(AgendaItem.no)
    return list(session.scalars(query))


def attachment_of(ctx: RunContext, value: Any) -> int | None:
    """An attachment id of this instance, or None (a form only checks that it is a number)."""
    if not str(value or "").isdigit():
        return None
    row = ctx.session.get(Attachment, int(value))
    return row.id if row is not None and row.instance_id == ctx.instance.id else None


def unit_users(session: Session, codes: Iterable[str]) -> list[User]:
    """The active liaison officers (member_unit) of the given units."""
    return orgs.active_users(session, codes, "member_unit")


def tell_units(ctx: RunContext, meeting: Meeting, codes: Iterable[str], title: str, body: str) -> None:
    """Notify the liaison officers of the units, linking to the meeting page."""
    notify(ctx.session, unit_users(ctx.session, codes), "meeting", title, body, f"/meetings/{meeting.id}")


def tell_actor(ctx: RunContext, meeting: Meeting, title: str, body: str) -> None:
    """Notify whoever caused this engine run (e.g. why their step came back)."""
    if ctx.actor is not None:
        notify(ctx.session, [ctx.actor], "meeting", title, body, f"/meetings/{meeting.id}")


def answers(ctx: RunContext, bpmn_id: str) -> dict[str, tuple[HumanTask, Submission]]:
    """The completed per-unit tasks of one multi-instance step, by unit, with what was submitted.

    Read from the task rows and the dossier, not from the engine's output collection: an
    interrupting deadline timer discards the collected outputs of the units that did answer.
    """
    rows = ctx.session.execute(
        select(HumanTask, Submission)
        .join(Submission, Submission.task_id == HumanTask.id)
        .where(
            HumanTask.instance_id == ctx.instance.id,
            HumanTask.bpmn_id == bpmn_id,
            HumanTask.status == "completed",
        )
        .order_by(Submission.id)
    ).tuples()
    return {task.org_unit_code: (task, submission) for task, submission in rows}
