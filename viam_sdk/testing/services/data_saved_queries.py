"""DataService of the emulator, saved queries: CreateSavedQuery, GetSavedQuery,
UpdateSavedQuery, DeleteSavedQuery, ListSavedQueries, and the lookup
``TabularDataByMQL`` makes for ``query_prefix_name``.

``SavedQueriesHandlers`` is a mixin of ``data.DataService``; its table is in
:data:`SCHEMA`.  A saved query belongs to an organization: reading one needs
access to that organization, changing one needs the owner role there (as
every organization-wide object here).  A caller who cannot reach the
organization is told NOT_FOUND, so a query ID reveals nothing.  Each stage
must decode as BSON and pass the same checks as a stage sent to
``TabularDataByMQL``, so a saved query that was accepted can always be run.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any

import bson
from viam_api.app.data.v1 import (
    CreateSavedQueryRequest,
    CreateSavedQueryResponse,
    DeleteSavedQueryRequest,
    DeleteSavedQueryResponse,
    GetSavedQueryRequest,
    GetSavedQueryResponse,
    ListSavedQueriesRequest,
    ListSavedQueriesResponse,
    Query,
    UpdateSavedQueryRequest,
    UpdateSavedQueryResponse,
)

from ..auth import Identity, caller, require_org
from ..backends.saved_queries import SCHEMA as SAVED_QUERIES_SCHEMA
from ..backends.saved_queries import SavedQueriesBackend, SavedQuery
from ..context import EmulatorContext
from ..errors import InvalidArgument, NotFound, PermissionDenied
from ..query.mql import MQLError, check_pipeline

__all__ = ["SCHEMA", "SavedQueriesHandlers", "decode_stages"]

SCHEMA = SAVED_QUERIES_SCHEMA


def decode_stages(raw: Sequence[bytes], codec_options: Any = None) -> list[dict[str, Any]]:
    """The stages of an MQL pipeline as dicts; INVALID_ARGUMENT for one that is not a BSON document."""
    stages: list[dict[str, Any]] = []
    for position, stage in enumerate(raw):
        try:
            stages.append(bson.decode(stage, codec_options=codec_options) if codec_options else bson.decode(stage))
        except Exception as exc:  # bson raises several kinds for bad input
            raise InvalidArgument(f"stage {position} is not a valid BSON document: {exc}") from None
    return stages


def _checked(raw: Sequence[bytes]) -> list[bytes]:
    """The stages as given, once each decodes and is a stage the MQL engine accepts."""
    stages = decode_stages(raw)
    if not stages:
        raise InvalidArgument("a saved query needs at least one stage")
    try:
        check_pipeline(stages)
    except MQLError as exc:
        raise InvalidArgument(str(exc)) from None
    return [bytes(stage) for stage in raw]


def _message(query: SavedQuery) -> Query:
    return Query(
        id=query.id,
        organization_id=query.organization_id,
        name=query.name,
        mql_binary=list(query.stages),
        created_on=query.created_on,
        updated_at=query.updated_at,
    )


class SavedQueriesHandlers:
    """The saved-query handlers of DataService."""

    ctx: EmulatorContext

    def __init__(self, ctx: EmulatorContext) -> None:
        self.saved_queries = SavedQueriesBackend(ctx)
        ctx.org_deleted_hooks.append(self._forget_saved_queries)

    def _forget_saved_queries(self, db: sqlite3.Connection, org_id: str) -> None:
        # Called inside the deleting transaction: the backend's writes join it.
        self.saved_queries.forget_organization(org_id)

    def _saved_query(self, ident: Identity, query_id: str, *, write: bool = False) -> SavedQuery:
        """The saved query, once the caller may read it (``write``: change it); NOT_FOUND otherwise."""
        query = self.saved_queries.get(query_id)
        try:
            require_org(self.ctx, ident, query.organization_id)
        except PermissionDenied:
            raise NotFound(f"saved query {query_id!r} not found") from None
        if write:  # a reader of the organization learns it may not change the query
            require_org(self.ctx, ident, query.organization_id, write=True)
        return query

    def prefix_stages(self, org_id: str, name: str) -> list[bytes]:
        """The stages of the organization's saved query ``name`` (``TabularDataByMQL``'s prefix)."""
        return list(self.saved_queries.named(org_id, name).stages)

    async def create_saved_query(self, request: CreateSavedQueryRequest) -> CreateSavedQueryResponse:
        ident = caller(self.ctx)
        require_org(self.ctx, ident, request.organization_id, write=True)
        stages = _checked(request.mql_binary)
        query_id = self.saved_queries.create(request.organization_id, request.name, stages)
        return CreateSavedQueryResponse(id=query_id)

    async def get_saved_query(self, request: GetSavedQueryRequest) -> GetSavedQueryResponse:
        query = self._saved_query(caller(self.ctx), request.id)
        return GetSavedQueryResponse(saved_query=_message(query))

    async def update_saved_query(self, request: UpdateSavedQueryRequest) -> UpdateSavedQueryResponse:
        query = self._saved_query(caller(self.ctx), request.id, write=True)
        self.saved_queries.update(query, request.name, _checked(request.mql_binary))
        return UpdateSavedQueryResponse()

    async def delete_saved_query(self, request: DeleteSavedQueryRequest) -> DeleteSavedQueryResponse:
        query = self._saved_query(caller(self.ctx), request.id, write=True)
        self.saved_queries.delete(query)
        return DeleteSavedQueryResponse()

    async def list_saved_queries(self, request: ListSavedQueriesRequest) -> ListSavedQueriesResponse:
        ident = caller(self.ctx)
        require_org(self.ctx, ident, request.organization_id)
        found = self.saved_queries.of_org(request.organization_id, request.limit)
        return ListSavedQueriesResponse(queries=[_message(q) for q in found])
