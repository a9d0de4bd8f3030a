"""The values of the emulator's MQL engine: the bottom layer, imported by every other module here.

What MongoDB's rules say about plain values, whatever the stage or operator:
dotted paths (an array on the way fans out into its elements' values), the
missing field (:data:`MISSING`) and ``$$REMOVE`` (:data:`REMOVE`), BSON's
order of types (:func:`type_rank`, :func:`sort_key`: values of different
types never compare as greater or smaller in queries, and sort by type),
equality, ``$type`` names, aggregation truth, the copies stages make before
they change a document, and :class:`MQLError`, the one error of the engine.
"""

from __future__ import annotations

import datetime
import math
import re
from collections.abc import Mapping
from typing import Any

__all__ = [
    "INT64_MAX",
    "INT64_MIN",
    "int64_or_double",
    "MISSING",
    "REMOVE",
    "Doc",
    "MQLError",
    "Vars",
    "as_number",
    "check_options",
    "comparable",
    "deep_copy",
    "equal",
    "freeze",
    "get_path",
    "path_copy",
    "set_path",
    "sort_key",
    "truthy",
    "type_alias",
    "type_name",
    "type_rank",
    "unset_path",
]


class MQLError(ValueError):
    """A pipeline this engine cannot run; the message names the culprit."""


# A field a document does not have (``$project`` and ``$addFields`` leave it out; elsewhere it is null).
MISSING: Any = object()

# $$REMOVE: a field set to it is left out.
REMOVE: Any = object()

Doc = dict[str, Any]
Vars = Mapping[str, Any] | None


# -- paths ----------------------------------------------------------------------------


def get_path(doc: Any, path: str) -> Any:
    """The value at a dotted path, or MISSING.  Arrays fan out into lists of values."""
    current = doc
    parts = path.split(".")
    for index, part in enumerate(parts):
        if type(current) is dict:  # the common case, without the ABC check below
            if part not in current:
                return MISSING
            current = current[part]
        elif isinstance(current, Mapping):
            if part not in current:
                return MISSING
            current = current[part]
        elif isinstance(current, list):
            if part.isdigit():
                position = int(part)
                if position >= len(current):
                    return MISSING
                current = current[position]
            else:
                rest = ".".join(parts[index:])
                found = [get_path(item, rest) for item in current if isinstance(item, Mapping)]
                return [f for f in found if f is not MISSING] or MISSING
        else:
            return MISSING
    return current


def set_path(doc: Doc, path: str, value: Any) -> None:
    parts = path.split(".")
    current = doc
    for part in parts[:-1]:
        nxt = current.get(part)
        if not isinstance(nxt, dict):
            nxt = {}
            current[part] = nxt
        current = nxt
    current[parts[-1]] = value


def unset_path(doc: Doc, path: str) -> None:
    parts = path.split(".")
    current: Any = doc
    for part in parts[:-1]:
        current = current.get(part) if isinstance(current, dict) else None
        if current is None:
            return
    if isinstance(current, dict):
        current.pop(parts[-1], None)


# -- ordering -------------------------------------------------------------------------


def type_rank(value: Any) -> int:
    """BSON's order of types: null < numbers < strings < objects < arrays < binary < ObjectId
    < booleans < dates < timestamps < regular expressions (a missing field sorts as null)."""
    if value is None or value is MISSING:
        return 1
    if isinstance(value, bool):
        return 8
    if isinstance(value, (int, float)):
        return 2
    if isinstance(value, str):
        return 3
    if isinstance(value, Mapping):
        return 4
    if isinstance(value, list):
        return 5
    if isinstance(value, (bytes, bytearray)):
        return 6
    kind = type(value).__name__
    if kind == "ObjectId":
        return 7
    if isinstance(value, datetime.datetime):
        return 9
    if kind == "Timestamp":
        return 10
    if isinstance(value, re.Pattern) or kind == "Regex":
        return 11
    if kind == "MinKey":
        return 0
    if kind == "MaxKey":
        return 12
    return 13


def sort_key(value: Any) -> tuple[Any, ...]:
    """A key that orders values as MongoDB does (objects field by field, arrays element by element)."""
    rank = type_rank(value)
    if rank == 2:
        return (rank, 0 if value != value else 1, value)  # NaN sorts below every other number
    if rank in (3, 8):
        return rank, value
    if rank == 9:
        moment = value if value.tzinfo else value.replace(tzinfo=datetime.timezone.utc)
        return rank, moment.timestamp()
    if rank == 6:
        return rank, len(value), bytes(value)
    if rank == 4:
        return rank, tuple((type_rank(v), str(k), sort_key(v)) for k, v in value.items())
    if rank == 5:
        return rank, tuple(sort_key(v) for v in value)
    if rank == 7:
        return rank, bytes(value.binary)
    if rank == 10:
        return rank, value.time, value.inc
    if rank == 11:
        return rank, str(getattr(value, "pattern", value))
    return (rank,)


def comparable(a: Any, b: Any) -> bool:
    return type_rank(a) == type_rank(b) and type_rank(a) not in (1, 13)


def equal(a: Any, b: Any) -> bool:
    if a is MISSING:
        a = None
    if b is MISSING:
        b = None
    if type_rank(a) != type_rank(b):
        return False
    return sort_key(a) == sort_key(b)


# -- values of one kind ---------------------------------------------------------------


INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1


def int64_or_double(value: Any) -> Any:
    """An integer result as MongoDB keeps it: itself while it fits in 64 bits, a double past that."""
    if isinstance(value, int) and not isinstance(value, bool) and not INT64_MIN <= value <= INT64_MAX:
        try:
            return float(value)
        except OverflowError:
            return math.inf if value > 0 else -math.inf
    return value


def as_number(value: Any, op: str) -> float | int:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise MQLError(f"{op} only works on numbers, not {value!r}")
    return value


_TYPE_NAMES = {
    0: "minKey",
    1: "null",
    2: "double",
    3: "string",
    4: "object",
    5: "array",
    6: "binData",
    7: "objectId",
    8: "bool",
    9: "date",
    10: "timestamp",
    11: "regex",
    12: "maxKey",
}
_TYPE_NUMBERS = {
    1: "double",
    2: "string",
    3: "object",
    4: "array",
    5: "binData",
    7: "objectId",
    8: "bool",
    9: "date",
    10: "null",
    11: "regex",
    16: "int",
    17: "timestamp",
    18: "long",
    19: "decimal",
    -1: "minKey",
    127: "maxKey",
}


def type_name(value: Any) -> str:
    """The BSON type name ``$type`` gives (``"missing"`` for a missing field)."""
    if value is MISSING or value is REMOVE:
        return "missing"
    if isinstance(value, int) and not isinstance(value, bool):
        return "int" if -(2**31) <= value < 2**31 else "long"
    return _TYPE_NAMES.get(type_rank(value), "object")


def type_alias(wanted: Any) -> str:
    if isinstance(wanted, int) and not isinstance(wanted, bool):
        if wanted not in _TYPE_NUMBERS:
            raise MQLError(f"$type {wanted} is not a BSON type number")
        return _TYPE_NUMBERS[wanted]
    return str(wanted)


def truthy(value: Any) -> bool:
    """Aggregation truth: false, null, missing and 0 are false; everything else (even "" and []) is true."""
    if value is None or value is MISSING or value is REMOVE or value is False:
        return False
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value != 0
    return True


def freeze(value: Any) -> Any:
    """A hashable stand-in for a value, equal for equal documents and arrays (a grouping key)."""
    if isinstance(value, Mapping):
        return ("d", tuple((k, freeze(v)) for k, v in value.items()))
    if isinstance(value, list):
        return ("l", tuple(freeze(v) for v in value))
    if isinstance(value, bool):
        return ("b", value)
    return value


# -- copies -------------------------------------------------------------------------


def path_copy(doc: Doc, path: str) -> Doc:
    """A copy of ``doc`` in which the documents along ``path`` are copies too (the rest is shared).

    Stages change documents only along the paths they set or remove, so this
    is all the copying they need, however large the other fields are.
    """
    out = dict(doc)
    current = out
    for part in path.split(".")[:-1]:
        nxt = current.get(part)
        if not isinstance(nxt, dict):
            break
        nxt = dict(nxt)
        current[part] = nxt
        current = nxt
    return out


def deep_copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: deep_copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [deep_copy(v) for v in value]
    return value


def check_options(
    spec: Any, stage: str, required: tuple[str, ...] = (), optional: tuple[str, ...] = ()
) -> Mapping[str, Any]:
    """``spec`` when it is a document with every ``required`` field and no field beyond ``optional``."""
    if not isinstance(spec, Mapping):
        raise MQLError(f"{stage} needs a document")
    for key in required:
        if key not in spec:
            raise MQLError(f"{stage} needs the field {key!r}")
    for key in spec:
        if key not in required and key not in optional:
            raise MQLError(f"{stage} has no option {key!r}")
    return spec
