"""Aggregation expression operators of the emulator's MQL engine (beyond the few in ``expressions``).

Each operator is a function ``(spec, doc, variables) -> value`` registered in
:data:`TABLE`; ``pipeline`` adds the table to ``expressions.OPERATORS``, and
``dates`` builds on the argument helpers here.  They follow MongoDB's documented rules: a null or missing
argument gives null for arithmetic, string and date operators; comparison
operators order values by BSON type order; ``$cond``/``$and``/``$or`` use
aggregation truth (false, null, missing and 0 are false).

Families: arithmetic ($abs $ceil $exp $floor $ln $log $log10 $mod $pow $round
$sqrt $trunc), comparison ($cmp $eq $ne $gt $gte $lt $lte), boolean ($and $or
$not), conditional ($cond $switch), strings ($toLower $toUpper $substr
$substrCP $substrBytes $strLenCP $strLenBytes $split $trim $ltrim $rtrim
$indexOfCP $strcasecmp $regexMatch $regexFind $replaceOne $replaceAll
$toString), arrays ($arrayElemAt $concatArrays $filter $first $last $in
$indexOfArray $isArray $map $range $reduce $reverseArray $size $slice
$sortArray $arrayToObject $objectToArray, and $sum $avg $min $max over an
array or a list of arguments), sets ($setUnion $setIntersection
$setDifference $setEquals $setIsSubset $allElementsTrue $anyElementTrue),
objects ($mergeObjects $getField), types ($type $isNumber $toInt $toLong
$toDouble $toBool $toDate $convert) and dates ($year $month $dayOfMonth $hour
$minute $second $millisecond $dayOfWeek $dayOfYear $week $dateToString
$dateFromString $dateTrunc $dateAdd $dateSubtract $dateDiff) and $let
are in ``dates``.
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Callable, Mapping
from typing import Any

from ..budget import check_chars, check_items, tick
from ..regex import Regex, RegexRefused
from .expressions import Op, apply_operator, evaluate, registering, ticking
from .match import regex
from .values import (
    INT64_MAX,
    MISSING,
    MQLError,
    Vars,
    as_number,
    equal,
    get_path,
    int64_or_double,
    sort_key,
    truthy,
    type_name,
)

__all__ = [
    "TABLE",
    "argument_list",
    "iso",
    "named_args",
    "numbers_of",
    "string_arg",
    "to_string",
]

#: The operators of this module by name (``pipeline`` adds them to the expression operator table).
TABLE: dict[str, Op] = {}
_op = registering(TABLE)

_UTC = datetime.timezone.utc


def argument_list(spec: Any, doc: Any, variables: Vars, op: str, count: int | None = None) -> list[Any]:
    items = spec if isinstance(spec, list) else [spec]
    values = [evaluate(item, doc, variables) for item in items]
    if count is not None and len(values) != count:
        raise MQLError(f"{op} takes exactly {count} argument{'s' if count != 1 else ''}, got {len(values)}")
    return values


def string_arg(value: Any, op: str) -> str:
    if not isinstance(value, str):
        raise MQLError(f"{op} only works on strings, not {value!r}")
    return value


def _array(value: Any, op: str) -> list[Any]:
    if not isinstance(value, list):
        raise MQLError(f"{op} needs an array, not {value!r}")
    return value


def named_args(
    spec: Any, op: str, required: tuple[str, ...], optional: tuple[str, ...] = ()
) -> Mapping[str, Any]:
    if not isinstance(spec, Mapping):
        raise MQLError(f"{op} needs a document with {', '.join(required)}")
    for key in required:
        if key not in spec:
            raise MQLError(f"{op} needs the field {key!r}")
    for key in spec:
        if key not in required and key not in optional:
            raise MQLError(f"{op} has no field {key!r}")
    return spec


def _guard_size(size: int, op: str) -> None:
    check_items(size, op)


# -- arithmetic ----------------------------------------------------------------------------


def _unary_math(
    name: str, fn: Callable[[float], float], domain: Callable[[float], bool] | None = None
) -> None:
    def run(spec: Any, doc: Any, variables: Vars) -> Any:
        (value,) = argument_list(spec, doc, variables, name, 1)
        if value is None:
            return None
        number = as_number(value, name)
        if domain is not None and not domain(number):
            raise MQLError(f"{name} is not defined for {number!r}")
        try:
            return int64_or_double(fn(number))
        except OverflowError:  # e.g. $exp of 1000: MongoDB answers infinity
            return math.inf

    TABLE[name] = run


_unary_math("$abs", abs)
_unary_math("$ceil", lambda x: math.ceil(x) if isinstance(x, float) else x)
_unary_math("$floor", lambda x: math.floor(x) if isinstance(x, float) else x)
_unary_math("$exp", math.exp)
_unary_math("$ln", math.log, lambda x: x > 0)
_unary_math("$log10", math.log10, lambda x: x > 0)
_unary_math("$sqrt", math.sqrt, lambda x: x >= 0)


@_op("$log")
def _log(spec: Any, doc: Any, variables: Vars) -> Any:
    value, base = argument_list(spec, doc, variables, "$log", 2)
    if value is None or base is None:
        return None
    if as_number(value, "$log") <= 0 or as_number(base, "$log") <= 0 or base == 1:
        raise MQLError(f"$log is not defined for {value!r} in base {base!r}")
    return math.log(value, base)


@_op("$pow")
def _pow(spec: Any, doc: Any, variables: Vars) -> Any:
    base, exponent = argument_list(spec, doc, variables, "$pow", 2)
    if base is None or exponent is None:
        return None
    if as_number(base, "$pow") == 0 and as_number(exponent, "$pow") < 0:
        raise MQLError("$pow of 0 to a negative exponent is undefined")
    return power(base, exponent)


def power(base: int | float, exponent: int | float) -> int | float:
    """``base ** exponent`` by MongoDB's rules: integers stay integers while they fit in 64 bits.

    Past 64 bits the answer is a double (infinity past the doubles), worked out
    without ever building the big integer: ``$pow [7, 5000000]`` is instant.
    """
    if isinstance(base, int) and isinstance(exponent, int) and exponent >= 0:
        if base in (0, 1) or exponent <= 1:
            return int64_or_double(base**exponent)
        if base == -1:
            return 1 if exponent % 2 == 0 else -1
        if (abs(base).bit_length() - 1) * exponent <= INT64_MAX.bit_length():
            return int64_or_double(base**exponent)  # at most ~2**64: small
    try:
        result = float(base) ** float(exponent)
    except OverflowError:
        negative = base < 0 and isinstance(exponent, int) and exponent % 2 == 1
        return -math.inf if negative else math.inf
    except ZeroDivisionError:
        return math.inf
    if isinstance(result, complex):  # a negative base to a fractional power: not a real number
        return math.nan
    return result


@_op("$mod")
def _mod(spec: Any, doc: Any, variables: Vars) -> Any:
    left, right = argument_list(spec, doc, variables, "$mod", 2)
    if left is None or right is None:
        return None
    if as_number(right, "$mod") == 0:
        raise MQLError("$mod by zero")
    return (
        math.fmod(as_number(left, "$mod"), right)
        if isinstance(left, float) or isinstance(right, float)
        else int(math.fmod(left, right))
    )


def _rounding(name: str, how: Callable[[float], float]) -> None:
    def run(spec: Any, doc: Any, variables: Vars) -> Any:
        values = argument_list(spec, doc, variables, name)
        if not 1 <= len(values) <= 2:
            raise MQLError(f"{name} takes a number and an optional place")
        value = values[0]
        place = values[1] if len(values) == 2 else 0
        if value is None or place is None:
            return None
        number, digits = as_number(value, name), int(as_number(place, name))
        scale = 10.0**digits
        result = how(number * scale) / scale
        return int(result) if isinstance(number, int) and digits <= 0 else result

    TABLE[name] = run


def _half_even(x: float) -> float:
    return float(round(x))


_rounding("$round", _half_even)
_rounding("$trunc", lambda x: float(math.trunc(x)))


# -- comparison and logic ---------------------------------------------------------------------


def _cmp_values(a: Any, b: Any) -> int:
    left, right = sort_key(a), sort_key(b)
    return (left > right) - (left < right)


def _comparison(name: str, test: Callable[[int], bool]) -> None:
    def run(spec: Any, doc: Any, variables: Vars) -> Any:
        a, b = argument_list(spec, doc, variables, name, 2)
        return test(_cmp_values(a, b))

    TABLE[name] = run


_comparison("$eq", lambda c: c == 0)
_comparison("$ne", lambda c: c != 0)
_comparison("$gt", lambda c: c > 0)
_comparison("$gte", lambda c: c >= 0)
_comparison("$lt", lambda c: c < 0)
_comparison("$lte", lambda c: c <= 0)


@_op("$cmp")
def _cmp(spec: Any, doc: Any, variables: Vars) -> Any:
    a, b = argument_list(spec, doc, variables, "$cmp", 2)
    return _cmp_values(a, b)


@_op("$and")
def _and(spec: Any, doc: Any, variables: Vars) -> Any:
    items = spec if isinstance(spec, list) else [spec]
    return all(truthy(evaluate(item, doc, variables)) for item in items)


@_op("$or")
def _or(spec: Any, doc: Any, variables: Vars) -> Any:
    items = spec if isinstance(spec, list) else [spec]
    return any(truthy(evaluate(item, doc, variables)) for item in items)


@_op("$not")
def _not(spec: Any, doc: Any, variables: Vars) -> Any:
    (value,) = argument_list(spec, doc, variables, "$not", 1)
    return not truthy(value)


@_op("$cond")
def _cond(spec: Any, doc: Any, variables: Vars) -> Any:
    if isinstance(spec, list):
        if len(spec) != 3:
            raise MQLError("$cond takes [if, then, else]")
        test, then, other = spec
    else:
        named = named_args(spec, "$cond", ("if", "then", "else"))
        test, then, other = named["if"], named["then"], named["else"]
    chosen = then if truthy(evaluate(test, doc, variables)) else other
    return evaluate(chosen, doc, variables)


@_op("$switch")
def _switch(spec: Any, doc: Any, variables: Vars) -> Any:
    named = named_args(spec, "$switch", ("branches",), ("default",))
    for branch in _array(named["branches"], "$switch branches"):
        case = named_args(branch, "$switch branch", ("case", "then"))
        if truthy(evaluate(case["case"], doc, variables)):
            return evaluate(case["then"], doc, variables)
    if "default" not in named:
        raise MQLError("$switch found no matching branch and has no default")
    return evaluate(named["default"], doc, variables)


# -- strings ------------------------------------------------------------------------------------


def _string_unary(name: str, fn: Callable[[str], Any]) -> None:
    def run(spec: Any, doc: Any, variables: Vars) -> Any:
        (value,) = argument_list(spec, doc, variables, name, 1)
        if value is None:
            return "" if name in ("$toLower", "$toUpper") else None
        return fn(string_arg(value, name))

    TABLE[name] = run


_string_unary("$toLower", str.lower)
_string_unary("$toUpper", str.upper)
_string_unary("$strLenCP", len)
_string_unary("$strLenBytes", lambda s: len(s.encode()))


@_op("$substr", "$substrCP", "$substrBytes")
def _substr(spec: Any, doc: Any, variables: Vars) -> Any:
    text, start, count = argument_list(spec, doc, variables, "$substrCP", 3)
    if text is None:
        return ""
    text = text if isinstance(text, str) else apply_operator("$toString", text, doc, variables)
    begin, length = int(as_number(start, "$substrCP")), int(as_number(count, "$substrCP"))
    if begin < 0:
        return ""
    return text[begin:] if length < 0 else text[begin : begin + length]


@_op("$split")
def _split(spec: Any, doc: Any, variables: Vars) -> Any:
    text, sep = argument_list(spec, doc, variables, "$split", 2)
    if text is None:
        return None
    if not string_arg(sep, "$split"):
        raise MQLError("$split needs a non-empty separator")
    check_items(string_arg(text, "$split").count(sep) + 1, "$split")
    return text.split(sep)


def _trimmer(name: str, method: str) -> None:
    def run(spec: Any, doc: Any, variables: Vars) -> Any:
        named = named_args(spec, name, ("input",), ("chars",))
        text = evaluate(named["input"], doc, variables)
        if text is None:
            return None
        chars = evaluate(named.get("chars"), doc, variables) if "chars" in named else None
        result: str = getattr(string_arg(text, name), method)(chars)
        return result

    TABLE[name] = run


_trimmer("$trim", "strip")
_trimmer("$ltrim", "lstrip")
_trimmer("$rtrim", "rstrip")


@_op("$indexOfCP", "$indexOfBytes")
def _index_of_cp(spec: Any, doc: Any, variables: Vars) -> Any:
    values = argument_list(spec, doc, variables, "$indexOfCP")
    if not 2 <= len(values) <= 4:
        raise MQLError("$indexOfCP takes a string, a substring and an optional start and end")
    text, sub = values[0], values[1]
    if text is None:
        return None
    start = int(as_number(values[2], "$indexOfCP")) if len(values) > 2 else 0
    end = int(as_number(values[3], "$indexOfCP")) if len(values) > 3 else len(string_arg(text, "$indexOfCP"))
    return string_arg(text, "$indexOfCP").find(string_arg(sub, "$indexOfCP"), start, end)


@_op("$strcasecmp")
def _strcasecmp(spec: Any, doc: Any, variables: Vars) -> Any:
    a, b = (("" if v is None else str(v)).upper() for v in argument_list(spec, doc, variables, "$strcasecmp", 2))
    return (a > b) - (a < b)


def _regex_args(spec: Any, doc: Any, variables: Vars, name: str) -> tuple[str | None, Regex]:
    named = named_args(spec, name, ("input", "regex"), ("options",))
    text = evaluate(named["input"], doc, variables)
    pattern = evaluate(named["regex"], doc, variables)
    options = evaluate(named.get("options", ""), doc, variables) or ""
    compiled = regex(pattern, str(options))
    return (None if text is None else string_arg(text, name)), compiled


def _search(pattern: Regex, text: str) -> Any:
    try:
        return pattern.search(text)
    except RegexRefused as exc:
        raise MQLError(str(exc)) from None


@_op("$regexMatch")
def _regex_match(spec: Any, doc: Any, variables: Vars) -> Any:
    text, pattern = _regex_args(spec, doc, variables, "$regexMatch")
    try:
        return text is not None and pattern.test(text)
    except RegexRefused as exc:
        raise MQLError(str(exc)) from None


@_op("$regexFind")
def _regex_find(spec: Any, doc: Any, variables: Vars) -> Any:
    text, pattern = _regex_args(spec, doc, variables, "$regexFind")
    found = None if text is None else _search(pattern, text)
    if found is None:
        return None
    return {"match": found.group(0), "idx": found.start(), "captures": list(found.groups())}


def _replacer(name: str, count: int) -> None:
    def run(spec: Any, doc: Any, variables: Vars) -> Any:
        named = named_args(spec, name, ("input", "find", "replacement"))
        text, find, new = (evaluate(named[k], doc, variables) for k in ("input", "find", "replacement"))
        if text is None or find is None or new is None:
            return None
        text, find, new = string_arg(text, name), string_arg(find, name), string_arg(new, name)
        # The size of the answer first: a small input may ask for a huge one.
        found = text.count(find) if count < 0 else int(find in text)
        check_chars(len(text) + found * (len(new) - len(find)), name)
        return text.replace(find, new, count)

    TABLE[name] = run


_replacer("$replaceOne", 1)
_replacer("$replaceAll", -1)


def iso(moment: datetime.datetime) -> str:
    """A date as MongoDB prints it: UTC, milliseconds, a Z."""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=_UTC)
    aware = aware.astimezone(_UTC)
    return aware.strftime("%Y-%m-%dT%H:%M:%S.") + f"{aware.microsecond // 1000:03d}Z"


@_op("$toString")
def to_string(spec: Any, doc: Any, variables: Vars) -> Any:
    (value,) = argument_list(spec, doc, variables, "$toString", 1)
    if value is None:
        return None
    if isinstance(value, datetime.datetime):
        return iso(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (Mapping, list)):
        raise MQLError(f"$toString cannot convert {type_name(value)} values")
    return str(value)


# -- arrays ---------------------------------------------------------------------------------------


@_op("$arrayElemAt")
def _array_elem_at(spec: Any, doc: Any, variables: Vars) -> Any:
    array, index = argument_list(spec, doc, variables, "$arrayElemAt", 2)
    if array is None or index is None:
        return None
    items, position = _array(array, "$arrayElemAt"), int(as_number(index, "$arrayElemAt"))
    if -len(items) <= position < len(items):
        return items[position]
    return MISSING


def _ends(name: str, position: int) -> None:
    def run(spec: Any, doc: Any, variables: Vars) -> Any:
        (array,) = argument_list(spec, doc, variables, name, 1)
        if array is None:
            return None
        items = _array(array, name)
        return items[position] if items else MISSING

    TABLE[name] = run


_ends("$first", 0)
_ends("$last", -1)


@_op("$concatArrays")
def _concat_arrays(spec: Any, doc: Any, variables: Vars) -> Any:
    arrays = argument_list(spec, doc, variables, "$concatArrays")
    if any(a is None for a in arrays):
        return None
    out: list[Any] = []
    for array in arrays:
        out.extend(_array(array, "$concatArrays"))
    _guard_size(len(out), "$concatArrays")
    return out


def _bind(spec: Mapping[str, Any], variables: Vars, name: str, value: Any) -> dict[str, Any]:
    scope = dict(variables or {})
    scope[name] = value
    return scope


@_op("$filter")
def _filter(spec: Any, doc: Any, variables: Vars) -> Any:
    named = named_args(spec, "$filter", ("input", "cond"), ("as", "limit"))
    array = evaluate(named["input"], doc, variables)
    if array is None:
        return None
    name = str(named.get("as", "this"))
    out = []
    for item in _array(array, "$filter"):
        tick()
        if truthy(evaluate(named["cond"], doc, _bind(named, variables, name, item))):
            out.append(item)
    if "limit" in named:
        out = out[: int(as_number(evaluate(named["limit"], doc, variables), "$filter limit"))]
    return out


@_op("$map")
def _map(spec: Any, doc: Any, variables: Vars) -> Any:
    named = named_args(spec, "$map", ("input", "in"), ("as",))
    array = evaluate(named["input"], doc, variables)
    if array is None:
        return None
    name = str(named.get("as", "this"))
    out = []
    for item in _array(array, "$map"):
        tick()
        out.append(evaluate(named["in"], doc, _bind(named, variables, name, item)))
    return out


@_op("$reduce")
def _reduce(spec: Any, doc: Any, variables: Vars) -> Any:
    named = named_args(spec, "$reduce", ("input", "initialValue", "in"))
    array = evaluate(named["input"], doc, variables)
    if array is None:
        return None
    value = evaluate(named["initialValue"], doc, variables)
    for item in _array(array, "$reduce"):
        tick()
        scope = dict(variables or {})
        scope.update(this=item, value=value)
        value = evaluate(named["in"], doc, scope)
    return value


@_op("$in")
def _in(spec: Any, doc: Any, variables: Vars) -> Any:
    value, array = argument_list(spec, doc, variables, "$in", 2)
    return any(equal(value, item) for item in ticking(_array(array, "$in")))


@_op("$indexOfArray")
def _index_of_array(spec: Any, doc: Any, variables: Vars) -> Any:
    values = argument_list(spec, doc, variables, "$indexOfArray")
    if not 2 <= len(values) <= 4:
        raise MQLError("$indexOfArray takes an array, a value and an optional start and end")
    if values[0] is None:
        return None
    items = _array(values[0], "$indexOfArray")
    start = int(as_number(values[2], "$indexOfArray")) if len(values) > 2 else 0
    end = int(as_number(values[3], "$indexOfArray")) if len(values) > 3 else len(items)
    for index in ticking(range(start, min(end, len(items)))):
        if equal(items[index], values[1]):
            return index
    return -1


@_op("$isArray")
def _is_array(spec: Any, doc: Any, variables: Vars) -> Any:
    (value,) = argument_list(spec, doc, variables, "$isArray", 1)
    return isinstance(value, list)


@_op("$range")
def _range(spec: Any, doc: Any, variables: Vars) -> Any:
    values = argument_list(spec, doc, variables, "$range")
    if not 2 <= len(values) <= 3:
        raise MQLError("$range takes a start, an end and an optional step")
    start, end = int(as_number(values[0], "$range")), int(as_number(values[1], "$range"))
    step = int(as_number(values[2], "$range")) if len(values) == 3 else 1
    if step == 0:
        raise MQLError("$range step cannot be 0")
    _guard_size(max(0, (end - start) // step), "$range")
    return list(range(start, end, step))


@_op("$reverseArray")
def _reverse_array(spec: Any, doc: Any, variables: Vars) -> Any:
    (array,) = argument_list(spec, doc, variables, "$reverseArray", 1)
    return None if array is None else list(reversed(_array(array, "$reverseArray")))


@_op("$size")
def _size(spec: Any, doc: Any, variables: Vars) -> Any:
    (array,) = argument_list(spec, doc, variables, "$size", 1)
    return len(_array(array, "$size"))


@_op("$slice")
def _slice(spec: Any, doc: Any, variables: Vars) -> Any:
    values = argument_list(spec, doc, variables, "$slice")
    if values and values[0] is None:
        return None
    if len(values) == 2:
        items, n = _array(values[0], "$slice"), int(as_number(values[1], "$slice"))
        return items[:n] if n >= 0 else items[n:]
    if len(values) == 3:
        items = _array(values[0], "$slice")
        position, n = int(as_number(values[1], "$slice")), int(as_number(values[2], "$slice"))
        if n <= 0:
            raise MQLError("$slice count must be positive")
        start = position if position >= 0 else max(0, len(items) + position)
        return items[start : start + n]
    raise MQLError("$slice takes an array, an optional position and a count")


def _ticking_key(item: Any) -> tuple[Any, ...]:
    tick()
    return sort_key(item)


@_op("$sortArray")
def _sort_array(spec: Any, doc: Any, variables: Vars) -> Any:
    named = named_args(spec, "$sortArray", ("input", "sortBy"))
    array = evaluate(named["input"], doc, variables)
    if array is None:
        return None
    items = list(_array(array, "$sortArray"))
    how = named["sortBy"]
    if how in (1, -1):
        return sorted(items, key=_ticking_key, reverse=how == -1)
    if not isinstance(how, Mapping):
        raise MQLError("$sortArray sortBy is 1, -1 or a document of field: 1 or -1")
    for path, direction in reversed(list(how.items())):

        def key(item: Any, p: str = str(path)) -> tuple[Any, ...]:
            tick()
            return sort_key(get_path(item, p))

        items.sort(key=key, reverse=direction == -1)
    return items


@_op("$arrayToObject")
def _array_to_object(spec: Any, doc: Any, variables: Vars) -> Any:
    (array,) = argument_list(spec, doc, variables, "$arrayToObject", 1)
    if array is None:
        return None
    out: dict[str, Any] = {}
    for item in ticking(_array(array, "$arrayToObject")):
        if isinstance(item, Mapping) and set(item) == {"k", "v"}:
            out[string_arg(item["k"], "$arrayToObject")] = item["v"]
        elif isinstance(item, list) and len(item) == 2:
            out[string_arg(item[0], "$arrayToObject")] = item[1]
        else:
            raise MQLError("$arrayToObject needs [k, v] pairs or {k, v} documents")
    return out


@_op("$objectToArray")
def _object_to_array(spec: Any, doc: Any, variables: Vars) -> Any:
    (value,) = argument_list(spec, doc, variables, "$objectToArray", 1)
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise MQLError(f"$objectToArray needs a document, not {value!r}")
    return [{"k": k, "v": v} for k, v in value.items()]


def numbers_of(spec: Any, doc: Any, variables: Vars, name: str) -> list[Any]:
    values = argument_list(spec, doc, variables, name)
    if len(values) == 1 and isinstance(values[0], list):
        values = values[0]
    return values


@_op("$sum")
def _sum(spec: Any, doc: Any, variables: Vars) -> Any:
    values = numbers_of(spec, doc, variables, "$sum")
    return int64_or_double(sum(v for v in values if isinstance(v, (int, float)) and not isinstance(v, bool)))


@_op("$avg")
def _avg(spec: Any, doc: Any, variables: Vars) -> Any:
    numbers = [
        v
        for v in numbers_of(spec, doc, variables, "$avg")
        if isinstance(v, (int, float)) and not isinstance(v, bool)
    ]
    return sum(numbers) / len(numbers) if numbers else None


def _extreme(name: str, pick: Callable[..., Any]) -> None:
    def run(spec: Any, doc: Any, variables: Vars) -> Any:
        values = [v for v in numbers_of(spec, doc, variables, name) if v is not None]
        return pick(values, key=_ticking_key) if values else None

    TABLE[name] = run


_extreme("$min", min)
_extreme("$max", max)


# -- sets -----------------------------------------------------------------------------------------
# Sets compare by MongoDB equality, which ``sort_key`` captures as a hashable key (1 and 1.0 are
# one key, true and 1 are two): every set operator is linear in its arrays, and looks at the clock.


def _keys(items: list[Any]) -> dict[Any, Any]:
    """Each distinct item by its equality key, first occurrence kept, in order."""
    out: dict[Any, Any] = {}
    for item in items:
        tick()
        out.setdefault(sort_key(item), item)
    return out


def _distinct(items: list[Any]) -> list[Any]:
    return list(_keys(items).values())


def _set_args(spec: Any, doc: Any, variables: Vars, name: str) -> list[list[Any]] | None:
    arrays = argument_list(spec, doc, variables, name)
    if any(a is None for a in arrays):
        return None
    return [_array(a, name) for a in arrays]


@_op("$setUnion")
def _set_union(spec: Any, doc: Any, variables: Vars) -> Any:
    arrays = _set_args(spec, doc, variables, "$setUnion")
    if arrays is None:
        return None
    merged: dict[Any, Any] = {}
    for array in arrays:
        for key, item in _keys(array).items():
            merged.setdefault(key, item)
    return list(merged.values())


@_op("$setIntersection")
def _set_intersection(spec: Any, doc: Any, variables: Vars) -> Any:
    arrays = _set_args(spec, doc, variables, "$setIntersection")
    if arrays is None:
        return None
    if not arrays:
        return []
    others = [_keys(a).keys() for a in arrays[1:]]
    return [x for key, x in _keys(arrays[0]).items() if all(key in other for other in others)]


@_op("$setDifference")
def _set_difference(spec: Any, doc: Any, variables: Vars) -> Any:
    arrays = _set_args(spec, doc, variables, "$setDifference")
    if arrays is None:
        return None
    if len(arrays) != 2:
        raise MQLError("$setDifference takes two arrays")
    removed = _keys(arrays[1]).keys()
    return [x for key, x in _keys(arrays[0]).items() if key not in removed]


@_op("$setEquals")
def _set_equals(spec: Any, doc: Any, variables: Vars) -> Any:
    arrays = _set_args(spec, doc, variables, "$setEquals") or []
    first = _keys(arrays[0]).keys() if arrays else set()
    return all(_keys(a).keys() == first for a in arrays)


@_op("$setIsSubset")
def _set_is_subset(spec: Any, doc: Any, variables: Vars) -> Any:
    arrays = _set_args(spec, doc, variables, "$setIsSubset")
    if arrays is None or len(arrays) != 2:
        raise MQLError("$setIsSubset takes two arrays")
    return _keys(arrays[0]).keys() <= _keys(arrays[1]).keys()


@_op("$allElementsTrue")
def _all_true(spec: Any, doc: Any, variables: Vars) -> Any:
    (array,) = argument_list(spec, doc, variables, "$allElementsTrue", 1)
    return all(truthy(x) for x in ticking(_array(array, "$allElementsTrue")))


@_op("$anyElementTrue")
def _any_true(spec: Any, doc: Any, variables: Vars) -> Any:
    (array,) = argument_list(spec, doc, variables, "$anyElementTrue", 1)
    return any(truthy(x) for x in ticking(_array(array, "$anyElementTrue")))
