"""Opening supervision cases, and the queries behind the case pages and the public list.

Imported by the web layer: opening a case starts a process instance through the engine service,
which the operators in `workflows.supervision` (imported by the service catalog) never need.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from forms import get_form
from forms.binding import validate_form
from models import (
    Document,
    HumanTask,
    ProcessInstance,
    RectificationPlan,
    SupervisionCase,
    SupervisionEvent,
    SupervisionListing,
    User,
)
from models.supervision import CASE_STATUSES
from workflows.assignment import visible_instances_clause
from workflows.errors import Invalid, NotFound
from workflows.instances import complete_task, start_instance
from workflows.supervision_config import PROCESS_KEY, open_case_for

OPEN_FORM = "supervision.open"


def open_case(session: Session, user: User, body: Mapping[str, Any]) -> SupervisionCase:
    """Open a case against a county (from the scorecard or by hand).

    Starts `rectification_interview` and completes its first task, 立案登记, with `body`; everything
    is checked first, so that a refused case leaves no instance behind.
    """
    data = {key: body.get(key) for key in ("county_code", "case_reason", "period_id")}
    result = validate_form(get_form(OPEN_FORM), data)
    if not result.ok:
        raise Invalid("立案信息有误，请按提示修改", fields=result.errors)
    open_case_for(session, user, result.data)
    instance = start_instance(session, PROCESS_KEY, user)
    task = session.scalar(
        select(HumanTask).where(
            HumanTask.instance_id == instance.id, HumanTask.form_key == OPEN_FORM, HumanTask.status == "open"
        )
    )
    assert task is not None, "rectification_interview starts with 立案登记"
    complete_task(session, task.id, user, result.data)
    case = session.scalar(select(SupervisionCase).where(SupervisionCase.instance_id == instance.id))
    assert case is not None, "supervision_open registers the case"
    return case


def cases_query(user: User, status: str | None = None, county: str | None = None) -> Select[Any]:
    """Cases the user may see (a county sees only its own), newest first."""
    if status and status not in CASE_STATUSES:
        raise Invalid("未知状态", fields={"status": [f"可选：{', '.join(CASE_STATUSES)}"]})
    query = (
        select(SupervisionCase)
        .join(ProcessInstance, ProcessInstance.id == SupervisionCase.instance_id)
        .where(visible_instances_clause(user))
    )
    if status:
        query = query.where(SupervisionCase.status == status)
    if county:
        query = query.where(SupervisionCase.county_code == county)
    return query.order_by(SupervisionCase.id.desc())


def get_case_for(session: Session, case_id: int, user: User) -> SupervisionCase:
    """A case the user may see (NotFound otherwise: never reveal other counties' cases)."""
    case: SupervisionCase | None = session.scalar(cases_query(user).where(SupervisionCase.id == case_id))
    if case is None:
        raise NotFound("督办案件不存在")
    return case


def timeline(session: Session, case: SupervisionCase) -> list[SupervisionEvent]:
    """The case's timeline in order."""
    query = select(SupervisionEvent).where(SupervisionEvent.case_id == case.id)
    return list(session.scalars(query.order_by(SupervisionEvent.at, SupervisionEvent.id)))


def plans_of(session: Session, case: SupervisionCase) -> list[RectificationPlan]:
    """Every version of every rectification plan of the case."""
    query = select(RectificationPlan).where(RectificationPlan.case_id == case.id)
    return list(session.scalars(query.order_by(RectificationPlan.rung, RectificationPlan.version)))


def listings_of(session: Session, case: SupervisionCase) -> list[SupervisionListing]:
    """The case's listings (at most one per listing rung)."""
    query = select(SupervisionListing).where(SupervisionListing.case_id == case.id)
    return list(session.scalars(query.order_by(SupervisionListing.id)))


def public_listings(session: Session) -> list[SupervisionListing]:
    """Every listing, current ones first, newest first: what the public list shows."""
    query = select(SupervisionListing).order_by(
        (SupervisionListing.status != "listed"), SupervisionListing.listed_at.desc()
    )
    return list(session.scalars(query))


def public_document(session: Session, listing_id: int, document_id: int) -> Document:
    """The listing or delisting notice of a listing (published), NotFound for anything else."""
    listing = session.get(SupervisionListing, listing_id)
    if listing is None or document_id not in (listing.listing_document_id, listing.end_document_id):
        raise NotFound("文书不存在")
    doc = session.get(Document, document_id)
    if doc is None:
        raise NotFound("文书不存在")
    return doc


def document_numbers(session: Session, ids: list[int | None]) -> dict[int, Document]:
    """Documents by id, for lists that show numbers."""
    wanted = [i for i in ids if i is not None]
    if not wanted:
        return {}
    return {doc.id: doc for doc in session.scalars(select(Document).where(Document.id.in_(wanted)))}
