"""The JSON API, /api/v1 (DESIGN.md §9). Errors are always JSON, never a 500 for bad input."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, g, request
from werkzeug.exceptions import HTTPException

from webapp.api import (
    admin,
    admin_instances,
    admin_migrations,
    admin_versions,
    documents,
    funding,
    incubation,
    instances,
    meetings,
    organizations,
    processes,
    supervision,
    tasks,
    tokens,
)
from webapp.api.common import error
from workflows.errors import ServiceError

bp = Blueprint("api", __name__, url_prefix="/api/v1")
for module in (admin, documents, incubation, instances, meetings, organizations, processes, tasks, tokens):
    bp.register_blueprint(module.bp)
for module in (admin_instances, admin_migrations, admin_versions):
    bp.register_blueprint(module.bp)
bp.register_blueprint(supervision.bp)
bp.register_blueprint(funding.bp)

PUBLIC_ENDPOINTS = {
    "api.tokens.create_token",
    "api.tokens.openapi",
    "api.organizations.list_organizations",
    "api.organizations.show",
    "api.organizations.check_code",
    "api.organizations.list_rules",
    "api.supervision.public_listings",
    "api.supervision.public_listing_document",
    "api.incubation.list_bases",
    "api.incubation.show_base",
    "api.incubation.list_federations",
    "api.incubation.show_federation",
    "api.funding.list_notices",
    "api.funding.show_notice",
    "api.funding.object_to",
}


@bp.before_request
def require_token() -> Any:
    """Every endpoint but the public ones needs a valid bearer token."""
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    if g.get("user") is None:
        return error(401, "unauthorized", "需要有效的访问令牌（Authorization: Bearer …）")
    return None


@bp.errorhandler(ServiceError)
def service_error(exc: ServiceError) -> Any:
    """Service refusals keep their status, message and field errors."""
    return error(exc.status, exc.code, exc.message, exc.fields)


@bp.errorhandler(HTTPException)
def http_error(exc: HTTPException) -> Any:
    """Werkzeug errors (404, 405, 413 …) as JSON."""
    return error(exc.code or 500, (exc.name or "error").lower().replace(" ", "_"), exc.description or "")
