"""What people see of incubation (issue #9): the public list of bases, a base's overview, a county
summary against the 1–2 bases the plan requires, an incubation file; and the assessment
indicators the counties are measured by.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from forms.incubation import BASE_SERVICES, GROUP_STAGES, PREMISES_SOURCES, PREMISES_TERMS, RUBRIC, label
from models import (
    CustodyEntry,
    GrowthEvaluation,
    Incubation,
    IncubationBase,
    IncubationServiceRecord,
    Organization,
    OrgUnit,
    User,
    utcnow,
)
from models.incubation import BASE_STATUSES, EVALUATION_LEVELS, INCUBATION_STATUSES
from workflows import orgs
from workflows.errors import Forbidden
from workflows.incubation_access import GOV_ROLES, can_view_cases, is_operator, staff_ids, visible_bases
from workflows.orgs import unit_names
from workflows.working_days import CST

# 二(二)1 建设层级: "每县（区、市）至少建立1-2个" — at least one base, two where the county can.
BASES_REQUIRED = 1
BASES_RECOMMENDED = 2
MONTHS_SHOWN = 12


def _day(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _occupancy(session: Session) -> dict[int, int]:
    """Organizations in incubation per base."""
    rows = session.execute(
        select(Incubation.base_id, func.count(Incubation.id))
        .where(Incubation.status == "incubating")
        .group_by(Incubation.base_id)
    ).tuples()
    return dict(rows.all())


def base_json(base: IncubationBase, names: dict[str, str], operator: str, occupied: int) -> dict[str, Any]:
    """What anyone may know about a base (no people, no organizations in it)."""
    return {
        "id": base.id,
        "name": base.name,
        "county": {"code": base.county_code, "name": names.get(base.county_code, "")},
        "street": {"code": base.street_code, "name": names.get(base.street_code, "")}
        if base.street_code
        else None,
        "address": base.address,
        "premises_source": base.premises_source,
        "premises_source_label": label(PREMISES_SOURCES, base.premises_source),
        "premises_terms": base.premises_terms,
        "premises_terms_label": label(PREMISES_TERMS, base.premises_terms),
        "area_sqm": base.area_sqm,
        "operator": {"id": base.operator_org_id, "name": operator},
        "capacity": base.capacity,
        "in_incubation": occupied,
        "vacancies": max(base.capacity - occupied, 0),
        "services": [{"key": k, "label": name} for k, name in BASE_SERVICES if k in base.services],
        "period_months": base.period_months,
        "evaluation_months": base.evaluation_months,
        "weak_below": base.weak_below,
        "contact_phone": base.contact_phone,
        "description": base.description,
        "status": base.status,
        "status_label": BASE_STATUSES.get(base.status, base.status),
        "opened_on": _day(base.opened_on),
        "closed_on": _day(base.closed_on),
    }


def bases_json(session: Session, bases: list[IncubationBase]) -> list[dict[str, Any]]:
    names = unit_names(session, [code for b in bases for code in (b.county_code, b.street_code)])
    occupancy = _occupancy(session)
    operators = dict(
        session.execute(
            select(Organization.id, Organization.name).where(
                Organization.id.in_({b.operator_org_id for b in bases})
            )
        )
        .tuples()
        .all()
    )
    return [base_json(b, names, operators.get(b.operator_org_id, ""), occupancy.get(b.id, 0)) for b in bases]


def public_bases(session: Session, county: str = "", include_closed: bool = False) -> list[dict[str, Any]]:
    """The public list of bases, by county."""
    query = select(IncubationBase).order_by(IncubationBase.county_code, IncubationBase.id)
    if county:
        query = query.where(IncubationBase.county_code == county)
    if not include_closed:
        query = query.where(IncubationBase.status == "active")
    return bases_json(session, list(session.scalars(query)))


def public_base(session: Session, base: IncubationBase) -> dict[str, Any]:
    """One base's public record."""
    return bases_json(session, [base])[0]


def services_of(session: Session, incubation: Incubation) -> list[IncubationServiceRecord]:
    """The services log, newest first."""
    query = select(IncubationServiceRecord).where(IncubationServiceRecord.incubation_id == incubation.id)
    return list(
        session.scalars(
            query.order_by(IncubationServiceRecord.delivered_on.desc(), IncubationServiceRecord.id.desc())
        )
    )


def ledger_of(session: Session, incubation: Incubation) -> list[tuple[CustodyEntry, int]]:
    """The ledger in order, each entry with the balance after it (cents)."""
    entries = session.scalars(
        select(CustodyEntry).where(CustodyEntry.incubation_id == incubation.id).order_by(CustodyEntry.seq)
    )
    balance, rows = 0, []
    for entry in entries:
        balance += entry.amount_cents if entry.direction == "income" else -entry.amount_cents
        rows.append((entry, balance))
    return rows


def balance_of(session: Session, incubation: Incubation) -> int:
    """The custody balance in cents."""
    rows = ledger_of(session, incubation)
    return rows[-1][1] if rows else 0


# --- incubation files -------------------------------------------------------------------------------------


def incubation_summary(incubation: Incubation) -> dict[str, Any]:
    """An incubation in a list."""
    return {
        "id": incubation.id,
        "instance_id": incubation.instance_id,
        "base": {"id": incubation.base_id, "name": incubation.base.name},
        "group_name": incubation.group_name,
        "group_stage": incubation.group_stage,
        "group_stage_label": label(GROUP_STAGES, incubation.group_stage),
        "organization_id": incubation.organization_id,
        "status": incubation.status,
        "status_label": INCUBATION_STATUSES.get(incubation.status, incubation.status),
        "started_on": _day(incubation.started_on),
        "ends_on": _day(incubation.ends_on),
        "period_months": incubation.period_months,
        "extensions": incubation.extensions,
        "services_promised": [
            {"key": k, "label": n} for k, n in BASE_SERVICES if k in incubation.services_promised
        ],
        "agreement": _doc(incubation.agreement_document_id, incubation.agreement_number),
        "certificate": _doc(incubation.certificate_document_id, incubation.certificate_number),
        "closed_on": _day(incubation.closed_on),
        "registration_offer": incubation.registration_offer or None,
        "registration_instance_id": incubation.registration_instance_id,
    }


def _doc(document_id: int | None, number: str) -> dict[str, Any] | None:
    return {"id": document_id, "number": number} if document_id else None


def visible_incubations(session: Session, user: User, status: str = "") -> list[Incubation]:
    """Incubation files the user may see: their own, and those of the bases they look after."""
    base_ids = [b.id for b in visible_bases(session, user)]
    query = select(Incubation).where(
        or_(Incubation.representative_id == user.id, Incubation.base_id.in_(base_ids))
    )
    if status:
        query = query.where(Incubation.status == status)
    return list(session.scalars(query.order_by(Incubation.id.desc())))


def service_json(row: IncubationServiceRecord) -> dict[str, Any]:
    """One entry of the services log."""
    return {
        "id": row.id,
        "kind": row.kind,
        "kind_label": label(BASE_SERVICES, row.kind),
        "delivered_on": row.delivered_on.isoformat(),
        "hours": row.minutes / 60,
        "staff": row.staff_names,
        "notes": row.notes,
        "attachments": row.attachment_ids,
        "recorded_by": row.recorded_by,
        "recorded_at": row.recorded_at.isoformat(),
    }


def evaluation_json(row: GrowthEvaluation) -> dict[str, Any]:
    """A growth evaluation with its rubric and any support plan."""
    return {
        "id": row.id,
        "round": row.round,
        "status": row.status,
        "scores": [
            {"key": k, "label": name, "score": row.scores.get(k), "note": row.notes.get(k, "")}
            for k, name in RUBRIC
        ],
        "total": row.total,
        "level": row.level or None,
        "level_label": EVALUATION_LEVELS.get(row.level, ""),
        "weak": row.weak,
        "summary": row.summary,
        "evaluated_on": _day(row.evaluated_on),
        "support_plan": row.support_plan or None,
    }


def cents(value: int) -> str:
    """Cents as yuan with two decimals: 123456 → "1234.56"."""
    sign = "-" if value < 0 else ""
    return f"{sign}{abs(value) // 100}.{abs(value) % 100:02d}"


def ledger_json(session: Session, incubation: Incubation) -> dict[str, Any]:
    """The custody ledger with running balance, and its totals."""
    rows = ledger_of(session, incubation)
    income = sum(e.amount_cents for e, _ in rows if e.direction == "income")
    expense = sum(e.amount_cents for e, _ in rows if e.direction == "expense")
    return {
        "entries": [_entry_json(entry, balance) for entry, balance in rows],
        "income": cents(income),
        "expense": cents(expense),
        "balance": cents(income - expense),
    }


def _entry_json(entry: CustodyEntry, balance: int) -> dict[str, Any]:
    return {
        "id": entry.id,
        "seq": entry.seq,
        "date": entry.entry_date.isoformat(),
        "direction": entry.direction,
        "amount": cents(entry.amount_cents),
        "summary": entry.summary,
        "counterparty": entry.counterparty,
        "attachments": entry.attachment_ids,
        "reverses": entry.reverses_id,
        "balance": cents(balance),
    }


def evaluations_of(session: Session, incubation: Incubation) -> list[GrowthEvaluation]:
    """The incubation's evaluations in order."""
    query = select(GrowthEvaluation).where(GrowthEvaluation.incubation_id == incubation.id)
    return list(session.scalars(query.order_by(GrowthEvaluation.round)))


def incubation_file(session: Session, incubation: Incubation, user: User) -> dict[str, Any]:
    """Everything about one incubation the user may see: application, services, evaluations, ledger."""
    body = incubation_summary(incubation)
    body["application"] = incubation.profile
    body["needs"] = [{"key": k, "label": n} for k, n in BASE_SERVICES if k in incubation.needs]
    body["services"] = [service_json(row) for row in services_of(session, incubation)]
    body["evaluations"] = [evaluation_json(row) for row in evaluations_of(session, incubation)]
    body["ledger"] = ledger_json(session, incubation)
    body["can_operate"] = is_operator(user, incubation.base) and incubation.status == "incubating"
    body["custody"] = "financial_custody" in incubation.services_promised
    body["is_representative"] = incubation.representative_id == user.id
    body["can_view_base"] = can_view_cases(session, user, incubation.base)
    return body


# --- a base's overview and the county summary -------------------------------------------------------------


def _months(today: date, count: int = MONTHS_SHOWN) -> list[str]:
    """The last `count` months as YYYY-MM, oldest first."""
    year, month, out = today.year, today.month, []
    for _ in range(count):
        out.append(f"{year}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return out[::-1]


def services_by_month(session: Session, base: IncubationBase) -> list[dict[str, Any]]:
    """Services delivered at the base per month (count and hours), the last twelve months."""
    rows = session.execute(
        select(IncubationServiceRecord.delivered_on, IncubationServiceRecord.minutes)
        .join(Incubation, Incubation.id == IncubationServiceRecord.incubation_id)
        .where(Incubation.base_id == base.id)
    ).tuples()
    count: dict[str, int] = defaultdict(int)
    minutes: dict[str, int] = defaultdict(int)
    for day, spent in rows:
        key = f"{day.year}-{day.month:02d}"
        count[key] += 1
        minutes[key] += spent
    months = _months(utcnow().astimezone(CST).date())
    return [{"month": m, "count": count[m], "hours": minutes[m] / 60} for m in months]


def base_overview(session: Session, base: IncubationBase, user: User) -> dict[str, Any]:
    """A base for the people who look after it: its organizations, services per month, evaluations."""
    body = public_base(session, base)
    people = {
        u.id: u for u in session.scalars(select(User).where(User.id.in_([s.user_id for s in base.staff])))
    }
    body["staff"] = [
        {
            "kind": kind,
            "user_id": uid,
            "name": people[uid].display_name or people[uid].username,
            "lead": i == 0,
        }
        for kind in ("operator", "guide")
        for i, uid in enumerate(staff_ids(base, kind))
        if uid in people
    ]
    incubations = list(
        session.scalars(select(Incubation).where(Incubation.base_id == base.id).order_by(Incubation.id))
    )
    body["incubations"] = [incubation_summary(i) for i in incubations]
    body["services_by_month"] = services_by_month(session, base)
    evaluations = session.execute(
        select(GrowthEvaluation, Incubation.group_name)
        .join(Incubation, Incubation.id == GrowthEvaluation.incubation_id)
        .where(Incubation.base_id == base.id, GrowthEvaluation.status == "done")
        .order_by(GrowthEvaluation.evaluated_on.desc(), GrowthEvaluation.id.desc())
    ).tuples()
    body["evaluations"] = [
        {**evaluation_json(row), "incubation_id": row.incubation_id, "group_name": name}
        for row, name in evaluations
    ]
    body["can_operate"] = is_operator(user, base)
    return body


def _counties_for(session: Session, user: User) -> list[OrgUnit]:
    """The counties whose summary the user may see: government staff, for their area."""
    if not user.roles & GOV_ROLES:
        raise Forbidden("孵化基地建设情况仅向民政、政法部门工作人员开放")
    home = orgs.county_of(session, user.org_unit)
    counties = session.scalars(
        select(OrgUnit).where(OrgUnit.kind == "county", OrgUnit.valid_to.is_(None)).order_by(OrgUnit.code)
    )
    base = user.org_unit.path
    return [c for c in counties if c.code == home.code or c.path.startswith(base + "/")]


def county_summary(session: Session, user: User) -> list[dict[str, Any]]:
    """Per county: bases against the 1–2 required, organizations in incubation, admitted, graduated."""
    counties = _counties_for(session, user)
    bases = session.execute(
        select(IncubationBase.county_code, func.count(IncubationBase.id))
        .where(IncubationBase.status == "active")
        .group_by(IncubationBase.county_code)
    ).tuples()
    active = dict(bases.all())
    by_status: dict[tuple[str, str], int] = {}
    for county_code, status, n in session.execute(
        select(IncubationBase.county_code, Incubation.status, func.count(Incubation.id))
        .join(IncubationBase, IncubationBase.id == Incubation.base_id)
        .group_by(IncubationBase.county_code, Incubation.status)
    ).tuples():
        by_status[(county_code, status)] = n
    rows = []
    for county in counties:
        count = active.get(county.code, 0)
        started = sum(by_status.get((county.code, s), 0) for s in ("incubating", "graduated", "terminated"))
        rows.append(
            {
                "county": {"code": county.code, "name": county.name},
                "bases": count,
                "required": BASES_REQUIRED,
                "recommended": BASES_RECOMMENDED,
                "meets_requirement": count >= BASES_REQUIRED,
                "shortfall": max(BASES_REQUIRED - count, 0),
                "in_incubation": by_status.get((county.code, "incubating"), 0),
                "incubated": started,
                "graduated": by_status.get((county.code, "graduated"), 0),
                "applying": sum(by_status.get((county.code, s), 0) for s in ("applying", "returned")),
            }
        )
    return rows
