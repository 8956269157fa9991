"""One case: status, open tasks, history, dossier, documents and the process diagram."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, render_template

from models import OrgUnit, ProcessInstance, User
from webapp.auth import current_user, login_required
from webapp.db import db
from webapp.pdf import pdf_response
from workflows import dossier
from workflows.assignment import can_view_instance
from workflows.documents import documents_of, get_document_for
from workflows.errors import NotFound
from workflows.instances import open_tasks

bp = Blueprint("instances", __name__)


def _visible(instance_id: int) -> ProcessInstance:
    """The instance, if the user may see it (NotFound otherwise: never reveal other counties' cases)."""
    session = db()
    instance = session.get(ProcessInstance, instance_id)
    if instance is None or not can_view_instance(session, current_user(), instance):
        raise NotFound("办件不存在，或不在您的查看范围内")
    return instance


@bp.get("/instances/<int:instance_id>")
@login_required
def show(instance_id: int) -> Any:
    """The case page."""
    session, instance = db(), _visible(instance_id)
    return render_template(
        "instance.html",
        instance=instance,
        tasks=open_tasks(session, instance.id),
        history=dossier.history(session, instance.id),
        versions=dossier.versions(session, instance.id),
        documents=documents_of(session, instance.id),
        markers=dossier.element_states(instance, session),
        has_diagram=dossier.has_diagram(instance.definition.bpmn_xml),
        scope=session.get(OrgUnit, instance.scope_code),
        starter=session.get(User, instance.started_by),
    )


@bp.get("/instances/<int:instance_id>/diagram.bpmn")
@login_required
def diagram(instance_id: int) -> Any:
    """The BPMN XML of the case's process version, for the viewer."""
    xml = _visible(instance_id).definition.bpmn_xml
    return Response(xml, mimetype="application/xml", headers={"Cache-Control": "private, max-age=300"})


@bp.get("/documents/<int:document_id>")
@login_required
def document(document_id: int) -> Any:
    """An official document as PDF."""
    return pdf_response(get_document_for(db(), document_id, current_user()), named=True)
