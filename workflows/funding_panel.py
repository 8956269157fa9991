"""The expert panel of a proposal: the call's number of experts seated, each declaring no
conflict of interest (or recusing: a replacement takes the seat) and scoring every rubric
criterion; the weighted mean, with scores far from the panel's median flagged for the office."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from statistics import median
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import FundingCall, FundingProposal, FundingReview, OrganizationRepresentative, User, UserRole
from workflows.context import RunContext
from workflows.errors import Conflict, Invalid
from workflows.funding_common import dec, get_call, office_users, proposal_of, stored, tell
from workflows.services import record_run, service

EXPERT_ROLE = "expert"


def pick_experts(session: Session, call: FundingCall, proposal: FundingProposal, count: int) -> list[User]:
    """`count` active experts for the proposal: none already on its panel, none acting for the
    organization; the least loaded in this call first."""
    taken = select(FundingReview.expert_id).where(FundingReview.proposal_id == proposal.id)
    acting = select(OrganizationRepresentative.user_id).where(
        OrganizationRepresentative.organization_id == proposal.organization_id
    )
    load = (
        select(func.count(FundingReview.id))
        .where(FundingReview.call_id == call.id, FundingReview.expert_id == User.id)
        .scalar_subquery()
    )
    query = (
        select(User)
        .join(UserRole)
        .where(
            UserRole.role_key == EXPERT_ROLE,
            User.active.is_(True),
            User.id.not_in(taken),
            User.id.not_in(acting),
        )
        .order_by(load, User.id)
        .limit(count)
    )
    return list(session.scalars(query).unique())


@service("funding_assign_panel")
def assign_panel(ctx: RunContext, data: dict[str, Any]) -> list[int]:
    """Seat the call's number of experts on the proposal's panel; their ids for the panel loop."""
    proposal = proposal_of(ctx)
    call = get_call(ctx.session, proposal.call_id)
    experts = pick_experts(ctx.session, call, proposal, call.experts_per_proposal)
    if len(experts) < call.experts_per_proposal:
        raise Conflict(f"专家库可用专家不足{call.experts_per_proposal}人，请资助办公室增补评审专家后再提交。")
    for seat, expert in enumerate(experts, start=1):
        ctx.session.add(
            FundingReview(
                proposal_id=proposal.id, call_id=call.id, expert_id=expert.id, seat=seat, assigned_at=ctx.now
            )
        )
    proposal.status, proposal.updated_at = "scoring", ctx.now
    record_run(ctx, "funding_panel_assigned", proposal=proposal.id, experts=[e.id for e in experts])
    return [e.id for e in experts]


def _seat(ctx: RunContext, proposal: FundingProposal, expert_id: int) -> FundingReview:
    query = select(FundingReview).where(
        FundingReview.proposal_id == proposal.id,
        FundingReview.expert_id == expert_id,
        FundingReview.status == "assigned",
    )
    review = ctx.session.scalar(query)
    if review is None:
        raise LookupError(f"expert {expert_id} has no open seat on proposal {proposal.id}")
    return review


def scored_rows(
    rubric: Sequence[Mapping[str, Any]], rows: Sequence[Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """The submitted rows matched to the rubric, in rubric order; Invalid when they do not match."""
    by_name = {str(row.get("criterion") or "").strip(): row for row in rows}
    names = [str(c["name"]) for c in rubric]
    missing = [n for n in names if n not in by_name]
    unknown = [n for n in by_name if n not in names]
    problems = []
    if missing:
        problems.append(f"缺少评分项：{'、'.join(missing)}。")
    if unknown:
        problems.append(f"评分细则中没有这些评分项：{'、'.join(unknown)}。")
    if len(by_name) != len(rows):
        problems.append("同一评分项只能评一次。")
    if problems:
        raise Invalid("评分表与本批次评分细则不符", fields={"criterion_scores": problems})
    return [
        {
            "criterion": c["name"],
            "weight": int(c["weight"]),
            "score": int(by_name[c["name"]]["score"]),
            "comment": str(by_name[c["name"]]["remark"]),
        }
        for c in rubric
    ]


def weighted_total(rows: Sequence[Mapping[str, Any]]) -> Decimal:
    """Σ score × weight / 100 (the weights add up to 100), to the hundredth."""
    total = sum((Decimal(row["score"]) * Decimal(row["weight"]) for row in rows), Decimal(0)) / 100
    return dec(total)


def _recuse(ctx: RunContext, proposal: FundingProposal, review: FundingReview, reason: str) -> dict[str, Any]:
    call = get_call(ctx.session, proposal.call_id)
    replacements = pick_experts(ctx.session, call, proposal, 1)
    if not replacements:
        raise Conflict("暂无可替补的评审专家，请联系资助办公室增补专家后再提交回避申请。")
    replacement = replacements[0]
    review.status, review.conflict_reason, review.completed_at = "recused", reason, ctx.now
    review.replaced_by_id = replacement.id
    ctx.session.add(
        FundingReview(
            proposal_id=proposal.id,
            call_id=call.id,
            expert_id=replacement.id,
            seat=review.seat,
            assigned_at=ctx.now,
        )
    )
    record_run(
        ctx,
        "funding_expert_recused",
        proposal=proposal.id,
        expert=review.expert_id,
        replacement=replacement.id,
    )
    tell(
        ctx.session,
        office_users(ctx.session, call),
        "评审专家申请回避",
        f"“{proposal.title}”的第{review.seat}位评审专家申请回避，已由系统指定替补专家。",
        f"/funding/calls/{call.id}",
    )
    return {"recused": True, "replacement": replacement.id}


@service("funding_record_review")
def record_review(ctx: RunContext, data: dict[str, Any]) -> dict[str, Any]:
    """A recusal (a replacement takes the seat) or the expert's scores, checked against the rubric."""
    proposal = proposal_of(ctx)
    review = _seat(ctx, proposal, int(data["panel_expert"]))
    if data.get("conflict") == "recuse":
        return _recuse(ctx, proposal, review, str(data.get("conflict_reason") or ""))
    call = get_call(ctx.session, proposal.call_id)
    rows = scored_rows(call.rubric, list(data.get("criterion_scores") or []))
    review.scores, review.total = rows, stored(weighted_total(rows))
    review.comment, review.status, review.completed_at = (
        str(data.get("review_comment") or ""),
        "scored",
        ctx.now,
    )
    record_run(
        ctx, "funding_review_scored", proposal=proposal.id, expert=review.expert_id, total=review.total
    )
    return {"recused": False, "replacement": None}


def outliers(totals: list[float], threshold: float) -> list[bool]:
    """Which totals lie further than `threshold` from the panel's median (needs two or more)."""
    if len(totals) < 2:
        return [False] * len(totals)
    middle = median(totals)
    return [abs(t - middle) > threshold for t in totals]


@service("funding_summarize_scores")
def summarize_scores(ctx: RunContext, data: dict[str, Any]) -> dict[str, Any]:
    """The proposal's score (mean of the panel's weighted totals), outliers flagged for the office."""
    proposal = proposal_of(ctx)
    call = get_call(ctx.session, proposal.call_id)
    reviews = list(
        ctx.session.scalars(
            select(FundingReview)
            .where(FundingReview.proposal_id == proposal.id, FundingReview.status == "scored")
            .order_by(FundingReview.seat)
        )
    )
    totals = [float(r.total or 0) for r in reviews]
    for review, flagged in zip(reviews, outliers(totals, float(call.outlier_threshold)), strict=True):
        review.outlier = flagged
    proposal.score = stored(dec(sum(totals) / len(totals))) if totals else None
    proposal.has_outlier = any(r.outlier for r in reviews)
    proposal.status, proposal.updated_at = "scored", ctx.now
    record_run(
        ctx, "funding_scored", proposal=proposal.id, score=proposal.score, outlier=proposal.has_outlier
    )
    if proposal.has_outlier:
        tell(
            ctx.session,
            office_users(ctx.session, call),
            "评审分数差异较大，请复核",
            f"“{proposal.title}”有专家评分与专家组中位数相差超过{call.outlier_threshold:g}分。",
            f"/funding/calls/{call.id}",
        )
    return {"score": proposal.score, "outlier": proposal.has_outlier}
