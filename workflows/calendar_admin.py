"""Administrators' corrections of the working-day calendar and imports of later years."""

from __future__ import annotations

import csv
import io
from datetime import date

from sqlalchemy.orm import Session

from models import CalendarDay, CalendarYear
from workflows import audit
from workflows.calendar import forget_calendar
from workflows.errors import Invalid


def set_day(session: Session, day: date, is_workday: bool, note: str = "") -> CalendarDay:
    """Mark one day as working day or day off."""
    row = session.get(CalendarDay, day) or CalendarDay(day=day)
    row.is_workday, row.note = is_workday, note
    session.add(row)
    return row


def import_csv(session: Session, text: str) -> tuple[int, list[int]]:
    """Import `date,workday[,note]` rows; a year with rows becomes a known year. One transaction."""
    days: list[tuple[date, bool, str]] = []
    for line_no, row in enumerate(csv.reader(io.StringIO(text)), start=1):
        if not row or row[0].startswith("#") or row[0] == "date":
            continue
        try:
            day = date.fromisoformat(row[0].strip())
            flag = row[1].strip().lower()
        except (ValueError, IndexError):
            raise Invalid(f"第 {line_no} 行格式错误：应为 日期,是否工作日[,备注]") from None
        if flag not in ("1", "0", "true", "false", "workday", "holiday"):
            raise Invalid(f"第 {line_no} 行：是否工作日应为 1 或 0")
        days.append((day, flag in ("1", "true", "workday"), row[2].strip() if len(row) > 2 else ""))
    years = sorted({d.year for d, _w, _n in days})
    for day, workday, note in days:
        set_day(session, day, workday, note)
    for year in years:
        session.merge(CalendarYear(year=year, source="imported"))
    audit.record(session, "calendar_imported", details={"days": len(days), "years": years})
    session.commit()
    forget_calendar()
    return len(days), years
