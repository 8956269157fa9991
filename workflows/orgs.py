"""Questions about the org tree that processes and permissions ask."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import OrgUnit, User, UserRole


def unit_names(session: Session, codes: Iterable[str | None]) -> dict[str, str]:
    """Org unit names by code, for the given codes only."""
    wanted = sorted({c for c in codes if c})
    if not wanted:
        return {}
    rows = session.execute(select(OrgUnit.code, OrgUnit.name).where(OrgUnit.code.in_(wanted))).tuples()
    return dict(rows.all())


def active_users(session: Session, codes: Iterable[str], role: str | None = None) -> list[User]:
    """The active users of the units `codes` (with `role`, only those holding it); each once."""
    wanted = sorted(set(codes))
    if not wanted:
        return []
    query = select(User).where(User.org_unit_code.in_(wanted), User.active.is_(True))
    if role is not None:
        query = query.join(UserRole).where(UserRole.role_key == role)
    return list(session.scalars(query).unique())


def county_of(session: Session, unit: OrgUnit) -> OrgUnit:
    """The county-level unit at or above `unit`; the unit itself when none (city, departments)."""
    node: OrgUnit | None = unit
    while node is not None:
        if node.kind == "county":
            return node
        node = session.get(OrgUnit, node.parent_code) if node.parent_code else None
    return unit


def unit_at_level(session: Session, unit: OrgUnit, kind: str) -> OrgUnit | None:
    """The ancestor (or self) of `unit` of the given kind, e.g. its street."""
    node: OrgUnit | None = unit
    while node is not None:
        if node.kind == kind:
            return node
        node = session.get(OrgUnit, node.parent_code) if node.parent_code else None
    return None


def member_units(session: Session, level_code: str) -> list[str]:
    """Codes of the joint-meeting member units (departments) directly under a city or county."""
    query = (
        select(OrgUnit.code)
        .where(OrgUnit.parent_code == level_code, OrgUnit.kind == "department", OrgUnit.valid_to.is_(None))
        .order_by(OrgUnit.code)
    )
    return list(session.scalars(query))
