"""The documents an MQL query or a data pipeline reads: the data sources of ``TabularDataByMQL``.

* standard (the default, ``TABULAR_DATA_SOURCE_TYPE_STANDARD``): every tabular
  reading of the organization, one document per reading, oldest first;
* the hot data store (``TABULAR_DATA_SOURCE_TYPE_HOT_STORAGE``, or the older
  ``use_recent_data=True``): the same readings, only those received within the
  rolling window ``recent_window(ctx)`` before the emulator's clock (24 hours
  unless ``ctx.extras["recent_data_hours"]`` says otherwise);
* a pipeline's sink (``TABULAR_DATA_SOURCE_TYPE_PIPELINE_SINK`` with
  ``pipeline_id``): the documents the pipeline's runs wrote, oldest run first,
  as the pipeline's last stage produced them.

Documents of readings have the fields of Viam's ``readings`` collection:
``_id``, ``organization_id``, ``location_id``, ``robot_id``, ``robot_name``,
``part_id``, ``part_name``, ``component_type``, ``component_name``,
``method_name``, ``time_requested``, ``time_received`` (dates), ``tags``,
``method_parameters`` and ``data``.
"""

from __future__ import annotations

import datetime
import json
import sqlite3
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import bson
from bson.codec_options import CodecOptions

from ..context import EmulatorContext
from ..errors import InvalidArgument, NotFound
from ..stored import json_list, to_micros
from .budget import tick

__all__ = [
    "RECENT_DATA_HOURS",
    "PAGE_ROWS",
    "Prefilter",
    "paged_rows",
    "Source",
    "prefilter",
    "reading_documents",
    "recent_window",
    "resolve_source",
    "sink_documents",
]

RECENT_DATA_HOURS = 24.0

# Standard, hot storage, pipeline sink (viam.app.data.v1.TabularDataSourceType).
STANDARD, HOT_STORAGE, PIPELINE_SINK = 1, 2, 3

_BSON_OPTIONS: CodecOptions[dict[str, Any]] = CodecOptions(tz_aware=True)
_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)
timedelta = datetime.timedelta


def recent_window(ctx: EmulatorContext) -> datetime.timedelta:
    """How far back the hot data store reaches."""
    hours = ctx.extras.get("recent_data_hours", RECENT_DATA_HOURS)
    return datetime.timedelta(hours=float(hours))


# Capture metadata a leading $match may narrow by in SQL (one value, or $eq / $in of values).
_UPLOAD_FIELDS = (
    "location_id",
    "robot_id",
    "robot_name",
    "part_id",
    "part_name",
    "component_type",
    "component_name",
    "method_name",
)
_TIME_OPS = {"$gt": ">", "$gte": ">=", "$lt": "<", "$lte": "<=", "$eq": "="}


@dataclass
class Prefilter:
    """What SQL can narrow before the pipeline runs; the pipeline still applies its $match."""

    uploads: dict[str, list[str]] = field(default_factory=dict)
    times: list[tuple[str, int]] = field(default_factory=list)  # (SQL operator, micros) on time_received


def prefilter(stages: Sequence[Mapping[str, Any]]) -> Prefilter:
    """The part of a leading ``$match`` (top-level conditions, all ANDed) that SQL can apply.

    Only forms whose meaning is the same in SQL are taken: string equality or
    ``$in`` of strings on the capture metadata, date comparisons on
    ``time_received``.  Anything else is left to the engine alone.
    """
    found = Prefilter()
    if not stages or not isinstance(stages[0], Mapping) or not isinstance(stages[0].get("$match"), Mapping):
        return found
    for key, cond in stages[0]["$match"].items():
        if key in _UPLOAD_FIELDS:
            if isinstance(cond, str):
                found.uploads[key] = [cond]
            elif isinstance(cond, Mapping) and len(cond) == 1:
                op, value = next(iter(cond.items()))
                if op == "$eq" and isinstance(value, str):
                    found.uploads[key] = [value]
                elif op == "$in" and isinstance(value, list) and all(isinstance(v, str) for v in value):
                    found.uploads[key] = list(value)
        elif key == "time_received":
            if isinstance(cond, datetime.datetime):
                found.times.append(("=", to_micros(cond)))
            elif isinstance(cond, Mapping) and all(op in _TIME_OPS for op in cond):
                if all(isinstance(v, datetime.datetime) for v in cond.values()):
                    found.times.extend((_TIME_OPS[op], to_micros(v)) for op, v in cond.items())
    return found


def reading_documents(
    store: Any,
    org_id: str,
    start: datetime.datetime | None = None,
    end: datetime.datetime | None = None,
    narrow: Prefilter | None = None,
) -> list[dict[str, Any]]:
    """The organization's readings as documents, received in ``[start, end)`` when given.

    ``narrow`` (from :func:`prefilter`) lets SQL skip readings the pipeline's
    first ``$match`` would drop anyway.
    """
    narrow = narrow or Prefilter()
    upload_where = "organization_id = ? AND internal = 0"
    upload_params: list[Any] = [org_id]
    for column, values in narrow.uploads.items():
        upload_where += f" AND {column} IN ({','.join('?' * len(values))})"
        upload_params.extend(values)
    where = "organization_id = ?"
    params: list[Any] = [org_id]
    if start is not None:
        where += " AND time_received >= ?"
        params.append(to_micros(start))
    if end is not None:
        where += " AND time_received < ?"
        params.append(to_micros(end))
    for operator, micros in narrow.times:
        where += f" AND time_received {operator} ?"
        params.append(micros)
    if narrow.uploads:
        where += f" AND upload_id IN (SELECT id FROM data_uploads WHERE {upload_where})"
        params.extend(upload_params)
    with store.lock:
        uploads = store.db.execute(
            "SELECT id, organization_id, location_id, robot_id, robot_name, part_id, part_name, component_type, "
            f"component_name, method_name, tags, method_parameters FROM data_uploads WHERE {upload_where}",
            upload_params,
        ).fetchall()
    pages = paged_rows(
        store,
        "SELECT upload_id, seq, time_requested, time_received, data FROM data_tabular "
        f"WHERE {where} AND (time_received, seq) > (?, ?) ORDER BY time_received, seq LIMIT ?",
        params,
        lambda row: (row[3], row[1]),
        (-(2**63), -(2**63)),
    )
    rows = [row for page in pages for row in page]
    # What every reading of one upload shares.  Stages never change a document they are
    # given (they copy what they change), so the readings of an upload may share these.
    shared: dict[str, tuple[Any, ...]] = {}
    for u in uploads:
        shared[str(u[0])] = (*u[1:10], json_list(u[10]), json.loads(u[11] or "{}"))
    docs = []
    for upload_id, seq, requested, received, data in rows:
        meta = shared.get(str(upload_id))
        if meta is None:  # an internal upload
            continue
        docs.append(
            {
                "_id": f"{upload_id}/{seq}",
                "organization_id": meta[0],
                "location_id": meta[1],
                "robot_id": meta[2],
                "robot_name": meta[3],
                "part_id": meta[4],
                "part_name": meta[5],
                "component_type": meta[6],
                "component_name": meta[7],
                "method_name": meta[8],
                "time_requested": None if requested is None else _EPOCH + timedelta(microseconds=requested),
                "time_received": None if received is None else _EPOCH + timedelta(microseconds=received),
                "tags": list(meta[9]),
                "method_parameters": meta[10],
                "data": _json(data),
            }
        )
    return docs


# Rows read under the store's lock at a time: the lock is let go between pages, so the other
# calls of the emulator (every organization's) wait for one page at most, not for a whole read.
PAGE_ROWS = 2_000


def paged_rows(
    store: Any,
    sql: str,
    params: Sequence[Any],
    key: Callable[[Any], tuple[Any, ...]],
    start: tuple[Any, ...],
) -> Iterator[list[Any]]:
    """The pages of a keyset-paged query (``sql`` ends in ``> (?, ...) ORDER BY ... LIMIT ?``).

    ``key`` gives a row's keyset values, ``start`` those before the first row.
    The store's lock is held for one page at a time, and the query's budget is
    looked at between pages, so a caller that went away stops the read too.
    """
    after = start
    while True:
        tick()
        with store.lock:
            page = store.db.execute(sql, [*params, *after, PAGE_ROWS]).fetchall()
        if page:
            yield page
        if len(page) < PAGE_ROWS:
            return
        after = key(page[-1])


_raw_decode = json.JSONDecoder().raw_decode


def _json(text: str) -> Any:
    """Stored JSON (as json.dumps wrote it: no surrounding blanks), decoded without json.loads' scans."""
    try:
        return _raw_decode(text)[0]
    except ValueError:
        return json.loads(text)


def sink_documents(store: Any, pipeline_id: str) -> list[dict[str, Any]]:
    """What the runs of ``pipeline_id`` wrote to its sink, oldest first."""
    with store.lock:
        try:
            rows = store.db.execute(
                "SELECT doc FROM data_pipeline_sink WHERE pipeline_id = ? ORDER BY seq", (pipeline_id,)
            ).fetchall()
        except sqlite3.OperationalError:  # the pipelines service is not loaded
            rows = []
    return [bson.decode(bytes(r[0]), codec_options=_BSON_OPTIONS) for r in rows]


class Source:
    """Where one query reads from; :meth:`documents` runs on the query worker thread."""

    def __init__(self, ctx: EmulatorContext, org_id: str, kind: int, pipeline_id: str = "") -> None:
        self.ctx = ctx
        self.org_id = org_id
        self.kind = kind
        self.pipeline_id = pipeline_id
        self.now = ctx.now()

    def documents(self, stages: Sequence[Mapping[str, Any]] = ()) -> list[dict[str, Any]]:
        """The documents the pipeline ``stages`` start from (its first $match may narrow them in SQL)."""
        if self.kind == PIPELINE_SINK:
            return sink_documents(self.ctx.store, self.pipeline_id)
        start = self.now - recent_window(self.ctx) if self.kind == HOT_STORAGE else None
        return reading_documents(self.ctx.store, self.org_id, start=start, narrow=prefilter(stages))


def resolve_source(ctx: EmulatorContext, request: Any) -> Source:
    """The data source a TabularDataByMQLRequest names (INVALID_ARGUMENT / NOT_FOUND when it is wrong)."""
    if request.query_prefix_name:
        raise NotFound(f"no saved query named {request.query_prefix_name!r}")
    source = request.data_source
    kind = int(source.type) if source is not None else 0
    pipeline_id = (source.pipeline_id or "") if source is not None else ""
    if kind not in (0, STANDARD, HOT_STORAGE, PIPELINE_SINK):
        raise InvalidArgument(f"data_source.type {kind} is not a known TabularDataSourceType")
    if kind != PIPELINE_SINK and pipeline_id:
        raise InvalidArgument("pipeline_id applies to TABULAR_DATA_SOURCE_TYPE_PIPELINE_SINK only")
    if kind == PIPELINE_SINK:
        if not pipeline_id:
            raise InvalidArgument("a pipeline sink source needs pipeline_id")
        try:
            row = ctx.store.one("SELECT organization_id FROM data_pipelines WHERE id = ?", (pipeline_id,))
        except sqlite3.OperationalError:  # the pipelines service is not loaded
            row = None
        if row is None or row["organization_id"] != request.organization_id:
            raise NotFound(f"data pipeline {pipeline_id!r} not found")
        return Source(ctx, request.organization_id, PIPELINE_SINK, pipeline_id)
    if request.use_recent_data:  # the older switch for the hot data store
        kind = HOT_STORAGE
    kind = kind or STANDARD
    return Source(ctx, request.organization_id, kind)
