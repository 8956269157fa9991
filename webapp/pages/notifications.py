"""In-app notifications."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from models import Notification
from webapp.auth import current_user, login_required
from webapp.db import db
from webapp.pages.common import page_number, paginate
from workflows.notifications import mark_read

bp = Blueprint("notifications", __name__)


@bp.get("/notifications")
@login_required
def index() -> Any:
    """All of the user's notifications, newest first."""
    query = (
        select(Notification).where(Notification.user_id == current_user().id).order_by(Notification.id.desc())
    )
    return render_template("notifications.html", page=paginate(db(), query, page_number()))


@bp.post("/notifications/read")
@login_required
def read_all() -> Any:
    """Mark every notification read."""
    mark_read(db(), current_user())
    flash(_("已将全部通知标记为已读。"), "success")
    return redirect(url_for(".index"))
