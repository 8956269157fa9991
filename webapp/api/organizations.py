"""The public registry of social organizations (no token needed), the credit-code check, and the
local registration rules (public to read, changed by administrators)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, request

from models import Organization
from webapp.api.common import caller, json_body, page_number, paginate, whole_list
from webapp.db import db
from workflows.errors import Forbidden, Invalid, NotFound
from workflows.registration import (
    change_rule,
    check_credit_code,
    county_names,
    organization_json,
    rule_json,
    rules_in_force,
    search_query,
)

bp = Blueprint("organizations", __name__)
MAX_QUERY = 100


def _arg(name: str) -> str:
    """A query argument; 422 when it is too long."""
    value = request.args.get(name, "")
    if len(value) > MAX_QUERY:
        raise Invalid(f"{name} 过长", fields={name: [f"不能超过{MAX_QUERY}个字符"]})
    return value


@bp.get("/organizations")
def list_organizations() -> Any:
    """Registered and filed organizations: search by name, credit code or filing number; filter by county."""
    session = db()
    counties = county_names(session)
    query = search_query(_arg("q"), _arg("credit_code"), _arg("county"))
    return jsonify(paginate(session, query, lambda org: organization_json(org, counties), page_number()))


@bp.get("/organizations/<int:org_id>")
def show(org_id: int) -> Any:
    """One organization with its status history."""
    session = db()
    org = session.get(Organization, org_id)
    if org is None:
        raise NotFound("社会组织不存在")
    return jsonify(organization_json(org, county_names(session), history=True))


@bp.get("/organizations/check")
def check_code() -> Any:
    """Is a credit code valid (both check characters), and is it in the registry?"""
    code = _arg("credit_code")
    if not code.strip():
        raise Invalid("请提供统一社会信用代码", fields={"credit_code": ["此项为必填项。"]})
    return jsonify(check_credit_code(db(), code))


@bp.get("/registration-rules")
def list_rules() -> Any:
    """The local rules in force: thresholds, filing conditions, time limits, registration authority."""
    items = [rule_json(rule) for rule in rules_in_force(db())]
    return jsonify(whole_list(items))


@bp.post("/registration-rules")
def save_rule() -> Any:
    """An administrator changes a rule of a county (or the city-wide default): a new version."""
    user = caller()
    if not user.has_role("admin"):
        raise Forbidden("只有系统管理员可以修改登记规则")
    return jsonify(rule_json(change_rule(db(), json_body(), user))), 201
