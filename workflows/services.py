"""Service-task functions, registered by name (`spiffworkflow:serviceTaskOperator id=…`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from models import OrgUnit
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
    doc = documents.issue(
        ctx.session,
        instance_id=ctx.instance.id,
        issuer=issuer_unit,
        kind_key=kind,
        content=content,
        title=title,
    )
    ctx.issued_documents.append(doc.id)
    record(
        ctx.session,
        "document_issued",
        instance_id=ctx.instance.id,
        actor_id=ctx.actor.id if ctx.actor else None,
        details={"document_id": doc.id, "kind": kind, "number": doc.number},
        at=ctx.now,
    )
    return {"id": doc.id, "number": doc.number}
