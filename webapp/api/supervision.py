"""Assessment (考评) and supervision cases (通报 / 约谈 / 挂牌督办), issue #6.

The case's work goes through the generic task endpoints; these are the assessment itself, the
configuration (populations, ladder), opening a case, the case's timeline, and the public list.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request
from sqlalchemy.orm import Session

from models import (
    AssessmentEntry,
    AssessmentPeriod,
    AssessmentScore,
    RectificationPlan,
    SupervisionCase,
    SupervisionEvent,
    SupervisionListing,
    User,
)
from models.supervision import CASE_STATUSES, LISTING_STATUSES, PERIOD_STATUSES, PLAN_STATUSES
from webapp.api.common import caller, json_body, page_number, paginate, whole_list
from webapp.api.schemas import document_json, iso, task_json
from webapp.db import db
from webapp.pdf import pdf_response
from workflows import assessment, assessment_scoring, attachments, supervision_config, supervision_views
from workflows.documents import documents_of
from workflows.errors import Invalid
from workflows.instances import open_tasks

bp = Blueprint("supervision", __name__)


def _rows(body: dict[str, Any], name: str) -> list[Any]:
    rows = body.get(name)
    if not isinstance(rows, list):
        raise Invalid(f"{name} 必须是数组", fields={name: ["必须是数组"]})
    return rows


# --- assessment -------------------------------------------------------------------------------------


def period_json(period: AssessmentPeriod) -> dict[str, Any]:
    """A period with its indicators."""
    return {
        "id": period.id,
        "title": period.title,
        "starts_on": iso(period.starts_on),
        "ends_on": iso(period.ends_on),
        "threshold": period.threshold,
        "status": period.status,
        "status_label": PERIOD_STATUSES.get(period.status, period.status),
        "note": period.note,
        "computed_at": iso(period.computed_at),
        "published_at": iso(period.published_at),
        "indicators": [
            {k: getattr(ind, k) for k in ("key", "name", "unit", "source", "basis", "weight", "target")}
            for ind in period.indicators
        ],
    }


def score_json(score: AssessmentScore) -> dict[str, Any]:
    """A county's row of the scorecard."""
    return {
        "county": {"code": score.county_code, "name": score.county.name},
        "total": score.total,
        "rank": score.rank,
        "lagging": score.lagging,
        "veto": score.veto,
        "veto_reason": score.veto_reason,
        "values": score.details,
    }


def entry_json(entry: AssessmentEntry, keys: dict[int, str]) -> dict[str, Any]:
    """An entered value with its evidence."""
    return {
        "indicator": keys.get(entry.indicator_id),
        "county_code": entry.county_code,
        "value": entry.value,
        "evidence_note": entry.evidence_note,
        "evidence": entry.evidence_id,
        "entered_by": entry.entered_by,
        "entered_at": iso(entry.entered_at),
    }


def scorecard_json(session: Session, period: AssessmentPeriod, user: User) -> dict[str, Any]:
    """The period, its scorecard (sorted as asked) and, at city level, the entered values."""
    sort, order = request.args.get("sort", "rank"), request.args.get("order", "")
    known = {"rank", "total", "county", *(ind.key for ind in period.indicators)}
    if sort not in known:
        raise Invalid("无法按此项排序", fields={"sort": [f"可选：{', '.join(sorted(known))}"]})
    descending = order == "desc" if order else sort not in ("rank", "county")
    rows = assessment_scoring.visible_scores(session, period, user)
    rows = assessment_scoring.sort_scores(rows, sort, descending)
    body = period_json(period)
    if assessment.sees_all(session, user):
        keys = {ind.id: ind.key for ind in period.indicators}
        body["entries"] = [entry_json(e, keys) for e in assessment.entries_of(session, period)]
    body["scorecard"] = [score_json(row) for row in rows]
    body["lagging"] = [row.county_code for row in rows if row.lagging]
    return body


@bp.get("/assessment-indicators")
def list_indicators() -> Any:
    """Computed indicators the process modules registered (for building a period)."""
    return jsonify(whole_list(assessment.available_indicators()))


@bp.get("/county-populations")
def list_populations() -> Any:
    """The configured resident population of each county (per 10,000 residents)."""
    session = db()
    rows = assessment.populations(session)
    items = [
        {
            "county_code": unit.code,
            "county_name": unit.name,
            "population": rows[unit.code].population if unit.code in rows else None,
            "year": rows[unit.code].year if unit.code in rows else None,
            "source": rows[unit.code].source if unit.code in rows else "",
        }
        for unit in assessment.counties(session)
    ]
    return jsonify(whole_list(items))


@bp.put("/county-populations")
def save_populations() -> Any:
    """Change populations: `{"populations": [{county_code, population, year, source}]}`."""
    assessment.save_populations(db(), caller(), _rows(json_body(), "populations"))
    return list_populations()


@bp.get("/assessments")
def list_periods() -> Any:
    """Assessment periods the caller may see, newest first."""
    return jsonify(whole_list([period_json(p) for p in assessment.periods_for(db(), caller())]))


@bp.post("/assessments")
def create_period() -> Any:
    """Open a period: title, dates, threshold, indicators [{key, source, basis, weight, target}]."""
    period = assessment.create_period(db(), caller(), json_body())
    return jsonify(period_json(period)), 201


@bp.get("/assessments/<int:period_id>")
def show_period(period_id: int) -> Any:
    """The period and its scorecard; `sort` (rank, total, county or an indicator key), `order`."""
    session, user = db(), caller()
    return jsonify(scorecard_json(session, assessment.get_period_for(session, period_id, user), user))


@bp.put("/assessments/<int:period_id>/values")
def enter_values(period_id: int) -> Any:
    """Entered indicators: `{"values": [{indicator, county_code, value, evidence_note, evidence}]}`."""
    session, user = db(), caller()
    period = assessment.get_period_for(session, period_id, user)
    assessment.enter_values(session, user, period, _rows(json_body(), "values"))
    return jsonify(scorecard_json(session, period, user))


@bp.post("/assessments/<int:period_id>/evidence")
def upload_evidence(period_id: int) -> Any:
    """Upload an evidence file (multipart field `file`); 201 with the id to give as `evidence`."""
    session, user = db(), caller()
    assessment.get_period_for(session, period_id, user)
    assessment.check_manager(session, user)
    upload = request.files.get("file")
    if upload is None:
        raise Invalid("缺少文件", fields={"file": ["请选择要上传的文件"]})
    row = attachments.store(session, current_app.config["UPLOAD_DIR"], user, upload, None)
    session.commit()
    return jsonify(attachments.attachment_json(row)), 201


@bp.get("/assessments/<int:period_id>/evidence/<int:attachment_id>")
def evidence(period_id: int, attachment_id: int) -> Any:
    """An evidence file of the period (city level)."""
    session, user = db(), caller()
    period = assessment.get_period_for(session, period_id, user)
    row = assessment.evidence_for(session, user, period, attachment_id)
    path = attachments.file_path(current_app.config["UPLOAD_DIR"], row)
    return Response(path.read_bytes(), mimetype=row.content_type)


@bp.post("/assessments/<int:period_id>/compute")
def compute(period_id: int) -> Any:
    """Score every county: values, indicator scores, totals, ranks, lagging flags."""
    session, user = db(), caller()
    period = assessment.get_period_for(session, period_id, user)
    assessment_scoring.compute_period(session, user, period)
    return jsonify(scorecard_json(session, period, user))


@bp.post("/assessments/<int:period_id>/publish")
def publish(period_id: int) -> Any:
    """Publish the scorecard (frozen; the counties see their own row)."""
    session, user = db(), caller()
    period = assessment.get_period_for(session, period_id, user)
    assessment_scoring.publish_period(session, user, period)
    return jsonify(scorecard_json(session, period, user))


# --- supervision cases ----------------------------------------------------------------------------


@bp.get("/supervision/ladder")
def ladder() -> Any:
    """The supervision ladder as configured (new cases copy it)."""
    return jsonify(whole_list([supervision_config.rung_json(r) for r in supervision_config.rungs(db())]))


@bp.put("/supervision/ladder")
def save_ladder() -> Any:
    """Replace the ladder: `{"rungs": [{tool, name, rectify, plan_days, period_days, report_days, …}]}`."""
    rungs = supervision_config.save_ladder(db(), caller(), _rows(json_body(), "rungs"))
    return jsonify(whole_list([supervision_config.rung_json(r) for r in rungs]))


def case_summary(case: SupervisionCase) -> dict[str, Any]:
    """A case in a list."""
    rung = case.ladder[case.rung] if case.ladder else {}
    return {
        "id": case.id,
        "instance_id": case.instance_id,
        "county": {"code": case.county_code, "name": case.county.name},
        "reason": case.reason,
        "source": case.source,
        "period_id": case.period_id,
        "status": case.status,
        "status_label": CASE_STATUSES.get(case.status, case.status),
        "rung": {
            "number": case.rung + 1,
            "of": len(case.ladder),
            "name": rung.get("name"),
            "tool": rung.get("tool"),
        },
        "plan_due_at": iso(case.plan_due_at),
        "deadline_at": iso(case.deadline_at),
        "report_due_at": iso(case.report_due_at),
        "plan_overdue": case.plan_overdue,
        "plan_late": case.plan_late,
        "outcome": case.outcome,
        "opened_at": iso(case.opened_at),
        "closed_at": iso(case.closed_at),
    }


def _event_json(event: SupervisionEvent, case: SupervisionCase, docs: dict[int, Any]) -> dict[str, Any]:
    doc = docs.get(event.document_id) if event.document_id else None
    return {
        "kind": event.kind,
        "title": event.title,
        "text": event.text,
        "rung": case.ladder[event.rung]["name"] if event.rung < len(case.ladder) else "",
        "late": event.late,
        "document": document_json(doc) if doc else None,
        "attachment": event.attachment_id,
        "actor": event.actor_id,
        "at": iso(event.at),
        "data": event.data,
    }


def _plan_json(plan: RectificationPlan, case: SupervisionCase) -> dict[str, Any]:
    return {
        "rung": case.ladder[plan.rung]["name"] if plan.rung < len(case.ladder) else "",
        "version": plan.version,
        "summary": plan.summary,
        "items": plan.items,
        "status": plan.status,
        "status_label": PLAN_STATUSES.get(plan.status, plan.status),
        "due_at": iso(plan.due_at),
        "late": plan.late,
        "submitted_at": iso(plan.submitted_at),
        "review_comment": plan.review_comment,
        "reviewed_at": iso(plan.reviewed_at),
    }


def listing_json(listing: SupervisionListing, docs: dict[int, Any]) -> dict[str, Any]:
    """A listing as the public list shows it."""
    notice, ended = docs.get(listing.listing_document_id or 0), docs.get(listing.end_document_id or 0)
    return {
        "id": listing.id,
        "county": {"code": listing.county_code, "name": listing.county.name},
        "reason": listing.reason,
        "requirements": listing.requirements,
        "status": listing.status,
        "status_label": LISTING_STATUSES.get(listing.status, listing.status),
        "listed_at": iso(listing.listed_at),
        "deadline_at": iso(listing.deadline_at),
        "listing_document": document_json(notice) if notice else None,
        "ended_at": iso(listing.ended_at),
        "end_note": listing.end_note,
        "end_document": document_json(ended) if ended else None,
    }


def case_json(session: Session, case: SupervisionCase) -> dict[str, Any]:
    """A case with its ladder, timeline, documents, plans, listings and open tasks."""
    docs = {doc.id: doc for doc in documents_of(session, case.instance_id)}
    body = case_summary(case)
    body.update(
        ladder=case.ladder,
        timeline=[_event_json(e, case, docs) for e in supervision_views.timeline(session, case)],
        documents=[document_json(doc) for doc in docs.values()],
        plans=[_plan_json(p, case) for p in supervision_views.plans_of(session, case)],
        listings=[listing_json(x, docs) for x in supervision_views.listings_of(session, case)],
        tasks=[task_json(t) for t in open_tasks(session, case.instance_id)],
    )
    return body


@bp.get("/supervision/cases")
def list_cases() -> Any:
    """Cases the caller may see (a county only its own); filter by status and county."""
    query = supervision_views.cases_query(
        caller(), request.args.get("status") or None, request.args.get("county") or None
    )
    return jsonify(paginate(db(), query, case_summary, page_number()))


@bp.post("/supervision/cases")
def open_case() -> Any:
    """Open a case: `{county_code, case_reason}` by hand, or `{county_code, period_id}` from the scorecard."""
    session = db()
    case = supervision_views.open_case(session, caller(), json_body())
    return jsonify(case_json(session, case)), 201


@bp.get("/supervision/cases/<int:case_id>")
def show_case(case_id: int) -> Any:
    """The case's timeline with its documents, plans, listing and open tasks."""
    session = db()
    return jsonify(case_json(session, supervision_views.get_case_for(session, case_id, caller())))


@bp.get("/supervision/listings")
def public_listings() -> Any:
    """The public list of listed supervision (挂牌督办) and delistings (摘牌); no token needed."""
    session = db()
    listings = supervision_views.public_listings(session)
    ids = [i for x in listings for i in (x.listing_document_id, x.end_document_id)]
    docs = supervision_views.document_numbers(session, ids)
    return jsonify(whole_list([listing_json(x, docs) for x in listings]))


@bp.get("/supervision/listings/<int:listing_id>/documents/<int:document_id>")
def public_listing_document(listing_id: int, document_id: int) -> Any:
    """A published listing or delisting notice as PDF; no token needed."""
    return pdf_response(supervision_views.public_document(db(), listing_id, document_id))
