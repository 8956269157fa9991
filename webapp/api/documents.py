"""Generated documents as PDF."""

from __future__ import annotations

from typing import Any

from flask import Blueprint

from webapp.api.common import caller
from webapp.db import db
from webapp.pdf import pdf_response
from workflows.documents import get_document_for

bp = Blueprint("documents", __name__)


@bp.get("/documents/<int:document_id>")
def download(document_id: int) -> Any:
    """The PDF of a document the caller may see."""
    return pdf_response(get_document_for(db(), document_id, caller()))
