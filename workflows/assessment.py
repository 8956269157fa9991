"""The assessment (考评) of the counties' community-organization work, 市民发〔2019〕54号 三(五).

A `plac_officer` at city level opens a period with indicators and weights. Computed indicators
are whatever the process modules registered in `workflows.indicators` (the caller imports
`workflows.catalog` first); entered ones are typed in per county with evidence. Computing the
period scores every county, ranks them and marks those below the period's threshold as lagging;
a failed listed supervision later adds a 一票否决 (veto), which survives recomputation.

Scoring: an indicator's value (per 10,000 residents where the period says so) earns
min(value / target, 1) × 100 points; with no target the best county is the reference. The total
is the weighted mean of the indicator scores. Ranks are competition ranks ("1, 2, 2, 4"); vetoed
counties come last.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import (
    AssessmentEntry,
    AssessmentIndicator,
    AssessmentPeriod,
    Attachment,
    CountyPopulation,
    OrgUnit,
    User,
    utcnow,
)
from models.supervision import INDICATOR_BASES, INDICATOR_SOURCES
from workflows import assessment_indicators, audit, orgs  # noqa: F401  (registers the registry's indicators)
from workflows.errors import Conflict, Forbidden, Invalid, NotFound
from workflows.indicators import all_indicators
from workflows.supervision_config import is_committee

ENTERED_KEY = re.compile(r"[a-z][a-z0-9_]{1,59}")
CITY_VIEW_ROLES = frozenset({"plac_officer", "city_civil_affairs", "admin"})


# --- who may do what --------------------------------------------------------------------------


def is_city_level(session: Session, user: User) -> bool:
    """The user sits above the counties (the city or one of its departments)."""
    return orgs.county_of(session, user.org_unit).kind != "county"


def check_manager(session: Session, user: User) -> None:
    """Forbidden unless the user is a city-level political-legal committee officer."""
    if not is_committee(session, user):
        raise Forbidden("只有市委政法委工作人员可以组织考评")


def sees_all(session: Session, user: User) -> bool:
    """City-level staff and administrators see every period and every county's row."""
    return bool(user.roles & CITY_VIEW_ROLES) and is_city_level(session, user)


def own_county(session: Session, user: User) -> str | None:
    """The county whose row a county user may see (None above the counties)."""
    county = orgs.county_of(session, user.org_unit)
    return county.code if county.kind == "county" else None


def get_period_for(session: Session, period_id: int, user: User) -> AssessmentPeriod:
    """A period the user may see: all of them at city level, published ones in a county."""
    period = session.get(AssessmentPeriod, period_id)
    if period is None or not (
        sees_all(session, user) or (period.status == "published" and own_county(session, user))
    ):
        raise NotFound("考评期不存在")
    return period


def periods_for(session: Session, user: User) -> list[AssessmentPeriod]:
    """Periods the user may see, newest first."""
    query = select(AssessmentPeriod).order_by(AssessmentPeriod.ends_on.desc(), AssessmentPeriod.id.desc())
    if not sees_all(session, user):
        if own_county(session, user) is None:
            return []
        query = query.where(AssessmentPeriod.status == "published")
    return list(session.scalars(query))


# --- configuration: counties and their populations -------------------------------------------------


def counties(session: Session) -> list[OrgUnit]:
    """The county-level units now in force, by code."""
    query = select(OrgUnit).where(OrgUnit.kind == "county", OrgUnit.valid_to.is_(None)).order_by(OrgUnit.code)
    return list(session.scalars(query))


def populations(session: Session) -> dict[str, CountyPopulation]:
    """The configured population of each county, by code."""
    return {row.county_code: row for row in session.scalars(select(CountyPopulation))}


def save_populations(
    session: Session, user: User, rows: Sequence[Mapping[str, Any]]
) -> list[CountyPopulation]:
    """Change county populations (Invalid with messages per row); commits."""
    check_manager(session, user)
    known = {unit.code for unit in counties(session)}
    errors: dict[str, list[str]] = {}
    for index, row in enumerate(rows):
        problems = _population_problems(row, known)
        if problems:
            errors[f"populations[{index}]"] = problems
    if errors or not rows:
        raise Invalid(
            "人口数据有误，请按提示修改", fields=errors or {"populations": ["至少填写一个县（市、区）。"]}
        )
    saved = []
    for row in rows:
        code = str(row["county_code"])
        entry = session.get(CountyPopulation, code) or CountyPopulation(county_code=code)
        entry.population, entry.year = int(row["population"]), int(row["year"])
        entry.source = str(row.get("source") or "")[:200]
        entry.updated_by, entry.updated_at = user.id, utcnow()
        session.add(entry)
        saved.append(entry)
    audit.record(
        session, "county_populations_saved", actor_id=user.id, details={"rows": [dict(r) for r in rows]}
    )
    session.commit()
    return saved


def _population_problems(row: Mapping[str, Any], known: set[str]) -> list[str]:
    problems = []
    if str(row.get("county_code")) not in known:
        problems.append("县（市、区）代码不存在。")
    if not _is_int(row.get("population"), 1, 50_000_000):
        problems.append("常住人口须为正整数。")
    if not _is_int(row.get("year"), 1949, 2100):
        problems.append("统计年份无效。")
    return problems


def _is_int(value: Any, low: int, high: int) -> bool:
    return isinstance(value, int | str) and str(value).strip().isdigit() and low <= int(value) <= high


# --- opening a period ---------------------------------------------------------------------------


def available_indicators() -> list[dict[str, str]]:
    """Every computed indicator the process modules registered."""
    return [
        {"key": ind.key, "name": ind.name, "unit": ind.unit}
        for ind in sorted(all_indicators().values(), key=lambda i: i.key)
    ]


def create_period(session: Session, user: User, body: Mapping[str, Any]) -> AssessmentPeriod:
    """Open an assessment period with its indicators (Invalid with messages per field); commits."""
    check_manager(session, user)
    errors = _period_errors(body)
    rows = body.get("indicators")
    indicators = rows if isinstance(rows, list) else []
    errors.update(_indicators_errors(indicators))
    if errors:
        raise Invalid("考评期设置有误，请按提示修改", fields=errors)
    period = AssessmentPeriod(
        title=str(body["title"]).strip(),
        starts_on=date.fromisoformat(str(body["starts_on"])),
        ends_on=date.fromisoformat(str(body["ends_on"])),
        threshold=float(body.get("threshold", 60)),
        note=str(body.get("note") or ""),
        created_by=user.id,
        created_at=utcnow(),
    )
    period.indicators = [_new_indicator(position, row) for position, row in enumerate(indicators, start=1)]
    session.add(period)
    session.flush()
    audit.record(
        session, "assessment_opened", actor_id=user.id, details={"period": period.id, "title": period.title}
    )
    session.commit()
    return period


def _period_errors(body: Mapping[str, Any]) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if not str(body.get("title") or "").strip():
        errors["title"] = ["请填写考评期名称。"]
    days = {}
    for name in ("starts_on", "ends_on"):
        try:
            days[name] = date.fromisoformat(str(body.get(name)))
        except ValueError:
            errors[name] = ["请填写日期（YYYY-MM-DD）。"]
    if len(days) == 2 and days["starts_on"] > days["ends_on"]:
        errors["ends_on"] = ["结束日期不能早于开始日期。"]
    if not _is_number(body.get("threshold", 60), 0, 100):
        errors["threshold"] = ["达标线须为0至100之间的分数。"]
    return errors


def _is_number(value: Any, low: float, high: float) -> bool:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return False
    return low <= number <= high


def _indicators_errors(rows: Sequence[Any]) -> dict[str, list[str]]:
    if not rows:
        return {"indicators": ["至少设置一项考评指标。"]}
    errors: dict[str, list[str]] = {}
    seen: set[str] = set()
    for index, row in enumerate(rows):
        problems = _indicator_problems(row if isinstance(row, Mapping) else {}, seen)
        if problems:
            errors[f"indicators[{index}]"] = problems
    return errors


def _indicator_problems(row: Mapping[str, Any], seen: set[str]) -> list[str]:
    key, source = str(row.get("key") or ""), row.get("source", "computed")
    problems = []
    if source not in INDICATOR_SOURCES:
        problems.append("指标来源须为 computed（系统计算）或 entered（填报）。")
    elif source == "computed" and key not in all_indicators():
        problems.append(f"系统中没有可计算的指标 {key!r}。")
    elif source == "entered" and (not ENTERED_KEY.fullmatch(key) or key in all_indicators()):
        problems.append("填报指标的代码须为小写字母开头的 snake_case，且不与计算指标重名。")
    if source == "entered" and not str(row.get("name") or "").strip():
        problems.append("填报指标须填写名称。")
    if key in seen:
        problems.append("指标重复。")
    seen.add(key)
    if row.get("basis", "absolute") not in INDICATOR_BASES:
        problems.append("计算口径须为 absolute（绝对数）或 per_10k（每万人）。")
    if not _is_number(row.get("weight"), 0.01, 1000):
        problems.append("权重须为正数。")
    if not _is_number(row.get("target", 0), 0, 1_000_000):
        problems.append("满分值不能为负数。")
    return problems


def _new_indicator(position: int, row: Mapping[str, Any]) -> AssessmentIndicator:
    key, source = str(row["key"]), str(row.get("source", "computed"))
    registered = all_indicators().get(key) if source == "computed" else None
    return AssessmentIndicator(
        position=position,
        key=key,
        name=str(row.get("name") or (registered.name if registered else key))[:100],
        unit=str(row.get("unit") or (registered.unit if registered else ""))[:20],
        source=source,
        basis=str(row.get("basis", "absolute")),
        weight=float(row["weight"]),
        target=float(row.get("target", 0)),
    )


# --- entered values with evidence ----------------------------------------------------------------


def enter_values(
    session: Session, user: User, period: AssessmentPeriod, rows: Sequence[Any]
) -> list[AssessmentEntry]:
    """Enter (or correct) values of entered indicators, each with evidence; commits."""
    check_manager(session, user)
    if period.status != "open":
        raise Conflict("考评结果已发布，不能再修改填报数据")
    by_key = {ind.key: ind for ind in period.indicators if ind.source == "entered"}
    known = {unit.code for unit in counties(session)}
    errors: dict[str, list[str]] = {}
    for index, row in enumerate(rows):
        problems = _entry_problems(session, user, row if isinstance(row, Mapping) else {}, by_key, known)
        if problems:
            errors[f"values[{index}]"] = problems
    if errors or not rows:
        raise Invalid("填报数据有误，请按提示修改", fields=errors or {"values": ["没有填报数据。"]})
    saved = [_save_entry(session, user, by_key[str(row["indicator"])], row) for row in rows]
    audit.record(
        session,
        "assessment_values_entered",
        actor_id=user.id,
        details={"period": period.id, "values": [dict(r) for r in rows]},
    )
    session.commit()
    return saved


def _entry_problems(
    session: Session,
    user: User,
    row: Mapping[str, Any],
    by_key: Mapping[str, AssessmentIndicator],
    known: set[str],
) -> list[str]:
    problems = []
    if str(row.get("indicator")) not in by_key:
        problems.append("不是本考评期的填报指标。")
    if str(row.get("county_code")) not in known:
        problems.append("县（市、区）代码不存在。")
    if not _is_number(row.get("value"), 0, 1_000_000_000):
        problems.append("数值须为非负数。")
    evidence = row.get("evidence")
    note = str(row.get("evidence_note") or "").strip()
    if evidence in (None, "") and not note:
        problems.append("请上传佐证材料或填写佐证说明。")
    if evidence not in (None, ""):
        attachment = session.get(Attachment, int(evidence)) if str(evidence).isdigit() else None
        if attachment is None or attachment.uploaded_by != user.id or attachment.instance_id is not None:
            problems.append("佐证材料不存在或无权使用。")
    return problems


def _save_entry(
    session: Session, user: User, indicator: AssessmentIndicator, row: Mapping[str, Any]
) -> AssessmentEntry:
    code = str(row["county_code"])
    entry = session.scalar(
        select(AssessmentEntry).where(
            AssessmentEntry.indicator_id == indicator.id, AssessmentEntry.county_code == code
        )
    ) or AssessmentEntry(indicator_id=indicator.id, county_code=code)
    entry.value = float(row["value"])
    entry.evidence_note = str(row.get("evidence_note") or "")
    evidence = row.get("evidence")
    entry.evidence_id = int(evidence) if evidence not in (None, "") else None
    entry.entered_by, entry.entered_at = user.id, utcnow()
    session.add(entry)
    session.flush()
    return entry


def entries_of(session: Session, period: AssessmentPeriod) -> list[AssessmentEntry]:
    """Every entered value of the period."""
    ids = [ind.id for ind in period.indicators]
    if not ids:
        return []
    query = select(AssessmentEntry).where(AssessmentEntry.indicator_id.in_(ids)).order_by(AssessmentEntry.id)
    return list(session.scalars(query))


def evidence_for(session: Session, user: User, period: AssessmentPeriod, attachment_id: int) -> Attachment:
    """An evidence file of the period, for city-level viewers (NotFound otherwise)."""
    if sees_all(session, user):
        for entry in entries_of(session, period):
            if entry.evidence_id == attachment_id:
                attachment = session.get(Attachment, attachment_id)
                if attachment is not None:
                    return attachment
    raise NotFound("佐证材料不存在")
