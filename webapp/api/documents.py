"""Generated documents as PDF."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app

from webapp.api.common import caller
from webapp.db import db
from workflows.documents import document_pdf, get_document_for

bp = Blueprint("documents", __name__)


@bp.get("/documents/<int:document_id>")
def download(document_id: int) -> Any:
    """The PDF of a document the caller may see."""
    doc = get_document_for(db(), document_id, caller())
    pdf = document_pdf(doc, current_app.config["UPLOAD_DIR"])
    return Response(
        pdf,
        mimetype="application/pdf",
        headers={"Content-Disposition": f"inline; filename=document-{doc.id}.pdf"},
    )
