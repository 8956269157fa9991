"""The money of funding: what each project holds of its call's budget, every payment, the
ledger of a call that always reconciles (budget = funded + remaining) and the totals per call,
county and field. Plain queries; no workflow is loaded."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from forms.registration import SERVICE_FIELDS
from models import FundingCall, FundingPayment, FundingProposal, User
from models.funding import TRANCHE_LABELS
from workflows.funding_common import dec, stamp, stored
from workflows.orgs import unit_names

COMMITTED = ("funded", "active", "suspended", "completed")
CLOSED_SHORT = ("terminated", "failed")  # committed only what was paid; the rest goes back
FIELD_LABELS = dict(SERVICE_FIELDS)


def paid_by_proposal(session: Session, proposal_ids: Iterable[int]) -> dict[int, Decimal]:
    """The sum paid to each proposal."""
    totals: dict[int, Decimal] = defaultdict(Decimal)
    ids = list(proposal_ids)
    if ids:
        rows = session.execute(
            select(FundingPayment.proposal_id, FundingPayment.amount).where(
                FundingPayment.proposal_id.in_(ids)
            )
        )
        for proposal_id, amount in rows:
            totals[proposal_id] += dec(amount)
    return totals


def payments_of(session: Session, proposal_ids: list[int]) -> list[FundingPayment]:
    """Payments of the given proposals in the order they were recorded."""
    query = select(FundingPayment).where(FundingPayment.proposal_id.in_(proposal_ids))
    return list(session.scalars(query.order_by(FundingPayment.paid_on, FundingPayment.id)))


def payment_json(session: Session, payment: FundingPayment) -> dict[str, Any]:
    """A payment: amount, date, voucher, who approved it."""
    approver = session.get(User, payment.approved_by)
    return {
        "id": payment.id,
        "proposal_id": payment.proposal_id,
        "stage": payment.stage,
        "stage_label": TRANCHE_LABELS.get(payment.stage, payment.stage),
        "percent": payment.percent,
        "amount": payment.amount,
        "paid_on": payment.paid_on.isoformat(),
        "voucher_no": payment.voucher_no,
        "approved_by": approver.display_name if approver else "",
        "approved_by_id": payment.approved_by,
        "recorded_at": stamp(payment.recorded_at),
    }


def committed_amount(proposal: FundingProposal, paid: Decimal) -> Decimal:
    """What a project holds of the budget: its agreed amount, or only what was paid once it
    was terminated or failed acceptance (the rest returns to the call)."""
    if proposal.status in COMMITTED:
        return dec(proposal.approved_amount)
    if proposal.status in CLOSED_SHORT:
        return paid
    return Decimal(0)


def _bucket() -> dict[str, Any]:
    return {"funded": Decimal(0), "paid": Decimal(0), "projects": 0}


def _plain(buckets: dict[str, dict[str, Any]], labels: dict[str, str]) -> list[dict[str, Any]]:
    return [
        {
            "key": key,
            "name": labels.get(key, key),
            "funded": stored(b["funded"]),
            "paid": stored(b["paid"]),
            "projects": b["projects"],
        }
        for key, b in sorted(buckets.items())
    ]


def ledger(session: Session, call: FundingCall) -> dict[str, Any]:
    """The call's money: budget = funded + remaining, funded = paid + outstanding, and the same
    totals per county and per field; `checks` says which of these identities hold."""
    proposals = list(session.scalars(select(FundingProposal).where(FundingProposal.call_id == call.id)))
    paid = paid_by_proposal(session, [p.id for p in proposals])
    by_county: dict[str, dict[str, Any]] = defaultdict(_bucket)
    by_field: dict[str, dict[str, Any]] = defaultdict(_bucket)
    funded = released = listed = Decimal(0)
    for p in proposals:
        got = paid.get(p.id, Decimal(0))
        holds = committed_amount(p, got)
        funded += holds
        listed += dec(p.approved_amount) if p.status == "listed" else Decimal(0)
        released += dec(p.approved_amount) - got if p.status in CLOSED_SHORT else Decimal(0)
        if not (holds or got):
            continue
        for bucket in (by_county[p.county_code], by_field[p.field]):
            bucket["funded"] += holds
            bucket["paid"] += got
            bucket["projects"] += 1
    budget, paid_total = dec(call.budget), sum(paid.values(), Decimal(0))
    payments = payments_of(session, [p.id for p in proposals])
    remaining = budget - funded
    checks = {
        "budget_equals_funded_plus_remaining": budget == funded + remaining,
        "remaining_not_negative": remaining >= 0,
        "paid_within_funded": paid_total <= funded,
        "payments_add_up": sum((dec(x.amount) for x in payments), Decimal(0)) == paid_total,
        "counties_add_up": sum((b["funded"] for b in by_county.values()), Decimal(0)) == funded,
        "fields_add_up": sum((b["funded"] for b in by_field.values()), Decimal(0)) == funded,
    }
    counties = unit_names(session, by_county)
    return {
        "budget": stored(budget),
        "funded": stored(funded),
        "paid": stored(paid_total),
        "outstanding": stored(funded - paid_total),
        "remaining": stored(remaining),
        "listed_pending": stored(listed),
        "released": stored(released),
        "by_county": _plain(by_county, counties),
        "by_field": _plain(by_field, FIELD_LABELS),
        "payments": [payment_json(session, x) for x in payments],
        "checks": checks,
        "reconciles": all(checks.values()),
    }


def totals(session: Session) -> dict[str, Any]:
    """Funding across every call: per call, per county and per field."""
    calls = list(session.scalars(select(FundingCall).order_by(FundingCall.id)))
    per_call: list[dict[str, Any]] = []
    by_county: dict[str, dict[str, Any]] = defaultdict(_bucket)
    by_field: dict[str, dict[str, Any]] = defaultdict(_bucket)
    for call in calls:
        book = ledger(session, call)
        keys = ("budget", "funded", "paid", "remaining")
        per_call.append({"id": call.id, "title": call.title, **{k: book[k] for k in keys}})
        for rows, target in ((book["by_county"], by_county), (book["by_field"], by_field)):
            for row in rows:
                target[row["key"]]["funded"] += dec(row["funded"])
                target[row["key"]]["paid"] += dec(row["paid"])
                target[row["key"]]["projects"] += row["projects"]
    return {
        "calls": per_call,
        "by_county": _plain(by_county, unit_names(session, by_county)),
        "by_field": _plain(by_field, FIELD_LABELS),
    }
