"""Assessment (考评) of the counties and supervision cases (通报 / 约谈 / 挂牌督办), issue #6.

Configuration lives in tables, never in code (DOMAIN.md §8): county populations for "per
10,000 residents", and the supervision ladder (its rungs, periods and copy-to units). A case
keeps a snapshot of the ladder it started with, so editing the ladder never changes a running case.
Case state is written by the `rectification_interview` process's service tasks, so the case page,
the timeline and the public list are plain queries that never load a workflow.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, utcnow
from models.org import OrgUnit

PERIOD_STATUSES = {"open": "考评中", "published": "已发布"}
INDICATOR_SOURCES = {"computed": "系统计算", "entered": "填报（附佐证）"}
INDICATOR_BASES = {"absolute": "绝对数", "per_10k": "每万人"}
TOOLS = {"criticism": "通报", "interview": "约谈", "listing": "挂牌督办"}
CASE_STATUSES = {
    "open": "已立案",
    "criticism": "通报中",
    "interview": "约谈中",
    "listing": "挂牌督办中",
    "rectifying": "整改中",
    "verifying": "待验收",
    "closed": "已结案",
    "delisted": "已摘牌",
    "escalated": "已升级问责",
}
LISTING_STATUSES = {"listed": "挂牌督办中", "delisted": "已摘牌", "escalated": "验收未通过，已一票否决"}
PLAN_STATUSES = {"submitted": "待审核", "returned": "已退回", "approved": "已批准"}


class CountyPopulation(Base):
    """A county's resident population, for indicators per 10,000 residents (editable configuration).

    No foreign key to the org tree: the defaults are seeded by the migration, before the org tree
    exists; edits are checked against it.
    """

    __tablename__ = "county_populations"

    county_code: Mapped[str] = mapped_column(String(32), primary_key=True)
    population: Mapped[int]
    year: Mapped[int]
    source: Mapped[str] = mapped_column(String(200), default="")
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class AssessmentPeriod(Base):
    """An assessment period (e.g. a half-year): its indicators, entered values and scorecard."""

    __tablename__ = "assessment_periods"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    threshold: Mapped[float]  # a total score below it marks the county as lagging
    status: Mapped[str] = mapped_column(String(20), default="open")
    note: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    computed_at: Mapped[datetime | None]
    published_at: Mapped[datetime | None]

    indicators: Mapped[list[AssessmentIndicator]] = relationship(
        back_populates="period", order_by="AssessmentIndicator.position", cascade="all, delete-orphan"
    )


class AssessmentIndicator(Base):
    """One indicator of a period: computed by a registered function, or entered with evidence."""

    __tablename__ = "assessment_indicators"
    __table_args__ = (UniqueConstraint("period_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    period_id: Mapped[int] = mapped_column(
        ForeignKey("assessment_periods.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int]
    key: Mapped[str] = mapped_column(String(60))
    name: Mapped[str] = mapped_column(String(100))
    unit: Mapped[str] = mapped_column(String(20), default="")
    source: Mapped[str] = mapped_column(String(20))  # computed, entered
    basis: Mapped[str] = mapped_column(String(20), default="absolute")  # absolute, per_10k
    weight: Mapped[float]
    # The value that earns full marks (e.g. 2 incubation bases); 0: relative to the best county.
    target: Mapped[float] = mapped_column(default=0)

    period: Mapped[AssessmentPeriod] = relationship(back_populates="indicators")


class AssessmentEntry(Base):
    """An entered value of an indicator for a county, with its evidence (佐证材料)."""

    __tablename__ = "assessment_entries"
    __table_args__ = (UniqueConstraint("indicator_id", "county_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    indicator_id: Mapped[int] = mapped_column(
        ForeignKey("assessment_indicators.id", ondelete="CASCADE"), index=True
    )
    county_code: Mapped[str] = mapped_column(ForeignKey("org_units.code"))
    value: Mapped[float]
    evidence_note: Mapped[str] = mapped_column(Text, default="")
    evidence_id: Mapped[int | None] = mapped_column(ForeignKey("attachments.id", ondelete="SET NULL"))
    entered_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    entered_at: Mapped[datetime] = mapped_column(default=utcnow)


class AssessmentScore(Base):
    """A county's row of the scorecard: values and scores per indicator, total, rank, flags."""

    __tablename__ = "assessment_scores"
    __table_args__ = (UniqueConstraint("period_id", "county_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    period_id: Mapped[int] = mapped_column(
        ForeignKey("assessment_periods.id", ondelete="CASCADE"), index=True
    )
    county_code: Mapped[str] = mapped_column(ForeignKey("org_units.code"))
    total: Mapped[float] = mapped_column(default=0)
    rank: Mapped[int] = mapped_column(default=0)
    lagging: Mapped[bool] = mapped_column(default=False)
    # {indicator key: {"raw", "value", "score", "missing"}}
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # 一票否决: set by a failed listed supervision; survives recomputation.
    veto: Mapped[bool] = mapped_column(default=False)
    veto_reason: Mapped[str] = mapped_column(Text, default="")
    computed_at: Mapped[datetime] = mapped_column(default=utcnow)

    county: Mapped[OrgUnit] = relationship(lazy="joined")


class SupervisionRung(Base):
    """One rung of the supervision ladder (configuration): what is done and the periods it gives."""

    __tablename__ = "supervision_rungs"
    __table_args__ = (UniqueConstraint("position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    position: Mapped[int]
    tool: Mapped[str] = mapped_column(String(20))  # criticism, interview, listing
    name: Mapped[str] = mapped_column(String(40))
    rectify: Mapped[bool] = mapped_column(default=True)  # ends with a rectification and its 验收
    plan_days: Mapped[int] = mapped_column(default=10)  # working days for the rectification plan
    period_days: Mapped[int] = mapped_column(default=30)  # working days until verification
    report_days: Mapped[int] = mapped_column(default=0)  # periodic progress reports; 0: none
    copy_to: Mapped[list[Any]] = mapped_column(default=list)  # org unit codes or plain unit names
    issuer_code: Mapped[str] = mapped_column(String(32))  # seeded before the org tree: no foreign key
    note: Mapped[str] = mapped_column(String(200), default="")
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class SupervisionCase(Base):
    """A supervision case against a lagging county: one `rectification_interview` instance."""

    __tablename__ = "supervision_cases"

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(
        ForeignKey("process_instances.id", ondelete="CASCADE"), unique=True
    )
    county_code: Mapped[str] = mapped_column(ForeignKey("org_units.code"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(20), default="manual")  # assessment, manual
    period_id: Mapped[int | None] = mapped_column(ForeignKey("assessment_periods.id", ondelete="SET NULL"))
    ladder: Mapped[list[Any]] = mapped_column(default=list)  # the rungs as configured at opening
    rung: Mapped[int] = mapped_column(default=0)  # index into `ladder`
    status: Mapped[str] = mapped_column(String(20), default="open", index=True)
    plan_due_at: Mapped[datetime | None]
    deadline_at: Mapped[datetime | None]
    report_due_at: Mapped[datetime | None]
    plan_overdue: Mapped[bool] = mapped_column(default=False)  # the plan deadline passed without a plan
    plan_late: Mapped[bool] = mapped_column(default=False)  # some plan came after its deadline
    outcome: Mapped[str] = mapped_column(String(20), default="")
    opened_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None]

    county: Mapped[OrgUnit] = relationship(lazy="joined")


class SupervisionEvent(Base):
    """One entry of a case's timeline: a document issued, an answer, a report, a decision."""

    __tablename__ = "supervision_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("supervision_cases.id", ondelete="CASCADE"), index=True)
    rung: Mapped[int] = mapped_column(default=0)
    kind: Mapped[str] = mapped_column(String(30))
    title: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id", ondelete="SET NULL"))
    attachment_id: Mapped[int | None] = mapped_column(ForeignKey("attachments.id", ondelete="SET NULL"))
    late: Mapped[bool] = mapped_column(default=False)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(default=utcnow)


class RectificationPlan(Base):
    """A version of the county's rectification plan (整改方案) and the committee's review of it."""

    __tablename__ = "rectification_plans"
    __table_args__ = (UniqueConstraint("case_id", "rung", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("supervision_cases.id", ondelete="CASCADE"), index=True)
    rung: Mapped[int]
    version: Mapped[int]
    summary: Mapped[str] = mapped_column(Text, default="")
    # [{"problem", "measure", "responsible", "deadline"}]
    items: Mapped[list[Any]] = mapped_column(default=list)
    status: Mapped[str] = mapped_column(String(20), default="submitted")
    due_at: Mapped[datetime | None]
    late: Mapped[bool] = mapped_column(default=False)
    submitted_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)
    review_comment: Mapped[str] = mapped_column(Text, default="")
    reviewed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reviewed_at: Mapped[datetime | None]


class SupervisionListing(Base):
    """A county under listed supervision (挂牌督办), shown on the public list until 摘牌."""

    __tablename__ = "supervision_listings"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("supervision_cases.id", ondelete="CASCADE"), index=True)
    county_code: Mapped[str] = mapped_column(ForeignKey("org_units.code"), index=True)
    reason: Mapped[str] = mapped_column(Text, default="")
    requirements: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default="listed", index=True)
    listed_at: Mapped[datetime]
    deadline_at: Mapped[datetime | None]
    listing_document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id", ondelete="SET NULL"))
    ended_at: Mapped[datetime | None]
    end_note: Mapped[str] = mapped_column(Text, default="")
    end_document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id", ondelete="SET NULL"))

    county: Mapped[OrgUnit] = relationship(lazy="joined")
