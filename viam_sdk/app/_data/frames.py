"""``DataClient`` pulls of readings by filter into pandas, Arrow, polars and Parquet (optional extras).

The columns are described in ``viam_sdk.dataframes``; the tables are made by
``viam_sdk.app._data.tables``, as for every other tabular source.  Each pull
reads the pages of ``TabularDataByFilter`` from the generic pager
(``ClientBase._pages``); ``progress`` (a ``viam_sdk.progress.ProgressCallback``)
is told the number of **rows** pulled after each page.  The Parquet pull writes
each page as it arrives, so its memory stays that of one page whatever the total.

Why these pulls stay on ``TabularDataByFilter``, which the API marks deprecated:
no other RPC serves the same rows.  ``ExportTabularData`` reads one resource of
one part at a time and gives only the capture time (no ``time_received``), so a
filter over machines, locations or tags cannot be answered by it; SQL and MQL
need one organization ID, have no page token (a pull of millions of rows would
need a sorted, keyset-paged query per page, each answered whole within the
server's result budget), and give their own documents rather than the capture
metadata per reading.  The other sources have table pulls of their own
(``export_tabular_data_to_*``, ``tabular_data_by_sql_to_*``,
``tabular_data_by_mql_to_*``, ``latest_tabular_data_to_*``).
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Sequence
from contextlib import aclosing
from typing import TYPE_CHECKING, Any

from viam_api.app.data.v1 import Filter, Order

from viam_sdk import dataframes
from viam_sdk.app._data import tables
from viam_sdk.app._data._base import DataClientBase
from viam_sdk.app._data.tabular import tabular_request
from viam_sdk.paging import check_max_items
from viam_sdk.progress import ProgressCallback
from viam_sdk.rpc._policy import DEFAULT, RetryOption

if TYPE_CHECKING:
    from pandas import DataFrame
    from polars import DataFrame as PolarsFrame
    from pyarrow import Schema, Table
else:  # the libraries are optional: the blocking twin sees plain ``Any``
    DataFrame = PolarsFrame = Schema = Table = Any

__all__ = ["FRAME_PAGE_SIZE", "Frames"]

# Rows per request of a table pull: big pages, few round trips (the emulator
# takes up to 100,000; pass a smaller page_size to a server that takes fewer).
FRAME_PAGE_SIZE = 10_000


class Frames(DataClientBase):
    """Tabular data straight into a DataFrame, an Arrow table or a Parquet file."""

    def _filter_source(
        self,
        filter: Filter | None,
        page_size: int | None,
        sort_order: Order | None,
        include_internal_data: bool,
        max_items: int | None,
        progress: ProgressCallback | None,
        timeout: float | None,
    ) -> tables.Source:
        """The pages of ``TabularDataByFilter`` as pages of rows (see ``viam_sdk.app._data.tables``)."""
        check_max_items(max_items)
        size = page_size or FRAME_PAGE_SIZE
        if max_items is not None:
            size = max(1, min(size, max_items))  # ask for no more rows than are wanted
        responses = self._pages(
            self._data_client.tabular_data_by_filter,
            tabular_request(filter, sort_order, include_internal_data),
            page_size=size,
            max_items=max_items,
            progress=progress,
            timeout=timeout,
        )

        async def pages() -> AsyncIterator[dataframes.Columns]:
            columns = dataframes.Columns()
            async with aclosing(responses):
                async for response in responses:
                    columns.add_response(response)
                    yield columns
                    columns.clear()

        return tables.Source(pages())

    async def tabular_data_to_dataframe(
        self,
        filter: Filter | None = None,
        page_size: int | None = None,
        sort_order: Order | None = None,
        include_internal_data: bool = False,
        *,
        max_items: int | None = None,
        progress: ProgressCallback | None = None,
        timeout: float | None = None,
        retry: RetryOption = DEFAULT,
    ) -> DataFrame:
        """Every reading matching ``filter`` as one pandas DataFrame (columns: ``viam_sdk.dataframes``).

        Args:
            filter: what to select; None selects everything the caller may see.
            page_size: rows per request (``FRAME_PAGE_SIZE``, 10,000, when None).
            sort_order: ``Order.ORDER_ASCENDING`` (oldest first) or descending (None: the server's order).
            include_internal_data: True also includes Viam's internal captures.
            max_items: stop after this many rows (None: all).
            progress: told the number of rows pulled so far, after each page.
            timeout: seconds for the whole pull, shared by its requests (None: no limit).
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Returns:
            A DataFrame, one row per reading; ``time_requested``/``time_received``
            are ``datetime64[ns, UTC]``.

        Raises:
            ImportError: pandas is missing (install the ``pandas`` extra).
            ValueError: ``max_items`` is negative.
            InvalidArgument: the filter or ``page_size`` is refused by the server.
            PermissionDenied: the filter names an organization the credentials do not reach.

        Examples:
            ```python
            from viam_sdk.app.data_client import DataClient

            data = viam_client.data_client
            df = await data.tabular_data_to_dataframe(DataClient.create_filter(component_name="thermo"))
            print(df.groupby("part_name")["readings.celsius"].mean())
            ```
        """
        source = self._filter_source(
            filter, page_size, sort_order, include_internal_data, max_items, progress, timeout
        )
        return await tables.dataframe(source)

    async def tabular_data_to_arrow(
        self,
        filter: Filter | None = None,
        page_size: int | None = None,
        sort_order: Order | None = None,
        include_internal_data: bool = False,
        *,
        schema: Schema | None = None,
        max_items: int | None = None,
        progress: ProgressCallback | None = None,
        timeout: float | None = None,
        retry: RetryOption = DEFAULT,
    ) -> Table:
        """Every reading matching ``filter`` as one Arrow table, built page by page.

        Args:
            filter: what to select; None selects everything the caller may see.
            page_size: rows per request (``FRAME_PAGE_SIZE``, 10,000, when None).
            sort_order: ``Order.ORDER_ASCENDING`` (oldest first) or descending (None: the server's order).
            include_internal_data: True also includes Viam's internal captures.
            schema: fixes the columns and their types; None infers them from the first page.
            max_items: stop after this many rows (None: all).
            progress: told the number of rows pulled so far, after each page.
            timeout: seconds for the whole pull, shared by its requests (None: no limit).
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Returns:
            A ``pyarrow.Table``, one row per reading (an empty table with the schema when none match).

        Raises:
            ImportError: pyarrow is missing (install the ``arrow`` extra).
            ValueError: a later page has a column or a value type the schema
                does not (the message names it), or ``max_items`` is negative.
            InvalidArgument: the filter or ``page_size`` is refused by the server.
            PermissionDenied: the filter names an organization the credentials do not reach.

        Examples:
            ```python
            data = viam_client.data_client
            table = await data.tabular_data_to_arrow(flt)
            print(table.num_rows, table.schema)
            ```
        """
        source = self._filter_source(
            filter, page_size, sort_order, include_internal_data, max_items, progress, timeout
        )
        return await tables.arrow(source, schema)

    async def tabular_data_to_parquet(
        self,
        dest: str | os.PathLike[str],
        filter: Filter | None = None,
        page_size: int | None = None,
        sort_order: Order | None = None,
        include_internal_data: bool = False,
        *,
        schema: Schema | None = None,
        compression: str = "zstd",
        partition_by: Sequence[str] | None = None,
        max_items: int | None = None,
        progress: ProgressCallback | None = None,
        timeout: float | None = None,
        retry: RetryOption = DEFAULT,
    ) -> int:
        """Write every reading matching ``filter`` to Parquet: one file, or a Hive-partitioned dataset.

        Only about one page is held in memory at a time, whatever the total.
        Without ``partition_by``, ``dest`` is one file with one row group per page.
        With it, ``dest`` is a new folder of ``<column>=<value>/`` subfolders
        (``viam_sdk.app._data.partitions``) that pyarrow.dataset, DuckDB, Spark
        and Dask read as one table.  Either appears only when the pull succeeded
        (built beside ``dest``, then renamed); an earlier file at ``dest`` stays
        untouched otherwise.

        Args:
            dest: the Parquet file to write.
            filter: what to select; None selects everything the caller may see.
            page_size: rows per request (``FRAME_PAGE_SIZE``, 10,000, when None).
            sort_order: ``Order.ORDER_ASCENDING`` (oldest first) or descending (None: the server's order).
            include_internal_data: True also includes Viam's internal captures.
            schema: fixes the columns and their types; None infers them from the first page.
            compression: any codec pyarrow knows ("zstd", "snappy", "none", ...).
            partition_by: columns to partition by, outermost first: column names or
                ``part``, ``machine``, ``location``, ``component``, ``method``, ``day``
                (the UTC date of ``time_received``); None writes one file.
            max_items: stop after this many rows (None: all).
            progress: told the number of rows pulled so far, after each page.
            timeout: seconds for the whole pull, shared by its requests (None: no limit).
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Returns:
            The number of rows written.

        Raises:
            ImportError: pyarrow is missing (install the ``arrow`` extra).
            ValueError: a later page does not fit the schema (named column), or a
                ``partition_by`` key is not a single-valued column.
            FileNotFoundError: ``dest``'s folder does not exist.
            FileExistsError: with ``partition_by``, ``dest`` exists and is not an empty folder.
            InvalidArgument: the filter or ``page_size`` is refused by the server.
            PermissionDenied: the filter names an organization the credentials do not reach.

        Examples:
            ```python
            data = viam_client.data_client
            rows = await data.tabular_data_to_parquet(
                "readings.parquet", flt, progress=lambda done, total: print(done, "of", total))
            # A dataset for DuckDB or Spark: readings/part_id=.../day=2026-03-01/part-0.parquet
            await data.tabular_data_to_parquet("readings", flt, partition_by=["part", "day"])
            ```
        """
        source = self._filter_source(
            filter, page_size, sort_order, include_internal_data, max_items, progress, timeout
        )
        return await tables.parquet(
            source, dest, schema=schema, compression=compression, partition_by=partition_by
        )

    async def tabular_data_to_polars(
        self,
        filter: Filter | None = None,
        page_size: int | None = None,
        sort_order: Order | None = None,
        include_internal_data: bool = False,
        *,
        schema: Schema | None = None,
        max_items: int | None = None,
        progress: ProgressCallback | None = None,
        timeout: float | None = None,
        retry: RetryOption = DEFAULT,
    ) -> PolarsFrame:
        """Every reading matching ``filter`` as one polars DataFrame (the Arrow table's columns, zero-copy).

        Args:
            filter: what to select; None selects everything the caller may see.
            page_size: rows per request (``FRAME_PAGE_SIZE``, 10,000, when None).
            sort_order: ``Order.ORDER_ASCENDING`` (oldest first) or descending (None: the server's order).
            include_internal_data: True also includes Viam's internal captures.
            schema: fixes the columns and their Arrow types; None infers them from the first page.
            max_items: stop after this many rows (None: all).
            progress: told the number of rows pulled so far, after each page.
            timeout: seconds for the whole pull, shared by its requests (None: no limit).
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Returns:
            A ``polars.DataFrame``, one row per reading; times are ``Datetime("us", "UTC")``.

        Raises:
            ImportError: polars or pyarrow is missing (install the ``polars`` extra).
            ValueError: a later page does not fit the schema (named column), or ``max_items`` is negative.
            InvalidArgument: the filter or ``page_size`` is refused by the server.
            PermissionDenied: the filter names an organization the credentials do not reach.

        Examples:
            ```python
            data = viam_client.data_client
            df = await data.tabular_data_to_polars(flt)
            print(df.group_by("part_name").len())
            ```
        """
        source = self._filter_source(
            filter, page_size, sort_order, include_internal_data, max_items, progress, timeout
        )
        return await tables.polars(source, schema)
