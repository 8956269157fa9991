"""What the incubation modules share: dates of an incubation period, labels, telling people."""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from forms.binding import validate_form
from forms.incubation import BASE_SERVICES, record_form
from models import Incubation, IncubationBase, Organization, User
from workflows import orgs
from workflows.context import RunContext
from workflows.errors import Invalid
from workflows.incubation_access import staff_ids
from workflows.notifications import notify
from workflows.official_text import chinese_date as cn_date
from workflows.services import record_run
from workflows.working_days import CST

PROCESS_KEY = "incubation_admission"


def add_months(day: date, months: int) -> date:
    """The same day `months` later (the month's last day when it has no such day)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def period_end(start: date, months: int) -> date:
    """The last day of a period of `months` starting on `start` (2026-01-10 + 12 → 2027-01-09)."""
    return add_months(start, months) - timedelta(days=1)


def record(ctx: RunContext, action: str, incubation: Incubation, **details: Any) -> None:
    """An audit event of the running instance about its incubation."""
    record_run(ctx, action, incubation_id=incubation.id, **details)


def refuse(field: str, message: str) -> Invalid:
    """A refusal the applicant can act on, shown next to the field."""
    return Invalid(message, fields={field: [message]})


def today(ctx: RunContext) -> date:
    """The engine run's date in China Standard Time."""
    return ctx.now.astimezone(CST).date()


def service_labels(keys: Iterable[str]) -> list[str]:
    """The Chinese names of service keys, in the plan's order."""
    wanted = set(keys)
    return [name for key, name in BASE_SERVICES if key in wanted]


def clean(key: str, data: Mapping[str, Any]) -> dict[str, Any]:
    """Validate a record (base, federation, service, ledger …) with its form; Invalid with field errors."""
    result = validate_form(record_form(key), data)
    if not result.ok:
        raise Invalid("提交的数据有误，请按提示修改", fields=result.errors)
    return result.data


def incubation_of(ctx: RunContext) -> Incubation:
    """The incubation of the running instance (the precheck creates it)."""
    incubation = ctx.session.scalar(select(Incubation).where(Incubation.instance_id == ctx.instance.id))
    if incubation is None:
        raise LookupError(f"instance {ctx.instance.id} has no incubation: the precheck did not run")
    return incubation


def operator_name(session: Session, base: IncubationBase) -> str:
    """The name of the organization that runs the base."""
    org = session.get(Organization, base.operator_org_id)
    return org.name if org else ""


def county_people(session: Session, base: IncubationBase) -> list[User]:
    """Who at the county hears about a base's results: its guides and the bureau's head."""
    ids = set(staff_ids(base, "guide"))
    ids.update(u.id for u in orgs.active_users(session, [base.county_code], "county_leader"))
    if not ids:
        return []
    return list(
        session.scalars(select(User).where(User.id.in_(ids), User.active.is_(True)).order_by(User.id))
    )


def operators(session: Session, base: IncubationBase) -> list[User]:
    """The base's operator staff."""
    return [u for u in (session.get(User, i) for i in staff_ids(base, "operator")) if u is not None]


def tell(session: Session, users: Iterable[User], incubation: Incubation, title: str, body: str = "") -> None:
    """Notify people about an incubation, linking to its file."""
    unique = {u.id: u for u in users}
    notify(session, unique.values(), "incubation", title, body, f"/incubation/files/{incubation.id}")


def representative(session: Session, incubation: Incubation) -> User:
    """The user who applied for the incubation."""
    user = session.get(User, incubation.representative_id)
    assert user is not None
    return user


def period_text(incubation: Incubation) -> str:
    """``2026年1月10日至2027年1月9日（12个月）``."""
    if incubation.started_on is None or incubation.ends_on is None:
        return ""
    return (
        f"{cn_date(incubation.started_on)}至{cn_date(incubation.ends_on)}（{incubation.period_months}个月）"
    )


def services_text(keys: Iterable[str]) -> str:
    """Services as one line: 办公场所、政策引导 …"""
    return "、".join(service_labels(keys)) or "—"
