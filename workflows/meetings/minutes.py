"""The meeting notice (会议通知), the units' answers to it and the minutes (会议纪要)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from models import AgendaItem, DecidedItem, Document, Meeting, MeetingUnit, OrgUnit
from models.meetings import PRESENCE
from workflows import orgs
from workflows.context import RunContext
from workflows.meetings.common import (
    CONFIRM_TASK,
    agenda_of,
    answers,
    chinese_datetime,
    local_time,
    meeting_of,
    ordinal,
    tell_actor,
    tell_units,
    units_of,
)
from workflows.official_text import chinese_date, end_of_day
from workflows.services import issue_for_run, service
from workflows.working_days import CST


def issue(ctx: RunContext, meeting: Meeting, kind: str, title: str, content: dict[str, Any]) -> Document:
    """A numbered document of the meeting's level; its PDF is rendered after commit."""
    return issue_for_run(ctx, issuer=meeting.level, kind=kind, content=content, title=title[:200])


@service("meeting_issue_notice")
def issue_notice(ctx: RunContext, data: dict[str, Any]) -> dict[str, Any]:
    """Issue the numbered meeting notice to every invited unit; returns the answer deadline."""
    session, meeting = ctx.session, meeting_of(ctx)
    meeting.scheduled_at = local_time(str(data["meeting_at"]))
    meeting.place, meeting.chair = str(data.get("meeting_place") or ""), str(data.get("meeting_chair") or "")
    meeting.attendees = str(data.get("meeting_attendees") or "")
    meeting.confirm_due_at = end_of_day(date.fromisoformat(str(data["confirm_deadline"])))
    units = units_of(session, meeting)
    content = notice_content(meeting, units, agenda_of(session, meeting), str(data.get("notice_note") or ""))
    doc = issue(ctx, meeting, "meeting_notice", f"关于召开{meeting.title}的通知", content)
    meeting.notice_document_id, meeting.status = doc.id, "confirming"
    when = chinese_datetime(meeting.scheduled_at)
    body = f"{doc.number}：定于{when}在{meeting.place}召开，请按时报送参会回执。"
    tell_units(ctx, meeting, [unit.unit_code for unit in units], f"会议通知：{meeting.title}", body)
    return {
        "number": doc.number,
        "meeting_at": meeting.scheduled_at.isoformat(),
        "confirm_due": meeting.confirm_due_at.isoformat(),
    }


def notice_content(
    meeting: Meeting, units: list[MeetingUnit], agenda: list[AgendaItem], note: str
) -> dict[str, Any]:
    """The notice: time, place, chair, attendees, agenda and the answer deadline."""
    assert meeting.scheduled_at is not None and meeting.confirm_due_at is not None
    when = chinese_datetime(meeting.scheduled_at)
    answer_by = chinese_date(meeting.confirm_due_at.astimezone(CST).date())
    parts = [
        f"经联席会议召集人同意，定于{when}在{meeting.place}召开{meeting.title}。现将有关事项通知如下：",
        f"一、会议时间：{when}",
        f"二、会议地点：{meeting.place}",
        f"三、主持人：{meeting.chair or '联席会议召集人'}",
        f"四、参会人员：{meeting.attendees}",
        "五、会议议程：" + "；".join(f"（{ordinal(a.no)}）{a.title}" for a in agenda) + "。",
        f"六、请各成员单位于{answer_by}前通过平台报送参会回执（参会人员姓名、职务，或请假事由）。",
    ]
    if note:
        parts.append(f"七、其他事项：{note}")
    items = [(f"议程{ordinal(a.no)}", a.title + (f"（{a.unit.name}提出）" if a.unit else "")) for a in agenda]
    recipient = "、".join(unit.unit.name for unit in units) or "各成员单位"
    return {"recipient": recipient, "paragraphs": parts, "items": items}


@service("meeting_close_confirmations")
def close_confirmations(ctx: RunContext, data: dict[str, Any]) -> None:
    """Record every unit's answer to the notice; a unit without one is recorded as "no reply"."""
    session, meeting = ctx.session, meeting_of(ctx)
    answered = answers(ctx, CONFIRM_TASK)
    for unit in units_of(session, meeting):
        if unit.unit_code not in answered:
            unit.attendance = "no_reply"
            continue
        reply = answered[unit.unit_code][1].data
        unit.attendance = "attend" if reply.get("decision") == "attend" else "absent"
        unit.attendance_names = str(reply.get("attendee_names") or "")[:300]
        unit.attendance_note = str(reply.get("absence_reason") or "")[:500]
    meeting.status = "minutes"


def minutes_problems(
    data: Mapping[str, Any], members: Iterable[str], agenda_numbers: Iterable[int]
) -> list[str]:
    """What is wrong with the minutes given the meeting: units outside its level, unknown agenda items."""
    known, numbers = set(members), set(agenda_numbers)
    decided = [row for row in data.get("decided") or [] if isinstance(row, Mapping)]
    named = {str(row.get("unit")) for row in data.get("attendance") or []}
    named |= {str(row.get("owner")) for row in decided}
    named |= {str(code) for row in decided for code in row.get("co_units") or []}
    problems = []
    if named - known:
        problems.append(f"以下单位不是本级联席会议成员单位：{'、'.join(sorted(named - known))}。")
    wrong = {row.get("agenda_no") for row in data.get("discussions") or []} - numbers
    if wrong:
        problems.append(f"议程序号 {'、'.join(str(n) for n in sorted(wrong, key=str))} 不存在。")
    return problems


@service("meeting_record_minutes")
def record_minutes(ctx: RunContext, data: dict[str, Any]) -> dict[str, Any]:
    """Store attendance, discussions and the decided items (drafts until the convener signs)."""
    session, meeting = ctx.session, meeting_of(ctx)
    agenda = {item.no: item for item in agenda_of(session, meeting)}
    problems = minutes_problems(data, orgs.member_units(session, meeting.level_code), agenda)
    meeting.minutes_problems = problems
    if problems:
        meeting.status = "minutes"
        tell_actor(ctx, meeting, "会议纪要需要修改后重新提交", "；".join(problems))
        return {"complete": False, "problems": problems}
    meeting.held_at = local_time(str(data["held_at"]))
    meeting.held_place, meeting.held_chair = (
        str(data.get("held_place") or ""),
        str(data.get("held_chair") or ""),
    )
    meeting.summary = str(data.get("minutes_summary") or "")
    record_presence(session, meeting, data.get("attendance") or [])
    said = {row["agenda_no"]: str(row.get("discussion") or "") for row in data.get("discussions") or []}
    for number, item in agenda.items():
        item.discussion = said.get(number, "")
    session.execute(delete(DecidedItem).where(DecidedItem.meeting_id == meeting.id))
    for number, row in enumerate(data.get("decided") or [], start=1):
        session.add(decided_item(meeting, number, row, ctx))
    meeting.status, meeting.review_comment = "minutes_review", ""
    return {"complete": True}


def decided_item(meeting: Meeting, number: int, row: Mapping[str, Any], ctx: RunContext) -> DecidedItem:
    """A draft decided item from one row of the minutes."""
    deadline = date.fromisoformat(str(row["deadline"]))
    co_units = [str(code) for code in row.get("co_units") or []]
    return DecidedItem(
        meeting_id=meeting.id,
        no=number,
        content=str(row.get("content") or ""),
        owner_code=str(row["owner"]),
        co_units="," + ",".join(co_units) + "," if co_units else "",
        deadline=deadline,
        due_at=end_of_day(deadline),
        created_at=ctx.now,
    )


def record_presence(session: Session, meeting: Meeting, rows: Iterable[Mapping[str, Any]]) -> None:
    """Who attended, per the minutes; a member unit that came uninvited (列席) is added."""
    units = {unit.unit_code: unit for unit in units_of(session, meeting)}
    for unit in units.values():
        unit.presence, unit.presence_names = "", ""
    for row in rows:
        code = str(row.get("unit"))
        if code not in units:
            units[code] = MeetingUnit(
                meeting_id=meeting.id, unit_code=code, topic_status="none", attendance="no_reply"
            )
            session.add(units[code])
        units[code].presence = str(row.get("presence") or "")
        units[code].presence_names = str(row.get("names") or "")[:300]


@service("meeting_minutes_reviewed")
def minutes_reviewed(ctx: RunContext, data: dict[str, Any]) -> None:
    """The convener's word on the minutes (a return goes back to the office with the comment)."""
    if data.get("decision") == "return":
        meeting = meeting_of(ctx)
        meeting.status, meeting.review_comment = "minutes", str(data.get("comment") or "")


def items_of(session: Session, meeting: Meeting) -> list[DecidedItem]:
    """The meeting's decided items in order."""
    query = select(DecidedItem).where(DecidedItem.meeting_id == meeting.id).order_by(DecidedItem.no)
    return list(session.scalars(query))


@service("meeting_issue_minutes")
def issue_minutes(ctx: RunContext, data: dict[str, Any]) -> list[dict[str, Any]]:
    """Issue the numbered minutes to every unit and open the decided items for supervision."""
    session, meeting = ctx.session, meeting_of(ctx)
    items, units = items_of(session, meeting), units_of(session, meeting)
    codes = {code for item in items for code in item.co_unit_codes}
    names = dict(
        session.execute(select(OrgUnit.code, OrgUnit.name).where(OrgUnit.code.in_(codes))).tuples().all()
    )
    content = minutes_content(meeting, units, agenda_of(session, meeting), items, names)
    doc = issue(ctx, meeting, "minutes", f"{meeting.title}纪要", content)
    meeting.minutes_document_id, meeting.status, meeting.review_comment = doc.id, "supervising", ""
    for item in items:
        item.status = "open"
    told = {unit.unit_code for unit in units} | {item.owner_code for item in items} | codes
    tell_units(
        ctx, meeting, told, f"会议纪要已印发：{meeting.title}", f"{doc.number}，共{len(items)}项议定事项。"
    )
    return [
        {
            "id": item.id,
            "no": item.no,
            "owner": item.owner_code,
            "due_at": item.due_at.astimezone(CST).isoformat(),
        }
        for item in items
    ]


def minutes_content(
    meeting: Meeting,
    units: list[MeetingUnit],
    agenda: list[AgendaItem],
    items: list[DecidedItem],
    names: Mapping[str, str],
) -> dict[str, Any]:
    """The minutes: the meeting, who attended, each agenda item's discussion and the decided items."""
    assert meeting.held_at is not None
    present = [u.unit.name + (f"（{u.presence_names}）" if u.presence_names else "") for u in units
               if u.presence == "present"]  # fmt: skip
    away = [f"{u.unit.name}（{PRESENCE[u.presence]}）" for u in units if u.presence in ("leave", "absent")]
    opening = f"{chinese_datetime(meeting.held_at)}，{meeting.title}在{meeting.held_place}召开，"
    parts = [
        opening + f"{meeting.held_chair}主持。{meeting.summary}",
        "出席单位："
        + ("、".join(present) or "无")
        + "。"
        + (f"请假或缺席：{'、'.join(away)}。" if away else ""),
        "会议审议了以下议题：",
        *(f"（{ordinal(a.no)}）{a.title}。{a.discussion}" for a in agenda),
        f"会议议定以下事项（共{len(items)}项），请各牵头单位按时限落实，并通过平台报告进展和办结情况："
        if items
        else "会议未形成需督办的议定事项。",
    ]
    rows = []
    for item in items:
        co = "、".join(names.get(code, code) for code in item.co_unit_codes) or "无"
        due = chinese_date(item.deadline)
        rows.append(
            (
                f"议定事项{ordinal(item.no)}",
                f"{item.content}（牵头单位：{item.owner.name}；配合单位：{co}；完成时限：{due}）",
            )
        )
    return {"recipient": "各成员单位", "paragraphs": parts, "items": rows}
