"""Funding (项目资金 / 政府购买服务 / 公益创投 / 活动补贴, issue #4): calls, proposals, expert
reviews, funded-list rounds with their public notice, objections, payments and sanctions.

A call is run by the process `funding_call`, each proposal by its own `funding_application`
instance; what spans a whole call (ranking, the funded list, the notice, the ledger) lives in
these tables so that views are plain queries. Money is yuan with two decimals.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, utcnow

MONEY = Numeric(14, 2, asdecimal=False)
SCORE = Numeric(6, 2, asdecimal=False)
CALL_KINDS = {"purchase": "政府购买服务", "project": "项目资金", "venture": "公益创投", "subsidy": "活动补贴"}
CALL_STATUSES = {
    "open": "申报中",
    "reviewing": "评审中",
    "approving": "名单审批中",
    "notice": "公示中",
    "objections": "异议处理中",
    "finalized": "名单已确定",
}
PROPOSAL_STATUSES = {
    "submitted": "已提交",
    "ineligible": "资格预审未通过",
    "street_review": "街道初审",
    "scoring": "专家评审",
    "scored": "评审完成",
    "listed": "拟资助（公示）",
    "dropped": "异议成立，取消资助",
    "not_funded": "未获资助",
    "funded": "获得资助",
    "active": "实施中",
    "suspended": "暂停拨款，整改中",
    "completed": "已结项",
    "terminated": "已终止",
    "failed": "验收不合格",
}
# Tranche stages, in payment order: on signing, after the mid-term evaluation, after acceptance.
TRANCHE_STAGES = ("agreement", "midterm", "final")
TRANCHE_LABELS = {
    "agreement": "首期（协议签订后）",
    "midterm": "二期（中期评估合格后）",
    "final": "尾款（结项验收后）",
}


class FundingCall(Base):
    """A funding call (资助批次): kind, fields, budget, window, rubric, tranches, panel size."""

    __tablename__ = "funding_calls"

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(
        ForeignKey("process_instances.id", ondelete="CASCADE"), unique=True
    )
    # The office that runs the call, and the area whose organizations may apply.
    office_code: Mapped[str] = mapped_column(ForeignKey("org_units.code"), index=True)
    area_code: Mapped[str] = mapped_column(ForeignKey("org_units.code"))
    title: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(20))
    fields: Mapped[list[Any]] = mapped_column(default=list)
    description: Mapped[str] = mapped_column(Text, default="")
    budget: Mapped[float] = mapped_column(MONEY)
    max_per_project: Mapped[float] = mapped_column(MONEY)
    opens_at: Mapped[datetime]
    closes_at: Mapped[datetime]
    rubric: Mapped[list[Any]] = mapped_column(default=list)  # [{"name", "weight"}], weights sum to 100
    tranches: Mapped[list[Any]] = mapped_column(default=list)  # percentages per TRANCHE_STAGES
    experts_per_proposal: Mapped[int] = mapped_column(default=3)
    outlier_threshold: Mapped[float] = mapped_column(SCORE, default=15)
    notice_days: Mapped[int] = mapped_column(default=5)
    status: Mapped[str] = mapped_column(String(20), default="open", index=True)
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finalized_at: Mapped[datetime | None]


class FundingProposal(Base):
    """One application to a call, and — once funded — the project with its agreement."""

    __tablename__ = "funding_proposals"
    __table_args__ = (Index("ix_funding_proposals_call_status", "call_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("funding_calls.id", ondelete="CASCADE"))
    instance_id: Mapped[int] = mapped_column(
        ForeignKey("process_instances.id", ondelete="CASCADE"), unique=True
    )
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    applicant_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    title: Mapped[str] = mapped_column(String(100))
    summary: Mapped[str] = mapped_column(Text, default="")
    field: Mapped[str] = mapped_column(String(30))
    groups_served: Mapped[list[Any]] = mapped_column(default=list)
    location: Mapped[str] = mapped_column(String(200), default="")
    county_code: Mapped[str] = mapped_column(String(32), index=True)
    street_code: Mapped[str | None] = mapped_column(String(32))
    start_date: Mapped[date]
    end_date: Mapped[date]
    budget_total: Mapped[float] = mapped_column(MONEY)
    budget_lines: Mapped[list[Any]] = mapped_column(default=list)
    milestones: Mapped[list[Any]] = mapped_column(default=list)
    team: Mapped[list[Any]] = mapped_column(default=list)
    status: Mapped[str] = mapped_column(String(20), default="submitted")
    eligibility_problems: Mapped[list[Any]] = mapped_column(default=list)
    street_opinion: Mapped[str] = mapped_column(String(20), default="")
    street_comment: Mapped[str] = mapped_column(Text, default="")
    score: Mapped[float | None] = mapped_column(SCORE)
    has_outlier: Mapped[bool] = mapped_column(default=False)
    rank: Mapped[int | None]
    approved_amount: Mapped[float | None] = mapped_column(MONEY)
    result_reason: Mapped[str] = mapped_column(Text, default="")
    agreement_document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id", ondelete="SET NULL"))
    agreement_number: Mapped[str] = mapped_column(String(60), default="")
    signed_at: Mapped[datetime | None]
    signatory: Mapped[str] = mapped_column(String(40), default="")
    midterm_due: Mapped[datetime | None]
    final_due: Mapped[datetime | None]
    closed_reason: Mapped[str] = mapped_column(Text, default="")
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)
    completed_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class FundingReview(Base):
    """One expert's seat on a proposal's panel: a recusal, or the scores per rubric criterion."""

    __tablename__ = "funding_reviews"
    __table_args__ = (UniqueConstraint("proposal_id", "expert_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(
        ForeignKey("funding_proposals.id", ondelete="CASCADE"), index=True
    )
    call_id: Mapped[int] = mapped_column(ForeignKey("funding_calls.id", ondelete="CASCADE"), index=True)
    expert_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    seat: Mapped[int] = mapped_column(default=1)
    status: Mapped[str] = mapped_column(String(20), default="assigned")  # assigned, recused, scored
    conflict_reason: Mapped[str] = mapped_column(Text, default="")
    scores: Mapped[list[Any]] = mapped_column(default=list)  # [{"criterion", "weight", "score", "comment"}]
    total: Mapped[float | None] = mapped_column(SCORE)
    comment: Mapped[str] = mapped_column(Text, default="")
    outlier: Mapped[bool] = mapped_column(default=False)
    replaced_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    assigned_at: Mapped[datetime] = mapped_column(default=utcnow)
    completed_at: Mapped[datetime | None]


class FundingRound(Base):
    """One funded list of a call: proposed, approved, publicly noticed; a new round follows an
    upheld objection."""

    __tablename__ = "funding_rounds"
    __table_args__ = (UniqueConstraint("call_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("funding_calls.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(default=1)
    entries: Mapped[list[Any]] = mapped_column(default=list)  # [{"proposal_id", "rank", "score", "amount"}]
    total: Mapped[float] = mapped_column(MONEY, default=0)
    # proposed, returned, approved, closed
    status: Mapped[str] = mapped_column(String(20), default="proposed")
    comment: Mapped[str] = mapped_column(Text, default="")
    proposed_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    proposed_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None]
    decision_comment: Mapped[str] = mapped_column(Text, default="")
    notice_starts_at: Mapped[datetime | None]
    notice_ends_at: Mapped[datetime | None]


class FundingObjection(Base):
    """A written objection to a listed project, filed by anyone during the public notice."""

    __tablename__ = "funding_objections"

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("funding_calls.id", ondelete="CASCADE"), index=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("funding_rounds.id", ondelete="CASCADE"), index=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("funding_proposals.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(40))
    contact: Mapped[str] = mapped_column(String(60))
    content: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="open")  # open, upheld, rejected
    resolution: Mapped[str] = mapped_column(Text, default="")
    resolved_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    resolved_at: Mapped[datetime | None]
    filed_at: Mapped[datetime] = mapped_column(default=utcnow)


class FundingPayment(Base):
    """A tranche paid to a project: amount, date, who approved it."""

    __tablename__ = "funding_payments"
    __table_args__ = (UniqueConstraint("proposal_id", "stage"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("funding_calls.id", ondelete="CASCADE"), index=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("funding_proposals.id", ondelete="CASCADE"))
    stage: Mapped[str] = mapped_column(String(20))  # TRANCHE_STAGES
    percent: Mapped[int]
    amount: Mapped[float] = mapped_column(MONEY)
    paid_on: Mapped[date]
    voucher_no: Mapped[str] = mapped_column(String(60), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    approved_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)


class FundingSanction(Base):
    """What happened to a project that fell short: 通报 for a late report, suspension,
    termination, a failed acceptance."""

    __tablename__ = "funding_sanctions"

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(
        ForeignKey("funding_proposals.id", ondelete="CASCADE"), index=True
    )
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # circulation, suspension, termination, failed
    stage: Mapped[str] = mapped_column(String(20), default="")  # midterm, final
    reason: Mapped[str] = mapped_column(Text, default="")
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id", ondelete="SET NULL"))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class OrganizationSupervision(Base):
    """An open supervision case (监管整改) on an organization: while open, it may not apply
    for funding. Opened and closed by civil-affairs staff (no supervision process exists yet)."""

    __tablename__ = "organization_supervisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    reason: Mapped[str] = mapped_column(Text)
    basis: Mapped[str] = mapped_column(String(200), default="")
    opened_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    closed_at: Mapped[datetime | None]
    close_note: Mapped[str] = mapped_column(Text, default="")
