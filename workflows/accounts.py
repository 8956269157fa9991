"""People and credentials: users, password checks, API tokens (stored hashed)."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from functools import cache

from sqlalchemy import bindparam, delete, select
from sqlalchemy.orm import Session, joinedload
from werkzeug.security import check_password_hash, generate_password_hash

from models import ROLE_NAMES, ApiToken, OrgUnit, User, UserRole, utcnow
from workflows import audit
from workflows.errors import Invalid


@cache
def _dummy_hash() -> str:
    """Checked when the user does not exist, so that timing does not reveal usernames (made on
    first use: scrypt takes ~130 ms and 32 MB, which every process paid at import)."""
    return generate_password_hash("not-a-password")


def authenticate(session: Session, username: str, password: str) -> User | None:
    """The active user with these credentials, or None."""
    user = session.scalar(select(User).where(User.username == username))
    if user is None or not user.active:
        check_password_hash(_dummy_hash(), password)
        return None
    return user if check_password_hash(user.password_hash, password) else None


def create_user(
    session: Session, username: str, password: str, roles: list[str], org_unit: str, display_name: str = ""
) -> User:
    """Create (or update the roles, unit and password of) a user."""
    unknown = [r for r in roles if r not in ROLE_NAMES]
    if unknown:
        raise Invalid(f"未知角色：{', '.join(unknown)}")
    if session.get(OrgUnit, org_unit) is None:
        raise Invalid(f"未知组织机构代码：{org_unit}")
    if len(password) < 8:
        raise Invalid("密码至少 8 位")
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        user = User(username=username)
        session.add(user)
    user.display_name = display_name or user.display_name or username
    user.password_hash = generate_password_hash(password)
    user.org_unit_code = org_unit
    user.role_links = [UserRole(role_key=r) for r in roles]
    session.flush()
    audit.record(session, "user_saved", details={"username": username, "roles": roles, "org_unit": org_unit})
    return user


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(session: Session, user: User, ttl_hours: int) -> tuple[str, datetime]:
    """A new bearer token for `user`; only its hash is stored."""
    token = secrets.token_urlsafe(32)
    expires_at = utcnow() + timedelta(hours=ttl_hours)
    session.add(ApiToken(user_id=user.id, token_hash=_hash(token), expires_at=expires_at))
    session.execute(delete(ApiToken).where(ApiToken.user_id == user.id, ApiToken.expires_at < utcnow()))
    return token, expires_at


# Built once: every API request runs it, and SQLAlchemy keys its compiled-SQL cache by the
# statement's structure, which is costly to work out for a fresh statement with eager loads.
_TOKEN_HOLDER = (
    select(ApiToken)
    .options(joinedload(ApiToken.user).joinedload(User.role_links))
    .where(ApiToken.token_hash == bindparam("token_hash"))
)


def user_for_token(session: Session, token: str) -> User | None:
    """The active user holding this unexpired token."""
    row = session.scalars(_TOKEN_HOLDER, {"token_hash": _hash(token)}).unique().one_or_none()
    if row is None or row.expires_at < utcnow() or not row.user.active:
        return None
    return row.user
