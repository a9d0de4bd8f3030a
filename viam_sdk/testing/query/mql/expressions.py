"""Aggregation expressions of the emulator's MQL engine: evaluation, variables and the operator table.

:func:`evaluate` gives the value of an expression for one document: field
paths (``$a.b``), variables (``$$ROOT``, ``$$CURRENT``, ``$$REMOVE``,
``$$NOW`` and the names ``$let``/``$map``/``$filter``/``$reduce`` bind),
literal documents and arrays, and ``{"$op": spec}``.  A few operators are
answered here ($literal $ifNull $toString $concat $add $multiply $subtract
$divide); every other one is looked up in :data:`OPERATORS`, which is empty
here and filled by ``pipeline`` (the top of the engine) from the tables of
``operators`` and ``dates``.  Those modules import this one, never the
reverse.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from ..budget import check_chars, tick
from .values import MISSING, REMOVE, Doc, MQLError, Vars, as_number, get_path, int64_or_double

__all__ = ["OPERATORS", "Op", "apply_operator", "evaluate", "evaluate_field", "registering", "ticking"]

Op = Callable[[Any, Any, Vars], Any]

#: Every expression operator beyond the few of :func:`apply_operator`, by name (filled by ``pipeline``).
OPERATORS: dict[str, Op] = {}


def registering(table: dict[str, Op]) -> Callable[..., Callable[[Op], Op]]:
    """A decorator factory: ``@op("$name", ...)`` puts the function into ``table`` under each name."""

    def op(*names: str) -> Callable[[Op], Op]:
        def register(fn: Op) -> Op:
            for name in names:
                table[name] = fn
            return fn

        return register

    return op


def ticking(items: Iterable[Any]) -> Iterator[Any]:
    """``items``, looking at the query's clock and cancellation as a long loop goes over them."""
    for item in items:
        tick()
        yield item


def _args(spec: Any, doc: Doc, op: str, variables: Vars = None) -> list[Any]:
    items = spec if isinstance(spec, list) else [spec]
    return [evaluate(item, doc, variables) for item in items]


def evaluate(expr: Any, doc: Doc, variables: Vars = None) -> Any:
    """The value of an aggregation expression for ``doc`` (None when a path is missing)."""
    value = evaluate_field(expr, doc, variables)
    return None if value is MISSING or value is REMOVE else value


def evaluate_field(expr: Any, doc: Doc, variables: Vars = None) -> Any:
    """Like :func:`evaluate`, but a missing path gives MISSING and ``$$REMOVE`` gives REMOVE."""
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
            return get_path(base, rest) if rest else base
        if expr.startswith("$"):
            return get_path(doc, expr[1:])
        return expr
    if isinstance(expr, list):
        return [evaluate(item, doc, variables) for item in expr]
    if isinstance(expr, Mapping):
        if len(expr) == 1:
            op, spec = next(iter(expr.items()))
            if isinstance(op, str) and op.startswith("$"):
                return apply_operator(op, spec, doc, variables)
        out = {}
        for key, item in expr.items():
            value = evaluate_field(item, doc, variables)
            if value is not MISSING and value is not REMOVE:
                out[key] = value
        return out
    return expr


def product(numbers: list[Any]) -> Any:
    """MongoDB's product: 64-bit integers while it fits, a double from the first overflow on.

    Never builds a big integer, however many factors there are.
    """
    result: Any = 1
    for number in numbers:
        result = int64_or_double(result * number)
    return result


def apply_operator(op: str, spec: Any, doc: Doc, variables: Vars = None) -> Any:
    tick()  # every operator looks at the clock and the caller's cancellation (cheaply: 1 in 256)
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
        check_chars(sum(len(v) for v in values), "$concat")
        return "".join(values)
    if op in ("$add", "$multiply"):
        values = _args(spec, doc, op, variables)
        if any(v is None for v in values):
            return None
        if op == "$add" and any(isinstance(v, datetime.datetime) for v in values):
            base = next(v for v in values if isinstance(v, datetime.datetime))
            millis = sum(as_number(v, op) for v in values if v is not base)
            return base + datetime.timedelta(milliseconds=millis)
        numbers = [as_number(v, op) for v in values]
        return int64_or_double(sum(numbers)) if op == "$add" else product(numbers)
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
            return left - datetime.timedelta(milliseconds=as_number(right, op))
        a, b = as_number(left, op), as_number(right, op)
        if op == "$subtract":
            return int64_or_double(a - b)
        if b == 0:
            raise MQLError("$divide by zero")
        return a / b
    raise MQLError(f"the expression operator {op} is not supported by this emulator")
