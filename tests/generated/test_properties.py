"""Property tests over every message type of the generated API.

For each message class in ``viam_api`` hypothesis draws random instances,
built from the dataclass fields' betterproto2 metadata and type hints (valid
ranges per scalar type, float32-representable floats, datetimes in the
Timestamp range, at most one member per oneof, bounded nesting), and checks:

(a) serialize -> parse gives an equal message, and re-serializing gives the
    same bytes;
(b) wire compatibility with Google's protobuf runtime built from the same
    descriptors (protos/ compiled by protoc): our bytes parse there; the same
    value built there independently, field by field, serializes to the same
    bytes; and Google's bytes parse back here to an equal message;
(c) unknown fields (drawn field numbers the message does not declare, every
    wire type but groups) appended to the bytes are kept by both
    runtimes: ours writes them back byte for byte after the known fields, as
    Google does, and Google reads them from our bytes;
(d) the same message with every packed repeated scalar written unpacked (one
    record per element, nested messages included), or with each packed record
    split in two, parses to the same value on both sides, and ours writes it
    packed again.

The drawn values include negative int32 and enum values (enum values this
version does not know too), ``-0.0`` in double and float fields (written with
its sign, as Google writes it: it compares the bits with zero), and both
packed and unpacked forms of repeated scalars.

Runs are derandomized (a fixed seed per test), so CI sees the same examples
every time.  The number of examples run is printed at the end of the session.

Timestamps and Durations are drawn to the nanosecond (``TimestampDatetime``,
``DurationTimedelta`` beside plain datetimes and timedeltas).
Known limits: unknown fields inside a
Timestamp or Duration field are dropped (a datetime has nowhere to keep them);
NaN is left out of the generated floats because it is not equal to itself.
The wire rules one by one (malformed input, oneofs, merging, maps, nesting
limits...) are in test_wire_rules.py, fuzzing in test_decode_fuzz.py.
"""

from __future__ import annotations

import dataclasses
import datetime
import importlib
import math
import typing
from collections import Counter
from collections.abc import Callable
from typing import Any

import betterproto2
import pytest
import viam_api
import viam_api.google.protobuf
from _google import (
    I32,
    I64,
    LEN,
    MAX_FIELD_NUMBER,
    VARINT,
    ld,
    records,
    repack,
    tag,
    unknown_fields,
    varint,
)
from _google import google_classes as _google_classes
from google.protobuf.message import Message as GoogleMessage
from hypothesis import HealthCheck, find, given, settings
from hypothesis import strategies as st
from viam_api import _runtime
from viam_api._time import duration_parts, duration_value, timestamp_parts, timestamp_value

MAX_EXAMPLES = 15
MAX_DEPTH = 3  # message fields nested deeper than this are left unset
MAX_ITEMS = 2  # repeated and map sizes

# How many examples each message class ran; read by conftest.py for the summary.
EXAMPLES_RUN: Counter[str] = Counter()
# How many examples were also checked with their packed fields unpacked / split.
FORMS_RUN: Counter[str] = Counter()

UTC = datetime.timezone.utc
TIMESTAMP_MIN = datetime.datetime(1, 1, 1, tzinfo=UTC)
TIMESTAMP_MAX = datetime.datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)
DURATION_SECONDS = 315_576_000_000
DURATION_MAX = datetime.timedelta(seconds=DURATION_SECONDS)
TIMESTAMP_SECONDS = (-62_135_596_800, 253_402_300_799)
URL_PREFIX = "type.googleapis.com/"

MessageClass = type[betterproto2.Message]


def _all_message_classes() -> list[MessageClass]:
    found: list[MessageClass] = []
    for module_name in viam_api.MODULES:
        module = importlib.import_module(module_name)
        for name in module.__all__:
            obj = getattr(module, name)
            if isinstance(obj, type) and issubclass(obj, betterproto2.Message):
                found.append(obj)
    return found


ALL_MESSAGES = _all_message_classes()


def _fields(message_or_class: Any) -> tuple[dataclasses.Field[Any], ...]:
    return dataclasses.fields(message_or_class)


def proto_name(cls: MessageClass) -> str:
    return _runtime.default_message_pool.type_to_url[cls][len(URL_PREFIX) :]


# -- strategies from the dataclass metadata ----------------------------------------

_INT_RANGES = {
    betterproto2.TYPE_INT32: (-(2**31), 2**31 - 1),
    betterproto2.TYPE_SINT32: (-(2**31), 2**31 - 1),
    betterproto2.TYPE_SFIXED32: (-(2**31), 2**31 - 1),
    betterproto2.TYPE_UINT32: (0, 2**32 - 1),
    betterproto2.TYPE_FIXED32: (0, 2**32 - 1),
    betterproto2.TYPE_INT64: (-(2**63), 2**63 - 1),
    betterproto2.TYPE_SINT64: (-(2**63), 2**63 - 1),
    betterproto2.TYPE_SFIXED64: (-(2**63), 2**63 - 1),
    betterproto2.TYPE_UINT64: (0, 2**64 - 1),
    betterproto2.TYPE_FIXED64: (0, 2**64 - 1),
}


_TEXT = st.text(st.characters(codec="utf-8"), max_size=8)


def _scalar(proto_type: str) -> st.SearchStrategy[Any]:
    if proto_type in _INT_RANGES:
        low, high = _INT_RANGES[proto_type]
        if low < 0:  # make sure negative values (ten bytes on the wire for int32) come up
            return st.integers(low, high) | st.integers(low, -1) | st.integers(-3, 3)
        return st.integers(low, high)
    if proto_type == betterproto2.TYPE_FLOAT:
        return st.floats(width=32, allow_nan=False) | st.just(-0.0)
    if proto_type == betterproto2.TYPE_DOUBLE:
        return st.floats(allow_nan=False) | st.just(-0.0)
    if proto_type == betterproto2.TYPE_BOOL:
        return st.booleans()
    if proto_type == betterproto2.TYPE_STRING:
        return _TEXT
    if proto_type == betterproto2.TYPE_BYTES:
        return st.binary(max_size=8)
    raise AssertionError(f"no strategy for {proto_type}")


def _wrapped(python_type: Any) -> st.SearchStrategy[Any]:
    """Values of a well-known message that appears in Python as a plain value."""
    if python_type is datetime.datetime:
        # datetimes (whole microseconds) and Timestamps to the nanosecond (TimestampDatetime)
        return st.datetimes(
            min_value=TIMESTAMP_MIN.replace(tzinfo=None),
            max_value=TIMESTAMP_MAX.replace(tzinfo=None),
            timezones=st.just(UTC),
        ) | st.builds(
            timestamp_value, st.integers(TIMESTAMP_SECONDS[0], TIMESTAMP_SECONDS[1]), st.integers(0, 999_999_999)
        )
    if python_type is datetime.timedelta:
        seconds = st.integers(1 - DURATION_SECONDS, DURATION_SECONDS - 1)
        nanos = st.integers(0, 999_999_999)
        return st.timedeltas(min_value=-DURATION_MAX, max_value=DURATION_MAX) | st.builds(
            lambda s, n: duration_value(s, -n if s < 0 else n), seconds, nanos
        )
    return {
        bool: st.booleans(),
        int: st.integers(-(2**31), 2**31 - 1),
        float: st.floats(width=32, allow_nan=False),
        str: _TEXT,
        bytes: st.binary(max_size=8),
    }[python_type]


def _enum(enum_type: type[betterproto2.Enum]) -> st.SearchStrategy[Any]:
    known = st.sampled_from(list(enum_type))
    # open enums: a value this version does not know must survive too, negative ones included
    unknown = st.integers(-(2**31), 2**31 - 1).map(enum_type)
    negative = st.integers(-(2**31), -1).map(enum_type)
    return st.one_of(known, known, unknown, negative)


def _strip(hint: Any) -> Any:
    """``X | None`` and ``list[X]`` -> ``X``."""
    origin = typing.get_origin(hint)
    if origin is list:
        return typing.get_args(hint)[0]
    args = [a for a in typing.get_args(hint) if a is not type(None)]
    if args and origin is not dict:
        return args[0]
    return hint


def _element(meta: betterproto2.FieldMetadata, python_type: Any, depth: int) -> st.SearchStrategy[Any] | None:
    """One value of a field (or of a map's value); None when nesting is exhausted."""
    if meta.proto_type == betterproto2.TYPE_ENUM:
        return _enum(python_type)
    if meta.proto_type == betterproto2.TYPE_MESSAGE:
        if meta.unwrap is not None:
            return _wrapped(python_type)
        if depth <= 0:
            return None
        return st.deferred(lambda: messages(python_type, depth - 1))
    return _scalar(meta.proto_type)


_CACHE: dict[tuple[MessageClass, int], st.SearchStrategy[Any]] = {}


def messages(cls: MessageClass, depth: int = MAX_DEPTH) -> st.SearchStrategy[Any]:
    """Random instances of ``cls``; message fields nest at most ``depth`` levels."""
    key = (cls, depth)
    if key in _CACHE:
        return _CACHE[key]
    hints = typing.get_type_hints(cls)
    plain: dict[str, st.SearchStrategy[Any]] = {}
    groups: dict[str, list[tuple[str, st.SearchStrategy[Any]]]] = {}
    for field in _fields(cls):
        meta: betterproto2.FieldMetadata = field.metadata["betterproto"]
        hint = hints[field.name]
        if meta.map_meta is not None:
            key_type, value_type = typing.get_args(hint)
            keys = _scalar(meta.map_meta[0].proto_type)
            values = _element(meta.map_meta[1], value_type, depth)
            plain[field.name] = (
                st.just({}) if values is None else st.dictionaries(keys, values, max_size=MAX_ITEMS)
            )
            continue
        element = _element(meta, _strip(hint), depth)
        if meta.repeated:
            plain[field.name] = st.just([]) if element is None else st.lists(element, max_size=MAX_ITEMS)
        elif meta.group is not None and not _is_synthetic(cls, meta.group):
            if element is not None:
                groups.setdefault(meta.group, []).append((field.name, element))
        elif meta.optional:
            plain[field.name] = st.none() if element is None else st.none() | element
        else:
            assert element is not None, (cls, field.name)
            plain[field.name] = element
    choices = [
        st.one_of(st.just({}), *(st.fixed_dictionaries({name: value}) for name, value in members))
        for members in groups.values()
    ]

    def build(parts: tuple[dict[str, Any], ...]) -> betterproto2.Message:
        kwargs: dict[str, Any] = {}
        for part in parts:
            kwargs.update(part)
        return cls(**kwargs)

    strategy = st.tuples(st.fixed_dictionaries(plain), *choices).map(build)
    _CACHE[key] = strategy
    return strategy


def _is_synthetic(cls: Any, group: str) -> bool:
    members = cls._betterproto.oneof_field_by_group[group]
    return len(members) == 1 and bool(cls._betterproto.meta_by_field_name[next(iter(members)).name].optional)


# -- building the same value with Google's runtime ---------------------------------------


@pytest.fixture(scope="module")
def google_classes() -> dict[str, type[GoogleMessage]]:
    """Google message classes by full proto name, nested messages included (see _google.py)."""
    return _google_classes()


def _set_wrapped(target: Any, value: Any) -> None:
    if isinstance(value, datetime.datetime):  # (not FromDatetime: it stops at the microsecond)
        target.seconds, target.nanos = timestamp_parts(value)
    elif isinstance(value, datetime.timedelta):
        target.seconds, target.nanos = duration_parts(value)
    else:
        target.value = value
    target.SetInParent()


def _plain(value: Any) -> Any:
    return int(value) if isinstance(value, betterproto2.Enum) else value


def to_google(message: betterproto2.Message, target: Any) -> None:
    """Copy ``message`` into the Google message ``target`` field by field (not via bytes)."""
    target.SetInParent()  # present even when every field keeps its default
    by_number = target.DESCRIPTOR.fields_by_number
    for field in _fields(message):
        meta: betterproto2.FieldMetadata = field.metadata["betterproto"]
        value = getattr(message, field.name)
        name = by_number[meta.number].name
        if meta.map_meta is not None:
            value_meta = meta.map_meta[1]
            container = getattr(target, name)
            for k, v in value.items():
                if value_meta.proto_type != betterproto2.TYPE_MESSAGE:
                    container[k] = _plain(v)
                elif value_meta.unwrap is not None:
                    _set_wrapped(container[k], v)
                else:
                    to_google(v, container[k])
            continue
        if meta.repeated:
            container = getattr(target, name)
            for item in value:
                if meta.proto_type != betterproto2.TYPE_MESSAGE:
                    container.append(_plain(item))
                elif meta.unwrap is not None:
                    _set_wrapped(container.add(), item)
                else:
                    to_google(item, container.add())
            continue
        if value is None:
            continue
        if meta.proto_type == betterproto2.TYPE_MESSAGE:
            if meta.unwrap is not None:
                _set_wrapped(getattr(target, name), value)
            else:
                to_google(value, getattr(target, name))
        else:
            setattr(target, name, _plain(value))


# -- the properties ---------------------------------------------------------------------


def _check(message: betterproto2.Message, google_type: type[GoogleMessage]) -> None:
    cls = type(message)
    data = bytes(message)
    # (a) our own round trip
    back = cls.parse(data)
    assert back == message
    assert bytes(back) == data
    # (b) Google parses our bytes ...
    theirs = google_type.FromString(data)
    # ... to the same value as one built independently, field by field
    built = google_type()
    to_google(message, built)
    assert theirs.SerializeToString(deterministic=True) == built.SerializeToString(deterministic=True)
    assert theirs == built
    # ... and Google's bytes, either way, parse back here to an equal message
    assert cls.parse(theirs.SerializeToString()) == message
    assert cls.parse(built.SerializeToString()) == message


_UNKNOWN_SUFFIXES: dict[type[GoogleMessage], st.SearchStrategy[bytes]] = {}


def unknown_suffixes(google_type: type[GoogleMessage]) -> st.SearchStrategy[bytes]:
    """Encoded fields of numbers the message does not declare, of every wire type but groups
    (unknown groups are tested in test_wire_rules.py and drawn by test_decode_fuzz.py)."""
    if google_type not in _UNKNOWN_SUFFIXES:
        known = set(google_type.DESCRIPTOR.fields_by_number)
        numbers = (st.integers(1, 40) | st.integers(1, MAX_FIELD_NUMBER)).filter(lambda n: n not in known)

        def record(number: int) -> st.SearchStrategy[bytes]:
            return st.one_of(
                st.integers(0, 2**64 - 1).map(lambda v: tag(number, VARINT) + varint(v)),
                st.binary(min_size=4, max_size=4).map(lambda b: tag(number, I32) + b),
                st.binary(min_size=8, max_size=8).map(lambda b: tag(number, I64) + b),
                st.binary(max_size=6).map(lambda b: ld(number, b)),
            )

        _UNKNOWN_SUFFIXES[google_type] = st.lists(numbers.flatmap(record), max_size=2).map(b"".join)
    return _UNKNOWN_SUFFIXES[google_type]


def _check_unknown_fields(
    message: betterproto2.Message, google_type: type[GoogleMessage], extra: bytes
) -> None:
    """(c): unknown fields appended to the bytes are kept, and written back after the known ones."""
    if not extra:
        return
    cls = type(message)
    data = bytes(message) + extra
    back = cls.parse(data)
    assert back == message
    assert bytes(back) == data
    theirs = google_type.FromString(data)
    assert unknown_fields(theirs) == unknown_fields(google_type.FromString(extra))
    assert google_type.FromString(bytes(back)) == theirs  # Google's equality compares unknown fields too


def _check_packed_forms(message: betterproto2.Message, google_type: type[GoogleMessage]) -> None:
    """(d): packed repeated scalars read in any form, and written packed."""
    cls = type(message)
    data = bytes(message)
    theirs = google_type.FromString(data)
    for mode in ("unpacked", "split"):
        other = repack(data, google_type.DESCRIPTOR, mode)
        if other == data:
            continue
        FORMS_RUN[mode] += 1
        assert google_type.FromString(other) == theirs
        back = cls.parse(other)
        assert back == message
        assert bytes(back) == data


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.parametrize("cls", ALL_MESSAGES, ids=proto_name)
def test_message_round_trips_and_matches_google(
    cls: MessageClass, google_classes: dict[str, type[GoogleMessage]]
) -> None:
    google_type = google_classes[proto_name(cls)]

    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.large_base_example,
        ],
    )
    @given(messages(cls), unknown_suffixes(google_type))
    def check(message: betterproto2.Message, extra: bytes) -> None:
        EXAMPLES_RUN[proto_name(cls)] += 1
        _check(message, google_type)
        _check_unknown_fields(message, google_type, extra)
        _check_packed_forms(message, google_type)

    check()
    assert EXAMPLES_RUN[proto_name(cls)] >= 1


def test_every_message_type_is_covered(google_classes: dict[str, type[GoogleMessage]]) -> None:
    assert len(ALL_MESSAGES) == viam_api.COUNTS["messages"] >= 670
    names = {proto_name(cls) for cls in ALL_MESSAGES}
    assert len(names) == len(ALL_MESSAGES)
    assert names <= set(google_classes)


# -- edge cases, one by one -----------------------------------------------------------


def _first(predicate: Callable[[MessageClass, dataclasses.Field[Any]], bool]) -> tuple[MessageClass, str]:
    for cls in ALL_MESSAGES:
        for field in _fields(cls):
            if predicate(cls, field):
                return cls, field.name
    raise AssertionError("no such field in the API")


def _meta(field: dataclasses.Field[Any]) -> betterproto2.FieldMetadata:
    return field.metadata["betterproto"]


def test_unknown_enum_value_survives_both_runtimes(google_classes: dict[str, type[GoogleMessage]]) -> None:
    cls, name = _first(
        lambda c, f: (
            _meta(f).proto_type == betterproto2.TYPE_ENUM and not _meta(f).repeated and not _meta(f).group
        )
    )
    enum_type = _strip(typing.get_type_hints(cls)[name])
    message = cls(**{name: enum_type(123456)})
    back = cls.parse(bytes(message))
    assert int(getattr(back, name)) == 123456
    assert getattr(back, name).name == ""  # unknown to this version, kept as a number
    google_type = google_classes[proto_name(cls)]
    theirs = google_type.FromString(bytes(message))
    google_name = google_type.DESCRIPTOR.fields_by_number[_meta(_field(cls, name)).number].name
    assert getattr(theirs, google_name) == 123456
    _check(message, google_type)


def test_timestamp_below_a_microsecond_is_kept(google_classes: dict[str, type[GoogleMessage]]) -> None:
    cls, name = _first(lambda c, f: typing.get_type_hints(c)[f.name] == (datetime.datetime | None))
    google_type = google_classes[proto_name(cls)]
    theirs = google_type()
    field_name = google_type.DESCRIPTOR.fields_by_number[_meta(_field(cls, name)).number].name
    getattr(theirs, field_name).seconds = 1_700_000_000
    getattr(theirs, field_name).nanos = 123_456_789
    ours = cls.parse(theirs.SerializeToString())
    value = getattr(ours, name)
    assert isinstance(value, datetime.datetime) and isinstance(value, viam_api.TimestampDatetime)
    assert value.microsecond == 123456 and value.nanosecond == 789
    # the whole microseconds are the datetime; the 789 ns stand beside them
    assert datetime.datetime.replace(value) == datetime.datetime(2023, 11, 14, 22, 13, 20, 123456, tzinfo=UTC)
    assert value != datetime.datetime(2023, 11, 14, 22, 13, 20, 123456, tzinfo=UTC)
    assert value > datetime.datetime(2023, 11, 14, 22, 13, 20, 123456, tzinfo=UTC)
    assert getattr(google_type.FromString(bytes(ours)), field_name).nanos == 123_456_789
    assert bytes(ours) == theirs.SerializeToString()


def test_negative_zero_keeps_its_sign(google_classes: dict[str, type[GoogleMessage]]) -> None:
    cls, name = _first(
        lambda c, f: (
            _meta(f).proto_type == betterproto2.TYPE_DOUBLE
            and not (_meta(f).repeated or _meta(f).optional or _meta(f).group)
        )
    )
    google_type = google_classes[proto_name(cls)]
    message = cls(**{name: -0.0})
    built = google_type()
    to_google(message, built)
    # Google writes -0.0 even without presence: it compares the bits with zero, not the value
    assert built.SerializeToString() != b""
    assert bytes(message) == built.SerializeToString()
    assert math.copysign(1.0, getattr(cls.parse(bytes(message)), name)) == -1.0
    _check(message, google_type)
    value = viam_api.google.protobuf.Value(number_value=-0.0)  # with presence the sign is kept too
    assert math.copysign(1.0, viam_api.google.protobuf.Value.parse(bytes(value)).number_value) == -1.0


def test_struct_nesting_round_trips(google_classes: dict[str, type[GoogleMessage]]) -> None:
    pb = viam_api.google.protobuf
    struct = pb.Struct(
        fields={
            "a": pb.Value(
                struct_value=pb.Struct(
                    fields={
                        "b": pb.Value(list_value=pb.ListValue(values=[pb.Value(null_value=pb.NullValue(0))]))
                    }
                )
            ),
            "": pb.Value(bool_value=False),
        }
    )
    _check(struct, google_classes["google.protobuf.Struct"])


def _field(cls: MessageClass, name: str) -> dataclasses.Field[Any]:
    return next(f for f in _fields(cls) if f.name == name)


# -- rules betterproto2 0.10 broke (more of them, one by one, in test_wire_rules.py) -----------


def test_oneof_member_last_on_the_wire_wins(google_classes: dict[str, type[GoogleMessage]]) -> None:
    pb = viam_api.google.protobuf
    data = bytes(pb.Value(string_value="first")) + bytes(pb.Value(bool_value=True))
    theirs = google_classes["google.protobuf.Value"].FromString(data)
    assert theirs.WhichOneof("kind") == "bool_value"
    ours = pb.Value.parse(data)
    assert ours == pb.Value(bool_value=True)


def test_message_field_met_twice_is_merged(google_classes: dict[str, type[GoogleMessage]]) -> None:
    pb = viam_api.google.protobuf
    first = pb.ListValue(values=[pb.Value(struct_value=pb.Struct(fields={"a": pb.Value(bool_value=True)}))])
    second = pb.ListValue(values=[pb.Value(struct_value=pb.Struct(fields={"b": pb.Value(bool_value=True)}))])
    value = pb.Value(list_value=first)
    data = bytes(value) + bytes(pb.Value(list_value=second))
    theirs = google_classes["google.protobuf.Value"].FromString(data)
    assert len(theirs.list_value.values) == 2  # repeated fields append when merged
    assert len(pb.Value.parse(data).list_value.values) == 2


# -- the strategies draw what the docstring promises ------------------------------------------------

_FIND = settings(derandomize=True, database=None, max_examples=2000, suppress_health_check=list(HealthCheck))


def _hint_is(cls: MessageClass, name: str, proto_type: str) -> bool:
    meta = _meta(_field(cls, name))
    return meta.proto_type == proto_type and not (meta.repeated or meta.map_meta)


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_strategies_draw_negative_int32_and_enum_values_and_negative_zero() -> None:
    cls, name = _first(lambda c, f: _hint_is(c, f.name, betterproto2.TYPE_INT32))
    assert getattr(find(messages(cls), lambda m: getattr(m, name) < 0, settings=_FIND), name) < 0
    cls, name = _first(lambda c, f: _hint_is(c, f.name, betterproto2.TYPE_ENUM) and not _meta(f).group)
    assert int(getattr(find(messages(cls), lambda m: int(getattr(m, name)) < 0, settings=_FIND), name)) < 0
    cls, name = _first(lambda c, f: _hint_is(c, f.name, betterproto2.TYPE_DOUBLE) and not _meta(f).group)

    def negative_zero(m: Any) -> bool:
        return getattr(m, name) == 0.0 and math.copysign(1.0, getattr(m, name)) == -1.0

    assert negative_zero(find(messages(cls), negative_zero, settings=_FIND))


def test_strategies_draw_unknown_fields_of_every_wire_type(
    google_classes: dict[str, type[GoogleMessage]],
) -> None:
    google_type = google_classes["viam.app.v1.Location"]
    for wire_type in (VARINT, I64, LEN, I32):
        extra = find(
            unknown_suffixes(google_type),
            lambda b, wt=wire_type: any(r.wire_type == wt for r in records(b)),
            settings=_FIND,
        )
        assert all(
            number not in google_type.DESCRIPTOR.fields_by_number
            for number, _, _ in unknown_fields(google_type.FromString(extra))
        )


def test_packed_forms_are_checked_for_repeated_scalars(
    google_classes: dict[str, type[GoogleMessage]],
) -> None:
    cls = next(c for c in ALL_MESSAGES if proto_name(c) == "viam.service.mlmodel.v1.FlatTensorDataDouble")
    google_type = google_classes[proto_name(cls)]
    message = find(messages(cls), lambda m: len(m.data) >= 2, settings=_FIND)
    data = bytes(message)
    assert repack(data, google_type.DESCRIPTOR, "unpacked") != data
    assert repack(data, google_type.DESCRIPTOR, "split") != data
    before = dict(FORMS_RUN)
    _check_packed_forms(message, google_type)
    assert FORMS_RUN["unpacked"] == before.get("unpacked", 0) + 1
    assert FORMS_RUN["split"] == before.get("split", 0) + 1
