"""The emulator's DatasetService: named sets of binary data within an organization.

Dataset names are unique within an organization (ALREADY_EXISTS otherwise)
and may hold letters, digits, ``-`` and ``_`` only (INVALID_ARGUMENT).  A
dataset of another organization answers NOT_FOUND, as if it did not exist.
Membership is managed through DataService (Add/RemoveBinaryDataTo/FromDataset,
Add/RemoveSequencesTo/FromDataset) or at upload time.  Implemented: Create,
Delete, Rename, ListByOrganizationID, ListByIDs, MergeDatasets,
StartSequenceDatasetExport, GetSequenceDatasetExport.

A sequence dataset export (datasets of type DATASET_TYPE_SEQUENCE_DATA only)
completes at once: the job is COMPLETED with ``download_url`` a
``data:application/json;base64,...`` URL (``urllib.request.urlopen`` reads it)
valid for 24 hours by the emulator's clock.  The JSON is a snapshot taken at
start: ``job_id``, ``dataset_id``, ``dataset_name``, ``organization_id``,
``created_at`` and ``sequences``, each with ``id``, ``part_id``, ``resources``
(``resource_name``, ``method_name``), ``sequence_tags``, ``start_time``,
``end_time`` and ``binary_data_ids`` (oldest capture first).  After expiry the
job keeps its status but loses the URL and says so in ``error_message``.
"""

from __future__ import annotations

import base64

from viam_api._runtime import ServiceBase
from viam_api.app.dataset.v1 import (
    CreateDatasetRequest,
    CreateDatasetResponse,
    Dataset,
    DatasetServiceBase,
    DatasetType,
    DeleteDatasetRequest,
    DeleteDatasetResponse,
    GetSequenceDatasetExportRequest,
    GetSequenceDatasetExportResponse,
    ListDatasetsByIDsRequest,
    ListDatasetsByIDsResponse,
    ListDatasetsByOrganizationIDRequest,
    ListDatasetsByOrganizationIDResponse,
    MergeDatasetsRequest,
    MergeDatasetsResponse,
    RenameDatasetRequest,
    RenameDatasetResponse,
    SequenceDatasetExportStatus,
    StartSequenceDatasetExportRequest,
    StartSequenceDatasetExportResponse,
)

from ..auth import Identity, caller, require_org, visible_org_ids
from ..backends.datasets import EXPORT_LIFETIME, DatasetRow, DatasetsBackend, check_name
from ..context import EmulatorContext
from ..errors import InvalidArgument, NotFound
from ._data_common import SCHEMA as _COMMON_SCHEMA
from .data_sequences import SCHEMA as _SEQUENCES_SCHEMA

SCHEMA = _COMMON_SCHEMA + _SEQUENCES_SCHEMA

__all__ = ["EXPORT_LIFETIME", "SCHEMA", "DatasetService", "create_services"]


def _dataset(row: DatasetRow) -> Dataset:
    return Dataset(
        id=row.id,
        name=row.name,
        organization_id=row.organization_id,
        time_created=row.time_created,
        type=row.type,
    )


class DatasetService(DatasetServiceBase):
    """DatasetService over the emulator's store."""

    def __init__(self, ctx: EmulatorContext) -> None:
        self.ctx = ctx
        self.datasets = DatasetsBackend(ctx)

    def _require_dataset(self, ident: Identity, dataset_id: str, *, write: bool = False) -> DatasetRow:
        if not dataset_id:
            raise InvalidArgument("a dataset id is required")
        row = self.datasets.find(dataset_id)
        if row is None or row.organization_id not in visible_org_ids(self.ctx, ident):
            raise NotFound(f"dataset {dataset_id!r} not found")
        require_org(self.ctx, ident, row.organization_id, write=write)
        return row

    async def create_dataset(self, request: CreateDatasetRequest) -> CreateDatasetResponse:
        ident = caller(self.ctx)
        require_org(self.ctx, ident, request.organization_id)
        kind = request.type if request.type is not None else DatasetType.DATASET_TYPE_BINARY_DATA
        return CreateDatasetResponse(id=self.datasets.create(request.organization_id, request.name, kind))

    async def delete_dataset(self, request: DeleteDatasetRequest) -> DeleteDatasetResponse:
        ident = caller(self.ctx)
        self._require_dataset(ident, request.id, write=True)
        self.datasets.delete(request.id)
        return DeleteDatasetResponse()

    async def rename_dataset(self, request: RenameDatasetRequest) -> RenameDatasetResponse:
        ident = caller(self.ctx)
        row = self._require_dataset(ident, request.id)
        self.datasets.rename(row, request.name)
        return RenameDatasetResponse()

    async def list_datasets_by_organization_id(
        self, request: ListDatasetsByOrganizationIDRequest
    ) -> ListDatasetsByOrganizationIDResponse:
        ident = caller(self.ctx)
        require_org(self.ctx, ident, request.organization_id)
        rows = self.datasets.of_organization(request.organization_id, request.type)
        return ListDatasetsByOrganizationIDResponse(datasets=[_dataset(r) for r in rows])

    async def list_datasets_by_ids(self, request: ListDatasetsByIDsRequest) -> ListDatasetsByIDsResponse:
        ident = caller(self.ctx)
        if not request.ids:
            raise InvalidArgument("at least one dataset id is required")
        return ListDatasetsByIDsResponse(
            datasets=[_dataset(self._require_dataset(ident, i)) for i in request.ids]
        )

    async def merge_datasets(self, request: MergeDatasetsRequest) -> MergeDatasetsResponse:
        ident = caller(self.ctx)
        require_org(self.ctx, ident, request.organization_id)
        name = check_name(request.name)
        if len(request.dataset_ids) < 2:
            raise InvalidArgument("merging needs at least two dataset ids")
        for dataset_id in request.dataset_ids:
            row = self._require_dataset(ident, dataset_id)
            if row.organization_id != request.organization_id:
                raise InvalidArgument(f"dataset {dataset_id!r} is not in organization {request.organization_id!r}")
        new_id = self.datasets.merge(request.organization_id, name, request.dataset_ids)
        return MergeDatasetsResponse(dataset_id=new_id)

    # -- sequence dataset exports -------------------------------------------------------------

    async def start_sequence_dataset_export(
        self, request: StartSequenceDatasetExportRequest
    ) -> StartSequenceDatasetExportResponse:
        ident = caller(self.ctx)
        dataset = self._require_dataset(ident, request.dataset_id)
        if not dataset.holds_sequences:
            raise InvalidArgument(f"dataset {request.dataset_id!r} holds binary data; only sequence datasets export")
        return StartSequenceDatasetExportResponse(job_id=self.datasets.start_export(dataset))

    async def get_sequence_dataset_export(
        self, request: GetSequenceDatasetExportRequest
    ) -> GetSequenceDatasetExportResponse:
        ident = caller(self.ctx)
        if not request.job_id:
            raise InvalidArgument("a job id is required")
        export = self.datasets.export(request.job_id)
        if export is None or export.organization_id not in visible_org_ids(self.ctx, ident):
            raise NotFound(f"sequence dataset export {request.job_id!r} not found")
        response = GetSequenceDatasetExportResponse(
            job_id=export.job_id,
            status=SequenceDatasetExportStatus.SEQUENCE_DATASET_EXPORT_STATUS_COMPLETED,
            expires_at=export.expires_at,
            created_at=export.created_at,
            completed_at=export.completed_at,
        )
        if export.downloadable(self.ctx.now()):
            payload = base64.b64encode(export.manifest.encode()).decode()
            response.download_url = f"data:application/json;base64,{payload}"
        else:
            response.error_message = f"the download URL expired at {export.expires_at:%Y-%m-%dT%H:%M:%S.%fZ}"
        return response


def create_services(ctx: EmulatorContext) -> list[ServiceBase]:
    return [DatasetService(ctx)]
