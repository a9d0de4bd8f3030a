"""``$group`` and its accumulators ($sum $avg $min $max $count $first $last $push $addToSet
$stdDevPop $stdDevSamp $mergeObjects), which ``$bucket``, ``$bucketAuto``, ``$sortByCount`` and
``$setWindowFields`` use too."""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from ..budget import check_items, tick
from .expressions import evaluate
from .values import MISSING, Doc, MQLError, freeze, int64_or_double, sort_key

__all__ = ["ACCUMULATORS", "Accumulator", "group_stage"]


class Accumulator:
    def __init__(self, op: str, expr: Any) -> None:
        if op not in ACCUMULATORS:
            raise MQLError(f"the $group accumulator {op} is not supported by this emulator")
        self.op = op
        self.expr = expr
        self.total: float | int = 0
        self.count = 0
        self.value: Any = MISSING
        self.items: list[Any] = []
        self.seen: set[Any] = set()  # $addToSet: the equality keys of its items

    def add(self, doc: Doc) -> None:
        tick()
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
            if self.value is MISSING:
                self.value = value
                return
            lower = sort_key(value) < sort_key(self.value)
            if (self.op == "$min") == lower and sort_key(value) != sort_key(self.value):
                self.value = value
        elif self.op == "$first":
            if self.value is MISSING:
                self.value = value
        elif self.op == "$last":
            self.value = value
        elif self.op == "$push":
            self.items.append(value)
            if len(self.items) & 0x3FF == 0:
                check_items(len(self.items), "$push")
        elif self.op == "$addToSet":
            key = sort_key(value)
            if key not in self.seen:
                self.seen.add(key)
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
            return int64_or_double(self.total)
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
            return {} if self.value is MISSING else self.value
        return None if self.value is MISSING else self.value


ACCUMULATORS = (
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


def group_stage(docs: Iterable[Doc], spec: Any) -> Iterator[Doc]:
    if not isinstance(spec, Mapping) or "_id" not in spec:
        raise MQLError("$group needs a document with an _id")
    fields: list[tuple[str, str, Any]] = []
    for name, acc in spec.items():
        if name == "_id":
            continue
        if not isinstance(acc, Mapping) or len(acc) != 1:
            raise MQLError(f"$group field {name!r} must be one accumulator, like {{'$sum': 1}}")
        op, expr = next(iter(acc.items()))
        Accumulator(op, expr)  # validates the accumulator name early
        fields.append((name, op, expr))
    groups: dict[Any, tuple[Any, list[Accumulator]]] = {}
    for doc in docs:
        key_value = evaluate(spec["_id"], doc)
        key = freeze(key_value)
        if key not in groups:
            groups[key] = (key_value, [Accumulator(op, expr) for _, op, expr in fields])
        for acc in groups[key][1]:
            acc.add(doc)
    for key_value, accs in groups.values():
        out: Doc = {"_id": key_value}
        for (name, _, _), acc in zip(fields, accs, strict=True):
            out[name] = acc.result()
        yield out
