"""Public pages without login: the registry of social organizations and the credit-code check."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from flask import Blueprint, abort, render_template, request

from models import Organization
from webapp.api.common import paginate
from webapp.db import db
from webapp.pages.common import page_number
from workflows.registration import check_credit_code, county_names, organization_json, search_query

bp = Blueprint("public", __name__)
PAGE_SIZE = 20
MAX_QUERY = 100


def _arg(name: str) -> str:
    """A query argument, cut to a sane length."""
    return request.args.get(name, "")[:MAX_QUERY]


@bp.get("/registry")
def registry() -> Any:
    """Search registered and filed organizations by name, credit code or filing number, per county."""
    session = db()
    counties = county_names(session)
    q, county = _arg("q"), _arg("county")
    page = SimpleNamespace(
        **paginate(
            session,
            search_query(q, "", county),
            lambda org: organization_json(org, counties),
            page_number(),
            PAGE_SIZE,
        )
    )
    return render_template("public/registry.html", page=page, q=q, county=county, counties=counties)


@bp.get("/registry/<int:org_id>")
def organization(org_id: int) -> Any:
    """One organization and its status history."""
    session = db()
    org = session.get(Organization, org_id)
    if org is None:
        abort(404)
    return render_template(
        "public/organization.html", org=organization_json(org, county_names(session), True)
    )


@bp.get("/registry/check")
def check() -> Any:
    """Check a unified social credit code: both check characters, and whether it is registered."""
    code = _arg("credit_code")
    result = check_credit_code(db(), code) if code.strip() else None
    return render_template("public/check.html", code=code, result=result)
