"""``DataClient``: captured data in and out of the Viam cloud.

Reached as ``ViamClient.data_client``.  It wraps three generated services on
the one authenticated channel: DataService (queries, tags, bounding boxes,
deletes, database access), DatasetService (datasets) and DataSyncService
(uploads).  What it adds over the raw stubs:

* readings come back as plain dicts with datetimes (``DataClient.TabularData``
  for ``tabular_data_by_filter``; dicts for SQL and MQL results);
* ``dest=`` writes results to disk atomically (see ``viam_sdk.app._data.files``
  for the formats: NDJSON for tabular pages, a folder of files plus JSON
  metadata for binary data);
* uploads stream in 64 KiB chunks; ``file_upload_from_path`` reads the file
  piece by piece, so memory stays flat whatever its size;
* every upload argument reaches the server, ``mime_type`` included.

Examples:
    ```python
    async with await ViamClient.create_from_dial_options(opts) as viam:
        data = viam.data_client
        rows, count, last = await data.tabular_data_by_filter(
            DataClient.create_filter(component_name="thermometer"), limit=100
        )
        for row in rows:
            print(row.time_received, row.data)
    ```

The methods live by area in ``viam_sdk.app._data`` (one mixin class per module:
queries, deletes, annotations, datasets, uploads, ...); ``DataClient`` inherits them
all and keeps ``tabular_data_by_filter`` and its iterator, which return ``DataClient.TabularData``
(defined in ``viam_sdk.app._data.tabular``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TypeAlias

from viam_api.app.data.v1 import Filter, Order

from viam_sdk.app._data._positions import page_args
from viam_sdk.app._data.annotations import Annotations
from viam_sdk.app._data.capture_tables import CaptureTables
from viam_sdk.app._data.captures import Captures
from viam_sdk.app._data.captures import TabularDataPoint as _TabularDataPoint
from viam_sdk.app._data.dataset_exports import DatasetExports, DatasetExportSummary
from viam_sdk.app._data.datasets import Datasets
from viam_sdk.app._data.deletes import Deletes
from viam_sdk.app._data.exports import ExportFailure, Exports, ExportSummary
from viam_sdk.app._data.files import read_tabular_file, write_tabular_file
from viam_sdk.app._data.frames import Frames
from viam_sdk.app._data.indexes import Indexes
from viam_sdk.app._data.pipelines import Pipelines
from viam_sdk.app._data.queries import Queries, ValueTypes
from viam_sdk.app._data.query_tables import QueryTables
from viam_sdk.app._data.saved_queries import SavedQueries
from viam_sdk.app._data.sequences import Sequences
from viam_sdk.app._data.tabular import TabularData as _TabularData
from viam_sdk.app._data.tabular import reading_of, tabular_request
from viam_sdk.app._data.uploads import CHUNK_SIZE, Uploads
from viam_sdk.app._data.waiters import Waiters
from viam_sdk.app._timeouts import with_call_timeouts
from viam_sdk.app._waiting import OperationCanceled, OperationFailed, WaitTimeout
from viam_sdk.paging import PageCheckpoint
from viam_sdk.progress import ProgressCallback
from viam_sdk.rpc._policy import DEFAULT, RetryOption

__all__ = [
    "CHUNK_SIZE",
    "DataClient",
    "DatasetExportSummary",
    "ExportFailure",
    "ExportSummary",
    "OperationCanceled",
    "OperationFailed",
    "ValueTypes",
    "WaitTimeout",
    "read_tabular_file",
]


@with_call_timeouts
class DataClient(
    DatasetExports,
    Queries,
    SavedQueries,
    Deletes,
    Annotations,
    Datasets,
    Captures,
    Indexes,
    Uploads,
    Waiters,
    Pipelines,
    Sequences,
    Frames,
    CaptureTables,
    QueryTables,
    Exports,
):
    """Upload, query, tag, annotate and delete captured data; manage datasets.

    Examples:
        ```python
        data = viam_client.data_client
        file_id = await data.file_upload_from_path("/tmp/run.log", part_id=part_id)
        images, _, _ = await data.binary_data_by_filter(DataClient.create_filter(mime_type=["image/jpeg"]))
        ```
    """

    # One reading of ``tabular_data_by_filter``; defined in viam_sdk.app._data.tabular.
    TabularData: TypeAlias = _TabularData

    # One exported reading (``export_tabular_data``); defined in viam_sdk.app._data.captures.
    TabularDataPoint = _TabularDataPoint

    # Kept here, as its return type names DataClient; the other queries are in viam_sdk.app._data.queries.

    async def tabular_data_by_filter(
        self,
        filter: Filter | None = None,
        limit: int | str | None = None,
        sort_order: Order | None = None,
        last: str | None = None,
        count_only: bool = False,
        include_internal_data: bool = False,
        dest: str | None = None,
        *,
        timeout: float | None = None,
        retry: RetryOption = DEFAULT,
    ) -> tuple[list[DataClient.TabularData], int, str]:
        """One page of readings matching ``filter``, with the page's count and its ``last`` token.

        Pass the returned token as ``last`` to get the next page; an empty page
        means there is no more.  With ``dest`` the page is also written there as
        newline-delimited JSON (atomically; read it back with ``read_tabular_file``).

        Args:
            filter: what to select; None selects everything the caller may see.
            limit: readings per page (the server's default, 50, when None).  A str here is
                read as the page token (``last``), as the reference's examples pass it.
            sort_order: ``Order.ORDER_ASCENDING`` (oldest first) or descending (None: newest first).
            last: the token of the previous page; None starts at the top.
            count_only: True returns no readings, only how many match.
            include_internal_data: True also includes Viam's internal captures.
            dest: a file path for the page; None writes nothing.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Returns:
            A tuple ``(readings, count, last)``: ``DataClient.TabularData`` items, the count, and
            the token for the next page.

        Raises:
            ValueError: ``limit`` is negative.
            TypeError: a page token both where ``limit`` stands and as ``last``.
            InvalidArgument: the server refused the query (e.g. a bad ``last`` token).
            PermissionDenied: the filter names an organization the credentials do not reach.
            FileNotFoundError: ``dest`` is in a folder that does not exist.

        Examples:
            ```python
            data = viam_client.data_client
            rows, last = [], None
            while True:
                page, _, last = await data.tabular_data_by_filter(flt, limit=500, last=last)
                if not page:
                    break
                rows += page
            ```
        """
        limit, last = page_args(limit, last, "tabular_data_by_filter")
        if limit is not None and limit < 0:
            raise ValueError(f"limit must not be negative, got {limit}")
        request = tabular_request(
            filter, sort_order, include_internal_data, limit=limit, last=last, count_only=count_only
        )
        response = await self._data_client.tabular_data_by_filter(request)
        rows = [reading_of(response, item) for item in response.data]
        if dest is not None:
            write_tabular_file(dest, ((r.data, r.metadata, r.time_requested, r.time_received) for r in rows))
        return rows, int(response.count), response.last

    async def iter_tabular_data_by_filter(
        self,
        filter: Filter | None = None,
        page_size: int | None = None,
        sort_order: Order | None = None,
        include_internal_data: bool = False,
        *,
        max_items: int | None = None,
        progress: ProgressCallback | None = None,
        timeout: float | None = None,
        checkpoint: PageCheckpoint | None = None,
        retry: RetryOption = DEFAULT,
    ) -> AsyncIterator[DataClient.TabularData]:
        """Every reading matching ``filter``, as ``tabular_data_by_filter`` gives them, across all pages.

        Args:
            filter: what to select; None selects everything the caller may see.
            page_size: readings per request (the server's default, 50, when None).
            sort_order: ``Order.ORDER_ASCENDING`` (oldest first) or descending.
            include_internal_data: True also includes Viam's internal captures.
            max_items: stop after this many readings; None walks every page.
            progress: told the number of readings handed out so far, after each page.
            timeout: seconds to wait for each page's reply; None waits as long as DialOptions allows.
            checkpoint: a ``viam_sdk.paging.PageCheckpoint`` kept up to date with the page and offset of
                each item handed out; pass a saved one to resume the pull where it was.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Returns:
            An async iterator of ``DataClient.TabularData``, one per reading.

        Raises:
            ValueError: ``page_size`` is not a positive integer or ``max_items`` is negative.
            InvalidArgument: the server refused the filter or a page token.
            PermissionDenied: the filter names an organization the credentials do not reach.

        Examples:
            ```python
            data = viam_client.data_client
            async for row in data.iter_tabular_data_by_filter(flt, page_size=1000):
                print(row.time_received, row.data["readings"])
            ```
        """
        request = tabular_request(filter, sort_order, include_internal_data)
        async for row in self._paged(
            self._data_client.tabular_data_by_filter,
            request,
            reading_of,
            page_size=page_size, max_items=max_items, progress=progress, timeout=timeout,
            checkpoint=checkpoint,
        ):
            yield row
