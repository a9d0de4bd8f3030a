"""Collection indexes and signed download URLs of the data service (``data_indexes``, ``data_signed_urls``).

Indexes are kept per organization, collection type and, for a pipeline sink,
pipeline name; a spec is one BSON document (see ``services/data_extras.py``).
A signed URL is kept as the digest of its token only, with the capture it
opens and when it expires (microseconds since the epoch).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from ..context import EmulatorContext
from ..errors import AlreadyExists, NotFound
from ._sql import typed

__all__ = ["SCHEMA", "IndexRow", "IndexesBackend", "SignedUrl"]

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


@dataclass(frozen=True)
class IndexRow:
    """One index a customer made on a collection; ``spec`` is its BSON document."""

    index_name: str
    spec: bytes
    created_by: int


@dataclass(frozen=True)
class SignedUrl:
    """What a signed URL opens, and until when (microseconds since the epoch)."""

    binary_id: str
    organization_id: str
    expires_at: int


class IndexesBackend:
    """Indexes and signed URLs of every organization, over the emulator's store."""

    def __init__(self, ctx: EmulatorContext) -> None:
        self.ctx = ctx
        self.store = ctx.store

    def forget_organization(self, org_id: str) -> None:
        """Drop the organization's indexes and signed URLs (when the organization is deleted)."""
        with self.store.transaction() as db:
            db.execute("DELETE FROM data_indexes WHERE organization_id = ?", (org_id,))
            db.execute("DELETE FROM data_signed_urls WHERE organization_id = ?", (org_id,))

    # -- indexes ------------------------------------------------------------------------------

    def add(self, org_id: str, kind: int, pipeline: str, name: str, spec: bytes, created_by: int) -> None:
        """Add an index; ALREADY_EXISTS when the collection has one of that name."""
        try:
            with self.store.transaction() as db:
                db.execute(
                    "INSERT INTO data_indexes(organization_id, collection_type, pipeline_name, index_name, "
                    "spec, created_by) VALUES (?,?,?,?,?,?)",
                    (org_id, kind, pipeline, name, spec, created_by),
                )
        except sqlite3.IntegrityError:
            raise AlreadyExists(f"the collection already has an index named {name!r}") from None

    def remove(self, org_id: str, kind: int, pipeline: str, name: str) -> None:
        """Remove an index; NOT_FOUND when the collection has none of that name."""
        with self.store.transaction() as db:
            cursor = db.execute(
                "DELETE FROM data_indexes WHERE organization_id = ? AND collection_type = ? "
                "AND pipeline_name = ? AND index_name = ?",
                (org_id, kind, pipeline, name),
            )
            if cursor.rowcount == 0:
                raise NotFound(f"no index named {name!r} on that collection")

    def of_collection(self, org_id: str, kind: int, pipeline: str) -> list[IndexRow]:
        """The collection's customer indexes, by name."""
        rows = self.store.all(
            "SELECT * FROM data_indexes WHERE organization_id = ? AND collection_type = ? AND pipeline_name = ? "
            "ORDER BY index_name",
            (org_id, kind, pipeline),
        )
        return [typed(IndexRow, r, spec=bytes(r["spec"])) for r in rows]

    # -- signed URLs ---------------------------------------------------------------------------

    def add_signed_url(self, token_digest: str, binary_id: str, org_id: str, expires_at: int) -> None:
        with self.store.transaction() as db:
            db.execute(
                "INSERT INTO data_signed_urls(token_digest, binary_id, organization_id, expires_at) VALUES (?,?,?,?)",
                (token_digest, binary_id, org_id, expires_at),
            )

    def signed_url(self, token_digest: str) -> SignedUrl | None:
        row = self.store.one("SELECT * FROM data_signed_urls WHERE token_digest = ?", (token_digest,))
        return None if row is None else typed(SignedUrl, row)
