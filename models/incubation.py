"""Incubation (孵化, issue #9): federations and their members, incubation bases with their staff,
the organizations incubated there, the services delivered, growth evaluations and the custody
ledger.

An incubated group need not be in the registry yet (a founding group): `Incubation` keeps its
own name and profile and points at an `Organization` only when there is one.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, utcnow

BASE_STATUSES = {"active": "运营中", "closed": "已停止运营"}
INCUBATION_STATUSES = {
    "applying": "入驻审核中",
    "returned": "退回补充",
    "rejected": "未获准入驻",
    "incubating": "孵化中",
    "graduated": "已出壳",
    "terminated": "已终止孵化",
}
OPEN_INCUBATION_STATUSES = ("applying", "returned", "incubating")
STAFF_KINDS = {"operator": "运营人员", "guide": "民政指导人员"}
EVALUATION_LEVELS = {"excellent": "优秀", "good": "良好", "pass": "合格", "weak": "待提升"}


class Federation(Base):
    """An organization marked as the federation (联合会, a hub) of a street/township or county."""

    __tablename__ = "federations"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), unique=True
    )
    level: Mapped[str] = mapped_column(String(10))  # street, county
    area_code: Mapped[str] = mapped_column(ForeignKey("org_units.code"), index=True)
    designated_on: Mapped[date]
    note: Mapped[str] = mapped_column(String(200), default="")
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    members: Mapped[list[FederationMember]] = relationship(
        back_populates="federation", order_by="FederationMember.id", cascade="all, delete-orphan"
    )


class FederationMember(Base):
    """A member organization's time in a federation (it may leave and join again)."""

    __tablename__ = "federation_members"

    id: Mapped[int] = mapped_column(primary_key=True)
    federation_id: Mapped[int] = mapped_column(ForeignKey("federations.id", ondelete="CASCADE"), index=True)
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    joined_on: Mapped[date]
    left_on: Mapped[date | None]
    leave_reason: Mapped[str] = mapped_column(String(200), default="")
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    federation: Mapped[Federation] = relationship(back_populates="members")


class IncubationBase(Base):
    """An incubation base (孵化基地) of a county, run by an operating organization."""

    __tablename__ = "incubation_bases"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    county_code: Mapped[str] = mapped_column(ForeignKey("org_units.code"), index=True)
    street_code: Mapped[str | None] = mapped_column(ForeignKey("org_units.code"))
    address: Mapped[str] = mapped_column(String(200))
    premises_source: Mapped[str] = mapped_column(String(30))
    premises_terms: Mapped[str] = mapped_column(String(20))
    premises_note: Mapped[str] = mapped_column(String(200), default="")
    area_sqm: Mapped[int | None]
    operator_org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    capacity: Mapped[int]
    services: Mapped[list[Any]] = mapped_column(default=list)
    # Configuration of the base: default period, evaluation interval, the weak-result line.
    period_months: Mapped[int] = mapped_column(default=12)
    evaluation_months: Mapped[int] = mapped_column(default=6)
    weak_below: Mapped[int] = mapped_column(default=60)
    contact_phone: Mapped[str] = mapped_column(String(20), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default="active")
    opened_on: Mapped[date]
    closed_on: Mapped[date | None]
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    staff: Mapped[list[IncubationBaseStaff]] = relationship(
        back_populates="base", order_by="IncubationBaseStaff.position", cascade="all, delete-orphan"
    )


class IncubationBaseStaff(Base):
    """A person working at a base: the operator's staff, or a civil affairs guide (指导人员)."""

    __tablename__ = "incubation_base_staff"

    base_id: Mapped[int] = mapped_column(
        ForeignKey("incubation_bases.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    kind: Mapped[str] = mapped_column(String(10), primary_key=True)  # operator, guide
    position: Mapped[int] = mapped_column(default=0)  # the first operator is the lead (负责人)
    since: Mapped[datetime] = mapped_column(default=utcnow)

    base: Mapped[IncubationBase] = relationship(back_populates="staff")


class Incubation(Base):
    """One group's incubation at a base: from its application to graduation (出壳)."""

    __tablename__ = "incubations"
    __table_args__ = (Index("ix_incubations_base_status", "base_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    base_id: Mapped[int] = mapped_column(ForeignKey("incubation_bases.id"))
    instance_id: Mapped[int | None] = mapped_column(
        ForeignKey("process_instances.id", ondelete="SET NULL"), unique=True
    )
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"), index=True)
    representative_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    group_name: Mapped[str] = mapped_column(String(100))
    group_stage: Mapped[str] = mapped_column(String(20))  # founding, filed, registered
    service_field: Mapped[str] = mapped_column(String(30), default="")
    groups_served: Mapped[list[Any]] = mapped_column(default=list)
    needs: Mapped[list[Any]] = mapped_column(default=list)
    profile: Mapped[dict[str, Any]] = mapped_column(default=dict)  # the application as submitted
    status: Mapped[str] = mapped_column(String(20), default="applying")
    period_months: Mapped[int | None]
    started_on: Mapped[date | None]
    ends_on: Mapped[date | None]
    extensions: Mapped[int] = mapped_column(default=0)
    services_promised: Mapped[list[Any]] = mapped_column(default=list)
    agreement_number: Mapped[str] = mapped_column(String(60), default="")
    agreement_document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None]
    closed_on: Mapped[date | None]  # graduated or terminated
    certificate_number: Mapped[str] = mapped_column(String(60), default="")
    certificate_document_id: Mapped[int | None] = mapped_column(
        ForeignKey("documents.id", ondelete="SET NULL")
    )
    registration_offer: Mapped[str] = mapped_column(String(10), default="")  # register, file
    registration_claimed_at: Mapped[datetime | None]  # set under the lock while the case is being started
    registration_instance_id: Mapped[int | None] = mapped_column(
        ForeignKey("process_instances.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    base: Mapped[IncubationBase] = relationship(lazy="joined")


class IncubationServiceRecord(Base):
    """A service the operator delivered to an incubated organization."""

    __tablename__ = "incubation_services"

    id: Mapped[int] = mapped_column(primary_key=True)
    incubation_id: Mapped[int] = mapped_column(ForeignKey("incubations.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    delivered_on: Mapped[date] = mapped_column(index=True)
    minutes: Mapped[int]
    staff_names: Mapped[str] = mapped_column(String(200))
    notes: Mapped[str] = mapped_column(Text, default="")
    attachment_ids: Mapped[list[Any]] = mapped_column(default=list)
    recorded_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)


class GrowthEvaluation(Base):
    """One growth evaluation (成长评估) of an incubated organization, and its support plan."""

    __tablename__ = "incubation_evaluations"
    __table_args__ = (UniqueConstraint("incubation_id", "round"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    incubation_id: Mapped[int] = mapped_column(ForeignKey("incubations.id", ondelete="CASCADE"))
    round: Mapped[int]
    status: Mapped[str] = mapped_column(String(20), default="open")  # open, done
    scores: Mapped[dict[str, Any]] = mapped_column(default=dict)
    notes: Mapped[dict[str, Any]] = mapped_column(default=dict)
    total: Mapped[int | None]
    level: Mapped[str] = mapped_column(String(20), default="")
    weak: Mapped[bool] = mapped_column(default=False)
    summary: Mapped[str] = mapped_column(Text, default="")
    evaluated_on: Mapped[date | None]
    evaluated_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    support_plan: Mapped[dict[str, Any]] = mapped_column(default=dict)
    support_plan_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    completed_at: Mapped[datetime | None]


class CustodyEntry(Base):
    """An entry of the custody ledger (财务托管) the operator keeps for an incubated organization.

    Append-only: a mistake is corrected by a reversing entry, never by editing or deleting.
    """

    __tablename__ = "incubation_ledger"
    __table_args__ = (UniqueConstraint("incubation_id", "seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    incubation_id: Mapped[int] = mapped_column(ForeignKey("incubations.id", ondelete="CASCADE"), index=True)
    seq: Mapped[int]
    entry_date: Mapped[date]
    direction: Mapped[str] = mapped_column(String(10))  # income, expense
    amount_cents: Mapped[int]
    summary: Mapped[str] = mapped_column(String(200))
    counterparty: Mapped[str] = mapped_column(String(100), default="")
    attachment_ids: Mapped[list[Any]] = mapped_column(default=list)
    reverses_id: Mapped[int | None] = mapped_column(ForeignKey("incubation_ledger.id"))
    recorded_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
