"""Rules of the registration process that need no database: ID numbers, names, thresholds, forms."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from forms import binding, get_form
from forms.binding import validate_form
from forms.registration import id_check_char, id_number_problem, required_clauses
from models import OrgUnit, RegistrationRule
from workflows.credit_code import make_uscc, validate_uscc
from workflows.registration import (
    DEFAULT_RULES,
    choose_path,
    division_prefixes,
    filing_shortfalls,
    name_problems,
    registration_shortfalls,
)

TODAY = date(2026, 11, 24)


def valid_id(first17: str = "14070219800101001") -> str:
    return first17 + id_check_char(first17)


# --- GB 11643 ID numbers ----------------------------------------------------------------------------


def test_check_character_matches_published_examples() -> None:
    # GB 11643-1999 annex example and a well-known sample number.
    assert id_check_char("11010519491231002") == "X"
    assert id_check_char("44052418800101001") == "4"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("1407021980010100", "身份证号码应为18位，当前为16位。"),
        ("14070219800101001A", "身份证号码前17位应为数字，第18位为数字或字母X。"),
        ("99070219800101001X", "身份证号码前两位不是有效的省级行政区划代码。"),
        ("140702198002300010", "身份证号码第7至14位的出生日期无效。"),
        ("140702203001010010", "身份证号码第7至14位的出生日期无效。"),
    ],
)
def test_id_number_problems(value: str, message: str) -> None:
    assert id_number_problem(value, today=TODAY) == message


def test_wrong_check_character_and_lower_case_x() -> None:
    good = valid_id("11010519491231002")
    assert good.endswith("X") and id_number_problem(good.lower(), today=TODAY) is None
    wrong = good[:17] + "1"
    assert (
        id_number_problem(wrong, today=TODAY) == "身份证号码校验码（第18位）不正确，请核对号码是否填写有误。"
    )


def test_legal_representative_must_be_an_adult() -> None:
    minor = valid_id("14070220100101001")
    assert id_number_problem(minor, today=TODAY) is None
    assert "年满18周岁" in (id_number_problem(minor, today=TODAY, adult=True) or "")
    assert id_number_problem(valid_id("14070220081124001"), today=TODAY, adult=True) is None  # 18 today


# --- names -----------------------------------------------------------------------------------------------


YUCI = OrgUnit(code="140702", name="榆次区", kind="county")
CITY = OrgUnit(code="140700", name="晋中市", kind="city")


def test_name_must_start_with_the_division() -> None:
    prefixes = division_prefixes(YUCI, CITY)
    assert prefixes == ["榆次区", "晋中市榆次区", "山西省晋中市榆次区"]
    assert name_problems("晋中市榆次区锦纶社区邻里互助协会", prefixes, taken=False) == []
    [problem] = name_problems("锦纶社区邻里互助协会", prefixes, taken=False)
    assert problem.startswith("名称应以所在行政区划名称开头")


def test_local_bodies_may_not_use_national_words_and_names_are_unique() -> None:
    prefixes = division_prefixes(YUCI, CITY)
    problems = name_problems("榆次区中华全国互助会", prefixes, taken=True, pending=True)
    assert problems[0] == "地方性社会组织名称不得使用“全国”“中华”字样。"
    assert "名称不得相同" in problems[1] and "正在办理中" in problems[2]


# --- thresholds and the path ----------------------------------------------------------------------------


def rule(org_type: str, level: str, **changes: Any) -> RegistrationRule:
    """A transient rule with the seeded defaults."""
    values = {
        "min_individual_members": 0,
        "min_unit_members": 0,
        "min_mixed_members": 0,
        "min_funds": 0,
        "filing_allowed": True,
        "filing_min_founders": 1,
        "filing_min_members": 0,
    }
    return RegistrationRule(
        org_type=org_type, level=level, **{**values, **DEFAULT_RULES[(org_type, level)], **changes}
    )


def case(**changes: Any) -> dict[str, Any]:
    return {
        "org_type": "association",
        "category": "community_service",
        "individual_members": 25,
        "unit_members": 0,
        "funds": 12000,
        "founders": [{"name": "甲"}, {"name": "乙"}],
        **changes,
    }


def test_association_member_thresholds_follow_article_10() -> None:
    county = rule("association", "county")
    assert registration_shortfalls(case(individual_members=50, funds=30000), county) == []
    assert registration_shortfalls(case(individual_members=0, unit_members=30, funds=30000), county) == []
    assert registration_shortfalls(case(individual_members=49, funds=30000), county) == [
        "个人会员49个，少于所需的50个"
    ]
    assert registration_shortfalls(case(individual_members=0, unit_members=29, funds=30000), county) == [
        "单位会员29个，少于所需的30个"
    ]
    mixed = registration_shortfalls(case(individual_members=20, unit_members=29, funds=29999.5), county)
    assert mixed == ["会员总数49个，少于混合会员制所需的50个", "活动资金29,999.50元，低于所需的30,000元"]


def test_community_thresholds_are_lower() -> None:
    assert registration_shortfalls(case(), rule("association", "community")) == []
    assert registration_shortfalls(case(), rule("association", "county"))


def test_path_registration_filing_or_returned() -> None:
    community = rule("association", "community")
    assert choose_path(case(), community, "community", can_file=True) == ("registration", [])
    assert choose_path(case(individual_members=12, funds=500), community, "community", True) == ("filing", [])
    path, why = choose_path(case(individual_members=12, funds=500), community, "community", can_file=False)
    assert path == "returned" and "社区（村）" in why[0]
    path, why = choose_path(
        case(individual_members=3, funds=500, founders=[{}]), community, "community", True
    )
    assert (
        path == "returned"
        and why[1] == "也未达到备案条件：发起人1人，少于备案所需的2人；成员3个，少于备案所需的10个。"
    )
    path, why = choose_path(case(individual_members=12), rule("association", "county"), "county", True)
    assert path == "returned" and "须达到登记条件" in why[0]


def test_supervisor_consent_is_needed_outside_the_four_direct_categories() -> None:
    community = rule("association", "community")
    path, why = choose_path(case(category="other"), community, "community", True)
    assert path == "returned" and "业务主管单位同意文件" in why[0]
    assert (
        choose_path(case(category="other", supervisor_consent="7"), community, "community", True)[0]
        == "registration"
    )
    for category in ("trade", "science", "charity", "community_service"):
        assert choose_path(case(category=category), community, "community", True)[0] == "registration"


def test_service_organizations_have_no_member_threshold() -> None:
    service = rule("service", "community")
    assert registration_shortfalls(case(org_type="service", individual_members=0), service) == []
    assert filing_shortfalls(case(org_type="service", individual_members=0), service) == []


def test_configured_thresholds_win() -> None:
    strict = rule("association", "community", min_individual_members=40)
    assert registration_shortfalls(case(), strict) == ["个人会员25个，少于所需的40个"]


# --- the staged form ------------------------------------------------------------------------------------


SPEC = get_form("registration.application")


def test_the_application_has_six_stages_with_unique_fields() -> None:
    assert [s.key for s in SPEC.stages] == ["basic", "people", "funds", "charter", "attachments", "submit"]
    assert SPEC.summary and SPEC.business_key == "name"


def test_stage_validation_is_precise() -> None:
    result = validate_form(
        SPEC,
        {"org_type": "association", "name": "榆次区 互助会", "service_field": "other", "groups_served": []},
        stages=[0],
    )
    assert result.errors["name"] == ["名称只能由汉字、字母、数字和括号组成，不能含空格或其他标点。"]
    assert result.errors["groups_served"] == ["请至少选择一类服务对象。"]
    assert result.errors["service_field_other"] == ["服务领域选择“其他领域”时，请注明具体领域。"]
    assert "rep_name" not in result.errors  # other stages are not checked when leaving this one


def test_people_stage_checks_ids_phone_and_the_association_rule() -> None:
    data = {
        "org_type": "association",
        "rep_name": "张敏",
        "rep_id_number": valid_id(),
        "rep_phone": "12345",
        "rep_other_association": True,
        "founders": [
            {"name": "张敏", "id_number": valid_id()},
            {"name": "李强", "id_number": valid_id().lower()},
        ],
        "individual_members": 0,
        "unit_members": 0,
    }
    errors = validate_form(SPEC, data, stages=[1]).errors
    assert errors["rep_phone"] == ["请填写11位手机号码或带区号的固定电话，如0354-3021234。"]
    assert errors["rep_other_association"] == ["社会团体的法定代表人不得同时担任其他社会团体的法定代表人。"]
    assert errors["individual_members"] == ["社会团体应当有会员，请填写个人会员数或单位会员数。"]
    assert errors["founders"] == ["发起人的身份证号码有重复，请核对。"]


def test_charter_clauses_depend_on_the_type() -> None:
    assert "membership" in required_clauses("association") and "membership" not in required_clauses("service")
    service = {"org_type": "service", "charter_file": "3", "charter_clauses": required_clauses("service")}
    assert validate_form(SPEC, service, stages=[3]).ok
    errors = validate_form(SPEC, {"org_type": "service", "charter_clauses": []}, stages=[3]).errors
    assert errors["charter_text"] == ["请填写章程草案全文或上传章程文件。"]
    assert errors["charter_clauses"][0].startswith("章程须载明以下事项，请补充后勾选：名称、住所；")


@pytest.mark.parametrize(
    ("funds", "message"),
    [
        ("-1", "金额应在0至10亿元之间。"),
        ("12.345", "金额最多保留两位小数（精确到分）。"),
        ("十万", "不是有效的小数。"),
    ],
)
def test_amounts(funds: str, message: str) -> None:
    assert validate_form(SPEC, {"funds": funds}, stages=[2]).errors["funds"] == [message]


def test_decision_forms_require_reasons() -> None:
    acceptance = get_form("registration.acceptance")
    errors = validate_form(acceptance, {"decision": "correction"}).errors
    assert errors == {"correction_items": ["一次性告知补正时，请勾选或填写全部需补正的事项。"]}
    assert validate_form(acceptance, {"decision": "correction", "correction_other": "补充名单"}).ok
    leader = get_form("registration.decision")
    assert set(validate_form(leader, {"decision": "refuse"}).errors) == {"refusal_grounds", "comment"}
    assert validate_form(leader, {"decision": "approve"}).ok
    assert acceptance.decision_choices == frozenset({"accept", "correction", "not_accept"})


# --- credit codes -----------------------------------------------------------------------------------------


def test_generated_codes_carry_both_check_characters() -> None:
    codes = {make_uscc("1", "140702", serial) for serial in range(1, 200)}
    assert len(codes) == 199 and all(validate_uscc(c) == [] and c.startswith("51140702MJ") for c in codes)


def test_a_form_processed_again_gives_what_a_fresh_form_gives() -> None:
    many = {
        "founders": [{"name": n, "id_number": valid_id()} for n in ("张敏", "李强", "王芳")],
        "rep_phone": "12345",
        "individual_members": "很多",  # could not be read: only that is reported
    }
    few = {"founders": [{"name": "赵磊", "id_number": valid_id()}], "unit_members": 3}
    cases = [many, few, many, {}, few]
    reused = [validate_form(SPEC, data, stages=[1]) for data in cases]
    fresh = []
    for data in cases:
        binding._IDLE.clear()  # a form built for this data alone
        fresh.append(validate_form(SPEC, data, stages=[1]))
    assert [(r.data, r.errors) for r in reused] == [(r.data, r.errors) for r in fresh]
    assert [f["name"] for f in reused[1].data["founders"]] == ["赵磊"]
    assert reused[0].errors["individual_members"] == ["不是有效的整数。"]
    assert reused[1].errors["individual_members"] == ["此项为必填项。"]  # missing now, not unreadable
