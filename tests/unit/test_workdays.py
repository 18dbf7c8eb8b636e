"""Chinese working days: statutory holidays off, adjusted working weekends (调休) on; Monday–Friday, said so, for a
year the official calendar does not cover.

Source: "是否在志愿服务活动结束后10个工作日内完成志愿服务记录" — seed 000_… (Gangcheng 2023) 五(1)1(7) and 七(一)2(2);
seed 001_… (Hunan 2023) 二(二) 抽查内容①. Working days are the State Council's, as chinese-calendar carries them."""

from __future__ import annotations

import datetime as dt

import pytest

from domain.workdays import add_working_days, calendar_covers, calendar_known_between, china_date, is_working_day

D = dt.date

# The first year after 2024 the installed chinese-calendar does not know (a newer release only moves it later).
FIRST_UNKNOWN_YEAR = next(y for y in range(2024, 2200) if not calendar_covers(y))


# -- National Day 2024: 1–7 October off; Sunday 29 September and Saturday 12 October are working days ----------


def test_national_day_2024_holidays_are_not_working_days_and_its_adjusted_weekends_are() -> None:
    """国务院办公厅 2024 holiday arrangement: 9月29日（周日）、10月12日（周六）上班."""
    assert is_working_day(D(2024, 9, 29)) == (True, True)  # a Sunday, worked
    assert is_working_day(D(2024, 10, 12)) == (True, True)  # a Saturday, worked
    assert all(is_working_day(D(2024, 10, d)) == (False, True) for d in range(1, 8))
    assert is_working_day(D(2024, 9, 28)) == (False, True)  # an ordinary Saturday


def test_the_working_day_after_a_friday_before_national_day_2024_is_the_adjusted_sunday() -> None:
    assert add_working_days(D(2024, 9, 27), 1) == (D(2024, 9, 29), True)


def test_the_working_day_after_30_september_2024_is_8_october() -> None:
    assert add_working_days(D(2024, 9, 30), 1) == (D(2024, 10, 8), True)


def test_ten_working_days_after_30_september_2024_end_on_18_october_not_14() -> None:
    """Monday–Friday counting would give 14 October; the holiday week pushes it out, the worked Saturday pulls it
    back by one: 8, 9, 10, 11, 12 (Sat), 14, 15, 16, 17, 18."""
    assert add_working_days(D(2024, 9, 30), 10) == (D(2024, 10, 18), True)


# -- Spring Festival 2025: 28 January to 4 February off; Sunday 26 January and Saturday 8 February worked --------


def test_ten_working_days_across_the_spring_festival_2025() -> None:
    """26 (Sun), 27 January, then 5, 6, 7, 8 (Sat), 10, 11, 12, 13 February."""
    assert add_working_days(D(2025, 1, 24), 10) == (D(2025, 2, 13), True)
    assert add_working_days(D(2025, 1, 27), 1) == (D(2025, 2, 5), True)
    assert is_working_day(D(2025, 1, 26)) == (True, True) and is_working_day(D(2025, 2, 8)) == (True, True)


# -- years the calendar does not cover ----------------------------------------------------------------------


def test_a_year_beyond_the_calendar_counts_monday_to_friday_and_says_so() -> None:
    """2099: National Day falls on a Thursday and is counted as a working day, flagged as not known."""
    assert D(2099, 10, 1).weekday() == 3
    assert is_working_day(D(2099, 10, 1)) == (True, False)
    assert is_working_day(D(2099, 10, 3)) == (False, False)  # a Saturday
    assert add_working_days(D(2099, 9, 30), 1) == (D(2099, 10, 1), False)
    assert add_working_days(D(2099, 10, 2), 2) == (D(2099, 10, 6), False)  # Friday → Monday, Tuesday


def test_a_year_before_the_calendar_also_falls_back() -> None:
    assert not calendar_covers(2003)
    assert add_working_days(D(2003, 1, 3), 1) == (D(2003, 1, 6), False)


def test_counting_into_an_unknown_year_is_not_known_even_when_it_starts_in_a_known_one() -> None:
    start = D(FIRST_UNKNOWN_YEAR - 1, 12, 24)
    day, known = add_working_days(start, 10)
    assert day.year == FIRST_UNKNOWN_YEAR and not known
    assert not calendar_known_between(start, day)
    assert calendar_known_between(D(2024, 9, 30), D(2024, 10, 18))
    assert calendar_known_between(D(2024, 10, 2), D(2024, 10, 1))  # an empty span is known


def test_zero_working_days_is_the_day_itself_and_negative_counts_are_refused() -> None:
    assert add_working_days(D(2024, 10, 1), 0) == (D(2024, 10, 1), True)
    with pytest.raises(ValueError):
        add_working_days(D(2024, 10, 1), -1)


def test_days_are_china_time_days() -> None:
    """16:30 UTC on 30 September is 00:30 on 1 October in Beijing."""
    assert china_date(dt.datetime(2024, 9, 30, 16, 30, tzinfo=dt.UTC)) == D(2024, 10, 1)
    assert china_date(dt.datetime(2024, 9, 30, 15, 59, tzinfo=dt.UTC)) == D(2024, 9, 30)
    with pytest.raises(ValueError):
        china_date(dt.datetime(2024, 9, 30, 12, 0))
