"""The shared helpers: Struct <-> dict, and reading a location ID from an auth entity."""

from __future__ import annotations

import datetime
import math

import pytest
from viam_api.google.protobuf import Struct, Value

from viam_sdk.app._convert import dict_to_struct, python_to_value, struct_to_dict, value_to_python
from viam_sdk.app._locations import location_id_from_entity, resolve_location_id


def test_struct_round_trip_keeps_json_shapes() -> None:
    data = {
        "name": "arm",
        "count": 3,
        "ratio": 0.25,
        "on": True,
        "off": False,
        "nothing": None,
        "list": [1, "two", [3.5], {"deep": {"deeper": []}}],
        "empty": {},
        "big": 2**60 + 0.0,
    }
    struct = dict_to_struct(data)
    back = struct_to_dict(Struct.parse(bytes(struct)))
    assert back == data
    # a Struct number is a double: every number comes back a float, as in the official SDK
    assert all(isinstance(back[k], float) for k in ("count", "ratio", "big"))


def test_values_of_every_kind() -> None:
    assert value_to_python(Value()) is None
    assert value_to_python(python_to_value(None)) is None
    assert math.isinf(value_to_python(python_to_value(float("inf"))))
    when = datetime.datetime(2024, 5, 1, 12, 0, tzinfo=datetime.timezone.utc)
    assert value_to_python(python_to_value(when)) == "2024-05-01T12:00:00+00:00"
    assert value_to_python(python_to_value((1, 2))) == [1, 2]
    assert struct_to_dict(None) == {}


@pytest.mark.parametrize(("bad", "named"), [({1: "x"}, "int"), ({"x": object()}, "object"), ({"b": b"x"}, "bytes")])
def test_unstorable_values_raise_type_error(bad: dict[object, object], named: str) -> None:
    with pytest.raises(TypeError, match=named):
        dict_to_struct(bad)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("entity", "expected"),
    [
        ("rover-main.abc123.viam.cloud", "abc123"),
        ("rover-main.abc123.local.viam.cloud", "abc123"),
        ("abc123", "abc123"),
        ("a.b", None),
        ("", None),
        (None, None),
        ("rover..viam.cloud", None),
    ],
)
def test_location_id_from_entity(entity: str | None, expected: str | None) -> None:
    assert location_id_from_entity(entity) == expected


def test_resolve_location_id() -> None:
    assert resolve_location_id("given", "default") == "given"
    assert resolve_location_id(None, "default") == "default"
    with pytest.raises(ValueError, match="no location ID"):
        resolve_location_id(None, None)
