"""``DataClient`` methods for saved queries: named MQL pipelines kept by an organization.

A saved query is run by name as the first stages of ``tabular_data_by_mql``
(``query_prefix_name=``).  Its stages are given as dicts or BSON bytes, as
``tabular_data_by_mql`` takes them, and come back as BSON bytes in the
``Query`` message (``bson.decode`` each to read it).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from viam_api.app.data.v1 import (
    CreateSavedQueryRequest,
    DeleteSavedQueryRequest,
    GetSavedQueryRequest,
    ListSavedQueriesRequest,
    Query,
    UpdateSavedQueryRequest,
)

from viam_sdk.app._data._base import DataClientBase
from viam_sdk.app._data.queries import encode_stages
from viam_sdk.rpc._policy import DEFAULT, RetryOption


class SavedQueries(DataClientBase):
    """Create, read, change, delete and list saved MQL queries."""

    async def create_saved_query(
        self,
        organization_id: str,
        name: str,
        mql_binary: Sequence[bytes | Mapping[str, Any]],
        *,
        timeout: float | None = None,
        retry: RetryOption = DEFAULT,
    ) -> str:
        """Save an MQL pipeline under a name, for ``tabular_data_by_mql(query_prefix_name=name)``.

        Args:
            organization_id: the organization that keeps it.
            name: its name, unique within the organization.
            mql_binary: the stages, each a dict or BSON bytes.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Returns:
            The new saved query's ID.

        Raises:
            TypeError: a stage is neither bytes nor a dict.
            InvalidArgument: the name is empty, the pipeline is empty, or a stage is not valid MQL.
            AlreadyExists: the organization has a saved query of that name.
            PermissionDenied: the credentials may not write to the organization.

        Examples:
            ```python
            data = viam_client.data_client
            query_id = await data.create_saved_query(
                org_id, "thermometers", [{"$match": {"component_name": "thermometer"}}]
            )
            ```
        """
        response = await self._data_client.create_saved_query(
            CreateSavedQueryRequest(
                organization_id=organization_id, name=name, mql_binary=encode_stages(mql_binary)
            )
        )
        return response.id

    async def get_saved_query(self, id: str, *, timeout: float | None = None, retry: RetryOption = DEFAULT) -> Query:
        """One saved query by ID.

        Args:
            id: the saved query's ID.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Returns:
            The ``Query``: ID, organization, name, stages (BSON bytes), creation and update times.

        Raises:
            NotFound: no saved query has that ID (or it belongs to an organization the credentials
                do not reach).

        Examples:
            ```python
            import bson

            data = viam_client.data_client
            saved = await data.get_saved_query(query_id)
            print(saved.name, [bson.decode(stage) for stage in saved.mql_binary])
            ```
        """
        response = await self._data_client.get_saved_query(GetSavedQueryRequest(id=id))
        return response.saved_query if response.saved_query is not None else Query()

    async def update_saved_query(
        self,
        id: str,
        name: str,
        mql_binary: Sequence[bytes | Mapping[str, Any]],
        *,
        timeout: float | None = None,
        retry: RetryOption = DEFAULT,
    ) -> None:
        """Replace the name and stages of a saved query.

        Args:
            id: the saved query's ID.
            name: its (new) name.
            mql_binary: its new stages, each a dict or BSON bytes.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Raises:
            TypeError: a stage is neither bytes nor a dict.
            NotFound: no saved query has that ID.
            InvalidArgument: the name is empty, the pipeline is empty, or a stage is not valid MQL.
            AlreadyExists: another saved query of the organization has that name.
            PermissionDenied: the credentials may not write to the query's organization.

        Examples:
            ```python
            data = viam_client.data_client
            await data.update_saved_query(query_id, "thermometers", [{"$match": {"component_type": "sensor"}}])
            ```
        """
        await self._data_client.update_saved_query(
            UpdateSavedQueryRequest(id=id, name=name, mql_binary=encode_stages(mql_binary))
        )

    async def delete_saved_query(self, id: str, *, timeout: float | None = None, retry: RetryOption = DEFAULT) -> None:
        """Delete a saved query.

        Args:
            id: the saved query's ID.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Raises:
            NotFound: no saved query has that ID.
            PermissionDenied: the credentials may not write to the query's organization.

        Examples:
            ```python
            data = viam_client.data_client
            await data.delete_saved_query(query_id)
            ```
        """
        await self._data_client.delete_saved_query(DeleteSavedQueryRequest(id=id))

    async def list_saved_queries(
        self, organization_id: str, limit: int | None = None, *, timeout: float | None = None, retry: RetryOption = DEFAULT
    ) -> list[Query]:
        """The saved queries of an organization, by name.

        Args:
            organization_id: the organization.
            limit: at most this many; None lists them all.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Returns:
            A list of ``Query`` messages.

        Raises:
            InvalidArgument: ``limit`` is negative.
            PermissionDenied: the credentials do not reach the organization.

        Examples:
            ```python
            data = viam_client.data_client
            for saved in await data.list_saved_queries(org_id):
                print(saved.id, saved.name)
            ```
        """
        response = await self._data_client.list_saved_queries(
            ListSavedQueriesRequest(organization_id=organization_id, limit=limit or 0)
        )
        return list(response.queries)
