"""``DataClient`` methods for data pipelines (DataPipelinesService).

A data pipeline is a named MQL aggregation plus a cron schedule: the cloud runs
the aggregation over each interval of the schedule and keeps the results for
``tabular_data_by_mql(..., pipeline_id=...)``.  These methods create, read,
rename and delete pipelines and page through their runs.  The values they
return are the nested classes ``Pipelines.DataPipeline``, ``DataPipelineRun``
and ``DataPipelineRunsPage``, reached as ``DataClient.DataPipeline`` and so on.

Times are naive UTC datetimes, as the official SDK gives them.  A time the
server left unset (a run that has not ended yet, say) comes back as the Unix
epoch, 1970-01-01 00:00, so the fields are always datetimes.
"""

from __future__ import annotations

import datetime
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from viam_api.app.data.v1 import TabularDataSourceType
from viam_api.app.datapipelines.v1 import (
    CreateDataPipelineRequest,
    DataPipelineRunStatus,
    DeleteDataPipelineRequest,
    DisableDataPipelineRequest,
    EnableDataPipelineRequest,
    GetDataPipelineRequest,
    ListDataPipelineRunsRequest,
    ListDataPipelineRunsResponse,
    ListDataPipelinesRequest,
    RenameDataPipelineRequest,
)
from viam_api.app.datapipelines.v1 import DataPipeline as ProtoDataPipeline
from viam_api.app.datapipelines.v1 import DataPipelineRun as ProtoDataPipelineRun

from viam_sdk.app._convert import naive_utc
from viam_sdk.app._data._base import DataClientBase
from viam_sdk.paging import PageCheckpoint, each
from viam_sdk.progress import ProgressCallback
from viam_sdk.rpc._policy import DEFAULT, RetryOption

_EPOCH = datetime.datetime(1970, 1, 1)


def _time(value: datetime.datetime | None) -> datetime.datetime:
    return _EPOCH if value is None else naive_utc(value)


def _encode_stages(stages: Sequence[Any], what: str) -> list[bytes]:
    """Each aggregation stage as BSON bytes (a dict is encoded; bytes pass unchanged)."""
    import bson

    out: list[bytes] = []
    for position, stage in enumerate(stages):
        if isinstance(stage, (bytes, bytearray, memoryview)):
            out.append(bytes(stage))
        elif isinstance(stage, dict) or hasattr(stage, "keys"):
            out.append(bson.encode(stage))
        else:
            raise TypeError(f"{what}: stage {position} is a {type(stage).__name__}, not a dict or BSON bytes")
    return out


def _decode_stages(raw: Sequence[bytes]) -> list[dict[str, Any]]:
    """BSON stages back to dicts (datetimes inside them come back naive, in UTC, as bson gives them)."""
    import bson
    from bson.codec_options import CodecOptions

    options: CodecOptions[dict[str, Any]] = CodecOptions(tz_aware=False)
    return [bson.decode(item, codec_options=options) for item in raw]


def _source(value: TabularDataSourceType | None) -> TabularDataSourceType:
    return TabularDataSourceType.TABULAR_DATA_SOURCE_TYPE_UNSPECIFIED if value is None else value


class Pipelines(DataClientBase):
    """Data pipelines and their runs."""

    @dataclass
    class DataPipeline:
        """A data pipeline: an MQL aggregation that the cloud runs over an organization's readings on a schedule."""

        id: str
        organization_id: str
        name: str
        # The aggregation, one dict per stage ({"$match": ...}, {"$group": ...}, ...).
        mql_binary: list[dict[str, Any]]
        # A cron expression, in UTC; each run covers one interval of it.
        schedule: str
        created_on: datetime.datetime
        updated_at: datetime.datetime
        enabled: bool
        # Which readings the pipeline reads (a TabularDataSourceType value).
        data_source_type: int

        @classmethod
        def from_proto(cls, data_pipeline: ProtoDataPipeline) -> Pipelines.DataPipeline:
            """Build one from the API's ``DataPipeline`` message."""
            return cls(
                id=data_pipeline.id,
                organization_id=data_pipeline.organization_id,
                name=data_pipeline.name,
                mql_binary=_decode_stages(data_pipeline.mql_binary),
                schedule=data_pipeline.schedule,
                created_on=_time(data_pipeline.created_on),
                updated_at=_time(data_pipeline.updated_at),
                enabled=data_pipeline.enabled,
                data_source_type=_source(data_pipeline.data_source_type),
            )

    @dataclass
    class DataPipelineRun:
        """One execution of a pipeline over one interval of data."""

        id: str
        # A DataPipelineRunStatus value: scheduled, started, completed or failed.
        status: int
        start_time: datetime.datetime
        end_time: datetime.datetime
        # The interval of captured data the run covers.
        data_start_time: datetime.datetime
        data_end_time: datetime.datetime
        # Empty unless the run failed.
        error_message: str
        data_source_type: int

        @classmethod
        def from_proto(cls, data_pipeline_run: ProtoDataPipelineRun) -> Pipelines.DataPipelineRun:
            """Build one from the API's ``DataPipelineRun`` message."""
            status = data_pipeline_run.status
            return cls(
                id=data_pipeline_run.id,
                status=(
                    DataPipelineRunStatus.DATA_PIPELINE_RUN_STATUS_UNSPECIFIED if status is None else status
                ),
                start_time=_time(data_pipeline_run.start_time),
                end_time=_time(data_pipeline_run.end_time),
                data_start_time=_time(data_pipeline_run.data_start_time),
                data_end_time=_time(data_pipeline_run.data_end_time),
                error_message=data_pipeline_run.error_message,
                data_source_type=_source(data_pipeline_run.data_source_type),
            )

    @dataclass
    class DataPipelineRunsPage:
        """One page of a pipeline's runs, newest first; ``await page.next_page()`` fetches the one after.

        Examples:
            ```python
            data = viam_client.data_client
            page = await data.list_data_pipeline_runs(pipeline_id, page_size=20)
            while page.runs:
                for run in page.runs:
                    print(run.id, run.status)
                page = await page.next_page()
            ```
        """

        _client: Pipelines
        pipeline_id: str
        page_size: int
        runs: list[Pipelines.DataPipelineRun]
        # Empty on the last page.
        next_page_token: str

        async def next_page(self) -> Pipelines.DataPipelineRunsPage:
            """The following page; past the last one, a page with no runs (no request is made then)."""
            if not self.next_page_token:
                return Pipelines.DataPipelineRunsPage(
                    _client=self._client,
                    pipeline_id=self.pipeline_id,
                    page_size=self.page_size,
                    runs=[],
                    next_page_token="",
                )
            return await self._client._list_data_pipeline_runs(
                self.pipeline_id, self.page_size, self.next_page_token
            )

        @classmethod
        def from_proto(
            cls, data_pipeline_runs_page: ListDataPipelineRunsResponse, client: Pipelines, page_size: int
        ) -> Pipelines.DataPipelineRunsPage:
            """Build one from a ``ListDataPipelineRunsResponse``; ``client`` fetches the later pages."""
            return cls(
                _client=client,
                pipeline_id=data_pipeline_runs_page.pipeline_id,
                page_size=page_size,
                runs=[Pipelines.DataPipelineRun.from_proto(run) for run in data_pipeline_runs_page.runs],
                next_page_token=data_pipeline_runs_page.next_page_token,
            )

        def __repr__(self) -> str:
            # The client holds a bearer token: leave it out.
            return (
                f"DataPipelineRunsPage(pipeline_id={self.pipeline_id!r}, page_size={self.page_size}, "
                f"runs={self.runs!r}, next_page_token={self.next_page_token!r})"
            )

    async def create_data_pipeline(
        self,
        organization_id: str,
        name: str,
        mql_binary: Sequence[Mapping[str, Any] | bytes],
        schedule: str,
        enable_backfill: bool,
        data_source_type: TabularDataSourceType = TabularDataSourceType.TABULAR_DATA_SOURCE_TYPE_STANDARD,
        *,
        timeout: float | None = None,
        retry: RetryOption = DEFAULT,
    ) -> str:
        """Make a pipeline in the organization.

        Args:
            organization_id: the organization that owns the pipeline and whose readings it reads.
            name: unique within the organization.
            mql_binary: the aggregation, one stage per item, as a dict
                (``{"$match": {...}}``) or as BSON bytes already encoded.
            schedule: a cron expression in UTC (``"0 * * * *"``: hourly); each run
                processes the data of one interval of it.
            enable_backfill: True also schedules runs for the organization's earlier data.
            data_source_type: which store the pipeline reads (standard by default).
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Returns:
            The new pipeline's ID.

        Raises:
            TypeError: a stage is neither a dict nor bytes (nothing is sent).
            InvalidArgument: a bad schedule or stage (the message names it).
            AlreadyExists: the organization already has a pipeline of that name.
            PermissionDenied: the caller cannot write to the organization.

        Examples:
            ```python
            data = viam_client.data_client
            pipeline_id = await data.create_data_pipeline(
                org_id, "hourly-means",
                [{"$group": {"_id": "$component_name", "mean": {"$avg": "$data.readings.t"}}}],
                "0 * * * *", enable_backfill=False,
            )
            ```
        """
        request = CreateDataPipelineRequest(
            organization_id=organization_id,
            name=name,
            mql_binary=_encode_stages(mql_binary, "create_data_pipeline"),
            schedule=schedule,
            enable_backfill=enable_backfill,
            data_source_type=TabularDataSourceType(data_source_type),
        )
        response = await self._data_pipelines_client.create_data_pipeline(request)
        return response.id

    async def get_data_pipeline(self, id: str, *, timeout: float | None = None, retry: RetryOption = DEFAULT) -> Pipelines.DataPipeline:
        """The pipeline ``id``.

        Args:
            id: the pipeline's ID.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Returns:
            A ``DataClient.DataPipeline`` (name, stages as dicts, schedule, enabled, times).

        Raises:
            NotFound: there is no pipeline with that ID the caller can see.

        Examples:
            ```python
            data = viam_client.data_client
            pipeline = await data.get_data_pipeline(pipeline_id)
            print(pipeline.name, pipeline.schedule, pipeline.mql_binary)
            ```
        """
        response = await self._data_pipelines_client.get_data_pipeline(GetDataPipelineRequest(id=id))
        # a server that leaves the pipeline out gets an empty one, as the official SDK reads it
        return Pipelines.DataPipeline.from_proto(response.data_pipeline or ProtoDataPipeline())

    async def list_data_pipelines(
        self, organization_id: str, *, timeout: float | None = None, retry: RetryOption = DEFAULT
    ) -> list[Pipelines.DataPipeline]:
        """Every pipeline of the organization.

        Args:
            organization_id: the organization.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Returns:
            A list of ``DataClient.DataPipeline``.

        Raises:
            NotFound: no organization has that ID.
            PermissionDenied: the credentials do not reach the organization.

        Examples:
            ```python
            data = viam_client.data_client
            names = [p.name for p in await data.list_data_pipelines(org_id)]
            ```
        """
        response = await self._data_pipelines_client.list_data_pipelines(
            ListDataPipelinesRequest(organization_id=organization_id)
        )
        return [Pipelines.DataPipeline.from_proto(p) for p in response.data_pipelines]

    async def rename_data_pipeline(self, id: str, name: str, *, timeout: float | None = None, retry: RetryOption = DEFAULT) -> None:
        """Give the pipeline ``id`` a new name.

        Args:
            id: the pipeline's ID.
            name: its new name, unique within the organization.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Raises:
            ValueError: ``id`` or ``name`` is empty (checked before any request).
            NotFound: no pipeline has that ID.
            AlreadyExists: another pipeline of the organization has that name.

        Examples:
            ```python
            data = viam_client.data_client
            await data.rename_data_pipeline(pipeline_id, "daily-means")
            ```
        """
        if not id or not name:
            raise ValueError("rename_data_pipeline needs both an id and a new name")
        await self._data_pipelines_client.rename_data_pipeline(RenameDataPipelineRequest(id=id, name=name))

    async def enable_data_pipeline(self, id: str, *, timeout: float | None = None, retry: RetryOption = DEFAULT) -> None:
        """Resume the scheduled runs of the pipeline ``id`` (enabling an enabled one changes nothing).

        Args:
            id: the pipeline's ID.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Raises:
            NotFound: no pipeline has that ID.
            PermissionDenied: the caller cannot write to the pipeline's organization.

        Examples:
            ```python
            data = viam_client.data_client
            await data.enable_data_pipeline(pipeline_id)
            ```
        """
        await self._data_pipelines_client.enable_data_pipeline(EnableDataPipelineRequest(id=id))

    async def disable_data_pipeline(self, id: str, *, timeout: float | None = None, retry: RetryOption = DEFAULT) -> None:
        """Pause the pipeline ``id``: no run starts until it is enabled again; its sink stays readable.

        Args:
            id: the pipeline's ID.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Raises:
            NotFound: no pipeline has that ID.
            PermissionDenied: the caller cannot write to the pipeline's organization.

        Examples:
            ```python
            data = viam_client.data_client
            await data.disable_data_pipeline(pipeline_id)
            ```
        """
        await self._data_pipelines_client.disable_data_pipeline(DisableDataPipelineRequest(id=id))

    async def delete_data_pipeline(self, id: str, *, timeout: float | None = None, retry: RetryOption = DEFAULT) -> None:
        """Delete the pipeline ``id`` and the record of its runs.

        Args:
            id: the pipeline's ID.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Raises:
            NotFound: no pipeline has that ID.
            PermissionDenied: the caller cannot write to the pipeline's organization.

        Examples:
            ```python
            data = viam_client.data_client
            await data.delete_data_pipeline(pipeline_id)
            ```
        """
        await self._data_pipelines_client.delete_data_pipeline(DeleteDataPipelineRequest(id=id))

    async def list_data_pipeline_runs(
        self, id: str, page_size: int = 10, *, timeout: float | None = None, retry: RetryOption = DEFAULT
    ) -> Pipelines.DataPipelineRunsPage:
        """The first page of the pipeline's runs, newest first; ``next_page()`` walks on.

        Args:
            id: the pipeline.
            page_size: runs per page (0 lets the server choose).
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Returns:
            A ``DataClient.DataPipelineRunsPage`` holding ``runs`` and the token of the next page.

        Raises:
            ValueError: ``page_size`` is negative.
            NotFound: no pipeline has that ID.

        Examples:
            ```python
            data = viam_client.data_client
            page = await data.list_data_pipeline_runs(pipeline_id)
            while page.runs:
                failed = [r for r in page.runs if r.error_message]
                page = await page.next_page()
            ```
        """
        return await self._list_data_pipeline_runs(id, page_size)

    async def _list_data_pipeline_runs(
        self, id: str, page_size: int, page_token: str = ""
    ) -> Pipelines.DataPipelineRunsPage:
        # The page keeps this client to fetch the pages after it.
        if page_size < 0:
            raise ValueError(f"page_size must not be negative, got {page_size}")
        response = await self._data_pipelines_client.list_data_pipeline_runs(
            ListDataPipelineRunsRequest(id=id, page_size=page_size, page_token=page_token)
        )
        return Pipelines.DataPipelineRunsPage.from_proto(response, self, page_size)

    async def iter_data_pipeline_runs(
        self,
        id: str,
        page_size: int | None = None,
        *,
        max_items: int | None = None,
        progress: ProgressCallback | None = None,
        timeout: float | None = None,
        checkpoint: PageCheckpoint | None = None,
        retry: RetryOption = DEFAULT,
    ) -> AsyncIterator[Pipelines.DataPipelineRun]:
        """Every run of the pipeline, newest first, across all pages.

        Args:
            id: the data pipeline's ID.
            page_size: runs per request; None uses the server's default.
            max_items: stop after this many runs; None walks every page.
            progress: told the number of runs handed out so far, after each page.
            timeout: seconds to wait for each page's reply; None waits as long as DialOptions allows.
            checkpoint: a ``viam_sdk.paging.PageCheckpoint`` kept up to date with the page and offset of
                each item handed out; pass a saved one to resume the pull where it was.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Returns:
            An async iterator of ``DataClient.DataPipelineRun`` objects.

        Raises:
            ValueError: ``page_size`` is not a positive integer or ``max_items`` is negative.
            NotFound: no data pipeline has that ID.
            PermissionDenied: the credentials do not reach the pipeline's organization.

        Examples:
            ```python
            data = viam_client.data_client
            failed = [r async for r in data.iter_data_pipeline_runs(pipeline_id) if r.error_message]
            ```
        """
        request = ListDataPipelineRunsRequest(id=id)
        runs = each(Pipelines.DataPipelineRun.from_proto)
        async for run in self._paged(
            self._data_pipelines_client.list_data_pipeline_runs,
            request,
            runs,
            page_size=page_size,
            max_items=max_items,
            progress=progress,
            timeout=timeout,
            checkpoint=checkpoint,
        ):
            yield run


# The page is also a module-level name, so the blocking facade can give it a twin
# (tools/sync_facade.py TARGETS).
DataPipelineRunsPage = Pipelines.DataPipelineRunsPage
