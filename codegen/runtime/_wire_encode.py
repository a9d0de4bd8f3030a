"""The protobuf wire format written: what the generated encoders call.

Every message has an encoder written for it by the generator (in the ``_codec``
module beside its class); it appends to one ``bytearray`` with the helpers here:
varints beyond one byte and range checks, fixed-width numbers, the well-known types
whose Python value is not a message (Timestamp as ``datetime``, Duration as
``timedelta``, to the nanosecond: see ``_time``), and ``google.protobuf.Struct``
written straight from its ``dict``.  Values a field cannot carry are refused with
:class:`EncodeError`.  The reading side (and ``parse``/``serialize``) is ``_wire``.

Compiled with ``_wire`` by mypyc in one group (setup.py), so calls between the two stay
native.  Only the standard library, ``_time`` and ``_wire`` are imported here.
"""

from __future__ import annotations

import datetime
import math
import struct
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Final

from ._time import duration_parts, timestamp_parts
from ._wire import (
    _EPOCH,
    _MASK64,
    MAX_DEPTH,
    EncodeError,
    _datetime,
    _timedelta,
    load_codec,
    new,
    serialize,
)

pack_I = struct.Struct("<I").pack
pack_i = struct.Struct("<i").pack
pack_Q = struct.Struct("<Q").pack
pack_q = struct.Struct("<q").pack
pack_d = struct.Struct("<d").pack
_pack_f = struct.Struct("<f").pack


# -- varints and scalars ------------------------------------------------------------


def write_varint(out: bytearray, value: int) -> None:
    """Append ``value`` (any int64 or uint64) as a varint; negatives take ten bytes."""
    if value < 0:
        if value < -0x8000000000000000:
            raise EncodeError(f"{value} does not fit in 64 bits")
        value += 0x10000000000000000
    elif value > _MASK64:
        raise EncodeError(f"{value} does not fit in 64 bits")
    while value > 127:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)


#: The varints of 0..127: one byte each.
_SMALL_VARINTS = [bytes((i,)) for i in range(128)]


def varint_bytes(value: int) -> bytes:
    """``value`` (any int64 or uint64) as a varint, by itself."""
    if 0 <= value < 128:
        return _SMALL_VARINTS[value]
    if 0 < value < 0x100000000000000:
        acc = _gathered(value, 0, 0)
        return acc.to_bytes((acc.bit_length() + 7) // 8, "little")
    out = bytearray()
    write_varint(out, value)
    return bytes(out)


def _gathered(value: int, acc: int, shift: int) -> int:
    """``acc`` with the varint of ``value`` (> 0) put in from bit ``shift`` on, little-endian.

    Bytes gathered in one int are made at once by ``int.to_bytes``: fewer steps than a
    byte at a time (fastest compiled while the result stays below 2**62, an unboxed int).
    """
    while value > 127:
        acc |= ((value & 0x7F) | 0x80) << shift
        value >>= 7
        shift += 8
    return acc | (value << shift)


def put_int(out: bytearray, value: int, low: int, high: int, label: str) -> None:
    """Append an integer field's varint after checking it fits the field's type."""
    if not low <= value <= high:
        raise EncodeError(f"{label}: {value!r} is out of range for this field ({low}..{high})")
    write_varint(out, value)


def put_zigzag(out: bytearray, value: int, bits: int, label: str) -> None:
    low, high = -(1 << (bits - 1)), (1 << (bits - 1)) - 1
    if not low <= value <= high:
        raise EncodeError(f"{label}: {value!r} is out of range for sint{bits} ({low}..{high})")
    write_varint(out, ((value << 1) ^ (value >> (bits - 1))) & ((1 << bits) - 1))


def pack_f(value: float) -> bytes:
    """A float32; values beyond its range become infinities, as protobuf does."""
    try:
        return _pack_f(value)
    except OverflowError:
        return _pack_f(math.copysign(math.inf, value))


def negative_zero(value: float) -> bool:
    """True for -0.0, which protobuf writes even in a field without presence."""
    return math.copysign(1.0, value) < 0.0


def pack_many(fmt: str, values: Sequence[Any]) -> bytes:
    if fmt == "f":
        return b"".join(pack_f(v) for v in values)
    return struct.pack(f"<{len(values)}{fmt}", *values)


def length_delimited(out: bytearray, tag: bytes, body: bytes | bytearray) -> None:
    out += tag
    n = len(body)
    if n < 128:
        out.append(n)
    else:
        write_varint(out, n)
    out += body


# -- Timestamp and Duration from datetime and timedelta -----------------------------------


def enc_timestamp(value: datetime.datetime) -> bytes:
    try:
        seconds, nanos = timestamp_parts(value)
    except ValueError as exc:
        raise EncodeError(f"google.protobuf.Timestamp: {exc}") from None
    return _seconds_nanos_bytes(seconds, nanos)


_NAIVE_EPOCH = datetime.datetime(1970, 1, 1)


def put_timestamp(out: bytearray, tag: bytes, value: datetime.datetime) -> None:
    """Append a Timestamp field: ``tag``, its length, then the seconds and nanos of ``value``.

    A plain ``datetime`` (nearly every value) is read here, without ``timestamp_parts``;
    the kinds with nanoseconds (``TimestampDatetime``, a pandas Timestamp) go through it.
    """
    if type(value) is _datetime:
        # a naive datetime counts as UTC: from the naive epoch it is the same span
        delta = value - (_EPOCH if value.tzinfo is not None else _NAIVE_EPOCH)
        _put_seconds_nanos(out, tag, delta.days * 86400 + delta.seconds, delta.microseconds * 1000)
        return
    try:
        seconds, nanos = timestamp_parts(value)
    except ValueError as exc:
        raise EncodeError(f"google.protobuf.Timestamp: {exc}") from None
    _put_seconds_nanos(out, tag, seconds, nanos)


def enc_duration(value: datetime.timedelta) -> bytes:
    try:
        seconds, nanos = duration_parts(value)
    except ValueError as exc:
        raise EncodeError(f"google.protobuf.Duration: {exc}") from None
    return _seconds_nanos_bytes(seconds, nanos)


def _seconds_nanos_bytes(seconds: int, nanos: int) -> bytes:
    out = bytearray()
    if seconds:
        out.append(8)
        write_varint(out, seconds)
    if nanos:
        out.append(16)
        write_varint(out, nanos)
    return bytes(out)


def put_duration(out: bytearray, tag: bytes, value: datetime.timedelta) -> None:
    """Append a Duration field: ``tag``, its length, then the seconds and nanos of ``value``
    (a plain ``timedelta`` read here, the kinds with nanoseconds through ``duration_parts``)."""
    if type(value) is _timedelta:
        total = (value.days * 86400 + value.seconds) * 1_000_000 + value.microseconds
        span = -total if total < 0 else total
        seconds = span // 1_000_000
        nanos = (span - seconds * 1_000_000) * 1000
        if total < 0:
            seconds, nanos = -seconds, -nanos
    else:
        try:
            seconds, nanos = duration_parts(value)
        except ValueError as exc:
            raise EncodeError(f"google.protobuf.Duration: {exc}") from None
    _put_seconds_nanos(out, tag, seconds, nanos)


def _put_seconds_nanos(out: bytearray, tag: bytes, seconds: int, nanos: int) -> None:
    """Append ``tag``, then a Timestamp's or Duration's bytes after their length (at most 22)."""
    out += tag
    if 0 < seconds < 0x800000000 and 0 < nanos:  # (up to the year 3058) both fields, five bytes or fewer
        first = _gathered(seconds, 0x800, 16)  # the length (put in below), the seconds' tag, the seconds
        second = _gathered(nanos, 0x10, 8)  # the nanos' tag, the nanos
        count = (first.bit_length() + 7) // 8
        total = (second.bit_length() + 7) // 8
        out += (first | (count + total - 1)).to_bytes(count, "little")
        out += second.to_bytes(total, "little")
        return
    s = varint_bytes(seconds) if seconds else b""
    n = varint_bytes(nanos) if nanos else b""
    out.append((len(s) + 1 if seconds else 0) + (len(n) + 1 if nanos else 0))
    if seconds:
        out.append(8)
        out += s
    if nanos:
        out.append(16)
        out += n


# -- google.protobuf.Struct straight from Python values ------------------------------------


def struct_bytes(mapping: Mapping[str, Any], depth: int = 0) -> bytes:
    """A mapping of plain values as the bytes of a Struct.

    Values may be None, bool, int, float, str, datetime (written as ISO 8601
    text), mappings with string keys, lists and tuples, and the Struct, Value and
    ListValue messages themselves.
    """
    out = bytearray()
    _put_entries(out, mapping, depth)
    return bytes(out)


def put_struct(out: bytearray, tag: bytes, message: Any) -> None:
    """Append a Struct field: ``tag``, the length, then the entries, written straight into ``out``."""
    if message._fields is not None or message._enc is not None:
        length_delimited(out, tag, type(message)._viam_encode(message))
        return
    body = bytearray()
    _put_entries(body, message._py or {}, 0)
    unknown = message._unknown_fields
    if unknown:
        body += unknown
    length_delimited(out, tag, body)


#: Struct keys met before, encoded: ``_KEY_PARTS`` holds a key's field (tag, length, UTF-8) and
#: ``_NUMBER_HEADS`` the whole start of an entry holding a number, up to the double's eight bytes.
#: Rows of one shape repeat their keys, so most entries are two appends.  Keys longer than
#: ``_KEY_LONGEST`` bytes are not kept, and each cache is emptied when it holds ``_KEYS_KEPT``.
#: (``Final``: the compiled module reads these without a lookup by name.)
_KEY_PARTS: Final[dict[str, bytes]] = {}
_NUMBER_HEADS: Final[dict[str, bytes]] = {}
_KEYS_KEPT: Final = 4096
_KEY_LONGEST: Final = 100
_STRUCT_DEPTH: Final = MAX_DEPTH
_pack_double: Final = struct.Struct("<d").pack


def _key_part(key: Any) -> bytes:
    if not isinstance(key, str):
        raise TypeError(f"Struct keys must be strings, not {type(key).__name__} ({key!r})")
    data = key.encode()
    return _keep(_KEY_PARTS, key, b"\x0a" + varint_bytes(len(data)) + data)


def _number_head(key: Any) -> bytes:
    part = _KEY_PARTS.get(key) if type(key) is str else None
    if part is None:
        part = _key_part(key)
    return _keep(_NUMBER_HEADS, key, b"\x0a" + varint_bytes(len(part) + 11) + part + b"\x12\x09\x11")


def _keep(cache: dict[str, bytes], key: Any, encoded: bytes) -> bytes:
    """``encoded``, kept in ``cache`` for ``key`` unless the key is long or not exactly a str."""
    if type(key) is str and len(encoded) <= _KEY_LONGEST:
        if len(cache) >= _KEYS_KEPT:
            cache.clear()
        cache[key] = encoded
    return encoded


def _pack_number(item: Any) -> bytes:
    try:
        return _pack_double(float(item))
    except OverflowError:
        raise EncodeError(f"{item!r} is too large for a Struct number (a double)") from None


def _put_entries(out: bytearray, mapping: Any, depth: int) -> None:
    """Append the entries of a Struct holding ``mapping``, each a field 1 (key, then Value)."""
    if depth > _STRUCT_DEPTH:
        raise EncodeError(f"a Struct nested deeper than {MAX_DEPTH} levels")
    for key, item in mapping.items():
        kind = type(item)
        if kind is float or kind is int:
            head = _NUMBER_HEADS.get(key) if type(key) is str else None
            if head is None:
                head = _number_head(key)
            out += head
            out += _pack_double(item) if kind is float else _pack_number(item)
            continue
        part = _KEY_PARTS.get(key) if type(key) is str else None
        if part is None:
            part = _key_part(key)
        if kind is str:
            data = item.encode()
            n = len(data)
            whole = len(part) + n + 4  # of the entry, when the Value's lengths take a byte each
            if whole < 128:
                out += _ENTRY_STARTS[whole]
                out += part
                out += _STRING_STARTS[n]
            else:
                size = n + 1 + _size(n)  # of the Value
                _put_length(out, 10, len(part) + size + 1 + _size(size))
                out += part
                _put_length(out, 0x12, size)
                _put_length(out, 0x1A, n)
            out += data
        elif item is None or kind is bool:
            _put_length(out, 10, len(part) + 4)
            out += part
            out += (
                b"\x12\x02\x08\x00" if item is None else b"\x12\x02\x20\x01" if item else b"\x12\x02\x20\x00"
            )
        elif kind is dict:
            # a nested Struct: its entries go to a buffer of their own, then after their lengths
            body = bytearray()
            _put_entries(body, item, depth + 2)
            n = len(body)
            size = n + 1 + _size(n)  # of the Value
            _put_length(out, 10, len(part) + size + 1 + _size(size))
            out += part
            _put_length(out, 0x12, size)
            _put_length(out, 0x2A, n)
            out += body
        else:
            value = bytearray()
            _put_value(value, item, depth + 1)
            size = len(value)
            _put_length(out, 10, len(part) + size + 1 + _size(size))
            out += part
            _put_length(out, 0x12, size)
            out += value


#: The first two bytes of a Struct entry of each length below 128 (field 1, length), and the
#: Value of a string of each length up to 123 bytes, up to the string (field 2, length, field 3, length).
_ENTRY_STARTS: Final = [bytes((10, n)) for n in range(128)]
_STRING_STARTS: Final = [bytes((0x12, n + 2, 0x1A, n)) for n in range(124)]


def _put_length(out: bytearray, tag: int, n: int) -> None:
    """Append a one-byte ``tag`` and the length ``n``."""
    out.append(tag)
    if n < 128:
        out.append(n)
    elif n < 16384:
        out.append((n & 0x7F) | 0x80)
        out.append(n >> 7)
    else:
        write_varint(out, n)


def _size(n: int) -> int:
    """The bytes of the varint of ``n`` (a length: 0 or more)."""
    if n < 128:
        return 1
    if n < 16384:
        return 2
    return len(varint_bytes(n))


def _put_value(out: bytearray, item: Any, depth: int) -> None:
    """Append the fields of a Value holding ``item``."""
    if item is None:
        out += b"\x08\x00"
    elif item is True:
        out += b"\x20\x01"
    elif item is False:
        out += b"\x20\x00"
    elif type(item) is float:
        out.append(0x11)
        out += _pack_double(item)
    elif isinstance(item, str):
        data = item.encode()
        _put_length(out, 0x1A, len(data))
        out += data
    elif isinstance(item, (int, float)) and not isinstance(item, bool):
        out.append(0x11)
        out += _pack_number(item)
    elif isinstance(item, bool):
        out += b"\x20\x01" if item else b"\x20\x00"
    elif isinstance(item, datetime.datetime):
        _put_value(out, item.isoformat(), depth)
    elif type(item) is dict or isinstance(item, Mapping):
        body = bytearray()
        _put_entries(body, item, depth + 1)
        _put_length(out, 0x2A, len(body))
        out += body
    elif isinstance(item, (list, tuple)):
        if depth > _STRUCT_DEPTH:
            raise EncodeError(f"a Struct nested deeper than {MAX_DEPTH} levels")
        body = bytearray()
        value = bytearray()
        for element in item:
            _put_value(value, element, depth + 2)
            _put_length(body, 0x0A, len(value))
            body += value
            del value[:]
        _put_length(out, 0x32, len(body))
        out += body
    else:
        label = getattr(type(item), "_viam_label", "")
        if label == "google.protobuf.Value":
            out += serialize(item)
        elif label == "google.protobuf.Struct":
            data = serialize(item)
            _put_length(out, 0x2A, len(data))
            out += data
        elif label == "google.protobuf.ListValue":
            data = serialize(item)
            _put_length(out, 0x32, len(data))
            out += data
        else:
            raise TypeError(f"cannot store a value of type {type(item).__name__} in a protobuf Struct")


def struct_encoder(wire_encoder: Callable[[Any], bytes]) -> Callable[[Any], bytes]:
    def encode(message: Any) -> bytes:
        if message._fields is not None:
            return wire_encoder(message)
        if message._enc is not None:  # made by from_python, or decoded and not handed out
            return message._enc + message._unknown_fields
        out = bytearray()
        _put_entries(out, message._py or {}, 0)
        out += message._unknown_fields
        return bytes(out)

    return encode


def struct_fields_property() -> property:
    """``Struct.fields``: built from the Struct's dict the first time it is read."""

    def get(self: Any) -> Any:
        fields = self._fields
        if fields is None:
            data = self._enc if self._enc is not None else struct_bytes(self._py or {})
            cls = type(self)
            try:
                decode = cls._viam_wire_decode
            except AttributeError:
                load_codec(cls)
                decode = cls._viam_wire_decode
            fields = decode(data, 0, len(data), 0)._fields
            self._fields = fields
            self._py = None
            self._enc = None
        return fields

    def set_(self: Any, value: Any) -> None:
        self._fields = value
        self._py = None
        self._enc = None

    return property(get, set_, doc="The Struct's entries as ``google.protobuf.Value`` messages.")


def struct_from_python(cls: Any, mapping: Mapping[str, Any]) -> Any:
    """A Struct for ``mapping``, checked and encoded at once (no Value objects are made).

    Raises TypeError for a key that is not a string or a value with no Struct form.
    """
    message = new(cls)
    message._fields = None
    message._py = None
    message._enc = struct_bytes(mapping)
    message._unknown_fields = b""
    return message
