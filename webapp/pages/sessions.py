"""Logging in and out, and the interface language."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from webapp.db import db
from webapp.pages.common import local_target
from workflows.accounts import authenticate

bp = Blueprint("sessions", __name__)
LOCALES = ("zh", "en")


class LoginForm(FlaskForm):
    """Username and password."""

    username = StringField(_l("用户名"), [DataRequired(_l("请输入用户名。")), Length(max=80)])
    password = PasswordField(_l("密码"), [DataRequired(_l("请输入密码。")), Length(max=200)])


def _fresh_session(user_id: int | None) -> None:
    """A new session (against fixation) that keeps only the chosen language."""
    locale = session.get("locale")
    session.clear()
    if locale:
        session["locale"] = locale
    if user_id is not None:
        session["user_id"] = user_id


def login() -> Any:
    """The login page; on success go to `next` (a local path only) or the inbox."""
    target = local_target(request.args.get("next"))
    if g.get("user") is not None:
        return redirect(target)
    form = LoginForm()
    error = ""
    if form.validate_on_submit():
        user = authenticate(db(), (form.username.data or "").strip(), form.password.data or "")
        if user is None:
            error = _("用户名或密码错误，请重新输入。")
        else:
            _fresh_session(user.id)
            return redirect(target)
    return render_template("login.html", form=form, error=error)


@bp.post("/logout")
def logout() -> Any:
    """End the session."""
    _fresh_session(None)
    flash(_("您已安全退出。"), "info")
    return redirect(url_for("pages.login"))


@bp.post("/locale")
def set_locale() -> Any:
    """Switch the interface language (中文 / English), then go back."""
    chosen = request.form.get("locale", "")
    if chosen in LOCALES:
        session["locale"] = chosen
    return redirect(local_target(request.form.get("next")))
