"""The runtime writers behind the encoders: Struct, Timestamp and Duration fields, checked against upb.

The generated encoders hand these fields to ``_wire_encode.put_struct``/``put_timestamp``/
``put_duration``, which write tag, length and value straight into the message's
buffer (Struct entries from the Struct's dict, with the encoded keys kept between
calls).  Every test compares our bytes with what Google's runtime writes for the
same value.  A Struct's entries keep the dict's order while upb writes a map in
an order of its own, so each dict is first put in the order of upb's
deterministic output (read back by our decoder, which keeps the wire order).
"""

from __future__ import annotations

import datetime
import math
from typing import Any

import pandas as pd
import pytest
import viam_api
import viam_api.app.v1 as app
import viam_api.google.protobuf as pb
from _google import google_class_of
from google.protobuf import struct_pb2
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from viam_api import _wire_encode
from viam_api.app.data.v1 import TabularData

UTC = datetime.timezone.utc
EPOCH = datetime.datetime(1970, 1, 1, tzinfo=UTC)

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")  # TabularData is deprecated


def _in_order_of(value: Any, written: Any) -> Any:
    """``value`` with the keys of every dict in it in the order of ``written`` (the same value read back)."""
    if isinstance(value, dict):
        return {k: _in_order_of(value[k], written[k]) for k in written}
    if isinstance(value, list):
        return [_in_order_of(v, w) for v, w in zip(value, written, strict=True)]
    return value


def _google_struct(mapping: dict[str, Any]) -> bytes:
    theirs = struct_pb2.Struct()
    theirs.update(mapping)
    return theirs.SerializeToString(deterministic=True)


def _assert_struct_like_upb(mapping: dict[str, Any]) -> None:
    expected = _google_struct(mapping)
    mapping = _in_order_of(mapping, pb.Struct.parse(expected).to_python())
    assert _wire_encode.struct_bytes(mapping) == expected
    made = pb.Struct.from_python(mapping)
    assert bytes(made) == expected
    decoded = pb.Struct.parse(expected)  # holds its dict: written again from it
    assert bytes(decoded) == expected
    # in a field: put_struct writes the entries into the message's own buffer
    google_row = google_class_of(TabularData)()
    google_row.data.SetInParent()
    google_row.data.update(mapping)
    google_row.metadata_index = 2
    row_bytes = google_row.SerializeToString(deterministic=True)
    assert bytes(TabularData(data=decoded, metadata_index=2)) == row_bytes
    assert bytes(TabularData(data=made, metadata_index=2)) == row_bytes
    assert bytes(TabularData(data=pb.Struct.parse(expected), metadata_index=2)) == row_bytes


_KEYS = st.text(st.characters(codec="utf-8"), max_size=140)
_SCALARS = (
    st.none()
    | st.booleans()
    | st.floats(allow_nan=False)
    | st.integers(min_value=-(2**64), max_value=2**64)
    | st.text(st.characters(codec="utf-8"), max_size=300)
)
_VALUES = st.recursive(
    _SCALARS,
    lambda inner: st.lists(inner, max_size=6) | st.dictionaries(_KEYS, inner, max_size=6),
    max_leaves=40,
)


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck), database=None)
@given(st.dictionaries(_KEYS, _VALUES, max_size=12))
def test_struct_of_any_plain_values_is_written_as_upb_writes_it(mapping: dict[str, Any]) -> None:
    _assert_struct_like_upb(mapping)


def test_one_key_with_each_kind_of_value_in_turn() -> None:
    """A key's encoded form is kept after its first use; every kind of value still frames it right."""
    for value in (1.5, "text", True, None, {"inner": 2.0}, [1.0, "a"], 7, False, "é" * 90, 0.0):
        _assert_struct_like_upb({"key": value, "k" * 150: value, "ü": value})


def test_more_keys_than_are_kept() -> None:
    for start in (0, 4000, 8000):
        _assert_struct_like_upb({f"key-{i:05}": float(i) for i in range(start, start + 4200)})
    _assert_struct_like_upb({f"key-{i:05}": 1.0 for i in range(10)})


@pytest.mark.parametrize(
    "size", [100, 110, 111, 112, 113, 114, 120, 126, 127, 128, 129, 16370, 16377, 16378, 16384]
)
def test_nested_struct_lengths_around_one_and_two_byte_varints(size: int) -> None:
    """A nested dict is written in place and its lengths put before it: near 128 and 16,384 bytes the
    lengths take one byte more, and the head written in advance is replaced."""
    for text_size in (size - 20, size - 12, size - 9, size - 6, size - 3, size):
        _assert_struct_like_upb({"a": {"s": "x" * max(text_size, 0)}})
        _assert_struct_like_upb({"outer": {"k": {"s": "y" * max(text_size, 0)}, "n": 1.0}})
        _assert_struct_like_upb({"s": "z" * max(text_size, 0)})


def test_values_of_the_other_kinds_are_written_as_before() -> None:
    when = datetime.datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
    value = pb.Value(number_value=3.0)
    inner = pb.Struct(fields={"b": pb.Value(bool_value=True)})
    items = pb.ListValue(values=[pb.Value(string_value="q")])
    mapping = {"a": when, "b": (1, "x"), "c": value, "d": inner, "e": items, "f": True}
    expected = _google_struct(
        {"a": when.isoformat(), "b": [1, "x"], "c": 3.0, "d": {"b": True}, "e": ["q"], "f": True}
    )
    assert _wire_encode.struct_bytes(mapping) == expected
    assert bytes(pb.Struct.from_python(mapping)) == expected


def test_a_key_that_is_not_a_string_is_a_type_error_naming_it() -> None:
    """On both paths the error names the key (the compiled build once gave mypyc's own message)."""
    for mapping in ({1: "x"}, {"a": 1.0, 2: 1.0}, {"a": {b"k": None}}):
        with pytest.raises(TypeError, match=r"Struct keys must be strings, not (int|bytes)"):
            pb.Struct.from_python(mapping)  # type: ignore[arg-type]


def test_a_number_beyond_a_double_is_an_encode_error() -> None:
    with pytest.raises(viam_api.EncodeError, match="too large for a Struct number"):
        pb.Struct.from_python({"n": 2**1100})
    with pytest.raises(viam_api.EncodeError, match="too large for a Struct number"):
        pb.Struct.from_python({"n": [2**1100]})


def _nested(levels: int) -> dict[str, Any]:
    mapping: dict[str, Any] = {"v": 1.0}
    for _ in range(levels):
        mapping = {"n": mapping}
    return mapping


def test_nesting_limit_of_a_struct_from_python() -> None:
    _assert_struct_like_upb(_nested(50))
    with pytest.raises(viam_api.EncodeError, match="nested deeper than 100"):
        pb.Struct.from_python(_nested(51))


def test_special_numbers_keep_their_bits() -> None:
    data = _wire_encode.struct_bytes({"a": -0.0, "b": math.inf, "c": -math.inf, "d": math.nan})
    back = pb.Struct.parse(data).to_python()
    assert math.copysign(1.0, back["a"]) == -1.0 and back["b"] == math.inf and back["c"] == -math.inf
    assert math.isnan(back["d"])
    assert data == _google_struct({"a": -0.0, "b": math.inf, "c": -math.inf, "d": math.nan})


# -- Timestamp and Duration fields ---------------------------------------------------------


def _google_timestamp_row(seconds: int, nanos: int) -> bytes:
    theirs = google_class_of(TabularData)()
    theirs.time_requested.seconds = seconds
    theirs.time_requested.nanos = nanos
    return theirs.SerializeToString()


_OFFSETS = [
    UTC,
    datetime.timezone(datetime.timedelta(hours=5, minutes=30)),
    datetime.timezone(-datetime.timedelta(hours=8)),
]


@pytest.mark.parametrize(
    "when",
    [
        datetime.datetime(2026, 1, 1, 0, 0, 0, 500000),
        datetime.datetime(1970, 1, 1),
        datetime.datetime(1969, 12, 31, 23, 59, 59, 999999),
        datetime.datetime(1, 1, 1),
        datetime.datetime(9999, 12, 31, 23, 59, 59, 999999),
        datetime.datetime(3058, 1, 1),  # the seconds take six bytes from here on
        datetime.datetime(2024, 2, 29, 12, 30, 1),
        datetime.datetime(2024, 2, 29, 12, 30, 1, 1),
    ],
)
def test_timestamp_fields_are_written_as_upb_writes_them(when: datetime.datetime) -> None:
    naive_seconds = (when - datetime.datetime(1970, 1, 1)) // datetime.timedelta(seconds=1)
    nanos = when.microsecond * 1000
    # a naive datetime is taken as UTC
    assert bytes(TabularData(time_requested=when)) == _google_timestamp_row(naive_seconds, nanos)
    for zone in _OFFSETS:
        offset = zone.utcoffset(None)
        try:
            aware = when.replace(tzinfo=zone)
            aware - EPOCH  # noqa: B018 (beyond the datetime range once the offset is applied: skipped)
        except OverflowError:
            continue
        seconds = naive_seconds - int(offset.total_seconds())
        assert bytes(TabularData(time_requested=aware)) == _google_timestamp_row(seconds, nanos)


def test_timestamps_with_nanoseconds_are_written_with_them() -> None:
    value = viam_api.TimestampDatetime(2024, 1, 2, 3, 4, 5, 6, tzinfo=UTC, nanosecond=789)
    seconds = int((datetime.datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC) - EPOCH).total_seconds())
    assert bytes(TabularData(time_requested=value)) == _google_timestamp_row(seconds, 6789)
    stamp = pd.Timestamp("2024-01-02T03:04:05.000006789", tz="UTC")
    assert bytes(TabularData(time_requested=stamp)) == _google_timestamp_row(seconds, 6789)
    # both Timestamp fields of a row, and the fast and general kinds side by side
    plain = datetime.datetime(2024, 1, 2, 3, 4, 5, 6, tzinfo=UTC)
    theirs = google_class_of(TabularData)()
    theirs.time_requested.seconds = theirs.time_received.seconds = seconds
    theirs.time_requested.nanos, theirs.time_received.nanos = 6000, 6789
    assert bytes(TabularData(time_requested=plain, time_received=value)) == theirs.SerializeToString()


def test_a_bad_nanosecond_part_is_an_encode_error() -> None:
    value = viam_api.TimestampDatetime(2024, 1, 2, tzinfo=UTC)
    value.nanosecond = 1000
    with pytest.raises(viam_api.EncodeError, match="nanosecond"):
        bytes(TabularData(time_requested=value))


def _google_duration_row(seconds: int, nanos: int) -> bytes:
    theirs = google_class_of(app.SessionsConfig)()
    theirs.heartbeat_window.seconds = seconds
    theirs.heartbeat_window.nanos = nanos
    return theirs.SerializeToString()


@pytest.mark.parametrize(
    "span",
    [
        datetime.timedelta(0),
        datetime.timedelta(microseconds=1),
        datetime.timedelta(microseconds=-1),
        datetime.timedelta(seconds=-1, microseconds=500000),
        datetime.timedelta(seconds=-2, microseconds=500000),
        datetime.timedelta(days=3, seconds=7, microseconds=11),
        datetime.timedelta(days=-3, seconds=7, microseconds=11),
        datetime.timedelta(days=3652425),
        datetime.timedelta(seconds=-315576000000),
    ],
)
def test_duration_fields_are_written_as_upb_writes_them(span: datetime.timedelta) -> None:
    total = ((span.days * 86400 + span.seconds) * 1_000_000 + span.microseconds) * 1000
    seconds = abs(total) // 1_000_000_000 * (1 if total >= 0 else -1)  # toward zero: one sign for both
    assert bytes(app.SessionsConfig(heartbeat_window=span)) == _google_duration_row(
        seconds, total - seconds * 10**9
    )


def test_durations_with_nanoseconds_are_written_with_them() -> None:
    span = viam_api.DurationTimedelta(seconds=-1, nanoseconds=1)  # -1 s + 1 ns
    assert bytes(app.SessionsConfig(heartbeat_window=span)) == _google_duration_row(0, -999_999_999)
    pandas_span = pd.Timedelta(nanoseconds=1_500_000_123)
    assert bytes(app.SessionsConfig(heartbeat_window=pandas_span)) == _google_duration_row(1, 500_000_123)
