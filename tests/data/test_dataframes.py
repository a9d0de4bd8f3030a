"""Tabular readings as pandas DataFrames, Arrow tables and Parquet files, pulled from the real emulator.

The libraries are optional extras; the test that they are missing hides them
from a subprocess with a ``sys.modules[name] = None`` shim (which makes the
import fail) rather than uninstalling anything.
"""

from __future__ import annotations

import datetime
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from viam_api.app.data.v1 import Order

from viam_sdk import dataframes
from viam_sdk.app.data_client import DataClient

from .conftest import DEPRECATION_NOISE, Part

pytestmark = pytest.mark.filterwarnings(DEPRECATION_NOISE)

T0 = datetime.datetime(2026, 3, 1, 12, 0, tzinfo=datetime.timezone.utc)
REPO = Path(__file__).resolve().parents[2]


async def _upload(data: DataClient, part: Part, n: int, component: str = "thermo") -> None:
    times = [(T0 + datetime.timedelta(seconds=i), T0 + datetime.timedelta(seconds=i, milliseconds=250)) for i in range(n)]
    readings = [
        {"readings": {"celsius": 20.0 + i, "probe": {"ok": i % 2 == 0, "name": f"p{i}"}}} for i in range(n)
    ]
    await data.tabular_data_capture_upload(
        readings, part.part_id, "rdk:component:sensor", component, "Readings", tags=["lab"], data_request_times=times
    )


def test_flatten_joins_nested_keys_with_dots() -> None:
    assert dataframes.flatten({"readings": {"a": 1.0, "b": {"c": [1, 2]}, "empty": {}}, "x": "y"}) == {
        "readings.a": 1.0,
        "readings.b.c": [1, 2],
        "x": "y",
    }


async def test_dataframe_has_metadata_utc_times_and_one_column_per_key(data: DataClient, part: Part) -> None:
    await _upload(data, part, 25)
    seen: list[tuple[int, int | None]] = []
    df = await data.tabular_data_to_dataframe(
        DataClient.create_filter(component_name="thermo"), page_size=10, sort_order=Order.ORDER_ASCENDING,
        progress=lambda d, t: seen.append((d, t)),
    )
    assert len(df) == 25
    assert list(df.columns)[:12] == list(dataframes.METADATA_COLUMNS + dataframes.TIME_COLUMNS)
    assert {"readings.celsius", "readings.probe.ok", "readings.probe.name"} <= set(df.columns)
    assert df["readings.celsius"].tolist() == [20.0 + i for i in range(25)]
    assert df["readings.probe.ok"].tolist()[:3] == [True, False, True]
    assert set(df["robot_name"]) == {part.robot_name} and set(df["part_id"]) == {part.part_id}
    assert set(df["component_name"]) == {"thermo"} and set(df["method_name"]) == {"Readings"}
    assert df["tags"].iloc[0] == ["lab"]
    for name in dataframes.TIME_COLUMNS:
        assert str(df[name].dt.tz) == "UTC"
    assert df["time_requested"].iloc[3] == pd.Timestamp(T0 + datetime.timedelta(seconds=3))
    assert df["time_received"].iloc[3] == pd.Timestamp(T0 + datetime.timedelta(seconds=3, milliseconds=250))
    assert seen == [(10, None), (20, None), (25, None), (25, 25)]
    # The same frame from rows fetched by the one-page method.
    rows, _, _ = await data.tabular_data_by_filter(
        DataClient.create_filter(component_name="thermo"), limit=100, sort_order=Order.ORDER_ASCENDING
    )
    pd.testing.assert_frame_equal(dataframes.to_dataframe(rows), df)
    head = await data.tabular_data_to_dataframe(DataClient.create_filter(component_name="thermo"), max_items=7)
    assert len(head) == 7


async def test_missing_keys_are_null_and_a_clashing_key_is_kept_apart(data: DataClient, part: Part) -> None:
    await data.tabular_data_capture_upload(
        [{"readings": {"a": 1.0}}, {"readings": {"b": 2.0}, "part_id": "mine"}],
        part.part_id, "rdk:component:sensor", "mixed", "Readings",
        data_request_times=[(T0, T0), (T0 + datetime.timedelta(seconds=1), T0 + datetime.timedelta(seconds=1))],
    )
    df = await data.tabular_data_to_dataframe(
        DataClient.create_filter(component_name="mixed"), sort_order=Order.ORDER_ASCENDING
    )
    assert df["readings.a"].tolist()[0] == 1.0 and pd.isna(df["readings.a"].tolist()[1])
    assert pd.isna(df["readings.b"].tolist()[0]) and df["readings.b"].tolist()[1] == 2.0
    assert pd.isna(df["data.part_id"].tolist()[0]) and df["data.part_id"].tolist()[1] == "mine"
    assert set(df["part_id"]) == {part.part_id}


async def test_parquet_is_written_page_by_page_and_reads_back(data: DataClient, part: Part, tmp_path: Path) -> None:
    await _upload(data, part, 23)
    dest = tmp_path / "readings.parquet"
    flt = DataClient.create_filter(component_name="thermo")
    rows = await data.tabular_data_to_parquet(dest, flt, page_size=5, sort_order=Order.ORDER_ASCENDING)
    assert rows == 23
    meta = pq.ParquetFile(dest).metadata
    assert (meta.num_rows, meta.num_row_groups) == (23, 5)  # one row group per page
    table = pq.read_table(dest)
    assert table.schema.field("time_received").type == pa.timestamp("us", tz="UTC")
    assert table.column("readings.celsius").to_pylist() == [20.0 + i for i in range(23)]
    arrow = await data.tabular_data_to_arrow(flt, page_size=5, sort_order=Order.ORDER_ASCENDING)
    assert arrow.equals(table)
    assert [p.name for p in tmp_path.iterdir()] == ["readings.parquet"]  # no temporary file left behind


async def test_a_page_that_does_not_fit_the_schema_is_refused_and_nothing_is_written(
    data: DataClient, part: Part, tmp_path: Path
) -> None:
    await data.tabular_data_capture_upload(
        [{"readings": {"a": 1.0}}, {"readings": {"a": 2.0, "late": "new"}}],
        part.part_id, "rdk:component:sensor", "drift", "Readings",
        data_request_times=[(T0, T0), (T0 + datetime.timedelta(seconds=1), T0 + datetime.timedelta(seconds=1))],
    )
    dest = tmp_path / "drift.parquet"
    flt = DataClient.create_filter(component_name="drift")
    with pytest.raises(ValueError, match=r"column\(s\) readings.late that the first page did not"):
        await data.tabular_data_to_parquet(dest, flt, page_size=1, sort_order=Order.ORDER_ASCENDING)
    assert list(tmp_path.iterdir()) == []
    # With a schema naming every column, the same pull works.
    first = await data.tabular_data_to_arrow(flt, sort_order=Order.ORDER_ASCENDING)
    assert await data.tabular_data_to_parquet(dest, flt, page_size=1, schema=first.schema, sort_order=Order.ORDER_ASCENDING) == 2
    assert pq.read_table(dest).column("readings.late").to_pylist() == [None, "new"]


async def test_a_pull_timeout_is_a_deadline_for_the_whole_pull(data: DataClient, part: Part) -> None:
    from viam_sdk.errors import DeadlineExceeded

    await _upload(data, part, 3)
    with pytest.raises(DeadlineExceeded):
        await data.tabular_data_to_dataframe(page_size=1, timeout=1e-6)
    assert len(await data.tabular_data_to_dataframe(page_size=1, timeout=30)) == 3


@pytest.mark.parametrize(
    ("hidden", "call", "extra"),
    [
        ("pandas", "viam_sdk.dataframes.to_dataframe([])", "pandas"),
        ("pyarrow", "viam_sdk.dataframes.to_arrow([])", "arrow"),
        ("tqdm", "viam_sdk.progress.tqdm_progress().__enter__()", "progress"),
        ("polars", "__import__('viam_sdk.app._data.tables').app._data.tables.import_polars()", "polars"),
    ],
)
def test_a_missing_library_names_its_extra(hidden: str, call: str, extra: str) -> None:
    script = textwrap.dedent(
        f"""
        import sys
        sys.modules[{hidden!r}] = None  # the import fails as if it were not installed
        import viam_sdk.dataframes, viam_sdk.progress
        from viam_sdk.app.data_client import DataClient  # the SDK itself imports fine
        try:
            {call}
        except ImportError as exc:
            print(exc)
        else:
            print("no error")
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    ).stdout
    assert f"its '{extra}' extra: pip install '/path/to/checkout[{extra}]'" in out
    assert repr(hidden) in out


def test_blocking_client_pulls_frames_and_parquet(emulator_thread: object, tmp_path: Path) -> None:
    import viam_sdk.sync
    from viam_sdk.rpc.dial import DialOptions

    from .conftest import make_part

    emu: Any = emulator_thread
    part = make_part(emu)
    boot = emu.bootstrap
    with viam_sdk.sync.ViamClient.create_from_dial_options(
        DialOptions.with_api_key(boot.api_key, boot.api_key_id), app_url=emu.app_url
    ) as viam:
        data = viam.data_client
        data.tabular_data_capture_upload(
            [{"readings": {"v": float(i)}} for i in range(6)], part.part_id, "rdk:component:sensor", "b", "Readings"
        )
        flt = DataClient.create_filter(component_name="b")
        df = data.tabular_data_to_dataframe(flt, page_size=4)
        assert isinstance(df, pd.DataFrame) and sorted(df["readings.v"]) == [float(i) for i in range(6)]
        assert data.tabular_data_to_parquet(tmp_path / "b.parquet", flt, page_size=4) == 6
        assert pq.ParquetFile(tmp_path / "b.parquet").metadata.num_row_groups == 2


async def test_every_dataframe_path_gives_times_as_documented_ns_utc(data: DataClient, part: Part) -> None:
    # viam_sdk.dataframes and tabular_data_to_dataframe document ``datetime64[ns, UTC]``: a pull of
    # several pages, a pull matching nothing, ``max_items=0`` and rows already fetched all keep to it.
    await _upload(data, part, 6, component="units")
    flt = DataClient.create_filter(component_name="units")
    rows, _, _ = await data.tabular_data_by_filter(flt, limit=100, sort_order=Order.ORDER_ASCENDING)
    frames = {
        "pull": await data.tabular_data_to_dataframe(flt, page_size=4, sort_order=Order.ORDER_ASCENDING),
        "empty pull": await data.tabular_data_to_dataframe(DataClient.create_filter(component_name="none")),
        "max_items=0": await data.tabular_data_to_dataframe(flt, max_items=0),
        "to_dataframe": dataframes.to_dataframe(rows),
        "to_dataframe([])": dataframes.to_dataframe([]),
    }
    for path, df in frames.items():
        for name in dataframes.TIME_COLUMNS:
            assert str(df[name].dtype) == "datetime64[ns, UTC]", f"{path}: {name} is {df[name].dtype}"
    assert frames["pull"]["time_received"].iloc[5] == pd.Timestamp(
        T0 + datetime.timedelta(seconds=5, milliseconds=250)
    )


async def test_max_items_cuts_the_last_page_and_zero_rows_ask_the_server_nothing(
    data: DataClient, part: Part
) -> None:
    import socket

    from grpclib.client import Channel

    await _upload(data, part, 12)
    flt = DataClient.create_filter(component_name="thermo")
    told: list[tuple[int, int | None]] = []
    table = await data.tabular_data_to_arrow(
        flt, page_size=5, max_items=7, sort_order=Order.ORDER_ASCENDING,
        progress=lambda d, t: told.append((d, t)),
    )
    assert table.column("readings.celsius").to_pylist() == [20.0 + i for i in range(7)]
    assert told == [(5, None), (7, None), (7, 7)]
    # Zero rows wanted: no request at all, so a client whose server is gone still answers.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    channel = Channel("127.0.0.1", port)
    try:
        offline = DataClient(channel, {})
        assert (await offline.tabular_data_to_arrow(flt, max_items=0)).num_rows == 0
        assert len(await offline.tabular_data_to_dataframe(flt, max_items=0)) == 0
    finally:
        channel.close()
