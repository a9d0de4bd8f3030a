"""Singular Timestamp and Duration fields of decoded messages are made on first read.

A decoder keeps such a field's value raw (one int, checked at parse time) and the
``_wire.LazyTime`` on the class makes the ``datetime``/``timedelta`` when the field is
first read, storing it on the instance so that later reads are plain attribute reads.
Everything a user can see must be what the eager decoder gave: values, equality,
repr, pickling and copies, ``dataclasses`` helpers, JSON, re-serialised bytes, type
hints; bytes that are not a valid Timestamp/Duration are still refused by the parse
itself.  What differs: ``vars()`` of a message not yet read shows the raw attribute
(``_viam_raw_<field>``) instead of the field.  test_codec_paths.py runs this file
again on the pure-Python path.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime
import io
import pickle
import threading
import typing
from typing import Any

import pytest
import viam_api
import viam_api.app.v1 as app
from _google import ld, upb, vint
from viam_api._time import duration_parts, timestamp_parts

UTC = datetime.timezone.utc
WHEN = datetime.datetime(2026, 12, 7, 17, 39, 32, 291937, tzinfo=UTC)
EARLIER = datetime.datetime(1969, 7, 20, 20, 17, 40, tzinfo=UTC)
SPAN = datetime.timedelta(days=3, seconds=7, microseconds=250)


def robot(**fields: Any) -> app.Robot:
    values: dict[str, Any] = {"id": "r-1", "name": "fleet-1", "location": "loc-1"}
    values.update(fields)
    return app.Robot(**values)


def decoded(message: Any) -> Any:
    """A message as a client gets it: parsed from the bytes of ``message``."""
    return type(message).parse(bytes(message))


def is_raw(message: Any, name: str) -> bool:
    """True while the field has not been made yet (its raw value is what the instance holds)."""
    held = vars(message)
    return name not in held and f"_viam_raw_{name}" in held


# -- the value is made on first read, once --------------------------------------------------


def test_a_decoded_timestamp_is_kept_raw_until_read_then_held_as_a_plain_attribute() -> None:
    message = decoded(robot(created_on=WHEN))
    assert is_raw(message, "created_on")
    first = message.created_on
    assert first == WHEN and type(first) is datetime.datetime
    assert vars(message)["created_on"] is first and "_viam_raw_created_on" not in vars(message)
    assert message.created_on is first  # later reads: the same object, from the instance


def test_an_absent_timestamp_is_none_without_a_raw_value() -> None:
    message = decoded(robot())
    assert message.last_access is None and message.created_on is None
    assert not any(key.startswith("_viam_raw_") for key in vars(message))


def test_a_decoded_duration_is_kept_raw_until_read() -> None:
    reply = decoded(app.NeedsRestartResponse(id="p", restart_check_interval=SPAN))
    assert is_raw(reply, "restart_check_interval")
    assert reply.restart_check_interval == SPAN and type(reply.restart_check_interval) is datetime.timedelta


@pytest.mark.parametrize(
    "value",
    [
        WHEN,
        EARLIER,  # before the epoch: negative seconds
        datetime.datetime(1, 1, 1, tzinfo=UTC),
        datetime.datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
        datetime.datetime(2200, 1, 1, tzinfo=UTC),  # beyond the machine-int range of the raw form
        viam_api.TimestampDatetime(2024, 1, 2, 3, 4, 5, 6, tzinfo=UTC, nanosecond=789),
        viam_api.TimestampDatetime(1900, 1, 1, microsecond=1, tzinfo=UTC, nanosecond=1),
    ],
)
def test_timestamps_read_back_as_the_eager_decoder_made_them(value: datetime.datetime) -> None:
    data = bytes(robot(created_on=value))
    made = app.Robot.parse(data).created_on
    assert made == value and type(made) is type(value)
    assert getattr(made, "nanosecond", 0) == getattr(value, "nanosecond", 0)
    google = upb(app.Robot, data).created_on
    seconds, nanos = timestamp_parts(made)
    assert (seconds, nanos) == (google.seconds, google.nanos)


@pytest.mark.parametrize(
    "value",
    [
        SPAN,
        -SPAN,
        datetime.timedelta(0),
        datetime.timedelta(microseconds=-1),
        datetime.timedelta.min,
        datetime.timedelta.max,
        viam_api.DurationTimedelta(seconds=1, nanoseconds=5),
        viam_api.DurationTimedelta(microseconds=-1, nanoseconds=999),  # -1 ns
    ],
)
def test_durations_read_back_as_the_eager_decoder_made_them(value: datetime.timedelta) -> None:
    data = bytes(app.NeedsRestartResponse(restart_check_interval=value))
    made = app.NeedsRestartResponse.parse(data).restart_check_interval
    assert made == value and type(made) is type(value)
    google = upb(app.NeedsRestartResponse, data).restart_check_interval
    assert duration_parts(made) == (google.seconds, google.nanos)


def test_threads_reading_a_field_first_all_get_its_value() -> None:
    messages = [decoded(robot(created_on=WHEN)) for _ in range(200)]
    seen: list[Any] = []
    start = threading.Barrier(4)

    def read() -> None:
        start.wait()
        seen.extend(m.created_on for m in messages)

    threads = [threading.Thread(target=read) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(seen) == 800 and all(value == WHEN for value in seen)
    assert all(vars(m)["created_on"] == WHEN and "_viam_raw_created_on" not in vars(m) for m in messages)


# -- setting the field ------------------------------------------------------------------------


def test_setting_before_the_first_read_wins_over_the_raw_value() -> None:
    message = decoded(robot(created_on=WHEN))
    message.created_on = EARLIER
    assert message.created_on == EARLIER
    assert bytes(message) == bytes(robot(created_on=EARLIER))
    assert message == robot(created_on=EARLIER)


def test_setting_none_before_the_first_read_clears_the_field() -> None:
    message = decoded(robot(created_on=WHEN))
    message.created_on = None
    assert message.created_on is None
    assert bytes(message) == bytes(robot())


def test_setting_after_the_first_read_replaces_the_value() -> None:
    message = decoded(robot(created_on=WHEN))
    assert message.created_on == WHEN
    message.created_on = EARLIER
    assert message.created_on == EARLIER and bytes(message) == bytes(robot(created_on=EARLIER))


def test_load_replaces_a_field_the_stream_holds_raw() -> None:
    message = robot(created_on=EARLIER)
    message.load(io.BytesIO(bytes(robot(created_on=WHEN))))
    assert message.created_on == WHEN
    message.load(io.BytesIO(bytes(robot())))
    assert message.created_on is None


# -- everything else sees the values ------------------------------------------------------------


def test_equality_with_a_message_built_by_init_and_between_unread_messages() -> None:
    eager = robot(created_on=WHEN, last_access=EARLIER)
    assert decoded(eager) == eager
    assert eager == decoded(eager)
    assert decoded(eager) == decoded(eager)
    assert decoded(eager) != robot(created_on=EARLIER, last_access=EARLIER)
    assert decoded(eager) != decoded(robot(created_on=WHEN))


def test_repr_of_an_unread_message_shows_the_values() -> None:
    eager = robot(created_on=WHEN)
    assert repr(decoded(eager)) == repr(eager)
    assert "created_on=datetime.datetime(2026, 12, 7" in repr(decoded(eager))


def test_secret_masking_repr_reads_lazy_fields() -> None:
    part = app.RobotPart(id="p", secret="hidden", created_on=WHEN)
    text = repr(decoded(part))
    assert text == repr(part) and "hidden" not in text and "2026, 12, 7" in text


def test_bool_and_is_set_see_an_unread_field() -> None:
    only_time = decoded(app.Robot(created_on=WHEN))
    assert bool(only_time)
    assert decoded(app.Robot(created_on=WHEN)).is_set("created_on")


@pytest.mark.parametrize("protocol", range(pickle.HIGHEST_PROTOCOL + 1))
def test_pickling_an_unread_message(protocol: int) -> None:
    eager = robot(created_on=WHEN, last_access=EARLIER)
    back = pickle.loads(pickle.dumps(decoded(eager), protocol))
    assert back == eager and back.created_on == WHEN


@pytest.mark.parametrize("how", [copy.copy, copy.deepcopy])
def test_copies_of_an_unread_message(how: Any) -> None:
    original = decoded(robot(created_on=WHEN))
    duplicate = how(original)
    assert duplicate == original and duplicate.created_on == WHEN
    duplicate.created_on = EARLIER
    assert original.created_on == WHEN


def test_dataclass_helpers_on_an_unread_message() -> None:
    eager = robot(created_on=WHEN)
    assert [f.name for f in dataclasses.fields(decoded(eager))] == [f.name for f in dataclasses.fields(eager)]
    assert dataclasses.asdict(decoded(eager)) == dataclasses.asdict(eager)
    renamed = dataclasses.replace(decoded(eager), name="other")
    assert renamed.created_on == WHEN and renamed.name == "other"


def test_type_hints_are_unchanged() -> None:
    assert typing.get_type_hints(app.Robot)["created_on"] == datetime.datetime | None
    interval = typing.get_type_hints(app.NeedsRestartResponse)["restart_check_interval"]
    assert interval == datetime.timedelta | None


def test_json_of_an_unread_message() -> None:
    eager = robot(created_on=WHEN, last_access=viam_api.TimestampDatetime(2024, 1, 2, tzinfo=UTC, nanosecond=7))
    assert decoded(eager).to_dict() == eager.to_dict()
    assert decoded(eager).to_json() == eager.to_json()
    assert decoded(eager).to_dict()["createdOn"] == "2026-12-07T17:39:32.291937Z"
    reply = app.NeedsRestartResponse(restart_check_interval=SPAN)
    assert decoded(reply).to_dict() == reply.to_dict()


def test_re_serialising_an_unread_message_gives_the_same_bytes() -> None:
    for message in (
        robot(created_on=WHEN, last_access=EARLIER),
        app.NeedsRestartResponse(id="p", must_restart=True, restart_check_interval=-SPAN),
        app.ListRobotsResponse(robots=[robot(created_on=WHEN), robot(), robot(last_access=EARLIER)]),
    ):
        data = bytes(message)
        assert bytes(type(message).parse(data)) == data


def test_a_second_occurrence_merges_into_a_raw_value() -> None:
    data = ld(5, vint(1, 1_700_000_000)) + ld(5, vint(2, 5000))
    message = app.Robot.parse(data)
    assert is_raw(message, "created_on")
    assert message.created_on == datetime.datetime.fromtimestamp(1_700_000_000, UTC) + datetime.timedelta(
        microseconds=5
    )


# -- invalid values are refused by the parse, with the eager decoder's words ------------------------


@pytest.mark.parametrize(
    ("payload", "words"),
    [
        (vint(2, 1_000_000_000), "nanos 1000000000 is outside 0..999999999"),
        (vint(2, 2**64 - 1), "nanos -1 is outside 0..999999999"),
        (vint(1, 253402300800), "253402300800 s is beyond what a datetime holds"),
        (vint(1, 2**64 - 62135596801), "-62135596801 s is beyond what a datetime holds"),
    ],
)
def test_a_timestamp_no_datetime_holds_is_refused_at_parse(payload: bytes, words: str) -> None:
    with pytest.raises(viam_api.DecodeError, match=f"cannot parse viam.app.v1.Robot: google.protobuf.Timestamp: {words}"):
        app.Robot.parse(ld(5, payload))
    with pytest.raises(viam_api.DecodeError, match="google.protobuf.Timestamp"):
        app.ListRobotsResponse.parse(ld(1, ld(4, payload)))


@pytest.mark.parametrize(
    ("payload", "words"),
    [
        (vint(1, 5) + vint(2, 2**64 - 1), "nanos -1 does not go with seconds 5"),
        (vint(2, 1_000_000_000), "nanos 1000000000 does not go with seconds 0"),
        (vint(1, 86_400_000_000_000), "86400000000000 s is beyond what a timedelta holds"),
        (vint(1, 2**64 - 86_400_000_000_000), "-86400000000000 s is beyond what a timedelta holds"),
    ],
)
def test_a_duration_no_timedelta_holds_is_refused_at_parse(payload: bytes, words: str) -> None:
    with pytest.raises(viam_api.DecodeError, match=f"google.protobuf.Duration: {words}"):
        app.NeedsRestartResponse.parse(ld(3, payload))


def test_the_edges_of_what_a_timedelta_holds_are_accepted() -> None:
    low = -999_999_999 * 86_400
    high = 999_999_999 * 86_400 + 86_399
    for seconds, nanos in ((low, 0), (high, 999_999_000)):
        payload = vint(1, seconds % 2**64) + vint(2, nanos)
        value = app.NeedsRestartResponse.parse(ld(3, payload)).restart_check_interval
        assert duration_parts(value) == (seconds, nanos)
    with pytest.raises(viam_api.DecodeError, match="beyond what a timedelta holds"):
        app.NeedsRestartResponse.parse(ld(3, vint(1, (low - 1) % 2**64)))
