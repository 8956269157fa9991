"""What scripts and service tasks of one instance may reach while the engine runs."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from models import HumanTask, OrgUnit, ProcessInstance, User
from workflows import orgs
from workflows.calendar import load_calendar
from workflows.working_days import CST, DueSpec, compute_deadline


@dataclass
class RunContext:
    """One engine run: the database session, the instance, who caused it and when."""

    session: Session
    instance: ProcessInstance
    actor: User | None
    now: datetime
    issued_documents: list[int] = field(default_factory=list)
    # The instance's open task rows when they were read with the lock (saves the sync a query).
    open_tasks: list[HumanTask] | None = None
    # Where the instance row's new values go when the caller writes many rows at once (timers in
    # batches); None: `save_state` writes the row itself.
    instance_rows: list[dict[str, Any]] | None = None

    @property
    def scope(self) -> OrgUnit:
        """The instance's scope org unit."""
        return self.instance.scope

    def helpers(self) -> dict[str, Callable[..., Any]]:
        """The functions BPMN scripts and conditions may call (all return plain data)."""
        return {
            "now": lambda: self.now.astimezone(CST).isoformat(timespec="seconds"),
            "today": lambda: self.now.astimezone(CST).date().isoformat(),
            "add_working_days": self._add_working_days,
            "add_calendar_days": self._add_calendar_days,
            "add_hours": lambda n: (self.now + timedelta(hours=int(n))).isoformat(timespec="seconds"),
            "member_units": self._member_units,
        }

    def _deadline(self, amount: int, unit: str, start: str | None) -> str:
        begin = datetime.fromisoformat(start) if start else self.now
        if begin.tzinfo is None:
            begin = begin.replace(tzinfo=CST)
        spec = DueSpec(int(amount), unit)  # type: ignore[arg-type]
        return compute_deadline(begin, spec, load_calendar(self.session)).at.isoformat(timespec="seconds")

    def _add_working_days(self, n: int, start: str | None = None) -> str:
        return self._deadline(n, "WD", start)

    def _add_calendar_days(self, n: int, start: str | None = None) -> str:
        return self._deadline(n, "D", start)

    def _member_units(self, level_code: str | None = None) -> list[str]:
        return orgs.member_units(self.session, level_code or self.instance.scope_code)
