"""Fuzzing the parser of every message class of ``viam_api``, judged against upb.

For every message class (all of ``viam_api.MODULES``) hypothesis feeds the parser
random bytes and mutated valid encodings: the encodings are drawn field by field
from the message's descriptor (right wire types, nested messages, map entries,
packed and unpacked repeated scalars, unknown fields and groups), then truncated,
bit-flipped, overwritten, cut, spliced with another encoding, reordered,
duplicated, wrapped in a submessage, or given stray tags and over-long varints.

For each input:

* ``parse`` and ``FromString`` either succeed or raise ``viam_api.DecodeError``;
  any other exception fails the test;
* the verdict is upb's: ours accepts exactly what upb accepts.  One tolerated
  difference: a Timestamp or Duration outside its documented range (or outside
  what a datetime / timedelta can hold) may be refused by ours, since it decodes
  straight to a datetime / timedelta, while upb keeps any seconds and nanos;
* when both accept, upb reads our re-serialisation, ours reads it back to the
  same bytes, and the message ours parsed is the one ours parses from upb's own
  re-serialisation of the input (compared as upb's deterministic bytes, so map
  order and NaN payloads do not matter).  Skipped only where upb keeps a map
  entry as an unknown field of its parent (upb does that to an entry holding an
  unknown field or a wrong wire type; other runtimes keep the entry).

Runs are derandomized, shrinking is off (a failure reports the input it met,
and a broken parser cannot make the run slow), and the number of examples is
bounded (about 7,500 inputs) so the whole file takes about 20 s of one core.
"""

from __future__ import annotations

import functools
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
    SGROUP,
    VARINT,
    all_message_classes,
    google_class,
    google_class_of,
    group,
    ld,
    parse_or_refuse,
    proto_name,
    records,
    short,
    tag,
    unknown_fields,
    upb_parse,
    varint,
)
from google.protobuf.descriptor import FieldDescriptor as FD
from google.protobuf.message import Message as GoogleMessage
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

ALL_MESSAGES = all_message_classes()
EXAMPLES_PER_CLASS = 6
RICH_EXAMPLES = 150  # for the classes below, whose shapes cover most of the wire rules
RICH = [
    pb.Struct,
    pb.Value,
    pb.ListValue,
    app.Location,
    app.RobotPart,
    app.ProcessConfig,
    app.Orientation,
    app.AllowedLoginMethods,
    common.GetReadingsResponse,
    mlmodel.FlatTensors,
    data_v1.TabularDataByFilterResponse,
    data_v1.BinaryDataByFilterResponse,
]
MAX_DEPTH = 2  # nested messages drawn below the root
MAX_RECORDS = 5

TIMESTAMP_SECONDS = (-62_135_596_800, 253_402_300_799)  # 0001-01-01 .. 9999-12-31
DURATION_SECONDS = 315_576_000_000


def fuzz_settings(examples: int) -> Any:
    return settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        report_multiple_bugs=False,
        suppress_health_check=list(HealthCheck),
    )


# -- valid encodings, drawn from the descriptors ------------------------------------------------

_VARINT_TYPES = {
    FD.TYPE_INT32,
    FD.TYPE_INT64,
    FD.TYPE_UINT32,
    FD.TYPE_UINT64,
    FD.TYPE_SINT32,
    FD.TYPE_SINT64,
    FD.TYPE_BOOL,
    FD.TYPE_ENUM,
}
_FIXED32_TYPES = {FD.TYPE_FIXED32, FD.TYPE_SFIXED32, FD.TYPE_FLOAT}
_FIXED64_TYPES = {FD.TYPE_FIXED64, FD.TYPE_SFIXED64, FD.TYPE_DOUBLE}
_ANY_VARINT = st.integers(0, 2**64 - 1)


def _scalar_wire_type(field: Any) -> int:
    if field.type in _VARINT_TYPES:
        return VARINT
    if field.type in _FIXED32_TYPES:
        return I32
    if field.type in _FIXED64_TYPES:
        return I64
    return LEN


def _scalar_payload(field: Any) -> st.SearchStrategy[bytes]:
    """The encoded value (after the tag) of one scalar of ``field``'s type."""
    t = field.type
    if t == FD.TYPE_BOOL:
        values = st.sampled_from([0, 1]) | _ANY_VARINT
    elif t == FD.TYPE_ENUM:
        known = [v.number for v in field.enum_type.values]
        values = st.sampled_from(known) | st.integers(-(2**31), 2**31 - 1) | _ANY_VARINT
    elif t in (FD.TYPE_INT32, FD.TYPE_SINT32):
        values = st.integers(-(2**31), 2**31 - 1) | _ANY_VARINT
    elif t == FD.TYPE_UINT32:
        values = st.integers(0, 2**32 - 1) | _ANY_VARINT
    elif t in _VARINT_TYPES:
        values = _ANY_VARINT | st.integers(-(2**63), -1)
    elif t in _FIXED32_TYPES:
        return st.binary(min_size=4, max_size=4)
    elif t in _FIXED64_TYPES:
        return st.binary(min_size=8, max_size=8)
    elif t == FD.TYPE_STRING:
        return st.text(max_size=6).map(lambda s: (lambda b: varint(len(b)) + b)(s.encode()))
    elif t == FD.TYPE_BYTES:
        return st.binary(max_size=8).map(lambda b: varint(len(b)) + b)
    else:
        raise AssertionError(f"not a scalar: {field.full_name}")
    return values.map(varint)


def _time_payload(descriptor: Any) -> st.SearchStrategy[bytes]:
    """A Timestamp or Duration, mostly in its valid range, sometimes anything."""
    if descriptor.full_name == "google.protobuf.Timestamp":
        seconds = st.integers(*TIMESTAMP_SECONDS)
        nanos = st.integers(0, 999_999_999)
    else:
        seconds = st.integers(-DURATION_SECONDS, DURATION_SECONDS)
        nanos = st.integers(-999_999_999, 999_999_999)
    seconds = seconds | _ANY_VARINT
    nanos = nanos | st.integers(-(2**31), 2**31 - 1)
    parts = st.tuples(st.none() | seconds, st.none() | nanos)
    return parts.map(
        lambda sn: (
            (b"" if sn[0] is None else tag(1, VARINT) + varint(sn[0]))
            + (b"" if sn[1] is None else tag(2, VARINT) + varint(sn[1]))
        )
    )


_UNKNOWN_NUMBERS = st.integers(1, 40) | st.integers(1, 2**29 - 1)


def _unknown_record(number: int, depth: int) -> st.SearchStrategy[bytes]:
    kinds = [
        _ANY_VARINT.map(lambda v: tag(number, VARINT) + varint(v)),
        st.binary(min_size=4, max_size=4).map(lambda b: tag(number, I32) + b),
        st.binary(min_size=8, max_size=8).map(lambda b: tag(number, I64) + b),
        st.binary(max_size=8).map(lambda b: ld(number, b)),
    ]
    if depth > 0:
        inner = st.lists(_UNKNOWN_NUMBERS.flatmap(lambda n: _unknown_record(n, depth - 1)), max_size=2)
        kinds.append(inner.map(lambda rs: group(number, b"".join(rs))))
    return st.one_of(kinds)


UNKNOWN_RECORDS = _UNKNOWN_NUMBERS.flatmap(lambda n: _unknown_record(n, 1))


def _field_records(field: Any, depth: int) -> st.SearchStrategy[bytes]:
    """One record of ``field`` (for a packable repeated field: packed or not)."""
    number = field.number
    if field.type == FD.TYPE_MESSAGE:
        sub = field.message_type
        if sub.GetOptions().map_entry:
            key = _field_records(sub.fields_by_name["key"], depth)
            value = _field_records(sub.fields_by_name["value"], depth - 1)
            parts = st.lists(st.sampled_from(["key", "value"]), max_size=3)
            return parts.flatmap(
                lambda order: st.tuples(*[key if p == "key" else value for p in order]).map(
                    lambda rs: ld(number, b"".join(rs))
                )
            )
        if sub.full_name in ("google.protobuf.Timestamp", "google.protobuf.Duration"):
            return _time_payload(sub).map(lambda body: ld(number, body))
        if depth <= 0:
            return st.just(ld(number, b""))
        return st.deferred(lambda: wire_messages(sub.full_name, depth - 1)).map(lambda body: ld(number, body))
    payload = _scalar_payload(field)
    wire_type = _scalar_wire_type(field)
    single = payload.map(lambda p: tag(number, wire_type) + p)
    if field.is_repeated and wire_type != LEN:
        packed = st.lists(payload, max_size=3).map(lambda ps: ld(number, b"".join(ps)))
        return single | packed
    return single


@functools.cache
def _descriptor(full_name: str) -> Any:
    for cls in ALL_MESSAGES:
        if proto_name(cls) == full_name:
            return google_class_of(cls).DESCRIPTOR
    return google_class(full_name).DESCRIPTOR


@functools.cache
def wire_messages(full_name: str, depth: int = MAX_DEPTH) -> st.SearchStrategy[bytes]:
    """Well-formed encodings of the message ``full_name``: a few records of its fields
    (in any order, any repeated) and of unknown fields."""
    descriptor = _descriptor(full_name)
    choices = [_field_records(field, depth) for field in descriptor.fields]
    choices.append(UNKNOWN_RECORDS)
    return st.lists(st.one_of(choices), max_size=MAX_RECORDS).map(b"".join)


# -- mutations --------------------------------------------------------------------------------------

_SPECIAL_BYTES = st.sampled_from([0x00, 0x01, 0x07, 0x08, 0x0A, 0x7F, 0x80, 0xFF])
_STRAY = st.sampled_from(
    [
        tag(0, VARINT) + b"\x00",
        tag(1, 6),
        tag(2, 7),
        tag(3, EGROUP),
        tag(4, SGROUP),
        b"\x80" * 11,
        b"\xff" * 10 + b"\x01",
        tag(1, LEN) + b"\xff\xff\xff\xff\x0f",
        b"\xed\xa0\x80",
        b"\xc0\x80",
        b"\xff",
    ]
)


def _mutate(draw: Any, data: bytes, full_name: str) -> bytes:
    kind = draw(
        st.sampled_from(
            ["truncate", "flip", "overwrite", "insert", "delete", "splice", "records", "wrap", "stray"]
        )
    )
    size = len(data)
    if kind == "truncate":
        return data[: draw(st.integers(0, max(size - 1, 0)))]
    if kind == "flip" and size:
        i = draw(st.integers(0, size - 1))
        return data[:i] + bytes([data[i] ^ (1 << draw(st.integers(0, 7)))]) + data[i + 1 :]
    if kind == "overwrite" and size:
        i = draw(st.integers(0, size - 1))
        return data[:i] + bytes([draw(_SPECIAL_BYTES | st.integers(0, 255))]) + data[i + 1 :]
    if kind == "insert":
        i = draw(st.integers(0, size))
        return data[:i] + draw(st.binary(min_size=1, max_size=4)) + data[i:]
    if kind == "delete" and size:
        i = draw(st.integers(0, size - 1))
        return data[:i] + data[i + draw(st.integers(1, 4)) :]
    if kind == "splice":
        other = draw(wire_messages(full_name))
        return data[: draw(st.integers(0, size))] + other[draw(st.integers(0, len(other))) :]
    if kind == "records":
        try:
            parts = [data[r.start : r.end] for r in records(data)]
        except ValueError:  # an earlier mutation broke it: nothing to reorder
            return data + data
        other = draw(wire_messages(full_name))
        parts += [other]
        order = draw(st.lists(st.integers(0, len(parts) - 1), max_size=6))
        return b"".join(parts[i] for i in order)
    if kind == "wrap":
        message_fields = [f.number for f in _descriptor(full_name).fields if f.type == FD.TYPE_MESSAGE]
        number = draw(st.sampled_from(message_fields)) if message_fields else draw(_UNKNOWN_NUMBERS)
        return ld(number, data)
    i = draw(st.integers(0, size))
    return data[:i] + draw(_STRAY) + data[i:]


@st.composite
def fuzz_inputs(draw: Any, full_name: str) -> bytes:
    source = draw(st.sampled_from(["random", "valid", "mutated", "mutated", "mutated", "mutated"]))
    if source == "random":
        return draw(st.binary(max_size=48))
    data = draw(wire_messages(full_name))
    if source == "mutated":
        for _ in range(draw(st.integers(1, 3))):
            data = _mutate(draw, data, full_name)
    return data


# -- the verdict ------------------------------------------------------------------------------------


def _submessages(message: GoogleMessage) -> list[GoogleMessage]:
    found = []
    for field, value in message.ListFields():
        if field.type != FD.TYPE_MESSAGE:
            continue
        if field.message_type.GetOptions().map_entry:
            if field.message_type.fields_by_name["value"].type == FD.TYPE_MESSAGE:
                found.extend(value.values())
        elif field.is_repeated:
            found.extend(value)
        else:
            found.append(value)
    return found


def _walk(message: GoogleMessage) -> list[GoogleMessage]:
    out = [message]
    for sub in _submessages(message):
        out.extend(_walk(sub))
    return out


def _time_out_of_range(message: GoogleMessage) -> bool:
    """Whether a Timestamp or Duration in ``message`` is outside its documented range."""
    for m in _walk(message):
        name = m.DESCRIPTOR.full_name
        if name == "google.protobuf.Timestamp":
            if not (
                TIMESTAMP_SECONDS[0] <= m.seconds <= TIMESTAMP_SECONDS[1] and 0 <= m.nanos <= 999_999_999
            ):
                return True
        elif name == "google.protobuf.Duration":
            if abs(m.seconds) > DURATION_SECONDS or abs(m.nanos) > 999_999_999 or m.seconds * m.nanos < 0:
                return True
    return False


def _map_entry_kept_unknown(message: GoogleMessage) -> bool:
    """Whether upb kept a map entry as an unknown field of its parent somewhere in ``message``."""
    for m in _walk(message):
        maps = {
            f.number for f in m.DESCRIPTOR.fields if f.message_type and f.message_type.GetOptions().map_entry
        }
        if maps and any(number in maps for number, _, _ in unknown_fields(m)):
            return True
    return False


def check_against_upb(cls: Any, google_type: type[GoogleMessage], data: bytes) -> str:
    """Parse ``data`` both ways and hold ours to upb's verdict; returns what happened."""
    ours = parse_or_refuse(cls, data)
    other_entry = parse_or_refuse(cls, data, "FromString")
    assert (ours is None) == (other_entry is None), f"parse and FromString disagree on {short(data)}"
    theirs = upb_parse(google_type, data)
    if ours is None:
        if theirs is not None:
            assert _time_out_of_range(theirs), (
                f"{proto_name(cls)}: ours refuses {short(data, 300)}, which upb accepts as {short(theirs, 300)}"
            )
            return "refused: time out of range"
        return "refused"
    assert theirs is not None, (
        f"{proto_name(cls)}: ours accepts {short(data, 300)} (upb refuses it) as {short(ours)}"
    )
    out = bytes(ours)
    read_back = upb_parse(google_type, out)
    assert read_back is not None, (
        f"{proto_name(cls)}: upb cannot read our bytes {short(out)} (from {short(data)})"
    )
    assert bytes(cls.parse(out)) == out, f"{proto_name(cls)}: our bytes do not round-trip: {short(out)}"
    if _map_entry_kept_unknown(theirs):
        return "accepted: map entry kept unknown by upb"
    via_upb = bytes(cls.parse(theirs.SerializeToString()))
    ours_canonical = read_back.SerializeToString(deterministic=True)
    upb_canonical = google_type.FromString(via_upb).SerializeToString(deterministic=True)
    assert ours_canonical == upb_canonical, (
        f"{proto_name(cls)}: {short(data, 300)} parses to {short(ours, 300)}, but upb reads it as {short(theirs, 300)}"
    )
    return "accepted"


# -- the tests ----------------------------------------------------------------------------------------


def test_every_message_class_is_fuzzed() -> None:
    assert len(ALL_MESSAGES) >= 670
    assert all(cls in ALL_MESSAGES for cls in RICH)


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.parametrize("cls", ALL_MESSAGES, ids=proto_name)
def test_parser_raises_only_decode_error_and_agrees_with_upb(cls: Any) -> None:
    google_type = google_class_of(cls)
    name = proto_name(cls)

    @fuzz_settings(RICH_EXAMPLES if cls in RICH else EXAMPLES_PER_CLASS)
    @given(fuzz_inputs(name))
    def check(data: bytes) -> None:
        check_against_upb(cls, google_type, data)

    check()


@pytest.mark.parametrize("cls", RICH, ids=proto_name)
def test_random_bytes_raise_only_decode_error(cls: Any) -> None:
    google_type = google_class_of(cls)

    @fuzz_settings(100)
    @given(st.binary(max_size=64))
    def check(data: bytes) -> None:
        check_against_upb(cls, google_type, data)

    check()


def test_the_fuzzer_produces_both_verdicts() -> None:
    """The inputs are neither all garbage nor all valid: both verdicts are well represented."""
    seen: dict[str, int] = {}
    google_type = google_class_of(app.Location)

    @fuzz_settings(200)
    @given(fuzz_inputs(proto_name(app.Location)))
    def count(data: bytes) -> None:
        verdict = "accepted" if upb_parse(google_type, data) is not None else "refused"
        seen[verdict] = seen.get(verdict, 0) + 1

    count()
    assert seen.get("accepted", 0) >= 40 and seen.get("refused", 0) >= 40, seen
