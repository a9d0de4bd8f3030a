"""The protobuf wire format, as the generated codecs use it.

Every message has a decoder and an encoder written for it by the generator (in
the ``_codec`` module beside its class); the decoders call the few helpers here:
varints beyond one byte, unknown fields, merging, the well-known types whose
Python value is not a message (Timestamp as ``datetime``, Duration as
``timedelta``, to the nanosecond: see ``_time``), and ``google.protobuf.Struct`` decoded straight to a ``dict``.
The encoders' helpers are in ``_wire_encode``; the table-driven decoders of the
compiled build in ``_wire_plan``.

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
import struct
from collections.abc import Callable
from typing import Any, Final

from ._time import duration_value, timestamp_value

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
new: Final = object.__new__


class DecodeError(ValueError):
    """The bytes are not a valid encoding of the message type asked for."""


class EncodeError(ValueError):
    """A message holds a value its field cannot carry (out of range, wrong type).

    For a wrong type the error raised is ``_messages.EncodeTypeError``, a ``TypeError`` too."""


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
    return encode(message)  # a value of the wrong type: Message.__bytes__ says where (_messages.misplaced)


def unpack_many(fmt: str, size: int, buf: bytes, pos: int, n: int, label: str) -> tuple[Any, ...]:
    if n % size:
        raise DecodeError(f"{label}: a packed field of {n} bytes is not a whole number of {size}-byte values")
    return struct.unpack_from(f"<{n // size}{fmt}", buf, pos)


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
