"""Data pipelines that run: scheduled MQL over each interval, results in the pipeline's sink.

The emulator's clock is a variable the test moves; ``run_due`` is the
testing hook that executes what is due at once, and the background task is
checked to do the same on its own.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import pytest
import pytest_asyncio
from viam_api.app.data.v1 import TabularDataSourceType
from viam_api.app.datapipelines.v1 import (
    DataPipelineRunStatus,
    DisableDataPipelineRequest,
    EnableDataPipelineRequest,
)

from viam_sdk.app.viam_client import ViamClient
from viam_sdk.testing import Emulator
from viam_sdk.testing.backends.pipelines import PipelinesBackend, run_due
from viam_sdk.testing.services import _pipeline_runs

from .conftest import DEPRECATION_NOISE, Part, connect, make_part

pytestmark = pytest.mark.filterwarnings(DEPRECATION_NOISE)

T0 = datetime(2025, 3, 1, 10, 30, tzinfo=timezone.utc)
SINK = TabularDataSourceType.TABULAR_DATA_SOURCE_TYPE_PIPELINE_SINK
HOT = TabularDataSourceType.TABULAR_DATA_SOURCE_TYPE_HOT_STORAGE
Status = DataPipelineRunStatus


@dataclass
class Clock:
    now: datetime

    def __call__(self) -> datetime:
        return self.now


@dataclass
class World:
    emu: Emulator
    viam: ViamClient
    clock: Clock
    part: Part


@asynccontextmanager
async def _world() -> AsyncIterator[World]:
    clock = Clock(T0)
    async with Emulator(clock=clock) as emu:
        viam = await connect(emu)
        try:
            yield World(emu, viam, clock, make_part(emu))
        finally:
            viam.close()


@pytest_asyncio.fixture
async def world() -> AsyncIterator[World]:
    async with _world() as w:
        yield w


async def _upload(w: World, component: str, value: float, received: datetime) -> None:
    await w.viam.data_client.tabular_data_capture_upload(
        [{"readings": {"t": value}}],
        w.part.part_id,
        "rdk:component:sensor",
        component,
        "Readings",
        data_request_times=[(received - timedelta(seconds=1), received)],
    )


HOURLY_MEAN = [
    {"$match": {"component_name": "thermo"}},
    {"$group": {"_id": "$component_name", "mean": {"$avg": "$data.readings.t"}, "n": {"$sum": 1}}},
]


async def test_a_due_run_processes_its_interval_into_the_sink(world: World) -> None:
    data = world.viam.data_client
    org = world.part.org_id
    # Inside [11:00, 12:00): 11:00:00 (start included) and 11:59; outside: 10:59 and 12:00 (end excluded).
    for value, at in ((1.0, "10:59"), (10.0, "11:00"), (20.0, "11:59"), (99.0, "12:00")):
        hour, minute = map(int, at.split(":"))
        await _upload(world, "thermo", value, T0.replace(hour=hour, minute=minute))
    await _upload(world, "baro", 5.0, T0.replace(hour=11, minute=30))
    pid = await data.create_data_pipeline(org, "hourly", HOURLY_MEAN, "0 * * * *", False)

    world.clock.now = T0.replace(hour=11, minute=59)  # the interval has not ended
    assert run_due(world.emu.context) == []
    assert (
        await data.tabular_data_by_mql(org, [{"$match": {}}], tabular_data_source_type=SINK, pipeline_id=pid)
        == []
    )

    world.clock.now = T0.replace(hour=12, minute=0, second=30)
    [executed] = run_due(world.emu.context)
    runs = (await data.list_data_pipeline_runs(pid)).runs
    assert [(r.status, r.data_start_time.hour, r.data_end_time.hour) for r in runs] == [
        (Status.DATA_PIPELINE_RUN_STATUS_SCHEDULED, 12, 13),
        (Status.DATA_PIPELINE_RUN_STATUS_COMPLETED, 11, 12),
    ]
    assert runs[1].id == executed and runs[1].error_message == ""
    assert runs[1].start_time == runs[1].end_time == world.clock.now.replace(tzinfo=None)
    sink = await data.tabular_data_by_mql(
        org, [{"$project": {"_id": 0}}], tabular_data_source_type=SINK, pipeline_id=pid
    )
    assert sink == [{"mean": 15.0, "n": 2}]
    assert run_due(world.emu.context) == []  # nothing is due twice

    # Two hours later both missed intervals run, oldest first, and add to the sink.
    world.clock.now = T0.replace(hour=14, minute=0, second=1)
    assert len(run_due(world.emu.context)) == 2
    sink = await data.tabular_data_by_mql(
        org, [{"$project": {"_id": 0}}], tabular_data_source_type=SINK, pipeline_id=pid
    )
    assert sink == [{"mean": 15.0, "n": 2}, {"mean": 99.0, "n": 1}]  # 13:00-14:00 had no readings


async def test_a_failing_run_is_recorded_and_a_disabled_pipeline_waits(world: World) -> None:
    data = world.viam.data_client
    org = world.part.org_id
    await _upload(world, "thermo", 0.0, T0.replace(hour=11, minute=5))
    broken = await data.create_data_pipeline(
        org, "broken", [{"$project": {"x": {"$divide": [1, "$data.readings.t"]}}}], "0 * * * *", False
    )
    paused = await data.create_data_pipeline(org, "paused", HOURLY_MEAN, "0 * * * *", False)
    # DataClient has no enable/disable (neither has 0.85.1): the generated stub it holds does.
    await data._data_pipelines_client.disable_data_pipeline(DisableDataPipelineRequest(id=paused))
    world.clock.now = T0.replace(hour=12, minute=1)
    run_due(world.emu.context)
    failed = (await data.list_data_pipeline_runs(broken)).runs[1]
    assert failed.status == Status.DATA_PIPELINE_RUN_STATUS_FAILED
    assert "$divide by zero" in failed.error_message
    assert (
        await data.tabular_data_by_mql(
            org, [{"$count": "n"}], tabular_data_source_type=SINK, pipeline_id=broken
        )
        == []
    )
    assert [r.status for r in (await data.list_data_pipeline_runs(paused)).runs] == [
        Status.DATA_PIPELINE_RUN_STATUS_SCHEDULED
    ]
    await data._data_pipelines_client.enable_data_pipeline(EnableDataPipelineRequest(id=paused))
    run_due(world.emu.context)
    sink = await data.tabular_data_by_mql(
        org, [{"$project": {"_id": 0}}], tabular_data_source_type=SINK, pipeline_id=paused
    )
    assert sink == [{"mean": 0.0, "n": 1}]
    await data.delete_data_pipeline(paused)
    assert PipelinesBackend(world.emu.context).sink_size(paused) == 0


async def test_the_background_task_runs_due_pipelines(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_pipeline_runs, "TICK_S", 0.02)
    async with _world() as world:
        data = world.viam.data_client
        org = world.part.org_id
        await _upload(world, "thermo", 7.0, T0.replace(hour=11, minute=5))
        pid = await data.create_data_pipeline(org, "hourly", HOURLY_MEAN, "0 * * * *", False)
        world.clock.now = T0.replace(hour=12, minute=0, second=5)

        async def completed() -> list[dict[str, object]]:
            while True:
                rows = await data.tabular_data_by_mql(
                    org, [{"$project": {"_id": 0}}], tabular_data_source_type=SINK, pipeline_id=pid
                )
                if rows:
                    return rows
                await asyncio.sleep(0.02)

        # A generous bound on the wait; the assertion is on the outcome only.
        assert await asyncio.wait_for(completed(), timeout=30) == [{"mean": 7.0, "n": 1}]


async def test_the_hot_data_store_is_a_rolling_window(world: World) -> None:
    data = world.viam.data_client
    org = world.part.org_id
    world.clock.now = T0
    await _upload(world, "thermo", 1.0, T0 - timedelta(hours=23))  # inside the 24-hour window
    await _upload(world, "thermo", 2.0, T0 - timedelta(hours=25))  # outside it
    stages = [{"$project": {"_id": 0, "t": "$data.readings.t"}}, {"$sort": {"t": 1}}]
    assert await data.tabular_data_by_mql(org, stages) == [{"t": 1.0}, {"t": 2.0}]
    assert await data.tabular_data_by_mql(org, stages, tabular_data_source_type=HOT) == [{"t": 1.0}]
    assert await data.tabular_data_by_mql(org, stages, use_recent_data=True) == [{"t": 1.0}]
    world.emu.context.extras["recent_data_hours"] = 48
    assert await data.tabular_data_by_mql(org, stages, tabular_data_source_type=HOT) == [
        {"t": 1.0},
        {"t": 2.0},
    ]
