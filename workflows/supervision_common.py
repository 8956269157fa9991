"""What the supervision operators share: the case of an instance, its timeline, documents, notices."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import select

from models import (
    Attachment,
    Document,
    OrgUnit,
    SupervisionCase,
    SupervisionEvent,
    SupervisionListing,
    User,
)
from workflows import audit, orgs
from workflows.context import RunContext
from workflows.notifications import notify
from workflows.official_text import chinese_date
from workflows.services import issue_for_run
from workflows.working_days import CST

WEEKDAYS = "一二三四五六日"
AUDIT_ACTION = "supervision_event"  # one action for every timeline entry; `details.kind` says which


def case_of(ctx: RunContext) -> SupervisionCase:
    """The supervision case of the running instance."""
    case = ctx.session.scalar(select(SupervisionCase).where(SupervisionCase.instance_id == ctx.instance.id))
    if case is None:
        raise LookupError(f"instance {ctx.instance.id} has no supervision case: supervision_open did not run")
    return case


def rung_of(case: SupervisionCase) -> dict[str, Any]:
    """The rung the case stands on (from its own copy of the ladder)."""
    rung: dict[str, Any] = case.ladder[case.rung]
    return rung


def active_listing(ctx: RunContext, case: SupervisionCase) -> SupervisionListing | None:
    """The case's listing while the county is still listed."""
    return ctx.session.scalar(
        select(SupervisionListing).where(
            SupervisionListing.case_id == case.id, SupervisionListing.status == "listed"
        )
    )


def add_event(
    ctx: RunContext,
    case: SupervisionCase,
    kind: str,
    title: str,
    text: str = "",
    *,
    data: dict[str, Any] | None = None,
    document: Document | None = None,
    attachment: int | None = None,
    late: bool = False,
    system: bool = False,
) -> SupervisionEvent:
    """Append an entry to the case's timeline (and to the instance's audit trail).

    `system`: the step follows from the rules (a rung entered, a deadline passed), not from the act
    of whoever caused this engine run, so no person is named for it.
    """
    event = SupervisionEvent(
        case_id=case.id,
        rung=case.rung,
        kind=kind,
        title=title,
        text=text,
        data=data or {},
        document_id=document.id if document else None,
        attachment_id=attachment,
        late=late,
        actor_id=ctx.actor.id if ctx.actor and not system else None,
        at=ctx.now,
    )
    ctx.session.add(event)
    audit.record(
        ctx.session,
        AUDIT_ACTION,
        instance_id=ctx.instance.id,
        actor_id=event.actor_id,
        at=ctx.now,
        details={"case": case.id, "kind": kind, "task": title, "late": late},
    )
    return event


def copy_to_names(ctx: RunContext, copy_to: Iterable[str]) -> list[str]:
    """The names of the copy-to units: org unit codes resolved, plain names kept."""
    names = []
    for entry in copy_to:
        unit = ctx.session.get(OrgUnit, entry)
        names.append(unit.name if unit is not None else entry)
    return names


def issue_document(
    ctx: RunContext,
    case: SupervisionCase,
    kind: str,
    title: str,
    paragraphs: list[str],
    items: list[tuple[str, str]] | None = None,
    recipient: str = "",
) -> Document:
    """A numbered document of the rung's issuing unit, copied to the rung's units."""
    rung = rung_of(case)
    issuer = ctx.session.get(OrgUnit, rung["issuer_code"])
    if issuer is None:
        raise LookupError(f"issuing unit {rung['issuer_code']!r} of the supervision ladder does not exist")
    names = copy_to_names(ctx, rung.get("copy_to") or [])
    content = {
        "recipient": recipient or case.county.name,
        "paragraphs": paragraphs,
        "items": [list(item) for item in items or []],
        "footnote": f"抄送：{'、'.join(names)}。" if names else "",
    }
    return issue_for_run(ctx, issuer=issuer, kind=kind, content=content, title=title)


def _users(ctx: RunContext, codes: Iterable[str], role: str | None = None) -> list[User]:
    return orgs.active_users(ctx.session, codes, role)


def tell_county(ctx: RunContext, case: SupervisionCase, title: str, body: str, copy: bool = False) -> None:
    """Notify the county's leaders (and, with `copy`, the people of the copy-to units)."""
    users = _users(ctx, [case.county_code], "county_leader")
    if copy:
        users += _users(ctx, rung_of(case).get("copy_to") or [])
    notify(ctx.session, users, "supervision", title, body, f"/supervision/cases/{case.id}")


def tell_committee(ctx: RunContext, case: SupervisionCase, title: str, body: str) -> None:
    """Notify the officer who opened the case."""
    opener = ctx.session.get(User, case.opened_by)
    notify(
        ctx.session, [opener] if opener else [], "supervision", title, body, f"/supervision/cases/{case.id}"
    )


def attachment_of(ctx: RunContext, value: Any) -> int | None:
    """An attachment id usable in this case (the instance's, or the actor's own upload), else None."""
    if not str(value or "").isdigit():
        return None
    row = ctx.session.get(Attachment, int(value))
    if row is None:
        return None
    mine = ctx.actor is not None and row.uploaded_by == ctx.actor.id
    return row.id if row.instance_id == ctx.instance.id or mine else None


def local(value: datetime) -> datetime:
    """A stored or form time in China Standard Time (naive means CST already)."""
    return value.astimezone(CST) if value.tzinfo else value.replace(tzinfo=CST)


def cn_date(value: datetime) -> str:
    """``2026年11月24日`` of a time, in China Standard Time."""
    return chinese_date(local(value).date())


def cn_datetime(value: datetime) -> str:
    """``2026年3月20日（星期五）9:30`` in China Standard Time, 24-hour."""
    moment = local(value)
    return (
        f"{chinese_date(moment.date())}（星期{WEEKDAYS[moment.weekday()]}）{moment.hour}:{moment.minute:02d}"
    )


def people(rows: Iterable[Any]) -> str:
    """``张三（市委政法委副书记）、李四（…）`` from interviewer rows."""
    return "、".join(f"{row.get('name')}（{row.get('title')}）" for row in rows if isinstance(row, dict))
