"""How official documents write their numbers and dates (no PDF machinery: cheap to import)."""

from __future__ import annotations

from datetime import date


def format_document_number(prefix: str, year: int, seq: int) -> str:
    """Return a document number such as ``榆民登〔2026〕3号``."""
    return f"{prefix}〔{year}〕{seq}号"


def chinese_date(d: date) -> str:
    """Return a date written the Chinese way, e.g. ``2026年11月24日``."""
    return f"{d.year}年{d.month}月{d.day}日"
