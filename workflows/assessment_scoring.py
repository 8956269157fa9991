"""Scoring an assessment period: values, indicator scores, totals, ranks, lagging and veto flags."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import AssessmentEntry, AssessmentIndicator, AssessmentPeriod, AssessmentScore, User, utcnow
from workflows import audit
from workflows.assessment import check_manager, counties, entries_of, own_county, populations, sees_all
from workflows.errors import Conflict, Invalid
from workflows.indicators import all_indicators

PER_10K = 10_000


def indicator_score(value: float | None, target: float, best: float) -> float:
    """Points (0–100) for a value: against the target, or against the best county without one."""
    reference = target if target > 0 else best
    if value is None or reference <= 0:
        return 0.0
    return round(min(max(value, 0.0) / reference, 1.0) * 100, 2)


def weighted_total(scores: Mapping[str, float], weights: Mapping[str, float]) -> float:
    """The weighted mean of the indicator scores."""
    weight = sum(weights.values())
    return round(sum(scores.get(key, 0.0) * w for key, w in weights.items()) / weight, 2) if weight else 0.0


def competition_ranks(rows: Sequence[tuple[str, float, bool]]) -> dict[str, int]:
    """Ranks of (county, total, veto): higher totals first, vetoed counties last, ties share a rank."""

    def order(row: tuple[str, float, bool]) -> tuple[bool, float]:
        return row[2], -row[1]

    return {row[0]: 1 + sum(order(other) < order(row) for other in rows) for row in rows}


@dataclass
class _Measured:
    raw: float | None
    value: float | None
    note: str = ""


def _measure(
    session: Session,
    period: AssessmentPeriod,
    indicator: AssessmentIndicator,
    county: str,
    entered: Mapping[tuple[int, str], AssessmentEntry],
    people: Mapping[str, int],
) -> _Measured:
    """An indicator's raw value for a county, and the value that is scored (per 10,000 residents)."""
    if indicator.source == "entered":
        entry = entered.get((indicator.id, county))
        raw = entry.value if entry is not None else None
        note = "" if entry is not None else "未填报"
    else:
        registered = all_indicators().get(indicator.key)
        raw = registered.measure(session, county, period.starts_on, period.ends_on) if registered else None
        note = "" if registered else "指标未注册"
    if raw is None or indicator.basis != "per_10k":
        return _Measured(raw, raw, note)
    population = people.get(county)
    if not population:
        return _Measured(raw, None, "缺少常住人口数据")
    return _Measured(raw, round(raw * PER_10K / population, 4))


def compute_period(session: Session, user: User, period: AssessmentPeriod) -> list[AssessmentScore]:
    """Score every county for the period and store the scorecard (vetoes are kept); commits."""
    check_manager(session, user)
    if period.status != "open":
        raise Conflict("考评结果已发布，不能重新计算")
    if not period.indicators:
        raise Invalid("考评期没有指标")
    codes = [unit.code for unit in counties(session)]
    entered = {(e.indicator_id, e.county_code): e for e in entries_of(session, period)}
    people = {code: row.population for code, row in populations(session).items()}
    measured = {
        ind.key: {code: _measure(session, period, ind, code, entered, people) for code in codes}
        for ind in period.indicators
    }
    existing = {s.county_code: s for s in scores_of(session, period)}
    now = utcnow()
    for code in codes:
        row = existing.get(code) or AssessmentScore(period_id=period.id, county_code=code)
        row.details = _details(period.indicators, measured, code)
        row.total = weighted_total(
            {key: detail["score"] for key, detail in row.details.items()},
            {ind.key: ind.weight for ind in period.indicators},
        )
        row.computed_at = now
        session.add(row)
        existing[code] = row
    _rank(period, list(existing.values()))
    period.computed_at = now
    audit.record(session, "assessment_computed", actor_id=user.id, details={"period": period.id})
    session.commit()
    return scores_of(session, period)


def _details(
    indicators: Sequence[AssessmentIndicator], measured: Mapping[str, Mapping[str, _Measured]], code: str
) -> dict[str, Any]:
    details = {}
    for ind in indicators:
        values = [m.value for m in measured[ind.key].values() if m.value is not None]
        mine = measured[ind.key][code]
        details[ind.key] = {
            "raw": mine.raw,
            "value": mine.value,
            "score": indicator_score(mine.value, ind.target, max(values, default=0.0)),
            "missing": mine.value is None,
            "note": mine.note,
        }
    return details


def _rank(period: AssessmentPeriod, rows: Sequence[AssessmentScore]) -> None:
    ranks = competition_ranks([(r.county_code, r.total, r.veto) for r in rows])
    for row in rows:
        row.rank = ranks[row.county_code]
        row.lagging = row.veto or row.total < period.threshold


def publish_period(session: Session, user: User, period: AssessmentPeriod) -> AssessmentPeriod:
    """Publish a computed scorecard: it is frozen and the counties may see it; commits."""
    check_manager(session, user)
    if period.status != "open":
        raise Conflict("考评结果已发布")
    if period.computed_at is None:
        raise Conflict("请先计算考评结果再发布")
    period.status, period.published_at = "published", utcnow()
    audit.record(session, "assessment_published", actor_id=user.id, details={"period": period.id})
    session.commit()
    return period


def scores_of(session: Session, period: AssessmentPeriod) -> list[AssessmentScore]:
    """The period's scorecard rows by rank."""
    query = select(AssessmentScore).where(AssessmentScore.period_id == period.id)
    return list(session.scalars(query.order_by(AssessmentScore.rank, AssessmentScore.county_code)))


def visible_scores(session: Session, period: AssessmentPeriod, user: User) -> list[AssessmentScore]:
    """The scorecard rows `user` may see: every county's at city level, else only their own."""
    rows = scores_of(session, period)
    if sees_all(session, user):
        return rows
    mine = own_county(session, user)
    return [row for row in rows if row.county_code == mine]


def sort_scores(
    rows: Sequence[AssessmentScore], key: str = "rank", descending: bool = False
) -> list[AssessmentScore]:
    """Rows sorted by rank, total, county, or an indicator key (its scored value)."""

    def value(row: AssessmentScore) -> Any:
        if key in ("rank", "total"):
            return getattr(row, key)
        if key == "county":
            return row.county_code
        detail = row.details.get(key) or {}
        return detail.get("value") if detail.get("value") is not None else float("-inf")

    return sorted(rows, key=value, reverse=descending)


def set_veto(
    session: Session, county_code: str, period_id: int | None, reason: str
) -> AssessmentScore | None:
    """一票否决: flag the county's row in the period (default: its latest scored period) and re-rank."""
    query = select(AssessmentScore).join(AssessmentPeriod).where(AssessmentScore.county_code == county_code)
    if period_id is not None:
        query = query.where(AssessmentScore.period_id == period_id)
    row = session.scalar(query.order_by(AssessmentPeriod.ends_on.desc(), AssessmentPeriod.id.desc()).limit(1))
    if row is None:
        return None
    row.veto, row.veto_reason = True, reason
    period = session.get(AssessmentPeriod, row.period_id)
    assert period is not None
    _rank(period, scores_of(session, period))
    return row
