"""The audit trail: append-only events, hash-chained per instance."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import event as sa_event
from sqlalchemy import func, select
from sqlalchemy.orm import Session, SessionTransaction

from models import AuditEvent, utcnow

GENESIS = "0" * 64
_HEADS = "audit_chain_heads"


def _digest(event: AuditEvent) -> str:
    body = {
        "chain": event.chain,
        "seq": event.seq,
        "instance_id": event.instance_id,
        "actor_id": event.actor_id,
        "action": event.action,
        "task_id": event.task_id,
        "details": event.details,
        "created_at": event.created_at.isoformat(),
        "prev": event.prev_hash,
    }
    canonical = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def record(
    session: Session,
    action: str,
    *,
    instance_id: int | None = None,
    actor_id: int | None = None,
    task_id: int | None = None,
    details: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> AuditEvent:
    """Append an event to its chain (the instance's, or the system chain)."""
    chain = f"instance:{instance_id}" if instance_id else "system"
    seq, prev_hash = _chain_head(session, chain)
    event = AuditEvent(
        chain=chain,
        seq=seq + 1,
        instance_id=instance_id,
        actor_id=actor_id,
        action=action,
        task_id=task_id,
        details=details or {},
        created_at=(at or utcnow()).replace(microsecond=0),
        prev_hash=prev_hash,
    )
    event.hash = _digest(event)
    session.add(event)
    session.info.setdefault(_HEADS, {})[chain] = (event.seq, event.hash)
    return event


def _chain_head(session: Session, chain: str) -> tuple[int, str]:
    """(seq, hash) of the chain's last event: read once per transaction, then kept in the session.

    Instance chains are written under the instance's row lock, so the head read inside the
    transaction stays the head until it commits; the unique (chain, seq) constraint catches a
    writer that did not take the lock.
    """
    heads: dict[str, tuple[int, str]] = session.info.setdefault(_HEADS, {})
    if chain not in heads:
        last = session.execute(
            select(AuditEvent.seq, AuditEvent.hash)
            .where(AuditEvent.chain == chain)
            .order_by(AuditEvent.seq.desc())
            .limit(1)
        ).first()
        heads[chain] = (last.seq, last.hash) if last else (0, GENESIS)
    return heads[chain]


@sa_event.listens_for(Session, "after_transaction_end")
def _forget_heads(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:  # the real transaction, not a flush's subtransaction
        session.info.pop(_HEADS, None)


def events_of(session: Session, instance_id: int) -> list[AuditEvent]:
    """An instance's events in order."""
    query = select(AuditEvent).where(AuditEvent.chain == f"instance:{instance_id}").order_by(AuditEvent.seq)
    return list(session.scalars(query))


def _chains(session: Session) -> Iterator[str]:
    yield from session.scalars(select(AuditEvent.chain).group_by(AuditEvent.chain))


def verify(session: Session) -> list[str]:
    """Check every chain; returns the problems found (empty: intact)."""
    problems: list[str] = []
    for chain in _chains(session):
        previous = GENESIS
        query = select(AuditEvent).where(AuditEvent.chain == chain).order_by(AuditEvent.seq)
        for expected_seq, event in enumerate(session.scalars(query), start=1):
            if event.seq != expected_seq:
                problems.append(f"{chain}: event {event.id} has seq {event.seq}, expected {expected_seq}")
            if event.prev_hash != previous or _digest(event) != event.hash:
                problems.append(f"{chain}: event {event.id} (seq {event.seq}) does not match its hash")
            previous = event.hash
    return problems


def count(session: Session) -> int:
    """Number of audit events."""
    return session.scalar(select(func.count(AuditEvent.id))) or 0


@sa_event.listens_for(Session, "after_soft_rollback")
def _forget_heads_on_rollback(session: Session, _previous: SessionTransaction) -> None:
    session.info.pop(_HEADS, None)  # a rolled-back savepoint may have taken events with it
