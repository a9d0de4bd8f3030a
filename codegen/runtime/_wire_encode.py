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
    _NANOS_BITS,
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
    out += tag
    out.append(0)
    start = len(out)
    _put_entries(out, message._py or {}, 0)
    unknown = message._unknown_fields
    if unknown:
        out += unknown
    _close(out, start)


#: Struct keys met before, encoded: ``_KEY_PARTS`` holds a key's field (tag, length, UTF-8), and
#: ``_NUMBER_ENTRIES`` what writes a whole entry holding a number: the start of the entry, up to
#: the double's eight bytes, and the ``pack`` of a ``struct.Struct`` that puts that start and the
#: double together (one call and one append per entry).  Rows of one shape repeat their keys, so
#: most entries are written from here.  Keys longer than ``_KEY_LONGEST`` bytes are not kept, and
#: each cache is emptied when it holds ``_KEYS_KEPT``.
#: (``Final``: the compiled module reads these without a lookup by name.)
_KEY_PARTS: Final[dict[str, bytes]] = {}
_NUMBER_ENTRIES: Final[dict[str, tuple[Callable[[bytes, float], bytes], bytes]]] = {}
_KEYS_KEPT: Final = 4096
_KEY_LONGEST: Final = 100
_STRUCT_DEPTH: Final = MAX_DEPTH
_pack_double: Final = struct.Struct("<d").pack


def _key_part(key: Any) -> bytes:
    if not isinstance(key, str):
        raise TypeError(f"Struct keys must be strings, not {type(key).__name__} ({key!r})")
    data = key.encode()
    part = b"\x0a" + varint_bytes(len(data)) + data
    if _kept(_KEY_PARTS, key, len(part)):
        _KEY_PARTS[key] = part
    return part


def _number_entry(key: Any) -> tuple[Callable[[bytes, float], bytes], bytes]:
    part = _KEY_PARTS.get(key) if type(key) is str else None
    if part is None:
        part = _key_part(key)
    head = b"\x0a" + varint_bytes(len(part) + 11) + part + b"\x12\x09\x11"
    entry = (struct.Struct(f"<{len(head)}sd").pack, head)
    if _kept(_NUMBER_ENTRIES, key, len(head)):
        _NUMBER_ENTRIES[key] = entry
    return entry


#: Keys met before: the whole entry holding each of null, true and false (``_CONSTANT_ENTRIES``),
#: and the start of an entry holding a nested Struct, up to its entries, with one byte of room
#: for each of the three lengths, then with two (``_NESTED_STARTS``; see _WIDE_NESTED).
_CONSTANT_ENTRIES: Final[dict[str, list[bytes]]] = {}
_NESTED_STARTS: Final[dict[str, list[bytes]]] = {}


def _key_field(key: Any) -> bytes:
    part = _KEY_PARTS.get(key) if type(key) is str else None
    return _key_part(key) if part is None else part


def _constant_entries(key: Any) -> list[bytes]:
    part = _key_field(key)
    start = bytearray()
    _put_length(start, 10, len(part) + 4)
    start += part
    entries = [bytes(start + value) for value in (_NULL_VALUE, _TRUE_VALUE, _FALSE_VALUE)]
    if _kept(_CONSTANT_ENTRIES, key, len(part)):
        _CONSTANT_ENTRIES[key] = entries
    return entries


def _nested_starts(key: Any) -> list[bytes]:
    part = _key_field(key)
    starts = [b"\x0a\x00" + part + b"\x12\x00\x2a\x00", b"\x0a\x00\x00" + part + b"\x12\x00\x00\x2a\x00\x00"]
    if _kept(_NESTED_STARTS, key, len(part)):
        _NESTED_STARTS[key] = starts
    return starts


def _kept(cache: dict[str, Any], key: Any, size: int) -> bool:
    """Whether ``key``'s encoding (of ``size`` bytes) is to be kept in ``cache``: not when the key is
    long or not exactly a str.  A full cache is emptied first."""
    if type(key) is str and size <= _KEY_LONGEST:
        if len(cache) >= _KEYS_KEPT:
            cache.clear()
        return True
    return False


def _as_double(item: Any) -> float:
    try:
        return float(item)
    except OverflowError:
        raise EncodeError(f"{item!r} is too large for a Struct number (a double)") from None


def _pack_number(item: Any) -> bytes:
    return _pack_double(_as_double(item))


def _put_entries(out: bytearray, mapping: Any, depth: int) -> None:
    """Append the entries of a Struct holding ``mapping``, each a field 1 (key, then Value)."""
    if depth > _STRUCT_DEPTH:
        raise EncodeError(f"a Struct nested deeper than {MAX_DEPTH} levels")
    # (a dict by its exact type: compiled, its items are then read without a tuple each)
    entries: dict[Any, Any] = mapping if type(mapping) is dict else dict(mapping.items())
    for key, item in entries.items():
        kind = type(item)
        if kind is float or kind is int:
            number = _NUMBER_ENTRIES.get(key) if type(key) is str else None
            if number is None:
                number = _number_entry(key)
            pack, head = number
            out += pack(head, item) if kind is float else pack(head, _as_double(item))
            continue
        if item is None or kind is bool:
            constants = _CONSTANT_ENTRIES.get(key) if type(key) is str else None
            if constants is None:
                constants = _constant_entries(key)
            out += constants[0 if item is None else 1 if item else 2]
            continue
        if kind is dict:
            # a nested Struct, written in place: room is left for each of the three lengths (the
            # entry's, the Value's, the Struct's), filled in once they are known.  Two bytes each
            # when the last nested Struct at this depth needed them (rows of one shape: nearly
            # always right), else one; a wrong guess is put right by _shut
            wide = _WIDE_NESTED[depth]
            starts = _NESTED_STARTS.get(key) if type(key) is str else None
            if starts is None:
                starts = _nested_starts(key)
            start = starts[wide]
            room = 3 if wide else 2  # a tag and the room for a length
            out += start
            body = len(out)
            value = body - room
            entry = body - len(start) + room
            key_length = len(start) - 3 * room  # of the key's field
            _put_entries(out, item, depth + 2)
            n = len(out) - body
            if wide and 128 <= n and key_length + n + 6 < 16384:  # as guessed: three two-byte lengths
                _put_two(out, body, n)
                _put_two(out, value, n + 3)
                _put_two(out, entry, key_length + n + 6)
            else:
                _shut(out, body, wide)
                _shut(out, value, wide)
                _shut(out, entry, wide)
                _WIDE_NESTED[depth] = n >= 128
            continue
        part = _KEY_PARTS.get(key) if type(key) is str else None
        if part is None:
            part = _key_part(key)
        if kind is str:
            text: str = item
            data = text.encode()
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
        else:
            out.append(10)
            out.append(0)
            entry = len(out)
            out += part
            out.append(0x12)
            out.append(0)
            value = len(out)
            _put_value(out, item, depth + 1)
            _close(out, value)
            _close(out, entry)


_NULL_VALUE: Final = b"\x12\x02\x08\x00"
_TRUE_VALUE: Final = b"\x12\x02\x20\x01"
_FALSE_VALUE: Final = b"\x12\x02\x20\x00"


#: Whether the last nested Struct written at each depth of ``_put_entries`` was 128 bytes or
#: longer: a guess of the room to leave for the lengths of the next one (only a guess: a
#: wrong one costs a move of the bytes after it, as leaving one byte always did).
_WIDE_NESTED: Final[list[bool]] = [False] * (MAX_DEPTH + 8)


def _put_two(out: bytearray, start: int, n: int) -> None:
    """Put ``n`` (128..16383) as a two-byte varint in the two bytes before ``start``."""
    out[start - 2] = (n & 0x7F) | 0x80
    out[start - 1] = n >> 7


def _shut(out: bytearray, start: int, wide: bool) -> bool:
    """Put the length of ``out[start:]`` in the room before ``start``: two bytes when ``wide``,
    else one (the room shrunk or grown to the varint's size).  Whether it took two bytes or more."""
    n = len(out) - start
    if not wide:
        _close(out, start)
        return n >= 128
    if 128 <= n < 16384:
        _put_two(out, start, n)
        return True
    if n < 128:
        del out[start - 1]
        out[start - 2] = n
        return False
    out[start - 2 : start] = varint_bytes(n)
    return True


def _close(out: bytearray, start: int) -> None:
    """Put the length of ``out[start:]`` in the byte left for it at ``start - 1`` (more bytes if it needs them)."""
    n = len(out) - start
    if n < 128:
        out[start - 1] = n
    elif n < 16384:
        out[start - 1] = (n & 0x7F) | 0x80
        out.insert(start, n >> 7)
    else:
        out[start - 1 : start] = varint_bytes(n)


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


# -- table-driven encoders (the compiled build) ------------------------------------------

#: True in the mypyc build (its ``__file__`` is the extension), False in the pure-Python module.
_COMPILED: Final = not __file__.endswith(".py")
#: True where the codec modules encode through plans (the compiled build): there one loop over
#: a table of fields, compiled once here, writes every planned message straight into its parent's
#: buffer; in the pure-Python module the generated encoders are faster and are kept.
PLANS: Final = _COMPILED

# How a plan writes one field (the ``kind`` of ``EncodePlan.add``).
E_STRING: Final = 0
E_BYTES: Final = 1
E_INT: Final = 2  # int32, int64, uint32, uint64 and enums: low..high
E_SINT: Final = 3  # sint32/sint64: low..high, aux is the width in bits
E_BOOL: Final = 4
E_DOUBLE: Final = 5
E_FLOAT: Final = 11
E_PACKED: Final = 6  # the other fixed-width kinds: aux packs one value (pack_I, pack_q, ...)
E_MESSAGE: Final = 7  # aux: the encoder of the message (planned: written in place)
E_TIMESTAMP: Final = 8
E_DURATION: Final = 9
E_STRUCT: Final = 10

# When a plan writes a field (the ``presence`` of ``EncodePlan.add``).
P_IMPLICIT: Final = 0  # unless it holds its zero value (proto3 without presence)
P_EXPLICIT: Final = 1  # unless it is None (a message, an optional field, a oneof member)
P_REPEATED: Final = 2  # once per item
P_LAZY: Final = 3  # a Timestamp made on first read (``_wire.LazyTime``): as P_EXPLICIT, but while
# the field is unread it is written from its raw value, and no datetime is made for it


class _Unplanned(Exception):
    """A plan met a value it leaves to the generated encoder (a type or range it does not take
    as it is, a message nested too deep): the message is encoded by that encoder instead,
    which writes the same bytes, or raises the error the pure-Python path raises."""


class EncodeField:
    """How a plan writes one field: which attribute, under which tag, as what."""

    def __init__(
        self, name: str, kind: int, tag: bytes, presence: int, low: int, high: int, aux: Any
    ) -> None:
        self.name = name
        self.kind = kind
        self.tag = tag
        #: the attribute of a lazy Timestamp's raw value (the plan's aux), else ""
        self.raw: str = aux if kind == E_TIMESTAMP and isinstance(aux, str) else ""
        self.presence = P_LAZY if self.raw else presence
        self.low = low
        self.high = high
        self.aux = aux
        self.sub: EncodePlan | None = aux.plan if isinstance(aux, PlanEncoder) else None
        #: a message or Struct written in place: whether the last one was 128 bytes or longer,
        #: the room to leave for the next one's length (see _shut); then the tag and that room
        self.wide = False
        self.rooms = [tag + b"\x00", tag + b"\x00\x00"]


class EncodePlan:
    """The encoder of one message as data: its fields in the order they are written."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.fields: list[EncodeField] = []

    def add(
        self, name: str, kind: int, tag: bytes, presence: int, low: int = 0, high: int = 0, aux: Any = None
    ) -> None:
        self.fields.append(EncodeField(name, kind, tag, presence, low, high, aux))


class PlanEncoder:
    """A plan as an encoder function ``(message) -> bytes``, the generated one behind it."""

    def __init__(self, plan: EncodePlan, generated: Callable[[Any], bytes]) -> None:
        self.plan = plan
        self.generated = generated

    def __call__(self, message: Any) -> bytes:
        out = bytearray()
        try:
            plan_encode(self.plan, out, message, 0)
        except _Unplanned:
            return self.generated(message)
        return bytes(out)


def plan_encoder(namespace: dict[str, Any], name: str, label: str) -> None:
    """Make ``namespace[name]`` (a codec module's generated encoder) a plan, its fields added
    next (:func:`plan_encode_fields`); the generated encoder stays behind it for what the
    plan leaves.  Every encoder that calls this one by name then calls the plan."""
    namespace[name] = PlanEncoder(EncodePlan(label), namespace[name])


def plan_encode_fields(encoder: Any, fields: Any) -> None:
    """Give the plan of ``encoder`` its fields: ``(name, kind, tag, presence, low, high, aux)`` each."""
    target: EncodePlan = encoder.plan
    for name, kind, tag, presence, low, high, aux in fields:
        target.add(name, kind, tag, presence, low, high, aux)


def plan_encode(plan: EncodePlan, out: bytearray, message: Any, depth: int) -> None:
    """Append the fields of ``message`` by its plan: the generated encoder's bytes, field for field."""
    if depth > MAX_DEPTH:
        raise _Unplanned
    for field in plan.fields:
        presence = field.presence
        if presence == P_LAZY:
            made: dict[str, Any] = message.__dict__
            if field.name not in made:  # unread (once read or set, the instance holds the value)
                raw = made.get(field.raw)
                if type(raw) is int:
                    number: int = raw  # seconds << 30 | nanos (see _wire.timestamp_of_raw)
                    _put_seconds_nanos(out, field.tag, number >> 30, number & _NANOS_BITS)
                    continue
            presence = P_EXPLICIT
        value = getattr(message, field.name)
        if presence == P_IMPLICIT:
            if not value:
                kind = field.kind
                if kind != E_DOUBLE and kind != E_FLOAT:
                    continue
                if type(value) is not float or math.copysign(1.0, value) > 0.0:
                    if type(value) is float or type(value) is int or type(value) is bool:
                        continue  # a zero (not -0.0), not written
                    raise _Unplanned
            _put_field(out, field, value, depth)
        elif presence == P_EXPLICIT:
            if value is not None:
                _put_field(out, field, value, depth)
        else:
            if type(value) is not list:
                raise _Unplanned
            for item in value:
                _put_field(out, field, item, depth)
    unknown = message._unknown_fields
    if unknown:
        out += unknown


def _put_field(out: bytearray, field: EncodeField, value: Any, depth: int) -> None:
    kind = field.kind
    if kind == E_MESSAGE:
        sub = field.sub
        if sub is not None:
            wide = field.wide
            out += field.rooms[wide]
            start = len(out)
            plan_encode(sub, out, value, depth + 1)
            field.wide = _shut(out, start, wide)
        else:
            length_delimited(out, field.tag, field.aux(value))
    elif kind == E_STRING:
        if not isinstance(value, str):
            raise _Unplanned
        length_delimited(out, field.tag, value.encode())
    elif kind == E_INT:
        if not isinstance(value, int):
            raise _Unplanned
        number = int(value)
        if 0 <= number < 128:
            out += field.tag
            out.append(number)
        elif field.low <= number <= field.high:
            out += field.tag
            write_varint(out, number)
        else:
            raise _Unplanned  # the generated encoder raises the error, in its words
    elif kind == E_TIMESTAMP:
        if not isinstance(value, _datetime):
            raise _Unplanned
        put_timestamp(out, field.tag, value)
    elif kind == E_STRUCT:
        if value._fields is not None or value._enc is not None:
            put_struct(out, field.tag, value)
            return
        wide = field.wide
        out += field.rooms[wide]
        start = len(out)
        _put_entries(out, value._py or {}, 0)
        unknown = value._unknown_fields
        if unknown:
            out += unknown
        field.wide = _shut(out, start, wide)
    elif kind == E_BOOL:
        out += field.tag
        out.append(1 if value else 0)
    elif kind == E_DOUBLE:
        out += field.tag
        out += pack_d(value)
    elif kind == E_BYTES:
        if type(value) is not bytes:
            raise _Unplanned
        length_delimited(out, field.tag, value)
    elif kind == E_SINT:
        if not isinstance(value, int):
            raise _Unplanned
        number = int(value)
        if not field.low <= number <= field.high:
            raise _Unplanned
        bits: int = field.aux
        out += field.tag
        write_varint(out, ((number << 1) ^ (number >> (bits - 1))) & ((1 << bits) - 1))
    elif kind == E_FLOAT:
        if not isinstance(value, (float, int)):
            raise _Unplanned
        out += field.tag
        out += pack_f(value)
    elif kind == E_DURATION:
        if not isinstance(value, _timedelta):
            raise _Unplanned
        put_duration(out, field.tag, value)
    else:  # E_PACKED
        out += field.tag
        out += field.aux(value)

