"""What the operator keeps for an incubated organization (issue #9): the services log and the custody
ledger (财务托管), with their supporting files; and the graduate's registration offer.

Records are written under the incubation instance's row lock and audited in its chain, so the
dossier of the case shows them next to the process steps.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from forms.incubation import label
from forms.registration import GROUPS_SERVED, SERVICE_FIELDS
from models import (
    Attachment,
    CustodyEntry,
    Document,
    Incubation,
    IncubationServiceRecord,
    ProcessInstance,
    User,
    utcnow,
)
from models.db import lock_instance_row
from workflows import attachments, audit
from workflows.drafts import save_draft
from workflows.errors import Conflict, Forbidden, Invalid, NotFound
from workflows.incubation_access import incubation_for, operated_incubation
from workflows.incubation_common import clean
from workflows.incubation_views import balance_of
from workflows.instances import open_tasks, start_instance
from workflows.working_days import CST

REGISTRATION_PROCESS = "registration_review"


def _locked(session: Session, incubation: Incubation) -> None:
    """Serialize with the engine and other writers of this incubation."""
    if incubation.instance_id is not None:
        lock_instance_row(session, incubation.instance_id)
    session.refresh(incubation)


def _record(session: Session, incubation: Incubation, user: User, action: str, **details: Any) -> None:
    audit.record(
        session,
        action,
        instance_id=incubation.instance_id,
        actor_id=user.id,
        details={"incubation_id": incubation.id, **details},
    )


def _attachment_ids(session: Session, incubation: Incubation, value: Any) -> list[int]:
    """Supporting files: ids of attachments uploaded to this incubation."""
    if value in (None, "", []):
        return []
    items = value if isinstance(value, list) else [value]
    ids: list[int] = []
    for item in items:
        row = session.get(Attachment, int(item)) if str(item).isdigit() else None
        if row is None or row.instance_id is None or row.instance_id != incubation.instance_id:
            raise Invalid("附件无效", fields={"attachments": [f"附件 {item} 不存在或不属于本孵化档案"]})
        ids.append(row.id)
    return ids


def _in_incubation(incubation: Incubation, what: str) -> None:
    if incubation.status != "incubating":
        raise Conflict(f"该组织当前不在孵化期内，不能{what}")


def store_attachment(
    session: Session, incubation_id: int, user: User, upload: Any, upload_dir: str
) -> Attachment:
    """Upload a supporting file (sign-in sheet, receipt, voucher) to an incubation the user operates."""
    incubation = operated_incubation(session, incubation_id, user)
    row = attachments.store(session, upload_dir, user, upload, incubation.instance_id)
    session.commit()
    return row


def attachment_for(session: Session, incubation_id: int, attachment_id: int, user: User) -> Attachment:
    """A supporting file of an incubation the user may see."""
    incubation = incubation_for(session, incubation_id, user)
    row = session.get(Attachment, attachment_id)
    if row is None or row.instance_id is None or row.instance_id != incubation.instance_id:
        raise NotFound("附件不存在")
    return row


# --- services delivered -------------------------------------------------------------------------------------


def record_service(
    session: Session, incubation_id: int, user: User, body: dict[str, Any]
) -> IncubationServiceRecord:
    """The operator records one service delivered (kind, date, hours, staff, notes, files)."""
    incubation = operated_incubation(session, incubation_id, user)
    data = clean("service", body)
    _locked(session, incubation)
    _in_incubation(incubation, "记录服务")
    day = date.fromisoformat(data["delivered_on"])
    assert incubation.started_on is not None
    if day < incubation.started_on or day > utcnow().astimezone(CST).date():
        raise Invalid(
            "服务日期无效", fields={"delivered_on": ["服务日期应在孵化期开始之后，且不能晚于今天。"]}
        )
    row = IncubationServiceRecord(
        incubation_id=incubation.id,
        kind=data["service_kind"],
        delivered_on=day,
        minutes=round(Decimal(str(data["hours"])) * 60),
        staff_names=data["staff_names"],
        notes=data.get("service_notes") or "",
        attachment_ids=_attachment_ids(session, incubation, body.get("attachments")),
        recorded_by=user.id,
    )
    session.add(row)
    session.flush()
    _record(session, incubation, user, "incubation_service_recorded", service_id=row.id, kind=row.kind)
    session.commit()
    return row


# --- the custody ledger -------------------------------------------------------------------------------------


def _next_seq(session: Session, incubation: Incubation) -> int:
    last = session.scalar(
        select(func.max(CustodyEntry.seq)).where(CustodyEntry.incubation_id == incubation.id)
    )
    return (last or 0) + 1


def add_ledger_entry(session: Session, incubation_id: int, user: User, body: dict[str, Any]) -> CustodyEntry:
    """The operator books income or an expense it holds in custody for the organization."""
    incubation = operated_incubation(session, incubation_id, user)
    data = clean("ledger", body)
    _locked(session, incubation)
    _in_incubation(incubation, "记账")
    if "financial_custody" not in incubation.services_promised:
        raise Conflict("孵化协议未约定财务托管服务")
    cents = int(Decimal(str(data["amount"])) * 100)
    balance = balance_of(session, incubation)
    if data["direction"] == "expense" and cents > balance:
        message = f"支出金额超过托管余额（当前余额 {balance / 100:.2f} 元）。"
        raise Invalid(message, fields={"amount": [message]})
    entry = CustodyEntry(
        incubation_id=incubation.id,
        seq=_next_seq(session, incubation),
        entry_date=date.fromisoformat(data["entry_date"]),
        direction=data["direction"],
        amount_cents=cents,
        summary=data["summary"],
        counterparty=data.get("counterparty") or "",
        attachment_ids=_attachment_ids(session, incubation, body.get("attachments")),
        recorded_by=user.id,
    )
    session.add(entry)
    session.flush()
    _record(
        session,
        incubation,
        user,
        "incubation_ledger_entry",
        seq=entry.seq,
        direction=entry.direction,
        cents=cents,
    )
    session.commit()
    return entry


def reverse_ledger_entry(
    session: Session, incubation_id: int, entry_id: int, user: User, reason: str
) -> CustodyEntry:
    """Correct a mistaken entry with an opposite one (红字冲正); entries are never edited."""
    incubation = operated_incubation(session, incubation_id, user)
    _locked(session, incubation)
    original = session.get(CustodyEntry, entry_id)
    if original is None or original.incubation_id != incubation.id:
        raise NotFound("台账记录不存在")
    if not reason.strip():
        raise Invalid("请填写冲正原因", fields={"reason": ["请填写冲正原因。"]})
    if original.reverses_id is not None or session.scalar(
        select(CustodyEntry.id).where(CustodyEntry.reverses_id == original.id)
    ):
        raise Conflict("该记录已冲正或本身是冲正记录")
    direction = "expense" if original.direction == "income" else "income"
    if direction == "expense" and original.amount_cents > balance_of(session, incubation):
        raise Conflict("冲正后托管余额将为负数，请先核对其他记录")
    entry = CustodyEntry(
        incubation_id=incubation.id,
        seq=_next_seq(session, incubation),
        entry_date=utcnow().astimezone(CST).date(),
        direction=direction,
        amount_cents=original.amount_cents,
        summary=f"冲正第{original.seq}笔：{reason.strip()[:150]}",
        counterparty=original.counterparty,
        reverses_id=original.id,
        recorded_by=user.id,
    )
    session.add(entry)
    session.flush()
    _record(session, incubation, user, "incubation_ledger_reversal", seq=entry.seq, reverses=original.seq)
    session.commit()
    return entry


# --- the graduate's registration offer ---------------------------------------------------------------------


def registration_prefill(incubation: Incubation) -> dict[str, Any]:
    """The registration (filing) application as the incubation file already knows it."""
    profile = incubation.profile
    groups = profile.get("group_served") or []
    field = profile.get("group_service_field_other") or label(
        SERVICE_FIELDS, profile.get("group_service_field")
    )
    served = "、".join(label(GROUPS_SERVED, g) for g in groups) or "社区居民"
    scope = f"围绕{field}，为{served}提供服务，开展公益活动。" if field else ""
    founders = []
    if profile.get("leader_id_number"):
        founders = [{"name": profile.get("leader_name"), "id_number": profile.get("leader_id_number")}]
    data = {
        "org_type": profile.get("intended_org_type") or "association",
        "category": "community_service",
        "activity_area": profile.get("group_activity_area"),
        "name": incubation.group_name,
        "purpose": profile.get("intro"),
        "business_scope": scope,
        "service_field": profile.get("group_service_field"),
        "service_field_other": profile.get("group_service_field_other"),
        "groups_served": list(groups),
        "rep_name": profile.get("leader_name"),
        "rep_phone": profile.get("leader_phone"),
        "rep_id_number": profile.get("leader_id_number"),
        "founders": founders,
        "individual_members": profile.get("members_count"),
        "unit_members": 0,
        "domicile": profile.get("venue"),
    }
    return {key: value for key, value in data.items() if value not in (None, "", [])}


def accept_registration_offer(
    session: Session, incubation_id: int, user: User
) -> tuple[ProcessInstance, bool]:
    """The graduate takes up its offer: a registration case started for it, its form prefilled.

    Idempotent: asking again returns the case already started. Returns (case, newly started).
    """
    incubation = incubation_for(session, incubation_id, user)
    if incubation.representative_id != user.id:
        raise Forbidden("只有提出入驻申请的组织代表可以发起登记（备案）申请")
    _locked(session, incubation)  # a double click must not start two cases
    if incubation.status != "graduated" or not incubation.registration_offer:
        raise Conflict("该孵化档案没有待发起的登记（备案）申请")
    if incubation.registration_instance_id is not None:
        existing = session.get(ProcessInstance, incubation.registration_instance_id)
        if existing is not None:
            session.commit()
            return existing, False
    if incubation.registration_claimed_at is not None:
        raise Conflict("登记（备案）申请正在创建，请稍后刷新页面查看")
    incubation.registration_claimed_at = utcnow()
    session.commit()
    try:
        instance = start_instance(session, REGISTRATION_PROCESS, user)
    except Exception:
        session.rollback()
        incubation.registration_claimed_at = None
        session.commit()
        raise
    incubation.registration_instance_id, incubation.updated_at = instance.id, utcnow()
    _record(session, incubation, user, "incubation_registration_started", registration_instance=instance.id)
    session.commit()
    first = [t for t in open_tasks(session, instance.id) if t.assignee_id == user.id]
    if first:
        save_draft(session, first[0].id, user, registration_prefill(incubation), stage=0)
    return instance, True


def document_for(session: Session, incubation_id: int, document_id: int, user: User) -> Document:
    """The agreement or certificate of an incubation the user may see (its operator staff included)."""
    incubation = incubation_for(session, incubation_id, user)
    if document_id not in (incubation.agreement_document_id, incubation.certificate_document_id):
        raise NotFound("文书不存在")
    document = session.get(Document, document_id)
    if document is None:
        raise NotFound("文书不存在")
    return document
