"""Public pages of funding, without login: the funded lists under public notice (公示) and the
written objection form (name and contact required)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from webapp.db import db
from webapp.pages.errors import service_error
from workflows.engine import engine_now
from workflows.errors import Invalid, ServiceError
from workflows.funding_objections import file_objection, objection_data
from workflows.funding_public import notice_summary, noticed_calls, public_notice

bp = Blueprint("public_funding", __name__)
bp.register_error_handler(ServiceError, service_error)


@bp.get("/funding/notices")
def notices() -> Any:
    """Every published notice, newest first."""
    items = [notice_summary(call, row) for call, row in noticed_calls(db())]
    return render_template("funding/notices.html", items=items)


@bp.get("/funding/notices/<int:call_id>")
def notice(call_id: int) -> Any:
    """One notice with its list, period and experts; the objection form while it is open."""
    return render_template(
        "funding/notice.html", n=public_notice(db(), call_id, engine_now()), form={}, errors={}
    )


@bp.post("/funding/notices/<int:call_id>/objections")
def object_to(call_id: int) -> Any:
    """File a written objection; errors show on the form again."""
    session = db()
    try:
        file_objection(session, call_id, objection_data(request.form), engine_now(), source="web")
    except Invalid as exc:
        session.rollback()
        n = public_notice(session, call_id, engine_now())
        return render_template("funding/notice.html", n=n, form=request.form, errors=exc.fields), 422
    flash(_("您的书面异议已提交，资助办公室将在公示期满后逐件处理。"), "success")
    return redirect(url_for(".notice", call_id=call_id))
