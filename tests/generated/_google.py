"""Shared helpers of the wire tests: Google's runtime as the reference, and the wire format by hand.

* ``google_classes()``: Google (upb) message classes for every message of protos/,
  compiled by protoc from the same files the generator reads, so both runtimes see
  the same descriptors.  What upb does with a byte string is the truth the tests
  hold ``viam_api`` to.
* ``all_message_classes()`` / ``proto_name()``: every message class of
  ``viam_api`` and its full proto name.
* ``varint()``, ``tag()``, ``ld()``, ...: encode wire records by hand, so a test can
  say exactly which bytes it feeds to a parser; ``records()`` splits a well-formed
  encoding back into its top-level records.
* ``assert_refused()``: every parse entry point of a ``viam_api`` message must
  raise ``viam_api.DecodeError`` (and nothing else) on malformed input.
"""

from __future__ import annotations

import dataclasses
import functools
import importlib
import math
import struct
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, NamedTuple

import viam_api
from google.protobuf import descriptor_pool, message_factory
from google.protobuf.descriptor import FieldDescriptor as FD
from google.protobuf.message import DecodeError as GoogleDecodeError
from google.protobuf.message import Message as GoogleMessage
from google.protobuf.unknown_fields import UnknownFieldSet
from viam_api import _runtime

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from codegen.loader import compile_protos  # noqa: E402

URL_PREFIX = "type.googleapis.com/"

# Wire types (https://protobuf.dev/programming-guides/encoding/#structure).
VARINT, I64, LEN, SGROUP, EGROUP, I32 = 0, 1, 2, 3, 4, 5
MAX_FIELD_NUMBER = 2**29 - 1
# upb's default nesting limit (kUpb_WireFormat_DefaultDepthLimit), measured in
# test_wire_rules: a message may hold submessages nested this deep below it.
DEPTH_LIMIT = 100


# -- Google's runtime -------------------------------------------------------------------


@functools.cache
def _pool() -> Any:
    fds = compile_protos(REPO / "protos")
    pool = descriptor_pool.DescriptorPool()
    message_factory.GetMessages(list(fds.file), pool)
    return pool, [file.name for file in fds.file]


@functools.cache
def google_classes() -> dict[str, type[GoogleMessage]]:
    """Google message classes by full proto name, nested messages included, map entries not."""
    pool, files = _pool()
    classes: dict[str, type[GoogleMessage]] = {}

    def add(descriptor: Any) -> None:
        if descriptor.GetOptions().map_entry:
            return
        classes[descriptor.full_name] = message_factory.GetMessageClass(descriptor)
        for nested in descriptor.nested_types:
            add(nested)

    for name in files:
        for descriptor in pool.FindFileByName(name).message_types_by_name.values():
            add(descriptor)
    return classes


def google_class(name: str) -> type[GoogleMessage]:
    return google_classes()[name]


def google_class_of(cls: type) -> type[GoogleMessage]:
    """The Google class of the same message as the ``viam_api`` class ``cls``."""
    return google_classes()[proto_name(cls)]


def upb_parse(google_type: type[GoogleMessage], data: bytes) -> GoogleMessage | None:
    """Google's parse of ``data``, or None when Google refuses it."""
    try:
        return google_type.FromString(data)
    except GoogleDecodeError:
        return None


def unknown_fields(message: GoogleMessage) -> list[tuple[int, int, Any]]:
    """The unknown fields Google kept in ``message``: (number, wire type, data), groups unfolded."""

    def unfold(fields: Any) -> list[tuple[int, int, Any]]:
        return [
            (f.field_number, f.wire_type, unfold(f.data) if f.wire_type == SGROUP else f.data) for f in fields
        ]

    return unfold(UnknownFieldSet(message))


# -- the classes of viam_api --------------------------------------------------------------


@functools.cache
def all_message_classes() -> tuple[type, ...]:
    """Every message class of every module in ``viam_api.MODULES``."""
    found: list[type] = []
    for module_name in viam_api.MODULES:
        module = importlib.import_module(module_name)
        for name in module.__all__:
            obj = getattr(module, name)
            if isinstance(obj, type) and dataclasses.is_dataclass(obj) and hasattr(obj, "parse"):
                found.append(obj)
    return tuple(found)


def proto_name(cls: type) -> str:
    """The full proto name of a ``viam_api`` message class, e.g. ``viam.app.v1.Location``."""
    return _runtime.default_message_pool.type_to_url[cls][len(URL_PREFIX) :]


# -- the wire format by hand ------------------------------------------------------------


def varint(value: int) -> bytes:
    """``value`` as a varint; a negative number is written as its 64-bit two's complement."""
    value &= 2**64 - 1
    out = bytearray()
    while True:
        low, value = value & 0x7F, value >> 7
        if value:
            out.append(low | 0x80)
        else:
            out.append(low)
            return bytes(out)


def tag(number: int, wire_type: int) -> bytes:
    return varint(number << 3 | wire_type)


def vint(number: int, value: int) -> bytes:
    """A varint record."""
    return tag(number, VARINT) + varint(value)


def ld(number: int, payload: bytes) -> bytes:
    """A length-delimited record."""
    return tag(number, LEN) + varint(len(payload)) + payload


def fixed32(number: int, payload: bytes) -> bytes:
    assert len(payload) == 4
    return tag(number, I32) + payload


def fixed64(number: int, payload: bytes) -> bytes:
    assert len(payload) == 8
    return tag(number, I64) + payload


def double(number: int, value: float) -> bytes:
    return fixed64(number, struct.pack("<d", value))


def group(number: int, body: bytes) -> bytes:
    """A (proto2-style) group record: start tag, the body's records, end tag."""
    return tag(number, SGROUP) + body + tag(number, EGROUP)


def read_varint(data: bytes, pos: int) -> tuple[int, int]:
    """The varint at ``pos`` and the position after it; ValueError if malformed."""
    result = shift = 0
    while True:
        if pos >= len(data) or shift >= 70:
            raise ValueError("truncated or over-long varint")
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            return result & (2**64 - 1), pos


class Record(NamedTuple):
    """One top-level record of an encoding: ``data[start:end]``, its value at ``data[value:end]``."""

    number: int
    wire_type: int
    start: int
    value: int
    end: int


def records_one(data: bytes, pos: int) -> Record:
    """The record at ``pos``; a group's start or end tag counts as a record of its own."""
    start = pos
    key, pos = read_varint(data, pos)
    number, wire_type = key >> 3, key & 7
    value = pos
    if wire_type == VARINT:
        _, pos = read_varint(data, pos)
    elif wire_type == I64:
        pos += 8
    elif wire_type == I32:
        pos += 4
    elif wire_type == LEN:
        length, value = read_varint(data, pos)
        pos = value + length
    elif wire_type not in (SGROUP, EGROUP):
        raise ValueError(f"wire type {wire_type}")
    if number == 0 or pos > len(data):
        raise ValueError("field number 0 or truncated record")
    return Record(number, wire_type, start, value, pos)


def records(data: bytes) -> list[Record]:
    """The top-level records of a well-formed encoding; ValueError if it is not well formed.

    For a length-delimited record ``value`` is where the payload starts (after the
    length); a group is one record, from its start tag to its end tag.
    """
    out: list[Record] = []
    pos = 0
    while pos < len(data):
        record = records_one(data, pos)
        if record.wire_type == EGROUP:
            raise ValueError("end of a group that was not started")
        pos = record.end
        if record.wire_type == SGROUP:
            open_groups = [record.number]
            while open_groups:
                if pos >= len(data):
                    raise ValueError("unterminated group")
                inner = records_one(data, pos)
                pos = inner.end
                if inner.wire_type == SGROUP:
                    open_groups.append(inner.number)
                elif inner.wire_type == EGROUP and open_groups.pop() != inner.number:
                    raise ValueError("mismatched end of group")
            record = record._replace(end=pos)
        out.append(record)
    return out


def packed_elements(payload: bytes, element_type: int) -> Iterator[bytes]:
    """The raw elements of a packed payload; ``element_type`` is the wire type of one element."""
    pos = 0
    while pos < len(payload):
        start = pos
        if element_type == VARINT:
            _, pos = read_varint(payload, pos)
        else:
            pos += 8 if element_type == I64 else 4
        if pos > len(payload):
            raise ValueError("truncated packed element")
        yield payload[start:pos]


# -- what viam_api must do with malformed input ------------------------------------------


def decode_error() -> type[Exception] | None:
    """``viam_api.DecodeError`` once it exists (None before that, so collection never breaks)."""
    return getattr(viam_api, "DecodeError", None)


def parse_entry_points(cls: Any) -> list[tuple[str, Callable[[bytes], Any]]]:
    return [("parse", cls.parse), ("FromString", cls.FromString)]


def short(value: Any, limit: int = 120) -> str:
    """``repr(value)``, cut to ``limit`` characters (deep inputs make huge reprs)."""
    text = repr(value)
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text)} chars)"


def assert_refused(cls: Any, data: bytes) -> None:
    """Every parse entry point of ``cls`` raises ``viam_api.DecodeError`` on ``data``.

    Accepting the input, or raising anything else, fails with a message that says
    which of the two happened.
    """
    error = decode_error()
    for name, parse in parse_entry_points(cls):
        try:
            result = parse(data)
        except Exception as exc:  # which exception it is, is the point
            if error is None or not isinstance(exc, error):
                raise AssertionError(
                    f"{cls.__name__}.{name}({short(data)}) raised {type(exc).__name__}: {exc}; "
                    f"expected viam_api.DecodeError{'' if error else ' (which does not exist yet)'}"
                ) from exc
        else:
            raise AssertionError(
                f"{cls.__name__}.{name}({short(data)}) accepted malformed input: {short(result)}"
            )


def parse_or_refuse(cls: Any, data: bytes, entry: str = "parse") -> Any | None:
    """``cls.parse(data)`` (or another entry point), or None if it raised ``viam_api.DecodeError``;
    any other exception (or a missing DecodeError) fails the test."""
    error = decode_error()
    try:
        return getattr(cls, entry)(data)
    except Exception as exc:
        if error is None or not isinstance(exc, error):
            raise AssertionError(
                f"{cls.__name__}.{entry}({short(data)}) raised {type(exc).__name__}: {exc}; "
                f"only viam_api.DecodeError may come out of a parser"
                f"{'' if error else ' (and it does not exist yet)'}"
            ) from exc
        return None


# -- re-encoding packed repeated scalars ----------------------------------------------------------

_FIXED32_TYPES = {FD.TYPE_FIXED32, FD.TYPE_SFIXED32, FD.TYPE_FLOAT}
_FIXED64_TYPES = {FD.TYPE_FIXED64, FD.TYPE_SFIXED64, FD.TYPE_DOUBLE}
_NOT_PACKABLE = {FD.TYPE_STRING, FD.TYPE_BYTES, FD.TYPE_MESSAGE, FD.TYPE_GROUP}


def element_wire_type(field: Any) -> int:
    """The wire type of one element of a packable field (a Google FieldDescriptor)."""
    if field.type in _FIXED32_TYPES:
        return I32
    if field.type in _FIXED64_TYPES:
        return I64
    return VARINT


def is_packable(field: Any) -> bool:
    return bool(field.is_repeated) and field.type not in _NOT_PACKABLE


def repack(data: bytes, descriptor: Any, mode: str) -> bytes:
    """``data`` (a well-formed encoding of ``descriptor``'s message) with every packed record of a
    repeated scalar rewritten, in nested messages and map values too: ``mode="unpacked"`` writes
    one record per element, ``mode="split"`` cuts each packed record in two packed records."""
    out = []
    for record in records(data):
        raw = data[record.start : record.end]
        field = descriptor.fields_by_number.get(record.number)
        if field is None or record.wire_type != LEN:
            out.append(raw)
            continue
        payload = data[record.value : record.end]
        if field.type == FD.TYPE_MESSAGE:  # a message (or a map entry): rewrite inside it
            out.append(ld(record.number, repack(payload, field.message_type, mode)))
        elif is_packable(field):
            elements = list(packed_elements(payload, element_wire_type(field)))
            if mode == "unpacked":
                out.extend(tag(record.number, element_wire_type(field)) + e for e in elements)
            else:
                half = len(elements) // 2
                out.append(ld(record.number, b"".join(elements[:half])))
                out.append(ld(record.number, b"".join(elements[half:])))
        else:
            out.append(raw)
    return b"".join(out)


# -- assertions shared by the wire-rule tests ---------------------------------------


def upb(cls: Any, data: bytes) -> GoogleMessage:
    """upb's parse of ``data`` as the message of the ``viam_api`` class ``cls``; it must accept it."""
    parsed = upb_parse(google_class_of(cls), data)
    assert parsed is not None, f"upb refuses {short(data)} as {proto_name(cls)}"
    return parsed


def assert_upb_refuses(cls: Any, data: bytes) -> None:
    assert upb_parse(google_class_of(cls), data) is None, f"upb accepts {short(data)} as {proto_name(cls)}"


def assert_both_refuse(cls: Any, data: bytes) -> None:
    assert_upb_refuses(cls, data)
    assert_refused(cls, data)


def parsed_by_all(cls: Any, data: bytes) -> Any:
    """Our parse of ``data`` (every entry point must give the same message)."""
    message = cls.parse(data)
    assert cls.FromString(data) == message
    return message


def sign(value: float) -> float:
    return math.copysign(1.0, value)
