"""Tests for working days, calendar-day periods and deadlines."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from workflows.working_days import (
    CST,
    Deadline,
    DueSpec,
    WorkingCalendar,
    compute_deadline,
    parse_due_in,
)


@pytest.fixture
def calendar() -> WorkingCalendar:
    """A calendar with package data only."""
    return WorkingCalendar()


def test_sixty_working_days_into_a_year_without_data_is_estimated(calendar: WorkingCalendar) -> None:
    day, estimated = calendar.add_working_days(date(2026, 11, 24), 60)
    assert day.year == 2027
    assert estimated is True


def test_deadline_into_unknown_year_does_not_raise(calendar: WorkingCalendar) -> None:
    deadline = compute_deadline(datetime(2026, 11, 24, 9, 30, tzinfo=CST), "P60WD", calendar)
    assert deadline.at.year == 2027
    assert deadline.estimated is True


def test_national_day_week_skipped_and_adjusted_saturday_counted(calendar: WorkingCalendar) -> None:
    # 2025-09-28 (Sunday) and 2025-10-11 (Saturday) are 调休 working days.
    assert calendar.is_workday(date(2025, 9, 28))
    assert calendar.is_workday(date(2025, 10, 11))
    assert not calendar.is_workday(date(2025, 10, 8))
    assert calendar.add_working_days(date(2025, 9, 26), 20) == (date(2025, 10, 30), False)


def test_matches_package_find_workday(calendar: WorkingCalendar) -> None:
    import chinese_calendar

    for start in (date(2024, 2, 1), date(2024, 12, 20), date(2025, 4, 30), date(2026, 6, 1)):
        for n in (0, 1, 5, 20, 60):
            assert calendar.add_working_days(start, n) == (chinese_calendar.find_workday(n, start), False)


def test_override_day_off_shifts_deadline_by_one_day() -> None:
    start = date(2026, 11, 24)
    plain, _ = WorkingCalendar().add_working_days(start, 10)
    assert plain == date(2026, 12, 8)
    shifted, estimated = WorkingCalendar({date(2026, 12, 1): False}).add_working_days(start, 10)
    assert shifted == date(2026, 12, 9)
    assert estimated is False


def test_override_working_saturday() -> None:
    calendar = WorkingCalendar({date(2026, 3, 7): True})
    assert calendar.is_workday(date(2026, 3, 7))
    assert calendar.add_working_days(date(2026, 3, 6), 1) == (date(2026, 3, 7), False)


def test_extra_known_year_is_not_estimated() -> None:
    overrides = {date(2027, 2, d): False for d in range(8, 13)}
    calendar = WorkingCalendar(overrides, extra_known_years=frozenset({2027}))
    day, estimated = calendar.add_working_days(date(2027, 2, 5), 1)
    assert day == date(2027, 2, 15)
    assert estimated is False
    assert calendar.is_known(date(2027, 7, 1))


def test_overrides_alone_make_days_known() -> None:
    calendar = WorkingCalendar({date(2030, 1, 2): True, date(2030, 1, 3): True})
    assert calendar.is_known(date(2030, 1, 2))
    assert not calendar.is_known(date(2030, 1, 4))
    assert calendar.add_working_days(date(2030, 1, 1), 2) == (date(2030, 1, 3), False)
    assert calendar.add_working_days(date(2030, 1, 1), 3) == (date(2030, 1, 4), True)


def test_outside_package_years_uses_weekdays(calendar: WorkingCalendar) -> None:
    assert not calendar.is_known(date(2003, 5, 1))
    assert calendar.is_workday(date(2003, 5, 1))  # a Thursday; the package has no 2003 data
    assert not calendar.is_workday(date(2031, 1, 4))  # a Saturday
    assert calendar.is_known(date(2026, 12, 31))


def test_calendar_days_ending_on_holiday_move_to_next_working_day(calendar: WorkingCalendar) -> None:
    # 2025-09-30 + 3 days = 2025-10-03, inside the National Day break (10-01..10-08).
    assert calendar.add_calendar_days(date(2025, 9, 30), 3) == (date(2025, 10, 9), False)


def test_calendar_days_ending_on_workday_stay(calendar: WorkingCalendar) -> None:
    assert calendar.add_calendar_days(date(2025, 3, 3), 10) == (date(2025, 3, 13), False)


def test_calendar_days_ending_on_weekend_move_to_monday(calendar: WorkingCalendar) -> None:
    assert calendar.add_calendar_days(date(2025, 3, 3), 5) == (date(2025, 3, 10), False)


def test_calendar_days_into_unknown_year_are_estimated(calendar: WorkingCalendar) -> None:
    day, estimated = calendar.add_calendar_days(date(2026, 12, 1), 60)
    assert day == date(2027, 2, 1)
    assert estimated is True


def test_negative_amounts_rejected(calendar: WorkingCalendar) -> None:
    with pytest.raises(ValueError):
        calendar.add_working_days(date(2026, 1, 5), -1)
    with pytest.raises(ValueError):
        calendar.add_calendar_days(date(2026, 1, 5), -1)


def test_far_future_raises_value_error(calendar: WorkingCalendar) -> None:
    with pytest.raises(ValueError):
        calendar.add_working_days(date(9999, 12, 1), 100)
    with pytest.raises(ValueError):
        calendar.add_calendar_days(date(9999, 12, 1), 100)


def test_version_names_package_and_overrides() -> None:
    calendar = WorkingCalendar({date(2026, 12, 1): False}, frozenset({2027}))
    assert calendar.version.startswith("chinese_calendar ")
    assert "1 overrides" in calendar.version
    assert "2027" in calendar.version


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("P5WD", DueSpec(5, "WD")),
        ("P7D", DueSpec(7, "D")),
        ("PT48H", DueSpec(48, "H")),
        ("PT30M", DueSpec(30, "M")),
        ("P2W", DueSpec(14, "D")),
        (" p20wd ", DueSpec(20, "WD")),
    ],
)
def test_parse_due_in_accepts(text: str, expected: DueSpec) -> None:
    assert parse_due_in(text) == expected


@pytest.mark.parametrize(
    "text", ["", "P", "P5X", "P-5D", "-P5D", "P0D", "P1DT2H", "P1M", "P1Y", "PT1.5H", "5WD", "P5WDX", "PT5D"]
)
def test_parse_due_in_rejects(text: str) -> None:
    with pytest.raises(ValueError, match="time limit"):
        parse_due_in(text)


def test_compute_deadline_working_days_ends_at_end_of_day(calendar: WorkingCalendar) -> None:
    deadline = compute_deadline(datetime(2025, 9, 26, 10, 0, tzinfo=CST), "P20WD", calendar)
    assert deadline == Deadline(datetime(2025, 10, 30, 23, 59, 59, tzinfo=CST), False, calendar.version)


def test_compute_deadline_converts_utc_to_cst_first(calendar: WorkingCalendar) -> None:
    # 2025-09-25 17:00 UTC is already Friday 2025-09-26 01:00 in Shanxi.
    deadline = compute_deadline(datetime(2025, 9, 25, 17, 0, tzinfo=UTC), DueSpec(20, "WD"), calendar)
    assert deadline.at == datetime(2025, 10, 30, 23, 59, 59, tzinfo=CST)
    assert deadline.at.utcoffset() == CST.utcoffset(deadline.at)


def test_compute_deadline_calendar_days(calendar: WorkingCalendar) -> None:
    deadline = compute_deadline(datetime(2025, 9, 30, 16, 0, tzinfo=CST), "P3D", calendar)
    assert deadline.at == datetime(2025, 10, 9, 23, 59, 59, tzinfo=CST)


def test_compute_deadline_hours_and_minutes_add_plainly(calendar: WorkingCalendar) -> None:
    start = datetime(2025, 9, 30, 16, 0, tzinfo=UTC)
    hours = compute_deadline(start, "PT48H", calendar)
    assert hours.at == datetime(2025, 10, 3, 0, 0, tzinfo=CST)
    assert hours.at.tzinfo == CST
    assert hours.estimated is False
    assert compute_deadline(start, "PT30M", calendar).at == datetime(2025, 10, 1, 0, 30, tzinfo=CST)


def test_compute_deadline_rejects_naive_start(calendar: WorkingCalendar) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        compute_deadline(datetime(2025, 9, 30, 16, 0), "P3D", calendar)
