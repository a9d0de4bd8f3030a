"""``DataClient`` tables of one resource's readings: ``export_tabular_data`` and the latest readings.

Made by the same mechanism as every table pull (``viam_sdk.app._data.tables``).

* ``export_tabular_data_to_*``: the rows of ``ExportTabularData`` (a server
  stream), with the capture metadata columns of the filter pull
  (``viam_sdk.dataframes.METADATA_COLUMNS``: ``component_type`` holds the
  resource API, ``component_name`` the resource name), then ``time_captured``
  (UTC), then one column per reading key, nested keys joined with dots.  The
  stream is cut into pages of ``FRAME_PAGE_SIZE`` rows, so the Parquet pull
  holds one page at a time.
* ``latest_tabular_data_to_*``: one row per resource named, from
  ``GetLatestTabularData`` (asked for up to ``LATEST_IN_FLIGHT`` at once), with
  ``part_id``, ``component_type``, ``component_name``, ``method_name``,
  ``time_captured`` and ``time_synced`` (UTC), then the reading's keys.  A
  resource the server has no reading for gives no row.
"""

from __future__ import annotations

import asyncio
import datetime
import os
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, cast

from viam_sdk import dataframes
from viam_sdk.app._convert import struct_to_dict
from viam_sdk.app._data import tables
from viam_sdk.app._data._base import DataClientBase
from viam_sdk.app._data.captures import Captures, export_request
from viam_sdk.app._data.frames import FRAME_PAGE_SIZE
from viam_sdk.app._data.queries import ValueTypes
from viam_sdk.progress import ProgressCallback, Reporter
from viam_sdk.rpc._policy import DEFAULT, RetryOption

if TYPE_CHECKING:
    from pandas import DataFrame
    from polars import DataFrame as PolarsFrame
    from pyarrow import Schema, Table
else:  # the libraries are optional: the blocking twin sees plain ``Any``
    DataFrame = PolarsFrame = Schema = Table = Any

__all__ = ["EXPORT_COLUMNS", "LATEST_COLUMNS", "LATEST_IN_FLIGHT", "CaptureTables"]

EXPORT_COLUMNS: tuple[str, ...] = (*dataframes.METADATA_COLUMNS, "time_captured")
LATEST_COLUMNS: tuple[str, ...] = (
    "part_id", "component_type", "component_name", "method_name", "time_captured", "time_synced",
)  # fmt: skip
# GetLatestTabularData requests in flight at once for a latest-readings table.
LATEST_IN_FLIGHT = 8

# A resource as ``latest_tabular_data_to_*`` takes it: (part ID, resource name, resource API, method).
Resource = tuple[str, str, str, str]


class CaptureTables(DataClientBase):
    """Tables of ``export_tabular_data`` and of the latest readings of several resources."""

    def _export_source(
        self,
        part_id: str,
        resource_name: str,
        resource_api: str,
        method_name: str,
        start_time: datetime.datetime | None,
        end_time: datetime.datetime | None,
        additional_params: Mapping[str, ValueTypes] | None,
        progress: ProgressCallback | None,
    ) -> tables.Source:
        request = export_request(
            part_id, resource_name, resource_api, method_name, start_time, end_time, additional_params
        )

        async def pages() -> AsyncIterator[dataframes.Columns]:
            reporter = Reporter(progress)
            page = dataframes.Columns(EXPORT_COLUMNS, ("time_captured",))
            async for item in self._data_client.export_tabular_data(request):
                fixed = {
                    "organization_id": item.organization_id,
                    "location_id": item.location_id,
                    "robot_name": item.robot_name,
                    "robot_id": item.robot_id,
                    "part_name": item.part_name,
                    "part_id": item.part_id,
                    "component_type": item.resource_subtype,
                    "component_name": item.resource_name,
                    "method_name": item.method_name,
                    "tags": list(item.tags),
                    "time_captured": item.time_captured,
                }
                page.add_row(fixed, struct_to_dict(item.payload))
                if page.rows >= FRAME_PAGE_SIZE:
                    reporter.add(page.rows)
                    yield page
                    page.clear()
            if page.rows:
                reporter.add(page.rows)
                yield page
            reporter.finish()

        return tables.Source(pages(), EXPORT_COLUMNS, ("time_captured",), "time_captured")

    def _latest_source(self, resources: Iterable[Resource]) -> tables.Source:
        wanted: list[Resource] = [tuple(r) for r in resources]  # type: ignore[misc]  # checked below
        for r in wanted:
            if len(r) != 4 or not all(isinstance(v, str) and v for v in r):
                raise ValueError(
                    f"resource {r!r}: give (part_id, resource_name, resource_api, method_name), four non-empty strings"
                )

        async def pages() -> AsyncIterator[dataframes.Columns]:
            gate = asyncio.Semaphore(LATEST_IN_FLIGHT)

            captures = cast(Captures, self)  # DataClient has it from its ``Captures`` area

            async def one(resource: Resource) -> Any:
                async with gate:
                    return await captures.get_latest_tabular_data(*resource)

            answers = await asyncio.gather(*(one(r) for r in wanted))
            rows = (
                (
                    {
                        "part_id": r[0], "component_name": r[1], "component_type": r[2], "method_name": r[3],
                        "time_captured": answer[0], "time_synced": answer[1],
                    },
                    answer[2],
                )
                for r, answer in zip(wanted, answers, strict=True)
                if answer is not None
            )  # fmt: skip
            for page in tables.chunked(rows, LATEST_COLUMNS, ("time_captured", "time_synced"), FRAME_PAGE_SIZE):
                yield page

        return tables.Source(pages(), LATEST_COLUMNS, ("time_captured", "time_synced"), "time_captured")

    # -- export_tabular_data ------------------------------------------------------------------------

    async def export_tabular_data_to_dataframe(
        self,
        part_id: str,
        resource_name: str,
        resource_api: str,
        method_name: str,
        start_time: datetime.datetime | None = None,
        end_time: datetime.datetime | None = None,
        additional_params: Mapping[str, ValueTypes] | None = None,
        *,
        progress: ProgressCallback | None = None,
        timeout: float | None = None,
        retry: RetryOption = DEFAULT,
    ) -> DataFrame:
        """One resource's exported readings as a pandas DataFrame, with the filter pull's metadata columns.

        Args:
            part_id: the machine part that captured them.
            resource_name: the component or service name, e.g. ``"thermometer"``.
            resource_api: its API, e.g. ``"rdk:component:sensor"`` (the ``component_type`` column).
            method_name: the capture method, e.g. ``"Readings"``.
            start_time: the earliest time to include (None: no lower bound).
            end_time: the latest time to include (None: no upper bound).
            additional_params: the capture method's parameters, when it has any.
            progress: told the number of rows received so far, after each page of 10,000.
            timeout: seconds for the whole pull (None: no limit).
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Returns:
            A DataFrame: ``METADATA_COLUMNS``, ``time_captured`` (``datetime64[ns, UTC]``), then the
            reading's keys (``readings.celsius``, ...).

        Raises:
            ImportError: pandas is missing (install the ``pandas`` extra).
            NotFound: the part is not one the caller can see.
            PermissionDenied: the credentials do not reach the part's data.

        Examples:
            ```python
            data = viam_client.data_client
            df = await data.export_tabular_data_to_dataframe(part_id, "thermometer", "rdk:component:sensor", "Readings")
            print(df["readings.celsius"].describe())
            ```
        """
        dataframes.import_pandas()
        return await tables.dataframe(
            self._export_source(
                part_id, resource_name, resource_api, method_name, start_time, end_time, additional_params, progress
            )
        )

    async def export_tabular_data_to_arrow(
        self,
        part_id: str,
        resource_name: str,
        resource_api: str,
        method_name: str,
        start_time: datetime.datetime | None = None,
        end_time: datetime.datetime | None = None,
        additional_params: Mapping[str, ValueTypes] | None = None,
        *,
        schema: Schema | None = None,
        progress: ProgressCallback | None = None,
        timeout: float | None = None,
        retry: RetryOption = DEFAULT,
    ) -> Table:
        """One resource's exported readings as an Arrow table (columns as ``export_tabular_data_to_dataframe``).

        Args:
            part_id: the machine part that captured them.
            resource_name: the component or service name.
            resource_api: its API, e.g. ``"rdk:component:sensor"``.
            method_name: the capture method, e.g. ``"Readings"``.
            start_time: the earliest time to include (None: no lower bound).
            end_time: the latest time to include (None: no upper bound).
            additional_params: the capture method's parameters, when it has any.
            schema: fixes the columns and their types; None infers them from the first page.
            progress: told the number of rows received so far, after each page of 10,000.
            timeout: seconds for the whole pull (None: no limit).
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Returns:
            A ``pyarrow.Table``; ``time_captured`` is ``timestamp[us, tz=UTC]``.

        Raises:
            ImportError: pyarrow is missing (install the ``arrow`` extra).
            ValueError: a later page does not fit the schema (the message names the column).
            NotFound: the part is not one the caller can see.
            PermissionDenied: the credentials do not reach the part's data.

        Examples:
            ```python
            data = viam_client.data_client
            table = await data.export_tabular_data_to_arrow(part_id, "thermometer", "rdk:component:sensor", "Readings")
            ```
        """
        dataframes.import_pyarrow()
        return await tables.arrow(
            self._export_source(
                part_id, resource_name, resource_api, method_name, start_time, end_time, additional_params, progress
            ),
            schema,
        )

    async def export_tabular_data_to_polars(
        self,
        part_id: str,
        resource_name: str,
        resource_api: str,
        method_name: str,
        start_time: datetime.datetime | None = None,
        end_time: datetime.datetime | None = None,
        additional_params: Mapping[str, ValueTypes] | None = None,
        *,
        schema: Schema | None = None,
        progress: ProgressCallback | None = None,
        timeout: float | None = None,
        retry: RetryOption = DEFAULT,
    ) -> PolarsFrame:
        """One resource's exported readings as a polars DataFrame (by way of the Arrow table).

        Args:
            part_id: the machine part that captured them.
            resource_name: the component or service name.
            resource_api: its API, e.g. ``"rdk:component:sensor"``.
            method_name: the capture method, e.g. ``"Readings"``.
            start_time: the earliest time to include (None: no lower bound).
            end_time: the latest time to include (None: no upper bound).
            additional_params: the capture method's parameters, when it has any.
            schema: fixes the columns and their Arrow types; None infers them from the first page.
            progress: told the number of rows received so far, after each page of 10,000.
            timeout: seconds for the whole pull (None: no limit).
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Returns:
            A ``polars.DataFrame`` (columns as ``export_tabular_data_to_dataframe``).

        Raises:
            ImportError: polars or pyarrow is missing (install the ``polars`` extra).
            ValueError: a later page does not fit the schema (the message names the column).
            NotFound: the part is not one the caller can see.
            PermissionDenied: the credentials do not reach the part's data.

        Examples:
            ```python
            data = viam_client.data_client
            df = await data.export_tabular_data_to_polars(part_id, "thermometer", "rdk:component:sensor", "Readings")
            ```
        """
        tables.import_polars()
        return await tables.polars(
            self._export_source(
                part_id, resource_name, resource_api, method_name, start_time, end_time, additional_params, progress
            ),
            schema,
        )

    async def export_tabular_data_to_parquet(
        self,
        dest: str | os.PathLike[str],
        part_id: str,
        resource_name: str,
        resource_api: str,
        method_name: str,
        start_time: datetime.datetime | None = None,
        end_time: datetime.datetime | None = None,
        additional_params: Mapping[str, ValueTypes] | None = None,
        *,
        schema: Schema | None = None,
        compression: str = "zstd",
        partition_by: Sequence[str] | None = None,
        progress: ProgressCallback | None = None,
        timeout: float | None = None,
        retry: RetryOption = DEFAULT,
    ) -> int:
        """Write one resource's exported readings to Parquet, a page at a time: one file or a partitioned dataset.

        As ``tabular_data_to_parquet``: one row group per page of 10,000 rows,
        or with ``partition_by`` a Hive-partitioned folder; it appears only when
        the pull succeeded.

        Args:
            dest: the Parquet file (or, with ``partition_by``, the new folder) to write.
            part_id: the machine part that captured them.
            resource_name: the component or service name.
            resource_api: its API, e.g. ``"rdk:component:sensor"``.
            method_name: the capture method, e.g. ``"Readings"``.
            start_time: the earliest time to include (None: no lower bound).
            end_time: the latest time to include (None: no upper bound).
            additional_params: the capture method's parameters, when it has any.
            schema: fixes the columns and their types; None infers them from the first page.
            compression: any codec pyarrow knows ("zstd", "snappy", "none", ...).
            partition_by: columns to partition by, outermost first (column names, or ``part``,
                ``machine``, ``location``, ``component``, ``method``, ``day``: the UTC date of
                ``time_captured``); None writes one file.
            progress: told the number of rows written so far, after each page.
            timeout: seconds for the whole pull (None: no limit).
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Returns:
            The number of rows written.

        Raises:
            ImportError: pyarrow is missing (install the ``arrow`` extra).
            ValueError: a later page does not fit the schema, or a ``partition_by`` key is
                not a single-valued column (the message names it).
            FileNotFoundError: ``dest``'s folder does not exist.
            FileExistsError: with ``partition_by``, ``dest`` exists and is not an empty folder.
            NotFound: the part is not one the caller can see.
            PermissionDenied: the credentials do not reach the part's data.

        Examples:
            ```python
            data = viam_client.data_client
            rows = await data.export_tabular_data_to_parquet(
                "thermometer", part_id, "thermometer", "rdk:component:sensor", "Readings", partition_by=["day"])
            ```
        """
        dataframes.import_pyarrow()
        source = self._export_source(
            part_id, resource_name, resource_api, method_name, start_time, end_time, additional_params, progress
        )
        return await tables.parquet(source, dest, schema=schema, compression=compression, partition_by=partition_by)

    # -- latest readings ----------------------------------------------------------------------------

    async def latest_tabular_data_to_dataframe(
        self, resources: Iterable[Resource], *, timeout: float | None = None, retry: RetryOption = DEFAULT
    ) -> DataFrame:
        """The latest reading of each resource, one row each, as a pandas DataFrame.

        Args:
            resources: ``(part_id, resource_name, resource_api, method_name)`` tuples.
            timeout: seconds for all the requests together (None: no limit).
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Returns:
            A DataFrame: ``part_id``, ``component_type``, ``component_name``, ``method_name``,
            ``time_captured``, ``time_synced`` (``datetime64[ns, UTC]``), then the readings' keys.
            A resource the server has no reading for has no row.

        Raises:
            ImportError: pandas is missing (install the ``pandas`` extra).
            ValueError: a resource is not four non-empty strings.
            NotFound: a part is not one the caller can see.

        Examples:
            ```python
            data = viam_client.data_client
            df = await data.latest_tabular_data_to_dataframe([
                (part_id, "thermometer", "rdk:component:sensor", "Readings"),
                (part_id, "hygrometer", "rdk:component:sensor", "Readings"),
            ])
            ```
        """
        dataframes.import_pandas()
        return await tables.dataframe(self._latest_source(resources))

    async def latest_tabular_data_to_arrow(
        self, resources: Iterable[Resource], *, schema: Schema | None = None, timeout: float | None = None, retry: RetryOption = DEFAULT
    ) -> Table:
        """The latest reading of each resource, one row each, as an Arrow table.

        Args:
            resources: ``(part_id, resource_name, resource_api, method_name)`` tuples.
            schema: fixes the columns and their types; None infers them.
            timeout: seconds for all the requests together (None: no limit).
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Returns:
            A ``pyarrow.Table`` (columns as ``latest_tabular_data_to_dataframe``).

        Raises:
            ImportError: pyarrow is missing (install the ``arrow`` extra).
            ValueError: a resource is not four non-empty strings, or a value does not fit the schema.
            NotFound: a part is not one the caller can see.

        Examples:
            ```python
            data = viam_client.data_client
            table = await data.latest_tabular_data_to_arrow([(part_id, "thermometer", "rdk:component:sensor", "Readings")])
            ```
        """
        dataframes.import_pyarrow()
        return await tables.arrow(self._latest_source(resources), schema)

    async def latest_tabular_data_to_polars(
        self, resources: Iterable[Resource], *, schema: Schema | None = None, timeout: float | None = None, retry: RetryOption = DEFAULT
    ) -> PolarsFrame:
        """The latest reading of each resource, one row each, as a polars DataFrame.

        Args:
            resources: ``(part_id, resource_name, resource_api, method_name)`` tuples.
            schema: fixes the columns and their Arrow types; None infers them.
            timeout: seconds for all the requests together (None: no limit).
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Returns:
            A ``polars.DataFrame`` (columns as ``latest_tabular_data_to_dataframe``).

        Raises:
            ImportError: polars or pyarrow is missing (install the ``polars`` extra).
            ValueError: a resource is not four non-empty strings, or a value does not fit the schema.
            NotFound: a part is not one the caller can see.

        Examples:
            ```python
            data = viam_client.data_client
            df = await data.latest_tabular_data_to_polars([(part_id, "thermometer", "rdk:component:sensor", "Readings")])
            ```
        """
        tables.import_polars()
        return await tables.polars(self._latest_source(resources), schema)

    async def latest_tabular_data_to_parquet(
        self,
        dest: str | os.PathLike[str],
        resources: Iterable[Resource],
        *,
        schema: Schema | None = None,
        compression: str = "zstd",
        partition_by: Sequence[str] | None = None,
        timeout: float | None = None,
        retry: RetryOption = DEFAULT,
    ) -> int:
        """Write the latest reading of each resource to Parquet: one file, or a partitioned dataset.

        Args:
            dest: the Parquet file (or, with ``partition_by``, the new folder) to write.
            resources: ``(part_id, resource_name, resource_api, method_name)`` tuples.
            schema: fixes the columns and their types; None infers them.
            compression: any codec pyarrow knows ("zstd", "snappy", "none", ...).
            partition_by: columns to partition by (column names, or ``part``, ``component``,
                ``method``, ``day``: the UTC date of ``time_captured``); None writes one file.
            timeout: seconds for all the requests together (None: no limit).
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Returns:
            The number of rows written.

        Raises:
            ImportError: pyarrow is missing (install the ``arrow`` extra).
            ValueError: a resource is not four non-empty strings, or a ``partition_by`` key is
                not a single-valued column.
            FileNotFoundError: ``dest``'s folder does not exist.
            FileExistsError: with ``partition_by``, ``dest`` exists and is not an empty folder.
            NotFound: a part is not one the caller can see.

        Examples:
            ```python
            data = viam_client.data_client
            await data.latest_tabular_data_to_parquet(
                "latest.parquet", [(part_id, "thermometer", "rdk:component:sensor", "Readings")])
            ```
        """
        dataframes.import_pyarrow()
        source = self._latest_source(resources)
        return await tables.parquet(source, dest, schema=schema, compression=compression, partition_by=partition_by)
