"""viam-sdk 0.85.1's newer reading calls against the emulator: exports, the latest reading,
MQL's new keyword arguments, ``binary_data_by_ids(include_binary_data=)`` and
``delete_tabular_data(filter=)``."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from grpclib.const import Status
from grpclib.exceptions import GRPCError
from viam_api.app.data.v1 import DeleteTabularFilter, TabularDataSourceType

from viam_sdk.app.data_client import DataClient
from viam_sdk.testing import Emulator

from .conftest import DEPRECATION_NOISE, Part, make_part

pytestmark = pytest.mark.filterwarnings(DEPRECATION_NOISE)

T0 = datetime(2024, 5, 1, 12, 0, tzinfo=timezone.utc)
# The SDK returns times naive, in UTC, as the official SDK does.
NAIVE_T0 = T0.replace(tzinfo=None)
SENSOR = "rdk:component:sensor"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(200))


async def upload_readings(
    data: DataClient, part: Part, name: str = "thermo", n: int = 4, **kwargs: object
) -> None:
    times = [(T0 + timedelta(minutes=i), T0 + timedelta(minutes=i, seconds=1)) for i in range(n)]
    await data.tabular_data_capture_upload(
        [{"readings": {"celsius": 20.0 + i}} for i in range(n)],
        part.part_id,
        SENSOR,
        name,
        "Readings",
        data_request_times=times,
        **kwargs,  # type: ignore[arg-type]
    )


async def test_export_tabular_data_gives_points_in_the_interval(data: DataClient, part: Part) -> None:
    await upload_readings(data, part, tags=["lab"], method_parameters={"unit": "C"})
    await upload_readings(data, part, name="other", n=1)
    points = await data.export_tabular_data(
        part.part_id,
        "thermo",
        SENSOR,
        "Readings",
        start_time=T0 + timedelta(minutes=1),
        end_time=T0 + timedelta(minutes=2, seconds=30),
    )
    assert [p.payload for p in points] == [{"readings": {"celsius": 21.0}}, {"readings": {"celsius": 22.0}}]
    first = points[0]
    assert isinstance(first, DataClient.TabularDataPoint)
    assert (first.part_id, first.part_name, first.robot_id, first.robot_name) == (
        part.part_id,
        part.part_name,
        part.robot_id,
        part.robot_name,
    )
    assert (first.organization_id, first.location_id) == (part.org_id, part.location_id)
    assert (first.resource_name, first.resource_api, first.method_name) == ("thermo", SENSOR, "Readings")
    assert first.time_captured == NAIVE_T0 + timedelta(minutes=1)
    assert first.tags == ["lab"] and first.method_parameters == {"unit": "C"}
    assert "thermo" in str(first) and first == points[0] and first != points[1]
    with pytest.warns(DeprecationWarning):
        assert first.resource_subtype == SENSOR
    everything = await data.export_tabular_data(part.part_id, "thermo", SENSOR, "Readings")
    assert len(everything) == 4
    assert await data.export_tabular_data(part.part_id, "thermo", "rdk:component:camera", "Readings") == []


async def test_export_and_latest_refuse_parts_of_other_organizations(
    emulator: Emulator, data: DataClient
) -> None:
    foreign = make_part(emulator, emulator.add_organization().org_id)
    with pytest.raises(GRPCError) as info:
        await data.export_tabular_data(foreign.part_id, "thermo", SENSOR, "Readings")
    assert info.value.status == Status.PERMISSION_DENIED
    with pytest.raises(GRPCError) as info:
        await data.get_latest_tabular_data("no-such-part", "thermo", SENSOR, "Readings")
    assert info.value.status == Status.NOT_FOUND


async def test_get_latest_tabular_data(data: DataClient, part: Part) -> None:
    await upload_readings(data, part)
    latest = await data.get_latest_tabular_data(part.part_id, "thermo", SENSOR, "Readings")
    assert latest == (
        NAIVE_T0 + timedelta(minutes=3),
        NAIVE_T0 + timedelta(minutes=3, seconds=1),
        {"readings": {"celsius": 23.0}},
    )
    # No reading of that resource: None, as the official SDK gives for an empty answer (not an error).
    assert await data.get_latest_tabular_data(part.part_id, "nothing", SENSOR, "Readings") is None


async def test_mql_takes_query_or_mql_binary_and_the_source_arguments(data: DataClient, part: Part) -> None:
    await upload_readings(data, part)
    stages = [{"$match": {"component_name": "thermo"}}, {"$count": "n"}]
    assert await data.tabular_data_by_mql(part.org_id, query=stages) == [{"n": 4}]
    assert await data.tabular_data_by_mql(part.org_id, stages) == [{"n": 4}]
    # The hot data store keeps a rolling window (24 hours): these 2024 readings are not in it.
    assert await data.tabular_data_by_mql(part.org_id, mql_binary=stages, use_recent_data=True) == []
    with pytest.raises(TypeError):
        await data.tabular_data_by_mql(part.org_id)
    with pytest.raises(TypeError):
        await data.tabular_data_by_mql(part.org_id, stages, query=stages)
    sink = TabularDataSourceType.TABULAR_DATA_SOURCE_TYPE_PIPELINE_SINK
    with pytest.raises(GRPCError) as info:
        await data.tabular_data_by_mql(part.org_id, query=stages, tabular_data_source_type=sink)
    assert info.value.status == Status.INVALID_ARGUMENT
    with pytest.raises(GRPCError) as info:
        await data.tabular_data_by_mql(
            part.org_id, query=stages, tabular_data_source_type=sink, pipeline_id="nope"
        )
    assert info.value.status == Status.NOT_FOUND
    with pytest.raises(GRPCError) as info:
        await data.tabular_data_by_mql(part.org_id, query=stages, query_prefix_name="saved")
    assert info.value.status == Status.NOT_FOUND


async def test_binary_data_by_ids_without_the_bytes(data: DataClient, part: Part, tmp_path: Path) -> None:
    bid = await data.binary_data_capture_upload(
        binary_data=PNG,
        part_id=part.part_id,
        component_type="rdk:component:camera",
        component_name="cam",
        method_name="GetImages",
        file_extension=".png",
        data_request_times=(T0, T0),
    )
    full = await data.binary_data_by_ids([bid])
    assert full[0].binary == PNG
    bare = await data.binary_data_by_ids([bid], dest=str(tmp_path), include_binary_data=False)
    assert bare[0].binary == b"" and bare[0].metadata.binary_data_id == bid
    written = sorted(p.name for p in tmp_path.iterdir())
    assert len(written) == 1 and written[0].endswith(".png.json")
    assert json.loads((tmp_path / written[0]).read_text())


async def test_delete_tabular_data_with_a_filter(data: DataClient, part: Part) -> None:
    await upload_readings(data, part, name="keep")
    await upload_readings(data, part, name="drop", n=3)
    removed = await data.delete_tabular_data(part.org_id, 0, DeleteTabularFilter(component_name="drop"))
    assert removed == 3
    rows, _, _ = await data.tabular_data_by_filter()
    assert {r.metadata.component_name for r in rows} == {"keep"} and len(rows) == 4
    assert await data.delete_tabular_data(part.org_id, 0, filter=DeleteTabularFilter(part_id="other")) == 0
    with pytest.raises(GRPCError) as info:
        await data.delete_tabular_data("", 0, DeleteTabularFilter(component_name="keep"))
    assert info.value.status == Status.INVALID_ARGUMENT
