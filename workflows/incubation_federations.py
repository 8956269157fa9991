"""Federations (社区社会组织联合会, issue #9): an organization marked as the hub of a street/township
or county, and its member organizations (registered or filed) joining and leaving with dates.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from forms.incubation import FEDERATION_LEVELS, label
from models import Federation, FederationMember, Organization, OrganizationRepresentative, OrgUnit, User
from models.registry import ACTIVE_STATUSES, ORG_STATUSES
from workflows import audit
from workflows.errors import Conflict, Forbidden, NotFound
from workflows.incubation_access import can_manage_registry
from workflows.incubation_bases import day_or_today
from workflows.incubation_common import clean, refuse


def designate_federation(session: Session, body: dict[str, Any], user: User) -> Federation:
    """Mark a registered or filed organization as the federation (hub) of a street or county."""
    data = clean("federation", body)
    org = session.get(Organization, data["organization_id"])
    if org is None or org.status not in ACTIVE_STATUSES:
        raise refuse("organization_id", "联合会须为名录中已登记或已备案的社会组织。")
    area = session.get(OrgUnit, data["area_code"])
    if area is None or area.kind != data["level"]:
        raise refuse("area_code", "所填代码与所选层级不符。")
    county_code = area.code if area.kind == "county" else str(area.parent_code)
    if org.county_code != county_code:
        raise refuse("organization_id", f"该组织不在{area.name}所在的县（市、区）。")
    if not can_manage_registry(session, user, county_code):
        raise Forbidden("只有本县（市、区）民政部门或市民政局可以认定联合会")
    if session.scalar(select(Federation.id).where(Federation.organization_id == org.id)) is not None:
        raise Conflict("该组织已认定为联合会")
    federation = Federation(
        organization_id=org.id,
        level=data["level"],
        area_code=area.code,
        designated_on=day_or_today(data.get("designated_on")),
        note=data.get("note") or "",
        created_by=user.id,
    )
    session.add(federation)
    session.flush()
    audit.record(session, "federation_designated", actor_id=user.id, details={"federation_id": federation.id})
    session.commit()
    return federation


def _federation_for(session: Session, federation_id: int, user: User) -> tuple[Federation, Organization]:
    """A federation the user may keep: civil affairs of its county, the city, or the federation itself."""
    federation = session.get(Federation, federation_id)
    if federation is None:
        raise NotFound("联合会不存在")
    org = session.get(Organization, federation.organization_id)
    assert org is not None
    own = session.get(OrganizationRepresentative, (org.id, user.id)) is not None
    if not own and not can_manage_registry(session, user, org.county_code):
        raise Forbidden("只有联合会本身或本县（市、区）民政部门可以登记会员变动")
    return federation, org


def join_federation(
    session: Session, federation_id: int, body: dict[str, Any], user: User
) -> FederationMember:
    """A registered or filed organization of the area joins the federation."""
    federation, hub = _federation_for(session, federation_id, user)
    data = clean("member_join", body)
    org = session.get(Organization, data["organization_id"])
    if org is None or org.status not in ACTIVE_STATUSES:
        raise refuse("organization_id", "会员须为名录中已登记或已备案的社会组织。")
    if org.id == hub.id:
        raise refuse("organization_id", "联合会不能成为自己的会员。")
    if org.county_code != hub.county_code or (
        federation.level == "street" and org.street_code and org.street_code != federation.area_code
    ):
        raise refuse("organization_id", "该组织不在联合会的服务区域内。")
    current = session.scalar(
        select(FederationMember.id).where(
            FederationMember.federation_id == federation.id,
            FederationMember.organization_id == org.id,
            FederationMember.left_on.is_(None),
        )
    )
    if current is not None:
        raise Conflict("该组织已是联合会会员")
    member = FederationMember(
        federation_id=federation.id,
        organization_id=org.id,
        joined_on=date.fromisoformat(data["joined_on"]),
        recorded_by=user.id,
    )
    session.add(member)
    session.flush()
    audit.record(
        session,
        "federation_member_joined",
        actor_id=user.id,
        details={"federation_id": federation.id, "organization_id": org.id},
    )
    session.commit()
    return member


def leave_federation(
    session: Session, federation_id: int, member_id: int, body: dict[str, Any], user: User
) -> FederationMember:
    """A member organization leaves the federation (the record stays, with its dates)."""
    federation, _hub = _federation_for(session, federation_id, user)
    member = session.get(FederationMember, member_id)
    if member is None or member.federation_id != federation.id:
        raise NotFound("会员记录不存在")
    if member.left_on is not None:
        raise Conflict("该组织已退会")
    data = clean("member_leave", body)
    left = date.fromisoformat(data["left_on"])
    if left < member.joined_on:
        raise refuse("left_on", "退会日期不能早于入会日期。")
    member.left_on, member.leave_reason = left, data.get("leave_reason") or ""
    audit.record(
        session,
        "federation_member_left",
        actor_id=user.id,
        details={"federation_id": federation.id, "organization_id": member.organization_id},
    )
    session.commit()
    return member


# --- reading ------------------------------------------------------------------------------------------------


def _org_json(org: Organization | None) -> dict[str, Any] | None:
    if org is None:
        return None
    return {
        "id": org.id,
        "name": org.name,
        "status": org.status,
        "status_label": ORG_STATUSES.get(org.status, ""),
    }


def federation_json(session: Session, federation: Federation, members: bool = False) -> dict[str, Any]:
    """A federation; with `members`, its membership records (current ones first)."""
    area = session.get(OrgUnit, federation.area_code)
    current = [m for m in federation.members if m.left_on is None]
    body: dict[str, Any] = {
        "id": federation.id,
        "organization": _org_json(session.get(Organization, federation.organization_id)),
        "level": federation.level,
        "level_label": label(FEDERATION_LEVELS, federation.level),
        "area": {"code": federation.area_code, "name": area.name if area else ""},
        "designated_on": federation.designated_on.isoformat(),
        "note": federation.note,
        "member_count": len(current),
    }
    if members:
        ordered = sorted(federation.members, key=lambda m: (m.left_on is not None, m.joined_on, m.id))
        body["members"] = [
            {
                "id": m.id,
                "organization": _org_json(session.get(Organization, m.organization_id)),
                "joined_on": m.joined_on.isoformat(),
                "left_on": m.left_on.isoformat() if m.left_on else None,
                "leave_reason": m.leave_reason,
                "current": m.left_on is None,
            }
            for m in ordered
        ]
    return body


def federations(session: Session, county: str = "") -> list[Federation]:
    """Federations, optionally of one county (by the area they serve)."""
    query = select(Federation).order_by(Federation.area_code, Federation.id)
    if county:
        query = query.where(Federation.area_code.like(county + "%"))
    return list(session.scalars(query))


def get_federation(session: Session, federation_id: int) -> Federation:
    """One federation (NotFound)."""
    federation = session.get(Federation, federation_id)
    if federation is None:
        raise NotFound("联合会不存在")
    return federation
