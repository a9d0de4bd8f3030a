"""More of the emulator's DataService: collection indexes and signed download URLs.

``DataExtras`` is a mixin of ``data.DataService``; its tables are in
:data:`SCHEMA`, which ``data`` adds to its own.

Indexes (CreateIndex, DeleteIndex, ListIndexes) are kept per organization,
collection type and, for a pipeline sink, pipeline name.  A spec is one BSON
document shaped like a MongoDB ``createIndexes`` entry: ``key`` (field -> 1,
-1 or an index kind such as ``"text"``) and an optional ``name`` (derived from
the keys as MongoDB does when absent).  Every hot-store collection also has
Viam's ``_id_`` index, which cannot be dropped (PERMISSION_DENIED).

Signed URLs (CreateBinaryDataSignedURL) point at a small HTTP server on the
emulator's host, started with the first URL and stopped with the emulator.
``GET /signed/<token>`` answers 200 with the bytes, 403 once the URL has
expired (by the emulator's clock), 404 for an unknown token or deleted data.
Only a digest of each token is stored.
"""

from __future__ import annotations

import asyncio
import contextlib
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
from ..context import EmulatorContext
from ..errors import AlreadyExists, InvalidArgument, NotFound, PermissionDenied
from ._data_common import from_micros, read_blob, require_binaries, to_micros

__all__ = ["SCHEMA", "DataExtras", "check_confidence"]

SCHEMA = """
CREATE TABLE IF NOT EXISTS data_indexes (
    organization_id TEXT NOT NULL,
    collection_type INTEGER NOT NULL,
    pipeline_name TEXT NOT NULL DEFAULT '',
    index_name TEXT NOT NULL,
    spec BLOB NOT NULL,
    created_by INTEGER NOT NULL,
    PRIMARY KEY (organization_id, collection_type, pipeline_name, index_name)
);
CREATE TABLE IF NOT EXISTS data_signed_urls (
    token_digest TEXT PRIMARY KEY,
    binary_id TEXT NOT NULL,
    organization_id TEXT NOT NULL,
    expires_at INTEGER NOT NULL
);
"""

DEFAULT_URL_MINUTES = 60
MAX_URL_MINUTES = 7 * 24 * 60
_ID_INDEX = "_id_"
_KINDS = {"text", "2d", "2dsphere", "hashed"}
_SERVER_KEY = "data.signed_url_server"


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
        ctx.org_deleted_hooks.append(self._forget_org)

    @staticmethod
    def _forget_org(db: sqlite3.Connection, org_id: str) -> None:
        db.execute("DELETE FROM data_indexes WHERE organization_id = ?", (org_id,))
        db.execute("DELETE FROM data_signed_urls WHERE organization_id = ?", (org_id,))

    # -- indexes ------------------------------------------------------------------------------

    async def create_index(self, request: CreateIndexRequest) -> CreateIndexResponse:
        ident = caller(self.ctx)
        require_org(self.ctx, ident, request.organization_id, write=True)
        kind, pipeline = _collection(request.collection_type, request.pipeline_name)
        name, spec = _parse_spec(list(request.index_spec))
        if name == _ID_INDEX and kind == IndexableCollection.INDEXABLE_COLLECTION_HOT_STORE:
            raise AlreadyExists(f"the collection already has an index named {name!r}")
        try:
            with self.store.transaction() as db:
                db.execute(
                    "INSERT INTO data_indexes(organization_id, collection_type, pipeline_name, index_name, "
                    "spec, created_by) VALUES (?,?,?,?,?,?)",
                    (
                        request.organization_id,
                        kind,
                        pipeline,
                        name,
                        bson.encode(spec),
                        int(IndexCreator.INDEX_CREATOR_CUSTOMER),
                    ),
                )
        except sqlite3.IntegrityError:
            raise AlreadyExists(f"the collection already has an index named {name!r}"
            ) from None
        return CreateIndexResponse()

    async def delete_index(self, request: DeleteIndexRequest) -> DeleteIndexResponse:
        ident = caller(self.ctx)
        require_org(self.ctx, ident, request.organization_id, write=True)
        kind, pipeline = _collection(request.collection_type, request.pipeline_name)
        if request.index_name == _ID_INDEX and kind == IndexableCollection.INDEXABLE_COLLECTION_HOT_STORE:
            raise PermissionDenied("the _id_ index is Viam's and cannot be deleted")
        with self.store.transaction() as db:
            cursor = db.execute(
                "DELETE FROM data_indexes WHERE organization_id = ? AND collection_type = ? "
                "AND pipeline_name = ? AND index_name = ?",
                (request.organization_id, kind, pipeline, request.index_name),
            )
            if cursor.rowcount == 0:
                raise NotFound(f"no index named {request.index_name!r} on that collection")
        return DeleteIndexResponse()

    async def list_indexes(self, request: ListIndexesRequest) -> ListIndexesResponse:
        ident = caller(self.ctx)
        require_org(self.ctx, ident, request.organization_id)
        kind, pipeline = _collection(request.collection_type, request.pipeline_name)
        rows = self.store.all(
            "SELECT * FROM data_indexes WHERE organization_id = ? AND collection_type = ? AND pipeline_name = ? "
            "ORDER BY index_name",
            (request.organization_id, kind, pipeline),
        )
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
                    index_name=r["index_name"],
                    index_spec=[bytes(r["spec"])],
                    created_by=IndexCreator(r["created_by"]),
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
        port = await self._signed_url_port()
        scheme = "https" if self.ctx.extras.get("server_ssl_context") is not None else "http"
        token = secrets.token_urlsafe(32)
        expires = to_micros(self.ctx.now() + timedelta(minutes=minutes))
        with self.store.transaction() as db:
            db.execute(
                "INSERT INTO data_signed_urls(token_digest, binary_id, organization_id, expires_at) VALUES (?,?,?,?)",
                (_digest(token), row["id"], row["organization_id"], expires),
            )
        return CreateBinaryDataSignedURLResponse(
            signed_url=f"{scheme}://127.0.0.1:{port}/signed/{token}", expires_at=from_micros(expires)
        )

    async def _signed_url_port(self) -> int:
        server = self.ctx.extras.get(_SERVER_KEY)
        if server is None:
            # With the emulator's TLS on, the downloads are served over TLS too (same certificate).
            tls = self.ctx.extras.get("server_ssl_context")
            server = await asyncio.start_server(self._serve_http, "127.0.0.1", 0, ssl=tls)
            self.ctx.extras[_SERVER_KEY] = server
            self.ctx.extras.setdefault("on_stop", []).append(_closer(server))
        return int(server.sockets[0].getsockname()[1])

    def _lookup(self, path: str) -> tuple[int, str, bytes]:
        """(status, content type, body) for a GET of ``path``."""
        prefix = "/signed/"
        if not path.startswith(prefix):
            return 404, "text/plain", b"not found\n"
        token = path[len(prefix) :].split("?", 1)[0]
        url = self.store.one("SELECT * FROM data_signed_urls WHERE token_digest = ?", (_digest(token),))
        if url is None:
            return 404, "text/plain", b"unknown signed URL\n"
        if to_micros(self.ctx.now()) >= int(url["expires_at"]):
            return 403, "text/plain", b"this signed URL has expired\n"
        with self.store.lock:
            row = self.store.db.execute(
                "SELECT mime_type, blob_key FROM data_binary WHERE id = ?", (url["binary_id"],)
            ).fetchone()
            if row is None:
                return 404, "text/plain", b"the data behind this URL was deleted\n"
            body = read_blob(self.store.db, row["blob_key"])
        return 200, str(row["mime_type"]) or "application/octet-stream", body

    async def _serve_http(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            request_line = (await reader.readline()).decode("latin-1").split()
            while (await reader.readline()).strip():  # the headers: not needed
                pass
            if len(request_line) != 3 or request_line[0] not in ("GET", "HEAD"):
                status, kind, body = 405, "text/plain", b"only GET is served\n"
            else:
                status, kind, body = self._lookup(request_line[1])
            reason = {200: "OK", 403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed"}[status]
            head = (
                f"HTTP/1.1 {status} {reason}\r\nContent-Type: {kind}\r\nContent-Length: {len(body)}\r\n"
                "Connection: close\r\n\r\n"
            ).encode("latin-1")
            writer.write(head if request_line[:1] == ["HEAD"] else head + body)
            await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError, UnicodeDecodeError):
            pass
        finally:
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()


def _closer(server: asyncio.Server) -> Any:
    async def close() -> None:
        server.close()
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(server.wait_closed(), timeout=5)

    return close
