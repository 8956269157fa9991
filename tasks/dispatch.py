"""Hand deferred work to Celery after commit; report the broker's health."""

from __future__ import annotations

import logging

from celery import Celery
from flask import Flask, current_app

from tasks import jobs
from tasks.celery_app import TASK_PREFIX, make_celery
from workflows.followups import Dispatcher, Job

log = logging.getLogger(__name__)


def init_celery(app: Flask) -> Celery:
    """Create the app's Celery and register the jobs."""
    celery = make_celery(app)
    jobs.register()
    return celery


def dispatcher_for(app: Flask) -> Dispatcher:
    """Send a deferred job to the broker; a broker outage is logged, never fails the request.

    Nothing is lost by that: documents render on demand, timers are found by the next beat
    from the indexed `next_timer_at`, tasks never announced are swept up by the reminder beat
    (`announced_at` is still empty), and notifications stay in the app.
    """

    def dispatch(jobs: list[Job]) -> None:
        celery: Celery = app.extensions["celery"]
        batch = [[job, list(args)] for job, args in jobs]
        try:
            if celery.conf.task_always_eager:
                celery.tasks[TASK_PREFIX + "run_followups"].apply(args=(batch,))
            else:  # one message per transaction, however many jobs it deferred
                celery.send_task(TASK_PREFIX + "run_followups", args=(batch,), retry=False)
        except Exception:  # the transaction already committed; log and move on
            log.exception("could not enqueue %r", batch)

    return dispatch


def broker_status() -> str:
    """'ok' when the broker accepts a connection within two seconds."""
    celery: Celery = current_app.extensions["celery"]
    try:
        with celery.connection_for_write() as connection:
            connection.ensure_connection(max_retries=1, timeout=2)
        return "ok"
    except Exception as exc:  # health check: report, don't raise
        return f"error: {type(exc).__name__}"
