"""Rules without a database: indicator scores, weighted totals, ranks, and the supervision forms."""

from __future__ import annotations

from typing import Any

import pytest

from forms import get_form
from forms.binding import validate_form
from workflows.assessment_scoring import competition_ranks, indicator_score, weighted_total

INTERVIEWERS = [{"name": "王建国", "title": "市委政法委副书记"}, {"name": "李红", "title": "市民政局副局长"}]


@pytest.mark.parametrize(
    ("value", "target", "best", "score"),
    [
        (1, 2, 9, 50.0),  # against the target: one incubation base of the two required
        (3, 2, 9, 100.0),  # more than the target earns no more than full marks
        (0.35, 0, 0.7, 50.0),  # no target: against the best county
        (0, 0, 0, 0.0),  # nobody has any: nobody scores
        (None, 2, 9, 0.0),  # missing data scores nothing
    ],
)
def test_indicator_score(value: float | None, target: float, best: float, score: float) -> None:
    assert indicator_score(value, target, best) == score


def test_weighted_total_is_the_weighted_mean() -> None:
    assert weighted_total({"a": 100, "b": 50}, {"a": 30, "b": 10}) == 87.5
    assert weighted_total({"a": 100}, {"a": 1, "b": 1}) == 50.0  # a missing score counts as 0
    assert weighted_total({}, {}) == 0.0


def test_competition_ranks_share_ties_and_put_vetoes_last() -> None:
    ranks = competition_ranks(
        [("A", 80, False), ("B", 90, False), ("C", 80, False), ("D", 95, True), ("E", 10, False)]
    )
    assert ranks == {"B": 1, "A": 2, "C": 2, "E": 4, "D": 5}


def check(form_key: str, data: dict[str, Any]) -> dict[str, list[str]]:
    return validate_form(get_form(form_key), data).errors


def test_an_interview_needs_two_different_interviewers() -> None:
    notice = {
        "iv_reason": "进展滞后",
        "iv_time": "2099-03-20T09:30",
        "iv_place": "市委政法委三楼会议室",
        "iv_interviewees": "区委政法委书记",
    }
    assert check("supervision.interview_notice", {**notice, "iv_interviewers": INTERVIEWERS}) == {}
    one = check("supervision.interview_notice", {**notice, "iv_interviewers": INTERVIEWERS[:1]})
    assert one["iv_interviewers"] == ["约谈人不得少于2名。"]
    same = check("supervision.interview_notice", {**notice, "iv_interviewers": [INTERVIEWERS[0]] * 2})
    assert same["iv_interviewers"] == ["约谈人不能重复。"]
    past = check(
        "supervision.interview_notice",
        {**notice, "iv_time": "2020-01-01T09:00", "iv_interviewers": INTERVIEWERS},
    )
    assert "iv_time" in past


def test_the_record_also_names_two_interviewers() -> None:
    errors = check("supervision.interview_record", {"ir_interviewers": INTERVIEWERS[:1]})
    assert errors["ir_interviewers"] == ["约谈人不得少于2名。"]


def test_a_return_or_a_failed_verification_says_why() -> None:
    assert "comment" in check("supervision.record_signoff", {"decision": "return"})
    assert check("supervision.record_signoff", {"decision": "approve"}) == {}
    assert "comment" in check("supervision.plan_review", {"decision": "return", "comment": " "})
    assert "comment" in check("supervision.verify", {"decision": "fail", "vr_findings": "未建成"})
    assert check("supervision.verify", {"decision": "pass", "vr_findings": "已建成"}) == {}


def test_opening_by_hand_needs_a_reason_from_the_scorecard_not() -> None:
    assert "case_reason" in check("supervision.open", {"county_code": "140702"})
    assert check("supervision.open", {"county_code": "140702", "period_id": 3}) == {}
    assert "county_code" in check("supervision.open", {"county_code": "140702001", "case_reason": "x"})


def test_a_plan_lists_problems_measures_people_and_deadlines() -> None:
    item = {
        "problem": "孵化基地未建成",
        "measure": "建设",
        "responsible": "局长",
        "item_deadline": "2026-06-30",
    }
    assert check("supervision.plan", {"plan_summary": "专班", "plan_items": [item]}) == {}
    errors = check("supervision.plan", {"plan_summary": "专班", "plan_items": [{**item, "responsible": ""}]})
    assert "plan_items[0].responsible" in errors
    assert "plan_items[0].item_deadline" in check(
        "supervision.plan", {"plan_summary": "专班", "plan_items": [{**item, "item_deadline": "明天"}]}
    )
    percent = check("supervision.progress", {"decision": "progress", "pr_text": "x", "pr_percent": 120})
    assert "pr_percent" in percent
