"""Registration review and filing (登记审核 / 备案, issue #3): the service tasks of
`registration_review` and the organization registry they feed.

The BPMN decides who does what and when; this module does what a diagram cannot say:
the pre-check against the local rules, the numbered documents, the credit code, the
registry entries and their status history, and the public search.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Select, bindparam, exists, func, or_, select
from sqlalchemy.orm import Session

from forms import get_form
from forms.registration import (
    CATEGORIES,
    CORRECTION_ITEMS,
    DIRECT_CATEGORIES,
    NAME_FORBIDDEN,
    REFUSAL_GROUNDS,
)
from models import (
    ACTIVE_INSTANCE_STATUSES,
    HumanTask,
    Organization,
    OrganizationRepresentative,
    OrganizationStatus,
    OrgUnit,
    ProcessInstance,
    RegistrationRule,
    RegistrySerial,
    Submission,
    User,
)
from models.db import insert_loaded, next_value
from models.registry import ACTIVE_STATUSES, LEVELS, ORG_STATUSES, ORG_TYPES
from workflows import attachments, audit, dossier, orgs
from workflows.calendar import deadline
from workflows.context import RunContext
from workflows.credit_code import make_uscc, validate_uscc
from workflows.errors import Invalid
from workflows.notifications import notify, notify_ids
from workflows.official_text import cn_date
from workflows.services import issue_for_run, service
from workflows.tasks_sync import candidate_users, open_tasks
from workflows.working_days import CST

PROCESS_KEY = "registration_review"
CITY_CODE = "140700"
USCC_CATEGORY = {"association": "1", "service": "2"}
CERTIFICATE_TITLES = {"association": "社会团体法人登记证书", "service": "民办非企业单位（法人）登记证书"}
REMIND_SHARE = 0.8
SERVICE_FIELD_LABELS = {
    "mental_health": "心理健康", "correction": "矫治安帮", "legal_aid": "法律援助",
    "mediation": "矛盾纠纷调解", "public_safety": "平安建设", "other": "其他领域",
}  # fmt: skip

# --- local rules (configuration, versioned) -----------------------------------------------------------------

DEFAULT_RULES: dict[tuple[str, str], dict[str, Any]] = {
    # 社团条例 Art. 10: 50 individual or 30 unit members (50 mixed), ¥30,000 for local bodies.
    ("association", "county"): dict(
        min_individual_members=50,
        min_unit_members=30,
        min_mixed_members=50,
        min_funds=30_000,
        filing_allowed=False,
    ),
    # Lowered community thresholds (examples: 扬州 20/10); below them: filing with the street.
    ("association", "community"): dict(
        min_individual_members=20,
        min_unit_members=10,
        min_mixed_members=20,
        min_funds=10_000,
        filing_allowed=True,
        filing_min_founders=2,
        filing_min_members=10,
    ),
    # 民非: no national minimum; a county-level example is ¥50,000 (固原).
    ("service", "county"): dict(min_funds=50_000, filing_allowed=False),
    ("service", "community"): dict(min_funds=10_000, filing_allowed=True, filing_min_founders=2),
}
DEFAULT_NOTE = "默认规则（DOMAIN.md §1.3；社区级门槛为示例，请按本地规定修改）"


def seed_registration_rules(session: Session) -> int:
    """Insert the city-wide default rules where none exist yet (idempotent); returns rows added."""
    added = 0
    for (org_type, level), values in DEFAULT_RULES.items():
        exists = session.scalar(
            select(RegistrationRule.id).where(
                RegistrationRule.county_code == CITY_CODE,
                RegistrationRule.org_type == org_type,
                RegistrationRule.level == level,
            )
        )
        if exists is None:
            session.add(
                RegistrationRule(
                    county_code=CITY_CODE,
                    org_type=org_type,
                    level=level,
                    version=1,
                    effective_from=datetime(2019, 9, 20, tzinfo=CST),
                    note=DEFAULT_NOTE,
                    **values,
                )
            )
            added += 1
    session.flush()
    return added


def save_rule(
    session: Session,
    county_code: str,
    org_type: str,
    level: str,
    values: Mapping[str, Any],
    user: User | None = None,
    effective_from: datetime | None = None,
) -> RegistrationRule:
    """A new version of a jurisdiction's rule: the rule in force, changed by `values`."""
    base = current_rule(session, county_code, org_type, level, effective_from)
    columns = {
        c.key: getattr(base, c.key)
        for c in RegistrationRule.__table__.columns
        if c.key not in ("id", "county_code", "version", "effective_from", "created_by", "created_at")
    }
    latest = (
        session.scalar(
            select(func.max(RegistrationRule.version)).where(
                RegistrationRule.county_code == county_code,
                RegistrationRule.org_type == org_type,
                RegistrationRule.level == level,
            )
        )
        or 0
    )
    rule = RegistrationRule(
        **{**columns, **values},
        county_code=county_code,
        version=latest + 1,
        effective_from=effective_from or datetime.now(CST),
        created_by=user.id if user else None,
    )
    session.add(rule)
    session.flush()
    audit.record(
        session,
        "registration_rule_saved",
        actor_id=user.id if user else None,
        details={"county": county_code, "org_type": org_type, "level": level, "version": rule.version},
    )
    return rule


# The pre-check's statements are built once, with bound parameters: every application runs them,
# and working out SQLAlchemy's cache key of a fresh statement costs about as much as running it.
_RULES_IN_FORCE = (
    select(RegistrationRule)
    .where(
        RegistrationRule.county_code.in_((bindparam("county"), CITY_CODE)),
        RegistrationRule.org_type == bindparam("org_type"),
        RegistrationRule.level == bindparam("level"),
        RegistrationRule.effective_from <= bindparam("now"),
    )
    .order_by(RegistrationRule.version.desc())
)


def current_rule(
    session: Session, county_code: str, org_type: str, level: str, now: datetime | None = None
) -> RegistrationRule:
    """The rule in force: the county's newest version, else the city's default."""
    now = now or datetime.now(CST)
    params = {"county": county_code, "org_type": org_type, "level": level, "now": now}
    rows = session.scalars(_RULES_IN_FORCE, params).all()
    own = [r for r in rows if r.county_code == county_code]
    if own or rows:
        return (own or rows)[0]
    raise LookupError(f"no registration rule for {county_code}/{org_type}/{level}: run `flask init`")


# Editable columns of a rule: (type, smallest value, largest value) — numbers are whole units.
RULE_COLUMNS: dict[str, tuple[type, int, int]] = {
    "min_individual_members": (int, 0, 100_000),
    "min_unit_members": (int, 0, 100_000),
    "min_mixed_members": (int, 0, 100_000),
    "min_funds": (int, 0, 1_000_000_000),
    "filing_allowed": (bool, 0, 1),
    "filing_min_founders": (int, 0, 1_000),
    "filing_min_members": (int, 0, 100_000),
    "filing_valid_years": (int, 1, 10),
    "filing_remind_days": (int, 1, 180),
    "acceptance_days": (int, 1, 20),
    "statutory_days": (int, 1, 365),
}
STATUTORY_UNITS = {"D": "日（自然日）", "WD": "工作日"}


def _rule_key_errors(session: Session, body: Mapping[str, Any]) -> dict[str, list[str]]:
    """Which rule is meant: a county (or the city), a type and a level."""
    errors: dict[str, list[str]] = {}
    unit = session.get(OrgUnit, str(body.get("county_code") or ""))
    if unit is None or unit.kind not in ("county", "city"):
        errors["county_code"] = ["请填写县（市、区）代码，或填写市级代码 140700 修改全市默认规则。"]
    if body.get("org_type") not in ORG_TYPES:
        errors["org_type"] = [f"可选：{', '.join(ORG_TYPES)}"]
    if body.get("level") not in LEVELS:
        errors["level"] = [f"可选：{', '.join(LEVELS)}"]
    return errors


def _rule_value_errors(session: Session, body: Mapping[str, Any]) -> dict[str, list[str]]:
    """The new values: whole numbers in range, a known unit and authority."""
    errors: dict[str, list[str]] = {}
    for name, (kind, low, high) in RULE_COLUMNS.items():
        value = body.get(name)
        if value is None:
            continue
        if kind is bool and not isinstance(value, bool):
            errors[name] = ["必须是 true 或 false。"]
        elif kind is int and (type(value) is not int or not low <= value <= high):
            errors[name] = [f"必须是{low}至{high}之间的整数。"]
    if body.get("statutory_unit") not in (None, *STATUTORY_UNITS):
        errors["statutory_unit"] = ["可选：D（自然日）或 WD（工作日）。"]
    authority = body.get("authority_code")
    if authority not in (None, "") and session.get(OrgUnit, str(authority)) is None:
        errors["authority_code"] = ["登记管理机关须是已有的组织机构代码。"]
    return errors


def change_rule(session: Session, body: Mapping[str, Any], user: User) -> RegistrationRule:
    """An administrator changes a local rule: a new version, in force from now (Invalid on bad input)."""
    errors = _rule_key_errors(session, body) or _rule_value_errors(session, body)
    unknown = (
        set(body)
        - set(RULE_COLUMNS)
        - {"county_code", "org_type", "level", "statutory_unit", "authority_code", "note"}
    )
    errors.update({name: ["不是可修改的规则项。"] for name in sorted(unknown)})
    if errors:
        raise Invalid("登记规则有误，请按提示修改", fields=errors)
    values = {k: v for k, v in body.items() if k not in ("county_code", "org_type", "level")}
    if "authority_code" in values:
        values["authority_code"] = values["authority_code"] or None
    if "note" in values:
        values["note"] = str(values["note"] or "")[:200]
    rule = save_rule(session, body["county_code"], body["org_type"], body["level"], values, user)
    session.commit()
    return rule


def rules_in_force(session: Session, now: datetime | None = None) -> list[RegistrationRule]:
    """The newest version of every configured rule (the city's defaults and each county's own)."""
    now = now or datetime.now(CST)
    rows = session.scalars(
        select(RegistrationRule)
        .where(RegistrationRule.effective_from <= now)
        .order_by(
            RegistrationRule.county_code,
            RegistrationRule.org_type,
            RegistrationRule.level,
            RegistrationRule.version.desc(),
        )
    )
    latest: dict[tuple[str, str, str], RegistrationRule] = {}
    for rule in rows:
        latest.setdefault((rule.county_code, rule.org_type, rule.level), rule)
    return list(latest.values())


def rule_json(rule: RegistrationRule) -> dict[str, Any]:
    """A rule as the API shows it."""
    body = {name: getattr(rule, name) for name in RULE_COLUMNS}
    body.update(
        id=rule.id,
        county_code=rule.county_code,
        org_type=rule.org_type,
        level=rule.level,
        version=rule.version,
        effective_from=rule.effective_from.isoformat(),
        statutory_unit=rule.statutory_unit,
        authority_code=rule.authority_code,
        note=rule.note,
    )
    return body


# --- pure checks --------------------------------------------------------------------------------------------


def division_prefixes(county: OrgUnit, city: OrgUnit | None) -> list[str]:
    """The ways a local name may begin: 榆次区…, 晋中市榆次区…, 山西省晋中市榆次区…"""
    city_name = city.name if city else "晋中市"
    return [county.name, city_name + county.name, "山西省" + city_name + county.name]


def name_problems(name: str, prefixes: Iterable[str], taken: bool, pending: bool = False) -> list[str]:
    """What is wrong with a proposed name (社会组织名称管理办法; 社团条例 Art. 10)."""
    problems = []
    prefixes = list(prefixes)
    if not any(name.startswith(p) for p in prefixes):
        problems.append(f"名称应以所在行政区划名称开头，如“{prefixes[0]}…”或“{prefixes[1]}…”。")
    banned = [word for word in NAME_FORBIDDEN if word in name]
    if banned:
        problems.append(f"地方性社会组织名称不得使用“{'”“'.join(banned)}”字样。")
    if taken:
        problems.append(f"本县（市、区）已有名称为“{name}”的社会组织，名称不得相同。")
    if pending:
        problems.append(f"名称为“{name}”的另一份登记（备案）申请正在办理中，请勿重复申请或更换名称。")
    return problems


def _count(data: Mapping[str, Any], key: str) -> int:
    """A non-negative whole number from form data (0 when missing or malformed)."""
    try:
        return max(int(data.get(key) or 0), 0)
    except (TypeError, ValueError):
        return 0


def registration_shortfalls(data: Mapping[str, Any], rule: RegistrationRule) -> list[str]:
    """How the application falls short of the rule's registration thresholds (empty: it meets them)."""
    shortfalls = []
    individual, units = _count(data, "individual_members"), _count(data, "unit_members")
    if data.get("org_type") == "association":
        if individual and units and individual + units < rule.min_mixed_members:
            shortfalls.append(
                f"会员总数{individual + units}个，少于混合会员制所需的{rule.min_mixed_members}个"
            )
        elif units and not individual and units < rule.min_unit_members:
            shortfalls.append(f"单位会员{units}个，少于所需的{rule.min_unit_members}个")
        elif not units and individual < rule.min_individual_members:
            shortfalls.append(f"个人会员{individual}个，少于所需的{rule.min_individual_members}个")
    funds = float(data.get("funds") or 0)
    if funds < rule.min_funds:
        shortfalls.append(f"活动资金{funds:,.2f}元，低于所需的{rule.min_funds:,}元")
    return shortfalls


def filing_shortfalls(data: Mapping[str, Any], rule: RegistrationRule) -> list[str]:
    """How the application falls short of the minimum for a filing (empty: it may file)."""
    shortfalls = []
    founders = len([f for f in data.get("founders") or [] if isinstance(f, Mapping)])
    if founders < rule.filing_min_founders:
        shortfalls.append(f"发起人{founders}人，少于备案所需的{rule.filing_min_founders}人")
    members = _count(data, "individual_members") + _count(data, "unit_members")
    if members < rule.filing_min_members:
        shortfalls.append(f"成员{members}个，少于备案所需的{rule.filing_min_members}个")
    return shortfalls


def choose_path(
    data: Mapping[str, Any], rule: RegistrationRule, level: str, can_file: bool
) -> tuple[str, list[str]]:
    """The path (registration, filing or returned) and, when returned, why."""
    below = registration_shortfalls(data, rule)
    if not below:
        if data.get("category") not in DIRECT_CATEGORIES and not data.get("supervisor_consent"):
            return "returned", [
                "类别不属于直接登记的四类社会组织，须先取得业务主管单位同意，请上传业务主管单位同意文件。"
            ]
        return "registration", []
    summary = "未达到登记条件：" + "；".join(below) + "。"
    if level == "county" or not rule.filing_allowed:
        return "returned", [summary + "活动地域在本县（市、区）范围的社会组织须达到登记条件后再申请。"]
    short = filing_shortfalls(data, rule)
    if short:
        return "returned", [summary, "也未达到备案条件：" + "；".join(short) + "。"]
    if not can_file:
        return "returned", [
            summary + "备案须由所在社区（村）初审，但未能确定申请人所在的社区（村），请联系社区居（村）委会。"
        ]
    return "filing", []


# --- the pre-check (service task) ---------------------------------------------------------------------------


def _units(session: Session, code: str | None) -> tuple[OrgUnit | None, OrgUnit | None]:
    """The applicant's community and street, when the applicant sits in a community."""
    unit = session.get(OrgUnit, code) if code else None
    if unit is None or unit.kind != "community" or not unit.parent_code:
        return None, None
    return unit, session.get(OrgUnit, unit.parent_code)


_NAME_IN_USE = select(
    exists().where(
        Organization.county_code == bindparam("county"),
        Organization.name == bindparam("name"),
        Organization.status.in_(ACTIVE_STATUSES),
    ),
    exists().where(
        ProcessInstance.process_key == PROCESS_KEY,
        ProcessInstance.scope_code == bindparam("county"),
        ProcessInstance.business_key == bindparam("name"),
        ProcessInstance.id != bindparam("instance_id"),
        ProcessInstance.status.in_(ACTIVE_INSTANCE_STATUSES),
    ),
)


def _name_in_use(session: Session, instance: ProcessInstance, name: str) -> tuple[bool, bool]:
    """(taken by a living organization of the county, asked for by another open case)."""
    params = {"county": instance.scope_code, "name": name, "instance_id": instance.id}
    taken, pending = session.execute(_NAME_IN_USE, params).one()
    return bool(taken), bool(pending)


def _attachment_problems(ctx: RunContext, data: Mapping[str, Any]) -> list[str]:
    """Attachment ids in the application that are not the applicant's or the case's."""
    fields = (
        "premises_proof",
        "charter_file",
        "application_letter",
        "id_copies",
        "capital_verification",
        "member_roster",
        "supervisor_consent",
        "other_attachment",
    )
    ids = [int(data[f]) for f in fields if str(data.get(f) or "").isdigit()]
    return attachments.check_owned(ctx.session, ids, ctx.instance.started_by, ctx.instance.id)


def _record_resubmission(ctx: RunContext) -> int:
    """The dossier version of this submission; a resubmission's changes go to the audit trail."""
    rows = ctx.session.scalars(
        select(Submission)
        .where(
            Submission.instance_id == ctx.instance.id,
            Submission.bpmn_id == "apply",
        )
        .order_by(Submission.version.desc())
        .limit(2)
    ).all()
    if len(rows) == 2:
        changes = [
            {"label": c.label, "before": c.before, "after": c.after, "kind": c.kind}
            for c in dossier.diff(get_form(rows[0].form_key), rows[1].data, rows[0].data)
        ]
        audit.record(
            ctx.session,
            "dossier_resubmitted",
            instance_id=ctx.instance.id,
            at=ctx.now,
            actor_id=ctx.actor.id if ctx.actor else None,
            details={"version": rows[0].version, "changes": changes},
        )
    return rows[0].version if rows else 1


@service("registration_precheck")
def precheck(ctx: RunContext, data: dict[str, Any]) -> dict[str, Any]:
    """Name rules, thresholds of the jurisdiction and the path: registration, filing or returned."""
    session, county = ctx.session, ctx.scope
    level = "county" if data.get("activity_area") == "county" else "community"
    rule = current_rule(session, county.code, str(data.get("org_type")), level, ctx.now)
    community, street = _units(session, data.get("applicant_org"))
    name = str(data.get("name") or "")
    reasons = name_problems(
        name, division_prefixes(county, county.parent), *_name_in_use(session, ctx.instance, name)
    )
    reasons += _attachment_problems(ctx, data)
    path, why = choose_path(data, rule, level, can_file=street is not None)
    reasons += why
    acceptance_due = deadline(session, ctx.now, f"P{rule.acceptance_days}WD")
    result = {
        "path": "returned" if reasons else path,
        "reasons": reasons,
        "level": level,
        "consent_missing": any("业务主管单位" in r for r in why),
        "version": _record_resubmission(ctx),
        "received_at": ctx.now.isoformat(timespec="seconds"),
        "acceptance_due": acceptance_due.at.isoformat(timespec="seconds"),
        "authority_code": rule.authority_code or county.code,
        "community_code": community.code if community else None,
        "street_code": street.code if street else None,
        "rule": {
            "id": rule.id,
            "county": rule.county_code,
            "version": rule.version,
            "statutory_days": rule.statutory_days,
            "statutory_unit": rule.statutory_unit,
            "filing_valid_years": rule.filing_valid_years,
            "filing_remind_days": rule.filing_remind_days,
        },
    }
    audit.record(
        session,
        "registration_prechecked",
        instance_id=ctx.instance.id,
        at=ctx.now,
        details={k: result[k] for k in ("path", "reasons", "level", "version", "rule")},
    )
    return result


# --- helpers for the decision services ----------------------------------------------------------------------


def _unit(ctx: RunContext, code: str | None) -> OrgUnit:
    """The org unit `code`, or the case's scope when none is named."""
    unit = ctx.session.get(OrgUnit, code) if code else None
    return unit or ctx.scope


def _issue(
    ctx: RunContext, kind: str, issuer: OrgUnit, content: dict[str, Any], title: str | None = None
) -> dict[str, Any]:
    """Issue a numbered document for the instance (rendered to PDF after commit)."""
    content = {"recipient": ctx.instance.business_key, **content}
    doc = issue_for_run(ctx, issuer=issuer, kind=kind, content=content, title=title)
    return {"id": doc.id, "number": doc.number}


def _tell_applicant(ctx: RunContext, title: str, body: str) -> None:
    """An in-app notification (and e-mail) to the applicant, linking the case."""
    link = f"/instances/{ctx.instance.id}"
    notify_ids(ctx.session, [ctx.instance.started_by], "registration", title, body, link)


def _rights(county: OrgUnit) -> str:
    """The remedies a refusal must name (行政复议法 2023: the county government reviews)."""
    return (
        f"如不服本决定，可以自收到本决定书之日起六十日内向{county.name}人民政府申请行政复议，"
        "也可以自收到本决定书之日起六个月内依法向人民法院提起行政诉讼。"
    )


def _labels(keys: Iterable[str], choices: list[tuple[str, str]]) -> list[str]:
    """The Chinese labels of choice values."""
    names = dict(choices)
    return [names.get(key, key) for key in keys]


def _received(data: Mapping[str, Any]) -> str:
    """The day the (latest) application was received, as documents write it."""
    return cn_date(datetime.fromisoformat(data["precheck"]["received_at"]))


# --- acceptance ---------------------------------------------------------------------------------------------


@service("registration_notify_applicant")
def notify_applicant(ctx: RunContext, data: dict[str, Any], title: str, reasons: list[str]) -> dict[str, Any]:
    """Tell the applicant why the application came back (no official document: not yet accepted)."""
    body = "；".join(str(r) for r in reasons if r) or title
    _tell_applicant(ctx, title, body)
    audit.record(
        ctx.session,
        "applicant_notified",
        instance_id=ctx.instance.id,
        at=ctx.now,
        details={"title": title, "reasons": list(reasons)},
    )
    return {"title": title, "reasons": list(reasons), "at": ctx.now.isoformat(timespec="seconds")}


@service("registration_correction_notice")
def correction_notice(ctx: RunContext, data: dict[str, Any]) -> dict[str, Any]:
    """The one-time correction notice (一次性补正告知书) listing every item at once."""
    items = _labels(data.get("correction_items") or [], CORRECTION_ITEMS)
    items += [line.strip() for line in str(data.get("correction_other") or "").splitlines() if line.strip()]
    authority = _unit(ctx, data["precheck"]["authority_code"])
    doc = _issue(
        ctx,
        "correction_notice",
        authority,
        {
            "paragraphs": [
                f"你（单位）于{_received(data)}提交的“{data.get('name')}”成立登记申请材料不齐全或者不符合法定形式。"
                "依照《中华人民共和国行政许可法》第三十二条，现一次性告知需要补正的全部内容如下：",
            ],
            "items": [[f"{i}.", text] for i, text in enumerate(items, start=1)],
            "footnote": "请按上述事项一次补正后重新提交，本机关自收到补正材料之日起重新审查。",
        },
    )
    _tell_applicant(ctx, "申请材料需补正", f"{doc['number']}：" + "；".join(items))
    return {**doc, "items": items}


@service("registration_non_acceptance")
def non_acceptance(ctx: RunContext, data: dict[str, Any]) -> dict[str, Any]:
    """不予受理通知书: not within our authority; names the office to apply to."""
    authority = _unit(ctx, data["precheck"]["authority_code"])
    other = str(data.get("competent_authority") or "").strip()
    doc = _issue(
        ctx,
        "non_acceptance_notice",
        authority,
        {
            "paragraphs": [
                f"你（单位）于{_received(data)}提交的“{data.get('name')}”成立登记申请，经审查，"
                f"{data.get('not_accept_reason')}。依照《中华人民共和国行政许可法》第三十二条第一款，本机关决定不予受理。",
                f"请向{other}提出申请。" if other else "",
                _rights(ctx.scope),
            ],
        },
    )
    _tell_applicant(ctx, "申请不予受理", f"{doc['number']}：{data.get('not_accept_reason')}")
    return doc


@service("registration_accept")
def accept(ctx: RunContext, data: dict[str, Any]) -> dict[str, Any]:
    """受理: the acceptance notice and the statutory clock (deemed acceptance counts from receipt)."""
    check = data["precheck"]
    deemed = bool(data.get("deemed_accepted"))
    accepted_at = datetime.fromisoformat(check["received_at"]) if deemed else ctx.now
    rule = check["rule"]
    due = deadline(ctx.session, accepted_at, f"P{rule['statutory_days']}{rule['statutory_unit']}")
    remind_at = accepted_at + (due.at - accepted_at) * REMIND_SHARE
    unit_text = "个工作日" if rule["statutory_unit"] == "WD" else "日"
    lead = (
        "本机关未在收到申请材料之日起五个工作日内告知补正，依照《中华人民共和国行政许可法》第三十二条，"
        "自收到申请材料之日起即为受理。"
        if deemed
        else "申请材料齐全、符合法定形式，本机关决定予以受理。"
    )
    doc = _issue(
        ctx,
        "acceptance_notice",
        _unit(ctx, check["authority_code"]),
        {
            "paragraphs": [
                f"你（单位）于{_received(data)}提交的“{data.get('name')}”成立登记申请，{lead}",
                f"本机关将自受理之日起{rule['statutory_days']}{unit_text}内作出是否准予登记的决定。",
            ],
            "items": [
                ["受理日期", cn_date(accepted_at)],
                ["法定办结期限", cn_date(due.at)],
                ["受理方式", "逾期未告知补正，视为受理" if deemed else "窗口受理"],
            ],
        },
    )
    audit.record(
        ctx.session,
        "registration_accepted",
        instance_id=ctx.instance.id,
        at=ctx.now,
        details={
            "deemed": deemed,
            "accepted_at": accepted_at.isoformat(),
            "due_at": due.at.isoformat(),
            "estimated": due.estimated,
            "calendar": due.calendar_version,
        },
    )
    _tell_applicant(ctx, "申请已受理", f"{doc['number']}，法定办结期限：{cn_date(due.at)}")
    return {
        "notice": doc,
        "deemed": deemed,
        "accepted_at": accepted_at.isoformat(timespec="seconds"),
        "due_at": due.at.isoformat(timespec="seconds"),
        "remind_at": remind_at.isoformat(timespec="seconds"),
        "estimated": due.estimated,
    }


# --- the statutory clock ------------------------------------------------------------------------------------


def _open_rows(ctx: RunContext) -> list[HumanTask]:
    """The case's open human tasks."""
    return open_tasks(ctx.session, ctx.instance.id)


def _leaders(ctx: RunContext, unit_code: str) -> list[User]:
    """Bureau heads (county_leader) of a unit."""
    return orgs.active_users(ctx.session, [unit_code], "county_leader")


def _case_people(ctx: RunContext) -> dict[int, User]:
    """Everyone who may act on an open task of the case now."""
    return {u.id: u for row in _open_rows(ctx) for u in candidate_users(ctx.session, row)}


@service("registration_statutory_reminder")
def statutory_reminder(ctx: RunContext, data: dict[str, Any]) -> dict[str, Any]:
    """80 % of the statutory period has passed: remind whoever holds the case now."""
    due = datetime.fromisoformat(data["acceptance"]["due_at"])
    notify(
        ctx.session,
        _case_people(ctx).values(),
        "due_soon",
        f"法定期限将至：{ctx.instance.business_key}",
        f"登记申请的法定办结期限为{cn_date(due)}，请抓紧办理。",
        f"/instances/{ctx.instance.id}",
    )
    audit.record(
        ctx.session,
        "statutory_reminder",
        instance_id=ctx.instance.id,
        at=ctx.now,
        details={"due_at": due.isoformat()},
    )
    return {"at": ctx.now.isoformat(timespec="seconds")}


@service("registration_statutory_overdue")
def statutory_overdue(ctx: RunContext, data: dict[str, Any]) -> dict[str, Any]:
    """The statutory period has run out: escalate to the bureau head, flag every open task."""
    due = datetime.fromisoformat(data["acceptance"]["due_at"])
    for row in _open_rows(ctx):
        if row.due_at is None or row.due_at > due:
            row.due_at = due  # the case's deadline bounds every step of it: the inbox shows it overdue
    people = {**_case_people(ctx), **{u.id: u for u in _leaders(ctx, data["precheck"]["authority_code"])}}
    notify(
        ctx.session,
        people.values(),
        "overdue",
        f"已超过法定期限：{ctx.instance.business_key}",
        f"登记申请的法定办结期限（{cn_date(due)}）已过，尚未作出决定，请局领导督办。",
        f"/instances/{ctx.instance.id}",
    )
    audit.record(
        ctx.session,
        "statutory_overdue",
        instance_id=ctx.instance.id,
        at=ctx.now,
        details={"due_at": due.isoformat(), "notified": sorted(people)},
    )
    return {"at": ctx.now.isoformat(timespec="seconds"), "notified": len(people)}


# --- the registry: serials and credit codes -----------------------------------------------------------------


def next_serial(session: Session, key: str) -> int:
    """The next value of a serial, locked until the transaction ends (no two callers share one)."""
    return next_value(session, RegistrySerial, key=key)


def allocate_credit_code(session: Session, division: str, category: str) -> str:
    """A new, unused civil-affairs credit code for the division (county) and category."""
    while True:
        code = make_uscc(category, division, next_serial(session, f"uscc:{division}:{category}"))
        if session.scalar(select(Organization.id).where(Organization.credit_code == code)) is None:
            return code


def _set_status(
    ctx: RunContext, org: Organization, status: str, reason: str, document_number: str = ""
) -> None:
    """Change the organization's status and append the change to its history."""
    _change_status(ctx, org, status, reason, document_number)
    _audit_status(ctx, org, status, reason)


def _enter_registry(
    ctx: RunContext, org: Organization, status: str, reason: str, document_number: str
) -> None:
    """A new organization enters the registry with its first status; the applicant represents it.

    Its rows are written by one INSERT each (`insert_loaded`): the organization with every number
    already on it (the trail needs its id), its first status, its representative.
    """
    first = _status_row(ctx, org, status, reason, document_number)
    org.status, org.updated_at = status, ctx.now
    insert_loaded(ctx.session, org)
    first.organization_id = org.id
    insert_loaded(ctx.session, first)
    representative = OrganizationRepresentative(
        organization_id=org.id, user_id=ctx.instance.started_by, since=ctx.now
    )
    insert_loaded(ctx.session, representative)
    _audit_status(ctx, org, status, reason)


def _change_status(
    ctx: RunContext, org: Organization, status: str, reason: str, document_number: str
) -> None:
    org.history.append(_status_row(ctx, org, status, reason, document_number))
    org.status, org.updated_at = status, ctx.now


def _status_row(
    ctx: RunContext, org: Organization, status: str, reason: str, document_number: str
) -> OrganizationStatus:
    """The history entry of `org` changing to `status` now."""
    return OrganizationStatus(
        status=status,
        previous_status=org.status,
        reason=reason,
        document_number=document_number,
        instance_id=ctx.instance.id,
        actor_id=ctx.actor.id if ctx.actor else None,
        at=ctx.now,
    )


def _audit_status(ctx: RunContext, org: Organization, status: str, reason: str) -> None:
    audit.record(
        ctx.session,
        f"organization_{status}",
        instance_id=ctx.instance.id,
        at=ctx.now,
        details={"organization_id": org.id, "name": org.name, "reason": reason},
    )


def _new_organization(ctx: RunContext, data: Mapping[str, Any]) -> Organization:
    """A registry entry from the application, not yet in the session (`_enter_registry` adds it)."""
    check = data["precheck"]
    org = Organization(
        name=data["name"],
        org_type=data["org_type"],
        category=data.get("category") or "",
        service_field=data.get("service_field") or "",
        service_field_other=data.get("service_field_other") or "",
        groups_served=list(data.get("groups_served") or []),
        activity_area=data.get("activity_area") or "",
        county_code=ctx.instance.scope_code,
        street_code=check.get("street_code"),
        community_code=check.get("community_code"),
        status="new",
        legal_representative=data.get("rep_name") or "",
        domicile=data.get("domicile") or "",
        purpose=data.get("purpose") or "",
        business_scope=data.get("business_scope") or "",
        funds=float(data.get("funds") or 0),
        registered_at=ctx.now,
        instance_id=ctx.instance.id,
        created_at=ctx.now,
        updated_at=ctx.now,
    )
    return org


# --- decisions on registration ------------------------------------------------------------------------------


@service("registration_approve")
def approve(ctx: RunContext, data: dict[str, Any]) -> dict[str, Any]:
    """准予登记: credit code, registry entry, decision and certificate."""
    authority = _unit(ctx, data["precheck"]["authority_code"])
    org = _new_organization(ctx, data)
    org.credit_code = allocate_credit_code(ctx.session, ctx.instance.scope_code, USCC_CATEGORY[org.org_type])
    org.authority_code = authority.code
    decision = _issue(
        ctx,
        "approval_decision",
        authority,
        {
            "paragraphs": [
                f"你（单位）于{_received(data)}提出的“{org.name}”成立登记申请，本机关已于"
                f"{cn_date(datetime.fromisoformat(data['acceptance']['accepted_at']))}受理。经审查，符合法定登记条件，"
                "依照《中华人民共和国行政许可法》第三十八条第一款，决定准予登记，颁发登记证书。",
                f"统一社会信用代码：{org.credit_code}。",
            ],
            "items": [["名称", org.name], ["法定代表人", org.legal_representative], ["住所", org.domicile]],
        },
    )
    certificate = _issue(
        ctx,
        "certificate",
        authority,
        {
            "credit_code": org.credit_code,
            "items": [
                ["名称", org.name],
                ["住所", org.domicile],
                ["法定代表人", org.legal_representative],
                ["业务范围", org.business_scope],
                ["活动资金", f"{org.funds:,.2f}元"],
                [
                    "业务主管单位",
                    "无（直接登记）" if org.category in DIRECT_CATEGORIES else "见业务主管单位同意文件",
                ],
                ["登记管理机关", authority.name],
            ],
        },
        title=CERTIFICATE_TITLES[org.org_type],
    )
    org.decision_number, org.certificate_number = decision["number"], certificate["number"]
    _enter_registry(ctx, org, "registered", "准予登记", decision["number"])
    _tell_applicant(ctx, "准予登记", f"{decision['number']}；统一社会信用代码 {org.credit_code}")
    return {
        "organization_id": org.id,
        "credit_code": org.credit_code,
        "decision": decision,
        "certificate": certificate,
    }


@service("registration_refuse")
def refuse(ctx: RunContext, data: dict[str, Any]) -> dict[str, Any]:
    """不予登记决定书 with the statutory grounds, the reasons and the applicant's rights."""
    grounds = _labels(data.get("refusal_grounds") or [], REFUSAL_GROUNDS)
    doc = _issue(
        ctx,
        "refusal_decision",
        _unit(ctx, data["precheck"]["authority_code"]),
        {
            "paragraphs": [
                f"你（单位）于{_received(data)}提出的“{data.get('name')}”成立登记申请，经审查，有下列情形，"
                "依照《中华人民共和国行政许可法》第三十八条第二款，决定不予登记。",
                f"理由：{data.get('comment')}",
                _rights(ctx.scope),
            ],
            "items": [[f"{i}.", text] for i, text in enumerate(grounds, start=1)],
        },
    )
    _tell_applicant(ctx, "不予登记", f"{doc['number']}：{data.get('comment')}")
    return {**doc, "grounds": grounds}


# --- filing with the street office or township --------------------------------------------------------------


def _years_later(day: date, years: int) -> date:
    """The same day `years` later (28 February for 29 February)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _filing_number(session: Session, street: OrgUnit, year: int) -> str:
    """The next filing number of the street and year, e.g. 140702001-2026-0003."""
    return f"{street.code}-{year}-{next_serial(session, f'filing:{street.code}:{year}'):04d}"


@service("registration_file")
def file(ctx: RunContext, data: dict[str, Any]) -> dict[str, Any]:
    """同意备案: filing number, registry entry (valid three years) and the filing opinion."""
    check, rule = data["precheck"], data["precheck"]["rule"]
    street = _unit(ctx, check["street_code"])
    today = ctx.now.astimezone(CST).date()
    last_day = _years_later(today, int(rule["filing_valid_years"])) - timedelta(days=1)
    valid_until = datetime.combine(last_day, time(23, 59, 59), tzinfo=CST)
    remind_at = datetime.combine(
        last_day - timedelta(days=int(rule["filing_remind_days"])), time(9), tzinfo=CST
    )
    org = _new_organization(ctx, data)
    org.filing_number, org.valid_until, org.authority_code = (
        _filing_number(ctx.session, street, today.year),
        valid_until,
        street.code,
    )
    opinion = _issue(
        ctx,
        "filing_opinion",
        street,
        {
            "paragraphs": [
                f"“{org.name}”的备案申请，经所在社区（村）初审、本机关审查，符合社区社会组织备案条件，同意备案。",
                f"本意见书有效期三年，至{cn_date(valid_until)}止；需继续开展活动的，请于期满十五日前申请延续。",
            ],
            "items": [
                ["组织名称", org.name],
                ["备案编号", org.filing_number],
                ["负责人", org.legal_representative],
                ["活动场所", org.domicile],
                ["业务范围", org.business_scope],
                ["有效期至", cn_date(valid_until)],
            ],
        },
    )
    org.decision_number = opinion["number"]
    _enter_registry(ctx, org, "filed", "同意备案", opinion["number"])
    _tell_applicant(ctx, "同意备案", f"{opinion['number']}；备案编号 {org.filing_number}")
    return {
        "organization_id": org.id,
        "filing_number": org.filing_number,
        "opinion": opinion,
        "valid_until": valid_until.isoformat(timespec="seconds"),
        "remind_at": remind_at.isoformat(),
    }


@service("registration_filing_refusal")
def filing_refusal(ctx: RunContext, data: dict[str, Any]) -> dict[str, Any]:
    """不予备案通知书 with the written reasons."""
    doc = _issue(
        ctx,
        "filing_refusal",
        _unit(ctx, data["precheck"]["street_code"]),
        {
            "paragraphs": [
                f"“{data.get('name')}”的备案申请，经审查，不予备案。",
                f"理由：{data.get('comment')}",
                "对本决定不服的，可以依法申请行政复议或者提起行政诉讼。",
            ]
        },
    )
    _tell_applicant(ctx, "不予备案", f"{doc['number']}：{data.get('comment')}")
    return doc


def _filed_org(ctx: RunContext, data: Mapping[str, Any]) -> Organization | None:
    """The organization the filing of this case created."""
    return ctx.session.get(Organization, data["filing"]["organization_id"])


@service("registration_filing_expiry_reminder")
def filing_expiry_reminder(ctx: RunContext, data: dict[str, Any]) -> dict[str, Any]:
    """Fifteen days (configurable) before the filing expires: remind the organization."""
    org = _filed_org(ctx, data)
    if org is None or org.status != "filed":
        return {"sent": False}
    org.expiry_reminded_at = ctx.now
    _tell_applicant(
        ctx,
        "备案即将到期",
        f"“{org.name}”（备案编号 {org.filing_number}）的备案有效期至"
        f"{cn_date(org.valid_until or ctx.now)}，需继续开展活动的，请及时向街道（乡镇）申请延续。",
    )
    audit.record(
        ctx.session,
        "filing_expiry_reminder",
        instance_id=ctx.instance.id,
        at=ctx.now,
        details={"organization_id": org.id},
    )
    return {"sent": True, "at": ctx.now.isoformat(timespec="seconds")}


@service("registration_filing_expired")
def filing_expired(ctx: RunContext, data: dict[str, Any]) -> dict[str, Any]:
    """The filing ran out without renewal: the registry says so."""
    org = _filed_org(ctx, data)
    if org is None or org.status != "filed":
        return {"expired": False}
    _set_status(ctx, org, "expired", "备案有效期届满")
    return {"expired": True}


# --- the public registry ------------------------------------------------------------------------------------


def normalize_code(code: str) -> str:
    """A credit code as typed, without spaces, upper-case."""
    return "".join(code.split()).upper()


def search_query(q: str = "", credit_code: str = "", county: str = "") -> Select[tuple[Organization]]:
    """The public registry: search by name, credit code or filing number; filter by county."""
    query = select(Organization).where(Organization.status.in_(tuple(ORG_STATUSES)))
    if q.strip():
        text = q.strip()
        query = query.where(
            or_(
                Organization.name.contains(text, autoescape=True),
                Organization.credit_code == normalize_code(text),
                Organization.filing_number == text,
            )
        )
    if credit_code.strip():
        query = query.where(Organization.credit_code == normalize_code(credit_code))
    if county.strip():
        query = query.where(Organization.county_code == county.strip())
    return query.order_by(Organization.registered_at.desc(), Organization.id.desc())


def county_names(session: Session) -> dict[str, str]:
    """County-level units by code (for lists and filters)."""
    return dict(
        session.execute(
            select(OrgUnit.code, OrgUnit.name).where(OrgUnit.kind == "county").order_by(OrgUnit.code)
        )
        .tuples()
        .all()
    )


def organization_json(
    org: Organization, counties: Mapping[str, str], history: bool = False
) -> dict[str, Any]:
    """What the public may know about an organization (never ID numbers or contacts)."""
    body: dict[str, Any] = {
        "id": org.id,
        "name": org.name,
        "org_type": org.org_type,
        "org_type_label": ORG_TYPES.get(org.org_type, ""),
        "category": org.category,
        "category_label": dict(CATEGORIES).get(org.category, ""),
        "service_field": org.service_field,
        "service_field_label": org.service_field_other or SERVICE_FIELD_LABELS.get(org.service_field, ""),
        "county": org.county_code,
        "county_name": counties.get(org.county_code, ""),
        "status": org.status,
        "status_label": ORG_STATUSES.get(org.status, org.status),
        "credit_code": org.credit_code,
        "filing_number": org.filing_number,
        "legal_representative": org.legal_representative,
        "domicile": org.domicile,
        "registered_at": org.registered_at.astimezone(CST).date().isoformat() if org.registered_at else None,
        "valid_until": org.valid_until.astimezone(CST).date().isoformat() if org.valid_until else None,
    }
    if history:
        body["business_scope"] = org.business_scope
        body["history"] = [
            {
                "status": h.status,
                "status_label": ORG_STATUSES.get(h.status, h.status),
                "reason": h.reason,
                "document_number": h.document_number,
                "at": h.at.astimezone(CST).isoformat(timespec="minutes"),
            }
            for h in org.history
        ]
    return body


def check_credit_code(session: Session, code: str) -> dict[str, Any]:
    """Is the code well-formed (both check characters), and does the registry know it?"""
    normalized = normalize_code(code)
    problems = validate_uscc(normalized) if normalized else ["请输入统一社会信用代码"]
    org = (
        session.scalar(select(Organization).where(Organization.credit_code == normalized))
        if not problems
        else None
    )
    return {
        "credit_code": normalized,
        "valid": not problems,
        "problems": problems,
        "exists": org is not None,
        "organization": organization_json(org, county_names(session)) if org else None,
    }


def organizations_of(session: Session, user: User) -> list[Organization]:
    """The organizations `user` acts for (registered, filed or otherwise), newest first."""
    query = (
        select(Organization)
        .join(OrganizationRepresentative, OrganizationRepresentative.organization_id == Organization.id)
        .where(OrganizationRepresentative.user_id == user.id)
        .order_by(Organization.id.desc())
    )
    return list(session.scalars(query))
