"""A small MongoDB aggregation engine over plain Python documents.

``TabularDataByMQL`` hands the emulator a pipeline of BSON stages; this module
runs the documented subset of them over the organization's readings, one
document per reading (see :func:`run_pipeline`).

Stages: ``$match``, ``$project``, ``$addFields`` / ``$set``, ``$unset``,
``$sort``, ``$skip``, ``$limit``, ``$count`` and ``$group`` with the
accumulators ``$sum``, ``$avg``, ``$min``, ``$max``, ``$count``, ``$first``,
``$last``, ``$push`` and ``$addToSet``.

``$match`` operators: ``$eq``, ``$ne``, ``$gt``, ``$gte``, ``$lt``, ``$lte``,
``$in``, ``$nin``, ``$exists``, ``$regex`` (with ``$options``), ``$not``,
``$size``, ``$all``, ``$elemMatch``, ``$and``, ``$or``, ``$nor``.

Expressions (in ``$project``, ``$addFields``, ``$group``): field paths
(``"$data.readings.x"``), literals, ``$literal``, ``$add``, ``$subtract``,
``$multiply``, ``$divide``, ``$concat``, ``$ifNull``, ``$toString``.

Anything else raises :class:`MQLError` naming the stage or operator, which the
service turns into INVALID_ARGUMENT.  Comparisons follow MongoDB's rules where
they matter here: a path through an array matches when any element does, and
values of different kinds never compare as greater or smaller.
"""

from __future__ import annotations

import datetime
import math
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any

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
        if isinstance(current, Mapping):
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
    if isinstance(value, datetime.datetime):
        return 9
    return 10


def _sort_key(value: Any) -> tuple[int, Any]:
    rank = _rank(value)
    if rank in (2, 3, 8, 9):
        return rank, value
    if rank == 6:
        return rank, bytes(value)
    if rank in (4, 5):
        return rank, repr(value)
    return rank, 0


def _comparable(a: Any, b: Any) -> bool:
    return _rank(a) == _rank(b) and _rank(a) in (2, 3, 6, 8, 9)


def _equal(a: Any, b: Any) -> bool:
    if a is _MISSING:
        a = None
    if isinstance(a, bool) != isinstance(b, bool):
        return False
    return bool(a == b)


# -- $match -----------------------------------------------------------------------------


def _candidates(value: Any) -> list[Any]:
    """A value and, when it is an array, each of its elements (MongoDB's array matching)."""
    if isinstance(value, list):
        return [value, *value]
    return [value]


def _compare(op: str, value: Any, target: Any) -> bool:
    if value is _MISSING:
        return False
    for item in _candidates(value):
        if not _comparable(item, target):
            continue
        if op == "$gt" and item > target:
            return True
        if op == "$gte" and item >= target:
            return True
        if op == "$lt" and item < target:
            return True
        if op == "$lte" and item <= target:
            return True
    return False


def _eq_matches(value: Any, target: Any) -> bool:
    if isinstance(target, re.Pattern):
        return any(isinstance(i, str) and target.search(i) is not None for i in _candidates(value))
    if value is _MISSING:
        return target is None
    return any(_equal(item, target) for item in _candidates(value))


def _regex(pattern: Any, options: str = "") -> re.Pattern[str]:
    flags = 0
    for letter in options:
        flags |= {"i": re.IGNORECASE, "m": re.MULTILINE, "s": re.DOTALL, "x": re.VERBOSE}.get(letter, 0)
    if isinstance(pattern, re.Pattern):
        return re.compile(pattern.pattern, pattern.flags | flags)
    if hasattr(pattern, "pattern") and hasattr(pattern, "flags"):  # bson.regex.Regex
        pattern = pattern.pattern
    if not isinstance(pattern, str):
        raise MQLError(f"$regex needs a string pattern, not {pattern!r}")
    try:
        return re.compile(pattern, flags)
    except re.error as exc:
        raise MQLError(f"bad $regex {pattern!r}: {exc}") from exc


def _operator_matches(value: Any, spec: Mapping[str, Any]) -> bool:
    for op, target in spec.items():
        if op == "$options":
            continue
        if op == "$eq":
            ok = _eq_matches(value, target)
        elif op == "$ne":
            ok = not _eq_matches(value, target)
        elif op in ("$gt", "$gte", "$lt", "$lte"):
            ok = _compare(op, value, target)
        elif op == "$in":
            if not isinstance(target, list):
                raise MQLError("$in needs an array")
            ok = any(_eq_matches(value, t) for t in target)
        elif op == "$nin":
            if not isinstance(target, list):
                raise MQLError("$nin needs an array")
            ok = not any(_eq_matches(value, t) for t in target)
        elif op == "$exists":
            ok = (value is not _MISSING) == bool(target)
        elif op == "$regex":
            pattern = _regex(target, str(spec.get("$options", "")))
            ok = _eq_matches(value, pattern)
        elif op == "$not":
            if isinstance(target, Mapping):
                ok = not _operator_matches(value, target)
            else:
                ok = not _eq_matches(value, _regex(target))
        elif op == "$size":
            ok = isinstance(value, list) and len(value) == target
        elif op == "$all":
            if not isinstance(target, list):
                raise MQLError("$all needs an array")
            ok = isinstance(value, list) and all(_eq_matches(value, t) for t in target)
        elif op == "$elemMatch":
            if not isinstance(target, Mapping):
                raise MQLError("$elemMatch needs a document")
            ok = isinstance(value, list) and any(_elem_matches(item, target) for item in value)
        else:
            raise MQLError(f"the query operator {op} is not supported by this emulator")
        if not ok:
            return False
    return True


def _elem_matches(item: Any, spec: Mapping[str, Any]) -> bool:
    if all(k.startswith("$") for k in spec):
        return _operator_matches(item, spec)
    return isinstance(item, Mapping) and _matches(item, spec)


def _is_operator_spec(value: Any) -> bool:
    return isinstance(value, Mapping) and bool(value) and all(str(k).startswith("$") for k in value)


def _matches(doc: Any, query: Mapping[str, Any]) -> bool:
    for key, cond in query.items():
        if key in ("$and", "$or", "$nor"):
            if not isinstance(cond, list) or not cond:
                raise MQLError(f"{key} needs a non-empty array of queries")
            results = (_matches(doc, sub) for sub in cond)
            if key == "$and" and not all(results):
                return False
            if key == "$or" and not any(results):
                return False
            if key == "$nor" and any(results):
                return False
            continue
        if key.startswith("$"):
            raise MQLError(f"the query operator {key} is not supported by this emulator")
        value = _get(doc, key)
        if _is_operator_spec(cond):
            if not _operator_matches(value, cond):
                return False
        elif not _eq_matches(value, cond):
            return False
    return True


# -- expressions ------------------------------------------------------------------------


def _number(value: Any, op: str) -> float | int:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise MQLError(f"{op} only works on numbers, not {value!r}")
    return value


def _args(spec: Any, doc: Doc, op: str) -> list[Any]:
    items = spec if isinstance(spec, list) else [spec]
    return [evaluate(item, doc) for item in items]


def evaluate(expr: Any, doc: Doc) -> Any:
    """The value of an aggregation expression for ``doc`` (None when a path is missing)."""
    if isinstance(expr, str):
        if expr.startswith("$$"):
            if expr == "$$ROOT":
                return doc
            raise MQLError(f"the variable {expr} is not supported by this emulator")
        if expr.startswith("$"):
            value = _get(doc, expr[1:])
            return None if value is _MISSING else value
        return expr
    if isinstance(expr, list):
        return [evaluate(item, doc) for item in expr]
    if isinstance(expr, Mapping):
        if len(expr) == 1:
            op, spec = next(iter(expr.items()))
            if op.startswith("$"):
                return _operator(op, spec, doc)
        return {key: evaluate(value, doc) for key, value in expr.items()}
    return expr


def _operator(op: str, spec: Any, doc: Doc) -> Any:
    if op == "$literal":
        return spec
    if op == "$ifNull":
        for value in _args(spec, doc, op):
            if value is not None:
                return value
        return None
    if op == "$toString":
        value = evaluate(spec, doc)
        if value is None:
            return None
        if isinstance(value, datetime.datetime):
            return value.isoformat()
        if isinstance(value, bool):
            return "true" if value else "false"
        return str(value)
    if op == "$concat":
        values = _args(spec, doc, op)
        if any(v is None for v in values):
            return None
        if not all(isinstance(v, str) for v in values):
            raise MQLError("$concat only works on strings")
        return "".join(values)
    if op in ("$add", "$multiply"):
        values = _args(spec, doc, op)
        if any(v is None for v in values):
            return None
        if op == "$add" and any(isinstance(v, datetime.datetime) for v in values):
            base = next(v for v in values if isinstance(v, datetime.datetime))
            millis = sum(_number(v, op) for v in values if v is not base)
            return base + datetime.timedelta(milliseconds=millis)
        numbers = [_number(v, op) for v in values]
        return sum(numbers) if op == "$add" else math.prod(numbers)
    if op in ("$subtract", "$divide"):
        values = _args(spec, doc, op)
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
        elif self.op == "$addToSet":
            if not any(_equal(v, value) for v in self.items):
                self.items.append(value)

    def result(self) -> Any:
        if self.op == "$count":
            return self.count
        if self.op == "$sum":
            return self.total
        if self.op == "$avg":
            return self.total / self.count if self.count else None
        if self.op in ("$push", "$addToSet"):
            return self.items
        return None if self.value is _MISSING else self.value


_ACCUMULATORS = ("$sum", "$avg", "$min", "$max", "$count", "$first", "$last", "$push", "$addToSet")


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
    for name, how in spec.items():
        if name == "_id" and how in (0, False):
            include_id = False
        elif how in (0, False) and not isinstance(how, float):
            excludes.append(name)
        elif how is True or (isinstance(how, int) and not isinstance(how, bool) and how == 1):
            includes.append(name)
        else:
            computed.append((name, how))
    if excludes and (includes or computed):
        raise MQLError("$project cannot mix excluded fields with included or computed ones")
    for doc in docs:
        if excludes:
            out = _deep_copy(doc)
            for name in excludes:
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
            _set(out, name, evaluate(expr, doc))
        yield out


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
        out = dict(doc)
        for name, expr in spec.items():
            _set(out, name, evaluate(expr, doc))
        yield out


def _unset_stage(docs: Iterable[Doc], spec: Any) -> Iterator[Doc]:
    names = [spec] if isinstance(spec, str) else spec
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise MQLError("$unset needs a field name or a list of them")
    for doc in docs:
        out = _deep_copy(doc)
        for name in names:
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


_QUERY_OPERATORS = {
    "$eq",
    "$ne",
    "$gt",
    "$gte",
    "$lt",
    "$lte",
    "$in",
    "$nin",
    "$exists",
    "$regex",
    "$options",
    "$not",
    "$size",
    "$all",
    "$elemMatch",
}


def _check_query(query: Any) -> None:
    """Reject unsupported query operators up front, even when no document would reach them."""
    if not isinstance(query, Mapping):
        raise MQLError("$match needs a document")
    for key, cond in query.items():
        if key in ("$and", "$or", "$nor"):
            if not isinstance(cond, list) or not cond:
                raise MQLError(f"{key} needs a non-empty array of queries")
            for sub in cond:
                _check_query(sub)
        elif str(key).startswith("$"):
            raise MQLError(f"the query operator {key} is not supported by this emulator")
        elif _is_operator_spec(cond):
            _check_operators(cond)


def _check_operators(spec: Mapping[str, Any]) -> None:
    for op, target in spec.items():
        if op not in _QUERY_OPERATORS:
            raise MQLError(f"the query operator {op} is not supported by this emulator")
        if op == "$not" and isinstance(target, Mapping):
            _check_operators(target)
        if op == "$elemMatch" and isinstance(target, Mapping):
            if all(str(k).startswith("$") for k in target):
                _check_operators(target)
            else:
                _check_query(target)


def check_pipeline(stages: Sequence[Mapping[str, Any]]) -> None:
    """Reject unknown or malformed stages before any data is read."""
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


def run_pipeline(docs: Iterable[Doc], stages: Sequence[Mapping[str, Any]]) -> list[Doc]:
    """Run ``stages`` over ``docs`` and return the resulting documents.

    Raises:
        MQLError: an unsupported stage, operator or accumulator, or a malformed one.
    """
    check_pipeline(stages)
    stream: Iterable[Doc] = docs
    for stage in stages:
        name, spec = next(iter(stage.items()))
        stream = _STAGES[name](stream, spec)
    return list(stream)
