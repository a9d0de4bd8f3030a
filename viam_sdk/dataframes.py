"""Tabular readings as tables: pandas DataFrames, Arrow tables and Parquet files.

One row per reading.  The columns, in this order:

* the capture metadata: ``organization_id``, ``location_id``, ``robot_name``,
  ``robot_id``, ``part_name``, ``part_id``, ``component_type``,
  ``component_name``, ``method_name``, ``tags`` (a list of strings);
* ``time_requested`` and ``time_received``: timezone-aware datetimes in UTC
  (pandas ``datetime64[ns, UTC]``; Arrow ``timestamp[us, tz=UTC]``);
* one column per reading key, nested keys joined with dots
  (``{"readings": {"celsius": 21.5}}`` becomes ``readings.celsius``), in the
  order the keys are first met.  A list stays one value; a key missing from a
  reading is null there.  A reading key that would take a metadata column's
  name is kept as ``data.<key>``.

The libraries are optional extras: the ``pandas`` extra
for DataFrames, the ``arrow`` extra for Arrow and Parquet.  Without
them everything else works, and the functions here raise an ImportError
naming the extra.

The pulls themselves are ``DataClient.tabular_data_to_dataframe``,
``tabular_data_to_arrow``, ``tabular_data_to_polars`` and ``tabular_data_to_parquet``
(and the same four of the other sources: ``export_tabular_data_to_*``, whose rows
carry these metadata columns with ``time_captured``; ``tabular_data_by_sql_to_*``
and ``tabular_data_by_mql_to_*``, which keep their own columns;
``latest_tabular_data_to_*``); ``Columns`` is the page they all build.  The functions here
also convert rows already fetched (``DataClient.TabularData``, as
``tabular_data_by_filter`` returns them):

```python
rows, _, _ = await data.tabular_data_by_filter(flt, limit=500)
frame = viam_sdk.dataframes.to_dataframe(rows)
```
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from viam_sdk.progress import missing_extra

if TYPE_CHECKING:
    import pandas
    import pyarrow
    from viam_api.app.data.v1 import CaptureMetadata, TabularDataByFilterResponse

    from viam_sdk.app._data.tabular import TabularData

__all__ = [
    "METADATA_COLUMNS",
    "TIME_COLUMNS",
    "Columns",
    "flatten",
    "import_pandas",
    "import_pyarrow",
    "to_arrow",
    "to_dataframe",
]

METADATA_COLUMNS: tuple[str, ...] = (
    "organization_id",
    "location_id",
    "robot_name",
    "robot_id",
    "part_name",
    "part_id",
    "component_type",
    "component_name",
    "method_name",
    "tags",
)
TIME_COLUMNS: tuple[str, ...] = ("time_requested", "time_received")


# Decimal values (BSON Decimal128 of SQL/MQL results) in Arrow: 38 digits, 18 after the point.
# BSON's decimals carry 34 significant digits at any exponent, which no Arrow type holds
# exactly; this one keeps money and measurements exact.  Pass ``schema=`` for another precision.
DECIMAL_PRECISION, DECIMAL_SCALE = 38, 18


def _decimal_type() -> Any:
    return import_pyarrow().decimal128(DECIMAL_PRECISION, DECIMAL_SCALE)


def import_pandas() -> Any:
    """The pandas module, or an ImportError naming the ``pandas`` extra."""
    try:
        import pandas
    except ImportError as exc:
        raise missing_extra("pandas", "pandas", "DataFrames of tabular data") from exc
    return pandas


def import_pyarrow() -> Any:
    """The pyarrow module (with ``pyarrow.parquet``), or an ImportError naming the ``arrow`` extra."""
    try:
        import pyarrow
        import pyarrow.parquet  # noqa: F401  (loads the submodule)
    except ImportError as exc:
        raise missing_extra("pyarrow", "arrow", "Arrow tables and Parquet files of tabular data") from exc
    return pyarrow


def flatten(reading: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """A nested reading as one level of dotted keys: ``{"a": {"b": 1}}`` -> ``{"a.b": 1}``.

    An empty nested mapping disappears; lists and other values are kept as they are.
    """
    out: dict[str, Any] = {}
    for key, value in reading.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            out.update(flatten(value, name + "."))
        else:
            out[name] = value
    return out


def _utc(moment: datetime.datetime | None) -> datetime.datetime | None:
    if moment is None:
        return None
    if moment.tzinfo is None:  # the SDK's naive datetimes are UTC
        return moment.replace(tzinfo=datetime.timezone.utc)
    return moment.astimezone(datetime.timezone.utc)


def _metadata(meta: CaptureMetadata) -> dict[str, Any]:
    return {
        "organization_id": meta.organization_id,
        "location_id": meta.location_id,
        "robot_name": meta.robot_name,
        "robot_id": meta.robot_id,
        "part_name": meta.part_name,
        "part_id": meta.part_id,
        "component_type": meta.component_type,
        "component_name": meta.component_name,
        "method_name": meta.method_name,
        "tags": list(meta.tags),
    }


class Columns:
    """Rows gathered column by column (a list per column, nulls where a row lacks a key)."""

    def __init__(
        self, leading: Sequence[str] = METADATA_COLUMNS + TIME_COLUMNS, times: Sequence[str] = TIME_COLUMNS
    ) -> None:
        # ``leading`` columns come first, filled from each row's ``fixed`` values; ``times``
        # (among them) hold UTC datetimes.  The readings' own keys follow, in the order first met.
        self.leading = tuple(leading)
        self.times = tuple(times)
        self._reserved = frozenset(self.leading)
        self.data: dict[str, list[Any]] = {name: [] for name in self.leading}
        self.rows = 0

    def add_row(self, fixed: Mapping[str, Any], reading: Mapping[str, Any]) -> None:
        """Append one row: ``fixed`` holds the leading columns' values, ``reading`` the rest (not flattened yet).

        A reading key that would take a leading column's name is kept as ``data.<key>``.
        """
        data = self.data
        times = self.times
        for name in self.leading:
            value = fixed.get(name)
            data[name].append(_utc(value) if name in times else value)
        self.rows += 1
        reserved = self._reserved
        for key, value in flatten(reading).items():
            if key in reserved:
                key = f"data.{key}"
            column = data.get(key)
            if column is None:
                column = data[key] = [None] * (self.rows - 1)
            column.append(value)
        rows = self.rows
        for column in data.values():
            if len(column) < rows:
                column.append(None)

    def add(
        self,
        metadata: Mapping[str, Any],
        time_requested: datetime.datetime | None,
        time_received: datetime.datetime | None,
        reading: Mapping[str, Any],
    ) -> None:
        """Append one reading (``metadata`` as ``_metadata`` gives it; ``reading`` not flattened yet)."""
        self.add_row({**metadata, "time_requested": time_requested, "time_received": time_received}, reading)

    def add_response(self, response: TabularDataByFilterResponse) -> int:
        """Append every reading of one page of ``TabularDataByFilter``; returns how many."""
        from viam_api.app.data.v1 import CaptureMetadata

        from viam_sdk.app._convert import struct_to_dict
        from viam_sdk.app._data.tabular import metadata_row

        metas = [_metadata(m) for m in response.metadata]
        empty = _metadata(CaptureMetadata())
        for item in response.data:
            meta = metadata_row(metas, item, empty)
            self.add(meta, item.time_requested, item.time_received, struct_to_dict(item.data))
        return len(response.data)

    def clear(self) -> None:
        """Forget the rows (the columns stay known, so the next page keeps their order)."""
        for column in self.data.values():
            column.clear()
        self.rows = 0


def frame(columns: Columns) -> pandas.DataFrame:
    """A DataFrame of gathered columns, times as ``datetime64[ns, UTC]``."""
    pd = import_pandas()
    df = pd.DataFrame(columns.data, columns=list(columns.data))
    for name in columns.times:
        # pandas 3 infers microseconds from datetime objects (pandas 2: nanoseconds); the unit is documented.
        df[name] = pd.to_datetime(df[name], utc=True).dt.as_unit("ns")
    for name in df.columns:  # datetimes of a query's own columns (all UTC) get the same unit
        if name not in columns.times and isinstance(df[name].dtype, pd.DatetimeTZDtype):
            df[name] = df[name].dt.as_unit("ns")
    return df


def to_dataframe(rows: Iterable[TabularData]) -> pandas.DataFrame:
    """Readings already fetched (``DataClient.TabularData``) as a DataFrame with the columns described above.

    Raises:
        ImportError: pandas is not installed (the ``pandas`` extra).

    Examples:
        ```python
        data = viam_client.data_client
        rows, _, _ = await data.tabular_data_by_filter(flt)
        df = to_dataframe(rows)
        print(df[["time_received", "readings.celsius"]].describe())
        ```
    """
    import_pandas()
    columns = Columns()
    for row in rows:
        columns.add(_metadata(row.metadata), row.time_requested, row.time_received, row.data)
    return frame(columns)


def arrow_schema(columns: Columns) -> pyarrow.Schema:
    """The Arrow schema of a first page: types inferred per column, times as UTC timestamps."""
    pa = import_pyarrow()
    fields = []
    for name, values in columns.data.items():
        if name in columns.times:
            fields.append(pa.field(name, pa.timestamp("us", tz="UTC")))
        elif name == "tags" and name in columns.leading:
            fields.append(pa.field(name, pa.list_(pa.string())))
        else:
            kind = pa.array(values).type
            if pa.types.is_decimal(kind):
                kind = _decimal_type()  # a fixed type, so that pages with other scales still fit
            fields.append(pa.field(name, kind))
    return pa.schema(fields)


def arrow_table(columns: Columns, schema: pyarrow.Schema) -> pyarrow.Table:
    """One page as an Arrow table of ``schema``.

    Raises:
        ValueError: the page has a column the schema lacks, or a value that does
            not fit its column's type (the message names the column).
    """
    pa = import_pyarrow()
    extra = [name for name in columns.data if schema.get_field_index(name) < 0]
    if extra:
        raise ValueError(
            f"readings of a later page have column(s) {', '.join(extra)} that the first page did not; "
            "pass schema= with every column to write them"
        )
    arrays = []
    for field in schema:
        values = columns.data.get(field.name)
        if values is None:
            arrays.append(pa.nulls(columns.rows, type=field.type))
            continue
        try:
            arrays.append(pa.array(values, type=field.type))
        except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
            raise ValueError(f"column {field.name!r}: a value does not fit type {field.type}: {exc}") from None
    return pa.Table.from_arrays(arrays, schema=schema)


def to_arrow(rows: Sequence[TabularData]) -> pyarrow.Table:
    """Readings already fetched as an Arrow table (columns as described above).

    Raises:
        ImportError: pyarrow is not installed (the ``arrow`` extra).
    """
    import_pyarrow()
    columns = Columns()
    for row in rows:
        columns.add(_metadata(row.metadata), row.time_requested, row.time_received, row.data)
    return arrow_table(columns, arrow_schema(columns))
