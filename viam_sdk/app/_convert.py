"""Values off the wire as plain Python, and back.

* ``struct_to_dict`` / ``dict_to_struct`` (and the ``Value`` pair below them):
  the one place where ``google.protobuf.Struct`` becomes a plain ``dict`` and
  back.  Configs, metadata and tabular readings all go through here.
* ``naive_utc``: the one place where a time off the wire (aware UTC in the
  generated messages) becomes the naive UTC datetime the official SDK returns.
* ``TimestampDatetime`` / ``timestamp_datetime``: for the few results the
  official SDK hands out as raw ``google.protobuf.Timestamp`` messages, a naive
  UTC datetime that also answers that message's calls (``ToDatetime()``,
  ``seconds``, ``nanos``, ...), so code written for either keeps working.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, overload

import betterproto2
from viam_api.google.protobuf import Struct, Value

__all__ = [
    "TimestampDatetime",
    "dict_to_struct",
    "naive_utc",
    "python_to_value",
    "struct_to_dict",
    "timestamp_datetime",
    "value_to_python",
]


@overload
def naive_utc(moment: datetime.datetime) -> datetime.datetime: ...
@overload
def naive_utc(moment: None) -> None: ...
def naive_utc(moment: datetime.datetime | None) -> datetime.datetime | None:
    """``moment`` as a naive datetime in UTC (None stays None; a naive one is taken as UTC already).

    The official SDK hands reading times out naive (``Timestamp.ToDatetime()``,
    ``bson.decode``); the generated messages keep them aware.
    """
    if moment is None or moment.tzinfo is None:
        return moment
    return moment.astimezone(datetime.timezone.utc).replace(tzinfo=None)


class TimestampDatetime(datetime.datetime):
    """A naive UTC ``datetime`` that also reads like a ``google.protobuf.Timestamp``.

    Compares, formats and subtracts as the datetime it is; ``ToDatetime()``,
    ``ToSeconds()``, ``ToMilliseconds()``, ``ToJsonString()``, ``seconds`` and
    ``nanos`` give what the protobuf runtime's Timestamp gives for the same instant.
    """

    @property
    def seconds(self) -> int:
        """Whole seconds since the Unix epoch."""
        return int(self.ToDatetime(datetime.timezone.utc).timestamp() // 1)

    @property
    def nanos(self) -> int:
        """The fraction of the second, in nanoseconds (a datetime holds microseconds)."""
        return self.microsecond * 1000

    def ToDatetime(self, tzinfo: datetime.tzinfo | None = None) -> datetime.datetime:  # noqa: N802 (protobuf's name)
        """A plain datetime: naive UTC, or aware in ``tzinfo`` when one is given."""
        plain = datetime.datetime(
            self.year, self.month, self.day, self.hour, self.minute, self.second, self.microsecond
        )
        return plain if tzinfo is None else plain.replace(tzinfo=datetime.timezone.utc).astimezone(tzinfo)

    def ToSeconds(self) -> int:  # noqa: N802 (protobuf's name)
        return self.seconds

    def ToMilliseconds(self) -> int:  # noqa: N802 (protobuf's name)
        return self.seconds * 1000 + self.microsecond // 1000

    def ToJsonString(self) -> str:  # noqa: N802 (protobuf's name)
        """RFC 3339 in UTC with a ``Z``; a fraction, when there is one, in 3 or 6 digits (as protobuf writes it)."""
        text = self.ToDatetime().replace(microsecond=0).isoformat()
        if self.microsecond:
            text += f".{self.microsecond // 1000:03d}" if self.microsecond % 1000 == 0 else f".{self.microsecond:06d}"
        return text + "Z"


@overload
def timestamp_datetime(moment: datetime.datetime) -> TimestampDatetime: ...
@overload
def timestamp_datetime(moment: None) -> None: ...
def timestamp_datetime(moment: datetime.datetime | None) -> TimestampDatetime | None:
    """``moment`` (aware, or naive UTC) as a ``TimestampDatetime``; None stays None."""
    naive = naive_utc(moment)
    if naive is None:
        return None
    return TimestampDatetime(
        naive.year, naive.month, naive.day, naive.hour, naive.minute, naive.second, naive.microsecond
    )


def value_to_python(value: Value) -> Any:
    """A ``google.protobuf.Value`` as plain Python (None, bool, float, str, list, dict).

    Numbers come back as floats, as the official SDK gives them (a Value holds
    a double).
    """
    kind, inner = betterproto2.which_one_of(value, "kind")
    if inner is None or kind == "null_value":
        return None
    if kind == "struct_value":
        return struct_to_dict(inner)
    if kind == "list_value":
        return [value_to_python(item) for item in inner.values]
    return inner


def struct_to_dict(struct: Struct | None) -> dict[str, Any]:
    """A ``Struct`` as a ``dict`` (an absent Struct is an empty dict).

    A Struct that came off the wire was decoded straight into this dict (no
    ``Value`` per entry): see ``Struct.to_python``.
    """
    if struct is None:
        return {}
    return struct.to_python()


def python_to_value(obj: Any) -> Value:
    """Plain Python as a ``google.protobuf.Value``.

    Accepts None, bool, int, float, str, mappings with string keys, lists and
    tuples, and datetimes (written as ISO 8601 text).

    Raises:
        TypeError: for anything else, naming the offending type.
    """
    return Struct.from_python({"": obj}).fields[""]


def dict_to_struct(mapping: Mapping[str, Any]) -> Struct:
    """A mapping with string keys as a ``Struct``, encoded at once (no ``Value`` per entry).

    Raises:
        TypeError: a key is not a string, or a value has no JSON form.
    """
    return Struct.from_python(mapping)
