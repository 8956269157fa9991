"""A database of its own for a benchmark run, with the app on it."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from flask import Flask

from models.migrate import upgrade
from tests.conftest import postgres_database
from webapp import create_app
from webapp.db import session_factory
from workflows import demo, setup

PASSWORD = "Bench-password-1"


@contextmanager
def bench_database() -> Iterator[str]:
    """A fresh database: on the PostgreSQL server of DATABASE_URL/TEST_DATABASE_URL, else SQLite."""
    base = os.environ.get("TEST_DATABASE_URL") or os.environ.get("DATABASE_URL", "")
    if not base.startswith("postgresql"):
        with tempfile.TemporaryDirectory() as folder:
            yield f"sqlite:///{folder}/bench.db"
        return
    yield from postgres_database(base, prefix="bench")


def bench_config(url: str, folder: Path) -> dict[str, object]:
    """The app configuration of a benchmark run: follow-up jobs go to an in-memory broker."""
    return {
        "DATABASE_URL": url,
        "UPLOAD_DIR": str(folder / "uploads"),
        "SECRET_KEY": "bench",
        "CELERY_BROKER_URL": "memory://",
        "DEMO_MODE": True,
    }


def prepared_app(url: str, folder: Path) -> Flask:
    """Migrate, seed the org tree, bundled processes and demo users; the app."""
    upgrade(url)
    app = create_app(bench_config(url, folder))
    with session_factory(app)() as session:
        setup.initialize(session)
        demo.seed_demo_users(session, PASSWORD)
    return app
