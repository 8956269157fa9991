"""The OpenAPI 3.1 document of /api/v1, built from one table of endpoints."""

from __future__ import annotations

from typing import Any

ERROR = {"$ref": "#/components/schemas/Error"}
DATA_BODY = {"type": "object", "properties": {"data": {"type": "object"}}, "required": ["data"]}

# (method, path, summary, public, request schema or None, success status, success schema ref)
ENDPOINTS: list[tuple[str, str, str, bool, dict[str, Any] | None, str, str]] = [
    (
        "post",
        "/tokens",
        "用户名密码换取访问令牌",
        True,
        {
            "type": "object",
            "properties": {"username": {"type": "string"}, "password": {"type": "string"}},
            "required": ["username", "password"],
        },
        "201",
        "Token",
    ),
    ("get", "/me", "当前用户", False, None, "200", "User"),
    ("get", "/processes", "可发起的流程", False, None, "200", "List"),
    ("post", "/processes/{key}/instances", "发起流程", False, DATA_BODY, "201", "Instance"),
    ("get", "/instances", "可见的流程实例（process、status、page 过滤）", False, None, "200", "List"),
    ("get", "/instances/{id}", "流程实例详情", False, None, "200", "Instance"),
    ("get", "/instances/{id}/audit", "审计记录（哈希链）", False, None, "200", "List"),
    (
        "post",
        "/instances/{id}/attachments",
        "上传附件（multipart 字段 file）",
        False,
        {"type": "object", "properties": {"file": {"type": "string", "format": "binary"}}},
        "201",
        "Attachment",
    ),
    ("get", "/tasks", "待办任务", False, None, "200", "List"),
    ("get", "/tasks/{id}", "任务详情、表单描述与草稿", False, None, "200", "TaskDetail"),
    ("post", "/tasks/{id}/claim", "认领任务", False, None, "200", "Task"),
    ("post", "/tasks/{id}/unclaim", "退回认领", False, None, "200", "Task"),
    ("put", "/tasks/{id}/draft", "保存草稿（可为部分数据）", False, DATA_BODY, "200", "Draft"),
    ("post", "/tasks/{id}/complete", "办理任务", False, DATA_BODY, "200", "Instance"),
    ("get", "/documents/{id}", "文书 PDF", False, None, "200", "Pdf"),
    ("get", "/organizations", "社会组织公开名录", True, None, "200", "List"),
    ("get", "/admin/process-definitions", "流程定义版本列表（管理员）", False, None, "200", "List"),
    (
        "post",
        "/admin/process-definitions",
        "上传 BPMN（原始 XML 或 multipart 字段 file）",
        False,
        {"type": "string", "format": "binary"},
        "201",
        "Definition",
    ),
    (
        "post",
        "/admin/process-definitions/{key}/{version}/deploy",
        "发布草稿版本",
        False,
        None,
        "200",
        "Definition",
    ),
]

SCHEMAS: dict[str, Any] = {
    "Error": {
        "type": "object",
        "required": ["error", "message"],
        "properties": {
            "error": {"type": "string"},
            "message": {"type": "string"},
            "fields": {
                "type": "object",
                "additionalProperties": {"type": "array", "items": {"type": "string"}},
            },
        },
    },
    "Token": {
        "type": "object",
        "properties": {"token": {"type": "string"}, "expires_at": {"type": "string"}},
    },
    "User": {"type": "object"},
    "List": {
        "type": "object",
        "required": ["items", "page", "pages", "total"],
        "properties": {
            "items": {"type": "array", "items": {}},
            "page": {"type": "integer"},
            "pages": {"type": "integer"},
            "total": {"type": "integer"},
        },
    },
    "Task": {
        "type": "object",
        "properties": {
            k: {}
            for k in (
                "id",
                "name",
                "form_key",
                "process_key",
                "instance_id",
                "lane",
                "scope",
                "assignee",
                "due_at",
                "overdue",
                "created_at",
            )
        },
    },
    "TaskDetail": {"type": "object"},
    "Draft": {"type": "object"},
    "Instance": {
        "type": "object",
        "properties": {
            k: {}
            for k in (
                "id",
                "process_key",
                "version",
                "status",
                "scope",
                "business_key",
                "started_by",
                "created_at",
                "completed_at",
                "tasks",
                "history",
                "documents",
            )
        },
    },
    "Attachment": {"type": "object"},
    "Definition": {"type": "object"},
    "Pdf": {"type": "string", "format": "binary"},
}


def _operation(
    summary: str, public: bool, body: dict[str, Any] | None, status: str, schema: str
) -> dict[str, Any]:
    content_type = "application/pdf" if schema == "Pdf" else "application/json"
    op: dict[str, Any] = {
        "summary": summary,
        "responses": {
            status: {
                "description": "OK",
                "content": {content_type: {"schema": {"$ref": f"#/components/schemas/{schema}"}}},
            },
            **{
                code: {"description": text, "content": {"application/json": {"schema": ERROR}}}
                for code, text in (
                    ("400", "请求有误"),
                    ("401", "未认证"),
                    ("403", "无权限"),
                    ("404", "不存在"),
                    ("409", "状态冲突"),
                    ("422", "数据校验失败"),
                )
            },
        },
    }
    if public:
        op["security"] = []
    if body is not None:
        op["requestBody"] = {"required": True, "content": {"application/json": {"schema": body}}}
    return op


def _parameters(path: str) -> list[dict[str, Any]]:
    names = [part[1:-1] for part in path.split("/") if part.startswith("{")]
    return [
        {"name": n, "in": "path", "required": True, "schema": {"type": "string" if n == "key" else "integer"}}
        for n in names
    ]


def openapi_document() -> dict[str, Any]:
    """The whole document."""
    paths: dict[str, Any] = {}
    for method, path, summary, public, body, status, schema in ENDPOINTS:
        item = paths.setdefault(path, {})
        if _parameters(path):
            item["parameters"] = _parameters(path)
        item[method] = _operation(summary, public, body, status, schema)
    return {
        "openapi": "3.1.0",
        "info": {"title": "晋中市社区社会组织工作平台 API", "version": "1"},
        "servers": [{"url": "/api/v1"}],
        "paths": paths,
        "components": {
            "schemas": SCHEMAS,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
        "security": [{"bearer": []}],
    }
