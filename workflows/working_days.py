"""Working days, calendar-day periods and deadlines in China Standard Time.

The statutory holiday data comes from the ``chinese_calendar`` package (2004–2026 in
version 1.11.0). Years the package does not cover come from administrator overrides
and imported years; anything beyond that falls back to "Monday to Friday" and every
deadline that relied on the fallback is flagged as estimated.
"""

from __future__ import annotations

import re
import zoneinfo
from bisect import bisect_left, bisect_right
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cache
from typing import Literal

import chinese_calendar

CST = zoneinfo.ZoneInfo("Asia/Shanghai")
END_OF_DAY = time(23, 59, 59)

Unit = Literal["WD", "D", "H", "M"]


@cache
def _package_workdays(year: int) -> frozenset[int] | None:
    """Ordinals of the package's working days in ``year``, or None when it has no data."""
    try:
        days = chinese_calendar.get_workdays(date(year, 1, 1), date(year, 12, 31))
    except NotImplementedError:
        return None
    return frozenset(d.toordinal() for d in days)


def _package_version() -> str:
    """The installed chinese_calendar version, for recording with each deadline."""
    return str(getattr(chinese_calendar, "__version__", "unknown"))


class WorkingCalendar:
    """Which days government offices work, with admin overrides on top of the package data.

    ``overrides`` maps a date to True (working day) or False (day off); it wins over
    everything else. ``extra_known_years`` are years an administrator imported in full,
    so days in them count as known even where the package has no data.
    """

    def __init__(
        self,
        overrides: Mapping[date, bool] | None = None,
        extra_known_years: frozenset[int] = frozenset(),
    ) -> None:
        self._overrides: dict[int, bool] = {d.toordinal(): v for d, v in (overrides or {}).items()}
        self._extra_known_years = frozenset(extra_known_years)
        self._override_ordinals = sorted(self._overrides)
        self._workdays_by_year: dict[int, list[int]] = {}

    @property
    def version(self) -> str:
        """A short description of the data this calendar uses, stored with each deadline."""
        text = f"chinese_calendar {_package_version()} + {len(self._overrides)} overrides"
        if self._extra_known_years:
            text += " + imported " + ",".join(str(y) for y in sorted(self._extra_known_years))
        return text

    def is_workday(self, d: date) -> bool:
        """True if ``d`` is a working day: override, then package data, then Monday–Friday."""
        ordinal = d.toordinal()
        if ordinal in self._overrides:
            return self._overrides[ordinal]
        package_days = _package_workdays(d.year)
        if package_days is not None:
            return ordinal in package_days
        return d.weekday() < 5

    def is_known(self, d: date) -> bool:
        """True if whether ``d`` is a working day comes from real data rather than a guess."""
        return self._year_is_known(d.year) or d.toordinal() in self._overrides

    def add_working_days(self, start: date, n: int) -> tuple[date, bool]:
        """Return the n-th working day after ``start`` (start not counted) and an estimated flag.

        ``n == 0`` gives ``start`` itself if it is a working day, else the next working day
        (the same convention as ``chinese_calendar.find_workday``). The flag is True when any
        day between ``start`` and the result is not covered by known data.
        """
        if n < 0:
            raise ValueError(f"n must not be negative, got {n}")
        first = start.toordinal() if n == 0 else start.toordinal() + 1
        result = self._nth_workday_from(first, max(n, 1))
        return result, self._range_is_estimated(first, result.toordinal())

    def add_calendar_days(self, start: date, n: int) -> tuple[date, bool]:
        """Return the end of an n-calendar-day period starting on ``start`` and an estimated flag.

        Civil Code arts. 201 and 203: the start day is not counted, and a period whose last day
        is not a working day ends on the next working day.
        """
        if n < 0:
            raise ValueError(f"n must not be negative, got {n}")
        last = _shift(start, n)
        result = self._nth_workday_from(last.toordinal(), 1)
        return result, self._range_is_estimated(last.toordinal(), result.toordinal())

    def _nth_workday_from(self, first: int, n: int) -> date:
        """The n-th working day (n >= 1) on or after the day with ordinal ``first``."""
        year = date.fromordinal(first).year
        days = self._workdays(year)
        index = bisect_left(days, first)
        while index + n > len(days):
            n -= len(days) - index
            year += 1
            if year > date.max.year:
                raise ValueError("the period runs past the year 9999")
            days, index = self._workdays(year), 0
        return date.fromordinal(days[index + n - 1])

    def _workdays(self, year: int) -> list[int]:
        """Sorted ordinals of the working days in ``year``, overrides applied; cached."""
        cached = self._workdays_by_year.get(year)
        if cached is None:
            first, last = date(year, 1, 1).toordinal(), date(year, 12, 31).toordinal()
            cached = [o for o in range(first, last + 1) if self.is_workday(date.fromordinal(o))]
            self._workdays_by_year[year] = cached
        return cached

    def _year_is_known(self, year: int) -> bool:
        """True if every day of ``year`` is covered by the package or an imported year."""
        return year in self._extra_known_years or _package_workdays(year) is not None

    def _range_is_estimated(self, first: int, last: int) -> bool:
        """True if some day with an ordinal in [first, last] is not known."""
        for year in range(date.fromordinal(first).year, date.fromordinal(last).year + 1):
            if self._year_is_known(year):
                continue
            lo = max(first, date(year, 1, 1).toordinal())
            hi = min(last, date(year, 12, 31).toordinal())
            if self._count_overrides(lo, hi) < hi - lo + 1:
                return True
        return False

    def _count_overrides(self, lo: int, hi: int) -> int:
        """How many overridden days have an ordinal in [lo, hi]."""
        return bisect_right(self._override_ordinals, hi) - bisect_left(self._override_ordinals, lo)


def _shift(start: date, days: int) -> date:
    """``start`` plus ``days`` days, with a ValueError instead of an OverflowError."""
    try:
        return start + timedelta(days=days)
    except OverflowError:
        raise ValueError("the period runs past the year 9999") from None


@dataclass(frozen=True)
class DueSpec:
    """A time limit: an amount of working days (WD), calendar days (D), hours (H) or minutes (M)."""

    amount: int
    unit: Unit


_DUE_PATTERNS: tuple[tuple[re.Pattern[str], Unit, int], ...] = (
    (re.compile(r"P(\d+)WD"), "WD", 1),
    (re.compile(r"P(\d+)D"), "D", 1),
    (re.compile(r"P(\d+)W"), "D", 7),
    (re.compile(r"PT(\d+)H"), "H", 1),
    (re.compile(r"PT(\d+)M"), "M", 1),
)


def parse_due_in(text: str) -> DueSpec:
    """Parse a time limit such as ``P5WD``, ``P7D``, ``P2W``, ``PT48H`` or ``PT30M``.

    ``P<n>WD`` is our extension for working days; the rest is ISO 8601 with a single
    component (``P2W`` becomes 14 calendar days). Combined durations such as ``P1DT2H``,
    months and years (``P1M``, ``P1Y``), fractions, zero and negative amounts are rejected
    with a ValueError, because a time limit in the statutes has exactly one unit.
    """
    cleaned = text.strip().upper()
    for pattern, unit, factor in _DUE_PATTERNS:
        match = pattern.fullmatch(cleaned)
        if match:
            amount = int(match.group(1)) * factor
            if amount == 0:
                raise ValueError(f"time limit {text!r} must be greater than zero")
            return DueSpec(amount, unit)
    raise ValueError(
        f"invalid time limit {text!r}: expected one of P<n>WD (working days), P<n>D, P<n>W, "
        "PT<n>H or PT<n>M with a positive whole number n"
    )


@dataclass(frozen=True)
class Deadline:
    """When a time limit expires, whether it relied on guessed days, and which calendar it used."""

    at: datetime
    estimated: bool
    calendar_version: str


def compute_deadline(start: datetime, spec: DueSpec | str, calendar: WorkingCalendar) -> Deadline:
    """Compute the deadline for a time limit starting at ``start`` (timezone-aware).

    Working-day and calendar-day limits end at 23:59:59 CST of the resulting day; hour and
    minute limits are added as plain elapsed time and use no calendar (empty version).
    """
    if start.tzinfo is None or start.utcoffset() is None:
        raise ValueError("start must be timezone-aware")
    spec = parse_due_in(spec) if isinstance(spec, str) else spec
    local = start.astimezone(CST)
    if spec.unit in ("H", "M"):
        delta = timedelta(hours=spec.amount) if spec.unit == "H" else timedelta(minutes=spec.amount)
        return Deadline(local + delta, estimated=False, calendar_version="")
    add = calendar.add_working_days if spec.unit == "WD" else calendar.add_calendar_days
    day, estimated = add(local.date(), spec.amount)
    return Deadline(datetime.combine(day, END_OF_DAY, tzinfo=CST), estimated, calendar.version)


__all__ = [
    "CST",
    "Deadline",
    "DueSpec",
    "WorkingCalendar",
    "compute_deadline",
    "parse_due_in",
]
