"""Waiters (issue 20, item 5) against the real emulator: poll to a terminal state under one timeout.

The emulator's training jobs move one state per read (PENDING, IN_PROGRESS,
COMPLETED); pipeline runs happen when the test moves the emulator's clock
and calls ``run_due``; sequence exports complete at once.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import pytest
import pytest_asyncio
from viam_api.app.datapipelines.v1 import DataPipelineRunStatus
from viam_api.app.dataset.v1 import DatasetType, SequenceDatasetExportStatus
from viam_api.app.mltraining.v1 import ModelType, TrainingStatus

from viam_sdk import errors
from viam_sdk.app.data_client import DataClient, OperationCanceled, OperationFailed, WaitTimeout
from viam_sdk.app.viam_client import ViamClient
from viam_sdk.testing import Emulator
from viam_sdk.testing.backends.pipelines import run_due

from .conftest import DEPRECATION_NOISE, Part, connect, make_part

pytestmark = pytest.mark.filterwarnings(DEPRECATION_NOISE)

T0 = datetime(2025, 3, 1, 10, 30, tzinfo=timezone.utc)
FAST = {"poll_interval": 0.01, "max_poll_interval": 0.05}


async def _dataset(data: DataClient, part: Part, name: str, images: int) -> str:
    dataset_id = await data.create_dataset(name, part.org_id)
    for n in range(images):
        await data.binary_data_capture_upload(
            b"\x89PNG" + bytes([n]) * 16, part.part_id, "camera", "cam", "GetImages", ".png", dataset_ids=[dataset_id]
        )
    return dataset_id


async def test_training_job_waited_to_completion_failure_and_cancel(viam: ViamClient, part: Part) -> None:
    data, training = viam.data_client, viam.ml_training_client
    kind = ModelType.MODEL_TYPE_OBJECT_DETECTION
    full = await _dataset(data, part, "full", 1)
    job = await training.submit_training_job(part.org_id, full, "m", "1", kind, ["a"])
    done = await training.wait_for_training_job(job, timeout=30, **FAST)
    assert done.status == TrainingStatus.TRAINING_STATUS_COMPLETED and done.synced_model_id

    empty = await _dataset(data, part, "empty", 0)
    job = await training.submit_training_job(part.org_id, empty, "m", "2", kind, ["a"])
    with pytest.raises(OperationFailed) as failed:
        await training.wait_for_training_job(job, timeout=30, **FAST)
    assert not isinstance(failed.value, OperationCanceled)
    assert failed.value.state.status == TrainingStatus.TRAINING_STATUS_FAILED
    assert "TRAINING_STATUS_FAILED" in str(failed.value) and job in str(failed.value)

    job = await training.submit_training_job(part.org_id, full, "m", "3", kind, ["a"])
    await training.cancel_training_job(job)
    with pytest.raises(OperationCanceled) as canceled:
        await training.wait_for_training_job(job, timeout=30, **FAST)
    assert canceled.value.state.status == TrainingStatus.TRAINING_STATUS_CANCELED

    with pytest.raises(errors.NotFound):
        await training.wait_for_training_job("no-such-job", timeout=30, **FAST)
    with pytest.raises(ValueError, match="timeout"):
        await training.wait_for_training_job(job, timeout=-1)


async def test_sequence_export_is_waited_for(data: DataClient, part: Part) -> None:
    dataset_id = await data.create_dataset("runs", part.org_id, int(DatasetType.DATASET_TYPE_SEQUENCE_DATA))
    job = await data.start_sequence_dataset_export(dataset_id)
    done = await data.wait_for_sequence_dataset_export(job, timeout=30, **FAST)
    assert done.status == SequenceDatasetExportStatus.SEQUENCE_DATASET_EXPORT_STATUS_COMPLETED
    assert done.download_url


@dataclass
class Clock:
    now: datetime

    def __call__(self) -> datetime:
        return self.now


@dataclass
class World:
    emu: Emulator
    data: DataClient
    clock: Clock
    part: Part


@pytest_asyncio.fixture
async def world() -> AsyncIterator[World]:
    clock = Clock(T0)
    async with Emulator(clock=clock) as emu:
        viam = await connect(emu)
        try:
            yield World(emu, viam.data_client, clock, make_part(emu))
        finally:
            viam.close()


async def test_pipeline_runs_are_waited_for_and_a_timeout_says_so(world: World) -> None:
    data, org = world.data, world.part.org_id
    await data.tabular_data_capture_upload(
        [{"readings": {"t": 0.0}}],
        world.part.part_id,
        "rdk:component:sensor",
        "thermo",
        "Readings",
        data_request_times=[(T0 + timedelta(minutes=34), T0 + timedelta(minutes=35))],
    )
    good = await data.create_data_pipeline(org, "good", [{"$match": {}}], "0 * * * *", False)
    bad = await data.create_data_pipeline(
        org, "bad", [{"$project": {"x": {"$divide": [1, "$data.readings.t"]}}}], "0 * * * *", False
    )
    good_run = (await data.list_data_pipeline_runs(good)).runs[0].id
    bad_run = (await data.list_data_pipeline_runs(bad)).runs[0].id

    # Nothing moves while the clock stands still: the wait ends with WaitTimeout and the last state.
    with pytest.raises(WaitTimeout) as late:
        await data.wait_for_data_pipeline_run(good, good_run, timeout=0.2, **FAST)
    assert isinstance(late.value, TimeoutError)
    assert late.value.state is not None and late.value.state.id == good_run
    assert "SCHEDULED" in str(late.value)

    waiting = asyncio.ensure_future(data.wait_for_data_pipeline_run(good, good_run, timeout=60, **FAST))
    await asyncio.sleep(0.05)
    assert not waiting.done()
    world.clock.now = T0.replace(hour=12, minute=0, second=30)
    run_due(world.emu.context)
    finished = await waiting
    assert finished.id == good_run and finished.status == DataPipelineRunStatus.DATA_PIPELINE_RUN_STATUS_COMPLETED

    with pytest.raises(OperationFailed) as failed:
        await data.wait_for_data_pipeline_run(bad, bad_run, timeout=60, **FAST)
    assert "$divide by zero" in str(failed.value)
    with pytest.raises(errors.NotFound):
        await data.wait_for_data_pipeline_run(good, "no-such-run", timeout=60, **FAST)
