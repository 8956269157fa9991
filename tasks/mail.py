"""E-mail through SMTP when SMTP_URL is set (smtp://user:password@host:port, smtps:// for TLS)."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage
from typing import Any
from urllib.parse import unquote, urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Notification, User, utcnow


def _connect(url: str) -> smtplib.SMTP:
    parts = urlsplit(url)
    cls = smtplib.SMTP_SSL if parts.scheme == "smtps" else smtplib.SMTP
    server = cls(
        parts.hostname or "localhost", parts.port or (465 if parts.scheme == "smtps" else 25), timeout=10
    )
    if parts.username:
        server.login(unquote(parts.username), unquote(parts.password or ""))
    return server


def send_notifications(session: Session, config: dict[str, Any], ids: list[int]) -> int:
    """Send the not-yet-sent notifications among `ids` to users with an e-mail address."""
    if not config.get("SMTP_URL"):
        return 0
    rows = session.execute(
        select(Notification, User)
        .join(User, User.id == Notification.user_id)
        .where(Notification.id.in_(ids), Notification.emailed_at.is_(None), User.email != "")
    ).all()
    if not rows:
        return 0
    with _connect(config["SMTP_URL"]) as server:
        for notification, user in rows:
            message = EmailMessage()
            message["From"], message["To"] = config["MAIL_FROM"], user.email
            message["Subject"] = notification.title
            message.set_content(f"{notification.body}\n\n{config['BASE_URL']}{notification.link}")
            server.send_message(message)
            notification.emailed_at = utcnow()
    session.commit()
    return len(rows)
