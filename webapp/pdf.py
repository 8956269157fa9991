"""The one way a generated document is sent as a PDF (pages, API and public lists alike)."""

from __future__ import annotations

from urllib.parse import quote

from flask import Response, current_app

from models import Document
from workflows.documents import document_pdf


def pdf_response(doc: Document, *, named: bool = False) -> Response:
    """The document's PDF shown inline; `named` adds the UTF-8 file name from the document number."""
    disposition = f"inline; filename=document-{doc.id}.pdf"
    if named:
        disposition = (
            f"inline; filename=\"document-{doc.id}.pdf\"; filename*=UTF-8''{quote(doc.number + '.pdf')}"
        )
    return Response(
        document_pdf(doc, current_app.config["UPLOAD_DIR"]),
        mimetype="application/pdf",
        headers={"Content-Disposition": disposition},
    )
