"""联席会议: the meetings list, the meeting page, the decided items board and an item's page."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from forms.meetings import TOPIC_FIELDS, URGENCY
from models import meetings as labels
from webapp.auth import current_user, login_required
from webapp.db import db
from webapp.pages.common import page_number, paginate
from webapp.pdf import pdf_response
from workflows import definitions, orgs
from workflows.assignment import can_view_instance
from workflows.documents import documents_of
from workflows.errors import NotFound
from workflows.instances import open_tasks, start_instance
from workflows.meetings import PROCESS_KEY, views

bp = Blueprint("meetings", __name__)
LABELS = {
    "kinds": labels.MEETING_KINDS,
    "statuses": labels.MEETING_STATUSES,
    "responses": labels.TOPIC_RESPONSES,
    "attendance": labels.ATTENDANCE,
    "presence": labels.PRESENCE,
    "topic_statuses": labels.TOPIC_STATUSES,
    "item_statuses": labels.ITEM_STATUSES,
    "report_kinds": labels.REPORT_KINDS,
    "fields": dict(TOPIC_FIELDS),
    "urgency": dict(URGENCY),
}
PHASES = ("collecting", "agenda", "notice", "confirming", "minutes", "supervising")
PHASE_OF = {"agenda_review": "agenda", "minutes_review": "minutes", "closed": "done"}


def _can_start() -> bool:
    try:
        definition = definitions.current(db(), PROCESS_KEY)
    except NotFound:
        return False
    return definitions.may_start(definition, current_user())


@bp.get("/meetings")
@login_required
def index() -> Any:
    """The meetings the user may see, newest first."""
    session, user = db(), current_user()
    status = request.args.get("status") or None
    page = paginate(
        session,
        views.meetings_query(user, status if status in labels.MEETING_STATUSES else None),
        page_number(),
    )
    progress = views.item_progress(session, [m.id for m in page.items])
    return render_template(
        "meetings/index.html",
        page=page,
        status=status,
        progress=progress,
        can_start=_can_start(),
        labels=LABELS,
    )


@bp.post("/meetings/start")
@login_required
def start() -> Any:
    """The convener opens a cycle: straight to the 发起会议 form."""
    session = db()
    instance = start_instance(session, PROCESS_KEY, current_user())
    first = open_tasks(session, instance.id)
    flash(_("已创建联席会议（办件编号 %(id)s），请填写会议信息并发出议题征集。", id=instance.id), "success")
    if first:
        return redirect(url_for("pages.tasks.show", task_id=first[0].id))
    return redirect(url_for("pages.instances.show", instance_id=instance.id))


@bp.get("/meetings/<int:meeting_id>")
@login_required
def show(meeting_id: int) -> Any:
    """The meeting page: units, topics, agenda, notice, minutes, decided items, documents."""
    session, user = db(), current_user()
    meeting = views.get_meeting_for(session, meeting_id, user)
    items, tasks = views.meeting_items(session, meeting, user), views.meeting_tasks(session, meeting, user)
    return render_template(
        "meetings/show.html",
        meeting=meeting,
        everything=views.sees_everything(user, meeting),
        published=views.outcome_published(meeting),
        units=views.meeting_units(session, meeting),
        topics=views.meeting_topics(session, meeting, user),
        agenda=views.meeting_agenda(session, meeting, user),
        items=items,
        escalated=views.escalated_items(session, items),
        names=orgs.unit_names(session, (code for item in items for code in item.co_unit_codes)),
        documents=documents_of(session, meeting.instance_id),
        tasks=tasks,
        task_items=views.items_of_tasks(session, meeting, tasks),
        prefillable=views.PREFILLABLE,
        case_visible=can_view_instance(session, user, meeting.instance),
        phase=_phase(meeting.status),
        labels=LABELS,
    )


def _phase(status: str) -> int:
    """How far the cycle is, as an index into PHASES (len(PHASES) when closed)."""
    phase = PHASE_OF.get(status, status)
    return len(PHASES) if phase == "done" else PHASES.index(phase)


@bp.post("/meetings/<int:meeting_id>/tasks/<int:task_id>/prefill")
@login_required
def prefill(meeting_id: int, task_id: int) -> Any:
    """Open the agenda or minutes form with every topic / unit / agenda item already listed."""
    session, user = db(), current_user()
    if (
        views.prefill_draft(session, views.get_meeting_for(session, meeting_id, user), task_id, user)
        is not None
    ):
        flash(_("已载入本次会议的议题、参会单位和议程，请逐项填写。"), "info")
    return redirect(url_for("pages.tasks.show", task_id=task_id))


@bp.get("/meetings/<int:meeting_id>/documents/<int:document_id>")
@login_required
def document(meeting_id: int, document_id: int) -> Any:
    """The notice or the minutes as PDF."""
    session = db()
    meeting = views.get_meeting_for(session, meeting_id, current_user())
    doc = next((d for d in documents_of(session, meeting.instance_id) if d.id == document_id), None)
    if doc is None:
        raise NotFound("文书不存在")
    return pdf_response(doc, named=True)


@bp.get("/meetings/items")
@login_required
def board() -> Any:
    """The decided items board; a member unit starts on its own items."""
    session, user = db(), current_user()
    args = request.args
    mine = args.get("mine", "1" if user.roles == {"member_unit"} else "") == "1"
    status = args.get("status") if args.get("status") in labels.ITEM_STATUSES else None
    meeting_id = args.get("meeting", type=int)
    query = views.items_query(
        user, meeting_id=meeting_id, status=status, overdue=args.get("overdue") == "1", mine=mine
    )
    page = paginate(session, query, page_number())
    filters = {
        "mine": "1" if mine else "0",
        "status": status or "",
        "overdue": args.get("overdue", ""),
        "meeting": meeting_id or "",
    }
    return render_template(
        "meetings/board.html",
        page=page,
        filters=filters,
        escalated=views.escalated_items(session, page.items),
        names=orgs.unit_names(session, (code for item in page.items for code in item.co_unit_codes)),
        labels=LABELS,
    )


@bp.get("/meetings/items/<int:item_id>")
@login_required
def item(item_id: int) -> Any:
    """One decided item: what was decided, its record, and its current step."""
    session, user = db(), current_user()
    found = views.get_item_for(session, item_id, user)
    reports = views.item_reports(session, found)
    task, mine = views.item_task_for(session, found, user)
    return render_template(
        "meetings/item.html",
        item=found,
        reports=reports,
        task=task,
        can_act=mine,
        escalated=views.escalated_items(session, [found]),
        names=orgs.unit_names(session, [*found.co_unit_codes, *(r.unit_code for r in reports)]),
        labels=LABELS,
    )
