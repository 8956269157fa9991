"""Who sees which meeting, what the meeting page and the items board show, prefilled drafts.

Everything here is a plain query of the meeting tables and the task rows, except
`open_item_tasks`, which reads one instance's state to tell which open task is which item's.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, exists, func, or_, select, true
from sqlalchemy.orm import Session, aliased

from models import (
    AgendaItem,
    DecidedItem,
    Draft,
    HumanTask,
    ItemReport,
    Meeting,
    MeetingTopic,
    MeetingUnit,
    ProcessInstance,
    User,
)
from workflows.assignment import actionable_clause, is_candidate, is_excluded, visible_instances_clause
from workflows.drafts import initial_data, save_draft
from workflows.engine import load_state, ready_user_tasks
from workflows.errors import Conflict, NotFound
from workflows.instances import check_can_act, get_task_for
from workflows.meetings.common import AGENDA_TASK, MINUTES_TASK, REPORT_TASK, VERIFY_TASK, agenda_of, units_of
from workflows.meetings.minutes import items_of
from workflows.scripting import make_script_engine
from workflows.working_days import CST

OPEN_ITEM_STATUSES = ("open", "in_progress", "reported", "returned")
NOT_STAFF = frozenset({"member_unit", "applicant", "expert"})


def visible_meetings_clause(user: User) -> ColumnElement[bool]:
    """Meetings `user` may see: those whose instance they may see (their scope or below, tasks they
    held) and, for a member unit, those it was invited to or holds a decided item of."""
    if user.has_role("admin"):
        return true()
    instance = exists(
        select(ProcessInstance.id).where(
            ProcessInstance.id == Meeting.instance_id, visible_instances_clause(user)
        )
    )
    if not user.has_role("member_unit"):
        return instance
    code = user.org_unit_code
    invited = exists(
        select(MeetingUnit.id).where(MeetingUnit.meeting_id == Meeting.id, MeetingUnit.unit_code == code)
    )
    held = aliased(DecidedItem)  # the board's own query selects decided items: do not correlate them
    holds = exists(
        select(held.id).where(
            held.meeting_id == Meeting.id,
            held.status != "draft",
            or_(held.owner_code == code, held.co_units.like(f"%,{code},%")),
        )
    )
    return or_(instance, invited, holds)


def sees_everything(user: User, meeting: Meeting) -> bool:
    """Staff of the meeting's level or above see every unit's topics and the drafts."""
    if user.has_role("admin"):
        return True
    return bool(user.roles - NOT_STAFF) and meeting.level.is_within(user.org_unit)


def meetings_query(user: User, status: str | None = None) -> Select[tuple[Meeting]]:
    """Meetings the user may see, newest first."""
    query = select(Meeting).where(visible_meetings_clause(user))
    if status:
        query = query.where(Meeting.status == status)
    return query.order_by(Meeting.id.desc())


def get_meeting_for(session: Session, meeting_id: int, user: User) -> Meeting:
    """A meeting the user may see (NotFound otherwise: never reveal another level's meetings)."""
    meeting = session.scalar(select(Meeting).where(Meeting.id == meeting_id, visible_meetings_clause(user)))
    if meeting is None:
        raise NotFound("会议不存在，或不在您的查看范围内")
    return meeting


def outcome_published(meeting: Meeting) -> bool:
    """Units learn what became of their topics once the convener approved the agenda."""
    return meeting.status not in ("collecting", "agenda", "agenda_review")


def meeting_units(session: Session, meeting: Meeting) -> list[MeetingUnit]:
    """The invited units (and any that attended uninvited)."""
    return units_of(session, meeting)


def meeting_topics(session: Session, meeting: Meeting, user: User) -> list[MeetingTopic]:
    """Topics the user may read: all for staff of the level, else the user's own unit's."""
    query = select(MeetingTopic).where(MeetingTopic.meeting_id == meeting.id).order_by(MeetingTopic.no)
    if not sees_everything(user, meeting):
        query = query.where(MeetingTopic.unit_code == user.org_unit_code)
    return list(session.scalars(query))


def meeting_agenda(session: Session, meeting: Meeting, user: User) -> list[AgendaItem]:
    """The agenda: staff see the draft, units the approved one."""
    if not sees_everything(user, meeting) and not outcome_published(meeting):
        return []
    return agenda_of(session, meeting)


def meeting_items(session: Session, meeting: Meeting, user: User) -> list[DecidedItem]:
    """The decided items: staff see the drafts, units those of the issued minutes."""
    items = items_of(session, meeting)
    return items if sees_everything(user, meeting) else [item for item in items if item.status != "draft"]


def meeting_tasks(session: Session, meeting: Meeting, user: User) -> list[HumanTask]:
    """The meeting's open tasks that the user may act on."""
    query = select(HumanTask).where(HumanTask.instance_id == meeting.instance_id, actionable_clause(user))
    return list(session.scalars(query.order_by(HumanTask.id)))


# --- the items board ------------------------------------------------------------------------------------


def items_query(
    user: User,
    *,
    meeting_id: int | None = None,
    status: str | None = None,
    overdue: bool = False,
    mine: bool = False,
    now: datetime | None = None,
) -> Select[tuple[DecidedItem]]:
    """Decided items of the meetings the user may see, the earliest deadline first."""
    query = (
        select(DecidedItem).join(Meeting).where(visible_meetings_clause(user), DecidedItem.status != "draft")
    )
    if meeting_id is not None:
        query = query.where(DecidedItem.meeting_id == meeting_id)
    if status:
        query = query.where(DecidedItem.status == status)
    if overdue:
        query = query.where(
            DecidedItem.status.in_(OPEN_ITEM_STATUSES), DecidedItem.due_at < (now or datetime.now(UTC))
        )
    if mine:
        code = user.org_unit_code
        query = query.where(or_(DecidedItem.owner_code == code, DecidedItem.co_units.like(f"%,{code},%")))
    return query.order_by(DecidedItem.due_at, DecidedItem.meeting_id, DecidedItem.no)


def is_overdue(item: DecidedItem, now: datetime | None = None) -> bool:
    """Past its deadline and not verified."""
    return item.status in OPEN_ITEM_STATUSES and item.due_at < (now or datetime.now(UTC))


def escalated_items(session: Session, items: Sequence[DecidedItem]) -> set[int]:
    """Items whose overdue report was escalated to the convener (the reminder job marks the task)."""
    if not items:
        return set()
    query = select(HumanTask.instance_id, HumanTask.org_unit_code, HumanTask.due_at).where(
        HumanTask.instance_id.in_({item.meeting.instance_id for item in items}),
        HumanTask.bpmn_id == REPORT_TASK,
        HumanTask.escalated_at.is_not(None),
    )
    marks = set(session.execute(query).tuples())
    return {item.id for item in items if (item.meeting.instance_id, item.owner_code, item.due_at) in marks}


def get_item_for(session: Session, item_id: int, user: User) -> DecidedItem:
    """A decided item of a meeting the user may see."""
    query = select(DecidedItem).join(Meeting).where(DecidedItem.id == item_id, visible_meetings_clause(user))
    item = session.scalar(query)
    if item is None or (item.status == "draft" and not sees_everything(user, item.meeting)):
        raise NotFound("议定事项不存在，或不在您的查看范围内")
    return item


def item_reports(session: Session, item: DecidedItem) -> list[ItemReport]:
    """The item's record, oldest first."""
    return list(
        session.scalars(select(ItemReport).where(ItemReport.item_id == item.id).order_by(ItemReport.id))
    )


def open_item_tasks(session: Session, meeting: Meeting) -> dict[int, HumanTask]:
    """The open report or verification task of each decided item, by item id.

    All items' tasks share their BPMN ids, so which item a task row is for is only in the task's
    data: this reads the one instance's state (the boards never call it).
    """
    from workflows import definitions  # here, not above: definitions imports the service catalog

    query = select(HumanTask).where(
        HumanTask.instance_id == meeting.instance_id,
        HumanTask.status == "open",
        HumanTask.bpmn_id.in_((REPORT_TASK, VERIFY_TASK)),
    )
    rows = session.scalars(query).all()
    instance = session.get(ProcessInstance, meeting.instance_id)
    if not rows or instance is None:
        return {}
    workflow = load_state(instance.state, definitions.get_model(instance.definition), make_script_engine({}))
    item_of: dict[str, int] = {}
    for task in ready_user_tasks(workflow):
        ref = task.data.get("item")
        if isinstance(ref, dict) and isinstance(ref.get("id"), int):
            item_of[str(task.id)] = ref["id"]
    return {item_of[row.spiff_task_id]: row for row in rows if row.spiff_task_id in item_of}


def items_of_tasks(session: Session, meeting: Meeting, tasks: Sequence[HumanTask]) -> dict[int, DecidedItem]:
    """For the supervision tasks among `tasks`: the decided item each is about, by task id."""
    if not any(task.bpmn_id in (REPORT_TASK, VERIFY_TASK) for task in tasks):
        return {}
    items = {item.id: item for item in items_of(session, meeting)}
    return {
        task.id: items[item_id]
        for item_id, task in open_item_tasks(session, meeting).items()
        if item_id in items
    }


def item_task_for(session: Session, item: DecidedItem, user: User) -> tuple[HumanTask | None, bool]:
    """The item's open task, and whether `user` may do it now."""
    task = open_item_tasks(session, item.meeting).get(item.id)
    if task is None:
        return None, False
    free = task.assignee_id is None and is_candidate(user, task) and not is_excluded(user, task)
    return task, task.assignee_id == user.id or free


def item_progress(session: Session, meeting_ids: Sequence[int]) -> dict[int, tuple[int, int]]:
    """(verified, issued) decided items per meeting, for lists."""
    if not meeting_ids:
        return {}
    query = (
        select(DecidedItem.meeting_id, DecidedItem.status, func.count(DecidedItem.id))
        .where(DecidedItem.meeting_id.in_(meeting_ids), DecidedItem.status != "draft")
        .group_by(DecidedItem.meeting_id, DecidedItem.status)
    )
    progress: dict[int, tuple[int, int]] = {}
    for meeting_id, status, count in session.execute(query).tuples():
        done, total = progress.get(meeting_id, (0, 0))
        progress[meeting_id] = (done + (count if status == "verified" else 0), total + count)
    return progress


# --- prefilled drafts ----------------------------------------------------------------------------------


def _agenda_seed(session: Session, meeting: Meeting) -> dict[str, Any]:
    query = select(MeetingTopic).where(MeetingTopic.meeting_id == meeting.id).order_by(MeetingTopic.no)
    rows = [
        {"topic_no": t.no, "action": None, "agenda_title": t.title, "reason": ""}
        for t in session.scalars(query)
    ]
    return {"agenda_rows": rows, "extra_items": []}


def _minutes_seed(session: Session, meeting: Meeting) -> dict[str, Any]:
    presence = {"attend": "present", "absent": "leave"}
    return {
        "held_at": meeting.scheduled_at.astimezone(CST).strftime("%Y-%m-%dT%H:%M")
        if meeting.scheduled_at
        else None,
        "held_place": meeting.place,
        "held_chair": meeting.chair,
        "attendance": [
            {"unit": u.unit_code, "presence": presence.get(u.attendance), "names": u.attendance_names}
            for u in units_of(session, meeting)
        ],
        "discussions": [{"agenda_no": a.no, "discussion": None} for a in agenda_of(session, meeting)],
        "decided": [],
    }


SEEDS: dict[str, Callable[[Session, Meeting], dict[str, Any]]] = {
    AGENDA_TASK: _agenda_seed,
    MINUTES_TASK: _minutes_seed,
}
PREFILLABLE = frozenset(SEEDS)


def prefill_draft(session: Session, meeting: Meeting, task_id: int, user: User) -> Draft | None:
    """Start the office's agenda or minutes form with every topic / unit / agenda item listed.

    Only for a first draft: a draft the user saved, or the submission a return reopens, wins.
    """
    task = get_task_for(session, task_id, user)
    if task.instance_id != meeting.instance_id or task.bpmn_id not in SEEDS:
        raise Conflict("只有“整理议程”和“整理会议纪要”可以预先载入会议信息")
    check_can_act(user, task)
    if initial_data(session, task, user)["source"] != "empty":
        return None
    return save_draft(session, task.id, user, SEEDS[task.bpmn_id](session, meeting), stage=0)
