"""The emulator's wire codec: grpclib's, with decode errors that name the field.

The generated codec says what is wrong with a request (invalid UTF-8, a cut
short value, nesting too deep) and in which message; this codec then finds
the field: it splits the bytes into their fields, parses each alone and
follows the first that fails into its sub-message, so the INVALID_ARGUMENT
message reads ``... (in field sensor_contents[0].struct)``.  Only failing
requests pay for the search.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

from grpclib.encoding.proto import ProtoCodec
from viam_api import DecodeError

__all__ = ["FieldNamingCodec", "failing_field"]

#: How deep the search follows sub-messages (the codec refuses nesting past 100 anyway).
_MAX_DEPTH = 12


class _Cut(Exception):
    """The bytes end inside field ``number`` (or its tag is bad)."""

    def __init__(self, number: int) -> None:
        self.number = number


def _varint(data: bytes, i: int) -> tuple[int, int]:
    value = shift = 0
    for _ in range(10):
        if i >= len(data):
            raise IndexError
        byte = data[i]
        i += 1
        value |= (byte & 0x7F) << shift
        if byte < 0x80:
            return value, i
        shift += 7
    raise IndexError


def _fields(data: bytes) -> Iterator[tuple[int, int, int, int, int]]:
    """(field number, wire type, start of the whole field, start of its payload, end) per field."""
    i = 0
    while i < len(data):
        start = i
        try:
            tag, i = _varint(data, i)
        except IndexError:
            raise _Cut(0) from None
        number, wire = tag >> 3, tag & 7
        try:
            if wire == 0:
                _, i = _varint(data, i)
                body = start
            elif wire == 1:
                body, i = i, i + 8
            elif wire == 2:
                size, body = _varint(data, i)
                i = body + size
            elif wire == 5:
                body, i = i, i + 4
            else:
                raise IndexError
        except IndexError:
            raise _Cut(number) from None
        if i > len(data):
            raise _Cut(number)
        yield number, wire, start, body, i


def _by_number(message_type: type) -> dict[int, dataclasses.Field[Any]]:
    if not dataclasses.is_dataclass(message_type):
        return {}
    out: dict[int, dataclasses.Field[Any]] = {}
    for f in dataclasses.fields(message_type):
        meta = f.metadata.get("betterproto")
        if meta is not None:
            out[int(meta.number)] = f
    return out


def _parses(message_type: Any, data: bytes) -> bool:
    try:
        message_type.FromString(data)
    except (DecodeError, ValueError, RecursionError):
        return False
    return True


def failing_field(message_type: Any, data: bytes, depth: int = 0) -> str | None:
    """The dotted path of the field whose bytes ``message_type`` cannot parse, if one can be named."""
    fields = _by_number(message_type)

    def name(number: int, index: int | None = None) -> str:
        f = fields.get(number)
        label = f.name if f is not None else f"#{number}"
        return f"{label}[{index}]" if index is not None else label

    seen: dict[int, int] = {}
    try:
        for number, wire, start, body, end in _fields(data):
            index = seen.get(number, 0)
            seen[number] = index + 1
            if _parses(message_type, data[start:end]):
                continue
            f = fields.get(number)
            meta = f.metadata.get("betterproto") if f is not None else None
            shown = name(number, index if meta is not None and meta.repeated else None)
            if f is None or meta is None or wire != 2 or meta.proto_type != "message" or depth >= _MAX_DEPTH:
                return shown
            try:
                inner = message_type._cls_for(f)
            except Exception:  # a type betterproto2 cannot resolve here: stop at this level
                return shown
            if not hasattr(inner, "FromString"):  # a well-known type shown as a Python value (datetime)
                return shown
            deeper = failing_field(inner, data[body:end], depth + 1)
            return f"{shown}.{deeper}" if deeper else shown
    except _Cut as cut:
        return name(cut.number) if cut.number else None
    return None


class FieldNamingCodec(ProtoCodec):
    """grpclib's protobuf codec; a request that does not decode names its failing field."""

    def decode(self, data: bytes, message_type: Any) -> Any:
        try:
            return super().decode(data, message_type)
        except DecodeError as exc:
            try:
                where = failing_field(message_type, data)
            except Exception:  # naming is a courtesy: never let it hide the real error
                where = None
            if where:
                raise DecodeError(f"{exc} (in field {where})") from None
            raise
