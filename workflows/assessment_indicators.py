"""Indicators the registry of organizations provides to the assessment (考评).

Counts are taken as they stood at the end of the period: an organization counts when it was
registered (or filed) on or before the last day and its status at that moment — the latest entry
of its status history up to then, or its current status when it has no history — was living.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from models import Organization, OrganizationStatus
from models.registry import ACTIVE_STATUSES
from workflows.indicators import indicator
from workflows.working_days import CST

# The five key fields of 市民发〔2019〕54号 二(二)5 (keys of forms.registration.SERVICE_FIELDS).
KEY_FIELDS = ("mental_health", "correction", "legal_aid", "mediation", "public_safety")


def period_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """The first and last moment of a period of China Standard Time days."""
    return datetime.combine(start, time.min, tzinfo=CST), datetime.combine(end, time.max, tzinfo=CST)


def _status_at(moment: datetime) -> ColumnElement[str]:
    """An organization's status at `moment` (a correlated subquery over its history)."""
    latest = (
        select(OrganizationStatus.status)
        .where(OrganizationStatus.organization_id == Organization.id, OrganizationStatus.at <= moment)
        .order_by(OrganizationStatus.at.desc(), OrganizationStatus.id.desc())
        .limit(1)
        .correlate(Organization)
        .scalar_subquery()
    )
    return func.coalesce(latest, Organization.status)


def count_organizations(
    session: Session,
    county_code: str,
    start: date,
    end: date,
    statuses: Iterable[str] = ACTIVE_STATUSES,
    fields: Iterable[str] | None = None,
    new_only: bool = False,
) -> float:
    """Organizations of a county living with one of `statuses` at the end of the period.

    `fields` narrows to service fields; `new_only` counts only those registered within the period.
    """
    first, last = period_bounds(start, end)
    query = select(func.count(Organization.id)).where(
        Organization.county_code == county_code,
        Organization.registered_at.is_not(None),
        Organization.registered_at <= last,
        _status_at(last).in_(tuple(statuses)),
    )
    if new_only:
        query = query.where(Organization.registered_at >= first)
    if fields is not None:
        query = query.where(Organization.service_field.in_(tuple(fields)))
    return float(session.scalar(query) or 0)


@indicator("community_orgs", "登记和备案的社区社会组织数", unit="个")
def community_orgs(session: Session, county_code: str, start: date, end: date) -> float:
    """Registered and filed organizations at the end of the period."""
    return count_organizations(session, county_code, start, end)


@indicator("registered_orgs", "依法登记的社区社会组织数", unit="个")
def registered_orgs(session: Session, county_code: str, start: date, end: date) -> float:
    """Organizations registered with the county civil affairs bureau."""
    return count_organizations(session, county_code, start, end, statuses=("registered",))


@indicator("filed_orgs", "街道（乡镇）备案的社区社会组织数", unit="个")
def filed_orgs(session: Session, county_code: str, start: date, end: date) -> float:
    """Organizations filed with a street office or township."""
    return count_organizations(session, county_code, start, end, statuses=("filed",))


@indicator("new_community_orgs", "本期新增登记和备案的社区社会组织数", unit="个")
def new_community_orgs(session: Session, county_code: str, start: date, end: date) -> float:
    """Organizations registered or filed within the period and still living at its end."""
    return count_organizations(session, county_code, start, end, new_only=True)


@indicator("key_field_orgs", "五个重点领域的社区社会组织数", unit="个")
def key_field_orgs(session: Session, county_code: str, start: date, end: date) -> float:
    """Organizations in mental health, correction, legal aid, mediation or public safety."""
    return count_organizations(session, county_code, start, end, fields=KEY_FIELDS)
