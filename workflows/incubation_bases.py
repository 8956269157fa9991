"""Incubation bases (issue #9): registering a base, its premises, operator, staff and services;
changing it; closing it.

Each function is one unit of work: it checks who is asking, validates with the record's form,
changes the rows, appends an audit event and commits.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import (
    Incubation,
    IncubationBase,
    IncubationBaseStaff,
    Organization,
    OrganizationRepresentative,
    OrgUnit,
    User,
    utcnow,
)
from models.registry import ACTIVE_STATUSES
from workflows import audit
from workflows.engine import engine_now
from workflows.errors import Conflict, Forbidden, NotFound
from workflows.incubation_access import GOV_ROLES, can_administer
from workflows.incubation_common import clean, refuse
from workflows.working_days import CST

USERNAME_SEPARATORS = re.compile(r"[\s,，、;；]+")


def _today() -> date:
    return engine_now().astimezone(CST).date()


def day_or_today(value: str | None) -> date:
    """A form's ISO date, or today (China Standard Time) when it was left empty."""
    return date.fromisoformat(value) if value else _today()


def _users(session: Session, text: str, field: str) -> list[User]:
    """Active users named in a list of usernames, in the order given (no repeats)."""
    names = [n for n in USERNAME_SEPARATORS.split(text or "") if n]
    users: list[User] = []
    for name in dict.fromkeys(names):
        user = session.scalar(select(User).where(User.username == name))
        if user is None or not user.active:
            raise refuse(field, f"账号“{name}”不存在或已停用。")
        users.append(user)
    if not users:
        raise refuse(field, "请至少填写一个账号。")
    return users


def _county(session: Session, code: str) -> OrgUnit:
    unit = session.get(OrgUnit, code)
    if unit is None or unit.kind != "county" or unit.valid_to is not None:
        raise refuse("county_code", "不是现行的县（市、区）行政区划代码。")
    return unit


def _street(session: Session, code: str | None, county: OrgUnit) -> str | None:
    if not code:
        return None
    unit = session.get(OrgUnit, code)
    if unit is None or unit.kind != "street" or unit.parent_code != county.code:
        raise refuse("street_code", f"不是{county.name}的街道（乡镇）代码。")
    return unit.code


def _operator_org(session: Session, org_id: int, county: OrgUnit) -> Organization:
    org = session.get(Organization, org_id)
    if org is None or org.status not in ACTIVE_STATUSES:
        raise refuse("operator_org_id", "运营单位须为名录中已登记或已备案的社会组织。")
    if org.county_code != county.code:
        raise refuse("operator_org_id", f"运营单位须为{county.name}的社会组织。")
    return org


def _operators(session: Session, data: dict[str, Any]) -> list[User]:
    people = _users(session, data["operator_usernames"], "operator_usernames")
    for user in people:
        if user.roles & GOV_ROLES:
            raise refuse("operator_usernames", f"“{user.username}”是政府工作人员，不能作为运营方人员。")
    return people


def _guides(session: Session, data: dict[str, Any], county: OrgUnit) -> list[User]:
    people = _users(session, data["guide_usernames"], "guide_usernames")
    for user in people:
        in_county = user.org_unit.path == county.path or user.org_unit.path.startswith(county.path + "/")
        if not (user.has_role("county_registrar", "county_leader") and in_county) and not user.has_role(
            "city_civil_affairs"
        ):
            raise refuse("guide_usernames", f"“{user.username}”不是{county.name}或市民政部门的工作人员。")
    return people


def _apply(session: Session, base: IncubationBase, data: dict[str, Any], county: OrgUnit) -> None:
    """Copy the cleaned record onto the base and replace its staff list."""
    org = _operator_org(session, data["operator_org_id"], county)
    people, guides = _operators(session, data), _guides(session, data, county)
    base.name, base.county_code = data["name"], county.code
    base.street_code = _street(session, data.get("street_code"), county)
    base.address, base.premises_source, base.premises_terms = (
        data["address"],
        data["premises_source"],
        data["premises_terms"],
    )
    base.premises_note, base.area_sqm = data.get("premises_note") or "", data.get("area_sqm")
    base.operator_org_id, base.capacity = org.id, data["capacity"]
    base.services = list(data["services"])
    base.period_months = data.get("period_months") or base.period_months or 12
    base.evaluation_months = data.get("evaluation_months") or base.evaluation_months or 6
    base.weak_below = data["weak_below"] if data.get("weak_below") is not None else (base.weak_below or 60)
    base.contact_phone, base.description = data.get("contact_phone") or "", data.get("description") or ""
    base.staff = [
        *(IncubationBaseStaff(user_id=u.id, kind="operator", position=i) for i, u in enumerate(people)),
        *(IncubationBaseStaff(user_id=u.id, kind="guide", position=i) for i, u in enumerate(guides)),
    ]
    for person in people:  # the operator's staff act for the operating organization
        if session.get(OrganizationRepresentative, (org.id, person.id)) is None:
            session.add(OrganizationRepresentative(organization_id=org.id, user_id=person.id, role="staff"))


def register_base(session: Session, body: dict[str, Any], user: User) -> IncubationBase:
    """A county (or the city) registers an incubation base."""
    data = clean("base", body)
    county = _county(session, data["county_code"])
    if not can_administer(session, user, county.code):
        raise Forbidden(f"只有{county.name}民政局负责人或市民政局可以登记孵化基地")
    base = IncubationBase(opened_on=day_or_today(data.get("opened_on")), created_by=user.id)
    _apply(session, base, data, county)  # before add: its lookups must not flush a half-filled base
    session.add(base)
    session.flush()
    audit.record(
        session,
        "incubation_base_registered",
        actor_id=user.id,
        details={"base_id": base.id, "name": base.name},
    )
    session.commit()
    return base


def update_base(session: Session, base_id: int, body: dict[str, Any], user: User) -> IncubationBase:
    """Change a base's record (premises, operator, staff, services, configuration)."""
    base = session.get(IncubationBase, base_id)
    if base is None:
        raise NotFound("孵化基地不存在")
    if not can_administer(session, user, base.county_code):
        raise Forbidden("只有本县民政局负责人或市民政局可以修改孵化基地")
    data = clean("base", body)
    county = _county(session, data["county_code"])
    if county.code != base.county_code:
        raise refuse("county_code", "孵化基地不能改到其他县（市、区）；请停止运营后重新登记。")
    _apply(session, base, data, county)
    if data.get("opened_on"):
        base.opened_on = date.fromisoformat(data["opened_on"])
    base.updated_at = utcnow()
    audit.record(session, "incubation_base_updated", actor_id=user.id, details={"base_id": base.id})
    session.commit()
    return base


def close_base(session: Session, base_id: int, user: User) -> IncubationBase:
    """A base stops operating (only once no organization is in incubation there)."""
    base = session.get(IncubationBase, base_id)
    if base is None:
        raise NotFound("孵化基地不存在")
    if not can_administer(session, user, base.county_code):
        raise Forbidden("只有本县民政局负责人或市民政局可以停止孵化基地运营")
    if base.status == "closed":
        raise Conflict("孵化基地已停止运营")
    busy = session.scalar(
        select(Incubation.id).where(
            Incubation.base_id == base.id, Incubation.status.in_(("applying", "returned", "incubating"))
        )
    )
    if busy is not None:
        raise Conflict("孵化基地仍有在孵或审核中的组织，不能停止运营")
    base.status, base.closed_on, base.updated_at = "closed", _today(), utcnow()
    audit.record(session, "incubation_base_closed", actor_id=user.id, details={"base_id": base.id})
    session.commit()
    return base


def registration_choices(session: Session, user: User) -> dict[str, Any]:
    """What the base form offers the user: their counties, those counties' streets and organizations."""
    counties = [
        c
        for c in session.scalars(
            select(OrgUnit).where(OrgUnit.kind == "county", OrgUnit.valid_to.is_(None)).order_by(OrgUnit.code)
        )
        if can_administer(session, user, c.code)
    ]
    codes = [c.code for c in counties]
    streets = session.scalars(
        select(OrgUnit).where(OrgUnit.kind == "street", OrgUnit.parent_code.in_(codes)).order_by(OrgUnit.code)
    )
    organizations = session.scalars(
        select(Organization)
        .where(Organization.county_code.in_(codes), Organization.status.in_(ACTIVE_STATUSES))
        .order_by(Organization.county_code, Organization.name)
    )
    return {
        "counties": [(c.code, c.name) for c in counties],
        "streets": [(s.code, s.name, s.parent_code) for s in streets],
        "organizations": [(o.id, o.name, o.county_code) for o in organizations],
    }
