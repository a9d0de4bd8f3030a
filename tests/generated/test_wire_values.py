"""Protobuf wire rules, continued: the values a parse gives (maps, oneofs, merging,
unknown fields, floating point, nesting), each checked against upb first.

The facts about upb these tests rely on are listed in test_wire_rules.py.
"""

from __future__ import annotations

import dataclasses
import datetime
import struct
from typing import Any

import pytest
import viam_api.app.mltraining.v1 as mltraining
import viam_api.app.v1 as app
import viam_api.common.v1 as common
import viam_api.google.protobuf as pb
import viam_api.service.mlmodel.v1 as mlmodel
from _google import (
    DEPTH_LIMIT,
    assert_both_refuse,
    assert_refused,
    double,
    fixed32,
    fixed64,
    google_class,
    google_class_of,
    group,
    ld,
    parsed_by_all,
    sign,
    unknown_fields,
    upb,
    upb_parse,
    vint,
)

UTC = datetime.timezone.utc


# -- maps -------------------------------------------------------------------------------------------


def test_map_entry_without_its_value_gets_the_value_default() -> None:
    data = ld(9, ld(1, b"k"))  # ProcessConfig.env: map<string, string>
    assert dict(upb(app.ProcessConfig, data).env) == {"k": ""}
    assert parsed_by_all(app.ProcessConfig, data).env == {"k": ""}

    data = ld(1, ld(1, b"k"))  # Struct.fields: map<string, Value>
    theirs = upb(pb.Struct, data)
    assert list(theirs.fields) == ["k"] and theirs.fields["k"].ListFields() == []
    ours = parsed_by_all(pb.Struct, data)
    assert ours.fields == {"k": pb.Value()}
    assert bytes(ours) == theirs.SerializeToString() == ld(1, ld(1, b"k") + ld(2, b""))

    data = ld(1, ld(1, b"k"))  # ListSupportedContainersResponse.container_map: map<string, Container>
    theirs = upb(mltraining.ListSupportedContainersResponse, data)
    assert theirs.container_map["k"].ListFields() == []
    ours = parsed_by_all(mltraining.ListSupportedContainersResponse, data)
    assert ours.container_map == {"k": mltraining.Container()}
    assert bytes(ours) == theirs.SerializeToString()


def test_map_entry_without_its_key_gets_the_key_default() -> None:
    data = ld(9, ld(2, b"v"))
    assert dict(upb(app.ProcessConfig, data).env) == {"": "v"}
    assert parsed_by_all(app.ProcessConfig, data).env == {"": "v"}
    data = ld(1, ld(2, vint(4, 1)))
    assert upb(pb.Struct, data).fields[""].bool_value is True
    assert parsed_by_all(pb.Struct, data).fields == {"": pb.Value(bool_value=True)}
    data = ld(9, b"")  # neither
    assert dict(upb(app.ProcessConfig, data).env) == {"": ""}
    assert parsed_by_all(app.ProcessConfig, data).env == {"": ""}


def test_map_entry_fields_in_any_order_and_the_last_one_wins() -> None:
    cases = {
        ld(9, ld(2, b"v") + ld(1, b"k")): {"k": "v"},  # value before key
        ld(9, ld(1, b"k") + ld(2, b"v") + ld(2, b"w")): {"k": "w"},  # value twice
        ld(9, ld(1, b"j") + ld(1, b"k") + ld(2, b"v")): {"k": "v"},  # key twice
        ld(9, ld(1, b"k") + ld(2, b"v")) + ld(9, ld(1, b"k") + ld(2, b"w")): {"k": "w"},  # same key twice
    }
    for data, env in cases.items():
        assert dict(upb(app.ProcessConfig, data).env) == env
        assert parsed_by_all(app.ProcessConfig, data).env == env


def test_map_entry_value_met_twice_is_merged() -> None:
    first = ld(2, ld(5, ld(1, ld(1, b"a") + ld(2, vint(4, 1)))))
    second = ld(2, ld(5, ld(1, ld(1, b"b") + ld(2, vint(4, 0)))))
    data = ld(1, ld(1, b"k") + first + second)
    theirs = upb(pb.Struct, data)
    assert set(theirs.fields["k"].struct_value.fields) == {"a", "b"}
    ours = parsed_by_all(pb.Struct, data)
    assert ours.fields["k"].struct_value.fields == {
        "a": pb.Value(bool_value=True),
        "b": pb.Value(bool_value=False),
    }


# -- oneofs -------------------------------------------------------------------------------------------


def test_later_oneof_member_clears_the_earlier_one_in_value() -> None:
    cases = [
        (ld(3, b"first") + vint(4, 1), "bool_value", pb.Value(bool_value=True)),
        (ld(3, b"s") + vint(1, 0), "null_value", pb.Value(null_value=pb.NullValue.NULL_VALUE)),
        (vint(4, 1) + double(2, 2.5), "number_value", pb.Value(number_value=2.5)),
        (ld(6, ld(1, vint(4, 1))) + ld(5, b""), "struct_value", pb.Value(struct_value=pb.Struct())),
        (ld(5, ld(1, ld(1, b"a"))) + ld(3, b"x") + ld(3, b"y"), "string_value", pb.Value(string_value="y")),
    ]
    for data, member, expected in cases:
        theirs = upb(pb.Value, data)
        assert theirs.WhichOneof("kind") == member
        ours = parsed_by_all(pb.Value, data)
        assert ours == expected
        set_members = [f.name for f in dataclasses.fields(ours) if getattr(ours, f.name) is not None]
        assert set_members == [member]
        assert bytes(ours) == theirs.SerializeToString()


def test_later_oneof_member_clears_the_earlier_one_in_an_app_message() -> None:
    radians = ld(2, double(1, 1.0))  # Orientation.vector_radians{theta: 1}
    euler = ld(4, double(3, 3.0))  # Orientation.euler_angles{yaw: 3}
    theirs = upb(app.Orientation, radians + euler)
    assert theirs.WhichOneof("type") == "euler_angles"
    ours = parsed_by_all(app.Orientation, radians + euler)
    assert ours == app.Orientation(euler_angles=app.OrientationEulerAngles(yaw=3.0))
    assert ours.vector_radians is None
    # back to the first member: it starts afresh, nothing of its first value is left
    again = radians + euler + ld(2, double(2, 2.0))
    theirs = upb(app.Orientation, again)
    assert theirs.WhichOneof("type") == "vector_radians"
    assert (theirs.vector_radians.theta, theirs.vector_radians.x) == (0.0, 2.0)
    ours = parsed_by_all(app.Orientation, again)
    assert ours == app.Orientation(vector_radians=app.OrientationOrientationVectorRadians(x=2.0))
    assert ours.euler_angles is None
    assert bytes(ours) == theirs.SerializeToString()


# -- merging ------------------------------------------------------------------------------------------


@pytest.mark.filterwarnings("ignore:viam.app.v1.LocationAuth.secret is deprecated:DeprecationWarning")
def test_singular_message_field_met_twice_is_merged() -> None:
    first = ld(5, ld(1, b"s1") + ld(3, ld(1, b"a")))  # Location.auth{secret, secrets: [a]}
    second = ld(5, ld(2, b"L") + ld(3, ld(1, b"b")))  # Location.auth{location_id, secrets: [b]}
    theirs = upb(app.Location, first + ld(2, b"between") + second)
    assert (theirs.auth.secret, theirs.auth.location_id) == ("s1", "L")
    assert [s.id for s in theirs.auth.secrets] == ["a", "b"]  # repeated fields append
    ours = parsed_by_all(app.Location, first + ld(2, b"between") + second)
    assert ours.auth == app.LocationAuth(
        secret="s1", location_id="L", secrets=[app.SharedSecret(id="a"), app.SharedSecret(id="b")]
    )
    assert ours.name == "between"


def test_oneof_message_member_met_twice_is_merged() -> None:
    data = ld(5, ld(1, ld(1, b"a") + ld(2, vint(4, 1)))) + ld(5, ld(1, ld(1, b"b") + ld(2, ld(3, b"x"))))
    theirs = upb(pb.Value, data)
    assert set(theirs.struct_value.fields) == {"a", "b"}
    ours = parsed_by_all(pb.Value, data)
    assert ours == pb.Value(
        struct_value=pb.Struct(fields={"a": pb.Value(bool_value=True), "b": pb.Value(string_value="x")})
    )


def test_timestamp_and_duration_met_twice_are_merged() -> None:
    data = ld(3, vint(1, 10)) + ld(3, vint(2, 5000))  # Location.created_on{seconds} then {nanos}
    theirs = upb(app.Location, data)
    assert (theirs.created_on.seconds, theirs.created_on.nanos) == (10, 5000)
    ours = parsed_by_all(app.Location, data)
    assert ours.created_on == datetime.datetime(1970, 1, 1, 0, 0, 10, 5, tzinfo=UTC)
    data = ld(8, vint(1, 3)) + ld(8, vint(2, 250_000_000))  # ProcessConfig.stop_timeout
    theirs = upb(app.ProcessConfig, data)
    assert (theirs.stop_timeout.seconds, theirs.stop_timeout.nanos) == (3, 250_000_000)
    assert parsed_by_all(app.ProcessConfig, data).stop_timeout == datetime.timedelta(seconds=3.25)


def test_scalar_met_twice_the_last_one_wins() -> None:
    data = ld(2, b"a") + vint(7, 1) + ld(2, b"b") + vint(7, 2)
    theirs = upb(app.Location, data)
    ours = parsed_by_all(app.Location, data)
    assert (ours.name, ours.robot_count) == (theirs.name, theirs.robot_count) == ("b", 2)


# -- unknown fields ---------------------------------------------------------------------------------

UNKNOWNS = [
    vint(99, 7),
    fixed32(100, b"abcd"),
    fixed64(101, b"12345678"),
    ld(102, b"xyz"),
    vint(2**29 - 1, -1),
]


def test_unknown_fields_survive_a_round_trip() -> None:
    data = ld(2, b"n") + UNKNOWNS[0] + ld(1, b"i") + b"".join(UNKNOWNS[1:])
    theirs = upb(app.Location, data)
    assert [u[0] for u in unknown_fields(theirs)] == [99, 100, 101, 102, 2**29 - 1]
    ours = parsed_by_all(app.Location, data)
    assert (ours.id, ours.name) == ("i", "n")
    out = bytes(ours)
    # known fields first, then the unknown ones, byte for byte and in the order met, as upb writes them
    assert out == theirs.SerializeToString() == ld(1, b"i") + ld(2, b"n") + b"".join(UNKNOWNS)
    assert upb(app.Location, out) == theirs  # upb's equality includes the unknown fields
    assert bytes(app.Location.parse(out)) == out


def test_unknown_fields_survive_in_nested_messages() -> None:
    extra = b"".join(UNKNOWNS)
    data = (
        ld(5, ld(1, b"s") + extra + ld(3, ld(1, b"a") + extra))  # submessage, repeated element in it
        + ld(6, extra)  # repeated message element with nothing but unknowns
    )  # (not inside a Timestamp or Duration field: those become a datetime / timedelta)
    theirs = upb(app.Location, data)
    ours = parsed_by_all(app.Location, data)
    assert ours.auth is not None and ours.auth.secrets[0].id == "a"
    assert upb(app.Location, bytes(ours)) == theirs
    for cls, inner in (
        (pb.Struct, ld(1, ld(1, b"k") + ld(2, vint(4, 1) + extra))),
        (pb.Value, ld(6, ld(1, extra))),
    ):
        theirs = upb(cls, inner)
        assert upb(cls, bytes(parsed_by_all(cls, inner))) == theirs


def test_a_message_of_nothing_but_unknown_fields_round_trips() -> None:
    data = b"".join(UNKNOWNS) + group(7, vint(1, 1))
    for cls in (app.Location, pb.Struct, pb.Value, app.AllowedLoginMethods, pb.Timestamp):
        assert upb(cls, data).SerializeToString() == data
        assert bytes(parsed_by_all(cls, data)) == data


# -- floating point ---------------------------------------------------------------------------------


def test_negative_zero_is_written_in_a_double_without_presence() -> None:
    theirs = google_class_of(common.Pose)(x=-0.0)
    expected = double(1, -0.0)
    assert theirs.SerializeToString() == expected  # upb compares the bits with zero, not the value
    assert bytes(common.Pose(x=-0.0)) == expected
    ours = parsed_by_all(common.Pose, expected)
    assert sign(ours.x) == -1.0
    assert bytes(ours) == expected
    assert bytes(common.Pose(x=0.0)) == b"" == google_class_of(common.Pose)(x=0.0).SerializeToString()


def test_negative_zero_keeps_its_sign_with_presence_and_in_repeated_fields() -> None:
    assert (
        bytes(pb.Value(number_value=-0.0))
        == double(2, -0.0)
        == google_class("google.protobuf.Value")(number_value=-0.0).SerializeToString()
    )
    assert sign(parsed_by_all(pb.Value, double(2, -0.0)).number_value) == -1.0
    data = ld(1, struct.pack("<d", -0.0))
    assert bytes(mlmodel.FlatTensorDataDouble(data=[-0.0])) == data
    assert sign(parsed_by_all(mlmodel.FlatTensorDataDouble, data).data[0]) == -1.0


def test_nan_and_infinities_keep_their_bits() -> None:
    for bits in (
        b"\x00\x00\x00\x00\x00\x00\xf8\x7f",
        b"\x01\x00\x00\x00\x00\x00\xf8\xff",
        b"\x00\x00\x00\x00\x00\x00\xf0\x7f",
    ):
        data = fixed64(1, bits)
        assert upb(common.Pose, data).SerializeToString() == data
        assert bytes(parsed_by_all(common.Pose, data)) == data


# -- nesting ---------------------------------------------------------------------------------------


def value_chain(levels: int) -> bytes:
    """A google.protobuf.Value with ``levels`` messages nested below it:
    Value.list_value -> ListValue.values -> Value.list_value -> ... (the innermost is empty)."""
    data = b""
    for level in reversed(range(levels)):
        data = ld(6, data) if level % 2 == 0 else ld(1, data)  # a ListValue inside a Value, or the reverse
    return data


def struct_chain(levels: int) -> bytes:
    """A google.protobuf.Value with ``levels`` messages below it, map entries counted:
    Value.struct_value -> Struct.fields entry -> entry.value -> Value.struct_value -> ..."""
    data = b""
    kinds = [("struct", "entry", "value")[level % 3] for level in range(levels)]
    for kind in reversed(kinds):
        if kind == "struct":  # a Struct inside a Value
            data = ld(5, data)
        elif kind == "entry":  # an entry inside a Struct
            data = ld(1, data)
        else:  # a Value inside an entry
            data = ld(1, b"k") + ld(2, data)
    return data


def _depth(value: Any) -> int:
    """How many messages are nested below a parsed Value chain."""
    levels = 0
    while True:
        inner = value.list_value if levels % 2 == 0 else (value.values[0] if value.values else None)
        if inner is None:
            return levels
        levels += 1
        value = inner


def test_upb_nesting_limit_is_100_levels_below_the_root() -> None:
    google_value = google_class("google.protobuf.Value")
    assert upb_parse(google_value, value_chain(DEPTH_LIMIT)) is not None
    assert upb_parse(google_value, value_chain(DEPTH_LIMIT + 1)) is None
    assert upb_parse(google_value, struct_chain(DEPTH_LIMIT)) is not None
    assert upb_parse(google_value, struct_chain(DEPTH_LIMIT + 1)) is None  # map entries are levels
    assert upb_parse(google_class("viam.app.v1.Location"), group(99, b"") * 3) is not None


def test_nesting_at_the_limit_is_accepted() -> None:
    data = value_chain(DEPTH_LIMIT)
    ours = parsed_by_all(pb.Value, data)
    assert _depth(ours) == DEPTH_LIMIT
    assert bytes(ours) == data
    # the limit counts from whichever message is parsed: a ListValue root holds one level fewer
    assert bytes(parsed_by_all(pb.ListValue, ld(1, value_chain(DEPTH_LIMIT - 1)))) == ld(
        1, value_chain(DEPTH_LIMIT - 1)
    )


def test_nesting_beyond_the_limit_is_refused() -> None:
    assert_both_refuse(pb.Value, value_chain(DEPTH_LIMIT + 1))
    assert_both_refuse(pb.ListValue, ld(1, value_chain(DEPTH_LIMIT)))
    assert_both_refuse(pb.Value, value_chain(DEPTH_LIMIT + 2))


def test_nesting_limit_counts_map_entries() -> None:
    data = struct_chain(DEPTH_LIMIT)
    assert bytes(parsed_by_all(pb.Value, data)) == upb(pb.Value, data).SerializeToString()
    assert_both_refuse(pb.Value, struct_chain(DEPTH_LIMIT + 1))
    assert_both_refuse(pb.Value, struct_chain(DEPTH_LIMIT + 2))


def test_nesting_limit_counts_unknown_groups() -> None:
    def groups(levels: int) -> bytes:
        data = b""
        for _ in range(levels):
            data = group(99, data)
        return data

    assert unknown_fields(upb(app.Location, groups(DEPTH_LIMIT)))
    assert bytes(parsed_by_all(app.Location, groups(DEPTH_LIMIT))) == groups(DEPTH_LIMIT)
    assert_both_refuse(app.Location, groups(DEPTH_LIMIT + 1))


def test_very_deep_nesting_is_refused_without_exhausting_the_stack() -> None:
    for levels in (1_000, 5_000):
        assert_both_refuse(pb.Value, value_chain(levels))
        assert_both_refuse(pb.Value, struct_chain(levels))


def test_deeply_nested_unknown_length_delimited_fields_are_not_descended() -> None:
    """An unknown LEN field is opaque bytes: no depth is counted inside it."""
    data = b""
    for _ in range(500):
        data = ld(99, data)
    assert bytes(parsed_by_all(app.Location, data)) == upb(app.Location, data).SerializeToString() == data


# -- well-known types decode straight to Python values -----------------------------------------------


@pytest.mark.parametrize("data", [b"\n\x00", b"\n\x00\n\x00", b"\n\x01\n", b"\n\x02\n\x00"])
def test_struct_entries_shorter_than_a_key_at_the_end_of_the_input(data: bytes) -> None:
    # An empty (or key-only) map entry as the last bytes: upb reads {"": Value()}; the
    # fast path once looked past the entry and refused it (found by test_decode_fuzz).
    if data == b"\n\x01\n":  # a key tag with no length: truncated for upb too
        assert_refused(pb.Struct, data)
        return
    google = google_class("google.protobuf.Struct").FromString(data)
    assert parsed_by_all(pb.Struct, data) == pb.Struct(fields={k: pb.Value() for k in google.fields})


def test_struct_parses_to_the_values_on_the_wire() -> None:
    google_struct = google_class("google.protobuf.Struct")()
    google_struct.update(
        {
            "null": None,
            "number": -1.5e300,
            "int": 3,
            "text": "h\u00e9 \U0001f600",
            "true": True,
            "false": False,
            "nested": {"inner": {"x": [1, "two", None, {"y": []}]}, "empty": {}},
            "list": [[], [True, 0.25], {}],
            "": "empty key",
        }
    )
    data = google_struct.SerializeToString(deterministic=True)
    ours = parsed_by_all(pb.Struct, data)
    null = pb.Value(null_value=pb.NullValue.NULL_VALUE)
    expected = {
        "null": null,
        "number": pb.Value(number_value=-1.5e300),
        "int": pb.Value(number_value=3.0),
        "text": pb.Value(string_value="h\u00e9 \U0001f600"),
        "true": pb.Value(bool_value=True),
        "false": pb.Value(bool_value=False),
        "nested": pb.Value(
            struct_value=pb.Struct(
                fields={
                    "inner": pb.Value(
                        struct_value=pb.Struct(
                            fields={
                                "x": pb.Value(
                                    list_value=pb.ListValue(
                                        values=[
                                            pb.Value(number_value=1.0),
                                            pb.Value(string_value="two"),
                                            null,
                                            pb.Value(
                                                struct_value=pb.Struct(
                                                    fields={"y": pb.Value(list_value=pb.ListValue())}
                                                )
                                            ),
                                        ]
                                    )
                                )
                            }
                        )
                    ),
                    "empty": pb.Value(struct_value=pb.Struct()),
                }
            )
        ),
        "list": pb.Value(
            list_value=pb.ListValue(
                values=[
                    pb.Value(list_value=pb.ListValue()),
                    pb.Value(
                        list_value=pb.ListValue(
                            values=[pb.Value(bool_value=True), pb.Value(number_value=0.25)]
                        )
                    ),
                    pb.Value(struct_value=pb.Struct()),
                ]
            )
        ),
        "": pb.Value(string_value="empty key"),
    }
    assert isinstance(ours.fields, dict)
    assert ours.fields == expected
    assert set(ours.fields) == set(google_struct.fields)
    back = upb(pb.Struct, bytes(ours))
    assert back == google_struct
    assert back.SerializeToString(deterministic=True) == data


def test_timestamps_and_durations_parse_to_datetime_and_timedelta() -> None:
    google_location = google_class_of(app.Location)
    cases = {
        (1_700_000_000, 123_456_000): datetime.datetime(2023, 11, 14, 22, 13, 20, 123456, tzinfo=UTC),
        (-1, 500_000_000): datetime.datetime(1969, 12, 31, 23, 59, 59, 500000, tzinfo=UTC),
        (0, 0): datetime.datetime(1970, 1, 1, tzinfo=UTC),
        (-62_135_596_800, 0): datetime.datetime(1, 1, 1, tzinfo=UTC),
        (253_402_300_799, 999_999_000): datetime.datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
    }
    for (seconds, nanos), expected in cases.items():
        theirs = google_location(name="n")
        theirs.created_on.seconds, theirs.created_on.nanos = seconds, nanos
        theirs.created_on.SetInParent()
        ours = parsed_by_all(app.Location, theirs.SerializeToString())
        assert isinstance(ours.created_on, datetime.datetime)
        assert ours.created_on == expected and ours.created_on.tzinfo is not None
        assert upb(app.Location, bytes(ours)) == theirs
    google_process = google_class_of(app.ProcessConfig)
    for (seconds, nanos), expected in {
        (-1, -500_000_000): datetime.timedelta(seconds=-1.5),
        (315_576_000_000, 999_999_000): datetime.timedelta(seconds=315_576_000_000, microseconds=999_999),
        (0, 0): datetime.timedelta(0),
    }.items():
        theirs = google_process()
        theirs.stop_timeout.seconds, theirs.stop_timeout.nanos = seconds, nanos
        theirs.stop_timeout.SetInParent()
        ours = parsed_by_all(app.ProcessConfig, theirs.SerializeToString())
        assert ours.stop_timeout == expected
        assert upb(app.ProcessConfig, bytes(ours)) == theirs


@pytest.mark.parametrize(
    ("cls", "data"),
    [
        pytest.param(app.Location, ld(3, vint(1, 2**40)), id="timestamp-after-9999"),
        pytest.param(app.Location, ld(3, vint(1, -(2**40))), id="timestamp-before-0001"),
        pytest.param(
            app.Location, ld(3, vint(1, -62_135_596_800) + vint(2, -1)), id="timestamp-just-before-0001"
        ),
        pytest.param(app.ProcessConfig, ld(8, vint(1, 2**62)), id="duration-too-long"),
        pytest.param(app.ProcessConfig, ld(8, vint(1, -(2**62))), id="duration-too-negative"),
    ],
)
def test_time_outside_the_python_range_is_a_decode_error(cls: Any, data: bytes) -> None:
    """upb takes any seconds; a datetime cannot hold them, so ours refuses (DecodeError, not OverflowError)."""
    upb(cls, data)
    assert_refused(cls, data)


def test_helpers_encode_what_upb_decodes() -> None:
    """The hand encoders used above agree with upb (so a failure above is about viam_api)."""
    theirs = google_class_of(app.Location)(name="n", robot_count=-2)
    assert theirs.SerializeToString() == ld(2, b"n") + vint(7, -2)
    assert vint(1, 300) == b"\x08\xac\x02"
    assert value_chain(2) == ld(6, ld(1, b""))
