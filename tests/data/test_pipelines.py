"""Data pipelines (DataPipelinesService) through DataClient, async and blocking, against the emulator."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone

import bson
import pytest
from grpclib.const import Status
from grpclib.exceptions import GRPCError
from viam_api.app.data.v1 import TabularDataSourceType
from viam_api.app.datapipelines.v1 import DataPipelineRunStatus

from viam_sdk.app.data_client import DataClient
from viam_sdk.rpc.dial import DialOptions
from viam_sdk.sync import ViamClient as SyncViamClient
from viam_sdk.sync.pipelines import DataPipelineRunsPage as SyncRunsPage
from viam_sdk.testing import Emulator
from viam_sdk.testing.backends.cron import next_fire, parse_schedule
from viam_sdk.testing.backends.pipelines import PipelinesBackend

from .conftest import connect

STAGES = [
    {"$match": {"component_name": "thermometer"}},
    {"$group": {"_id": "$part_id", "mean": {"$avg": "$data.readings.t"}}},
]
T0 = datetime(2024, 8, 1, tzinfo=timezone.utc)


def _naive(moment: datetime) -> datetime:
    """An aware time as the naive UTC one the SDK returns."""
    return moment.astimezone(timezone.utc).replace(tzinfo=None)


def _record(emu: Emulator, pipeline_id: str, count: int) -> list[str]:
    """``count`` completed hourly runs, oldest first; returns their ids."""
    ids = []
    pipelines = PipelinesBackend(emu.context)
    for i in range(count):
        start = T0 + timedelta(hours=i)
        ids.append(
            pipelines.record_run(
                pipeline_id,
                status=DataPipelineRunStatus.DATA_PIPELINE_RUN_STATUS_COMPLETED,
                data_start_time=start,
                data_end_time=start + timedelta(hours=1),
                start_time=start + timedelta(hours=1),
                end_time=start + timedelta(hours=1, minutes=1),
            )
        )
    return ids


async def _status(call: object) -> Status:
    with pytest.raises(GRPCError) as info:
        await call  # type: ignore[misc]
    return info.value.status


async def test_create_get_list_rename_delete(emulator: Emulator, data: DataClient) -> None:
    org = emulator.bootstrap.org_id
    before = emulator.context.now()
    pid = await data.create_data_pipeline(org, "hourly-means", STAGES, "0 * * * *", enable_backfill=False)
    got = await data.get_data_pipeline(pid)
    assert isinstance(got, DataClient.DataPipeline)
    assert (got.id, got.organization_id, got.name, got.schedule, got.enabled) == (
        pid,
        org,
        "hourly-means",
        "0 * * * *",
        True,
    )
    assert got.mql_binary == STAGES
    assert got.data_source_type == TabularDataSourceType.TABULAR_DATA_SOURCE_TYPE_STANDARD
    # naive UTC, as the official SDK gives pipeline times
    assert got.created_on.tzinfo is None
    assert got.created_on >= _naive(before).replace(microsecond=0) - timedelta(seconds=1)
    assert got.updated_at == got.created_on

    # bytes stages pass unchanged; another source type is kept
    raw = [bson.encode({"$limit": 5})]
    other = await data.create_data_pipeline(
        org,
        "hot",
        raw,
        "*/15 * * * *",
        True,
        data_source_type=TabularDataSourceType.TABULAR_DATA_SOURCE_TYPE_HOT_STORAGE,
    )
    listed = await data.list_data_pipelines(org)
    assert [p.id for p in listed] == [pid, other]
    assert listed[1].mql_binary == [{"$limit": 5}]
    assert listed[1].data_source_type == TabularDataSourceType.TABULAR_DATA_SOURCE_TYPE_HOT_STORAGE

    await data.rename_data_pipeline(pid, "daily-means")
    renamed = await data.get_data_pipeline(pid)
    assert renamed.name == "daily-means" and renamed.updated_at >= renamed.created_on
    assert dataclasses.replace(renamed, name="hourly-means", updated_at=got.updated_at) == got

    await data.delete_data_pipeline(pid)
    assert [p.id for p in await data.list_data_pipelines(org)] == [other]
    assert await _status(data.get_data_pipeline(pid)) == Status.NOT_FOUND
    assert await _status(data.delete_data_pipeline(pid)) == Status.NOT_FOUND
    assert await _status(data.list_data_pipeline_runs(pid)) == Status.NOT_FOUND


async def test_creation_records_one_scheduled_run(emulator: Emulator, data: DataClient) -> None:
    created = emulator.context.now()
    pid = await data.create_data_pipeline(emulator.bootstrap.org_id, "p", STAGES, "0 * * * *", False)
    page = await data.list_data_pipeline_runs(pid)
    assert isinstance(page, DataClient.DataPipelineRunsPage)
    assert (page.pipeline_id, page.page_size, page.next_page_token) == (pid, 10, "")
    [run] = page.runs
    assert isinstance(run, DataClient.DataPipelineRun)
    assert run.status == DataPipelineRunStatus.DATA_PIPELINE_RUN_STATUS_SCHEDULED
    assert run.error_message == ""
    assert run.data_source_type == TabularDataSourceType.TABULAR_DATA_SOURCE_TYPE_STANDARD
    # the first full hour after creation; never started
    assert run.data_start_time == _naive(next_fire("0 * * * *", created))
    assert run.data_end_time - run.data_start_time == timedelta(hours=1)
    assert run.start_time == run.end_time == datetime(1970, 1, 1)
    after = await page.next_page()
    assert after.runs == [] and after.next_page_token == "" and after.pipeline_id == pid


async def test_runs_come_in_pages_newest_first(emulator: Emulator, data: DataClient) -> None:
    pid = await data.create_data_pipeline(emulator.bootstrap.org_id, "p", STAGES, "0 * * * *", False)
    scheduled = (await data.list_data_pipeline_runs(pid)).runs[0].id
    recorded = _record(emulator, pid, 7)
    page = await data.list_data_pipeline_runs(pid, page_size=3)
    seen: list[str] = []
    sizes = []
    while page.runs:
        sizes.append(len(page.runs))
        seen += [r.id for r in page.runs]
        page = await page.next_page()
    assert sizes == [3, 3, 2]
    # the scheduled run covers a later interval than the recorded ones (2024)
    assert seen == [scheduled, *reversed(recorded)]
    first = (await data.list_data_pipeline_runs(pid, page_size=8)).runs[1]
    assert first.status == DataPipelineRunStatus.DATA_PIPELINE_RUN_STATUS_COMPLETED
    assert first.data_start_time == _naive(T0 + timedelta(hours=6))
    assert first.end_time - first.start_time == timedelta(minutes=1)
    assert await _status(data._list_data_pipeline_runs(pid, 3, "not-a-token")) == Status.INVALID_ARGUMENT


@pytest.mark.parametrize(
    ("schedule", "named"),
    [
        ("", "schedule ''"),
        ("every hour", "schedule 'every hour'"),
        ("0 * * *", "five fields"),
        ("61 * * * *", "minute"),
        ("0 25 * * *", "hour"),
        ("0 0 31 2 *", "never fires"),
    ],
)
async def test_a_bad_schedule_is_invalid_argument(
    emulator: Emulator, data: DataClient, schedule: str, named: str
) -> None:
    with pytest.raises(GRPCError) as info:
        await data.create_data_pipeline(emulator.bootstrap.org_id, "p", STAGES, schedule, False)
    assert info.value.status == Status.INVALID_ARGUMENT
    assert "schedule" in str(info.value.message) and named in str(info.value.message)
    assert await data.list_data_pipelines(emulator.bootstrap.org_id) == []


async def test_bad_mql_name_and_duplicates(emulator: Emulator, data: DataClient) -> None:
    org = emulator.bootstrap.org_id
    for stages, named in (
        ([], "mql_binary is empty"),
        ([{"$frobnicate": {}}], "$frobnicate"),
        ([{"$match": {}, "$limit": 1}], "stage 0"),
        ([b"\x05\x00\x00"], "stage 0 is not a valid BSON"),
    ):
        with pytest.raises(GRPCError) as info:
            await data.create_data_pipeline(org, "p", stages, "0 * * * *", False)
        assert info.value.status == Status.INVALID_ARGUMENT, stages
        assert named in str(info.value.message)
    with pytest.raises(TypeError, match="stage 1"):
        await data.create_data_pipeline(org, "p", [{"$limit": 1}, 3], "0 * * * *", False)  # type: ignore[list-item]
    assert await _status(data.create_data_pipeline(org, " ", STAGES, "0 * * * *", False)) == Status.INVALID_ARGUMENT

    a = await data.create_data_pipeline(org, "a", STAGES, "0 * * * *", False)
    b = await data.create_data_pipeline(org, "b", STAGES, "0 * * * *", False)
    assert await _status(data.create_data_pipeline(org, "a", STAGES, "0 0 * * *", False)) == Status.ALREADY_EXISTS
    assert await _status(data.rename_data_pipeline(b, "a")) == Status.ALREADY_EXISTS
    assert (await data.get_data_pipeline(b)).name == "b"
    await data.rename_data_pipeline(a, "a")  # its own name: no change, no error
    with pytest.raises(ValueError):
        await data.rename_data_pipeline(a, "")
    assert await _status(data.get_data_pipeline("")) == Status.INVALID_ARGUMENT
    assert await _status(data.get_data_pipeline("nope")) == Status.NOT_FOUND


async def test_another_org_cannot_reach_the_pipeline(emulator: Emulator, data: DataClient) -> None:
    org = emulator.bootstrap.org_id
    pid = await data.create_data_pipeline(org, "mine", STAGES, "0 * * * *", False)
    other = emulator.add_organization()
    stranger = await connect(emulator, other.api_key, other.api_key_id)
    try:
        sd = stranger.data_client
        for call in (
            sd.get_data_pipeline(pid),
            sd.rename_data_pipeline(pid, "theirs"),
            sd.delete_data_pipeline(pid),
            sd.list_data_pipeline_runs(pid),
        ):
            assert await _status(call) == Status.NOT_FOUND
        assert await _status(sd.list_data_pipelines(org)) == Status.PERMISSION_DENIED
        assert (
            await _status(sd.create_data_pipeline(org, "x", STAGES, "0 * * * *", False))
            == Status.PERMISSION_DENIED
        )
        # the same name in their own org is fine
        theirs = await sd.create_data_pipeline(other.org_id, "mine", STAGES, "0 * * * *", False)
        assert [p.id for p in await sd.list_data_pipelines(other.org_id)] == [theirs]
        assert await _status(data.get_data_pipeline(theirs)) == Status.NOT_FOUND
    finally:
        stranger.close()
    assert (await data.get_data_pipeline(pid)).name == "mine"
    assert [p.id for p in await data.list_data_pipelines(org)] == [pid]


def test_cron_parsing() -> None:
    t = datetime(2024, 8, 1, 12, 30, tzinfo=timezone.utc)  # a Thursday
    assert next_fire("0 * * * *", t) == datetime(2024, 8, 1, 13, 0, tzinfo=timezone.utc)
    assert next_fire("*/20 * * * *", t) == datetime(2024, 8, 1, 12, 40, tzinfo=timezone.utc)
    assert next_fire("30 9 * * 1-5", t) == datetime(2024, 8, 2, 9, 30, tzinfo=timezone.utc)
    assert next_fire("0 0 * * 7", t) == datetime(2024, 8, 4, tzinfo=timezone.utc)  # 7 is Sunday too
    assert next_fire("0 0 29 2 *", t) == datetime(2028, 2, 29, tzinfo=timezone.utc)
    # both day fields restricted: either matches (the 1st of the month, or a Sunday)
    assert next_fire("0 0 1 * 0", t) == datetime(2024, 8, 4, tzinfo=timezone.utc)
    assert next_fire("0,30 8-10/2 * * *", t) == datetime(2024, 8, 2, 8, 0, tzinfo=timezone.utc)
    for bad in ("*/0 * * * *", "5-1 * * * *", "* * * * * *", "1-x * * * *", "* * 0 * *", "* * * 13 *"):
        with pytest.raises(ValueError):
            parse_schedule(bad)


@pytest.fixture
def sync_data(emulator_thread: Emulator) -> Iterator[object]:
    boot = emulator_thread.bootstrap
    client = SyncViamClient.create_from_dial_options(
        DialOptions.with_api_key(boot.api_key, boot.api_key_id), app_url=emulator_thread.app_url
    )
    with client:
        yield client.data_client


def test_blocking_pipelines_and_run_pages(emulator_thread: Emulator, sync_data: object) -> None:
    from viam_sdk.sync.data_client import DataClient as SyncDataClient

    data = sync_data
    assert isinstance(data, SyncDataClient)
    org = emulator_thread.bootstrap.org_id
    pid = data.create_data_pipeline(org, "sync", STAGES, "0 * * * *", False)
    assert data.get_data_pipeline(pid).mql_binary == STAGES
    assert [p.name for p in data.list_data_pipelines(org)] == ["sync"]
    data.rename_data_pipeline(pid, "sync-2")
    assert data.get_data_pipeline(pid).name == "sync-2"

    _record(emulator_thread, pid, 4)
    page = data.list_data_pipeline_runs(pid, page_size=2)
    assert isinstance(page, SyncRunsPage)
    assert (page.pipeline_id, page.page_size) == (pid, 2)
    sizes = []
    while page.runs:
        assert all(isinstance(r, DataClient.DataPipelineRun) for r in page.runs)
        sizes.append(len(page.runs))
        page = page.next_page()
        assert isinstance(page, SyncRunsPage)
    assert sizes == [2, 2, 1] and page.next_page_token == ""
    assert page.next_page().runs == []

    data.delete_data_pipeline(pid)
    with pytest.raises(GRPCError) as info:
        data.get_data_pipeline(pid)
    assert info.value.status == Status.NOT_FOUND
    with pytest.raises(GRPCError) as info:
        data.create_data_pipeline(org, "bad", STAGES, "whenever", False)
    assert info.value.status == Status.INVALID_ARGUMENT and "whenever" in str(info.value.message)
