"""Every naming rule of the generator, in one place.

Proto names become Python names here and nowhere else: snake_case for RPCs
and fields, PascalCase joins for nested types, a trailing underscore for
anything that would clash with a keyword or with a name the runtime already
uses, and the mapping from proto package to Python module path.  The names
the generated code gives its own helpers (the codec functions, the decoder's
locals, the runtime modules a package imports) are made here too.

Field names: every name proto3 accepts gives a working attribute.  Leading
underscores are dropped (``__field_name13`` -> ``field_name13``): an attribute
starting with two would be mangled inside the class body, and any leading
underscore would reach into Python's and the runtime's own attributes
(``__dict__``, ``_unknown_fields``).  When two fields of one message still
come out the same (``name`` and ``Name``; ``leading`` and ``_leading``), a
field whose proto name is already its Python name keeps it, and the others
get their field number appended (``name_2``); see :func:`field_names`.
"""

from __future__ import annotations

import keyword
import re
from collections.abc import Iterable

from codegen import runtime

# Attributes of betterproto2.Message a field must not shadow.
MESSAGE_RESERVED = frozenset(
    {
        "dump",
        "load",
        "parse",
        "from_dict",
        "to_dict",
        "from_json",
        "to_json",
        "is_set",
        "FromString",
        "SerializeToString",
        "self",  # the first parameter of the generated __init__
    }
)

# Names the generated annotations use.  A field called like one of them would
# shadow it for every later annotation in the class body (type checkers then
# read ``str`` as the field), so such a field gets the trailing underscore too.
ANNOTATION_NAMES = frozenset(
    {"bool", "bytes", "datetime", "dict", "float", "int", "list", "str", "betterproto2"}
)

# Attributes of the generated stubs and server bases a method must not shadow.
SERVICE_RESERVED = frozenset({"channel", "timeout", "metadata", "deadline", "close", "policy"})

# Compound words that the word rule below would split wrongly.
_COMPOUND_WORDS = {"OAuth": "Oauth"}

# Words: a plural acronym (IDs), an acronym with any digits after it (API,
# V2, HTTP2), or a capitalised/lower word (Get, data3d).
_WORD = re.compile(r"[A-Z]{2,}s(?![a-z])|[A-Z]+[0-9]*(?![a-z])|[A-Z]?[a-z0-9]+")


def snake_case(name: str) -> str:
    """``GetRobotAPIKeys`` -> ``get_robot_api_keys``, ``BinaryDataByIDs`` -> ``binary_data_by_ids``.

    Already-snake names pass through unchanged.
    """
    if name == name.lower():
        return name
    for word, replacement in _COMPOUND_WORDS.items():
        name = name.replace(word, replacement)
    return "_".join(w.lower() for part in name.split("_") for w in _WORD.findall(part))


def safe(name: str, reserved: frozenset[str] = frozenset()) -> str:
    """Append ``_`` to a name that is a Python keyword or in ``reserved``."""
    if keyword.iskeyword(name) or keyword.issoftkeyword(name) and name == "_" or name in reserved:
        return name + "_"
    return name


def field_name(proto_name: str) -> str:
    """The Python name of a field on its own (see :func:`field_names` for a whole message)."""
    name = snake_case(proto_name)
    if name.strip("_"):
        name = name.lstrip("_")
    return safe(name, MESSAGE_RESERVED | ANNOTATION_NAMES)


def field_names(fields: Iterable[tuple[str, int]]) -> tuple[str, ...]:
    """Distinct Python names for the (proto name, number) fields of one message, in their order.

    A field whose proto name is already its :func:`field_name` claims that name
    first, then the fields without leading underscores, then the rest, each in
    proto order; a field whose name is taken gets ``_<number>`` appended (and
    more underscores while even that is taken).  For oneofs, pass each one's
    position (from 1) as its number.
    """
    fields = list(fields)
    wanted = [field_name(proto) for proto, _ in fields]
    # Who claims a name first: a field already named so, then one that only
    # gained a keyword underscore, then one that lost leading underscores.
    order = sorted(
        range(len(fields)), key=lambda i: (wanted[i] != fields[i][0], fields[i][0].startswith("_"))
    )
    taken: set[str] = set()
    out = [""] * len(fields)
    for i in order:
        name = wanted[i]
        if name in taken:
            name = f"{name}_{fields[i][1]}"
            while name in taken:
                name += "_"
        taken.add(name)
        out[i] = name
    return tuple(out)


# Field names whose values are credentials: a generated message prints them
# masked in its repr.  Matched on the whole snake_case name or its last word.
_SECRET_NAMES = frozenset(
    {"secret", "secrets", "key", "api_key", "psk", "password", "access_token", "token", "payload"}
)
_SECRET_SUFFIXES = ("_secret", "_password", "_token", "_psk")


def is_secret_field(proto_name: str) -> bool:
    """True when a field's value is a credential that must never be printed."""
    name = snake_case(proto_name)
    if name.endswith("page_token"):  # paging cursors are not credentials
        return False
    return name in _SECRET_NAMES or name.endswith(_SECRET_SUFFIXES)


def method_name(proto_name: str) -> str:
    return safe(snake_case(proto_name), SERVICE_RESERVED)


def type_name(scope: tuple[str, ...]) -> str:
    """Python class name for a (possibly nested) type: ``("Outer", "Inner")`` -> ``OuterInner``."""
    return safe("".join(part[:1].upper() + part[1:] for part in scope))


def enum_value_name(proto_name: str) -> str:
    """Enum members keep their proto names (as the official SDK's enums do)."""
    return safe(proto_name, frozenset({"name", "value", "proto_name"}))


def stub_names(service: str) -> tuple[str, str, str]:
    """(async stub, sync stub, server base) class names for a service."""
    return f"{service}Stub", f"{service}SyncStub", f"{service}Base"


def module_path(package: str, strip_prefixes: tuple[str, ...]) -> tuple[str, ...]:
    """Proto package -> module path under the import root.

    The first component is dropped when it is one of ``strip_prefixes``
    (``viam.app.v1`` -> ``app.v1``, ``proto.rpc.v1`` -> ``rpc.v1``).
    """
    parts = package.split(".") if package else []
    if parts and parts[0] in strip_prefixes and len(parts) > 1:
        parts = parts[1:]
    return tuple(safe(p) for p in parts)


def module_alias(path: tuple[str, ...]) -> str:
    """Name under which one generated module is imported by another."""
    return "_" + "_".join(path)


def codec_module_alias(path: tuple[str, ...]) -> str:
    """Name under which one package's ``_codec`` module is imported by another's."""
    return "_c" + module_alias(path)


#: Names of the runtime modules (codegen/runtime/) at the root of the generated
#: package; a generated module imports some of them under these names.
RUNTIME_MODULES = frozenset(name.removesuffix(".py") for name in runtime.MODULES)


# -- names inside a generated ``_codec`` module -----------------------------------------
# Module-level names start with a lower-case verb, so they never meet a class
# (upper case) or an imported module (``_`` + path); the model checks the rest.


def decoder_name(type_name: str) -> str:
    """The function that decodes message ``type_name`` from ``(buf, pos, end, depth)``."""
    return f"decode_{type_name}"


def encoder_name(type_name: str) -> str:
    """The function that encodes a message ``type_name`` to bytes."""
    return f"encode_{type_name}"


def wire_decoder_name(type_name: str) -> str:
    """The generated decoder of a well-known type that a hand-written runtime codec wraps."""
    return f"decode_{type_name}_wire"


def wire_encoder_name(type_name: str) -> str:
    return f"encode_{type_name}_wire"


def value_decoder_name(type_name: str) -> str:
    """The decoder of a well-known type straight to its Python value (a Timestamp to a datetime)."""
    return f"decode_{type_name}_value"


def value_encoder_name(type_name: str) -> str:
    return f"encode_{type_name}_value"


def entry_decoder_name(type_name: str, field: str) -> str:
    """The decoder of one entry of map field ``field`` of message ``type_name``."""
    return f"decode_{type_name}_{field}_entry"


def enum_values_name(enum_type: str) -> str:
    """The number -> member map of an enum, given the expression naming the enum class."""
    return "values_of_" + enum_type.lstrip("_").replace(".", "_")


# Locals of a generated decoder: ``field_`` + the attribute holds a field's
# value; a singular message field also remembers where its bytes were
# (``start_``/``end_``), to merge a second occurrence.  The decoder's other
# locals (buf, pos, end, depth, tag, start, v, n, e, m, k, unknown) have no
# underscore, so they never meet these.


def field_local(attr: str) -> str:
    return f"field_{attr}"


def span_start_local(attr: str) -> str:
    return f"start_{attr}"


def span_end_local(attr: str) -> str:
    return f"end_{attr}"


# -- names inside a generated ``_json`` module ---------------------------------------------
# As in ``_codec``: module-level names start with a lower-case word.


def json_encoder_name(type_name: str) -> str:
    """The function that prints message ``type_name`` as a JSON value (plain Python objects)."""
    return f"to_json_{type_name}"


def json_decoder_name(type_name: str) -> str:
    """The function that reads message ``type_name`` from a JSON value."""
    return f"from_json_{type_name}"


def json_names_table(type_name: str) -> str:
    """The (printed names, proto names) pair of tuples of a message's fields."""
    return f"names_of_{type_name}"


def json_lookup_table(type_name: str) -> str:
    """The map from every accepted JSON name to the field's index."""
    return f"fields_of_{type_name}"


def json_enum_names(enum_type: str) -> str:
    return "json_names_of_" + enum_type.lstrip("_").replace(".", "_")


def json_enum_values(enum_type: str) -> str:
    return "json_values_of_" + enum_type.lstrip("_").replace(".", "_")


def json_module_alias(path: tuple[str, ...]) -> str:
    """Name under which one package's ``_json`` module is imported by another's."""
    return "_j" + module_alias(path)


def oneof_local(group: str) -> str:
    """Decoder local remembering which member of oneof ``group`` the JSON set."""
    return f"oneof_{group}"
