"""How a ``viam.app.data.v1.Filter`` and the caller's reach become a SQL ``WHERE`` clause.

The handler works out what the caller may see (:class:`Scope`, from its
identity: organizations, an API key's roles, a location or part secret) and
refuses organizations it cannot reach; this module only turns that scope and
the filter into SQL over the capture tables (``data_uploads``/``data_tabular``
or ``data_binary``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from viam_api.app.data.v1 import Filter, TagsFilter, TagsFilterType

from ..stored import to_micros

__all__ = ["KeyReach", "Scope", "Where", "equals", "filter_sql", "tags_clause"]


@dataclass(frozen=True)
class KeyReach:
    """What an API key's roles cover: whole organizations, locations, machines."""

    orgs: frozenset[str]
    locations: frozenset[str]
    robots: frozenset[str]


@dataclass(frozen=True)
class Scope:
    """The captured data a caller may see.

    ``org_ids``: the organizations searched (empty: none); ``reach``: an API
    key's roles (None for other credentials); ``location_id`` / ``part_id``: the
    one location or part a secret is bound to ("" when none).
    """

    org_ids: tuple[str, ...]
    reach: KeyReach | None = None
    location_id: str = ""
    part_id: str = ""


@dataclass
class Where:
    """A SQL condition and its parameters."""

    sql: str
    params: list[Any]


def _in(column: str, values: Iterable[str], params: list[Any]) -> str:
    items = list(values)
    params.extend(items)
    return f"{column} IN ({','.join('?' * len(items))})"


def equals(
    alias: str, pairs: Iterable[tuple[str, str | None]], clauses: list[str], params: list[Any]
) -> None:
    """``alias.column = value`` for each (column, value) pair whose value is set."""
    for column, value in pairs:
        if value:
            clauses.append(f"{alias}.{column} = ?")
            params.append(value)


def tags_clause(meta: str, tags_filter: TagsFilter | None, params: list[Any]) -> str:
    """The condition a tags filter puts on ``{meta}.tags`` ("" for none); its values go to ``params``."""
    if tags_filter is None:
        return ""
    if tags_filter.type == TagsFilterType.TAGS_FILTER_TYPE_TAGGED:
        return f"json_array_length({meta}.tags) > 0"
    if tags_filter.type == TagsFilterType.TAGS_FILTER_TYPE_UNTAGGED:
        return f"json_array_length({meta}.tags) = 0"
    if tags_filter.tags:
        return f"EXISTS (SELECT 1 FROM json_each({meta}.tags) WHERE {_in('value', tags_filter.tags, params)})"
    return ""


def filter_sql(
    scope: Scope,
    flt: Filter | None,
    *,
    meta: str,
    times: str,
    binary: bool,
    include_internal: bool = True,
) -> Where:
    """The SQL condition selecting what ``flt`` names within ``scope``.

    ``meta`` is the alias of the table with the capture metadata columns
    (``data_uploads`` or ``data_binary``), ``times`` the alias holding
    ``time_received`` (and, for binary data, the row's own id).

    Semantics: every non-empty field narrows the result; string fields match
    exactly; list fields match any of their values; the interval keeps data
    received at or after ``start`` and at or before ``end``; tags with type
    unspecified or MATCH_BY_OR keep data carrying any of them, TAGGED data
    with at least one tag, UNTAGGED data with none; ``bbox_labels`` keeps
    images with a box of any of those labels; ``dataset_id`` keeps members of
    that dataset.  Tabular data has no boxes and belongs to no dataset, so
    those two fields exclude it entirely.
    """
    flt = flt or Filter()
    params: list[Any] = []
    clauses: list[str] = [_in(f"{meta}.organization_id", scope.org_ids, params) if scope.org_ids else "0"]
    if scope.reach is not None:
        # A key with roles on some locations or machines only sees their data.
        scopes: list[str] = []
        for column, ids in (
            ("organization_id", scope.reach.orgs),
            ("location_id", scope.reach.locations),
            ("robot_id", scope.reach.robots),
        ):
            if ids:
                scopes.append(_in(f"{meta}.{column}", sorted(ids), params))
        clauses.append("(" + " OR ".join(scopes) + ")" if scopes else "0")
    if scope.location_id:
        clauses.append(f"{meta}.location_id = ?")
        params.append(scope.location_id)
    if scope.part_id:
        clauses.append(f"{meta}.part_id = ?")
        params.append(scope.part_id)
    equals(
        meta,
        (
            ("component_name", flt.component_name),
            ("component_type", flt.component_type),
            ("method_name", flt.method),
            ("robot_name", flt.robot_name),
            ("robot_id", flt.robot_id),
            ("part_name", flt.part_name),
            ("part_id", flt.part_id),
        ),
        clauses,
        params,
    )
    if flt.location_ids:
        clauses.append(_in(f"{meta}.location_id", flt.location_ids, params))
    if flt.mime_type:
        clauses.append(_in(f"{meta}.mime_type", flt.mime_type, params))
    if flt.interval is not None:
        if flt.interval.start is not None:
            clauses.append(f"{times}.time_received >= ?")
            params.append(to_micros(flt.interval.start))
        if flt.interval.end is not None:
            clauses.append(f"{times}.time_received <= ?")
            params.append(to_micros(flt.interval.end))
    tags = tags_clause(meta, flt.tags_filter, params)
    if tags:
        clauses.append(tags)
    if flt.bbox_labels:
        if not binary:
            clauses.append("0")
        else:
            inner = _in("bx.label", flt.bbox_labels, params)
            clauses.append(
                f"EXISTS (SELECT 1 FROM data_bboxes bx WHERE bx.binary_id = {times}.id AND {inner})"
            )
    if flt.dataset_id:
        if not binary:
            clauses.append("0")
        else:
            clauses.append(
                f"EXISTS (SELECT 1 FROM dataset_members dm WHERE dm.binary_id = {times}.id AND dm.dataset_id = ?)"
            )
            params.append(flt.dataset_id)
    if not include_internal:
        clauses.append(f"{meta}.internal = 0")
    return Where(" AND ".join(clauses) if clauses else "1", params)
