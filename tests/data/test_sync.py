"""The blocking DataClient (viam_sdk.sync): the same calls from a plain, loop-less thread."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from grpclib.const import Status
from grpclib.exceptions import GRPCError
from viam_api.app.data.v1 import Order

from viam_sdk.app._data.files import read_tabular_file
from viam_sdk.app.data_client import CHUNK_SIZE
from viam_sdk.rpc.dial import DialOptions
from viam_sdk.sync import ViamClient
from viam_sdk.sync.data_client import DataClient
from viam_sdk.testing import Emulator

from .conftest import DEPRECATION_NOISE, Part

pytestmark = pytest.mark.filterwarnings(DEPRECATION_NOISE)

T0 = datetime(2024, 8, 1, tzinfo=timezone.utc)


@pytest.fixture
def sync_viam(emulator_thread: Emulator) -> Iterator[ViamClient]:
    boot = emulator_thread.bootstrap
    client = ViamClient.create_from_dial_options(
        DialOptions.with_api_key(boot.api_key, boot.api_key_id), app_url=emulator_thread.app_url
    )
    with client:
        yield client


def test_sync_tabular_round_trip_paging_sql_mql_and_dest(
    sync_viam: ViamClient, thread_part: Part, tmp_path: Path
) -> None:
    data = sync_viam.data_client
    assert isinstance(data, DataClient)
    n = 12
    file_id = data.tabular_data_capture_upload(
        [{"readings": {"i": i}} for i in range(n)],
        thread_part.part_id,
        "rdk:component:sensor",
        "counter",
        "Readings",
        data_request_times=[(T0 + timedelta(seconds=i), T0 + timedelta(seconds=i)) for i in range(n)],
    )
    assert file_id
    seen: list[int] = []
    last: str | None = None
    while True:
        rows, _, last = data.tabular_data_by_filter(
            DataClient.create_filter(component_name="counter"),
            limit=5,
            sort_order=Order.ORDER_ASCENDING,
            last=last,
        )
        if not rows:
            break
        assert all(isinstance(r, DataClient.TabularData) for r in rows)
        seen += [r.data["readings"]["i"] for r in rows]
    assert seen == list(range(n))

    dest = tmp_path / "rows.ndjson"
    rows, _, _ = data.tabular_data_by_filter(limit=3, sort_order=Order.ORDER_ASCENDING, dest=str(dest))
    assert [r["data"] for r in read_tabular_file(dest)] == [r.data for r in rows]

    sql = data.tabular_data_by_sql(
        thread_part.org_id, "SELECT MAX(data.readings.i) AS top FROM readings"
    )
    assert sql == [{"top": n - 1}]
    mql = data.tabular_data_by_mql(
        thread_part.org_id, [{"$group": {"_id": None, "total": {"$sum": "$data.readings.i"}}}]
    )
    assert mql == [{"_id": None, "total": sum(range(n))}]
    with pytest.raises(GRPCError) as info:
        data.tabular_data_by_sql(thread_part.org_id, "DELETE FROM readings")
    assert info.value.status == Status.INVALID_ARGUMENT


def test_sync_binary_upload_tags_datasets_and_delete(
    sync_viam: ViamClient, thread_part: Part, tmp_path: Path
) -> None:
    data = sync_viam.data_client
    payload = os.urandom(2 * CHUNK_SIZE + 7)
    path = tmp_path / "frame.jpg"
    path.write_bytes(payload)
    uploaded = data.file_upload_from_path(str(path), thread_part.part_id, component_name="cam")
    captured = data.binary_data_capture_upload(
        b"png!", thread_part.part_id, "camera", "cam", "GetImages", ".png"
    )
    streamed = data.streaming_data_capture_upload(payload, thread_part.part_id, ".pcd")
    got = data.binary_data_by_ids([uploaded, captured, streamed])
    assert hashlib.sha256(got[0].binary).digest() == hashlib.sha256(payload).digest()
    assert got[1].binary == b"png!" and got[2].binary == payload

    data.add_tags_to_binary_data_by_ids(["keep"], [captured])
    assert data.tags_by_filter() == ["keep"]
    box = data.add_bounding_box_to_image_by_id(captured, "thing", 0.1, 0.1, 0.9, 0.9)
    assert box and data.bounding_box_labels_by_filter() == ["thing"]

    dataset = data.create_dataset("sync-set", thread_part.org_id)
    data.add_binary_data_to_dataset_by_ids([captured], dataset)
    members, _, _ = data.binary_data_by_filter(
        DataClient.create_filter(dataset_id=dataset), dest=str(tmp_path)
    )
    assert [m.metadata.binary_data_id for m in members] == [captured]
    assert (tmp_path / f"{captured.rsplit('/', 1)[-1]}.png").read_bytes() == b"png!"
    assert [d.name for d in data.list_datasets_by_organization_id(thread_part.org_id)] == ["sync-set"]

    assert data.delete_binary_data_by_filter(DataClient.create_filter(component_name="cam")) == 2
    _, remaining, _ = data.binary_data_by_filter(count_only=True)
    assert remaining == 1
    with pytest.raises(FileNotFoundError):
        data.file_upload_from_path(str(tmp_path / "nope.bin"), thread_part.part_id)


def test_sync_covers_the_remaining_methods(sync_viam: ViamClient, thread_part: Part) -> None:
    data = sync_viam.data_client
    org = thread_part.org_id
    data.tabular_data_capture_upload([{"a": 1}], thread_part.part_id, "s", "n", "R")
    image = data.binary_data_capture_upload(b"i", thread_part.part_id, "camera", "cam", "GetImages", ".png")
    data.add_tags_to_binary_data_by_filter(["one", "two"])
    assert data.remove_tags_from_binary_data_by_ids(["one"], [image]) == 1
    assert data.remove_tags_from_binary_data_by_filter(["two"]) == 1
    box = data.add_bounding_box_to_image_by_id(image, "b", 0.0, 0.0, 0.5, 0.5)
    data.remove_bounding_box_from_image_by_id(box, image)
    assert data.bounding_box_labels_by_filter() == []
    dataset = data.create_dataset("first", org)
    data.rename_dataset(dataset, "renamed")
    assert [d.name for d in data.list_dataset_by_ids([dataset])] == ["renamed"]
    data.add_binary_data_to_dataset_by_ids([image], dataset)
    data.remove_binary_data_from_dataset_by_ids([image], dataset)
    data.delete_dataset(dataset)
    assert data.list_datasets_by_organization_id(org) == []
    assert org in data.get_database_connection(org)
    data.configure_database_user(org, "another-Passw0rd")
    assert data.file_upload(thread_part.part_id, b"f", file_name="f.txt")
    assert data.delete_binary_data_by_ids([image]) == 1
    data.tabular_data_capture_upload([{"b": 2}], thread_part.part_id, "s", "gone", "R")
    with pytest.warns(DeprecationWarning):
        assert (
            data.delete_tabular_data_by_filter(
                DataClient.create_filter(organization_ids=[org], component_name="gone")
            )
            == 1
        )
    assert data.delete_tabular_data(org, 0) == 1
