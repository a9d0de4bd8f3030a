"""``DataClient`` methods that upload captures and files (DataSyncService).

Uploads stream in ``CHUNK_SIZE`` pieces; ``file_upload_from_path`` reads the file
piece by piece, so memory stays flat whatever its size.
"""

from __future__ import annotations

import datetime
from collections.abc import AsyncIterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from viam_api.app.datasync.v1 import (
    DataCaptureUploadMetadata,
    DataCaptureUploadRequest,
    DataType,
    FileData,
    FileUploadRequest,
    SensorData,
    SensorMetadata,
    StreamingDataCaptureUploadRequest,
    UploadMetadata,
)
from viam_api.google.protobuf import Any as ProtoAny

from viam_sdk.app._convert import dict_to_struct, python_to_value
from viam_sdk.app._data._base import DataClientBase
from viam_sdk.app._data._positions import UploadedFileId, binary_upload_args, tabular_upload_args
from viam_sdk.progress import ProgressCallback, Reporter
from viam_sdk.rpc._policy import DEFAULT, RetryOption

# Size of each piece of a streamed upload: the other official SDKs' size.
CHUNK_SIZE = 64 * 1024

_VALUE_TYPE_URL = "type.googleapis.com/google.protobuf.Value"


def _pack_parameters(params: Mapping[str, Any] | None) -> dict[str, ProtoAny]:
    """Method parameters as ``map<string, Any>``: protobuf ``Any`` values pass through,
    anything else is stored as a packed ``google.protobuf.Value``."""
    packed: dict[str, ProtoAny] = {}
    for key, value in (params or {}).items():
        if isinstance(value, ProtoAny):
            packed[key] = value
        else:
            packed[key] = ProtoAny(type_url=_VALUE_TYPE_URL, value=bytes(python_to_value(value)))
    return packed


def _bytes(data: Any, what: str) -> bytes:
    """``data`` as bytes; text or anything else is refused, naming the call and the type."""
    if isinstance(data, (bytes, bytearray, memoryview)):
        return bytes(data)
    hint = " (encode text first, e.g. text.encode())" if isinstance(data, str) else ""
    raise TypeError(f"{what}: the data must be bytes, bytearray or memoryview, not {type(data).__name__}{hint}")


def _times(pair: tuple[datetime.datetime, datetime.datetime] | None) -> SensorMetadata:
    if pair is None:
        now = datetime.datetime.now(datetime.timezone.utc)
        return SensorMetadata(time_requested=now, time_received=now)
    if len(pair) == 1 and isinstance(pair[0], (tuple, list)):
        # [(requested, received)]: the list-of-pairs form tabular uploads take, as the reference's
        # streaming example writes it; one pair is unambiguous.
        pair = tuple(pair[0])
    if len(pair) != 2:
        raise ValueError(f"data_request_times must be a (requested, received) pair, got {pair!r}")
    return SensorMetadata(time_requested=pair[0], time_received=pair[1])


class Uploads(DataClientBase):
    """Binary, tabular, streamed and file uploads."""

    async def binary_data_capture_upload(
        self,
        binary_data: bytes,
        part_id: str,
        component_type: str,
        component_name: str,
        method_name: str,
        file_extension: str,
        method_parameters: Mapping[str, Any] | None = None,
        tags: list[str] | None = None,
        data_request_times: tuple[datetime.datetime, datetime.datetime] | None = None,
        *,
        dataset_ids: list[str] | None = None,
        mime_type: str | None = None,
        timeout: float | None = None,
        retry: RetryOption = DEFAULT,
    ) -> str:
        """Upload one binary capture (an image, a point cloud, ...) taken by a component.

        A list of strings as the 9th positional argument is read as viam-sdk
        0.85.1's ``dataset_ids`` (its 9th parameter); a pair of datetimes as the
        reference's ``data_request_times``.

        Args:
            binary_data: the capture's bytes.
            part_id: the machine part that took it.
            component_type: the component's API or type (``"rdk:component:camera"``).
            component_name: the component's name in the machine's config.
            method_name: the capture method (``"ReadImage"``, ``"Readings"``).
            file_extension: ``.jpg``, ``.png``, ``.pcd``, ...; it tells the MIME type (dot optional).
            method_parameters: the capture method's arguments, if any; None sends none.
            tags: tags to put on the upload; None puts none.
            data_request_times: (requested, received) datetimes; None stamps both now.
            dataset_ids: datasets to put the upload straight into; None puts it in none.
            mime_type: overrides the MIME type the extension implies; None keeps that one.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Returns:
            The upload's binary data ID (what viam-sdk 0.85.1 returns and every
            by-ID method takes), which ends with the file ID the reference
            documents; ``.file_id`` on the returned string gives that file ID.

        Raises:
            TypeError: ``binary_data`` is not bytes, or the 9th argument fits neither form.
            ValueError: ``data_request_times`` is not a (requested, received) pair.
            NotFound: the part is not one the caller can reach.
            PermissionDenied: the credentials may not upload for that part.

        Examples:
            ```python
            from pathlib import Path

            data = viam_client.data_client
            jpeg = Path("frame.jpg").read_bytes()
            image_id = await data.binary_data_capture_upload(
                jpeg, part_id, "rdk:component:camera", "cam", "GetImages", ".jpg")
            ```
        """
        data_request_times, dataset_ids = binary_upload_args(data_request_times, dataset_ids)
        metadata = UploadMetadata(
            part_id=part_id,
            component_type=component_type,
            component_name=component_name,
            method_name=method_name,
            type=DataType.DATA_TYPE_BINARY_SENSOR,
            method_parameters=_pack_parameters(method_parameters),
            file_extension=file_extension
            if file_extension.startswith(".") or not file_extension
            else "." + file_extension,
            tags=list(tags or []),
            dataset_ids=list(dataset_ids or []),
            mime_type=mime_type or "",
        )
        request = DataCaptureUploadRequest(
            metadata=metadata,
            sensor_contents=[SensorData(metadata=_times(data_request_times), binary=_bytes(binary_data, "binary_data_capture_upload"))],
        )
        response = await self._data_sync_client.data_capture_upload(request)
        return UploadedFileId(response.file_id or response.binary_data_id, response.binary_data_id)

    async def tabular_data_capture_upload(
        self,
        tabular_data: Sequence[Mapping[str, Any]],
        part_id: str,
        component_type: str,
        component_name: str,
        method_name: str,
        method_parameters: Mapping[str, Any] | None = None,
        tags: list[str] | None = None,
        data_request_times: Sequence[tuple[datetime.datetime, datetime.datetime]] | None = None,
        *,
        timeout: float | None = None,
        retry: RetryOption = DEFAULT,
    ) -> str:
        """Upload readings taken by a component, one dict per reading, all with the same metadata.

        Positionally, both the reference's order (..., method_parameters, tags,
        data_request_times) and viam-sdk 0.85.1's (..., data_request_times,
        method_parameters, tags) work: the values' types tell them apart.

        Args:
            tabular_data: the readings, one dict each (at least one).
            part_id: the machine part that took them.
            component_type: the component's API or type (``"rdk:component:camera"``).
            component_name: the component's name in the machine's config.
            method_name: the capture method (``"ReadImage"``, ``"Readings"``).
            method_parameters: the capture method's arguments, if any; None sends none.
            tags: tags to put on the upload; None puts none.
            data_request_times: one (requested, received) pair per reading, in order; None stamps
                every reading now.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Returns:
            The file ID of the upload.

        Raises:
            ValueError: there are no readings, or ``data_request_times`` and
                ``tabular_data`` differ in length (nothing is sent then).
            TypeError: the 6th to 8th arguments fit both orders with different
                meanings (pass them by keyword then).
            NotFound: the part is not one the caller can reach.
            PermissionDenied: the credentials may not upload for that part.

        Examples:
            ```python
            data = viam_client.data_client
            await data.tabular_data_capture_upload(
                [{"readings": {"celsius": 21.5}}], part_id, "rdk:component:sensor", "thermo", "Readings")
            ```
        """
        method_parameters, tags, data_request_times = tabular_upload_args(method_parameters, tags, data_request_times)
        if not tabular_data:
            raise ValueError("tabular_data_capture_upload: give at least one reading")
        if data_request_times is not None and len(data_request_times) != len(tabular_data):
            raise ValueError(
                f"data_request_times has {len(data_request_times)} entries but tabular_data has "
                f"{len(tabular_data)} readings: give one (requested, received) pair per reading"
            )
        contents = [
            SensorData(
                metadata=_times(data_request_times[i] if data_request_times is not None else None),
                struct=dict_to_struct(reading),
            )
            for i, reading in enumerate(tabular_data)
        ]
        metadata = UploadMetadata(
            part_id=part_id,
            component_type=component_type,
            component_name=component_name,
            method_name=method_name,
            type=DataType.DATA_TYPE_TABULAR_SENSOR,
            method_parameters=_pack_parameters(method_parameters),
            tags=list(tags or []),
        )
        response = await self._data_sync_client.data_capture_upload(
            DataCaptureUploadRequest(metadata=metadata, sensor_contents=contents)
        )
        return response.file_id

    async def streaming_data_capture_upload(
        self,
        data: bytes,
        part_id: str,
        file_ext: str,
        component_type: str | None = None,
        component_name: str | None = None,
        method_name: str | None = None,
        method_parameters: Mapping[str, Any] | None = None,
        data_request_times: tuple[datetime.datetime, datetime.datetime] | None = None,
        tags: list[str] | None = None,
        dataset_ids: list[str] | None = None,
        mime_type: str | None = None,
        *,
        timeout: float | None = None,
        progress: ProgressCallback | None = None,
        retry: RetryOption = DEFAULT,
    ) -> str:
        """Upload a large binary capture as a stream of 64 KiB chunks.

        Args:
            data: the capture's bytes.
            part_id: the machine part that took it.
            file_ext: the file extension (``.pcd``, ``.mp4``, ...); a missing dot is added.
            component_type: the component's API or type; None leaves it empty.
            component_name: the component's name; None leaves it empty.
            method_name: the capture method; None leaves it empty.
            method_parameters: the capture method's arguments, if any; None sends none.
            data_request_times: (requested, received) datetimes; None stamps both now.
            tags: tags to put on the upload; None puts none.
            dataset_ids: datasets to put the upload straight into; None puts it in none.
            mime_type: overrides the MIME type the extension implies; None keeps that one.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.
            progress: told the **bytes** sent so far and the total (see ``viam_sdk.progress``).

        Returns:
            The binary data ID of the upload.

        Raises:
            TypeError: ``data`` is not bytes.
            ValueError: ``data_request_times`` is not a (requested, received) pair.
            NotFound: the part is not one the caller can reach.
            PermissionDenied: the credentials may not upload for that part.

        Examples:
            ```python
            from pathlib import Path

            data = viam_client.data_client
            pcd_bytes = Path("scan.pcd").read_bytes()
            cloud_id = await data.streaming_data_capture_upload(
                pcd_bytes, part_id, ".pcd", component_name="lidar")
            ```
        """
        upload = UploadMetadata(
            part_id=part_id,
            component_type=component_type or "",
            component_name=component_name or "",
            method_name=method_name or "",
            type=DataType.DATA_TYPE_BINARY_SENSOR,
            method_parameters=_pack_parameters(method_parameters),
            file_extension=file_ext if file_ext.startswith(".") or not file_ext else "." + file_ext,
            tags=list(tags or []),
            dataset_ids=list(dataset_ids or []),
            mime_type=mime_type or "",
        )
        first = StreamingDataCaptureUploadRequest(
            metadata=DataCaptureUploadMetadata(
                upload_metadata=upload, sensor_metadata=_times(data_request_times)
            )
        )
        view = memoryview(_bytes(data, "streaming_data_capture_upload"))

        reporter = Reporter(progress, len(view))

        async def requests() -> AsyncIterator[StreamingDataCaptureUploadRequest]:
            yield first
            for start in range(0, len(view), CHUNK_SIZE):
                piece = bytes(view[start : start + CHUNK_SIZE])
                yield StreamingDataCaptureUploadRequest(data=piece)
                reporter.add(len(piece))  # the transport took it

        response = await self._data_sync_client.streaming_data_capture_upload(requests())
        reporter.finish()
        return response.binary_data_id

    async def file_upload(
        self,
        part_id: str,
        data: bytes,
        component_type: str | None = None,
        component_name: str | None = None,
        method_name: str | None = None,
        file_name: str | None = None,
        method_parameters: Mapping[str, Any] | None = None,
        file_extension: str | None = None,
        tags: list[str] | None = None,
        dataset_ids: list[str] | None = None,
        mime_type: str | None = None,
        *,
        timeout: float | None = None,
        progress: ProgressCallback | None = None,
        retry: RetryOption = DEFAULT,
    ) -> str:
        """Upload a file held in memory, streamed in 64 KiB chunks.

        Args:
            part_id: the machine part the file belongs to.
            data: the file's bytes.
            component_type: the component's API or type; None leaves it empty.
            component_name: the component's name; None leaves it empty.
            method_name: the method that produced the file; None leaves it empty.
            file_name: the name to store it under (without extension); None leaves it empty.
            method_parameters: the capture method's arguments, if any; None sends none.
            file_extension: the extension (``.txt``); None stores none.
            tags: tags to put on the upload; None puts none.
            dataset_ids: datasets to put the upload straight into; None puts it in none.
            mime_type: overrides the MIME type the extension implies; None keeps that one.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.
            progress: told the **bytes** sent so far and the total (see ``viam_sdk.progress``).

        Returns:
            The binary data ID of the new file.

        Raises:
            TypeError: ``data`` is not bytes (text must be encoded first).
            NotFound: the part is not one the caller can reach.
            PermissionDenied: the credentials may not upload for that part.

        Examples:
            ```python
            data = viam_client.data_client
            file_id = await data.file_upload(part_id, b"hello", file_name="note", file_extension=".txt")
            ```
        """
        metadata = self._file_metadata(
            part_id,
            component_type,
            component_name,
            method_name,
            file_name,
            method_parameters,
            file_extension,
            tags,
            dataset_ids,
            mime_type,
        )
        view = memoryview(_bytes(data, "file_upload"))

        async def chunks() -> AsyncIterator[bytes]:
            for start in range(0, len(view), CHUNK_SIZE):
                yield bytes(view[start : start + CHUNK_SIZE])

        return await self._file_upload(metadata, chunks(), Reporter(progress, len(view)))

    async def file_upload_from_path(
        self,
        filepath: str,
        part_id: str,
        component_type: str | None = None,
        component_name: str | None = None,
        method_name: str | None = None,
        method_parameters: Mapping[str, Any] | None = None,
        tags: list[str] | None = None,
        dataset_ids: list[str] | None = None,
        mime_type: str | None = None,
        file_name: str | None = None,
        *,
        timeout: float | None = None,
        progress: ProgressCallback | None = None,
        retry: RetryOption = DEFAULT,
    ) -> str:
        """Upload a file from disk, read and sent 64 KiB at a time (memory stays flat).

        Args:
            filepath: the file to upload.
            part_id: the machine part the file belongs to.
            component_type: the component's API or type; None leaves it empty.
            component_name: the component's name; None leaves it empty.
            method_name: the method that produced the file; None leaves it empty.
            method_parameters: the capture method's arguments, if any; None sends none.
            tags: tags to put on the upload; None puts none.
            dataset_ids: datasets to put the upload straight into; None puts it in none.
            mime_type: overrides the MIME type the extension implies; None keeps that one.
            file_name: the name to store it under; None uses the file's name without its extension
                (the extension becomes the upload's ``file_extension``).
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.
            progress: told the **bytes** sent so far and the file's size
                (``viam_sdk.progress.tqdm_progress`` draws a bar).

        Returns:
            The binary data ID of the new file.

        Raises:
            FileNotFoundError: ``filepath`` does not exist (checked before any call).
            IsADirectoryError: ``filepath`` is a folder.
            NotFound: the part is not one the caller can reach.
            PermissionDenied: the credentials may not upload for that part.

        Examples:
            ```python
            data = viam_client.data_client
            file_id = await data.file_upload_from_path("/var/log/run.log", part_id, tags=["logs"])
            ```
        """
        path = Path(filepath)
        if not path.exists():
            raise FileNotFoundError(f"cannot upload {str(path)!r}: no such file")
        if path.is_dir():
            raise IsADirectoryError(f"cannot upload {str(path)!r}: it is a folder")
        handle = open(path, "rb")  # noqa: SIM115  (closed by the generator below)
        metadata = self._file_metadata(
            part_id,
            component_type,
            component_name,
            method_name,
            file_name or path.stem,
            method_parameters,
            path.suffix,
            tags,
            dataset_ids,
            mime_type,
        )

        async def chunks() -> AsyncIterator[bytes]:
            with handle:
                while True:
                    piece = handle.read(CHUNK_SIZE)
                    if not piece:
                        return
                    yield piece

        try:
            return await self._file_upload(metadata, chunks(), Reporter(progress, path.stat().st_size))
        finally:
            handle.close()

    @staticmethod
    def _file_metadata(
        part_id: str,
        component_type: str | None,
        component_name: str | None,
        method_name: str | None,
        file_name: str | None,
        method_parameters: Mapping[str, Any] | None,
        file_extension: str | None,
        tags: Sequence[str] | None,
        dataset_ids: Sequence[str] | None,
        mime_type: str | None,
    ) -> UploadMetadata:
        return UploadMetadata(
            part_id=part_id,
            component_type=component_type or "",
            component_name=component_name or "",
            method_name=method_name or "",
            type=DataType.DATA_TYPE_FILE,
            method_parameters=_pack_parameters(method_parameters),
            file_name=file_name or "",
            file_extension=file_extension or "",
            tags=list(tags or []),
            dataset_ids=list(dataset_ids or []),
            mime_type=mime_type or "",
        )

    async def _file_upload(
        self, metadata: UploadMetadata, chunks: AsyncIterator[bytes], reporter: Reporter | None = None
    ) -> str:
        async def requests() -> AsyncIterator[FileUploadRequest]:
            yield FileUploadRequest(metadata=metadata)
            async for piece in chunks:
                yield FileUploadRequest(file_contents=FileData(data=piece))
                if reporter is not None:
                    reporter.add(len(piece))  # the transport took it

        response = await self._data_sync_client.file_upload(requests())
        if reporter is not None:
            reporter.finish()
        return response.binary_data_id
