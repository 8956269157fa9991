"""Funding rules that need no database: forms, scores, outliers, tranches, deadlines, the ledger."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest

from forms import get_form
from forms.binding import validate_form
from forms.funding import call_checks, final_report_checks, proposal_checks, review_checks
from workflows.errors import Invalid
from workflows.funding_calls import _skipped, list_problems
from workflows.funding_ledger import committed_amount
from workflows.funding_panel import outliers, scored_rows, weighted_total
from workflows.funding_projects import report_dues, tranche_amounts

RUBRIC = [
    {"name": "需求分析", "weight": 30},
    {"name": "实施方案", "weight": 30},
    {"name": "团队", "weight": 40},
]


def test_budget_lines_must_add_up_to_the_total() -> None:
    lines = [{"budget_amount": 100.5}, {"budget_amount": "200"}]
    assert proposal_checks({"budget_lines": lines, "budget_total": "300.50"}) == {}
    assert proposal_checks({"budget_lines": lines, "budget_total": 300}) == {
        "budget_total": ["预算明细合计 300.50 元，与申请资助总额 300.00 元不一致。"]
    }


def test_milestones_fall_within_the_project() -> None:
    data = {
        "project_start": "2026-01-01",
        "project_end": "2026-06-30",
        "milestones": [
            {"milestone": "启动", "milestone_due": "2026-01-10"},
            {"milestone": "总结", "milestone_due": "2026-07-10"},
        ],
    }
    assert proposal_checks(data) == {"milestones": ["里程碑应在项目实施期内：总结。"]}


def test_amounts_have_at_most_two_decimals() -> None:
    spec = get_form("funding.application")
    result = validate_form(spec, {"budget_total": "100.123"}, stages=[1])
    assert result.errors["budget_total"] == ["金额最多保留两位小数（精确到分）。"]


def test_call_weights_tranches_and_window() -> None:
    data: dict[str, Any] = {
        "rubric": [
            {"criterion_name": "a", "criterion_weight": 50},
            {"criterion_name": "a", "criterion_weight": 50},
        ],
        "tranche_first": 50,
        "tranche_second": 40,
        "tranche_final": 10,
        "call_budget": "100000",
        "call_max_per_project": "20000",
        "call_opens_on": "2026-03-01",
        "call_closes_on": "2026-02-01",
    }
    assert call_checks(data) == {
        "rubric": ["评分项名称不能重复。"],
        "call_closes_on": ["申报截止日期不能早于开始日期。"],
    }


def test_a_review_declares_conflicts_and_scores_every_row() -> None:
    assert review_checks({"conflict": "recuse"}) == {"conflict_reason": ["申请回避时必须说明理由。"]}
    assert review_checks({"conflict": "recuse", "conflict_reason": "亲属", "criterion_scores": []}) == {}
    assert review_checks({"conflict": "none", "criterion_scores": []}) == {
        "criterion_scores": ["请逐项评分。"]
    }
    rows = [
        {"criterion": "需求分析", "score": 80, "remark": "好"},
        {"criterion": "团队", "score": None, "remark": ""},
    ]
    assert review_checks({"conflict": "none", "criterion_scores": rows}) == {
        "criterion_scores": ["每个评分项都须给出得分和评语：团队。"]
    }


def test_scores_match_the_rubric_and_are_weighted() -> None:
    rows = [
        {"criterion": n, "score": s, "remark": "r"}
        for n, s in (("团队", 70), ("需求分析", 90), ("实施方案", 80))
    ]
    matched = scored_rows(RUBRIC, rows)
    assert [r["criterion"] for r in matched] == ["需求分析", "实施方案", "团队"]
    assert weighted_total(matched) == Decimal("79.00")
    with pytest.raises(Invalid) as refused:
        scored_rows(RUBRIC, [*rows[:2], {"criterion": "创新性", "score": 1, "remark": "r"}])
    assert refused.value.fields["criterion_scores"] == [
        "缺少评分项：实施方案。",
        "评分细则中没有这些评分项：创新性。",
    ]


def test_outliers_are_far_from_the_panel_median() -> None:
    assert outliers([88.0, 86.0, 50.0], 15) == [False, False, True]
    assert outliers([80.0, 70.0, 66.0], 15) == [False, False, False]
    assert outliers([90.0], 15) == [False]


def test_tranches_add_up_to_the_cent() -> None:
    parts = tranche_amounts(33_333.33, [50, 40, 10])
    assert parts == [Decimal("16666.67"), Decimal("13333.33"), Decimal("3333.33")]
    assert sum(parts) == Decimal("33333.33")
    assert tranche_amounts(1000, [100, 0, 0]) == [Decimal("1000.00"), Decimal("0.00"), Decimal("0.00")]


def test_report_deadlines() -> None:
    project = SimpleNamespace(start_date=date(2026, 3, 1), end_date=date(2026, 12, 31))
    midterm, final = report_dues(project, date(2026, 2, 1))  # type: ignore[arg-type]
    assert (midterm.date(), final.date()) == (date(2026, 7, 31), date(2027, 1, 30))
    late_midterm, _final = report_dues(project, date(2026, 7, 20))  # type: ignore[arg-type]
    assert late_midterm.date() == date(2026, 8, 19)  # at least a month after signing


def _proposal(pid: int, amount: float, status: str = "scored") -> Any:
    return SimpleNamespace(
        id=pid, title=f"项目{pid}", budget_total=amount, approved_amount=amount, status=status
    )


def test_a_list_checks_projects_amounts_and_rank_order() -> None:
    call = SimpleNamespace(max_per_project=50_000)
    by_id = {1: _proposal(1, 40_000), 2: _proposal(2, 30_000)}
    rows = [
        {"proposal_id": 1, "amount": "45000"},
        {"proposal_id": 3, "amount": "1"},
        {"proposal_id": 2, "amount": 1},
    ]
    assert list_problems(call, rows, by_id) == [  # type: ignore[arg-type]
        "“项目1”的拟资助金额超过其申请额或单个项目上限。",
        "申报编号 3 不是本批次已完成评审、可列入名单的项目。",
    ]
    ranking = [_proposal(1, 1), _proposal(2, 1), _proposal(3, 1)]
    assert [p.id for p in _skipped(ranking, {1, 3})] == [2]  # type: ignore[arg-type]
    assert _skipped(ranking, {1, 2}) == []  # type: ignore[arg-type]


def test_what_a_project_holds_of_the_budget() -> None:
    assert committed_amount(_proposal(1, 500, "active"), Decimal(200)) == Decimal(500)
    assert committed_amount(_proposal(1, 500, "terminated"), Decimal(200)) == Decimal(200)
    assert committed_amount(_proposal(1, 500, "listed"), Decimal(0)) == Decimal(0)


def test_the_final_expenditure_adds_up() -> None:
    lines = [{"spent_amount": "100"}, {"spent_amount": "50.5"}]
    assert final_report_checks({"expenditure": lines, "final_spent": "150.50"}) == {}
    assert "final_spent" in final_report_checks({"expenditure": lines, "final_spent": "150"})
