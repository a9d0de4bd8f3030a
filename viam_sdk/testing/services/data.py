"""The emulator's DataService: query, tag, annotate and delete captured data.

Storage and filter semantics are described in ``_data_common``; SQL in
``query.sql``; MQL in ``query.mql``.  Every handler starts from the caller's
identity: filters only ever reach the organizations the caller may see, and
ids of data in another organization answer NOT_FOUND.

Implemented: TabularDataByFilter, TabularDataBySQL, TabularDataByMQL,
BinaryDataByFilter, BinaryDataByIDs, DeleteTabularData,
DeleteBinaryDataByFilter, DeleteBinaryDataByIDs, AddTagsToBinaryDataByIDs,
AddTagsToBinaryDataByFilter, RemoveTagsFromBinaryDataByIDs,
RemoveTagsFromBinaryDataByFilter, TagsByFilter, AddBoundingBoxToImageByID,
RemoveBoundingBoxFromImageByID, UpdateBoundingBox, BoundingBoxLabelsByFilter,
GetDatabaseConnection, ConfigureDatabaseUser, AddBinaryDataToDatasetByIDs,
RemoveBinaryDataFromDatasetByIDs, GetLatestTabularData, ExportTabularData; in
``data_extras``, CreateIndex, DeleteIndex, ListIndexes, CreateBinaryDataSignedURL;
in ``data_sequences``, the sequence RPCs; in ``data_saved_queries``, the
saved-query RPCs (TabularDataByMQL's ``query_prefix_name`` runs one).  Every
DataService RPC is served.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import AsyncIterator, Sequence
from datetime import timedelta
from typing import Any, TypeVar

import bson
from bson.codec_options import CodecOptions
from grpclib.const import Status
from grpclib.exceptions import GRPCError
from viam_api._runtime import Message, ServiceBase
from viam_api.app.data.v1 import (
    AddBinaryDataToDatasetByIDsRequest,
    AddBinaryDataToDatasetByIDsResponse,
    AddBoundingBoxToImageByIDRequest,
    AddBoundingBoxToImageByIDResponse,
    AddTagsToBinaryDataByFilterRequest,
    AddTagsToBinaryDataByFilterResponse,
    AddTagsToBinaryDataByIDsRequest,
    AddTagsToBinaryDataByIDsResponse,
    BinaryDataByFilterRequest,
    BinaryDataByFilterResponse,
    BinaryDataByIDsRequest,
    BinaryDataByIDsResponse,
    BoundingBoxLabelsByFilterRequest,
    BoundingBoxLabelsByFilterResponse,
    ConfigureDatabaseUserRequest,
    ConfigureDatabaseUserResponse,
    DataServiceBase,
    DeleteBinaryDataByFilterRequest,
    DeleteBinaryDataByFilterResponse,
    DeleteBinaryDataByIDsRequest,
    DeleteBinaryDataByIDsResponse,
    DeleteTabularDataRequest,
    DeleteTabularDataResponse,
    ExportTabularDataRequest,
    ExportTabularDataResponse,
    Filter,
    GetDatabaseConnectionRequest,
    GetDatabaseConnectionResponse,
    GetLatestTabularDataRequest,
    GetLatestTabularDataResponse,
    RemoveBinaryDataFromDatasetByIDsRequest,
    RemoveBinaryDataFromDatasetByIDsResponse,
    RemoveBoundingBoxFromImageByIDRequest,
    RemoveBoundingBoxFromImageByIDResponse,
    RemoveTagsFromBinaryDataByFilterRequest,
    RemoveTagsFromBinaryDataByFilterResponse,
    RemoveTagsFromBinaryDataByIDsRequest,
    RemoveTagsFromBinaryDataByIDsResponse,
    TabularDataByFilterRequest,
    TabularDataByFilterResponse,
    TabularDataByMQLRequest,
    TabularDataByMQLResponse,
    TabularDataBySQLRequest,
    TabularDataBySQLResponse,
    TagsByFilterRequest,
    TagsByFilterResponse,
    UpdateBoundingBoxRequest,
    UpdateBoundingBoxResponse,
)
from viam_api.app.data.v1 import BinaryID as _BinaryID

from ..auth import Identity, caller, require_org, require_part
from ..backends.captures import BinaryRow, CapturesBackend
from ..backends.datasets import DatasetsBackend
from ..context import EmulatorContext
from ..errors import InvalidArgument, NotFound
from ..query.budget import QueryBudgetExceeded, run_query
from ..query.mql import MQLError, check_pipeline, encode_results, run_pipeline
from ..query.sources import resolve_source
from ..query.sql import SQLRefused, run_sql
from ..structs import dict_to_struct
from ._binary_messages import binary_data
from ._data_common import (
    MAX_BINARY_LIMIT,
    MAX_TABULAR_LIMIT,
    capture_metadata,
    data_scope,
    decode_last,
    encode_last,
    encode_tabular_row,
    from_micros,
    ids_from_request,
    is_descending,
    page_limit,
    require_binaries,
    require_writable,
    to_micros,
)
from ._data_common import (
    SCHEMA as _COMMON_SCHEMA,
)
from .data_extras import SCHEMA as _EXTRAS_SCHEMA
from .data_extras import DataExtras, check_confidence
from .data_saved_queries import SCHEMA as _SAVED_QUERIES_SCHEMA
from .data_saved_queries import SavedQueriesHandlers, decode_stages
from .data_sequences import SCHEMA as _SEQUENCES_SCHEMA
from .data_sequences import DataSequences

__all__ = ["SCHEMA", "DataService", "create_services"]

SCHEMA = _COMMON_SCHEMA + _EXTRAS_SCHEMA + _SEQUENCES_SCHEMA + _SAVED_QUERIES_SCHEMA

_BSON_OPTIONS: CodecOptions[dict[str, Any]] = CodecOptions(tz_aware=True)

_M = TypeVar("_M", bound=Message)


def _deprecated_answer(cls: type[_M], **fields: Any) -> _M:
    """``cls(**fields)`` for the answer of a deprecated RPC, without the generated layer's warning.

    A deprecated message warns whoever builds it: that is meant for the API's
    users, not for the server that still serves the RPC.  A message decoded from
    no bytes has every field at its default and does not warn; the fields are set
    on it afterwards.
    """
    message = cls.parse(b"")
    for name, value in fields.items():
        if not hasattr(message, name):
            raise TypeError(f"{cls.__name__} has no field {name!r}")
        setattr(message, name, value)
    return message


def _after(last: str) -> tuple[int, int] | None:
    """Where a page resumes: the (time received, seq) of a page token, None for the first page."""
    return decode_last(last) if last else None


def _check_tags(tags: Sequence[str]) -> list[str]:
    if not tags:
        raise InvalidArgument("at least one tag is required")
    for tag in tags:
        if not tag.strip():
            raise InvalidArgument(f"tags must not be blank (got {tag!r})")
    return list(dict.fromkeys(tags))


def _check_box(x_min: float, y_min: float, x_max: float, y_max: float) -> None:
    for name, value in (("x_min", x_min), ("y_min", y_min), ("x_max", x_max), ("y_max", y_max)):
        if not 0.0 <= value <= 1.0:
            raise InvalidArgument(f"{name}_normalized={value} is outside [0, 1]")
    if x_min >= x_max:
        raise InvalidArgument(f"x_min_normalized={x_min} must be smaller than x_max_normalized={x_max}")
    if y_min >= y_max:
        raise InvalidArgument(f"y_min_normalized={y_min} must be smaller than y_max_normalized={y_max}")


def _password_digest(password: str, salt: bytes) -> bytes:
    return hashlib.pbkdf2_hmac("sha256", password.encode(), salt, 100_000)


class DataService(DataExtras, DataSequences, SavedQueriesHandlers, DataServiceBase):
    """DataService over the emulator's store (indexes and signed URLs: see ``data_extras``)."""

    def __init__(self, ctx: EmulatorContext) -> None:
        DataExtras.__init__(self, ctx)
        SavedQueriesHandlers.__init__(self, ctx)
        self.captures = CapturesBackend(ctx)
        self.datasets = DatasetsBackend(ctx)

    # -- helpers ------------------------------------------------------------------------

    def _ident(self) -> Identity:
        return caller(self.ctx)

    def _binary_rows_by_filter(
        self, ident: Identity, flt: Filter | None, include_internal: bool = True
    ) -> list[BinaryRow]:
        scope = data_scope(self.ctx, ident, flt)
        return self.captures.binaries_by_filter(scope, flt, include_internal=include_internal)

    def _binary_ids(
        self, ident: Identity, binary_ids: Sequence[_BinaryID], binary_data_ids: Sequence[str]
    ) -> list[BinaryRow]:
        return require_binaries(self.ctx, ident, ids_from_request(binary_ids, binary_data_ids))

    def _require_writable(self, ident: Identity, rows: Sequence[BinaryRow]) -> None:
        require_writable(self.ctx, ident, rows)

    # -- tabular queries ----------------------------------------------------------------------

    async def tabular_data_by_filter(
        self, request: TabularDataByFilterRequest
    ) -> TabularDataByFilterResponse:
        ident = self._ident()
        data_request = request.data_request
        flt = data_request.filter if data_request else None
        where = self.captures.tabular_where(
            data_scope(self.ctx, ident, flt), flt, include_internal=request.include_internal_data
        )
        if request.count_only:
            count, size = self.captures.tabular_count(where)
            return _deprecated_answer(TabularDataByFilterResponse, count=count, total_size_bytes=size)
        descending = is_descending(data_request.sort_order) if data_request else True
        limit = page_limit(data_request.limit if data_request else 0, MAX_TABULAR_LIMIT)
        after = _after(data_request.last if data_request else "")
        rows = self.captures.tabular_page(where, descending=descending, after=after, limit=limit)
        upload_ids = list(dict.fromkeys(r.upload_id for r in rows))
        uploads = self.captures.uploads(upload_ids)
        index = {upload_id: i for i, upload_id in enumerate(upload_ids)}
        encoded = b"".join(
            encode_tabular_row(r.data, index[r.upload_id], r.time_requested, r.time_received) for r in rows
        )
        last = encode_last(rows[-1].time_received, rows[-1].seq) if rows else ""
        response = _deprecated_answer(
            TabularDataByFilterResponse,
            metadata=[capture_metadata(uploads[u]) for u in upload_ids],
            count=len(rows),
            last=last,
            total_size_bytes=sum(r.size_bytes for r in rows),
        )
        # The readings go out pre-encoded (see _data_common.encode_tabular_row).
        response._unknown_fields = encoded
        return response

    async def tabular_data_by_sql(self, request: TabularDataBySQLRequest) -> TabularDataBySQLResponse:
        ident = self._ident()
        require_org(self.ctx, ident, request.organization_id)
        try:
            org = request.organization_id
            rows = await run_query(lambda budget: run_sql(self.store, org, request.sql_query, budget), org)
            return TabularDataBySQLResponse(raw_data=[bson.encode(row) for row in rows])
        except SQLRefused as exc:
            raise InvalidArgument(str(exc)) from None
        except QueryBudgetExceeded as exc:
            raise exc.status_error() from None

    async def tabular_data_by_mql(self, request: TabularDataByMQLRequest) -> TabularDataByMQLResponse:
        ident = self._ident()
        require_org(self.ctx, ident, request.organization_id)
        raw = list(request.mql_binary)
        if request.query_prefix_name:  # the saved query's stages run first
            raw = self.prefix_stages(request.organization_id, request.query_prefix_name) + raw
            request.query_prefix_name = None
        stages = decode_stages(raw, _BSON_OPTIONS)
        if not stages:
            raise InvalidArgument("the MQL pipeline is empty: give at least one stage")
        try:
            check_pipeline(stages)
        except MQLError as exc:
            raise InvalidArgument(str(exc)) from None
        source = resolve_source(self.ctx, request)
        try:
            encoded = await run_query(
                lambda budget: encode_results(run_pipeline(source.documents(stages), stages, budget), budget),
                request.organization_id,
            )
            return TabularDataByMQLResponse(raw_data=encoded)
        except MQLError as exc:
            raise InvalidArgument(str(exc)) from None
        except QueryBudgetExceeded as exc:
            raise exc.status_error() from None
        except (bson.errors.InvalidDocument, OverflowError) as exc:
            raise InvalidArgument(f"a result cannot be encoded as BSON: {exc}") from None

    async def get_latest_tabular_data(
        self, request: GetLatestTabularDataRequest
    ) -> GetLatestTabularDataResponse:
        ident = self._ident()
        require_part(self.ctx, ident, request.part_id)
        row = self.captures.latest_reading(
            request.part_id, request.resource_name, request.method_name, request.resource_subtype
        )
        if row is None:  # nothing captured: an empty answer, which clients read as "no data"
            return GetLatestTabularDataResponse()
        return GetLatestTabularDataResponse(
            time_captured=from_micros(row.time_captured),
            time_synced=from_micros(row.time_received),
            payload=dict_to_struct(json.loads(row.data)),
        )

    async def export_tabular_data(
        self, request: ExportTabularDataRequest
    ) -> AsyncIterator[ExportTabularDataResponse]:
        ident = self._ident()
        require_part(self.ctx, ident, request.part_id)
        interval = request.interval
        start = to_micros(interval.start) if interval is not None and interval.start is not None else None
        end = to_micros(interval.end) if interval is not None and interval.end is not None else None
        rows = self.captures.readings_of(
            request.part_id, request.resource_name, request.method_name, request.resource_subtype, start, end
        )
        for r in rows:
            m = r.upload
            assert m is not None
            yield ExportTabularDataResponse(
                part_id=m.part_id,
                resource_name=m.component_name,
                resource_subtype=m.component_type,
                method_name=m.method_name,
                time_captured=from_micros(r.time_captured),
                organization_id=m.organization_id,
                location_id=m.location_id,
                robot_name=m.robot_name,
                robot_id=m.robot_id,
                part_name=m.part_name,
                method_parameters=dict_to_struct(json.loads(m.method_parameters or "{}")),
                tags=list(m.tags),
                payload=dict_to_struct(json.loads(r.data)),
            )

    # -- binary queries ----------------------------------------------------------------------

    async def binary_data_by_filter(self, request: BinaryDataByFilterRequest) -> BinaryDataByFilterResponse:
        ident = self._ident()
        data_request = request.data_request
        flt = data_request.filter if data_request else None
        where = self.captures.binary_where(
            data_scope(self.ctx, ident, flt), flt, include_internal=request.include_internal_data
        )
        if request.count_only:
            count, size = self.captures.binary_count(where)
            return BinaryDataByFilterResponse(count=count, total_size_bytes=size)
        descending = is_descending(data_request.sort_order) if data_request else True
        limit = page_limit(data_request.limit if data_request else 0, MAX_BINARY_LIMIT)
        after = _after(data_request.last if data_request else "")
        with self.store.lock:
            rows = self.captures.binary_page(where, descending=descending, after=after, limit=limit)
            data = [binary_data(self.captures, r, request.include_binary) for r in rows]
        last = encode_last(rows[-1].time_received, rows[-1].seq) if rows else ""
        return BinaryDataByFilterResponse(
            data=data, count=len(rows), last=last, total_size_bytes=sum(r.size_bytes for r in rows)
        )

    async def binary_data_by_ids(self, request: BinaryDataByIDsRequest) -> BinaryDataByIDsResponse:
        ident = self._ident()
        rows = self._binary_ids(ident, request.binary_ids, request.binary_data_ids)
        with self.store.lock:
            data = [binary_data(self.captures, r, request.include_binary) for r in rows]
        return BinaryDataByIDsResponse(data=data, count=len(data))

    # -- deletes ----------------------------------------------------------------------------------

    async def delete_tabular_data(self, request: DeleteTabularDataRequest) -> DeleteTabularDataResponse:
        ident = self._ident()
        require_org(self.ctx, ident, request.organization_id, write=True)
        older_than = None
        if request.delete_older_than_days > 0:
            older_than = to_micros(self.ctx.now() - timedelta(days=request.delete_older_than_days))
        deleted = self.captures.delete_tabular(request.organization_id, older_than=older_than, flt=request.filter)
        return DeleteTabularDataResponse(deleted_count=deleted)

    async def delete_binary_data_by_filter(
        self, request: DeleteBinaryDataByFilterRequest
    ) -> DeleteBinaryDataByFilterResponse:
        ident = self._ident()
        rows = self._binary_rows_by_filter(ident, request.filter, request.include_internal_data)
        self._require_writable(ident, rows)
        return DeleteBinaryDataByFilterResponse(deleted_count=self.captures.delete_binaries(rows))

    async def delete_binary_data_by_ids(
        self, request: DeleteBinaryDataByIDsRequest
    ) -> DeleteBinaryDataByIDsResponse:
        ident = self._ident()
        rows = self._binary_ids(ident, request.binary_ids, request.binary_data_ids)
        self._require_writable(ident, rows)
        return DeleteBinaryDataByIDsResponse(deleted_count=self.captures.delete_binaries(rows))

    # -- tags ------------------------------------------------------------------------------------

    async def add_tags_to_binary_data_by_ids(
        self, request: AddTagsToBinaryDataByIDsRequest
    ) -> AddTagsToBinaryDataByIDsResponse:
        ident = self._ident()
        tags = _check_tags(request.tags)
        rows = self._binary_ids(ident, request.binary_ids, request.binary_data_ids)
        self._require_writable(ident, rows)
        self.captures.add_tags(rows, tags)
        return AddTagsToBinaryDataByIDsResponse()

    async def add_tags_to_binary_data_by_filter(
        self, request: AddTagsToBinaryDataByFilterRequest
    ) -> AddTagsToBinaryDataByFilterResponse:
        ident = self._ident()
        tags = _check_tags(request.tags)
        rows = self._binary_rows_by_filter(ident, request.filter)
        self._require_writable(ident, rows)
        self.captures.add_tags(rows, tags)
        return _deprecated_answer(AddTagsToBinaryDataByFilterResponse)

    async def remove_tags_from_binary_data_by_ids(
        self, request: RemoveTagsFromBinaryDataByIDsRequest
    ) -> RemoveTagsFromBinaryDataByIDsResponse:
        ident = self._ident()
        tags = _check_tags(request.tags)
        rows = self._binary_ids(ident, request.binary_ids, request.binary_data_ids)
        self._require_writable(ident, rows)
        return RemoveTagsFromBinaryDataByIDsResponse(deleted_count=self.captures.remove_tags(rows, tags))

    async def remove_tags_from_binary_data_by_filter(
        self, request: RemoveTagsFromBinaryDataByFilterRequest
    ) -> RemoveTagsFromBinaryDataByFilterResponse:
        ident = self._ident()
        tags = _check_tags(request.tags)
        rows = self._binary_rows_by_filter(ident, request.filter)
        self._require_writable(ident, rows)
        removed = self.captures.remove_tags(rows, tags)
        return _deprecated_answer(RemoveTagsFromBinaryDataByFilterResponse, deleted_count=removed)

    async def tags_by_filter(self, request: TagsByFilterRequest) -> TagsByFilterResponse:
        ident = self._ident()
        scope = data_scope(self.ctx, ident, request.filter)
        return _deprecated_answer(TagsByFilterResponse, tags=self.captures.tags(scope, request.filter))

    # -- bounding boxes -----------------------------------------------------------------------------

    def _one_binary(self, ident: Identity, old: _BinaryID | None, new: str) -> BinaryRow:
        """The one image a bounding-box change names, checked for the right to change it."""
        ids = ids_from_request([old] if old is not None else [], [new] if new else [])
        if len(ids) != 1:
            raise InvalidArgument("name exactly one image: binary_data_id (or the deprecated binary_id)")
        row = require_binaries(self.ctx, ident, ids)[0]
        self._require_writable(ident, [row])
        return row

    async def add_bounding_box_to_image_by_id(
        self, request: AddBoundingBoxToImageByIDRequest
    ) -> AddBoundingBoxToImageByIDResponse:
        ident = self._ident()
        if not request.label.strip():
            raise InvalidArgument("a bounding box needs a non-empty label")
        coords = (
            request.x_min_normalized,
            request.y_min_normalized,
            request.x_max_normalized,
            request.y_max_normalized,
        )
        _check_box(*coords)
        check_confidence(request.confidence)
        row = self._one_binary(ident, request.binary_id, request.binary_data_id)
        if not row.mime_type.startswith("image/"):
            raise InvalidArgument(f"binary data {row.id!r} is not an image (MIME type {row.mime_type!r})")
        bbox_id = self.captures.add_box(row.id, request.label, coords, request.confidence)
        return AddBoundingBoxToImageByIDResponse(bbox_id=bbox_id)

    async def remove_bounding_box_from_image_by_id(
        self, request: RemoveBoundingBoxFromImageByIDRequest
    ) -> RemoveBoundingBoxFromImageByIDResponse:
        ident = self._ident()
        row = self._one_binary(ident, request.binary_id, request.binary_data_id)
        self.captures.remove_box(row.id, request.bbox_id)
        return RemoveBoundingBoxFromImageByIDResponse()

    async def update_bounding_box(self, request: UpdateBoundingBoxRequest) -> UpdateBoundingBoxResponse:
        ident = self._ident()
        row = self._one_binary(ident, request.binary_id, request.binary_data_id)
        box = self.captures.box(row.id, request.bbox_id)
        label = box.label if request.label is None else request.label
        if not label.strip():
            raise InvalidArgument("a bounding box needs a non-empty label")
        coords = [
            old if new is None else new
            for old, new in (
                (box.x_min, request.x_min_normalized),
                (box.y_min, request.y_min_normalized),
                (box.x_max, request.x_max_normalized),
                (box.y_max, request.y_max_normalized),
            )
        ]
        _check_box(*coords)
        check_confidence(request.confidence)
        confidence = box.confidence if request.confidence is None else request.confidence
        self.captures.update_box(request.bbox_id, label, coords, confidence)
        return UpdateBoundingBoxResponse()

    async def bounding_box_labels_by_filter(
        self, request: BoundingBoxLabelsByFilterRequest
    ) -> BoundingBoxLabelsByFilterResponse:
        ident = self._ident()
        scope = data_scope(self.ctx, ident, request.filter)
        return _deprecated_answer(
            BoundingBoxLabelsByFilterResponse, labels=self.captures.box_labels(scope, request.filter)
        )

    # -- database access ------------------------------------------------------------------------------

    async def get_database_connection(
        self, request: GetDatabaseConnectionRequest
    ) -> GetDatabaseConnectionResponse:
        ident = self._ident()
        require_org(self.ctx, ident, request.organization_id)
        hostname = f"data-federation-{request.organization_id}.emulator.invalid"
        return GetDatabaseConnectionResponse(
            hostname=hostname,
            mongodb_uri=f"mongodb://db-user-{request.organization_id}@{hostname}/?ssl=true",
            has_database_user=self.captures.has_db_user(request.organization_id),
        )

    async def configure_database_user(
        self, request: ConfigureDatabaseUserRequest
    ) -> ConfigureDatabaseUserResponse:
        ident = self._ident()
        require_org(self.ctx, ident, request.organization_id, write=True)
        password = request.password
        # Never echo the password itself in an error.
        if len(password) < 8:
            raise InvalidArgument(f"the database password must have at least 8 characters (it has {len(password)})")
        if password.isalpha() or password.isdigit():
            raise InvalidArgument("the database password must mix letters with digits or symbols")
        salt = secrets.token_bytes(16)
        self.captures.set_db_user(request.organization_id, salt, _password_digest(password, salt))
        return ConfigureDatabaseUserResponse()

    # -- datasets -----------------------------------------------------------------------------------

    def _dataset_for_binaries(self, ident: Identity, dataset_id: str, rows: Sequence[BinaryRow]) -> None:
        if not dataset_id:
            raise InvalidArgument("a dataset id is required")
        dataset = self.datasets.find(dataset_id)
        if dataset is None:
            raise NotFound(f"dataset {dataset_id!r} not found")
        try:
            require_org(self.ctx, ident, dataset.organization_id)
        except GRPCError as exc:
            if exc.status == Status.PERMISSION_DENIED:
                raise NotFound(f"dataset {dataset_id!r} not found") from None
            raise
        for row in rows:
            if row.organization_id != dataset.organization_id:
                raise InvalidArgument(
                    f"binary data {row.id!r} belongs to another organization than dataset {dataset_id!r}"
                )

    async def add_binary_data_to_dataset_by_ids(
        self, request: AddBinaryDataToDatasetByIDsRequest
    ) -> AddBinaryDataToDatasetByIDsResponse:
        ident = self._ident()
        rows = self._binary_ids(ident, request.binary_ids, request.binary_data_ids)
        self._dataset_for_binaries(ident, request.dataset_id, rows)
        self.datasets.add_binaries(request.dataset_id, [r.id for r in rows])
        return AddBinaryDataToDatasetByIDsResponse()

    async def remove_binary_data_from_dataset_by_ids(
        self, request: RemoveBinaryDataFromDatasetByIDsRequest
    ) -> RemoveBinaryDataFromDatasetByIDsResponse:
        ident = self._ident()
        rows = self._binary_ids(ident, request.binary_ids, request.binary_data_ids)
        self._dataset_for_binaries(ident, request.dataset_id, rows)
        self.datasets.remove_binaries(request.dataset_id, [r.id for r in rows])
        return RemoveBinaryDataFromDatasetByIDsResponse()


def create_services(ctx: EmulatorContext) -> list[ServiceBase]:
    return [DataService(ctx)]
