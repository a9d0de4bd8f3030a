"""The encoder's shortcuts, held to upb's bytes: unread Timestamps and Struct entries.

* A decoded message keeps a singular Timestamp raw until the field is read
  (``_wire.LazyTime``).  The compiled build's plans write such a field straight from
  the raw value, so re-serialising a message nobody read makes no ``datetime``; a
  field read, or set after the parse, is written from what the instance holds.
* Struct entries are written with the encoded keys kept from earlier rows
  (``_wire_encode._KEY_PARTS``/``_NUMBER_ENTRIES``): rows with other key sets, a key whose
  value changes kind from row to row, and the numbers a double holds oddly.

Every case compares with Google's runtime; test_codec_paths.py runs this file again
on the pure-Python path (where the generated encoders read the field).
"""

from __future__ import annotations

import datetime
import math
from typing import Any

import pytest
import viam_api
import viam_api.app.data.v1 as data_v1
from _google import google_class_of
from google.protobuf import struct_pb2

UTC = datetime.timezone.utc

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")  # TabularData is deprecated

#: (seconds, nanos) of Timestamps: the epoch, before it, microseconds only, nanoseconds, the
#: ends of what a datetime holds, seconds taking one to ten varint bytes
TIMES = [
    (0, 0),
    (0, 1),
    (1, 0),
    (-1, 999_999_999),
    (-14_182_940, 0),  # 1969-07-20T20:17:40Z
    (-62_135_596_800, 0),  # 0001-01-01T00:00:00Z
    (253_402_300_799, 999_999_999),  # 9999-12-31T23:59:59.999999999Z
    (1_767_225_600, 100_000_000),
    (1_767_225_600, 123_456_000),
    (1_767_225_600, 123_456_789),
    (127, 127),
    (128, 128),
    (34_359_738_367, 1000),  # 2**35 - 1: the last five-byte seconds
    (34_359_738_368, 1000),
]


def _google_row(when: tuple[int, int] | None, received: tuple[int, int] | None) -> Any:
    row = google_class_of(data_v1.TabularData)()
    row.data.update({"k": 1.0})
    if when is not None:
        row.time_requested.seconds, row.time_requested.nanos = when
    if received is not None:
        row.time_received.seconds, row.time_received.nanos = received
    return row


def _unread(message: Any, name: str) -> bool:
    held = vars(message)
    return name not in held and f"_viam_raw_{name}" in held


@pytest.mark.parametrize("when", TIMES)
def test_an_unread_timestamp_is_written_as_upb_writes_it(when: tuple[int, int]) -> None:
    expected = _google_row(when, (when[0], 0)).SerializeToString()
    ours = data_v1.TabularData.parse(expected)
    assert bytes(ours) == expected
    if viam_api.COMPILED:  # the plan writes the raw value: the fields stay unread
        assert _unread(ours, "time_requested") and _unread(ours, "time_received")
    assert ours.time_requested is not None  # read now: written from the datetime, the same bytes
    assert bytes(ours) == expected


def test_unread_timestamps_in_many_rows_are_each_written_from_their_own_value() -> None:
    google = google_class_of(data_v1.TabularDataByFilterResponse)()
    for when in TIMES:
        google.data.append(_google_row(when, None))
        google.data.append(_google_row(None, when))
    expected = google.SerializeToString()
    ours = data_v1.TabularDataByFilterResponse.parse(expected)
    assert bytes(ours) == expected
    assert ours.data[3].time_received is not None  # one read in the middle
    assert bytes(ours) == expected


@pytest.mark.parametrize(
    "value",
    [
        None,
        datetime.datetime(2030, 5, 6, 7, 8, 9, 10, tzinfo=UTC),
        datetime.datetime(2030, 5, 6, 7, 8, 9, 10),  # naive: counts as UTC
        datetime.datetime(2030, 5, 6, 9, 8, 9, 10, tzinfo=datetime.timezone(datetime.timedelta(hours=2))),
        datetime.datetime(1900, 1, 1, tzinfo=UTC),
    ],
)
def test_a_timestamp_set_after_the_parse_is_written_not_the_raw_value(
    value: datetime.datetime | None,
) -> None:
    ours = data_v1.TabularData.parse(_google_row((1_767_225_600, 5), (1, 1)).SerializeToString())
    ours.time_requested = value  # the raw value stays in the instance, out of date
    expected = _google_row(None, (1, 1))
    if value is not None:
        expected.time_requested.FromDatetime(value if value.tzinfo else value.replace(tzinfo=UTC))
    assert bytes(ours) == expected.SerializeToString()


# -- Struct entries with the keys kept from earlier rows ---------------------------------------


def _upb_struct(mapping: dict[str, Any]) -> Any:
    theirs = struct_pb2.Struct()
    theirs.update(mapping)
    return theirs


def _same_struct(ours: bytes, mapping: dict[str, Any]) -> bool:
    """Our bytes hold the Struct upb makes of ``mapping`` (upb writes a map in an order of its own:
    the entries are compared, and the bytes when there is one entry)."""
    theirs = _upb_struct(mapping)
    if len(mapping) <= 1 and ours != theirs.SerializeToString():
        return False
    parsed = struct_pb2.Struct.FromString(ours)
    return parsed == theirs or _nan_equal(parsed, theirs)


def _nan_equal(a: Any, b: Any) -> bool:
    """Equal with NaN equal to NaN (upb's message equality says NaN differs from itself)."""
    return a.SerializeToString(deterministic=True) == b.SerializeToString(deterministic=True)


def _assert_rows_written_as_upb(rows: list[dict[str, Any]]) -> None:
    for row in rows:
        assert _same_struct(bytes(viam_api.google.protobuf.Struct.from_python(row)), row)
    google = google_class_of(data_v1.TabularDataByFilterResponse)()
    for row in rows:
        google.data.add().data.update(row)
    expected = google.SerializeToString()
    assert bytes(data_v1.TabularDataByFilterResponse.parse(expected)) == expected  # the order upb wrote
    built = data_v1.TabularDataByFilterResponse(
        data=[data_v1.TabularData(data=viam_api.google.protobuf.Struct.from_python(row)) for row in rows]
    )
    for ours, row in zip(data_v1.TabularDataByFilterResponse.parse(bytes(built)).data, rows, strict=True):
        assert _same_struct(bytes(ours.data), row)


def test_rows_with_other_key_sets_and_orders() -> None:
    _assert_rows_written_as_upb(
        [
            {"a": 1.0, "b": 2.0},
            {"b": 3.0, "a": 4.0},
            {"a": 5.0, "c": "x", "d": None},
            {},
            {"e" * 130: 1.0, "a": True},
            {"ключ": 1.5, "🙂": "v"},
        ]
    )


def test_a_key_whose_value_changes_kind_from_row_to_row() -> None:
    kinds: list[Any] = [1.5, "text", None, True, False, 7, {"in": 1.0}, [1.0, "x"], 2.5, "s" * 200]
    _assert_rows_written_as_upb([{"v": kind, "w": 0.5} for kind in kinds])


@pytest.mark.parametrize(
    "number",
    [math.nan, math.inf, -math.inf, -0.0, 0.0, 2**53 + 1, -(2**53) - 1, 2**63, -(2**63), 10**300, 5e-324],
)
def test_numbers_a_double_holds_oddly(number: float) -> None:
    row = {"n": number, "m": 1.0}
    assert (
        bytes(viam_api.google.protobuf.Struct.from_python({"n": number}))
        == _upb_struct({"n": number}).SerializeToString()
    )
    _assert_rows_written_as_upb([row, {"m": number}])


# -- lengths written into room left for them ---------------------------------------------------
#
# A child written in place (a planned message, a Struct field, a Struct nested in a Struct) gets
# room for its length before it is written: two bytes when the last one at that place needed two,
# else one.  Sizes that go from under 128 bytes to over it and back, and past 16383 (three bytes),
# put every wrong guess right.


def _sized(size: int, depth: int = 1) -> dict[str, Any]:
    """A nested mapping of about ``size`` bytes, ``depth`` dicts deep."""
    inner: dict[str, Any] = {"s": "x" * size}
    for level in range(depth - 1):
        inner = {f"d{level}": inner, "n": 1.0}
    return inner


SIZES = [0, 10, 200, 300, 5, 120, 127, 128, 16_400, 40, 16_400, 16_500, 200, 0]


@pytest.mark.parametrize("depth", [1, 2, 4])
def test_nested_structs_growing_and_shrinking_from_row_to_row(depth: int) -> None:
    _assert_rows_written_as_upb([{"readings": _sized(size, depth), "n": 2.0} for size in SIZES])


def test_messages_and_structs_growing_and_shrinking_from_row_to_row() -> None:
    google = google_class_of(data_v1.TabularDataByFilterResponse)()
    for size in SIZES:
        row = google.data.add()
        row.data.update({"s": "y" * size} if size % 2 else {"readings": _sized(size, 2)})
        row.time_received.seconds = size
    expected = google.SerializeToString()
    assert bytes(data_v1.TabularDataByFilterResponse.parse(expected)) == expected
    assert bytes(data_v1.TabularDataByFilterResponse.parse(expected)) == expected  # the guesses kept
