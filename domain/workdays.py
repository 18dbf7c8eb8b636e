"""Chinese working days (工作日): statutory holidays off, adjusted weekends (调休) on.

A record must be completed within 10 working days after its activity ends (seed ``000_…`` 五(1)1(7); ``001_…``
二(二)①). Which days are working days is decided each year by the State Council; the chinese-calendar library
carries those decisions for the years it knows. For any other year (it raises ``NotImplementedError``), days are
counted Monday to Friday and every answer says that the calendar was not known, so callers can say so too.

Pure: dates in, dates out; no clock. Callers turn instants into China-time dates first (``china_date``).
"""

from __future__ import annotations

import datetime as dt
from functools import cache

import chinese_calendar

CHINA_TIME = dt.timezone(dt.timedelta(hours=8))

# Counting walks day by day; a bound keeps an absurd ``n`` from walking for ever (10 working days never need
# more than a few weeks, even across the Spring Festival).
MAX_WORKING_DAYS = 366


def china_date(instant: dt.datetime) -> dt.date:
    """The calendar day an aware instant falls on in China time (UTC+8): day boundaries are China's."""
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError("expected an aware datetime (with a UTC offset)")
    return instant.astimezone(CHINA_TIME).date()


@cache
def calendar_covers(year: int) -> bool:
    """Whether chinese-calendar knows the holidays and adjusted working days of ``year``."""
    try:
        chinese_calendar.is_workday(dt.date(year, 1, 1))
    except NotImplementedError:
        return False
    return True


@cache  # a few thousand distinct days at most; an import asks about the same ones for every record
def is_working_day(day: dt.date) -> tuple[bool, bool]:
    """``(working, calendar_known)`` for one day: by the official calendar when known, else Monday–Friday."""
    if calendar_covers(day.year):
        return bool(chinese_calendar.is_workday(day)), True
    return day.weekday() < 5, False


def add_working_days(day: dt.date, n: int) -> tuple[dt.date, bool]:
    """The ``n``-th working day after ``day`` (``day`` itself not counted) and whether the official calendar
    knew every day counted; ``n = 0`` gives ``day``.

    "Within 10 working days after the activity ends" therefore means: on or before
    ``add_working_days(end_day, 10)[0]``.
    """
    if not 0 <= n <= MAX_WORKING_DAYS:
        raise ValueError(f"n must be between 0 and {MAX_WORKING_DAYS}, found {n}")
    known = True
    current = day
    counted = 0
    while counted < n:
        current += dt.timedelta(days=1)
        working, day_known = is_working_day(current)
        known = known and day_known
        counted += working
    return current, known


def calendar_known_between(first: dt.date, last: dt.date) -> bool:
    """Whether the official calendar knows every day from ``first`` to ``last`` (inclusive; empty is known)."""
    return all(calendar_covers(year) for year in range(first.year, last.year + 1))
