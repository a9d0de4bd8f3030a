"""``DataClient`` pulls of tabular data into pandas, Arrow and Parquet (optional extras).

The columns are described in ``viam_sdk.dataframes``.  Each pull reads the
pages of ``TabularDataByFilter`` from the generic pager (``ClientBase._pages``);
``progress`` (a ``viam_sdk.progress.ProgressCallback``) is told the number of
**rows** pulled after each page.  The Parquet pull writes each page as it arrives (one
row group per page), so its memory stays that of one page whatever the total.
"""

from __future__ import annotations

import os
from contextlib import aclosing
from typing import TYPE_CHECKING, Any

from viam_api.app.data.v1 import Filter, Order

from viam_sdk import dataframes
from viam_sdk._files import atomic_open
from viam_sdk.app._data._base import DataClientBase
from viam_sdk.app._data.tabular import tabular_request
from viam_sdk.paging import check_max_items
from viam_sdk.progress import ProgressCallback
from viam_sdk.rpc._policy import DEFAULT, RetryOption

if TYPE_CHECKING:
    from pandas import DataFrame
    from pyarrow import Schema, Table
else:  # the libraries are optional: the blocking twin sees plain ``Any``
    DataFrame = Schema = Table = Any

__all__ = ["FRAME_PAGE_SIZE", "Frames"]

# Rows per request of a table pull: big pages, few round trips (the emulator
# takes up to 100,000; pass a smaller page_size to a server that takes fewer).
FRAME_PAGE_SIZE = 10_000


class Frames(DataClientBase):
    """Tabular data straight into a DataFrame, an Arrow table or a Parquet file."""

    async def _pull(
        self,
        sink: Any,
        filter: Filter | None,
        page_size: int | None,
        sort_order: Order | None,
        include_internal_data: bool,
        max_items: int | None,
        progress: ProgressCallback | None,
        timeout: float | None,
    ) -> int:
        """Feed every page's rows to ``sink(columns)``; returns the number of rows."""
        check_max_items(max_items)
        size = page_size or FRAME_PAGE_SIZE
        if max_items is not None:
            size = max(1, min(size, max_items))  # ask for no more rows than are wanted
        pages = self._pages(
            self._data_client.tabular_data_by_filter,
            tabular_request(filter, sort_order, include_internal_data),
            page_size=size,
            max_items=max_items,
            progress=progress,
            timeout=timeout,
            deprecated=True,
        )
        columns = dataframes.Columns()
        rows = 0
        async with aclosing(pages):
            async for response in pages:
                rows += columns.add_response(response)
                if columns.rows:  # an empty last page adds nothing
                    sink(columns)
                columns.clear()
        return rows

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
        dataframes.import_pandas()
        gathered = dataframes.Columns()
        # The rows of all pages are kept column by column, then made one frame.

        def keep(page: dataframes.Columns) -> None:
            for name, values in page.data.items():
                column = gathered.data.get(name)
                if column is None:
                    column = gathered.data[name] = [None] * gathered.rows
                column.extend(values)
            gathered.rows += page.rows
            for column in gathered.data.values():
                if len(column) < gathered.rows:
                    column.extend([None] * (gathered.rows - len(column)))

        await self._pull(keep, filter, page_size, sort_order, include_internal_data, max_items, progress, timeout)
        return dataframes.frame(gathered)

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
        pa = dataframes.import_pyarrow()
        tables: list[Any] = []
        fixed: list[Any] = [schema]

        def keep(page: dataframes.Columns) -> None:
            if fixed[0] is None:
                fixed[0] = dataframes.arrow_schema(page)
            tables.append(dataframes.arrow_table(page, fixed[0]))

        await self._pull(keep, filter, page_size, sort_order, include_internal_data, max_items, progress, timeout)
        if not tables:
            return (fixed[0] or dataframes.arrow_schema(dataframes.Columns())).empty_table()
        return pa.concat_tables(tables)

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
        max_items: int | None = None,
        progress: ProgressCallback | None = None,
        timeout: float | None = None,
        retry: RetryOption = DEFAULT,
    ) -> int:
        """Write every reading matching ``filter`` to the Parquet file ``dest``, one row group per page.

        Only one page is held in memory at a time.  The file appears only when
        the pull succeeded (written beside it, then renamed); an earlier file
        at ``dest`` stays untouched otherwise.

        Args:
            dest: the Parquet file to write.
            filter: what to select; None selects everything the caller may see.
            page_size: rows per request (``FRAME_PAGE_SIZE``, 10,000, when None).
            sort_order: ``Order.ORDER_ASCENDING`` (oldest first) or descending (None: the server's order).
            include_internal_data: True also includes Viam's internal captures.
            schema: fixes the columns and their types; None infers them from the first page.
            compression: any codec pyarrow knows ("zstd", "snappy", "none", ...).
            max_items: stop after this many rows (None: all).
            progress: told the number of rows pulled so far, after each page.
            timeout: seconds for the whole pull, shared by its requests (None: no limit).
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Returns:
            The number of rows written.

        Raises:
            ImportError: pyarrow is missing (install the ``arrow`` extra).
            ValueError: a later page does not fit the schema (named column).
            FileNotFoundError: ``dest``'s folder does not exist.
            InvalidArgument: the filter or ``page_size`` is refused by the server.
            PermissionDenied: the filter names an organization the credentials do not reach.

        Examples:
            ```python
            data = viam_client.data_client
            rows = await data.tabular_data_to_parquet(
                "readings.parquet", flt, progress=lambda done, total: print(done, "of", total))
            ```
        """
        pa = dataframes.import_pyarrow()
        writer: list[Any] = [None]
        fixed: list[Any] = [schema]
        with atomic_open(dest, "wb") as out:
            def write(page: dataframes.Columns) -> None:
                if fixed[0] is None:
                    fixed[0] = dataframes.arrow_schema(page)
                if writer[0] is None:
                    writer[0] = pa.parquet.ParquetWriter(out, fixed[0], compression=compression)
                writer[0].write_table(dataframes.arrow_table(page, fixed[0]))

            try:
                rows = await self._pull(
                    write, filter, page_size, sort_order, include_internal_data, max_items, progress, timeout
                )
                if writer[0] is None:  # no rows: still a valid, empty file
                    fixed[0] = fixed[0] or dataframes.arrow_schema(dataframes.Columns())
                    writer[0] = pa.parquet.ParquetWriter(out, fixed[0], compression=compression)
            finally:
                if writer[0] is not None:
                    writer[0].close()
        return rows
