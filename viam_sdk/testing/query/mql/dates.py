"""Expression operators of the emulator's MQL engine for objects, variables, types and dates.

Dates are UTC (a ``timezone`` other than UTC is refused, naming it);
``$dateToString`` knows the format codes %Y %m %d %H %M %S %L %j %U %u %w %V
%G %z %Z %%; units are year, quarter, month, week, day, hour, minute, second
and millisecond; ``$dateDiff`` counts unit boundaries crossed, as MongoDB does.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Mapping
from typing import Any

import bson

from . import pipeline as core
from .operators import OPERATORS, _iso, _list, _named, _num, _numbers_of, _op, _str, _to_string
from .pipeline import MQLError, Vars

__all__ = ["add_units", "truncate_date"]

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
    for value in _numbers_of(spec, doc, variables, "$mergeObjects"):
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
    named = _named(spec, "$getField", ("field",), ("input",))
    source = core.evaluate(named.get("input", "$$CURRENT"), doc, variables)
    name = _str(core.evaluate(named["field"], doc, variables), "$getField")
    if not isinstance(source, Mapping):
        return None
    return source.get(name, core._MISSING)


@_op("$let")
def _let(spec: Any, doc: Any, variables: Vars) -> Any:
    named = _named(spec, "$let", ("vars", "in"))
    if not isinstance(named["vars"], Mapping):
        raise MQLError("$let vars must be a document")
    scope = dict(variables or {})
    for name, expr in named["vars"].items():
        scope[str(name)] = core.evaluate(expr, doc, variables)
    return core.evaluate(named["in"], doc, scope)


@_op("$type")
def _type(spec: Any, doc: Any, variables: Vars) -> Any:
    items = spec if isinstance(spec, list) else [spec]
    if len(items) != 1:
        raise MQLError("$type takes one argument")
    return core.type_name(core.evaluate_field(items[0], doc, variables))


@_op("$isNumber")
def _is_number(spec: Any, doc: Any, variables: Vars) -> Any:
    (value,) = _list(spec, doc, variables, "$isNumber", 1)
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
            return core.truthy(value)
        if to == "string":
            return _to_string({"$literal": value}, {}, None) if not isinstance(value, str) else value
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
    raise MQLError(f"cannot convert {core.type_name(value)} {value!r} to {to}")


def _converter(name: str, to: str) -> None:
    def run(spec: Any, doc: Any, variables: Vars) -> Any:
        (value,) = _list(spec, doc, variables, name, 1)
        return _convert(value, to)

    OPERATORS[name] = run


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
    named = _named(spec, "$convert", ("input", "to"), ("onError", "onNull"))
    value = core.evaluate(named["input"], doc, variables)
    if value is None:
        return core.evaluate(named.get("onNull"), doc, variables)
    to = core.evaluate(named["to"], doc, variables)
    to_name = core._type_alias(to) if isinstance(to, int) else str(to)
    try:
        return _convert(value, to_name)
    except MQLError:
        if "onError" in named:
            return core.evaluate(named["onError"], doc, variables)
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
    (value,) = _list(spec, doc, variables, name, 1)
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

    OPERATORS[name] = run


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
    named = _named(spec, "$dateToString", ("date",), ("format", "timezone", "onNull"))
    moment = _date_arg(
        {"date": named["date"], "timezone": named.get("timezone")}, doc, variables, "$dateToString"
    )
    if moment is None:
        return core.evaluate(named.get("onNull"), doc, variables)
    fmt = named.get("format")
    if fmt is None:
        return _iso(moment)
    out = []
    index = 0
    text = _str(fmt, "$dateToString format")
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
    named = _named(spec, "$dateFromString", ("dateString",), ("format", "timezone", "onError", "onNull"))
    _utc_only(named, "$dateFromString")
    text = core.evaluate(named["dateString"], doc, variables)
    if text is None:
        return core.evaluate(named.get("onNull"), doc, variables)
    try:
        if "format" in named:
            fmt = _str(named["format"], "$dateFromString format").replace("%L", "%f")
            return datetime.datetime.strptime(_str(text, "$dateFromString"), fmt)
        return _parse_date(_str(text, "$dateFromString"))
    except ValueError as exc:
        if "onError" in named:
            return core.evaluate(named["onError"], doc, variables)
        raise MQLError(f"$dateFromString cannot read {text!r}: {exc}") from None


_UNIT_MS = {
    "millisecond": 1,
    "second": 1000,
    "minute": 60_000,
    "hour": 3_600_000,
    "day": 86_400_000,
    "week": 7 * 86_400_000,
}


def add_units(moment: datetime.datetime, unit: str, amount: int) -> datetime.datetime:
    if unit in _UNIT_MS:
        return moment + datetime.timedelta(milliseconds=_UNIT_MS[unit] * amount)
    months = {"month": 1, "quarter": 3, "year": 12}.get(unit)
    if months is None:
        raise MQLError(f"the date unit {unit!r} is not one of year, quarter, month, week, day, hour, ...")
    total = moment.year * 12 + moment.month - 1 + months * amount
    year, month = divmod(total, 12)
    day = min(moment.day, [31, 29 if _leap(year) else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month])
    return moment.replace(year=year, month=month + 1, day=day)


def _leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def _date_shift(name: str, sign: int) -> None:
    def run(spec: Any, doc: Any, variables: Vars) -> Any:
        named = _named(spec, name, ("startDate", "unit", "amount"), ("timezone",))
        _utc_only(named, name)
        start = core.evaluate(named["startDate"], doc, variables)
        amount = core.evaluate(named["amount"], doc, variables)
        if start is None or amount is None:
            return None
        unit = str(core.evaluate(named["unit"], doc, variables))
        return add_units(_date_of(start, name), unit, sign * int(_num(amount, name)))

    OPERATORS[name] = run


_date_shift("$dateAdd", 1)
_date_shift("$dateSubtract", -1)


def truncate_date(moment: datetime.datetime, unit: str, size: int = 1) -> datetime.datetime:
    """``moment`` rounded down to a whole ``size`` of ``unit`` (weeks start on Sunday)."""
    if unit == "year":
        return moment.replace(
            year=moment.year - (moment.year % size), month=1, day=1, hour=0, minute=0, second=0, microsecond=0
        )
    if unit in ("quarter", "month"):
        months = size * (3 if unit == "quarter" else 1)
        total = moment.year * 12 + moment.month - 1
        total -= total % months
        return datetime.datetime(total // 12, total % 12 + 1, 1)
    if unit == "week":
        day = moment.replace(hour=0, minute=0, second=0, microsecond=0)
        day -= datetime.timedelta(days=day.isoweekday() % 7)
        epoch_sunday = datetime.datetime(2000, 1, 2)
        weeks = (day - epoch_sunday).days // 7
        return day - datetime.timedelta(weeks=weeks % size)
    if unit not in _UNIT_MS:
        raise MQLError(f"the date unit {unit!r} is not one of year, quarter, month, week, day, hour, ...")
    step = _UNIT_MS[unit] * size
    millis = int((moment - datetime.datetime(2000, 1, 1)).total_seconds() * 1000)
    return datetime.datetime(2000, 1, 1) + datetime.timedelta(milliseconds=millis - millis % step)


@_op("$dateTrunc")
def _date_trunc(spec: Any, doc: Any, variables: Vars) -> Any:
    named = _named(spec, "$dateTrunc", ("date", "unit"), ("binSize", "timezone", "startOfWeek"))
    _utc_only(named, "$dateTrunc")
    moment = core.evaluate(named["date"], doc, variables)
    if moment is None:
        return None
    size = int(_num(core.evaluate(named.get("binSize", 1), doc, variables), "$dateTrunc binSize"))
    return truncate_date(
        _date_of(moment, "$dateTrunc"), str(core.evaluate(named["unit"], doc, variables)), size
    )


@_op("$dateDiff")
def _date_diff(spec: Any, doc: Any, variables: Vars) -> Any:
    named = _named(spec, "$dateDiff", ("startDate", "endDate", "unit"), ("timezone", "startOfWeek"))
    _utc_only(named, "$dateDiff")
    start = core.evaluate(named["startDate"], doc, variables)
    end = core.evaluate(named["endDate"], doc, variables)
    if start is None or end is None:
        return None
    unit = str(core.evaluate(named["unit"], doc, variables))
    a, b = _date_of(start, "$dateDiff"), _date_of(end, "$dateDiff")
    if unit in ("year", "quarter", "month"):
        months = (b.year * 12 + b.month) - (a.year * 12 + a.month)
        return months // {"year": 12, "quarter": 3, "month": 1}[unit] if unit != "year" else b.year - a.year
    if unit not in _UNIT_MS:
        raise MQLError(f"the date unit {unit!r} is not one of year, quarter, month, week, day, hour, ...")
    # Whole unit boundaries crossed, as MongoDB counts them.
    return int(
        (truncate_date(b, unit) - truncate_date(a, unit)) / datetime.timedelta(milliseconds=_UNIT_MS[unit])
    )
