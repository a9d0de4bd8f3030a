"""Who may upload and read what: a machine part's own secret, internal data, unauthenticated calls."""

from __future__ import annotations

import pytest
from grpclib.client import Channel
from grpclib.const import Status
from grpclib.exceptions import GRPCError
from viam_api.app.data.v1 import BinaryDataByFilterRequest, DataRequest, DataServiceStub
from viam_api.app.datasync.v1 import (
    DataCaptureUploadRequest,
    DataSyncServiceStub,
    DataType,
    SensorData,
    UploadMetadata,
)
from viam_api.rpc.v1 import AuthenticateRequest, AuthServiceStub, Credentials

from viam_sdk.app.data_client import DataClient
from viam_sdk.testing import Emulator
from viam_sdk.testing.backends.credentials import CredentialsBackend

from .conftest import DEPRECATION_NOISE, Part, make_part

pytestmark = pytest.mark.filterwarnings(DEPRECATION_NOISE)


async def part_token(channel: Channel, emu: Emulator, part: Part) -> dict[str, str]:
    secret = CredentialsBackend(emu.store).add_part_secret(
        part.part_id, secret_id=emu.context.new_id(), created_at=emu.context.now_iso()
    )
    reply = await AuthServiceStub(channel).authenticate(
        AuthenticateRequest(entity=part.part_id, credentials=Credentials(type="robot-secret", payload=secret))
    )
    return {"authorization": f"Bearer {reply.access_token}"}


def image_upload(part_id: str) -> DataCaptureUploadRequest:
    return DataCaptureUploadRequest(
        metadata=UploadMetadata(
            part_id=part_id,
            component_type="camera",
            component_name="cam",
            method_name="GetImages",
            type=DataType.DATA_TYPE_BINARY_SENSOR,
            file_extension=".jpg",
        ),
        sensor_contents=[SensorData(binary=b"jpeg bytes")],
    )


async def test_a_part_uploads_with_its_own_secret_only(
    emulator: Emulator, data: DataClient, part: Part
) -> None:
    sibling = make_part(emulator, name="sibling")
    channel = Channel(emulator.host, emulator.port)
    try:
        metadata = await part_token(channel, emulator, part)
        sync = DataSyncServiceStub(channel, metadata=metadata)
        reply = await sync.data_capture_upload(image_upload(part.part_id))
        assert reply.binary_data_id.endswith(reply.file_id)
        with pytest.raises(GRPCError) as info:
            await sync.data_capture_upload(image_upload(sibling.part_id))
        assert info.value.status == Status.PERMISSION_DENIED
        # The part sees its own data only, even within its organization.
        await data.binary_data_capture_upload(b"other", sibling.part_id, "camera", "cam", "GetImages", ".jpg")
        seen = await DataServiceStub(channel, metadata=metadata).binary_data_by_filter(
            BinaryDataByFilterRequest(data_request=DataRequest(), include_binary=True)
        )
        assert [d.binary for d in seen.data] == [b"jpeg bytes"]
    finally:
        channel.close()
    items, _, _ = await data.binary_data_by_filter(DataClient.create_filter(part_id=part.part_id))
    assert [i.binary for i in items] == [b"jpeg bytes"]


async def test_calls_without_a_token_are_unauthenticated(emulator: Emulator) -> None:
    channel = Channel(emulator.host, emulator.port)
    try:
        with pytest.raises(GRPCError) as info:
            await DataSyncServiceStub(channel).data_capture_upload(image_upload("any"))
        assert info.value.status == Status.UNAUTHENTICATED
        with pytest.raises(GRPCError) as info:
            await DataServiceStub(channel, metadata={"authorization": "Bearer forged"}).binary_data_by_filter(
                BinaryDataByFilterRequest()
            )
        assert info.value.status == Status.UNAUTHENTICATED
    finally:
        channel.close()


async def test_internal_data_is_hidden_unless_asked_for(data: DataClient, part: Part) -> None:
    await data.tabular_data_capture_upload(
        [{"pose": 1}], part.part_id, "viam-internal:slam", "slam", "Position"
    )
    await data.tabular_data_capture_upload([{"v": 1}], part.part_id, "sensor", "s", "Readings")
    await data.binary_data_capture_upload(
        b"map", part.part_id, "viam-internal:slam", "slam", "PointCloudMap", ".pcd"
    )
    rows, _, _ = await data.tabular_data_by_filter()
    assert [r.data for r in rows] == [{"v": 1}]
    rows, _, _ = await data.tabular_data_by_filter(include_internal_data=True)
    assert sorted(str(r.data) for r in rows) == ["{'pose': 1.0}", "{'v': 1.0}"]
    _, hidden, _ = await data.binary_data_by_filter(count_only=True)
    _, shown, _ = await data.binary_data_by_filter(count_only=True, include_internal_data=True)
    assert (hidden, shown) == (0, 1)


async def test_latest_tabular_data_of_a_resource(emulator: Emulator, data: DataClient, part: Part) -> None:
    from datetime import datetime, timedelta, timezone

    from viam_api.app.data.v1 import GetLatestTabularDataRequest

    t0 = datetime(2024, 3, 1, tzinfo=timezone.utc)
    times = [(t0 + timedelta(minutes=i), t0 + timedelta(minutes=i, seconds=2)) for i in range(3)]
    await data.tabular_data_capture_upload(
        [{"v": i} for i in range(3)],
        part.part_id,
        "rdk:component:sensor",
        "thermo",
        "Readings",
        data_request_times=times,
    )
    channel = Channel(emulator.host, emulator.port)
    try:
        stub = DataServiceStub(channel, metadata=emulator.auth_metadata())
        latest = await stub.get_latest_tabular_data(
            GetLatestTabularDataRequest(part_id=part.part_id, resource_name="thermo", method_name="Readings")
        )
        assert latest.time_captured == times[2][0] and latest.time_synced == times[2][1]
        assert latest.payload is not None and latest.payload.fields["v"].number_value == 2
        # Nothing captured: an empty answer (no payload, no times), which the official SDK reads as None.
        empty = await stub.get_latest_tabular_data(
            GetLatestTabularDataRequest(part_id=part.part_id, resource_name="nothing", method_name="Readings")
        )
        assert empty.payload is None and empty.time_captured is None and empty.time_synced is None
    finally:
        channel.close()


async def test_export_tabular_data_streams_the_resources_readings(
    emulator: Emulator, data: DataClient, part: Part
) -> None:
    from datetime import datetime, timedelta, timezone

    from viam_api.app.data.v1 import CaptureInterval, ExportTabularDataRequest

    t0 = datetime(2024, 4, 1, tzinfo=timezone.utc)
    times = [(t0 + timedelta(minutes=i), t0 + timedelta(minutes=i)) for i in range(4)]
    await data.tabular_data_capture_upload(
        [{"v": i} for i in range(4)],
        part.part_id,
        "rdk:component:sensor",
        "thermo",
        "Readings",
        tags=["exp"],
        data_request_times=times,
    )
    await data.tabular_data_capture_upload(
        [{"v": 99}], part.part_id, "rdk:component:sensor", "other", "Readings"
    )
    channel = Channel(emulator.host, emulator.port)
    try:
        stub = DataServiceStub(channel, metadata=emulator.auth_metadata())
        request = ExportTabularDataRequest(
            part_id=part.part_id,
            resource_name="thermo",
            method_name="Readings",
            interval=CaptureInterval(start=t0 + timedelta(minutes=1), end=t0 + timedelta(minutes=2)),
        )
        got = [item async for item in stub.export_tabular_data(request)]
    finally:
        channel.close()
    assert [(g.time_captured, g.payload.fields["v"].number_value) for g in got if g.payload] == [
        (times[1][0], 1),
        (times[2][0], 2),
    ]
    assert all(g.robot_name == part.robot_name and list(g.tags) == ["exp"] for g in got)
