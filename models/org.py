"""Org units, people, roles and API tokens."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, utcnow

# Role keys are the lane names of every BPMN diagram (DESIGN.md §1).
ROLE_NAMES: dict[str, str] = {
    "applicant": "申请人",
    "community_committee": "居（村）委会",
    "street_officer": "街道（乡镇）工作人员",
    "county_registrar": "县级民政登记人员",
    "county_leader": "县级民政局负责人",
    "city_civil_affairs": "市民政局工作人员",
    "plac_officer": "政法委工作人员",
    "member_unit": "成员单位联络员",
    "expert": "评审专家",
    "admin": "系统管理员",
}
STAFF_ROLES = frozenset(ROLE_NAMES) - {"applicant", "admin", "expert"}


class OrgUnit(Base):
    """A node of the org tree: city, county, street/township, community or department."""

    __tablename__ = "org_units"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    short_name: Mapped[str] = mapped_column(String(20), default="")
    kind: Mapped[str] = mapped_column(String(20))  # city, county, street, community, department
    parent_code: Mapped[str | None] = mapped_column(ForeignKey("org_units.code"), index=True)
    # Materialized path "140700/140702/140702001": scope checks are prefix tests.
    path: Mapped[str] = mapped_column(String(255), index=True)
    valid_from: Mapped[datetime | None]
    valid_to: Mapped[datetime | None]

    parent: Mapped[OrgUnit | None] = relationship(remote_side=[code])

    def is_within(self, other: OrgUnit) -> bool:
        """True when this unit is `other` or lies below it."""
        return self.path == other.path or self.path.startswith(other.path + "/")


class Role(Base):
    """A role key (also a lane name) with its Chinese name."""

    __tablename__ = "roles"

    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(40))


class User(Base):
    """A person who logs in; one org unit, one or more roles."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    display_name: Mapped[str] = mapped_column(String(80), default="")
    email: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    org_unit_code: Mapped[str] = mapped_column(ForeignKey("org_units.code"), index=True)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    org_unit: Mapped[OrgUnit] = relationship(lazy="joined")
    role_links: Mapped[list[UserRole]] = relationship(cascade="all, delete-orphan", lazy="selectin")

    @property
    def roles(self) -> frozenset[str]:
        """The user's role keys."""
        return frozenset(link.role_key for link in self.role_links)

    def has_role(self, *keys: str) -> bool:
        """True when the user holds any of the given roles."""
        return bool(self.roles.intersection(keys))


class UserRole(Base):
    """Link between a user and a role key."""

    __tablename__ = "user_roles"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    role_key: Mapped[str] = mapped_column(ForeignKey("roles.key"), primary_key=True)


class ApiToken(Base):
    """A bearer token; only its sha256 is stored."""

    __tablename__ = "api_tokens"
    __table_args__ = (UniqueConstraint("token_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]

    user: Mapped[User] = relationship(lazy="joined")
