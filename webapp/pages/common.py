"""What the page modules share: paging, safe redirects, the upload folder."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from flask import current_app, request, url_for
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

PAGE_SIZE = 20


@dataclass
class Page:
    """One page of a list."""

    items: list[Any]
    page: int
    pages: int
    total: int


def page_number() -> int:
    """The requested page (1-based); anything odd means the first page."""
    raw = request.args.get("page", "1")
    return int(raw) if raw.isdigit() and int(raw) > 0 else 1


def paginate(session: Session, query: Select[Any], page: int, size: int = PAGE_SIZE) -> Page:
    """Run `query` for one page and count the whole list."""
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    pages = max(1, -(-total // size))
    page = min(page, pages)
    items = list(session.scalars(query.limit(size).offset((page - 1) * size)).unique())
    return Page(items, page, pages, total)


def local_target(target: str | None, default: str = "pages.inbox.index") -> str:
    """`target` when it is a path on this site, else the default page (no open redirects)."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc:
            return target
    return url_for(default)


def upload_dir() -> str:
    """Where uploads are stored (outside the web root)."""
    folder: str = current_app.config["UPLOAD_DIR"]
    return folder
