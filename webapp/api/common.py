"""What every API module shares: JSON errors, paging, the caller, request bodies."""

from __future__ import annotations

from typing import Any

from flask import g, jsonify, request
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from models import User
from workflows.errors import Invalid

PAGE_SIZE = 50


def error(status: int, code: str, message: str, fields: dict[str, list[str]] | None = None) -> Any:
    """A JSON error response."""
    body: dict[str, Any] = {"error": code, "message": message}
    if fields:
        body["fields"] = fields
    return jsonify(body), status


def caller() -> User:
    """The authenticated user of this request."""
    user: User = g.user
    return user


def json_body() -> dict[str, Any]:
    """The request's JSON object (Invalid when it is not one)."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise Invalid("请求体必须是 JSON 对象")
    return body


def data_of(body: dict[str, Any]) -> dict[str, Any]:
    """The `data` object of a start/complete/draft body."""
    data = body.get("data", {})
    if not isinstance(data, dict):
        raise Invalid("data 必须是 JSON 对象", fields={"data": ["必须是对象"]})
    return data


def page_number() -> int:
    """The requested page (1-based)."""
    raw = request.args.get("page", "1")
    if not raw.isdigit() or int(raw) < 1:
        raise Invalid("page 必须是正整数", fields={"page": ["必须是正整数"]})
    return int(raw)


def paginate(
    session: Session, query: Select[Any], serialize: Any, page: int, size: int = PAGE_SIZE
) -> dict[str, Any]:
    """A list response {items, page, pages, total}."""
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    rows = session.scalars(query.limit(size).offset((page - 1) * size)).all()
    return {
        "items": [serialize(r) for r in rows],
        "page": page,
        "pages": max(1, -(-total // size)),
        "total": total,
    }


def whole_list(items: list[Any]) -> dict[str, Any]:
    """A list response {items, page, pages, total} for a list that is never paged (all on page 1)."""
    return {"items": items, "page": 1, "pages": 1, "total": len(items)}
