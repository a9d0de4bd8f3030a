"""``DataClient`` tables of SQL and MQL results: ``tabular_data_by_sql_to_*`` and ``tabular_data_by_mql_to_*``.

Made by the same mechanism as every table pull (``viam_sdk.app._data.tables``).
A result keeps its own columns: one per key of its documents, in the order
first met, nested documents flattened with dots as the readings of the other
pulls are (``{"data": {"celsius": 1}}`` -> ``data.celsius``); a key missing from
a document is null there.  BSON values become table values deliberately:

| BSON | Python / pandas | Arrow and Parquet |
|---|---|---|
| date, timestamp | aware ``datetime`` in UTC (``datetime64[ns, UTC]``) | ``timestamp[us, tz=UTC]`` |
| ObjectId | its 24-hex-digit ``str`` | ``string`` |
| Decimal128 | ``decimal.Decimal`` (exact) | ``decimal128(38, 18)`` (``dataframes.DECIMAL_*``) |
| binary | ``bytes`` | ``binary`` |
| regular expression | its pattern, a ``str`` | ``string`` |
| array | ``list`` (its items mapped alike) | ``list<...>`` |
| int32, int64, double, bool, string, null | themselves | inferred from the first page |
| anything else (code, min/max key, DBRef) | ``str(value)`` | ``string`` |

The whole result arrives in one reply (SQL and MQL have no page token); it is
cut into pages of ``FRAME_PAGE_SIZE`` rows, so a Parquet file gets one row group
per 10,000 rows and the Arrow conversion works a page at a time.
"""

from __future__ import annotations

import datetime
import os
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any, cast

from viam_api.app.data.v1 import TabularDataSourceType

from viam_sdk import dataframes
from viam_sdk.app._data import tables
from viam_sdk.app._data._base import DataClientBase
from viam_sdk.app._data.frames import FRAME_PAGE_SIZE
from viam_sdk.app._data.queries import Queries
from viam_sdk.rpc._policy import DEFAULT, RetryOption

if TYPE_CHECKING:
    from pandas import DataFrame
    from polars import DataFrame as PolarsFrame
    from pyarrow import Schema, Table
else:  # the libraries are optional: the blocking twin sees plain ``Any``
    DataFrame = PolarsFrame = Schema = Table = Any

__all__ = ["QueryTables", "table_value"]

_PLAIN = (str, int, float, bool, type(None))
_STANDARD = TabularDataSourceType.TABULAR_DATA_SOURCE_TYPE_STANDARD


def table_value(value: Any) -> Any:
    """A decoded BSON value as the tables hold it (the mapping in this module's docstring)."""
    if type(value) in _PLAIN:
        return value
    if isinstance(value, datetime.datetime):
        if value.tzinfo is None:  # the SDK decodes BSON dates as naive UTC
            return value.replace(tzinfo=datetime.timezone.utc)
        return value.astimezone(datetime.timezone.utc)
    if isinstance(value, Mapping):
        return {str(k): table_value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [table_value(v) for v in value]
    from bson import Decimal128, ObjectId, Regex, Timestamp

    if isinstance(value, (str, bytes)):  # bson.Code is a str, bson.Binary (any subtype) bytes
        return str(value) if isinstance(value, str) else bytes(value)
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):  # bson.Int64 is an int
        return int(value) if isinstance(value, int) else float(value)
    if isinstance(value, ObjectId):
        return str(value)
    if isinstance(value, Decimal128):
        return value.to_decimal()
    if isinstance(value, Decimal):
        return value
    if isinstance(value, Timestamp):
        return value.as_datetime()
    if isinstance(value, Regex):
        return str(value.pattern)
    return str(value)  # UUID, MinKey, MaxKey, DBRef, ...


def _result_source(documents: Sequence[Mapping[str, Any]]) -> tables.Source:
    async def pages() -> AsyncIterator[dataframes.Columns]:
        rows: Iterable[tuple[Mapping[str, Any], Mapping[str, Any]]] = (({}, table_value(doc)) for doc in documents)
        for page in tables.chunked(rows, (), (), FRAME_PAGE_SIZE):
            yield page

    return tables.Source(pages(), (), (), None)


class QueryTables(DataClientBase):
    """Tables of SQL and MQL results."""

    # ``DataClient`` has the queries from its ``Queries`` area.

    async def _sql(self, organization_id: str, sql_query: str, org_id: str | None) -> tables.Source:
        queries = cast(Queries, self)
        return _result_source(await queries.tabular_data_by_sql(organization_id, sql_query, org_id=org_id))

    async def _mql(self, organization_id: str, args: tuple[Any, ...], query: Any, org_id: str | None) -> tables.Source:
        queries = cast(Queries, self)
        return _result_source(await queries.tabular_data_by_mql(organization_id, *args, query=query, org_id=org_id))

    # -- SQL -----------------------------------------------------------------------------------------

    async def tabular_data_by_sql_to_dataframe(
        self, organization_id: str = "", sql_query: str = "", *, org_id: str | None = None, timeout: float | None = None, retry: RetryOption = DEFAULT
    ) -> DataFrame:
        """A SQL query's result as a pandas DataFrame with the query's own columns.

        Args:
            organization_id: the organization whose data is queried (or ``org_id=``).
            sql_query: the SQL text (a ``SELECT`` over ``readings``).
            org_id: the reference's name for ``organization_id``; give one of the two.
            timeout: seconds to wait for the reply (None: as long as DialOptions allows).
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Returns:
            A DataFrame, one row per result row; dates as ``datetime64[ns, UTC]`` (BSON
            mapping in ``viam_sdk.app._data.query_tables``).

        Raises:
            ImportError: pandas is missing (install the ``pandas`` extra).
            TypeError: no organization or no ``sql_query`` given, or both ``organization_id`` and ``org_id``.
            InvalidArgument: a write, another table, or bad SQL.
            PermissionDenied: the credentials do not reach the organization.
            ResourceExhausted: the query exceeds the server's time or memory budget.

        Examples:
            ```python
            data = viam_client.data_client
            df = await data.tabular_data_by_sql_to_dataframe(
                org_id, "SELECT part_name, time_received, data FROM readings LIMIT 1000")
            ```
        """
        dataframes.import_pandas()
        return await tables.dataframe(await self._sql(organization_id, sql_query, org_id))

    async def tabular_data_by_sql_to_arrow(
        self,
        organization_id: str = "",
        sql_query: str = "",
        *,
        org_id: str | None = None,
        schema: Schema | None = None,
        timeout: float | None = None,
        retry: RetryOption = DEFAULT,
    ) -> Table:
        """A SQL query's result as an Arrow table with the query's own columns.

        Args:
            organization_id: the organization whose data is queried (or ``org_id=``).
            sql_query: the SQL text (a ``SELECT`` over ``readings``).
            org_id: the reference's name for ``organization_id``; give one of the two.
            schema: fixes the columns and their types; None infers them from the first 10,000 rows.
            timeout: seconds to wait for the reply (None: as long as DialOptions allows).
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Returns:
            A ``pyarrow.Table``; dates are ``timestamp[us, tz=UTC]``, decimals ``decimal128(38, 18)``.

        Raises:
            ImportError: pyarrow is missing (install the ``arrow`` extra).
            TypeError: no organization or no ``sql_query`` given, or both ``organization_id`` and ``org_id``.
            ValueError: a later row does not fit the schema (the message names the column).
            InvalidArgument: a write, another table, or bad SQL.
            PermissionDenied: the credentials do not reach the organization.
            ResourceExhausted: the query exceeds the server's time or memory budget.

        Examples:
            ```python
            data = viam_client.data_client
            table = await data.tabular_data_by_sql_to_arrow(org_id, "SELECT * FROM readings LIMIT 10")
            ```
        """
        dataframes.import_pyarrow()
        return await tables.arrow(await self._sql(organization_id, sql_query, org_id), schema)

    async def tabular_data_by_sql_to_polars(
        self,
        organization_id: str = "",
        sql_query: str = "",
        *,
        org_id: str | None = None,
        schema: Schema | None = None,
        timeout: float | None = None,
        retry: RetryOption = DEFAULT,
    ) -> PolarsFrame:
        """A SQL query's result as a polars DataFrame (by way of the Arrow table).

        Args:
            organization_id: the organization whose data is queried (or ``org_id=``).
            sql_query: the SQL text (a ``SELECT`` over ``readings``).
            org_id: the reference's name for ``organization_id``; give one of the two.
            schema: fixes the columns and their Arrow types; None infers them from the first 10,000 rows.
            timeout: seconds to wait for the reply (None: as long as DialOptions allows).
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Returns:
            A ``polars.DataFrame`` with the query's own columns.

        Raises:
            ImportError: polars or pyarrow is missing (install the ``polars`` extra).
            TypeError: no organization or no ``sql_query`` given, or both ``organization_id`` and ``org_id``.
            ValueError: a later row does not fit the schema (the message names the column).
            InvalidArgument: a write, another table, or bad SQL.
            PermissionDenied: the credentials do not reach the organization.
            ResourceExhausted: the query exceeds the server's time or memory budget.

        Examples:
            ```python
            data = viam_client.data_client
            df = await data.tabular_data_by_sql_to_polars(org_id, "SELECT COUNT(*) AS n FROM readings")
            ```
        """
        tables.import_polars()
        return await tables.polars(await self._sql(organization_id, sql_query, org_id), schema)

    async def tabular_data_by_sql_to_parquet(
        self,
        dest: str | os.PathLike[str],
        organization_id: str = "",
        sql_query: str = "",
        *,
        org_id: str | None = None,
        schema: Schema | None = None,
        compression: str = "zstd",
        partition_by: Sequence[str] | None = None,
        timeout: float | None = None,
        retry: RetryOption = DEFAULT,
    ) -> int:
        """Write a SQL query's result to Parquet: one file, or a Hive-partitioned dataset.

        Args:
            dest: the Parquet file (or, with ``partition_by``, the new folder) to write.
            organization_id: the organization whose data is queried (or ``org_id=``).
            sql_query: the SQL text (a ``SELECT`` over ``readings``).
            org_id: the reference's name for ``organization_id``; give one of the two.
            schema: fixes the columns and their types; None infers them from the first 10,000 rows.
            compression: any codec pyarrow knows ("zstd", "snappy", "none", ...).
            partition_by: result columns to partition by (or ``day``: the UTC date of the
                first column of dates); None writes one file.
            timeout: seconds to wait for the reply (None: as long as DialOptions allows).
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Returns:
            The number of rows written.

        Raises:
            ImportError: pyarrow is missing (install the ``arrow`` extra).
            TypeError: no organization or no ``sql_query`` given, or both ``organization_id`` and ``org_id``.
            ValueError: a later row does not fit the schema, or a ``partition_by`` key is not a
                single-valued column of the result (the message names it).
            FileNotFoundError: ``dest``'s folder does not exist.
            FileExistsError: with ``partition_by``, ``dest`` exists and is not an empty folder.
            InvalidArgument: a write, another table, or bad SQL.
            PermissionDenied: the credentials do not reach the organization.
            ResourceExhausted: the query exceeds the server's time or memory budget.

        Examples:
            ```python
            data = viam_client.data_client
            await data.tabular_data_by_sql_to_parquet(
                "by_part", org_id, "SELECT part_name, time_received, data FROM readings", partition_by=["part_name"])
            ```
        """
        dataframes.import_pyarrow()
        source = await self._sql(organization_id, sql_query, org_id)
        return await tables.parquet(source, dest, schema=schema, compression=compression, partition_by=partition_by)

    # -- MQL -----------------------------------------------------------------------------------------

    async def tabular_data_by_mql_to_dataframe(
        self,
        organization_id: str = "",
        mql_binary: Sequence[bytes | Mapping[str, Any]] | None = None,
        use_recent_data: bool | None = None,
        tabular_data_source_type: int = _STANDARD,
        pipeline_id: str | None = None,
        query_prefix_name: str | None = None,
        *,
        query: Sequence[bytes | Mapping[str, Any]] | None = None,
        org_id: str | None = None,
        timeout: float | None = None,
        retry: RetryOption = DEFAULT,
    ) -> DataFrame:
        """An aggregation pipeline's result as a pandas DataFrame with the documents' own columns.

        The arguments are those of ``tabular_data_by_mql``.

        Args:
            organization_id: the organization whose data is queried (or ``org_id=``).
            mql_binary: the pipeline stages, BSON bytes or dicts (or ``query=``).
            use_recent_data: True reads the hot store (recent data) instead.
            tabular_data_source_type: a ``TabularDataSourceType`` value (STANDARD by default).
            pipeline_id: the data pipeline whose sink is read, with PIPELINE_SINK.
            query_prefix_name: the name of a saved query prefix to run before the stages.
            query: the pipeline stages (same as ``mql_binary``).
            org_id: the reference's name for ``organization_id``; give one of the two.
            timeout: seconds to wait for the reply (None: as long as DialOptions allows).
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Returns:
            A DataFrame, one row per document, nested documents flattened with dots; dates as
            ``datetime64[ns, UTC]``, ObjectIds as strings, decimals as ``decimal.Decimal``.

        Raises:
            ImportError: pandas is missing (install the ``pandas`` extra).
            TypeError: neither or both of ``mql_binary`` and ``query``, a stage neither bytes nor a dict,
                or no organization.
            InvalidArgument: an empty pipeline, or a stage or operator the server does not support.
            PermissionDenied: the credentials do not reach the organization.

        Examples:
            ```python
            data = viam_client.data_client
            df = await data.tabular_data_by_mql_to_dataframe(org_id, [
                {"$match": {"component_name": "thermometer"}},
                {"$project": {"_id": 0, "part_name": 1, "time_received": 1, "data": 1}},
            ])
            ```
        """
        dataframes.import_pandas()
        args = (mql_binary, use_recent_data, tabular_data_source_type, pipeline_id, query_prefix_name)
        return await tables.dataframe(await self._mql(organization_id, args, query, org_id))

    async def tabular_data_by_mql_to_arrow(
        self,
        organization_id: str = "",
        mql_binary: Sequence[bytes | Mapping[str, Any]] | None = None,
        use_recent_data: bool | None = None,
        tabular_data_source_type: int = _STANDARD,
        pipeline_id: str | None = None,
        query_prefix_name: str | None = None,
        *,
        query: Sequence[bytes | Mapping[str, Any]] | None = None,
        org_id: str | None = None,
        schema: Schema | None = None,
        timeout: float | None = None,
        retry: RetryOption = DEFAULT,
    ) -> Table:
        """An aggregation pipeline's result as an Arrow table with the documents' own columns.

        Args:
            organization_id: the organization whose data is queried (or ``org_id=``).
            mql_binary: the pipeline stages, BSON bytes or dicts (or ``query=``).
            use_recent_data: True reads the hot store (recent data) instead.
            tabular_data_source_type: a ``TabularDataSourceType`` value (STANDARD by default).
            pipeline_id: the data pipeline whose sink is read, with PIPELINE_SINK.
            query_prefix_name: the name of a saved query prefix to run before the stages.
            query: the pipeline stages (same as ``mql_binary``).
            org_id: the reference's name for ``organization_id``; give one of the two.
            schema: fixes the columns and their types; None infers them from the first 10,000 rows.
            timeout: seconds to wait for the reply (None: as long as DialOptions allows).
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Returns:
            A ``pyarrow.Table``; dates ``timestamp[us, tz=UTC]``, ObjectIds ``string``,
            decimals ``decimal128(38, 18)``.

        Raises:
            ImportError: pyarrow is missing (install the ``arrow`` extra).
            TypeError: neither or both of ``mql_binary`` and ``query``, a stage neither bytes nor a dict,
                or no organization.
            ValueError: a later document does not fit the schema (the message names the column).
            InvalidArgument: an empty pipeline, or a stage or operator the server does not support.
            PermissionDenied: the credentials do not reach the organization.

        Examples:
            ```python
            data = viam_client.data_client
            table = await data.tabular_data_by_mql_to_arrow(org_id, [{"$match": {"part_name": "main"}}])
            ```
        """
        dataframes.import_pyarrow()
        args = (mql_binary, use_recent_data, tabular_data_source_type, pipeline_id, query_prefix_name)
        return await tables.arrow(await self._mql(organization_id, args, query, org_id), schema)

    async def tabular_data_by_mql_to_polars(
        self,
        organization_id: str = "",
        mql_binary: Sequence[bytes | Mapping[str, Any]] | None = None,
        use_recent_data: bool | None = None,
        tabular_data_source_type: int = _STANDARD,
        pipeline_id: str | None = None,
        query_prefix_name: str | None = None,
        *,
        query: Sequence[bytes | Mapping[str, Any]] | None = None,
        org_id: str | None = None,
        schema: Schema | None = None,
        timeout: float | None = None,
        retry: RetryOption = DEFAULT,
    ) -> PolarsFrame:
        """An aggregation pipeline's result as a polars DataFrame (by way of the Arrow table).

        Args:
            organization_id: the organization whose data is queried (or ``org_id=``).
            mql_binary: the pipeline stages, BSON bytes or dicts (or ``query=``).
            use_recent_data: True reads the hot store (recent data) instead.
            tabular_data_source_type: a ``TabularDataSourceType`` value (STANDARD by default).
            pipeline_id: the data pipeline whose sink is read, with PIPELINE_SINK.
            query_prefix_name: the name of a saved query prefix to run before the stages.
            query: the pipeline stages (same as ``mql_binary``).
            org_id: the reference's name for ``organization_id``; give one of the two.
            schema: fixes the columns and their Arrow types; None infers them from the first 10,000 rows.
            timeout: seconds to wait for the reply (None: as long as DialOptions allows).
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Returns:
            A ``polars.DataFrame`` with the documents' own columns.

        Raises:
            ImportError: polars or pyarrow is missing (install the ``polars`` extra).
            TypeError: neither or both of ``mql_binary`` and ``query``, a stage neither bytes nor a dict,
                or no organization.
            ValueError: a later document does not fit the schema (the message names the column).
            InvalidArgument: an empty pipeline, or a stage or operator the server does not support.
            PermissionDenied: the credentials do not reach the organization.

        Examples:
            ```python
            data = viam_client.data_client
            df = await data.tabular_data_by_mql_to_polars(org_id, [{"$match": {"part_name": "main"}}])
            ```
        """
        tables.import_polars()
        args = (mql_binary, use_recent_data, tabular_data_source_type, pipeline_id, query_prefix_name)
        return await tables.polars(await self._mql(organization_id, args, query, org_id), schema)

    async def tabular_data_by_mql_to_parquet(
        self,
        dest: str | os.PathLike[str],
        organization_id: str = "",
        mql_binary: Sequence[bytes | Mapping[str, Any]] | None = None,
        use_recent_data: bool | None = None,
        tabular_data_source_type: int = _STANDARD,
        pipeline_id: str | None = None,
        query_prefix_name: str | None = None,
        *,
        query: Sequence[bytes | Mapping[str, Any]] | None = None,
        org_id: str | None = None,
        schema: Schema | None = None,
        compression: str = "zstd",
        partition_by: Sequence[str] | None = None,
        timeout: float | None = None,
        retry: RetryOption = DEFAULT,
    ) -> int:
        """Write an aggregation pipeline's result to Parquet: one file, or a Hive-partitioned dataset.

        Args:
            dest: the Parquet file (or, with ``partition_by``, the new folder) to write.
            organization_id: the organization whose data is queried (or ``org_id=``).
            mql_binary: the pipeline stages, BSON bytes or dicts (or ``query=``).
            use_recent_data: True reads the hot store (recent data) instead.
            tabular_data_source_type: a ``TabularDataSourceType`` value (STANDARD by default).
            pipeline_id: the data pipeline whose sink is read, with PIPELINE_SINK.
            query_prefix_name: the name of a saved query prefix to run before the stages.
            query: the pipeline stages (same as ``mql_binary``).
            org_id: the reference's name for ``organization_id``; give one of the two.
            schema: fixes the columns and their types; None infers them from the first 10,000 rows.
            compression: any codec pyarrow knows ("zstd", "snappy", "none", ...).
            partition_by: result columns to partition by (or ``day``: the UTC date of the first
                column of dates); None writes one file.
            timeout: seconds to wait for the reply (None: as long as DialOptions allows).
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Returns:
            The number of rows written.

        Raises:
            ImportError: pyarrow is missing (install the ``arrow`` extra).
            TypeError: neither or both of ``mql_binary`` and ``query``, a stage neither bytes nor a dict,
                or no organization.
            ValueError: a later document does not fit the schema, or a ``partition_by`` key is not
                a single-valued column of the result (the message names it).
            FileNotFoundError: ``dest``'s folder does not exist.
            FileExistsError: with ``partition_by``, ``dest`` exists and is not an empty folder.
            InvalidArgument: an empty pipeline, or a stage or operator the server does not support.
            PermissionDenied: the credentials do not reach the organization.

        Examples:
            ```python
            data = viam_client.data_client
            await data.tabular_data_by_mql_to_parquet(
                "readings", org_id, [{"$match": {"component_name": "thermometer"}}], partition_by=["part_id", "day"])
            ```
        """
        dataframes.import_pyarrow()
        args = (mql_binary, use_recent_data, tabular_data_source_type, pipeline_id, query_prefix_name)
        source = await self._mql(organization_id, args, query, org_id)
        return await tables.parquet(source, dest, schema=schema, compression=compression, partition_by=partition_by)
