"""Put things in the emulator through its public API (the generated stubs), for the tests.

Machines come from AppService, datasets from DatasetService and files from
DataSyncService, so billing and training see the same state a user's calls
would leave behind.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Mapping

from grpclib.client import Channel
from viam_api._runtime import SyncChannel
from viam_api.app.dataset.v1 import CreateDatasetRequest, DatasetServiceStub, DatasetServiceSyncStub
from viam_api.app.datasync.v1 import (
    DataSyncServiceStub,
    DataSyncServiceSyncStub,
    DataType,
    FileData,
    FileUploadRequest,
    UploadMetadata,
)
from viam_api.app.packages.v1 import PackageType
from viam_api.app.v1 import (
    AppServiceStub,
    AppServiceSyncStub,
    CreateLocationRequest,
    CreateRegistryItemRequest,
    GetRegistryItemRequest,
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

    async def training_script(self, name: str) -> str:
        """A new ML-training registry item of the organization; returns its id."""
        await self.app.create_registry_item(
            CreateRegistryItemRequest(
                organization_id=self.org_id, name=name, type=PackageType.PACKAGE_TYPE_ML_TRAINING
            )
        )
        item = (
            await self.app.get_registry_item(GetRegistryItemRequest(item_id=f"{self.org_id}:{name}"))
        ).item
        assert item is not None
        return item.item_id

    async def dataset(self, name: str) -> str:
        return (
            await self.datasets.create_dataset(CreateDatasetRequest(name=name, organization_id=self.org_id))
        ).id

    async def upload(self, part_id: str, data: bytes, *, dataset_ids: list[str] | None = None) -> str:
        """Upload ``data`` as a PNG file of ``part_id``; returns the binary data id."""

        async def messages() -> AsyncIterator[FileUploadRequest]:
            for message in _upload_messages(part_id, data, dataset_ids):
                yield message

        return (await self.sync.file_upload(messages())).binary_data_id


def _upload_messages(part_id: str, data: bytes, dataset_ids: list[str] | None) -> Iterator[FileUploadRequest]:
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


class SyncFleet:
    """The same shortcuts, blocking (for the sync-SDK tests)."""

    def __init__(self, channel: SyncChannel, metadata: Mapping[str, str], org_id: str) -> None:
        self.org_id = org_id
        self.app = AppServiceSyncStub(channel, metadata=metadata)
        self.datasets = DatasetServiceSyncStub(channel, metadata=metadata)
        self.sync = DataSyncServiceSyncStub(channel, metadata=metadata)
        self._location_id: str | None = None

    def machine(self, name: str) -> str:
        if self._location_id is None:
            made = self.app.create_location(CreateLocationRequest(organization_id=self.org_id, name="bench"))
            assert made.location is not None
            self._location_id = made.location.id
        robot = self.app.new_robot(NewRobotRequest(name=name, location=self._location_id))
        parts = self.app.get_robot_parts(GetRobotPartsRequest(robot_id=robot.id)).parts
        assert parts, "a new machine comes with a main part"
        return parts[0].id

    def training_script(self, name: str) -> str:
        self.app.create_registry_item(
            CreateRegistryItemRequest(
                organization_id=self.org_id, name=name, type=PackageType.PACKAGE_TYPE_ML_TRAINING
            )
        )
        item = self.app.get_registry_item(GetRegistryItemRequest(item_id=f"{self.org_id}:{name}")).item
        assert item is not None
        return item.item_id

    def dataset(self, name: str) -> str:
        return self.datasets.create_dataset(CreateDatasetRequest(name=name, organization_id=self.org_id)).id

    def upload(self, part_id: str, data: bytes, *, dataset_ids: list[str] | None = None) -> str:
        return self.sync.file_upload(_upload_messages(part_id, data, dataset_ids)).binary_data_id
