"""Timestamp and Duration values below the microsecond: ``TimestampDatetime`` and ``DurationTimedelta``.

They are a ``datetime`` and a ``timedelta`` to every caller, and carry the
nanoseconds beyond the microsecond through equality, ordering, hashing, repr,
pickling, copying, the binary codec and JSON (judged by Google's runtime).
"""

from __future__ import annotations

import copy
import datetime
import pickle

import pytest
import viam_api
import viam_api.app.v1 as app
import viam_api.google.protobuf as pb
from _google import google_class_of
from google.protobuf import json_format

UTC = datetime.timezone.utc
TimestampDatetime = viam_api.TimestampDatetime
DurationTimedelta = viam_api.DurationTimedelta
BASE = datetime.datetime(2024, 5, 6, 7, 8, 9, 123456, tzinfo=UTC)


def test_a_timestamp_datetime_is_a_datetime_with_nanoseconds() -> None:
    value = TimestampDatetime(2024, 5, 6, 7, 8, 9, 123456, tzinfo=UTC, nanosecond=789)
    assert isinstance(value, datetime.datetime)
    assert (value.year, value.microsecond, value.nanosecond) == (2024, 123456, 789)
    assert value.isoformat() == BASE.isoformat()  # text stays at the microsecond
    assert value != BASE and BASE != value
    assert value > BASE and BASE < value and value >= BASE and not value <= BASE
    assert value < BASE + datetime.timedelta(microseconds=1)
    same = TimestampDatetime(2024, 5, 6, 7, 8, 9, 123456, tzinfo=UTC, nanosecond=789)
    assert value == same and hash(value) == hash(same) and len({value, same, BASE}) == 2
    # no nanoseconds: the same as the plain datetime, hash included
    plain = TimestampDatetime(2024, 5, 6, 7, 8, 9, 123456, tzinfo=UTC)
    assert plain == BASE and hash(plain) == hash(BASE)
    assert repr(value) == (
        "TimestampDatetime(2024, 5, 6, 7, 8, 9, 123456, tzinfo=datetime.timezone.utc, nanosecond=789)"
    )
    assert eval(repr(value), {"TimestampDatetime": TimestampDatetime, "datetime": datetime}) == value
    # arithmetic works at the microsecond: the nanoseconds do not follow
    later = value + datetime.timedelta(seconds=1)
    assert later.nanosecond == 0 and later == BASE + datetime.timedelta(seconds=1)


def test_a_duration_timedelta_is_a_timedelta_with_nanoseconds() -> None:
    value = DurationTimedelta(microseconds=-1, nanoseconds=999)  # -1 ns
    assert isinstance(value, datetime.timedelta) and value.total_nanoseconds() == -1
    assert value < datetime.timedelta(0) < DurationTimedelta(nanoseconds=1)
    assert value != datetime.timedelta(microseconds=-1) and value > datetime.timedelta(microseconds=-1)
    assert bool(DurationTimedelta(nanoseconds=1)) and not DurationTimedelta(0)
    assert DurationTimedelta(seconds=2) == datetime.timedelta(seconds=2)
    assert hash(DurationTimedelta(seconds=2)) == hash(datetime.timedelta(seconds=2))
    assert repr(DurationTimedelta(nanoseconds=5)) == "DurationTimedelta(nanoseconds=5)"
    assert repr(value) == "DurationTimedelta(days=-1, seconds=86399, microseconds=999999, nanoseconds=999)"


@pytest.mark.parametrize(
    "value",
    [
        TimestampDatetime(2024, 5, 6, 7, 8, 9, 123456, tzinfo=UTC, nanosecond=789),
        DurationTimedelta(seconds=-3, nanoseconds=1),
    ],
    ids=["timestamp", "duration"],
)
def test_pickling_and_copying_keep_the_nanoseconds(value: object) -> None:
    for other in [pickle.loads(pickle.dumps(value, protocol)) for protocol in range(5)] + [
        copy.copy(value),
        copy.deepcopy(value),
    ]:
        assert type(other) is type(value) and other == value


def test_out_of_range_parts_are_refused() -> None:
    with pytest.raises(ValueError, match="nanosecond"):
        TimestampDatetime(2024, 1, 1, nanosecond=1000)
    with pytest.raises(ValueError, match="nanoseconds"):
        DurationTimedelta(nanoseconds=-1)


def test_messages_carry_the_nanoseconds_both_ways() -> None:
    stamp = TimestampDatetime(2024, 5, 6, 7, 8, 9, 123456, tzinfo=UTC, nanosecond=789)
    ours = app.Location(name="n", created_on=stamp)
    theirs = google_class_of(app.Location).FromString(bytes(ours))
    assert (theirs.created_on.seconds, theirs.created_on.nanos) == (1714979289, 123_456_789)
    back = app.Location.parse(bytes(ours))
    assert back == ours and back.created_on.nanosecond == 789
    assert pickle.loads(pickle.dumps(back)) == back
    assert "nanosecond=789" in repr(back)
    assert ours.to_dict()["createdOn"] == "2024-05-06T07:08:09.123456789Z"
    assert json_format.MessageToDict(theirs)["createdOn"] == "2024-05-06T07:08:09.123456789Z"
    assert app.Location.from_json(json_format.MessageToJson(theirs)) == ours
    # a plain datetime is written as before
    assert app.Location(created_on=BASE).to_dict()["createdOn"] == "2024-05-06T07:08:09.123456Z"

    span = DurationTimedelta(seconds=-3, nanoseconds=1)  # -2.999999999 s
    config = app.ProcessConfig(id="p", stop_timeout=span)
    google_config = google_class_of(app.ProcessConfig).FromString(bytes(config))
    assert (google_config.stop_timeout.seconds, google_config.stop_timeout.nanos) == (-2, -999_999_999)
    assert config.to_dict()["stopTimeout"] == "-2.999999999s"
    assert json_format.MessageToDict(google_config)["stopTimeout"] == "-2.999999999s"
    assert app.ProcessConfig.from_json(json_format.MessageToJson(google_config)) == config


def test_the_well_known_messages_convert_with_nanoseconds() -> None:
    stamp = pb.Timestamp(seconds=-1, nanos=999_999_999)
    value = stamp.to_datetime()
    assert isinstance(value, TimestampDatetime) and value.nanosecond == 999
    assert pb.Timestamp.from_datetime(value) == stamp
    span = pb.Duration(seconds=-1, nanos=-1)
    assert pb.Duration.from_timedelta(span.to_timedelta()) == span
    assert pb.Duration(seconds=2, nanos=5000).to_timedelta() == datetime.timedelta(seconds=2, microseconds=5)
