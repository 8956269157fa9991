"""The audit trail: append-only events, hash-chained per instance.

Each event's hash covers its fields and the hash of the event before it in its chain, so the
chain is verified in order; the previous hash is not stored twice. A completed task's event
carries the sha256 of the submitted data, whose full text is the dossier's submission row:
`verify` checks both.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import String, func, insert, literal, select
from sqlalchemy import cast as cast_sql
from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session, SessionTransaction

from models import AuditEvent, Submission, utcnow
from models.base import table_of

GENESIS = "0" * 64
_HEADS = "audit_chain_heads"
_PENDING = "audit_pending"
_INSTANCE_CHAIN = "instance:"
_HASHED = (
    "chain",
    "seq",
    "instance_id",
    "actor_id",
    "action",
    "task_id",
    "details",
    "created_at",
)


def _digest(event: Mapping[str, Any], prev_hash: str) -> str:
    body = {key: event[key] for key in _HASHED}
    body["created_at"] = event["created_at"].isoformat()
    body["prev"] = prev_hash
    return digest(body)


def digest(data: Any) -> str:
    """sha256 of the canonical JSON of `data` (sorted keys, no spaces)."""
    canonical = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _stored(event: AuditEvent) -> dict[str, Any]:
    return {column: getattr(event, column) for column in _HASHED}


def record(
    session: Session,
    action: str,
    *,
    instance_id: int | None = None,
    actor_id: int | None = None,
    task_id: int | None = None,
    details: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> None:
    """Append an event to its chain (the instance's, or the system chain).

    Events are written together, in one statement, when the transaction commits (or when
    `write_pending` is called); a rollback drops them with everything else.
    """
    chain = instance_chain(instance_id) if instance_id else "system"
    seq, prev_hash = _chain_head(session, chain)
    event: dict[str, Any] = {
        "chain": chain,
        "seq": seq + 1,
        "instance_id": instance_id,
        "actor_id": actor_id,
        "action": action,
        "task_id": task_id,
        "details": details or {},
        "created_at": (at or utcnow()).astimezone(UTC).replace(microsecond=0),
    }
    event["hash"] = _digest(event, prev_hash)
    session.info.setdefault(_PENDING, []).append(event)
    session.info.setdefault(_HEADS, {})[chain] = (event["seq"], event["hash"])


_INSERT = insert(table_of(AuditEvent))  # Core: one executemany, no ORM bookkeeping


def write_pending(session: Session) -> None:
    """Insert the events recorded in this transaction so far (one multi-row statement)."""
    events = session.info.pop(_PENDING, None)
    if events:
        session.execute(_INSERT, events)


def instance_chain(instance_id: int) -> str:
    """The name of an instance's chain."""
    return f"{_INSTANCE_CHAIN}{instance_id}"


def instance_chain_of(instance_id: Any) -> Any:
    """`instance_chain` as a SQL expression of an instance id column."""
    return literal(_INSTANCE_CHAIN) + cast_sql(instance_id, String)


def head_columns(chain: Any) -> tuple[Any, Any]:
    """(seq, hash) of the last event of `chain` (a name or a SQL expression) as scalar subqueries,
    to read along with other rows."""
    last = select(AuditEvent).where(AuditEvent.chain == chain).order_by(AuditEvent.seq.desc()).limit(1)
    return (
        last.with_only_columns(AuditEvent.seq).scalar_subquery(),
        last.with_only_columns(AuditEvent.hash).scalar_subquery(),
    )


def know_head(session: Session, chain: str, seq: int | None, hash_: str | None) -> None:
    """Remember a chain's head read by the caller (under the lock that keeps it the head)."""
    session.info.setdefault(_HEADS, {})[chain] = (seq, hash_) if seq is not None and hash_ else (0, GENESIS)


def _chain_head(session: Session, chain: str) -> tuple[int, str]:
    """(seq, hash) of the chain's last event: read once per transaction, then kept in the session.

    Instance chains are written under the instance's row lock, so the head read inside the
    transaction stays the head until it commits; the unique (chain, seq) constraint catches a
    writer that did not take the lock.
    """
    heads: dict[str, tuple[int, str]] = session.info.setdefault(_HEADS, {})
    if chain not in heads:
        seq, last_hash = session.execute(select(*head_columns(chain))).one()
        know_head(session, chain, seq, last_hash)
    return heads[chain]


@sa_event.listens_for(Session, "before_commit")
def _write_on_commit(session: Session) -> None:
    write_pending(session)


@sa_event.listens_for(Session, "after_transaction_end")
def _forget_heads(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:  # the real transaction, not a flush's subtransaction
        session.info.pop(_HEADS, None)
        session.info.pop(_PENDING, None)


def events_of(session: Session, instance_id: int) -> list[AuditEvent]:
    """An instance's events in order."""
    write_pending(session)
    query = select(AuditEvent).where(AuditEvent.chain == instance_chain(instance_id)).order_by(AuditEvent.seq)
    return list(session.scalars(query))


def _chains(session: Session) -> Iterator[str]:
    yield from session.scalars(select(AuditEvent.chain).group_by(AuditEvent.chain))


def with_previous(events: Iterable[AuditEvent]) -> Iterator[tuple[AuditEvent, str]]:
    """The events of one chain, in order, each with the hash it is chained to."""
    previous = GENESIS
    for event in events:
        yield event, previous
        previous = event.hash


def verify(session: Session) -> list[str]:
    """Check every chain, and the submissions completed tasks point to; the problems found."""
    write_pending(session)
    problems: list[str] = []
    for chain in _chains(session):
        query = select(AuditEvent).where(AuditEvent.chain == chain).order_by(AuditEvent.seq)
        events = list(session.scalars(query))
        for expected_seq, (event, previous) in enumerate(with_previous(events), start=1):
            if event.seq != expected_seq:
                problems.append(f"{chain}: event {event.id} has seq {event.seq}, expected {expected_seq}")
            if _digest(_stored(event), previous) != event.hash:
                problems.append(f"{chain}: event {event.id} (seq {event.seq}) does not match its hash")
        problems += _submission_problems(session, chain, events)
    return problems


def _submission_problems(session: Session, chain: str, events: list[AuditEvent]) -> list[str]:
    """Completed tasks whose submission is missing or no longer matches the digest in the trail."""
    expected = {
        e.task_id: (e.id, e.details["sha256"])
        for e in events
        if e.action == "task_completed" and "sha256" in e.details  # older events carry the data itself
    }
    if not expected:
        return []
    rows = session.execute(
        select(Submission.task_id, Submission.data).where(Submission.task_id.in_(list(expected)))
    ).all()
    found = {task_id: digest(data) for task_id, data in rows}
    return [
        f"{chain}: the submission of event {event_id} does not match its digest"
        for task_id, (event_id, sha) in expected.items()
        if found.get(task_id) != sha
    ]


def count(session: Session) -> int:
    """Number of audit events."""
    write_pending(session)
    return session.scalar(select(func.count(AuditEvent.id))) or 0


@sa_event.listens_for(Session, "after_soft_rollback")
def _forget_heads_on_rollback(session: Session, _previous: SessionTransaction) -> None:
    session.info.pop(_HEADS, None)  # a rolled-back savepoint may have taken events with it
    session.info.pop(_PENDING, None)
