"""The base class of every generated message, and the pool they register in.

A generated message is a betterproto2 dataclass whose bytes go through the
decoder and encoder its package's ``_codec`` module holds (see ``_wire``).
This module also repairs one betterproto2 defect that affects enum-valued
maps, and prints messages with their credential fields masked.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import struct
from collections.abc import Collection, Iterable, Mapping
from typing import IO, Any

import betterproto2
from typing_extensions import Self

from . import _json, _wire
from ._json import JsonParseError, JsonSerializeError, default_message_pool
from ._time import (
    DurationTimedelta,
    TimestampDatetime,
    duration_parts,
    duration_value,
    timestamp_parts,
    timestamp_value,
)
from ._wire import DecodeError, EncodeError, LazyTime, struct_to_python
from ._wire_encode import struct_fields_property, struct_from_python

__all__ = [
    "DecodeError",
    "DurationTimedelta",
    "EncodeTypeError",
    "JsonParseError",
    "JsonSerializeError",
    "Message",
    "TimestampDatetime",
    "default_message_pool",
    "duration_parts",
    "duration_value",
    "lazy_times",
    "masked_repr",
    "struct_fields_property",
    "struct_from_python",
    "struct_to_python",
    "timestamp_parts",
    "timestamp_value",
]


class Message(betterproto2.Message):
    """Base of every generated message: a betterproto2 dataclass with a generated codec.

    Parsing and serialising go through the decoder and encoder the generator
    wrote for each message (its package's ``_codec`` module, loaded on first
    use), not through betterproto2's generic interpreter.  JSON goes through
    the JSON encoder and decoder the generator wrote for it (its package's
    ``_json`` module): the proto3 JSON mapping, as Google's ``json_format``
    applies it.  Everything else (construction, equality, ``which_one_of``,
    ``to_pydict``) is betterproto2's.
    """

    #: What a message decoded without unknown fields has (the table-driven decoders set it only when there are some).
    _unknown_fields: bytes = b""

    def to_dict(
        self,
        *,
        output_format: betterproto2.OutputFormat = betterproto2.OutputFormat.PROTO_JSON,
        casing: betterproto2.Casing = betterproto2.Casing.CAMEL,
        include_default_values: bool = False,
    ) -> dict[str, Any]:
        """This message in proto3 JSON form, as plain Python values (what ``json_format.MessageToDict`` gives).

        Field names are their JSON names (lowerCamelCase), or with ``casing=Casing.SNAKE``
        the names of the .proto file.  ``include_default_values`` also writes the fields
        without presence (scalars, lists, maps) that hold their zero value; unset message,
        oneof and ``optional`` fields stay out, as with Google's
        ``always_print_fields_with_no_presence``.  A well-known type with a JSON form of its
        own (Timestamp, Duration, FieldMask, a wrapper, Value, ListValue) gives that value
        (a string, number or list) rather than a dict.  ``output_format=OutputFormat.PYTHON``
        is betterproto2's Python form (datetimes, bytes and enums kept as Python objects).

        Raises:
            JsonSerializeError: a value has no JSON form (a NaN in a ``google.protobuf.Value``,
                a Timestamp beyond year 9999, a FieldMask path that is not snake_case).
        """
        if output_format == betterproto2.OutputFormat.PYTHON:
            return super().to_dict(
                output_format=output_format, casing=casing, include_default_values=include_default_values
            )
        return _json.to_dict(self, casing == betterproto2.Casing.SNAKE, include_default_values)

    def to_json(
        self,
        indent: None | int | str = None,
        include_default_values: bool = False,
        casing: betterproto2.Casing = betterproto2.Casing.CAMEL,
    ) -> str:
        """This message as proto3 JSON text: ``json.dumps(self.to_dict(...), indent=indent)``."""
        value = _json.to_dict(self, casing == betterproto2.Casing.SNAKE, include_default_values)
        return json.dumps(value, indent=indent)

    @classmethod
    def from_dict(cls, value: Mapping[str, Any] | Any, *, ignore_unknown_fields: bool = False) -> Self:
        """The message whose proto3 JSON form is ``value`` (what ``json.loads`` makes of the text).

        Every name the mapping accepts is taken (the JSON name, the .proto name);
        an unknown name is refused unless ``ignore_unknown_fields`` (which also drops
        enum names this version does not know).

        Raises:
            JsonParseError: ``value`` is not a proto3 JSON form of this message (the
                message names the field and the value).
        """
        return _json.from_dict(cls, value, ignore_unknown_fields)

    @classmethod
    def from_json(cls, value: str | bytes, *, ignore_unknown_fields: bool = False) -> Self:
        """The message whose proto3 JSON text is ``value``; see :meth:`from_dict`.

        Raises:
            JsonParseError: the text is not JSON, or not this message's JSON form.
        """
        return _json.from_json(cls, value, ignore_unknown_fields)

    @classmethod
    def parse(cls, data: bytes) -> Self:
        """Decode ``data``; raises :class:`DecodeError` for bytes that are not such a message."""
        return _wire.parse(cls, data)

    @classmethod
    def FromString(cls, data: bytes) -> Self:  # noqa: N802 (protobuf's name)
        return _wire.parse(cls, data)

    def __bytes__(self) -> bytes:
        try:
            return _wire.serialize(self)
        except _ENCODE_FAILURES as exc:
            raise _refusal(self, exc) from None

    def SerializeToString(self) -> bytes:  # noqa: N802 (protobuf's name)
        try:
            return _wire.serialize(self)
        except _ENCODE_FAILURES as exc:
            raise _refusal(self, exc) from None

    def load(self, stream: IO[bytes], size: int | None = None) -> Self:  # type: ignore[override, unused-ignore]
        """Read this message from ``stream``: to its end, ``size`` bytes, or (size -1) a varint-prefixed size."""
        if size == -1:
            size = _read_varint(stream)
        data = stream.read() if size is None else stream.read(size)
        if size is not None and len(data) != size:
            raise DecodeError(f"expected {size} bytes of {type(self).__name__}, the stream had {len(data)}")
        loaded = type(self).parse(data).__dict__
        mine = self.__dict__
        # Nothing of the old value may stay: a decoded message holds neither the fields at
        # their default (the class holds those) nor a field's raw Timestamp once it is made,
        # nor ``_unknown_fields`` when there are none.
        for field in dataclasses.fields(self):  # type: ignore[arg-type, unused-ignore]
            mine.pop(field.name, None)
            mine.pop(f"_viam_raw_{field.name}", None)
        mine.pop("_unknown_fields", None)
        mine.update(loaded)
        return self


def _read_varint(stream: IO[bytes]) -> int:
    result = shift = 0
    while True:
        byte = stream.read(1)
        if not byte:
            raise DecodeError("the stream ended inside a size prefix")
        result |= (byte[0] & 0x7F) << shift
        if byte[0] < 128:
            return result
        shift += 7
        if shift >= 70:
            raise DecodeError("a size prefix is longer than ten bytes")




def _fix_enum_map_entries() -> None:
    """Give every enum-valued map entry the default of its own enum.

    betterproto2 0.10.0 builds the hidden entry class of each map field in a
    loop, and the zero-value factory it gives an enum value reads the loop's
    last value type instead of the field's own.  A message with an enum map
    followed by another map therefore failed to parse.  This wraps the
    builder and rebuilds just those entry classes.  Idempotent.
    """
    metadata = betterproto2.ProtoClassMetadata
    if getattr(metadata, "_viam_api_enum_map_fix", False):
        return
    original = metadata._get_cls_by_field

    def cls_by_field(
        cls: type[betterproto2.Message], fields: Iterable[dataclasses.Field[Any]]
    ) -> dict[str, type]:
        fields = list(fields)
        result: dict[str, type] = original(cls, fields)
        for field in fields:
            meta = betterproto2.FieldMetadata.get(field)
            if meta.map_meta is None or meta.map_meta[1].proto_type != betterproto2.TYPE_ENUM:
                continue
            enum_type = result[f"{field.name}.value"]
            key = dataclasses.fields(result[field.name])[0]
            result[field.name] = dataclasses.make_dataclass(
                "Entry",
                [
                    ("key", key.type, betterproto2.field(1, meta.map_meta[0].proto_type)),
                    (
                        "value",
                        enum_type,
                        betterproto2.field(
                            2, betterproto2.TYPE_ENUM, default_factory=functools.partial(enum_type, 0)
                        ),
                    ),
                ],
                bases=(betterproto2.Message,),
            )
        return result

    metadata._get_cls_by_field = staticmethod(cls_by_field)  # type: ignore[method-assign, unused-ignore]
    metadata._viam_api_enum_map_fix = True  # type: ignore[attr-defined, unused-ignore]


_fix_enum_map_entries()


def lazy_times(cls: type, fields: Iterable[tuple[str, str, bool]]) -> None:
    """Make the singular Timestamp/Duration fields of a generated class values made on first read.

    ``fields``: (attribute, attribute of the raw value, whether a Duration) each.  The
    class keeps its dataclass fields, annotations and ``__init__``; only decoded
    messages hold a raw value (see ``_wire.LazyTime``).
    """
    for name, raw, duration in fields:
        setattr(cls, name, LazyTime(name, raw, duration))


def masked_repr(message: betterproto2.Message, hidden: Collection[str]) -> str:
    """A message's repr with the values of credential fields replaced by ``'***'``.

    Fields left at their default are omitted, as in betterproto2's own repr.
    """
    parts = []
    for field in dataclasses.fields(message):  # type: ignore[arg-type, unused-ignore]
        name = field.name
        value = getattr(message, name)
        if value == message._get_field_default(name):
            continue
        parts.append(f"{name}='***'" if name in hidden else f"{name}={value!r}")
    return f"{type(message).__name__}({', '.join(parts)})"


# -- saying where a value its field cannot carry sits ------------------------------------------


def misplaced(message: Any, path: str = "") -> str | None:
    """Where in ``message`` a value sits that its field cannot carry, as "<path> holds <type>, not <type>".

    Run only after an encoder failed with a type error, to say which field: each
    field is encoded alone, and the first one that fails is followed into its
    sub-messages, list items and map values.  The value itself is never shown (it
    may be a secret), only its type and the field's.  None when no single field fails.
    """
    cls = type(message)
    for field in dataclasses.fields(message):
        value = getattr(message, field.name, None)
        if _carries(cls, field.name, value):
            continue
        where = f"{path}.{field.name}" if path else field.name
        hint = field.type if isinstance(field.type, str) else getattr(field.type, "__name__", str(field.type))
        return _inside(cls, field.name, value, where, hint) or _holds(where, value, hint)
    return None


def _carries(cls: Any, name: str, value: Any) -> bool:
    """Whether a message of ``cls`` holding only ``value`` in field ``name`` encodes."""
    probe = cls()
    setattr(probe, name, value)
    try:
        cls._viam_encode(probe)
    except (TypeError, AttributeError, ValueError, OverflowError, struct.error):
        return False
    return True


def _inside(cls: Any, name: str, value: Any, where: str, hint: str) -> str | None:
    """The deeper place in a failing field's value: a sub-message's field, a list item, a map value."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return misplaced(value, where)
    if isinstance(value, (list, tuple)):
        item_hint = hint[5:-1] if hint.startswith("list[") and hint.endswith("]") else hint
        for index, item in enumerate(value):
            if _carries(cls, name, [item]):
                continue
            inner = f"{where}[{index}]"
            deeper = misplaced(item, inner) if dataclasses.is_dataclass(item) else None
            return deeper or _holds(inner, item, item_hint)
    if isinstance(value, dict):
        for key, item in value.items():
            if not _carries(cls, name, {key: item}):
                return f"{where} holds a {type(key).__name__} key with a {type(item).__name__} value, not {hint}"
    return None


def _holds(where: str, value: Any, hint: str) -> str:
    hint = hint.removesuffix(" | None")
    held = type(value).__name__
    if held == hint:  # the right type, so the value is what does not fit (a fixed32 above 2**32)
        return f"{where} holds a {held} out of its field's range"
    return f"{where} holds {held}, not {hint}"


class EncodeTypeError(EncodeError, TypeError):
    """The ``EncodeError`` of a value whose type its field does not take: a ``TypeError`` too.

    Google's runtime raises ``TypeError`` for a value of the wrong type (and
    ``ValueError`` for a number out of range), so code written for it that catches
    ``TypeError`` catches this; code catching ``EncodeError`` or ``ValueError`` still
    does.  (Defined here, in a module never compiled: mypyc's native classes cannot
    have two built-in exception bases.)
    """


#: What an encoder raises for a value its field cannot carry (EncodeError, a ValueError, passes as it is).
_ENCODE_FAILURES = (TypeError, AttributeError, ValueError, OverflowError, struct.error)


def _refusal(message: Any, exc: BaseException) -> BaseException:
    """The documented ``EncodeError`` for a failed serialisation, saying where the bad value sits:
    an ``EncodeTypeError`` when the value's type is what the encoder could not take."""
    if isinstance(exc, EncodeError):
        return exc
    label = getattr(type(message), "_viam_label", type(message).__name__)
    text = f"cannot serialise {label}: {misplaced(message) or 'a value its field cannot carry'}"
    return EncodeTypeError(text) if _wrong_type(exc) else EncodeError(text)


def _wrong_type(exc: BaseException) -> bool:
    """Whether an encoder's failure says a value's type is wrong (not that a number is out of range)."""
    if isinstance(exc, (TypeError, AttributeError)):
        return True
    # struct's own words: "required argument is not an integer" (or "a float") for a type,
    # "argument out of range" / "'I' format requires 0 <= number <= ..." for a range
    return isinstance(exc, struct.error) and "is not a" in str(exc)
