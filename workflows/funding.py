"""Funding applications (项目资金 / 政府购买服务 / 公益创投 / 活动补贴, issue #4).

Two processes share the work. `funding_call` runs one call: the office defines it, the window
closes on a timer, the office ranks the scored proposals and proposes a funded list within the
budget, a second official (the leader) approves it, the list is publicly noticed for the call's
working days (timer), every written objection is ruled on (an upheld one drops the project and
sends the office back to the list), and the final decision goes to every proposal. Each
proposal is its own `funding_application` instance: submission and pre-check, the street's
opinion, a parallel expert panel (recusal → replacement), the weighted score; then it waits
for the `funding_result` message, and a funded project runs its agreement, tranches, reports,
evaluation and acceptance.

Call-level state (calls, proposals, reviews, list rounds, objections, payments, sanctions) lives
in `models.funding`, written only by the operators below and by `funding_calls.file_objection`,
so the call page, the notice and the ledger are plain queries:

- `funding_proposals`: who may apply, submission, pre-check, the street's opinion;
- `funding_panel`: the expert panel, recusals and replacements, the weighted score, outliers;
- `funding_calls`: the call, its window, ranking, the list within the budget, the decision;
- `funding_objections`: the public notice and the ruling on every written objection;
- `funding_projects`: the agreement, payments, late reports, evaluation, acceptance; and the
  organization-level supervision case that bars an organization from applying;
- `funding_views`, `funding_ledger`, `funding_public`: what the pages and the API show;
  `funding_apply` (web layer only: it needs the engine service, which needs the service
  catalog, which imports this module): applying from a call page, prefilled drafts.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import FundingPayment, FundingProposal
from workflows import (
    funding_calls,  # noqa: F401  (registers the call operators)
    funding_objections,  # noqa: F401  (registers the notice and objection operators)
    funding_panel,  # noqa: F401  (registers the expert panel operators)
    funding_projects,  # noqa: F401  (registers the project operators)
    funding_proposals,  # noqa: F401  (registers the proposal operators)
)
from workflows.funding_common import start_of_day
from workflows.indicators import indicator


def _period(start: date, end: date) -> tuple[object, object]:
    """[start, end] as instants in China Standard Time (end inclusive)."""
    return start_of_day(start), start_of_day(end + timedelta(days=1))


@indicator("funded_projects_completed", "完成的资助项目数", unit="个")
def funded_projects_completed(session: Session, county_code: str, start: date, end: date) -> float:
    """Funded projects of the county's organizations that passed acceptance in the period."""
    begin, until = _period(start, end)
    query = select(func.count(FundingProposal.id)).where(
        FundingProposal.county_code == county_code,
        FundingProposal.status == "completed",
        FundingProposal.completed_at >= begin,
        FundingProposal.completed_at < until,
    )
    return float(session.scalar(query) or 0)


@indicator("funding_paid", "拨付社区社会组织项目资金", unit="万元")
def funding_paid(session: Session, county_code: str, start: date, end: date) -> float:
    """Tranches paid in the period to projects of the county's organizations, in 10,000 yuan."""
    query = (
        select(func.coalesce(func.sum(FundingPayment.amount), 0))
        .join(FundingProposal, FundingProposal.id == FundingPayment.proposal_id)
        .where(
            FundingProposal.county_code == county_code,
            FundingPayment.paid_on >= start,
            FundingPayment.paid_on <= end,
        )
    )
    return round(float(session.scalar(query) or 0) / 10_000, 2)
