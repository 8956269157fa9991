"""考评督办 pages: the assessment scorecard, supervision cases and their timeline, the configuration.

Views read the request, call one service function and render or redirect; refusals with field
messages go back to the page they came from as flashed messages.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from models import SupervisionCase, User
from models.supervision import CASE_STATUSES, INDICATOR_BASES, LISTING_STATUSES, PLAN_STATUSES, TOOLS
from webapp.auth import current_user, login_required
from webapp.db import db
from webapp.pages.common import local_target, page_number, paginate, upload_dir
from workflows import assessment, assessment_scoring, attachments, supervision_config, supervision_views
from workflows.documents import documents_of
from workflows.errors import Invalid
from workflows.instances import open_tasks

bp = Blueprint("supervision", __name__, url_prefix="/supervision")

# Suggested weights and targets when a period is opened on the page (the officer changes them).
PRESETS: dict[str, tuple[str, float, float]] = {
    "community_orgs": ("per_10k", 30, 5),
    "key_field_orgs": ("absolute", 20, 10),
    "incubation_bases": ("absolute", 30, 2),
    "funded_projects_completed": ("absolute", 20, 3),
}
ENTERED_ROWS = 3


def _refused(exc: Invalid, fallback: str) -> Any:
    """Flash a refusal with its field messages and go back where the form was."""
    details = "；".join(f"{name}：{'、'.join(messages)}" for name, messages in exc.fields.items())
    flash(f"{exc.message}{'（' + details + '）' if details else ''}", "danger")
    return redirect(local_target(request.form.get("next"), fallback))


def _number(value: str | None) -> Any:
    return value.strip() if value and value.strip() else None


# --- assessment ----------------------------------------------------------------------------------


def _period_body(form: MultiDict[str, str]) -> dict[str, Any]:
    """The JSON body of a new period from the page's form."""
    indicators: list[dict[str, Any]] = []
    for key in form.getlist("computed"):
        if form.get(f"use_{key}"):
            indicators.append(
                {
                    "key": key,
                    "source": "computed",
                    "basis": form.get(f"basis_{key}", "absolute"),
                    "weight": _number(form.get(f"weight_{key}")),
                    "target": _number(form.get(f"target_{key}")) or 0,
                }
            )
    for row in range(ENTERED_ROWS):
        key = (form.get(f"entered_key_{row}") or "").strip()
        if key:
            indicators.append(
                {
                    "key": key,
                    "source": "entered",
                    "name": form.get(f"entered_name_{row}", ""),
                    "unit": form.get(f"entered_unit_{row}", ""),
                    "weight": _number(form.get(f"entered_weight_{row}")),
                    "target": _number(form.get(f"entered_target_{row}")) or 0,
                }
            )
    return {
        "title": form.get("title", ""),
        "starts_on": form.get("starts_on", ""),
        "ends_on": form.get("ends_on", ""),
        "threshold": _number(form.get("threshold")) or 60,
        "note": form.get("note", ""),
        "indicators": indicators,
    }


@bp.get("/assessments")
@login_required
def assessments() -> Any:
    """The periods, and the form that opens a new one (committee)."""
    session, user = db(), current_user()
    return render_template(
        "supervision/assessments.html",
        periods=assessment.periods_for(session, user),
        manager=supervision_config.is_committee(session, user),
        computed=assessment.available_indicators(),
        presets=PRESETS,
        bases=INDICATOR_BASES,
        entered_rows=ENTERED_ROWS,
    )


@bp.post("/assessments")
@login_required
def create_assessment() -> Any:
    """Open a period."""
    try:
        period = assessment.create_period(db(), current_user(), _period_body(request.form))
    except Invalid as exc:
        return _refused(exc, "pages.supervision.assessments")
    flash(_("考评期已开启。请填报需填报的指标，然后计算考评结果。"), "success")
    return redirect(url_for(".scorecard", period_id=period.id))


def _charts(period: Any, rows: list[Any]) -> dict[str, Any]:
    """What the per-indicator charts draw: counties by code, values per indicator, lagging flags."""
    ordered = sorted(rows, key=lambda row: row.county_code)
    lagging = [row.lagging for row in ordered]
    series = [
        {
            "key": "total",
            "name": _("总分"),
            "unit": _("分"),
            "values": [r.total for r in ordered],
            "lagging": lagging,
        }
    ]
    for ind in period.indicators:
        values = [(r.details.get(ind.key) or {}).get("value") for r in ordered]
        unit = _("每万人") if ind.basis == "per_10k" else ind.unit
        series.append({"key": ind.key, "name": ind.name, "unit": unit, "values": values, "lagging": lagging})
    return {"counties": [r.county.name for r in ordered], "threshold": period.threshold, "series": series}


@bp.get("/assessments/<int:period_id>")
@login_required
def scorecard(period_id: int) -> Any:
    """The scorecard: a sortable table, a chart per indicator, lagging counties marked."""
    session, user = db(), current_user()
    period = assessment.get_period_for(session, period_id, user)
    indicators = period.indicators
    sort = request.args.get("sort", "rank")
    if sort not in {"rank", "total", "county", *(i.key for i in indicators)}:
        sort = "rank"
    order = request.args.get("order") or ("asc" if sort in ("rank", "county") else "desc")
    rows = assessment_scoring.sort_scores(
        assessment_scoring.visible_scores(session, period, user), sort, order == "desc"
    )
    everything = assessment.sees_all(session, user)
    still_open = supervision_views.cases_query(user).where(SupervisionCase.closed_at.is_(None))
    open_cases = {c.county_code: c for c in session.scalars(still_open)}
    return render_template(
        "supervision/scorecard.html",
        period=period,
        indicators=indicators,
        rows=rows,
        sort=sort,
        order=order,
        everything=everything,
        manager=supervision_config.is_committee(session, user),
        entries=assessment.entries_of(session, period) if everything else [],
        counties=assessment.counties(session),
        open_cases=open_cases,
        bases=INDICATOR_BASES,
        charts=_charts(period, rows),
    )


@bp.post("/assessments/<int:period_id>/values")
@login_required
def enter_value(period_id: int) -> Any:
    """Enter one value of an entered indicator for a county, with its evidence file or note."""
    session, user = db(), current_user()
    period = assessment.get_period_for(session, period_id, user)
    row: dict[str, Any] = {
        k: request.form.get(k) for k in ("indicator", "county_code", "value", "evidence_note")
    }
    try:
        upload = request.files.get("evidence_file")
        if upload is not None and upload.filename:
            assessment.check_manager(session, user)
            row["evidence"] = attachments.store(session, upload_dir(), user, upload, None).id
        assessment.enter_values(session, user, period, [row])
    except Invalid as exc:
        session.rollback()
        return _refused(exc, "pages.supervision.assessments")
    flash(_("已保存填报数据。"), "success")
    return redirect(url_for(".scorecard", period_id=period.id) + "#entries")


@bp.get("/assessments/<int:period_id>/evidence/<int:attachment_id>")
@login_required
def evidence(period_id: int, attachment_id: int) -> Any:
    """An evidence file."""
    session, user = db(), current_user()
    period = assessment.get_period_for(session, period_id, user)
    row = assessment.evidence_for(session, user, period, attachment_id)
    return Response(attachments.file_path(upload_dir(), row).read_bytes(), mimetype=row.content_type)


@bp.post("/assessments/<int:period_id>/compute")
@login_required
def compute(period_id: int) -> Any:
    """Compute (or recompute) the scorecard."""
    session, user = db(), current_user()
    assessment_scoring.compute_period(session, user, assessment.get_period_for(session, period_id, user))
    flash(_("考评结果已计算。"), "success")
    return redirect(url_for(".scorecard", period_id=period_id))


@bp.post("/assessments/<int:period_id>/publish")
@login_required
def publish(period_id: int) -> Any:
    """Publish the scorecard."""
    session, user = db(), current_user()
    assessment_scoring.publish_period(session, user, assessment.get_period_for(session, period_id, user))
    flash(_("考评结果已发布，各县（市、区）可查看本地结果。"), "success")
    return redirect(url_for(".scorecard", period_id=period_id))


# --- cases -----------------------------------------------------------------------------------------


@bp.get("/")
@bp.get("/cases")
@login_required
def cases() -> Any:
    """Cases the user may see, and (committee) the form that opens one by hand."""
    session, user = db(), current_user()
    status = request.args.get("status") or None
    page = paginate(
        session,
        supervision_views.cases_query(user, status if status in CASE_STATUSES else None),
        page_number(),
    )
    return render_template(
        "supervision/cases.html",
        page=page,
        status=status,
        statuses=CASE_STATUSES,
        manager=supervision_config.is_committee(session, user),
        counties=assessment.counties(session),
    )


@bp.post("/cases")
@login_required
def open_case() -> Any:
    """Open a case (by hand, or from a lagging row of the scorecard)."""
    body = {k: request.form.get(k) or None for k in ("county_code", "case_reason", "period_id")}
    try:
        case = supervision_views.open_case(db(), current_user(), body)
    except Invalid as exc:
        return _refused(exc, "pages.supervision.cases")
    flash(_("已立案督办，请按督办措施继续办理。"), "success")
    return redirect(url_for(".case", case_id=case.id))


def _people(session: Any, ids: set[int | None]) -> dict[int, str]:
    users = [session.get(User, i) for i in ids if i is not None]
    return {u.id: u.display_name or u.username for u in users if u is not None}


@bp.get("/cases/<int:case_id>")
@login_required
def case(case_id: int) -> Any:
    """The case: its ladder, documents, plans, listing, open tasks and timeline."""
    session, user = db(), current_user()
    found: SupervisionCase = supervision_views.get_case_for(session, case_id, user)
    events = supervision_views.timeline(session, found)
    plans = supervision_views.plans_of(session, found)
    return render_template(
        "supervision/case.html",
        case=found,
        events=events,
        plans=plans,
        listings=supervision_views.listings_of(session, found),
        documents={d.id: d for d in documents_of(session, found.instance_id)},
        tasks=open_tasks(session, found.instance_id),
        people=_people(session, {e.actor_id for e in events} | {p.submitted_by for p in plans}),
        statuses=CASE_STATUSES,
        listing_statuses=LISTING_STATUSES,
        plan_statuses=PLAN_STATUSES,
        tools=TOOLS,
    )


# --- configuration -----------------------------------------------------------------------------------


@bp.get("/settings")
@login_required
def settings() -> Any:
    """County populations and the supervision ladder."""
    session, user = db(), current_user()
    return render_template(
        "supervision/settings.html",
        counties=assessment.counties(session),
        populations=assessment.populations(session),
        rungs=supervision_config.rungs(session),
        manager=supervision_config.is_committee(session, user),
        ladder_editor=supervision_config.is_committee(session, user) or user.has_role("admin"),
        tools=TOOLS,
    )


@bp.post("/settings/populations")
@login_required
def save_populations() -> Any:
    """Save the populations typed into the table."""
    form = request.form
    rows = [
        {"county_code": code, "population": form.get(f"population_{code}"), "year": form.get(f"year_{code}"),
         "source": form.get(f"source_{code}", "")}
        for code in form.getlist("county")
        if form.get(f"population_{code}")
    ]  # fmt: skip
    try:
        assessment.save_populations(db(), current_user(), rows)
    except Invalid as exc:
        return _refused(exc, "pages.supervision.settings")
    flash(_("常住人口数据已保存。"), "success")
    return redirect(url_for(".settings"))


@bp.post("/settings/ladder")
@login_required
def save_ladder() -> Any:
    """Save the ladder typed into the table (a row without a name is left out)."""
    form = request.form
    rows = []
    for index in form.getlist("row"):
        name = (form.get(f"name_{index}") or "").strip()
        if not name:
            continue
        copy_to = (form.get(f"copy_to_{index}") or "").replace("，", "、").replace(",", "、")
        rows.append(
            {
                "tool": form.get(f"tool_{index}"),
                "name": name,
                "rectify": bool(form.get(f"rectify_{index}")),
                "plan_days": form.get(f"plan_days_{index}") or 0,
                "period_days": form.get(f"period_days_{index}") or 0,
                "report_days": form.get(f"report_days_{index}") or 0,
                "copy_to": [c.strip() for c in copy_to.split("、") if c.strip()],
                "issuer_code": form.get(f"issuer_code_{index}", ""),
                "note": form.get(f"note_{index}", ""),
            }
        )
    try:
        supervision_config.save_ladder(db(), current_user(), rows)
    except Invalid as exc:
        return _refused(exc, "pages.supervision.settings")
    flash(_("督办阶梯已保存；新立案的案件按新阶梯办理，已立案的案件不受影响。"), "success")
    return redirect(url_for(".settings"))
