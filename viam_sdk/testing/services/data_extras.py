"""More of the emulator's DataService: collection indexes and signed download URLs.

``DataExtras`` is a mixin of ``data.DataService``; its tables are in
:data:`SCHEMA`, which ``data`` adds to its own.

Indexes (CreateIndex, DeleteIndex, ListIndexes) are kept per organization,
collection type and, for a pipeline sink, pipeline name.  A spec is one BSON
document shaped like a MongoDB ``createIndexes`` entry: ``key`` (field -> 1,
-1 or an index kind such as ``"text"``) and an optional ``name`` (derived from
the keys as MongoDB does when absent).  Every hot-store collection also has
Viam's ``_id_`` index, which cannot be dropped (PERMISSION_DENIED).

Signed URLs (CreateBinaryDataSignedURL) point at the emulator's HTTP front
(:mod:`viam_sdk.testing.http`, on the emulator's host, started with the
first URL).  ``GET /signed/<token>`` answers 200 with the bytes (typed by the
stored ``mime_type`` when that is a valid media type, else
``application/octet-stream``; sandboxed, so an HTML upload never runs as a
page of the emulator), 403 once the URL has expired (by the emulator's
clock), 404 for an unknown token or deleted data.  Only a digest of each
token is stored.
"""

from __future__ import annotations

import hashlib
import secrets
import sqlite3
from datetime import timedelta
from typing import Any

import bson
from viam_api.app.data.v1 import (
    CreateBinaryDataSignedURLRequest,
    CreateBinaryDataSignedURLResponse,
    CreateIndexRequest,
    CreateIndexResponse,
    DeleteIndexRequest,
    DeleteIndexResponse,
    Index,
    IndexableCollection,
    IndexCreator,
    ListIndexesRequest,
    ListIndexesResponse,
)

from ..auth import caller, require_org
from ..backends.captures import CapturesBackend
from ..backends.indexes import SCHEMA as INDEXES_SCHEMA
from ..backends.indexes import IndexesBackend
from ..context import EmulatorContext
from ..errors import AlreadyExists, InvalidArgument, PermissionDenied
from ..http import Request, Response, front_of, safe_content_type
from ._data_common import from_micros, require_binaries, to_micros

__all__ = ["SCHEMA", "DataExtras", "check_confidence"]

SCHEMA = INDEXES_SCHEMA

DEFAULT_URL_MINUTES = 60
MAX_URL_MINUTES = 7 * 24 * 60
_ID_INDEX = "_id_"
_KINDS = {"text", "2d", "2dsphere", "hashed"}
SIGNED_PATH = "/signed/"
_DOWNLOAD_HEADERS = [("Content-Security-Policy", "sandbox"), ("Cache-Control", "private, no-store")]


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _collection(collection_type: IndexableCollection, pipeline_name: str | None) -> tuple[int, str]:
    if collection_type == IndexableCollection.INDEXABLE_COLLECTION_HOT_STORE:
        if pipeline_name:
            raise InvalidArgument("pipeline_name applies to INDEXABLE_COLLECTION_PIPELINE_SINK only")
        return int(collection_type), ""
    if collection_type == IndexableCollection.INDEXABLE_COLLECTION_PIPELINE_SINK:
        if not pipeline_name:
            raise InvalidArgument("a pipeline sink collection needs pipeline_name")
        return int(collection_type), pipeline_name
    raise InvalidArgument(
        "collection_type must be INDEXABLE_COLLECTION_HOT_STORE or INDEXABLE_COLLECTION_PIPELINE_SINK"
    )


def check_confidence(confidence: float | None) -> None:
    """A bounding box's confidence score, when given, is a fraction."""
    if confidence is not None and not 0.0 <= confidence <= 1.0:
        raise InvalidArgument(f"confidence={confidence} is outside [0, 1]")


def _parse_spec(raw: list[bytes]) -> tuple[str, dict[str, Any]]:
    if len(raw) != 1:
        raise InvalidArgument(f"index_spec must hold exactly one BSON document, got {len(raw)}")
    try:
        spec = bson.decode(raw[0])
    except Exception as exc:  # bson raises several kinds for bad input
        raise InvalidArgument(f"index_spec is not a valid BSON document: {exc}") from None
    keys = spec.get("key")
    if not isinstance(keys, dict) or not keys:
        raise InvalidArgument("index_spec needs a non-empty 'key' document (field -> 1, -1 or an index kind)")
    for field_name, order in keys.items():
        if not (order in (1, -1) and not isinstance(order, bool)) and order not in _KINDS:
            raise InvalidArgument(f"index key {field_name!r}: {order!r} is not 1, -1 or one of {sorted(_KINDS)}")
    name = spec.get("name")
    if name is None:
        name = "_".join(f"{k}_{v}" for k, v in keys.items())
    if not isinstance(name, str) or not name:
        raise InvalidArgument("index_spec 'name' must be a non-empty string")
    return name, spec


class DataExtras:
    """Index and signed-URL handlers of DataService."""

    ctx: EmulatorContext

    def __init__(self, ctx: EmulatorContext) -> None:
        self.ctx = ctx
        self.store = ctx.store
        self.indexes = IndexesBackend(ctx)
        ctx.org_deleted_hooks.append(self._forget_org)
        front_of(ctx).route(SIGNED_PATH, self._download, prefix=True)

    def _forget_org(self, db: sqlite3.Connection, org_id: str) -> None:
        # Called inside the deleting transaction: the backend's writes join it.
        self.indexes.forget_organization(org_id)

    # -- indexes ------------------------------------------------------------------------------

    async def create_index(self, request: CreateIndexRequest) -> CreateIndexResponse:
        ident = caller(self.ctx)
        require_org(self.ctx, ident, request.organization_id, write=True)
        kind, pipeline = _collection(request.collection_type, request.pipeline_name)
        name, spec = _parse_spec(list(request.index_spec))
        if name == _ID_INDEX and kind == IndexableCollection.INDEXABLE_COLLECTION_HOT_STORE:
            raise AlreadyExists(f"the collection already has an index named {name!r}")
        self.indexes.add(
            request.organization_id,
            kind,
            pipeline,
            name,
            bson.encode(spec),
            int(IndexCreator.INDEX_CREATOR_CUSTOMER),
        )
        return CreateIndexResponse()

    async def delete_index(self, request: DeleteIndexRequest) -> DeleteIndexResponse:
        ident = caller(self.ctx)
        require_org(self.ctx, ident, request.organization_id, write=True)
        kind, pipeline = _collection(request.collection_type, request.pipeline_name)
        if request.index_name == _ID_INDEX and kind == IndexableCollection.INDEXABLE_COLLECTION_HOT_STORE:
            raise PermissionDenied("the _id_ index is Viam's and cannot be deleted")
        self.indexes.remove(request.organization_id, kind, pipeline, request.index_name)
        return DeleteIndexResponse()

    async def list_indexes(self, request: ListIndexesRequest) -> ListIndexesResponse:
        ident = caller(self.ctx)
        require_org(self.ctx, ident, request.organization_id)
        kind, pipeline = _collection(request.collection_type, request.pipeline_name)
        rows = self.indexes.of_collection(request.organization_id, kind, pipeline)
        collection = IndexableCollection(kind)
        indexes = []
        if kind == IndexableCollection.INDEXABLE_COLLECTION_HOT_STORE:
            indexes.append(
                Index(
                    collection_type=collection,
                    index_name=_ID_INDEX,
                    index_spec=[bson.encode({"key": {"_id": 1}, "name": _ID_INDEX})],
                    created_by=IndexCreator.INDEX_CREATOR_VIAM,
                )
            )
        for r in rows:
            indexes.append(
                Index(
                    collection_type=collection,
                    pipeline_name=pipeline or None,
                    index_name=r.index_name,
                    index_spec=[r.spec],
                    created_by=IndexCreator(r.created_by),
                )
            )
        return ListIndexesResponse(indexes=indexes)

    # -- signed URLs ---------------------------------------------------------------------------

    async def create_binary_data_signed_url(
        self, request: CreateBinaryDataSignedURLRequest
    ) -> CreateBinaryDataSignedURLResponse:
        ident = caller(self.ctx)
        if not request.binary_data_id:
            raise InvalidArgument("a binary data id is required")
        row = require_binaries(self.ctx, ident, [request.binary_data_id])[0]
        minutes = DEFAULT_URL_MINUTES if request.expiration_minutes is None else request.expiration_minutes
        if not 1 <= minutes <= MAX_URL_MINUTES:
            raise InvalidArgument(f"expiration_minutes must be between 1 and {MAX_URL_MINUTES}, got {minutes}")
        front = front_of(self.ctx)
        await front.start()
        token = secrets.token_urlsafe(32)
        expires = to_micros(self.ctx.now() + timedelta(minutes=minutes))
        self.indexes.add_signed_url(_digest(token), row.id, row.organization_id, expires)
        return CreateBinaryDataSignedURLResponse(
            signed_url=front.url(f"{SIGNED_PATH}{token}"), expires_at=from_micros(expires)
        )

    async def _download(self, request: Request) -> Response:
        """GET /signed/<token>: the bytes behind a signed URL."""
        token = request.path[len(SIGNED_PATH) :]
        url = self.indexes.signed_url(_digest(token))
        if url is None:
            return Response(404, b"unknown signed URL\n")
        if to_micros(self.ctx.now()) >= url.expires_at:
            return Response(403, b"this signed URL has expired\n")
        captures = CapturesBackend(self.ctx)
        with self.store.lock:
            row = captures.binary(url.binary_id)
            if row is None:
                return Response(404, b"the data behind this URL was deleted\n")
            body = captures.blob(row.blob_key)
        # Stored data is the caller's: shown as its type, never run as a page of the emulator's origin.
        return Response(200, body, safe_content_type(row.mime_type), headers=_DOWNLOAD_HEADERS)
