"""Joint meetings (联席会议): the meeting, its documents, the decided items board (issue #5).

The work itself goes through the generic task endpoints; these are the views around it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Blueprint, jsonify, request
from sqlalchemy.orm import Session

from models import AgendaItem, DecidedItem, ItemReport, Meeting, MeetingTopic, MeetingUnit, User
from models.meetings import (
    ATTENDANCE,
    ITEM_STATUSES,
    MEETING_KINDS,
    MEETING_STATUSES,
    PRESENCE,
    REPORT_KINDS,
    TOPIC_RESPONSES,
    TOPIC_STATUSES,
)
from webapp.api.common import caller, page_number, paginate
from webapp.api.schemas import document_json, iso, task_json
from webapp.db import db
from webapp.pdf import pdf_response
from workflows import orgs
from workflows.documents import documents_of
from workflows.errors import Invalid, NotFound
from workflows.meetings import views

bp = Blueprint("meetings", __name__)


def _unit(code: str | None, names: dict[str, str]) -> dict[str, Any] | None:
    return {"code": code, "name": names.get(code, code)} if code else None


def meeting_summary(meeting: Meeting) -> dict[str, Any]:
    """A meeting in a list."""
    return {
        "id": meeting.id,
        "instance_id": meeting.instance_id,
        "title": meeting.title,
        "kind": meeting.kind,
        "kind_label": MEETING_KINDS.get(meeting.kind, meeting.kind),
        "level": {"code": meeting.level.code, "name": meeting.level.name},
        "status": meeting.status,
        "status_label": MEETING_STATUSES.get(meeting.status, meeting.status),
        "topic_due_at": iso(meeting.topic_due_at),
        "scheduled_at": iso(meeting.scheduled_at),
        "created_at": iso(meeting.created_at),
        "closed_at": iso(meeting.closed_at),
    }


def _unit_json(unit: MeetingUnit) -> dict[str, Any]:
    return {
        "code": unit.unit_code,
        "name": unit.unit.name,
        "topic_status": unit.topic_status,
        "topic_status_label": TOPIC_RESPONSES.get(unit.topic_status, unit.topic_status),
        "responded_at": iso(unit.responded_at),
        "attendance": unit.attendance,
        "attendance_label": ATTENDANCE.get(unit.attendance, unit.attendance),
        "attendance_names": unit.attendance_names,
        "attendance_note": unit.attendance_note,
        "presence": unit.presence or None,
        "presence_label": PRESENCE.get(unit.presence),
        "presence_names": unit.presence_names,
    }


def _topic_json(topic: MeetingTopic, published: bool) -> dict[str, Any]:
    body: dict[str, Any] = {
        "no": topic.no,
        "unit": {"code": topic.unit_code, "name": topic.unit.name},
        "title": topic.title,
        "description": topic.description,
        "field": topic.field,
        "urgency": topic.urgency,
        "attachment": topic.attachment_id,
        "submitted_at": iso(topic.submitted_at),
        "status": "submitted",
        "status_label": TOPIC_STATUSES["submitted"],
        "merged_into": None,
        "agenda_no": None,
        "reason": "",
    }
    if published:
        body.update(
            status=topic.status,
            status_label=TOPIC_STATUSES.get(topic.status, topic.status),
            merged_into=topic.merged_into,
            agenda_no=topic.agenda_no,
            reason=topic.reason,
        )
    return body


def _agenda_json(item: AgendaItem) -> dict[str, Any]:
    return {
        "no": item.no,
        "title": item.title,
        "unit": {"code": item.unit.code, "name": item.unit.name} if item.unit else None,
        "topics": item.topic_nos,
        "note": item.note,
        "discussion": item.discussion,
    }


def item_json(
    item: DecidedItem, names: dict[str, str], escalated: set[int], now: datetime | None = None
) -> dict[str, Any]:
    """A decided item on the board."""
    return {
        "id": item.id,
        "meeting": {"id": item.meeting_id, "title": item.meeting.title},
        "no": item.no,
        "content": item.content,
        "owner": {"code": item.owner_code, "name": item.owner.name},
        "co_units": [_unit(code, names) for code in item.co_unit_codes],
        "deadline": iso(item.deadline),
        "due_at": iso(item.due_at),
        "status": item.status,
        "status_label": ITEM_STATUSES.get(item.status, item.status),
        "overdue": views.is_overdue(item, now),
        "escalated": item.id in escalated,
        "last_report": item.last_report,
        "return_reason": item.return_reason,
        "reported_at": iso(item.reported_at),
        "verified_at": iso(item.verified_at),
    }


def _items_json(session: Session, items: list[DecidedItem]) -> list[dict[str, Any]]:
    names = orgs.unit_names(session, (code for item in items for code in item.co_unit_codes))
    escalated = views.escalated_items(session, items)
    return [item_json(item, names, escalated) for item in items]


def meeting_json(session: Session, meeting: Meeting, user: User) -> dict[str, Any]:
    """A meeting with its units, topics, agenda, notice, minutes, items, documents and the caller's tasks."""
    everything, published = views.sees_everything(user, meeting), views.outcome_published(meeting)
    body = meeting_summary(meeting)
    body.update(
        note=meeting.note,
        units=[_unit_json(unit) for unit in views.meeting_units(session, meeting)],
        topics=[
            _topic_json(t, published or everything) for t in views.meeting_topics(session, meeting, user)
        ],
        agenda=[_agenda_json(item) for item in views.meeting_agenda(session, meeting, user)],
        agenda_problems=meeting.agenda_problems if everything else [],
        minutes_problems=meeting.minutes_problems if everything else [],
        review_comment=meeting.review_comment if everything else "",
        notice={
            "scheduled_at": iso(meeting.scheduled_at),
            "place": meeting.place,
            "chair": meeting.chair,
            "attendees": meeting.attendees,
            "confirm_due_at": iso(meeting.confirm_due_at),
        },
        minutes={
            "held_at": iso(meeting.held_at),
            "place": meeting.held_place,
            "chair": meeting.held_chair,
            "summary": meeting.summary,
        },
        items=_items_json(session, views.meeting_items(session, meeting, user)),
        documents=[document_json(doc) for doc in documents_of(session, meeting.instance_id)],
        tasks=_tasks_json(session, meeting, user),
    )
    return body


def _tasks_json(session: Session, meeting: Meeting, user: User) -> list[dict[str, Any]]:
    """The caller's open tasks of the meeting; a supervision task names its decided item."""
    tasks = views.meeting_tasks(session, meeting, user)
    items = views.items_of_tasks(session, meeting, tasks)
    return [{**task_json(task), "item": items[task.id].id if task.id in items else None} for task in tasks]


def _report_json(report: ItemReport, names: dict[str, str]) -> dict[str, Any]:
    return {
        "kind": report.kind,
        "kind_label": REPORT_KINDS.get(report.kind, report.kind),
        "text": report.text,
        "attachment": report.attachment_id,
        "unit": _unit(report.unit_code, names),
        "by": report.by,
        "at": iso(report.at),
    }


@bp.get("/meetings")
def list_meetings() -> Any:
    """Meetings the caller may see, newest first; filter by status."""
    status = request.args.get("status") or None
    if status and status not in MEETING_STATUSES:
        raise Invalid("未知状态", fields={"status": [f"可选：{', '.join(MEETING_STATUSES)}"]})
    return jsonify(paginate(db(), views.meetings_query(caller(), status), meeting_summary, page_number()))


@bp.get("/meetings/<int:meeting_id>")
def show(meeting_id: int) -> Any:
    """The meeting page's data."""
    session, user = db(), caller()
    return jsonify(meeting_json(session, views.get_meeting_for(session, meeting_id, user), user))


@bp.get("/meetings/<int:meeting_id>/documents/<int:document_id>")
def document(meeting_id: int, document_id: int) -> Any:
    """The notice or the minutes as PDF (co-units of decided items may read them too)."""
    session = db()
    meeting = views.get_meeting_for(session, meeting_id, caller())
    doc = next((d for d in documents_of(session, meeting.instance_id) if d.id == document_id), None)
    if doc is None:
        raise NotFound("文书不存在")
    return pdf_response(doc)


@bp.post("/meetings/<int:meeting_id>/tasks/<int:task_id>/prefill")
def prefill(meeting_id: int, task_id: int) -> Any:
    """Start the agenda or minutes form with the meeting's topics / units / agenda items listed."""
    session, user = db(), caller()
    meeting = views.get_meeting_for(session, meeting_id, user)
    draft = views.prefill_draft(session, meeting, task_id, user)
    if draft is None:
        return jsonify({"task_id": task_id, "prefilled": False})
    return jsonify({"task_id": task_id, "prefilled": True, "data": draft.data, "stage": draft.stage})


def _flag(name: str) -> bool:
    return request.args.get(name, "").lower() in ("1", "true", "yes")


@bp.get("/meeting-items")
def list_items() -> Any:
    """The decided items board: meeting, status, overdue and mine (my unit owns or co-owns) filters."""
    status, meeting = request.args.get("status") or None, request.args.get("meeting", "")
    if status and status not in ITEM_STATUSES:
        raise Invalid("未知状态", fields={"status": [f"可选：{', '.join(ITEM_STATUSES)}"]})
    if meeting and not meeting.isdigit():
        raise Invalid("meeting 必须是会议编号", fields={"meeting": ["必须是正整数"]})
    query = views.items_query(
        caller(),
        meeting_id=int(meeting) if meeting else None,
        status=status,
        overdue=_flag("overdue"),
        mine=_flag("mine"),
    )
    session = db()
    body = paginate(session, query, lambda item: item, page_number())
    body["items"] = _items_json(session, body["items"])
    return jsonify(body)


@bp.get("/meeting-items/<int:item_id>")
def show_item(item_id: int) -> Any:
    """A decided item with its record and its open task (`can_act`: the caller may do it)."""
    session, user = db(), caller()
    item = views.get_item_for(session, item_id, user)
    reports = views.item_reports(session, item)
    names = orgs.unit_names(session, [*item.co_unit_codes, *(r.unit_code for r in reports)])
    body = item_json(item, names, views.escalated_items(session, [item]))
    body["reports"] = [_report_json(report, names) for report in reports]
    task, mine = views.item_task_for(session, item, user)
    body["task"] = task_json(task) if task is not None else None
    body["can_act"] = mine
    return jsonify(body)
