"""Server-rendered pages (Jinja2 + Bootstrap)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("pages", __name__, template_folder="../templates")


@bp.get("/login")
def login() -> str:
    """Placeholder until the pages land."""
    return "login"
