"""The reference's DataClient / MLTrainingClient examples as written, and 0.85.1's positional forms."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from viam_sdk.app.data_client import DataClient
from viam_sdk.rpc.dial import DialOptions
from viam_sdk.sync import ViamClient
from viam_sdk.testing import Emulator

from .conftest import DEPRECATION_NOISE, Part

pytestmark = pytest.mark.filterwarnings(DEPRECATION_NOISE)

T0 = datetime(2024, 8, 1, tzinfo=timezone.utc)
T1 = T0 + timedelta(seconds=1)
CAM = ("rdk:component:camera", "cam", "ReadImage")
SENSOR = ("rdk:component:sensor", "thermo", "Readings")


@pytest.fixture
def sync_viam(emulator_thread: Emulator) -> Iterator[ViamClient]:
    boot = emulator_thread.bootstrap
    client = ViamClient.create_from_dial_options(
        DialOptions.with_api_key(boot.api_key, boot.api_key_id), app_url=emulator_thread.app_url
    )
    with client:
        yield client


async def test_binary_upload_returns_the_file_id_that_also_serves_as_a_binary_data_id(
    data: DataClient, part: Part, tmp_path: Path
) -> None:
    file_id = await data.binary_data_capture_upload(
        part_id=part.part_id,
        component_type=CAM[0],
        component_name=CAM[1],
        method_name=CAM[2],
        method_parameters=None,
        tags=["tag_1"],
        data_request_times=(T0, T1),
        file_extension=".jpg",
        binary_data=b"<BINARY-DATA>",
    )
    # The reference's file id ...
    (item,) = await data.binary_data_by_ids([file_id.binary_data_id])
    assert item.metadata.id == file_id.file_id  # BinaryMetadata.id is the file id
    assert file_id == file_id.binary_data_id == item.metadata.binary_data_id
    assert file_id.endswith("/" + file_id.file_id)
    # ... which a 0.85.1-era script passes on as a binary data id.
    (again,) = await data.binary_data_by_ids([file_id])
    assert again.binary == b"<BINARY-DATA>"
    await data.add_tags_to_binary_data_by_ids(["more"], [file_id])
    # include_file_data, the examples' older name for include_binary_data.
    items, _, _ = await data.binary_data_by_filter(include_file_data=False)
    assert [i.binary for i in items] == [b""]
    items, _, _ = await data.binary_data_by_filter(include_file_data=True)
    assert items[0].binary == b"<BINARY-DATA>"
    (meta,) = await data.binary_data_by_ids([file_id], include_file_data=False)
    assert meta.binary == b""
    # binary_data_by_ids #2: a bool is 0.85.1's include_binary_data, a path the reference's dest.
    (meta,) = await data.binary_data_by_ids([file_id], False)  # type: ignore[arg-type]
    assert meta.binary == b""
    await data.binary_data_by_ids([file_id], str(tmp_path))
    assert any(p.suffix == ".jpg" for p in tmp_path.iterdir())


async def test_binary_upload_ninth_positional_either_form(data: DataClient, part: Part, emulator: Emulator) -> None:
    dataset_id = await data.create_dataset("ds", part.org_id)
    args = (b"img", part.part_id, *CAM, ".png", None, ["t"])
    by_times = await data.binary_data_capture_upload(*args, (T0, T1))
    by_ds = await data.binary_data_capture_upload(*args, [dataset_id])  # type: ignore[arg-type]
    (a,) = await data.binary_data_by_ids([by_times])
    (b,) = await data.binary_data_by_ids([by_ds])
    assert a.metadata.time_requested == T0
    assert list(b.metadata.dataset_ids) == [dataset_id]
    with pytest.raises(TypeError, match="data_request_times.*dataset_ids"):
        await data.binary_data_capture_upload(*args, 42)  # type: ignore[arg-type]


async def test_tabular_upload_positional_forms(data: DataClient, part: Part) -> None:
    readings = [{"readings": {"c": 1}}, {"readings": {"c": 2}}]
    times = [(T0, T1), (T1, T1 + timedelta(seconds=1))]
    # The reference's order, then 0.85.1's (data_request_times 6th).
    await data.tabular_data_capture_upload(readings, part.part_id, *SENSOR, {"p": 1}, ["ref"], times)
    await data.tabular_data_capture_upload(readings, part.part_id, *SENSOR, times, {"p": 1}, ["new"])  # type: ignore[arg-type]
    rows, _, _ = await data.tabular_data_by_filter(DataClient.create_filter(tags=["new"]))
    assert len(rows) == 2 and {r.time_requested.replace(tzinfo=None) for r in rows} == {
        T0.replace(tzinfo=None),
        T1.replace(tzinfo=None),
    }
    rows, _, _ = await data.tabular_data_by_filter(DataClient.create_filter(tags=["ref"]))
    assert len(rows) == 2
    with pytest.raises(TypeError, match="0.85.1"):
        await data.tabular_data_capture_upload(readings, part.part_id, *SENSOR, None, None, [])


async def test_file_upload_from_path_sends_stem_and_extension(data: DataClient, part: Part, tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_bytes(b"hello")
    file_id = await data.file_upload_from_path(filepath=str(path), part_id=part.part_id, tags=["tag_1"])
    (item,) = await data.binary_data_by_ids([file_id])
    assert item.metadata.file_name == "notes"
    assert item.metadata.file_ext == ".txt"


def test_sync_reference_uploads(sync_viam: ViamClient, thread_part: Part, tmp_path: Path) -> None:
    data = sync_viam.data_client
    file_id = data.binary_data_capture_upload(b"x", thread_part.part_id, *CAM, ".jpg", None, None, (T0, T1))
    (item,) = data.binary_data_by_ids([file_id], False)  # type: ignore[arg-type]
    assert item.metadata.id == file_id.file_id  # type: ignore[attr-defined]
    items, _, _ = data.binary_data_by_filter(include_file_data=False)
    assert items[0].binary == b""
    data.tabular_data_capture_upload([{"readings": {"c": 1}}], thread_part.part_id, *SENSOR, [(T0, T1)], None, ["s"])  # type: ignore[arg-type]
    rows, _, _ = data.tabular_data_by_filter(DataClient.create_filter(tags=["s"]))
    assert len(rows) == 1
    path = tmp_path / "a.log"
    path.write_bytes(b"log")
    (f,) = data.binary_data_by_ids([data.file_upload_from_path(str(path), thread_part.part_id)])
    assert f.metadata.file_ext == ".log" and f.metadata.file_name == "a"


async def _seed_pages(data: DataClient, part: Part) -> None:
    """60 readings of ``left_motor`` (two pages at the server's default of 50) and 3 images of ``camera``."""
    await data.tabular_data_capture_upload(
        [{"readings": {"i": float(i)}} for i in range(60)],
        part.part_id,
        "rdk:component:motor",
        "left_motor",
        "Position",
        data_request_times=[(T0 + timedelta(seconds=i), T1 + timedelta(seconds=i)) for i in range(60)],
    )
    for i in range(3):
        await data.binary_data_capture_upload(bytes([i]), part.part_id, CAM[0], "camera", CAM[2], ".jpg")


async def test_reference_pagination_passes_the_token_where_limit_stands(data: DataClient, part: Part) -> None:
    # The reference's examples: ``tabular_data_by_filter(my_filter, last)``, likewise binary_data_by_filter.
    await _seed_pages(data, part)
    pages = {"left_motor": data.tabular_data_by_filter, "camera": data.binary_data_by_filter}
    read: dict[str, list[Any]] = {}
    for component, method in pages.items():
        read[component], last = [], None
        my_filter = DataClient.create_filter(component_name=component)
        while True:
            items, count, last = await method(my_filter, last)  # type: ignore[operator]
            if not items:
                break
            read[component].extend(items)
    assert sorted(row.data["readings"]["i"] for row in read["left_motor"]) == [float(i) for i in range(60)]
    assert len(read["camera"]) == 3

    # An int there is still the limit; a token there and last= as well is refused, naming both forms.
    my_filter = DataClient.create_filter(component_name="left_motor")
    page, _, token = await data.tabular_data_by_filter(my_filter, 7)
    assert len(page) == 7 and token
    for method in pages.values():
        with pytest.raises(TypeError, match=r"page token .* and last="):
            await method(my_filter, token, last=token)  # type: ignore[operator]


def test_reference_pagination_on_the_blocking_client(sync_viam: ViamClient, thread_part: Part) -> None:
    data = sync_viam.data_client
    data.tabular_data_capture_upload(
        [{"readings": {"i": float(i)}} for i in range(55)],
        thread_part.part_id,
        "rdk:component:motor",
        "left_motor",
        "Position",
    )
    for i in range(2):
        data.binary_data_capture_upload(bytes([i]), thread_part.part_id, CAM[0], "camera", CAM[2], ".jpg")
    pages = {"left_motor": data.tabular_data_by_filter, "camera": data.binary_data_by_filter}
    counts = {}
    for component, method in pages.items():
        counts[component], last, items = 0, None, [None]
        while items:  # the reference's loop: stop at the first empty page
            flt = DataClient.create_filter(component_name=component)
            items, _, last = method(flt, last)  # type: ignore[operator]
            counts[component] += len(items)
    assert counts == {"left_motor": 55, "camera": 2}
