"""The ordered-series stages of the emulator's MQL engine: $densify, $fill and $setWindowFields.

All three partition the documents (``partitionBy`` expression or
``partitionByFields``), order each partition (``sortBy`` / the densified
field) and work along it, as MongoDB documents them:

* ``$densify``: numbers or dates (``unit``) at ``step``; ``bounds`` "full"
  (the whole input's range), "partition" (each partition's range) or
  ``[lower, upper)``; new documents hold the field and the partition fields.
* ``$fill``: ``value`` (an expression), ``method`` "locf" (last observation
  carried forward) or "linear" (interpolated along the single ``sortBy`` field).
* ``$setWindowFields``: the accumulators of $group ($sum $avg $min $max $count
  $first $last $push $addToSet $stdDevPop $stdDevSamp) over a window of
  ``documents: [lower, upper]`` (numbers, "current", "unbounded") or
  ``range: [lower, upper]`` in sortBy values (with ``unit`` for dates), the
  whole partition by default; and the window operators $rank, $denseRank,
  $documentNumber, $shift, $locf and $linearFill.  $derivative, $integral,
  $expMovingAvg, $covariancePop/$covarianceSamp, $top/$bottom(N) and the N
  accumulators are refused with a message naming them.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from ..budget import tick
from .core_stages import Stage, sort_stage
from .date_units import add_units
from .expressions import evaluate, ticking
from .grouping import Accumulator
from .values import MISSING, Doc, MQLError, check_options, deep_copy, freeze, get_path, set_path, sort_key

__all__ = ["WINDOW_STAGES"]

_WINDOW_ONLY = ("$rank", "$denseRank", "$documentNumber", "$shift", "$locf", "$linearFill")


def _partitions(
    docs: Iterable[Doc], by: Any = None, fields: list[str] | None = None
) -> list[tuple[Any, list[Doc]]]:
    groups: dict[Any, tuple[Any, list[Doc]]] = {}
    for doc in docs:
        if fields:
            key_value: Any = [evaluate(f"${f}", doc) for f in fields]
        elif by is not None:
            key_value = evaluate(by, doc)
        else:
            key_value = None
        key = freeze(key_value)
        groups.setdefault(key, (key_value, []))[1].append(doc)
    return list(groups.values())


def _sorted(docs: list[Doc], sort_by: Any, stage: str) -> list[Doc]:
    if sort_by is None:
        return docs
    if not isinstance(sort_by, Mapping) or not sort_by:
        raise MQLError(f"{stage} sortBy must be a document of field: 1 or -1")
    return list(sort_stage(docs, sort_by))


# -- $densify -------------------------------------------------------------------------------------


def _step(value: Any, step: float, unit: str | None, times: int = 1) -> Any:
    if unit is None:
        return value + step * times
    return add_units(value, unit, int(step) * times)


def _densify(docs: Iterable[Doc], spec: Any) -> Iterator[Doc]:
    options = check_options(spec, "$densify", ("field", "range"), ("partitionByFields",))
    field = options["field"]
    if not isinstance(field, str) or field.startswith("$"):
        raise MQLError(f"$densify field must be a field name (no '$'), not {field!r}")
    rng = check_options(options["range"], "$densify range", ("step", "bounds"), ("unit",))
    step, unit, bounds = rng["step"], rng.get("unit"), rng["bounds"]
    if isinstance(step, bool) or not isinstance(step, (int, float)) or step <= 0:
        raise MQLError(f"$densify step must be a positive number, not {step!r}")
    if unit is not None and (not isinstance(step, int) and not float(step).is_integer()):
        raise MQLError("$densify step must be a whole number when a unit is given")
    part_fields = list(options.get("partitionByFields") or [])
    items = list(docs)
    kind = datetime.datetime if unit is not None else (int, float)

    def value_of(doc: Doc) -> Any:
        value = get_path(doc, field)
        if value is MISSING or value is None:
            return None
        if not isinstance(value, kind) or isinstance(value, bool):
            raise MQLError(f"$densify {field!r} holds {value!r}; it needs {'dates' if unit else 'numbers'}")
        return value

    present = [value_of(d) for d in items]
    known = [v for v in present if v is not None]
    if bounds == "full":
        full = (min(known), max(known)) if known else None
    elif bounds == "partition":
        full = None
    elif isinstance(bounds, list) and len(bounds) == 2:
        full = (bounds[0], bounds[1])
    else:
        raise MQLError(f"$densify bounds must be 'full', 'partition' or [lower, upper], not {bounds!r}")
    out: list[Doc] = [
        d for d, v in zip(items, present, strict=True) if v is None
    ]  # passed through as they are
    for key_value, members in _partitions(
        [d for d, v in zip(items, present, strict=True) if v is not None], fields=part_fields
    ):
        members.sort(key=lambda d: sort_key(value_of(d)))  # $densify's members: its input, watched
        values = [value_of(d) for d in members]
        if full is not None:
            low, high, inclusive = full[0], full[1], bounds == "full"
        else:
            low, high, inclusive = values[0], values[-1], True
        existing = {sort_key(v) for v in values}
        generated: list[Doc] = []
        current, count = low, 0
        while current < high or (inclusive and current == high):
            if sort_key(current) not in existing:
                new: Doc = {}
                set_path(new, field, current)
                for name, part in zip(part_fields, key_value or [], strict=False):
                    set_path(new, name, part)
                generated.append(new)
            count += 1
            tick()
            if count > 1_000_000:
                raise MQLError("$densify would create more than 1,000,000 documents")
            current = _step(low, step, unit, count)
        merged = members + generated
        merged.sort(key=lambda d: sort_key(get_path(d, field)))
        out.extend(merged)
    return iter(out)


# -- $fill -------------------------------------------------------------------------------------------


def _number_of(value: Any) -> float | None:
    if isinstance(value, datetime.datetime):
        return value.timestamp()
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    return None


def _linear(members: list[Doc], field: str, along: str | None) -> None:
    if along is None:
        raise MQLError("$fill/$linearFill method 'linear' needs sortBy on exactly one field")
    known = [(i, get_path(d, field)) for i, d in enumerate(members)]
    filled = [(i, v) for i, v in known if v is not None and v is not MISSING]
    for (a, va), (b, vb) in zip(filled, filled[1:], strict=False):
        xa, xb = _number_of(get_path(members[a], along)), _number_of(get_path(members[b], along))
        if xa is None or xb is None or _number_of(va) is None or _number_of(vb) is None:
            continue
        for i in range(a + 1, b):
            x = _number_of(get_path(members[i], along))
            if x is None or xb == xa:
                continue
            set_path(members[i], field, va + (vb - va) * (x - xa) / (xb - xa))


def _fill(docs: Iterable[Doc], spec: Any) -> Iterator[Doc]:
    options = check_options(spec, "$fill", ("output",), ("partitionBy", "partitionByFields", "sortBy"))
    output = options["output"]
    if not isinstance(output, Mapping) or not output:
        raise MQLError("$fill output must be a document of field: {value: ...} or {method: ...}")
    sort_by = options.get("sortBy")
    along = next(iter(sort_by)) if isinstance(sort_by, Mapping) and len(sort_by) == 1 else None
    result: list[Doc] = []
    for _, members in _partitions(
        (deep_copy(d) for d in docs), options.get("partitionBy"), options.get("partitionByFields")
    ):
        members = _sorted(members, sort_by, "$fill")
        for field, how in output.items():
            how = check_options(how, f"$fill output {field!r}", (), ("value", "method"))
            if "value" in how:
                for doc in members:
                    if get_path(doc, field) in (None, MISSING):
                        set_path(doc, field, evaluate(how["value"], doc))
            elif how.get("method") == "locf":
                last: Any = MISSING
                for doc in members:
                    value = get_path(doc, field)
                    if value is None or value is MISSING:
                        if last is not MISSING:
                            set_path(doc, field, last)
                    else:
                        last = value
            elif how.get("method") == "linear":
                if sort_by is None:
                    raise MQLError("$fill method 'linear' needs sortBy")
                _linear(members, field, along)
            else:
                raise MQLError(f"$fill output {field!r} needs value or method 'locf' / 'linear', not {how!r}")
        result.extend(members)
    return iter(result)


# -- $setWindowFields -----------------------------------------------------------------------------------


def _bound(value: Any, position: int, size: int, stage: str) -> int:
    if value == "unbounded":
        return 0 if position < 0 else size - 1
    raise MQLError(f"{stage}: bad window bound {value!r}")


def _window_indexes(
    window: Mapping[str, Any] | None, index: int, members: list[Doc], sort_field: str | None
) -> range:
    size = len(members)
    if not window:
        return range(size)
    if "documents" in window:
        low, high = window["documents"]
        start = 0 if low == "unbounded" else index + (0 if low == "current" else int(low))
        end = size - 1 if high == "unbounded" else index + (0 if high == "current" else int(high))
        return range(max(0, start), min(size - 1, end) + 1)
    if "range" in window:
        if sort_field is None:
            raise MQLError("$setWindowFields: a range window needs sortBy on exactly one field")
        low, high = window["range"]
        unit = window.get("unit")
        here = get_path(members[index], sort_field)

        def shifted(delta: Any) -> Any:
            if unit is not None:
                return add_units(here, str(unit), int(delta))
            return here + delta

        lower = None if low == "unbounded" else (here if low == "current" else shifted(low))
        upper = None if high == "unbounded" else (here if high == "current" else shifted(high))
        picked = [
            i
            for i, doc in ticking(enumerate(members))
            if (lower is None or get_path(doc, sort_field) >= lower)
            and (upper is None or get_path(doc, sort_field) <= upper)
        ]
        return range(picked[0], picked[-1] + 1) if picked else range(0)
    raise MQLError(f"$setWindowFields window must have documents or range, not {dict(window)!r}")


def _set_window_fields(docs: Iterable[Doc], spec: Any) -> Iterator[Doc]:
    options = check_options(spec, "$setWindowFields", ("output",), ("partitionBy", "sortBy"))
    output = options["output"]
    if not isinstance(output, Mapping) or not output:
        raise MQLError("$setWindowFields output must be a document of field: {operator: ..., window: ...}")
    sort_by = options.get("sortBy")
    sort_field = next(iter(sort_by)) if isinstance(sort_by, Mapping) and len(sort_by) == 1 else None
    plans: list[tuple[str, str, Any, Mapping[str, Any] | None]] = []
    for field, body in output.items():
        if not isinstance(body, Mapping):
            raise MQLError(f"$setWindowFields output {field!r} must be a document")
        ops = [k for k in body if k != "window"]
        if len(ops) != 1:
            raise MQLError(f"$setWindowFields output {field!r} needs exactly one operator")
        op = ops[0]
        if op not in _WINDOW_ONLY:
            Accumulator(op, body[op])  # refuses operators the engine lacks, by name
        if op in ("$rank", "$denseRank", "$documentNumber", "$shift", "$linearFill") and sort_by is None:
            raise MQLError(f"$setWindowFields {op} needs sortBy")
        plans.append((str(field), op, body[op], body.get("window")))
    result: list[Doc] = []
    for _, members in _partitions((deep_copy(d) for d in docs), options.get("partitionBy")):
        members = _sorted(members, sort_by, "$setWindowFields")
        values: list[list[Any]] = []
        for _field, op, arg, window in plans:
            values.append(_window_values(op, arg, window, members, sort_by, sort_field))
        for position, doc in enumerate(members):
            for (field, _, _, _), column in zip(plans, values, strict=True):
                set_path(doc, field, column[position])
        result.extend(members)
    return iter(result)


def _window_values(
    op: str,
    arg: Any,
    window: Mapping[str, Any] | None,
    members: list[Doc],
    sort_by: Any,
    sort_field: str | None,
) -> list[Any]:
    if op in ("$rank", "$denseRank", "$documentNumber"):
        keys = [tuple(sort_key(get_path(d, f)) for f in sort_by) for d in members]
        out: list[Any] = []
        dense = 0
        for i, key in enumerate(keys):
            if op == "$documentNumber":
                out.append(i + 1)
            elif i > 0 and key == keys[i - 1]:
                out.append(out[-1])
            else:
                dense += 1
                out.append(i + 1 if op == "$rank" else dense)
        return out
    if op == "$shift":
        shift = check_options(arg, "$shift", ("output", "by"), ("default",))
        by = shift["by"]
        if isinstance(by, bool) or not isinstance(by, int):
            raise MQLError(f"$shift by must be a whole number, not {by!r}")
        default = shift.get("default")
        return [
            evaluate(shift["output"], members[i + by]) if 0 <= i + by < len(members) else default
            for i in range(len(members))
        ]
    if op == "$locf":
        out, last = [], None
        for doc in members:
            value = evaluate(arg, doc)
            last = value if value is not None else last
            out.append(last)
        return out
    if op == "$linearFill":
        if not isinstance(arg, str) or not arg.startswith("$"):
            raise MQLError("$linearFill needs a field path such as '$value'")
        copies = [dict(d) for d in members]
        _linear(copies, arg[1:], sort_field)
        return [get_path(d, arg[1:]) if get_path(d, arg[1:]) is not MISSING else None for d in copies]
    if not window:  # the whole partition: one value for all
        acc = Accumulator(op, arg)
        for doc in members:
            acc.add(doc)
        whole = acc.result()
        return [list(whole) if isinstance(whole, list) else whole for _ in members]
    if window.get("documents") == ["unbounded", "current"]:  # running totals in one pass
        acc, out = Accumulator(op, arg), []
        for doc in members:
            acc.add(doc)
            value = acc.result()
            out.append(list(value) if isinstance(value, list) else value)
        return out
    out = []
    for index in range(len(members)):
        tick()
        acc = Accumulator(op, arg)
        for i in _window_indexes(window, index, members, sort_field):
            acc.add(members[i])
        out.append(acc.result())
    return out


WINDOW_STAGES: dict[str, Stage] = {
    "$densify": _densify,
    "$fill": _fill,
    "$setWindowFields": _set_window_fields,
}
