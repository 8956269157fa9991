"""Assessment indicators measured from incubation data (issue #9); the assessment (issue #6) lists
them with `workflows.indicators.all_indicators()` and calls them per county and period.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from models import Incubation, IncubationBase
from workflows.indicators import indicator


@indicator("incubation_bases", "孵化基地数", unit="个")
def bases_indicator(session: Session, county_code: str, start: date, end: date) -> float:
    """Bases of the county operating at some time in the period."""
    query = select(func.count(IncubationBase.id)).where(
        IncubationBase.county_code == county_code,
        IncubationBase.opened_on <= end,
        or_(IncubationBase.closed_on.is_(None), IncubationBase.closed_on >= start),
    )
    return float(session.scalar(query) or 0)


@indicator("incubation_admitted", "入驻孵化的社区社会组织数", unit="个")
def admitted_indicator(session: Session, county_code: str, start: date, end: date) -> float:
    """Organizations whose incubation began in the period."""
    query = (
        select(func.count(Incubation.id))
        .join(IncubationBase, IncubationBase.id == Incubation.base_id)
        .where(IncubationBase.county_code == county_code, Incubation.started_on.between(start, end))
    )
    return float(session.scalar(query) or 0)


@indicator("incubation_graduated", "孵化出壳的社区社会组织数", unit="个")
def graduated_indicator(session: Session, county_code: str, start: date, end: date) -> float:
    """Organizations that graduated (出壳) in the period."""
    query = (
        select(func.count(Incubation.id))
        .join(IncubationBase, IncubationBase.id == Incubation.base_id)
        .where(
            IncubationBase.county_code == county_code,
            Incubation.status == "graduated",
            Incubation.closed_on.between(start, end),
        )
    )
    return float(session.scalar(query) or 0)
