"""Calendar arithmetic in date units, shared by MQL's date operators and window ranges and by the
SQL functions (DATEADD, DATETRUNC, DATEDIFF): year, quarter, month, week, day, hour, minute, second
and millisecond, all in UTC.  An unknown unit raises :class:`MQLError` naming it.
"""

from __future__ import annotations

import datetime

from .values import MQLError

__all__ = ["UNIT_MS", "add_units", "truncate_date"]

#: Milliseconds in each fixed-length unit.
UNIT_MS = {
    "millisecond": 1,
    "second": 1000,
    "minute": 60_000,
    "hour": 3_600_000,
    "day": 86_400_000,
    "week": 7 * 86_400_000,
}


def add_units(moment: datetime.datetime, unit: str, amount: int) -> datetime.datetime:
    """``moment`` moved by ``amount`` of ``unit`` (a month past a shorter month's end stops at that end)."""
    if unit in UNIT_MS:
        return moment + datetime.timedelta(milliseconds=UNIT_MS[unit] * amount)
    months = {"month": 1, "quarter": 3, "year": 12}.get(unit)
    if months is None:
        raise MQLError(f"the date unit {unit!r} is not one of year, quarter, month, week, day, hour, ...")
    total = moment.year * 12 + moment.month - 1 + months * amount
    year, month = divmod(total, 12)
    day = min(moment.day, [31, 29 if _leap(year) else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month])
    return moment.replace(year=year, month=month + 1, day=day)


def _leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def truncate_date(moment: datetime.datetime, unit: str, size: int = 1) -> datetime.datetime:
    """``moment`` rounded down to a whole ``size`` of ``unit`` (weeks start on Sunday)."""
    if unit == "year":
        return moment.replace(
            year=moment.year - (moment.year % size), month=1, day=1, hour=0, minute=0, second=0, microsecond=0
        )
    if unit in ("quarter", "month"):
        months = size * (3 if unit == "quarter" else 1)
        total = moment.year * 12 + moment.month - 1
        total -= total % months
        return datetime.datetime(total // 12, total % 12 + 1, 1)
    if unit == "week":
        day = moment.replace(hour=0, minute=0, second=0, microsecond=0)
        day -= datetime.timedelta(days=day.isoweekday() % 7)
        epoch_sunday = datetime.datetime(2000, 1, 2)
        weeks = (day - epoch_sunday).days // 7
        return day - datetime.timedelta(weeks=weeks % size)
    if unit not in UNIT_MS:
        raise MQLError(f"the date unit {unit!r} is not one of year, quarter, month, week, day, hour, ...")
    step = UNIT_MS[unit] * size
    millis = int((moment - datetime.datetime(2000, 1, 1)).total_seconds() * 1000)
    return datetime.datetime(2000, 1, 1) + datetime.timedelta(milliseconds=millis - millis % step)
