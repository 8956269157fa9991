"""Forms of the platform's test process `core_review` (tests/bpmn/core_review.bpmn).

The process exists to prove every engine mechanism and to give the demo something to walk:
a staged application, a decision with a return loop, a per-unit consultation and a
four-eyes review.
"""

from __future__ import annotations

from wtforms.fields import (
    BooleanField,
    DateField,
    DecimalField,
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
from forms.registry import Stage, register_form


class ContactForm(BaseForm):
    """One contact person (a repeated group)."""

    name = StringField("姓名", [required(), Length(max=20)])
    phone = StringField("联系电话", [required(), Length(min=7, max=20)])


class ApplicationBasicsForm(BaseForm):
    """Stage 1: what is applied for."""

    title = StringField("申请事项名称", [required(), Length(max=60)])
    summary = TextAreaField("事项说明", [required(), Length(max=2000)])
    start_date = DateField("计划开始日期", [required_input()])


class ApplicationDetailsForm(BaseForm):
    """Stage 2: people, money and a supporting file."""

    members = IntegerField("成员人数", [required_input(), NumberRange(1, 10000, "人数应在1至10000之间。")])
    budget = DecimalField("预算（元）", [Optional(), NumberRange(0, 10_000_000, "金额应在0至1000万元之间。")])
    contacts = FieldList(FormField(ContactForm), "联系人", min_entries=1, max_entries=5)
    proof = AttachmentField("证明材料", [Optional()], description="PDF或图片，不超过10MB")


class DecisionForm(BaseForm):
    """A review decision with a comment, required when not approving."""

    decision = SelectField(
        "审核结论",
        [required_input()],
        choices=[("approve", "通过"), ("return", "退回补正"), ("reject", "不予受理")],
    )
    comment = TextAreaField("审核意见", [Length(max=2000)])  # no Optional(): it would skip the rule below

    def validate_comment(self, field: TextAreaField) -> None:
        """A return or a rejection must say why."""
        if self.decision.data in ("return", "reject") and not (field.data or "").strip():
            raise ValidationError("退回或不予受理时必须填写理由。")


class ConsultForm(BaseForm):
    """A member unit's opinion."""

    agree = BooleanField("同意")
    comment = TextAreaField("意见", [required(), Length(max=1000)])


class SecondReviewForm(BaseForm):
    """The second official's check (never the first reviewer)."""

    decision = SelectField("复核结论", [required_input()], choices=[("approve", "同意初审意见")])
    comment = TextAreaField("复核意见", [Optional(), Length(max=2000)])


class LeaderDecisionForm(BaseForm):
    """The leader's decision."""

    decision = SelectField("决定", [required_input()], choices=[("approve", "批准"), ("reject", "不予批准")])
    comment = TextAreaField("意见", [Optional(), Length(max=2000)])


register_form(
    "core.application",
    "通用申请",
    [
        Stage("basics", "基本信息", ApplicationBasicsForm),
        Stage("details", "人员与材料", ApplicationDetailsForm),
    ],
    business_key="title",
)
register_form("core.first_review", "初审", DecisionForm)
register_form("core.consult", "成员单位意见", ConsultForm)
register_form("core.second_review", "复核", SecondReviewForm)
register_form("core.leader_decision", "负责人决定", LeaderDecisionForm)
