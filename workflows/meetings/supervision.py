"""Supervision (督办) of the decided items: reports by the owner unit, verification by the office."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from models import DecidedItem, ItemReport
from workflows.context import RunContext
from workflows.meetings.common import attachment_of, meeting_of, tell_units
from workflows.services import record_run, service


def item_of(ctx: RunContext, data: Mapping[str, Any]) -> DecidedItem:
    """The decided item a supervision sub-process runs for (its multi-instance input `item`)."""
    ref = data.get("item") or {}
    item = ctx.session.get(DecidedItem, int(ref.get("id") or 0))
    if item is None or item.meeting.instance_id != ctx.instance.id:
        raise LookupError(f"decided item {ref!r} is not an item of instance {ctx.instance.id}")
    return item


def add_report(
    ctx: RunContext, item: DecidedItem, kind: str, text: str, attachment: int | None = None
) -> None:
    """One entry of the item's record, audited."""
    unit = ctx.actor.org_unit_code if ctx.actor else item.owner_code
    actor = ctx.actor.id if ctx.actor else None
    report = ItemReport(
        item_id=item.id, kind=kind, text=text, attachment_id=attachment, unit_code=unit, by=actor
    )
    report.at = ctx.now
    ctx.session.add(report)
    record_run(ctx, f"item_{kind}", item=item.id, no=item.no)


@service("meeting_item_report")
def item_report(ctx: RunContext, data: dict[str, Any]) -> None:
    """The owner unit's progress report, or its completion report (which goes to verification)."""
    item = item_of(ctx, data)
    text = str(data.get("report") or "")
    completed = data.get("decision") == "complete"
    add_report(
        ctx, item, "completion" if completed else "progress", text, attachment_of(ctx, data.get("evidence"))
    )
    item.last_report = text
    if completed:
        item.status, item.reported_at = "reported", ctx.now
    else:
        item.status = "in_progress"


@service("meeting_item_verified")
def item_verified(ctx: RunContext, data: dict[str, Any]) -> None:
    """The office accepts the completion, or returns the item with its reasons to the owner unit."""
    item = item_of(ctx, data)
    comment = str(data.get("comment") or "")
    title = item.meeting.title
    if data.get("decision") == "return":
        add_report(ctx, item, "returned", comment)
        item.status, item.return_reason = "returned", comment
        subject, body = (
            f"议定事项退回重办（第{item.no}项）",
            f"{title}：{item.content[:60]}。退回理由：{comment}",
        )
    else:
        add_report(ctx, item, "accepted", comment)
        item.status, item.verified_at, item.return_reason = "verified", ctx.now, ""
        subject, body = f"议定事项已确认办结（第{item.no}项）", f"{title}：{item.content[:60]}"
    tell_units(ctx, item.meeting, [item.owner_code], subject, body)


@service("meeting_close")
def close_meeting(ctx: RunContext, data: dict[str, Any]) -> None:
    """Every decided item is verified: the cycle is closed."""
    meeting = meeting_of(ctx)
    meeting.status, meeting.closed_at = "closed", ctx.now
    record_run(ctx, "meeting_closed", meeting_id=meeting.id)
