"""The one mechanism behind every table pull: pages of columns in, a table out.

Every tabular source of ``DataClient`` (the filter pull, ``export_tabular_data``,
SQL, MQL, the latest readings) is turned into an async iterator of pages
(``viam_sdk.dataframes.Columns``, a few thousand rows each); the functions here
turn any such iterator into the target:

* ``dataframe``: a pandas DataFrame (the pages gathered column by column);
* ``arrow``: a ``pyarrow.Table`` (one Arrow table per page, concatenated);
* ``polars``: a polars DataFrame, made from the Arrow table (zero-copy where it can);
* ``parquet``: one Parquet file (one row group per page), or with ``partition_by``
  a Hive-partitioned dataset (``viam_sdk.app._data.partitions``).

The Arrow schema is fixed by the first page (or given as ``schema``); a later
page that does not fit it is a ValueError naming the column.  Nothing here
knows where the pages come from.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from contextlib import aclosing
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from viam_sdk import dataframes
from viam_sdk._files import atomic_open
from viam_sdk.app._data.partitions import PartitionedWriter
from viam_sdk.progress import missing_extra

if TYPE_CHECKING:
    from pandas import DataFrame
    from pyarrow import Schema, Table

__all__ = ["Source", "arrow", "chunked", "dataframe", "import_polars", "parquet", "polars"]


@dataclass
class Source:
    """One pull's pages, and the layout of its table (which an empty pull still has)."""

    pages: AsyncIterator[dataframes.Columns]
    leading: Sequence[str] = dataframes.METADATA_COLUMNS + dataframes.TIME_COLUMNS
    times: Sequence[str] = dataframes.TIME_COLUMNS
    # The column ``partition_by=["day"]`` reads the date from; None: the first column of datetimes.
    day_column: str | None = "time_received"

    def empty(self) -> dataframes.Columns:
        return dataframes.Columns(self.leading, self.times)


def import_polars() -> Any:
    """The polars module, or an ImportError naming the ``polars`` extra."""
    try:
        import polars
    except ImportError as exc:
        raise missing_extra("polars", "polars", "polars DataFrames of tabular data") from exc
    return polars


def chunked(
    rows: Iterable[tuple[Mapping[str, Any], Mapping[str, Any]]],
    leading: Sequence[str],
    times: Sequence[str],
    size: int,
) -> Iterable[dataframes.Columns]:
    """``(fixed, reading)`` rows as pages of at most ``size`` rows (see ``Columns.add_row``).

    The same ``Columns`` is handed out again after being cleared, so its columns keep their order.
    """
    page = dataframes.Columns(leading, times)
    for fixed, reading in rows:
        page.add_row(fixed, reading)
        if page.rows >= size:
            yield page
            page.clear()
    if page.rows:
        yield page


async def _drain(source: Source, sink: Any) -> None:
    pages = source.pages
    async with aclosing(pages):  # type: ignore[type-var]  # an async generator in practice
        async for page in pages:
            if page.rows:  # an empty last page adds nothing
                sink(page)


async def dataframe(source: Source) -> DataFrame:
    """Every page as one pandas DataFrame (times as ``datetime64[ns, UTC]``)."""
    dataframes.import_pandas()
    gathered: list[dataframes.Columns] = []

    def keep(page: dataframes.Columns) -> None:
        if not gathered:
            gathered.append(dataframes.Columns(page.leading, page.times))
        into = gathered[0]
        for name, values in page.data.items():
            column = into.data.get(name)
            if column is None:
                column = into.data[name] = [None] * into.rows
            column.extend(values)
        into.rows += page.rows
        for column in into.data.values():
            if len(column) < into.rows:
                column.extend([None] * (into.rows - len(column)))

    await _drain(source, keep)
    return dataframes.frame(gathered[0] if gathered else source.empty())


async def arrow(source: Source, schema: Schema | None = None) -> Table:
    """Every page as one Arrow table (an empty table of the schema when there is no row)."""
    pa = dataframes.import_pyarrow()
    tables: list[Any] = []
    fixed: list[Any] = [schema]

    def keep(page: dataframes.Columns) -> None:
        if fixed[0] is None:
            fixed[0] = dataframes.arrow_schema(page)
        tables.append(dataframes.arrow_table(page, fixed[0]))

    await _drain(source, keep)
    if not tables:
        return (fixed[0] or dataframes.arrow_schema(source.empty())).empty_table()
    return pa.concat_tables(tables)


async def polars(source: Source, schema: Schema | None = None) -> Any:
    """Every page as one polars DataFrame, by way of the Arrow table."""
    pl = import_polars()
    return pl.from_arrow(await arrow(source, schema))


async def parquet(
    source: Source,
    dest: str | os.PathLike[str],
    *,
    schema: Schema | None = None,
    compression: str = "zstd",
    partition_by: Sequence[str] | None = None,
) -> int:
    """Write every page to Parquet at ``dest``; returns the number of rows.

    Without ``partition_by``: one file, one row group per page, written beside
    ``dest`` and renamed onto it when the pull succeeded.  With it: a
    Hive-partitioned dataset in the new folder ``dest`` (see ``partitions``).
    Either way only about one page is held in memory.
    """
    pa = dataframes.import_pyarrow()
    if partition_by:
        with PartitionedWriter(dest, partition_by, source.day_column, schema=schema, compression=compression) as out:
            await _drain(source, out.write)
            return out.rows
    writer: list[Any] = [None]
    fixed: list[Any] = [schema]
    rows = [0]
    with atomic_open(dest, "wb") as handle:

        def write(page: dataframes.Columns) -> None:
            if fixed[0] is None:
                fixed[0] = dataframes.arrow_schema(page)
            if writer[0] is None:
                writer[0] = pa.parquet.ParquetWriter(handle, fixed[0], compression=compression)
            writer[0].write_table(dataframes.arrow_table(page, fixed[0]))
            rows[0] += page.rows

        try:
            await _drain(source, write)
            if writer[0] is None:  # no rows: still a valid, empty file
                fixed[0] = fixed[0] or dataframes.arrow_schema(source.empty())
                writer[0] = pa.parquet.ParquetWriter(handle, fixed[0], compression=compression)
        finally:
            if writer[0] is not None:
                writer[0].close()
    return rows[0]
