"""The table-driven decoders of the compiled build (``_wire.Plan``), held to the generated ones' rules.

In the compiled build most messages decode through a plan: one loop compiled in
``_wire`` reading a table of the message's fields, instead of the decoder the generator
wrote for it (which the pure-Python path keeps, being faster there).  A message with a
shape plans do not read (a map, a packed scalar, a hand-written fast codec) keeps its
generated decoder on both paths.  The wire rules suites (test_wire_rules.py and others)
already run on whichever path is installed; the cases here aim at what a plan does on
its own: the oneof members a field clears, a second occurrence of a singular message
merged into the first, a Timestamp out of range that a later occurrence repairs, fields
out of order and unknown fields between list items, a tag padded to more bytes, and a
plan calling a generated decoder (and the reverse).  test_codec_paths.py runs this file
again on the pure-Python path.
"""

from __future__ import annotations

import datetime
from typing import Any

import pytest
import viam_api
import viam_api.app.data.v1 as data_v1
import viam_api.app.v1 as app
import viam_api.google.protobuf as pb
from _google import LEN, VARINT, assert_both_refuse, ld, parsed_by_all, tag, upb, vint

UTC = datetime.timezone.utc


def _decoder_kind(cls: Any) -> str:
    cls.parse(b"")  # loads the package's codec
    return type(vars(cls)["_viam_decode"].__func__).__name__


@pytest.mark.parametrize("cls", [app.Robot, app.ListRobotsResponse, data_v1.TabularData, pb.Value])
def test_plannable_messages_decode_through_a_plan_only_in_the_compiled_build(cls: type) -> None:
    assert _decoder_kind(cls) == ("PlanDecoder" if viam_api.COMPILED else "function")


def test_messages_plans_do_not_read_keep_their_generated_decoder() -> None:
    assert _decoder_kind(pb.Struct) != "PlanDecoder"  # its hand-written fast codec
    assert _decoder_kind(app.TextOverrides) == "function"  # a map field


def test_fields_out_of_order_and_repeated_keep_the_last_value() -> None:
    data = ld(2, b"first") + vint(7, 300) + ld(1, b"id-1") + ld(2, b"second") + vint(6, 2) + vint(6, 1)
    robot = parsed_by_all(app.Robot, data)
    google = upb(app.Robot, data)
    assert (robot.id, robot.name, robot.seconds_since_online) == (google.id, google.name, 300)
    assert robot.name == "second"
    assert robot.online_state == app.OnlineState.ONLINE_STATE_ONLINE == google.online_state


def test_an_unknown_enum_number_is_kept_as_a_number() -> None:
    robot = parsed_by_all(app.Robot, vint(6, 77))
    assert int(robot.online_state) == 77
    assert bytes(robot) == upb(app.Robot, vint(6, 77)).SerializeToString()


def test_a_second_timestamp_merges_into_the_first() -> None:
    data = ld(4, vint(1, 1_700_000_000)) + ld(4, vint(2, 5000))
    robot = parsed_by_all(app.Robot, data)
    google = upb(app.Robot, data)
    assert (google.last_access.seconds, google.last_access.nanos) == (1_700_000_000, 5000)
    assert robot.last_access == datetime.datetime.fromtimestamp(1_700_000_000, UTC) + datetime.timedelta(
        microseconds=5
    )


def test_a_timestamp_out_of_range_is_judged_after_its_last_occurrence() -> None:
    far = vint(1, 10**15)  # beyond year 9999: no datetime holds it
    repaired = ld(5, far) + ld(5, vint(1, 86400))
    assert parsed_by_all(app.Robot, repaired).created_on == datetime.datetime(1970, 1, 2, tzinfo=UTC)
    with pytest.raises(viam_api.DecodeError, match="Timestamp"):
        app.Robot.parse(ld(5, vint(1, 86400)) + ld(5, far))


def test_a_second_occurrence_of_a_message_field_merges_into_the_first() -> None:
    first = ld(1, b"robot-id") + ld(2, b"old-name")
    second = ld(2, b"new-name") + ld(3, b"loc")
    data = ld(1, first) + ld(1, second)
    robot = parsed_by_all(app.GetRobotResponse, data).robot
    google = upb(app.GetRobotResponse, data).robot
    assert (robot.id, robot.name, robot.location) == ("robot-id", "new-name", "loc")
    assert (google.id, google.name, google.location) == ("robot-id", "new-name", "loc")


def test_a_oneof_member_clears_the_others() -> None:
    data = vint(4, 1) + ld(3, b"text") + vint(1, 0)  # bool_value, then string_value, then null_value
    value = parsed_by_all(pb.Value, data)
    google = upb(pb.Value, data)
    assert google.WhichOneof("kind") == "null_value"
    assert bytes(value) == google.SerializeToString() == vint(1, 0)


def test_unknown_fields_between_list_items_are_kept_in_order() -> None:
    robot = ld(1, b"a")
    data = ld(1, robot) + vint(99, 5) + ld(1, robot + vint(50, 1)) + tag(3, VARINT) + b"\x01"
    response = parsed_by_all(app.ListRobotsResponse, data)
    google = upb(app.ListRobotsResponse, data)
    assert [r.id for r in response.robots] == ["a", "a"]
    assert bytes(response) == google.SerializeToString()


def test_a_known_field_with_another_wire_type_is_an_unknown_field() -> None:
    data = vint(1, 5) + ld(6, b"xy")  # id as a varint, online_state as bytes
    robot = parsed_by_all(app.Robot, data)
    assert (robot.id, int(robot.online_state)) == ("", 0)
    assert bytes(robot) == upb(app.Robot, data).SerializeToString() == data


def test_a_padded_tag_reads_as_its_field() -> None:
    padded = b"\x8a\x80\x80\x00" + b"\x02ab"  # field 1 (LEN) in four bytes
    assert parsed_by_all(app.Robot, padded).id == upb(app.Robot, padded).id == "ab"


@pytest.mark.parametrize(
    ("cls", "data"),
    [
        (app.Robot, ld(1, b"\xff")),  # invalid UTF-8 in a string
        (app.ListRobotsResponse, ld(1, ld(1, b"\xc3"))),  # ... in a list item's string
        (app.Robot, ld(4, b"\x08")),  # a timestamp ending inside its varint
        (app.Robot, tag(1, LEN) + b"\x05ab"),  # a length beyond the input
        (app.Robot, vint(6, 1)[:-1]),  # a varint field without its value
        (app.GetRobotResponse, ld(1, ld(1, b"ab") + b"\x12")),  # a list item ending inside a tag's field
    ],
    ids=["string", "nested-string", "timestamp", "length", "varint", "nested-truncated"],
)
def test_broken_input_is_refused(cls: type, data: bytes) -> None:
    assert_both_refuse(cls, data)


def test_a_plan_holds_generated_decoders_and_the_reverse() -> None:
    # TabularData (planned) holds a Struct (generated fast codec); a Struct holds Values (planned)
    row = ld(1, ld(1, ld(1, b"k") + ld(2, ld(5, ld(1, ld(1, b"n") + ld(2, vint(4, 1))))))) + vint(2, 3)
    parsed = parsed_by_all(data_v1.TabularData, row)
    assert parsed.data.fields["k"].struct_value.fields["n"].bool_value is True
    assert bytes(parsed) == upb(data_v1.TabularData, row).SerializeToString()
    assert parsed.metadata_index == 3
