"""How the emulator's SQLite store spells times and lists, for the handlers and the query engines.

Times of readings, captures and runs are integers: microseconds since the
Unix epoch, UTC.  Tags and similar lists are JSON arrays of strings in a
TEXT column.  Both the data services and ``query/`` read these columns, so
the conversions live here, below either of them.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone

__all__ = ["from_micros", "json_list", "micros_to_iso", "to_micros"]

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def to_micros(moment: datetime) -> int:
    """A datetime as microseconds since the epoch (a naive one is taken as UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    delta = moment - _EPOCH
    return (delta.days * 86400 + delta.seconds) * 1_000_000 + delta.microseconds


def from_micros(value: int | None) -> datetime | None:
    if value is None:
        return None
    return datetime.fromtimestamp(value // 1_000_000, timezone.utc).replace(microsecond=value % 1_000_000)


def micros_to_iso(value: int | None) -> str | None:
    moment = from_micros(value)
    return None if moment is None else moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def json_list(text: str | None) -> list[str]:
    if not text:
        return []
    value = json.loads(text)
    return [str(v) for v in value] if isinstance(value, list) else []
