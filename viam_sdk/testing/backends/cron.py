"""Cron schedules of data pipelines: five fields (minute, hour, day of month, month, day of week).

Each field takes ``*``, ``*/n``, a number, ``a-b``, ``a-b/n`` and comma-separated lists of those;
day of week counts from 0 (Sunday) and 7 is Sunday too.  When both day fields are restricted, a
day matching either one counts, as standard cron has it.  Times are UTC, in whole minutes.
"""

from __future__ import annotations

import datetime

__all__ = ["next_fire", "parse_schedule"]

# (name, lowest, highest) of the five fields.
_FIELDS = (
    ("minute", 0, 59),
    ("hour", 0, 23),
    ("day of month", 1, 31),
    ("month", 1, 12),
    ("day of week", 0, 7),
)


def _field(text: str, name: str, low: int, high: int) -> frozenset[int]:
    values: set[int] = set()
    for part in text.split(","):
        body, _, step_text = part.partition("/")
        step = 1
        if step_text:
            if not step_text.isdigit() or int(step_text) == 0:
                raise ValueError(f"the {name} field has a bad step {step_text!r}")
            step = int(step_text)
        if body == "*":
            first, last = low, high
        elif "-" in body:
            a, _, b = body.partition("-")
            if not (a.isdigit() and b.isdigit()):
                raise ValueError(f"the {name} field has a bad range {body!r}")
            first, last = int(a), int(b)
        elif body.isdigit():
            first = int(body)
            last = high if step_text else first
        else:
            raise ValueError(f"the {name} field has {part!r}, which is not a number, range or '*'")
        if not (low <= first <= high and low <= last <= high) or first > last:
            raise ValueError(f"the {name} field has {part!r}: out of {low}-{high}, or a reversed range")
        values.update(range(first, last + 1, step))
    return frozenset(values)


def parse_schedule(schedule: str) -> tuple[frozenset[int], ...]:
    """The sets of minutes, hours, days of month, months and weekdays (0 = Sunday) a cron line allows.

    Raises:
        ValueError: not five fields, or a field out of range or malformed (the message names it).
    """
    parts = schedule.split()
    if len(parts) != 5:
        raise ValueError(
            f"a schedule needs five fields (minute hour day-of-month month day-of-week), got {len(parts)}"
        )
    sets = [_field(text, *spec) for text, spec in zip(parts, _FIELDS, strict=True)]
    weekdays = frozenset(d % 7 for d in sets[4])
    # Standard cron: when both day fields are restricted, a day matching either one counts.
    restricted = (parts[2] != "*", parts[4] != "*")
    return (sets[0], sets[1], sets[2], sets[3], weekdays, frozenset(i for i, r in enumerate(restricted) if r))


def next_fire(schedule: str, after: datetime.datetime) -> datetime.datetime:
    """The first time strictly after ``after`` (UTC, whole minutes) that the cron line names."""
    minutes, hours, days, months, weekdays, restricted = parse_schedule(schedule)
    start = after.astimezone(datetime.timezone.utc).replace(second=0, microsecond=0) + datetime.timedelta(
        minutes=1
    )
    day = start.replace(hour=0, minute=0)
    for _ in range(366 * 5):  # every valid line fires within a few years (29 February: within 8)
        if day.month in months:
            by_dom = day.day in days
            by_dow = (day.isoweekday() % 7) in weekdays
            if restricted == frozenset({0, 1}):
                ok = by_dom or by_dow
            else:
                ok = by_dom and by_dow
            if ok:
                for hour in sorted(hours):
                    for minute in sorted(minutes):
                        moment = day.replace(hour=hour, minute=minute)
                        if moment >= start:
                            return moment
        day += datetime.timedelta(days=1)
    raise ValueError(f"the schedule {schedule!r} never fires")
