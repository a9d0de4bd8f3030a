"""Expression operators of the emulator's MQL engine for objects, variables, types and dates.

Dates are UTC (a ``timezone`` other than UTC is refused, naming it);
``$dateToString`` knows the format codes %Y %m %d %H %M %S %L %j %U %u %w %V
%G %z %Z %%; units are year, quarter, month, week, day, hour, minute, second
and millisecond (the arithmetic is in ``date_units``); ``$dateDiff`` counts
unit boundaries crossed, as MongoDB does.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Mapping
from typing import Any

import bson

from .date_units import UNIT_MS, add_units, truncate_date
from .expressions import Op, evaluate, evaluate_field, registering
from .operators import argument_list, iso, named_args, numbers_of, string_arg, to_string
from .values import MISSING, MQLError, Vars, as_number, truthy, type_alias, type_name

__all__ = ["TABLE"]

#: The operators of this module by name (``pipeline`` adds them to the expression operator table).
TABLE: dict[str, Op] = {}
_op = registering(TABLE)

_UTC = datetime.timezone.utc
_UTC_NAMES = (None, "UTC", "Z", "+00:00", "GMT", "Etc/UTC")


def _utc_only(named: Mapping[str, Any], name: str) -> None:
    if named.get("timezone") not in _UTC_NAMES:
        raise MQLError(
            f"{name}: only the UTC timezone is supported by this emulator, not {named['timezone']!r}"
        )


# -- objects, variables, types ------------------------------------------------------------------------


@_op("$mergeObjects")
def _merge_objects(spec: Any, doc: Any, variables: Vars) -> Any:
    out: dict[str, Any] = {}
    for value in numbers_of(spec, doc, variables, "$mergeObjects"):
        if value is None:
            continue
        if not isinstance(value, Mapping):
            raise MQLError(f"$mergeObjects needs documents, not {value!r}")
        out.update(value)
    return out


@_op("$getField")
def _get_field(spec: Any, doc: Any, variables: Vars) -> Any:
    if isinstance(spec, str):
        spec = {"field": spec}
    named = named_args(spec, "$getField", ("field",), ("input",))
    source = evaluate(named.get("input", "$$CURRENT"), doc, variables)
    name = string_arg(evaluate(named["field"], doc, variables), "$getField")
    if not isinstance(source, Mapping):
        return None
    return source.get(name, MISSING)


@_op("$let")
def _let(spec: Any, doc: Any, variables: Vars) -> Any:
    named = named_args(spec, "$let", ("vars", "in"))
    if not isinstance(named["vars"], Mapping):
        raise MQLError("$let vars must be a document")
    scope = dict(variables or {})
    for name, expr in named["vars"].items():
        scope[str(name)] = evaluate(expr, doc, variables)
    return evaluate(named["in"], doc, scope)


@_op("$type")
def _type(spec: Any, doc: Any, variables: Vars) -> Any:
    items = spec if isinstance(spec, list) else [spec]
    if len(items) != 1:
        raise MQLError("$type takes one argument")
    return type_name(evaluate_field(items[0], doc, variables))


@_op("$isNumber")
def _is_number(spec: Any, doc: Any, variables: Vars) -> Any:
    (value,) = argument_list(spec, doc, variables, "$isNumber", 1)
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _convert(value: Any, to: str) -> Any:
    if value is None:
        return None
    try:
        if to in ("int", "long"):
            if isinstance(value, datetime.datetime):
                return int(value.replace(tzinfo=value.tzinfo or _UTC).timestamp() * 1000)
            if isinstance(value, str):
                return int(value.strip())
            return int(value)
        if to in ("double", "decimal"):
            if isinstance(value, datetime.datetime):
                return value.replace(tzinfo=value.tzinfo or _UTC).timestamp() * 1000
            return float(value)
        if to == "bool":
            return truthy(value)
        if to == "string":
            return to_string({"$literal": value}, {}, None) if not isinstance(value, str) else value
        if to == "date":
            if isinstance(value, datetime.datetime):
                return value
            if isinstance(value, str):
                return _parse_date(value)
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                return datetime.datetime(1970, 1, 1) + datetime.timedelta(milliseconds=value)
        if to == "objectId":
            return bson.ObjectId(str(value))
    except (ValueError, TypeError, OverflowError, bson.errors.BSONError) as exc:
        raise MQLError(f"cannot convert {value!r} to {to}: {exc}") from None
    raise MQLError(f"cannot convert {type_name(value)} {value!r} to {to}")


def _converter(name: str, to: str) -> None:
    def run(spec: Any, doc: Any, variables: Vars) -> Any:
        (value,) = argument_list(spec, doc, variables, name, 1)
        return _convert(value, to)

    TABLE[name] = run


for _name, _to in (
    ("$toInt", "int"),
    ("$toLong", "long"),
    ("$toDouble", "double"),
    ("$toDecimal", "decimal"),
    ("$toBool", "bool"),
    ("$toDate", "date"),
    ("$toObjectId", "objectId"),
):
    _converter(_name, _to)


@_op("$convert")
def _convert_op(spec: Any, doc: Any, variables: Vars) -> Any:
    named = named_args(spec, "$convert", ("input", "to"), ("onError", "onNull"))
    value = evaluate(named["input"], doc, variables)
    if value is None:
        return evaluate(named.get("onNull"), doc, variables)
    to = evaluate(named["to"], doc, variables)
    to_name = type_alias(to) if isinstance(to, int) else str(to)
    try:
        return _convert(value, to_name)
    except MQLError:
        if "onError" in named:
            return evaluate(named["onError"], doc, variables)
        raise


# -- dates ------------------------------------------------------------------------------------------


def _parse_date(text: str) -> datetime.datetime:
    value = text.strip()
    if value.endswith(("Z", "z")):
        value = value[:-1] + "+00:00"
    moment = datetime.datetime.fromisoformat(value)
    if moment.tzinfo is not None:
        moment = moment.astimezone(_UTC).replace(tzinfo=None)
    return moment


def _date_of(value: Any, name: str) -> datetime.datetime:
    if not isinstance(value, datetime.datetime):
        raise MQLError(f"{name} needs a date, not {value!r}")
    if value.tzinfo is not None:
        return value.astimezone(_UTC).replace(tzinfo=None)
    return value


def _date_arg(spec: Any, doc: Any, variables: Vars, name: str) -> datetime.datetime | None:
    if isinstance(spec, Mapping) and "date" in spec:
        _utc_only(spec, name)
        spec = spec["date"]
    (value,) = argument_list(spec, doc, variables, name, 1)
    return None if value is None else _date_of(value, name)


_PARTS: dict[str, Callable[[datetime.datetime], int]] = {
    "$year": lambda d: d.year,
    "$month": lambda d: d.month,
    "$dayOfMonth": lambda d: d.day,
    "$hour": lambda d: d.hour,
    "$minute": lambda d: d.minute,
    "$second": lambda d: d.second,
    "$millisecond": lambda d: d.microsecond // 1000,
    "$dayOfWeek": lambda d: d.isoweekday() % 7 + 1,  # 1 = Sunday
    "$dayOfYear": lambda d: d.timetuple().tm_yday,
    "$week": lambda d: int(d.strftime("%U")),
    "$isoWeek": lambda d: d.isocalendar()[1],
    "$isoDayOfWeek": lambda d: d.isoweekday(),
    "$isoWeekYear": lambda d: d.isocalendar()[0],
}


def _date_part(name: str) -> None:
    def run(spec: Any, doc: Any, variables: Vars) -> Any:
        moment = _date_arg(spec, doc, variables, name)
        return None if moment is None else _PARTS[name](moment)

    TABLE[name] = run


for _part in _PARTS:
    _date_part(_part)

_MONGO_FORMATS = {
    "%Y": "%Y",
    "%m": "%m",
    "%d": "%d",
    "%H": "%H",
    "%M": "%M",
    "%S": "%S",
    "%j": "%j",
    "%U": "%U",
    "%%": "%%",
    "%Z": "",
    "%z": "+0000",
}


@_op("$dateToString")
def _date_to_string(spec: Any, doc: Any, variables: Vars) -> Any:
    named = named_args(spec, "$dateToString", ("date",), ("format", "timezone", "onNull"))
    moment = _date_arg(
        {"date": named["date"], "timezone": named.get("timezone")}, doc, variables, "$dateToString"
    )
    if moment is None:
        return evaluate(named.get("onNull"), doc, variables)
    fmt = named.get("format")
    if fmt is None:
        return iso(moment)
    out = []
    index = 0
    text = string_arg(fmt, "$dateToString format")
    while index < len(text):
        if text[index] == "%" and index + 1 < len(text):
            code = text[index : index + 2]
            if code == "%L":
                out.append(f"{moment.microsecond // 1000:03d}")
            elif code == "%u":
                out.append(str(moment.isoweekday()))
            elif code == "%w":
                out.append(str(moment.isoweekday() % 7 + 1))
            elif code == "%V":
                out.append(f"{moment.isocalendar()[1]:02d}")
            elif code == "%G":
                out.append(str(moment.isocalendar()[0]))
            elif code in _MONGO_FORMATS:
                out.append(moment.strftime(_MONGO_FORMATS[code]) if _MONGO_FORMATS[code] else "0")
            else:
                raise MQLError(f"$dateToString does not know the format code {code}")
            index += 2
        else:
            out.append(text[index])
            index += 1
    return "".join(out)


@_op("$dateFromString")
def _date_from_string(spec: Any, doc: Any, variables: Vars) -> Any:
    named = named_args(spec, "$dateFromString", ("dateString",), ("format", "timezone", "onError", "onNull"))
    _utc_only(named, "$dateFromString")
    text = evaluate(named["dateString"], doc, variables)
    if text is None:
        return evaluate(named.get("onNull"), doc, variables)
    try:
        if "format" in named:
            fmt = string_arg(named["format"], "$dateFromString format").replace("%L", "%f")
            return datetime.datetime.strptime(string_arg(text, "$dateFromString"), fmt)
        return _parse_date(string_arg(text, "$dateFromString"))
    except ValueError as exc:
        if "onError" in named:
            return evaluate(named["onError"], doc, variables)
        raise MQLError(f"$dateFromString cannot read {text!r}: {exc}") from None


def _date_shift(name: str, sign: int) -> None:
    def run(spec: Any, doc: Any, variables: Vars) -> Any:
        named = named_args(spec, name, ("startDate", "unit", "amount"), ("timezone",))
        _utc_only(named, name)
        start = evaluate(named["startDate"], doc, variables)
        amount = evaluate(named["amount"], doc, variables)
        if start is None or amount is None:
            return None
        unit = str(evaluate(named["unit"], doc, variables))
        return add_units(_date_of(start, name), unit, sign * int(as_number(amount, name)))

    TABLE[name] = run


_date_shift("$dateAdd", 1)
_date_shift("$dateSubtract", -1)


@_op("$dateTrunc")
def _date_trunc(spec: Any, doc: Any, variables: Vars) -> Any:
    named = named_args(spec, "$dateTrunc", ("date", "unit"), ("binSize", "timezone", "startOfWeek"))
    _utc_only(named, "$dateTrunc")
    moment = evaluate(named["date"], doc, variables)
    if moment is None:
        return None
    size = int(as_number(evaluate(named.get("binSize", 1), doc, variables), "$dateTrunc binSize"))
    return truncate_date(
        _date_of(moment, "$dateTrunc"), str(evaluate(named["unit"], doc, variables)), size
    )


@_op("$dateDiff")
def _date_diff(spec: Any, doc: Any, variables: Vars) -> Any:
    named = named_args(spec, "$dateDiff", ("startDate", "endDate", "unit"), ("timezone", "startOfWeek"))
    _utc_only(named, "$dateDiff")
    start = evaluate(named["startDate"], doc, variables)
    end = evaluate(named["endDate"], doc, variables)
    if start is None or end is None:
        return None
    unit = str(evaluate(named["unit"], doc, variables))
    a, b = _date_of(start, "$dateDiff"), _date_of(end, "$dateDiff")
    if unit in ("year", "quarter", "month"):
        months = (b.year * 12 + b.month) - (a.year * 12 + a.month)
        return months // {"year": 12, "quarter": 3, "month": 1}[unit] if unit != "year" else b.year - a.year
    if unit not in UNIT_MS:
        raise MQLError(f"the date unit {unit!r} is not one of year, quarter, month, week, day, hour, ...")
    # Whole unit boundaries crossed, as MongoDB counts them.
    return int(
        (truncate_date(b, unit) - truncate_date(a, unit)) / datetime.timedelta(milliseconds=UNIT_MS[unit])
    )
