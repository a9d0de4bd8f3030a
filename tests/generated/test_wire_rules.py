"""The protobuf wire rules the codec of ``viam_api`` must obey, one test per rule.

Every test builds its input byte by byte (helpers in ``_google.py``), first checks
what Google's runtime (upb, the reference: protos/ compiled by protoc) does with
it, and then holds ``viam_api`` to the same answer through the public API only:
``Msg.parse(data)``, ``Msg.FromString(data)``, ``bytes(msg)``, constructors and
attributes.

Malformed input must raise ``viam_api.DecodeError`` (a ValueError) from every
parse entry point, and never anything else; ``DecodeError`` is looked up lazily,
so these tests are collected (and fail with a clear message) before it exists.

Facts about upb 6.33 established here (each is asserted by the test that relies on it):

* nesting: a message may hold submessages nested 100 deep below it; the 101st
  level is refused.  Map entries and (unknown) groups count as levels.
* ``-0.0`` in a double without presence is written (8 bytes, sign kept): upb
  compares the bits with zero, not the value.
* invalid UTF-8 in a proto3 ``string`` (singular, optional, repeated, oneof, map
  key or value) is refused; in a ``bytes`` field or an unknown field it is kept.
* a map entry without its value gets the value type's default (``""``, an empty
  message); without its key, the key's default.
* a known field met with the wrong wire type is not an error: it is kept as an
  unknown field.  Unknown groups are skipped and kept.
* tags are at most 5 bytes and field numbers at most 2**29 - 1; a varint of a
  value is at most 10 bytes (bits above 64 in the tenth byte are dropped).

No field of protos/ is declared ``[packed = false]`` (``grep -rn packed protos``
finds only ``[packed = true]``), so the packed-or-unpacked rules are tested on the
ordinary (packed) repeated scalars; ``test_repeated_scalars_are_written_as_google_writes_them``
covers every repeated scalar field, so a ``packed = false`` field added later is
checked without a new test.  No map of protos/ has an enum value, so the
missing-map-value rule is tested on string- and message-valued maps only.
"""

from __future__ import annotations

import datetime
import struct
from typing import Any

import pytest
import viam_api.app.data.v1 as data_v1
import viam_api.app.v1 as app
import viam_api.common.v1 as common
import viam_api.google.protobuf as pb
import viam_api.service.mlmodel.v1 as mlmodel
from _google import (
    EGROUP,
    I32,
    I64,
    LEN,
    MAX_FIELD_NUMBER,
    SGROUP,
    VARINT,
    all_message_classes,
    assert_both_refuse,
    assert_refused,
    fixed32,
    fixed64,
    google_class_of,
    group,
    ld,
    parsed_by_all,
    proto_name,
    records,
    sign,
    tag,
    unknown_fields,
    upb,
    upb_parse,
    varint,
    vint,
)
from google.protobuf.descriptor import FieldDescriptor

UTC = datetime.timezone.utc


# -- the error type -----------------------------------------------------------------------


def test_decode_error_is_a_value_error_exported_from_viam_api() -> None:
    from viam_api import DecodeError  # here, not at the top: it does not exist before the new codec
    from viam_api._runtime import DecodeError as runtime_decode_error

    assert DecodeError is runtime_decode_error
    assert issubclass(DecodeError, ValueError)


# -- truncation -----------------------------------------------------------------------------

TRUNCATED = [
    # (message class, bytes): each is a valid encoding, or a valid prefix, cut short
    pytest.param(app.Location, ld(2, b"abc")[:-1], id="known-len-inside-payload"),
    pytest.param(app.Location, ld(99, b"abc")[:-1], id="unknown-len-inside-payload"),
    pytest.param(app.Location, tag(2, LEN), id="known-len-without-length"),
    pytest.param(app.Location, tag(2, LEN) + b"\x80", id="known-len-inside-length"),
    pytest.param(app.Location, tag(99, LEN) + b"\x80", id="unknown-len-inside-length"),
    pytest.param(app.Location, tag(2, LEN) + b"\x81\x80\x80\x80\x10x", id="len-of-2**32+1"),
    pytest.param(app.Location, tag(7, VARINT), id="known-varint-without-value"),
    pytest.param(app.Location, tag(7, VARINT) + b"\x80", id="known-varint-inside-value"),
    pytest.param(app.Location, tag(99, VARINT) + b"\xff\xff", id="unknown-varint-inside-value"),
    pytest.param(common.Pose, tag(1, I64) + b"\x00" * 7, id="known-fixed64"),
    pytest.param(app.Location, tag(99, I64) + b"\x00" * 7, id="unknown-fixed64"),
    pytest.param(mlmodel.FlatTensorDataUInt32, tag(1, I32) + b"\x01\x00\x00", id="known-fixed32"),
    pytest.param(app.Location, tag(99, I32) + b"\x00" * 3, id="unknown-fixed32"),
    pytest.param(app.Location, b"\x80", id="inside-a-tag"),
    pytest.param(app.Location, ld(2, b"abc") + b"\x92", id="tag-after-a-good-field"),
    pytest.param(
        mlmodel.FlatTensorDataUInt32, ld(1, b"\x01\x00\x00\x00\x02\x00\x00"), id="packed-fixed32-not-x4"
    ),
    pytest.param(mlmodel.FlatTensorDataDouble, ld(1, b"\x00" * 12), id="packed-double-not-x8"),
    pytest.param(mlmodel.FlatTensorDataInt64, ld(1, b"\x00" * 9), id="packed-sfixed64-not-x8"),
    pytest.param(
        mlmodel.FlatTensorDataUInt32,
        (tag(1, LEN) + varint(8) + b"\x01\x00\x00\x00\x02\x00\x00"),
        id="packed-fixed32-inside-payload",
    ),
    pytest.param(app.AllowedLoginMethods, ld(1, b"\x01\x80"), id="packed-varint-last-element"),
    pytest.param(app.AllowedLoginMethods, tag(1, LEN) + varint(3) + b"\x01\x02", id="packed-varint-payload"),
    pytest.param(app.Location, tag(5, LEN) + varint(10) + ld(1, b"s"), id="submessage-past-the-end"),
    pytest.param(app.Location, ld(5, ld(1, b"abc")[:-1]), id="inside-a-submessage"),
    pytest.param(app.Location, ld(5, ld(3, tag(1, LEN))), id="two-levels-down"),
    pytest.param(app.ProcessConfig, ld(9, ld(1, b"k") + tag(2, LEN) + varint(5) + b"v"), id="map-entry"),
    pytest.param(app.ProcessConfig, ld(8, vint(1, 5) + tag(2, VARINT)), id="inside-a-duration"),
    pytest.param(app.Location, ld(3, vint(1, 5) + b"\x10"), id="inside-a-timestamp"),
]


@pytest.mark.parametrize(("cls", "data"), TRUNCATED)
def test_truncated_input_is_refused_not_half_parsed(cls: Any, data: bytes) -> None:
    assert_both_refuse(cls, data)


def test_every_prefix_of_an_encoding_is_refused_or_a_whole_message() -> None:
    """Cutting a good encoding anywhere but between top-level fields is refused."""
    message = app.Location(
        id="loc",
        name="héllo",
        auth=app.LocationAuth(
            location_id="l", secrets=[app.SharedSecret(id="a", state=app.SharedSecretState(1))]
        ),
        robot_count=-3,
        created_on=datetime.datetime(2024, 5, 6, 7, 8, 9, 123456, tzinfo=UTC),
    )
    data = upb(app.Location, bytes(message)).SerializeToString()
    google_type = google_class_of(app.Location)
    ends = {record.end for record in records(data)}
    for cut in range(len(data)):
        prefix = data[:cut]
        theirs = upb_parse(google_type, prefix)
        # upb accepts a prefix exactly where a top-level field ends, and nowhere else
        assert (theirs is not None) == (cut == 0 or cut in ends), cut
        if theirs is None:
            assert_refused(app.Location, prefix)
        else:
            assert upb(app.Location, bytes(parsed_by_all(app.Location, prefix))) == theirs


# -- tags --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(tag(0, VARINT) + b"\x01", id="varint"),
        pytest.param(tag(0, LEN) + b"\x00", id="len"),
        pytest.param(tag(0, I32) + b"\x00" * 4, id="fixed32"),
        pytest.param(tag(0, I64) + b"\x00" * 8, id="fixed64"),
        pytest.param(ld(2, b"ok") + tag(0, VARINT) + b"\x01", id="after-a-good-field"),
        pytest.param(b"\x80\x80\x80\x80\x00", id="over-long-zero-tag"),
    ],
)
def test_field_number_zero_is_refused(data: bytes) -> None:
    assert_both_refuse(app.Location, data)


def test_field_number_zero_is_refused_inside_a_submessage() -> None:
    assert_both_refuse(app.Location, ld(5, tag(0, VARINT) + b"\x01"))


@pytest.mark.parametrize("wire_type", [6, 7])
@pytest.mark.parametrize("number", [2, 7, 99], ids=["known-string", "known-int32", "unknown"])
def test_wire_types_6_and_7_are_refused(number: int, wire_type: int) -> None:
    assert_both_refuse(app.Location, tag(number, wire_type))
    assert_both_refuse(app.Location, tag(number, wire_type) + b"\x00" * 8)
    assert_both_refuse(app.Location, ld(5, tag(number, wire_type) + b"\x00" * 8))


def test_field_numbers_above_2_29_are_refused() -> None:
    top = vint(MAX_FIELD_NUMBER, 1)
    assert unknown_fields(upb(app.Location, top)) == [(MAX_FIELD_NUMBER, VARINT, 1)]
    assert bytes(parsed_by_all(app.Location, top)) == top
    assert_both_refuse(app.Location, varint((MAX_FIELD_NUMBER + 1) << 3 | VARINT) + b"\x01")
    assert_both_refuse(app.Location, b"\xf8\xff\xff\xff\x1f\x01")  # 2**30 - 1


def test_tags_longer_than_five_bytes_are_refused() -> None:
    five = b"\x92\x80\x80\x80\x00" + b"\x01x"  # field 2, LEN, padded to five bytes
    assert upb(app.Location, five).name == "x"
    assert parsed_by_all(app.Location, five).name == "x"
    assert_both_refuse(app.Location, b"\x92\x80\x80\x80\x80\x00" + b"\x01x")


def test_known_field_with_the_wrong_wire_type_is_kept_as_unknown() -> None:
    """upb does not refuse it: the record is not the field, so it is kept as an unknown field."""
    for data in (
        tag(7, LEN) + varint(1) + b"x",  # int32 robot_count as bytes
        vint(2, 5),  # string name as a varint
        fixed32(7, b"\x01\x00\x00\x00"),  # int32 as fixed32
        fixed64(5, b"\x00" * 8),  # message auth as fixed64
        ld(1, b"i") + vint(5, 1),
    ):
        theirs = upb(app.Location, data)
        ours = parsed_by_all(app.Location, data)
        assert ours.robot_count == theirs.robot_count == 0
        assert ours.name == theirs.name == ""
        assert ours.auth is None and not theirs.HasField("auth")
        assert bytes(ours) == theirs.SerializeToString()
        assert unknown_fields(upb(app.Location, bytes(ours))) == unknown_fields(theirs)


# -- groups in unknown fields ---------------------------------------------------------------------


def test_unknown_group_is_skipped_and_kept() -> None:
    body = vint(1, 5) + ld(2, b"in") + group(3, fixed32(1, b"abcd"))
    data = ld(2, b"name") + group(99, body) + vint(7, 4)
    theirs = upb(app.Location, data)
    assert unknown_fields(theirs) == [
        (99, SGROUP, [(1, VARINT, 5), (2, LEN, b"in"), (3, SGROUP, [(1, I32, 1684234849)])])
    ]
    ours = parsed_by_all(app.Location, data)
    assert (ours.name, ours.robot_count) == ("name", 4)
    assert bytes(ours) == theirs.SerializeToString()
    assert group(99, body) in bytes(ours)
    inner = ld(5, ld(1, b"s") + group(50, b""))
    assert bytes(parsed_by_all(app.Location, inner)) == upb(app.Location, inner).SerializeToString()


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(tag(99, SGROUP) + vint(1, 5), id="unterminated"),
        pytest.param(tag(99, SGROUP) + tag(98, EGROUP), id="ended-by-another-number"),
        pytest.param(tag(99, EGROUP), id="end-without-start"),
        pytest.param(ld(2, b"x") + tag(2, EGROUP), id="end-after-a-field"),
        pytest.param(ld(5, tag(1, EGROUP)), id="end-inside-a-submessage"),
        pytest.param(tag(99, SGROUP) + tag(98, SGROUP) + tag(99, EGROUP), id="inner-left-open"),
        pytest.param(tag(99, SGROUP) + tag(1, 7) + tag(99, EGROUP), id="bad-wire-type-inside"),
        pytest.param(tag(99, SGROUP) + ld(1, b"abc")[:-1], id="truncated-inside"),
        pytest.param(ld(5, tag(9, SGROUP)) + tag(9, EGROUP), id="ended-outside-its-submessage"),
    ],
)
def test_malformed_group_is_refused(data: bytes) -> None:
    assert_both_refuse(app.Location, data)


# -- packed and unpacked repeated scalars -----------------------------------------------------------

_FIXED32 = {FieldDescriptor.TYPE_FIXED32, FieldDescriptor.TYPE_SFIXED32, FieldDescriptor.TYPE_FLOAT}
_FIXED64 = {FieldDescriptor.TYPE_FIXED64, FieldDescriptor.TYPE_SFIXED64, FieldDescriptor.TYPE_DOUBLE}
_SCALAR_EXCLUDED = {
    FieldDescriptor.TYPE_STRING,
    FieldDescriptor.TYPE_BYTES,
    FieldDescriptor.TYPE_MESSAGE,
    FieldDescriptor.TYPE_GROUP,
}


def _repeated_scalar_fields() -> list[Any]:
    found = []
    for cls in all_message_classes():
        for field in google_class_of(cls).DESCRIPTOR.fields:
            if field.is_repeated and field.type not in _SCALAR_EXCLUDED:
                found.append(pytest.param(cls, field, id=f"{proto_name(cls)}.{field.name}"))
    return found


REPEATED_SCALARS = _repeated_scalar_fields()


def _elements(field: Any) -> list[bytes]:
    """Three raw elements of the field's type (wire payload of one value each)."""
    if field.type in _FIXED32:
        # 1 (a denormal float), 0x7f7fffff (the largest float), 0xbf800000 (-1.0f, negative as sfixed32)
        return [b"\x01\x00\x00\x00", b"\xff\xff\x7f\x7f", b"\x00\x00\x80\xbf"]
    if field.type in _FIXED64:
        # 1, the largest double, 2**63 (-0.0 as a double, negative as sfixed64); no NaN: it is not equal to itself
        return [b"\x01" + b"\x00" * 7, b"\xff\xff\xff\xff\xff\xff\xef\x7f", b"\x00" * 7 + b"\x80"]
    return [varint(1), varint(0), varint(-2 if field.type != FieldDescriptor.TYPE_BOOL else 1)]


def _wire_type(field: Any) -> int:
    return I32 if field.type in _FIXED32 else I64 if field.type in _FIXED64 else VARINT


def test_repeated_scalar_fields_exist_and_none_is_packed_false() -> None:
    assert len(REPEATED_SCALARS) >= 10
    unpacked = [p.id for p in REPEATED_SCALARS if not p.values[1].is_packed]
    # if this fails, protos/ gained a [packed = false] field: the parametrized tests below
    # already check it is written unpacked, as Google writes it
    assert unpacked == []


@pytest.mark.parametrize(("cls", "field"), REPEATED_SCALARS)
def test_repeated_scalars_are_written_as_google_writes_them(cls: Any, field: Any) -> None:
    unpacked = b"".join(tag(field.number, _wire_type(field)) + e for e in _elements(field))
    expected = upb(cls, unpacked).SerializeToString()
    if field.is_packed:
        assert expected == ld(field.number, b"".join(_elements(field)))
    ours = parsed_by_all(cls, expected)
    assert bytes(ours) == expected


@pytest.mark.parametrize(("cls", "field"), REPEATED_SCALARS)
def test_repeated_scalars_are_read_packed_or_unpacked(cls: Any, field: Any) -> None:
    elements = _elements(field)
    number, wire_type = field.number, _wire_type(field)
    forms = {
        "packed": ld(number, b"".join(elements)),
        "unpacked": b"".join(tag(number, wire_type) + e for e in elements),
        "mixed": tag(number, wire_type) + elements[0] + ld(number, elements[1] + elements[2]),
        "split": ld(number, elements[0]) + ld(number, b"") + ld(number, elements[1] + elements[2]),
    }
    expected = upb(cls, forms["packed"])
    reference = parsed_by_all(cls, forms["packed"])
    assert len(getattr(reference, field.name)) == 3
    for name, data in forms.items():
        assert upb(cls, data) == expected, name
        ours = parsed_by_all(cls, data)
        assert ours == reference, name
        assert bytes(ours) == bytes(reference) == expected.SerializeToString(), name


def test_packed_elements_keep_their_values() -> None:
    floats = [1.5, -0.0, float("inf")]
    data = ld(1, struct.pack("<3f", *floats))
    ours = parsed_by_all(mlmodel.FlatTensorDataFloat, data)
    assert ours.data == floats and sign(ours.data[1]) == -1.0
    assert list(upb(mlmodel.FlatTensorDataFloat, data).data) == floats
    ints = [-(2**63), -1, 2**63 - 1]
    data = ld(1, struct.pack("<3q", *ints))
    assert (
        parsed_by_all(mlmodel.FlatTensorDataInt64, data).data
        == ints
        == list(upb(mlmodel.FlatTensorDataInt64, data).data)
    )
    data = ld(1, struct.pack("<2I", 0, 2**32 - 1))
    assert parsed_by_all(mlmodel.FlatTensorDataUInt32, data).data == [0, 2**32 - 1]


# -- integer semantics -----------------------------------------------------------------------------


def test_int32_is_sign_extended_and_truncated_to_32_bits() -> None:
    cases = {
        varint(-5): -5,  # ten bytes, as written
        varint(0xFFFF_FFFB): -5,  # five bytes: the low 32 bits, sign-extended
        varint(2**32 + 7): 7,
        varint(0x7FFF_FFFF_8000_0000): -(2**31),
        varint(2**31 - 1): 2**31 - 1,
    }
    for wire, value in cases.items():
        data = tag(7, VARINT) + wire
        assert upb(app.Location, data).robot_count == value
        assert parsed_by_all(app.Location, data).robot_count == value
    assert bytes(app.Location(robot_count=-5)) == tag(7, VARINT) + varint(-5)  # ten bytes
    assert (
        bytes(app.Location(robot_count=-5))
        == upb(app.Location, tag(7, VARINT) + varint(-5)).SerializeToString()
    )


def test_enum_varint_is_int32() -> None:
    offline = int(app.OnlineState.ONLINE_STATE_OFFLINE)
    assert offline == 2
    cases = {
        varint(2**32 + 2): offline,  # five bytes with bits above 32
        varint(0xFFFF_FFFF_0000_0002): offline,  # ten bytes, truncated to 32 bits
        varint(2**31): -(2**31),  # the 32 bits are a signed number
        varint(-3): -3,  # a negative is written in ten bytes, sign-extended
        varint(0xFFFF_FFFD): -3,
    }
    for wire, value in cases.items():
        data = tag(16, VARINT) + wire
        assert upb(app.RobotPart, data).online_state == value
        ours = parsed_by_all(app.RobotPart, data)
        assert int(ours.online_state) == value
        assert isinstance(ours.online_state, app.OnlineState)
        assert bytes(ours) == upb(app.RobotPart, data).SerializeToString()
    assert (
        parsed_by_all(app.RobotPart, tag(16, VARINT) + varint(2**32 + 2)).online_state
        is app.OnlineState.ONLINE_STATE_OFFLINE
    )
    assert bytes(app.RobotPart(online_state=app.OnlineState(-3))) == tag(16, VARINT) + varint(-3)


def test_enum_varint_is_int32_in_packed_unpacked_and_oneof_fields() -> None:
    packed = ld(1, varint(-1) + varint(2**32 + 1) + varint(0xFFFF_FFFF_0000_0002))
    unpacked = vint(1, -1) + vint(1, 2**32 + 1) + vint(1, 0xFFFF_FFFF_0000_0002)
    for data in (packed, unpacked):
        assert list(upb(app.AllowedLoginMethods, data).methods) == [-1, 1, 2]
        assert [int(m) for m in parsed_by_all(app.AllowedLoginMethods, data).methods] == [-1, 1, 2]
    data = vint(1, 2**32 + 5)  # Value.null_value
    assert upb(pb.Value, data).null_value == 5
    assert int(parsed_by_all(pb.Value, data).null_value) == 5


def test_uint32_keeps_the_low_32_bits_and_bool_is_any_nonzero() -> None:
    for wire, value in {varint(2**32 + 3): 3, varint(-1): 2**32 - 1}.items():
        data = tag(2, VARINT) + wire
        assert upb(data_v1.TabularData, data).metadata_index == value
        assert parsed_by_all(data_v1.TabularData, data).metadata_index == value
    for wire in (varint(2), varint(2**40), varint(-1)):
        data = tag(5, VARINT) + wire
        assert upb(app.ProcessConfig, data).one_shot is True
        assert parsed_by_all(app.ProcessConfig, data).one_shot is True
        assert bytes(parsed_by_all(app.ProcessConfig, data)) == vint(5, 1)


# -- varints ------------------------------------------------------------------------------------------

ELEVEN = b"\x81" + b"\x80" * 9 + b"\x00"  # 1, padded to eleven bytes


@pytest.mark.parametrize(
    ("cls", "data"),
    [
        pytest.param(app.Location, tag(7, VARINT) + ELEVEN, id="known-int32"),
        pytest.param(app.RobotPart, tag(16, VARINT) + ELEVEN, id="known-enum"),
        pytest.param(app.Location, tag(99, VARINT) + ELEVEN, id="unknown"),
        pytest.param(app.Location, tag(2, LEN) + ELEVEN + b"x", id="length"),
        pytest.param(app.AllowedLoginMethods, ld(1, ELEVEN), id="packed-element"),
        pytest.param(app.Location, ld(5, vint(99, 0)[:-1] + ELEVEN), id="in-a-submessage"),
        pytest.param(app.Location, tag(7, VARINT) + b"\xff" * 11 + b"\x01", id="twelve-bytes"),
    ],
)
def test_varint_longer_than_ten_bytes_is_refused(cls: Any, data: bytes) -> None:
    assert_both_refuse(cls, data)


def test_ten_byte_varints_are_read_and_bits_above_64_dropped() -> None:
    for last in (b"\x01", b"\x7f"):
        data = tag(7, VARINT) + b"\xff" * 9 + last
        assert upb(app.Location, data).robot_count == -1
        assert parsed_by_all(app.Location, data).robot_count == -1
    data = tag(2, LEN) + b"\x81\x80\x80\x80\x80\x80\x80\x80\x80\x00" + b"x"  # length 1 in ten bytes
    assert upb(app.Location, data).name == parsed_by_all(app.Location, data).name == "x"


# -- strings --------------------------------------------------------------------------------------

BAD_UTF8 = {
    "invalid-start-byte": b"\xff",
    "lone-continuation": b"a\x80b",
    "surrogate": b"\xed\xa0\x80",
    "overlong-nul": b"\xc0\x80",
    "truncated-sequence": b"\xe2\x82",
    "above-U+10FFFF": b"\xf4\x90\x80\x80",
}


def _string_places(bad: bytes) -> list[tuple[Any, bytes]]:
    return [
        (app.Location, ld(2, bad)),  # singular
        (app.Location, ld(2, b"good") + ld(1, bad)),
        (app.ViamServerVersion, ld(1, bad)),  # optional
        (app.ProcessConfig, ld(3, b"ok") + ld(3, bad)),  # repeated
        (app.ProcessConfig, ld(9, ld(1, bad) + ld(2, b"v"))),  # map key
        (app.ProcessConfig, ld(9, ld(1, b"k") + ld(2, bad))),  # map value
        (pb.Value, ld(3, bad)),  # oneof member
        (app.Location, ld(5, ld(3, ld(1, bad)))),  # two levels down
        (pb.Struct, ld(1, ld(1, bad) + ld(2, vint(4, 1)))),  # Struct key
    ]


@pytest.mark.parametrize("bad", list(BAD_UTF8.values()), ids=list(BAD_UTF8))
def test_invalid_utf8_in_a_string_field_is_refused(bad: bytes) -> None:
    for cls, data in _string_places(bad):
        assert_both_refuse(cls, data)


def test_any_bytes_are_fine_in_bytes_and_unknown_fields() -> None:
    data = ld(2, b"\xff\xc0\x80")  # Mesh.mesh is bytes
    assert parsed_by_all(common.Mesh, data).mesh == upb(common.Mesh, data).mesh == b"\xff\xc0\x80"
    data = ld(2, b"x") + ld(99, b"\xff")  # not a string field here
    assert bytes(parsed_by_all(app.Location, data)) == upb(app.Location, data).SerializeToString() == data


def test_valid_utf8_is_decoded() -> None:
    text = "h\u00e9llo \u20ac \U0001f600 \x00 \ufeff"
    data = ld(2, text.encode())
    assert upb(app.Location, data).name == parsed_by_all(app.Location, data).name == text


def _many_robots(count: int) -> bytes:
    from viam_api.app.v1 import ListRobotsResponse, Robot

    when = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)
    robots = [Robot(id=f"robot-{i}", name=f"machine {i}", location="loc", created_on=when) for i in range(count)]
    return bytes(ListRobotsResponse(robots=robots))


def test_a_large_answer_decodes_without_garbage_collections() -> None:
    """The cyclic collector sleeps while a large input decodes (nothing decoded can form a cycle);
    otherwise its full passes over the growing heap make each row of a big answer dearer than
    one of a small answer.  It is awake again afterwards, also after a refusal, and a collector
    the caller switched off stays off."""
    import gc

    from viam_api import DecodeError
    from viam_api.app.v1 import ListRobotsResponse

    data = _many_robots(5_000)
    collections: list[int] = []

    def count(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            collections.append(info["generation"])

    gc.callbacks.append(count)
    try:
        gc.collect()
        collections.clear()
        answer = ListRobotsResponse.parse(data)
        # (one young-generation pass may start as the collector wakes, none during the decode)
        assert collections in ([], [0]), collections
        assert len(answer.robots) == 5_000 and answer.robots[-1].name == "machine 4999"
        assert gc.isenabled()
        with pytest.raises(DecodeError):
            ListRobotsResponse.parse(data[:-3])
        assert gc.isenabled()
        gc.disable()
        try:
            ListRobotsResponse.parse(data)
            assert not gc.isenabled()
        finally:
            gc.enable()
    finally:
        gc.callbacks.remove(count)
