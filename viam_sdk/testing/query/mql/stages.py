"""The aggregation stages of the emulator's MQL engine beyond the basic ones in ``core_stages``.

$unwind, $sortByCount, $replaceRoot, $replaceWith, $sample, $bucket,
$bucketAuto, $redact and $geoNear here; $densify, $fill and $setWindowFields
in ``window``.  Each follows MongoDB's documented behaviour; options this
emulator does not implement are refused with a message naming them:
``$bucketAuto`` ``granularity``, ``$geoNear`` without ``key`` (there are no
geospatial indexes to find the field by).
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from ..budget import tick
from .core_stages import Stage
from .expressions import evaluate
from .grouping import Accumulator, group_stage
from .match import matches
from .values import (
    MISSING,
    Doc,
    MQLError,
    check_options,
    get_path,
    path_copy,
    set_path,
    sort_key,
    type_name,
    type_rank,
    unset_path,
)

__all__ = ["EXTRA_STAGES"]


def _field_path(value: Any, stage: str, what: str) -> str:
    if not isinstance(value, str) or not value.startswith("$") or value.startswith("$$"):
        raise MQLError(f"{stage} {what} must be a field path starting with '$', not {value!r}")
    return value[1:]


# -- $unwind --------------------------------------------------------------------------------


def _unwind(docs: Iterable[Doc], spec: Any) -> Iterator[Doc]:
    if isinstance(spec, str):
        spec = {"path": spec}
    options = check_options(spec, "$unwind", ("path",), ("includeArrayIndex", "preserveNullAndEmptyArrays"))
    path = _field_path(options["path"], "$unwind", "path")
    index_field = options.get("includeArrayIndex")
    if index_field is not None and (not isinstance(index_field, str) or index_field.startswith("$")):
        raise MQLError(f"$unwind includeArrayIndex must be a field name, not {index_field!r}")
    preserve = bool(options.get("preserveNullAndEmptyArrays", False))
    for doc in docs:
        value = _plain_get(doc, path)
        if isinstance(value, list) and value:
            for position, item in enumerate(value):
                out = path_copy(doc, path)
                set_path(out, path, item)
                if index_field:
                    out = path_copy(out, index_field)
                    set_path(out, index_field, position)
                yield out
        elif isinstance(value, list) or value is None or value is MISSING:
            if preserve:
                out = path_copy(doc, path)
                if isinstance(value, list):
                    unset_path(out, path)
                if index_field:
                    out = path_copy(out, index_field)
                    set_path(out, index_field, None)
                yield out
        else:  # a single non-array value counts as a one-element array
            out = dict(doc)
            if index_field:
                out = path_copy(out, index_field)
                set_path(out, index_field, None)
            yield out


def _plain_get(doc: Any, path: str) -> Any:
    """The value at ``path`` through documents only (no fanning out over arrays)."""
    current = doc
    for part in path.split("."):
        if not isinstance(current, Mapping) or part not in current:
            return MISSING
        current = current[part]
    return current


# -- grouping shapes ------------------------------------------------------------------------------


def _sort_by_count(docs: Iterable[Doc], spec: Any) -> Iterator[Doc]:
    if isinstance(spec, str) and not spec.startswith("$"):
        raise MQLError(f"$sortByCount needs an expression such as '$field', not {spec!r}")
    grouped = list(group_stage(docs, {"_id": spec, "count": {"$sum": 1}}))
    grouped.sort(key=lambda d: d["count"], reverse=True)
    return iter(grouped)


def _new_root(docs: Iterable[Doc], expr: Any, stage: str) -> Iterator[Doc]:
    for doc in docs:
        root = evaluate(expr, doc)
        if not isinstance(root, Mapping):
            raise MQLError(f"{stage}: the new root must be a document, got {type_name(root)} {root!r}")
        yield dict(root)


def _replace_root(docs: Iterable[Doc], spec: Any) -> Iterator[Doc]:
    options = check_options(spec, "$replaceRoot", ("newRoot",))
    return _new_root(docs, options["newRoot"], "$replaceRoot")


def _replace_with(docs: Iterable[Doc], spec: Any) -> Iterator[Doc]:
    return _new_root(docs, spec, "$replaceWith")


def _sample(docs: Iterable[Doc], spec: Any) -> Iterator[Doc]:
    options = check_options(spec, "$sample", ("size",))
    size = options["size"]
    if isinstance(size, bool) or not isinstance(size, (int, float)) or size < 0 or int(size) != size:
        raise MQLError(f"$sample size must be a non-negative whole number, not {size!r}")
    items = list(docs)
    return iter(random.sample(items, min(int(size), len(items))))


def _outputs(spec: Any, stage: str) -> list[tuple[str, str, Any]]:
    if spec is None:
        return [("count", "$sum", 1)]
    if not isinstance(spec, Mapping):
        raise MQLError(f"{stage} output must be a document of accumulators")
    fields = []
    for name, acc in spec.items():
        if not isinstance(acc, Mapping) or len(acc) != 1:
            raise MQLError(f"{stage} output field {name!r} must be one accumulator, like {{'$sum': 1}}")
        op, expr = next(iter(acc.items()))
        Accumulator(op, expr)
        fields.append((str(name), op, expr))
    return fields


def _finish(key: Any, fields: list[tuple[str, str, Any]], accs: list[Any]) -> Doc:
    out: Doc = {"_id": key}
    for (name, _, _), acc in zip(fields, accs, strict=True):
        out[name] = acc.result()
    return out


def _bucket(docs: Iterable[Doc], spec: Any) -> Iterator[Doc]:
    options = check_options(spec, "$bucket", ("groupBy", "boundaries"), ("default", "output"))
    bounds = options["boundaries"]
    if not isinstance(bounds, list) or len(bounds) < 2:
        raise MQLError("$bucket boundaries must be an array of at least two values")
    keys = [sort_key(b) for b in bounds]
    if (
        any(type_rank(b) != type_rank(bounds[0]) for b in bounds)
        or keys != sorted(keys)
        or len(set(keys)) != len(keys)
    ):
        raise MQLError("$bucket boundaries must be values of one type in ascending order, without repeats")
    fields = _outputs(options.get("output"), "$bucket")
    has_default = "default" in options
    buckets: dict[int, list[Any]] = {}
    for doc in docs:
        value = evaluate(options["groupBy"], doc)
        slot = -1
        if type_rank(value) == type_rank(bounds[0]):
            key = sort_key(value)
            for index in range(len(bounds) - 1):
                if keys[index] <= key < keys[index + 1]:
                    slot = index
                    break
        if slot == -1:
            if not has_default:
                raise MQLError(
                    f"$bucket: the value {value!r} falls outside the boundaries and there is no default bucket"
                )
            slot = len(bounds)
        accs = buckets.setdefault(slot, [Accumulator(op, expr) for _, op, expr in fields])
        for acc in accs:
            acc.add(doc)
    for slot in sorted(buckets):
        key = options["default"] if slot == len(bounds) else bounds[slot]
        yield _finish(key, fields, buckets[slot])


def _first_key(pair: tuple[Any, Doc]) -> tuple[Any, ...]:
    tick()
    return sort_key(pair[0])


def _bucket_auto(docs: Iterable[Doc], spec: Any) -> Iterator[Doc]:
    options = check_options(spec, "$bucketAuto", ("groupBy", "buckets"), ("output", "granularity"))
    if "granularity" in options:
        raise MQLError("$bucketAuto granularity (preferred-number series) is not supported by this emulator")
    count = options["buckets"]
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise MQLError(f"$bucketAuto buckets must be a positive whole number, not {count!r}")
    fields = _outputs(options.get("output"), "$bucketAuto")
    keyed = sorted(
        ((evaluate(options["groupBy"], doc), doc) for doc in docs),
        key=_first_key,
    )
    if not keyed:
        return
    per = max(1, math.ceil(len(keyed) / count))
    groups: list[list[tuple[Any, Doc]]] = []
    index = 0
    while index < len(keyed):
        end = min(index + per, len(keyed))
        # Equal values stay in one bucket.
        while end < len(keyed) and sort_key(keyed[end][0]) == sort_key(keyed[end - 1][0]):
            end += 1
        groups.append(keyed[index:end])
        index = end
    for position, group in enumerate(groups):
        accs = [Accumulator(op, expr) for _, op, expr in fields]
        for _, doc in group:
            for acc in accs:
                acc.add(doc)
        upper = groups[position + 1][0][0] if position + 1 < len(groups) else group[-1][0]
        yield _finish({"min": group[0][0], "max": upper}, fields, accs)


# -- $redact ----------------------------------------------------------------------------------------

_KEEP, _PRUNE, _DESCEND = "$$KEEP", "$$PRUNE", "$$DESCEND"
_REDACT_VARS = {"KEEP": _KEEP, "PRUNE": _PRUNE, "DESCEND": _DESCEND}


def _redact_doc(doc: Mapping[str, Any], expr: Any, root: Doc) -> Doc | None:
    variables = dict(_REDACT_VARS, ROOT=root)
    verdict = evaluate(expr, dict(doc), variables)
    if verdict == _KEEP:
        return dict(doc)
    if verdict == _PRUNE:
        return None
    if verdict != _DESCEND:
        raise MQLError(f"$redact must give $$KEEP, $$PRUNE or $$DESCEND, not {verdict!r}")
    out: Doc = {}
    for key, value in doc.items():
        if isinstance(value, Mapping):
            kept = _redact_doc(value, expr, root)
            if kept is not None:
                out[key] = kept
        elif isinstance(value, list):
            items = []
            for item in value:
                if isinstance(item, Mapping):
                    kept = _redact_doc(item, expr, root)
                    if kept is not None:
                        items.append(kept)
                else:
                    items.append(item)
            out[key] = items
        else:
            out[key] = value
    return out


def _redact(docs: Iterable[Doc], spec: Any) -> Iterator[Doc]:
    for doc in docs:
        kept = _redact_doc(doc, spec, doc)
        if kept is not None:
            yield kept


# -- $geoNear -----------------------------------------------------------------------------------------

EARTH_RADIUS_M = 6_378_100.0


def _point(value: Any) -> tuple[float, float, bool] | None:
    """(longitude, latitude, is_geojson) of a GeoJSON Point or a legacy [x, y] pair."""
    if isinstance(value, Mapping) and value.get("type") == "Point":
        coords = value.get("coordinates")
        geo = True
    elif isinstance(value, list):
        coords, geo = value, False
    elif isinstance(value, Mapping) and len(value) == 2:
        coords, geo = list(value.values()), False
    else:
        return None
    if not isinstance(coords, list) or len(coords) != 2:
        return None
    if not all(isinstance(c, (int, float)) and not isinstance(c, bool) for c in coords):
        return None
    return float(coords[0]), float(coords[1]), geo


def _haversine(a: tuple[float, float], b: tuple[float, float]) -> float:
    lng1, lat1, lng2, lat2 = map(math.radians, (a[0], a[1], b[0], b[1]))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lng2 - lng1) / 2) ** 2
    return 2 * math.asin(min(1.0, math.sqrt(h)))  # radians


def _geo_near(docs: Iterable[Doc], spec: Any) -> Iterator[Doc]:
    options = check_options(
        spec,
        "$geoNear",
        ("near", "distanceField"),
        ("spherical", "maxDistance", "minDistance", "query", "key", "includeLocs", "distanceMultiplier"),
    )
    if "key" not in options:
        raise MQLError(
            "$geoNear needs 'key' (the field holding the locations) here: the emulator has no geospatial "
            "index to find it by"
        )
    near = _point(options["near"])
    if near is None:
        raise MQLError(f"$geoNear near must be a GeoJSON Point or an [x, y] pair, not {options['near']!r}")
    key = str(options["key"])
    spherical = bool(options.get("spherical", False)) or near[2]
    multiplier = float(options.get("distanceMultiplier", 1))
    query = options.get("query", {})
    found: list[tuple[float, Doc]] = []
    for doc in docs:
        if query and not matches(doc, query):
            continue
        location = _point(get_path(doc, key))
        if location is None:
            continue
        if spherical:
            distance = _haversine(near[:2], location[:2])
            if near[2]:
                distance *= EARTH_RADIUS_M  # metres for GeoJSON, radians for legacy pairs
        else:
            distance = math.hypot(location[0] - near[0], location[1] - near[1])
        if "maxDistance" in options and distance > float(options["maxDistance"]):
            continue
        if "minDistance" in options and distance < float(options["minDistance"]):
            continue
        out = path_copy(doc, str(options["distanceField"]))
        set_path(out, str(options["distanceField"]), distance * multiplier)
        if "includeLocs" in options:
            out = path_copy(out, str(options["includeLocs"]))
            set_path(out, str(options["includeLocs"]), get_path(doc, key))
        found.append((distance, out))
    found.sort(key=lambda pair: pair[0])
    return iter(doc for _, doc in found)


EXTRA_STAGES: dict[str, Stage] = {
    "$unwind": _unwind,
    "$sortByCount": _sort_by_count,
    "$replaceRoot": _replace_root,
    "$replaceWith": _replace_with,
    "$sample": _sample,
    "$bucket": _bucket,
    "$bucketAuto": _bucket_auto,
    "$redact": _redact,
    "$geoNear": _geo_near,
}
