"""Every naming rule of the generator, in one place.

Proto names become Python names here and nowhere else: snake_case for RPCs
and fields, PascalCase joins for nested types, a trailing underscore for
anything that would clash with a keyword or with a name the runtime already
uses, and the mapping from proto package to Python module path.
"""

from __future__ import annotations

import keyword
import re

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
ANNOTATION_NAMES = frozenset({"bool", "bytes", "datetime", "dict", "float", "int", "list", "str", "betterproto2"})

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
    return safe(snake_case(proto_name), MESSAGE_RESERVED | ANNOTATION_NAMES)


# Field names whose values are credentials: a generated message prints them
# masked in its repr.  Matched on the whole snake_case name or its last word.
_SECRET_NAMES = frozenset({"secret", "secrets", "key", "api_key", "psk", "password", "access_token", "token", "payload"})
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
