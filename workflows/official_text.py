"""How official documents write their numbers and dates (no PDF machinery: cheap to import)."""

from __future__ import annotations

from datetime import date, datetime, time

from workflows.working_days import CST


def format_document_number(prefix: str, year: int, seq: int) -> str:
    """Return a document number such as ``榆民登〔2026〕3号``."""
    return f"{prefix}〔{year}〕{seq}号"


def chinese_date(d: date) -> str:
    """Return a date written the Chinese way, e.g. ``2026年11月24日``."""
    return f"{d.year}年{d.month}月{d.day}日"


def cn_date(value: datetime | date | None) -> str:
    """2026年11月24日 (China Standard Time for instants); empty for None."""
    if value is None:
        return ""
    return chinese_date(value.astimezone(CST).date() if isinstance(value, datetime) else value)


def end_of_day(day: date) -> datetime:
    """The last second of `day` in China Standard Time (a deadline date means "by the end of it")."""
    return datetime.combine(day, time(23, 59, 59), tzinfo=CST)
