"""Tabular data end to end: upload readings, query them by filter, page, export, delete."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from grpclib.const import Status
from grpclib.exceptions import GRPCError
from viam_api.app.data.v1 import Order

from viam_sdk.app._data.files import read_tabular_file
from viam_sdk.app.data_client import DataClient
from viam_sdk.testing import Emulator

from .conftest import DEPRECATION_NOISE, Part, connect, make_part

pytestmark = pytest.mark.filterwarnings(DEPRECATION_NOISE)

T0 = datetime(2024, 5, 1, 12, 0, tzinfo=timezone.utc)
# The SDK returns times naive, in UTC, as the official SDK does.
NAIVE_T0 = T0.replace(tzinfo=None)


def times(n: int, start: datetime = T0) -> list[tuple[datetime, datetime]]:
    return [(start + timedelta(seconds=i), start + timedelta(seconds=i, milliseconds=250)) for i in range(n)]


async def upload_temps(
    data: DataClient, part: Part, n: int, *, name: str = "thermo", tags: list[str] | None = None
) -> str:
    return await data.tabular_data_capture_upload(
        tabular_data=[{"readings": {"celsius": 20 + i, "ok": i % 2 == 0}} for i in range(n)],
        part_id=part.part_id,
        component_type="rdk:component:sensor",
        component_name=name,
        method_name="Readings",
        tags=tags,
        data_request_times=times(n),
    )


async def test_upload_then_filter_returns_rows_as_dicts_with_metadata(data: DataClient, part: Part) -> None:
    file_id = await upload_temps(data, part, 3, tags=["lab"])
    assert file_id

    rows, count, last = await data.tabular_data_by_filter(
        DataClient.create_filter(component_name="thermo"), sort_order=Order.ORDER_ASCENDING
    )
    assert count == 3 and last
    assert [r.data for r in rows] == [{"readings": {"celsius": 20 + i, "ok": i % 2 == 0}} for i in range(3)]
    first = rows[0]
    assert isinstance(first, DataClient.TabularData)
    assert first.time_requested == NAIVE_T0
    assert first.time_received == NAIVE_T0 + timedelta(milliseconds=250)
    meta = first.metadata
    assert (meta.organization_id, meta.location_id, meta.robot_id, meta.part_id) == (
        part.org_id,
        part.location_id,
        part.robot_id,
        part.part_id,
    )
    assert (meta.robot_name, meta.part_name, meta.component_name, meta.method_name) == (
        part.robot_name,
        part.part_name,
        "thermo",
        "Readings",
    )
    assert meta.component_type == "rdk:component:sensor"
    assert list(meta.tags) == ["lab"]
    assert "thermo" in str(first) and "celsius" in str(first)
    assert first == rows[0] and first != rows[1]


async def test_default_order_is_newest_first_and_limit_defaults_to_50(data: DataClient, part: Part) -> None:
    await upload_temps(data, part, 60)
    rows, count, _ = await data.tabular_data_by_filter()
    assert count == 50 and len(rows) == 50
    received = [r.time_received for r in rows]
    assert received == sorted(received, reverse=True)


async def test_paging_with_last_walks_every_row_exactly_once(data: DataClient, part: Part) -> None:
    await upload_temps(data, part, 23)
    seen: list[int] = []
    last: str | None = None
    pages = 0
    while True:
        rows, count, last = await data.tabular_data_by_filter(
            None, limit=5, sort_order=Order.ORDER_ASCENDING, last=last
        )
        if not rows:
            break
        pages += 1
        assert count == len(rows) <= 5
        seen.extend(r.data["readings"]["celsius"] for r in rows)
    assert pages == 5
    assert seen == [20 + i for i in range(23)]


async def test_count_only_counts_all_matching_rows(data: DataClient, part: Part) -> None:
    await upload_temps(data, part, 7)
    await upload_temps(data, part, 4, name="other")
    rows, count, _ = await data.tabular_data_by_filter(
        DataClient.create_filter(component_name="thermo"), count_only=True
    )
    assert rows == [] and count == 7


async def test_filters_exclude_what_they_do_not_name(
    emulator: Emulator, data: DataClient, part: Part
) -> None:
    other_part = make_part(emulator, name="drone")
    await upload_temps(data, part, 2, tags=["a"])
    await upload_temps(data, part, 3, name="barometer", tags=["b"])
    await upload_temps(data, other_part, 4)

    async def count(**kwargs: Any) -> int:
        _, n, _ = await data.tabular_data_by_filter(DataClient.create_filter(**kwargs), count_only=True)
        return n

    assert await count() == 9
    assert await count(component_name="barometer") == 3
    assert await count(part_id=other_part.part_id) == 4
    assert await count(robot_name="drone") == 4
    assert await count(robot_id=part.robot_id) == 5
    assert await count(part_name="rover-main") == 5
    assert await count(location_ids=[other_part.location_id]) == 4
    assert await count(organization_ids=[part.org_id]) == 9
    assert await count(method="Readings") == 9
    assert await count(method="Other") == 0
    assert await count(component_type="rdk:component:camera") == 0
    assert await count(tags=["b"]) == 3
    assert await count(tags=["a", "b"]) == 5
    assert await count(tags=["zzz"]) == 0
    # Received at i s + 250 ms: from 2 s on, one row of the 3-row upload and two of the 4-row one.
    assert await count(start_time=T0 + timedelta(seconds=2)) == 3
    assert await count(end_time=T0 + timedelta(seconds=0, milliseconds=250)) == 3
    assert await count(bbox_labels=["x"]) == 0
    assert await count(dataset_id="any") == 0


async def test_dest_writes_ndjson_that_reads_back_equal(data: DataClient, part: Part, tmp_path: Path) -> None:
    await upload_temps(data, part, 4)
    dest = tmp_path / "page.ndjson"
    rows, _, _ = await data.tabular_data_by_filter(sort_order=Order.ORDER_ASCENDING, dest=str(dest))
    lines = dest.read_text().splitlines()
    assert len(lines) == 4 and all(json.loads(line)["metadata"]["part_id"] == part.part_id for line in lines)
    back = read_tabular_file(dest)
    assert [b["data"] for b in back] == [r.data for r in rows]
    assert [b["time_received"] for b in back] == [r.time_received for r in rows]
    assert [b["metadata"]["component_name"] for b in back] == ["thermo"] * 4


async def test_dest_in_missing_folder_raises_and_failed_write_keeps_old_file(
    data: DataClient, part: Part, tmp_path: Path
) -> None:
    await upload_temps(data, part, 2)
    with pytest.raises(FileNotFoundError, match="missing"):
        await data.tabular_data_by_filter(dest=str(tmp_path / "missing" / "x.ndjson"))

    dest = tmp_path / "page.ndjson"
    dest.write_text("earlier export\n")
    # A reading whose value cannot be written as JSON makes the write fail half-way.
    await data.tabular_data_capture_upload(
        [{"v": 1}], part.part_id, "sensor", "thermo", "Readings", data_request_times=times(1)
    )
    import viam_sdk.app._data.files as files

    original = files.capture_metadata_dict
    calls = {"n": 0}

    def failing(meta: object) -> dict[str, object]:
        calls["n"] += 1
        if calls["n"] == 2:
            raise OSError("disk full")
        return original(meta)

    files.capture_metadata_dict = failing
    try:
        with pytest.raises(OSError, match="disk full"):
            await data.tabular_data_by_filter(dest=str(dest))
    finally:
        files.capture_metadata_dict = original
    assert dest.read_text() == "earlier export\n"
    assert [p.name for p in tmp_path.iterdir()] == ["page.ndjson"]


async def test_upload_times_must_match_rows(data: DataClient, part: Part) -> None:
    with pytest.raises(ValueError, match="data_request_times has 1 entries but tabular_data has 2"):
        await data.tabular_data_capture_upload(
            [{"a": 1}, {"a": 2}], part.part_id, "sensor", "s", "Readings", data_request_times=times(1)
        )
    _, count, _ = await data.tabular_data_by_filter(count_only=True)
    assert count == 0


async def test_upload_to_unknown_part_is_not_found(data: DataClient) -> None:
    with pytest.raises(GRPCError) as info:
        await data.tabular_data_capture_upload([{"a": 1}], "no-such-part", "sensor", "s", "Readings")
    assert info.value.status == Status.NOT_FOUND
    assert "no-such-part" in str(info.value.message)


async def test_bad_page_token_is_invalid_argument(data: DataClient) -> None:
    with pytest.raises(GRPCError) as info:
        await data.tabular_data_by_filter(last="not-a-token!")
    assert info.value.status == Status.INVALID_ARGUMENT
    assert "not-a-token!" in str(info.value.message)


async def test_delete_tabular_data_by_age(emulator: Emulator, data: DataClient, part: Part) -> None:
    now = datetime.now(timezone.utc)
    old = [(now - timedelta(days=30), now - timedelta(days=30))] * 2
    new = [(now - timedelta(hours=1), now - timedelta(hours=1))] * 3
    await data.tabular_data_capture_upload(
        [{"a": 1}] * 2, part.part_id, "s", "old", "R", data_request_times=old
    )
    await data.tabular_data_capture_upload(
        [{"a": 1}] * 3, part.part_id, "s", "new", "R", data_request_times=new
    )
    assert await data.delete_tabular_data(part.org_id, 10) == 2
    _, remaining, _ = await data.tabular_data_by_filter(count_only=True)
    assert remaining == 3
    assert await data.delete_tabular_data(part.org_id, 0) == 3
    _, remaining, _ = await data.tabular_data_by_filter(count_only=True)
    assert remaining == 0


async def test_delete_tabular_data_by_filter_is_deprecated_but_works(data: DataClient, part: Part) -> None:
    await upload_temps(data, part, 3, tags=["x"])
    await upload_temps(data, part, 2, name="keep")
    flt = DataClient.create_filter(organization_ids=[part.org_id], component_name="thermo", tags=["x"])
    with pytest.warns(DeprecationWarning, match="use delete_tabular_data"):
        assert await data.delete_tabular_data_by_filter(flt) == 3
    rows, _, _ = await data.tabular_data_by_filter()
    assert {r.metadata.component_name for r in rows} == {"keep"}
    for bad, needle in (
        (None, "exactly one organization"),
        (DataClient.create_filter(organization_ids=[part.org_id], robot_name="r"), "robot_name"),
    ):
        with pytest.warns(DeprecationWarning), pytest.raises(ValueError, match=needle):
            await data.delete_tabular_data_by_filter(bad)
    _, count, _ = await data.tabular_data_by_filter(count_only=True)
    assert count == 2


async def test_another_org_sees_none_of_this_data(emulator: Emulator, data: DataClient, part: Part) -> None:
    await upload_temps(data, part, 5)
    other = emulator.add_organization()
    stranger = await connect(emulator, other.api_key, other.api_key_id)
    try:
        rows, count, _ = await stranger.data_client.tabular_data_by_filter()
        assert rows == [] and count == 0
        with pytest.raises(GRPCError) as info:
            await stranger.data_client.tabular_data_by_filter(
                DataClient.create_filter(organization_ids=[part.org_id])
            )
        assert info.value.status == Status.PERMISSION_DENIED
        with pytest.raises(GRPCError) as info:
            await stranger.data_client.tabular_data_capture_upload([{"a": 1}], part.part_id, "s", "n", "R")
        assert info.value.status == Status.PERMISSION_DENIED
        with pytest.raises(GRPCError) as info:
            await stranger.data_client.delete_tabular_data(part.org_id, 0)
        assert info.value.status == Status.PERMISSION_DENIED
    finally:
        stranger.close()
    _, count, _ = await data.tabular_data_by_filter(count_only=True)
    assert count == 5


async def test_every_json_kind_survives_the_round_trip(data: DataClient, part: Part) -> None:
    reading: dict[str, Any] = {
        "list": [1, "x", None, {"b": True}, [2.5, -3]],
        "nothing": None,
        "text": "grüße ✓",
        "big": 2**40,
        "negative": -7.25,
        "flag": False,
        "nested": {"deeper": {"deepest": []}, "empty": {}},
    }
    await data.tabular_data_capture_upload([reading], part.part_id, "sensor", "kinds", "Readings")
    rows, _, _ = await data.tabular_data_by_filter(DataClient.create_filter(component_name="kinds"))
    assert rows[0].data == reading


def test_tabular_data_keeps_its_public_name_though_it_lives_in_its_own_module() -> None:
    import pickle

    from viam_api.app.data.v1 import CaptureMetadata

    from viam_sdk.app._data import tabular

    assert DataClient.TabularData is tabular.TabularData
    assert (DataClient.TabularData.__module__, DataClient.TabularData.__qualname__) == (
        "viam_sdk.app.data_client", "DataClient.TabularData"
    )
    row = DataClient.TabularData({"celsius": 21.5}, CaptureMetadata(part_name="p"), None, None)
    assert repr(row).startswith("DataClient.TabularData(data={'celsius': 21.5}")
    assert pickle.loads(pickle.dumps(row)) == row
