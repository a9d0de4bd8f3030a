"""Helpers shared by the SDK's cloud clients.

* ``struct_to_dict`` / ``dict_to_struct`` (and the ``Value`` pair below them):
  the one place where ``google.protobuf.Struct`` becomes a plain ``dict`` and
  back.  Configs, metadata and tabular readings all go through here.
* ``resolve_location_id``: the one place that applies the location-ID fallback
  of ``AppClient``.
* ``location_id_from_entity``: how a location ID is read from a machine address.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import betterproto2
from viam_api.google.protobuf import Struct, Value

__all__ = [
    "dict_to_struct",
    "location_id_from_entity",
    "python_to_value",
    "resolve_location_id",
    "struct_to_dict",
    "value_to_python",
]

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
