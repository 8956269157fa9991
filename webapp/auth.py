"""Who is asking: the session cookie for pages, a bearer token for the API."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import abort, g, redirect, request, session, url_for

from models import User
from webapp.db import db
from workflows.accounts import user_for_token

F = TypeVar("F", bound=Callable[..., Any])


def load_user() -> None:
    """Set g.user from the bearer token (API) or the login session (pages)."""
    g.user = None
    header = request.headers.get("Authorization", "")
    if request.path.startswith("/api/"):
        if header.startswith("Bearer "):
            g.user = user_for_token(db(), header[7:].strip())
        return
    user_id = session.get("user_id")
    if user_id is not None:
        user = db().get(User, user_id)
        g.user = user if user is not None and user.active else None


def current_user() -> User:
    """The logged-in user (call only behind login_required / token_required)."""
    user: User = g.user
    return user


def login_required(view: F) -> F:
    """Pages: send anonymous visitors to the login page."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if g.get("user") is None:
            return redirect(url_for("pages.login", next=request.full_path))
        return view(*args, **kwargs)

    return wrapped  # type: ignore[return-value]


def roles_required(*roles: str) -> Callable[[F], F]:
    """Pages: 403 unless the user holds one of the roles."""

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if g.get("user") is None:
                return redirect(url_for("pages.login", next=request.full_path))
            if not g.user.has_role(*roles):
                abort(403)
            return view(*args, **kwargs)

        return login_required(wrapped)  # type: ignore[return-value]

    return decorate
