"""Sequences (a part's captures from some resources in a time window), sequence datasets and their exports."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Awaitable, Iterator
from datetime import datetime, timedelta, timezone

import pytest
from grpclib.const import Status
from grpclib.exceptions import GRPCError
from viam_api.app.data.v1 import SequenceResourceFilter
from viam_api.app.dataset.v1 import DatasetType, SequenceDatasetExportStatus

from viam_sdk.app.data_client import DataClient
from viam_sdk.rpc.dial import DialOptions
from viam_sdk.sync.viam_client import ViamClient as SyncViamClient
from viam_sdk.testing import Emulator

from .conftest import DEPRECATION_NOISE, Part, connect, make_part

pytestmark = pytest.mark.filterwarnings(DEPRECATION_NOISE)

T0 = datetime(2024, 5, 1, 12, 0, tzinfo=timezone.utc)
CAM = [SequenceResourceFilter(resource_name="cam")]
SEQ_TYPE = int(DatasetType.DATASET_TYPE_SEQUENCE_DATA)
COMPLETED = SequenceDatasetExportStatus.SEQUENCE_DATASET_EXPORT_STATUS_COMPLETED


async def _status(call: Awaitable[object]) -> tuple[Status, str]:
    with pytest.raises(GRPCError) as info:
        await call
    return info.value.status, info.value.message or ""


async def _capture(
    data: DataClient, part: Part, minute: int, name: str = "cam", method: str = "GetImages"
) -> str:
    at = T0 + timedelta(minutes=minute)
    return await data.binary_data_capture_upload(
        f"{name}-{method}-{minute}".encode(),
        part.part_id,
        "rdk:component:camera",
        name,
        method,
        ".jpg",
        data_request_times=(at, at + timedelta(seconds=1)),
    )


def _read_url(url: str) -> dict[str, object]:
    assert url.startswith("data:application/json;base64,")
    with urllib.request.urlopen(url) as response:  # noqa: S310 (a data: URL, nothing leaves the process)
        result: dict[str, object] = json.loads(response.read())
    return result


async def test_create_get_binary_data_update_delete(data: DataClient, part: Part, emulator: Emulator) -> None:
    frames = [await _capture(data, part, m) for m in (3, 1, 2)]  # uploaded out of order
    await _capture(data, part, 2, method="NextPointCloud")
    await _capture(data, part, 2, name="lidar")
    await _capture(data, part, 30)  # outside the window
    sibling = make_part(emulator, name="twin")
    await _capture(data, sibling, 2)  # another part

    seq_id = await data.create_sequence(
        part.part_id,
        [SequenceResourceFilter(resource_name="cam", method_name="GetImages")],
        T0,
        T0 + timedelta(minutes=10),
        ["run-1", "run-1", "night"],
    )
    seq = await data.get_sequence(seq_id, timeout=10)
    assert (seq.id, seq.part_id, seq.sequence_tags, seq.dataset_ids) == (
        seq_id,
        part.part_id,
        ["run-1", "night"],
        [],
    )
    assert (seq.start_time, seq.end_time) == (T0, T0 + timedelta(minutes=10))
    assert [(r.resource_name, r.method_name) for r in seq.resources] == [("cam", "GetImages")]
    assert seq.created_at is not None and seq.created_at == seq.updated_at

    items, token = await data.get_sequence_binary_data(seq_id)
    assert token == ""
    assert [i.metadata.binary_data_id for i in items] == [
        frames[1],
        frames[2],
        frames[0],
    ]  # oldest capture first
    assert [i.binary for i in items] == [b"cam-GetImages-1", b"cam-GetImages-2", b"cam-GetImages-3"]
    first, token = await data.get_sequence_binary_data(seq_id, page_size=2)
    rest, last = await data.get_sequence_binary_data(seq_id, page_token=token, page_size=2)
    assert [i.binary for i in first + rest] == [i.binary for i in items] and token and last == ""

    # Any method, both resources by their full name, a wider window; data uploaded later shows up.
    await data.update_sequence(
        seq_id,
        resources=[
            SequenceResourceFilter(resource_name="cam"),
            SequenceResourceFilter(resource_name="rdk:component:camera/lidar"),
        ],
        end_time=T0 + timedelta(hours=1),
    )
    late = await _capture(data, part, 45)
    items, _ = await data.get_sequence_binary_data(seq_id)
    assert len(items) == 7 and items[-1].metadata.binary_data_id == late
    seq = await data.get_sequence(seq_id)
    assert seq.sequence_tags == ["run-1", "night"]  # not in the mask: kept
    assert seq.end_time == T0 + timedelta(hours=1) and seq.start_time == T0
    await data.update_sequence(seq_id, sequence_tags=[])
    assert (await data.get_sequence(seq_id)).sequence_tags == []

    await data.delete_sequence(seq_id)
    assert (await _status(data.get_sequence(seq_id)))[0] == Status.NOT_FOUND
    assert (await _status(data.delete_sequence(seq_id)))[0] == Status.NOT_FOUND
    # The captured data itself stays.
    assert len(await data.binary_data_by_ids([late])) == 1


async def test_list_sequences_in_pages(data: DataClient, part: Part) -> None:
    ids = [
        await data.create_sequence(
            part.part_id, CAM, T0 + timedelta(hours=h), T0 + timedelta(hours=h, minutes=5)
        )
        for h in range(5)
    ]
    everything, token = await data.list_sequences(part.org_id)
    assert [s.id for s in everything] == ids and token == ""
    seen: list[str] = []
    token = None
    while True:
        page, token = await data.list_sequences(part.org_id, page_token=token, page_size=2)
        seen += [s.id for s in page]
        if not token:
            break
    assert seen == ids
    status, message = await _status(data.list_sequences(part.org_id, page_size=5000))
    assert status == Status.INVALID_ARGUMENT and "page_size=5000" in message
    status, message = await _status(data.list_sequences(part.org_id, page_token="junk!"))
    assert status == Status.INVALID_ARGUMENT and "junk!" in message


async def test_bad_arguments(data: DataClient, part: Part) -> None:
    end = T0 + timedelta(minutes=1)
    status, message = await _status(data.create_sequence(part.part_id, [], T0, end))
    assert status == Status.INVALID_ARGUMENT and "resource" in message
    status, message = await _status(
        data.create_sequence(part.part_id, [SequenceResourceFilter(resource_name=" ")], T0, end)
    )
    assert status == Status.INVALID_ARGUMENT and "resources[0].resource_name" in message
    status, message = await _status(data.create_sequence(part.part_id, CAM, end, T0))
    assert status == Status.INVALID_ARGUMENT and "start_time=2024-05-01T12:01" in message
    status, message = await _status(data.create_sequence(part.part_id, CAM, T0, end, ["ok", ""]))
    assert status == Status.INVALID_ARGUMENT and "sequence_tags" in message
    status, message = await _status(data.create_sequence("no-such-part", CAM, T0, end))
    assert status == Status.NOT_FOUND and "no-such-part" in message

    seq_id = await data.create_sequence(part.part_id, CAM, T0, end)
    with pytest.raises(ValueError):
        await data.update_sequence(seq_id)
    status, message = await _status(data.update_sequence(seq_id, start_time=end + timedelta(minutes=1)))
    assert status == Status.INVALID_ARGUMENT and "end_time" in message
    status, _ = await _status(data.update_sequence(seq_id, resources=[]))
    assert status == Status.INVALID_ARGUMENT
    assert (await data.get_sequence(seq_id)).start_time == T0  # nothing changed
    assert (await _status(data.update_sequence("nope", sequence_tags=["x"])))[0] == Status.NOT_FOUND
    assert (await _status(data.get_sequence_binary_data("nope")))[0] == Status.NOT_FOUND
    status, message = await _status(data.get_sequence_binary_data(seq_id, page_token="AAAA"))
    assert status == Status.INVALID_ARGUMENT and "AAAA" in message
    with pytest.raises(TypeError):
        await data.add_sequences_to_dataset("d", seq_id)  # type: ignore[arg-type]


async def test_sequence_datasets_and_export(data: DataClient, part: Part, emulator: Emulator) -> None:
    frames = [await _capture(data, part, m) for m in (1, 2)]
    a = await data.create_sequence(part.part_id, CAM, T0, T0 + timedelta(minutes=5), ["a"])
    b = await data.create_sequence(part.part_id, CAM, T0 + timedelta(minutes=2), T0 + timedelta(minutes=5))
    c = await data.create_sequence(part.part_id, CAM, T0 + timedelta(hours=2), T0 + timedelta(hours=3))
    ds = await data.create_dataset("runs", part.org_id, SEQ_TYPE)
    images = await data.create_dataset("images", part.org_id)

    await data.add_sequences_to_dataset(ds, [a, b, c, a])
    await data.add_sequences_to_dataset(ds, [a])  # already there: no change
    page, token, count = await data.sequences_by_dataset_id(ds)
    assert [s.id for s in page] == [a, b, c] and token == "" and count == 3
    first, token, count = await data.sequences_by_dataset_id(ds, page_size=2)
    rest, last, _ = await data.sequences_by_dataset_id(ds, page_token=token, page_size=2)
    assert [s.id for s in first + rest] == [a, b, c] and count == 3 and last == ""
    assert await data.sequences_by_dataset_id(ds, count_only=True) == ([], "", 3)
    assert (await data.get_sequence(a)).dataset_ids == [ds]

    await data.remove_sequences_from_dataset(ds, [c])
    assert (await data.sequences_by_dataset_id(ds, count_only=True))[2] == 2
    assert (await data.get_sequence(c)).dataset_ids == []

    status, message = await _status(data.add_sequences_to_dataset(images, [a]))
    assert status == Status.INVALID_ARGUMENT and images in message
    status, message = await _status(data.add_sequences_to_dataset(ds, ["ghost"]))
    assert status == Status.NOT_FOUND and "ghost" in message
    assert (await _status(data.add_sequences_to_dataset("no-dataset", [a])))[0] == Status.NOT_FOUND
    assert (await _status(data.add_sequences_to_dataset(ds, [])))[0] == Status.INVALID_ARGUMENT

    now = [datetime.now(timezone.utc)]
    emulator.context.clock = lambda: now[0]
    job = await data.start_sequence_dataset_export(ds)
    export = await data.get_sequence_dataset_export(job)
    assert export.job_id == job and export.status == COMPLETED and export.error_message == ""
    assert export.completed_at == export.created_at and export.expires_at == export.created_at + timedelta(
        hours=24
    )
    manifest = _read_url(export.download_url)
    assert (manifest["job_id"], manifest["dataset_id"], manifest["dataset_name"]) == (job, ds, "runs")
    sequences = manifest["sequences"]
    assert isinstance(sequences, list)
    assert [(s["id"], s["binary_data_ids"], s["sequence_tags"]) for s in sequences] == [
        (a, frames, ["a"]),
        (b, [frames[1]], []),
    ]
    assert sequences[0]["resources"] == [{"resource_name": "cam", "method_name": ""}]
    assert sequences[0]["part_id"] == part.part_id

    # A snapshot: later changes leave the finished export as it was.
    await data.delete_sequence(b)
    assert [
        s["id"] for s in _read_url((await data.get_sequence_dataset_export(job)).download_url)["sequences"]
    ] == [
        a,
        b,
    ]
    assert (await data.sequences_by_dataset_id(ds, count_only=True))[2] == 1

    now[0] += timedelta(hours=25)
    expired = await data.get_sequence_dataset_export(job)
    assert expired.status == COMPLETED and expired.download_url == "" and "expired" in expired.error_message

    status, message = await _status(data.start_sequence_dataset_export(images))
    assert status == Status.INVALID_ARGUMENT and images in message
    assert (await _status(data.get_sequence_dataset_export("no-job")))[0] == Status.NOT_FOUND
    assert (await _status(data.get_sequence_dataset_export("")))[0] == Status.INVALID_ARGUMENT

    await data.delete_dataset(ds)
    assert (await data.get_sequence(a)).dataset_ids == []


async def test_another_org_cannot_reach_sequences(emulator: Emulator, data: DataClient, part: Part) -> None:
    seq_id = await data.create_sequence(part.part_id, CAM, T0, T0 + timedelta(minutes=5))
    mine = await data.create_dataset("mine", part.org_id, SEQ_TYPE)
    other = emulator.add_organization()
    their_part = make_part(emulator, other.org_id, name="theirs")
    stranger = await connect(emulator, other.api_key, other.api_key_id)
    try:
        sd = stranger.data_client
        for call in (
            sd.get_sequence(seq_id),
            sd.update_sequence(seq_id, sequence_tags=["x"]),
            sd.delete_sequence(seq_id),
            sd.get_sequence_binary_data(seq_id),
            sd.sequences_by_dataset_id(mine),
            sd.start_sequence_dataset_export(mine),
        ):
            assert (await _status(call))[0] == Status.NOT_FOUND
        assert (await _status(sd.list_sequences(part.org_id)))[0] == Status.PERMISSION_DENIED
        assert (await _status(sd.create_sequence(part.part_id, CAM, T0, T0 + timedelta(1))))[0] in (
            Status.PERMISSION_DENIED,
            Status.NOT_FOUND,
        )
        theirs_ds = await sd.create_dataset("theirs", other.org_id, SEQ_TYPE)
        assert (await _status(sd.add_sequences_to_dataset(theirs_ds, [seq_id])))[0] == Status.NOT_FOUND
        their_seq = await sd.create_sequence(their_part.part_id, CAM, T0, T0 + timedelta(minutes=5))
        assert [s.id for s in (await sd.list_sequences(other.org_id))[0]] == [their_seq]
        # Our sequence in our dataset is fine; theirs in ours is another organization's.
        assert (await _status(data.add_sequences_to_dataset(mine, [their_seq])))[0] == Status.NOT_FOUND
        job = await data.start_sequence_dataset_export(mine)
        assert (await _status(sd.get_sequence_dataset_export(job)))[0] == Status.NOT_FOUND
    finally:
        stranger.close()
    assert [s.id for s in (await data.list_sequences(part.org_id))[0]] == [seq_id]


@pytest.fixture
def sync_data(emulator_thread: Emulator) -> Iterator[object]:
    boot = emulator_thread.bootstrap
    client = SyncViamClient.create_from_dial_options(
        DialOptions.with_api_key(boot.api_key, boot.api_key_id), app_url=emulator_thread.app_url
    )
    with client:
        yield client.data_client


def test_blocking_sequences(emulator_thread: Emulator, thread_part: Part, sync_data: object) -> None:
    from viam_sdk.sync.data_client import DataClient as SyncDataClient

    data = sync_data
    assert isinstance(data, SyncDataClient)
    part = thread_part
    ids = [
        data.binary_data_capture_upload(
            bytes([m]),
            part.part_id,
            "camera",
            "cam",
            "GetImages",
            ".png",
            data_request_times=(T0 + timedelta(minutes=m),) * 2,
        )
        for m in (2, 1)
    ]
    seq_id = data.create_sequence(part.part_id, CAM, T0, T0 + timedelta(minutes=10), sequence_tags=["sync"])
    items, token = data.get_sequence_binary_data(seq_id)
    assert [i.metadata.binary_data_id for i in items] == ids[::-1] and token == ""
    data.update_sequence(seq_id, sequence_tags=["sync", "done"])
    assert data.get_sequence(seq_id).sequence_tags == ["sync", "done"]
    page, token = data.list_sequences(part.org_id)
    assert [s.id for s in page] == [seq_id] and token == ""

    ds = data.create_dataset("sync-runs", part.org_id, SEQ_TYPE)
    data.add_sequences_to_dataset(ds, [seq_id])
    assert data.sequences_by_dataset_id(ds, count_only=True) == ([], "", 1)
    job = data.start_sequence_dataset_export(ds)
    export = data.get_sequence_dataset_export(job)
    assert export.status == COMPLETED
    assert _read_url(export.download_url)["sequences"][0]["binary_data_ids"] == ids[::-1]  # type: ignore[index]
    data.remove_sequences_from_dataset(ds, [seq_id])
    assert data.sequences_by_dataset_id(ds)[2] == 0
    data.delete_sequence(seq_id)
    with pytest.raises(GRPCError) as info:
        data.get_sequence(seq_id)
    assert info.value.status == Status.NOT_FOUND
