"""What the public sees of funding: the notices of approved lists with their period, the
listed projects and the experts, and whether objections are taken now."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import FundingCall, FundingObjection, FundingProposal, FundingReview, FundingRound, User
from workflows.errors import NotFound
from workflows.funding_calls import latest_round
from workflows.funding_common import get_call, local_time, stamp
from workflows.funding_views import call_json, proposals_json


def noticed_calls(session: Session) -> list[tuple[FundingCall, FundingRound]]:
    """Calls with a published notice, newest first, each with its latest noticed round."""
    rows = session.execute(
        select(FundingCall, FundingRound)
        .join(FundingRound, FundingRound.call_id == FundingCall.id)
        .where(FundingRound.notice_starts_at.is_not(None))
        .order_by(FundingRound.notice_starts_at.desc())
    ).tuples()
    seen: dict[int, tuple[FundingCall, FundingRound]] = {}
    for call, row in rows:
        seen.setdefault(call.id, (call, row))
    return list(seen.values())


def notice_summary(call: FundingCall, row: FundingRound) -> dict[str, Any]:
    """A notice in the list of notices."""
    return {
        "call_id": call.id,
        "title": call.title,
        "round": row.number,
        "starts_at": stamp(row.notice_starts_at),
        "ends_at": stamp(row.notice_ends_at),
        "period": f"{local_time(row.notice_starts_at)} 至 {local_time(row.notice_ends_at)}",
    }


def public_notice(session: Session, call_id: int, now: datetime) -> dict[str, Any]:
    """What the public sees: the noticed list (organization, project, field, county, score,
    amount), the period, the experts, and whether objections are taken now."""
    call = get_call(session, call_id)
    current = latest_round(session, call)
    noticed = [
        r
        for r in session.scalars(
            select(FundingRound)
            .where(FundingRound.call_id == call.id, FundingRound.notice_starts_at.is_not(None))
            .order_by(FundingRound.number.desc())
        )
    ]
    if not noticed:
        raise NotFound("该批次尚未公示")
    shown = noticed[0]
    ids = [int(e["proposal_id"]) for e in shown.entries]
    proposals = {p.id: p for p in session.scalars(select(FundingProposal).where(FundingProposal.id.in_(ids)))}
    listed = proposals_json(session, [proposals[i] for i in ids if i in proposals])
    amounts = {int(e["proposal_id"]): e["amount"] for e in shown.entries}
    entries = [
        {
            k: row[k]
            for k in ("id", "organization", "title", "field_label", "county", "score", "rank", "status")
        }
        | {"amount": amounts[row["id"]], "dropped": row["status"] == "dropped"}
        for row in listed
    ]
    experts = session.scalars(
        select(User.display_name)
        .join(FundingReview, FundingReview.expert_id == User.id)
        .where(FundingReview.call_id == call.id, FundingReview.status == "scored")
        .distinct()
    ).all()
    assert shown.notice_starts_at is not None and shown.notice_ends_at is not None
    open_now = (
        shown is current and call.status == "notice" and shown.notice_starts_at <= now <= shown.notice_ends_at
    )
    return {
        "call": call_json(session, call),
        "round": shown.number,
        "starts_at": stamp(shown.notice_starts_at),
        "ends_at": stamp(shown.notice_ends_at),
        "period": f"{local_time(shown.notice_starts_at)} 至 {local_time(shown.notice_ends_at)}",
        "open": open_now,
        "total": shown.total,
        "entries": entries,
        "experts": sorted(experts),
        "objections": session.scalar(
            select(FundingObjection.id).where(FundingObjection.round_id == shown.id).limit(1)
        )
        is not None,
    }
