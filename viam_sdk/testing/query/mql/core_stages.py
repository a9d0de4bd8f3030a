"""The basic stages of the emulator's MQL engine: $match, $project, $addFields / $set, $unset,
$sort, $skip, $limit, $count and $group (from ``grouping``).

Each stage is a function ``(documents, spec) -> documents``; :data:`CORE_STAGES`
names them, and ``pipeline`` puts them in its stage table beside those of
``stages`` and ``window``.  A stage never changes a document it is given: it
copies what it changes (``path_copy``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from ..budget import tick
from .expressions import evaluate_field
from .grouping import group_stage
from .match import matches
from .values import MISSING, REMOVE, Doc, MQLError, get_path, path_copy, set_path, sort_key, unset_path

__all__ = ["CORE_STAGES", "Stage", "sort_stage"]

Stage = Callable[[Iterable[Doc], Any], Iterator[Doc]]


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
                out = path_copy(out, name)
                unset_path(out, name)
            if not include_id:
                out.pop("_id", None)
            yield out
            continue
        out = {}
        if include_id and "_id" in doc and "_id" not in includes:
            out["_id"] = doc["_id"]
        for name in includes:
            value = get_path(doc, name)
            if value is not MISSING:
                set_path(out, name, value)
        for name, expr in computed:
            value = evaluate_field(expr, doc)
            if value is not MISSING and value is not REMOVE:
                set_path(out, name, value)
        yield out


def _flat_projection(spec: Mapping[str, Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    """A $project spec with nested documents of fields (``{"a": {"b": 1}}``) as dotted names."""
    for name, how in spec.items():
        if isinstance(how, Mapping) and how and not any(str(k).startswith("$") for k in how):
            yield from _flat_projection(how, f"{prefix}{name}.")
        else:
            yield f"{prefix}{name}", how


def _add_fields(docs: Iterable[Doc], spec: Any) -> Iterator[Doc]:
    if not isinstance(spec, Mapping):
        raise MQLError("$addFields needs a document")
    for doc in docs:
        out = doc
        for name, expr in _flat_projection(spec):
            value = evaluate_field(expr, doc)
            if value is REMOVE:
                out = path_copy(out, name)
                unset_path(out, name)
            elif value is not MISSING:
                out = path_copy(out, name)
                set_path(out, name, value)
        yield out if out is not doc else dict(doc)


def _unset_stage(docs: Iterable[Doc], spec: Any) -> Iterator[Doc]:
    names = [spec] if isinstance(spec, str) else spec
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise MQLError("$unset needs a field name or a list of them")
    for doc in docs:
        out = dict(doc)
        for name in names:
            out = path_copy(out, name)
            unset_path(out, name)
        yield out


def sort_stage(docs: Iterable[Doc], spec: Any) -> Iterator[Doc]:
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
            tick()
            return sort_key(_sort_value(get_path(doc, path), way))

        ordered.sort(key=key, reverse=direction == -1)
    return iter(ordered)


def _sort_value(value: Any, direction: int) -> Any:
    if isinstance(value, list) and value:
        keyed = sorted(value, key=sort_key)
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
        if matches(doc, spec):
            yield doc


CORE_STAGES: dict[str, Stage] = {
    "$match": _match,
    "$project": _project,
    "$addFields": _add_fields,
    "$set": _add_fields,
    "$unset": _unset_stage,
    "$sort": sort_stage,
    "$skip": _skip,
    "$limit": _limit,
    "$count": _count,
    "$group": group_stage,
}
