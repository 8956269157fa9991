"""Who may see and do what around incubation bases (issue #9).

Three kinds of people meet at a base:
- civil affairs staff (and the street/city above or around them) see the bases of their area;
  the county bureau head (`county_leader`) and the city bureau register bases;
- the operator's staff are people of a social organization, so they hold the `applicant`
  role; what makes them operators is their place on one base's staff list, and they see and
  serve that base's organizations only;
- an incubated group's representative sees its own file and nothing else.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Incubation, IncubationBase, OrganizationRepresentative, OrgUnit, User
from workflows.errors import Forbidden, NotFound

# Government staff who look after bases in their area (member-unit liaisons do not).
GOV_ROLES = frozenset(
    {
        "community_committee",
        "street_officer",
        "county_registrar",
        "county_leader",
        "city_civil_affairs",
        "plac_officer",
    }
)
# Who registers and changes bases: the county bureau's head, or the city bureau.
BASE_ADMIN_ROLES = ("county_leader", "city_civil_affairs")


def _covers(user: User, path: str) -> bool:
    """The user's org unit is `path` or above it."""
    base = user.org_unit.path
    return path == base or path.startswith(base + "/")


def base_path(session: Session, base: IncubationBase) -> str:
    """Where the base sits in the org tree: its street when known, else its county."""
    unit = session.get(OrgUnit, base.street_code or base.county_code)
    assert unit is not None
    return unit.path


def staff_ids(base: IncubationBase, kind: str) -> list[int]:
    """The user ids of the base's operator staff or guides, lead first."""
    return [s.user_id for s in sorted(base.staff, key=lambda s: s.position) if s.kind == kind]


def lead_operator(base: IncubationBase) -> int | None:
    """The operator's lead at the base: the person the process assigns its tasks to."""
    operators = staff_ids(base, "operator")
    return operators[0] if operators else None


def is_operator(user: User, base: IncubationBase) -> bool:
    """The user is on the operator's staff of this base."""
    return user.id in staff_ids(base, "operator")


def is_gov_over(session: Session, user: User, base: IncubationBase) -> bool:
    """Government staff whose area includes the base."""
    return bool(user.roles & GOV_ROLES) and _covers(user, base_path(session, base))


def can_view_cases(session: Session, user: User, base: IncubationBase) -> bool:
    """May see the base's incubated organizations, services and evaluations."""
    return is_operator(user, base) or user.id in staff_ids(base, "guide") or is_gov_over(session, user, base)


def can_administer(session: Session, user: User, county_code: str) -> bool:
    """May register or change bases of the county: its bureau head, or the city bureau."""
    county = session.get(OrgUnit, county_code)
    if county is None:
        return False
    if user.has_role("county_leader") and user.org_unit_code == county_code:
        return True
    return user.has_role("city_civil_affairs") and _covers(user, county.path)


def can_manage_registry(session: Session, user: User, county_code: str) -> bool:
    """May mark federations and record memberships in the county: its civil affairs staff or the city."""
    county = session.get(OrgUnit, county_code)
    if county is None:
        return False
    if user.has_role("county_leader", "county_registrar") and user.org_unit_code == county_code:
        return True
    return user.has_role("city_civil_affairs") and _covers(user, county.path)


def visible_bases(session: Session, user: User) -> list[IncubationBase]:
    """The bases whose organizations the user may see (bases are few: filtered here)."""
    bases = session.scalars(select(IncubationBase).order_by(IncubationBase.county_code, IncubationBase.id))
    return [base for base in bases if can_view_cases(session, user, base)]


def represents(session: Session, user: User, incubation: Incubation) -> bool:
    """The user applied for this incubation or acts for its organization."""
    if incubation.representative_id == user.id:
        return True
    if incubation.organization_id is None:
        return False
    link = session.get(OrganizationRepresentative, (incubation.organization_id, user.id))
    return link is not None


def can_view_incubation(session: Session, user: User, incubation: Incubation) -> bool:
    """May see an incubation file: the base's people, or the organization itself."""
    return represents(session, user, incubation) or can_view_cases(session, user, incubation.base)


def base_for(session: Session, base_id: int, user: User) -> IncubationBase:
    """A base whose cases the user may see (NotFound otherwise: never reveal other bases' work)."""
    base = session.get(IncubationBase, base_id)
    if base is None or not can_view_cases(session, user, base):
        raise NotFound("孵化基地不存在或不在您的查看范围内")
    return base


def incubation_for(session: Session, incubation_id: int, user: User) -> Incubation:
    """An incubation file the user may see (NotFound otherwise)."""
    incubation = session.get(Incubation, incubation_id)
    if incubation is None or not can_view_incubation(session, user, incubation):
        raise NotFound("孵化档案不存在或不在您的查看范围内")
    return incubation


def operated_incubation(session: Session, incubation_id: int, user: User) -> Incubation:
    """An incubation file the user keeps as the base's operator (Forbidden for mere viewers)."""
    incubation = incubation_for(session, incubation_id, user)
    if not is_operator(user, incubation.base):
        raise Forbidden("只有本孵化基地的运营人员可以记录服务和托管台账")
    return incubation
