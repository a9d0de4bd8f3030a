"""Conversions between ``google.protobuf.Struct`` messages and plain JSON-style values.

The generated Struct/Value/ListValue messages carry no helpers, so the emulator
stores configs and metadata as JSON text and converts at the edge.  Numbers
that are whole come back as ``int`` (JSON has one number type; so does Value).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any

from viam_api.google.protobuf import ListValue, NullValue, Struct, Value

__all__ = ["dict_to_struct", "json_to_struct", "struct_to_dict", "struct_to_json", "to_value", "from_value"]


def to_value(obj: Any) -> Value:
    """A Value for a JSON-style Python object (dict, list, str, number, bool, None)."""
    if obj is None:
        return Value(null_value=NullValue.NULL_VALUE)
    if isinstance(obj, bool):
        return Value(bool_value=obj)
    if isinstance(obj, (int, float)):
        return Value(number_value=float(obj))
    if isinstance(obj, str):
        return Value(string_value=obj)
    if isinstance(obj, Mapping):
        return Value(struct_value=dict_to_struct(obj))
    if isinstance(obj, (list, tuple)):
        return Value(list_value=ListValue(values=[to_value(v) for v in obj]))
    raise TypeError(f"cannot put a {type(obj).__name__} into a protobuf Struct")


def from_value(value: Value) -> Any:
    """The Python object a Value holds."""
    if value.struct_value is not None:
        return struct_to_dict(value.struct_value)
    if value.list_value is not None:
        return [from_value(v) for v in value.list_value.values]
    if value.string_value is not None:
        return value.string_value
    if value.bool_value is not None:
        return value.bool_value
    if value.number_value is not None:
        number = value.number_value
        if math.isfinite(number) and number.is_integer() and abs(number) < 2**53:
            return int(number)
        return number
    return None


def dict_to_struct(data: Mapping[str, Any]) -> Struct:
    return Struct(fields={str(k): to_value(v) for k, v in data.items()})


def struct_to_dict(struct: Struct | None) -> dict[str, Any]:
    if struct is None:
        return {}
    return {k: from_value(v) for k, v in struct.fields.items()}


def struct_to_json(struct: Struct | None) -> str:
    return json.dumps(struct_to_dict(struct), sort_keys=True)


def json_to_struct(text: str | None) -> Struct:
    return dict_to_struct(json.loads(text) if text else {})
