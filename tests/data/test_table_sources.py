"""Tables from every tabular source (export, SQL, MQL, latest) and Hive-partitioned Parquet, against the emulator.

The partitioned datasets are read back as their users read them: with
``pyarrow.dataset`` (Hive partitioning) and with DuckDB (``hive_partitioning``).
"""

from __future__ import annotations

import datetime
import decimal
from pathlib import Path

import duckdb
import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest
from bson import Decimal128, ObjectId
from viam_api.app.data.v1 import Order

from viam_sdk import dataframes
from viam_sdk.app.data_client import DataClient
from viam_sdk.testing import Emulator

from .conftest import DEPRECATION_NOISE, Part, make_part

pytestmark = pytest.mark.filterwarnings(DEPRECATION_NOISE)

T0 = datetime.datetime(2026, 3, 1, 23, 59, 50, tzinfo=datetime.timezone.utc)  # the readings cross midnight
SENSOR = "rdk:component:sensor"


async def _upload(data: DataClient, part: Part, n: int, component: str = "thermo") -> None:
    times = [(T0 + datetime.timedelta(seconds=i), T0 + datetime.timedelta(seconds=i, milliseconds=250)) for i in range(n)]
    readings = [{"readings": {"celsius": 20.0 + i, "probe": {"ok": i % 2 == 0}}} for i in range(n)]
    await data.tabular_data_capture_upload(
        readings, part.part_id, SENSOR, component, "Readings", tags=["lab"], data_request_times=times
    )


async def test_export_tables_carry_the_filter_pulls_metadata_columns(data: DataClient, part: Part) -> None:
    await _upload(data, part, 25)
    told: list[tuple[int, int | None]] = []
    df = await data.export_tabular_data_to_dataframe(
        part.part_id, "thermo", SENSOR, "Readings", progress=lambda d, t: told.append((d, t))
    )
    assert list(df.columns)[:11] == [*dataframes.METADATA_COLUMNS, "time_captured"]
    assert str(df["time_captured"].dtype) == "datetime64[ns, UTC]"
    by_filter = await data.tabular_data_to_dataframe(
        DataClient.create_filter(component_name="thermo"), sort_order=Order.ORDER_ASCENDING
    )
    # The same capture metadata, reading for reading, as the by-filter pull gives.
    for name in dataframes.METADATA_COLUMNS:
        assert df[name].tolist() == by_filter[name].tolist(), name
    assert df["component_type"].iloc[0] == SENSOR and df["tags"].iloc[0] == ["lab"]
    assert df["time_captured"].tolist() == by_filter["time_requested"].tolist()
    assert df["readings.celsius"].tolist() == [20.0 + i for i in range(25)]
    assert df["readings.probe.ok"].tolist()[:2] == [True, False]
    assert told[-1] == (25, 25)
    table = await data.export_tabular_data_to_arrow(part.part_id, "thermo", SENSOR, "Readings")
    assert table.schema.field("time_captured").type == pa.timestamp("us", tz="UTC")
    assert table.column("readings.celsius").to_pylist() == df["readings.celsius"].tolist()
    frame = await data.export_tabular_data_to_polars(part.part_id, "thermo", SENSOR, "Readings")
    assert isinstance(frame, pl.DataFrame) and frame["readings.celsius"].to_list() == df["readings.celsius"].tolist()
    assert str(frame.schema["time_captured"]) == "Datetime(time_unit='us', time_zone='UTC')"
    # A time range narrows the export as it narrows export_tabular_data.
    late = await data.export_tabular_data_to_arrow(
        part.part_id, "thermo", SENSOR, "Readings", start_time=T0 + datetime.timedelta(seconds=20)
    )
    assert late.num_rows == len(await data.export_tabular_data(
        part.part_id, "thermo", SENSOR, "Readings", start_time=T0 + datetime.timedelta(seconds=20)
    ))  # fmt: skip
    assert 0 < late.num_rows < 25


async def test_sql_and_mql_tables_keep_their_columns_and_map_bson_types(data: DataClient, part: Part) -> None:
    await _upload(data, part, 4)
    oid = ObjectId("65f000000000000000000001")
    docs = await data.tabular_data_by_mql_to_dataframe(
        part.org_id,
        [
            {"$match": {"component_name": "thermo"}},
            {"$sort": {"time_received": 1}},
            {"$project": {
                "_id": 0, "part_id": 1, "time_received": 1, "data": 1,
                "oid": {"$literal": oid}, "price": {"$literal": Decimal128("12.345")},
            }},
        ],
    )  # fmt: skip
    assert list(docs.columns) == [
        "part_id", "time_received", "data.readings.celsius", "data.readings.probe.ok", "oid", "price"
    ]
    assert str(docs["time_received"].dtype) == "datetime64[ns, UTC]"
    assert docs["time_received"].iloc[1] == pd.Timestamp(T0 + datetime.timedelta(seconds=1, milliseconds=250))
    assert docs["oid"].tolist() == [str(oid)] * 4  # ObjectId as its hex string
    assert docs["price"].tolist() == [decimal.Decimal("12.345")] * 4  # exact
    assert docs["data.readings.celsius"].tolist() == [20.0, 21.0, 22.0, 23.0]
    arrow = await data.tabular_data_by_mql_to_arrow(
        part.org_id, query=[{"$match": {"component_name": "thermo"}},
                            {"$project": {"_id": 0, "price": {"$literal": Decimal128("12.345")}, "time_received": 1}}],
    )  # fmt: skip
    assert arrow.schema.field("price").type == pa.decimal128(38, 18)
    assert arrow.schema.field("time_received").type == pa.timestamp("us", tz="UTC")
    assert arrow.column("price").to_pylist()[0] == decimal.Decimal("12.345")
    sql = await data.tabular_data_by_sql_to_arrow(
        part.org_id, "SELECT component_name, COUNT(*) AS n FROM readings GROUP BY component_name"
    )
    assert sql.column_names == ["component_name", "n"] and sql.to_pylist() == [{"component_name": "thermo", "n": 4}]
    rows = await data.tabular_data_by_sql(
        part.org_id, "SELECT part_name, time_received FROM readings ORDER BY time_received"
    )
    frame = await data.tabular_data_by_sql_to_polars(
        part.org_id, "SELECT part_name, time_received FROM readings ORDER BY time_received"
    )
    # The same rows as the list the one-page method returns, the naive UTC times made aware.
    assert frame.to_dicts() == [
        {**r, "time_received": r["time_received"].replace(tzinfo=datetime.timezone.utc)} for r in rows
    ]
    empty = await data.tabular_data_by_sql_to_dataframe(org_id=part.org_id, sql_query="SELECT * FROM readings WHERE 1 = 0")
    assert len(empty) == 0


async def test_latest_tables_have_one_row_per_resource(data: DataClient, part: Part) -> None:
    await _upload(data, part, 3, component="a")
    await _upload(data, part, 5, component="b")
    resources = [(part.part_id, "a", SENSOR, "Readings"), (part.part_id, "b", SENSOR, "Readings")]
    df = await data.latest_tabular_data_to_dataframe(resources)
    assert list(df.columns)[:6] == ["part_id", "component_type", "component_name", "method_name",
                                    "time_captured", "time_synced"]  # fmt: skip
    assert df["component_name"].tolist() == ["a", "b"]
    assert df["readings.celsius"].tolist() == [22.0, 24.0]
    assert df["time_captured"].iloc[1] == pd.Timestamp(T0 + datetime.timedelta(seconds=4))
    table = await data.latest_tabular_data_to_arrow(resources)
    assert table.column("readings.celsius").to_pylist() == [22.0, 24.0]
    assert (await data.latest_tabular_data_to_polars(resources[:1])).height == 1
    # A resource with no reading has no row; the others are still there.
    nothing = (part.part_id, "never-captured", SENSOR, "Readings")
    assert (await data.latest_tabular_data_to_dataframe([resources[0], nothing]))["component_name"].tolist() == ["a"]
    with pytest.raises(ValueError, match="four non-empty strings"):
        await data.latest_tabular_data_to_arrow([(part.part_id, "a", SENSOR)])  # type: ignore[list-item]


async def test_partitioned_parquet_reads_back_with_pyarrow_dataset_and_duckdb(
    data: DataClient, emulator: Emulator, part: Part, tmp_path: Path
) -> None:
    other = make_part(emulator, name="crane")
    await _upload(data, part, 30)
    await _upload(data, other, 12)
    await data.tabular_data_capture_upload(
        [{"readings": {"celsius": 1.0}}], part.part_id, SENSOR, "odd/name=x%:+1", "Readings",
        data_request_times=[(T0, T0)],
    )  # fmt: skip
    dest = tmp_path / "readings"
    rows = await data.tabular_data_to_parquet(dest, page_size=7, partition_by=["part", "component", "day"])
    assert rows == 43
    folders = sorted(str(p.parent.relative_to(dest)) for p in dest.rglob("*.parquet"))
    assert f"part_id={part.part_id}/component_name=thermo/day=2026-03-01" in folders
    assert f"part_id={part.part_id}/component_name=thermo/day=2026-03-02" in folders
    assert f"part_id={part.part_id}/component_name=odd%2Fname%3Dx%25%3A%2B1/day=2026-03-01" in folders
    assert [p.name for p in tmp_path.iterdir()] == ["readings"]  # nothing left beside it
    # The partition columns live in the folder names only (Spark refuses them in both).
    one = next(dest.rglob("*.parquet"))
    assert not {"part_id", "component_name", "day"} & set(pq.read_schema(one).names)

    dataset = ds.dataset(dest, format="parquet", partitioning="hive")
    table = dataset.to_table()
    assert table.num_rows == 43
    counts = table.group_by(["part_id", "day"]).aggregate([([], "count_all")]).to_pylist()
    assert {(c["part_id"], str(c["day"]), c["count_all"]) for c in counts} == {
        (part.part_id, "2026-03-01", 11), (part.part_id, "2026-03-02", 20), (other.part_id, "2026-03-01", 10),
        (other.part_id, "2026-03-02", 2),
    }  # fmt: skip
    assert set(table.column("component_name").to_pylist()) == {"thermo", "odd/name=x%:+1"}
    assert sorted(table.filter(ds.field("part_id") == other.part_id).column("readings.celsius").to_pylist()) == [
        20.0 + i for i in range(12)
    ]

    con = duckdb.connect()
    got = con.execute(
        "SELECT part_id, CAST(day AS VARCHAR) AS day, COUNT(*), SUM(\"readings.celsius\") "
        f"FROM read_parquet('{dest}/**/*.parquet', hive_partitioning = true) GROUP BY ALL ORDER BY ALL"
    ).fetchall()
    expected = sorted([
        (part.part_id, "2026-03-01", 11, sum(20.0 + i for i in range(10)) + 1.0),
        (part.part_id, "2026-03-02", 20, sum(20.0 + i for i in range(10, 30))),
        (other.part_id, "2026-03-01", 10, sum(20.0 + i for i in range(10))),
        (other.part_id, "2026-03-02", 2, sum(20.0 + i for i in range(10, 12))),
    ])  # fmt: skip
    assert got == expected
    names = con.execute(
        f"SELECT DISTINCT component_name FROM read_parquet('{dest}/**/*.parquet', hive_partitioning = true) ORDER BY 1"
    ).fetchall()
    assert names == [("odd/name=x%:+1",), ("thermo",)]


async def test_partitioned_parquet_from_export_sql_and_mql(data: DataClient, part: Part, tmp_path: Path) -> None:
    await _upload(data, part, 20)
    n = await data.export_tabular_data_to_parquet(
        tmp_path / "export", part.part_id, "thermo", SENSOR, "Readings", partition_by=["day"]
    )
    assert n == 20
    assert sorted(p.name for p in (tmp_path / "export").iterdir()) == ["day=2026-03-01", "day=2026-03-02"]
    assert ds.dataset(tmp_path / "export", partitioning="hive").count_rows() == 20
    n = await data.tabular_data_by_mql_to_parquet(
        tmp_path / "mql", part.org_id, [{"$project": {"_id": 0, "part_name": 1, "time_received": 1, "data": 1}}],
        partition_by=["part_name", "day"],
    )  # fmt: skip
    assert n == 20
    got = duckdb.connect().execute(
        f"SELECT part_name, COUNT(*) FROM read_parquet('{tmp_path / 'mql'}/**/*.parquet', hive_partitioning = true) "
        "GROUP BY part_name"
    ).fetchall()
    assert got == [(part.part_name, 20)]
    n = await data.tabular_data_by_sql_to_parquet(
        tmp_path / "sql.parquet", part.org_id, "SELECT component_name, time_received FROM readings"
    )
    assert n == 20 and pq.read_table(tmp_path / "sql.parquet").num_rows == 20
    assert await data.latest_tabular_data_to_parquet(
        tmp_path / "latest", [(part.part_id, "thermo", SENSOR, "Readings")], partition_by=["component"]
    ) == 1  # fmt: skip
    assert [p.name for p in (tmp_path / "latest").iterdir()] == ["component_name=thermo"]


async def test_partitioned_parquet_refuses_bad_keys_and_existing_folders(
    data: DataClient, part: Part, tmp_path: Path
) -> None:
    await _upload(data, part, 3)
    with pytest.raises(ValueError, match=r"partition_by names 'nope', which is not a column"):
        await data.tabular_data_to_parquet(tmp_path / "a", partition_by=["nope"])
    with pytest.raises(ValueError, match=r"cannot use 'tags': its values are lists"):
        await data.tabular_data_to_parquet(tmp_path / "a", partition_by=["tags"])
    with pytest.raises(ValueError, match="needs a column of dates"):
        await data.tabular_data_by_sql_to_parquet(
            tmp_path / "a", part.org_id, "SELECT component_name FROM readings", partition_by=["day"]
        )
    assert list(tmp_path.iterdir()) == []  # no half-written dataset, no staging folder
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "keep.txt").write_text("mine")
    with pytest.raises(FileExistsError, match="already exists"):
        await data.tabular_data_to_parquet(tmp_path / "full", partition_by=["day"])
    assert [p.name for p in (tmp_path / "full").iterdir()] == ["keep.txt"]
    (tmp_path / "empty").mkdir()  # an empty folder is taken
    assert await data.tabular_data_to_parquet(tmp_path / "empty", partition_by=["day"]) == 3


def test_blocking_client_has_the_table_pulls(emulator_thread: Emulator, tmp_path: Path) -> None:
    import viam_sdk.sync
    from viam_sdk.rpc.dial import DialOptions

    part = make_part(emulator_thread)
    boot = emulator_thread.bootstrap
    with viam_sdk.sync.ViamClient.create_from_dial_options(
        DialOptions.with_api_key(boot.api_key, boot.api_key_id), app_url=emulator_thread.app_url
    ) as viam:
        data = viam.data_client
        data.tabular_data_capture_upload(
            [{"readings": {"v": float(i)}} for i in range(5)], part.part_id, SENSOR, "b", "Readings",
            data_request_times=[(T0 + datetime.timedelta(seconds=i),) * 2 for i in range(5)],
        )  # fmt: skip
        df = data.tabular_data_by_sql_to_dataframe(part.org_id, "SELECT data FROM readings")
        assert isinstance(df, pd.DataFrame) and sorted(df["data.readings.v"]) == [float(i) for i in range(5)]
        assert data.export_tabular_data_to_polars(part.part_id, "b", SENSOR, "Readings").height == 5
        assert data.tabular_data_to_parquet(tmp_path / "b", page_size=2, partition_by="day") == 5
        assert ds.dataset(tmp_path / "b", partitioning="hive").count_rows() == 5


async def test_a_filter_page_walks_the_time_index_instead_of_sorting_every_match(
    data: DataClient, emulator: Emulator, part: Part
) -> None:
    # A pull of N readings makes N / page_size page queries; when each sorted every matching
    # reading, a 1,000,000-row pull cost 100 full sorts.  The query of one page must walk the
    # (organization, time_received, seq) index from the page token and stop at the page's end.
    from viam_api.app.data.v1 import Filter

    from viam_sdk.testing.backends.capture_filter import Scope
    from viam_sdk.testing.backends.captures import CapturesBackend

    await _upload(data, part, 3)
    backend = CapturesBackend(emulator.context)
    where = backend.tabular_where(Scope(org_ids=(part.org_id,)), Filter(component_name="thermo"))
    statements: list[str] = []
    db = emulator.context.store.db
    db.set_trace_callback(statements.append)
    try:
        rows = backend.tabular_page(where, descending=False, after=(0, 0), limit=2)
    finally:
        db.set_trace_callback(None)
    assert len(rows) == 2
    (query,) = [s for s in statements if "ORDER BY" in s]
    plan = " / ".join(str(r[3]) for r in db.execute("EXPLAIN QUERY PLAN " + query).fetchall())
    assert "data_tabular_by_org_time" in plan and "TEMP B-TREE" not in plan, plan
