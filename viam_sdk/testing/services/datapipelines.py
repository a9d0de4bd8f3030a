"""The emulator's DataPipelinesService: named, scheduled MQL aggregations of an organization.

What it keeps, in SQLite: each pipeline (its BSON stages, cron schedule, data
source, enabled flag, times) and the runs recorded for it.  Names are unique
within an organization (ALREADY_EXISTS otherwise).  A pipeline of an
organization the caller cannot see answers NOT_FOUND; one it can see but not
change (a read-only key) answers PERMISSION_DENIED for writes.

Checked at creation, each answering INVALID_ARGUMENT with a message naming
what is wrong: an empty name, an empty or undecodable ``mql_binary``, a stage
this emulator's MQL engine does not support (``query.mql.check_pipeline``),
and a schedule that is not a five-field cron expression (minute, hour, day of
month, month, day of week; ``*``, ``*/n``, ``a-b``, ``a-b/n`` and lists).

Runs: when a pipeline is created it records one run in state SCHEDULED, for
the first full interval of the schedule after the creation time
(``data_start_time`` .. ``data_end_time``).  Runs execute: once an interval has
ended by the emulator's clock, the run is STARTED, the pipeline's stages run
over the organization's readings received in the interval, the results go to
the pipeline's sink and the run is COMPLETED (FAILED with the error message
otherwise); then the next interval is scheduled.  A background task does
this every few seconds; :func:`run_due` does it at once (see
``_pipeline_runs``).  Backfill runs are not recorded.  :func:`record_run` adds
a run (a test may use it).  ListDataPipelineRuns pages them newest interval
first.  Deleting a pipeline deletes its runs and its sink.

Served: Get, List, Create, Rename, Delete, Enable, Disable, ListDataPipelineRuns.
"""

from __future__ import annotations

import datetime
import sqlite3
from collections.abc import Sequence

import bson
from grpclib.exceptions import GRPCError
from viam_api._runtime import ServiceBase
from viam_api.app.data.v1 import TabularDataSourceType
from viam_api.app.datapipelines.v1 import (
    CreateDataPipelineRequest,
    CreateDataPipelineResponse,
    DataPipeline,
    DataPipelineRun,
    DataPipelineRunStatus,
    DataPipelinesServiceBase,
    DeleteDataPipelineRequest,
    DeleteDataPipelineResponse,
    DisableDataPipelineRequest,
    DisableDataPipelineResponse,
    EnableDataPipelineRequest,
    EnableDataPipelineResponse,
    GetDataPipelineRequest,
    GetDataPipelineResponse,
    ListDataPipelineRunsRequest,
    ListDataPipelineRunsResponse,
    ListDataPipelinesRequest,
    ListDataPipelinesResponse,
    RenameDataPipelineRequest,
    RenameDataPipelineResponse,
)

from ..auth import Identity, caller, require_org, visible_org_ids
from ..context import EmulatorContext
from ..errors import AlreadyExists, InvalidArgument, NotFound
from ..query.mql import MQLError, check_pipeline
from ._cron import next_fire, parse_schedule
from ._data_common import from_micros, to_micros
from ._pipeline_runs import SINK_SCHEMA, record_run, run_due, start_scheduler

__all__ = [
    "SCHEMA",
    "DataPipelinesService",
    "create_services",
    "next_fire",
    "parse_schedule",
    "record_run",
    "run_due",
]

SCHEMA = """
CREATE TABLE IF NOT EXISTS data_pipelines (
    id TEXT PRIMARY KEY,
    organization_id TEXT NOT NULL,
    name TEXT NOT NULL,
    schedule TEXT NOT NULL,
    enabled INTEGER NOT NULL,
    data_source_type INTEGER NOT NULL,
    created_on INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    UNIQUE (organization_id, name)
);
CREATE TABLE IF NOT EXISTS data_pipeline_stages (
    pipeline_id TEXT NOT NULL,
    position INTEGER NOT NULL,
    stage BLOB NOT NULL,
    PRIMARY KEY (pipeline_id, position)
);
CREATE TABLE IF NOT EXISTS data_pipeline_runs (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    pipeline_id TEXT NOT NULL,
    status INTEGER NOT NULL,
    start_time INTEGER,
    end_time INTEGER,
    data_start_time INTEGER,
    data_end_time INTEGER,
    error_message TEXT NOT NULL,
    data_source_type INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS data_pipeline_runs_by_pipeline ON data_pipeline_runs(pipeline_id, data_start_time);
""" + SINK_SCHEMA

_DEFAULT_PAGE = 10
_MAX_PAGE = 100

# -- runs --------------------------------------------------------------------------


def _run(row: sqlite3.Row) -> DataPipelineRun:
    return DataPipelineRun(
        id=row["id"],
        status=DataPipelineRunStatus(row["status"]),
        start_time=from_micros(row["start_time"]),
        end_time=from_micros(row["end_time"]),
        data_start_time=from_micros(row["data_start_time"]),
        data_end_time=from_micros(row["data_end_time"]),
        error_message=row["error_message"],
        data_source_type=TabularDataSourceType(row["data_source_type"]),
    )


# -- the service ---------------------------------------------------------------------


def _check_stages(raw: Sequence[bytes]) -> None:
    if not raw:
        raise InvalidArgument("mql_binary is empty: a pipeline needs at least one aggregation stage")
    stages = []
    for position, item in enumerate(raw):
        try:
            stages.append(bson.decode(item))
        except Exception as exc:  # bson raises several kinds for bad input
            raise InvalidArgument(f"mql_binary stage {position} is not a valid BSON document: {exc}") from None
    try:
        check_pipeline(stages)
    except MQLError as exc:
        raise InvalidArgument(f"mql_binary is not a valid MQL pipeline: {exc}") from None


def _check_schedule(schedule: str, now: datetime.datetime) -> tuple[datetime.datetime, datetime.datetime]:
    """The first full interval of the schedule after ``now``."""
    try:
        first = next_fire(schedule, now)
        return first, next_fire(schedule, first)
    except ValueError as exc:
        raise InvalidArgument(f"schedule {schedule!r} is not a valid cron expression: {exc}") from None


def _check_name(name: str) -> str:
    if not name.strip():
        raise InvalidArgument("a data pipeline needs a name")
    return name


class DataPipelinesService(DataPipelinesServiceBase):
    """DataPipelinesService over the emulator's store."""

    def __init__(self, ctx: EmulatorContext) -> None:
        self.ctx = ctx
        self.store = ctx.store

    def _require(self, ident: Identity, pipeline_id: str, *, write: bool = False) -> sqlite3.Row:
        if not pipeline_id:
            raise InvalidArgument("a data pipeline id is required")
        row = self.store.one("SELECT * FROM data_pipelines WHERE id = ?", (pipeline_id,))
        if row is None or str(row["organization_id"]) not in visible_org_ids(self.ctx, ident):
            raise NotFound(f"data pipeline {pipeline_id!r} not found")
        require_org(self.ctx, ident, str(row["organization_id"]), write=write)
        return row

    def _message(self, row: sqlite3.Row) -> DataPipeline:
        stages = self.store.all(
            "SELECT stage FROM data_pipeline_stages WHERE pipeline_id = ? ORDER BY position", (row["id"],)
        )
        return DataPipeline(
            id=row["id"],
            organization_id=row["organization_id"],
            name=row["name"],
            mql_binary=[bytes(s["stage"]) for s in stages],
            schedule=row["schedule"],
            enabled=bool(row["enabled"]),
            created_on=from_micros(row["created_on"]),
            updated_at=from_micros(row["updated_at"]),
            data_source_type=TabularDataSourceType(row["data_source_type"]),
        )

    def _duplicate(self, org_id: str, name: str) -> GRPCError:
        return AlreadyExists(f"organization {org_id!r} already has a data pipeline named {name!r}")

    async def create_data_pipeline(self, request: CreateDataPipelineRequest) -> CreateDataPipelineResponse:
        ident = caller(self.ctx)
        org_id = request.organization_id
        require_org(self.ctx, ident, org_id, write=True)
        name = _check_name(request.name)
        now = self.ctx.now()
        first, second = _check_schedule(request.schedule, now)
        _check_stages(request.mql_binary)
        source = request.data_source_type
        if source is None or source == TabularDataSourceType.TABULAR_DATA_SOURCE_TYPE_UNSPECIFIED:
            source = TabularDataSourceType.TABULAR_DATA_SOURCE_TYPE_STANDARD
        pipeline_id = self.ctx.new_id()
        try:
            with self.store.transaction() as db:
                db.execute(
                    "INSERT INTO data_pipelines(id, organization_id, name, schedule, enabled, data_source_type, "
                    "created_on, updated_at) VALUES (?,?,?,?,?,?,?,?)",
                    (
                        pipeline_id,
                        org_id,
                        name,
                        request.schedule,
                        1,
                        int(source),
                        to_micros(now),
                        to_micros(now),
                    ),
                )
                db.executemany(
                    "INSERT INTO data_pipeline_stages(pipeline_id, position, stage) VALUES (?,?,?)",
                    [(pipeline_id, i, bytes(s)) for i, s in enumerate(request.mql_binary)],
                )
                db.execute(
                    "INSERT INTO data_pipeline_runs(id, pipeline_id, status, data_start_time, data_end_time, "
                    "error_message, data_source_type) VALUES (?,?,?,?,?,?,?)",
                    (
                        self.ctx.new_id(),
                        pipeline_id,
                        int(DataPipelineRunStatus.DATA_PIPELINE_RUN_STATUS_SCHEDULED),
                        to_micros(first),
                        to_micros(second),
                        "",
                        int(source),
                    ),
                )
        except sqlite3.IntegrityError:
            raise self._duplicate(org_id, name) from None
        return CreateDataPipelineResponse(id=pipeline_id)

    async def get_data_pipeline(self, request: GetDataPipelineRequest) -> GetDataPipelineResponse:
        ident = caller(self.ctx)
        return GetDataPipelineResponse(data_pipeline=self._message(self._require(ident, request.id)))

    async def list_data_pipelines(self, request: ListDataPipelinesRequest) -> ListDataPipelinesResponse:
        ident = caller(self.ctx)
        require_org(self.ctx, ident, request.organization_id)
        rows = self.store.all(
            "SELECT * FROM data_pipelines WHERE organization_id = ? ORDER BY created_on, id",
            (request.organization_id,),
        )
        return ListDataPipelinesResponse(data_pipelines=[self._message(r) for r in rows])

    async def rename_data_pipeline(self, request: RenameDataPipelineRequest) -> RenameDataPipelineResponse:
        ident = caller(self.ctx)
        row = self._require(ident, request.id, write=True)
        name = _check_name(request.name)
        try:
            with self.store.transaction() as db:
                db.execute(
                    "UPDATE data_pipelines SET name = ?, updated_at = ? WHERE id = ?",
                    (name, to_micros(self.ctx.now()), request.id),
                )
        except sqlite3.IntegrityError:
            raise self._duplicate(str(row["organization_id"]), name) from None
        return RenameDataPipelineResponse()

    async def delete_data_pipeline(self, request: DeleteDataPipelineRequest) -> DeleteDataPipelineResponse:
        ident = caller(self.ctx)
        self._require(ident, request.id, write=True)
        with self.store.transaction() as db:
            db.execute("DELETE FROM data_pipeline_runs WHERE pipeline_id = ?", (request.id,))
            db.execute("DELETE FROM data_pipeline_sink WHERE pipeline_id = ?", (request.id,))
            db.execute("DELETE FROM data_pipeline_stages WHERE pipeline_id = ?", (request.id,))
            db.execute("DELETE FROM data_pipelines WHERE id = ?", (request.id,))
        return DeleteDataPipelineResponse()

    def _set_enabled(self, pipeline_id: str, enabled: bool) -> None:
        ident = caller(self.ctx)
        self._require(ident, pipeline_id, write=True)
        with self.store.transaction() as db:
            db.execute(
                "UPDATE data_pipelines SET enabled = ?, updated_at = ? WHERE id = ?",
                (int(enabled), to_micros(self.ctx.now()), pipeline_id),
            )

    async def enable_data_pipeline(self, request: EnableDataPipelineRequest) -> EnableDataPipelineResponse:
        self._set_enabled(request.id, True)
        return EnableDataPipelineResponse()

    async def disable_data_pipeline(self, request: DisableDataPipelineRequest) -> DisableDataPipelineResponse:
        self._set_enabled(request.id, False)
        return DisableDataPipelineResponse()

    async def list_data_pipeline_runs(
        self, request: ListDataPipelineRunsRequest
    ) -> ListDataPipelineRunsResponse:
        ident = caller(self.ctx)
        self._require(ident, request.id)
        size = min(request.page_size or _DEFAULT_PAGE, _MAX_PAGE)
        offset = 0
        if request.page_token:
            if not request.page_token.isdigit():
                raise InvalidArgument(f"page_token {request.page_token!r} is not a token this service handed out")
            offset = int(request.page_token)
        rows = self.store.all(
            "SELECT * FROM data_pipeline_runs WHERE pipeline_id = ? "
            "ORDER BY data_start_time DESC, seq DESC LIMIT ? OFFSET ?",
            (request.id, size + 1, offset),
        )
        more = len(rows) > size
        return ListDataPipelineRunsResponse(
            pipeline_id=request.id,
            runs=[_run(r) for r in rows[:size]],
            next_page_token=str(offset + size) if more else "",
        )


def create_services(ctx: EmulatorContext) -> list[ServiceBase]:
    start_scheduler(ctx)
    return [DataPipelinesService(ctx)]
