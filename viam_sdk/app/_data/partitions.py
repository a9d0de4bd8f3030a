"""Hive-partitioned Parquet datasets: the layout pyarrow.dataset, DuckDB, Spark and Dask read directly.

``dest/part_id=<id>/day=2026-03-01/part-0.parquet``: one folder level per
partition key, in the order given, named ``<column>=<value>``.  The key
columns are not stored in the files (the readers add them back from the
folders, and Spark refuses a column that is in both).  Values are
percent-encoded where a path could not hold them (``/``, ``=``, ``%``, control
characters, ``:`` and ``+`` too), as Spark and pyarrow write and read them; a null or empty
value is ``__HIVE_DEFAULT_PARTITION__``, as Hive names it.

Keys are column names, or one of these shorter names:

* ``part`` -> ``part_id``, ``machine`` / ``robot`` -> ``robot_id``,
  ``location`` -> ``location_id``, ``organization`` -> ``organization_id``,
  ``component`` -> ``component_name``, ``method`` -> ``method_name``;
* ``day``: the UTC date (``YYYY-MM-DD``) of the source's time column
  (``time_received`` for the filter pull, ``time_captured`` for exports and
  latest readings, the first column of dates for SQL and MQL results).

Memory stays flat: rows are held per partition only until about one page's worth
is buffered in all, then each partition's rows become one row group of its
file.  At most ``MAX_OPEN_FILES`` files are open at once; a partition whose
file had to be closed goes on in a new file beside it (``part-1.parquet``, ...).
The dataset is built in a hidden folder beside ``dest`` and renamed onto it
when the pull succeeded, so ``dest`` never holds half a dataset.
"""

from __future__ import annotations

import datetime
import os
import secrets
import shutil
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from viam_sdk import dataframes

if TYPE_CHECKING:
    from pyarrow import Schema

__all__ = ["ALIASES", "DEFAULT_PARTITION", "MAX_OPEN_FILES", "PartitionedWriter", "partition_segment"]

ALIASES: dict[str, str] = {
    "part": "part_id",
    "machine": "robot_id",
    "robot": "robot_id",
    "location": "location_id",
    "organization": "organization_id",
    "component": "component_name",
    "method": "method_name",
}
DAY = "day"
DEFAULT_PARTITION = "__HIVE_DEFAULT_PARTITION__"
MAX_OPEN_FILES = 64
# Rows buffered across all partitions before they are written (about one page of a pull).
FLUSH_ROWS = 10_000


def partition_segment(name: str, value: Any) -> str:
    """The folder name ``<name>=<value>`` of one partition (percent-encoded; nulls as Hive's default)."""
    if value is None or value == "":
        text = DEFAULT_PARTITION
    elif isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
        text = value.isoformat()  # a day: YYYY-MM-DD
    else:
        text = str(value)
    return f"{name}={quote(text, safe=' -_.~,@')}"


class PartitionedWriter:
    """Writes pages of rows into a Hive-partitioned dataset at ``dest`` (a folder that does not exist yet).

    Raises:
        FileExistsError: ``dest`` exists and is not an empty folder.
        FileNotFoundError: ``dest``'s parent folder does not exist.
        ValueError: a partition key is not a column of the rows (checked on the first page),
            names a list column, or is given twice.
    """

    def __init__(
        self,
        dest: str | os.PathLike[str],
        keys: Sequence[str],
        day_column: str | None,
        *,
        schema: Schema | None = None,
        compression: str = "zstd",
    ) -> None:
        self.pa = dataframes.import_pyarrow()
        self.dest = Path(dest)
        if isinstance(keys, str):
            keys = [keys]
        self.keys = [ALIASES.get(k, k) for k in keys]
        if len(set(self.keys)) != len(self.keys):
            raise ValueError(f"partition_by {list(keys)!r} names a column twice")
        if self.dest.exists() and (not self.dest.is_dir() or any(self.dest.iterdir())):
            raise FileExistsError(
                f"{str(self.dest)!r} already exists: a partitioned dataset is written to a new "
                "(or empty) folder; remove it or choose another"
            )
        if not self.dest.parent.is_dir():
            raise FileNotFoundError(f"the folder of {str(self.dest)!r} does not exist")
        self.staging = self.dest.parent / f".{self.dest.name}.partial-{secrets.token_hex(4)}"
        self.day_column = day_column  # None: the first column of datetimes
        self.schema = schema  # the full schema (partition columns included), fixed by the first page
        self.file_schema: Any = None  # the same without the partition columns
        self.compression = compression
        self.rows = 0
        self._buffered: dict[tuple[str, ...], list[Any]] = {}
        self._buffered_rows = 0
        self._open: OrderedDict[tuple[str, ...], Any] = OrderedDict()
        self._files: dict[tuple[str, ...], int] = {}

    def __enter__(self) -> PartitionedWriter:
        self.staging.mkdir()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        try:
            if kind is None:
                self._flush()
        finally:
            for writer in self._open.values():
                writer.close()
            self._open.clear()
        if kind is not None:
            shutil.rmtree(self.staging, ignore_errors=True)
            return
        if self.dest.is_dir():  # an empty folder, checked at the start
            self.dest.rmdir()
        os.replace(self.staging, self.dest)

    # -- the keys of a page's rows -----------------------------------------------------------------

    def _day_source(self, page: dataframes.Columns) -> str:
        if self.day_column is not None and self.day_column in page.data:
            return self.day_column
        for name, values in page.data.items():
            if any(hasattr(v, "date") and hasattr(v, "hour") for v in values[:100] if v is not None):
                self.day_column = name
                return name
        raise ValueError(
            "partition_by 'day' needs a column of dates, and these rows have none: "
            "select a time column (e.g. time_received) or partition by other columns"
        )

    def _key_values(self, page: dataframes.Columns) -> list[list[Any]]:
        columns: list[list[Any]] = []
        for key in self.keys:
            if key == DAY and DAY not in page.data:
                values = page.data[self._day_source(page)]
                columns.append([None if v is None else v.date() for v in values])  # UTC datetimes
                continue
            values = page.data.get(key)  # type: ignore[assignment]
            if values is None:
                raise ValueError(
                    f"partition_by names {key!r}, which is not a column of these rows "
                    f"(columns: {', '.join(page.data)}; shorter names: {', '.join(ALIASES)}, day)"
                )
            if key == "tags" or any(isinstance(v, (list, dict)) for v in values[:100]):
                raise ValueError(f"partition_by cannot use {key!r}: its values are lists, not single values")
            columns.append(values)
        return columns

    # -- writing -----------------------------------------------------------------------------------

    def write(self, page: dataframes.Columns) -> None:
        """Split one page by partition and buffer it; write out once about a page's worth is buffered."""
        pa = self.pa
        if self.schema is None:
            self.schema = dataframes.arrow_schema(page)
        if self.file_schema is None:
            self._key_values(page)  # the keys are checked before anything is written
            self.file_schema = pa.schema([f for f in self.schema if f.name not in self.keys])
        table = dataframes.arrow_table(page, self.schema).select(self.file_schema.names)
        groups: dict[tuple[Any, ...], list[int]] = {}
        for index, key in enumerate(zip(*self._key_values(page), strict=True)):
            rows = groups.get(key)
            if rows is None:
                rows = groups[key] = []
            rows.append(index)
        for key, indices in groups.items():  # the folder names, once per partition of the page
            segments = tuple(partition_segment(name, value) for name, value in zip(self.keys, key, strict=True))
            part = table if len(groups) == 1 else table.take(pa.array(indices, pa.int32()))
            self._buffered.setdefault(segments, []).append(part)
        self.rows += page.rows
        self._buffered_rows += page.rows
        if self._buffered_rows >= FLUSH_ROWS:
            self._flush()

    def _flush(self) -> None:
        pa = self.pa
        for segments, tables in self._buffered.items():
            self._writer(segments).write_table(pa.concat_tables(tables) if len(tables) > 1 else tables[0])
        self._buffered.clear()
        self._buffered_rows = 0

    def _writer(self, segments: tuple[str, ...]) -> Any:
        writer = self._open.get(segments)
        if writer is not None:
            self._open.move_to_end(segments)
            return writer
        if len(self._open) >= MAX_OPEN_FILES:
            _, oldest = self._open.popitem(last=False)
            oldest.close()
        number = self._files.get(segments, -1) + 1
        self._files[segments] = number
        folder = self.staging.joinpath(*segments)
        folder.mkdir(parents=True, exist_ok=True)
        writer = self.pa.parquet.ParquetWriter(
            folder / f"part-{number}.parquet", self.file_schema, compression=self.compression
        )
        self._open[segments] = writer
        return writer
