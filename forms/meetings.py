"""Forms of the joint-meeting process `joint_meeting` (联席会议, issue #5).

What a form can check without knowing the meeting is checked here (dates, required reasons,
cross-row rules); what needs the meeting (which topics exist, which units are members of its
level) is checked by the process's service tasks, which send the step back when it is wrong.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

from wtforms.fields import (
    DateField,
    DateTimeLocalField,
    FieldList,
    FormField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import Length, NumberRange, Optional, ValidationError

from forms.base import BaseForm, required, required_input
from forms.fields import AttachmentField
from forms.registry import Stage, register_form
from models.jinzhong import CITY, COUNTIES, COUNTY_DEPARTMENTS, DEPARTMENTS
from models.meetings import MEETING_KINDS

CST = timezone(timedelta(hours=8))
MAX_TOPIC_DAYS = 90
TOPIC_FIELDS = [
    ("mental_health", "心理健康"),
    ("correction", "矫治安帮"),
    ("legal_aid", "法律援助"),
    ("mediation", "矛盾纠纷化解"),
    ("public_safety", "平安建设"),
    ("incubation", "孵化基地建设"),
    ("registration", "登记备案管理"),
    ("funding", "资金扶持与购买服务"),
    ("other", "其他"),
]
URGENCY = [("normal", "一般"), ("important", "重要"), ("urgent", "紧急")]
TOPIC_ACTIONS = [
    ("accept", "列入议程"),
    ("merge", "合并到其他议题"),
    ("defer", "暂缓审议"),
    ("reject", "不予采纳"),
]
PRESENCE_CHOICES = [("present", "出席"), ("leave", "请假"), ("absent", "缺席")]


def _department_choices() -> list[tuple[str, str]]:
    """Every seeded member unit (department) of the city and the counties, named with its level."""
    city_code, city_name, _short = CITY
    choices = [(city_code + suffix, f"{city_name} · {name}") for suffix, name, _short in DEPARTMENTS]
    county_names = {code: name for code, name, *_rest in COUNTIES}
    for county, rows in COUNTY_DEPARTMENTS.items():
        choices += [(county + suffix, f"{county_names[county]} · {name}") for suffix, name, _short in rows]
    return choices


DEPARTMENT_CHOICES = _department_choices()


def level_of(unit_code: str) -> str:
    """The city or county a member unit belongs to (its code without the department suffix)."""
    return unit_code.split("D", 1)[0]


def today() -> date:
    """Today in China Standard Time."""
    return datetime.now(UTC).astimezone(CST).date()


def _one_level(codes: list[str]) -> bool:
    return len({level_of(code) for code in codes}) <= 1


# --- 发起会议 -------------------------------------------------------------------------------------


class MeetingOpenForm(BaseForm):
    """The convener opens a meeting cycle and calls for topics."""

    meeting_title = StringField(
        "会议名称",
        [required(), Length(max=100)],
        description="如：2026年第一季度社会组织参与基层社会治理联席会议",
    )
    meeting_kind = SelectField("会议类型", [required_input()], choices=list(MEETING_KINDS.items()))
    invited_units = SelectMultipleField(
        "参会成员单位",
        [Optional()],
        choices=DEPARTMENT_CHOICES,
        description="按住 Ctrl 键可多选；不选则邀请本级全部成员单位。只能选择本级的成员单位。",
    )
    topic_deadline = DateField(
        "议题报送截止日期", [required_input()], description="截止日当天24时前未报送的单位记为“未报送”。"
    )
    meeting_note = TextAreaField("征集说明", [Length(max=1000)])

    def validate_topic_deadline(self, field: DateField) -> None:
        """The call for topics needs time to answer, but not forever."""
        if field.data is None:
            return
        if field.data <= today():
            raise ValidationError("截止日期应晚于今天。")
        if field.data > today() + timedelta(days=MAX_TOPIC_DAYS):
            raise ValidationError(f"截止日期不能晚于今天起{MAX_TOPIC_DAYS}日。")


def _open_checks(data: Mapping[str, Any]) -> dict[str, list[str]]:
    if not _one_level(list(data.get("invited_units") or [])):
        return {"invited_units": ["只能邀请同一级（市级或同一县区）的成员单位。"]}
    return {}


# --- 报送议题 -------------------------------------------------------------------------------------


class TopicRowForm(BaseForm):
    """One proposed topic."""

    title = StringField("议题名称", [required(), Length(max=100)])
    description = TextAreaField("议题内容", [required(), Length(max=2000)])
    field = SelectField("涉及领域", [required_input()], choices=TOPIC_FIELDS)
    urgency = SelectField("紧急程度", [required_input()], choices=URGENCY)


class TopicsForm(BaseForm):
    """A member unit's answer to the call for topics: topics, or none."""

    decision = SelectField(
        "报送情况", [required_input()], choices=[("submit", "报送议题"), ("none", "本单位无议题")]
    )
    topics = FieldList(FormField(TopicRowForm), "议题", min_entries=0, max_entries=10)
    topics_attachment = AttachmentField(
        "议题材料", [Optional()], description="多个议题的材料请合并为一个文件上传"
    )
    topics_note = TextAreaField("说明", [Length(max=1000)])


def _topics_checks(data: Mapping[str, Any]) -> dict[str, list[str]]:
    topics = [t for t in data.get("topics") or [] if isinstance(t, Mapping)]
    if data.get("decision") == "submit" and not topics:
        return {"topics": ["请至少填写一个议题，或选择“本单位无议题”。"]}
    if data.get("decision") == "none" and topics:
        return {"topics": ["选择“本单位无议题”时请删除已填写的议题。"]}
    return {}


# --- 整理议程 / 审定议程 -----------------------------------------------------------------------------


class TopicDecisionRowForm(BaseForm):
    """What the agenda makes of one topic."""

    topic_no = IntegerField("议题编号", [required_input(), NumberRange(1, 999, "编号应在1至999之间。")])
    action = SelectField("处理意见", [required_input()], choices=TOPIC_ACTIONS)
    merge_into = IntegerField("并入议题编号")  # no Optional(): it would skip the rule below
    agenda_title = StringField("列入议程的标题", [Length(max=100)], description="不填则使用议题名称")
    reason = TextAreaField("理由", [Length(max=500)], description="不予采纳时必填，报送单位可见")

    def validate_merge_into(self, field: IntegerField) -> None:
        """A merged topic names another topic."""
        if self.action.data == "merge" and field.data is None:
            raise ValidationError("合并时请填写并入的议题编号。")
        if self.action.data == "merge" and field.data == self.topic_no.data:
            raise ValidationError("不能并入议题本身。")

    def validate_reason(self, field: TextAreaField) -> None:
        """The submitting unit is told why its topic was not taken."""
        if self.action.data == "reject" and not (field.data or "").strip():
            raise ValidationError("不予采纳时必须填写理由。")


class ExtraAgendaRowForm(BaseForm):
    """An agenda item of the office's own (e.g. a progress report)."""

    title = StringField("议程事项", [required(), Length(max=100)])
    note = StringField("说明", [Length(max=200)])


class AgendaForm(BaseForm):
    """The office consolidates the topics into an agenda."""

    agenda_rows = FieldList(FormField(TopicDecisionRowForm), "议题处理", min_entries=0, max_entries=100)
    extra_items = FieldList(FormField(ExtraAgendaRowForm), "其他议程事项", min_entries=0, max_entries=10)
    agenda_note = TextAreaField("议程说明", [Length(max=1000)])


def _agenda_checks(data: Mapping[str, Any]) -> dict[str, list[str]]:
    rows = [r for r in data.get("agenda_rows") or [] if isinstance(r, Mapping)]
    numbers = [r.get("topic_no") for r in rows]
    problems = []
    if len(numbers) != len(set(numbers)):
        problems.append("每个议题只能处理一次，议题编号不能重复。")
    accepted = {r.get("topic_no") for r in rows if r.get("action") == "accept"}
    wrong = sorted(
        {r["merge_into"] for r in rows if r.get("action") == "merge" and r.get("merge_into")} - accepted
    )
    if wrong:
        problems.append(f"只能并入列入议程的议题，议题 {'、'.join(map(str, wrong))} 未列入议程。")
    if not accepted and not data.get("extra_items"):
        problems.append("议程至少应有一项：请将议题列入议程，或填写其他议程事项。")
    return {"agenda_rows": problems} if problems else {}


class ReviewForm(BaseForm):
    """The convener approves or returns (agenda, minutes)."""

    decision = SelectField(
        "审定意见", [required_input()], choices=[("approve", "同意"), ("return", "退回修改")]
    )
    comment = TextAreaField("意见", [Length(max=2000)])  # no Optional(): it would skip the rule below

    def validate_comment(self, field: TextAreaField) -> None:
        """A return says what to change."""
        if self.decision.data == "return" and not (field.data or "").strip():
            raise ValidationError("退回时必须填写修改意见。")


# --- 会议通知 / 参会回执 --------------------------------------------------------------------------


class NoticeForm(BaseForm):
    """The office drafts the meeting notice."""

    meeting_at = DateTimeLocalField("会议时间", [required_input()])
    meeting_place = StringField("会议地点", [required(), Length(max=100)])
    meeting_chair = StringField("主持人", [Length(max=50)], description="如：市委政法委副书记")
    meeting_attendees = TextAreaField(
        "参会人员", [required(), Length(max=500)], description="如：各成员单位分管负责同志及联络员"
    )
    confirm_deadline = DateField("回执截止日期", [required_input()])
    notice_note = TextAreaField("其他事项", [Length(max=1000)])

    def validate_meeting_at(self, field: DateTimeLocalField) -> None:
        """A notice announces a meeting still to come."""
        if field.data is not None and field.data.replace(tzinfo=CST) <= datetime.now(UTC):
            raise ValidationError("会议时间应晚于当前时间。")

    def validate_confirm_deadline(self, field: DateField) -> None:
        """Answers come in before the meeting."""
        if field.data is None:
            return
        if field.data < today():
            raise ValidationError("回执截止日期不能早于今天。")
        if self.meeting_at.data is not None and field.data > self.meeting_at.data.date():
            raise ValidationError("回执截止日期不能晚于会议日期。")


class ConfirmForm(BaseForm):
    """A member unit says who attends."""

    decision = SelectField("参会回执", [required_input()], choices=[("attend", "参加"), ("absent", "请假")])
    attendee_names = StringField("参会人员（姓名、职务）", [Length(max=200)])
    absence_reason = StringField("请假事由", [Length(max=200)])

    def validate_attendee_names(self, field: StringField) -> None:
        """Attending means naming who comes."""
        if self.decision.data == "attend" and not (field.data or "").strip():
            raise ValidationError("请填写参会人员。")

    def validate_absence_reason(self, field: StringField) -> None:
        """Leave needs a reason."""
        if self.decision.data == "absent" and not (field.data or "").strip():
            raise ValidationError("请填写请假事由。")


# --- 会议纪要 ------------------------------------------------------------------------------------


class AttendanceRowForm(BaseForm):
    """Whether one member unit attended."""

    unit = SelectField("成员单位", [required_input()], choices=DEPARTMENT_CHOICES)
    presence = SelectField("出席情况", [required_input()], choices=PRESENCE_CHOICES)
    names = StringField("出席人员", [Length(max=200)])


class MinutesOverviewForm(BaseForm):
    """Stage 1: when, where, who."""

    held_at = DateTimeLocalField("会议时间", [required_input()])
    held_place = StringField("会议地点", [required(), Length(max=100)])
    held_chair = StringField("主持人", [required(), Length(max=50)])
    minutes_summary = TextAreaField("会议概况", [required(), Length(max=3000)])
    attendance = FieldList(FormField(AttendanceRowForm), "出席情况", min_entries=0, max_entries=60)


class DiscussionRowForm(BaseForm):
    """What was said about one agenda item."""

    agenda_no = IntegerField("议程序号", [required_input(), NumberRange(1, 999, "序号应在1至999之间。")])
    discussion = TextAreaField("讨论情况", [required(), Length(max=3000)])


class MinutesDiscussionForm(BaseForm):
    """Stage 2: the discussion of each agenda item."""

    discussions = FieldList(FormField(DiscussionRowForm), "议题讨论", min_entries=0, max_entries=100)


class DecidedRowForm(BaseForm):
    """One decided item (议定事项)."""

    content = TextAreaField("议定事项", [required(), Length(max=1000)])
    owner = SelectField("牵头单位", [required_input()], choices=DEPARTMENT_CHOICES)
    co_units = SelectMultipleField("配合单位", [Optional()], choices=DEPARTMENT_CHOICES)
    deadline = DateField("完成时限", [required_input()])


class MinutesDecisionsForm(BaseForm):
    """Stage 3: the decided items."""

    decided = FieldList(FormField(DecidedRowForm), "议定事项", min_entries=0, max_entries=50)


def _minutes_checks(data: Mapping[str, Any]) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    units = [r.get("unit") for r in data.get("attendance") or [] if isinstance(r, Mapping)]
    if len(units) != len(set(units)):
        errors["attendance"] = ["每个成员单位只填写一次出席情况。"]
    numbers = [r.get("agenda_no") for r in data.get("discussions") or [] if isinstance(r, Mapping)]
    if len(numbers) != len(set(numbers)):
        errors["discussions"] = ["每个议程只填写一次讨论情况。"]
    problems = _decided_problems(data)
    if problems:
        errors["decided"] = problems
    return errors


def _decided_problems(data: Mapping[str, Any]) -> list[str]:
    rows = [r for r in data.get("decided") or [] if isinstance(r, Mapping)]
    held = str(data.get("held_at") or "")[:10]
    problems = []
    for index, row in enumerate(rows, start=1):
        co_units = list(row.get("co_units") or [])
        if row.get("owner") in co_units:
            problems.append(f"第{index}项：牵头单位不能同时是配合单位。")
        if not _one_level([str(row.get("owner") or ""), *co_units]):
            problems.append(f"第{index}项：牵头单位和配合单位应是同一级的成员单位。")
        if held and str(row.get("deadline") or "") < held:
            problems.append(f"第{index}项：完成时限不能早于会议日期。")
    return problems


# --- 督办 ----------------------------------------------------------------------------------------


class ItemReportForm(BaseForm):
    """The owner unit reports progress, or completion with evidence."""

    decision = SelectField(
        "报告类型", [required_input()], choices=[("progress", "报告进展"), ("complete", "报告办结")]
    )
    report = TextAreaField("落实情况", [required(), Length(max=3000)])
    evidence = AttachmentField("佐证材料", [Optional()], description="报告办结时必须上传")


def _report_checks(data: Mapping[str, Any]) -> dict[str, list[str]]:
    if data.get("decision") == "complete" and not data.get("evidence"):
        return {"evidence": ["报告办结时请上传佐证材料。"]}
    return {}


class ItemVerifyForm(BaseForm):
    """The office verifies a completion report."""

    decision = SelectField(
        "核验结论", [required_input()], choices=[("accept", "确认办结"), ("return", "退回重办")]
    )
    comment = TextAreaField("核验意见", [Length(max=2000)])  # no Optional(): it would skip the rule below

    def validate_comment(self, field: TextAreaField) -> None:
        """A return says what is still missing."""
        if self.decision.data == "return" and not (field.data or "").strip():
            raise ValidationError("退回重办时必须说明理由。")


register_form(
    "meeting.open", "发起联席会议", MeetingOpenForm, checks=(_open_checks,), business_key="meeting_title"
)
register_form("meeting.topics", "报送议题", TopicsForm, checks=(_topics_checks,))
register_form("meeting.agenda", "整理议程", AgendaForm, checks=(_agenda_checks,))
register_form("meeting.agenda_review", "审定议程", ReviewForm)
register_form("meeting.notice", "拟发会议通知", NoticeForm)
register_form("meeting.confirm", "参会回执", ConfirmForm)
register_form(
    "meeting.minutes",
    "整理会议纪要",
    [
        Stage("overview", "会议概况与出席情况", MinutesOverviewForm),
        Stage("discussion", "议题讨论", MinutesDiscussionForm),
        Stage("decisions", "议定事项", MinutesDecisionsForm),
    ],
    checks=(_minutes_checks,),
)
register_form("meeting.minutes_review", "签发会议纪要", ReviewForm)
register_form("meeting.item_report", "报告落实情况", ItemReportForm, checks=(_report_checks,))
register_form("meeting.item_verify", "核验办结情况", ItemVerifyForm)
