"""SQLite functions that stand in for Atlas SQL's own: date arithmetic and the document aggregates.

Registered on every query connection by ``runner``; the translator
(``translate``) rewrites ``DATEADD``, ``DATEDIFF``, ``DATETRUNC``, ``SIZE``,
``ADD_TO_ARRAY``, ``ADD_TO_SET``, ``MERGE_DOCUMENTS``, ``FIRST``, ``LAST``,
``STDDEV_POP`` and ``STDDEV_SAMP`` to them.  Timestamps are the emulator's
ISO text (``ISO_FORMAT``); date parts are YEAR, QUARTER, MONTH, WEEK, DAY,
HOUR, MINUTE, SECOND and MILLISECOND; ``DATEDIFF`` counts the part's
boundaries crossed between the two timestamps.
"""

from __future__ import annotations

import datetime
import json
import math
import sqlite3
from typing import Any

from ..mql.date_units import add_units, truncate_date
from .schema import ISO_FORMAT, parse_timestamp

__all__ = ["register"]


def _moment(value: Any) -> datetime.datetime | None:
    if value is None:
        return None
    return parse_timestamp(str(value)).replace(tzinfo=None)


def _text(moment: datetime.datetime) -> str:
    return moment.strftime(ISO_FORMAT)


def _unit(unit: Any) -> str:
    name = str(unit).lower()
    return "day" if name in ("dayofmonth", "dd") else name


def _dateadd(unit: Any, amount: Any, value: Any) -> str | None:
    moment = _moment(value)
    if moment is None or amount is None:
        return None
    if _unit(unit) == "quarter":
        return _text(add_units(moment, "month", 3 * int(amount)))
    return _text(add_units(moment, _unit(unit), int(amount)))


def _datetrunc(unit: Any, value: Any) -> str | None:
    moment = _moment(value)
    return None if moment is None else _text(truncate_date(moment, _unit(unit)))


def _datediff(unit: Any, start: Any, end: Any) -> int | None:
    a, b = _moment(start), _moment(end)
    if a is None or b is None:
        return None
    name = _unit(unit)
    if name in ("year", "quarter", "month"):
        months = (b.year * 12 + b.month) - (a.year * 12 + a.month)
        return months // {"year": 12, "quarter": 3, "month": 1}[name] if name != "year" else b.year - a.year
    step = {
        "week": 7 * 86_400_000,
        "day": 86_400_000,
        "hour": 3_600_000,
        "minute": 60_000,
        "second": 1000,
        "millisecond": 1,
    }[name]
    span = truncate_date(b, name) - truncate_date(a, name)
    return int(span / datetime.timedelta(milliseconds=step))


class _First:
    def __init__(self) -> None:
        self.value: Any = None
        self.seen = False

    def step(self, value: Any) -> None:
        if not self.seen:
            self.value, self.seen = value, True

    def finalize(self) -> Any:
        return self.value


class _Last(_First):
    def step(self, value: Any) -> None:
        self.value = value


class _Deviation:
    sample = False

    def __init__(self) -> None:
        self.values: list[float] = []

    def step(self, value: Any) -> None:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            self.values.append(float(value))

    def finalize(self) -> float | None:
        n = len(self.values)
        if n == 0 or (self.sample and n == 1):
            return None
        mean = sum(self.values) / n
        return math.sqrt(sum((x - mean) ** 2 for x in self.values) / (n - 1 if self.sample else n))


class _SampleDeviation(_Deviation):
    sample = True


class _Merge:
    def __init__(self) -> None:
        self.value: dict[str, Any] = {}

    def step(self, value: Any) -> None:
        if isinstance(value, str) and value.startswith("{"):
            self.value.update(json.loads(value))

    def finalize(self) -> str:
        return json.dumps(self.value)


def register(conn: sqlite3.Connection) -> None:
    """Add the stand-ins to a query connection."""
    conn.create_function("_viam_dateadd", 3, _dateadd, deterministic=True)
    conn.create_function("_viam_datediff", 3, _datediff, deterministic=True)
    conn.create_function("_viam_datetrunc", 2, _datetrunc, deterministic=True)
    conn.create_aggregate("first", 1, _First)
    conn.create_aggregate("last", 1, _Last)
    conn.create_aggregate("stddev_pop", 1, _Deviation)  # type: ignore[arg-type]
    conn.create_aggregate("stddev_samp", 1, _SampleDeviation)  # type: ignore[arg-type]
    conn.create_aggregate("_viam_merge_documents", 1, _Merge)  # type: ignore[arg-type]
