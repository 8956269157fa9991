"""The Flask application factory."""

from __future__ import annotations

from typing import Any

from flask import Flask, jsonify, request, session
from flask_babel import Babel
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import text

from tasks.dispatch import broker_status, dispatcher_for, init_celery
from webapp import config as app_config
from webapp.api import bp as api_bp
from webapp.auth import load_user
from webapp.cli import register as register_cli
from webapp.db import db, init_db, session_factory
from webapp.pages import bp as pages_bp
from webapp.public import bp as public_bp
from webapp.public_funding import bp as public_funding_bp
from webapp.public_incubation import bp as public_incubation_bp
from webapp.public_supervision import bp as public_supervision_bp
from workflows import (
    catalog,  # noqa: F401  (registers every process's service-task operators)
    followups,
)


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the app: configuration, database, extensions, blueprints, CLI."""
    app = Flask(__name__, instance_path=str(app_config.INSTANCE_DIR), instance_relative_config=False)
    app.config.update(app_config.load(config))
    init_db(app)
    Babel(app, locale_selector=_locale)
    csrf = CSRFProtect(app)
    app.register_blueprint(api_bp)
    for name, blueprint in app.blueprints.items():  # nested API blueprints are listed by full name
        if name == "api" or name.startswith("api."):
            csrf.exempt(blueprint)  # the API authenticates with bearer tokens, not cookies
    app.register_blueprint(pages_bp)
    app.register_blueprint(public_bp)
    app.register_blueprint(public_funding_bp)
    app.register_blueprint(public_incubation_bp)
    app.register_blueprint(public_supervision_bp)
    app.before_request(load_user)
    init_celery(app)
    followups.install(session_factory(app), dispatcher_for(app))
    register_cli(app)
    app.add_url_rule("/healthz", "healthz", healthz)
    return app


def _locale() -> str:
    chosen = session.get("locale") or request.args.get("lang")
    return chosen if chosen in ("zh", "en") else "zh"


def healthz() -> Any:
    """Liveness: the database answers, the broker is reachable."""
    try:
        db().execute(text("SELECT 1"))
        database = "ok"
    except Exception as exc:  # report, don't crash: this is the health endpoint
        database = f"error: {type(exc).__name__}"
    broker = broker_status()
    status = "ok" if database == "ok" and broker == "ok" else "degraded"
    return jsonify({"status": status, "database": database, "broker": broker}), 200 if status == "ok" else 503
