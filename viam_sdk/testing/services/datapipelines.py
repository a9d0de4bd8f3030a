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
``backends/pipelines.py`` and ``_pipeline_runs``).  Backfill runs are not recorded.  :func:`record_run` adds
a run (a test may use it).  ListDataPipelineRuns pages them newest interval
first.  Deleting a pipeline deletes its runs and its sink.

Served: Get, List, Create, Rename, Delete, Enable, Disable, ListDataPipelineRuns.
"""

from __future__ import annotations

from viam_api._runtime import ServiceBase
from viam_api.app.datapipelines.v1 import (
    CreateDataPipelineRequest,
    CreateDataPipelineResponse,
    DataPipeline,
    DataPipelineRun,
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
from ..backends.cron import next_fire, parse_schedule
from ..backends.pipelines import SCHEMA, Pipeline, PipelineRun, PipelinesBackend, record_run, run_due
from ..context import EmulatorContext
from ..errors import InvalidArgument, NotFound
from ._pipeline_runs import start_scheduler

__all__ = [
    "SCHEMA",
    "DataPipelinesService",
    "create_services",
    "next_fire",
    "parse_schedule",
    "record_run",
    "run_due",
]

_DEFAULT_PAGE = 10
_MAX_PAGE = 100


def _run(run: PipelineRun) -> DataPipelineRun:
    return DataPipelineRun(
        id=run.id,
        status=run.status,
        start_time=run.start_time,
        end_time=run.end_time,
        data_start_time=run.data_start_time,
        data_end_time=run.data_end_time,
        error_message=run.error_message,
        data_source_type=run.data_source_type,
    )


class DataPipelinesService(DataPipelinesServiceBase):
    """DataPipelinesService over the emulator's store."""

    def __init__(self, ctx: EmulatorContext) -> None:
        self.ctx = ctx
        self.pipelines = PipelinesBackend(ctx)

    def _require(self, ident: Identity, pipeline_id: str, *, write: bool = False) -> Pipeline:
        if not pipeline_id:
            raise InvalidArgument("a data pipeline id is required")
        pipeline = self.pipelines.find(pipeline_id)
        if pipeline is None or pipeline.organization_id not in visible_org_ids(self.ctx, ident):
            raise NotFound(f"data pipeline {pipeline_id!r} not found")
        require_org(self.ctx, ident, pipeline.organization_id, write=write)
        return pipeline

    def _message(self, pipeline: Pipeline) -> DataPipeline:
        return DataPipeline(
            id=pipeline.id,
            organization_id=pipeline.organization_id,
            name=pipeline.name,
            mql_binary=self.pipelines.stages(pipeline.id),
            schedule=pipeline.schedule,
            enabled=pipeline.enabled,
            created_on=pipeline.created_on,
            updated_at=pipeline.updated_at,
            data_source_type=pipeline.data_source_type,
        )

    async def create_data_pipeline(self, request: CreateDataPipelineRequest) -> CreateDataPipelineResponse:
        ident = caller(self.ctx)
        require_org(self.ctx, ident, request.organization_id, write=True)
        pipeline_id = self.pipelines.create(
            request.organization_id, request.name, request.schedule, request.mql_binary, request.data_source_type
        )
        return CreateDataPipelineResponse(id=pipeline_id)

    async def get_data_pipeline(self, request: GetDataPipelineRequest) -> GetDataPipelineResponse:
        ident = caller(self.ctx)
        return GetDataPipelineResponse(data_pipeline=self._message(self._require(ident, request.id)))

    async def list_data_pipelines(self, request: ListDataPipelinesRequest) -> ListDataPipelinesResponse:
        ident = caller(self.ctx)
        require_org(self.ctx, ident, request.organization_id)
        pipelines = self.pipelines.of_organization(request.organization_id)
        return ListDataPipelinesResponse(data_pipelines=[self._message(p) for p in pipelines])

    async def rename_data_pipeline(self, request: RenameDataPipelineRequest) -> RenameDataPipelineResponse:
        ident = caller(self.ctx)
        pipeline = self._require(ident, request.id, write=True)
        self.pipelines.rename(pipeline, request.name)
        return RenameDataPipelineResponse()

    async def delete_data_pipeline(self, request: DeleteDataPipelineRequest) -> DeleteDataPipelineResponse:
        ident = caller(self.ctx)
        self._require(ident, request.id, write=True)
        self.pipelines.delete(request.id)
        return DeleteDataPipelineResponse()

    def _set_enabled(self, pipeline_id: str, enabled: bool) -> None:
        ident = caller(self.ctx)
        self._require(ident, pipeline_id, write=True)
        self.pipelines.set_enabled(pipeline_id, enabled)

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
        runs = self.pipelines.runs(request.id, offset=offset, limit=size + 1)
        more = len(runs) > size
        return ListDataPipelineRunsResponse(
            pipeline_id=request.id,
            runs=[_run(r) for r in runs[:size]],
            next_page_token=str(offset + size) if more else "",
        )


def create_services(ctx: EmulatorContext) -> list[ServiceBase]:
    start_scheduler(ctx)
    return [DataPipelinesService(ctx)]
