"""The emulator's DatasetService: named sets of binary data within an organization.

Dataset names are unique within an organization (ALREADY_EXISTS otherwise)
and may hold letters, digits, ``-`` and ``_`` only (INVALID_ARGUMENT).  A
dataset of another organization answers NOT_FOUND, as if it did not exist.
Membership is managed through DataService (Add/RemoveBinaryDataTo/FromDataset)
or at upload time.  Implemented: Create, Delete, Rename, ListByOrganizationID,
ListByIDs, MergeDatasets; the sequence-export RPCs answer UNIMPLEMENTED.
"""

from __future__ import annotations

import re
import sqlite3

from grpclib.const import Status
from grpclib.exceptions import GRPCError
from viam_api._runtime import ServiceBase
from viam_api.app.dataset.v1 import (
    CreateDatasetRequest,
    CreateDatasetResponse,
    Dataset,
    DatasetServiceBase,
    DatasetType,
    DeleteDatasetRequest,
    DeleteDatasetResponse,
    ListDatasetsByIDsRequest,
    ListDatasetsByIDsResponse,
    ListDatasetsByOrganizationIDRequest,
    ListDatasetsByOrganizationIDResponse,
    MergeDatasetsRequest,
    MergeDatasetsResponse,
    RenameDatasetRequest,
    RenameDatasetResponse,
)

from ..auth import Identity, caller, require_org, visible_org_ids
from ..context import EmulatorContext
from ._data_common import SCHEMA, from_micros, invalid, not_found, to_micros

__all__ = ["SCHEMA", "DatasetService", "create_services"]

_NAME = re.compile(r"^[A-Za-z0-9_-]{1,100}$")


def _check_name(name: str) -> str:
    if not _NAME.match(name):
        raise invalid(f"dataset name {name!r} is not valid: use 1 to 100 letters, digits, '-' or '_'")
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
            raise invalid("a dataset id is required")
        row = self.store.one("SELECT * FROM datasets WHERE id = ?", (dataset_id,))
        if row is None or str(row["organization_id"]) not in visible_org_ids(self.ctx, ident):
            raise not_found(f"dataset {dataset_id!r} not found")
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
            raise GRPCError(
                Status.ALREADY_EXISTS, f"organization {org_id!r} already has a dataset named {name!r}"
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
            raise GRPCError(
                Status.ALREADY_EXISTS,
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
            raise invalid("at least one dataset id is required")
        return ListDatasetsByIDsResponse(
            datasets=[_dataset(self._require_dataset(ident, i)) for i in request.ids]
        )

    async def merge_datasets(self, request: MergeDatasetsRequest) -> MergeDatasetsResponse:
        ident = caller(self.ctx)
        require_org(self.ctx, ident, request.organization_id)
        name = _check_name(request.name)
        if len(request.dataset_ids) < 2:
            raise invalid("merging needs at least two dataset ids")
        for dataset_id in request.dataset_ids:
            row = self._require_dataset(ident, dataset_id)
            if row["organization_id"] != request.organization_id:
                raise invalid(f"dataset {dataset_id!r} is not in organization {request.organization_id!r}")
        with self.store.transaction() as db:
            new_id = self._insert(request.organization_id, name, DatasetType.DATASET_TYPE_BINARY_DATA)
            marks = ",".join("?" * len(request.dataset_ids))
            db.execute(
                "INSERT OR IGNORE INTO dataset_members(dataset_id, binary_id) "
                f"SELECT DISTINCT ?, binary_id FROM dataset_members WHERE dataset_id IN ({marks})",
                (new_id, *request.dataset_ids),
            )
        return MergeDatasetsResponse(dataset_id=new_id)


def create_services(ctx: EmulatorContext) -> list[ServiceBase]:
    return [DatasetService(ctx)]
