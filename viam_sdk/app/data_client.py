"""``DataClient``: captured data in and out of the Viam cloud.

Reached as ``ViamClient.data_client``.  It wraps three generated services on
the one authenticated channel: DataService (queries, tags, bounding boxes,
deletes, database access), DatasetService (datasets) and DataSyncService
(uploads).  What it adds over the raw stubs:

* readings come back as plain dicts with datetimes (``DataClient.TabularData``
  for ``tabular_data_by_filter``; dicts for SQL and MQL results);
* ``dest=`` writes results to disk atomically (see ``viam_sdk.app._data_files``
  for the formats: NDJSON for tabular pages, a folder of files plus JSON
  metadata for binary data);
* uploads stream in 64 KiB chunks; ``file_upload_from_path`` reads the file
  piece by piece, so memory stays flat whatever its size;
* every upload argument reaches the server, ``mime_type`` included.

Example::

    async with await ViamClient.create_from_dial_options(opts) as viam:
        data = viam.data_client
        rows, count, last = await data.tabular_data_by_filter(
            DataClient.create_filter(component_name="thermometer"), limit=100
        )
        for row in rows:
            print(row.time_received, row.data)
"""

from __future__ import annotations

import datetime
import functools
import warnings
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Union

from grpclib.client import Channel
from viam_api.app.data.v1 import (
    AddBinaryDataToDatasetByIDsRequest,
    AddBoundingBoxToImageByIDRequest,
    AddTagsToBinaryDataByFilterRequest,
    AddTagsToBinaryDataByIDsRequest,
    BinaryData,
    BinaryDataByFilterRequest,
    BinaryDataByIDsRequest,
    BinaryID,
    BoundingBoxLabelsByFilterRequest,
    CaptureInterval,
    CaptureMetadata,
    ConfigureDatabaseUserRequest,
    DataRequest,
    DataServiceStub,
    DeleteBinaryDataByFilterRequest,
    DeleteBinaryDataByIDsRequest,
    DeleteTabularDataRequest,
    DeleteTabularFilter,
    Filter,
    GetDatabaseConnectionRequest,
    Order,
    RemoveBinaryDataFromDatasetByIDsRequest,
    RemoveBoundingBoxFromImageByIDRequest,
    RemoveTagsFromBinaryDataByFilterRequest,
    RemoveTagsFromBinaryDataByIDsRequest,
    TabularDataByFilterRequest,
    TabularDataByMQLRequest,
    TabularDataBySQLRequest,
    TagsByFilterRequest,
    TagsFilter,
)
from viam_api.app.dataset.v1 import (
    CreateDatasetRequest,
    Dataset,
    DatasetServiceStub,
    DeleteDatasetRequest,
    ListDatasetsByIDsRequest,
    ListDatasetsByOrganizationIDRequest,
    RenameDatasetRequest,
)
from viam_api.app.datasync.v1 import (
    DataCaptureUploadMetadata,
    DataCaptureUploadRequest,
    DataSyncServiceStub,
    DataType,
    FileData,
    FileUploadRequest,
    SensorData,
    SensorMetadata,
    StreamingDataCaptureUploadRequest,
    UploadMetadata,
)
from viam_api.google.protobuf import Any as ProtoAny

from viam_sdk.app._common import dict_to_struct, python_to_value, struct_to_dict
from viam_sdk.app._data_files import read_tabular_file, write_binary_folder, write_tabular_file

if TYPE_CHECKING:
    from bson.codec_options import CodecOptions

__all__ = ["CHUNK_SIZE", "DataClient", "ValueTypes", "read_tabular_file"]

# Size of each piece of a streamed upload: the other official SDKs' size.
CHUNK_SIZE = 64 * 1024

# What a value in a SQL or MQL result row can be (BSON decoded to Python).
ValueTypes = Union[None, bool, int, float, str, bytes, datetime.datetime, list[Any], dict[str, Any]]  # noqa: UP007


@functools.cache
def _bson_options() -> CodecOptions[dict[str, Any]]:
    """How SQL/MQL results decode (aware datetimes, UTC); bson loads with the first query."""
    from bson.codec_options import CodecOptions

    return CodecOptions(tz_aware=True, tzinfo=datetime.timezone.utc)


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


def _binary_ids(ids: Sequence[BinaryID | str], what: str) -> tuple[list[BinaryID], list[str]]:
    """Split ids into deprecated BinaryID messages and binary data id strings."""
    # An empty list goes to the server, which answers INVALID_ARGUMENT (the documented GRPCError).
    old: list[BinaryID] = []
    new: list[str] = []
    for item in ids:
        if isinstance(item, BinaryID):
            old.append(item)
        elif isinstance(item, str) and item:
            new.append(item)
        else:
            raise ValueError(f"{what}: {item!r} is neither a BinaryID nor a binary data id string")
    return old, new


def _with_ids(request: Any, ids: Sequence[BinaryID | str], what: str) -> Any:
    old, new = _binary_ids(ids, what)
    request.binary_data_ids = new
    # Set after construction: the field is deprecated upstream, and the warning
    # belongs to callers who build the messages, not to this client.
    request.binary_ids = old
    return request


def _times(pair: tuple[datetime.datetime, datetime.datetime] | None) -> SensorMetadata:
    if pair is None:
        now = datetime.datetime.now(datetime.timezone.utc)
        return SensorMetadata(time_requested=now, time_received=now)
    if len(pair) != 2:
        raise ValueError(f"data_request_times must be a (requested, received) pair, got {pair!r}")
    return SensorMetadata(time_requested=pair[0], time_received=pair[1])


def _nonempty_tags(tags: Sequence[str], what: str) -> list[str]:
    # A bare string would be sent as one tag per character: refuse it here.  An
    # empty list goes to the server, which answers INVALID_ARGUMENT (as documented).
    if isinstance(tags, str):
        raise ValueError(f"{what}: tags must be a list of strings, not the string {tags!r}")
    return list(tags)


class DataClient:
    """Upload, query, tag, annotate and delete captured data; manage datasets.

    Example::

        data = viam.data_client
        file_id = await data.file_upload_from_path("/tmp/run.log", part_id=part_id)
        images, _, _ = await data.binary_data_by_filter(DataClient.create_filter(mime_type=["image/jpeg"]))
    """

    @dataclass(eq=False)
    class TabularData:
        """One reading from ``tabular_data_by_filter``, with its capture metadata.

        ``data`` is the reading as a plain dict; the times are aware UTC datetimes.
        """

        data: Mapping[str, Any]
        metadata: CaptureMetadata
        # None only when the server left the time out.
        time_requested: datetime.datetime | None
        time_received: datetime.datetime | None

        def __str__(self) -> str:
            meta = self.metadata
            source = "/".join(p for p in (meta.part_name, meta.component_name, meta.method_name) if p)
            requested = self.time_requested.isoformat() if self.time_requested else "?"
            received = self.time_received.isoformat() if self.time_received else "?"
            return f"{source or 'reading'} requested {requested} received {received}: {dict(self.data)}"

        def __eq__(self, other: object) -> bool:
            if not isinstance(other, DataClient.TabularData):
                return NotImplemented
            return (
                dict(self.data) == dict(other.data)
                and bytes(self.metadata) == bytes(other.metadata)
                and self.time_requested == other.time_requested
                and self.time_received == other.time_received
            )

    def __init__(self, channel: Channel, metadata: Mapping[str, str]) -> None:
        """Build the service stubs once over ``channel``; ``metadata`` (the auth header) rides on each.

        Args:
            channel: an open grpclib channel to the Viam app or the emulator.
            metadata: headers for every request, normally ``authorization: Bearer ...``.
        """
        self._channel = channel
        self._metadata = metadata  # kept as given: the owner may renew the token in place
        self._data_client = DataServiceStub(channel, metadata=self._metadata)
        self._data_sync_client = DataSyncServiceStub(channel, metadata=self._metadata)
        self._dataset_client = DatasetServiceStub(channel, metadata=self._metadata)

    def __repr__(self) -> str:
        # The metadata holds a bearer token: never show it.
        return f"{type(self).__name__}()"

    # -- filters -----------------------------------------------------------------------------

    @staticmethod
    def create_filter(
        component_name: str | None = None,
        component_type: str | None = None,
        method: str | None = None,
        robot_name: str | None = None,
        robot_id: str | None = None,
        part_name: str | None = None,
        part_id: str | None = None,
        location_ids: list[str] | None = None,
        organization_ids: list[str] | None = None,
        mime_type: list[str] | None = None,
        start_time: datetime.datetime | None = None,
        end_time: datetime.datetime | None = None,
        tags: list[str] | None = None,
        bbox_labels: list[str] | None = None,
        dataset_id: str | None = None,
    ) -> Filter:
        """A ``Filter`` from keyword arguments; the ones left out do not narrow anything.

        ``start_time``/``end_time`` bound the time the data was received (both
        inclusive); ``tags`` keeps data carrying any of the tags.

        Example::

            flt = DataClient.create_filter(component_name="cam", tags=["good"], start_time=yesterday)
        """
        interval = None
        if start_time is not None or end_time is not None:
            interval = CaptureInterval(start=start_time, end=end_time)
        return Filter(
            component_name=component_name or "",
            component_type=component_type or "",
            method=method or "",
            robot_name=robot_name or "",
            robot_id=robot_id or "",
            part_name=part_name or "",
            part_id=part_id or "",
            location_ids=list(location_ids or []),
            organization_ids=list(organization_ids or []),
            mime_type=list(mime_type or []),
            interval=interval,
            tags_filter=TagsFilter(tags=list(tags)) if tags else None,
            bbox_labels=list(bbox_labels or []),
            dataset_id=dataset_id or "",
        )

    # -- tabular queries ------------------------------------------------------------------------

    async def tabular_data_by_filter(
        self,
        filter: Filter | None = None,
        limit: int | None = None,
        sort_order: Order | None = None,
        last: str | None = None,
        count_only: bool = False,
        include_internal_data: bool = False,
        dest: str | None = None,
    ) -> tuple[list[DataClient.TabularData], int, str]:
        """One page of readings matching ``filter``, with the page's count and its ``last`` token.

        Pass the returned token as ``last`` to get the next page; an empty page
        means there is no more.  With ``count_only`` the list is empty and the
        count is the number of matching readings.  With ``dest`` the page is
        also written there as newline-delimited JSON (atomically; read it back with
        :func:`read_tabular_file`).

        Args:
            filter: what to select; None selects everything the caller may see.
            limit: readings per page (the server's default, 50, when None).
            sort_order: ``Order.ORDER_ASCENDING`` (oldest first) or descending.
            last: the token of the previous page.
            count_only: return only how many readings match.
            include_internal_data: include Viam's internal captures.
            dest: a file path for the page.

        Returns:
            (readings, count, last token).

        Raises:
            GRPCError: the server refused the query (e.g. a bad ``last`` token).
            FileNotFoundError: ``dest`` is in a folder that does not exist.

        Example::

            rows, last = [], None
            while True:
                page, _, last = await data.tabular_data_by_filter(flt, limit=500, last=last)
                if not page:
                    break
                rows += page
        """
        if limit is not None and limit < 0:
            raise ValueError(f"limit must not be negative, got {limit}")
        request = TabularDataByFilterRequest(
            data_request=DataRequest(
                filter=filter,
                limit=limit or 0,
                last=last or "",
                sort_order=sort_order if sort_order is not None else Order.ORDER_UNSPECIFIED,
            ),
            count_only=count_only,
            include_internal_data=include_internal_data,
        )
        response = await self._data_client.tabular_data_by_filter(request)
        metadata = response.metadata
        rows: list[DataClient.TabularData] = []
        for item in response.data:
            meta = metadata[item.metadata_index] if item.metadata_index < len(metadata) else CaptureMetadata()
            rows.append(
                DataClient.TabularData(
                    data=struct_to_dict(item.data),
                    metadata=meta,
                    time_requested=item.time_requested,
                    time_received=item.time_received,
                )
            )
        if dest is not None:
            write_tabular_file(dest, ((r.data, r.metadata, r.time_requested, r.time_received) for r in rows))
        return rows, int(response.count), response.last

    async def tabular_data_by_sql(self, organization_id: str, sql_query: str) -> list[dict[str, ValueTypes]]:
        """Run a read-only SQL query over the organization's readings (table ``readings``).

        Returns:
            One dict per result row; JSON columns as dicts/lists, times as datetimes.

        Raises:
            GRPCError: INVALID_ARGUMENT for a write, another table, or bad SQL.

        Example::

            rows = await data.tabular_data_by_sql(org_id, "SELECT component_name, COUNT(*) AS n "
                                                          "FROM readings GROUP BY component_name")
        """
        import bson

        response = await self._data_client.tabular_data_by_sql(
            TabularDataBySQLRequest(organization_id=organization_id, sql_query=sql_query)
        )
        return [bson.decode(raw, codec_options=_bson_options()) for raw in response.raw_data]

    async def tabular_data_by_mql(
        self,
        organization_id: str,
        mql_binary: Sequence[bytes | Mapping[str, Any]],
    ) -> list[dict[str, ValueTypes]]:
        """Run an aggregation pipeline over the organization's readings.

        Each stage is BSON bytes (``bson.encode({...})``) or a plain dict, which
        is encoded here.

        Returns:
            The resulting documents as dicts (datetimes aware, UTC).

        Raises:
            GRPCError: INVALID_ARGUMENT for a stage or operator the server does not support.

        Example::

            rows = await data.tabular_data_by_mql(org_id, [
                {"$match": {"component_name": "thermometer"}},
                {"$group": {"_id": "$part_name", "mean": {"$avg": "$data.readings.celsius"}}},
            ])
        """
        import bson

        stages: list[bytes] = []
        for position, stage in enumerate(mql_binary):
            if isinstance(stage, (bytes, bytearray)):
                stages.append(bytes(stage))
            elif isinstance(stage, Mapping):
                stages.append(bson.encode(stage))
            else:
                raise TypeError(f"stage {position} must be BSON bytes or a dict, not {type(stage).__name__}")
        response = await self._data_client.tabular_data_by_mql(
            TabularDataByMQLRequest(organization_id=organization_id, mql_binary=stages)
        )
        return [bson.decode(raw, codec_options=_bson_options()) for raw in response.raw_data]

    # -- binary queries ------------------------------------------------------------------------------

    async def binary_data_by_filter(
        self,
        filter: Filter | None = None,
        limit: int | None = None,
        sort_order: Order | None = None,
        last: str | None = None,
        include_binary_data: bool = True,
        count_only: bool = False,
        include_internal_data: bool = False,
        dest: str | None = None,
    ) -> tuple[list[BinaryData], int, str]:
        """One page of binary data (images, files, ...) matching ``filter``.

        Paging, ``count_only`` and ``sort_order`` work as in
        :meth:`tabular_data_by_filter`.  With ``dest`` (an existing folder) each
        item is written there: its bytes as ``<file id><ext>`` (when
        ``include_binary_data``) and its metadata as ``<file id><ext>.json``.

        Returns:
            (items, count, last token).

        Raises:
            FileNotFoundError: ``dest`` is not an existing folder.

        Example::

            images, _, _ = await data.binary_data_by_filter(
                DataClient.create_filter(mime_type=["image/png"]), limit=10, dest="/tmp/images")
        """
        if limit is not None and limit < 0:
            raise ValueError(f"limit must not be negative, got {limit}")
        if dest is not None and not Path(dest).is_dir():
            raise FileNotFoundError(f"dest {dest!r} is not an existing folder")
        request = BinaryDataByFilterRequest(
            data_request=DataRequest(
                filter=filter,
                limit=limit or 0,
                last=last or "",
                sort_order=sort_order if sort_order is not None else Order.ORDER_UNSPECIFIED,
            ),
            include_binary=include_binary_data,
            count_only=count_only,
            include_internal_data=include_internal_data,
        )
        response = await self._data_client.binary_data_by_filter(request)
        if dest is not None:
            write_binary_folder(dest, response.data, include_binary_data)
        return list(response.data), int(response.count), response.last

    async def binary_data_by_ids(
        self,
        binary_ids: list[BinaryID],
        dest: str | None = None,
    ) -> list[BinaryData]:
        """The binary data (bytes and metadata) of the given IDs, in that order.

        ``binary_ids`` may also hold binary data id strings.  With ``dest`` (an
        existing folder) each item is written there as in :meth:`binary_data_by_filter`.

        Raises:
            GRPCError: INVALID_ARGUMENT when ``binary_ids`` is empty, NOT_FOUND for an unknown ID.

        Example::

            items = await data.binary_data_by_ids([image_id], dest="/tmp/export")
        """
        if dest is not None and not Path(dest).is_dir():
            raise FileNotFoundError(f"dest {dest!r} is not an existing folder")
        request = _with_ids(BinaryDataByIDsRequest(include_binary=True), binary_ids, "binary_data_by_ids")
        response = await self._data_client.binary_data_by_ids(request)
        if dest is not None:
            write_binary_folder(dest, response.data, True)
        return list(response.data)

    # -- deletes ----------------------------------------------------------------------------------------

    async def delete_tabular_data(self, organization_id: str, delete_older_than_days: int) -> int:
        """Delete the organization's readings received more than ``delete_older_than_days`` ago (0: all).

        Returns:
            How many readings were deleted.

        Example::

            removed = await data.delete_tabular_data(org_id, delete_older_than_days=30)
        """
        if delete_older_than_days < 0:
            raise ValueError(f"delete_older_than_days must not be negative, got {delete_older_than_days}")
        response = await self._data_client.delete_tabular_data(
            DeleteTabularDataRequest(
                organization_id=organization_id, delete_older_than_days=delete_older_than_days
            )
        )
        return int(response.deleted_count)

    async def delete_tabular_data_by_filter(self, filter: Filter | None) -> int:
        """Deprecated: use :meth:`delete_tabular_data` instead.

        Still works for what ``DeleteTabularData`` can express: every reading
        of one organization (``filter.organization_ids`` must name exactly one)
        matching the filter's location IDs, machine ID, part ID, component
        type and name, method and tags, whatever its age.

        Returns:
            How many readings were deleted.

        Raises:
            ValueError: the filter does not name exactly one organization, or
                uses a field the service cannot delete by (robot_name,
                part_name, mime_type, start/end time, bbox_labels, dataset_id);
                nothing is deleted then.

        Example::

            await data.delete_tabular_data_by_filter(
                DataClient.create_filter(organization_ids=[org_id], component_name="thermo"))
        """
        warnings.warn(
            "DataClient.delete_tabular_data_by_filter is deprecated: use "
            "delete_tabular_data(organization_id, delete_older_than_days) instead",
            DeprecationWarning,
            stacklevel=2,
        )
        flt = filter or Filter()
        if len(flt.organization_ids) != 1:
            raise ValueError(
                "delete_tabular_data_by_filter needs exactly one organization ID in filter.organization_ids, "
                f"got {list(flt.organization_ids)!r}"
            )
        unsupported = [
            name
            for name, value in (
                ("robot_name", flt.robot_name),
                ("part_name", flt.part_name),
                ("mime_type", flt.mime_type),
                ("interval", flt.interval),
                ("bbox_labels", flt.bbox_labels),
                ("dataset_id", flt.dataset_id),
            )
            if value
        ]
        if unsupported:
            raise ValueError(
                f"delete_tabular_data_by_filter cannot delete by {', '.join(unsupported)}; "
                "use delete_tabular_data(organization_id, delete_older_than_days) instead"
            )
        request = DeleteTabularDataRequest(
            organization_id=flt.organization_ids[0],
            delete_older_than_days=0,
            filter=DeleteTabularFilter(
                location_ids=list(flt.location_ids),
                robot_id=flt.robot_id,
                part_id=flt.part_id,
                component_type=flt.component_type,
                component_name=flt.component_name,
                method=flt.method,
                tags_filter=flt.tags_filter,
            ),
        )
        response = await self._data_client.delete_tabular_data(request)
        return int(response.deleted_count)

    async def delete_binary_data_by_filter(self, filter: Filter | None) -> int:
        """Delete the binary data matching ``filter`` (None or an empty filter: all of it).

        Returns:
            How many items were deleted.

        Example::

            removed = await data.delete_binary_data_by_filter(DataClient.create_filter(tags=["blurry"]))
        """
        response = await self._data_client.delete_binary_data_by_filter(
            DeleteBinaryDataByFilterRequest(filter=filter or Filter())
        )
        return int(response.deleted_count)

    async def delete_binary_data_by_ids(self, binary_ids: list[BinaryID]) -> int:
        """Delete the binary data with these IDs.

        Raises:
            GRPCError: INVALID_ARGUMENT when ``binary_ids`` is empty, NOT_FOUND for an unknown ID
                (nothing is deleted then).

        Example::

            await data.delete_binary_data_by_ids([image_id])
        """
        request = _with_ids(DeleteBinaryDataByIDsRequest(), binary_ids, "delete_binary_data_by_ids")
        response = await self._data_client.delete_binary_data_by_ids(request)
        return int(response.deleted_count)

    # -- tags ------------------------------------------------------------------------------------------------

    async def add_tags_to_binary_data_by_ids(self, tags: list[str], binary_ids: list[BinaryID]) -> None:
        """Add ``tags`` to the binary data with these IDs (tags already there stay once).

        Raises:
            GRPCError: INVALID_ARGUMENT when there are no tags or no IDs.

        Example::

            await data.add_tags_to_binary_data_by_ids(["reviewed"], [image_id])
        """
        request = AddTagsToBinaryDataByIDsRequest(tags=_nonempty_tags(tags, "add_tags_to_binary_data_by_ids"))
        await self._data_client.add_tags_to_binary_data_by_ids(
            _with_ids(request, binary_ids, "add_tags_to_binary_data_by_ids")
        )

    async def add_tags_to_binary_data_by_filter(
        self,
        tags: list[str],
        filter: Filter | None = None,
    ) -> None:
        """Add ``tags`` to every binary item matching ``filter`` (None: all).

        Raises:
            GRPCError: INVALID_ARGUMENT when there are no tags.

        Example::

            await data.add_tags_to_binary_data_by_filter(["night"], DataClient.create_filter(component_name="cam"))
        """
        request = AddTagsToBinaryDataByFilterRequest(
            filter=filter, tags=_nonempty_tags(tags, "add_tags_to_binary_data_by_filter")
        )
        await self._data_client.add_tags_to_binary_data_by_filter(request)

    async def remove_tags_from_binary_data_by_ids(
        self,
        tags: list[str],
        binary_ids: list[BinaryID],
    ) -> int:
        """Remove ``tags`` from the binary data with these IDs.

        Returns:
            How many tags were removed in all.

        Example::

            removed = await data.remove_tags_from_binary_data_by_ids(["reviewed"], [image_id])
        """
        request = RemoveTagsFromBinaryDataByIDsRequest(
            tags=_nonempty_tags(tags, "remove_tags_from_binary_data_by_ids")
        )
        response = await self._data_client.remove_tags_from_binary_data_by_ids(
            _with_ids(request, binary_ids, "remove_tags_from_binary_data_by_ids")
        )
        return int(response.deleted_count)

    async def remove_tags_from_binary_data_by_filter(
        self,
        tags: list[str],
        filter: Filter | None = None,
    ) -> int:
        """Remove ``tags`` from every binary item matching ``filter`` (None: all).

        Returns:
            How many tags were removed in all.

        Example::

            removed = await data.remove_tags_from_binary_data_by_filter(["night"])
        """
        request = RemoveTagsFromBinaryDataByFilterRequest(
            filter=filter, tags=_nonempty_tags(tags, "remove_tags_from_binary_data_by_filter")
        )
        response = await self._data_client.remove_tags_from_binary_data_by_filter(request)
        return int(response.deleted_count)

    async def tags_by_filter(self, filter: Filter | None = None) -> list[str]:
        """Every distinct tag on the data matching ``filter``, sorted.

        Example::

            tags = await data.tags_by_filter(DataClient.create_filter(part_id=part_id))
        """
        response = await self._data_client.tags_by_filter(TagsByFilterRequest(filter=filter))
        return list(response.tags)

    # -- bounding boxes ----------------------------------------------------------------------------------------

    async def add_bounding_box_to_image_by_id(
        self,
        binary_id: BinaryID,
        label: str,
        x_min_normalized: float,
        y_min_normalized: float,
        x_max_normalized: float,
        y_max_normalized: float,
    ) -> str:
        """Draw a labelled box on an image; coordinates are fractions of its width and height.

        Returns:
            The new box's ID.

        Raises:
            GRPCError: INVALID_ARGUMENT for coordinates outside [0, 1] or min >= max.

        Example::

            box_id = await data.add_bounding_box_to_image_by_id(image_id, "dog", 0.1, 0.2, 0.5, 0.7)
        """
        request = AddBoundingBoxToImageByIDRequest(
            label=label,
            x_min_normalized=x_min_normalized,
            y_min_normalized=y_min_normalized,
            x_max_normalized=x_max_normalized,
            y_max_normalized=y_max_normalized,
        )
        self._one_id(request, binary_id)
        response = await self._data_client.add_bounding_box_to_image_by_id(request)
        return response.bbox_id

    async def remove_bounding_box_from_image_by_id(self, bbox_id: str, binary_id: BinaryID) -> None:
        """Remove the box ``bbox_id`` from the image ``binary_id``.

        Example::

            await data.remove_bounding_box_from_image_by_id(box_id, image_id)
        """
        request = RemoveBoundingBoxFromImageByIDRequest(bbox_id=bbox_id)
        self._one_id(request, binary_id)
        await self._data_client.remove_bounding_box_from_image_by_id(request)

    @staticmethod
    def _one_id(request: Any, binary_id: BinaryID | str) -> None:
        if isinstance(binary_id, BinaryID):
            request.binary_id = binary_id  # set afterwards: see _with_ids
        elif isinstance(binary_id, str) and binary_id:
            request.binary_data_id = binary_id
        else:
            raise ValueError(f"binary_id must be a BinaryID or a binary data id string, not {binary_id!r}")

    async def bounding_box_labels_by_filter(self, filter: Filter | None = None) -> list[str]:
        """Every distinct bounding-box label on the images matching ``filter``, sorted.

        Example::

            labels = await data.bounding_box_labels_by_filter()
        """
        response = await self._data_client.bounding_box_labels_by_filter(
            BoundingBoxLabelsByFilterRequest(filter=filter)
        )
        return list(response.labels)

    # -- database access ---------------------------------------------------------------------------------------

    async def get_database_connection(self, organization_id: str) -> str:
        """The host name of the organization's federated database (for MongoDB clients).

        Example::

            host = await data.get_database_connection(org_id)
        """
        response = await self._data_client.get_database_connection(
            GetDatabaseConnectionRequest(organization_id=organization_id)
        )
        return response.hostname

    async def configure_database_user(self, organization_id: str, password: str) -> None:
        """Create the organization's database user, or reset its password.

        The password is sent once and never logged or repeated in errors.

        Example::

            await data.configure_database_user(org_id, password=os.environ["DB_PASSWORD"])
        """
        await self._data_client.configure_database_user(
            ConfigureDatabaseUserRequest(organization_id=organization_id, password=password)
        )

    # -- datasets --------------------------------------------------------------------------------------------------

    async def create_dataset(self, name: str, organization_id: str) -> str:
        """Create an empty dataset; returns its ID.

        Raises:
            GRPCError: ALREADY_EXISTS when the organization has a dataset of that name.

        Example::

            dataset_id = await data.create_dataset("good-images", org_id)
        """
        response = await self._dataset_client.create_dataset(
            CreateDatasetRequest(name=name, organization_id=organization_id)
        )
        return response.id

    async def list_dataset_by_ids(self, ids: list[str]) -> Sequence[Dataset]:
        """The datasets with these IDs.

        Example::

            datasets = await data.list_dataset_by_ids([dataset_id])
        """
        response = await self._dataset_client.list_datasets_by_ids(ListDatasetsByIDsRequest(ids=list(ids)))
        return response.datasets

    async def list_datasets_by_organization_id(self, organization_id: str) -> Sequence[Dataset]:
        """Every dataset of the organization, oldest first.

        Example::

            names = [d.name for d in await data.list_datasets_by_organization_id(org_id)]
        """
        response = await self._dataset_client.list_datasets_by_organization_id(
            ListDatasetsByOrganizationIDRequest(organization_id=organization_id)
        )
        return response.datasets

    async def rename_dataset(self, id: str, name: str) -> None:
        """Give the dataset ``id`` a new name.

        Example::

            await data.rename_dataset(dataset_id, "best-images")
        """
        await self._dataset_client.rename_dataset(RenameDatasetRequest(id=id, name=name))

    async def delete_dataset(self, id: str) -> None:
        """Delete the dataset ``id`` (its data stays; only the grouping goes).

        Example::

            await data.delete_dataset(dataset_id)
        """
        await self._dataset_client.delete_dataset(DeleteDatasetRequest(id=id))

    async def add_binary_data_to_dataset_by_ids(
        self,
        binary_ids: list[BinaryID],
        dataset_id: str,
    ) -> None:
        """Put the binary data with these IDs into the dataset (already there: no change).

        Example::

            await data.add_binary_data_to_dataset_by_ids([image_id], dataset_id)
        """
        request = AddBinaryDataToDatasetByIDsRequest(dataset_id=dataset_id)
        await self._data_client.add_binary_data_to_dataset_by_ids(
            _with_ids(request, binary_ids, "add_binary_data_to_dataset_by_ids")
        )

    async def remove_binary_data_from_dataset_by_ids(
        self,
        binary_ids: list[BinaryID],
        dataset_id: str,
    ) -> None:
        """Take the binary data with these IDs out of the dataset (the data itself stays).

        Example::

            await data.remove_binary_data_from_dataset_by_ids([image_id], dataset_id)
        """
        request = RemoveBinaryDataFromDatasetByIDsRequest(dataset_id=dataset_id)
        await self._data_client.remove_binary_data_from_dataset_by_ids(
            _with_ids(request, binary_ids, "remove_binary_data_from_dataset_by_ids")
        )

    # -- uploads ----------------------------------------------------------------------------------------------------

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
    ) -> str:
        """Upload one binary capture (an image, a point cloud, ...) taken by a component.

        ``file_extension`` (``.jpg``, ``.png``, ``.pcd``, ...) tells the MIME type.
        ``data_request_times`` is (requested, received); both default to now.
        Beyond the seed's arguments: ``dataset_ids`` puts the upload straight
        into those datasets, ``mime_type`` overrides the type the extension implies.

        Returns:
            The binary data ID of the upload.

        Raises:
            GRPCError: NOT_FOUND / PERMISSION_DENIED for a part the caller cannot reach.

        Example::

            image_id = await data.binary_data_capture_upload(jpeg, part_id, "rdk:component:camera", "cam", "GetImages", ".jpg")
        """
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
            sensor_contents=[SensorData(metadata=_times(data_request_times), binary=bytes(binary_data))],
        )
        response = await self._data_sync_client.data_capture_upload(request)
        return response.binary_data_id or response.file_id

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
    ) -> str:
        """Upload readings taken by a component, one dict per reading, all with the same metadata.

        ``data_request_times`` gives (requested, received) for each reading, in
        order; left out, every reading is stamped now.

        Returns:
            The file ID of the upload.

        Raises:
            ValueError: there are no readings, or ``data_request_times`` and
                ``tabular_data`` differ in length (nothing is sent then).

        Example::

            await data.tabular_data_capture_upload([{"readings": {"celsius": 21.5}}], part_id, "rdk:component:sensor", "thermo", "Readings")
        """
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
        *,
        dataset_ids: list[str] | None = None,
        mime_type: str | None = None,
    ) -> str:
        """Upload a large binary capture as a stream of 64 KiB chunks.

        ``dataset_ids`` and ``mime_type`` (keyword-only) work as in
        :meth:`binary_data_capture_upload`.

        Returns:
            The binary data ID of the upload.

        Example::

            cloud_id = await data.streaming_data_capture_upload(pcd_bytes, part_id, ".pcd", component_name="lidar")
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
        view = memoryview(bytes(data))

        async def requests() -> AsyncIterator[StreamingDataCaptureUploadRequest]:
            yield first
            for start in range(0, len(view), CHUNK_SIZE):
                yield StreamingDataCaptureUploadRequest(data=bytes(view[start : start + CHUNK_SIZE]))

        response = await self._data_sync_client.streaming_data_capture_upload(requests())
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
        *,
        dataset_ids: list[str] | None = None,
        mime_type: str | None = None,
    ) -> str:
        """Upload a file held in memory, streamed in 64 KiB chunks.

        ``dataset_ids`` and ``mime_type`` (keyword-only) work as in
        :meth:`binary_data_capture_upload`.

        Returns:
            The binary data ID of the new file.

        Example::

            file_id = await data.file_upload(part_id, b"hello", file_name="note", file_extension=".txt")
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
        view = memoryview(bytes(data))

        async def chunks() -> AsyncIterator[bytes]:
            for start in range(0, len(view), CHUNK_SIZE):
                yield bytes(view[start : start + CHUNK_SIZE])

        return await self._file_upload(metadata, chunks())

    async def file_upload_from_path(
        self,
        filepath: str,
        part_id: str,
        component_type: str | None = None,
        component_name: str | None = None,
        method_name: str | None = None,
        method_parameters: Mapping[str, Any] | None = None,
        tags: list[str] | None = None,
        *,
        dataset_ids: list[str] | None = None,
        mime_type: str | None = None,
        file_name: str | None = None,
    ) -> str:
        """Upload a file from disk, read and sent 64 KiB at a time (memory stays flat).

        The file's name (unless ``file_name`` is given) and extension become the
        upload's ``file_name`` and ``file_extension``; ``dataset_ids`` and
        ``mime_type`` work as in :meth:`binary_data_capture_upload`.

        Returns:
            The binary data ID of the new file.

        Raises:
            FileNotFoundError: ``filepath`` does not exist (checked before any call).
            IsADirectoryError: ``filepath`` is a folder.

        Example::

            file_id = await data.file_upload_from_path("/var/log/run.log", part_id, tags=["logs"])
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
            file_name or path.name,
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
            return await self._file_upload(metadata, chunks())
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

    async def _file_upload(self, metadata: UploadMetadata, chunks: AsyncIterator[bytes]) -> str:
        async def requests() -> AsyncIterator[FileUploadRequest]:
            yield FileUploadRequest(metadata=metadata)
            async for piece in chunks:
                yield FileUploadRequest(file_contents=FileData(data=piece))

        response = await self._data_sync_client.file_upload(requests())
        return response.binary_data_id
