"""The query language of ``$match`` (and of ``$geoNear``'s ``query``) in the emulator's MQL engine.

Operators: ``$eq``, ``$ne``, ``$gt``, ``$gte``, ``$lt``, ``$lte``, ``$in``,
``$nin``, ``$exists``, ``$type``, ``$mod``, ``$regex`` (with ``$options``),
``$not``, ``$size``, ``$all``, ``$elemMatch``, ``$and``, ``$or``, ``$nor`` and
``$expr`` (an aggregation expression).  A path through an array matches when
any element does; comparisons only match values of the same BSON type
bracket (a number never matches ``$gt: "a"``), as MongoDB does.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

from ..regex import Regex, RegexRefused, compile_regex
from .expressions import evaluate, ticking
from .values import (
    MISSING,
    MQLError,
    as_number,
    comparable,
    equal,
    get_path,
    sort_key,
    truthy,
    type_alias,
    type_name,
    type_rank,
)

__all__ = ["check_query", "matches", "regex"]


# -- $match -----------------------------------------------------------------------------


def _candidates(value: Any) -> list[Any]:
    """A value and, when it is an array, each of its elements (MongoDB's array matching)."""
    if isinstance(value, list):
        return [value, *value]
    return [value]


def _compare(op: str, value: Any, target: Any) -> bool:
    if value is MISSING:
        return False
    for item in _candidates(value):
        if not comparable(item, target):
            continue
        left, right = sort_key(item), sort_key(target)
        if op == "$gt" and left > right:
            return True
        if op == "$gte" and left >= right:
            return True
        if op == "$lt" and left < right:
            return True
        if op == "$lte" and left <= right:
            return True
    return False


def _eq_matches(value: Any, target: Any) -> bool:
    if isinstance(target, (Regex, re.Pattern)) or type(target).__name__ == "Regex":  # ours, re's or BSON's
        pattern = regex(target)
        return any(isinstance(i, str) and _search(pattern, i) for i in _candidates(value))
    if value is MISSING:
        return target is None
    return any(equal(item, target) for item in _candidates(value))


def regex(pattern: Any, options: str = "") -> Regex:
    """A caller's pattern, compiled by the linear-time engine of ``query.regex`` (MQLError when refused)."""
    if isinstance(pattern, Regex):
        return pattern if not options else regex(pattern.pattern, pattern.options + options)
    if isinstance(pattern, re.Pattern):
        inline = "".join(letter for flag, letter in _FLAG_LETTERS if pattern.flags & flag)
        return regex(pattern.pattern, inline + options)
    if hasattr(pattern, "pattern") and hasattr(pattern, "flags"):  # bson.regex.Regex
        inline = pattern.flags if isinstance(pattern.flags, str) else ""
        if isinstance(pattern.flags, int):
            inline = "".join(letter for flag, letter in _FLAG_LETTERS if pattern.flags & flag)
        return regex(pattern.pattern, inline + options)
    if not isinstance(pattern, str):
        raise MQLError(f"$regex needs a string pattern, not {pattern!r}")
    try:
        return compile_regex(pattern, options)
    except RegexRefused as exc:
        raise MQLError(str(exc)) from None


_FLAG_LETTERS = ((re.IGNORECASE, "i"), (re.MULTILINE, "m"), (re.DOTALL, "s"), (re.VERBOSE, "x"))


def _search(pattern: Regex, text: str) -> bool:
    try:
        return pattern.test(text)
    except RegexRefused as exc:
        raise MQLError(str(exc)) from None


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
            ok = any(_eq_matches(value, t) for t in ticking(target))
        elif op == "$nin":
            if not isinstance(target, list):
                raise MQLError("$nin needs an array")
            ok = not any(_eq_matches(value, t) for t in ticking(target))
        elif op == "$exists":
            ok = (value is not MISSING) == bool(target)
        elif op == "$regex":
            pattern = regex(target, str(spec.get("$options", "")))
            ok = _eq_matches(value, pattern)
        elif op == "$not":
            if isinstance(target, Mapping):
                ok = not _operator_matches(value, target)
            else:
                ok = not _eq_matches(value, regex(target))
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
        elif op == "$type":
            wanted = target if isinstance(target, list) else [target]
            ok = value is not MISSING and any(
                type_name(item) in {type_alias(w) for w in wanted}
                or ("number" in wanted and type_rank(item) == 2)
                for item in _candidates(value)
            )
        elif op == "$mod":
            if not isinstance(target, list) or len(target) != 2:
                raise MQLError("$mod needs [divisor, remainder]")
            divisor, remainder = (as_number(t, "$mod") for t in target)
            if divisor == 0:
                raise MQLError("$mod by zero")
            ok = any(
                type_rank(item) == 2 and math.fmod(int(item), int(divisor)) == remainder
                for item in _candidates(value)
            )
        else:
            raise MQLError(f"the query operator {op} is not supported by this emulator")
        if not ok:
            return False
    return True


def _elem_matches(item: Any, spec: Mapping[str, Any]) -> bool:
    if all(k.startswith("$") for k in spec):
        return _operator_matches(item, spec)
    return isinstance(item, Mapping) and matches(item, spec)


def _is_operator_spec(value: Any) -> bool:
    return isinstance(value, Mapping) and bool(value) and all(str(k).startswith("$") for k in value)


def matches(doc: Any, query: Mapping[str, Any]) -> bool:
    for key, cond in query.items():
        if key in ("$and", "$or", "$nor"):
            if not isinstance(cond, list) or not cond:
                raise MQLError(f"{key} needs a non-empty array of queries")
            results = (matches(doc, sub) for sub in cond)
            if key == "$and" and not all(results):
                return False
            if key == "$or" and not any(results):
                return False
            if key == "$nor" and any(results):
                return False
            continue
        if key == "$expr":
            if not truthy(evaluate(cond, doc)):
                return False
            continue
        if key.startswith("$"):
            raise MQLError(f"the query operator {key} is not supported by this emulator")
        value = get_path(doc, key)
        if _is_operator_spec(cond):
            if not _operator_matches(value, cond):
                return False
        elif not _eq_matches(value, cond):
            return False
    return True


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
    "$type",
    "$mod",
}


def check_query(query: Any) -> None:
    """Reject unsupported query operators up front, even when no document would reach them."""
    if not isinstance(query, Mapping):
        raise MQLError("$match needs a document")
    for key, cond in query.items():
        if key in ("$and", "$or", "$nor"):
            if not isinstance(cond, list) or not cond:
                raise MQLError(f"{key} needs a non-empty array of queries")
            for sub in cond:
                check_query(sub)
        elif key == "$expr":
            continue
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
                check_query(target)
