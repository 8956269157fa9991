"""What the funding modules share: looking up calls and proposals, money, dates, audit,
notifications, and delivering a call's result to the proposal instances waiting for it."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from SpiffWorkflow.bpmn import BpmnEvent
from SpiffWorkflow.exceptions import WorkflowException
from SpiffWorkflow.spiff.specs.event_definitions import MessageEventDefinition
from sqlalchemy import select
from sqlalchemy.orm import Session

from models import (
    ACTIVE_INSTANCE_STATUSES,
    FundingCall,
    FundingProposal,
    OrganizationRepresentative,
    OrgUnit,
    ProcessInstance,
    User,
)
from workflows import audit, orgs
from workflows.context import RunContext
from workflows.engine import engine_clock
from workflows.errors import NotFound
from workflows.notifications import notify
from workflows.working_days import CST

CALL_PROCESS, APPLICATION_PROCESS = "funding_call", "funding_application"
RESULT_MESSAGE = "funding_result"
OFFICE_ROLE = "city_civil_affairs"
CENT = Decimal("0.01")


# --- money and dates --------


def dec(value: Any) -> Decimal:
    """An amount as Decimal rounded to the cent (None and "" are 0)."""
    if value in (None, ""):
        return Decimal(0)
    return Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)


def stored(value: Decimal) -> float:
    """An amount as the float the Numeric(asdecimal=False) columns hold."""
    return float(value.quantize(CENT, rounding=ROUND_HALF_UP))


def yuan(value: Any) -> str:
    """12,345.00 元."""
    return f"{dec(value):,.2f} 元"


def start_of_day(day: date) -> datetime:
    """Midnight at the start of `day` in China Standard Time."""
    return datetime.combine(day, time(0, 0), tzinfo=CST)


def local_day(value: datetime) -> date:
    """The date of an instant in China Standard Time."""
    return value.astimezone(CST).date()


def iso(value: datetime) -> str:
    """An instant as ISO 8601 in China Standard Time (what timers and dueAt read)."""
    return value.astimezone(CST).isoformat(timespec="seconds")


def stamp(value: datetime | None) -> str | None:
    """An instant as ISO 8601 for the API (None stays None)."""
    return value.isoformat() if value else None


def local_time(value: datetime | None) -> str:
    """An instant as China Standard Time for people: 2026-11-24 17:30."""
    return value.astimezone(CST).strftime("%Y-%m-%d %H:%M") if value else ""


def add_days(day: date, days: int) -> date:
    """`day` plus calendar days."""
    return day + timedelta(days=days)


# --- lookups --------


def get_call(session: Session, call_id: Any) -> FundingCall:
    """The call with this id (NotFound otherwise)."""
    call = session.get(FundingCall, int(call_id)) if str(call_id).isdigit() else None
    if call is None:
        raise NotFound("资助批次不存在")
    return call


def call_of(ctx: RunContext) -> FundingCall:
    """The call run by this `funding_call` instance."""
    call = ctx.session.scalar(select(FundingCall).where(FundingCall.instance_id == ctx.instance.id))
    if call is None:
        raise LookupError(f"instance {ctx.instance.id} has no funding call: open_call did not run")
    return call


def proposal_of(ctx: RunContext) -> FundingProposal:
    """The proposal of this `funding_application` instance."""
    query = select(FundingProposal).where(FundingProposal.instance_id == ctx.instance.id)
    proposal = ctx.session.scalar(query)
    if proposal is None:
        raise LookupError(f"instance {ctx.instance.id} has no proposal: register did not run")
    return proposal


def unit_name(session: Session, code: str | None) -> str:
    """The org unit's name ('' for None or unknown)."""
    unit = session.get(OrgUnit, code) if code else None
    return unit.name if unit else ""


# --- audit and people --------


def office_users(session: Session, call: FundingCall) -> list[User]:
    """The staff of the office running the call (they hear about objections and outliers)."""
    return orgs.active_users(session, [call.office_code], OFFICE_ROLE)


def representatives(session: Session, organization_id: int) -> list[User]:
    """The people who act for an organization."""
    query = (
        select(User)
        .join(OrganizationRepresentative, OrganizationRepresentative.user_id == User.id)
        .where(OrganizationRepresentative.organization_id == organization_id, User.active.is_(True))
    )
    return list(session.scalars(query))


def tell(session: Session, users: Iterable[User], title: str, body: str, link: str = "") -> None:
    """A funding notification."""
    notify(session, list(users), "funding", title, body, link)


def tell_applicant(ctx: RunContext, proposal: FundingProposal, title: str, body: str) -> None:
    """Notify the applicant and the organization's other representatives about their proposal."""
    people = {u.id: u for u in representatives(ctx.session, proposal.organization_id)}
    applicant = ctx.session.get(User, proposal.applicant_id)
    if applicant is not None:
        people[applicant.id] = applicant
    tell(ctx.session, people.values(), title, body, f"/funding/proposals/{proposal.id}")


# --- messages to waiting proposal instances --------


def deliver(ctx: RunContext, instance_id: int, payload: dict[str, Any]) -> bool:
    """Send the call's result to a proposal instance waiting for it, inside this transaction;
    False when that instance no longer runs (an administrator suspended or terminated it).

    The call's step and every proposal it decides commit together. On PostgreSQL each proposal
    instance is locked first; on SQLite the running transaction already holds the write lock.
    This may run on a timer, so it never raises a refusal: a proposal that should be waiting but
    is not is an inconsistency for an administrator (the call instance is marked `error`).
    """
    # Imported here: workflows.instances imports the service catalog, which imports this module.
    from workflows import instances

    session = ctx.session
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(ProcessInstance.id).where(ProcessInstance.id == instance_id).with_for_update())
    target = session.get(ProcessInstance, instance_id, populate_existing=True)
    if target is None or target.status not in ACTIVE_INSTANCE_STATUSES:
        return False
    sub = RunContext(session, target, ctx.actor, ctx.now)
    workflow = instances.load_workflow(sub)
    try:
        with engine_clock(ctx.now):
            workflow.send_event(BpmnEvent(MessageEventDefinition(RESULT_MESSAGE), payload=payload))
    except WorkflowException as exc:
        raise LookupError(f"proposal instance {instance_id} is not waiting for {RESULT_MESSAGE}") from exc
    audit.record(
        session,
        "funding_result_received",
        instance_id=instance_id,
        actor_id=ctx.actor.id if ctx.actor else None,
        at=ctx.now,
        details={"call_instance": ctx.instance.id, **payload},
    )
    instances.advance(sub, workflow)
    return True
