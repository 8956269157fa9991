"""Processes the caller may start, and starting them."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify

from webapp.api.common import caller, data_of, json_body, whole_list
from webapp.api.schemas import instance_json
from webapp.db import db
from workflows import definitions
from workflows.instances import start_instance

bp = Blueprint("processes", __name__)


@bp.get("/processes")
def list_processes() -> Any:
    """Deployed processes whose start lane the caller holds."""
    user = caller()
    items = [
        {"key": d.key, "name": d.name, "version": d.version, "start_roles": d.start_roles}
        for d in definitions.deployed(db())
        if definitions.may_start(d, user)
    ]
    return jsonify(whole_list(items))


@bp.post("/processes/<key>/instances")
def start(key: str) -> Any:
    """Start an instance; 201 with the instance and its open tasks."""
    data = data_of(json_body())
    session = db()
    instance = start_instance(session, key, caller(), data)
    return jsonify(instance_json(session, instance)), 201
