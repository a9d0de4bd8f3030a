"""Bounding-box confidence scores, ``update_bounding_box``, dataset types and ``merge_datasets``."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from grpclib.const import Status
from grpclib.exceptions import GRPCError
from viam_api.app.dataset.v1 import DatasetType

from viam_sdk.app.data_client import DataClient
from viam_sdk.testing import Emulator

from .conftest import DEPRECATION_NOISE, Part, connect, make_part

pytestmark = pytest.mark.filterwarnings(DEPRECATION_NOISE)

T0 = datetime(2024, 7, 1, tzinfo=timezone.utc)
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(64))


async def image(data: DataClient, part: Part, name: str = "cam") -> str:
    return await data.binary_data_capture_upload(
        binary_data=PNG,
        part_id=part.part_id,
        component_type="rdk:component:camera",
        component_name=name,
        method_name="GetImages",
        file_extension=".png",
        data_request_times=(T0, T0),
    )


async def boxes(
    data: DataClient, bid: str
) -> list[tuple[str, str, float, float, float, float, float | None]]:
    [item] = await data.binary_data_by_ids([bid], include_binary_data=False)
    annotations = item.metadata.annotations
    assert annotations is not None
    return [
        (
            b.id,
            b.label,
            b.x_min_normalized,
            b.y_min_normalized,
            b.x_max_normalized,
            b.y_max_normalized,
            b.confidence,
        )
        for b in annotations.bboxes
    ]


async def test_confidence_scores_and_updating_a_box(data: DataClient, part: Part) -> None:
    bid = await image(data, part)
    scored = await data.add_bounding_box_to_image_by_id(bid, "dog", 0.1, 0.1, 0.5, 0.5, 0.75)
    plain = await data.add_bounding_box_to_image_by_id(bid, "cat", 0.2, 0.2, 0.4, 0.4)
    assert await boxes(data, bid) == [
        (scored, "dog", 0.1, 0.1, 0.5, 0.5, 0.75),
        (plain, "cat", 0.2, 0.2, 0.4, 0.4, None),
    ]
    await data.update_bounding_box(bid, scored, "wolf", 0.0, 0.05, 0.9, 0.95)
    await data.update_bounding_box(bid, plain, "cat", 0.2, 0.2, 0.4, 0.4, confidence_score=0.5)
    assert await boxes(data, bid) == [
        (scored, "wolf", 0.0, 0.05, 0.9, 0.95, 0.75),  # no score given: the old one stays
        (plain, "cat", 0.2, 0.2, 0.4, 0.4, 0.5),
    ]
    assert await data.bounding_box_labels_by_filter() == ["cat", "wolf"]


@pytest.mark.parametrize(
    ("call", "status"),
    [
        (
            lambda d, b, x: d.add_bounding_box_to_image_by_id(b, "a", 0.1, 0.1, 0.2, 0.2, 1.5),
            Status.INVALID_ARGUMENT,
        ),
        (lambda d, b, x: d.update_bounding_box(b, "no-such-box", "a", 0.1, 0.1, 0.2, 0.2), Status.NOT_FOUND),
        (lambda d, b, x: d.update_bounding_box(b, x, "a", 0.5, 0.1, 0.2, 0.2), Status.INVALID_ARGUMENT),
        (lambda d, b, x: d.update_bounding_box(b, x, " ", 0.1, 0.1, 0.2, 0.2), Status.INVALID_ARGUMENT),
        (lambda d, b, x: d.update_bounding_box(b, x, "a", 0.1, 0.1, 0.2, 0.2, -0.1), Status.INVALID_ARGUMENT),
        (lambda d, b, x: d.update_bounding_box("o/l/none", x, "a", 0.1, 0.1, 0.2, 0.2), Status.NOT_FOUND),
    ],
)
async def test_bounding_box_errors(data: DataClient, part: Part, call: object, status: Status) -> None:
    bid = await image(data, part)
    box = await data.add_bounding_box_to_image_by_id(bid, "dog", 0.1, 0.1, 0.5, 0.5)
    with pytest.raises(GRPCError) as info:
        await call(data, bid, box)  # type: ignore[operator]
    assert info.value.status == status
    assert [b[1:] for b in await boxes(data, bid)] == [("dog", 0.1, 0.1, 0.5, 0.5, None)]  # unchanged


async def test_dataset_types_and_the_type_filter(data: DataClient, part: Part) -> None:
    images = await data.create_dataset("images", part.org_id)
    sequences = await data.create_dataset("runs", part.org_id, DatasetType.DATASET_TYPE_SEQUENCE_DATA)
    explicit = await data.create_dataset(
        "more-images", part.org_id, type=DatasetType.DATASET_TYPE_BINARY_DATA
    )
    everything = await data.list_datasets_by_organization_id(part.org_id)
    assert {d.id: d.type for d in everything} == {
        images: DatasetType.DATASET_TYPE_BINARY_DATA,
        sequences: DatasetType.DATASET_TYPE_SEQUENCE_DATA,
        explicit: DatasetType.DATASET_TYPE_BINARY_DATA,
    }
    binary = await data.list_datasets_by_organization_id(part.org_id, DatasetType.DATASET_TYPE_BINARY_DATA)
    assert [d.id for d in binary] == [images, explicit]
    seq = await data.list_datasets_by_organization_id(
        part.org_id, dataset_type=DatasetType.DATASET_TYPE_SEQUENCE_DATA
    )
    assert [d.name for d in seq] == ["runs"]


async def test_merge_datasets(emulator: Emulator, data: DataClient, part: Part) -> None:
    first, second, third = [await image(data, part, f"cam{i}") for i in range(3)]
    a = await data.create_dataset("day", part.org_id)
    b = await data.create_dataset("night", part.org_id)
    await data.add_binary_data_to_dataset_by_ids([first, second], a)
    await data.add_binary_data_to_dataset_by_ids([second, third], b)
    merged = await data.merge_datasets("all", part.org_id, [a, b])
    assert merged not in (a, b)
    [info] = await data.list_dataset_by_ids([merged])
    assert (info.name, info.organization_id) == ("all", part.org_id)
    items, count, _ = await data.binary_data_by_filter(
        DataClient.create_filter(dataset_id=merged), count_only=True
    )
    assert count == 3
    items, _, _ = await data.binary_data_by_filter(DataClient.create_filter(dataset_id=a))
    assert sorted(i.metadata.binary_data_id for i in items) == sorted([first, second])  # the sources stay

    with pytest.raises(GRPCError) as err:
        await data.merge_datasets("all", part.org_id, [a, b])
    assert err.value.status == Status.ALREADY_EXISTS
    with pytest.raises(GRPCError) as err:
        await data.merge_datasets("solo", part.org_id, [a])
    assert err.value.status == Status.INVALID_ARGUMENT
    with pytest.raises(GRPCError) as err:
        await data.merge_datasets("ghost", part.org_id, [a, "no-such-dataset"])
    assert err.value.status == Status.NOT_FOUND
    other_org = emulator.add_organization()
    other_part = make_part(emulator, other_org.org_id)
    other = await connect(emulator, other_org.api_key, other_org.api_key_id)
    try:
        theirs = await other.data_client.create_dataset("theirs", other_part.org_id)
        with pytest.raises(GRPCError) as err:
            await data.merge_datasets("mixed", part.org_id, [a, theirs])
        assert err.value.status == Status.NOT_FOUND  # another organization's dataset is invisible
    finally:
        other.close()
    assert [d.name for d in await data.list_datasets_by_organization_id(part.org_id)] == [
        "day",
        "night",
        "all",
    ]
