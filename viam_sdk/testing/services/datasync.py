"""The emulator's DataSyncService: where machines (and the SDK) upload data.

* ``DataCaptureUpload``: tabular readings (one row per ``SensorData`` struct)
  or one binary capture, with their capture metadata.
* ``FileUpload`` and ``StreamingDataCaptureUpload``: client streams, metadata
  first, then the bytes in chunks.  Chunks are written to the database as they
  arrive (gathered into pieces of at most 1 MiB), so a large upload is never
  held in memory whole; the file becomes visible only once the stream ended
  cleanly (its record is written last, in one transaction), and a broken
  stream leaves nothing behind -- nor does a killed process, once it starts
  again (:func:`sweep_orphan_blobs`).

Uploads name a machine part; the caller must reach it (an API key of its
organization, its location's secret or its own part secret).  The part's
machine, location and organization fill the rest of the capture metadata.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Mapping, Sequence
from datetime import datetime
from typing import Any

import betterproto2
from viam_api._runtime import ServiceBase
from viam_api.app.datasync.v1 import (
    DataCaptureUploadRequest,
    DataCaptureUploadResponse,
    DataSyncServiceBase,
    DataType,
    FileData,
    FileUploadRequest,
    FileUploadResponse,
    SensorMetadata,
    StreamingDataCaptureUploadRequest,
    StreamingDataCaptureUploadResponse,
    UploadMetadata,
)
from viam_api.google.protobuf import Any as ProtoAny
from viam_api.google.protobuf import Value

from ..auth import Identity, caller, require_part
from ..backends.captures import CapturesBackend, CaptureSource
from ..backends.captures import sweep_orphan_blobs as sweep_orphans
from ..backends.datasets import DatasetsBackend
from ..backends.machines import part_names
from ..context import EmulatorContext
from ..errors import InvalidArgument, NotFound
from ..store import Store
from ..structs import from_value as value_to_python
from ..structs import struct_to_dict
from ._data_common import (
    SCHEMA,
    binary_data_id,
    mime_for,
    normalise_ext,
    to_micros,
)

__all__ = ["SCHEMA", "DataSyncService", "create_services", "sweep_orphan_blobs"]

log = logging.getLogger("viam_sdk.testing")

# Incoming chunks are gathered into database rows of up to this size.
BLOB_PIECE = 1024 * 1024
_VALUE_URL = "type.googleapis.com/google.protobuf.Value"


def _parameters(params: Mapping[str, ProtoAny]) -> str:
    """Method parameters as JSON: Values unpacked, other messages kept by type URL."""
    out: dict[str, Any] = {}
    for key, packed in params.items():
        if packed.type_url == _VALUE_URL:
            out[key] = value_to_python(Value.parse(packed.value))
        else:
            out[key] = {"@type": packed.type_url}
    return json.dumps(out, sort_keys=True)


def _source(ctx: EmulatorContext, ident: Identity, part_id: str) -> CaptureSource:
    """The part an upload names, checked for the caller, with the names the capture metadata needs."""
    org_id, location_id, robot_id = require_part(ctx, ident, part_id)
    names = part_names(ctx.store, part_id)
    if names is None:
        raise NotFound(f"machine part {part_id!r} not found")
    return CaptureSource(org_id, location_id, robot_id, names.robot_name, part_id, names.part_name)


def _times(ctx: EmulatorContext, sensor: SensorMetadata | None) -> tuple[int | None, int]:
    requested = sensor.time_requested if sensor is not None else None
    received = sensor.time_received if sensor is not None else None
    req_us = to_micros(requested) if isinstance(requested, datetime) else None
    rec_us = to_micros(received) if isinstance(received, datetime) else (req_us or to_micros(ctx.now()))
    if req_us is not None and req_us > rec_us:
        raise InvalidArgument("time_requested is later than time_received")
    return req_us, rec_us


class DataSyncService(DataSyncServiceBase):
    """DataSyncService over the emulator's store."""

    def __init__(self, ctx: EmulatorContext) -> None:
        self.ctx = ctx
        self.store = ctx.store
        self.datasets = DatasetsBackend(ctx)
        self.captures = CapturesBackend(ctx)

    def _check_datasets(self, part: CaptureSource, dataset_ids: Sequence[str]) -> list[str]:
        for dataset_id in dataset_ids:
            if not self.datasets.in_organization(dataset_id, part.org_id):
                raise NotFound(f"dataset {dataset_id!r} not found in the part's organization")
        return list(dict.fromkeys(dataset_ids))

    # -- unary captures ---------------------------------------------------------------------

    async def data_capture_upload(self, request: DataCaptureUploadRequest) -> DataCaptureUploadResponse:
        ident = caller(self.ctx)
        meta = request.metadata
        if meta is None or not meta.part_id:
            raise InvalidArgument("upload metadata with a part_id is required")
        part = _source(self.ctx, ident, meta.part_id)
        contents = request.sensor_contents
        if not contents:
            raise InvalidArgument("no sensor_contents to upload")
        kinds = {betterproto2.which_one_of(item, "data")[0] for item in contents}
        kind = meta.type
        if kind == DataType.DATA_TYPE_UNSPECIFIED:
            kind = (
                DataType.DATA_TYPE_BINARY_SENSOR if kinds == {"binary"} else DataType.DATA_TYPE_TABULAR_SENSOR
            )
        if kind == DataType.DATA_TYPE_TABULAR_SENSOR:
            if kinds != {"struct"}:
                raise InvalidArgument("a tabular upload needs a struct in every sensor_contents item")
            return self._store_tabular(part, meta, request)
        if kind == DataType.DATA_TYPE_BINARY_SENSOR:
            if kinds != {"binary"} or len(contents) != 1:
                raise InvalidArgument("a binary upload needs exactly one sensor_contents item holding bytes")
            item = contents[0]
            data = item.binary or b""
            file_id = self.ctx.new_id()
            bdid = self._store_binary(part, meta, item.metadata, file_id, [data], len(data))
            return DataCaptureUploadResponse(file_id=file_id, binary_data_id=bdid)
        raise InvalidArgument(f"DataCaptureUpload cannot store data of type {kind.name} (use FileUpload for files)")

    def _store_tabular(
        self, part: CaptureSource, meta: UploadMetadata, request: DataCaptureUploadRequest
    ) -> DataCaptureUploadResponse:
        readings = []
        for item in request.sensor_contents:
            req_us, rec_us = _times(self.ctx, item.metadata)
            readings.append((req_us, rec_us, json.dumps(struct_to_dict(item.struct), separators=(",", ":"))))
        upload_id = self.captures.add_tabular(
            part,
            component_type=meta.component_type,
            component_name=meta.component_name,
            method_name=meta.method_name,
            method_parameters=_parameters(meta.method_parameters),
            tags=meta.tags,
            mime_type=meta.mime_type or "application/json",
            readings=readings,
        )
        return DataCaptureUploadResponse(file_id=upload_id)

    def _store_binary(
        self,
        part: CaptureSource,
        meta: UploadMetadata,
        sensor: SensorMetadata | None,
        file_id: str,
        pieces: Sequence[bytes],
        size: int,
        *,
        blob_key: str | None = None,
    ) -> str:
        """Record a binary capture or file; ``pieces`` are bytes not yet stored."""
        datasets = self._check_datasets(part, meta.dataset_ids)
        req_us, rec_us = _times(self.ctx, sensor)
        ext = normalise_ext(meta.file_extension)
        bdid = binary_data_id(part.org_id, part.location_id, file_id)
        self.captures.add_binary(
            part,
            binary_id=bdid,
            file_id=file_id,
            blob_key=blob_key or file_id,
            pieces=pieces,
            size=size,
            component_type=meta.component_type,
            component_name=meta.component_name,
            method_name=meta.method_name,
            method_parameters=_parameters(meta.method_parameters),
            tags=meta.tags,
            mime_type=mime_for(ext, meta.mime_type),
            file_name=meta.file_name,
            file_ext=ext,
            time_requested=req_us,
            time_received=rec_us,
            dataset_ids=datasets,
        )
        return bdid

    # -- streams -----------------------------------------------------------------------------------

    async def _stage(self, key: str, chunks: AsyncIterator[bytes]) -> int:
        """Write streamed bytes under ``key`` in pieces; returns the total size."""
        buffer = bytearray()
        index = 0
        size = 0

        def flush() -> None:
            nonlocal index
            if buffer:
                self.captures.stage_piece(key, index, bytes(buffer))
                index += 1
                buffer.clear()

        async for chunk in chunks:
            size += len(chunk)
            buffer += chunk
            if len(buffer) >= BLOB_PIECE:
                flush()
        flush()
        return size

    def _discard(self, key: str) -> None:
        self.captures.discard(key)

    async def file_upload(self, requests: AsyncIterator[FileUploadRequest]) -> FileUploadResponse:
        ident = caller(self.ctx)
        first = await anext(requests, None)
        if first is None:
            raise InvalidArgument("FileUpload received nothing: send the metadata first")
        kind, meta = betterproto2.which_one_of(first, "upload_packet")
        if kind != "metadata" or not isinstance(meta, UploadMetadata):
            raise InvalidArgument("the first FileUpload message must carry the upload metadata")
        part = _source(self.ctx, ident, meta.part_id)
        self._check_datasets(part, meta.dataset_ids)
        file_id = self.ctx.new_id()

        async def chunks() -> AsyncIterator[bytes]:
            async for message in requests:
                which, value = betterproto2.which_one_of(message, "upload_packet")
                if which != "file_contents":
                    raise InvalidArgument("after the metadata, FileUpload messages must carry file contents")
                yield value.data if isinstance(value, FileData) else b""

        try:
            size = await self._stage(file_id, chunks())
            bdid = self._store_binary(part, meta, None, file_id, [], size, blob_key=file_id)
        except BaseException:
            self._discard(file_id)
            raise
        return FileUploadResponse(binary_data_id=bdid)

    async def streaming_data_capture_upload(
        self, requests: AsyncIterator[StreamingDataCaptureUploadRequest]
    ) -> StreamingDataCaptureUploadResponse:
        ident = caller(self.ctx)
        first = await anext(requests, None)
        if first is None:
            raise InvalidArgument("StreamingDataCaptureUpload received nothing: send the metadata first")
        kind, meta = betterproto2.which_one_of(first, "upload_packet")
        if kind != "metadata" or meta is None or meta.upload_metadata is None:
            raise InvalidArgument("the first StreamingDataCaptureUpload message must carry the upload metadata")
        upload = meta.upload_metadata
        if upload.type not in (DataType.DATA_TYPE_UNSPECIFIED, DataType.DATA_TYPE_BINARY_SENSOR):
            raise InvalidArgument(f"StreamingDataCaptureUpload stores binary captures, not {upload.type.name}")
        part = _source(self.ctx, ident, upload.part_id)
        self._check_datasets(part, upload.dataset_ids)
        _times(self.ctx, meta.sensor_metadata)  # reject bad times before reading the stream
        file_id = self.ctx.new_id()

        async def chunks() -> AsyncIterator[bytes]:
            async for message in requests:
                which, value = betterproto2.which_one_of(message, "upload_packet")
                if which != "data":
                    raise InvalidArgument("after the metadata, StreamingDataCaptureUpload messages must carry data")
                yield value if isinstance(value, bytes) else b""

        try:
            size = await self._stage(file_id, chunks())
            bdid = self._store_binary(part, upload, meta.sensor_metadata, file_id, [], size, blob_key=file_id)
        except BaseException:
            self._discard(file_id)
            raise
        return StreamingDataCaptureUploadResponse(binary_data_id=bdid)


def sweep_orphan_blobs(store: Store) -> tuple[int, int]:
    """Remove stored bytes no binary record references; returns (pieces, bytes) removed.

    An upload writes its pieces as they stream in and its record last, in the
    transaction that makes it visible; a stream that breaks removes its pieces
    itself.  A process killed mid-upload cannot, so every start sweeps up what
    such a crash left (the record is the commit point: without it the pieces
    are never shown to anyone).
    """
    pieces, size = sweep_orphans(store)
    if pieces:
        log.warning("removed %d pieces (%d bytes) of uploads a crash left unfinished", pieces, size)
    return pieces, size


def create_services(ctx: EmulatorContext) -> list[ServiceBase]:
    sweep_orphan_blobs(ctx.store)
    return [DataSyncService(ctx)]
