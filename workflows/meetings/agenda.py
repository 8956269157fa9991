"""Opening a meeting cycle, the call for topics (议题征集) and the agenda (议程)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any

from sqlalchemy import delete, select

from models import AgendaItem, HumanTask, Meeting, MeetingTopic, MeetingUnit, OrgUnit
from workflows import orgs
from workflows.context import RunContext
from workflows.meetings.common import (
    TOPIC_TASK,
    answers,
    attachment_of,
    meeting_of,
    tell_actor,
    tell_units,
    units_of,
)
from workflows.official_text import end_of_day
from workflows.services import record_run, service

TOPIC_STATUS = {"accept": "accepted", "merge": "merged", "defer": "deferred", "reject": "rejected"}


@service("meeting_open")
def open_meeting(ctx: RunContext, data: dict[str, Any]) -> dict[str, Any]:
    """Register the meeting and its invited units (default: every member unit of the level)."""
    session, level = ctx.session, ctx.scope
    members = orgs.member_units(session, level.code)
    wanted = [str(code) for code in data.get("invited_units") or []]
    invited = [code for code in members if code in wanted] or members
    ignored = [code for code in wanted if code not in members]
    due = end_of_day(date.fromisoformat(str(data["topic_deadline"])))
    meeting = Meeting(
        instance_id=ctx.instance.id,
        level_code=level.code,
        title=str(data.get("meeting_title") or ""),
        kind=str(data.get("meeting_kind") or "regular"),
        note=str(data.get("meeting_note") or ""),
        topic_due_at=due,
        convened_by=ctx.instance.started_by,
        created_at=ctx.now,
    )
    session.add(meeting)
    session.flush()
    session.add_all(MeetingUnit(meeting_id=meeting.id, unit_code=code) for code in invited)
    record_run(
        ctx, "meeting_opened", meeting_id=meeting.id, level=level.code, invited=invited, ignored=ignored
    )
    if ignored:
        names = "、".join(session.scalars(select(OrgUnit.name).where(OrgUnit.code.in_(ignored))))
        tell_actor(
            ctx, meeting, "部分单位未邀请", f"以下单位不是{level.name}联席会议成员单位，未邀请：{names}"
        )
    return {"id": meeting.id, "units": invited, "topic_due": due.isoformat()}


@service("meeting_close_topics")
def close_topics(ctx: RunContext, data: dict[str, Any]) -> int:
    """Record every unit's answer; a unit without one is closed as "no response". Returns topics."""
    session, meeting = ctx.session, meeting_of(ctx)
    answered = answers(ctx, TOPIC_TASK)
    number = 0
    for unit in units_of(session, meeting):
        if unit.unit_code not in answered:
            unit.topic_status = "no_response"
            record_run(ctx, "topic_no_response", unit=unit.unit_code)
            continue
        task, submission = answered[unit.unit_code]
        unit.responded_at, unit.responded_by = task.completed_at, task.completed_by
        unit.topic_note = str(submission.data.get("topics_note") or "")
        rows = submission.data.get("topics") or [] if submission.data.get("decision") == "submit" else []
        unit.topic_status = "submitted" if rows else "none"
        attachment = attachment_of(ctx, submission.data.get("topics_attachment"))
        for row in rows:
            number += 1
            session.add(new_topic(meeting, unit, number, row, attachment, task))
    meeting.status = "agenda"
    return number


def new_topic(
    meeting: Meeting,
    unit: MeetingUnit,
    number: int,
    row: Mapping[str, Any],
    attachment: int | None,
    task: HumanTask,
) -> MeetingTopic:
    """A topic row from one row of a unit's submission."""
    return MeetingTopic(
        meeting_id=meeting.id,
        no=number,
        unit_code=unit.unit_code,
        title=str(row.get("title") or ""),
        description=str(row.get("description") or ""),
        field=str(row.get("field") or ""),
        urgency=str(row.get("urgency") or "normal"),
        attachment_id=attachment,
        submitted_by=task.completed_by,
        submitted_at=task.completed_at,
    )


def _numbers(values: Iterable[Any]) -> str:
    return "、".join(str(v) for v in sorted(values, key=str))


def agenda_problems(rows: Sequence[Mapping[str, Any]], topic_numbers: Iterable[int]) -> list[str]:
    """What is wrong with the office's decisions given the meeting's topics (empty: nothing)."""
    known = set(topic_numbers)
    given = [row.get("topic_no") for row in rows]
    problems = []
    unknown = {n for n in given if n not in known}
    if unknown:
        problems.append(f"议题编号 {_numbers(unknown)} 不存在。")
    missing = known - set(given)
    if missing:
        problems.append(f"议题 {_numbers(missing)} 尚未处理，每个议题都应给出处理意见。")
    accepted = {row.get("topic_no") for row in rows if row.get("action") == "accept"}
    targets = {row.get("merge_into") for row in rows if row.get("action") == "merge"}
    if targets - accepted:
        problems.append(f"议题只能并入列入议程的议题，议题 {_numbers(targets - accepted)} 未列入议程。")
    return problems


@service("meeting_record_agenda")
def record_agenda(ctx: RunContext, data: dict[str, Any]) -> dict[str, Any]:
    """Apply the office's decisions to the topics and build the agenda, or say what is wrong."""
    session, meeting = ctx.session, meeting_of(ctx)
    query = select(MeetingTopic).where(MeetingTopic.meeting_id == meeting.id)
    topics = {topic.no: topic for topic in session.scalars(query)}
    rows = [row for row in data.get("agenda_rows") or [] if isinstance(row, Mapping)]
    problems = agenda_problems(rows, topics)
    meeting.agenda_problems = problems
    if problems:
        meeting.status = "agenda"
        tell_actor(ctx, meeting, "议程需要修改后重新提交", "；".join(problems))
        return {"complete": False, "problems": problems}
    session.execute(delete(AgendaItem).where(AgendaItem.meeting_id == meeting.id))
    items = agenda_from(meeting, topics, rows)
    for extra in data.get("extra_items") or []:
        title, note = str(extra.get("title") or ""), str(extra.get("note") or "")
        items.append(
            AgendaItem(meeting_id=meeting.id, no=len(items) + 1, title=title, note=note, topic_nos=[])
        )
    session.add_all(items)
    meeting.agenda_round += 1
    meeting.status, meeting.review_comment = "agenda_review", ""
    return {"complete": True, "items": len(items)}


def agenda_from(
    meeting: Meeting, topics: Mapping[int, MeetingTopic], rows: Sequence[Mapping[str, Any]]
) -> list[AgendaItem]:
    """Set each topic's outcome; accepted topics, with those merged into them, become agenda items."""
    items: dict[int, AgendaItem] = {}
    for row in rows:
        topic, action = topics[row["topic_no"]], row["action"]
        topic.status, topic.reason = TOPIC_STATUS[action], str(row.get("reason") or "")
        topic.merged_into = row.get("merge_into") if action == "merge" else None
        topic.agenda_no = None
        if action == "accept":
            title = str(row.get("agenda_title") or "") or topic.title
            item = AgendaItem(
                meeting_id=meeting.id, no=len(items) + 1, title=title, unit_code=topic.unit_code
            )
            item.topic_nos = [topic.no]
            items[topic.no] = item
            topic.agenda_no = item.no
    for row in rows:
        if row["action"] == "merge":
            target = items[row["merge_into"]]
            target.topic_nos = [*target.topic_nos, row["topic_no"]]
            topics[row["topic_no"]].agenda_no = target.no
    return list(items.values())


@service("meeting_agenda_reviewed")
def agenda_reviewed(ctx: RunContext, data: dict[str, Any]) -> None:
    """The convener's word on the agenda; once approved, each unit hears what became of its topics."""
    session, meeting = ctx.session, meeting_of(ctx)
    if data.get("decision") == "return":
        meeting.status, meeting.review_comment = "agenda", str(data.get("comment") or "")
        return
    meeting.status, meeting.review_comment = "notice", ""
    by_unit: dict[str, list[MeetingTopic]] = {}
    query = select(MeetingTopic).where(MeetingTopic.meeting_id == meeting.id).order_by(MeetingTopic.no)
    for topic in session.scalars(query):
        by_unit.setdefault(topic.unit_code, []).append(topic)
    for code, topics in by_unit.items():
        body = "；".join(topic_outcome(topic) for topic in topics)
        tell_units(ctx, meeting, [code], f"议题处理结果：{meeting.title}", body)


def topic_outcome(topic: MeetingTopic) -> str:
    """One line the submitting unit reads about its topic (with the reason, if any)."""
    text = {
        "accepted": f"已列入议程（第{topic.agenda_no}项）",
        "merged": f"已并入议题{topic.merged_into}一并审议",
        "deferred": "暂缓审议",
        "rejected": "不予采纳",
    }.get(topic.status, "待处理")
    reason = f"，理由：{topic.reason}" if topic.reason else ""
    return f"“{topic.title}”{text}{reason}"
