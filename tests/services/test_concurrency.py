"""Two people complete the same task at the same moment: exactly one wins."""

from __future__ import annotations

import threading
from typing import Any

from flask import Flask
from sqlalchemy import func, select

from models import Submission
from tests.conftest import ApiClient, need_service
from tests.integration.test_core_journeys import only_task, submit_application


def test_same_task_completed_twice_at_once(app: Flask, api: ApiClient, db_session: Any) -> None:
    if app.extensions["db_engine"].dialect.name != "postgresql":
        need_service("PostgreSQL", "set TEST_DATABASE_URL to run the row-lock test")
    _applicant, body = submit_application(api)
    review = only_task(body)
    clients = [api.as_user("registrar_yc"), api.as_user("registrar2_yc")]
    for client in clients:
        client.client = app.test_client()  # one connection and client per thread
    barrier = threading.Barrier(len(clients))
    statuses: list[int] = []

    def complete(client: ApiClient) -> None:
        barrier.wait()
        response = client.post(f"/tasks/{review['id']}/complete", json={"data": {"decision": "approve"}})
        statuses.append(response.status_code)

    threads = [threading.Thread(target=complete, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(statuses) == [200, 409]
    recorded = db_session.scalar(select(func.count(Submission.id)).where(Submission.task_id == review["id"]))
    assert recorded == 1
