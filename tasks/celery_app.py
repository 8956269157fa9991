"""The Celery app, bound to a Flask app: every task runs inside the app context."""

from __future__ import annotations

from typing import Any

from celery import Celery, Task
from flask import Flask

TASK_PREFIX = "tasks.jobs."


def make_celery(app: Flask) -> Celery:
    """A Celery app configured from the Flask config, stored in app.extensions['celery']."""

    class FlaskTask(Task):  # type: ignore[misc]
        def __call__(self, *args: Any, **kwargs: Any) -> Any:
            with app.app_context():
                return self.run(*args, **kwargs)

    celery = Celery(app.name, task_cls=FlaskTask)
    queue = app.config["CELERY_QUEUE"]
    celery.conf.update(
        broker_url=app.config["CELERY_BROKER_URL"],
        result_backend=app.config["CELERY_RESULT_BACKEND"] or None,
        task_ignore_result=True,
        task_default_queue=queue,
        task_acks_late=True,  # a worker killed mid-job leaves the message for another worker
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        # Scripts are time-limited in the sandbox; memory is capped here, per worker child (KiB).
        worker_max_memory_per_child=512 * 1024,
        broker_connection_retry_on_startup=True,
        broker_transport_options={"global_keyprefix": f"{queue}:"}
        if app.config["CELERY_BROKER_URL"].startswith("redis")
        else {},
        task_always_eager=app.config["CELERY_TASK_ALWAYS_EAGER"],
        timezone="Asia/Shanghai",
        beat_schedule={
            "fire-due-timers": {
                "task": TASK_PREFIX + "fire_due_timers",
                "schedule": app.config["TIMER_INTERVAL_SECONDS"],
            },
            "due-reminders": {
                "task": TASK_PREFIX + "send_due_reminders",
                "schedule": app.config["REMINDER_INTERVAL_SECONDS"],
            },
        },
    )
    celery.set_default()
    app.extensions["celery"] = celery
    return celery
