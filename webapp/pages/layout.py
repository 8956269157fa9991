"""What every page's layout needs: the user, unread count, labels, date filters."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, g, request
from flask_babel import get_locale, gettext
from flask_babel import lazy_gettext as _l

from forms.registry import field_type
from models import ROLE_NAMES, utcnow
from webapp.db import db
from webapp.pages.widgets import blank_row, choices_of, group_messages, row_errors
from workflows import notifications
from workflows.meetings.views import is_overdue
from workflows.working_days import CST

STATUS_LABELS = {
    "running": _l("办理中"),
    "waiting": _l("等待中"),
    "completed": _l("已办结"),
    "terminated": _l("已终止"),
    "error": _l("流程异常"),
    "suspended": _l("已挂起"),
}
STATUS_STYLES = {
    "running": "primary",
    "waiting": "info",
    "completed": "success",
    "terminated": "secondary",
    "error": "danger",
    "suspended": "warning",
}
ACTION_LABELS = {
    "instance_started": _l("发起申请"),
    "task_created": _l("生成待办"),
    "task_claimed": _l("认领任务"),
    "task_unclaimed": _l("退回待认领"),
    "task_completed": _l("办理完成"),
    "task_cancelled": _l("待办撤销"),
    "task_overdue": _l("办理超期"),
    "timer_fired": _l("期限届满自动处理"),
    "document_issued": _l("出具文书"),
    "instance_completed": _l("流程办结"),
    "instance_error": _l("流程异常"),
    "registration_prechecked": _l("预审完成"),
    "applicant_notified": _l("告知申请人"),
    "dossier_resubmitted": _l("补正后重新提交"),
    "registration_accepted": _l("受理"),
    "statutory_reminder": _l("法定期限提醒"),
    "statutory_overdue": _l("超过法定期限"),
    "organization_registered": _l("准予登记"),
    "organization_filed": _l("准予备案"),
    "organization_expired": _l("备案期满"),
    "filing_expiry_reminder": _l("备案到期提醒"),
    "instance_migrated": _l("版本迁移"),
    "instance_suspended": _l("挂起"),
    "instance_resumed": _l("恢复"),
    "instance_terminated": _l("终止"),
    "instance_retried": _l("重试"),
    "supervision_event": _l("督办记录"),
    "funding_prechecked": _l("资格预审"),
    "funding_street_opinion": _l("街道初审意见"),
    "funding_panel_assigned": _l("分配评审专家"),
    "funding_expert_recused": _l("专家回避"),
    "funding_review_scored": _l("专家评分"),
    "funding_scored": _l("汇总评分"),
    "funding_result_received": _l("收到评审结果"),
    "funding_result_undelivered": _l("评审结果未送达"),
    "funding_call_opened": _l("发布资助批次"),
    "funding_window_closed": _l("申报截止"),
    "funding_list_proposed": _l("提出拟资助名单"),
    "funding_list_approved": _l("批准资助名单"),
    "funding_list_returned": _l("退回资助名单"),
    "funding_notice_published": _l("公示"),
    "funding_notice_closed": _l("公示结束"),
    "funding_objection_filed": _l("收到异议"),
    "funding_objections_ruled": _l("处理异议"),
    "funding_list_finalized": _l("确定资助名单"),
    "funding_agreement_signed": _l("签订资助协议"),
    "funding_payment_recorded": _l("拨付资金"),
    "funding_midterm_evaluated": _l("中期评估"),
    "funding_acceptance": _l("结项验收"),
    "funding_project_completed": _l("项目结项"),
}
# The Chinese role names of models.ROLE_NAMES, marked here so that the catalog translates them.
ROLE_CATALOG = (
    _l("申请人"),
    _l("居（村）委会"),
    _l("街道（乡镇）工作人员"),
    _l("县级民政登记人员"),
    _l("县级民政局负责人"),
    _l("市民政局工作人员"),
    _l("政法委工作人员"),
    _l("成员单位联络员"),
    _l("评审专家"),
    _l("系统管理员"),
)
UNREAD_SHOWN = 99


def cst(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A stored (UTC) time as China Standard Time, 24-hour."""
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(CST).strftime(fmt)


def cst_date(value: datetime | None) -> str:
    """The CST date of a stored time."""
    return cst(value, "%Y-%m-%d")


def role_name(key: str) -> str:
    """A role's name in the current language."""
    return gettext(ROLE_NAMES.get(key, key))


def _layout_context() -> dict[str, Any]:
    """Variables every template sees."""
    user = g.get("user")
    unread = notifications.unread_count(db(), user, UNREAD_SHOWN) if user is not None else 0
    return {
        "current_user": user,
        "unread_count": unread,
        "unread_shown": UNREAD_SHOWN,
        "status_labels": STATUS_LABELS,
        "status_styles": STATUS_STYLES,
        "action_labels": ACTION_LABELS,
        "locale": str(get_locale() or "zh"),
        "here": request.full_path.rstrip("?"),
        "now": utcnow(),
    }


def install(bp: Blueprint) -> None:
    """Register the context processor, filters and helpers for every template."""
    bp.app_context_processor(_layout_context)
    bp.add_app_template_filter(cst, "cst")
    bp.add_app_template_filter(cst_date, "cst_date")
    bp.add_app_template_global(role_name, "role_name")
    bp.add_app_template_global(field_type, "field_kind")
    bp.add_app_template_global(is_overdue, "is_overdue")
    for helper in (blank_row, choices_of, group_messages, row_errors):
        bp.add_app_template_global(helper)
