"""Tokens, the caller, health and the OpenAPI document."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, jsonify

from webapp.api.common import caller, error, json_body
from webapp.api.openapi import openapi_document
from webapp.api.schemas import iso, user_json
from webapp.db import db
from workflows.accounts import authenticate, issue_token

bp = Blueprint("tokens", __name__)


@bp.post("/tokens")
def create_token() -> Any:
    """Exchange username and password for a bearer token."""
    body = json_body()
    username, password = body.get("username"), body.get("password")
    if not isinstance(username, str) or not isinstance(password, str):
        return error(422, "invalid", "需要用户名和密码", {"username": ["必填"], "password": ["必填"]})
    session = db()
    user = authenticate(session, username, password)
    if user is None:
        return error(401, "unauthorized", "用户名或密码错误")
    token, expires_at = issue_token(session, user, current_app.config["TOKEN_TTL_HOURS"])
    session.commit()
    return jsonify({"token": token, "expires_at": iso(expires_at)}), 201


@bp.get("/me")
def me() -> Any:
    """The caller: roles and org unit."""
    return jsonify(user_json(caller()))


@bp.get("/openapi.json")
def openapi() -> Any:
    """The OpenAPI 3.1 description of this API."""
    return jsonify(openapi_document())
