"""Proto3 JSON, as the generated JSON codecs use it.

Every message has a JSON encoder and decoder written for it by the generator
(in the ``_json`` module beside its class, loaded on first use); they call the
helpers here for what is the same for every message: the checks and
conversions of each kind of value (integers in range, 64-bit integers as
strings, floats with NaN and Infinity, base64 in both alphabets, enums by name
or number, Timestamp and Duration strings) and the well-known types whose JSON
form is not an object of their fields (Struct, Value, ListValue, Any,
FieldMask, Timestamp, Duration).

The mapping is https://protobuf.dev/programming-guides/json/ as Google's
``json_format`` applies it: an encoder returns plain Python values
(``json.dumps`` prints them); a decoder takes what ``json.loads`` made and
raises :class:`JsonParseError` for anything the mapping refuses.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import importlib
import json
import math
import re
import struct
from collections.abc import Callable, Mapping
from typing import Any

import betterproto2

from . import _time
from ._time import duration_value, timestamp_value

__all__ = ["JsonParseError", "JsonSerializeError", "default_message_pool", "from_dict", "from_json", "to_dict"]

# Every generated message registers itself here under its proto name, so that
# google.protobuf.Any values can be packed and unpacked (in JSON by their type URL).
default_message_pool: betterproto2.MessagePool = betterproto2.MessagePool()

#: JSON nested deeper than this is refused (Google's parser has the same limit).
MAX_DEPTH = 100


class JsonParseError(ValueError):
    """The JSON is not a valid proto3 JSON form of the message asked for."""


class JsonSerializeError(ValueError):
    """The message holds a value proto3 JSON cannot represent (a NaN in a Value, a Timestamp out of range)."""


#: Returned by an enum decoder for an unknown name while unknown fields are ignored: the value is dropped.
SKIP: Any = object()

_new = object.__new__
_UTC = datetime.timezone.utc
_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=_UTC)
_timedelta = datetime.timedelta


def _short(value: Any) -> str:
    text = json.dumps(value) if isinstance(value, (str, int, float, bool, type(None))) else repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def bad(label: str, value: Any, what: str) -> JsonParseError:
    return JsonParseError(f"{label}: {_short(value)} is not {what}")


# -- entry points (Message.to_dict & co.) ---------------------------------------------------------


def _load(cls: type) -> None:
    generated = next((c for c in cls.__mro__ if "_viam_label" in vars(c)), None)
    if generated is None:
        raise TypeError(f"{cls.__name__} is not a generated message")
    importlib.import_module(generated.__module__ + "._json")
    if "_viam_to_json" not in vars(generated):
        raise TypeError(f"{cls.__name__} has no generated JSON codec")


def encoder(cls: Any) -> Callable[[Any, int, bool], Any]:
    try:
        return cls._viam_to_json
    except AttributeError:
        _load(cls)
        return cls._viam_to_json


def decoder(cls: Any) -> Callable[[Any, bool, int], Any]:
    try:
        return cls._viam_from_json
    except AttributeError:
        _load(cls)
        return cls._viam_from_json


def attach(cls: Any, to_json: Any, from_json: Any, special: bool = False) -> None:
    """Give a message class its generated JSON encoder and decoder (``special``: a well-known
    type whose JSON is not an object of its fields, put under ``"value"`` in an Any)."""
    cls._viam_to_json = staticmethod(to_json)
    cls._viam_from_json = staticmethod(from_json)
    cls._viam_json_special = special


def to_dict(message: Any, snake: bool = False, defaults: bool = False) -> Any:
    """``message`` as a JSON value: a dict, or for some well-known types a string, number or list."""
    return encoder(type(message))(message, snake, defaults)


def _refuse_constant(name: str) -> Any:
    raise JsonParseError(f"{name} is not JSON; proto3 JSON writes it as a string: {json.dumps(name)}")


def from_json(cls: Any, text: str | bytes | bytearray, ignore_unknown_fields: bool = False) -> Any:
    try:
        value = json.loads(text, parse_constant=_refuse_constant)
    except json.JSONDecodeError as exc:
        raise JsonParseError(f"cannot read {_label(cls)}: the text is not JSON ({exc})") from None
    except RecursionError:
        raise JsonParseError(f"cannot read {_label(cls)}: JSON nested too deeply") from None
    return from_dict(cls, value, ignore_unknown_fields)


def from_dict(cls: Any, value: Any, ignore_unknown_fields: bool = False) -> Any:
    try:
        return decoder(cls)(value, ignore_unknown_fields, 0)
    except RecursionError:
        raise JsonParseError(f"cannot read {_label(cls)}: JSON nested too deeply") from None


def _label(cls: Any) -> str:
    return getattr(cls, "_viam_label", getattr(cls, "__name__", "message"))


# -- a message -----------------------------------------------------------------------------------


def not_object(label: str, value: Any) -> JsonParseError:
    return bad(label, value, "a JSON object")


def not_list(label: str, value: Any) -> JsonParseError:
    return bad(label, value, "a JSON array (a repeated field takes a list)")


def too_deep(label: str) -> JsonParseError:
    return JsonParseError(f"{label}: JSON nested deeper than {MAX_DEPTH} levels")


def unknown_field(label: str, name: str) -> JsonParseError:
    return JsonParseError(
        f"{label} has no field named {json.dumps(name)}; "
        "pass ignore_unknown_fields=True to skip names this version does not know"
    )


def second_member(label: str, group: str) -> JsonParseError:
    return JsonParseError(f"{label}: two members of oneof {group} are set; give one at most")


def null_item(label: str) -> JsonParseError:
    return JsonParseError(f"{label}: null is not allowed in a list or as a map value")


# -- scalars in ---------------------------------------------------------------------------------

# JSON's number grammar (a numeric string must follow it too: no spaces, no '+', no leading zeros)
_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")


def integer(value: Any, low: int, high: int, label: str) -> int:
    """An integer field's value: a JSON number or numeric string with no fraction, within range."""
    if type(value) is int:
        number: Any = value
    elif type(value) is float:
        if not value.is_integer():
            raise bad(label, value, "an integer")
        number = int(value)
    elif type(value) is str:
        if not _NUMBER.fullmatch(value):
            raise bad(label, value, "an integer")
        try:
            number = int(value)
        except ValueError:
            import decimal  # only for numbers written with a fraction or an exponent

            exact = decimal.Decimal(value)
            if not low <= exact <= high:
                raise JsonParseError(f"{label}: {value} is out of range ({low}..{high})") from None
            if exact != exact.to_integral_value():
                raise bad(label, value, "an integer") from None
            number = int(exact)
    elif isinstance(value, int) and not isinstance(value, bool):  # an enum member, numpy-free int subclass
        number = int(value)
    else:
        raise bad(label, value, "an integer")
    if not low <= number <= high:
        raise JsonParseError(f"{label}: {number} is out of range ({low}..{high})")
    return int(number)


_FLOAT_MAX = struct.unpack("<f", b"\xff\xff\x7f\x7f")[0]
_SPECIAL_FLOATS = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}


def double(value: Any, label: str) -> float:
    """A double field's value: a number, a numeric string, or "NaN", "Infinity", "-Infinity"."""
    if type(value) is float:
        if value - value == 0:
            return value
        raise JsonParseError(f"{label}: {value!r} is out of range for a double")
    if type(value) is int:
        try:
            return float(value)
        except OverflowError:
            raise JsonParseError(f"{label}: {value} is out of range for a double") from None
    if type(value) is str:
        special = _SPECIAL_FLOATS.get(value)
        if special is not None:
            return special
        if not _NUMBER.fullmatch(value):
            raise bad(label, value, "a number")
        result = float(value)
        if result - result != 0:
            raise JsonParseError(f"{label}: {value} is out of range for a double")
        return result
    raise bad(label, value, "a number")


def float32(value: Any, label: str) -> float:
    """A float field's value: as :func:`double`, within float32's range."""
    result = double(value, label)
    if result - result == 0 and abs(result) > _FLOAT_MAX:
        # values that round to the largest float32 are kept, as Google keeps them
        if abs(result) > 3.4028235677973366e38:
            raise JsonParseError(f"{label}: {value} is out of range for a float")
        result = math.copysign(_FLOAT_MAX, result)
    return result


def boolean(value: Any, label: str) -> bool:
    if value is True or value is False:
        return value
    raise bad(label, value, "true or false")


def string(value: Any, label: str) -> str:
    if type(value) is not str:
        raise bad(label, value, "a string")
    if not value.isascii():
        try:
            value.encode()
        except UnicodeEncodeError:
            raise JsonParseError(f"{label}: the string holds an unpaired surrogate escape") from None
    return value


_URL_TO_STANDARD = bytes.maketrans(b"-_", b"+/")


def bytes_(value: Any, label: str) -> bytes:
    """Base64 in the standard or the URL-safe alphabet, with or without padding."""
    if type(value) is bytes:
        return value
    if type(value) is not str:
        raise bad(label, value, "a base64 string")
    data = value.encode("ascii", "replace").translate(_URL_TO_STANDARD).rstrip(b"=")
    data += b"=" * (-len(data) % 4)
    try:
        return base64.b64decode(data, validate=True)
    except binascii.Error:
        raise bad(label, value, "base64") from None


def enum(value: Any, names: Mapping[str, int], enum_type: Any, ignore: bool, label: str) -> Any:
    """An enum by proto name or number; an unknown name is refused, or SKIP when ignoring unknowns."""
    if type(value) is str:
        number = names.get(value)
        if number is None:
            if ignore:
                return SKIP
            raise JsonParseError(
                f"{label}: {json.dumps(value)} is not a value of {enum_type.__name__}; "
                f"known names: {', '.join(sorted(names))}"
            )
        return enum_type(number)
    if isinstance(value, int) and not isinstance(value, bool):
        return enum_type(integer(value, -(2**31), 2**31 - 1, label))
    if type(value) is float and value.is_integer():
        return enum_type(integer(value, -(2**31), 2**31 - 1, label))
    raise bad(label, value, f"a name or number of {enum_type.__name__}")


def enums(values: Any, names: Mapping[str, int], enum_type: Any, ignore: bool, label: str) -> list[Any]:
    if type(values) is not list:
        raise not_list(label, values)
    out = []
    for item in values:
        if item is None:
            raise null_item(label)
        member = enum(item, names, enum_type, ignore, label)
        if member is not SKIP:
            out.append(member)
    return out


def null_value(value: Any, label: str) -> Any:
    """google.protobuf.NullValue: null, its name or 0; the member is the number 0."""
    if value is None or value == "NULL_VALUE" or (type(value) is int and value == 0):
        return 0
    raise bad(label, value, "null")


def map_key(value: str, kind: str, low: int, high: int, label: str) -> Any:
    if kind == "string":
        return string(value, label)
    if kind == "bool":
        if value == "true":
            return True
        if value == "false":
            return False
        raise bad(label, value, 'a bool map key ("true" or "false")')
    return integer(value, low, high, label)


# -- scalars out --------------------------------------------------------------------------------


def nonfinite(value: float) -> Any:
    """A double that is NaN or infinite, as proto3 JSON writes it."""
    if value != value:
        return "NaN"
    if value - value == 0:
        return value
    return "Infinity" if value > 0 else "-Infinity"


_pack_f = struct.Struct("<f").pack
_unpack_f = struct.Struct("<f").unpack


def f32(value: float) -> Any:
    """A float32 as the shortest decimal that reads back to the same float32 (as Google prints it)."""
    if value - value != 0:
        return nonfinite(value)
    if value == 0.0:
        return value
    try:
        exact = _unpack_f(_pack_f(value))[0]
    except OverflowError:
        return "Infinity" if value > 0 else "-Infinity"
    for digits in range(6, 10):
        shorter = float(f"{exact:.{digits}g}")
        if _unpack_f(_pack_f(shorter))[0] == exact:
            return shorter
    return exact


def b64(value: bytes) -> str:
    return base64.b64encode(value).decode("ascii")


def enum_name(names: Mapping[int, str], value: Any) -> Any:
    """An enum as its proto name, or its number when this version has no name for it."""
    name = names.get(value)
    return name if name is not None else int(value)


def negative_zero(value: float) -> bool:
    return math.copysign(1.0, value) < 0.0


# -- Timestamp and Duration ------------------------------------------------------------------------

_TIMESTAMP = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\.([0-9]{1,9}))?(Z|[+-][0-9]{2}:[0-9]{2})"
)
_DURATION = re.compile(r"(-)?([0-9]+)(?:\.([0-9]{1,9}))?s")
TIMESTAMP_MIN = -62135596800  # 0001-01-01T00:00:00Z
TIMESTAMP_MAX = 253402300799  # 9999-12-31T23:59:59Z
DURATION_MAX = 315576000000  # ten thousand years of seconds


def timestamp_parts(value: Any, label: str) -> tuple[int, int]:
    """An RFC 3339 string as (seconds, nanos) since the epoch."""
    if type(value) is not str:
        raise bad(label, value, "an RFC 3339 timestamp string")
    match = _TIMESTAMP.fullmatch(value)
    if match is None:
        raise bad(label, value, 'a timestamp like "1972-01-01T10:00:20.021Z" (or with an offset, "+01:00")')
    year, month, day, hour, minute, second = (int(match.group(i)) for i in range(1, 7))
    fraction, zone = match.group(7), match.group(8)
    try:
        moment = datetime.datetime(year, month, day, hour, minute, second, tzinfo=_UTC)
    except ValueError:
        raise bad(label, value, "a valid date and time") from None
    seconds = (moment - _EPOCH) // _timedelta(seconds=1)
    if zone != "Z":
        hours, minutes = int(zone[1:3]), int(zone[4:6])
        if hours > 23 or minutes > 59:
            raise bad(label, value, "a timestamp with a valid offset")
        shift = hours * 3600 + minutes * 60
        seconds += -shift if zone[0] == "+" else shift
    if not TIMESTAMP_MIN <= seconds <= TIMESTAMP_MAX:
        raise JsonParseError(f"{label}: {json.dumps(value)} is outside years 0001 to 9999")
    nanos = int(fraction.ljust(9, "0")) if fraction else 0
    return seconds, nanos


def timestamp(value: Any, label: str) -> datetime.datetime:
    """A Timestamp field's value: a datetime in UTC (a ``TimestampDatetime`` below the microsecond)."""
    if isinstance(value, datetime.datetime):
        return value
    seconds, nanos = timestamp_parts(value, label)
    return timestamp_value(seconds, nanos)


def _fraction(nanos: int) -> str:
    if nanos == 0:
        return ""
    if nanos % 1_000_000 == 0:
        return f".{nanos // 1_000_000:03d}"
    if nanos % 1000 == 0:
        return f".{nanos // 1000:06d}"
    return f".{nanos:09d}"


def timestamp_text(seconds: int, nanos: int, label: str) -> str:
    if not TIMESTAMP_MIN <= seconds <= TIMESTAMP_MAX:
        raise JsonSerializeError(f"{label}: {seconds} s since the epoch is outside years 0001 to 9999")
    if not 0 <= nanos <= 999_999_999:
        raise JsonSerializeError(f"{label}: nanos {nanos} is outside 0..999999999")
    m = _EPOCH + _timedelta(0, seconds)
    # (not strftime: its %Y does not pad years below 1000 on every platform)
    return f"{m.year:04d}-{m.month:02d}-{m.day:02d}T{m.hour:02d}:{m.minute:02d}:{m.second:02d}{_fraction(nanos)}Z"


def timestamp_out(value: datetime.datetime) -> str:
    """A Timestamp field's datetime (naive: taken as UTC) as RFC 3339 text in UTC, to the nanosecond."""
    try:
        seconds, nanos = _time.timestamp_parts(value)
    except OverflowError:
        raise JsonSerializeError(f"{value.isoformat()} is outside years 0001 to 9999 in UTC") from None
    except ValueError as exc:
        raise JsonSerializeError(f"google.protobuf.Timestamp: {exc}") from None
    return timestamp_text(seconds, nanos, "google.protobuf.Timestamp")


def duration_parts(value: Any, label: str) -> tuple[int, int]:
    """Duration text ("-1.5s") as (seconds, nanos), both with the sign of the whole."""
    if type(value) is not str:
        raise bad(label, value, 'a duration string like "1.5s"')
    match = _DURATION.fullmatch(value)
    if match is None:
        raise bad(label, value, 'a duration like "1.5s" or "-0.000001s"')
    seconds = int(match.group(2))
    nanos = int(match.group(3).ljust(9, "0")) if match.group(3) else 0
    if seconds > DURATION_MAX:
        raise JsonParseError(f"{label}: {value} is beyond ±{DURATION_MAX} s")
    if match.group(1):
        seconds, nanos = -seconds, -nanos
    return seconds, nanos


def duration(value: Any, label: str) -> datetime.timedelta:
    """A Duration field's value: a timedelta (a ``DurationTimedelta`` below the microsecond)."""
    if isinstance(value, datetime.timedelta):
        return value
    seconds, nanos = duration_parts(value, label)
    return duration_value(seconds, nanos)


def duration_text(seconds: int, nanos: int, label: str) -> str:
    if not -DURATION_MAX <= seconds <= DURATION_MAX:
        raise JsonSerializeError(f"{label}: {seconds} s is beyond ±{DURATION_MAX} s")
    if not -999_999_999 <= nanos <= 999_999_999 or (seconds and nanos and (seconds < 0) != (nanos < 0)):
        raise JsonSerializeError(f"{label}: nanos {nanos} does not fit seconds {seconds}")
    sign = "-" if seconds < 0 or nanos < 0 else ""
    return f"{sign}{abs(seconds)}{_fraction(abs(nanos))}s"


def duration_out(value: datetime.timedelta) -> str:
    """A Duration field's timedelta as proto3 JSON text ("-1.5s"), to the nanosecond."""
    try:
        seconds, nanos = _time.duration_parts(value)
    except ValueError as exc:
        raise JsonSerializeError(f"google.protobuf.Duration: {exc}") from None
    return duration_text(seconds, nanos, "google.protobuf.Duration")


def timestamp_message_to_json(m: Any, snake: bool, defaults: bool) -> str:
    return timestamp_text(m.seconds, m.nanos, "google.protobuf.Timestamp")


def timestamp_message_from_json(cls: Any, value: Any, ignore: bool, depth: int) -> Any:
    seconds, nanos = timestamp_parts(value, "google.protobuf.Timestamp")
    return cls(seconds=seconds, nanos=nanos)


def duration_message_to_json(m: Any, snake: bool, defaults: bool) -> str:
    return duration_text(m.seconds, m.nanos, "google.protobuf.Duration")


def duration_message_from_json(cls: Any, value: Any, ignore: bool, depth: int) -> Any:
    seconds, nanos = duration_parts(value, "google.protobuf.Duration")
    return cls(seconds=seconds, nanos=nanos)


# -- FieldMask ------------------------------------------------------------------------------------


def _camel_path(path: str) -> str:
    """A snake_case FieldMask path in lowerCamelCase; refused when it would not read back the same."""
    out = []
    after_underscore = False
    for ch in path:
        if ch.isupper():
            break
        if after_underscore:
            if not ch.islower():
                break
            out.append(ch.upper())
            after_underscore = False
        elif ch == "_":
            after_underscore = True
        else:
            out.append(ch)
    else:
        if not after_underscore:
            return "".join(out)
    raise JsonSerializeError(
        f"google.protobuf.FieldMask: path {json.dumps(path)} has no JSON form "
        "(paths are lower_snake_case, each '_' followed by a lower-case letter)"
    )


def field_mask_to_json(m: Any, snake: bool, defaults: bool) -> str:
    return ",".join(_camel_path(path) for path in m.paths)


def field_mask_from_json(cls: Any, value: Any, ignore: bool, depth: int) -> Any:
    label = "google.protobuf.FieldMask"
    if type(value) is not str:
        raise bad(label, value, 'a comma-separated string of paths ("a.b,cD")')
    paths = []
    for path in value.split(",") if value else ():
        if "_" in path:
            raise bad(label, path, "a lowerCamelCase path (without '_')")
        paths.append("".join("_" + ch.lower() if ch.isupper() else ch for ch in path))
    return cls(paths=paths)


# -- Struct, Value, ListValue --------------------------------------------------------------------

_WELL_KNOWN: dict[str, Any] = {}


def well_known(**classes: Any) -> None:
    """Record the classes of google.protobuf (Struct, Value, ListValue, NullValue) for the helpers here."""
    _WELL_KNOWN.update(classes)


def _plain_out(value: Any, depth: int) -> Any:
    """A Struct's Python value (its dict, a list, a scalar) as a fresh JSON value."""
    kind = type(value)
    if kind is str or kind is bool or value is None:
        return value
    if kind is float:
        if value - value == 0:
            return value
        raise JsonSerializeError(
            f"google.protobuf.Value: {value!r} has no JSON form in a Value (only in a double field)"
        )
    if depth > MAX_DEPTH:
        raise JsonSerializeError(f"google.protobuf.Struct nested deeper than {MAX_DEPTH} levels")
    if kind is dict:
        return _plain_dict(value, depth + 1)
    if kind is list or kind is tuple:
        return [_plain_out(v, depth + 1) for v in value]
    if isinstance(value, int):
        return float(value)
    if isinstance(value, datetime.datetime):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {k: _plain_out(v, depth + 1) for k, v in value.items()}
    label = getattr(type(value), "_viam_label", "")
    if label in ("google.protobuf.Struct", "google.protobuf.Value", "google.protobuf.ListValue"):
        return to_dict(value)
    raise JsonSerializeError(f"google.protobuf.Struct: a {type(value).__name__} has no JSON form")


def _plain_dict(value: dict[str, Any], depth: int) -> dict[str, Any]:
    """A Struct's dict as a fresh one; the common values (strings, finite numbers) copied in line."""
    out = {}
    for k, v in value.items():
        kind = type(v)
        if kind is float and v - v == 0 or kind is str or kind is bool or v is None:
            out[k] = v
        else:
            out[k] = _plain_out(v, depth)
    return out


def _plain_in(value: Any, depth: int) -> Any:
    """A JSON value as a Struct's Python value (numbers as floats), checked."""
    kind = type(value)
    if kind is str:
        return string(value, "google.protobuf.Value")
    if kind is float or kind is bool or value is None:
        return value
    if kind is int:
        return double(value, "google.protobuf.Value")
    if depth > MAX_DEPTH:
        raise too_deep("google.protobuf.Struct")
    if kind is dict:
        return {string(k, "google.protobuf.Struct key"): _plain_in(v, depth + 1) for k, v in value.items()}
    if kind is list:
        return [_plain_in(v, depth + 1) for v in value]
    raise bad("google.protobuf.Value", value, "a JSON value")


def struct_to_json(m: Any, snake: bool, defaults: bool) -> dict[str, Any]:
    if m._fields is None:
        if m._py is None:
            from ._wire import struct_py

            data = m._enc or b""
            return _plain_out(struct_py(data, 0, len(data), 0), 0)
        return _plain_dict(m._py, 1)
    return {k: value_to_json(v, snake, defaults) for k, v in m._fields.items()}


def struct_from_json(cls: Any, value: Any, ignore: bool, depth: int) -> Any:
    if type(value) is not dict:
        raise not_object("google.protobuf.Struct", value)
    message = _new(cls)
    message._fields = None
    message._py = _plain_in(value, depth + 1)
    message._enc = None
    message._unknown_fields = b""
    return message


def value_to_json(m: Any, snake: bool, defaults: bool) -> Any:
    if m.struct_value is not None:
        return struct_to_json(m.struct_value, snake, defaults)
    if m.list_value is not None:
        return list_value_to_json(m.list_value, snake, defaults)
    if m.string_value is not None:
        return m.string_value
    if m.bool_value is not None:
        return m.bool_value
    if m.number_value is not None:
        return _plain_out(m.number_value, 0)
    return None  # null, or no kind set (printed as null, as Google does)


def value_from_json(cls: Any, value: Any, ignore: bool, depth: int) -> Any:
    if value is None:
        return cls(null_value=_WELL_KNOWN["NullValue"](0))
    kind = type(value)
    if kind is bool:
        return cls(bool_value=value)
    if kind is float or kind is int:
        return cls(number_value=double(value, "google.protobuf.Value"))
    if kind is str:
        return cls(string_value=string(value, "google.protobuf.Value"))
    if depth > MAX_DEPTH:
        raise too_deep("google.protobuf.Value")
    if kind is dict:
        return cls(struct_value=struct_from_json(_WELL_KNOWN["Struct"], value, ignore, depth + 1))
    if kind is list:
        return cls(list_value=list_value_from_json(_WELL_KNOWN["ListValue"], value, ignore, depth + 1))
    raise bad("google.protobuf.Value", value, "a JSON value")


def list_value_to_json(m: Any, snake: bool, defaults: bool) -> list[Any]:
    return [value_to_json(v, snake, defaults) for v in m.values]


def list_value_from_json(cls: Any, value: Any, ignore: bool, depth: int) -> Any:
    if type(value) is not list:
        raise not_list("google.protobuf.ListValue", value)
    if depth > MAX_DEPTH:
        raise too_deep("google.protobuf.ListValue")
    value_cls = _WELL_KNOWN["Value"]
    return cls(values=[value_from_json(value_cls, v, ignore, depth + 1) for v in value])


# -- Any -------------------------------------------------------------------------------------------


def _any_type(url: Any, label: str) -> Any:
    if type(url) is not str or "/" not in url:
        raise bad(label, url, 'a type URL like "type.googleapis.com/package.Message"')
    found = default_message_pool.url_to_type.get(url)
    if found is None:
        name = url.rsplit("/", 1)[1]
        found = next(
            (t for u, t in default_message_pool.url_to_type.items() if u.rsplit("/", 1)[1] == name), None
        )
    if found is None:
        raise JsonParseError(f"{label}: no message type {json.dumps(url)} is known here")
    return found


def any_to_json(m: Any, snake: bool, defaults: bool) -> dict[str, Any]:
    url, data = m.type_url, m.value
    if not url and not data:
        return {}
    cls = _any_type(url, "google.protobuf.Any")
    inner = encoder(cls)(cls.parse(data), snake, defaults)
    if cls._viam_json_special:
        return {"@type": url, "value": inner}
    return {"@type": url, **inner}


def any_from_json(cls: Any, value: Any, ignore: bool, depth: int) -> Any:
    label = "google.protobuf.Any"
    if type(value) is not dict:
        raise not_object(label, value)
    if not value:
        return cls()
    if "@type" not in value:
        raise JsonParseError(f'{label}: an Any with fields needs "@type" naming the message it holds')
    url = value["@type"]
    inner_cls = _any_type(url, label)
    decode = decoder(inner_cls)
    if inner_cls._viam_json_special:
        extra = set(value) - {"@type", "value"}
        if extra:
            raise JsonParseError(
                f"{label}: unexpected keys {sorted(extra)} next to a well-known type's value"
            )
        inner = decode(value.get("value"), ignore, depth + 1)
    else:
        inner = decode({k: v for k, v in value.items() if k != "@type"}, ignore, depth + 1)
    return cls(type_url=url, value=bytes(inner))
