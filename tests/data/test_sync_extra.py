"""The blocking DataClient's newer members (viam_sdk.sync), against an emulator on its own thread."""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone

import bson
import pytest
from grpclib.const import Status
from grpclib.exceptions import GRPCError
from viam_api.app.data.v1 import DeleteTabularFilter, IndexableCollection
from viam_api.app.dataset.v1 import DatasetType

from viam_sdk.rpc.dial import DialOptions
from viam_sdk.sync import ViamClient
from viam_sdk.sync.data_client import DataClient
from viam_sdk.testing import Emulator

from .conftest import DEPRECATION_NOISE, Part

pytestmark = pytest.mark.filterwarnings(DEPRECATION_NOISE)

T0 = datetime(2024, 9, 1, tzinfo=timezone.utc)
# The SDK returns times naive, in UTC, as the official SDK does.
NAIVE_T0 = T0.replace(tzinfo=None)
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(100))


@pytest.fixture
def sync_data(emulator_thread: Emulator) -> Iterator[DataClient]:
    boot = emulator_thread.bootstrap
    client = ViamClient.create_from_dial_options(
        DialOptions.with_api_key(boot.api_key, boot.api_key_id), app_url=emulator_thread.app_url
    )
    with client:
        yield client.data_client


def status_of(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 (loopback)
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)


def test_sync_exports_latest_mql_and_filtered_delete(sync_data: DataClient, thread_part: Part) -> None:
    data = sync_data
    times = [(T0 + timedelta(seconds=i), T0 + timedelta(seconds=i)) for i in range(3)]
    for name in ("a", "b"):
        data.tabular_data_capture_upload(
            [{"v": i} for i in range(3)], thread_part.part_id, "rdk:component:sensor", name, "Readings",
            data_request_times=times,
        )  # fmt: skip
    points = data.export_tabular_data(thread_part.part_id, "a", "rdk:component:sensor", "Readings")
    assert [p.payload for p in points] == [{"v": 0.0}, {"v": 1.0}, {"v": 2.0}]
    assert isinstance(points[0], DataClient.TabularDataPoint)
    latest = data.get_latest_tabular_data(thread_part.part_id, "b", "rdk:component:sensor", "Readings")
    assert latest is not None and latest[2] == {"v": 2.0} and latest[0] == NAIVE_T0 + timedelta(seconds=2)
    assert data.tabular_data_by_mql(thread_part.org_id, query=[{"$count": "n"}]) == [{"n": 6}]
    assert data.delete_tabular_data(thread_part.org_id, 0, DeleteTabularFilter(component_name="a")) == 3
    assert data.tabular_data_by_mql(thread_part.org_id, [{"$count": "n"}]) == [{"n": 3}]
    with pytest.raises(TypeError):
        data.tabular_data_by_mql(thread_part.org_id)


def test_sync_boxes_datasets_indexes_and_signed_urls(
    emulator_thread: Emulator, sync_data: DataClient, thread_part: Part
) -> None:
    data = sync_data
    bid = data.binary_data_capture_upload(
        binary_data=PNG, part_id=thread_part.part_id, component_type="rdk:component:camera",
        component_name="cam", method_name="GetImages", file_extension=".png",
    )  # fmt: skip
    box = data.add_bounding_box_to_image_by_id(bid, "dog", 0.1, 0.1, 0.3, 0.3, confidence_score=0.4)
    data.update_bounding_box(bid, box, "fox", 0.2, 0.2, 0.6, 0.6, 0.9)
    [item] = data.binary_data_by_ids([bid], include_binary_data=False)
    assert item.binary == b"" and item.metadata.annotations is not None
    [bbox] = item.metadata.annotations.bboxes
    assert (bbox.label, bbox.x_max_normalized, bbox.confidence) == ("fox", 0.6, 0.9)
    with pytest.raises(GRPCError) as info:
        data.update_bounding_box(bid, "missing", "fox", 0.2, 0.2, 0.6, 0.6)
    assert info.value.status == Status.NOT_FOUND

    a = data.create_dataset("a", thread_part.org_id)
    b = data.create_dataset("b", thread_part.org_id, DatasetType.DATASET_TYPE_BINARY_DATA)
    data.create_dataset("s", thread_part.org_id, DatasetType.DATASET_TYPE_SEQUENCE_DATA)
    data.add_binary_data_to_dataset_by_ids([bid], a)
    merged = data.merge_datasets("ab", thread_part.org_id, [a, b])
    binary = data.list_datasets_by_organization_id(thread_part.org_id, DatasetType.DATASET_TYPE_BINARY_DATA)
    assert [d.name for d in binary] == ["a", "b", "ab"]
    [again] = data.binary_data_by_ids([bid], include_binary_data=False)
    assert sorted(again.metadata.dataset_ids) == sorted([a, merged])

    hot = IndexableCollection.INDEXABLE_COLLECTION_HOT_STORE
    data.create_index(thread_part.org_id, hot, {"key": {"component_name": 1}, "name": "by_component"})
    indexes = data.list_indexes(thread_part.org_id, hot)
    assert [i.index_name for i in indexes] == ["_id_", "by_component"]
    assert bson.decode(indexes[1].index_spec[0])["key"] == {"component_name": 1}
    data.delete_index(thread_part.org_id, hot, "by_component")
    with pytest.raises(GRPCError) as info:
        data.delete_index(thread_part.org_id, hot, "by_component")
    assert info.value.status == Status.NOT_FOUND

    now = [datetime(2025, 3, 1, tzinfo=timezone.utc)]
    emulator_thread.context.clock = lambda: now[0]
    url, expires_at = data.create_binary_data_signed_url(bid, 1)
    assert expires_at == now[0].replace(tzinfo=None) + timedelta(minutes=1)  # naive UTC, as 0.85.1
    assert status_of(url) == 200
    now[0] += timedelta(minutes=2)
    assert status_of(url) == 403
