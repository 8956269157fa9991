"""Forms of the funding processes `funding_call` and `funding_application` (issue #4).

What a form can check without the database is checked here: budget lines adding up to the
total, rubric weights and tranche percentages adding up to 100, dates in order, reasons given.
What needs the call (its window, its maximum per project, its rubric, its budget) is checked
by the service task right after the step, which refuses the submission (422) with messages.
Field names are unique across each process, because all task data shares one namespace.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from wtforms.fields import (
    BooleanField,
    DateField,
    DecimalField,
    FieldList,
    FormField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from forms.base import BaseForm, required, required_input
from forms.fields import AttachmentField, cents
from forms.registration import GROUPS_SERVED, SERVICE_FIELDS
from forms.registry import Stage, register_form
from models.funding import CALL_KINDS
from models.jinzhong import CITY, COUNTIES

AREAS = [(CITY[0], f"{CITY[1]}（全市）"), *[(code, name) for code, name, *_rest in COUNTIES]]
BUDGET_CATEGORIES = [
    ("personnel", "人员劳务费"),
    ("activity", "活动费"),
    ("material", "物资材料费"),
    ("venue", "场地费"),
    ("training", "培训督导费"),
    ("publicity", "宣传印刷费"),
    ("other", "其他"),
]
MAX_AMOUNT = Decimal("100000000")
MONEY_RANGE = NumberRange(Decimal("0.01"), MAX_AMOUNT, "金额应大于0且不超过1亿元。")


def money(value: Any) -> Decimal:
    """A cleaned amount (number or numeric string) as Decimal; 0 when missing or unreadable."""
    try:
        return Decimal(str(value)) if value not in (None, "") else Decimal(0)
    except ArithmeticError:
        return Decimal(0)


def yuan(value: Decimal | float) -> str:
    """¥12,345.00 style for messages."""
    return f"{Decimal(str(value)):,.2f} 元"


def _rows(data: Mapping[str, Any], name: str) -> list[Mapping[str, Any]]:
    return [row for row in data.get(name) or [] if isinstance(row, Mapping)]


# --- 资助批次方案 --------


class CriterionForm(BaseForm):
    """One criterion of the scoring rubric."""

    criterion_name = StringField("评分项", [required(), Length(max=40)])
    criterion_weight = IntegerField("权重（%）", [required_input(), NumberRange(1, 100, "权重应为1至100。")])
    criterion_guide = StringField("评分要点", [Optional(), Length(max=200)])


class CallBasicsForm(BaseForm):
    """Stage 1: what the call funds, for whom, how much."""

    call_title = StringField(
        "批次名称", [required(), Length(max=100)], description="如：2026年度社区社会组织公益创投"
    )
    call_kind = SelectField("资助方式", [required_input()], choices=list(CALL_KINDS.items()))
    call_fields = SelectMultipleField(
        "资助领域", [DataRequired("请至少选择一个资助领域。")], choices=SERVICE_FIELDS
    )
    call_area = SelectField(
        "申报范围", [required_input()], choices=AREAS, description="全市，或仅限某一县（市、区）的社会组织"
    )
    call_description = TextAreaField("申报指南", [required(), Length(max=4000)])
    call_budget = DecimalField("批次预算（元）", [required_input(), MONEY_RANGE, cents])
    call_max_per_project = DecimalField("单个项目资助上限（元）", [required_input(), MONEY_RANGE, cents])
    call_opens_on = DateField("申报开始日期", [required_input()])
    call_closes_on = DateField("申报截止日期", [required_input()], description="截止日当天24时后不再受理申请")


class CallRulesForm(BaseForm):
    """Stage 2: how proposals are scored, noticed and paid."""

    rubric = FieldList(FormField(CriterionForm), "评分细则", min_entries=1, max_entries=12)
    experts_per_proposal = IntegerField(
        "每个项目评审专家人数", [required_input(), NumberRange(1, 9, "应为1至9人。")], default=3
    )
    outlier_threshold = IntegerField(
        "异常评分阈值（分）",
        [required_input(), NumberRange(5, 50, "应为5至50分。")],
        default=15,
        description="某位专家的加权得分与其他专家平均分相差超过此值时，提示办公室复核",
    )
    notice_days = IntegerField(
        "公示期（工作日）", [required_input(), NumberRange(5, 15, "公示期应为5至15个工作日。")], default=5
    )
    tranche_first = IntegerField("首期拨付比例（%）", [required_input(), NumberRange(0, 100)], default=50)
    tranche_second = IntegerField("中期拨付比例（%）", [required_input(), NumberRange(0, 100)], default=40)
    tranche_final = IntegerField("尾款比例（%）", [required_input(), NumberRange(0, 100)], default=10)


def call_checks(data: Mapping[str, Any]) -> dict[str, list[str]]:
    """Weights and tranches add up to 100; the maximum fits the budget; the window is a window."""
    errors: dict[str, list[str]] = {}
    rubric = _rows(data, "rubric")
    weights = sum(int(row.get("criterion_weight") or 0) for row in rubric)
    if rubric and weights != 100:
        errors["rubric"] = [f"评分项权重合计应为100%，当前为{weights}%。"]
    names = [str(row.get("criterion_name") or "").strip() for row in rubric]
    if len(set(names)) != len(names):
        errors.setdefault("rubric", []).append("评分项名称不能重复。")
    split = [int(data.get(k) or 0) for k in ("tranche_first", "tranche_second", "tranche_final")]
    if sum(split) != 100:
        errors["tranche_final"] = [f"三期拨付比例合计应为100%，当前为{sum(split)}%。"]
    if money(data.get("call_max_per_project")) > money(data.get("call_budget")):
        errors["call_max_per_project"] = ["单个项目资助上限不能超过批次预算。"]
    opens, closes = data.get("call_opens_on"), data.get("call_closes_on")
    if opens and closes and str(closes) < str(opens):
        errors["call_closes_on"] = ["申报截止日期不能早于开始日期。"]
    return errors


# --- 项目申报书 --------


class BudgetLineForm(BaseForm):
    """One line of the project budget."""

    budget_item = StringField("支出项目", [required(), Length(max=60)])
    budget_category = SelectField("类别", [required_input()], choices=BUDGET_CATEGORIES)
    budget_amount = DecimalField("金额（元）", [required_input(), MONEY_RANGE, cents])
    budget_basis = StringField("测算依据", [Optional(), Length(max=200)], description="如：20场×300元/场")


class MilestoneForm(BaseForm):
    """One milestone of the implementation plan."""

    milestone = StringField("阶段任务", [required(), Length(max=100)])
    milestone_due = DateField("完成时间", [required_input()])
    milestone_output = StringField("预期成果", [required(), Length(max=200)])


class TeamMemberForm(BaseForm):
    """One member of the project team."""

    member_name = StringField("姓名", [required(), Length(max=20)])
    member_role = StringField("项目职责", [required(), Length(max=40)])
    member_skills = StringField("专业资质或经验", [Optional(), Length(max=100)])


class ProposalBasicsForm(BaseForm):
    """Stage 1: which call, which organization, what the project is."""

    call_id = IntegerField(
        "资助批次编号", [required_input()], description="从资助批次页面点击“申报”时自动填写"
    )
    organization_id = IntegerField(
        "申报组织编号", [required_input()], description="本人代表的已登记或已备案组织"
    )
    project_title = StringField("项目名称", [required(), Length(max=60)])
    project_summary = TextAreaField("项目概述（需求分析与目标）", [required(), Length(max=3000)])
    project_field = SelectField("项目领域", [required_input()], choices=SERVICE_FIELDS)
    project_groups = SelectMultipleField(
        "服务对象", [DataRequired("请至少选择一类服务对象。")], choices=GROUPS_SERVED
    )
    project_location = StringField("实施地点", [required(), Length(max=200)])
    project_start = DateField("项目开始日期", [required_input()])
    project_end = DateField("项目结束日期", [required_input()])

    def validate_project_end(self, field: DateField) -> None:
        """A project ends after it starts."""
        if field.data and self.project_start.data and field.data <= self.project_start.data:
            raise ValidationError("结束日期应晚于开始日期。")


class ProposalBudgetForm(BaseForm):
    """Stage 2: the budget table and the total asked for."""

    budget_lines = FieldList(FormField(BudgetLineForm), "预算明细", min_entries=1, max_entries=40)
    budget_total = DecimalField("申请资助总额（元）", [required_input(), MONEY_RANGE, cents])


class ProposalPlanForm(BaseForm):
    """Stage 3: how the project will be carried out, and by whom."""

    implementation_plan = TextAreaField("实施方案", [required(), Length(max=5000)])
    milestones = FieldList(FormField(MilestoneForm), "实施进度（里程碑）", min_entries=1, max_entries=20)
    team = FieldList(FormField(TeamMemberForm), "项目团队", min_entries=1, max_entries=20)


class ProposalFilesForm(BaseForm):
    """Stage 4: attachments and the declaration."""

    proposal_file = AttachmentField(
        "项目申报书（盖章扫描件）", [DataRequired("请上传项目申报书。")], description="PDF，不超过10MB"
    )
    budget_file = AttachmentField("预算测算说明", [Optional()])
    other_file = AttachmentField("其他证明材料", [Optional()])
    declaration = BooleanField(
        "本组织承诺所填信息真实有效，资金专款专用，接受民政部门和社会监督",
        [DataRequired("请阅读并勾选承诺。")],
    )


def proposal_checks(data: Mapping[str, Any]) -> dict[str, list[str]]:
    """Budget lines add up to the total; milestones fall within the project period."""
    errors: dict[str, list[str]] = {}
    lines = _rows(data, "budget_lines")
    total = money(data.get("budget_total"))
    summed = sum((money(row.get("budget_amount")) for row in lines), Decimal(0))
    if lines and total and summed != total:
        errors["budget_total"] = [f"预算明细合计 {yuan(summed)}，与申请资助总额 {yuan(total)}不一致。"]
    start, end = str(data.get("project_start") or ""), str(data.get("project_end") or "")
    late = [
        str(row.get("milestone"))
        for row in _rows(data, "milestones")
        if start and end and not start <= str(row.get("milestone_due") or start) <= end
    ]
    if late:
        errors["milestones"] = [f"里程碑应在项目实施期内：{'、'.join(late)}。"]
    return errors


# --- 街道初步意见、专家评分 --------


class StreetOpinionForm(BaseForm):
    """The street office's preliminary opinion (advisory: experts and the office see it)."""

    decision = SelectField(
        "初步意见", [required_input()], choices=[("recommend", "推荐"), ("not_recommend", "不推荐")]
    )
    comment = TextAreaField("意见说明", [required(), Length(max=2000)])


class CriterionScoreForm(BaseForm):
    """The score of one rubric criterion (checked against the call's rubric by the service)."""

    criterion = StringField("评分项", [Optional(), Length(max=40)])
    score = IntegerField("得分（0–100）", [Optional(), NumberRange(0, 100, "得分应为0至100。")])
    remark = TextAreaField("评语", [Optional(), Length(max=1000)])


class ReviewForm(BaseForm):
    """An expert's conflict-of-interest declaration and scores."""

    conflict = SelectField(
        "利益冲突声明",
        [required_input()],
        choices=[
            ("none", "本人声明与申报组织及项目无利益关系，将独立、公正评审"),
            ("recuse", "本人与申报组织或项目存在利益关系，申请回避"),
        ],
    )
    conflict_reason = TextAreaField("回避理由", [Length(max=1000)])
    criterion_scores = FieldList(FormField(CriterionScoreForm), "逐项评分", min_entries=0, max_entries=12)
    review_comment = TextAreaField("总体评审意见", [Optional(), Length(max=3000)])


def review_checks(data: Mapping[str, Any]) -> dict[str, list[str]]:
    """A recusal says why; a review scores and comments every row it lists."""
    if data.get("conflict") == "recuse":
        if not str(data.get("conflict_reason") or "").strip():
            return {"conflict_reason": ["申请回避时必须说明理由。"]}
        return {}
    rows = _rows(data, "criterion_scores")
    if not rows:
        return {"criterion_scores": ["请逐项评分。"]}
    missing = [
        str(row.get("criterion") or f"第{i}项")
        for i, row in enumerate(rows, start=1)
        if row.get("score") in (None, "") or not str(row.get("remark") or "").strip()
    ]
    if missing:
        return {"criterion_scores": [f"每个评分项都须给出得分和评语：{'、'.join(missing)}。"]}
    return {}


# --- 排名与资助名单、审批、异议处理 --------


class ListEntryForm(BaseForm):
    """One project on the proposed funded list."""

    proposal_id = IntegerField("申报编号", [required_input()])
    project = StringField("项目（参考）", [Optional(), Length(max=200)])
    amount = DecimalField("拟资助金额（元）", [required_input(), MONEY_RANGE, cents])


class RankingForm(BaseForm):
    """The office's proposed funded list, in rank order, within the budget."""

    funded_list = FieldList(FormField(ListEntryForm), "拟资助名单（按排名）", min_entries=0, max_entries=500)
    ranking_comment = TextAreaField("排名说明", [Optional(), Length(max=3000)])


class ListApprovalForm(BaseForm):
    """The leader's approval of the funded list."""

    decision = SelectField(
        "审批意见", [required_input()], choices=[("approve", "同意公示"), ("return", "退回重拟")]
    )
    comment = TextAreaField("意见", [Length(max=2000)])

    def validate_comment(self, field: TextAreaField) -> None:
        """A returned list says what to change."""
        if self.decision.data == "return" and not (field.data or "").strip():
            raise ValidationError("退回时必须说明理由。")


class ResolutionForm(BaseForm):
    """The office's ruling on one objection."""

    objection_id = IntegerField("异议编号", [required_input()])
    objection_summary = StringField("异议摘要（参考）", [Optional(), Length(max=500)])
    outcome = SelectField(
        "处理结果", [required_input()], choices=[("rejected", "异议不成立"), ("upheld", "异议成立，取消资助")]
    )
    reason = TextAreaField("处理理由", [required(), Length(max=2000)])


class ObjectionsForm(BaseForm):
    """Every objection of the notice, each ruled on."""

    resolutions = FieldList(FormField(ResolutionForm), "异议处理", min_entries=1, max_entries=500)


# --- 协议、拨付、报告、评估与验收 --------


class SignForm(BaseForm):
    """The organization signs the numbered agreement."""

    agree = BooleanField("已阅读资助协议，同意并遵守协议全部条款", [DataRequired("须同意协议条款方可签订。")])
    signatory = StringField("签署人（法定代表人或负责人）", [required(), Length(max=40)])
    signed_on = DateField("签署日期", [required_input()])


class PaymentForm(BaseForm):
    """The office approves and records one tranche (the amount follows from the agreement)."""

    paid_on = DateField("拨付日期", [required_input()])
    voucher_no = StringField("支付凭证号", [required(), Length(max=60)])
    payment_note = TextAreaField("备注", [Optional(), Length(max=1000)])


class MidtermReportForm(BaseForm):
    """The organization's mid-term report."""

    midterm_progress = TextAreaField("项目进展情况", [required(), Length(max=5000)])
    midterm_beneficiaries = IntegerField("已服务人次", [required_input(), NumberRange(0, 10_000_000)])
    midterm_spent = DecimalField("已使用资金（元）", [required_input(), NumberRange(0, MAX_AMOUNT), cents])
    midterm_file = AttachmentField("中期报告（附活动照片、签到表等）", [DataRequired("请上传中期报告。")])


class EvaluationForm(BaseForm):
    """The office's mid-term evaluation."""

    decision = SelectField(
        "评估结论",
        [required_input()],
        choices=[
            ("pass", "合格，拨付二期资金"),
            ("suspend", "不合格，暂停拨款并限期整改"),
            ("terminate", "不合格，终止项目"),
        ],
    )
    comment = TextAreaField("评估意见", [Length(max=3000)])

    def validate_comment(self, field: TextAreaField) -> None:
        """Suspension and termination state their reasons."""
        if self.decision.data != "pass" and not (field.data or "").strip():
            raise ValidationError("暂停或终止项目时必须说明理由。")


class RectificationForm(BaseForm):
    """The organization's rectification report after a suspension."""

    rectification_report = TextAreaField("整改情况报告", [required(), Length(max=5000)])
    rectification_file = AttachmentField("整改佐证材料", [Optional()])


class ExpenditureForm(BaseForm):
    """One line of the final expenditure statement."""

    spent_item = StringField("支出项目", [required(), Length(max=60)])
    spent_amount = DecimalField("金额（元）", [required_input(), NumberRange(0, MAX_AMOUNT), cents])


class FinalReportForm(BaseForm):
    """The organization's final report and expenditure statement."""

    final_outcomes = TextAreaField("项目成效", [required(), Length(max=5000)])
    final_beneficiaries = IntegerField("累计服务人次", [required_input(), NumberRange(0, 10_000_000)])
    expenditure = FieldList(FormField(ExpenditureForm), "资金使用明细", min_entries=1, max_entries=40)
    final_spent = DecimalField("资金使用合计（元）", [required_input(), NumberRange(0, MAX_AMOUNT), cents])
    final_file = AttachmentField("结项报告（含财务决算）", [DataRequired("请上传结项报告。")])


def final_report_checks(data: Mapping[str, Any]) -> dict[str, list[str]]:
    """The expenditure lines add up to the declared total."""
    lines = _rows(data, "expenditure")
    summed = sum((money(row.get("spent_amount")) for row in lines), Decimal(0))
    total = money(data.get("final_spent"))
    if lines and summed != total:
        return {"final_spent": [f"资金使用明细合计 {yuan(summed)}，与填写的合计 {yuan(total)}不一致。"]}
    return {}


class AcceptanceForm(BaseForm):
    """The office's acceptance (结项验收)."""

    decision = SelectField(
        "验收结论",
        [required_input()],
        choices=[("pass", "验收合格，拨付尾款"), ("return", "退回补充材料"), ("fail", "验收不合格")],
    )
    comment = TextAreaField("验收意见", [Length(max=3000)])

    def validate_comment(self, field: TextAreaField) -> None:
        """A return or a failure states its reasons."""
        if self.decision.data != "pass" and not (field.data or "").strip():
            raise ValidationError("退回或验收不合格时必须说明理由。")


# --- public objections (not a task form) --------


class ObjectionForm(BaseForm):
    """A written objection to a listed project; name and contact are required (实名异议)."""

    proposal_id = IntegerField("异议项目（申报编号）", [required_input()])
    objector_name = StringField("姓名（或单位名称）", [required(), Length(max=40)])
    objector_contact = StringField("联系电话或电子邮箱", [required(), Length(min=5, max=60)])
    objection_content = TextAreaField(
        "异议内容及事实依据", [required(), Length(min=10, max=3000, message="请用10至3000字说明异议及依据。")]
    )


register_form(
    "funding.call",
    "资助批次方案",
    [
        Stage("basics", "资助范围与预算", CallBasicsForm),
        Stage("rules", "评审、公示与拨付规则", CallRulesForm),
    ],
    checks=(call_checks,),
    business_key="call_title",
)
register_form(
    "funding.application",
    "项目资助申请书",
    [
        Stage("basics", "项目概况", ProposalBasicsForm),
        Stage("budget", "项目预算", ProposalBudgetForm),
        Stage("plan", "实施计划与团队", ProposalPlanForm),
        Stage("files", "附件与承诺", ProposalFilesForm),
    ],
    checks=(proposal_checks,),
    business_key="project_title",
)
register_form("funding.street_opinion", "街道（乡镇）初步意见", StreetOpinionForm)
register_form("funding.review", "专家评分", ReviewForm, checks=(review_checks,))
register_form("funding.ranking", "评审排名与拟资助名单", RankingForm)
register_form("funding.list_approval", "资助名单审批", ListApprovalForm)
register_form("funding.objections", "公示异议处理", ObjectionsForm)
register_form("funding.sign", "签订资助协议", SignForm)
register_form("funding.payment", "资金拨付", PaymentForm)
register_form("funding.midterm_report", "中期报告", MidtermReportForm)
register_form("funding.evaluation", "中期评估", EvaluationForm)
register_form("funding.rectification", "整改报告", RectificationForm)
register_form("funding.final_report", "结项报告", FinalReportForm, checks=(final_report_checks,))
register_form("funding.acceptance", "结项验收", AcceptanceForm)
