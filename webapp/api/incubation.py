"""Incubation bases, federations and incubation files (issue #9).

The admission, evaluations and graduation are process tasks and go through the generic task
endpoints; these are the records and views around them. The list of bases and the
federations are public, like the registry.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, jsonify, request, send_file

from models import IncubationBase
from webapp.api.common import caller, json_body, whole_list
from webapp.api.schemas import instance_json
from webapp.db import db
from webapp.pdf import pdf_response
from workflows import attachments
from workflows import incubation_bases as bases
from workflows import incubation_federations as federations
from workflows import incubation_records as records
from workflows import incubation_views as views
from workflows.errors import Invalid, NotFound
from workflows.incubation_access import base_for, incubation_for

bp = Blueprint("incubation", __name__, url_prefix="/incubation")
MAX_ARG = 40


def _arg(name: str) -> str:
    value = request.args.get(name, "")
    if len(value) > MAX_ARG:
        raise Invalid(f"{name} 过长", fields={name: [f"不能超过{MAX_ARG}个字符"]})
    return value


def _listing(items: list[Any]) -> Any:
    return jsonify(whole_list(items))


# --- bases --------------------------------------------------------------------------------------------------


@bp.get("/bases")
def list_bases() -> Any:
    """Bases in operation (all=1: closed ones too), by county: premises, operator, services, vacancies."""
    return _listing(views.public_bases(db(), _arg("county"), include_closed=_arg("all") == "1"))


@bp.get("/bases/<int:base_id>")
def show_base(base_id: int) -> Any:
    """One base's public record."""
    base = db().get(IncubationBase, base_id)
    if base is None:
        raise NotFound("孵化基地不存在")
    return jsonify(views.public_base(db(), base))


@bp.post("/bases")
def create_base() -> Any:
    """A county bureau head (or the city bureau) registers a base."""
    base = bases.register_base(db(), json_body(), caller())
    return jsonify(views.base_overview(db(), base, caller())), 201


@bp.put("/bases/<int:base_id>")
def update_base(base_id: int) -> Any:
    """Change a base's record (the whole record, as registered)."""
    base = bases.update_base(db(), base_id, json_body(), caller())
    return jsonify(views.base_overview(db(), base, caller()))


@bp.post("/bases/<int:base_id>/close")
def close_base(base_id: int) -> Any:
    """The base stops operating (only with nobody in incubation or under review)."""
    return jsonify(views.public_base(db(), bases.close_base(db(), base_id, caller())))


@bp.get("/bases/<int:base_id>/overview")
def base_overview(base_id: int) -> Any:
    """For its operator, guides and civil affairs: organizations, services per month, evaluations."""
    return jsonify(views.base_overview(db(), base_for(db(), base_id, caller()), caller()))


@bp.get("/counties")
def counties() -> Any:
    """Per county: bases against the 1–2 required, organizations in incubation, incubated, graduated."""
    return _listing(views.county_summary(db(), caller()))


# --- incubation files ---------------------------------------------------------------------------------------


@bp.get("/incubations")
def list_incubations() -> Any:
    """The files the caller may see: their own group's, or the bases' they look after."""
    rows = views.visible_incubations(db(), caller(), _arg("status"))
    return _listing([views.incubation_summary(row) for row in rows])


@bp.get("/incubations/<int:incubation_id>")
def show_incubation(incubation_id: int) -> Any:
    """The file: application, agreement, services log, evaluations, custody ledger, certificate."""
    session, user = db(), caller()
    return jsonify(views.incubation_file(session, incubation_for(session, incubation_id, user), user))


@bp.post("/incubations/<int:incubation_id>/attachments")
def upload(incubation_id: int) -> Any:
    """The operator uploads a supporting file (multipart field `file`) for a service or ledger entry."""
    upload = request.files.get("file")
    if upload is None:
        raise Invalid("缺少文件", fields={"file": ["请选择要上传的文件"]})
    row = records.store_attachment(db(), incubation_id, caller(), upload, current_app.config["UPLOAD_DIR"])
    return jsonify(attachments.attachment_json(row)), 201


@bp.get("/incubations/<int:incubation_id>/attachments/<int:attachment_id>")
def download(incubation_id: int, attachment_id: int) -> Any:
    """A supporting file of a file the caller may see."""
    row = records.attachment_for(db(), incubation_id, attachment_id, caller())
    path = attachments.file_path(current_app.config["UPLOAD_DIR"], row)
    return send_file(path, mimetype=row.content_type, download_name=row.filename)


@bp.get("/incubations/<int:incubation_id>/documents/<int:doc_id>")
def document(incubation_id: int, doc_id: int) -> Any:
    """The incubation agreement or graduation certificate (PDF) of a file the caller may see."""
    return pdf_response(records.document_for(db(), incubation_id, doc_id, caller()))


@bp.get("/incubations/<int:incubation_id>/services")
def list_services(incubation_id: int) -> Any:
    """The services log, newest first."""
    incubation = incubation_for(db(), incubation_id, caller())
    return _listing([views.service_json(row) for row in views.services_of(db(), incubation)])


@bp.post("/incubations/<int:incubation_id>/services")
def add_service(incubation_id: int) -> Any:
    """The operator records a service delivered: `service_kind`, `delivered_on`, `hours`, … `attachments`."""
    row = records.record_service(db(), incubation_id, caller(), json_body())
    return jsonify(views.service_json(row)), 201


@bp.get("/incubations/<int:incubation_id>/ledger")
def ledger(incubation_id: int) -> Any:
    """The custody ledger with running balance (read-only for the organization and the county)."""
    return jsonify(views.ledger_json(db(), incubation_for(db(), incubation_id, caller())))


@bp.post("/incubations/<int:incubation_id>/ledger")
def add_ledger_entry(incubation_id: int) -> Any:
    """The operator books income or an expense held in custody."""
    records.add_ledger_entry(db(), incubation_id, caller(), json_body())
    return jsonify(views.ledger_json(db(), incubation_for(db(), incubation_id, caller()))), 201


@bp.post("/incubations/<int:incubation_id>/ledger/<int:entry_id>/reverse")
def reverse_ledger_entry(incubation_id: int, entry_id: int) -> Any:
    """Correct an entry by booking its opposite (`reason` required)."""
    reason = str(json_body().get("reason") or "")
    records.reverse_ledger_entry(db(), incubation_id, entry_id, caller(), reason)
    return jsonify(views.ledger_json(db(), incubation_for(db(), incubation_id, caller()))), 201


@bp.post("/incubations/<int:incubation_id>/registration")
def start_registration(incubation_id: int) -> Any:
    """The graduate takes up its offer: a registration case with the application prefilled."""
    session = db()
    instance, created = records.accept_registration_offer(session, incubation_id, caller())
    return jsonify(instance_json(session, instance)), 201 if created else 200


# --- federations --------------------------------------------------------------------------------------------


def _federation(federation_id: int) -> dict[str, Any]:
    session = db()
    return federations.federation_json(session, federations.get_federation(session, federation_id), True)


@bp.get("/federations")
def list_federations() -> Any:
    """Federations (联合会) and their current member counts; `county` filters."""
    session = db()
    rows = federations.federations(session, _arg("county"))
    return _listing([federations.federation_json(session, f) for f in rows])


@bp.get("/federations/<int:federation_id>")
def show_federation(federation_id: int) -> Any:
    """A federation and its members, past and present, with dates."""
    return jsonify(_federation(federation_id))


@bp.post("/federations")
def designate_federation() -> Any:
    """Civil affairs mark an organization as the federation of a street or county."""
    session = db()
    federation = federations.designate_federation(session, json_body(), caller())
    return jsonify(federations.federation_json(session, federation, True)), 201


@bp.post("/federations/<int:federation_id>/members")
def join_federation(federation_id: int) -> Any:
    """An organization joins (`organization_id`, `joined_on`)."""
    session = db()
    federations.join_federation(session, federation_id, json_body(), caller())
    return jsonify(_federation(federation_id)), 201


@bp.post("/federations/<int:federation_id>/members/<int:member_id>/leave")
def leave_federation(federation_id: int, member_id: int) -> Any:
    """A member leaves (`left_on`, `leave_reason`)."""
    session = db()
    federations.leave_federation(session, federation_id, member_id, json_body(), caller())
    return jsonify(_federation(federation_id))
