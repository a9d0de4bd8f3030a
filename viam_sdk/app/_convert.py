"""Values off the wire as plain Python, and back.

* ``struct_to_dict`` / ``dict_to_struct`` (and the ``Value`` pair below them):
  the one place where ``google.protobuf.Struct`` becomes a plain ``dict`` and
  back.  Configs, metadata and tabular readings all go through here.
* ``naive_utc``: the one place where a time off the wire (aware UTC in the
  generated messages) becomes the naive UTC datetime the official SDK returns.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, overload

import betterproto2
from viam_api.google.protobuf import Struct, Value

__all__ = [
    "dict_to_struct",
    "naive_utc",
    "python_to_value",
    "struct_to_dict",
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
