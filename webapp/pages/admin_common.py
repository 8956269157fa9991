"""What the administration pages share: admins only, and the registries the modeler offers."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, g, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from forms import all_forms
from models import ROLE_NAMES, OrgUnit
from webapp.pages import layout
from workflows.catalog import service_names
from workflows.errors import Forbidden

# The audit labels every page uses, and the administration-only events on top.
ACTION_LABELS = {
    **layout.ACTION_LABELS,
    "definition_uploaded": _l("保存版本"),
    "definition_deployed": _l("发布版本"),
}


def require_admin() -> Any:
    """Before every admin page: anonymous visitors log in, everyone but admins gets 403."""
    user = g.get("user")
    if user is None:
        return redirect(url_for("pages.login", next=request.full_path))
    if not user.has_role("admin"):
        raise Forbidden(_("仅系统管理员可以管理流程和查看流程监控"))
    return None


def admin_blueprint(name: str) -> Blueprint:
    """A blueprint under /admin whose every page is for administrators only."""
    bp = Blueprint(name, __name__, url_prefix="/admin")
    bp.before_request(require_admin)
    return bp


def modeler_options() -> dict[str, Any]:
    """The registered form keys, role keys and services the modeler's choosers list."""
    return {
        "formKeys": [[key, spec.title] for key, spec in sorted(all_forms().items())],
        "roles": [[key, name] for key, name in ROLE_NAMES.items()],
        "services": sorted(service_names()),
    }


def scope_choices(session: Session) -> list[OrgUnit]:
    """The city and its counties, for the monitor's scope filter."""
    query = select(OrgUnit).where(OrgUnit.kind.in_(("city", "county"))).order_by(OrgUnit.path)
    return list(session.scalars(query))
