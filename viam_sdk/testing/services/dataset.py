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
import json
import re
import sqlite3
from datetime import timedelta

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
from ..context import EmulatorContext
from ..errors import AlreadyExists, InvalidArgument, NotFound
from ._data_common import SCHEMA as _COMMON_SCHEMA
from ._data_common import from_micros, json_list, micros_to_iso, to_micros
from .data_sequences import SCHEMA as _SEQUENCES_SCHEMA
from .data_sequences import sequence_binary_rows

SCHEMA = _COMMON_SCHEMA + _SEQUENCES_SCHEMA
EXPORT_LIFETIME = timedelta(hours=24)

__all__ = ["SCHEMA", "DatasetService", "create_services"]

_NAME = re.compile(r"^[A-Za-z0-9_-]{1,100}$")


def _check_name(name: str) -> str:
    if not _NAME.match(name):
        raise InvalidArgument(f"dataset name {name!r} is not valid: use 1 to 100 letters, digits, '-' or '_'")
    return name


def _dataset(row: sqlite3.Row) -> Dataset:
    return Dataset(
        id=row["id"],
        name=row["name"],
        organization_id=row["organization_id"],
        time_created=from_micros(row["time_created"]),
        type=DatasetType(row["type"]),
    )


class DatasetService(DatasetServiceBase):
    """DatasetService over the emulator's store."""

    def __init__(self, ctx: EmulatorContext) -> None:
        self.ctx = ctx
        self.store = ctx.store

    def _require_dataset(self, ident: Identity, dataset_id: str, *, write: bool = False) -> sqlite3.Row:
        if not dataset_id:
            raise InvalidArgument("a dataset id is required")
        row = self.store.one("SELECT * FROM datasets WHERE id = ?", (dataset_id,))
        if row is None or str(row["organization_id"]) not in visible_org_ids(self.ctx, ident):
            raise NotFound(f"dataset {dataset_id!r} not found")
        require_org(self.ctx, ident, str(row["organization_id"]), write=write)
        return row

    def _insert(self, org_id: str, name: str, kind: DatasetType) -> str:
        dataset_id = self.ctx.new_id()
        try:
            with self.store.transaction() as db:
                db.execute(
                    "INSERT INTO datasets(id, organization_id, name, time_created, type) VALUES (?,?,?,?,?)",
                    (dataset_id, org_id, name, to_micros(self.ctx.now()), int(kind)),
                )
        except sqlite3.IntegrityError:
            raise AlreadyExists(f"organization {org_id!r} already has a dataset named {name!r}"
            ) from None
        return dataset_id

    async def create_dataset(self, request: CreateDatasetRequest) -> CreateDatasetResponse:
        ident = caller(self.ctx)
        require_org(self.ctx, ident, request.organization_id)
        name = _check_name(request.name)
        kind = request.type if request.type is not None else DatasetType.DATASET_TYPE_BINARY_DATA
        return CreateDatasetResponse(id=self._insert(request.organization_id, name, kind))

    async def delete_dataset(self, request: DeleteDatasetRequest) -> DeleteDatasetResponse:
        ident = caller(self.ctx)
        self._require_dataset(ident, request.id, write=True)
        with self.store.transaction() as db:
            db.execute("DELETE FROM dataset_members WHERE dataset_id = ?", (request.id,))
            db.execute("DELETE FROM dataset_sequences WHERE dataset_id = ?", (request.id,))
            db.execute("DELETE FROM datasets WHERE id = ?", (request.id,))
        return DeleteDatasetResponse()

    async def rename_dataset(self, request: RenameDatasetRequest) -> RenameDatasetResponse:
        ident = caller(self.ctx)
        row = self._require_dataset(ident, request.id)
        name = _check_name(request.name)
        try:
            with self.store.transaction() as db:
                db.execute("UPDATE datasets SET name = ? WHERE id = ?", (name, request.id))
        except sqlite3.IntegrityError:
            raise AlreadyExists(
                f"organization {row['organization_id']!r} already has a dataset named {name!r}",
            ) from None
        return RenameDatasetResponse()

    async def list_datasets_by_organization_id(
        self, request: ListDatasetsByOrganizationIDRequest
    ) -> ListDatasetsByOrganizationIDResponse:
        ident = caller(self.ctx)
        require_org(self.ctx, ident, request.organization_id)
        params: list[object] = [request.organization_id]
        extra = ""
        if request.type is not None:
            extra = " AND type = ?"
            params.append(int(request.type))
        rows = self.store.all(
            f"SELECT * FROM datasets WHERE organization_id = ?{extra} ORDER BY time_created, id", params
        )
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
        name = _check_name(request.name)
        if len(request.dataset_ids) < 2:
            raise InvalidArgument("merging needs at least two dataset ids")
        for dataset_id in request.dataset_ids:
            row = self._require_dataset(ident, dataset_id)
            if row["organization_id"] != request.organization_id:
                raise InvalidArgument(f"dataset {dataset_id!r} is not in organization {request.organization_id!r}")
        with self.store.transaction() as db:
            new_id = self._insert(request.organization_id, name, DatasetType.DATASET_TYPE_BINARY_DATA)
            marks = ",".join("?" * len(request.dataset_ids))
            db.execute(
                "INSERT OR IGNORE INTO dataset_members(dataset_id, binary_id) "
                f"SELECT DISTINCT ?, binary_id FROM dataset_members WHERE dataset_id IN ({marks})",
                (new_id, *request.dataset_ids),
            )
        return MergeDatasetsResponse(dataset_id=new_id)

    # -- sequence dataset exports -------------------------------------------------------------

    def _manifest(self, job_id: str, dataset: sqlite3.Row, created: int) -> str:
        rows = self.store.all(
            "SELECT s.* FROM data_sequences s JOIN dataset_sequences m ON m.sequence_id = s.id "
            "WHERE m.dataset_id = ? ORDER BY s.seq",
            (dataset["id"],),
        )
        sequences = [
            {
                "id": r["id"],
                "part_id": r["part_id"],
                "resources": [{"resource_name": n, "method_name": m} for n, m in json.loads(r["resources"])],
                "sequence_tags": json_list(r["tags"]),
                "start_time": micros_to_iso(r["start_time"]),
                "end_time": micros_to_iso(r["end_time"]),
                "binary_data_ids": [b["id"] for b in sequence_binary_rows(self.store, r)],
            }
            for r in rows
        ]
        return json.dumps(
            {
                "job_id": job_id,
                "dataset_id": dataset["id"],
                "dataset_name": dataset["name"],
                "organization_id": dataset["organization_id"],
                "created_at": micros_to_iso(created),
                "sequences": sequences,
            },
            sort_keys=True,
        )

    async def start_sequence_dataset_export(
        self, request: StartSequenceDatasetExportRequest
    ) -> StartSequenceDatasetExportResponse:
        ident = caller(self.ctx)
        dataset = self._require_dataset(ident, request.dataset_id)
        if dataset["type"] != int(DatasetType.DATASET_TYPE_SEQUENCE_DATA):
            raise InvalidArgument(f"dataset {request.dataset_id!r} holds binary data; only sequence datasets export")
        job_id = self.ctx.new_id()
        now = to_micros(self.ctx.now())
        manifest = self._manifest(job_id, dataset, now)
        expires = now + int(EXPORT_LIFETIME.total_seconds()) * 1_000_000
        with self.store.transaction() as db:
            db.execute(
                "INSERT INTO sequence_exports(job_id, organization_id, dataset_id, created_at, completed_at, "
                "expires_at, manifest) VALUES (?,?,?,?,?,?,?)",
                (job_id, dataset["organization_id"], dataset["id"], now, now, expires, manifest),
            )
        return StartSequenceDatasetExportResponse(job_id=job_id)

    async def get_sequence_dataset_export(
        self, request: GetSequenceDatasetExportRequest
    ) -> GetSequenceDatasetExportResponse:
        ident = caller(self.ctx)
        if not request.job_id:
            raise InvalidArgument("a job id is required")
        row = self.store.one("SELECT * FROM sequence_exports WHERE job_id = ?", (request.job_id,))
        if row is None or str(row["organization_id"]) not in visible_org_ids(self.ctx, ident):
            raise NotFound(f"sequence dataset export {request.job_id!r} not found")
        response = GetSequenceDatasetExportResponse(
            job_id=row["job_id"],
            status=SequenceDatasetExportStatus.SEQUENCE_DATASET_EXPORT_STATUS_COMPLETED,
            expires_at=from_micros(row["expires_at"]),
            created_at=from_micros(row["created_at"]),
            completed_at=from_micros(row["completed_at"]),
        )
        if to_micros(self.ctx.now()) < row["expires_at"]:
            payload = base64.b64encode(str(row["manifest"]).encode()).decode()
            response.download_url = f"data:application/json;base64,{payload}"
        else:
            response.error_message = f"the download URL expired at {micros_to_iso(row['expires_at'])}"
        return response


def create_services(ctx: EmulatorContext) -> list[ServiceBase]:
    return [DatasetService(ctx)]
