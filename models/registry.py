"""The registry of social organizations and the local registration rules that feed it.

Local rules are configuration, never constants (DOMAIN.md §8): thresholds, the statutory
clock's unit and the registration authority are versioned rows keyed by jurisdiction,
organization type and level. A row of the city (140700) is the default for every county;
a county's own row wins over it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Numeric, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, utcnow

ORG_TYPES = {"association": "社会团体", "service": "社会服务机构"}
LEVELS = {"community": "社区（街道、乡镇）", "county": "县（市、区）"}
ORG_STATUSES = {
    "registered": "已登记",
    "filed": "已备案",
    "expired": "备案已过期",
    "revoked": "已撤销",
    "deregistered": "已注销",
}
# Statuses under which a name is taken in its county.
ACTIVE_STATUSES = ("registered", "filed")


class RegistrationRule(Base):
    """One version of the registration rules of a jurisdiction, for one type and level."""

    __tablename__ = "registration_rules"
    __table_args__ = (UniqueConstraint("county_code", "org_type", "level", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    county_code: Mapped[str] = mapped_column(ForeignKey("org_units.code"), index=True)
    org_type: Mapped[str] = mapped_column(String(20))  # association, service
    level: Mapped[str] = mapped_column(String(20))  # community, county
    version: Mapped[int] = mapped_column(default=1)
    effective_from: Mapped[datetime] = mapped_column(default=utcnow)
    # Registration thresholds (社团 Art. 10; local rules for 民非 and community bodies).
    min_individual_members: Mapped[int] = mapped_column(default=0)
    min_unit_members: Mapped[int] = mapped_column(default=0)
    min_mixed_members: Mapped[int] = mapped_column(default=0)
    min_funds: Mapped[int] = mapped_column(default=0)  # yuan
    # Filing (备案) with the street office or township, below the registration thresholds.
    filing_allowed: Mapped[bool] = mapped_column(default=True)
    filing_min_founders: Mapped[int] = mapped_column(default=1)
    filing_min_members: Mapped[int] = mapped_column(default=0)
    filing_valid_years: Mapped[int] = mapped_column(default=3)
    filing_remind_days: Mapped[int] = mapped_column(default=15)
    # Time limits: acceptance in working days; the decision in calendar (D) or working days (WD).
    acceptance_days: Mapped[int] = mapped_column(default=5)
    statutory_days: Mapped[int] = mapped_column(default=60)
    statutory_unit: Mapped[str] = mapped_column(String(2), default="D")
    # The office that accepts, decides and signs; NULL: the county civil affairs bureau.
    authority_code: Mapped[str | None] = mapped_column(ForeignKey("org_units.code"))
    note: Mapped[str] = mapped_column(String(200), default="")
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Organization(Base):
    """A registered or filed social organization (the public registry)."""

    __tablename__ = "organizations"
    __table_args__ = (
        Index("ix_organizations_county_status", "county_code", "status"),
        # A name is taken once per county among living organizations.
        Index(
            "uq_organizations_active_name",
            "county_code",
            "name",
            unique=True,
            sqlite_where=text("status IN ('registered', 'filed')"),
            postgresql_where=text("status IN ('registered', 'filed')"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), index=True)
    org_type: Mapped[str] = mapped_column(String(20))
    category: Mapped[str] = mapped_column(String(30), default="")
    service_field: Mapped[str] = mapped_column(String(30), default="")
    service_field_other: Mapped[str] = mapped_column(String(50), default="")
    groups_served: Mapped[list[Any]] = mapped_column(default=list)
    activity_area: Mapped[str] = mapped_column(String(20), default="")
    county_code: Mapped[str] = mapped_column(ForeignKey("org_units.code"))
    street_code: Mapped[str | None] = mapped_column(String(32))
    community_code: Mapped[str | None] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(20), index=True)
    credit_code: Mapped[str | None] = mapped_column(String(18), unique=True)
    filing_number: Mapped[str | None] = mapped_column(String(40), unique=True)
    legal_representative: Mapped[str] = mapped_column(String(40), default="")
    domicile: Mapped[str] = mapped_column(String(200), default="")
    purpose: Mapped[str] = mapped_column(Text, default="")
    business_scope: Mapped[str] = mapped_column(Text, default="")
    funds: Mapped[float] = mapped_column(Numeric(14, 2, asdecimal=False), default=0)
    authority_code: Mapped[str] = mapped_column(String(32), default="")
    decision_number: Mapped[str] = mapped_column(String(60), default="")
    certificate_number: Mapped[str] = mapped_column(String(60), default="")
    registered_at: Mapped[datetime | None]
    valid_until: Mapped[datetime | None]
    expiry_reminded_at: Mapped[datetime | None]
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instances.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    history: Mapped[list[OrganizationStatus]] = relationship(
        back_populates="organization", order_by="OrganizationStatus.id", cascade="all, delete-orphan"
    )


class OrganizationStatus(Base):
    """One change of an organization's status: registered, filed, expired …"""

    __tablename__ = "organization_status_history"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(String(20))
    previous_status: Mapped[str | None] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(String(500), default="")
    document_number: Mapped[str] = mapped_column(String(60), default="")
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instances.id", ondelete="SET NULL"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(default=utcnow)

    organization: Mapped[Organization] = relationship(back_populates="history")


class OrganizationRepresentative(Base):
    """A user who acts for an organization (its applicant, later its staff): they see its cases."""

    __tablename__ = "organization_representatives"

    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    role: Mapped[str] = mapped_column(String(20), default="applicant")
    since: Mapped[datetime] = mapped_column(default=utcnow)


class RegistrySerial(Base):
    """A serial counter (credit-code serials per county and category, filing numbers per street)."""

    __tablename__ = "registry_serials"

    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    last: Mapped[int] = mapped_column(default=0)
