"""Binary data end to end: captures and files in, queried, exported, tagged, boxed, deleted."""

from __future__ import annotations

import hashlib
import json
import os
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from grpclib.const import Status
from grpclib.exceptions import GRPCError
from viam_api.app.data.v1 import BinaryID, Order

from viam_sdk.app.data_client import CHUNK_SIZE, DataClient
from viam_sdk.testing import Emulator

from .conftest import DEPRECATION_NOISE, Part, connect, make_part

pytestmark = pytest.mark.filterwarnings(DEPRECATION_NOISE)

T0 = datetime(2024, 6, 1, 8, 0, tzinfo=timezone.utc)
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4


async def capture(
    data: DataClient,
    part: Part,
    payload: bytes = PNG,
    *,
    ext: str = ".png",
    name: str = "cam",
    at: int = 0,
    tags: list[str] | None = None,
) -> str:
    when = T0 + timedelta(seconds=at)
    return await data.binary_data_capture_upload(
        binary_data=payload,
        part_id=part.part_id,
        component_type="rdk:component:camera",
        component_name=name,
        method_name="GetImages",
        file_extension=ext,
        tags=tags,
        data_request_times=(when, when + timedelta(milliseconds=40)),
    )


def file_id_of(binary_data_id: str) -> str:
    return binary_data_id.rsplit("/", 1)[-1]


async def test_capture_upload_round_trips_bytes_and_metadata(data: DataClient, part: Part) -> None:
    bid = await capture(data, part, tags=["day"])
    items, count, last = await data.binary_data_by_filter()
    assert count == 1 and last
    item = items[0]
    assert item.binary == PNG
    meta = item.metadata
    assert meta.binary_data_id == bid
    assert meta.file_ext == ".png"
    assert meta.file_size_bytes == len(PNG)
    assert meta.time_requested == T0
    assert meta.time_received == T0 + timedelta(milliseconds=40)
    cap = meta.capture_metadata
    assert cap.mime_type == "image/png"
    assert (cap.part_id, cap.robot_name, cap.component_name, cap.method_name) == (
        part.part_id,
        part.robot_name,
        "cam",
        "GetImages",
    )
    assert list(cap.tags) == ["day"]
    assert meta.id == file_id_of(bid)


async def test_without_binary_data_only_metadata_comes_back(data: DataClient, part: Part) -> None:
    await capture(data, part)
    items, _, _ = await data.binary_data_by_filter(include_binary_data=False)
    assert items[0].binary == b"" and items[0].metadata.file_size_bytes == len(PNG)


async def test_mime_type_and_dataset_ids_reach_the_server(data: DataClient, part: Part) -> None:
    dataset_id = await data.create_dataset("pictures", part.org_id)
    await data.binary_data_capture_upload(
        b"raw",
        part.part_id,
        "camera",
        "cam",
        "GetImages",
        ".bin",
        mime_type="image/x-raw",
        dataset_ids=[dataset_id],
    )
    await data.file_upload(
        part.part_id, b"hello", file_name="note", file_extension=".txt", mime_type="text/x-note"
    )
    by_mime = DataClient.create_filter(mime_type=["image/x-raw"])
    items, _, _ = await data.binary_data_by_filter(by_mime)
    assert len(items) == 1 and list(items[0].metadata.dataset_ids) == [dataset_id]
    items, _, _ = await data.binary_data_by_filter(DataClient.create_filter(mime_type=["text/x-note"]))
    assert [i.binary for i in items] == [b"hello"] and items[0].metadata.file_name == "note"
    items, _, _ = await data.binary_data_by_filter(DataClient.create_filter(dataset_id=dataset_id))
    assert [i.binary for i in items] == [b"raw"]


async def test_paging_and_order(data: DataClient, part: Part) -> None:
    ids = [await capture(data, part, bytes([i]) * 10, at=i) for i in range(7)]
    seen: list[str] = []
    last: str | None = None
    while True:
        items, _, last = await data.binary_data_by_filter(
            limit=3, sort_order=Order.ORDER_ASCENDING, last=last
        )
        if not items:
            break
        seen += [i.metadata.binary_data_id for i in items]
    assert seen == ids
    newest, _, _ = await data.binary_data_by_filter(limit=2)
    assert [i.metadata.binary_data_id for i in newest] == ids[:-3:-1]
    _, total, _ = await data.binary_data_by_filter(count_only=True)
    assert total == 7


async def test_by_ids_accepts_binary_id_messages_and_strings(data: DataClient, part: Part) -> None:
    first = await capture(data, part, b"one", at=1)
    second = await capture(data, part, b"two", at=2)
    old_style = BinaryID(file_id=file_id_of(first), organization_id=part.org_id, location_id=part.location_id)
    items = await data.binary_data_by_ids([second, first])
    assert [i.binary for i in items] == [b"two", b"one"]
    items = await data.binary_data_by_ids([old_style])
    assert [i.binary for i in items] == [b"one"]
    with pytest.raises(GRPCError) as empty:
        await data.binary_data_by_ids([])
    assert empty.value.status == Status.INVALID_ARGUMENT
    with pytest.raises(GRPCError) as info:
        await data.binary_data_by_ids(["org/loc/nope"])
    assert info.value.status == Status.NOT_FOUND and "org/loc/nope" in str(info.value.message)


async def test_dest_folder_gets_real_files_with_json_beside(
    data: DataClient, part: Part, tmp_path: Path
) -> None:
    bid = await capture(data, part)
    other = await capture(data, part, b"second image", ext="jpg", at=5)
    items, _, _ = await data.binary_data_by_filter(dest=str(tmp_path), sort_order=Order.ORDER_ASCENDING)
    png = tmp_path / f"{file_id_of(bid)}.png"
    jpg = tmp_path / f"{file_id_of(other)}.jpg"
    assert png.read_bytes() == PNG and jpg.read_bytes() == b"second image"
    meta = json.loads((tmp_path / f"{png.name}.json").read_text())
    assert meta["binary_data_id"] == bid
    assert meta["capture_metadata"]["part_id"] == part.part_id
    assert datetime.fromisoformat(meta["time_requested"]) == T0
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [png.name, png.name + ".json", jpg.name, jpg.name + ".json"]
    )

    by_ids = tmp_path / "by_ids"
    by_ids.mkdir()
    await data.binary_data_by_ids([other], dest=str(by_ids))
    assert (by_ids / jpg.name).read_bytes() == b"second image"
    assert json.loads((by_ids / f"{jpg.name}.json").read_text())["binary_data_id"] == other


async def test_dest_must_be_an_existing_folder_and_failed_write_keeps_old_file(
    data: DataClient, part: Part, tmp_path: Path
) -> None:
    bid = await capture(data, part)
    with pytest.raises(FileNotFoundError):
        await data.binary_data_by_filter(dest=str(tmp_path / "nope"))
    target = tmp_path / f"{file_id_of(bid)}.png"
    target.write_bytes(b"earlier copy")
    import viam_sdk.app._data.files as files

    original = files.atomic_write_bytes

    def failing(dest: str | os.PathLike[str], data: bytes) -> Path:
        with files.atomic_open(dest, "wb") as handle:
            handle.write(data[:10])
            raise OSError("disk full")

    files.atomic_write_bytes = failing
    try:
        with pytest.raises(OSError, match="disk full"):
            await data.binary_data_by_filter(dest=str(tmp_path))
    finally:
        files.atomic_write_bytes = original
    assert target.read_bytes() == b"earlier copy"
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


async def test_filters_on_binary_exclude(emulator: Emulator, data: DataClient, part: Part) -> None:
    other = make_part(emulator, name="arm")
    await capture(data, part, name="front", tags=["t1"])
    await capture(data, part, b"x", ext=".jpg", name="back", at=3)
    await capture(data, other, name="front", at=6)

    async def ids(**kwargs: Any) -> int:
        _, n, _ = await data.binary_data_by_filter(DataClient.create_filter(**kwargs), count_only=True)
        return n

    assert await ids() == 3
    assert await ids(component_name="front") == 2
    assert await ids(robot_id=other.robot_id) == 1
    assert await ids(mime_type=["image/jpeg"]) == 1
    assert await ids(tags=["t1"]) == 1
    assert await ids(start_time=T0 + timedelta(seconds=2), end_time=T0 + timedelta(seconds=4)) == 1
    assert await ids(location_ids=[part.location_id], component_name="front") == 1


async def test_tags_by_ids_and_by_filter(data: DataClient, part: Part) -> None:
    a = await capture(data, part, b"a", name="left")
    b = await capture(data, part, b"b", name="right", at=1)
    await data.add_tags_to_binary_data_by_ids(["red", "blue"], [a])
    await data.add_tags_to_binary_data_by_filter(["green"], DataClient.create_filter(component_name="right"))
    await data.add_tags_to_binary_data_by_filter(["all"])
    assert await data.tags_by_filter() == ["all", "blue", "green", "red"]
    assert await data.tags_by_filter(DataClient.create_filter(component_name="right")) == ["all", "green"]
    assert await data.remove_tags_from_binary_data_by_ids(["red", "absent"], [a]) == 1
    assert await data.remove_tags_from_binary_data_by_filter(["all"]) == 2
    assert await data.tags_by_filter() == ["blue", "green"]
    tagged, _, _ = await data.binary_data_by_filter(DataClient.create_filter(tags=["green"]))
    assert [t.metadata.binary_data_id for t in tagged] == [b]
    for tags, ids, needle in (([], [a], "tag"), (["x"], [], "binary data id")):
        with pytest.raises(GRPCError) as info:
            await data.add_tags_to_binary_data_by_ids(tags, ids)
        assert info.value.status == Status.INVALID_ARGUMENT and needle in str(info.value.message)
    for call in (data.remove_tags_from_binary_data_by_filter([]), data.add_tags_to_binary_data_by_filter([])):
        with pytest.raises(GRPCError) as info:
            await call
        assert info.value.status == Status.INVALID_ARGUMENT
    with pytest.raises(ValueError, match="'red'"):
        await data.add_tags_to_binary_data_by_ids("red", [a])  # type: ignore[arg-type]


async def test_bounding_boxes(data: DataClient, part: Part) -> None:
    image = await capture(data, part)
    text = await data.file_upload(part.part_id, b"not an image", file_name="log", file_extension=".txt")
    box = await data.add_bounding_box_to_image_by_id(image, "dog", 0.1, 0.2, 0.5, 0.6)
    await data.add_bounding_box_to_image_by_id(image, "cat", 0.0, 0.0, 1.0, 1.0)
    assert await data.bounding_box_labels_by_filter() == ["cat", "dog"]
    items, _, _ = await data.binary_data_by_filter(DataClient.create_filter(bbox_labels=["dog"]))
    assert len(items) == 1
    boxes = items[0].metadata.annotations.bboxes
    assert [(b.label, b.x_min_normalized, b.y_max_normalized) for b in boxes] == [
        ("dog", 0.1, 0.6),
        ("cat", 0.0, 1.0),
    ]
    await data.remove_bounding_box_from_image_by_id(box, image)
    assert await data.bounding_box_labels_by_filter() == ["cat"]
    for bad in ((1.2, 0.0, 1.5, 0.5), (0.5, 0.1, 0.4, 0.2)):
        with pytest.raises(GRPCError) as info:
            await data.add_bounding_box_to_image_by_id(image, "dog", *bad)
        assert info.value.status == Status.INVALID_ARGUMENT
    with pytest.raises(GRPCError) as info:
        await data.add_bounding_box_to_image_by_id(text, "dog", 0.1, 0.1, 0.2, 0.2)
    assert info.value.status == Status.INVALID_ARGUMENT and "not an image" in str(info.value.message)
    with pytest.raises(GRPCError) as info:
        await data.remove_bounding_box_from_image_by_id("no-box", image)
    assert info.value.status == Status.NOT_FOUND


async def test_deletes_by_ids_and_by_filter(data: DataClient, part: Part) -> None:
    keep = await capture(data, part, b"keep", name="keep")
    gone = await capture(data, part, b"gone", name="gone", at=1)
    await capture(data, part, b"gone2", name="gone", at=2)
    assert await data.delete_binary_data_by_ids([gone]) == 1
    assert await data.delete_binary_data_by_filter(DataClient.create_filter(component_name="gone")) == 1
    items, count, _ = await data.binary_data_by_filter()
    assert count == 1 and items[0].metadata.binary_data_id == keep
    with pytest.raises(GRPCError) as info:
        await data.delete_binary_data_by_ids([gone])
    assert info.value.status == Status.NOT_FOUND
    assert await data.delete_binary_data_by_filter(None) == 1
    _, count, _ = await data.binary_data_by_filter(count_only=True)
    assert count == 0


async def test_large_file_upload_arrives_byte_identical(data: DataClient, part: Part, tmp_path: Path) -> None:
    payload = os.urandom(3 * CHUNK_SIZE + 12345)
    path = tmp_path / "blob.bin"
    path.write_bytes(payload)
    from_path = await data.file_upload_from_path(str(path), part.part_id, tags=["big"])
    in_memory = await data.file_upload(part.part_id, payload, file_name="mem", file_extension=".bin")
    streamed = await data.streaming_data_capture_upload(
        payload,
        part.part_id,
        "pcd",
        component_type="camera",
        component_name="lidar",
        method_name="NextPointCloud",
    )
    items = await data.binary_data_by_ids([from_path, in_memory, streamed])
    digest = hashlib.sha256(payload).hexdigest()
    assert [hashlib.sha256(i.binary).hexdigest() for i in items] == [digest] * 3
    assert items[0].metadata.file_name == "blob" and items[0].metadata.file_ext == ".bin"
    assert list(items[0].metadata.capture_metadata.tags) == ["big"]
    assert items[2].metadata.capture_metadata.mime_type == "pointcloud/pcd"
    assert items[2].metadata.capture_metadata.component_name == "lidar"


async def test_file_upload_from_missing_path(data: DataClient, part: Part, tmp_path: Path) -> None:
    missing = tmp_path / "absent.txt"
    with pytest.raises(FileNotFoundError, match="absent.txt"):
        await data.file_upload_from_path(str(missing), part.part_id)
    with pytest.raises(IsADirectoryError):
        await data.file_upload_from_path(str(tmp_path), part.part_id)


async def test_failed_stream_leaves_nothing_behind(emulator: Emulator, data: DataClient, part: Part) -> None:
    with pytest.raises(GRPCError) as info:
        await data.file_upload("no-such-part", b"x" * (2 * CHUNK_SIZE))
    assert info.value.status == Status.NOT_FOUND
    row = emulator.store.one("SELECT COUNT(*) FROM data_blobs")
    assert row is not None and row[0] == 0


async def test_another_org_cannot_reach_binary_data(emulator: Emulator, data: DataClient, part: Part) -> None:
    bid = await capture(data, part, tags=["mine"])
    other = emulator.add_organization()
    stranger = await connect(emulator, other.api_key, other.api_key_id)
    try:
        sd = stranger.data_client
        items, count, _ = await sd.binary_data_by_filter()
        assert items == [] and count == 0
        assert await sd.tags_by_filter() == []
        for call in (
            sd.binary_data_by_ids([bid]),
            sd.delete_binary_data_by_ids([bid]),
            sd.add_tags_to_binary_data_by_ids(["x"], [bid]),
            sd.add_bounding_box_to_image_by_id(bid, "x", 0.1, 0.1, 0.2, 0.2),
        ):
            with pytest.raises(GRPCError) as info:
                await call
            assert info.value.status == Status.NOT_FOUND
        assert await sd.delete_binary_data_by_filter(None) == 0
        await sd.add_tags_to_binary_data_by_filter(["theirs"])
    finally:
        stranger.close()
    items, _, _ = await data.binary_data_by_filter()
    assert [list(i.metadata.capture_metadata.tags) for i in items] == [["mine"]]


async def test_data_survives_an_emulator_restart_on_the_same_file(tmp_path: Path) -> None:
    db = str(tmp_path / "cloud.db")
    payload = os.urandom(CHUNK_SIZE + 99)
    async with Emulator(db=db) as first:
        # The key is shown once, when the database is made: keep it as a user would.
        key, key_id = first.bootstrap.api_key, first.bootstrap.api_key_id
        part = make_part(first)
        viam = await connect(first)
        try:
            bid = await viam.data_client.file_upload(part.part_id, payload, file_name="keep.bin")
            await viam.data_client.tabular_data_capture_upload([{"x": 1}], part.part_id, "s", "n", "R")
        finally:
            viam.close()
    async with Emulator(db=db) as second:
        assert second.bootstrap.api_key == ""
        viam = await connect(second, key, key_id)
        try:
            items = await viam.data_client.binary_data_by_ids([bid])
            assert items[0].binary == payload and items[0].metadata.file_name == "keep.bin"
            rows, _, _ = await viam.data_client.tabular_data_by_filter()
            assert [r.data for r in rows] == [{"x": 1}]
        finally:
            viam.close()
