"""``DataClient`` methods for the indexes of an organization's queryable collections.

A collection is the hot data store (``IndexableCollection.INDEXABLE_COLLECTION_HOT_STORE``)
or the sink of one data pipeline (``INDEXABLE_COLLECTION_PIPELINE_SINK``, named by
``pipeline_name``).  An index spec is a MongoDB ``createIndexes`` entry given as a
dict, e.g. ``{"key": {"data.readings.celsius": 1}, "name": "by_celsius"}``; it is
sent BSON-encoded.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from viam_api.app.data.v1 import (
    CreateIndexRequest,
    DeleteIndexRequest,
    Index,
    IndexableCollection,
    ListIndexesRequest,
)

from viam_sdk.app._data._base import DataClientBase
from viam_sdk.rpc._policy import DEFAULT, RetryOption


class Indexes(DataClientBase):
    """Create, list and delete indexes."""

    async def create_index(
        self,
        organization_id: str,
        collection_type: int,
        index_spec: dict[str, Any],
        pipeline_name: str | None = None,
        *,
        timeout: float | None = None,
        retry: RetryOption = DEFAULT,
    ) -> None:
        """Add an index to one of the organization's collections.

        Args:
            organization_id: the organization that owns the data.
            collection_type: an ``IndexableCollection`` value.
            index_spec: the index as a dict (``key`` and optionally ``name``, ``unique``, ...).
            pipeline_name: the pipeline whose sink is meant, for ``INDEXABLE_COLLECTION_PIPELINE_SINK``;
                None for the hot store.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Raises:
            TypeError: ``index_spec`` is not a dict (nothing is sent).
            InvalidArgument: a spec without keys, or a pipeline name where none applies (or missing).
            AlreadyExists: the collection has an index of that name.
            PermissionDenied: the credentials may not change the organization's data.

        Examples:
            ```python
            from viam_sdk.proto.app.data import IndexableCollection

            data = viam_client.data_client
            await data.create_index(org_id, IndexableCollection.INDEXABLE_COLLECTION_HOT_STORE,
                                    {"key": {"component_name": 1}, "name": "by_component"})
            ```
        """
        import bson

        if not isinstance(index_spec, dict):
            raise TypeError(f"index_spec must be a dict, not {type(index_spec).__name__}")
        await self._data_client.create_index(
            CreateIndexRequest(
                organization_id=organization_id,
                collection_type=IndexableCollection(collection_type),
                index_spec=[bson.encode(index_spec)],
                pipeline_name=pipeline_name,
            )
        )

    async def delete_index(
        self,
        organization_id: str,
        collection_type: int,
        index_name: str,
        pipeline_name: str | None = None,
        *,
        timeout: float | None = None,
        retry: RetryOption = DEFAULT,
    ) -> None:
        """Remove the index ``index_name`` from one of the organization's collections.

        Args:
            organization_id: the organization that owns the data.
            collection_type: an ``IndexableCollection`` value.
            index_name: the index's name (as ``list_indexes`` shows it).
            pipeline_name: the pipeline whose sink is meant, for ``INDEXABLE_COLLECTION_PIPELINE_SINK``;
                None for the hot store.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Raises:
            NotFound: there is no such index.
            PermissionDenied: the index is one Viam created (``_id_``), or the credentials may not
                change the organization's data.

        Examples:
            ```python
            from viam_sdk.proto.app.data import IndexableCollection

            data = viam_client.data_client
            hot = IndexableCollection.INDEXABLE_COLLECTION_HOT_STORE
            await data.delete_index(org_id, hot, "by_component")
            ```
        """
        await self._data_client.delete_index(
            DeleteIndexRequest(
                organization_id=organization_id,
                collection_type=IndexableCollection(collection_type),
                index_name=index_name,
                pipeline_name=pipeline_name,
            )
        )

    async def list_indexes(
        self,
        organization_id: str,
        collection_type: int,
        pipeline_name: str | None = None,
        *,
        timeout: float | None = None,
        retry: RetryOption = DEFAULT,
    ) -> Sequence[Index]:
        """Every index of one of the organization's collections, by name.

        Args:
            organization_id: the organization that owns the data.
            collection_type: an ``IndexableCollection`` value.
            pipeline_name: the pipeline whose sink is meant, for ``INDEXABLE_COLLECTION_PIPELINE_SINK``;
                None for the hot store.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Returns:
            ``Index`` messages; each ``index_spec`` holds the spec as BSON bytes
            (``bson.decode(index.index_spec[0])`` gives the dict back).

        Raises:
            InvalidArgument: a pipeline name where none applies.
            PermissionDenied: the credentials do not reach the organization.

        Examples:
            ```python
            from viam_sdk.proto.app.data import IndexableCollection

            data = viam_client.data_client
            hot = IndexableCollection.INDEXABLE_COLLECTION_HOT_STORE
            names = [i.index_name for i in await data.list_indexes(org_id, hot)]
            ```
        """
        response = await self._data_client.list_indexes(
            ListIndexesRequest(
                organization_id=organization_id,
                collection_type=IndexableCollection(collection_type),
                pipeline_name=pipeline_name,
            )
        )
        return response.indexes
