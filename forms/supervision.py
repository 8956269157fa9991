"""Forms of `rectification_interview` (issue #6): 通报, 约谈, 挂牌督办, the rectification and its 验收.

Field names carry a prefix per step (`crit_`, `iv_`, `ir_`, `ls_`, `plan_`, `pr_`, `vr_`) because
every task's data lands in the one workflow data of the case.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from wtforms.fields import (
    DateField,
    DateTimeLocalField,
    FieldList,
    FormField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import Length, NumberRange, Optional, ValidationError

from forms.base import BaseForm, required, required_input
from forms.fields import AttachmentField
from forms.registry import register_form
from models.jinzhong import COUNTIES
from workflows.working_days import CST

MIN_INTERVIEWERS = 2


def _needs_comment(message: str, *decisions: str) -> Any:
    """Validator: `comment` is required for the given decisions."""

    def check(form: Any, field: Any) -> None:
        """Raise when the text is empty for one of the decisions."""
        if form.decision.data in decisions and not str(field.data or "").strip():
            raise ValidationError(message)

    return check


# --- 立案 ------------------------------------------------------------------------------------------

# The county-level units now in force (GB/T 2260); the case checks the code against the org tree.
COUNTY_CHOICES = [(code, name) for code, name, _short, _streets in COUNTIES]


class OpenCaseForm(BaseForm):
    """The committee opens a case: the county, and the reason (or the assessment it lags in)."""

    county_code = SelectField("被督办的县（市、区）", [required_input()], choices=COUNTY_CHOICES)
    period_id = IntegerField(
        "考评期编号", [Optional()], description="从考评结果立案时填写；立案理由可不填，按考评得分自动写明"
    )
    case_reason = TextAreaField("立案理由", [Length(max=2000)])


def _reason_rule(data: Mapping[str, Any]) -> dict[str, list[str]]:
    """By hand (no assessment period) the reason must be written."""
    if data.get("period_id") in (None, "") and not str(data.get("case_reason") or "").strip():
        return {"case_reason": ["手动立案时必须写明理由。"]}
    return {}


# --- 通报 ------------------------------------------------------------------------------------------


class CriticismForm(BaseForm):
    """The committee drafts the notice of criticism (通报)."""

    crit_problems = TextAreaField(
        "存在问题", [required(), Length(max=3000)], description="对照考评结果写明工作滞后的具体表现"
    )
    crit_requirements = TextAreaField("工作要求", [required(), Length(max=3000)])


class AcknowledgeForm(BaseForm):
    """The county signs for the notice and states its position."""

    decision = SelectField("签收", [required_input()], choices=[("acknowledge", "已签收，按要求整改")])
    ack_statement = TextAreaField(
        "情况说明及表态", [required(), Length(max=3000)], description="对通报问题的原因分析和整改表态"
    )


# --- 约谈 ------------------------------------------------------------------------------------------


class InterviewerForm(BaseForm):
    """One interviewer (约谈人)."""

    name = StringField("姓名", [required(), Length(max=20)])
    title = StringField("单位职务", [required(), Length(max=60)])


def _interviewer_rule(field_name: str) -> Any:
    """Form check: at least two distinct interviewers (DOMAIN.md §5: an interview needs ≥ 2 officials)."""

    def check(data: Mapping[str, Any]) -> dict[str, list[str]]:
        rows = data.get(field_name) or []
        names = [str(row.get("name") or "").strip() for row in rows if isinstance(row, Mapping)]
        names = [name for name in names if name]
        if len(names) < MIN_INTERVIEWERS:
            return {field_name: [f"约谈人不得少于{MIN_INTERVIEWERS}名。"]}
        if len(set(names)) < len(names):
            return {field_name: ["约谈人不能重复。"]}
        return {}

    return check


class InterviewNoticeForm(BaseForm):
    """The interview notice (约谈通知书): reason, time, place, interviewers."""

    iv_reason = TextAreaField("约谈事由", [required(), Length(max=2000)])
    iv_time = DateTimeLocalField("约谈时间", [required_input()])
    iv_place = StringField("约谈地点", [required(), Length(max=100)])
    iv_interviewees = TextAreaField(
        "被约谈人", [required(), Length(max=500)], description="如：县（市、区）委政法委书记、民政局局长"
    )
    iv_interviewers = FieldList(
        FormField(InterviewerForm), "约谈人", min_entries=MIN_INTERVIEWERS, max_entries=8
    )
    iv_materials = TextAreaField("需准备的材料", [Optional(), Length(max=1000)])

    def validate_iv_time(self, field: DateTimeLocalField) -> None:
        """The notice is served before the interview."""
        if field.data is not None and field.data.replace(tzinfo=CST) <= datetime.now(UTC):
            raise ValidationError("约谈时间应晚于当前时间。")


class InterviewRecordForm(BaseForm):
    """The record of the interview (约谈记录), with the rectification it requires."""

    ir_held_at = DateTimeLocalField("约谈时间", [required_input()])
    ir_place = StringField("约谈地点", [required(), Length(max=100)])
    ir_interviewers = FieldList(
        FormField(InterviewerForm), "约谈人", min_entries=MIN_INTERVIEWERS, max_entries=8
    )
    ir_interviewees = TextAreaField("被约谈人（到场情况）", [required(), Length(max=500)])
    ir_content = TextAreaField("约谈内容", [required(), Length(max=5000)])
    ir_statement = TextAreaField("被约谈方表态", [required(), Length(max=3000)])
    ir_requirements = TextAreaField(
        "整改要求", [required(), Length(max=3000)], description="写入整改通知书，县级据此报送整改方案"
    )


class SignOffForm(BaseForm):
    """A second officer signs the record off, or returns it for correction."""

    decision = SelectField(
        "审核意见", [required_input()], choices=[("approve", "审核无误，签发"), ("return", "退回修改")]
    )
    comment = TextAreaField("意见", [Length(max=2000), _needs_comment("退回时必须写明修改意见。", "return")])


# --- 挂牌督办 -----------------------------------------------------------------------------------------


class ListingForm(BaseForm):
    """The decision to list the county for supervision (挂牌督办)."""

    ls_reason = TextAreaField("挂牌督办事由", [required(), Length(max=2000)])
    ls_requirements = TextAreaField("督办要求", [required(), Length(max=3000)])


# --- 整改 -----------------------------------------------------------------------------------------


class PlanItemForm(BaseForm):
    """One line of the rectification plan."""

    problem = TextAreaField("问题", [required(), Length(max=500)])
    measure = TextAreaField("整改措施", [required(), Length(max=1000)])
    responsible = StringField("责任人（单位、职务、姓名）", [required(), Length(max=100)])
    item_deadline = DateField("完成时限", [required_input()])


class PlanForm(BaseForm):
    """The county's rectification plan (整改方案)."""

    plan_summary = TextAreaField("整改工作总体安排", [required(), Length(max=3000)])
    plan_items = FieldList(FormField(PlanItemForm), "问题、措施、责任人和时限", min_entries=1, max_entries=30)


def _plan_rule(data: Mapping[str, Any]) -> dict[str, list[str]]:
    """A plan names at least one problem with its measure."""
    rows = [row for row in data.get("plan_items") or [] if isinstance(row, Mapping) and row.get("problem")]
    return {} if rows else {"plan_items": ["整改方案至少列明一个问题及其整改措施。"]}


class PlanReviewForm(BaseForm):
    """The committee approves the plan or returns it."""

    decision = SelectField(
        "审核意见", [required_input()], choices=[("approve", "同意"), ("return", "退回修改")]
    )
    comment = TextAreaField("意见", [Length(max=2000), _needs_comment("退回时必须写明修改意见。", "return")])


class ProgressForm(BaseForm):
    """The county reports progress, or reports the rectification complete (asks for 验收)."""

    decision = SelectField(
        "报告类型",
        [required_input()],
        choices=[("progress", "阶段性进展报告"), ("complete", "整改完成，申请验收")],
    )
    pr_text = TextAreaField("整改进展情况", [required(), Length(max=5000)])
    pr_percent = IntegerField("完成比例（%）", [Optional(), NumberRange(0, 100, "完成比例应在0至100之间。")])
    pr_evidence = AttachmentField("佐证材料", [Optional()], description="PDF或图片，不超过10MB")


class VerifyForm(BaseForm):
    """The committee's acceptance check (验收)."""

    decision = SelectField(
        "验收结论", [required_input()], choices=[("pass", "验收通过"), ("fail", "验收不通过")]
    )
    vr_findings = TextAreaField("验收情况", [required(), Length(max=5000)])
    comment = TextAreaField(
        "不通过的理由", [Length(max=2000), _needs_comment("验收不通过时必须写明理由。", "fail")]
    )
    vr_evidence = AttachmentField("验收材料", [Optional()])


register_form("supervision.open", "立案登记", OpenCaseForm, checks=(_reason_rule,))
register_form("supervision.criticism", "拟制通报", CriticismForm)
register_form("supervision.acknowledge", "签收通报", AcknowledgeForm)
register_form(
    "supervision.interview_notice",
    "约谈通知",
    InterviewNoticeForm,
    checks=(_interviewer_rule("iv_interviewers"),),
)
register_form(
    "supervision.interview_record",
    "约谈记录",
    InterviewRecordForm,
    checks=(_interviewer_rule("ir_interviewers"),),
)
register_form("supervision.record_signoff", "约谈记录审核", SignOffForm)
register_form("supervision.listing", "挂牌督办决定", ListingForm)
register_form("supervision.plan", "整改方案", PlanForm, checks=(_plan_rule,))
register_form("supervision.plan_review", "整改方案审核", PlanReviewForm)
register_form("supervision.progress", "整改进展报告", ProgressForm)
register_form("supervision.verify", "整改验收", VerifyForm)
