"""Configuration: one defaults mapping, overridden by the environment, then by the factory's dict.

Nothing else in the project reads os.environ for settings.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent
INSTANCE_DIR = PROJECT_ROOT / "instance"


def defaults(instance_dir: Path = INSTANCE_DIR) -> dict[str, Any]:
    """The embedded defaults: everything under instance/, no server needed."""
    return {
        "DATABASE_URL": f"sqlite:///{instance_dir / 'app.db'}",
        "CELERY_BROKER_URL": f"sqla+sqlite:///{instance_dir / 'broker.db'}",
        "CELERY_RESULT_BACKEND": "",
        "CELERY_TASK_ALWAYS_EAGER": False,
        "CELERY_QUEUE": "shzz",
        "FOLLOWUP_LINGER_SECONDS": 0.05,  # a web worker's follow-up jobs travel in one message per 50 ms
        "SECRET_KEY": "",
        "UPLOAD_DIR": str(instance_dir / "uploads"),
        "SMTP_URL": "",
        "MAIL_FROM": "noreply@shzz.local",
        "DEMO_MODE": True,
        "MAX_CONTENT_LENGTH": 16 * 1024 * 1024,
        "MAX_BPMN_BYTES": 5 * 1024 * 1024,
        "TOKEN_TTL_HOURS": 72,
        "TIMER_INTERVAL_SECONDS": 60.0,
        "REMINDER_INTERVAL_SECONDS": 900.0,
        "BABEL_DEFAULT_LOCALE": "zh",
        "BABEL_DEFAULT_TIMEZONE": "Asia/Shanghai",
        "BASE_URL": "http://127.0.0.1:5000",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
    }


def _coerce(raw: str, example: Any) -> Any:
    if isinstance(example, bool):
        return raw.lower() in ("1", "true", "yes", "on")
    if isinstance(example, int):
        return int(raw)
    if isinstance(example, float):
        return float(raw)
    return raw


def load(overrides: dict[str, Any] | None = None, environ: dict[str, str] | None = None) -> dict[str, Any]:
    """Defaults, then environment variables of the same names, then `overrides`."""
    env = os.environ if environ is None else environ
    config = defaults()
    for key, value in config.items():
        if key in env:
            config[key] = _coerce(env[key], value)
    config.update(overrides or {})
    if not config["SECRET_KEY"]:
        config["SECRET_KEY"] = _local_secret(Path(config["UPLOAD_DIR"]).parent)
    return config


def _local_secret(folder: Path) -> str:
    """A random key kept in instance/ for the embedded default (never in the repository)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()
