"""Server-rendered pages (Jinja2 + Bootstrap, DESIGN.md §8a): one small blueprint per area.

Every view is thin: it reads the request, calls one service function and renders or
redirects. Service refusals (404/403/409/422) become friendly pages in `errors`.
"""

from __future__ import annotations

from flask import Blueprint

from webapp.pages import (
    admin_migrations,
    admin_modeler,
    admin_monitor,
    admin_processes,
    applications,
    errors,
    funding,
    inbox,
    incubation,
    instances,
    layout,
    meetings,
    notifications,
    sessions,
    supervision,
    tasks,
)

bp = Blueprint("pages", __name__, template_folder="../templates")

# webapp.auth sends anonymous visitors to `pages.login`, so that endpoint sits on this blueprint.
bp.add_url_rule("/login", "login", sessions.login, methods=["GET", "POST"])
for module in (sessions, inbox, tasks, applications, instances, meetings, notifications):
    bp.register_blueprint(module.bp)
for module in (admin_processes, admin_modeler, admin_migrations, admin_monitor):
    bp.register_blueprint(module.bp)
bp.register_blueprint(supervision.bp)
bp.register_blueprint(incubation.bp)
bp.register_blueprint(funding.bp)
layout.install(bp)
errors.install(bp)
