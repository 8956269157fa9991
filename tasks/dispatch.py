"""Hand deferred work to Celery after commit; report the broker's health."""

from __future__ import annotations

import atexit
import logging
import os
import threading
import time
from collections.abc import Callable
from queue import Empty, SimpleQueue

from celery import Celery
from flask import Flask, current_app

from tasks import jobs
from tasks.celery_app import TASK_PREFIX, make_celery
from workflows.followups import Dispatcher, Job

log = logging.getLogger(__name__)

Batch = list[list[object]]  # [job name, [args]] pairs, as `run_followups` takes them


def init_celery(app: Flask) -> Celery:
    """Create the app's Celery and register the jobs."""
    celery = make_celery(app)
    jobs.register()
    return celery


def dispatcher_for(app: Flask) -> Dispatcher:
    """Send deferred jobs to the broker; a broker outage is logged, never fails the request.

    Nothing is lost by that: documents render on demand, timers are found by the next beat
    from the indexed `next_timer_at`, tasks never announced are swept up by the reminder beat
    (`announced_at` is still empty), and notifications stay in the app. The same holds for the
    jobs an outbox still held when its process was killed (a process that exits sends them).
    """
    celery: Celery = app.extensions["celery"]

    def send(batch: Batch) -> None:  # one message, however many jobs
        celery.send_task(TASK_PREFIX + "run_followups", args=(batch,), retry=False)

    outbox = Outbox(send, app.config["FOLLOWUP_LINGER_SECONDS"])

    def dispatch(jobs: list[Job]) -> None:
        batch: Batch = [[job, list(args)] for job, args in jobs]
        if celery.conf.task_always_eager:
            celery.tasks[TASK_PREFIX + "run_followups"].apply(args=(batch,))
        else:
            outbox.put(batch)

    return dispatch


class Outbox:
    """Jobs of committed transactions, sent by a thread of this process: one message for all that
    arrive within `linger` seconds of the first.

    A publish costs ~0.9 ms of CPU (Celery's message, kombu's Redis client), 9 % of a task
    completion when each transaction sent its own; at 75 completions a second per web worker
    and 50 ms, one message carries about four transactions' jobs. The request no longer waits
    for the broker either. The thread starts in the process that first puts a batch (a forked
    web or Celery worker), and a process that exits sends what it still holds.
    """

    def __init__(self, send: Callable[[Batch], None], linger: float) -> None:
        self._send, self._linger = send, linger
        self._queue: SimpleQueue[Batch | None] = SimpleQueue()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._pid = 0

    def put(self, batch: Batch) -> None:
        """Send `batch` within `linger` seconds."""
        if self._pid != os.getpid():
            self._start()
        self._queue.put(batch)

    def close(self, timeout: float = 5.0) -> None:
        """Send what is still held and stop the thread."""
        thread = self._thread
        if thread is not None and thread.is_alive() and self._pid == os.getpid():
            self._queue.put(None)
            thread.join(timeout)

    def _start(self) -> None:
        with self._lock:
            if self._pid == os.getpid():
                return
            self._queue = SimpleQueue()  # a forked child starts empty: its parent sends its own
            self._thread = threading.Thread(target=self._run, name="followup-outbox", daemon=True)
            self._thread.start()
            self._pid = os.getpid()
            atexit.register(self.close)

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            batch, closing = list(first), False
            deadline = time.monotonic() + self._linger
            while (left := deadline - time.monotonic()) > 0:
                try:
                    more = self._queue.get(timeout=left)
                except Empty:
                    break
                if more is None:
                    closing = True
                    break
                batch += more
            try:
                self._send(batch)
            except Exception:  # the transactions committed long ago; log and go on
                log.exception("could not enqueue %r", batch)
            if closing:
                return


def broker_status() -> str:
    """'ok' when the broker accepts a connection within two seconds."""
    celery: Celery = current_app.extensions["celery"]
    try:
        with celery.connection_for_write() as connection:
            connection.ensure_connection(max_retries=1, timeout=2)
        return "ok"
    except Exception as exc:  # health check: report, don't raise
        return f"error: {type(exc).__name__}"
