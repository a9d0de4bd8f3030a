"""The JSON part of the model: how each field of a message maps to proto3 JSON.

The generator writes a JSON encoder and decoder for every message (see
templates/package/_json.py.j2), as it writes the binary codec.  This module
computes the facts those functions need: the names a field is printed under
(its ``json_name``, or the proto name for ``Casing.SNAKE``) and every name the
parser accepts, the JSON kind of each value (which selects a snippet in the
template: 64-bit integers as strings, floats with NaN/Infinity, bytes in
base64, enums by name, the well-known types), presence, oneof membership and
the codec functions of nested messages.  The template prints these facts and
decides nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from google.protobuf import descriptor_pb2 as d

from codegen import naming

FDP = d.FieldDescriptorProto

# proto scalar type -> JSON kind
_KINDS: dict[int, str] = {
    FDP.TYPE_INT32: "int32",
    FDP.TYPE_SINT32: "int32",
    FDP.TYPE_SFIXED32: "int32",
    FDP.TYPE_UINT32: "uint32",
    FDP.TYPE_FIXED32: "uint32",
    FDP.TYPE_INT64: "int64",
    FDP.TYPE_SINT64: "int64",
    FDP.TYPE_SFIXED64: "int64",
    FDP.TYPE_UINT64: "uint64",
    FDP.TYPE_FIXED64: "uint64",
    FDP.TYPE_FLOAT: "float",
    FDP.TYPE_DOUBLE: "double",
    FDP.TYPE_BOOL: "bool",
    FDP.TYPE_STRING: "string",
    FDP.TYPE_BYTES: "bytes",
}

# the range each integer kind carries
_RANGES = {
    "int32": (-(2**31), 2**31 - 1),
    "uint32": (0, 2**32 - 1),
    "int64": (-(2**63), 2**63 - 1),
    "uint64": (0, 2**64 - 1),
}

# Well-known messages that are a plain Python value in a field: the JSON kind of that value.
UNWRAPPED_KINDS: dict[str, str] = {
    ".google.protobuf.Timestamp": "timestamp",
    ".google.protobuf.Duration": "duration",
    ".google.protobuf.BoolValue": "bool",
    ".google.protobuf.Int32Value": "int32",
    ".google.protobuf.Int64Value": "int64",
    ".google.protobuf.UInt32Value": "uint32",
    ".google.protobuf.UInt64Value": "uint64",
    ".google.protobuf.FloatValue": "float",
    ".google.protobuf.DoubleValue": "double",
    ".google.protobuf.StringValue": "string",
    ".google.protobuf.BytesValue": "bytes",
}

# Well-known messages whose JSON form is not an object of their fields: the
# runtime function pair (``<name>_to_json``/``<name>_from_json``) that handles them.
SPECIAL: dict[str, str] = {
    ".google.protobuf.Struct": "struct",
    ".google.protobuf.Value": "value",
    ".google.protobuf.ListValue": "list_value",
    ".google.protobuf.Any": "any",
    ".google.protobuf.FieldMask": "field_mask",
    ".google.protobuf.Timestamp": "timestamp_message",
    ".google.protobuf.Duration": "duration_message",
}
WRAPPERS = frozenset(k for k, v in UNWRAPPED_KINDS.items() if v not in ("timestamp", "duration"))

NULL_VALUE = ".google.protobuf.NullValue"
VALUE = ".google.protobuf.Value"


@dataclass(frozen=True)
class JsonElement:
    """One JSON value: a singular field's, a list item's, a map value's or a map key's."""

    kind: str  # int32 uint32 int64 uint64 float double bool string bytes enum null_value timestamp duration message
    label: str  # "pkg.Message.field", for error messages
    low: int = 0  # integer kinds: the range
    high: int = 0
    to_json: str = ""  # message kinds: expression of the encoder function
    from_json: str = ""  # message kinds: expression of the decoder function
    enum_type: str = ""  # enum kinds: expression of the enum class
    enum_names: str = ""  # enum kinds: module-level map number -> proto name
    enum_values: str = ""  # enum kinds: module-level map proto name -> member
    takes_null: bool = False  # JSON null is a value here (google.protobuf.Value, NullValue), not "unset"

    @property
    def is_float(self) -> bool:
        return self.kind in ("float", "double")


@dataclass(frozen=True)
class JsonField:
    attr: str  # Python attribute
    index: int  # position in the message's name tables
    json_name: str  # printed by default
    proto_name: str  # printed with Casing.SNAKE
    accepted: tuple[str, ...]  # every name the parser takes for it
    shape: str  # implicit | optional | repeated | map
    element: JsonElement  # the value (a map's value)
    key: JsonElement | None = None  # maps: the key
    group: str | None = None  # oneof name
    group_local: str = ""  # decoder local remembering which member of the oneof was set
    default: str = "None"  # the attribute's value when the JSON leaves the field out

    @property
    def local(self) -> str:
        return naming.field_local(self.attr)


@dataclass(frozen=True)
class JsonEnum:
    """The two tables the JSON codec of a package keeps per enum it meets."""

    enum_type: str  # expression of the enum class
    names: str  # module-level map number -> proto name (the first name of a number)
    values: str  # module-level map proto name -> number (aliases included)
    members: tuple[tuple[str, int], ...]  # (proto name, number), in declaration order

    @property
    def first_names(self) -> tuple[tuple[int, str], ...]:
        out: dict[int, str] = {}
        for name, number in self.members:
            out.setdefault(number, name)
        return tuple(out.items())


@dataclass(frozen=True)
class JsonMessage:
    type_name: str
    label: str  # full proto name, no leading dot
    to_json: str  # names of the generated functions
    from_json: str
    names: str  # module-level (camel names, proto names) table
    lookup: str  # module-level accepted name -> index map
    fields: tuple[JsonField, ...]
    special: str | None = None  # runtime pair of a well-known type with its own JSON form
    wrapper: JsonElement | None = None  # wrapper types: the element of their ``value``

    @property
    def groups(self) -> tuple[str, ...]:
        """Decoder locals of the oneofs (one per oneof with a member here)."""
        return tuple(dict.fromkeys(f.group_local for f in self.fields if f.group_local))

    @property
    def accepted(self) -> tuple[tuple[str, int], ...]:
        seen: dict[str, int] = {}
        for f in self.fields:
            for name in f.accepted:
                seen.setdefault(name, f.index)
        return tuple(seen.items())


def lower_camel(name: str) -> str:
    """protoc's default json_name: underscores dropped, the letter after each one upper-cased."""
    out: list[str] = []
    upper = False
    for ch in name:
        if ch == "_":
            upper = True
        elif upper:
            out.append(ch.upper())
            upper = False
        else:
            out.append(ch)
    return "".join(out)


def scalar(f: d.FieldDescriptorProto, label: str) -> JsonElement:
    kind = _KINDS[f.type]
    low, high = _RANGES.get(kind, (0, 0))
    return JsonElement(kind=kind, label=label, low=low, high=high)


def unwrapped(full_name: str, label: str) -> JsonElement:
    kind = UNWRAPPED_KINDS[full_name]
    low, high = _RANGES.get(kind, (0, 0))
    return JsonElement(kind=kind, label=label, low=low, high=high)


def field_names(f: d.FieldDescriptorProto) -> tuple[str, str, tuple[str, ...]]:
    """(printed name, proto name, accepted names) of a field."""
    json_name = f.json_name if f.HasField("json_name") else lower_camel(f.name)
    return json_name, f.name, tuple(dict.fromkeys((json_name, f.name)))
