"""The base class of every generated message, and the pool they register in.

A generated message is a betterproto2 dataclass whose bytes go through the
decoder and encoder its package's ``_codec`` module holds (see ``_wire``).
This module also repairs one betterproto2 defect that affects enum-valued
maps, and prints messages with their credential fields masked.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Collection, Iterable
from typing import IO, Any

import betterproto2
from typing_extensions import Self

from . import _wire
from ._wire import DecodeError, struct_fields_property, struct_from_python, struct_to_python

__all__ = [
    "DecodeError",
    "Message",
    "default_message_pool",
    "masked_repr",
    "struct_fields_property",
    "struct_from_python",
    "struct_to_python",
]


class Message(betterproto2.Message):
    """Base of every generated message: a betterproto2 dataclass with a generated codec.

    Parsing and serialising go through the decoder and encoder the generator
    wrote for each message (its package's ``_codec`` module, loaded on first
    use), not through betterproto2's generic interpreter.  Everything else
    (construction, equality, ``to_dict``/``to_json``, ``which_one_of``) is
    betterproto2's.
    """

    @classmethod
    def parse(cls, data: bytes) -> Self:
        """Decode ``data``; raises :class:`DecodeError` for bytes that are not such a message."""
        return _wire.parse(cls, data)

    @classmethod
    def FromString(cls, data: bytes) -> Self:  # noqa: N802 (protobuf's name)
        return _wire.parse(cls, data)

    def __bytes__(self) -> bytes:
        return _wire.serialize(self)

    def SerializeToString(self) -> bytes:  # noqa: N802 (protobuf's name)
        return _wire.serialize(self)

    def load(self, stream: IO[bytes], size: int | None = None) -> Self:  # type: ignore[override]
        """Read this message from ``stream``: to its end, ``size`` bytes, or (size -1) a varint-prefixed size."""
        if size == -1:
            size = _read_varint(stream)
        data = stream.read() if size is None else stream.read(size)
        if size is not None and len(data) != size:
            raise DecodeError(f"expected {size} bytes of {type(self).__name__}, the stream had {len(data)}")
        self.__dict__.update(type(self).parse(data).__dict__)
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


# Every generated message registers itself here under its proto name, so that
# google.protobuf.Any values can be packed and unpacked.
default_message_pool: betterproto2.MessagePool = betterproto2.MessagePool()


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

    metadata._get_cls_by_field = staticmethod(cls_by_field)  # type: ignore[method-assign]
    metadata._viam_api_enum_map_fix = True  # type: ignore[attr-defined]


_fix_enum_map_entries()


def masked_repr(message: betterproto2.Message, hidden: Collection[str]) -> str:
    """A message's repr with the values of credential fields replaced by ``'***'``.

    Fields left at their default are omitted, as in betterproto2's own repr.
    """
    parts = []
    for field in dataclasses.fields(message):  # type: ignore[arg-type]
        name = field.name
        value = getattr(message, name)
        if value == message._get_field_default(name):
            continue
        parts.append(f"{name}='***'" if name in hidden else f"{name}={value!r}")
    return f"{type(message).__name__}({', '.join(parts)})"
