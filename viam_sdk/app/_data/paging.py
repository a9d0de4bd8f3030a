"""``DataClient`` auto-paging iterators: every item of a paged query, page after page.

Each ``iter_*`` method takes the arguments of its one-page sibling, less the
token, and hands out items one by one (``async for``; a plain ``for`` on the
blocking client), asking for the next page only when the previous one has
been consumed.  The paging itself (which field carries the token, which one
returns it) is the generic pager of ``viam_sdk.paging``, fed by the
generated ``PAGED_RPCS`` table.

Common keywords:

* ``page_size``: items per request (None: the server's default);
* ``max_items``: stop after that many items (None: all);
* ``progress``: a ``viam_sdk.progress.ProgressCallback``, told the number
  of **items** handed out so far after each page (the total is None until the
  end, where it is the final count);
* ``timeout``: seconds for each request (None: no limit).
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator
from typing import TYPE_CHECKING, Any

from viam_api.app.data.v1 import (
    BinaryData,
    BinaryDataByFilterRequest,
    CaptureMetadata,
    DataRequest,
    Filter,
    GetSequenceBinaryDataRequest,
    ListSequencesRequest,
    Order,
    SequencesByDatasetIDRequest,
    TabularDataByFilterRequest,
    TabularDataByFilterResponse,
)
from viam_api.app.data.v1 import Sequence as ProtoSequence
from viam_api.app.data.v1 import TabularData as ProtoTabularData
from viam_api.app.datapipelines.v1 import ListDataPipelineRunsRequest

from viam_sdk.app._common import building_deprecated, call_deprecated, naive_utc, struct_to_dict
from viam_sdk.app._data._base import DataClientBase
from viam_sdk.app._data.pipelines import Pipelines
from viam_sdk.paging import check_page_size, iter_items, iter_pages, paged_rpc
from viam_sdk.progress import ProgressCallback

if TYPE_CHECKING:
    from viam_sdk.app.data_client import DataClient

_TABULAR = "/viam.app.data.v1.DataService/TabularDataByFilter"
_BINARY = "/viam.app.data.v1.DataService/BinaryDataByFilter"
_SEQUENCES = "/viam.app.data.v1.DataService/ListSequences"
_SEQUENCES_BY_DATASET = "/viam.app.data.v1.DataService/SequencesByDatasetID"
_SEQUENCE_BINARY = "/viam.app.data.v1.DataService/GetSequenceBinaryData"
_PIPELINE_RUNS = "/viam.app.datapipelines.v1.DataPipelinesService/ListDataPipelineRuns"


def _item(_response: Any, item: Any) -> Any:
    return item


def _reading(response: TabularDataByFilterResponse, item: ProtoTabularData) -> DataClient.TabularData:
    from viam_sdk.app.data_client import DataClient

    metadata = response.metadata
    meta = metadata[item.metadata_index] if item.metadata_index < len(metadata) else CaptureMetadata()
    return DataClient.TabularData(
        data=struct_to_dict(item.data),
        metadata=meta,
        time_requested=naive_utc(item.time_requested),
        time_received=naive_utc(item.time_received),
    )


class Paging(DataClientBase):
    """The auto-paging iterators of ``DataClient``."""

    def _tabular_request(
        self, filter: Filter | None, sort_order: Order | None, include_internal_data: bool
    ) -> TabularDataByFilterRequest:
        # The RPC and its messages are deprecated upstream; the iterator is not.
        with building_deprecated():
            return TabularDataByFilterRequest(
                data_request=DataRequest(
                    filter=filter,
                    sort_order=sort_order if sort_order is not None else Order.ORDER_UNSPECIFIED,
                ),
                include_internal_data=include_internal_data,
            )

    def _tabular_pages(
        self,
        filter: Filter | None,
        page_size: int | None,
        sort_order: Order | None,
        include_internal_data: bool,
        timeout: float | None,
    ) -> AsyncGenerator[TabularDataByFilterResponse, None]:
        """Every raw response of a tabular query (the DataFrame and Parquet pulls read these)."""
        stub = self._data_client

        def call(request: TabularDataByFilterRequest) -> Any:
            return call_deprecated(stub.tabular_data_by_filter(request, timeout=timeout))

        request = self._tabular_request(filter, sort_order, include_internal_data)
        return iter_pages(call, request, paged_rpc(_TABULAR), page_size=page_size)

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
        check_page_size(page_size)
        stub = self._data_client

        def call(request: TabularDataByFilterRequest) -> Any:
            return call_deprecated(stub.tabular_data_by_filter(request, timeout=timeout))

        request = self._tabular_request(filter, sort_order, include_internal_data)
        async for row in iter_items(
            call, request, paged_rpc(_TABULAR), _reading, page_size=page_size, max_items=max_items, progress=progress
        ):
            yield row

    async def iter_binary_data_by_filter(
        self,
        filter: Filter | None = None,
        page_size: int | None = None,
        sort_order: Order | None = None,
        include_binary_data: bool = True,
        include_internal_data: bool = False,
        *,
        max_items: int | None = None,
        progress: ProgressCallback | None = None,
        timeout: float | None = None,
    ) -> AsyncIterator[BinaryData]:
        """Every binary item (image, file, ...) matching ``filter``, across all pages.

        Args:
            filter: what to select; None selects everything the caller may see.
            page_size: items per request; None uses the server's default.
            sort_order: ``Order.ORDER_ASCENDING`` (oldest first) or descending.
            include_binary_data: False fetches the metadata only, which keeps pages small.
            include_internal_data: True also includes Viam's internal captures.
            max_items: stop after this many items; None walks every page.
            progress: told the number of items handed out so far, after each page.
            timeout: seconds to wait for each page's reply; None waits as long as DialOptions allows.

        Returns:
            An async iterator of ``BinaryData`` messages (``binary`` empty without the bytes).

        Raises:
            ValueError: ``page_size`` is not a positive integer or ``max_items`` is negative.
            InvalidArgument: the server refused the filter or a page token.
            PermissionDenied: the filter names an organization the credentials do not reach.

        Examples:
            ```python
            data = viam_client.data_client
            async for item in data.iter_binary_data_by_filter(flt, include_binary_data=False):
                print(item.metadata.id, item.metadata.capture_metadata.mime_type)
            ```
        """
        check_page_size(page_size)
        stub = self._data_client
        request = BinaryDataByFilterRequest(
            data_request=DataRequest(
                filter=filter, sort_order=sort_order if sort_order is not None else Order.ORDER_UNSPECIFIED
            ),
            include_binary=include_binary_data,
            include_internal_data=include_internal_data,
        )

        def call(req: BinaryDataByFilterRequest) -> Any:
            return stub.binary_data_by_filter(req, timeout=timeout)

        async for item in iter_items(
            call, request, paged_rpc(_BINARY), _item, page_size=page_size, max_items=max_items, progress=progress
        ):
            yield item

    async def iter_sequences(
        self,
        organization_id: str,
        page_size: int | None = None,
        *,
        max_items: int | None = None,
        progress: ProgressCallback | None = None,
        timeout: float | None = None,
    ) -> AsyncIterator[ProtoSequence]:
        """Every sequence of the organization, oldest first, across all pages.

        Args:
            organization_id: the organization.
            page_size: sequences per request; None uses the server's default.
            max_items: stop after this many sequences; None walks every page.
            progress: told the number of sequences handed out so far, after each page.
            timeout: seconds to wait for each page's reply; None waits as long as DialOptions allows.

        Returns:
            An async iterator of ``Sequence`` messages.

        Raises:
            ValueError: ``page_size`` is not a positive integer or ``max_items`` is negative.
            NotFound: no organization has that ID.
            PermissionDenied: the credentials do not reach the organization.

        Examples:
            ```python
            data = viam_client.data_client
            names = [s.name async for s in data.iter_sequences(org_id)]
            ```
        """
        check_page_size(page_size)
        stub = self._data_client

        def call(req: ListSequencesRequest) -> Any:
            return stub.list_sequences(req, timeout=timeout)

        async for seq in iter_items(
            call,
            ListSequencesRequest(organization_id=organization_id),
            paged_rpc(_SEQUENCES),
            _item,
            page_size=page_size,
            max_items=max_items,
            progress=progress,
        ):
            yield seq

    async def iter_sequences_by_dataset_id(
        self,
        dataset_id: str,
        page_size: int | None = None,
        *,
        max_items: int | None = None,
        progress: ProgressCallback | None = None,
        timeout: float | None = None,
    ) -> AsyncIterator[ProtoSequence]:
        """Every sequence in dataset ``dataset_id``, across all pages.

        Args:
            dataset_id: the dataset.
            page_size: sequences per request; None uses the server's default.
            max_items: stop after this many sequences; None walks every page.
            progress: told the number of sequences handed out so far, after each page.
            timeout: seconds to wait for each page's reply; None waits as long as DialOptions allows.

        Returns:
            An async iterator of ``Sequence`` messages.

        Raises:
            ValueError: ``page_size`` is not a positive integer or ``max_items`` is negative.
            NotFound: no dataset has that ID.

        Examples:
            ```python
            data = viam_client.data_client
            async for seq in data.iter_sequences_by_dataset_id(dataset_id):
                print(seq.id, seq.start_time)
            ```
        """
        check_page_size(page_size)
        stub = self._data_client

        def call(req: SequencesByDatasetIDRequest) -> Any:
            return stub.sequences_by_dataset_id(req, timeout=timeout)

        async for seq in iter_items(
            call,
            SequencesByDatasetIDRequest(dataset_id=dataset_id),
            paged_rpc(_SEQUENCES_BY_DATASET),
            _item,
            page_size=page_size,
            max_items=max_items,
            progress=progress,
        ):
            yield seq

    async def iter_sequence_binary_data(
        self,
        sequence_id: str,
        page_size: int | None = None,
        *,
        max_items: int | None = None,
        progress: ProgressCallback | None = None,
        timeout: float | None = None,
    ) -> AsyncIterator[BinaryData]:
        """Every binary item of the sequence (bytes included), oldest capture first.

        Args:
            sequence_id: the sequence.
            page_size: items per request; None uses the server's default.
            max_items: stop after this many items; None walks every page.
            progress: told the number of items handed out so far, after each page.
            timeout: seconds to wait for each page's reply; None waits as long as DialOptions allows.

        Returns:
            An async iterator of ``BinaryData`` messages with their bytes.

        Raises:
            ValueError: ``page_size`` is not a positive integer or ``max_items`` is negative.
            NotFound: no sequence has that ID.

        Examples:
            ```python
            data = viam_client.data_client
            async for frame in data.iter_sequence_binary_data(seq_id, page_size=10):
                print(len(frame.binary), "bytes")
            ```
        """
        check_page_size(page_size)
        stub = self._data_client

        def call(req: GetSequenceBinaryDataRequest) -> Any:
            return stub.get_sequence_binary_data(req, timeout=timeout)

        async for item in iter_items(
            call,
            GetSequenceBinaryDataRequest(sequence_id=sequence_id),
            paged_rpc(_SEQUENCE_BINARY),
            _item,
            page_size=page_size,
            max_items=max_items,
            progress=progress,
        ):
            yield item

    async def iter_data_pipeline_runs(
        self,
        id: str,
        page_size: int | None = None,
        *,
        max_items: int | None = None,
        progress: ProgressCallback | None = None,
        timeout: float | None = None,
    ) -> AsyncIterator[Pipelines.DataPipelineRun]:
        """Every run of the pipeline, newest first, across all pages.

        Args:
            id: the data pipeline's ID.
            page_size: runs per request; None uses the server's default.
            max_items: stop after this many runs; None walks every page.
            progress: told the number of runs handed out so far, after each page.
            timeout: seconds to wait for each page's reply; None waits as long as DialOptions allows.

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
        check_page_size(page_size)
        stub = self._data_pipelines_client

        def call(req: ListDataPipelineRunsRequest) -> Any:
            return stub.list_data_pipeline_runs(req, timeout=timeout)

        def run(_response: Any, item: Any) -> Pipelines.DataPipelineRun:
            return Pipelines.DataPipelineRun.from_proto(item)

        async for item in iter_items(
            call,
            ListDataPipelineRunsRequest(id=id),
            paged_rpc(_PIPELINE_RUNS),
            run,
            page_size=page_size,
            max_items=max_items,
            progress=progress,
        ):
            yield item


__all__ = ["Paging"]
