"""The protobuf wire format, as the generated codecs use it.

Every message has a decoder and an encoder written for it by the generator (in
the ``_codec`` module beside its class); they call the few helpers here:
varints beyond one byte, unknown fields, merging, the well-known types whose
Python value is not a message (Timestamp as ``datetime``, Duration as
``timedelta``, to the nanosecond: see ``_time``), and ``google.protobuf.Struct`` decoded straight to a ``dict``.

Decoding follows the protobuf rules (as Google's runtime applies them):
input that ends inside a field, field number 0, wire types 6 and 7, varints
longer than ten bytes, invalid UTF-8 in a string and nesting deeper than
``MAX_DEPTH`` are refused with :class:`DecodeError`, and nothing is half-parsed.
Only the standard library and ``_time`` (pure Python) are imported here.
"""

from __future__ import annotations

import datetime
import gc
import importlib
import math
import struct
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Final

from ._time import duration_parts, duration_value, timestamp_parts, timestamp_value

__all__ = ["MAX_DEPTH", "DecodeError", "parse", "serialize"]

#: Messages nested deeper than this are refused, as Google's runtime refuses them.
MAX_DEPTH: Final = 100

#: Inputs at least this long decode with the cyclic garbage collector paused.  A decoder
#: only makes new objects that cannot form cycles, yet every few thousand of them would
#: start a collection, and the full ones walk the whole (growing) heap: a 100,000-row
#: answer cost 1.9x per row what a 10,000-row one did, 1.2x with the pause.
GC_PAUSE_BYTES = 64 * 1024

_MASK32: Final = 0xFFFFFFFF  # (Final: the compiled build inlines them instead of looking them up)
_MASK64: Final = 0xFFFFFFFFFFFFFFFF

unpack_I: Final = struct.Struct("<I").unpack_from
unpack_i: Final = struct.Struct("<i").unpack_from
unpack_f: Final = struct.Struct("<f").unpack_from
unpack_Q: Final = struct.Struct("<Q").unpack_from
unpack_q: Final = struct.Struct("<q").unpack_from
unpack_d: Final = struct.Struct("<d").unpack_from
pack_I = struct.Struct("<I").pack
pack_i = struct.Struct("<i").pack
pack_Q = struct.Struct("<Q").pack
pack_q = struct.Struct("<q").pack
pack_d = struct.Struct("<d").pack
_pack_f = struct.Struct("<f").pack
new: Final = object.__new__


class DecodeError(ValueError):
    """The bytes are not a valid encoding of the message type asked for."""


class EncodeError(ValueError):
    """A message holds a value its field cannot carry (out of range, wrong type)."""


# -- decoding -----------------------------------------------------------------------


def varint(buf: bytes, pos: int, first: int) -> tuple[int, int]:
    """The value of a varint whose first byte ``first`` (> 127) was read just before ``pos``.

    The value is not truncated; callers mask it to the field's width.
    """
    result = first & 0x7F
    shift = 7
    while True:
        b = buf[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        if b < 128:
            return result, pos
        shift += 7
        if shift >= 70:
            raise DecodeError("a varint is longer than ten bytes")


def read_tag(buf: bytes, pos: int, first: int) -> tuple[int, int]:
    """A field tag whose first byte ``first`` (> 127) was read: at most five bytes, below 2**32."""
    result = first & 0x7F
    shift = 7
    while True:
        b = buf[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        if b < 128:
            if result > _MASK32:
                raise DecodeError(f"field number {result >> 3} is out of range")
            return result, pos
        shift += 7
        if shift >= 35:
            raise DecodeError("a field tag is longer than five bytes")


def i32(value: int) -> int:
    """A varint as int32 (and enum): the low 32 bits, sign-extended."""
    value &= _MASK32
    return value - 0x100000000 if value > 0x7FFFFFFF else value


def i64(value: int) -> int:
    """A varint as int64: the low 64 bits, sign-extended."""
    value &= _MASK64
    return value - 0x10000000000000000 if value > 0x7FFFFFFFFFFFFFFF else value


def truncated(label: str) -> DecodeError:
    return DecodeError(f"{label}: the input ends inside a field or a length overruns its message")


def too_deep(label: str) -> DecodeError:
    return DecodeError(f"{label}: messages nested deeper than {MAX_DEPTH} levels")


def skip(buf: bytes, pos: int, tag: int, end: int, depth: int = 0) -> int:
    """Position after the value of an unknown field whose tag was just read."""
    wire_type = tag & 7
    if tag >> 3 == 0:
        raise DecodeError("field number 0 is not allowed")
    if tag > _MASK32:
        raise DecodeError(f"field number {tag >> 3} is out of range")
    if wire_type == 0:
        b = buf[pos]
        pos += 1
        if b > 127:
            _, pos = varint(buf, pos, b)
        return pos
    if wire_type == 2:
        n = buf[pos]
        pos += 1
        if n > 127:
            n, pos = varint(buf, pos, n)
        pos += n
    elif wire_type == 1:
        pos += 8
    elif wire_type == 5:
        pos += 4
    elif wire_type == 3:
        return _skip_group(buf, pos, tag >> 3, end, depth + 1)
    else:
        raise DecodeError(f"wire type {wire_type} is not allowed here (field {tag >> 3})")
    if pos > end:
        raise DecodeError(f"field {tag >> 3}: the input ends inside the field")
    return pos


def _skip_group(buf: bytes, pos: int, number: int, end: int, depth: int) -> int:
    if depth > MAX_DEPTH:
        raise DecodeError(f"groups nested deeper than {MAX_DEPTH} levels")
    while pos < end:
        t = buf[pos]
        pos += 1
        if t > 127:
            t, pos = read_tag(buf, pos, t)
        if t & 7 == 4:
            if t >> 3 != number:
                raise DecodeError(f"group {number} closed by an end-group tag of field {t >> 3}")
            return pos
        pos = skip(buf, pos, t, end, depth)
    raise DecodeError(f"group {number} is never closed")


def merge(
    decode: Callable[[bytes, int, int, int], Any],
    buf: bytes,
    start: int,
    span: Any,
    pos: int,
    end: int,
    depth: int,
) -> tuple[Any, bytes]:
    """A singular message field met again: decode both occurrences as one.

    The earlier value came from ``buf[start:span]`` (or, after an earlier merge,
    ``span`` is those bytes).  Parsing the concatenation is exactly protobuf's
    merge (scalars: the last wins; repeated fields: appended; messages: merged).
    """
    earlier = span if isinstance(span, bytes) else buf[start:span]
    data = earlier + buf[pos:end]
    return decode(data, 0, len(data), depth), data


def attach(cls: Any, decode: Any, encode: Any, wire_decode: Any = None) -> None:
    """Give a message class its generated decoder and encoder (``wire_decode``: the
    generated decoder behind a hand-written fast one, for ``Struct.fields``)."""
    cls._viam_decode = staticmethod(decode)
    cls._viam_encode = encode
    if wire_decode is not None:
        cls._viam_wire_decode = staticmethod(wire_decode)


_CODECS_LOADED: set[str] = set()


def load_codec(cls: type) -> None:
    """Import the codec module of the package that generated ``cls`` (or the generated
    class it derives from), which attaches a codec to every class there."""
    generated = next((c for c in cls.__mro__ if "_viam_label" in vars(c)), None)
    if generated is None:
        raise TypeError(f"{cls.__name__} is not a generated message")
    module = generated.__module__
    if module in _CODECS_LOADED:
        raise TypeError(f"{cls.__name__} has no generated codec")
    importlib.import_module(module + "._codec")
    _CODECS_LOADED.add(module)


# The errors a decoder can meet in bytes that are not a message, other than its own.
_DECODE_FAILURES = (IndexError, struct.error, UnicodeDecodeError, OverflowError, ValueError, RecursionError)


def parse(cls: Any, data: Any) -> Any:
    """Decode ``data`` (bytes-like) as a message of type ``cls``."""
    if type(data) is not bytes:
        data = bytes(data)
    try:
        decode = cls._viam_decode
    except AttributeError:
        load_codec(cls)
        decode = cls._viam_decode
    size = len(data)
    paused = size >= GC_PAUSE_BYTES and gc.isenabled()
    if paused:
        gc.disable()
    try:
        return decode(data, 0, size, 0)
    except DecodeError as refused:
        raise DecodeError(f"cannot parse {_label(cls)}: {refused}") from None
    except _DECODE_FAILURES as failure:  # (a distinct name: mypyc types each handler's variable)
        raise DecodeError(f"cannot parse {_label(cls)}: {_reason(failure)}") from None
    finally:
        if paused:
            gc.enable()


def _label(cls: Any) -> str:
    return getattr(cls, "_viam_label", cls.__name__)


def _reason(exc: BaseException) -> str:
    if isinstance(exc, UnicodeDecodeError):
        return "a string field holds invalid UTF-8"
    if isinstance(exc, (IndexError, struct.error)):
        return "the input ends inside a field"
    if isinstance(exc, RecursionError):
        return f"messages nested deeper than {MAX_DEPTH} levels"
    return str(exc)


def serialize(message: Any) -> bytes:
    """The wire bytes of ``message``."""
    cls = type(message)
    try:
        encode = cls._viam_encode
    except AttributeError:
        load_codec(cls)
        encode = cls._viam_encode
    try:
        return encode(message)
    except struct.error as exc:
        raise EncodeError(f"cannot serialise {_label(cls)}: {exc}") from None


# -- encoding -----------------------------------------------------------------------


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


def unpack_many(fmt: str, size: int, buf: bytes, pos: int, n: int, label: str) -> tuple[Any, ...]:
    if n % size:
        raise DecodeError(f"{label}: a packed field of {n} bytes is not a whole number of {size}-byte values")
    return struct.unpack_from(f"<{n // size}{fmt}", buf, pos)


def length_delimited(out: bytearray, tag: bytes, body: bytes | bytearray) -> None:
    out += tag
    n = len(body)
    if n < 128:
        out.append(n)
    else:
        write_varint(out, n)
    out += body


# -- Timestamp and Duration as datetime and timedelta --------------------------------------

_UTC: Final = datetime.timezone.utc
_datetime: Final = datetime.datetime
_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=_UTC)
_timedelta = datetime.timedelta
#: True in the mypyc build (its ``__file__`` is the extension), False in the pure-Python module.
_COMPILED: Final = not __file__.endswith(".py")


def _seconds_nanos(buf: bytes, pos: int, end: int, label: str) -> tuple[int, int]:
    seconds = nanos = 0
    while pos < end:
        tag = buf[pos]
        pos += 1
        if tag > 127:
            tag, pos = read_tag(buf, pos, tag)
        if tag == 8 or tag == 16:
            v = buf[pos]
            pos += 1
            if v > 127:
                v, pos = varint(buf, pos, v)
            if tag == 8:
                seconds = i64(v)
            else:
                nanos = i32(v)
        else:
            pos = skip(buf, pos, tag, end)
    if pos != end:
        raise truncated(label)
    return seconds, nanos


def dec_timestamp(buf: bytes, pos: int, end: int, depth: int) -> datetime.datetime:
    return timestamp_of_raw(_timestamp_raw(buf, pos, end))


def _timestamp_raw(buf: bytes, pos: int, end: int) -> int:
    """A Timestamp as one int, ``seconds << 30 | nanos``, checked to fit a datetime.

    (A shift, not ``seconds * 10**9 + nanos``: compiled, a product that large leaves the
    machine-int fast path, and up to the year 2116 the shifted value stays in it.)
    """
    # the usual layout (seconds, then nanos, single-byte tags) in one pass; else the general loop
    start = pos
    seconds = nanos = 0
    while pos < end:
        t = buf[pos]
        if t != 8 and t != 16:
            seconds, nanos = _seconds_nanos(buf, start, end, "google.protobuf.Timestamp")
            break
        v = buf[pos + 1]
        pos += 2
        if v > 127:  # (read here: a call per varint is most of the pure-Python cost)
            v &= 0x7F
            shift = 7
            while True:
                b = buf[pos]
                pos += 1
                v |= (b & 0x7F) << shift
                if b < 128:
                    break
                shift += 7
                if shift >= 70:
                    raise DecodeError("a varint is longer than ten bytes")
        if t == 8:
            seconds = v if v <= 0x7FFFFFFFFFFFFFFF else i64(v)
        else:
            nanos = v if v <= 0x7FFFFFFF else i32(v)
    else:
        if pos != end:
            raise truncated("google.protobuf.Timestamp")
    if not 0 <= nanos <= 999_999_999:
        raise DecodeError(f"google.protobuf.Timestamp: nanos {nanos} is outside 0..999999999")
    if not _SECONDS_MIN <= seconds <= _SECONDS_MAX:
        raise DecodeError(f"google.protobuf.Timestamp: {seconds} s is beyond what a datetime holds")
    return (seconds << 30) | nanos


_NANOS_BITS: Final = 0x3FFFFFFF  # (nanos < 2**30)


def timestamp_of_raw(raw: int) -> datetime.datetime:
    """The datetime of a Timestamp read by ``_timestamp_raw``."""
    seconds = raw >> 30
    nanos = raw & _NANOS_BITS
    if nanos % 1000:
        return timestamp_value(seconds, nanos)
    if not _COMPILED:  # (the one call fewer shows in the pure-Python module)
        return _EPOCH + _timedelta(0, seconds, nanos // 1000)
    return utc_datetime(seconds, nanos // 1000)


# The seconds of 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z: what a datetime holds.
_SECONDS_MIN: Final = -62135596800
_SECONDS_MAX: Final = 253402300799


def utc_datetime(seconds: int, micros: int) -> datetime.datetime:
    """The UTC datetime ``seconds`` after the epoch (in years 1..9999), plus ``micros``.

    Compiled, it is built by the constructor from the civil date (the days-to-date
    arithmetic of H. Hinnant's ``civil_from_days``): well under half the cost of
    ``epoch + timedelta(...)``, which normalises a timedelta first.  Interpreted,
    that arithmetic costs more than it saves, so the pure-Python module adds.
    """
    if not _COMPILED:
        return _EPOCH + _timedelta(0, seconds, micros)
    days = seconds // 86400
    rest = seconds - days * 86400
    z = days + 719468
    era = z // 146097
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    day = doy - (153 * mp + 2) // 5 + 1
    month = mp + 3 if mp < 10 else mp - 9
    year = yoe + era * 400 + (1 if month <= 2 else 0)
    return _datetime(year, month, day, rest // 3600, rest // 60 % 60, rest % 60, micros, _UTC)


class BadTime:
    """A Timestamp or Duration no datetime/timedelta holds, met as the first occurrence of a
    singular field: a later occurrence may still make it valid (protobuf merges them), so
    the decoder raises ``error`` only if the field still holds this at the end."""

    __slots__ = ("error",)

    def __init__(self, error: DecodeError) -> None:
        self.error = error


def dec_timestamp_first(buf: bytes, pos: int, end: int, depth: int) -> Any:
    """``dec_timestamp`` for the first occurrence of a singular field: a ``BadTime`` instead of raising."""
    try:
        return dec_timestamp(buf, pos, end, depth)
    except DecodeError as exc:
        return BadTime(exc)


def dec_duration_first(buf: bytes, pos: int, end: int, depth: int) -> Any:
    """``dec_duration`` for the first occurrence of a singular field: a ``BadTime`` instead of raising."""
    try:
        return dec_duration(buf, pos, end, depth)
    except DecodeError as exc:
        return BadTime(exc)


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


def dec_duration(buf: bytes, pos: int, end: int, depth: int) -> datetime.timedelta:
    return duration_of_raw(_duration_raw(buf, pos, end))


def _duration_raw(buf: bytes, pos: int, end: int) -> int:
    """A Duration as one int, ``seconds << 31 | nanos + 10**9`` (its nanos, -999999999..999999999,
    made positive), checked to fit a timedelta."""
    seconds, nanos = _seconds_nanos(buf, pos, end, "google.protobuf.Duration")
    if not -999_999_999 <= nanos <= 999_999_999 or (nanos < 0 < seconds) or (seconds < 0 < nanos):
        raise DecodeError(f"google.protobuf.Duration: nanos {nanos} does not go with seconds {seconds}")
    if not _DURATION_LOW <= seconds * 1_000_000_000 + nanos < _DURATION_END:
        raise DecodeError(f"google.protobuf.Duration: {seconds} s is beyond what a timedelta holds")
    return (seconds << 31) | (nanos + 1_000_000_000)


def duration_of_raw(raw: int) -> datetime.timedelta:
    """The timedelta of a Duration read by ``_duration_raw``."""
    return duration_value(raw >> 31, (raw & 0x7FFFFFFF) - 1_000_000_000)


# The nanoseconds a timedelta holds (its microseconds, from -999999999 days up to 999999999 days
# less a microsecond): the duration_value of anything from _DURATION_LOW up to _DURATION_END.
_DURATION_LOW: Final = -999_999_999 * 86_400 * 1_000_000_000
_DURATION_END: Final = 1_000_000_000 * 86_400 * 1_000_000_000


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


# -- google.protobuf.Struct straight to and from Python values -----------------------------


class _Fallback(Exception):
    """The fast Struct decoder met something only the generated one keeps (an unknown field)."""


def _length(buf: bytes, pos: int) -> tuple[int, int]:
    n = buf[pos]
    pos += 1
    if n > 127:
        n, pos = varint(buf, pos, n)
    return n, pos


def _skip_field(buf: bytes, pos: int, end: int, strict: bool) -> int:
    """Past the unknown field at ``pos`` (a lenient decode), or ``_Fallback`` (a strict one)."""
    if strict:
        raise _Fallback
    tag = buf[pos]
    pos += 1
    if tag > 127:
        tag, pos = read_tag(buf, pos, tag)
    return skip(buf, pos, tag, end)


def struct_py(buf: bytes, pos: int, end: int, depth: int, strict: bool = False) -> dict[str, Any]:
    """A Struct's bytes as a dict of plain values, without a Value object per field.

    ``strict`` refuses (with ``_Fallback``) what a dict cannot give back exactly:
    a Value with no kind set, or a null of an unknown enum number.
    """
    if depth > MAX_DEPTH:
        raise too_deep("google.protobuf.Struct")
    out: dict[str, Any] = {}
    while pos < end:
        if buf[pos] != 10:
            pos = _skip_field(buf, pos, end, strict)
            continue
        n = buf[pos + 1]
        pos += 2
        if n > 127:
            n, pos = varint(buf, pos, n)
        e = pos + n
        # The usual entry, a short key then a number, string or bool with short
        # lengths, is read in one step; anything else (an entry too short to hold
        # a key, even the empty one at the end of the input) takes the general loop.
        if n > 1 and buf[pos] == 10 and buf[pos + 1] < 128:
            p = pos + 2 + buf[pos + 1]
            if p + 3 <= e and buf[p] == 18:
                vn = buf[p + 1]
                if p + 2 + vn == e:
                    t = buf[p + 2]
                    if t == 17 and vn == 9:
                        out[buf[pos + 2 : p].decode()] = unpack_d(buf, p + 3)[0]
                        pos = e
                        continue
                    if t == 26 and buf[p + 3] + 2 == vn:
                        out[buf[pos + 2 : p].decode()] = buf[p + 4 : e].decode()
                        pos = e
                        continue
                    if t == 32 and vn == 2 and buf[p + 3] < 128:
                        out[buf[pos + 2 : p].decode()] = buf[p + 3] != 0
                        pos = e
                        continue
        key = ""
        value = None
        kind = 0
        while pos < e:
            tag = buf[pos]
            if tag == 10:
                n, pos = _length(buf, pos + 1)
                key = buf[pos : pos + n].decode()
                pos += n
            elif tag == 18:
                n, pos = _length(buf, pos + 1)
                value, kind = _value_py(buf, pos, pos + n, depth + 1, value, kind, strict)
                pos += n
            else:
                pos = _skip_field(buf, pos, e, strict)
        if pos != e:
            raise truncated("google.protobuf.Struct")
        if kind == 0 and strict:
            raise _Fallback
        out[key] = value
    if pos != end:
        raise truncated("google.protobuf.Struct")
    return out


def _value_py(
    buf: bytes, pos: int, end: int, depth: int, value: Any, kind: int, strict: bool
) -> tuple[Any, int]:
    """A Value's bytes as a plain value; ``value``/``kind`` are what an earlier occurrence held."""
    if depth > MAX_DEPTH:
        raise too_deep("google.protobuf.Value")
    while pos < end:
        tag = buf[pos]
        pos += 1
        if tag == 17:  # number_value
            value = unpack_d(buf, pos)[0]
            pos += 8
            kind = 2
        elif tag == 26:  # string_value
            n, pos = _length(buf, pos)
            value = buf[pos : pos + n].decode()
            pos += n
            kind = 3
        elif tag == 32:  # bool_value
            v = buf[pos]
            pos += 1
            if v > 127:
                v, pos = varint(buf, pos, v)
            value = v != 0
            kind = 4
        elif tag == 42:  # struct_value: a second one merges into the first
            n, pos = _length(buf, pos)
            inner = struct_py(buf, pos, pos + n, depth + 1, strict)
            if kind == 5:
                value.update(inner)
            else:
                value = inner
            pos += n
            kind = 5
        elif tag == 50:  # list_value: a second one appends to the first
            n, pos = _length(buf, pos)
            items = _list_py(buf, pos, pos + n, depth + 1, strict)
            if kind == 6:
                value.extend(items)
            else:
                value = items
            pos += n
            kind = 6
        elif tag == 8:  # null_value
            v = buf[pos]
            pos += 1
            if v > 127:
                v, pos = varint(buf, pos, v)
            if v and strict:
                raise _Fallback
            value = None
            kind = 1
        else:
            pos = _skip_field(buf, pos - 1, end, strict)
    if pos != end:
        raise truncated("google.protobuf.Value")
    return value, kind


def _list_py(buf: bytes, pos: int, end: int, depth: int, strict: bool) -> list[Any]:
    if depth > MAX_DEPTH:
        raise too_deep("google.protobuf.ListValue")
    out: list[Any] = []
    while pos < end:
        if buf[pos] != 10:
            pos = _skip_field(buf, pos, end, strict)
            continue
        n, pos = _length(buf, pos + 1)
        value, kind = _value_py(buf, pos, pos + n, depth + 1, None, 0, strict)
        if kind == 0 and strict:
            raise _Fallback
        out.append(value)
        pos += n
    if pos != end:
        raise truncated("google.protobuf.ListValue")
    return out


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
            out += b"\x12\x02\x08\x00" if item is None else b"\x12\x02\x20\x01" if item else b"\x12\x02\x20\x00"
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


def struct_decoder(cls: Any, wire_decoder: Callable[..., Any]) -> Callable[[bytes, int, int, int], Any]:
    """The decoder of Struct fields: a Struct holding its dict, Value objects built only if asked."""

    def decode(buf: bytes, pos: int, end: int, depth: int) -> Any:
        try:
            value = struct_py(buf, pos, end, depth, True)
        except _Fallback:
            return wire_decoder(buf, pos, end, depth)
        message = new(cls)
        message._fields = None
        message._py = value
        message._enc = None
        message._unknown_fields = b""
        return message

    return decode


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


def struct_to_python(message: Any) -> dict[str, Any]:
    """A Struct's value as a dict.

    A Struct decoded from bytes (or made by ``from_python``) hands out its own
    dict, made once: the dict is the Struct's value from then on, so a change to
    it shows in the Struct.  A Struct built from Value messages gives a new dict.
    """
    if message._fields is None:
        if message._py is None:
            data = message._enc or b""
            message._py = struct_py(data, 0, len(data), 0)
        message._enc = None  # the caller may change the dict: bytes are made from it from now on
        return message._py
    data = serialize(message)
    return struct_py(data, 0, len(data), 0)


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


# -- Timestamp and Duration fields made on first read -----------------------------------------


def raw_timestamp_first(buf: bytes, pos: int, end: int, depth: int) -> Any:
    """A singular Timestamp field's first occurrence kept raw (nanoseconds since the epoch, checked
    as ``dec_timestamp`` checks), for :class:`LazyTime`; out of range, a ``BadTime``."""
    try:
        return _timestamp_raw(buf, pos, end)
    except DecodeError as exc:
        return BadTime(exc)


def raw_duration_first(buf: bytes, pos: int, end: int, depth: int) -> Any:
    """``raw_timestamp_first`` for a Duration (its nanoseconds)."""
    try:
        return _duration_raw(buf, pos, end)
    except DecodeError as exc:
        return BadTime(exc)


class LazyTime:
    """A singular Timestamp (or Duration) field whose datetime (timedelta) is made when first read.

    Set on the message class as the field's attribute.  A decoder stores a present
    value raw, one int checked at parse time (see ``_timestamp_raw``), in the instance under
    ``raw`` and leaves ``name`` unset; the first read makes the value from it and
    stores it under ``name`` in the instance, where every later read finds it without
    coming here (this descriptor has no ``__set__``, so the instance's own attribute
    wins).  Messages built by ``__init__``, or whose field was set, never come here.
    """

    def __init__(self, name: str, raw: str, duration: bool) -> None:
        self.name = name
        self.raw = raw
        self.duration = duration

    def __get__(self, instance: object, owner: object = None) -> Any:
        if instance is None:
            return self
        try:
            raw: int = getattr(instance, self.raw)
        except AttributeError:
            # another thread made it meanwhile, or the message never had the field (as a
            # message made by ``object.__new__`` alone): then, as for any unset attribute
            made = instance.__dict__
            if self.name in made:
                return made[self.name]
            raise AttributeError(f"{type(instance).__name__!r} object has no attribute {self.name!r}") from None
        value = duration_of_raw(raw) if self.duration else timestamp_of_raw(raw)
        setattr(instance, self.name, value)
        try:
            delattr(instance, self.raw)
        except AttributeError:
            pass
        return value


# -- table-driven decoders (the compiled build) ------------------------------------------

#: True where the codec modules decode through plans (the compiled build): there a loop
#: over a table of fields, compiled once here, beats a decoder per message run by the
#: interpreter; in the pure-Python module the generated decoders are faster and are kept.
PLANS: Final = _COMPILED

# What a plan does with one field (the ``kind`` of ``Plan.add``).
K_STRING: Final = 0
K_BYTES: Final = 1
K_INT32 = 2
K_INT64 = 3
K_UINT32 = 4
K_UINT64 = 5
K_SINT32 = 6
K_SINT64 = 7
K_BOOL: Final = 8
K_ENUM: Final = 9  # aux: the enum's value -> member map, aux2: the enum class
K_FIXED: Final = 10  # aux: the struct unpack_from of its format, aux2: its size in bytes
K_MESSAGE: Final = 11  # a singular message: aux is its decoder; a second occurrence merges
K_TIMESTAMP: Final = 12  # a singular Timestamp kept raw for LazyTime (aux2: the raw attribute);
# a value out of range waits for the end
K_DURATION: Final = 13  # the same for a Duration
K_REP_MESSAGE: Final = 14  # aux: the decoder of one item
K_REP_STRING: Final = 15
K_REP_BYTES: Final = 16


class PlanField:
    """How a plan reads one tag: into which slot, as what."""

    def __init__(self, slot: int, kind: int, aux: Any, aux2: Any, clears: list[int]) -> None:
        self.slot = slot
        self.kind = kind
        self.aux = aux
        self.aux2 = aux2
        self.clears = clears
        self.sub: Plan | None = aux.plan if isinstance(aux, PlanDecoder) else None
        self.members: dict[int, Any] = aux if kind == K_ENUM else {}  # (typed: a direct dict lookup)


class Plan:
    """The decoder of one message as data: its class, fields by tag, attribute names and defaults."""

    def __init__(self, cls: Any, label: str, names: list[str], defaults: list[Any]) -> None:
        self.cls = cls
        self.label = label
        self.names = names
        self.defaults = defaults
        self.lists: list[int] = []  # slots holding a new list per message
        self.times: list[int] = []  # slots that may hold a BadTime at the end
        self.raws: list[str] = [""] * len(names)  # by slot: the attribute of a raw Timestamp/Duration
        self.near: list[PlanField | None] = [None] * 128  # one-byte tags
        self.far: dict[int, PlanField] = {}

    def add(
        self, tag: int, slot: int, kind: int, aux: Any = None, aux2: Any = None, clears: Any = ()
    ) -> None:
        field = PlanField(slot, kind, aux, aux2, list(clears))
        if tag < 128:
            self.near[tag] = field
        else:
            self.far[tag] = field
        if kind >= K_REP_MESSAGE:
            self.lists.append(slot)
        elif kind == K_TIMESTAMP or kind == K_DURATION:
            self.times.append(slot)
            self.raws[slot] = aux2


class PlanDecoder:
    """A plan as a decoder function ``(buf, pos, end, depth) -> message``."""

    def __init__(self, plan: Plan) -> None:
        self.plan = plan

    def __call__(self, buf: bytes, pos: int, end: int, depth: int) -> Any:
        return plan_decode(self.plan, buf, pos, end, depth)


def plan(namespace: dict[str, Any], name: str, cls: Any, label: str, names: Any, defaults: Any) -> None:
    """Make ``namespace[name]`` (a codec module's decoder of ``cls``) a plan, its fields added next
    (:func:`plan_fields`): every decoder, generated or planned, then calls the planned one."""
    namespace[name] = PlanDecoder(Plan(cls, label, list(names), list(defaults)))


def plan_fields(decoder: Any, fields: Any) -> None:
    """Give the plan of ``decoder`` its fields: ``(tag, slot, kind, aux, aux2, clears)`` each."""
    target: Plan = decoder.plan
    for tag, slot, kind, aux, aux2, clears in fields:
        target.add(tag, slot, kind, aux, aux2, clears)


def _earlier(plan: Plan, buf: bytes, pos: int, upto: int, want: int, slot: int) -> bytes:
    """The values of field ``want`` (in ``slot``) met in ``buf[pos:upto]``, joined, since a member
    of its oneof last cleared it: what a second occurrence merges with.  (Found again rather
    than remembered: a field met twice is rare, and remembering costs every message.)"""
    joined = b""
    while pos < upto:
        tag = buf[pos]
        pos += 1
        if tag > 127:
            tag, pos = read_tag(buf, pos, tag)
        if tag == want:
            n = buf[pos]
            pos += 1
            if n > 127:
                n, pos = varint(buf, pos, n)
            joined += buf[pos : pos + n]
            pos += n
            continue
        field = plan.near[tag] if tag < 128 else plan.far.get(tag)
        if field is not None and slot in field.clears:
            joined = b""
        pos = skip(buf, pos, tag, upto)
    return joined


def plan_decode(plan: Plan, buf: bytes, pos: int, end: int, depth: int) -> Any:
    """Decode a message by its plan: the generated decoder's rules, field for field."""
    if depth > MAX_DEPTH:
        raise too_deep(plan.label)
    values = plan.defaults.copy()
    for slot in plan.lists:
        values[slot] = []
    begin = pos
    unknown: bytes | None = None
    near = plan.near
    while pos < end:
        start = pos
        tag = buf[pos]
        pos += 1
        if tag > 127:
            tag, pos = read_tag(buf, pos, tag)  # (a short tag may come padded to more bytes)
        field = near[tag] if tag < 128 else plan.far.get(tag)
        if field is None:
            pos = skip(buf, pos, tag, end, depth)
            unknown = buf[start:pos] if unknown is None else unknown + buf[start:pos]
            continue
        kind = field.kind
        slot = field.slot
        if tag & 7 == 2:
            n = buf[pos]
            pos += 1
            if n > 127:
                n, pos = varint(buf, pos, n)
            e = pos + n
            if e > end:
                raise truncated(plan.label)
            if kind == K_STRING:
                values[slot] = buf[pos:e].decode("utf-8")
            elif kind == K_REP_MESSAGE:
                items: list[Any] = values[slot]
                sub = field.sub
                if sub is not None:
                    items.append(plan_decode(sub, buf, pos, e, depth + 1))
                else:
                    items.append(field.aux(buf, pos, e, depth + 1))
            elif kind == K_TIMESTAMP or kind == K_DURATION or kind == K_MESSAGE:
                if values[slot] is None:
                    if kind == K_TIMESTAMP:
                        values[slot] = raw_timestamp_first(buf, pos, e, depth + 1)
                    elif kind == K_DURATION:
                        values[slot] = raw_duration_first(buf, pos, e, depth + 1)
                    elif field.sub is not None:
                        values[slot] = plan_decode(field.sub, buf, pos, e, depth + 1)
                    else:
                        values[slot] = field.aux(buf, pos, e, depth + 1)
                else:  # met again: decode every occurrence as one (protobuf's merge)
                    if kind == K_TIMESTAMP:
                        again: Any = raw_timestamp_first
                    elif kind == K_DURATION:
                        again = raw_duration_first
                    else:
                        again = field.aux
                    joined = _earlier(plan, buf, begin, start, tag, slot) + buf[pos:e]
                    values[slot] = again(joined, 0, len(joined), depth + 1)
            elif kind == K_BYTES:
                values[slot] = buf[pos:e]
            elif kind == K_REP_STRING:
                values[slot].append(buf[pos:e].decode("utf-8"))
            else:  # K_REP_BYTES
                values[slot].append(buf[pos:e])
            pos = e
        elif kind == K_FIXED:
            values[slot] = field.aux(buf, pos)[0]
            pos += field.aux2
        else:
            v = buf[pos]
            pos += 1
            if v > 127:
                v, pos = varint(buf, pos, v)
                if kind == K_INT32 or kind == K_ENUM:
                    v = i32(v)
                elif kind == K_INT64:
                    v = i64(v)
                elif kind == K_UINT32 or kind == K_SINT32:
                    v &= _MASK32
                elif kind != K_BOOL:
                    v &= _MASK64
            if kind == K_ENUM:
                member = field.members.get(v)
                values[slot] = member if member is not None else field.aux2(v)
            elif kind == K_BOOL:
                values[slot] = v != 0
            elif kind == K_SINT32 or kind == K_SINT64:
                values[slot] = (v >> 1) ^ -(v & 1)
            else:
                values[slot] = v
        for other in field.clears:
            values[other] = None
    if pos != end:
        raise truncated(plan.label)
    for slot in plan.times:
        bad = values[slot]
        if isinstance(bad, BadTime):
            raise bad.error
    m = new(plan.cls)
    for name, raw, value in zip(plan.names, plan.raws, values):  # noqa: B905 (equal lengths; compiled as a loop)
        if value is None or not raw:
            setattr(m, name, value)
        else:  # a Timestamp/Duration: LazyTime makes its value when first read
            setattr(m, raw, value)
    if unknown is not None:  # (else the class's b"": one attribute fewer to set per message)
        m._unknown_fields = unknown
    return m
