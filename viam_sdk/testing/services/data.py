"""The emulator's DataService: query, tag, annotate and delete captured data.

Storage and filter semantics are described in ``_data_common``; SQL in
``_data_sql``; MQL in ``_data_mql``.  Every handler starts from the caller's
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
in ``data_sequences``, the sequence RPCs.
The rest answer UNIMPLEMENTED.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import sqlite3
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
    Annotations,
    BinaryData,
    BinaryDataByFilterRequest,
    BinaryDataByFilterResponse,
    BinaryDataByIDsRequest,
    BinaryDataByIDsResponse,
    BinaryMetadata,
    BoundingBox,
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
    TagsFilterType,
    UpdateBoundingBoxRequest,
    UpdateBoundingBoxResponse,
)
from viam_api.app.data.v1 import BinaryID as _BinaryID

from ..auth import Identity, caller, require_org, require_part
from ..context import EmulatorContext
from ..structs import dict_to_struct
from ._data_common import (
    MAX_BINARY_LIMIT,
    MAX_TABULAR_LIMIT,
    capture_metadata,
    decode_last,
    delete_binaries,
    encode_last,
    encode_tabular_row,
    filter_where,
    from_micros,
    ids_from_request,
    invalid,
    is_descending,
    json_list,
    not_found,
    page_limit,
    read_blob,
    require_binaries,
    require_writable,
    to_micros,
)
from ._data_common import (
    SCHEMA as _COMMON_SCHEMA,
)
from ._data_mql import MQLError, check_pipeline, encode_results, run_pipeline
from ._data_sql import SQLRefused, run_sql
from ._query_budget import QueryBudgetExceeded, run_query
from ._query_sources import resolve_source
from .data_extras import SCHEMA as _EXTRAS_SCHEMA
from .data_extras import DataExtras, check_confidence
from .data_sequences import SCHEMA as _SEQUENCES_SCHEMA
from .data_sequences import DataSequences

__all__ = ["SCHEMA", "DataService", "create_services"]

SCHEMA = _COMMON_SCHEMA + _EXTRAS_SCHEMA + _SEQUENCES_SCHEMA

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


def _page_where(last: str, descending: bool, alias: str) -> tuple[str, list[Any]]:
    if not last:
        return "", []
    time_received, seq = decode_last(last)
    op = "<" if descending else ">"
    return f" AND ({alias}.time_received, {alias}.seq) {op} (?, ?)", [time_received, seq]


def _binary_metadata(db: sqlite3.Connection, row: sqlite3.Row) -> BinaryMetadata:
    boxes = db.execute(
        "SELECT id, label, x_min, y_min, x_max, y_max, confidence FROM data_bboxes WHERE binary_id = ? ORDER BY seq",
        (row["id"],),
    ).fetchall()
    datasets = db.execute(
        "SELECT dataset_id FROM dataset_members WHERE binary_id = ? ORDER BY dataset_id", (row["id"],)
    ).fetchall()
    meta = BinaryMetadata(
        capture_metadata=capture_metadata(row),
        time_requested=from_micros(row["time_requested"]),
        time_received=from_micros(row["time_received"]),
        file_name=row["file_name"],
        file_ext=row["file_ext"],
        uri=f"emulator://data/{row['id']}",
        annotations=Annotations(
            bboxes=[
                BoundingBox(
                    id=b["id"],
                    label=b["label"],
                    x_min_normalized=b["x_min"],
                    y_min_normalized=b["y_min"],
                    x_max_normalized=b["x_max"],
                    y_max_normalized=b["y_max"],
                    confidence=b["confidence"],
                )
                for b in boxes
            ]
        ),
        dataset_ids=[str(d[0]) for d in datasets],
        binary_data_id=row["id"],
        file_size_bytes=row["size_bytes"],
    )
    # The deprecated ``id`` field still carries the file id, for clients that
    # build BinaryID messages from it; set after construction so the server
    # does not warn about its own use of it.
    meta.id = row["file_id"]
    return meta


def _binary_data(db: sqlite3.Connection, row: sqlite3.Row, include_binary: bool) -> BinaryData:
    return BinaryData(
        binary=read_blob(db, row["blob_key"]) if include_binary else b"",
        metadata=_binary_metadata(db, row),
    )


def _check_tags(tags: Sequence[str]) -> list[str]:
    if not tags:
        raise invalid("at least one tag is required")
    for tag in tags:
        if not tag.strip():
            raise invalid(f"tags must not be blank (got {tag!r})")
    return list(dict.fromkeys(tags))


def _check_box(x_min: float, y_min: float, x_max: float, y_max: float) -> None:
    for name, value in (("x_min", x_min), ("y_min", y_min), ("x_max", x_max), ("y_max", y_max)):
        if not 0.0 <= value <= 1.0:
            raise invalid(f"{name}_normalized={value} is outside [0, 1]")
    if x_min >= x_max:
        raise invalid(f"x_min_normalized={x_min} must be smaller than x_max_normalized={x_max}")
    if y_min >= y_max:
        raise invalid(f"y_min_normalized={y_min} must be smaller than y_max_normalized={y_max}")


def _password_digest(password: str, salt: bytes) -> bytes:
    return hashlib.pbkdf2_hmac("sha256", password.encode(), salt, 100_000)


class DataService(DataExtras, DataSequences, DataServiceBase):
    """DataService over the emulator's store (indexes and signed URLs: see ``data_extras``)."""

    def __init__(self, ctx: EmulatorContext) -> None:
        DataExtras.__init__(self, ctx)

    # -- helpers ------------------------------------------------------------------------

    def _ident(self) -> Identity:
        return caller(self.ctx)

    def _binary_rows_by_filter(
        self, ident: Identity, flt: Filter | None, include_internal: bool = True
    ) -> list[sqlite3.Row]:
        where = filter_where(
            self.ctx, ident, flt, meta="b", times="b", binary=True, include_internal=include_internal
        )
        return self.store.all(f"SELECT * FROM data_binary b WHERE {where.sql} ORDER BY b.seq", where.params)

    def _binary_ids(
        self, ident: Identity, binary_ids: Sequence[_BinaryID], binary_data_ids: Sequence[str]
    ) -> list[sqlite3.Row]:
        return require_binaries(self.ctx, ident, ids_from_request(binary_ids, binary_data_ids))

    def _require_writable(self, ident: Identity, rows: Sequence[sqlite3.Row]) -> None:
        require_writable(self.ctx, ident, rows)

    # -- tabular queries ----------------------------------------------------------------------

    async def tabular_data_by_filter(
        self, request: TabularDataByFilterRequest
    ) -> TabularDataByFilterResponse:
        ident = self._ident()
        data_request = request.data_request
        flt = data_request.filter if data_request else None
        where = filter_where(
            self.ctx,
            ident,
            flt,
            meta="m",
            times="t",
            binary=False,
            include_internal=request.include_internal_data,
        )
        base = f"FROM data_tabular t JOIN data_uploads m ON m.id = t.upload_id WHERE {where.sql}"
        if request.count_only:
            row = self.store.one(f"SELECT COUNT(*), COALESCE(SUM(t.size_bytes), 0) {base}", where.params)
            assert row is not None
            return _deprecated_answer(
                TabularDataByFilterResponse, count=int(row[0]), total_size_bytes=int(row[1])
            )
        descending = is_descending(data_request.sort_order) if data_request else True
        limit = page_limit(data_request.limit if data_request else 0, MAX_TABULAR_LIMIT)
        page_sql, page_params = _page_where(data_request.last if data_request else "", descending, "t")
        direction = "DESC" if descending else "ASC"
        rows = self.store.all(
            f"SELECT t.seq, t.upload_id, t.time_requested, t.time_received, t.data, t.size_bytes {base}{page_sql} "
            f"ORDER BY t.time_received {direction}, t.seq {direction} LIMIT ?",
            [*where.params, *page_params, limit],
        )
        upload_ids = list(dict.fromkeys(str(r["upload_id"]) for r in rows))
        uploads: dict[str, sqlite3.Row] = {}
        for start in range(0, len(upload_ids), 500):
            part = upload_ids[start : start + 500]
            for u in self.store.all(
                f"SELECT * FROM data_uploads WHERE id IN ({','.join('?' * len(part))})", part
            ):
                uploads[str(u["id"])] = u
        index = {upload_id: i for i, upload_id in enumerate(upload_ids)}
        encoded = b"".join(
            encode_tabular_row(r["data"], index[str(r["upload_id"])], r["time_requested"], r["time_received"])
            for r in rows
        )
        last = encode_last(rows[-1]["time_received"], rows[-1]["seq"]) if rows else ""
        response = _deprecated_answer(
            TabularDataByFilterResponse,
            metadata=[capture_metadata(uploads[u]) for u in upload_ids],
            count=len(rows),
            last=last,
            total_size_bytes=sum(int(r["size_bytes"]) for r in rows),
        )
        # The readings go out pre-encoded (see _data_common.encode_tabular_row).
        response._unknown_fields = encoded
        return response

    async def tabular_data_by_sql(self, request: TabularDataBySQLRequest) -> TabularDataBySQLResponse:
        ident = self._ident()
        require_org(self.ctx, ident, request.organization_id)
        try:
            rows = await run_query(lambda: run_sql(self.store, request.organization_id, request.sql_query))
            return TabularDataBySQLResponse(raw_data=[bson.encode(row) for row in rows])
        except SQLRefused as exc:
            raise invalid(str(exc)) from None
        except QueryBudgetExceeded as exc:
            raise exc.status_error() from None

    async def tabular_data_by_mql(self, request: TabularDataByMQLRequest) -> TabularDataByMQLResponse:
        ident = self._ident()
        require_org(self.ctx, ident, request.organization_id)
        stages: list[dict[str, Any]] = []
        for position, raw in enumerate(request.mql_binary):
            try:
                stages.append(bson.decode(raw, codec_options=_BSON_OPTIONS))
            except Exception as exc:  # bson raises several kinds for bad input
                raise invalid(f"stage {position} is not a valid BSON document: {exc}") from None
        if not stages:
            raise invalid("the MQL pipeline is empty: give at least one stage")
        try:
            check_pipeline(stages)
        except MQLError as exc:
            raise invalid(str(exc)) from None
        source = resolve_source(self.ctx, request)
        try:
            encoded = await run_query(lambda: encode_results(run_pipeline(source.documents(stages), stages)))
            return TabularDataByMQLResponse(raw_data=encoded)
        except MQLError as exc:
            raise invalid(str(exc)) from None
        except QueryBudgetExceeded as exc:
            raise exc.status_error() from None
        except (bson.errors.InvalidDocument, OverflowError) as exc:
            raise invalid(f"a result cannot be encoded as BSON: {exc}") from None

    async def get_latest_tabular_data(
        self, request: GetLatestTabularDataRequest
    ) -> GetLatestTabularDataResponse:
        ident = self._ident()
        require_part(self.ctx, ident, request.part_id)
        row = self.store.one(
            "SELECT t.time_requested, t.time_received, t.data FROM data_tabular t "
            "JOIN data_uploads m ON m.id = t.upload_id WHERE m.part_id = ? AND m.component_name = ? "
            "AND m.method_name = ? AND (? = '' OR m.component_type = ?) "
            "ORDER BY t.time_received DESC, t.seq DESC LIMIT 1",
            (
                request.part_id,
                request.resource_name,
                request.method_name,
                request.resource_subtype,
                request.resource_subtype,
            ),
        )
        if row is None:
            raise not_found(
                f"no tabular data for {request.resource_name!r}/{request.method_name!r} on part {request.part_id!r}"
            )
        return GetLatestTabularDataResponse(
            time_captured=from_micros(row["time_requested"] or row["time_received"]),
            time_synced=from_micros(row["time_received"]),
            payload=dict_to_struct(json.loads(row["data"])),
        )

    async def export_tabular_data(
        self, request: ExportTabularDataRequest
    ) -> AsyncIterator[ExportTabularDataResponse]:
        ident = self._ident()
        require_part(self.ctx, ident, request.part_id)
        clauses = ["m.part_id = ?", "m.component_name = ?", "m.method_name = ?"]
        params: list[Any] = [request.part_id, request.resource_name, request.method_name]
        if request.resource_subtype:
            clauses.append("m.component_type = ?")
            params.append(request.resource_subtype)
        interval = request.interval
        if interval is not None and interval.start is not None:
            clauses.append("t.time_received >= ?")
            params.append(to_micros(interval.start))
        if interval is not None and interval.end is not None:
            clauses.append("t.time_received <= ?")
            params.append(to_micros(interval.end))
        rows = self.store.all(
            "SELECT t.time_requested, t.time_received, t.data, m.* FROM data_tabular t "
            f"JOIN data_uploads m ON m.id = t.upload_id WHERE {' AND '.join(clauses)} "
            "ORDER BY t.time_received, t.seq",
            params,
        )
        for r in rows:
            yield ExportTabularDataResponse(
                part_id=r["part_id"],
                resource_name=r["component_name"],
                resource_subtype=r["component_type"],
                method_name=r["method_name"],
                time_captured=from_micros(r["time_requested"] or r["time_received"]),
                organization_id=r["organization_id"],
                location_id=r["location_id"],
                robot_name=r["robot_name"],
                robot_id=r["robot_id"],
                part_name=r["part_name"],
                method_parameters=dict_to_struct(json.loads(r["method_parameters"] or "{}")),
                tags=json_list(r["tags"]),
                payload=dict_to_struct(json.loads(r["data"])),
            )

    # -- binary queries ----------------------------------------------------------------------

    async def binary_data_by_filter(self, request: BinaryDataByFilterRequest) -> BinaryDataByFilterResponse:
        ident = self._ident()
        data_request = request.data_request
        flt = data_request.filter if data_request else None
        where = filter_where(
            self.ctx,
            ident,
            flt,
            meta="b",
            times="b",
            binary=True,
            include_internal=request.include_internal_data,
        )
        if request.count_only:
            row = self.store.one(
                f"SELECT COUNT(*), COALESCE(SUM(b.size_bytes), 0) FROM data_binary b WHERE {where.sql}",
                where.params,
            )
            assert row is not None
            return BinaryDataByFilterResponse(count=int(row[0]), total_size_bytes=int(row[1]))
        descending = is_descending(data_request.sort_order) if data_request else True
        limit = page_limit(data_request.limit if data_request else 0, MAX_BINARY_LIMIT)
        page_sql, page_params = _page_where(data_request.last if data_request else "", descending, "b")
        direction = "DESC" if descending else "ASC"
        with self.store.lock:
            rows = self.store.db.execute(
                f"SELECT * FROM data_binary b WHERE {where.sql}{page_sql} "
                f"ORDER BY b.time_received {direction}, b.seq {direction} LIMIT ?",
                [*where.params, *page_params, limit],
            ).fetchall()
            data = [_binary_data(self.store.db, r, request.include_binary) for r in rows]
        last = encode_last(rows[-1]["time_received"], rows[-1]["seq"]) if rows else ""
        return BinaryDataByFilterResponse(
            data=data, count=len(rows), last=last, total_size_bytes=sum(int(r["size_bytes"]) for r in rows)
        )

    async def binary_data_by_ids(self, request: BinaryDataByIDsRequest) -> BinaryDataByIDsResponse:
        ident = self._ident()
        rows = self._binary_ids(ident, request.binary_ids, request.binary_data_ids)
        with self.store.lock:
            data = [_binary_data(self.store.db, r, request.include_binary) for r in rows]
        return BinaryDataByIDsResponse(data=data, count=len(data))

    # -- deletes ----------------------------------------------------------------------------------

    async def delete_tabular_data(self, request: DeleteTabularDataRequest) -> DeleteTabularDataResponse:
        ident = self._ident()
        require_org(self.ctx, ident, request.organization_id, write=True)
        clauses = ["t.organization_id = ?"]
        params: list[Any] = [request.organization_id]
        if request.delete_older_than_days > 0:
            cutoff = self.ctx.now() - timedelta(days=request.delete_older_than_days)
            clauses.append("t.time_received < ?")
            params.append(to_micros(cutoff))
        extra = request.filter
        if extra is not None:
            if extra.location_ids:
                clauses.append(f"m.location_id IN ({','.join('?' * len(extra.location_ids))})")
                params.extend(extra.location_ids)
            for column, value in (
                ("robot_id", extra.robot_id),
                ("part_id", extra.part_id),
                ("component_type", extra.component_type),
                ("component_name", extra.component_name),
                ("method_name", extra.method),
            ):
                if value:
                    clauses.append(f"m.{column} = ?")
                    params.append(value)
            tf = extra.tags_filter
            if tf is not None:
                if tf.type == TagsFilterType.TAGS_FILTER_TYPE_TAGGED:
                    clauses.append("json_array_length(m.tags) > 0")
                elif tf.type == TagsFilterType.TAGS_FILTER_TYPE_UNTAGGED:
                    clauses.append("json_array_length(m.tags) = 0")
                elif tf.tags:
                    clauses.append(
                        f"EXISTS (SELECT 1 FROM json_each(m.tags) WHERE value IN ({','.join('?' * len(tf.tags))}))"
                    )
                    params.extend(tf.tags)
        with self.store.transaction() as db:
            cursor = db.execute(
                "DELETE FROM data_tabular WHERE seq IN (SELECT t.seq FROM data_tabular t "
                f"JOIN data_uploads m ON m.id = t.upload_id WHERE {' AND '.join(clauses)})",
                params,
            )
            deleted = cursor.rowcount
            db.execute(
                "DELETE FROM data_uploads WHERE organization_id = ? AND NOT EXISTS "
                "(SELECT 1 FROM data_tabular t WHERE t.upload_id = data_uploads.id)",
                (request.organization_id,),
            )
        return DeleteTabularDataResponse(deleted_count=deleted)

    async def delete_binary_data_by_filter(
        self, request: DeleteBinaryDataByFilterRequest
    ) -> DeleteBinaryDataByFilterResponse:
        ident = self._ident()
        rows = self._binary_rows_by_filter(ident, request.filter, request.include_internal_data)
        self._require_writable(ident, rows)
        with self.store.transaction() as db:
            deleted = delete_binaries(db, rows)
        return DeleteBinaryDataByFilterResponse(deleted_count=deleted)

    async def delete_binary_data_by_ids(
        self, request: DeleteBinaryDataByIDsRequest
    ) -> DeleteBinaryDataByIDsResponse:
        ident = self._ident()
        rows = self._binary_ids(ident, request.binary_ids, request.binary_data_ids)
        self._require_writable(ident, rows)
        with self.store.transaction() as db:
            deleted = delete_binaries(db, rows)
        return DeleteBinaryDataByIDsResponse(deleted_count=deleted)

    # -- tags ------------------------------------------------------------------------------------

    def _add_tags(self, rows: Sequence[sqlite3.Row], tags: list[str]) -> None:
        with self.store.transaction() as db:
            for row in rows:
                current = json_list(row["tags"])
                merged = current + [t for t in tags if t not in current]
                if merged != current:
                    db.execute(
                        "UPDATE data_binary SET tags = ? WHERE seq = ?", (json.dumps(merged), row["seq"])
                    )

    def _remove_tags(self, rows: Sequence[sqlite3.Row], tags: list[str]) -> int:
        removed = 0
        with self.store.transaction() as db:
            for row in rows:
                current = json_list(row["tags"])
                kept = [t for t in current if t not in tags]
                if len(kept) != len(current):
                    removed += len(current) - len(kept)
                    db.execute(
                        "UPDATE data_binary SET tags = ? WHERE seq = ?", (json.dumps(kept), row["seq"])
                    )
        return removed

    async def add_tags_to_binary_data_by_ids(
        self, request: AddTagsToBinaryDataByIDsRequest
    ) -> AddTagsToBinaryDataByIDsResponse:
        ident = self._ident()
        tags = _check_tags(request.tags)
        rows = self._binary_ids(ident, request.binary_ids, request.binary_data_ids)
        self._require_writable(ident, rows)
        self._add_tags(rows, tags)
        return AddTagsToBinaryDataByIDsResponse()

    async def add_tags_to_binary_data_by_filter(
        self, request: AddTagsToBinaryDataByFilterRequest
    ) -> AddTagsToBinaryDataByFilterResponse:
        ident = self._ident()
        tags = _check_tags(request.tags)
        rows = self._binary_rows_by_filter(ident, request.filter)
        self._require_writable(ident, rows)
        self._add_tags(rows, tags)
        return _deprecated_answer(AddTagsToBinaryDataByFilterResponse)

    async def remove_tags_from_binary_data_by_ids(
        self, request: RemoveTagsFromBinaryDataByIDsRequest
    ) -> RemoveTagsFromBinaryDataByIDsResponse:
        ident = self._ident()
        tags = _check_tags(request.tags)
        rows = self._binary_ids(ident, request.binary_ids, request.binary_data_ids)
        self._require_writable(ident, rows)
        return RemoveTagsFromBinaryDataByIDsResponse(deleted_count=self._remove_tags(rows, tags))

    async def remove_tags_from_binary_data_by_filter(
        self, request: RemoveTagsFromBinaryDataByFilterRequest
    ) -> RemoveTagsFromBinaryDataByFilterResponse:
        ident = self._ident()
        tags = _check_tags(request.tags)
        rows = self._binary_rows_by_filter(ident, request.filter)
        self._require_writable(ident, rows)
        removed = self._remove_tags(rows, tags)
        return _deprecated_answer(RemoveTagsFromBinaryDataByFilterResponse, deleted_count=removed)

    async def tags_by_filter(self, request: TagsByFilterRequest) -> TagsByFilterResponse:
        ident = self._ident()
        bw = filter_where(self.ctx, ident, request.filter, meta="b", times="b", binary=True)
        tw = filter_where(self.ctx, ident, request.filter, meta="m", times="t", binary=False)
        rows = self.store.all(
            f"SELECT DISTINCT j.value FROM data_binary b, json_each(b.tags) j WHERE {bw.sql} "
            "UNION SELECT DISTINCT j.value FROM data_uploads m, json_each(m.tags) j WHERE EXISTS "
            f"(SELECT 1 FROM data_tabular t WHERE t.upload_id = m.id AND {tw.sql}) ORDER BY 1",
            [*bw.params, *tw.params],
        )
        return _deprecated_answer(TagsByFilterResponse, tags=[str(r[0]) for r in rows])

    # -- bounding boxes -----------------------------------------------------------------------------

    def _one_binary(self, ident: Identity, old: _BinaryID | None, new: str) -> sqlite3.Row:
        """The one image a bounding-box change names, checked for the right to change it."""
        ids = ids_from_request([old] if old is not None else [], [new] if new else [])
        if len(ids) != 1:
            raise invalid("name exactly one image: binary_data_id (or the deprecated binary_id)")
        row = require_binaries(self.ctx, ident, ids)[0]
        self._require_writable(ident, [row])
        return row

    async def add_bounding_box_to_image_by_id(
        self, request: AddBoundingBoxToImageByIDRequest
    ) -> AddBoundingBoxToImageByIDResponse:
        ident = self._ident()
        if not request.label.strip():
            raise invalid("a bounding box needs a non-empty label")
        _check_box(
            request.x_min_normalized,
            request.y_min_normalized,
            request.x_max_normalized,
            request.y_max_normalized,
        )
        check_confidence(request.confidence)
        row = self._one_binary(ident, request.binary_id, request.binary_data_id)
        if not str(row["mime_type"]).startswith("image/"):
            raise invalid(f"binary data {row['id']!r} is not an image (MIME type {row['mime_type']!r})")
        bbox_id = self.ctx.new_id()
        with self.store.transaction() as db:
            db.execute(
                "INSERT INTO data_bboxes(id, binary_id, label, x_min, y_min, x_max, y_max, confidence) "
                "VALUES (?,?,?,?,?,?,?,?)",
                (
                    bbox_id,
                    row["id"],
                    request.label,
                    request.x_min_normalized,
                    request.y_min_normalized,
                    request.x_max_normalized,
                    request.y_max_normalized,
                    request.confidence,
                ),
            )
        return AddBoundingBoxToImageByIDResponse(bbox_id=bbox_id)

    async def remove_bounding_box_from_image_by_id(
        self, request: RemoveBoundingBoxFromImageByIDRequest
    ) -> RemoveBoundingBoxFromImageByIDResponse:
        ident = self._ident()
        row = self._one_binary(ident, request.binary_id, request.binary_data_id)
        with self.store.transaction() as db:
            cursor = db.execute(
                "DELETE FROM data_bboxes WHERE id = ? AND binary_id = ?", (request.bbox_id, row["id"])
            )
            if cursor.rowcount == 0:
                raise not_found(f"bounding box {request.bbox_id!r} not found on {row['id']!r}")
        return RemoveBoundingBoxFromImageByIDResponse()

    async def update_bounding_box(self, request: UpdateBoundingBoxRequest) -> UpdateBoundingBoxResponse:
        ident = self._ident()
        row = self._one_binary(ident, request.binary_id, request.binary_data_id)
        box = self.store.one(
            "SELECT * FROM data_bboxes WHERE id = ? AND binary_id = ?", (request.bbox_id, row["id"])
        )
        if box is None:
            raise not_found(f"bounding box {request.bbox_id!r} not found on {row['id']!r}")
        label = box["label"] if request.label is None else request.label
        if not label.strip():
            raise invalid("a bounding box needs a non-empty label")
        coords = [
            box[col] if new is None else new
            for col, new in (
                ("x_min", request.x_min_normalized),
                ("y_min", request.y_min_normalized),
                ("x_max", request.x_max_normalized),
                ("y_max", request.y_max_normalized),
            )
        ]
        _check_box(*coords)
        check_confidence(request.confidence)
        confidence = box["confidence"] if request.confidence is None else request.confidence
        with self.store.transaction() as db:
            db.execute(
                "UPDATE data_bboxes SET label = ?, x_min = ?, y_min = ?, x_max = ?, y_max = ?, confidence = ? "
                "WHERE id = ?",
                (label, *coords, confidence, request.bbox_id),
            )
        return UpdateBoundingBoxResponse()

    async def bounding_box_labels_by_filter(
        self, request: BoundingBoxLabelsByFilterRequest
    ) -> BoundingBoxLabelsByFilterResponse:
        ident = self._ident()
        where = filter_where(self.ctx, ident, request.filter, meta="b", times="b", binary=True)
        rows = self.store.all(
            f"SELECT DISTINCT x.label FROM data_bboxes x JOIN data_binary b ON b.id = x.binary_id "
            f"WHERE {where.sql} ORDER BY x.label",
            where.params,
        )
        return _deprecated_answer(BoundingBoxLabelsByFilterResponse, labels=[str(r[0]) for r in rows])

    # -- database access ------------------------------------------------------------------------------

    async def get_database_connection(
        self, request: GetDatabaseConnectionRequest
    ) -> GetDatabaseConnectionResponse:
        ident = self._ident()
        require_org(self.ctx, ident, request.organization_id)
        hostname = f"data-federation-{request.organization_id}.emulator.invalid"
        has_user = (
            self.store.one(
                "SELECT 1 FROM data_db_users WHERE organization_id = ?", (request.organization_id,)
            )
            is not None
        )
        return GetDatabaseConnectionResponse(
            hostname=hostname,
            mongodb_uri=f"mongodb://db-user-{request.organization_id}@{hostname}/?ssl=true",
            has_database_user=has_user,
        )

    async def configure_database_user(
        self, request: ConfigureDatabaseUserRequest
    ) -> ConfigureDatabaseUserResponse:
        ident = self._ident()
        require_org(self.ctx, ident, request.organization_id, write=True)
        password = request.password
        # Never echo the password itself in an error.
        if len(password) < 8:
            raise invalid(f"the database password must have at least 8 characters (it has {len(password)})")
        if password.isalpha() or password.isdigit():
            raise invalid("the database password must mix letters with digits or symbols")
        salt = secrets.token_bytes(16)
        with self.store.transaction() as db:
            db.execute(
                "INSERT INTO data_db_users(organization_id, salt, digest, updated_at) VALUES (?,?,?,?) "
                "ON CONFLICT(organization_id) DO UPDATE SET salt = excluded.salt, digest = excluded.digest, "
                "updated_at = excluded.updated_at",
                (request.organization_id, salt, _password_digest(password, salt), self.ctx.now_iso()),
            )
        return ConfigureDatabaseUserResponse()

    # -- datasets -----------------------------------------------------------------------------------

    def _dataset_for_binaries(self, ident: Identity, dataset_id: str, rows: Sequence[sqlite3.Row]) -> None:
        if not dataset_id:
            raise invalid("a dataset id is required")
        dataset = self.store.one("SELECT organization_id FROM datasets WHERE id = ?", (dataset_id,))
        if dataset is None:
            raise not_found(f"dataset {dataset_id!r} not found")
        try:
            require_org(self.ctx, ident, str(dataset["organization_id"]))
        except GRPCError as exc:
            if exc.status == Status.PERMISSION_DENIED:
                raise not_found(f"dataset {dataset_id!r} not found") from None
            raise
        for row in rows:
            if row["organization_id"] != dataset["organization_id"]:
                raise invalid(
                    f"binary data {row['id']!r} belongs to another organization than dataset {dataset_id!r}"
                )

    async def add_binary_data_to_dataset_by_ids(
        self, request: AddBinaryDataToDatasetByIDsRequest
    ) -> AddBinaryDataToDatasetByIDsResponse:
        ident = self._ident()
        rows = self._binary_ids(ident, request.binary_ids, request.binary_data_ids)
        self._dataset_for_binaries(ident, request.dataset_id, rows)
        with self.store.transaction() as db:
            db.executemany(
                "INSERT OR IGNORE INTO dataset_members(dataset_id, binary_id) VALUES (?, ?)",
                [(request.dataset_id, r["id"]) for r in rows],
            )
        return AddBinaryDataToDatasetByIDsResponse()

    async def remove_binary_data_from_dataset_by_ids(
        self, request: RemoveBinaryDataFromDatasetByIDsRequest
    ) -> RemoveBinaryDataFromDatasetByIDsResponse:
        ident = self._ident()
        rows = self._binary_ids(ident, request.binary_ids, request.binary_data_ids)
        self._dataset_for_binaries(ident, request.dataset_id, rows)
        with self.store.transaction() as db:
            db.executemany(
                "DELETE FROM dataset_members WHERE dataset_id = ? AND binary_id = ?",
                [(request.dataset_id, r["id"]) for r in rows],
            )
        return RemoveBinaryDataFromDatasetByIDsResponse()


def create_services(ctx: EmulatorContext) -> list[ServiceBase]:
    return [DataService(ctx)]
