"""The codec part of the model: how each field of a message goes on the wire.

The generator knows every field number, wire type and nested type at build
time, so each message gets a decoder and an encoder written for it (see
templates/package/_codec.py.j2).  This module computes, for every field, the facts
those two functions need: tags as integers and as bytes literals, the element
kind (which selects a snippet in the template), presence, packing, the decoder
and encoder of nested messages, the oneof siblings a member clears.  The
template prints these facts and decides nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from google.protobuf import descriptor_pb2 as d

from codegen import naming

FDP = d.FieldDescriptorProto

WIRE_VARINT, WIRE_FIXED64, WIRE_LEN, WIRE_FIXED32 = 0, 1, 2, 5

# proto type -> (element kind, wire type)
_KINDS: dict[int, tuple[str, int]] = {
    FDP.TYPE_INT32: ("int32", WIRE_VARINT),
    FDP.TYPE_INT64: ("int64", WIRE_VARINT),
    FDP.TYPE_UINT32: ("uint32", WIRE_VARINT),
    FDP.TYPE_UINT64: ("uint64", WIRE_VARINT),
    FDP.TYPE_SINT32: ("sint32", WIRE_VARINT),
    FDP.TYPE_SINT64: ("sint64", WIRE_VARINT),
    FDP.TYPE_BOOL: ("bool", WIRE_VARINT),
    FDP.TYPE_ENUM: ("enum", WIRE_VARINT),
    FDP.TYPE_FIXED32: ("fixed", WIRE_FIXED32),
    FDP.TYPE_SFIXED32: ("fixed", WIRE_FIXED32),
    FDP.TYPE_FLOAT: ("float", WIRE_FIXED32),
    FDP.TYPE_FIXED64: ("fixed", WIRE_FIXED64),
    FDP.TYPE_SFIXED64: ("fixed", WIRE_FIXED64),
    FDP.TYPE_DOUBLE: ("double", WIRE_FIXED64),
    FDP.TYPE_STRING: ("string", WIRE_LEN),
    FDP.TYPE_BYTES: ("bytes", WIRE_LEN),
    FDP.TYPE_MESSAGE: ("message", WIRE_LEN),
}

# struct format letters of the fixed-width types (little-endian)
_FORMATS: dict[int, str] = {
    FDP.TYPE_FIXED32: "I",
    FDP.TYPE_SFIXED32: "i",
    FDP.TYPE_FLOAT: "f",
    FDP.TYPE_FIXED64: "Q",
    FDP.TYPE_SFIXED64: "q",
    FDP.TYPE_DOUBLE: "d",
}

# the values an integer kind can carry (checked when encoding)
_RANGES = {
    "int32": (-(2**31), 2**31 - 1),
    "enum": (-(2**31), 2**31 - 1),
    "int64": (-(2**63), 2**63 - 1),
    "uint32": (0, 2**32 - 1),
    "uint64": (0, 2**64 - 1),
    "sint32": (-(2**31), 2**31 - 1),
    "sint64": (-(2**63), 2**63 - 1),
}

# Python literal of each scalar kind's zero value (a map entry without its value)
_DEFAULTS = {"string": '""', "bytes": 'b""', "bool": "False", "float": "0.0", "double": "0.0"}

# Well-known messages whose Python value is not a message: the kind of their
# unwrapped codec (datetime, timedelta, or the wrapper's single ``value``).
UNWRAPPED = {
    ".google.protobuf.Timestamp": "timestamp",
    ".google.protobuf.Duration": "duration",
}

# Decoders of the first occurrence of a singular Timestamp/Duration field: a value out of
# range becomes a placeholder (``_w.BadTime``), refused only if no later occurrence merges into it.
FIRST_DECODERS = {
    ".google.protobuf.Timestamp": "_w.dec_timestamp_first",
    ".google.protobuf.Duration": "_w.dec_duration_first",
}

# The same for a singular field's first occurrence when the field is made on first read
# (``_w.LazyTime``): the value is kept raw, an int of nanoseconds checked at parse time.
RAW_DECODERS = {
    "_w.dec_timestamp_first": "_w.raw_timestamp_first",
    "_w.dec_duration_first": "_w.raw_duration_first",
}

#: Where a message keeps a raw Timestamp/Duration field until it is first read: this prefix and the field's name.
RAW_PREFIX = "_viam_raw_"

# Well-known messages with a hand-written fast codec in the runtime.
FAST_CODECS = {".google.protobuf.Struct": "struct"}

# Fields of these types are written by a runtime function straight into the parent's buffer
# (tag, length and value, ``writer(out, tag, value)``), not through the type's encoder.
WRITERS = {
    ".google.protobuf.Timestamp": "_e.put_timestamp",
    ".google.protobuf.Duration": "_e.put_duration",
    ".google.protobuf.Struct": "_e.put_struct",
}


def tag_bytes(number: int, wire_type: int) -> str:
    """The tag of a field as a Python bytes literal, e.g. ``b"\\x0a"``."""
    value = (number << 3) | wire_type
    out = []
    while value > 0x7F:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return 'b"' + "".join(f"\\x{b:02x}" for b in out) + '"'


@dataclass(frozen=True)
class Element:
    """One value on the wire: a singular field's, a list item's, a map key's or value's."""

    kind: str  # int32 int64 uint32 uint64 sint32 sint64 bool enum fixed float double string bytes message
    wire_type: int
    tag: int  # (number << 3) | wire_type
    tag_bytes: str
    label: str  # "pkg.Message.field", for error messages
    fmt: str = ""  # struct letter of fixed-width kinds
    size: int = 0  # bytes of fixed-width kinds
    decoder: str = ""  # message kinds: expression of the decoder function
    encoder: str = ""  # message kinds: expression of the encoder function
    enum_map: str = ""  # enum kind: module-level alias of the enum's value -> member map
    enum_type: str = ""  # enum kind: expression of the enum class
    default: str = ""  # expression of the zero value, used for a map entry without its value
    low: int = 0  # integer kinds: the range the field's type carries
    high: int = 0
    bits: int = 0  # sint kinds: 32 or 64
    first_decoder: str = (
        ""  # Timestamp/Duration: decoder of a singular field's first occurrence (FIRST_DECODERS)
    )
    writer: str = ""  # message kinds with a runtime writer (WRITERS): expression of that function

    @property
    def is_varint(self) -> bool:
        return self.wire_type == WIRE_VARINT

    @property
    def is_fixed(self) -> bool:
        return self.wire_type in (WIRE_FIXED32, WIRE_FIXED64)


@dataclass(frozen=True)
class WireField:
    attr: str  # Python attribute of the message
    local: str  # local variable of the decoder
    shape: str  # implicit | optional | message | repeated | packed | map
    element: Element
    packed_tag: int = 0  # packable repeated scalars: the tag of the packed form
    packed_tag_bytes: str = ""
    write_packed: bool = False  # packable repeated scalars: written packed (not [packed = false])
    clears: tuple[str, ...] = ()  # locals of the other members of this field's oneof
    key: Element | None = None  # maps: the key; ``element`` is the value
    map_tag: int = 0  # maps: the tag of one entry
    map_tag_bytes: str = ""
    entry_decoder: str = ""  # maps: name of the entry decoder function
    entry_label: str = ""

    @property
    def in_order_tag(self) -> int | None:
        """The one-byte tag the decoder's in-order pass tests for this field; None leaves it to the loop.

        Packed fields (two forms) and tags of more than one byte are left to the loop.
        """
        tag = self.map_tag if self.shape == "map" else self.element.tag
        return None if self.shape == "packed" or tag > 127 else tag

    @property
    def repeats(self) -> bool:
        """A list or map field: the in-order pass reads its consecutive entries in one run."""
        return self.shape in ("repeated", "map")

    @property
    def merges(self) -> bool:
        """A singular message field: a second occurrence on the wire is merged into the first."""
        return self.shape in ("message", "optional") and self.element.kind == "message"

    @property
    def lazy(self) -> bool:
        """A singular Timestamp/Duration field: decoded raw, its value made on first read (``_w.LazyTime``)."""
        return self.merges and self.element.first_decoder in RAW_DECODERS

    @property
    def first_decoder(self) -> str:
        """The decoder of a singular message field's first occurrence (the raw one of a lazy field)."""
        el = self.element
        return RAW_DECODERS[el.first_decoder] if self.lazy else el.first_decoder or el.decoder

    @property
    def lazy_duration(self) -> bool:
        """Lazy fields: a Duration (a timedelta), not a Timestamp."""
        return self.element.first_decoder == "_w.dec_duration_first"

    @property
    def raw_attr(self) -> str:
        """Lazy fields: the attribute that holds the raw value until the field is first read."""
        return RAW_PREFIX + self.attr

    @property
    def span_start(self) -> str:
        """Decoder locals remembering where the value came from, for a merge."""
        return naming.span_start_local(self.attr)

    @property
    def span_end(self) -> str:
        return naming.span_end_local(self.attr)


@dataclass(frozen=True)
class WireMessage:
    type_name: str  # Python class name of the message
    decoder: str  # name of the decoder every caller uses
    encoder: str
    wire_decoder: str  # name of the generated decoder (differs when a fast codec wraps it)
    wire_encoder: str
    fields: tuple[WireField, ...]
    label: str  # full proto name without the leading dot
    unwrapped: str | None  # timestamp | duration | value: the well-known types with a plain Python value
    fast: str | None  # struct: wrapped by a hand-written runtime codec

    @property
    def unwrap_decoder(self) -> str:
        """Decoder of the plain Python value (a datetime for a Timestamp, ...)."""
        return naming.value_decoder_name(self.type_name)

    @property
    def unwrap_encoder(self) -> str:
        return naming.value_encoder_name(self.type_name)

    @property
    def maps(self) -> tuple[WireField, ...]:
        return tuple(f for f in self.fields if f.shape == "map")

    @property
    def lazy(self) -> tuple[WireField, ...]:
        """The fields made on first read (``_w.LazyTime`` on the class)."""
        return tuple(f for f in self.fields if f.lazy)

    @property
    def encode_plan(self) -> tuple[EncodeEntry, ...] | None:
        """The encoder as a table (the compiled build's, see ``_wire_encode.EncodePlan``); None:
        the generated one only."""
        return message_encode_plan(self)

    @property
    def plan(self) -> MessagePlan | None:
        """The decoder as a table (the compiled build's, see ``_wire_plan.Plan``); None: the generated one only."""
        return message_plan(self)


def element(
    f: d.FieldDescriptorProto,
    number: int,
    label: str,
    *,
    decoder: str = "",
    encoder: str = "",
    enum_map: str = "",
    enum_type: str = "",
    first_decoder: str = "",
) -> Element:
    """The wire facts of one value of field ``f``, sent under field ``number``."""
    kind, wire_type = _KINDS[f.type]
    fmt = _FORMATS.get(f.type, "")
    size = {"": 0, "I": 4, "i": 4, "f": 4}.get(fmt, 8) if fmt else 0
    if kind == "message":
        default = f'{decoder}(b"", 0, 0, 0)'
    elif kind == "enum":
        default = f"{enum_map}[0]"  # proto3 enums have a zero member (checked by the model)
    elif kind in _DEFAULTS:
        default = _DEFAULTS[kind]
    else:
        default = "0"
    return Element(
        kind=kind,
        wire_type=wire_type,
        tag=(number << 3) | wire_type,
        tag_bytes=tag_bytes(number, wire_type),
        label=label,
        fmt=fmt,
        size=size,
        decoder=decoder,
        encoder=encoder,
        enum_map=enum_map,
        enum_type=enum_type,
        default=default,
        low=_RANGES.get(kind, (0, 0))[0],
        high=_RANGES.get(kind, (0, 0))[1],
        bits=64 if kind.endswith("64") else 32,
        first_decoder=first_decoder,
        writer=WRITERS.get(f.type_name, "") if kind == "message" else "",
    )


def is_packable(f: d.FieldDescriptorProto) -> bool:
    return _KINDS[f.type][1] != WIRE_LEN


def writes_packed(f: d.FieldDescriptorProto) -> bool:
    """proto3 packs repeated scalars unless the field says ``[packed = false]``."""
    return not (f.options.HasField("packed") and not f.options.packed)


# -- plans: the decoder of a message as a table, for the compiled runtime ----------------------

# The ``_d.K_*`` kind (``_wire_plan``) a plan gives each element kind (singular and
# ``repeated``).  Packed scalars and maps are not in plans: a message with one keeps its
# generated decoder.
_PLAN_KINDS = {
    "string": "K_STRING",
    "bytes": "K_BYTES",
    "int32": "K_INT32",
    "int64": "K_INT64",
    "uint32": "K_UINT32",
    "uint64": "K_UINT64",
    "sint32": "K_SINT32",
    "sint64": "K_SINT64",
    "bool": "K_BOOL",
    "enum": "K_ENUM",
    "fixed": "K_FIXED",
    "float": "K_FIXED",
    "double": "K_FIXED",
    "message": "K_MESSAGE",
}
_PLAN_REPEATED_KINDS = {"message": "K_REP_MESSAGE", "string": "K_REP_STRING", "bytes": "K_REP_BYTES"}
_PLAN_FIRST_KINDS = {"_w.raw_timestamp_first": "K_TIMESTAMP", "_w.raw_duration_first": "K_DURATION"}


@dataclass(frozen=True)
class PlanEntry:
    """One field of a plan: ``Plan.add``'s arguments, as Python source."""

    tag: int
    slot: int  # the field's index in the message's fields (its attribute name and default)
    kind: str  # the name of a ``_d.K_*`` constant (``_wire_plan``)
    aux: str = "None"  # enum: the value -> member map; fixed: the unpack function; message: the decoder
    aux2: str = "None"  # enum: the enum class; fixed: the size in bytes; Timestamp/Duration: the raw attribute
    clears: tuple[int, ...] = ()  # slots of the other members of its oneof


@dataclass(frozen=True)
class MessagePlan:
    names: tuple[str, ...]  # attributes, by slot
    defaults: tuple[str, ...]  # expressions of their initial values, by slot (None for lists)
    entries: tuple[PlanEntry, ...]


def message_plan(msg: WireMessage) -> MessagePlan | None:
    """The plan of ``msg``'s decoder, or None when a field has a shape plans do not read."""
    if msg.fast:
        return None
    slots = {f.local: i for i, f in enumerate(msg.fields)}
    defaults = []
    entries = []
    for slot, f in enumerate(msg.fields):
        el = f.element
        if f.shape == "repeated" and el.kind in _PLAN_REPEATED_KINDS:
            kind = _PLAN_REPEATED_KINDS[el.kind]
            defaults.append("None")
        elif f.shape in ("implicit", "optional", "message"):
            kind = _PLAN_FIRST_KINDS.get(f.first_decoder) or _PLAN_KINDS[el.kind]
            defaults.append("None" if f.shape != "implicit" else el.default)
        else:
            return None
        aux = aux2 = "None"
        if el.kind == "enum":
            aux, aux2 = el.enum_map, el.enum_type
        elif el.is_fixed:
            aux, aux2 = f"_w.unpack_{el.fmt}", str(el.size)
        elif el.kind == "message":
            aux = el.decoder
            if f.lazy:
                aux2 = repr(f.raw_attr)
        entries.append(PlanEntry(el.tag, slot, kind, aux, aux2, tuple(slots[c] for c in f.clears)))
    return MessagePlan(tuple(f.attr for f in msg.fields), tuple(defaults), tuple(entries))


# -- encode plans: the encoder of a message as a table, for the compiled runtime ----------------

# The ``_e.E_*`` kind an encode plan gives each element kind; the well-known types with a
# writer (WRITERS) have their own.  Packed scalars and maps are not in encode plans: a message
# with one keeps its generated encoder (which a planned parent calls for it).
_ENCODE_KINDS = {
    "string": "E_STRING",
    "bytes": "E_BYTES",
    "int32": "E_INT",
    "int64": "E_INT",
    "uint32": "E_INT",
    "uint64": "E_INT",
    "enum": "E_INT",
    "sint32": "E_SINT",
    "sint64": "E_SINT",
    "bool": "E_BOOL",
    "double": "E_DOUBLE",
    "float": "E_FLOAT",
    "fixed": "E_PACKED",
    "message": "E_MESSAGE",
}
_ENCODE_WRITER_KINDS = {
    "_e.put_timestamp": "E_TIMESTAMP",
    "_e.put_duration": "E_DURATION",
    "_e.put_struct": "E_STRUCT",
}
_ENCODE_PRESENCE = {
    "implicit": "P_IMPLICIT",
    "optional": "P_EXPLICIT",
    "message": "P_EXPLICIT",
    "repeated": "P_REPEATED",
}


@dataclass(frozen=True)
class EncodeEntry:
    """One field of an encode plan: ``EncodePlan.add``'s arguments, as Python source."""

    attr: str
    kind: str  # the name of an ``_e.E_*`` constant
    tag: str  # bytes literal
    presence: str  # the name of an ``_e.P_*`` constant
    low: int = 0  # integer kinds: the range the field's type carries
    high: int = 0
    aux: str = "None"  # message: its encoder; sint: the width in bits; fixed: the pack function;
    # a Timestamp made on first read: the attribute of its raw value


def message_encode_plan(msg: WireMessage) -> tuple[EncodeEntry, ...] | None:
    """The plan of ``msg``'s encoder (its fields in the generated encoder's order), or None when
    a field has a shape encode plans do not write."""
    if msg.fast:
        return None
    entries = []
    for f in msg.fields:
        el = f.element
        presence = _ENCODE_PRESENCE.get(f.shape)
        if presence is None or (f.shape == "repeated" and el.kind not in ("message", "string", "bytes")):
            return None
        kind = _ENCODE_WRITER_KINDS.get(el.writer) or _ENCODE_KINDS[el.kind]
        aux = "None"
        if kind == "E_MESSAGE":
            aux = el.encoder
        elif kind == "E_SINT":
            aux = str(el.bits)
        elif kind == "E_PACKED":
            aux = f"_e.pack_{el.fmt}"
        elif kind == "E_TIMESTAMP" and f.lazy:
            aux = repr(f.raw_attr)  # written from the raw value while the field is unread
        entries.append(EncodeEntry(f.attr, kind, el.tag_bytes, presence, el.low, el.high, aux))
    return tuple(entries)
