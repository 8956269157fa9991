"""The supervision ladder (configuration) and the rules for opening a case against a county.

The ladder is rows of `supervision_rungs`, edited by the committee; a case copies the ladder when
it opens. Each rung names its tool (通报 / 约谈 / 挂牌督办), whether it ends with a rectification
and 验收, the working days for the plan and for the rectification, the interval of progress
reports, the units a document is copied to (org unit codes, whose people are told, or plain names
such as 市纪委监委) and the issuing unit.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from models import AssessmentPeriod, AssessmentScore, OrgUnit, SupervisionCase, SupervisionRung, User, utcnow
from models.supervision import TOOLS
from workflows import audit, orgs
from workflows.errors import Conflict, Forbidden, Invalid

PROCESS_KEY = "rectification_interview"
FINAL_STATUSES = ("closed", "delisted", "escalated")
MAX_DAYS = 500
RUNG_FIELDS = ("tool", "name", "rectify", "plan_days", "period_days", "report_days", "copy_to", "issuer_code")


def is_committee(session: Session, user: User) -> bool:
    """A political-legal committee officer above the counties (who supervises them)."""
    return user.has_role("plac_officer") and orgs.county_of(session, user.org_unit).kind != "county"


def rungs(session: Session) -> list[SupervisionRung]:
    """The ladder as configured, bottom rung first."""
    return list(session.scalars(select(SupervisionRung).order_by(SupervisionRung.position)))


def rung_json(rung: SupervisionRung) -> dict[str, Any]:
    """A rung as the case's snapshot and the API show it."""
    return {
        "position": rung.position,
        "tool": rung.tool,
        "tool_label": TOOLS.get(rung.tool, rung.tool),
        "name": rung.name,
        "rectify": rung.rectify,
        "plan_days": rung.plan_days,
        "period_days": rung.period_days,
        "report_days": rung.report_days,
        "copy_to": list(rung.copy_to),
        "issuer_code": rung.issuer_code,
        "note": rung.note,
    }


def save_ladder(session: Session, user: User, rows: Sequence[Any]) -> list[SupervisionRung]:
    """Replace the ladder (running cases keep their copy); Invalid with messages per rung; commits."""
    if not is_committee(session, user) and not user.has_role("admin"):
        raise Forbidden("只有市委政法委工作人员或系统管理员可以修改督办阶梯")
    errors: dict[str, list[str]] = {}
    for index, row in enumerate(rows):
        problems = rung_problems(session, row if isinstance(row, Mapping) else {})
        if problems:
            errors[f"rungs[{index}]"] = problems
    if errors or not rows:
        raise Invalid(
            "督办阶梯设置有误，请按提示修改", fields=errors or {"rungs": ["至少设置一级督办措施。"]}
        )
    session.execute(delete(SupervisionRung))
    saved = [_new_rung(position, row, user) for position, row in enumerate(rows, start=1)]
    session.add_all(saved)
    audit.record(
        session, "supervision_ladder_saved", actor_id=user.id, details={"rungs": [dict(r) for r in rows]}
    )
    session.commit()
    return saved


def _days(value: Any, low: int) -> bool:
    return isinstance(value, int | str) and str(value).strip().isdigit() and low <= int(value) <= MAX_DAYS


def rung_problems(session: Session, row: Mapping[str, Any]) -> list[str]:
    """What is wrong with one rung of an edited ladder."""
    problems = []
    if row.get("tool") not in TOOLS:
        problems.append(f"督办方式须为：{'、'.join(f'{k}（{v}）' for k, v in TOOLS.items())}。")
    if not str(row.get("name") or "").strip():
        problems.append("请填写名称。")
    rectify = bool(row.get("rectify"))
    low = 1 if rectify else 0
    if not (_days(row.get("plan_days", 0), low) and _days(row.get("period_days", 0), low)):
        problems.append(f"方案报送和整改期限须为{low}至{MAX_DAYS}个工作日。")
    elif rectify and int(row.get("plan_days", 0)) >= int(row.get("period_days", 0)):
        problems.append("整改方案的报送期限应短于整改期限。")
    if not _days(row.get("report_days", 0), 0):
        problems.append(f"进展报告间隔须为0至{MAX_DAYS}个工作日（0表示不要求定期报告）。")
    copy_to = row.get("copy_to", [])
    if not isinstance(copy_to, list) or not all(isinstance(c, str) and 0 < len(c) <= 60 for c in copy_to):
        problems.append("抄送单位须为单位名称或组织机构代码的列表。")
    if session.get(OrgUnit, str(row.get("issuer_code") or "")) is None:
        problems.append("发文单位须为已有的组织机构代码。")
    return problems


def _new_rung(position: int, row: Mapping[str, Any], user: User) -> SupervisionRung:
    return SupervisionRung(
        position=position,
        tool=str(row["tool"]),
        name=str(row["name"]).strip()[:40],
        rectify=bool(row.get("rectify")),
        plan_days=int(row.get("plan_days", 0)),
        period_days=int(row.get("period_days", 0)),
        report_days=int(row.get("report_days", 0)),
        copy_to=[str(c).strip() for c in row.get("copy_to", [])],
        issuer_code=str(row["issuer_code"]),
        note=str(row.get("note") or "")[:200],
        updated_by=user.id,
        updated_at=utcnow(),
    )


# --- opening a case ------------------------------------------------------------------------------


def open_case_for(
    session: Session, user: User | None, data: Mapping[str, Any]
) -> tuple[OrgUnit, str, int | None]:
    """The county, the reason and the assessment period of a new case — or Invalid / Conflict.

    From the scorecard (`period_id`), the county must be lagging in that period and the reason may
    be left out (it is written from the score); by hand the reason is required.
    """
    if user is None or not is_committee(session, user):
        raise Forbidden("只有市委政法委工作人员可以对县（市、区）立案督办")
    county = session.get(OrgUnit, str(data.get("county_code") or ""))
    if county is None or county.kind != "county" or county.valid_to is not None:
        raise Invalid("请选择被督办的县（市、区）", fields={"county_code": ["县（市、区）代码不存在。"]})
    period_id, reason = _period_id(data), str(data.get("case_reason") or "").strip()
    if period_id is not None:
        reason = reason or _lagging_reason(session, period_id, county)
    if not reason:
        raise Invalid("请填写立案督办的理由", fields={"case_reason": ["手动立案时必须写明理由。"]})
    if len(reason) > 2000:
        raise Invalid("立案理由过长", fields={"case_reason": ["不超过2000字。"]})
    if open_case_of(session, county.code) is not None:
        raise Conflict(f"{county.name}已有正在办理的督办案件，请在该案件中继续督办")
    return county, reason, period_id


def _period_id(data: Mapping[str, Any]) -> int | None:
    value = data.get("period_id")
    if value in (None, ""):
        return None
    if not str(value).isdigit():
        raise Invalid("考评期编号无效", fields={"period_id": ["必须是考评期编号。"]})
    return int(value)


def _lagging_reason(session: Session, period_id: int, county: OrgUnit) -> str:
    period = session.get(AssessmentPeriod, period_id)
    score = session.scalar(
        select(AssessmentScore).where(
            AssessmentScore.period_id == period_id, AssessmentScore.county_code == county.code
        )
    )
    if period is None or score is None or not score.lagging:
        raise Invalid(
            "该县（市、区）在所选考评期中未被标记为滞后",
            fields={
                "period_id": [
                    "只能对考评结果中标记为滞后的县（市、区）从考评结果立案；其他情况请手动立案并写明理由。"
                ]
            },
        )
    return (
        f"在“{period.title}”考评中得分{score.total:g}分，低于达标线{period.threshold:g}分，"
        f"全市排名第{score.rank}位，社区社会组织培育发展工作进展滞后。"
    )


def open_case_of(session: Session, county_code: str) -> SupervisionCase | None:
    """The county's case still in progress, if any."""
    return session.scalar(
        select(SupervisionCase).where(
            SupervisionCase.county_code == county_code, SupervisionCase.status.not_in(FINAL_STATUSES)
        )
    )
