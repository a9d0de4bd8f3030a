"""The emulator's MongoDB aggregation engine over plain Python documents (the core).

``TabularDataByMQL`` and data pipelines hand it a pipeline of BSON stages; it
runs them over the documents of a data source (``_query_sources``), one per
reading (see :func:`run_pipeline`), on a query worker thread within the
budgets of ``_query_budget``.

Why our own engine: mongomock (pure Python, the other candidate) runs 13 of
the 22 stages Viam documents (measured with mongomock 4.3: $bucketAuto,
$densify, $fill, $geoNear, $redact, $replaceWith, $setWindowFields,
$sortByCount and $unset raise NotImplementedError), and its documents would
need copying into its collections on every query.

This module: paths, BSON type order (:func:`_sort_key`), expression
evaluation with variables (``$$ROOT``, ``$$CURRENT``, ``$$REMOVE``, ``$$NOW``,
``$let``/``$map``/``$filter``/``$reduce`` names), the ``$group``
accumulators, and the stages ``$match``, ``$project``, ``$addFields`` /
``$set``, ``$unset``, ``$sort``, ``$skip``, ``$limit``, ``$count`` and
``$group``.  Beside it: ``_mql_match`` (the ``$match`` query language),
``_mql_ops`` and ``_mql_dates`` (expression operators), ``_mql_stages`` and
``_mql_window`` (the other stages).  Together: all 22 documented stages.

Anything the engine lacks raises :class:`MQLError` naming the stage, option
or operator, which the service turns into INVALID_ARGUMENT.  MongoDB's rules
hold where they matter: a path through an array matches when any element
does; values of different BSON types never compare as greater or smaller in
queries and sort by type order; a missing field is left out of ``$project``
and ``$addFields`` results and is null elsewhere.
"""

from __future__ import annotations

import datetime
import math
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any

import bson

from ..budget import ITEM_BYTES, Budget, activate, check_items

__all__ = ["MQLError", "SUPPORTED_STAGES", "run_pipeline"]


class MQLError(ValueError):
    """A pipeline this engine cannot run; the message names the culprit."""


_MISSING: Any = object()

Doc = dict[str, Any]


# -- paths ----------------------------------------------------------------------------


def _get(doc: Any, path: str) -> Any:
    """The value at a dotted path, or _MISSING.  Arrays fan out into lists of values."""
    current = doc
    parts = path.split(".")
    for index, part in enumerate(parts):
        if type(current) is dict:  # the common case, without the ABC check below
            if part not in current:
                return _MISSING
            current = current[part]
        elif isinstance(current, Mapping):
            if part not in current:
                return _MISSING
            current = current[part]
        elif isinstance(current, list):
            if part.isdigit():
                position = int(part)
                if position >= len(current):
                    return _MISSING
                current = current[position]
            else:
                rest = ".".join(parts[index:])
                found = [_get(item, rest) for item in current if isinstance(item, Mapping)]
                return [f for f in found if f is not _MISSING] or _MISSING
        else:
            return _MISSING
    return current


def _set(doc: Doc, path: str, value: Any) -> None:
    parts = path.split(".")
    current = doc
    for part in parts[:-1]:
        nxt = current.get(part)
        if not isinstance(nxt, dict):
            nxt = {}
            current[part] = nxt
        current = nxt
    current[parts[-1]] = value


def _unset(doc: Doc, path: str) -> None:
    parts = path.split(".")
    current: Any = doc
    for part in parts[:-1]:
        current = current.get(part) if isinstance(current, dict) else None
        if current is None:
            return
    if isinstance(current, dict):
        current.pop(parts[-1], None)


# -- ordering -------------------------------------------------------------------------


def _rank(value: Any) -> int:
    """BSON's order of types: null < numbers < strings < objects < arrays < binary < ObjectId
    < booleans < dates < timestamps < regular expressions (a missing field sorts as null)."""
    if value is None or value is _MISSING:
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


def _sort_key(value: Any) -> tuple[Any, ...]:
    """A key that orders values as MongoDB does (objects field by field, arrays element by element)."""
    rank = _rank(value)
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
        return rank, tuple((_rank(v), str(k), _sort_key(v)) for k, v in value.items())
    if rank == 5:
        return rank, tuple(_sort_key(v) for v in value)
    if rank == 7:
        return rank, bytes(value.binary)
    if rank == 10:
        return rank, value.time, value.inc
    if rank == 11:
        return rank, str(getattr(value, "pattern", value))
    return (rank,)


def _comparable(a: Any, b: Any) -> bool:
    return _rank(a) == _rank(b) and _rank(a) not in (1, 13)


def _equal(a: Any, b: Any) -> bool:
    if a is _MISSING:
        a = None
    if b is _MISSING:
        b = None
    if _rank(a) != _rank(b):
        return False
    return _sort_key(a) == _sort_key(b)


# -- expressions ------------------------------------------------------------------------


def _number(value: Any, op: str) -> float | int:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise MQLError(f"{op} only works on numbers, not {value!r}")
    return value


def _args(spec: Any, doc: Doc, op: str, variables: Vars = None) -> list[Any]:
    items = spec if isinstance(spec, list) else [spec]
    return [evaluate(item, doc, variables) for item in items]


Vars = Mapping[str, Any] | None

# $$REMOVE: a field set to it is left out.
REMOVE: Any = object()

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
    if value is _MISSING or value is REMOVE:
        return "missing"
    if isinstance(value, int) and not isinstance(value, bool):
        return "int" if -(2**31) <= value < 2**31 else "long"
    return _TYPE_NAMES.get(_rank(value), "object")


def _type_alias(wanted: Any) -> str:
    if isinstance(wanted, int) and not isinstance(wanted, bool):
        if wanted not in _TYPE_NUMBERS:
            raise MQLError(f"$type {wanted} is not a BSON type number")
        return _TYPE_NUMBERS[wanted]
    return str(wanted)


def truthy(value: Any) -> bool:
    """Aggregation truth: false, null, missing and 0 are false; everything else (even "" and []) is true."""
    if value is None or value is _MISSING or value is REMOVE or value is False:
        return False
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value != 0
    return True


def evaluate(expr: Any, doc: Doc, variables: Vars = None) -> Any:
    """The value of an aggregation expression for ``doc`` (None when a path is missing)."""
    value = evaluate_field(expr, doc, variables)
    return None if value is _MISSING or value is REMOVE else value


def evaluate_field(expr: Any, doc: Doc, variables: Vars = None) -> Any:
    """Like :func:`evaluate`, but a missing path gives _MISSING and ``$$REMOVE`` gives REMOVE."""
    if isinstance(expr, str):
        if expr.startswith("$$"):
            name, _, rest = expr[2:].partition(".")
            if name in ("ROOT", "CURRENT"):
                base: Any = doc
            elif name == "REMOVE":
                return REMOVE
            elif name == "NOW":
                base = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)
            elif variables is not None and name in variables:
                base = variables[name]
            else:
                raise MQLError(f"the variable $${name} is not defined")
            return _get(base, rest) if rest else base
        if expr.startswith("$"):
            return _get(doc, expr[1:])
        return expr
    if isinstance(expr, list):
        return [evaluate(item, doc, variables) for item in expr]
    if isinstance(expr, Mapping):
        if len(expr) == 1:
            op, spec = next(iter(expr.items()))
            if isinstance(op, str) and op.startswith("$"):
                return _operator(op, spec, doc, variables)
        out = {}
        for key, item in expr.items():
            value = evaluate_field(item, doc, variables)
            if value is not _MISSING and value is not REMOVE:
                out[key] = value
        return out
    return expr


def _operator(op: str, spec: Any, doc: Doc, variables: Vars = None) -> Any:
    if op == "$literal":
        return spec
    if op == "$ifNull":
        for value in _args(spec, doc, op, variables):
            if value is not None:
                return value
        return None
    if op in OPERATORS:
        return OPERATORS[op](spec, doc, variables)
    if op == "$toString":
        value = evaluate(spec, doc, variables)
        if value is None:
            return None
        if isinstance(value, datetime.datetime):
            return value.isoformat()
        if isinstance(value, bool):
            return "true" if value else "false"
        return str(value)
    if op == "$concat":
        values = _args(spec, doc, op, variables)
        if any(v is None for v in values):
            return None
        if not all(isinstance(v, str) for v in values):
            raise MQLError("$concat only works on strings")
        check_items(sum(len(v) for v in values) // ITEM_BYTES, "$concat")  # characters, not items
        return "".join(values)
    if op in ("$add", "$multiply"):
        values = _args(spec, doc, op, variables)
        if any(v is None for v in values):
            return None
        if op == "$add" and any(isinstance(v, datetime.datetime) for v in values):
            base = next(v for v in values if isinstance(v, datetime.datetime))
            millis = sum(_number(v, op) for v in values if v is not base)
            return base + datetime.timedelta(milliseconds=millis)
        numbers = [_number(v, op) for v in values]
        return sum(numbers) if op == "$add" else math.prod(numbers)
    if op in ("$subtract", "$divide"):
        values = _args(spec, doc, op, variables)
        if len(values) != 2:
            raise MQLError(f"{op} needs exactly two arguments")
        left, right = values
        if left is None or right is None:
            return None
        if op == "$subtract" and isinstance(left, datetime.datetime):
            if isinstance(right, datetime.datetime):
                return int((left - right) / datetime.timedelta(milliseconds=1))
            return left - datetime.timedelta(milliseconds=_number(right, op))
        a, b = _number(left, op), _number(right, op)
        if op == "$subtract":
            return a - b
        if b == 0:
            raise MQLError("$divide by zero")
        return a / b
    raise MQLError(f"the expression operator {op} is not supported by this emulator")


# -- $group accumulators --------------------------------------------------------------------


class _Acc:
    def __init__(self, op: str, expr: Any) -> None:
        if op not in _ACCUMULATORS:
            raise MQLError(f"the $group accumulator {op} is not supported by this emulator")
        self.op = op
        self.expr = expr
        self.total: float | int = 0
        self.count = 0
        self.value: Any = _MISSING
        self.items: list[Any] = []

    def add(self, doc: Doc) -> None:
        if self.op == "$count":
            self.count += 1
            return
        value = evaluate(self.expr, doc)
        if self.op == "$sum":
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                self.total += value
        elif self.op == "$avg":
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                self.total += value
                self.count += 1
        elif self.op in ("$min", "$max"):
            if value is None:
                return
            if self.value is _MISSING:
                self.value = value
                return
            lower = _sort_key(value) < _sort_key(self.value)
            if (self.op == "$min") == lower and _sort_key(value) != _sort_key(self.value):
                self.value = value
        elif self.op == "$first":
            if self.value is _MISSING:
                self.value = value
        elif self.op == "$last":
            self.value = value
        elif self.op == "$push":
            self.items.append(value)
            if len(self.items) & 0x3FF == 0:
                check_items(len(self.items), "$push")
        elif self.op == "$addToSet":
            if not any(_equal(v, value) for v in self.items):
                self.items.append(value)
                if len(self.items) & 0x3FF == 0:
                    check_items(len(self.items), "$addToSet")
        elif self.op in ("$stdDevPop", "$stdDevSamp"):
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                self.items.append(value)
        elif self.op == "$mergeObjects":
            if isinstance(value, Mapping):
                merged = self.value if isinstance(self.value, dict) else {}
                merged.update(value)
                self.value = merged
            elif value is not None:
                raise MQLError(f"$mergeObjects needs documents, not {value!r}")

    def result(self) -> Any:
        if self.op == "$count":
            return self.count
        if self.op == "$sum":
            return self.total
        if self.op == "$avg":
            return self.total / self.count if self.count else None
        if self.op in ("$push", "$addToSet"):
            return self.items
        if self.op in ("$stdDevPop", "$stdDevSamp"):
            n = len(self.items)
            if n == 0 or (n == 1 and self.op == "$stdDevSamp"):
                return None
            mean = sum(self.items) / n
            square = sum((x - mean) ** 2 for x in self.items)
            return math.sqrt(square / (n if self.op == "$stdDevPop" else n - 1))
        if self.op == "$mergeObjects":
            return {} if self.value is _MISSING else self.value
        return None if self.value is _MISSING else self.value


_ACCUMULATORS = (
    "$sum",
    "$avg",
    "$min",
    "$max",
    "$count",
    "$first",
    "$last",
    "$push",
    "$addToSet",
    "$stdDevPop",
    "$stdDevSamp",
    "$mergeObjects",
)


def _freeze(value: Any) -> Any:
    if isinstance(value, Mapping):
        return ("d", tuple((k, _freeze(v)) for k, v in value.items()))
    if isinstance(value, list):
        return ("l", tuple(_freeze(v) for v in value))
    if isinstance(value, bool):
        return ("b", value)
    return value


def _group(docs: Iterable[Doc], spec: Any) -> Iterator[Doc]:
    if not isinstance(spec, Mapping) or "_id" not in spec:
        raise MQLError("$group needs a document with an _id")
    fields: list[tuple[str, str, Any]] = []
    for name, acc in spec.items():
        if name == "_id":
            continue
        if not isinstance(acc, Mapping) or len(acc) != 1:
            raise MQLError(f"$group field {name!r} must be one accumulator, like {{'$sum': 1}}")
        op, expr = next(iter(acc.items()))
        _Acc(op, expr)  # validates the accumulator name early
        fields.append((name, op, expr))
    groups: dict[Any, tuple[Any, list[_Acc]]] = {}
    for doc in docs:
        key_value = evaluate(spec["_id"], doc)
        key = _freeze(key_value)
        if key not in groups:
            groups[key] = (key_value, [_Acc(op, expr) for _, op, expr in fields])
        for acc in groups[key][1]:
            acc.add(doc)
    for key_value, accs in groups.values():
        out: Doc = {"_id": key_value}
        for (name, _, _), acc in zip(fields, accs, strict=True):
            out[name] = acc.result()
        yield out


# -- $project and friends -----------------------------------------------------------------


def _project(docs: Iterable[Doc], spec: Any) -> Iterator[Doc]:
    if not isinstance(spec, Mapping) or not spec:
        raise MQLError("$project needs a non-empty document")
    include_id = True
    includes: list[str] = []
    excludes: list[str] = []
    computed: list[tuple[str, Any]] = []
    for name, how in _flat_projection(spec):
        if name == "_id" and how in (0, False):
            include_id = False
        elif how in (0, False) and not isinstance(how, float):
            excludes.append(name)
        elif how is True or (isinstance(how, int) and not isinstance(how, bool) and how == 1):
            includes.append(name)
        else:
            computed.append((name, how))
    if not include_id and not includes and not computed:
        excludes.append("_id")  # {_id: 0} alone excludes _id and keeps the rest
    if excludes and (includes or computed):
        raise MQLError("$project cannot mix excluded fields with included or computed ones")
    for doc in docs:
        if excludes:
            out = doc
            for name in excludes:
                out = _path_copy(out, name)
                _unset(out, name)
            if not include_id:
                out.pop("_id", None)
            yield out
            continue
        out = {}
        if include_id and "_id" in doc and "_id" not in includes:
            out["_id"] = doc["_id"]
        for name in includes:
            value = _get(doc, name)
            if value is not _MISSING:
                _set(out, name, value)
        for name, expr in computed:
            value = evaluate_field(expr, doc)
            if value is not _MISSING and value is not REMOVE:
                _set(out, name, value)
        yield out


def _flat_projection(spec: Mapping[str, Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    """A $project spec with nested documents of fields (``{"a": {"b": 1}}``) as dotted names."""
    for name, how in spec.items():
        if isinstance(how, Mapping) and how and not any(str(k).startswith("$") for k in how):
            yield from _flat_projection(how, f"{prefix}{name}.")
        else:
            yield f"{prefix}{name}", how


def _path_copy(doc: Doc, path: str) -> Doc:
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


def _deep_copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _deep_copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_deep_copy(v) for v in value]
    return value


def _add_fields(docs: Iterable[Doc], spec: Any) -> Iterator[Doc]:
    if not isinstance(spec, Mapping):
        raise MQLError("$addFields needs a document")
    for doc in docs:
        out = doc
        for name, expr in _flat_projection(spec):
            value = evaluate_field(expr, doc)
            if value is REMOVE:
                out = _path_copy(out, name)
                _unset(out, name)
            elif value is not _MISSING:
                out = _path_copy(out, name)
                _set(out, name, value)
        yield out if out is not doc else dict(doc)


def _unset_stage(docs: Iterable[Doc], spec: Any) -> Iterator[Doc]:
    names = [spec] if isinstance(spec, str) else spec
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise MQLError("$unset needs a field name or a list of them")
    for doc in docs:
        out = dict(doc)
        for name in names:
            out = _path_copy(out, name)
            _unset(out, name)
        yield out


def _sort(docs: Iterable[Doc], spec: Any) -> Iterator[Doc]:
    if not isinstance(spec, Mapping) or not spec:
        raise MQLError("$sort needs a non-empty document of field: 1 or -1")
    keys = list(spec.items())
    for name, direction in keys:
        if direction not in (1, -1):
            raise MQLError(f"$sort direction for {name!r} must be 1 or -1, not {direction!r}")
    ordered = list(docs)
    # Stable sorts, last key first, give a multi-key order with mixed directions.
    for name, direction in reversed(keys):

        def key(doc: Doc, path: str = name, way: int = direction) -> tuple[int, Any]:
            return _sort_key(_sort_value(_get(doc, path), way))

        ordered.sort(key=key, reverse=direction == -1)
    return iter(ordered)


def _sort_value(value: Any, direction: int) -> Any:
    if isinstance(value, list) and value:
        keyed = sorted(value, key=_sort_key)
        return keyed[0] if direction == 1 else keyed[-1]
    return value


def _count_int(spec: Any, stage: str) -> int:
    if isinstance(spec, bool) or not isinstance(spec, (int, float)) or spec < 0 or int(spec) != spec:
        raise MQLError(f"{stage} needs a non-negative whole number, not {spec!r}")
    return int(spec)


def _skip(docs: Iterable[Doc], spec: Any) -> Iterator[Doc]:
    n = _count_int(spec, "$skip")
    for index, doc in enumerate(docs):
        if index >= n:
            yield doc


def _limit(docs: Iterable[Doc], spec: Any) -> Iterator[Doc]:
    n = _count_int(spec, "$limit")
    if n == 0:
        raise MQLError("$limit must be positive")
    for index, doc in enumerate(docs):
        if index >= n:
            return
        yield doc


def _count(docs: Iterable[Doc], spec: Any) -> Iterator[Doc]:
    if not isinstance(spec, str) or not spec or spec.startswith("$") or "." in spec:
        raise MQLError(f"$count needs a plain field name, not {spec!r}")
    total = sum(1 for _ in docs)
    if total:
        yield {spec: total}


def _match(docs: Iterable[Doc], spec: Any) -> Iterator[Doc]:
    if not isinstance(spec, Mapping):
        raise MQLError("$match needs a document")
    for doc in docs:
        if _matches(doc, spec):
            yield doc


_STAGES: dict[str, Callable[[Iterable[Doc], Any], Iterator[Doc]]] = {
    "$match": _match,
    "$project": _project,
    "$addFields": _add_fields,
    "$set": _add_fields,
    "$unset": _unset_stage,
    "$sort": _sort,
    "$skip": _skip,
    "$limit": _limit,
    "$count": _count,
    "$group": _group,
}

SUPPORTED_STAGES = tuple(_STAGES)


def check_pipeline(stages: Sequence[Mapping[str, Any]]) -> None:
    """Reject unknown or malformed stages before any data is read."""
    try:
        _check_stages(stages)
    except RecursionError:
        raise MQLError("the pipeline nests queries too deeply") from None


def _check_stages(stages: Sequence[Mapping[str, Any]]) -> None:
    for position, stage in enumerate(stages):
        if not isinstance(stage, Mapping) or len(stage) != 1:
            raise MQLError(
                f"stage {position} must be a document with exactly one key, like {{'$match': ...}}"
            )
        name = next(iter(stage))
        if name not in _STAGES:
            raise MQLError(
                f"the aggregation stage {name} (stage {position}) is not supported by this emulator; "
                f"supported: {', '.join(SUPPORTED_STAGES)}"
            )
        if name == "$match":
            _check_query(stage[name])
        if name == "$geoNear" and position != 0:
            raise MQLError(f"$geoNear must be the first stage of a pipeline (it is stage {position})")


def _watched(stream: Iterable[Doc], budget: Budget, stage: str) -> Iterator[Doc]:
    for count, doc in enumerate(stream, start=1):
        budget.check("MQL")
        if count > budget.documents:
            budget.check_documents(count, stage)
        yield doc


def run_pipeline(
    docs: Iterable[Doc], stages: Sequence[Mapping[str, Any]], budget: Budget | None = None
) -> list[Doc]:
    """Run ``stages`` over ``docs`` and return the resulting documents.

    Raises:
        MQLError: an unsupported stage, operator or accumulator, or a malformed one.
        QueryBudgetExceeded: past the time or memory budget (see ``_query_budget``).
    """
    check_pipeline(stages)
    budget = budget or Budget()
    stream: Iterable[Doc] = _watched(docs, budget, "the input")
    for stage in stages:
        name, spec = next(iter(stage.items()))
        stream = _watched(_STAGES[name](stream, spec), budget, name)
    previous = activate(budget)
    try:
        return list(stream)
    except RecursionError:
        raise MQLError("the pipeline nests expressions too deeply") from None
    finally:
        activate(previous)


def encode_results(docs: Iterable[Doc], budget: Budget | None = None) -> list[bytes]:
    """The documents as BSON, stopping once they pass the result budget (RESOURCE_EXHAUSTED)."""
    budget = budget or Budget()
    out: list[bytes] = []
    size = 0
    for doc in docs:
        raw = bson.encode(doc)
        size += len(raw)
        budget.check_result(size, "MQL")
        out.append(raw)
    return out


# The rest of the stages and the expression operators live beside this module.
from .match import _check_query, _matches  # noqa: E402
from .operators import OPERATORS  # noqa: E402
from .stages import EXTRA_STAGES  # noqa: E402

_STAGES.update(EXTRA_STAGES)
SUPPORTED_STAGES = tuple(sorted(_STAGES))
