"""Service-task functions, registered by name (`spiffworkflow:serviceTaskOperator id=…`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from models import Document, OrgUnit
from workflows import documents
from workflows.audit import record
from workflows.context import RunContext

ServiceFunction = Callable[..., Any]
_SERVICES: dict[str, ServiceFunction] = {}


def service(name: str) -> Callable[[ServiceFunction], ServiceFunction]:
    """Register `fn(ctx, data, **params)` as the service task operator `name`."""

    def register(fn: ServiceFunction) -> ServiceFunction:
        _SERVICES[name] = fn
        return fn

    return register


def service_names() -> frozenset[str]:
    """Every registered operator name (the linter checks BPMN against it)."""
    return frozenset(_SERVICES)


def call(ctx: RunContext, name: str, params: dict[str, Any], data: dict[str, Any]) -> Any:
    """Run the operator `name` for the instance in `ctx`."""
    try:
        fn = _SERVICES[name]
    except KeyError:
        raise LookupError(f"unknown service task operator {name!r}") from None
    return fn(ctx, data, **params)


def record_run(ctx: RunContext, action: str, **details: Any) -> None:
    """An audit event of the running instance, by whoever caused this engine run."""
    actor = ctx.actor.id if ctx.actor else None
    record(ctx.session, action, instance_id=ctx.instance.id, actor_id=actor, at=ctx.now, details=details)


def issue_for_run(
    ctx: RunContext,
    *,
    issuer: OrgUnit,
    kind: str,
    content: dict[str, Any],
    title: str | None = None,
    **details: Any,
) -> Document:
    """Issue a numbered document for the running instance (its PDF is rendered after commit) and
    record `document_issued`; `details` go into the audit event before the document's own."""
    doc = documents.issue(
        ctx.session, instance_id=ctx.instance.id, issuer=issuer, kind_key=kind, content=content, title=title
    )
    ctx.issued_documents.append(doc.id)
    record_run(ctx, "document_issued", **details, document_id=doc.id, kind=kind, number=doc.number)
    return doc


@service("issue_document")
def issue_document(
    ctx: RunContext,
    data: dict[str, Any],
    kind: str,
    title: str | None = None,
    paragraphs: list[str] | None = None,
    items: list[list[str]] | None = None,
    recipient: str | None = None,
    issuer: str | None = None,
) -> dict[str, Any]:
    """Issue a numbered document of `kind` for the instance; returns its id and number."""
    issuer_unit = ctx.session.get(OrgUnit, issuer) if issuer else ctx.scope
    if issuer_unit is None:
        raise LookupError(f"unknown issuing unit {issuer!r}")
    content = {
        "recipient": recipient or data.get("title") or ctx.instance.business_key,
        "paragraphs": paragraphs or [],
        "items": items or [],
    }
    doc = issue_for_run(ctx, issuer=issuer_unit, kind=kind, content=content, title=title)
    return {"id": doc.id, "number": doc.number}
