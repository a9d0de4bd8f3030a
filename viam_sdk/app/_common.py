"""Helpers shared by the SDK's cloud clients.

* ``struct_to_dict`` / ``dict_to_struct`` (and the ``Value`` pair below them):
  the one place where ``google.protobuf.Struct`` becomes a plain ``dict`` and
  back.  Configs, metadata and tabular readings all go through here.
* ``resolve_location_id``: the one place that applies the location-ID fallback
  of ``AppClient``.
* ``location_id_from_entity``: how a location ID is read from a machine address.
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Mapping, Sequence
from typing import Any

import betterproto2
from viam_api.google.protobuf import ListValue, NullValue, Struct, Value

__all__ = [
    "dict_to_struct",
    "location_id_from_entity",
    "python_to_value",
    "resolve_location_id",
    "struct_to_dict",
    "value_to_python",
]

# Integral doubles up to this size come back as ``int`` (JSON has one number
# type; a config that said ``8080`` should not come back as ``8080.0``).
_MAX_EXACT_INT = 2**53


def value_to_python(value: Value) -> Any:
    """A ``google.protobuf.Value`` as plain Python (None, bool, int/float, str, list, dict)."""
    kind, inner = betterproto2.which_one_of(value, "kind")
    if inner is None:
        return None
    if kind == "number_value":
        number = float(inner)
        if math.isfinite(number) and number.is_integer() and abs(number) <= _MAX_EXACT_INT:
            return int(number)
        return number
    if kind == "string_value":
        return inner
    if kind == "bool_value":
        return bool(inner)
    if kind == "struct_value":
        return struct_to_dict(inner)
    if kind == "list_value":
        return [value_to_python(item) for item in inner.values]
    return None  # null_value, or nothing set


def struct_to_dict(struct: Struct | None) -> dict[str, Any]:
    """A ``Struct`` as a ``dict`` (an absent Struct is an empty dict)."""
    if struct is None:
        return {}
    return {key: value_to_python(item) for key, item in struct.fields.items()}


def python_to_value(obj: Any) -> Value:
    """Plain Python as a ``google.protobuf.Value``.

    Accepts None, bool, int, float, str, mappings with string keys, sequences
    (not str/bytes) and datetimes (written as ISO 8601 text).

    Raises:
        TypeError: for anything else, naming the offending type.
    """
    if obj is None:
        return Value(null_value=NullValue.NULL_VALUE)
    if isinstance(obj, bool):
        return Value(bool_value=obj)
    if isinstance(obj, (int, float)):
        return Value(number_value=float(obj))
    if isinstance(obj, str):
        return Value(string_value=obj)
    if isinstance(obj, datetime.datetime):
        return Value(string_value=obj.isoformat())
    if isinstance(obj, Mapping):
        return Value(struct_value=dict_to_struct(obj))
    if isinstance(obj, Sequence) and not isinstance(obj, (bytes, bytearray)):
        return Value(list_value=ListValue(values=[python_to_value(item) for item in obj]))
    raise TypeError(f"cannot store a value of type {type(obj).__name__} in a protobuf Struct")


def dict_to_struct(mapping: Mapping[str, Any]) -> Struct:
    """A mapping with string keys as a ``Struct``.

    Raises:
        TypeError: a key is not a string, or a value has no JSON form.
    """
    fields: dict[str, Value] = {}
    for key, item in mapping.items():
        if not isinstance(key, str):
            raise TypeError(f"Struct keys must be strings, not {type(key).__name__} ({key!r})")
        fields[key] = python_to_value(item)
    return Struct(fields=fields)


def location_id_from_entity(auth_entity: str | None) -> str | None:
    """The location ID inside a machine address used as an auth entity.

    ``<machine>.<location_id>.viam.cloud`` (or ``.local.viam.cloud``) gives
    ``<location_id>``; an entity without dots is taken to be the location ID
    itself.  Anything else gives None.
    """
    if not auth_entity:
        return None
    parts = auth_entity.split(".")
    if len(parts) == 1:
        return parts[0]
    if len(parts) >= 3 and parts[1]:
        return parts[1]
    return None


def resolve_location_id(location_id: str | None, default: str | None) -> str:
    """The location to use: the one given, else the client's default.

    Raises:
        ValueError: neither is set.
    """
    if location_id:
        return location_id
    if default:
        return default
    raise ValueError(
        "no location ID: pass location_id=..., or connect with a 'robot-location-secret' "
        "credential whose auth entity names the location (<machine>.<location_id>.viam.cloud)"
    )
