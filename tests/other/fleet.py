"""Put things in the emulator through its public API (the generated stubs), for the tests.

Machines come from AppService, datasets from DatasetService and files from
DataSyncService, so billing and training see the same state a user's calls
would leave behind.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping

from grpclib.client import Channel
from viam_api.app.dataset.v1 import CreateDatasetRequest, DatasetServiceStub
from viam_api.app.datasync.v1 import (
    DataSyncServiceStub,
    DataType,
    FileData,
    FileUploadRequest,
    UploadMetadata,
)
from viam_api.app.v1 import (
    AppServiceStub,
    CreateLocationRequest,
    GetRobotPartsRequest,
    NewRobotRequest,
)


class Fleet:
    """Shortcuts over the generated stubs for one organization."""

    def __init__(self, channel: Channel, metadata: Mapping[str, str], org_id: str) -> None:
        self.org_id = org_id
        self.app = AppServiceStub(channel, metadata=metadata)
        self.datasets = DatasetServiceStub(channel, metadata=metadata)
        self.sync = DataSyncServiceStub(channel, metadata=metadata)
        self._location_id: str | None = None

    async def location(self) -> str:
        if self._location_id is None:
            made = await self.app.create_location(
                CreateLocationRequest(organization_id=self.org_id, name="bench")
            )
            assert made.location is not None
            self._location_id = made.location.id
        return self._location_id

    async def machine(self, name: str) -> str:
        """A new machine in the organization; returns its main part's id."""
        robot = await self.app.new_robot(NewRobotRequest(name=name, location=await self.location()))
        parts = (await self.app.get_robot_parts(GetRobotPartsRequest(robot_id=robot.id))).parts
        assert parts, "a new machine comes with a main part"
        return parts[0].id

    async def dataset(self, name: str) -> str:
        return (
            await self.datasets.create_dataset(CreateDatasetRequest(name=name, organization_id=self.org_id))
        ).id

    async def upload(self, part_id: str, data: bytes, *, dataset_ids: list[str] | None = None) -> str:
        """Upload ``data`` as a PNG file of ``part_id``; returns the binary data id."""

        async def messages() -> AsyncIterator[FileUploadRequest]:
            yield FileUploadRequest(
                metadata=UploadMetadata(
                    part_id=part_id,
                    component_type="camera",
                    component_name="cam",
                    type=DataType.DATA_TYPE_FILE,
                    file_name="frame",
                    file_extension=".png",
                    mime_type="image/png",
                    dataset_ids=list(dataset_ids or []),
                )
            )
            yield FileUploadRequest(file_contents=FileData(data=data))

        return (await self.sync.file_upload(messages())).binary_data_id
