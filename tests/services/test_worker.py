"""A boundary timer fired by a real Celery worker and beat over Redis."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from flask import Flask
from sqlalchemy import select

from models import ProcessInstance, User
from tests.conftest import redis_url
from workflows import definitions
from workflows.engine import state_json
from workflows.instances import start_instance

ROOT = Path(__file__).resolve().parents[2]
PROBE = ROOT / "tests" / "bpmn" / "timer_probe.bpmn"


@pytest.fixture
def celery_processes(app: Flask, tmp_path: Path) -> Iterator[dict[str, Any]]:
    """A worker and beat on a queue of their own, against the test database."""
    broker = redis_url()
    queue = f"test-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "DATABASE_URL": app.config["DATABASE_URL"],
        "CELERY_BROKER_URL": broker,
        "CELERY_QUEUE": queue,
        "TIMER_INTERVAL_SECONDS": "1",
        "UPLOAD_DIR": str(tmp_path / "uploads"),
        "SECRET_KEY": "test",
        "DEMO_MODE": "false",
    }
    celery = [sys.executable, "-m", "celery", "-A", "tasks.worker"]
    worker = subprocess.Popen(
        [*celery, "worker", "--pool=solo", "-Q", queue, "--loglevel=info"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    beat = subprocess.Popen(
        [*celery, "beat", "--loglevel=info", "--schedule", str(tmp_path / "beat")],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        yield {"queue": queue, "broker": broker}
    finally:
        for process in (beat, worker):
            process.terminate()
        for process in (beat, worker):
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
        client = redis.Redis.from_url(broker)
        for key in client.scan_iter(f"{queue}*"):
            client.delete(key)


def test_boundary_timer_fired_by_worker_and_beat(
    app: Flask, db_session: Any, celery_processes: dict[str, Any]
) -> None:
    definitions.deploy_file(db_session, PROBE.read_bytes())
    db_session.commit()
    registrar = db_session.scalar(select(User).where(User.username == "registrar_yc"))
    instance = start_instance(db_session, "timer_probe", registrar)
    assert instance.status == "running" and instance.next_timer_at is not None
    deadline = time.monotonic() + 60
    status = instance.status
    while time.monotonic() < deadline:
        db_session.expire_all()
        status = db_session.get(ProcessInstance, instance.id).status
        if status == "completed":
            break
        time.sleep(0.5)
    assert status == "completed", "the worker did not fire the timer within 60 s"
    finished = db_session.get(ProcessInstance, instance.id)
    assert '"expired_at"' in state_json(finished.state)
