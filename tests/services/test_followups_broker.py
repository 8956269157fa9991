"""Follow-up jobs reach a real Redis broker: the jobs of transactions close together in one message."""

from __future__ import annotations

import base64
import json
import time
import uuid
from pathlib import Path

import redis
from sqlalchemy import text

from tests.conftest import app_config, redis_url
from webapp import create_app
from webapp.db import session_factory
from workflows.followups import defer


def test_two_transactions_jobs_arrive_in_one_message(database_url: str, tmp_path: Path) -> None:
    broker = redis_url()
    queue = f"test-{uuid.uuid4().hex[:8]}"
    app = create_app(
        app_config(
            database_url,
            tmp_path,
            CELERY_TASK_ALWAYS_EAGER=False,
            CELERY_BROKER_URL=broker,
            CELERY_QUEUE=queue,
            FOLLOWUP_LINGER_SECONDS=0.3,
        )
    )
    client = redis.Redis.from_url(broker)
    try:
        for document_id in (101, 102):  # two transactions, one after the other
            with session_factory(app)() as session:
                defer(session, "render_document", document_id)
                session.execute(text("SELECT 1"))
                session.commit()
        with session_factory(app)() as session:
            defer(session, "render_document", 103)
            session.rollback()  # work that did not happen sends nothing
        deadline = time.monotonic() + 5
        while not client.llen(f"{queue}:{queue}") and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.5)  # anything else would have followed within the linger
        messages = client.lrange(f"{queue}:{queue}", 0, -1)
        assert len(messages) == 1
        envelope = json.loads(messages[0])
        args, _kwargs, _embed = json.loads(base64.b64decode(envelope["body"]))
        assert envelope["headers"]["task"] == "tasks.jobs.run_followups"
        assert args == [[["render_document", [101]], ["render_document", [102]]]]
    finally:
        keys = list(client.scan_iter(f"{queue}:*"))
        if keys:
            client.delete(*keys)
        client.close()
