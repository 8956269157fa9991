"""孵化基地: the overview (county figures, bases, files), a base's page, an incubation file with its
services log and custody ledger, registering a base, and applying to one."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from forms.binding import to_formdata
from forms.incubation import BaseRegistrationForm, LedgerEntryForm, ServiceRecordForm
from models import IncubationBase
from webapp.auth import current_user, login_required
from webapp.db import db
from webapp.pdf import pdf_response
from workflows import attachments, incubation_bases, incubation_records, incubation_views
from workflows.drafts import save_draft
from workflows.errors import Invalid, NotFound
from workflows.incubation_access import BASE_ADMIN_ROLES, GOV_ROLES, base_for, incubation_for, visible_bases
from workflows.incubation_common import PROCESS_KEY
from workflows.instances import open_tasks, start_instance

bp = Blueprint("incubation", __name__, url_prefix="/incubation")


def _form(form_class: type[Any], data: dict[str, Any]) -> Any:
    """A form filled with JSON-like values (what the user typed, or nothing)."""
    return form_class(formdata=to_formdata(form_class, data)) if data else form_class()


def _posted() -> dict[str, Any]:
    """The posted form as the JSON the service functions take (lists for multi-value fields)."""
    form: MultiDict[str, str] = request.form
    return {key: (values if len(values) > 1 or key in ("services", "attachments") else values[0])
            for key, values in form.lists() if key != "csrf_token"}  # fmt: skip


@bp.get("")
@login_required
def index() -> Any:
    """Counties against the 1–2 bases required (staff), the bases one looks after, one's own files."""
    session, user = db(), current_user()
    summary = incubation_views.county_summary(session, user) if user.roles & GOV_ROLES else []
    bases = incubation_views.bases_json(session, visible_bases(session, user))
    files = incubation_views.visible_incubations(session, user)
    return render_template(
        "incubation/index.html",
        summary=summary,
        bases=bases,
        files=[incubation_views.incubation_summary(f) for f in files],
        can_register=user.has_role(*BASE_ADMIN_ROLES),
    )


@bp.get("/bases/<int:base_id>")
@login_required
def base(base_id: int) -> Any:
    """A base for its operator, guides and civil affairs: organizations, services per month, evaluations."""
    session, user = db(), current_user()
    overview = incubation_views.base_overview(session, base_for(session, base_id, user), user)
    return render_template("incubation/base.html", base=overview)


@bp.route("/bases/new", methods=["GET", "POST"])
@login_required
def new_base() -> Any:
    """A county bureau head or the city bureau registers a base."""
    user = current_user()
    if not user.has_role(*BASE_ADMIN_ROLES):
        raise NotFound("只有县级民政局负责人或市民政局可以登记孵化基地")
    data: dict[str, Any] = {"county_code": user.org_unit_code} if user.org_unit.kind == "county" else {}
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        data = _posted()
        try:
            created = incubation_bases.register_base(db(), data, user)
        except Invalid as exc:
            db().rollback()
            errors = exc.fields
        else:
            flash(_("孵化基地已登记。"), "success")
            return redirect(url_for(".base", base_id=created.id))
    page = render_template(
        "incubation/new_base.html",
        form=_form(BaseRegistrationForm, data),
        errors=errors,
        chosen=data.get("services", []),
        choices=incubation_bases.registration_choices(db(), user),
    )
    return page, (422 if errors else 200)


@bp.get("/files/<int:incubation_id>")
@login_required
def file(incubation_id: int) -> Any:
    """An incubation file: agreement, services log, evaluations, custody ledger, certificate."""
    session, user = db(), current_user()
    body = incubation_views.incubation_file(session, incubation_for(session, incubation_id, user), user)
    return _render_file(body)


def _render_file(
    body: dict[str, Any],
    service: dict[str, Any] | None = None,
    entry: dict[str, Any] | None = None,
    errors: dict[str, list[str]] | None = None,
) -> Any:
    return render_template(
        "incubation/file.html",
        file=body,
        service_form=_form(ServiceRecordForm, service or {}),
        ledger_form=_form(LedgerEntryForm, entry or {}),
        errors=errors or {},
        posted="service" if service else "ledger" if entry else "",
    ), (422 if errors else 200)


def _upload_files(incubation_id: int) -> list[int]:
    """Store the files posted with a record; their attachment ids."""
    ids = []
    for upload in request.files.getlist("files"):
        if upload and upload.filename:
            row = incubation_records.store_attachment(
                db(), incubation_id, current_user(), upload, current_app.config["UPLOAD_DIR"]
            )
            ids.append(row.id)
    return ids


@bp.post("/files/<int:incubation_id>/services")
@login_required
def add_service(incubation_id: int) -> Any:
    """The operator records a service from the file page."""
    data = _posted()
    try:
        data["attachments"] = _upload_files(incubation_id)
        incubation_records.record_service(db(), incubation_id, current_user(), data)
    except Invalid as exc:
        db().rollback()
        return _file_with_errors(incubation_id, exc, service=data)
    flash(_("服务记录已保存。"), "success")
    return redirect(url_for(".file", incubation_id=incubation_id) + "#services")


@bp.post("/files/<int:incubation_id>/ledger")
@login_required
def add_ledger_entry(incubation_id: int) -> Any:
    """The operator books a custody entry from the file page."""
    data = _posted()
    try:
        data["attachments"] = _upload_files(incubation_id)
        incubation_records.add_ledger_entry(db(), incubation_id, current_user(), data)
    except Invalid as exc:
        db().rollback()
        return _file_with_errors(incubation_id, exc, entry=data)
    flash(_("台账已记账。"), "success")
    return redirect(url_for(".file", incubation_id=incubation_id) + "#ledger")


def _file_with_errors(incubation_id: int, exc: Invalid, **posted: dict[str, Any]) -> Any:
    session, user = db(), current_user()
    body = incubation_views.incubation_file(session, incubation_for(session, incubation_id, user), user)
    return _render_file(body, errors=exc.fields or {"": [exc.message]}, **posted)


@bp.get("/files/<int:incubation_id>/attachments/<int:attachment_id>")
@login_required
def attachment(incubation_id: int, attachment_id: int) -> Any:
    """A supporting file of a service or ledger entry."""
    row = incubation_records.attachment_for(db(), incubation_id, attachment_id, current_user())
    path = attachments.file_path(current_app.config["UPLOAD_DIR"], row)
    return send_file(path, mimetype=row.content_type, download_name=row.filename)


@bp.get("/files/<int:incubation_id>/documents/<int:document_id>")
@login_required
def document(incubation_id: int, document_id: int) -> Any:
    """The incubation agreement or the graduation certificate as PDF."""
    return pdf_response(incubation_records.document_for(db(), incubation_id, document_id, current_user()))


@bp.post("/files/<int:incubation_id>/registration")
@login_required
def registration(incubation_id: int) -> Any:
    """The graduate takes up its offer: straight to the prefilled registration (filing) form."""
    session, user = db(), current_user()
    instance, _created = incubation_records.accept_registration_offer(session, incubation_id, user)
    mine = [t for t in open_tasks(session, instance.id) if t.assignee_id == user.id]
    if mine:
        flash(_("已按孵化档案预填登记（备案）申请，请核对补充后提交。"), "success")
        return redirect(url_for("pages.tasks.show", task_id=mine[0].id))
    return redirect(url_for("pages.instances.show", instance_id=instance.id))


@bp.get("/bases/<int:base_id>/apply")
@login_required
def apply_form(base_id: int) -> Any:
    """Confirm applying to a base (the public list links here)."""
    found = db().get(IncubationBase, base_id)
    if found is None or found.status != "active":
        raise NotFound("孵化基地不存在或已停止运营")
    return render_template("incubation/apply.html", base=incubation_views.public_base(db(), found))


@bp.post("/bases/<int:base_id>/apply")
@login_required
def apply(base_id: int) -> Any:
    """Start an admission with the base already chosen, and open its application form."""
    session, user = db(), current_user()
    instance = start_instance(session, PROCESS_KEY, user)
    mine = [t for t in open_tasks(session, instance.id) if t.assignee_id == user.id]
    if not mine:
        return redirect(url_for("pages.instances.show", instance_id=instance.id))
    save_draft(session, mine[0].id, user, {"base_id": base_id}, stage=0)
    flash(_("已创建入驻申请（办件编号 %(id)s），请填写申请材料。", id=instance.id), "success")
    return redirect(url_for("pages.tasks.show", task_id=mine[0].id))
