"""Work to do after a transaction commits (notifications, documents).

Service functions call `defer(session, job, *ids)`; when the session commits, the jobs go to
the dispatcher the application installed (Celery in the app, a list in some tests), all of a
transaction's jobs in one call. A rollback drops them: nothing is enqueued for work that did
not happen.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session, sessionmaker

Job = tuple[str, tuple[Any, ...]]
Dispatcher = Callable[[list[Job]], None]
_KEY = "followups"


def defer(session: Session, job: str, *args: Any) -> None:
    """Queue `job(*args)` to run after this session's next commit."""
    session.info.setdefault(_KEY, []).append((job, args))


def install(factory: sessionmaker[Session], dispatcher: Dispatcher) -> None:
    """Send deferred jobs of sessions from `factory` to `dispatcher` after commit."""

    def after_commit(session: Session) -> None:
        jobs = session.info.pop(_KEY, [])
        if jobs:
            dispatcher(jobs)

    def after_rollback(session: Session) -> None:
        session.info.pop(_KEY, None)

    event.listen(factory, "after_commit", after_commit)
    event.listen(factory, "after_soft_rollback", lambda s, _t: after_rollback(s))
