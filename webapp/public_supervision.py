"""The public list of listed supervision (挂牌督办公示): who is listed, why, until when; 摘牌 published."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, render_template

from models.supervision import LISTING_STATUSES
from webapp.db import db
from webapp.pdf import pdf_response
from workflows import supervision_views
from workflows.errors import NotFound

bp = Blueprint("public_supervision", __name__)


@bp.get("/supervision/listed")
def listed() -> Any:
    """Counties under listed supervision, and the delisted and escalated ones before them."""
    session = db()
    listings = supervision_views.public_listings(session)
    ids = [i for x in listings for i in (x.listing_document_id, x.end_document_id)]
    return render_template(
        "supervision/public_list.html",
        listings=listings,
        documents=supervision_views.document_numbers(session, ids),
        statuses=LISTING_STATUSES,
        current=sum(1 for x in listings if x.status == "listed"),
    )


@bp.get("/supervision/listed/<int:listing_id>/documents/<int:document_id>")
def document(listing_id: int, document_id: int) -> Any:
    """The published listing or delisting notice."""
    try:
        doc = supervision_views.public_document(db(), listing_id, document_id)
    except NotFound:
        abort(404)
    return pdf_response(doc)
