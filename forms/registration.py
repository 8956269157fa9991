"""Forms of the registration process `registration_review` (登记审核 / 备案, issue #3).

The applicant fills one staged form (six stages behind one user task); the offices decide
with small decision forms. Every rule that needs no database lives here, so the applicant
hears about it on leaving the stage; the pre-check service re-checks what needs the registry.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from typing import Any

from wtforms import Field
from wtforms.fields import (
    BooleanField,
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
from forms.fields import AttachmentField, cents
from forms.registry import Stage, register_form

ORG_TYPES = [("association", "社会团体"), ("service", "社会服务机构（民办非企业单位）")]
CATEGORIES = [
    ("trade", "行业协会商会类"),
    ("science", "科技类"),
    ("charity", "公益慈善类"),
    ("community_service", "城乡社区服务类"),
    ("other", "其他（须经业务主管单位同意）"),
]
DIRECT_CATEGORIES = frozenset({"trade", "science", "charity", "community_service"})
ACTIVITY_AREAS = [("community", "本社区（村）"), ("street", "本街道（乡镇）"), ("county", "本县（市、区）")]
SERVICE_FIELDS = [
    ("mental_health", "心理健康"),
    ("correction", "矫治安帮"),
    ("legal_aid", "法律援助"),
    ("mediation", "矛盾纠纷调解"),
    ("public_safety", "平安建设"),
    ("other", "其他领域"),
]
GROUPS_SERVED = [
    ("elderly", "老年人"), ("women", "妇女"), ("children", "儿童"), ("disabled", "残疾人"),
    ("unemployed", "失业人员"), ("migrants", "外来务工人员"),
    ("detainees_children", "服刑人员、强制隔离戒毒人员子女"), ("hardship", "困难家庭"),
    ("mental_disorder", "严重精神障碍患者"), ("youth", "社会闲散青少年"),
    ("community_correction", "社区矫正对象"), ("residents", "社区居民"),
]  # fmt: skip
PREMISES_TYPES = [("owned", "自有"), ("leased", "租赁"), ("free", "无偿使用")]
# What a charter must say: 社团条例 Art. 14, 民非条例 Art. 10 (membership only for associations).
CHARTER_CLAUSES = [
    ("name_domicile", "名称、住所"),
    ("purpose_scope", "宗旨、业务范围和活动地域"),
    ("membership", "会员资格及其权利、义务（社会团体）"),
    ("governance", "民主的组织管理制度，执行机构的产生程序"),
    ("leaders", "负责人的条件和产生、罢免的程序"),
    ("assets", "资产管理和使用的原则"),
    ("amendment", "章程的修改程序"),
    ("termination", "终止程序和终止后资产的处理"),
]
# Local bodies may not use these (社团条例 Art. 10; 社会组织名称管理办法).
NAME_FORBIDDEN = ("中国", "全国", "中华")
NAME_PATTERN = re.compile(r"^[\u4e00-\u9fa5（）()·0-9A-Za-z]+$")

CORRECTION_ITEMS = [
    ("application_letter", "登记申请书未签字盖章或内容不全"),
    ("charter", "章程草案缺少法定必备事项"),
    ("id_copies", "法定代表人（负责人）、发起人身份证明复印件不全或不清晰"),
    ("premises_proof", "住所（活动场所）使用权证明不全或已过期"),
    ("capital_verification", "验资报告（资金证明）不符合要求"),
    ("member_roster", "会员名单不全或与所填会员数不符"),
    ("supervisor_consent", "缺少业务主管单位同意文件"),
    ("name", "拟定名称不符合《社会组织名称管理办法》"),
    ("people", "拟任负责人基本情况说明不全"),
]
REFUSAL_GROUNDS = [
    ("purpose_unlawful", "宗旨、业务范围不符合法律、法规和国家政策"),
    ("duplicate", "在同一行政区域内已有业务范围相同或者相似的社会组织，没有必要成立"),
    (
        "leader_ineligible",
        "发起人、拟任负责人正在或者曾经受到剥夺政治权利的刑事处罚，或者不具有完全民事行为能力",
    ),
    ("fraud", "在申请登记时弄虚作假"),
    ("conditions", "不具备法定登记条件"),
    ("other_law", "有法律、行政法规禁止的其他情形"),
]

# --- ID card numbers (GB 11643-1999) ------------------------------------------------------------

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK_CHARS = "10X98765432"
PROVINCE_CODES = frozenset(
    [
        "11",
        "12",
        "13",
        "14",
        "15",
        "21",
        "22",
        "23",
        "31",
        "32",
        "33",
        "34",
        "35",
        "36",
        "37",
        "41",
        "42",
        "43",
        "44",
        "45",
        "46",
        "50",
        "51",
        "52",
        "53",
        "54",
        "61",
        "62",
        "63",
        "64",
        "65",
        "71",
        "81",
        "82",
    ]
)


def id_check_char(first17: str) -> str:
    """The GB 11643 check character of the first 17 digits of an ID number."""
    return ID_CHECK_CHARS[sum(int(c) * w for c, w in zip(first17, ID_WEIGHTS, strict=True)) % 11]


def id_number_problem(value: str, today: date | None = None, adult: bool = False) -> str | None:
    """Why `value` is not a valid 18-character resident ID number, in Chinese; None if it is."""
    code = value.strip().upper()
    if len(code) != 18:
        return f"身份证号码应为18位，当前为{len(code)}位。"
    if not code[:17].isdigit() or not (code[17].isdigit() or code[17] == "X"):
        return "身份证号码前17位应为数字，第18位为数字或字母X。"
    if code[:2] not in PROVINCE_CODES:
        return "身份证号码前两位不是有效的省级行政区划代码。"
    try:
        born = date(int(code[6:10]), int(code[10:12]), int(code[12:14]))
    except ValueError:
        return "身份证号码第7至14位的出生日期无效。"
    today = today or date.today()
    if born > today or born.year < 1900:
        return "身份证号码第7至14位的出生日期无效。"
    if code[17] != id_check_char(code[:17]):
        return "身份证号码校验码（第18位）不正确，请核对号码是否填写有误。"
    if adult and (today.year - born.year - ((today.month, today.day) < (born.month, born.day))) < 18:
        return "法定代表人（负责人）应为年满18周岁、具有完全民事行为能力的人。"
    return None


class IdNumber:
    """Validator: a valid ID number (optionally of an adult); stores it upper-cased."""

    def __init__(self, adult: bool = False) -> None:
        """`adult`: also require the person to be 18 or older."""
        self.adult = adult

    def __call__(self, form: Any, field: Field) -> None:
        """Raise a ValidationError with the precise problem."""
        if not field.data:
            return
        problem = id_number_problem(str(field.data), adult=self.adult)
        if problem:
            raise ValidationError(problem)
        field.data = str(field.data).strip().upper()


PHONE = Regexp(
    r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$", message="请填写11位手机号码或带区号的固定电话，如0354-3021234。"
)
MEMBERS = NumberRange(0, 100_000, "人数应为0至100000之间的整数。")


def _attachment(label: str, message: str | None = None, help_text: str = "") -> AttachmentField:
    """An attachment field, required with `message` or optional."""
    validators = [DataRequired(message)] if message else [Optional()]
    return AttachmentField(label, validators, description=help_text or "PDF、JPG、PNG或DOCX，不超过10MB")


# --- the applicant's stages ---------------------------------------------------------------------


class BasicInfoForm(BaseForm):
    """Stage 1: what organization is to be set up."""

    org_type = RadioField("组织类型", [required_input()], choices=ORG_TYPES)
    category = SelectField(
        "类别",
        [required_input()],
        choices=CATEGORIES,
        description="行业协会商会类、科技类、公益慈善类、城乡社区服务类可直接登记",
    )
    activity_area = RadioField("活动地域", [required_input()], choices=ACTIVITY_AREAS)
    name = StringField(
        "拟定名称",
        [required(), Length(6, 50, "名称应为6至50个字。")],
        description="以所在县（市、区）名称开头，如“榆次区锦纶街道锦纶社区邻里互助协会”",
    )
    purpose = TextAreaField("宗旨", [required(), Length(10, 500, "宗旨应为10至500字。")])
    business_scope = TextAreaField("业务范围", [required(), Length(10, 1000, "业务范围应为10至1000字。")])
    service_field = SelectField("服务领域", [required_input()], choices=SERVICE_FIELDS)
    service_field_other = StringField("其他服务领域（请注明）", [Optional(), Length(max=50)])
    groups_served = SelectMultipleField(
        "服务对象", [DataRequired("请至少选择一类服务对象。")], choices=GROUPS_SERVED
    )

    def validate_name(self, field: StringField) -> None:
        """Characters and the words local bodies may not use."""
        name = (field.data or "").strip()
        if not NAME_PATTERN.fullmatch(name):
            raise ValidationError("名称只能由汉字、字母、数字和括号组成，不能含空格或其他标点。")
        banned = [word for word in NAME_FORBIDDEN if word in name]
        if banned:
            raise ValidationError(f"地方性社会组织名称不得使用“{'”“'.join(banned)}”字样。")
        field.data = name


class FounderForm(BaseForm):
    """One founder (发起人)."""

    name = StringField("姓名", [required(), Length(2, 20, "姓名应为2至20个字。")])
    id_number = StringField("身份证号码", [required(), IdNumber()])


class PeopleForm(BaseForm):
    """Stage 2: the legal representative, founders and members."""

    rep_name = StringField("法定代表人（负责人）姓名", [required(), Length(2, 20, "姓名应为2至20个字。")])
    rep_id_number = StringField("法定代表人（负责人）身份证号码", [required(), IdNumber(adult=True)])
    rep_phone = StringField("联系电话", [required(), PHONE])
    rep_other_association = BooleanField("现任其他社会团体的法定代表人")
    founders = FieldList(FormField(FounderForm), "发起人", min_entries=1, max_entries=50)
    individual_members = IntegerField("个人会员数", [required_input(), MEMBERS])
    unit_members = IntegerField("单位会员数", [required_input(), MEMBERS])
    staff_count = IntegerField("专职工作人员数", [Optional(), MEMBERS])


class FundsForm(BaseForm):
    """Stage 3: activity funds and the domicile."""

    funds = DecimalField(
        "活动资金（开办资金，元）",
        [required_input(), NumberRange(0, 1_000_000_000, "金额应在0至10亿元之间。"), cents],
        places=2,
    )
    funds_source = StringField("资金来源", [required(), Length(max=200)])
    domicile = StringField("住所（活动场所地址）", [required(), Length(8, 200, "地址应为8至200个字。")])
    premises_type = RadioField("场所使用方式", [required_input()], choices=PREMISES_TYPES)
    premises_area = DecimalField(
        "场所面积（平方米）", [Optional(), NumberRange(1, 100_000, "面积应在1至100000平方米之间。")], places=1
    )
    premises_proof = _attachment(
        "住所（场所）使用权证明", "请上传住所（场所）使用权证明。", "产权证明、租赁合同或无偿使用证明"
    )


class CharterForm(BaseForm):
    """Stage 4: the draft charter, typed or uploaded, and its clause checklist."""

    charter_text = TextAreaField("章程草案全文", [Optional(), Length(max=30_000)])
    charter_file = _attachment("章程草案文件", help_text="也可上传章程文件代替填写全文")
    charter_clauses = SelectMultipleField("章程已载明的事项", choices=CHARTER_CLAUSES)


class AttachmentsForm(BaseForm):
    """Stage 5: the documents the regulations require."""

    application_letter = _attachment("登记申请书", "请上传登记申请书。")
    id_copies = _attachment(
        "法定代表人（负责人）及发起人身份证明复印件", "请上传法定代表人（负责人）及发起人身份证明复印件。"
    )
    capital_verification = _attachment("验资报告（资金证明）", "请上传验资报告或资金证明。")
    member_roster = _attachment("会员名单", help_text="社会团体必须上传")
    supervisor_consent = _attachment(
        "业务主管单位同意文件", help_text="类别为“其他”的须上传；直接登记类别无需上传"
    )
    other_attachment = _attachment("其他材料")


class DeclarationForm(BaseForm):
    """Stage 6: after the summary, the applicant's promise."""

    declaration = BooleanField(
        "本人承诺所填信息及所附材料真实、合法、有效，如有虚假愿承担法律责任",
        [DataRequired("提交前请阅读并勾选承诺。")],
    )


# --- whole-form rules ------------------------------------------------------------------------------


def _members_rules(data: Mapping[str, Any]) -> dict[str, list[str]]:
    """Rules of 社会团体: the legal representative, members and the member roster."""
    errors: dict[str, list[str]] = {}
    if data.get("org_type") != "association":
        return errors
    if data.get("rep_other_association"):
        errors["rep_other_association"] = ["社会团体的法定代表人不得同时担任其他社会团体的法定代表人。"]
    members = (_int(data.get("individual_members")) or 0) + (_int(data.get("unit_members")) or 0)
    if members < 1:
        errors["individual_members"] = ["社会团体应当有会员，请填写个人会员数或单位会员数。"]
    if not data.get("member_roster"):
        errors["member_roster"] = ["社会团体须上传会员名单。"]
    return errors


def _int(value: Any) -> int | None:
    """An int from form data, or None."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _founders_rules(data: Mapping[str, Any]) -> dict[str, list[str]]:
    """No founder twice."""
    numbers = [
        str(f.get("id_number", "")).strip().upper()
        for f in data.get("founders") or []
        if isinstance(f, Mapping) and f.get("id_number")
    ]
    if len(numbers) != len(set(numbers)):
        return {"founders": ["发起人的身份证号码有重复，请核对。"]}
    return {}


def _basic_rules(data: Mapping[str, Any]) -> dict[str, list[str]]:
    """Another service field must be named."""
    if data.get("service_field") == "other" and not str(data.get("service_field_other") or "").strip():
        return {"service_field_other": ["服务领域选择“其他领域”时，请注明具体领域。"]}
    return {}


def required_clauses(org_type: str | None) -> list[str]:
    """The charter clauses the organization type must have."""
    return [key for key, _ in CHARTER_CLAUSES if org_type == "association" or key != "membership"]


def _charter_rules(data: Mapping[str, Any]) -> dict[str, list[str]]:
    """A charter, typed or uploaded, with every clause its type requires."""
    errors: dict[str, list[str]] = {}
    if not str(data.get("charter_text") or "").strip() and not data.get("charter_file"):
        errors["charter_text"] = ["请填写章程草案全文或上传章程文件。"]
    ticked = set(data.get("charter_clauses") or [])
    labels = dict(CHARTER_CLAUSES)
    missing = [labels[key] for key in required_clauses(data.get("org_type")) if key not in ticked]
    if missing:
        errors["charter_clauses"] = [f"章程须载明以下事项，请补充后勾选：{'；'.join(missing)}。"]
    return errors


register_form(
    "registration.application",
    "社会组织成立登记（备案）申请",
    [
        Stage("basic", "基本信息", BasicInfoForm),
        Stage("people", "人员情况", PeopleForm),
        Stage("funds", "资金与住所", FundsForm),
        Stage("charter", "章程", CharterForm),
        Stage("attachments", "申请材料", AttachmentsForm),
        Stage("submit", "承诺声明", DeclarationForm),
    ],
    checks=(_basic_rules, _members_rules, _founders_rules, _charter_rules),
    description="社区社会组织成立登记或向街道（乡镇）备案",
    business_key="name",
)


# --- the offices' decisions -------------------------------------------------------------------------


def _needs_text(message: str, *decisions: str) -> Any:
    """Validator: the field is required when the form's decision is one of `decisions`."""

    def check(form: Any, field: Field) -> None:
        """Raise when the text is empty for one of the decisions."""
        if form.decision.data in decisions and not str(field.data or "").strip():
            raise ValidationError(message)

    return check


class AcceptanceForm(BaseForm):
    """受理审查: accept, ask once for every correction, or refuse to accept."""

    decision = SelectField(
        "受理意见",
        [required_input()],
        choices=[("accept", "受理"), ("correction", "一次性告知补正"), ("not_accept", "不予受理")],
    )
    correction_items = SelectMultipleField("需补正的事项", choices=CORRECTION_ITEMS)
    correction_other = TextAreaField("其他需补正的事项（每行一项）", [Optional(), Length(max=2000)])
    not_accept_reason = TextAreaField(
        "不予受理的理由", [Length(max=1000), _needs_text("不予受理时必须写明理由。", "not_accept")]
    )
    competent_authority = StringField(
        "告知申请人向哪个机关申请",
        [Length(max=100), _needs_text("不属于本机关职权范围的，须告知申请人向有关机关申请。", "not_accept")],
    )
    comment = TextAreaField("备注", [Optional(), Length(max=2000)])

    def validate_correction_items(self, field: SelectMultipleField) -> None:
        """A correction notice names every item at once: at least one."""
        if (
            self.decision.data == "correction"
            and not field.data
            and not (self.correction_other.data or "").strip()
        ):
            raise ValidationError("一次性告知补正时，请勾选或填写全部需补正的事项。")


class ReviewForm(BaseForm):
    """Officer A's substantive review (承办人初审)."""

    decision = SelectField(
        "审查意见", [required_input()], choices=[("approve", "建议准予登记"), ("refuse", "建议不予登记")]
    )
    refusal_grounds = SelectMultipleField("不予登记的法定情形", choices=REFUSAL_GROUNDS)
    comment = TextAreaField("审查意见说明", [required(), Length(max=3000)])

    def validate_refusal_grounds(self, field: SelectMultipleField) -> None:
        """A refusal names its statutory ground."""
        if self.decision.data == "refuse" and not field.data:
            raise ValidationError("建议不予登记时，请选择所依据的法定情形。")


class SecondReviewForm(BaseForm):
    """Officer B's check (复核): never the officer who did the first review."""

    decision = SelectField(
        "复核意见", [required_input()], choices=[("agree", "同意初审意见"), ("disagree", "不同意初审意见")]
    )
    comment = TextAreaField(
        "复核说明", [Length(max=3000), _needs_text("不同意初审意见时，请说明理由。", "disagree")]
    )


class LeaderDecisionForm(BaseForm):
    """The bureau head's decision (局领导决定)."""

    decision = SelectField(
        "决定", [required_input()], choices=[("approve", "准予登记"), ("refuse", "不予登记")]
    )
    refusal_grounds = SelectMultipleField("不予登记的法定情形", choices=REFUSAL_GROUNDS)
    comment = TextAreaField(
        "决定理由", [Length(max=3000), _needs_text("不予登记时，必须写明理由。", "refuse")]
    )

    def validate_refusal_grounds(self, field: SelectMultipleField) -> None:
        """A refusal names its statutory ground."""
        if self.decision.data == "refuse" and not field.data:
            raise ValidationError("不予登记时，请选择所依据的法定情形。")


class CommunityReviewForm(BaseForm):
    """The residents' committee's first review of a filing (居委会初审)."""

    decision = SelectField(
        "初审意见",
        [required_input()],
        choices=[("approve", "同意，报街道（乡镇）"), ("return", "退回申请人补正")],
    )
    comment = TextAreaField(
        "初审意见说明", [Length(max=2000), _needs_text("退回补正时，请逐项写明需补正的内容。", "return")]
    )


class FilingDecisionForm(BaseForm):
    """The street office's or township's decision on a filing."""

    decision = SelectField(
        "备案意见", [required_input()], choices=[("approve", "同意备案"), ("reject", "不予备案")]
    )
    comment = TextAreaField(
        "意见说明", [Length(max=2000), _needs_text("不予备案时，必须书面说明理由。", "reject")]
    )


register_form("registration.acceptance", "受理审查", AcceptanceForm)
register_form("registration.review", "登记审查（承办人）", ReviewForm)
register_form("registration.second_review", "登记审查（复核）", SecondReviewForm)
register_form("registration.decision", "登记决定", LeaderDecisionForm)
register_form("registration.community_review", "备案初审", CommunityReviewForm)
register_form("registration.filing_decision", "备案决定", FilingDecisionForm)
