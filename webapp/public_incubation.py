"""Public page without login: the incubation bases of Jinzhong, their premises, operators and services."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request

from webapp.db import db
from workflows.incubation_views import public_bases
from workflows.registration import county_names

bp = Blueprint("public_incubation", __name__)


@bp.get("/incubation-bases")
def bases() -> Any:
    """Bases in operation by county, with what each offers and how many places are free."""
    session = db()
    counties = county_names(session)
    county = request.args.get("county", "")[:6]
    items = public_bases(session, county if county in counties else "")
    by_county: dict[str, list[dict[str, Any]]] = {}
    for item in items:
        by_county.setdefault(item["county"]["name"], []).append(item)
    return render_template(
        "incubation/public_list.html", by_county=by_county, counties=counties, county=county, total=len(items)
    )
