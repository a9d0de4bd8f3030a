"""Timestamp and Duration values to the nanosecond, still a ``datetime`` and a ``timedelta``.

A ``google.protobuf.Timestamp`` field holds a ``datetime`` and a ``Duration`` field a
``timedelta``; both stop at the microsecond.  When a value on the wire (or in
JSON) has digits below the microsecond, the codec gives one of the subclasses
here instead: the ``datetime``/``timedelta`` of its whole microseconds (rounded
toward the past), plus the nanoseconds beyond them in ``nanosecond`` (of a
``TimestampDatetime``) or ``nanoseconds`` (of a ``DurationTimedelta``), 0..999 --
the attribute names pandas uses for the same thing.  Values without such digits
stay plain ``datetime``/``timedelta`` objects.

Everything a ``datetime``/``timedelta`` does keeps working at microsecond
precision.  What sees the nanoseconds: the codec (binary and JSON, so a value read
is written back exactly), equality, ordering and hashing (a value 5 ns after a
plain ``datetime`` is not equal to it, as with pandas), ``repr``, pickling and
copying.  Arithmetic gives microsecond results (``value + timedelta(...)`` holds
``nanosecond == 0``); ``isoformat``/``str`` show microseconds, so their text still
reads back with ``datetime.fromisoformat`` on every supported Python.

Any ``datetime``/``timedelta`` with a ``nanosecond``/``nanoseconds`` attribute in
0..999 (a pandas ``Timestamp`` or ``Timedelta``, say) is written with its
nanoseconds.
"""

from __future__ import annotations

import datetime
from typing import Any

__all__ = ["DurationTimedelta", "TimestampDatetime", "duration_value", "timestamp_value"]

_UTC = datetime.timezone.utc
_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=_UTC)
_datetime = datetime.datetime
_timedelta = datetime.timedelta


def _check_part(value: Any, name: str) -> int:
    if type(value) is not int or not 0 <= value <= 999:
        raise ValueError(f"{name} must be an int in 0..999 (nanoseconds beyond the microsecond), not {value!r}")
    return value


class _Ordered:
    """Ordering from ``_compare`` (-1, 0, 1, or None for a value of another kind)."""

    __slots__ = ()

    def _compare(self, other: object) -> int | None:
        raise NotImplementedError

    def __lt__(self, other: object) -> bool:
        order = self._compare(other)
        return NotImplemented if order is None else order < 0

    def __le__(self, other: object) -> bool:
        order = self._compare(other)
        return NotImplemented if order is None else order <= 0

    def __gt__(self, other: object) -> bool:
        order = self._compare(other)
        return NotImplemented if order is None else order > 0

    def __ge__(self, other: object) -> bool:
        order = self._compare(other)
        return NotImplemented if order is None else order >= 0


class TimestampDatetime(_Ordered, datetime.datetime):
    """A ``datetime`` that also holds the nanoseconds beyond its microseconds (``nanosecond``, 0..999).

    Made by the codec for a Timestamp with digits below the microsecond; built by
    hand like a ``datetime`` with one more keyword: ``TimestampDatetime(2024, 1, 2,
    microsecond=5, tzinfo=timezone.utc, nanosecond=250)``.
    """

    nanosecond: int = 0  # (a class default: results of arithmetic hold none)

    def __new__(cls, *args: Any, nanosecond: int = 0, **kwargs: Any) -> TimestampDatetime:
        self = super().__new__(cls, *args, **kwargs)
        if nanosecond:
            self.nanosecond = _check_part(nanosecond, "nanosecond")
        return self

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, _datetime):
            return NotImplemented
        same = _datetime.__eq__(self, other)
        return same is True and self.nanosecond == getattr(other, "nanosecond", 0)

    def __ne__(self, other: object) -> bool:
        equal = self.__eq__(other)
        return equal if equal is NotImplemented else not equal

    def __hash__(self) -> int:
        if not self.nanosecond:
            return _datetime.__hash__(self)
        return hash((_datetime.__hash__(self), self.nanosecond))

    def _compare(self, other: object) -> int | None:
        """-1, 0 or 1 as ``self`` is before, at or after ``other``; None when not a datetime."""
        if not isinstance(other, _datetime):
            return None
        if _datetime.__eq__(self, other) is True:
            mine, theirs = self.nanosecond, getattr(other, "nanosecond", 0)
            return (mine > theirs) - (mine < theirs)
        return -1 if _datetime.__lt__(self, other) else 1  # (a TypeError for naive against aware)

    def __repr__(self) -> str:
        text = _datetime.__repr__(self)
        return f"{text[:-1]}, nanosecond={self.nanosecond})" if self.nanosecond else text

    def __reduce_ex__(self, protocol: Any) -> Any:
        return _rebuild, (type(self), _datetime.__reduce_ex__(self, protocol)[1], self.nanosecond)


class DurationTimedelta(_Ordered, datetime.timedelta):
    """A ``timedelta`` that also holds the nanoseconds beyond its microseconds (``nanoseconds``, 0..999).

    The whole span is the ``timedelta`` plus ``nanoseconds``: -1 ns is
    ``DurationTimedelta(microseconds=-1, nanoseconds=999)``.
    """

    nanoseconds: int = 0

    def __new__(cls, *args: Any, nanoseconds: int = 0, **kwargs: Any) -> DurationTimedelta:
        self = super().__new__(cls, *args, **kwargs)
        if nanoseconds:
            self.nanoseconds = _check_part(nanoseconds, "nanoseconds")
        return self

    def total_nanoseconds(self) -> int:
        """The whole span in nanoseconds, exactly."""
        return ((self.days * 86400 + self.seconds) * 1_000_000 + self.microseconds) * 1000 + self.nanoseconds

    def _compare(self, other: object) -> int | None:
        if not isinstance(other, _timedelta):
            return None
        mine = self.total_nanoseconds()
        theirs = ((other.days * 86400 + other.seconds) * 1_000_000 + other.microseconds) * 1000 + getattr(
            other, "nanoseconds", 0
        )
        return (mine > theirs) - (mine < theirs)

    def __eq__(self, other: object) -> bool:
        order = self._compare(other)
        return NotImplemented if order is None else order == 0

    def __ne__(self, other: object) -> bool:
        order = self._compare(other)
        return NotImplemented if order is None else order != 0

    def __hash__(self) -> int:
        if not self.nanoseconds:
            return _timedelta.__hash__(self)
        return hash((_timedelta.__hash__(self), self.nanoseconds))

    def __bool__(self) -> bool:
        return bool(self.nanoseconds) or _timedelta.__bool__(self)

    def __repr__(self) -> str:
        text = _timedelta.__repr__(self)
        if not self.nanoseconds:
            return text
        if text.endswith("(0)"):
            return f"{text[:-2]}nanoseconds={self.nanoseconds})"
        return f"{text[:-1]}, nanoseconds={self.nanoseconds})"

    def __reduce_ex__(self, protocol: Any) -> Any:
        return _rebuild, (type(self), _timedelta.__reduce__(self)[1], self.nanoseconds)


def _rebuild(cls: Any, args: tuple[Any, ...], part: int) -> Any:
    """Unpickle a TimestampDatetime or DurationTimedelta (``part``: its nanoseconds beyond the microsecond)."""
    value = cls(*args)
    if part:
        if issubclass(cls, TimestampDatetime):
            value.nanosecond = _check_part(part, "nanosecond")
        else:
            value.nanoseconds = _check_part(part, "nanoseconds")
    return value


_NANO_EPOCH = TimestampDatetime(1970, 1, 1, tzinfo=_UTC)


def timestamp_value(seconds: int, nanos: int) -> datetime.datetime:
    """The value of a Timestamp field: a ``datetime`` in UTC, a ``TimestampDatetime`` below the microsecond.

    ``nanos`` is 0..999,999,999; raises OverflowError beyond what a datetime holds.
    """
    micros, part = divmod(nanos, 1000)
    if not part:
        return _EPOCH + _timedelta(0, seconds, micros)
    value = _NANO_EPOCH + _timedelta(0, seconds, micros)  # a TimestampDatetime (datetime keeps the subclass)
    value.nanosecond = part
    return value


def duration_value(seconds: int, nanos: int) -> datetime.timedelta:
    """The value of a Duration field: a ``timedelta``, a ``DurationTimedelta`` below the microsecond.

    Raises OverflowError beyond what a timedelta holds.
    """
    micros, part = divmod(seconds * 1_000_000_000 + nanos, 1000)
    if not part:
        return _timedelta(0, 0, micros)
    return DurationTimedelta(0, 0, micros, nanoseconds=part)


def timestamp_parts(value: datetime.datetime) -> tuple[int, int]:
    """A Timestamp field's value as (seconds, nanos) since the epoch; a naive datetime is taken as UTC."""
    part = 0 if type(value) is _datetime else getattr(value, "nanosecond", 0)
    if part:
        _check_part(part, "nanosecond")
    if value.tzinfo is None:
        value = value.replace(tzinfo=_UTC)
    delta = value - _EPOCH
    return delta.days * 86400 + delta.seconds, delta.microseconds * 1000 + part


def duration_parts(value: datetime.timedelta) -> tuple[int, int]:
    """A Duration field's value as (seconds, nanos), both with the sign of the whole (as protobuf wants)."""
    part = 0 if type(value) is _timedelta else getattr(value, "nanoseconds", 0)
    if part:
        _check_part(part, "nanoseconds")
    total = ((value.days * 86400 + value.seconds) * 1_000_000 + value.microseconds) * 1000 + part
    seconds, nanos = divmod(abs(total), 1_000_000_000)
    return (-seconds, -nanos) if total < 0 else (seconds, nanos)
