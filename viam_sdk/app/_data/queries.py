"""``DataClient`` methods that read data: filters, queries, the federated database.

Binary data by filter and by ID, SQL and MQL over readings.  ``tabular_data_by_filter``
stays in ``viam_sdk.app.data_client``, beside the ``DataClient.TabularData`` it returns.

With ``dest=`` a query's results are also written to disk (see
``viam_sdk.app._data.files``).
"""

from __future__ import annotations

import datetime
import functools
from collections.abc import AsyncIterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Union

from viam_api.app.data.v1 import (
    BinaryData,
    BinaryDataByFilterRequest,
    BinaryDataByIDsRequest,
    BinaryID,
    ConfigureDatabaseUserRequest,
    CreateBinaryDataSignedURLRequest,
    Filter,
    GetDatabaseConnectionRequest,
    Order,
    TabularDataByMQLRequest,
    TabularDataBySQLRequest,
    TabularDataSource,
    TabularDataSourceType,
)

from viam_sdk.app._convert import naive_utc
from viam_sdk.app._data._base import DataClientBase, _with_ids, data_request
from viam_sdk.app._data._positions import by_ids_args, organization, page_args
from viam_sdk.app._data.files import write_binary_folder
from viam_sdk.paging import PageCheckpoint
from viam_sdk.progress import ProgressCallback, Reporter
from viam_sdk.rpc._policy import DEFAULT, RetryOption

if TYPE_CHECKING:
    from bson.codec_options import CodecOptions


# What a value in a SQL or MQL result row can be (BSON decoded to Python).
ValueTypes = Union[None, bool, int, float, str, bytes, datetime.datetime, list[Any], dict[str, Any]]  # noqa: UP007


@functools.cache
def _bson_options() -> CodecOptions[dict[str, Any]]:
    """How SQL/MQL results decode: BSON dates as naive UTC datetimes, as ``bson.decode``'s defaults
    give them (and so the official SDK); bson loads with the first query."""
    from bson.codec_options import CodecOptions

    return CodecOptions(tz_aware=False)


def encode_stages(pipeline: Sequence[bytes | Mapping[str, Any]]) -> list[bytes]:
    """MQL stages as the API carries them: BSON bytes kept, dicts encoded.

    Raises:
        TypeError: a stage is neither bytes nor a dict (the message gives its position).
    """
    import bson

    stages: list[bytes] = []
    for position, stage in enumerate(pipeline):
        if isinstance(stage, (bytes, bytearray)):
            stages.append(bytes(stage))
        elif isinstance(stage, Mapping):
            stages.append(bson.encode(stage))
        else:
            raise TypeError(f"stage {position} must be BSON bytes or a dict, not {type(stage).__name__}")
    return stages


class Queries(DataClientBase):
    """Filters, tabular and binary queries, SQL and MQL, the federated database."""

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

        Nothing is sent: this only builds the message the query methods take.

        Args:
            component_name: the component's name (``"cam"``).
            component_type: its type or API (``"camera"``).
            method: the capture method (``"ReadImage"``).
            robot_name: the machine's name.
            robot_id: the machine's ID.
            part_name: the part's name.
            part_id: the part's ID.
            location_ids: keep data from any of these locations.
            organization_ids: keep data from any of these organizations.
            mime_type: keep data of any of these MIME types (``["image/jpeg"]``).
            start_time: the earliest time the data was received (inclusive).
            end_time: the latest time the data was received (inclusive).
            tags: keep data carrying any of these tags.
            bbox_labels: keep images with a bounding box of any of these labels.
            dataset_id: keep data in this dataset.

        Returns:
            The ``Filter`` message.

        Raises:
            TypeError: a list argument was given a single string (named in the message).

        Examples:
            ```python
            from viam_sdk.app.data_client import DataClient
            from datetime import datetime, timedelta, timezone

            yesterday = datetime.now(timezone.utc) - timedelta(days=1)
            flt = DataClient.create_filter(component_name="cam", tags=["good"], start_time=yesterday)
            ```
        """
        from viam_sdk.utils import create_filter  # the one implementation (viam.utils has it too)

        return create_filter(
            component_name, component_type, method, robot_name, robot_id, part_name, part_id,
            location_ids, organization_ids, mime_type, start_time, end_time, tags, bbox_labels, dataset_id,
        )  # fmt: skip

    # -- SQL and MQL --------------------------------------------------------------------------------

    async def tabular_data_by_sql(
        self,
        organization_id: str = "",
        sql_query: str = "",
        *,
        org_id: str | None = None,
        timeout: float | None = None,
        retry: RetryOption = DEFAULT,
    ) -> list[dict[str, ValueTypes]]:
        """Run a read-only SQL query over the organization's readings (table ``readings``).

        Args:
            organization_id: the organization whose data is queried (``org_id=`` too, as the
                reference's examples write it).
            sql_query: the SQL text (a ``SELECT``).
            org_id: the reference's name for ``organization_id``; give one of the two.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Returns:
            One dict per result row; JSON columns as dicts/lists, times as naive UTC datetimes.

        Raises:
            TypeError: no organization or no ``sql_query`` given, or both ``organization_id`` and ``org_id``.
            InvalidArgument: a write, another table, or bad SQL.
            PermissionDenied: the credentials do not reach the organization.
            ResourceExhausted: the query exceeds the server's time or memory budget.

        Examples:
            ```python
            data = viam_client.data_client
            rows = await data.tabular_data_by_sql(org_id, "SELECT component_name, COUNT(*) AS n "
                                                          "FROM readings GROUP BY component_name")
            ```
        """
        import bson

        organization_id = organization(organization_id, org_id, "tabular_data_by_sql")
        if not sql_query:
            raise TypeError("tabular_data_by_sql() needs sql_query")
        response = await self._data_client.tabular_data_by_sql(
            TabularDataBySQLRequest(organization_id=organization_id, sql_query=sql_query)
        )
        return [bson.decode(raw, codec_options=_bson_options()) for raw in response.raw_data]

    async def tabular_data_by_mql(
        self,
        organization_id: str = "",
        mql_binary: Sequence[bytes | Mapping[str, Any]] | None = None,
        use_recent_data: bool | None = None,
        tabular_data_source_type: int = TabularDataSourceType.TABULAR_DATA_SOURCE_TYPE_STANDARD,
        pipeline_id: str | None = None,
        query_prefix_name: str | None = None,
        *,
        query: Sequence[bytes | Mapping[str, Any]] | None = None,
        org_id: str | None = None,
        timeout: float | None = None,
        retry: RetryOption = DEFAULT,
    ) -> list[dict[str, ValueTypes]]:
        """Run an aggregation pipeline over the organization's readings.

        Each stage is BSON bytes (``bson.encode({...})``) or a plain dict, which
        is encoded here.  Give the stages either as ``mql_binary`` (the
        reference's name, second positional) or as ``query=`` (viam-sdk's newer
        name), not both; the arguments after it keep viam-sdk's positions.

        Args:
            organization_id: the organization whose data is queried (``org_id=`` too, as the
                reference's examples write it).
            mql_binary: the pipeline stages.
            use_recent_data: True reads the hot store (recent data) instead.
            tabular_data_source_type: a ``TabularDataSourceType`` value; STANDARD by default,
                PIPELINE_SINK reads the output of the data pipeline ``pipeline_id``.
            pipeline_id: the pipeline, with PIPELINE_SINK.
            query_prefix_name: the name of a saved query of the organization (``create_saved_query``)
                whose stages run first, before these.
            query: the pipeline stages (same as ``mql_binary``).
            org_id: the reference's name for ``organization_id``; give one of the two.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Returns:
            The resulting documents as dicts (datetimes naive, in UTC).

        Raises:
            TypeError: neither or both of ``mql_binary`` and ``query`` were given, a stage is
                neither bytes nor a dict, or the organization is missing.
            InvalidArgument: an empty pipeline, or a stage or operator the server does not support.
            PermissionDenied: the credentials do not reach the organization.
            NotFound: ``query_prefix_name`` names no saved query of the organization.

        Examples:
            ```python
            data = viam_client.data_client
            rows = await data.tabular_data_by_mql(org_id, [
                {"$match": {"component_name": "thermometer"}},
                {"$group": {"_id": "$part_name", "mean": {"$avg": "$data.readings.celsius"}}},
            ])
            # the stages of the saved query "thermometers" first, then a limit
            latest = await data.tabular_data_by_mql(org_id, [{"$limit": 10}], query_prefix_name="thermometers")
            ```
        """
        import bson

        organization_id = organization(organization_id, org_id, "tabular_data_by_mql")
        if (mql_binary is None) == (query is None):
            raise TypeError("tabular_data_by_mql takes the pipeline as mql_binary or as query=: give exactly one")
        pipeline = mql_binary if mql_binary is not None else query
        assert pipeline is not None
        stages = encode_stages(pipeline)
        source_type = TabularDataSourceType(tabular_data_source_type)
        if use_recent_data:
            source_type = TabularDataSourceType.TABULAR_DATA_SOURCE_TYPE_HOT_STORAGE
        request = TabularDataByMQLRequest(
            organization_id=organization_id,
            mql_binary=stages,
            data_source=TabularDataSource(type=source_type, pipeline_id=pipeline_id),
            query_prefix_name=query_prefix_name,
        )
        response = await self._data_client.tabular_data_by_mql(request)
        return [bson.decode(raw, codec_options=_bson_options()) for raw in response.raw_data]

    # -- binary queries ------------------------------------------------------------------------------

    async def binary_data_by_filter(
        self,
        filter: Filter | None = None,
        limit: int | str | None = None,
        sort_order: Order | None = None,
        last: str | None = None,
        include_binary_data: bool = True,
        count_only: bool = False,
        include_internal_data: bool = False,
        dest: str | None = None,
        *,
        include_file_data: bool | None = None,
        timeout: float | None = None,
        progress: ProgressCallback | None = None,
        retry: RetryOption = DEFAULT,
    ) -> tuple[list[BinaryData], int, str]:
        """One page of binary data (images, files, ...) matching ``filter``.

        With ``dest`` (an existing folder) each item is written there: its bytes as
        ``<file id><ext>`` (when ``include_binary_data``) and its metadata as
        ``<file id><ext>.json``.

        Args:
            filter: which data (see ``create_filter``); None matches all the caller reaches.
            limit: items per page; None or 0 uses the server's default.  A str here is read
                as the page token (``last``), as the reference's examples pass it.
            sort_order: ``Order.ORDER_ASCENDING`` (oldest first) or descending (None: newest first).
            last: the token a previous page returned, to read the page after it; None starts at the top.
            include_binary_data: False returns the metadata only.
            count_only: True returns no items, only the count.
            include_internal_data: True also includes Viam's internal captures.
            dest: a folder to write the items to; None writes nothing.
            include_file_data: the older name the reference's examples use for
                ``include_binary_data``; given, it wins.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.
            progress: told the **bytes** written to ``dest`` so far (files and metadata) and their total.

        Returns:
            A tuple ``(items, count, last)``: the ``BinaryData`` list, the number of matches, and the
            token to pass as ``last`` for the next page (``""`` after the last).

        Raises:
            ValueError: ``limit`` is negative.
            TypeError: a page token both where ``limit`` stands and as ``last``.
            FileNotFoundError: ``dest`` is not an existing folder.
            InvalidArgument: the server refused the filter or the token.
            PermissionDenied: the filter names an organization the credentials do not reach.

        Examples:
            ```python
            from viam_sdk.app.data_client import DataClient

            data = viam_client.data_client
            images, _, _ = await data.binary_data_by_filter(
                DataClient.create_filter(mime_type=["image/png"]), limit=10, dest="/tmp/images")
            ```
        """
        if include_file_data is not None:
            include_binary_data = include_file_data
        limit, last = page_args(limit, last, "binary_data_by_filter")
        if limit is not None and limit < 0:
            raise ValueError(f"limit must not be negative, got {limit}")
        if dest is not None and not Path(dest).is_dir():
            raise FileNotFoundError(f"dest {dest!r} is not an existing folder")
        request = BinaryDataByFilterRequest(
            data_request=data_request(filter, sort_order, limit=limit, last=last),
            include_binary=include_binary_data,
            count_only=count_only,
            include_internal_data=include_internal_data,
        )
        response = await self._data_client.binary_data_by_filter(request)
        if dest is not None:
            write_binary_folder(dest, response.data, include_binary_data, Reporter(progress))
        return list(response.data), int(response.count), response.last

    async def binary_data_by_ids(
        self,
        binary_ids: list[BinaryID] | list[str],
        dest: str | None = None,
        *,
        include_binary_data: bool = True,
        include_file_data: bool | None = None,
        timeout: float | None = None,
        progress: ProgressCallback | None = None,
        retry: RetryOption = DEFAULT,
    ) -> list[BinaryData]:
        """The binary data (bytes and metadata) of the given IDs, in that order.

        A bool as the 2nd positional argument is read as viam-sdk 0.85.1's
        ``include_binary_data`` (its 2nd parameter), a path as the reference's ``dest``.

        Args:
            binary_ids: binary data ID strings (as uploads return) or deprecated ``BinaryID`` messages.
            dest: an existing folder to write each item to, as in ``binary_data_by_filter``;
                None writes nothing.
            include_binary_data: False returns (and writes) the metadata only.
            include_file_data: the older name the reference's examples use for
                ``include_binary_data``; given, it wins.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.
            progress: told the bytes written to ``dest`` so far and their total.

        Returns:
            A list of ``BinaryData`` messages, one per ID.

        Raises:
            ValueError: an ID is neither a ``BinaryID`` nor a non-empty string.
            FileNotFoundError: ``dest`` is not an existing folder.
            InvalidArgument: ``binary_ids`` is empty.
            NotFound: an unknown ID, or one outside the caller's reach.

        Examples:
            ```python
            data = viam_client.data_client
            items = await data.binary_data_by_ids([image_id], dest="/tmp/export")
            ```
        """
        dest, include_binary_data = by_ids_args(dest, include_binary_data)
        if include_file_data is not None:
            include_binary_data = include_file_data
        if dest is not None and not Path(dest).is_dir():
            raise FileNotFoundError(f"dest {dest!r} is not an existing folder")
        request = _with_ids(
            BinaryDataByIDsRequest(include_binary=include_binary_data), binary_ids, "binary_data_by_ids"
        )
        response = await self._data_client.binary_data_by_ids(request)
        if dest is not None:
            write_binary_folder(dest, response.data, include_binary_data, Reporter(progress))
        return list(response.data)

    async def create_binary_data_signed_url(
        self,
        binary_data_id: str,
        expiration_minutes: int | None = None,
        *,
        timeout: float | None = None,
        retry: RetryOption = DEFAULT,
    ) -> tuple[str, datetime.datetime]:
        """A URL that fetches the bytes of one binary item without credentials, until it expires.

        Args:
            binary_data_id: the item.
            expiration_minutes: how long the URL works (the server's default when None).
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Returns:
            A tuple ``(url, expires_at)``, the expiry a naive datetime in UTC (as viam-sdk 0.85.1 gives it).

        Raises:
            ValueError: ``expiration_minutes`` is negative, or the server sent no expiry time.
            NotFound: an unknown item.
            InvalidArgument: an expiry the server does not allow.

        Examples:
            ```python
            data = viam_client.data_client
            url, expires_at = await data.create_binary_data_signed_url(image_id, expiration_minutes=10)
            ```
        """
        if expiration_minutes is not None and expiration_minutes < 0:
            raise ValueError(f"expiration_minutes must not be negative, got {expiration_minutes}")
        response = await self._data_client.create_binary_data_signed_url(
            CreateBinaryDataSignedURLRequest(binary_data_id=binary_data_id, expiration_minutes=expiration_minutes)
        )
        if response.expires_at is None:
            raise ValueError("the server sent a signed URL without its expiry time")
        return response.signed_url, naive_utc(response.expires_at)

    # -- database access ---------------------------------------------------------------------------------------

    async def get_database_connection(
        self, organization_id: str = "", *, org_id: str | None = None, timeout: float | None = None, retry: RetryOption = DEFAULT
    ) -> str:
        """The host name of the organization's federated database (for MongoDB clients).

        Args:
            organization_id: the organization (``org_id=`` too, as the reference's examples write it).
            org_id: the reference's name for ``organization_id``; give one of the two.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Returns:
            The database's host name.

        Raises:
            TypeError: no organization given, or both names for it.
            NotFound: no organization has that ID.
            PermissionDenied: the credentials do not reach the organization.

        Examples:
            ```python
            data = viam_client.data_client
            host = await data.get_database_connection(org_id)
            ```
        """
        organization_id = organization(organization_id, org_id, "get_database_connection")
        response = await self._data_client.get_database_connection(
            GetDatabaseConnectionRequest(organization_id=organization_id)
        )
        return response.hostname

    async def configure_database_user(
        self, organization_id: str, password: str, *, timeout: float | None = None, retry: RetryOption = DEFAULT
    ) -> None:
        """Create the organization's database user, or reset its password.

        The password is sent once and never logged or repeated in errors.

        Args:
            organization_id: the organization.
            password: the new password (8 characters or more, mixing letters with digits or symbols).
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Raises:
            InvalidArgument: the password is too short or too simple.
            PermissionDenied: the credentials are not an owner of the organization.

        Examples:
            ```python
            import os

            data = viam_client.data_client
            await data.configure_database_user(org_id, password=os.environ["DB_PASSWORD"])
            ```
        """
        await self._data_client.configure_database_user(
            ConfigureDatabaseUserRequest(organization_id=organization_id, password=password)
        )

    async def iter_binary_data_by_filter(
        self,
        filter: Filter | None = None,
        page_size: int | None = None,
        sort_order: Order | None = None,
        include_binary_data: bool = True,
        include_internal_data: bool = False,
        *,
        max_items: int | None = None,
        progress: ProgressCallback | None = None,
        timeout: float | None = None,
        checkpoint: PageCheckpoint | None = None,
        retry: RetryOption = DEFAULT,
    ) -> AsyncIterator[BinaryData]:
        """Every binary item (image, file, ...) matching ``filter``, across all pages.

        Args:
            filter: what to select; None selects everything the caller may see.
            page_size: items per request; None uses the server's default.
            sort_order: ``Order.ORDER_ASCENDING`` (oldest first) or descending.
            include_binary_data: False fetches the metadata only, which keeps pages small.
            include_internal_data: True also includes Viam's internal captures.
            max_items: stop after this many items; None walks every page.
            progress: told the number of items handed out so far, after each page.
            timeout: seconds to wait for each page's reply; None waits as long as DialOptions allows.
            checkpoint: a ``viam_sdk.paging.PageCheckpoint`` kept up to date with the page and offset of
                each item handed out; pass a saved one to resume the pull where it was.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Returns:
            An async iterator of ``BinaryData`` messages (``binary`` empty without the bytes).

        Raises:
            ValueError: ``page_size`` is not a positive integer or ``max_items`` is negative.
            InvalidArgument: the server refused the filter or a page token.
            PermissionDenied: the filter names an organization the credentials do not reach.

        Examples:
            ```python
            data = viam_client.data_client
            async for item in data.iter_binary_data_by_filter(flt, include_binary_data=False):
                print(item.metadata.id, item.metadata.capture_metadata.mime_type)
            ```
        """
        request = BinaryDataByFilterRequest(
            data_request=data_request(filter, sort_order),
            include_binary=include_binary_data,
            include_internal_data=include_internal_data,
        )
        async for item in self._paged(
            self._data_client.binary_data_by_filter,
            request,
            page_size=page_size,
            max_items=max_items,
            progress=progress,
            timeout=timeout,
            checkpoint=checkpoint,
        ):
            yield item
