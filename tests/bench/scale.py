"""Figures that need many rows: the inbox at scale, history growth, timers, storage."""

from __future__ import annotations

import time
from datetime import timedelta

from flask import Flask
from sqlalchemy import func, insert, select, text

from models import HumanTask, ProcessInstance, User
from tests.bench import driver
from tests.bench.inprocess import percentile
from tests.bench.journeys import ROOT, Journey
from tests.bench.setup import PASSWORD
from webapp.db import session_factory
from workflows import definitions
from workflows.engine import engine_now
from workflows.instances import fire_due_timers, start_instance

COUNTIES = [
    "140702",
    "140703",
    "140721",
    "140722",
    "140723",
    "140724",
    "140725",
    "140727",
    "140728",
    "140729",
    "140781",
]
OWN_OPEN_TASKS = 50  # the reviewer's own county keeps a realistic backlog; the rest is elsewhere


def _fill(app: Flask, total: int) -> None:
    """Bulk-insert instances (with one open registrar task each) up to `total` rows."""
    with session_factory(app)() as session:
        have = session.scalar(select(func.count(ProcessInstance.id))) or 0
        definition = definitions.current(session, "registration_review")
        starter = session.scalar(select(User.id).where(User.username == "applicant_yc"))
        own = (
            session.scalar(
                select(func.count(HumanTask.id)).where(
                    HumanTask.org_unit_code == "140702", HumanTask.status == "open"
                )
            )
            or 0
        )
        now = engine_now()
        batch = 5000
        for start in range(have, total, batch):
            rows = []
            for n in range(start, min(total, start + batch)):
                county = "140702" if own < OWN_OPEN_TASKS else COUNTIES[1 + n % 10]
                own += county == "140702"
                rows.append(
                    {
                        "definition_id": definition.id,
                        "process_key": "registration_review",
                        "version": definition.version,
                        "scope_code": county,
                        "scope_path": f"140700/{county}",
                        "status": "running",
                        "business_key": f"批量案件{n}",
                        "state": b"",
                        "started_by": starter,
                        "created_at": now,
                        "updated_at": now,
                    }
                )
            ids = session.scalars(insert(ProcessInstance).returning(ProcessInstance.id), rows).all()
            tasks = [
                {
                    "instance_id": i,
                    "process_key": "registration_review",
                    "spiff_task_id": f"bulk-{i}",
                    "bpmn_id": "accept",
                    "name": "受理审查",
                    "form_key": "registration.acceptance",
                    "lane": "county_registrar",
                    "org_unit_code": r["scope_code"],
                    "org_path": r["scope_path"],
                    "org_match": "exact",
                    "excluded_users": "",
                    "mi_output": "",
                    "status": "open",
                    "due_at": now + timedelta(days=n % 30),
                    "created_at": now,
                }
                for n, (i, r) in enumerate(zip(ids, rows, strict=True))
            ]
            session.execute(insert(HumanTask), tasks)
            session.commit()
        if session.get_bind().dialect.name == "postgresql":
            session.execute(text("ANALYZE process_instances"))
            session.execute(text("ANALYZE human_tasks"))
            session.commit()


def inbox(app: Flask, sizes: list[int], requests: int) -> dict[int, dict[str, float]]:
    """p50/p95 of GET /api/v1/tasks for one county reviewer at each database size."""
    send = driver.flask_transport(app.test_client())
    token = driver.login(send, {"registrar_yc"}, PASSWORD)["registrar_yc"]
    figures = {}
    for size in sizes:
        _fill(app, size)
        for _ in range(5):
            send("GET", "/tasks", token)
        timings = []
        for _ in range(requests):
            began = time.perf_counter()
            status, body = send("GET", "/tasks", token)
            timings.append(time.perf_counter() - began)
            assert status == 200 and body["items"], body
        figures[size] = {
            "p50_ms": percentile(timings, 0.5) * 1000,
            "p95_ms": percentile(timings, 0.95) * 1000,
        }
    return figures


def history_growth(
    app: Flask, journey: Journey, loops: list[int], first_case: int, repeats: int = 3
) -> dict[int, dict[str, float]]:
    """State bytes and the median cost of the completions after the loops, per number of loops.

    `repeats` cases for each number of loops, in turns (one case's four completions made a noisy
    median, and cases measured one count after the other saw the VM's drift)."""
    send = driver.flask_transport(app.test_client())
    tokens = driver.login(send, driver.users_of(journey), PASSWORD)
    after: dict[int, list[float]] = {count: [] for count in loops}
    last: dict[int, int] = {}
    case = first_case
    for _ in range(repeats):
        for count in loops:
            timings: list[float] = []
            body = driver.run_case(send, tokens, journey, case, timings, loops=count)
            after[count] += timings[-len(journey.steps[1:]) :]
            last[count], case = body["id"], case + 1
    figures = {}
    with session_factory(app)() as session:
        for count in loops:
            state = session.scalar(
                select(func.length(ProcessInstance.state)).where(ProcessInstance.id == last[count])
            )
            figures[count] = {"state_bytes": float(state or 0), "ms": percentile(after[count], 0.5) * 1000}
    return figures


def timers(app: Flask, count: int) -> dict[str, float]:
    """`count` due boundary timers (tests/bench probe process) fired by one process: timers per second."""
    probe = (ROOT / "tests" / "bpmn" / "timer_probe.bpmn").read_bytes()
    with session_factory(app)() as session:
        definitions.deploy_file(session, probe)
        session.commit()
        registrar = session.scalar(select(User).where(User.username == "registrar_yc"))
        template = start_instance(session, "timer_probe", registrar)
        row = {c.name: getattr(template, c.name) for c in ProcessInstance.__table__.columns if c.name != "id"}
        task = session.scalar(select(HumanTask).where(HumanTask.instance_id == template.id))
        task_row = {c.name: getattr(task, c.name) for c in HumanTask.__table__.columns if c.name != "id"}
        for start in range(1, count, 2000):
            ids = session.scalars(
                insert(ProcessInstance).returning(ProcessInstance.id), [row] * min(2000, count - start)
            ).all()
            session.execute(insert(HumanTask), [{**task_row, "instance_id": i} for i in ids])
            session.commit()
        later = engine_now() + timedelta(minutes=5)
        began = time.perf_counter()
        fired = 0
        while batch := fire_due_timers(session, later, limit=1000):
            fired += batch
        elapsed = time.perf_counter() - began
    assert fired == count, f"fired {fired} of {count}"
    return {"timers": float(fired), "per_s": fired / elapsed}


def storage_per_instance(app: Flask, instance_ids: list[int]) -> float:
    """Average bytes of all rows that belong to a completed instance (PostgreSQL only)."""
    with session_factory(app)() as session:
        if session.get_bind().dialect.name != "postgresql":
            return float("nan")
        tables = [
            "process_instances:id",
            "human_tasks:instance_id",
            "submissions:instance_id",
            "audit_events:instance_id",
            "documents:instance_id",
            "attachments:instance_id",
            "organizations:instance_id",
            "organization_status_history:instance_id",
        ]
        total = 0
        for spec in tables:
            table, column = spec.split(":")
            total += (
                session.scalar(
                    text(
                        f"SELECT COALESCE(SUM(pg_column_size(t.*)), 0) FROM {table} t "
                        f"WHERE {column} = ANY(:ids)"
                    ),
                    {"ids": instance_ids},
                )
                or 0
            )
    return total / len(instance_ids)


def completed_instances(app: Flask, limit: int) -> list[int]:
    """Ids of completed registration instances."""
    with session_factory(app)() as session:
        query = select(ProcessInstance.id).where(
            ProcessInstance.status == "completed", ProcessInstance.process_key == "registration_review"
        )
        return list(session.scalars(query.limit(limit)))
