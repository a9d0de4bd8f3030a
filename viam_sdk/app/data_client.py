"""``DataClient``: captured data in and out of the Viam cloud.

Reached as ``ViamClient.data_client``.  It wraps three generated services on
the one authenticated channel: DataService (queries, tags, bounding boxes,
deletes, database access), DatasetService (datasets) and DataSyncService
(uploads).  What it adds over the raw stubs:

* readings come back as plain dicts with datetimes (``DataClient.TabularData``
  for ``tabular_data_by_filter``; dicts for SQL and MQL results);
* ``dest=`` writes results to disk atomically (see ``viam_sdk.app._data_files``
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
queries, deletes, annotations, datasets, uploads); ``DataClient`` inherits them
all and keeps ``DataClient.TabularData`` and ``tabular_data_by_filter``, which returns it.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from viam_api.app.data.v1 import CaptureMetadata, DataRequest, Filter, Order, TabularDataByFilterRequest

from viam_sdk.app._common import (
    building_deprecated,
    call_deprecated,
    naive_utc,
    struct_to_dict,
    with_call_timeouts,
)
from viam_sdk.app._data._positions import page_args
from viam_sdk.app._data.annotations import Annotations
from viam_sdk.app._data.captures import Captures
from viam_sdk.app._data.captures import TabularDataPoint as _TabularDataPoint
from viam_sdk.app._data.datasets import Datasets
from viam_sdk.app._data.deletes import Deletes
from viam_sdk.app._data.frames import Frames
from viam_sdk.app._data.indexes import Indexes
from viam_sdk.app._data.pipelines import Pipelines
from viam_sdk.app._data.queries import Queries, ValueTypes
from viam_sdk.app._data.sequences import Sequences
from viam_sdk.app._data.uploads import CHUNK_SIZE, Uploads
from viam_sdk.app._data_files import read_tabular_file, write_tabular_file

__all__ = ["CHUNK_SIZE", "DataClient", "ValueTypes", "read_tabular_file"]


@with_call_timeouts
class DataClient(
    Queries, Deletes, Annotations, Datasets, Captures, Indexes, Uploads, Pipelines, Sequences, Frames
):
    """Upload, query, tag, annotate and delete captured data; manage datasets.

    Examples:
        ```python
        data = viam_client.data_client
        file_id = await data.file_upload_from_path("/tmp/run.log", part_id=part_id)
        images, _, _ = await data.binary_data_by_filter(DataClient.create_filter(mime_type=["image/jpeg"]))
        ```
    """

    @dataclass(eq=False)
    class TabularData:
        """One reading from ``tabular_data_by_filter``, with its capture metadata.

        ``data`` is the reading as a plain dict; the times are naive datetimes in UTC,
        as the official SDK gives them.
        """

        data: Mapping[str, Any]
        metadata: CaptureMetadata
        # None only when the server left the time out.
        time_requested: datetime.datetime | None
        time_received: datetime.datetime | None

        def __str__(self) -> str:
            meta = self.metadata
            source = "/".join(p for p in (meta.part_name, meta.component_name, meta.method_name) if p)
            requested = self.time_requested.isoformat() if self.time_requested else "?"
            received = self.time_received.isoformat() if self.time_received else "?"
            return f"{source or 'reading'} requested {requested} received {received}: {dict(self.data)}"

        def __eq__(self, other: object) -> bool:
            if not isinstance(other, DataClient.TabularData):
                return NotImplemented
            return (
                dict(self.data) == dict(other.data)
                and bytes(self.metadata) == bytes(other.metadata)
                and self.time_requested == other.time_requested
                and self.time_received == other.time_received
            )

    # One exported reading (``export_tabular_data``); defined in viam_sdk.app._data.captures.
    TabularDataPoint = _TabularDataPoint

    def __repr__(self) -> str:
        # The metadata holds a bearer token: never show it.
        return f"{type(self).__name__}()"

    # Kept beside TabularData, which it returns; the other queries are in viam_sdk.app._data.queries.

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
        # The RPC and its messages are deprecated upstream; this method is not (as in viam-sdk).
        with building_deprecated():
            request = TabularDataByFilterRequest(
                data_request=DataRequest(
                    filter=filter,
                    limit=limit or 0,
                    last=last or "",
                    sort_order=sort_order if sort_order is not None else Order.ORDER_UNSPECIFIED,
                ),
                count_only=count_only,
                include_internal_data=include_internal_data,
            )
        response = await call_deprecated(self._data_client.tabular_data_by_filter(request))
        metadata = response.metadata
        rows: list[DataClient.TabularData] = []
        for item in response.data:
            meta = metadata[item.metadata_index] if item.metadata_index < len(metadata) else CaptureMetadata()
            rows.append(
                DataClient.TabularData(
                    data=struct_to_dict(item.data),
                    metadata=meta,
                    time_requested=naive_utc(item.time_requested),
                    time_received=naive_utc(item.time_received),
                )
            )
        if dest is not None:
            write_tabular_file(dest, ((r.data, r.metadata, r.time_requested, r.time_received) for r in rows))
        return rows, int(response.count), response.last
