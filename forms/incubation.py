"""Forms of incubation (孵化基地, issue #9): the admission process `incubation_admission`, and the
records kept outside it (bases, federations, the services log, the custody ledger).

The vocabularies follow 市民发〔2019〕54号 二(二): the premises the plan names for a base and the
services a base offers. Field names are distinct from other processes' because task data is
shared by the whole instance.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from wtforms import Field
from wtforms.fields import (
    BooleanField,
    DateField,
    DecimalField,
    FieldList,
    FormField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp, ValidationError

from forms.base import BaseForm, required, required_input
from forms.fields import cents
from forms.registration import ACTIVITY_AREAS, GROUPS_SERVED, ORG_TYPES, PHONE, SERVICE_FIELDS, IdNumber
from forms.registry import FormSpec, Stage, register_form

# 二(二)3 主要功能: the services a base offers to young organizations.
BASE_SERVICES = [
    ("office_space", "办公场所"),
    ("policy_guidance", "政策引导"),
    ("resource_linking", "资源拓展"),
    ("capacity_building", "能力提升"),
    ("growth_evaluation", "成长评估"),
    ("financial_custody", "财务托管"),
    ("management_consulting", "管理咨询"),
    ("information_sharing", "信息共享"),
    ("project_support", "项目扶持"),
    ("registration_assistance", "注册协助"),
    ("talent_training", "公益人才培训"),
]
# 二(二)2 场所设施: idle state or collective assets, or an existing street/community centre.
PREMISES_SOURCES = [
    ("idle_hotel", "闲置宾馆"),
    ("idle_office", "闲置办公用房"),
    ("welfare_facility", "福利设施"),
    ("street_centre", "街道（乡镇）综合服务中心"),
    ("governance_centre", "综治中心"),
    ("community_station", "城乡社区服务站"),
    ("other", "其他场所"),
]
PREMISES_TERMS = [("free", "无偿使用"), ("discounted", "优惠使用"), ("leased", "租赁")]
GROUP_STAGES = [
    ("founding", "尚未登记或备案（筹备中）"),
    ("filed", "已在街道（乡镇）备案"),
    ("registered", "已在民政部门登记"),
]
INTENDED_OUTCOMES = [
    ("register", "出壳后申请登记"),
    ("file", "出壳后申请备案"),
    ("undecided", "视成长情况确定"),
]
# The growth-evaluation rubric: five dimensions, 0–20 points each (100 in all).
RUBRIC = [
    ("governance", "内部治理"),
    ("finances", "财务管理"),
    ("activities", "活动开展"),
    ("people_served", "服务对象与受益人数"),
    ("capacity", "能力建设"),
]
RUBRIC_MAX = 20
FEDERATION_LEVELS = [("street", "街道（乡镇）"), ("county", "县（市、区）")]
LEDGER_DIRECTIONS = [("income", "收入"), ("expense", "支出")]
NEXT_STEPS = [("register", "申请登记"), ("file", "申请备案"), ("none", "无需（已登记）")]


def _needs_text(message: str, *decisions: str) -> Any:
    """Validator: the field is required when the form's decision is one of `decisions`."""

    def check(form: Any, field: Field) -> None:
        """Raise when the field is empty for one of the decisions."""
        if form.decision.data in decisions and field.data in (None, "", []):
            raise ValidationError(message)

    return check


# --- the admission application (staged) ---------------------------------------------------------


class GroupForm(BaseForm):
    """Stage 1: who the applying group is."""

    base_id = IntegerField(
        "申请入驻的孵化基地编号",
        [required_input(), NumberRange(1, message="请填写孵化基地编号。")],
        description="见“孵化基地”公开名录；只能申请本县（市、区）的孵化基地",
    )
    group_stage = RadioField("组织现状", [required_input()], choices=GROUP_STAGES)
    organization_id = IntegerField(
        "社会组织名录编号", [Optional()], description="已登记或已备案的组织填写（见“我的组织”或社会组织名录）"
    )
    group_name = StringField("组织名称（拟定名称）", [required(), Length(4, 50, "名称应为4至50个字。")])
    founded_on = DateField("发起（成立）时间", [Optional()])
    members_count = IntegerField(
        "成员人数", [required_input(), NumberRange(1, 100_000, "人数应为1至100000。")]
    )
    leader_name = StringField("负责人姓名", [required(), Length(2, 20, "姓名应为2至20个字。")])
    leader_phone = StringField("负责人联系电话", [required(), PHONE])
    leader_id_number = StringField(
        "负责人身份证号码", [Optional(), IdNumber(adult=True)], description="出壳后申请登记（备案）时使用"
    )
    venue = StringField("活动场所", [required(), Length(4, 200, "活动场所应为4至200个字。")])
    intro = TextAreaField(
        "组织简介（宗旨与主要活动）", [required(), Length(10, 1000, "简介应为10至1000字。")]
    )


class FieldForm(BaseForm):
    """Stage 2: the field the group works in and whom it serves."""

    group_service_field = SelectField("服务领域", [required_input()], choices=SERVICE_FIELDS)
    group_service_field_other = StringField("其他服务领域（请注明）", [Optional(), Length(max=50)])
    group_served = SelectMultipleField(
        "服务对象", [DataRequired("请至少选择一类服务对象。")], choices=GROUPS_SERVED
    )
    group_activity_area = RadioField("活动地域", [required_input()], choices=ACTIVITY_AREAS)
    past_activities = TextAreaField("近一年开展的主要活动", [Optional(), Length(max=2000)])


class NeedsForm(BaseForm):
    """Stage 3: what the group needs from the base."""

    needs = SelectMultipleField(
        "需要孵化基地提供的服务", [DataRequired("请至少选择一项需要的服务。")], choices=BASE_SERVICES
    )
    needs_detail = TextAreaField("需求说明", [Optional(), Length(max=2000)])


class MilestoneForm(BaseForm):
    """One step of the incubation plan."""

    month = IntegerField("第几个月", [required_input(), NumberRange(1, 36, "应为1至36。")])
    target = StringField("工作目标", [required(), Length(2, 200, "目标应为2至200个字。")])


class PlanForm(BaseForm):
    """Stage 4: the plan for the incubation period."""

    plan_goals = TextAreaField("孵化期目标", [required(), Length(10, 2000, "目标应为10至2000字。")])
    milestones = FieldList(FormField(MilestoneForm), "阶段安排", min_entries=1, max_entries=12)
    intended_outcome = RadioField("出壳去向", [required_input()], choices=INTENDED_OUTCOMES)
    intended_org_type = RadioField("拟登记（备案）的组织类型", [Optional()], choices=ORG_TYPES)


class PledgeForm(BaseForm):
    """Stage 5: after the summary, the group's promise."""

    pledge = BooleanField(
        "我们承诺所填信息真实，遵守孵化基地管理制度，按期接受成长评估",
        [DataRequired("提交前请阅读并勾选承诺。")],
    )


def _application_rules(data: Mapping[str, Any]) -> dict[str, list[str]]:
    """A filed or registered group names its registry entry; "other" names its field."""
    errors: dict[str, list[str]] = {}
    if data.get("group_stage") in ("filed", "registered") and not data.get("organization_id"):
        errors["organization_id"] = ["已登记或已备案的组织请填写社会组织名录编号。"]
    if (
        data.get("group_service_field") == "other"
        and not str(data.get("group_service_field_other") or "").strip()
    ):
        errors["group_service_field_other"] = ["服务领域选择“其他领域”时，请注明具体领域。"]
    if data.get("intended_outcome") in ("register", "file") and not data.get("intended_org_type"):
        errors["intended_org_type"] = ["计划出壳后登记或备案的，请选择拟登记（备案）的组织类型。"]
    return errors


register_form(
    "incubation.application",
    "孵化基地入驻申请",
    [
        Stage("group", "基本情况", GroupForm),
        Stage("field", "服务领域与对象", FieldForm),
        Stage("needs", "服务需求", NeedsForm),
        Stage("plan", "孵化期计划", PlanForm),
        Stage("pledge", "承诺", PledgeForm),
    ],
    checks=(_application_rules,),
    description="初创期、成长期社区社会组织（含筹备中的组织）申请入驻孵化基地",
    business_key="group_name",
)

# --- the decisions of the admission process ---------------------------------------------------


class OperatorReviewForm(BaseForm):
    """The base operator's review after an interview with the group."""

    interview_on = DateField("面谈日期", [required_input()])
    interviewers = StringField("面谈人员", [required(), Length(max=100)])
    interview_notes = TextAreaField("面谈记录", [required(), Length(10, 3000, "面谈记录应为10至3000字。")])
    decision = SelectField(
        "审核意见",
        [required_input()],
        choices=[
            ("recommend", "同意入驻，报县级民政部门审批"),
            ("return", "退回申请组织补充完善"),
            ("reject", "不同意入驻"),
        ],
    )
    services_offered = SelectMultipleField(
        "拟提供的服务",
        [_needs_text("同意入驻时，请选择拟提供的服务。", "recommend")],
        choices=BASE_SERVICES,
    )
    proposed_months = IntegerField(
        "建议孵化期限（月）",
        [Optional(), NumberRange(3, 36, "孵化期限应为3至36个月。")],
        description="不填按基地默认期限",
    )
    comment = TextAreaField(
        "审核意见说明",
        [Length(max=2000), _needs_text("退回或不同意入驻时，请写明理由。", "return", "reject")],
    )


class CountyDecisionForm(BaseForm):
    """The county civil affairs bureau's approval of an admission."""

    decision = SelectField(
        "审批意见", [required_input()], choices=[("approve", "同意入驻"), ("reject", "不同意入驻")]
    )
    period_months = IntegerField(
        "孵化期限（月）",
        [Optional(), NumberRange(3, 36, "孵化期限应为3至36个月。")],
        description="不填则按运营方建议，运营方未建议的按基地默认期限",
    )
    start_on = DateField("孵化起始日期", [Optional()], description="不填为批准当日")
    comment = TextAreaField(
        "审批意见说明", [Length(max=2000), _needs_text("不同意入驻时，请写明理由。", "reject")]
    )


class EvaluationForm(BaseForm):
    """A growth evaluation (成长评估): five dimensions scored 0–20 with comments."""

    evaluated_on = DateField("评估日期", [required_input()])
    score_governance = IntegerField("内部治理得分（0–20）", [required_input(), NumberRange(0, RUBRIC_MAX)])
    note_governance = TextAreaField("内部治理评语", [Optional(), Length(max=1000)])
    score_finances = IntegerField("财务管理得分（0–20）", [required_input(), NumberRange(0, RUBRIC_MAX)])
    note_finances = TextAreaField("财务管理评语", [Optional(), Length(max=1000)])
    score_activities = IntegerField("活动开展得分（0–20）", [required_input(), NumberRange(0, RUBRIC_MAX)])
    note_activities = TextAreaField("活动开展评语", [Optional(), Length(max=1000)])
    score_people_served = IntegerField(
        "服务对象与受益人数得分（0–20）", [required_input(), NumberRange(0, RUBRIC_MAX)]
    )
    note_people_served = TextAreaField("服务对象与受益人数评语", [Optional(), Length(max=1000)])
    score_capacity = IntegerField("能力建设得分（0–20）", [required_input(), NumberRange(0, RUBRIC_MAX)])
    note_capacity = TextAreaField("能力建设评语", [Optional(), Length(max=1000)])
    eval_summary = TextAreaField("综合评语", [required(), Length(5, 3000, "综合评语应为5至3000字。")])
    decision = SelectField(
        "评估结论",
        [required_input()],
        choices=[("on_track", "达到阶段成长目标"), ("support", "未达到阶段目标，需制定帮扶计划")],
        description="总分低于基地设定的达标线时，无论结论如何都将生成帮扶计划任务",
    )


class SupportPlanForm(BaseForm):
    """The support plan after a weak evaluation."""

    weak_points = SelectMultipleField("薄弱环节", [DataRequired("请至少选择一个薄弱环节。")], choices=RUBRIC)
    measures = TextAreaField("帮扶措施", [required(), Length(10, 3000, "帮扶措施应为10至3000字。")])
    extra_services = SelectMultipleField("增加提供的服务", choices=BASE_SERVICES)
    review_on = DateField("跟踪复查日期", [required_input()])
    responsible = StringField("责任人", [required(), Length(max=40)])


class GraduationProposalForm(BaseForm):
    """At the end of the period: the operator proposes graduation (出壳) or an extension."""

    decision = SelectField(
        "出壳意见", [required_input()], choices=[("graduate", "建议出壳"), ("extend", "建议延长孵化期")]
    )
    achievements = TextAreaField("孵化成效", [required(), Length(10, 3000, "孵化成效应为10至3000字。")])
    final_score = IntegerField("出壳评估得分（0–100）", [Optional(), NumberRange(0, 100)])
    next_step = RadioField("出壳后去向", [Optional()], choices=NEXT_STEPS)
    extension_months = IntegerField(
        "建议延长（月）", [Optional(), NumberRange(1, 12, "延长期限应为1至12个月。")]
    )
    comment = TextAreaField("说明", [Optional(), Length(max=2000)])


class GraduationDecisionForm(BaseForm):
    """The county decides: graduate, extend, or end the incubation."""

    decision = SelectField(
        "决定",
        [required_input()],
        choices=[("graduate", "准予出壳"), ("extend", "延长孵化期"), ("terminate", "终止孵化")],
    )
    extension_months = IntegerField(
        "延长期限（月）", [Optional(), NumberRange(1, 12, "延长期限应为1至12个月。")]
    )
    comment = TextAreaField(
        "决定理由", [Length(max=2000), _needs_text("延长或终止孵化时，请写明理由。", "extend", "terminate")]
    )


def _graduation_rules(data: Mapping[str, Any]) -> dict[str, list[str]]:
    """Graduating names the next step; extending names the months."""
    errors: dict[str, list[str]] = {}
    if data.get("decision") == "extend" and not data.get("extension_months"):
        errors["extension_months"] = ["延长孵化期时，请填写延长期限。"]
    if data.get("decision") == "graduate" and not data.get("next_step"):
        errors["next_step"] = ["建议出壳时，请选择出壳后去向。"]
    return errors


register_form("incubation.operator_review", "运营方审核", OperatorReviewForm)
register_form("incubation.county_decision", "入驻审批", CountyDecisionForm)
register_form("incubation.evaluation", "成长评估", EvaluationForm)
register_form("incubation.support_plan", "帮扶计划", SupportPlanForm)
register_form(
    "incubation.graduation_proposal", "出壳申请", GraduationProposalForm, checks=(_graduation_rules,)
)
register_form(
    "incubation.graduation_decision", "出壳决定", GraduationDecisionForm, checks=(_graduation_rules,)
)

# --- records kept outside the process (validated by the service layer, not task forms) ----------


class BaseRegistrationForm(BaseForm):
    """A county registers an incubation base."""

    name = StringField("基地名称", [required(), Length(4, 100, "名称应为4至100个字。")])
    county_code = StringField(
        "所在县（市、区）代码", [required(), Regexp(r"^\d{6}$", message="请填写6位行政区划代码。")]
    )
    street_code = StringField(
        "所在街道（乡镇）代码", [Optional(), Regexp(r"^\d{9}$", message="请填写9位代码。")]
    )
    address = StringField("地址", [required(), Length(6, 200, "地址应为6至200个字。")])
    premises_source = SelectField("场所来源", [required_input()], choices=PREMISES_SOURCES)
    premises_terms = RadioField("使用方式", [required_input()], choices=PREMISES_TERMS)
    premises_note = StringField("场所说明", [Optional(), Length(max=200)])
    area_sqm = IntegerField("场地面积（平方米）", [Optional(), NumberRange(1, 100_000)])
    operator_org_id = IntegerField("运营单位（社会组织名录编号）", [required_input(), NumberRange(1)])
    operator_usernames = StringField(
        "运营人员账号",
        [required(), Length(max=500)],
        description="多个账号用逗号分隔，第一个为负责人（接收审核、评估任务）",
    )
    guide_usernames = StringField(
        "民政指导人员账号",
        [required(), Length(max=500)],
        description="县级民政部门派驻定期指导的工作人员，多个用逗号分隔",
    )
    capacity = IntegerField("可同时孵化的组织数", [required_input(), NumberRange(1, 500, "应为1至500。")])
    services = SelectMultipleField(
        "提供的服务", [DataRequired("请至少选择一项服务。")], choices=BASE_SERVICES
    )
    period_months = IntegerField(
        "默认孵化期限（月）", [Optional(), NumberRange(3, 36, "应为3至36个月。")], description="不填为12个月"
    )
    evaluation_months = IntegerField(
        "成长评估周期（月）",
        [Optional(), NumberRange(1, 12, "应为1至12个月。")],
        description="不填为每6个月一次",
    )
    weak_below = IntegerField(
        "成长评估达标线（分）",
        [Optional(), NumberRange(0, 100)],
        description="总分低于此线须制定帮扶计划，不填为60分",
    )
    opened_on = DateField("启用日期", [Optional()], description="不填为今天")
    contact_phone = StringField("联系电话", [Optional(), PHONE])
    description = TextAreaField("基地简介", [Optional(), Length(max=2000)])


class FederationForm(BaseForm):
    """Marking an organization as the federation (hub) of a street or county."""

    organization_id = IntegerField("社会组织名录编号", [required_input(), NumberRange(1)])
    level = RadioField("层级", [required_input()], choices=FEDERATION_LEVELS)
    area_code = StringField("所在街道（乡镇）或县（市、区）代码", [required(), Regexp(r"^\d{6}(\d{3})?$")])
    designated_on = DateField("认定日期", [Optional()])
    note = StringField("备注", [Optional(), Length(max=200)])


class MemberJoinForm(BaseForm):
    """An organization joins a federation."""

    organization_id = IntegerField("成员组织名录编号", [required_input(), NumberRange(1)])
    joined_on = DateField("入会日期", [required_input()])


class MemberLeaveForm(BaseForm):
    """An organization leaves a federation."""

    left_on = DateField("退会日期", [required_input()])
    leave_reason = StringField("退会原因", [Optional(), Length(max=200)])


class ServiceRecordForm(BaseForm):
    """One service the operator delivered to an incubated organization."""

    service_kind = SelectField("服务类型", [required_input()], choices=BASE_SERVICES)
    delivered_on = DateField("服务日期", [required_input()])
    hours = DecimalField(
        "服务时长（小时）",
        [required_input(), NumberRange(Decimal("0.5"), Decimal("500"), "时长应为0.5至500小时。")],
        places=1,
    )
    staff_names = StringField("服务人员", [required(), Length(max=200)])
    service_notes = TextAreaField("服务内容", [required(), Length(2, 3000, "服务内容应为2至3000字。")])


class LedgerEntryForm(BaseForm):
    """One entry of the custody ledger (财务托管台账)."""

    entry_date = DateField("日期", [required_input()])
    direction = RadioField("收支", [required_input()], choices=LEDGER_DIRECTIONS)
    amount = DecimalField(
        "金额（元）",
        [
            required_input(),
            NumberRange(Decimal("0.01"), Decimal("100000000"), "金额应大于0且不超过1亿元。"),
            cents,
        ],
        places=2,
    )
    summary = StringField("摘要", [required(), Length(2, 200, "摘要应为2至200个字。")])
    counterparty = StringField("对方单位或个人", [Optional(), Length(max=100)])


def record_form(key: str) -> FormSpec:
    """The (unregistered) form of a record kept outside the process, by key."""
    forms: dict[str, tuple[str, type[BaseForm]]] = {
        "base": ("孵化基地", BaseRegistrationForm),
        "federation": ("联合会认定", FederationForm),
        "member_join": ("成员入会", MemberJoinForm),
        "member_leave": ("成员退会", MemberLeaveForm),
        "service": ("服务记录", ServiceRecordForm),
        "ledger": ("托管台账", LedgerEntryForm),
    }
    title, form = forms[key]
    return FormSpec(f"incubation.record.{key}", title, (Stage("main", title, form),))


def label(choices: list[tuple[str, str]], key: str | None) -> str:
    """The label of `key` in a list of choices (the key itself when unknown)."""
    return dict(choices).get(key or "", key or "")
