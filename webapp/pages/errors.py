"""Refusals as friendly pages with the right status code — never a 500 for a known case."""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from webapp.api.common import error as api_error
from workflows.errors import ServiceError

log = logging.getLogger(__name__)

TITLES = {
    400: _l("请求无效"),
    403: _l("无权办理"),
    404: _l("未找到"),
    405: _l("请求方式不正确"),
    409: _l("无法重复办理"),
    413: _l("文件过大"),
    422: _l("提交的数据有误"),
    500: _l("系统内部错误"),
}
HINTS = {
    403: _l("您可以查看此事项，但此环节须由其他有权限的工作人员办理。"),
    404: _l("该页面或事项不存在，或不在您的办理范围内。"),
    409: _l(
        "事项的状态已经变化（例如已由您或他人办理完毕、已被认领或已撤销），无需再次提交。请返回查看最新进度。"
    ),
    413: _l("上传的文件超过了系统允许的大小。"),
    500: _l("系统处理时出现问题，已记录日志。请稍后重试，或联系系统管理员。"),
}


def error_page(status: int, message: str, hint: Any = None) -> Any:
    """The error page for `status` with a message for the reader (and a hint on what to do)."""
    return render_template(
        "error.html",
        status=status,
        title=TITLES.get(status, _l("出错了")),
        message=message,
        hint=HINTS.get(status, "") if hint is None else hint,
    ), status


def service_error(exc: ServiceError) -> Any:
    """NotFound, Forbidden, Conflict, Invalid from the service layer."""
    # A process failure (e.g. a script error) is a 409 too, but its message already says what to do.
    return error_page(exc.status, exc.message, "" if exc.code == "instance_error" else None)


def csrf_error(exc: CSRFError) -> Any:
    """A form posted without a valid token (expired page, or a forged request)."""
    return error_page(400, str(_l("页面已过期或缺少安全校验信息，请返回上一页刷新后重新提交。")))


def http_error(exc: HTTPException) -> Any:
    """Werkzeug's errors (404, 405, 413 …) on pages."""
    status = exc.code or 500
    if isinstance(exc, InternalServerError):
        log.error("page error on %s", request.path, exc_info=exc.original_exception)
        return error_page(500, "")
    return error_page(status, "" if status in HINTS else str(exc.description or ""))


def unknown_path(exc: HTTPException) -> Any:
    """Any 404 outside a blueprint's own handler: a page, but JSON under /api/ as the API answers."""
    if request.path.startswith("/api/"):
        return api_error(404, "not_found", str(exc.description or ""))
    return error_page(404, "")


def install(bp: Blueprint) -> None:
    """Handlers for the pages blueprints, and the site-wide 404."""
    bp.register_error_handler(ServiceError, service_error)
    bp.register_error_handler(CSRFError, csrf_error)
    bp.register_error_handler(HTTPException, http_error)
    bp.app_errorhandler(404)(unknown_path)
