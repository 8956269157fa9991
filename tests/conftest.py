"""Shared fixtures: a real database per run (PostgreSQL when configured), the app, API clients.

TEST_DATABASE_URL points at a PostgreSQL server: the run creates its own database with a
random suffix there and drops it at the end. Without it the run uses a SQLite file, unless
REQUIRE_SERVICES=1 (CI), where a missing service is a failure, never a skip.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from models.migrate import upgrade
from webapp import create_app
from webapp.db import session_factory
from workflows import demo, setup

DEMO_PASSWORD = "Test-password-1"
CASE_TABLES = [
    "funding_sanctions",
    "funding_payments",
    "funding_objections",
    "funding_reviews",
    "funding_rounds",
    "funding_proposals",
    "funding_calls",
    "organization_supervisions",
    "supervision_listings",
    "supervision_events",
    "rectification_plans",
    "supervision_cases",
    "assessment_entries",
    "assessment_scores",
    "assessment_indicators",
    "assessment_periods",
    "incubation_ledger",
    "incubation_evaluations",
    "incubation_services",
    "incubations",
    "incubation_base_staff",
    "incubation_bases",
    "federation_members",
    "federations",
    "organization_representatives",
    "organization_status_history",
    "organizations",
    "registry_serials",
    "notifications",
    "drafts",
    "submissions",
    "attachments",
    "documents",
    "document_counters",
    "human_tasks",
    "audit_events",
    "api_tokens",
    "process_instances",
    "calendar_days",
    "calendar_years",
]
REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"


def need_service(name: str, reason: str) -> None:
    """Skip a test whose service is missing — or fail when services are required (CI)."""
    message = f"{name} not available: {reason}"
    if REQUIRE_SERVICES:
        pytest.fail(message + " (REQUIRE_SERVICES=1)")
    pytest.skip(message)


def redis_url() -> str:
    """The Redis of TEST_REDIS_URL/CELERY_BROKER_URL, answering (else skip, or fail under CI)."""
    url = os.environ.get("TEST_REDIS_URL") or os.environ.get("CELERY_BROKER_URL", "")
    if not url.startswith("redis"):
        need_service("Redis", "set TEST_REDIS_URL")
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        need_service("Redis", str(exc))
    return url


def postgres_database(base_url: str, prefix: str = "test") -> Iterator[str]:
    """A database of its own on the server of `base_url`, dropped afterwards."""
    url = make_url(base_url)
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(
                text(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'")
            )
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """This run's own database."""
    base = os.environ.get("TEST_DATABASE_URL")
    if base:
        yield from postgres_database(base)
        return
    if REQUIRE_SERVICES:
        pytest.fail("TEST_DATABASE_URL is not set but REQUIRE_SERVICES=1")
    yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"


def app_config(database_url: str, folder: Path, **extra: Any) -> dict[str, Any]:
    """The configuration tests run the app with."""
    return {
        "DATABASE_URL": database_url,
        "UPLOAD_DIR": str(folder / "uploads"),
        "SECRET_KEY": "test-secret",
        "CELERY_TASK_ALWAYS_EAGER": True,
        "CELERY_BROKER_URL": "memory://",
        "DEMO_PASSWORD": DEMO_PASSWORD,
        "TESTING": True,
        **extra,
    }


@pytest.fixture(scope="session")
def app(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Flask:
    """The app on this run's database, migrated and seeded once."""
    application = create_app(app_config(database_url, tmp_path_factory.mktemp("app")))
    upgrade(database_url)
    with application.app_context(), session_factory(application)() as session:
        setup.initialize(session)
        demo.seed_demo_users(session, DEMO_PASSWORD)
    return application


@pytest.fixture(autouse=True)
def _clean_cases(request: pytest.FixtureRequest) -> Iterator[None]:
    """Each test starts without cases (reference data and demo users stay)."""
    yield
    if "app" not in request.fixturenames:
        return
    application: Flask = request.getfixturevalue("app")
    engine = application.extensions["db_engine"]
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text(f"TRUNCATE {', '.join(CASE_TABLES)} RESTART IDENTITY CASCADE"))
        else:
            for table in CASE_TABLES:
                conn.execute(text(f"DELETE FROM {table}"))


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A test client."""
    return app.test_client()


@pytest.fixture
def db_session(app: Flask) -> Iterator[Any]:
    """A session on the test database (no app context: requests of the test client get their own)."""
    with session_factory(app)() as session:
        yield session


class ApiClient:
    """The JSON API as one user: `api.as_user('registrar_yc').get('/tasks')`."""

    def __init__(self, client: FlaskClient, token: str | None = None) -> None:
        self.client = client
        self.token = token

    def as_user(self, username: str, password: str = DEMO_PASSWORD) -> ApiClient:
        """A client holding a fresh token of `username`."""
        response = self.client.post("/api/v1/tokens", json={"username": username, "password": password})
        assert response.status_code == 201, response.get_json()
        return ApiClient(self.client, response.get_json()["token"])

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}

    def get(self, path: str, **kw: Any) -> Any:
        return self.client.get("/api/v1" + path, headers=self._headers(), **kw)

    def post(self, path: str, json: Any = None, **kw: Any) -> Any:
        return self.client.post("/api/v1" + path, json=json, headers=self._headers(), **kw)

    def put(self, path: str, json: Any = None, **kw: Any) -> Any:
        return self.client.put("/api/v1" + path, json=json, headers=self._headers(), **kw)


@pytest.fixture
def api(client: FlaskClient) -> ApiClient:
    """An anonymous API client; `.as_user(name)` logs in."""
    return ApiClient(client)
