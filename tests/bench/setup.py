"""A database of its own for a benchmark run, with the app on it."""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import redis
from flask import Flask
from sqlalchemy import text

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


@contextmanager
def bench_broker() -> Iterator[dict[str, str]]:
    """Where the run's follow-up jobs go: as in production, a Redis broker (TEST_REDIS_URL or
    CELERY_BROKER_URL), on a queue of the run's own that is deleted after it; else an in-memory
    broker, whose queue nobody empties and which so adds to the web workers' memory."""
    url = os.environ.get("TEST_REDIS_URL") or os.environ.get("CELERY_BROKER_URL", "")
    if not url.startswith("redis"):
        yield {"CELERY_BROKER_URL": "memory://"}
        return
    queue = f"bench-{uuid.uuid4().hex[:12]}"
    client = redis.Redis.from_url(url)
    client.ping()  # an unreachable broker stops the run here, not after it
    try:
        yield {"CELERY_BROKER_URL": url, "CELERY_QUEUE": queue}
    finally:
        keys = list(client.scan_iter(f"{queue}:*"))  # the broker prefixes every key with the queue
        if keys:
            client.delete(*keys)
        client.close()


def bench_config(url: str, folder: Path, broker: dict[str, str]) -> dict[str, str]:
    """The app configuration of a benchmark run (strings: the web workers get it as environment)."""
    return {"DATABASE_URL": url, "UPLOAD_DIR": str(folder / "uploads"), "SECRET_KEY": "bench", **broker}


def current_statistics(app: Flask) -> None:
    """Bring PostgreSQL's planner statistics up to date, as autovacuum keeps them in a running system.

    The run starts from empty tables that grow by thousands of rows within minutes, faster than
    autovacuum looks (once a minute): a plan the workers prepared while a table was nearly empty
    stays in use until the next ANALYZE (a sequential scan of the attachments for every application,
    the table grown to 5,000 rows).
    """
    engine = app.extensions["db_engine"]
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))


def prepared_app(config: dict[str, str]) -> Flask:
    """Migrate, seed the org tree, bundled processes and demo users; the app."""
    upgrade(config["DATABASE_URL"])
    app = create_app({**config, "DEMO_MODE": True})
    with session_factory(app)() as session:
        setup.initialize(session)
        demo.seed_demo_users(session, PASSWORD)
    return app
