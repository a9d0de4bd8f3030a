"""The table-driven encoders of the compiled build (``_wire_encode.EncodePlan``), held to the generated ones.

In the compiled build most messages encode through a plan: one loop compiled in
``_wire_encode`` reading a table of the message's fields, which writes a planned
child straight into its parent's buffer (its length filled in after it).  A message
with a shape plans do not write (a map, a packed scalar, Struct's own codec) keeps its
generated encoder, which a planned parent calls.  Whatever a plan does not take as it
is (a value of another type, an integer out of range, messages nested deeper than
``MAX_DEPTH``) makes the whole message go through the generated encoder instead, so
both paths write the same bytes and raise the same errors.  The property suites check
every message against Google's runtime on whichever path is installed; the cases here
aim at the plan itself: every kind of field with hand-made tables (bytes written out
by hand with ``_google``'s helpers), the fallback, lengths of one, two and three bytes,
and nesting.  test_codec_paths.py runs this file again on the pure-Python path, where
the plan machinery is the same module run by the interpreter.
"""

from __future__ import annotations

import datetime
import math
import struct
from typing import Any

import pytest
import viam_api
import viam_api.app.data.v1 as data_v1
import viam_api.app.v1 as app
import viam_api.google.protobuf as pb
from _google import I32, I64, google_class_of, ld, tag, vint
from viam_api import _wire_encode as enc

UTC = datetime.timezone.utc

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")  # TabularData is deprecated


def _encoder(cls: Any) -> Any:
    bytes(cls())  # loads the package's codec
    return vars(cls)["_viam_encode"]


def _generated(cls: Any) -> Any:
    """The generated encoder of ``cls`` (behind its plan, where it has one)."""
    encoder = _encoder(cls)
    return encoder.generated if isinstance(encoder, enc.PlanEncoder) else encoder


class _Row:
    """A stand-in message for hand-made plans: attributes and ``_unknown_fields``."""

    def __init__(self, unknown: bytes = b"", **values: Any) -> None:
        self.__dict__.update(values)
        self._unknown_fields = unknown


def _plan(*fields: tuple[Any, ...]) -> enc.EncodePlan:
    plan = enc.EncodePlan("test.Row")
    for field in fields:
        plan.add(*field)
    return plan


def _written(plan: enc.EncodePlan, row: _Row) -> bytes:
    out = bytearray()
    enc.plan_encode(plan, out, row, 0)
    return bytes(out)


# -- which messages encode through a plan ------------------------------------------------


@pytest.mark.parametrize(
    "cls", [app.Robot, data_v1.TabularData, data_v1.TabularDataByFilterResponse, pb.ListValue, pb.Value]
)
def test_plannable_messages_encode_through_a_plan_only_in_the_compiled_build(cls: type) -> None:
    assert type(_encoder(cls)).__name__ == ("PlanEncoder" if viam_api.COMPILED else "function")


def test_messages_plans_do_not_write_keep_their_generated_encoder() -> None:
    assert type(_encoder(data_v1.CaptureMetadata)).__name__ == "function"  # a map field
    assert not isinstance(_encoder(pb.Struct), enc.PlanEncoder)  # its own codec


# -- every kind of field, by hand-made plans -------------------------------------------------

_SCALARS = (
    ("s", enc.E_STRING, b"\x0a", enc.P_IMPLICIT, 0, 0, None),
    ("b", enc.E_BYTES, b"\x12", enc.P_IMPLICIT, 0, 0, None),
    ("i32", enc.E_INT, b"\x18", enc.P_IMPLICIT, -(2**31), 2**31 - 1, None),
    ("u64", enc.E_INT, b"\x20", enc.P_IMPLICIT, 0, 2**64 - 1, None),
    ("z32", enc.E_SINT, b"\x28", enc.P_IMPLICIT, -(2**31), 2**31 - 1, 32),
    ("z64", enc.E_SINT, b"\x30", enc.P_IMPLICIT, -(2**63), 2**63 - 1, 64),
    ("flag", enc.E_BOOL, b"\x38", enc.P_IMPLICIT, 0, 0, None),
    ("d", enc.E_DOUBLE, b"\x41", enc.P_IMPLICIT, 0, 0, None),
    ("f", enc.E_FLOAT, b"\x4d", enc.P_IMPLICIT, 0, 0, None),
    ("fx32", enc.E_PACKED, b"\x55", enc.P_IMPLICIT, 0, 0, enc.pack_I),
    ("sfx64", enc.E_PACKED, b"\x59", enc.P_IMPLICIT, 0, 0, enc.pack_q),
)
_ZEROS: dict[str, Any] = {
    "s": "",
    "b": b"",
    "i32": 0,
    "u64": 0,
    "z32": 0,
    "z64": 0,
    "flag": False,
    "d": 0.0,
    "f": 0.0,
    "fx32": 0,
    "sfx64": 0,
}


def _zigzag(value: int, bits: int) -> int:
    return ((value << 1) ^ (value >> (bits - 1))) & ((1 << bits) - 1)


def test_scalars_at_zero_are_not_written_but_negative_zero_is() -> None:
    plan = _plan(*_SCALARS)
    assert _written(plan, _Row(**_ZEROS)) == b""
    assert _written(plan, _Row(**{**_ZEROS, "d": -0.0, "f": -0.0})) == (
        tag(8, I64) + struct.pack("<d", -0.0) + tag(9, I32) + struct.pack("<f", -0.0)
    )
    assert _written(plan, _Row(**{**_ZEROS, "d": 0, "f": False})) == b""  # other zeros of a float field


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("s", "id", ld(1, b"id")),
        ("s", "héllo", ld(1, "héllo".encode())),
        ("s", "x" * 200, ld(1, b"x" * 200)),  # a two-byte length
        ("b", b"\x00\xff", ld(2, b"\x00\xff")),
        ("i32", 127, vint(3, 127)),
        ("i32", 128, vint(3, 128)),
        ("i32", -1, vint(3, -1)),  # ten bytes
        ("i32", -(2**31), vint(3, -(2**31))),
        ("u64", 2**64 - 1, vint(4, 2**64 - 1)),
        ("u64", True, vint(4, 1)),
        ("z32", -1, vint(5, 1)),
        ("z32", -(2**31), vint(5, _zigzag(-(2**31), 32))),
        ("z32", 2**31 - 1, vint(5, _zigzag(2**31 - 1, 32))),
        ("z64", -(2**63), vint(6, _zigzag(-(2**63), 64))),
        ("flag", True, vint(7, 1)),
        ("d", 1.5, tag(8, I64) + struct.pack("<d", 1.5)),
        ("d", 3, tag(8, I64) + struct.pack("<d", 3.0)),
        ("d", math.inf, tag(8, I64) + struct.pack("<d", math.inf)),
        ("f", 0.1, tag(9, I32) + struct.pack("<f", 0.1)),
        ("f", 1e300, tag(9, I32) + struct.pack("<f", math.inf)),  # beyond a float32: infinity
        ("fx32", 2**32 - 1, tag(10, I32) + struct.pack("<I", 2**32 - 1)),
        ("sfx64", -5, tag(11, I64) + struct.pack("<q", -5)),
    ],
)
def test_each_scalar_kind_is_written_as_protobuf_writes_it(name: str, value: Any, expected: bytes) -> None:
    assert _written(_plan(*_SCALARS), _Row(**{**_ZEROS, name: value})) == expected


def test_nan_is_written() -> None:
    data = _written(_plan(*_SCALARS), _Row(**{**_ZEROS, "d": math.nan}))
    assert data[:1] == tag(8, I64) and math.isnan(struct.unpack("<d", data[1:])[0])


def test_fields_with_presence_are_written_at_zero_and_skipped_at_none() -> None:
    plan = _plan(
        ("s", enc.E_STRING, b"\x0a", enc.P_EXPLICIT, 0, 0, None),
        ("i", enc.E_INT, b"\x10", enc.P_EXPLICIT, 0, 2**32 - 1, None),
    )
    assert _written(plan, _Row(s="", i=0)) == ld(1, b"") + vint(2, 0)
    assert _written(plan, _Row(s=None, i=None)) == b""


def test_repeated_fields_are_written_item_by_item_and_unknown_fields_last() -> None:
    plan = _plan(
        ("names", enc.E_STRING, b"\x0a", enc.P_REPEATED, 0, 0, None),
        ("blobs", enc.E_BYTES, b"\x12", enc.P_REPEATED, 0, 0, None),
    )
    unknown = vint(99, 7)
    row = _Row(unknown, names=["a", "", "b"], blobs=[b"x"])
    assert _written(plan, row) == ld(1, b"a") + ld(1, b"") + ld(1, b"b") + ld(2, b"x") + unknown


def test_timestamps_durations_and_structs_are_written_by_their_writers() -> None:
    plan = _plan(
        ("at", enc.E_TIMESTAMP, b"\x0a", enc.P_EXPLICIT, 0, 0, None),
        ("took", enc.E_DURATION, b"\x12", enc.P_EXPLICIT, 0, 0, None),
        ("doc", enc.E_STRUCT, b"\x1a", enc.P_EXPLICIT, 0, 0, None),
    )
    at = datetime.datetime(2026, 1, 1, 0, 0, 1, 500, tzinfo=UTC)
    took = datetime.timedelta(seconds=-2, microseconds=-3)
    doc = pb.Struct.from_python({"k": 1.0})
    _encoder(pb.Struct)  # (its codec loaded, as any codec with a Struct field loads it)
    expected = bytearray()
    enc.put_timestamp(expected, b"\x0a", at)
    enc.put_duration(expected, b"\x12", took)
    enc.put_struct(expected, b"\x1a", doc)
    assert _written(plan, _Row(at=at, took=took, doc=doc)) == bytes(expected)
    seconds = int((at - datetime.datetime(1970, 1, 1, tzinfo=UTC)).total_seconds())
    assert bytes(expected).startswith(ld(1, vint(1, seconds) + vint(2, 500_000)))


# the child's length: 0, 3, 127 (one byte), 128 (two), 16383 (two), 16384 (three), 70004
@pytest.mark.parametrize("size", [0, 1, 125, 126, 16380, 16381, 70000])
def test_a_planned_child_is_written_in_place_whatever_its_length_takes(size: int) -> None:
    child = _plan(("s", enc.E_STRING, b"\x0a", enc.P_IMPLICIT, 0, 0, None))
    encoder = enc.PlanEncoder(child, lambda m: b"")
    parent = _plan(
        ("kid", enc.E_MESSAGE, b"\x0a", enc.P_EXPLICIT, 0, 0, encoder),
        ("after", enc.E_INT, b"\x10", enc.P_IMPLICIT, 0, 100, None),
    )
    text = "y" * size
    body = ld(1, text.encode()) if text else b""
    assert _written(parent, _Row(kid=_Row(s=text), after=9)) == ld(1, body) + vint(2, 9)


def test_a_child_without_a_plan_is_written_by_its_encoder() -> None:
    parent = _plan(("kid", enc.E_MESSAGE, b"\x0a", enc.P_REPEATED, 0, 0, lambda m: m.payload))
    assert _written(parent, _Row(kid=[_Row(payload=b"ab"), _Row(payload=b"")])) == ld(1, b"ab") + ld(1, b"")


# -- real messages: the same bytes as Google's runtime -------------------------------------------


def _response(rows: int) -> Any:
    google = google_class_of(data_v1.TabularDataByFilterResponse)()
    meta = google.metadata.add()
    meta.organization_id = "org"
    meta.tags.append("t")
    meta.method_parameters["p"].type_url = "type.googleapis.com/x"  # a map: its generated encoder
    for i in range(rows):
        row = google.data.add()
        row.data.update({"readings": {"x": i * 0.5, "n": i, "status": "ok", "moving": bool(i % 2)}})
        row.metadata_index = i % 3
        row.time_requested.seconds = 1_767_225_600 + i
        row.time_received.nanos = 1000 * i
    google.count = rows
    google.last = "last" * 40
    return google


@pytest.mark.parametrize("rows", [0, 1, 3, 200])
def test_a_tabular_response_is_written_as_upb_writes_it(rows: int) -> None:
    expected = _response(rows).SerializeToString()
    ours = data_v1.TabularDataByFilterResponse.parse(expected)
    assert bytes(ours) == expected
    assert _generated(data_v1.TabularDataByFilterResponse)(ours) == expected


def test_a_robot_with_every_kind_of_its_fields_is_written_as_upb_writes_it() -> None:
    robot = app.Robot(
        id="r-1",
        name="robot",
        location="loc",
        last_access=datetime.datetime(2030, 5, 6, 7, 8, 9, 123456, tzinfo=UTC),
        created_on=datetime.datetime(1969, 12, 31, 23, 59, 59, tzinfo=UTC),  # negative seconds
        online_state=app.OnlineState.ONLINE_STATE_ONLINE,
    )
    data = bytes(robot)
    assert google_class_of(app.Robot).FromString(data).SerializeToString() == data
    assert _generated(app.Robot)(robot) == data


def _nested_value(levels: int) -> Any:
    value = pb.Value(string_value="leaf")
    for _ in range(levels):
        value = pb.Value(list_value=pb.ListValue(values=[value]))
    return value


@pytest.mark.parametrize("levels", [1, 49, 50, 51, 70])
def test_nested_values_past_the_plans_depth_fall_back_to_the_same_bytes(levels: int) -> None:
    # Value and ListValue alternate: 2 * levels messages deep, past MAX_DEPTH (100) from 51 on
    value = _nested_value(levels)
    data = bytes(value)
    assert data == _generated(pb.Value)(value)
    if levels <= 50:
        assert pb.Value.parse(data) == value
    else:  # written as the generated encoder writes it; read back, refused as too deep
        with pytest.raises(viam_api.DecodeError, match="nested deeper than 100"):
            pb.Value.parse(data)


def test_the_plan_itself_leaves_messages_deeper_than_the_limit() -> None:
    plan = _plan(("s", enc.E_STRING, b"\x0a", enc.P_IMPLICIT, 0, 0, None))
    with pytest.raises(enc._Unplanned):
        enc.plan_encode(plan, bytearray(), _Row(s="x"), enc.MAX_DEPTH + 1)


# -- the fallback: the generated encoder's bytes and errors -----------------------------------


class _Text(str):
    pass


class _Real(float):
    pass


@pytest.mark.parametrize(
    "changes",
    [
        {"name": _Text("sub")},  # a str subclass
        {"online_state": 1},  # a plain int in an enum field
        {"last_access": None, "id": ""},
    ],
)
def test_values_a_plan_leaves_give_the_generated_encoders_bytes(changes: dict[str, Any]) -> None:
    robot = app.Robot(id="x", name="n", online_state=app.OnlineState.ONLINE_STATE_OFFLINE)
    for name, value in changes.items():
        setattr(robot, name, value)
    assert bytes(robot) == _generated(app.Robot)(robot)


def test_a_tuple_and_a_float_subclass_give_the_generated_encoders_bytes() -> None:
    rows: Any = (data_v1.TabularData(metadata_index=2),)  # a tuple, not the list a plan takes
    response = data_v1.TabularDataByFilterResponse(data=rows, count=1)
    assert bytes(response) == _generated(data_v1.TabularDataByFilterResponse)(response) != b""
    cost = app.RegistryItemCostByResource(per_machine=_Real(2.5))
    assert (
        bytes(cost)
        == _generated(app.RegistryItemCostByResource)(cost)
        == tag(1, I64) + struct.pack("<d", 2.5)
    )


@pytest.mark.parametrize(
    ("cls", "changes"),
    [
        (data_v1.TabularData, {"metadata_index": -1}),  # uint32 below its range
        (data_v1.TabularData, {"metadata_index": 2**32}),  # and above
        (data_v1.TabularDataByFilterResponse, {"count": 2**64}),
        (
            data_v1.TabularDataByFilterResponse,
            {"data": lambda: [data_v1.TabularData(metadata_index=-5)]},
        ),  # in a child
    ],
)
def test_an_integer_out_of_range_is_refused_in_the_generated_encoders_words(
    cls: Any, changes: dict[str, Any]
) -> None:
    message = cls()
    for name, value in changes.items():
        setattr(message, name, value() if callable(value) else value)
    with pytest.raises(viam_api.EncodeError, match="is out of range for this field") as ours:
        bytes(message)
    with pytest.raises(viam_api.EncodeError) as generated:
        _generated(cls)(message)
    assert str(ours.value) == str(generated.value)
    assert "viam.app.data.v1.TabularData" in str(ours.value)


@pytest.mark.parametrize(
    ("cls", "changes"),
    [
        (app.Robot, {"name": 5}),  # not a str
        (app.Robot, {"id": b"bytes"}),
        (data_v1.TabularData, {"metadata_index": "7"}),
        (data_v1.TabularData, {"metadata_index": 1.5}),
        (app.Robot, {"last_access": "2026-01-01"}),  # not a datetime
        (app.RegistryItemCostByResource, {"per_machine": "x"}),
    ],
)
def test_a_value_of_another_type_is_refused_as_the_generated_encoder_refuses_it(
    cls: Any, changes: dict[str, Any]
) -> None:
    message = cls()
    for name, value in changes.items():
        setattr(message, name, value)
    with pytest.raises(viam_api.EncodeError) as ours:  # the plan hands it to the generated encoder
        bytes(message)
    with pytest.raises(Exception):  # noqa: B017, PT011 (whatever the generated encoder raises, serialize words)
        _generated(cls)(message)
    [name] = changes
    assert f": {name} holds {type(changes[name]).__name__}, not " in str(ours.value)  # tests/generated/test_encode_errors.py


# -- Struct entries written in place -------------------------------------------------------------


@pytest.mark.parametrize("value", [None, True, False, "v", 1.5, {"in": None}, [None]])
@pytest.mark.parametrize("key_length", [1, 123, 124, 125, 200, 17000])
def test_a_struct_entry_after_a_long_key_has_its_length_framed(key_length: int, value: Any) -> None:
    # an entry holding null or a bool was once framed without its tag past a 123-byte key
    from google.protobuf import struct_pb2

    mapping = {"k" * key_length: value}
    theirs = struct_pb2.Struct()
    theirs.update(mapping)
    expected = theirs.SerializeToString()
    assert enc.struct_bytes(mapping) == expected
    assert bytes(pb.Struct.from_python(mapping)) == expected
