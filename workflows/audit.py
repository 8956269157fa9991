"""The audit trail: append-only events, hash-chained per instance."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import AuditEvent, utcnow

GENESIS = "0" * 64


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
    last = session.execute(
        select(AuditEvent.seq, AuditEvent.hash)
        .where(AuditEvent.chain == chain)
        .order_by(AuditEvent.seq.desc())
        .limit(1)
    ).first()
    event = AuditEvent(
        chain=chain,
        seq=(last.seq + 1) if last else 1,
        instance_id=instance_id,
        actor_id=actor_id,
        action=action,
        task_id=task_id,
        details=details or {},
        created_at=(at or utcnow()).replace(microsecond=0),
        prev_hash=last.hash if last else GENESIS,
    )
    event.hash = _digest(event)
    session.add(event)
    return event


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
