"""The working-day calendar as the database knows it (package data + admin corrections)."""

from __future__ import annotations

import threading
import time
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import CalendarDay, CalendarYear
from workflows.working_days import Deadline, DueSpec, WorkingCalendar, compute_deadline

_CACHE_SECONDS = 60.0
_lock = threading.Lock()
_cached: tuple[float, tuple[int, int], WorkingCalendar] | None = None


def _stamp(session: Session) -> tuple[int, int]:
    days = session.scalar(select(func.count()).select_from(CalendarDay)) or 0
    years = session.scalar(select(func.count()).select_from(CalendarYear)) or 0
    return days, years


def load_calendar(session: Session) -> WorkingCalendar:
    """The calendar, rebuilt when the admin tables changed (checked at most once a minute)."""
    global _cached
    with _lock:
        if _cached and time.monotonic() - _cached[0] < _CACHE_SECONDS:
            return _cached[2]
        stamp = _stamp(session)
        if _cached and _cached[1] == stamp:
            _cached = (time.monotonic(), stamp, _cached[2])
            return _cached[2]
        overrides = {row.day: row.is_workday for row in session.scalars(select(CalendarDay))}
        years = frozenset(session.scalars(select(CalendarYear.year)))
        calendar = WorkingCalendar(overrides=overrides, extra_known_years=years)
        _cached = (time.monotonic(), stamp, calendar)
        return calendar


def forget_calendar() -> None:
    """Drop the cached calendar (after an admin edit in this process)."""
    global _cached
    with _lock:
        _cached = None


def deadline(session: Session, start: datetime, due_in: DueSpec | str) -> Deadline:
    """A deadline from `start` by the database's calendar."""
    return compute_deadline(start, due_in, load_calendar(session))
